package coaching

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/haven-mh/haven/auth"
)

// Export is a client's trajectories for the GDPR download: states and
// dates, the intake, the messages each way, feedback, contacts (without
// the clinician's notes, which are the clinician's record) and
// questionnaires.
type Export struct {
	Trajectories []TrajectoryExport `json:"trajectories"`
}

// TrajectoryExport is one trajectory in an export.
type TrajectoryExport struct {
	ID             string          `json:"id"`
	State          State           `json:"state"`
	AppliedAt      time.Time       `json:"applied_at"`
	StartedAt      *time.Time      `json:"started_at,omitempty"`
	PlannedEnd     *time.Time      `json:"planned_end,omitempty"`
	EndedAt        *time.Time      `json:"ended_at,omitempty"`
	EndReason      *EndReason      `json:"end_reason,omitempty"`
	Intake         json.RawMessage `json:"intake"`
	Messages       []ExportMessage `json:"messages"`
	Feedback       []ExportMessage `json:"feedback"`
	Contacts       []Contact       `json:"contacts"`
	Questionnaires []Score         `json:"questionnaires"`
}

// ExportMessage is a message or feedback in an export.
type ExportMessage struct {
	From   string    `json:"from"`
	Lesson string    `json:"lesson,omitempty"`
	Body   string    `json:"body"`
	SentAt time.Time `json:"sent_at"`
}

// DataName names coaching's part of the account export.
func (s *Service) DataName() string { return "coaching" }

// ExportUser gathers a client's trajectories.
func (s *Service) ExportUser(ctx context.Context, userID string) (any, error) {
	ts, err := s.store.TrajectoriesOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := Export{Trajectories: []TrajectoryExport{}}
	ms, err := s.store.measurements(ctx, trajectoryIDs(ts))
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		e := TrajectoryExport{ID: t.ID, State: t.State, AppliedAt: t.AppliedAt, StartedAt: t.StartedAt, PlannedEnd: t.PlannedEnd,
			EndedAt: t.EndedAt, EndReason: t.EndReason, Messages: []ExportMessage{}, Feedback: []ExportMessage{}, Contacts: []Contact{}}
		intake, err := s.open(t.IntakeSealed, "intake:"+t.ID)
		if err != nil {
			return nil, err
		}
		e.Intake = json.RawMessage(intake)
		msgs, err := s.store.messages(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			body, err := s.open(m.BodySealed, "message:"+m.ID)
			if err != nil {
				return nil, err
			}
			e.Messages = append(e.Messages, ExportMessage{From: m.SenderRole, Body: body, SentAt: m.CreatedAt})
		}
		fb, err := s.feedbackOf(ctx, &t, "", false)
		if err != nil {
			return nil, err
		}
		for _, f := range fb {
			e.Feedback = append(e.Feedback, ExportMessage{From: FromClinician, Lesson: f.LessonID, Body: f.Body, SentAt: f.GivenAt})
		}
		var cs []contact
		if err := s.store.q(ctx).Where("trajectory_id = ?", t.ID).Order("occurred_at").Find(&cs).Error; err != nil {
			return nil, fmt.Errorf("coaching: export contacts: %w", err)
		}
		for _, c := range cs {
			e.Contacts = append(e.Contacts, Contact{ID: c.ID, Mode: c.Mode, OccurredAt: c.OccurredAt, Minutes: c.Minutes})
		}
		e.Questionnaires = trendOf(ms, t.ID).Scores
		out.Trajectories = append(out.Trajectories, e)
	}
	return out, nil
}

// EraseUser deletes a client's trajectories and everything in them. The
// anonymous figures reports need (states, dates, reasons, counts) stay,
// cut from the person: the trajectory keeps its row without client,
// sealed texts or notification address.
func (s *Service) EraseUser(ctx context.Context, userID string) error {
	ts, err := s.store.TrajectoriesOf(ctx, userID)
	if err != nil {
		return err
	}
	ids := trajectoryIDs(ts)
	if len(ids) == 0 {
		return nil
	}
	now := s.now().UTC()
	return s.store.Tx(ctx, func(st *Store) error {
		// A trajectory still going ends with the account: an application
		// is withdrawn, a running trajectory dropped out (by the client).
		for i := range ts {
			t := &ts[i]
			ev, reason := EventWithdraw, EndReason("")
			switch t.State {
			case StateActive:
				ev, reason = EventDropOut, ReasonOther
			case StateApplied, StateWaiting:
			default:
				continue
			}
			t.EndedAt, t.EndedBy = &now, strPtr(EndedByClient)
			cols := []string{"ended_at", "ended_by"}
			if reason != "" {
				t.EndReason = &reason
				cols = append(cols, "end_reason")
			}
			if err := s.move(ctx, st, t, ev, auth.Principal{UserID: userID, Role: auth.RoleClient}, now, cols...); err != nil {
				return err
			}
		}
		for _, m := range []any{&Message{}, &feedback{}, &contact{}, &measurement{}, &alert{}, &lessonAssignment{}} {
			if err := st.q(ctx).Where("trajectory_id IN ?", ids).Delete(m).Error; err != nil {
				return fmt.Errorf("coaching: erase: %w", err)
			}
		}
		if err := st.q(ctx).Model(&transition{}).Where("actor_id = ?", userID).Update("actor_id", nil).Error; err != nil {
			return fmt.Errorf("coaching: erase: %w", err)
		}
		return st.q(ctx).Model(&Trajectory{}).Where("id IN ?", ids).Updates(map[string]any{
			"client_id": "erased", "intake_sealed": "", "notify_sealed": nil, "notify_language": nil, "end_note_sealed": nil, "extension_sealed": nil,
		}).Error
	})
}
