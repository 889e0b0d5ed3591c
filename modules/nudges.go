package modules

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/haven-mh/haven/db/kind"
)

// Mailer sends the nudge e-mail in lang ("" for Dutch and English).
// Implementations must not log the address.
type Mailer interface {
	SendNudge(ctx context.Context, to, programmeTitle, lang string) error
}

// SetNudgeEmail stores the address the client opted in with (sealed, used
// for nudges alone) and the language they did it in, which the e-mail —
// crisis lines included — is written in (the programme's first language
// when it has not lang); an empty address removes both.
func (s *Service) SetNudgeEmail(ctx context.Context, userID, programmeID, address, lang string) error {
	p, err := s.lib.Programme(programmeID)
	if err != nil {
		return err
	}
	e, err := s.store.Enrolment(ctx, userID, programmeID)
	if err != nil {
		return err
	}
	address = strings.TrimSpace(address)
	if address == "" {
		return s.store.SetNudgeEmail(ctx, e.ID, nil, nil)
	}
	if !p.HasLanguage(lang) {
		lang = p.Languages[0]
	}
	if !strings.Contains(address, "@") || len(address) > 254 || strings.ContainsAny(address, " \r\n<>") {
		return kind.Field("modules", "email", "is not an e-mail address")
	}
	sealed, err := s.sealer.Seal([]byte(address), "selfhelp-nudge-email:"+e.ID)
	if err != nil {
		return err
	}
	return s.store.SetNudgeEmail(ctx, e.ID, &sealed, &lang)
}

// RunNudges is the scheduled job: every unfinished enrolment without
// activity for LapseAfter gets one nudge per lapse — shown in the app on
// return, and e-mailed when the client opted in. A lapse is claimed in the
// database before anything is sent, so it is never nudged twice, even when
// the job runs again or on two replicas.
func (s *Service) RunNudges(ctx context.Context, now time.Time, mailer Mailer) (int, error) {
	lapsed, err := s.store.LapsedEnrolments(ctx, now.Add(-LapseAfter))
	if err != nil {
		return 0, err
	}
	var errs []error
	sent := 0
	for _, e := range lapsed {
		n := &Nudge{EnrolmentID: e.ID, LapseSince: e.LastActiveAt.UTC(), CreatedAt: now.UTC()}
		created, err := s.store.CreateNudge(ctx, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !created || e.NudgeEmailSealed == nil || mailer == nil {
			continue
		}
		addr, err := s.sealer.Open(*e.NudgeEmailSealed, "selfhelp-nudge-email:"+e.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("modules: open nudge address of %s: %w", e.ID, err))
			continue
		}
		title := e.ProgrammeID
		if p, err := s.lib.Programme(e.ProgrammeID); err == nil {
			title = p.Title.In(p.Languages[0])
		}
		lang := ""
		if e.NudgeLanguage != nil {
			lang = *e.NudgeLanguage
		}
		if err := mailer.SendNudge(ctx, string(addr), title, lang); err != nil {
			errs = append(errs, fmt.Errorf("modules: send nudge for %s: %w", e.ID, err))
			continue
		}
		if err := s.store.MarkNudgeEmailed(ctx, n, now.UTC()); err != nil {
			errs = append(errs, err)
			continue
		}
		sent++
	}
	return sent, errors.Join(errs...)
}
