package coaching

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/haven-mh/haven/auth"
)

// MaxNote caps the free notes (end note, extension reason, contact note).
const MaxNote = 2000

// Extend is the clinician's one extension of a trajectory: a reason and a
// new planned end, after the current one.
func (s *Service) Extend(ctx context.Context, p auth.Principal, id string, until time.Time, reason string) (*Trajectory, error) {
	if p.Role != auth.RoleClinician {
		return nil, auth.ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > MaxNote {
		return nil, invalid("reason", fmt.Sprintf("say why (at most %d characters)", MaxNote))
	}
	sealed, err := s.seal(reason, "extension:"+id)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, p, id, AccessCare, EventExtend, func(t *Trajectory, now time.Time) ([]string, error) {
		switch {
		case t.ExtendedAt != nil:
			return nil, ErrAlreadyExtended
		case t.PlannedEnd == nil || !until.After(*t.PlannedEnd):
			return nil, invalid("until", "must be after the planned end")
		case until.After(PlannedEnd(*t.PlannedEnd, s.cfg.Months)):
			return nil, invalid("until", fmt.Sprintf("may extend by at most %d months", s.cfg.Months))
		}
		u := until.UTC()
		t.ExtendedAt, t.ExtensionSealed, t.PlannedEnd = &now, &sealed, &u
		return []string{"extended_at", "extension_sealed", "planned_end"}, nil
	})
}

// Outcome is how a trajectory ends: completed, or dropped out or referred
// with a reason from the taxonomy, and a free note.
type Outcome struct {
	State  State
	Reason EndReason
	Note   string
}

// checkOutcome names what is wrong with an outcome.
func checkOutcome(o *Outcome) error {
	o.Note = strings.TrimSpace(o.Note)
	if utf8.RuneCountInString(o.Note) > MaxNote {
		return invalid("note", fmt.Sprintf("at most %d characters", MaxNote))
	}
	switch o.State {
	case StateCompleted:
		if o.Reason != "" {
			return invalid("reason", "a completed trajectory has no dropout reason")
		}
	case StateDroppedOut, StateReferred:
		if !o.Reason.Valid() {
			return invalid("reason", "choose why the trajectory ends")
		}
		if o.Reason.Referral() != (o.State == StateReferred) {
			return invalid("reason", "a referral ends as referred, any other reason as dropped out")
		}
		if o.Reason.NeedsNote() && o.Note == "" {
			return invalid("note", "say what the other reason is")
		}
	default:
		return invalid("state", "must be completed, dropped_out or referred")
	}
	return nil
}

// Close ends a trajectory — by its clinician, or by the client stopping —
// as completed, dropped out or referred. Every end but completed needs a
// reason; the record keeps who ended it, when, and how far the client got.
func (s *Service) Close(ctx context.Context, p auth.Principal, id string, o Outcome) (*Trajectory, error) {
	if err := checkOutcome(&o); err != nil {
		return nil, err
	}
	ev := map[State]Event{StateCompleted: EventComplete, StateDroppedOut: EventDropOut, StateReferred: EventRefer}[o.State]
	by := EndedByClinician
	switch p.Role {
	case auth.RoleClient:
		by = EndedByClient
		if o.State != StateDroppedOut {
			return nil, invalid("state", "a client stops a trajectory; their clinician completes or refers it")
		}
		if !o.Reason.ByClient() {
			return nil, invalid("reason", "not a reason a client gives")
		}
	case auth.RoleCoordinator:
		by = EndedByCoordinator
	case auth.RoleClinician:
	default:
		return nil, auth.ErrForbidden
	}
	need := AccessCare
	if p.Role == auth.RoleCoordinator {
		need = AccessIntake // an application that never started
	}
	var note *string
	if o.Note != "" {
		sealed, err := s.seal(o.Note, "end:"+id)
		if err != nil {
			return nil, err
		}
		note = &sealed
	}
	return s.change(ctx, p, id, need, ev, func(t *Trajectory, now time.Time) ([]string, error) {
		if p.Role == auth.RoleCoordinator && t.State == StateActive {
			return nil, fmt.Errorf("coaching: a running trajectory is ended by its clinician: %w", auth.ErrForbidden)
		}
		if err := s.snapshot(ctx, s.store, t); err != nil {
			return nil, err
		}
		reason := o.Reason
		t.EndedAt, t.EndedBy, t.EndNoteSealed = &now, &by, note
		if reason != "" {
			t.EndReason = &reason
		}
		return []string{"ended_at", "ended_by", "end_note_sealed", "end_reason", "end_lessons_completed", "end_messages_in", "end_messages_out", "end_contacts"}, nil
	})
}

// snapshot records how far the client got: lessons completed, messages
// each way, contacts.
func (s *Service) snapshot(ctx context.Context, st *Store, t *Trajectory) error {
	in, out, err := st.messageCounts(ctx, t.ID)
	if err != nil {
		return err
	}
	contacts, err := st.contactCount(ctx, t.ID)
	if err != nil {
		return err
	}
	done := 0
	for _, p := range s.course.Library().Programmes() {
		pr, err := s.course.Progress(ctx, t.ClientID, p.ID)
		if err != nil {
			continue // not enrolled
		}
		for _, l := range pr.Lessons {
			if l.CompletedAt != nil {
				done++
			}
		}
	}
	t.EndLessonsCompleted, t.EndMessagesIn, t.EndMessagesOut, t.EndContacts = done, in, out, contacts
	return nil
}
