package coaching

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

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
		ended := false
		err := s.store.Tx(ctx, func(st *Store) error {
			cur, err := st.lockTrajectory(ctx, t.ID)
			if err != nil {
				return err
			}
			if _, err := Transition(cur.State, EventNoContact); err != nil {
				return nil // moved on meanwhile (or ended by another replica)
			}
			at := now.UTC()
			cur.EndedAt, cur.EndedBy, cur.EndReason = &at, strPtr(EndedBySystem), &reason
			if err := s.move(ctx, st, cur, EventNoContact, system, at, "ended_at", "ended_by", "end_reason"); err != nil {
				return err
			}
			ended = true
			return s.notify.Notify(ctx, st, Notification{Kind: NotifyNoContact, TrajectoryID: cur.ID})
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ended {
			continue
		}
		n++
		if err := s.record(ctx, system, &t, audit.ActionTrajectoryChange, "trajectory:"+t.ID+":no_contact"); err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// RunReminders is the daily job of notifications: a questionnaire that
// became due (to the client), and a trajectory that ends within a week
// (to its clinician). Each is queued once, claimed at row level
// (coaching_reminders: trajectory, kind, point or end date) in the
// transaction that queues it, so neither a second replica, nor a run by
// hand, nor a run at another hour repeats one; a day the job did not run
// is caught up within the week.
func (s *Service) RunReminders(ctx context.Context, now time.Time) (int, error) {
	active, err := s.store.ByState(ctx, []State{StateActive, StateCompleted}, 100000)
	if err != nil {
		return 0, err
	}
	ms, err := s.store.measurements(ctx, trajectoryIDs(active))
	if err != nil {
		return 0, err
	}
	const week = 7 * 24 * time.Hour
	n := 0
	err = s.store.Tx(ctx, func(st *Store) error {
		n = 0 // a retried transaction counts afresh
		for i := range active {
			t := &active[i]
			for _, d := range s.scheduleFrom(t, ms) {
				if d.Taken != nil || d.DueAt.After(now) || now.Sub(d.DueAt) >= week || d.Instrument != "phq9" || t.NotifySealed == nil {
					continue
				}
				claimed, err := st.claimReminder(ctx, t.ID, NotifyDue, d.Point, now)
				if err != nil {
					return err
				}
				if !claimed {
					continue
				}
				if err := s.notifyClient(ctx, st, t, NotifyDue); err != nil {
					return err
				}
				n++
			}
			if t.State == StateActive && t.PlannedEnd != nil && t.ClinicianID != nil {
				if left := t.PlannedEnd.Sub(now); left <= week && left > 0 {
					claimed, err := st.claimReminder(ctx, t.ID, NotifyEnding, t.PlannedEnd.UTC().Format(time.DateOnly), now)
					if err != nil {
						return err
					}
					if !claimed {
						continue
					}
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

// reminder is one reminder queued (coaching_reminders).
type reminder struct {
	TrajectoryID string `gorm:"primaryKey"`
	Kind         string `gorm:"primaryKey"`
	Key          string `gorm:"primaryKey"`
	CreatedAt    time.Time
}

func (reminder) TableName() string { return "coaching_reminders" }

// claimReminder records a reminder unless it was recorded already; it
// reports whether this call recorded it. On PostgreSQL a concurrent claim
// of the same reminder waits for the first transaction and then finds it.
func (s *Store) claimReminder(ctx context.Context, trajectoryID, kind, key string, now time.Time) (bool, error) {
	res := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&reminder{TrajectoryID: trajectoryID, Kind: kind, Key: key, CreatedAt: now.UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("coaching: claim reminder: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
