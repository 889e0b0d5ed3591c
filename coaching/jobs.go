package coaching

import (
	"context"
	"errors"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// RunNoContact is the daily job: an application that reached no
// clinician — no contact at all after sign-up — within NoContactDays ends
// as no_contact_after_signup (ended by the system), and the coordinators
// are told. Idempotent: a trajectory ends once.
func (s *Service) RunNoContact(ctx context.Context, now time.Time) (int, error) {
	cutoff := now.Add(-time.Duration(s.cfg.NoContactDays) * 24 * time.Hour)
	var ts []Trajectory
	err := s.store.q(ctx).Where("state IN ? AND applied_at < ? AND first_contact_at IS NULL",
		[]State{StateApplied, StateWaiting}, cutoff).Limit(1000).Find(&ts).Error
	if err != nil {
		return 0, err
	}
	system := auth.Principal{}
	reason := ReasonNoContactAfterSignup
	n := 0
	var errs []error
	for _, t := range ts {
		err := s.store.Tx(ctx, func(st *Store) error {
			cur, err := st.lockTrajectory(ctx, t.ID)
			if err != nil {
				return err
			}
			if _, err := Transition(cur.State, EventNoContact); err != nil {
				return nil // moved on meanwhile
			}
			at := now.UTC()
			cur.EndedAt, cur.EndedBy, cur.EndReason = &at, strPtr(EndedBySystem), &reason
			if err := s.move(ctx, st, cur, EventNoContact, system, at, "ended_at", "ended_by", "end_reason"); err != nil {
				return err
			}
			n++
			return s.notify.Notify(ctx, st, Notification{Kind: NotifyNoContact, TrajectoryID: cur.ID})
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.record(ctx, system, &t, audit.ActionTrajectoryChange, "trajectory:"+t.ID+":no_contact"); err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// RunReminders is the daily job of notifications: a questionnaire that
// became due (to the client), and a trajectory that ends within a week
// (to its clinician). Each is queued once: the job claims its slot and
// looks at what became due in the last day.
func (s *Service) RunReminders(ctx context.Context, now time.Time) (int, error) {
	active, err := s.store.ByState(ctx, []State{StateActive, StateCompleted}, 100000)
	if err != nil {
		return 0, err
	}
	ms, err := s.store.measurements(ctx, trajectoryIDs(active))
	if err != nil {
		return 0, err
	}
	day := 24 * time.Hour
	n := 0
	err = s.store.Tx(ctx, func(st *Store) error {
		for i := range active {
			t := &active[i]
			for _, d := range s.scheduleFrom(t, ms) {
				if d.Taken == nil && !d.DueAt.After(now) && now.Sub(d.DueAt) < day && d.Instrument == "phq9" {
					if err := s.notifyClient(ctx, st, t, NotifyDue); err != nil {
						return err
					}
					n++
				}
			}
			if t.State == StateActive && t.PlannedEnd != nil && t.ClinicianID != nil {
				if left := t.PlannedEnd.Sub(now); left <= 7*day && left > 6*day {
					if err := s.notify.Notify(ctx, st, Notification{Kind: NotifyEnding, RecipientID: *t.ClinicianID, TrajectoryID: t.ID}); err != nil {
						return err
					}
					n++
				}
			}
		}
		return nil
	})
	return n, err
}
