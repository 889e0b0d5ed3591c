package coaching

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db/kind"
	"github.com/haven-mh/haven/selftest"
)

// Care elsewhere, as the intake asks it.
const (
	CareGP           = "gp"
	CarePsychologist = "psychologist"
	CareMedication   = "medication"
)

// CareOptions lists them in the order the intake shows them.
var CareOptions = []string{CareGP, CarePsychologist, CareMedication}

// Application is what a client fills in to apply (the intake).
type Application struct {
	Language string
	// PHQ9 are the intake's PHQ-9 answers; or SelftestID names a PHQ-9
	// self-test the client claimed in the last IntakeSelftestDays.
	PHQ9       []selftest.Answer
	SelftestID string
	// GAD7 is optional: when it shows anxiety, outcome monitoring adds it.
	GAD7 []selftest.Answer
	// Hopes: what they hope for; Reachable: when they can be reached.
	Hopes     string
	Reachable string
	// CareElsewhere lists CareOptions that apply.
	CareElsewhere []string
	// Email is an optional address for notifications.
	Email string
}

// Intake is an application's answers as the clinician reads them.
type Intake struct {
	Hopes         string   `json:"hopes"`
	Reachable     string   `json:"reachable"`
	CareElsewhere []string `json:"care_elsewhere"`
	Language      string   `json:"language"`
}

// Text limits of the intake.
const (
	MaxHopes     = 2000
	MaxReachable = 500
)

// Apply is a client's application for a guided trajectory. It scores the
// intake's PHQ-9 (or takes a recent claimed self-test) with the self-test
// rules, so a crisis answer raises the crisis flag and an alert for the
// coordinators at once. A client has one trajectory going at a time.
func (s *Service) Apply(ctx context.Context, p auth.Principal, in Application) (*Trajectory, *selftest.Outcome, error) {
	if p.Role != auth.RoleClient {
		return nil, nil, auth.ErrForbidden
	}
	verr := checkApplication(&in)
	phq, err := s.intakePHQ(ctx, p.UserID, in)
	var fe interface{ FieldErrors() map[string]string }
	switch {
	case errors.As(err, &fe):
		for k, v := range fe.FieldErrors() {
			verr.Add(strings.Replace(k, "answers.", "phq9.", 1), v)
		}
	case err != nil:
		return nil, nil, err
	}
	var gad *selftest.Outcome
	if len(in.GAD7) > 0 {
		gad, err = s.qs.Evaluate("gad7", in.Language, in.GAD7)
		if errors.As(err, &fe) {
			for k, v := range fe.FieldErrors() {
				verr.Add(strings.Replace(k, "answers.", "gad7.", 1), v)
			}
		} else if err != nil {
			return nil, nil, err
		}
	}
	if err := verr.OrNil(); err != nil {
		return nil, nil, err
	}
	now := s.now().UTC()
	t := &Trajectory{ID: newID(), ClientID: p.UserID, State: StateApplied, IntakeScore: phq.Score, IntakeBand: phq.Band,
		IntakeCrisis: phq.Crisis, IntakeAnxiety: gad != nil && gad.Score >= 10, AppliedAt: now, LastClientActivityAt: now, UpdatedAt: now}
	intake, _ := json.Marshal(Intake{Hopes: in.Hopes, Reachable: in.Reachable, CareElsewhere: in.CareElsewhere, Language: phq.Language})
	if t.IntakeSealed, err = s.seal(string(intake), "intake:"+t.ID); err != nil {
		return nil, nil, err
	}
	if in.Email != "" {
		sealed, err := s.seal(in.Email, "notify:"+t.ID)
		if err != nil {
			return nil, nil, err
		}
		t.NotifySealed = &sealed
		lang := in.Language
		if lang != "nl" && lang != "en" {
			lang = phq.Language
		}
		if lang == "nl" || lang == "en" {
			t.NotifyLanguage = &lang
		}
	}
	err = s.store.Tx(ctx, func(st *Store) error {
		if err := st.create(ctx, t); err != nil {
			return err
		}
		if err := st.addTransition(ctx, &transition{TrajectoryID: t.ID, ToState: StateApplied, Event: "apply", At: now,
			ActorID: audit.Str(p.UserID), ActorRole: string(p.Role)}); err != nil {
			return err
		}
		for _, o := range []*selftest.Outcome{phq, gad} {
			if o == nil {
				continue
			}
			if err := s.saveMeasurement(ctx, st, t, PointIntake, o, answersOf(in, o), now); err != nil {
				return err
			}
			if o.Crisis {
				if err := s.raise(ctx, st, t, SourceIntake, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if err := s.record(ctx, p, t, audit.ActionTrajectoryApply, "trajectory:"+t.ID); err != nil {
		return nil, nil, err
	}
	return t, phq, nil
}

func answersOf(in Application, o *selftest.Outcome) []selftest.Answer {
	if o.Instrument.ID == "gad7" {
		return in.GAD7
	}
	return in.PHQ9
}

// checkApplication trims the texts and names what is missing or too long.
func checkApplication(in *Application) *kind.Invalid {
	verr := kind.NewInvalid("coaching")
	in.Hopes, in.Reachable, in.Email = strings.TrimSpace(in.Hopes), strings.TrimSpace(in.Reachable), strings.TrimSpace(in.Email)
	switch n := utf8.RuneCountInString(in.Hopes); {
	case n == 0:
		verr.Add("hopes", "say in a few words what you hope for")
	case n > MaxHopes:
		verr.Add("hopes", fmt.Sprintf("at most %d characters", MaxHopes))
	}
	switch n := utf8.RuneCountInString(in.Reachable); {
	case n == 0:
		verr.Add("reachable", "say when you can be reached")
	case n > MaxReachable:
		verr.Add("reachable", fmt.Sprintf("at most %d characters", MaxReachable))
	}
	seen := map[string]bool{}
	var care []string
	for _, c := range in.CareElsewhere {
		if !slices.Contains(CareOptions, c) {
			verr.Add("care_elsewhere", "must be gp, psychologist or medication")
			continue
		}
		if !seen[c] {
			seen[c] = true
			care = append(care, c)
		}
	}
	sort.Slice(care, func(i, j int) bool { return slices.Index(CareOptions, care[i]) < slices.Index(CareOptions, care[j]) })
	in.CareElsewhere = care
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
			verr.Add("email", "must be a plain e-mail address such as name@example.org")
		}
	}
	if len(in.PHQ9) == 0 && in.SelftestID == "" {
		verr.Add("phq9", "answer the questionnaire, or use a recent self-test")
	}
	return verr
}

// intakePHQ scores the intake's PHQ-9, or finds the claimed self-test it
// names (a PHQ-9 of this client from the last IntakeSelftestDays).
func (s *Service) intakePHQ(ctx context.Context, clientID string, in Application) (*selftest.Outcome, error) {
	if len(in.PHQ9) > 0 {
		return s.qs.Evaluate("phq9", in.Language, in.PHQ9)
	}
	if in.SelftestID == "" {
		return nil, nil
	}
	claimed, err := s.qs.Claimed(ctx, clientID)
	if err != nil {
		return nil, err
	}
	since := s.now().Add(-time.Duration(s.cfg.IntakeSelftestDays) * 24 * time.Hour)
	for _, o := range claimed {
		if o.ID == in.SelftestID && o.Instrument.ID == "phq9" && o.CreatedAt.After(since) {
			return o, nil
		}
	}
	return nil, invalid("selftest_id", fmt.Sprintf("is not a PHQ-9 you kept in your account in the last %d days", s.cfg.IntakeSelftestDays))
}

// RecentSelftests lists the client's claimed PHQ-9 self-tests recent
// enough to serve as the intake's questionnaire.
func (s *Service) RecentSelftests(ctx context.Context, p auth.Principal) ([]*selftest.Outcome, error) {
	claimed, err := s.qs.Claimed(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	since := s.now().Add(-time.Duration(s.cfg.IntakeSelftestDays) * 24 * time.Hour)
	var out []*selftest.Outcome
	for _, o := range claimed {
		if o.Instrument.ID == "phq9" && o.CreatedAt.After(since) {
			out = append(out, o)
		}
	}
	return out, nil
}

// ReadIntake opens an application's answers (the client, the assigned
// clinician and coordinators); staff reads are audited.
func (s *Service) ReadIntake(ctx context.Context, p auth.Principal, id string) (*Intake, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessIntake)
	if err != nil {
		return nil, err
	}
	if p.Role != auth.RoleClient {
		if err := s.record(ctx, p, t, audit.ActionClientRead, "trajectory:"+t.ID+":intake"); err != nil {
			return nil, err
		}
	}
	return s.openIntake(t)
}

// openIntake opens a trajectory's intake answers.
func (s *Service) openIntake(t *Trajectory) (*Intake, error) {
	if t.IntakeSealed == "" {
		return &Intake{}, nil // erased with the client's account
	}
	plain, err := s.open(t.IntakeSealed, "intake:"+t.ID)
	if err != nil {
		return nil, err
	}
	var in Intake
	if err := json.Unmarshal([]byte(plain), &in); err != nil {
		return nil, fmt.Errorf("coaching: decode intake: %w", err)
	}
	return &in, nil
}

// Withdraw is the client withdrawing their application before it starts.
func (s *Service) Withdraw(ctx context.Context, p auth.Principal, id string) (*Trajectory, error) {
	if p.Role != auth.RoleClient {
		return nil, auth.ErrForbidden
	}
	return s.change(ctx, p, id, AccessCare, EventWithdraw, func(t *Trajectory, now time.Time) ([]string, error) {
		t.EndedAt, t.EndedBy = &now, strPtr(EndedByClient)
		return []string{"ended_at", "ended_by"}, nil
	})
}

// Consent is the client agreeing to the clinician they were told about:
// the trajectory starts, and ends as planned three months later.
func (s *Service) Consent(ctx context.Context, p auth.Principal, id string) (*Trajectory, error) {
	if p.Role != auth.RoleClient {
		return nil, auth.ErrForbidden
	}
	return s.change(ctx, p, id, AccessCare, EventConsent, func(t *Trajectory, now time.Time) ([]string, error) {
		if t.ClinicianID == nil {
			return nil, &TransitionError{From: t.State, To: StateActive}
		}
		t.ConsentAt = &now
		cols := []string{"consent_at"}
		if t.StartedAt == nil { // a new clinician mid-way keeps the dates
			end := PlannedEnd(now.In(s.cfg.Location), s.cfg.Months).UTC()
			t.StartedAt, t.PlannedEnd = &now, &end
			cols = append(cols, "started_at", "planned_end")
		}
		return cols, nil
	})
}

// change runs one transition on trajectory id for p (who needs access a),
// in a transaction, with edit setting the other columns; it audits it.
func (s *Service) change(ctx context.Context, p auth.Principal, id string, a Access, ev Event, edit func(t *Trajectory, now time.Time) ([]string, error)) (*Trajectory, error) {
	now := s.now().UTC()
	var out *Trajectory
	// Access first, outside the transaction: a denied attempt is written
	// to the audit log, which SQLite's one write transaction would block.
	if _, err := s.trajectoryFor(ctx, s.store, p, id, a); err != nil {
		return nil, err
	}
	err := s.store.Tx(ctx, func(st *Store) error {
		if _, err := s.trajectoryFor(ctx, st, p, id, a); err != nil {
			return err
		}
		t, err := st.lockTrajectory(ctx, id)
		if err != nil {
			return err
		}
		if _, err := Transition(t.State, ev); err != nil {
			return err
		}
		cols, err := edit(t, now)
		if err != nil {
			return err
		}
		if err := s.move(ctx, st, t, ev, p, now, cols...); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	action := audit.ActionTrajectoryChange
	if p.Role != auth.RoleClient {
		action = audit.ActionClientChange
	}
	if err := s.record(ctx, p, out, action, "trajectory:"+out.ID+":"+string(ev)); err != nil {
		return nil, err
	}
	return out, nil
}

func strPtr(s string) *string { return &s }
