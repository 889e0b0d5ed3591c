package modules

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/haven-mh/haven/db/kind"
)

// NudgeQueue queues the reminder e-mail in the transaction that records
// the nudge (db/outbox, through cmd/haven/wire): the outbox sends it with
// retries and back-off, and says truthfully whether it went out.
type NudgeQueue interface {
	QueueNudge(ctx context.Context, st *Store, m NudgeMail) error
}

// NudgeMail is one reminder e-mail to queue: for whom, to the address they
// opted in with (sealed, and the context it was sealed under), in the
// language they did it in ("" for Dutch and English).
type NudgeMail struct {
	UserID         string
	EnrolmentID    string
	AddressSealed  string
	AddressContext string
	Language       string
	At             time.Time
}

// SetNudgeEmail stores the address the client opted in with (sealed, used
// for nudges alone) and the language they did it in, which the e-mail —
// crisis lines included — is written in (the programme's first language
// when it has not lang); an empty address removes both. Without mail
// (Options.MailConfigured) an address is refused with ErrMailNotConfigured:
// it would never be used.
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
	if !s.mail {
		return fmt.Errorf("modules: nudge e-mail: %w", ErrMailNotConfigured)
	}
	sealed, err := s.sealer.Seal([]byte(address), nudgeEmailContext(e.ID))
	if err != nil {
		return err
	}
	return s.store.SetNudgeEmail(ctx, e.ID, &sealed, &lang)
}

// RunNudges is the scheduled job: every unfinished enrolment without
// activity for LapseAfter gets one nudge per lapse — shown in the app on
// return, and e-mailed (through queue, the outbox) when the client opted
// in. A lapse is claimed in the database, in the transaction that queues
// its e-mail, so it is never nudged twice, even when the job runs again
// or on two replicas. It returns how many e-mails it queued.
func (s *Service) RunNudges(ctx context.Context, now time.Time, queue NudgeQueue) (int, error) {
	lapsed, err := s.store.LapsedEnrolments(ctx, now.Add(-LapseAfter))
	if err != nil {
		return 0, err
	}
	var errs []error
	queued := 0
	for _, e := range lapsed {
		n := &Nudge{EnrolmentID: e.ID, LapseSince: e.LastActiveAt.UTC(), CreatedAt: now.UTC()}
		mailed := false
		err := s.store.Tx(ctx, func(st *Store) error {
			created, err := st.CreateNudge(ctx, n)
			if err != nil || !created || e.NudgeEmailSealed == nil || queue == nil {
				return err
			}
			lang := ""
			if e.NudgeLanguage != nil {
				lang = *e.NudgeLanguage
			}
			mailed = true
			return queue.QueueNudge(ctx, st, NudgeMail{UserID: e.UserID, EnrolmentID: e.ID, AddressSealed: *e.NudgeEmailSealed,
				AddressContext: nudgeEmailContext(e.ID), Language: lang, At: now.UTC()})
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("modules: nudge %s: %w", e.ID, err))
			continue
		}
		if mailed {
			queued++
		}
	}
	return queued, errors.Join(errs...)
}

// nudgeEmailContext binds a sealed reminder address to its enrolment.
func nudgeEmailContext(enrolmentID string) string { return "selfhelp-nudge-email:" + enrolmentID }
