package coaching

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/modules"
)

// ClientWork is a client's self-help work as their clinician reads it.
type ClientWork struct {
	Programme *modules.Programme
	Progress  *modules.Progress // nil when the client has not started
	Answers   []modules.StepAnswer
	Assigned  []string // the lessons the clinician set, in order
	// Feedback is the clinician's feedback on the programme's lessons,
	// newest first.
	Feedback []Feedback
	// FeedbackDue holds, per lesson the client completed and has had no
	// feedback on since, when that feedback is due: the response target
	// in working days after the lesson was completed — or after the
	// client finished the lesson's feedback moment, which they wait at.
	FeedbackDue map[string]time.Time
}

// Work returns the client's course work in programmeID: progress and
// every saved answer (homework included). Each read is audited.
func (s *Service) Work(ctx context.Context, p auth.Principal, id, programmeID string) (*ClientWork, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare)
	if err != nil {
		return nil, err
	}
	prog, err := s.course.Library().Programme(programmeID)
	if err != nil {
		return nil, err
	}
	if p.Role != auth.RoleClient {
		if err := s.record(ctx, p, t, audit.ActionClientRead, "trajectory:"+t.ID+":course:"+programmeID); err != nil {
			return nil, err
		}
	}
	w := &ClientWork{Programme: prog}
	pr, err := s.course.Progress(ctx, t.ClientID, programmeID)
	switch {
	case errors.Is(err, modules.ErrNotFound):
		return w, nil
	case err != nil:
		return nil, err
	}
	w.Progress = pr
	if w.Answers, err = s.course.Answers(ctx, t.ClientID, programmeID); err != nil {
		return nil, err
	}
	var rows []lessonAssignment
	if err := s.store.q(ctx).Where("trajectory_id = ? AND programme_id = ?", t.ID, programmeID).Order("position").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		w.Assigned = append(w.Assigned, r.LessonID)
	}
	fb, err := s.feedbackOf(ctx, t, "", false)
	if err != nil {
		return nil, err
	}
	w.FeedbackDue = map[string]time.Time{}
	for _, f := range fb {
		if prog.Lesson(f.LessonID) != nil {
			w.Feedback = append(w.Feedback, f)
		}
	}
	for _, l := range pr.Lessons {
		if l.CompletedAt == nil {
			continue
		}
		answered := slices.ContainsFunc(w.Feedback, func(f Feedback) bool {
			return f.LessonID == l.Lesson.ID && !f.GivenAt.Before(*l.CompletedAt)
		})
		if !answered {
			w.FeedbackDue[l.Lesson.ID] = s.addWorkingDays(*l.CompletedAt, s.cfg.ResponseDays)
		}
	}
	for _, l := range pr.Lessons {
		if l.Waiting != nil { // a feedback moment: the client waits for it
			w.FeedbackDue[l.Lesson.ID] = l.Waiting.By
		}
	}
	return w, nil
}

// Diary returns the client's mood diary from day from to day to; the read
// is audited.
func (s *Service) Diary(ctx context.Context, p auth.Principal, id string, from, to time.Time) ([]modules.DiaryEntry, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare)
	if err != nil {
		return nil, err
	}
	if p.Role != auth.RoleClient {
		if err := s.record(ctx, p, t, audit.ActionClientRead, "trajectory:"+t.ID+":diary"); err != nil {
			return nil, err
		}
	}
	return s.course.Diary(ctx, t.ClientID, from, to)
}

// Trajectory returns one trajectory for p (with the access a).
func (s *Service) Trajectory(ctx context.Context, p auth.Principal, id string, a Access) (*Trajectory, error) {
	return s.trajectoryFor(ctx, s.store, p, id, a)
}

// Mine returns the client's trajectories, the newest first.
func (s *Service) Mine(ctx context.Context, p auth.Principal) ([]Trajectory, error) {
	if p.Role != auth.RoleClient {
		return nil, auth.ErrForbidden
	}
	return s.store.TrajectoriesOf(ctx, p.UserID)
}

// Current returns the client's trajectory going, or ErrNotFound.
func (s *Service) Current(ctx context.Context, p auth.Principal) (*Trajectory, error) {
	if p.Role != auth.RoleClient {
		return nil, auth.ErrForbidden
	}
	return s.store.OpenTrajectory(ctx, p.UserID)
}
