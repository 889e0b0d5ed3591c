package coaching

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// AssignLessons is the clinician choosing the client's lessons and their
// order: inside a trajectory that runs, the course opens these lessons, in
// this order, instead of one after the other.
func (s *Service) AssignLessons(ctx context.Context, p auth.Principal, id, programmeID string, lessonIDs []string) error {
	if p.Role != auth.RoleClinician {
		return auth.ErrForbidden
	}
	prog, err := s.course.Library().Programme(programmeID)
	if err != nil {
		return invalid("programme", "is not a programme of the course")
	}
	seen := map[string]bool{}
	for _, l := range lessonIDs {
		if prog.Lesson(l) == nil || seen[l] {
			return invalid("lessons", fmt.Sprintf("%q is not a lesson of %s, or appears twice", l, programmeID))
		}
		seen[l] = true
	}
	now := s.now().UTC()
	var t *Trajectory
	// Access first, outside the transaction: a denied attempt is written
	// to the audit log, which SQLite's one write transaction would block.
	if _, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare); err != nil {
		return err
	}
	err = s.store.Tx(ctx, func(st *Store) error {
		if t, err = s.trajectoryFor(ctx, st, p, id, AccessCare); err != nil {
			return err
		}
		if t.State != StateActive {
			return &TransitionError{From: t.State, To: StateActive}
		}
		if err := st.q(ctx).Where("trajectory_id = ? AND programme_id = ?", t.ID, programmeID).Delete(&lessonAssignment{}).Error; err != nil {
			return fmt.Errorf("coaching: clear lessons: %w", err)
		}
		for i, l := range lessonIDs {
			la := &lessonAssignment{TrajectoryID: t.ID, LessonID: l, ProgrammeID: programmeID, Position: i + 1, AssignedAt: now, AssignedBy: p.UserID}
			if err := st.q(ctx).Create(la).Error; err != nil {
				return fmt.Errorf("coaching: assign lesson: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.record(ctx, p, t, audit.ActionClientChange, "trajectory:"+t.ID+":lessons")
}

// CourseGuidance is the guided trajectory's say over a client's course,
// in one answer for the course (modules.Guidance, through the wire relay).
type CourseGuidance struct {
	// Running is set while the client's trajectory runs (active).
	Running bool
	Started time.Time
	// Assigned is the lessons the clinician set in the programme, in
	// their order.
	Assigned []string
	// LastFeedback is, by lesson, when the clinician last gave feedback
	// on it in this trajectory.
	LastFeedback map[string]time.Time
	// DueBy is when feedback on a moment finished at since is due: the
	// response target in working days.
	DueBy func(since time.Time) time.Time
}

// CourseGuidance answers the course about clientID's course in
// programmeID. Outside a running trajectory it is the zero value after one
// indexed lookup (every self-help client's case); inside, two more: the
// lessons set and the latest feedback per lesson.
func (s *Service) CourseGuidance(ctx context.Context, clientID, programmeID string) (CourseGuidance, error) {
	t, err := s.store.OpenTrajectory(ctx, clientID)
	if errors.Is(err, ErrNotFound) {
		return CourseGuidance{}, nil
	}
	if err != nil {
		return CourseGuidance{}, err
	}
	if t.State != StateActive || t.StartedAt == nil {
		return CourseGuidance{}, nil
	}
	g := CourseGuidance{Running: true, Started: t.StartedAt.UTC(), LastFeedback: map[string]time.Time{},
		DueBy: func(since time.Time) time.Time { return s.addWorkingDays(since, s.cfg.ResponseDays) }}
	var rows []lessonAssignment
	if err := s.store.q(ctx).Where("trajectory_id = ? AND programme_id = ?", t.ID, programmeID).Order("position").Find(&rows).Error; err != nil {
		return CourseGuidance{}, fmt.Errorf("coaching: assigned lessons: %w", err)
	}
	for _, r := range rows {
		g.Assigned = append(g.Assigned, r.LessonID)
	}
	// A trajectory has a handful of feedback rows (one or two per
	// lesson); the latest per lesson is kept here rather than with MAX,
	// which SQLite returns as text.
	var given []feedback
	if err := s.store.q(ctx).Select("lesson_id", "created_at").Where("trajectory_id = ?", t.ID).Find(&given).Error; err != nil {
		return CourseGuidance{}, fmt.Errorf("coaching: feedback given: %w", err)
	}
	for _, f := range given {
		if f.CreatedAt.After(g.LastFeedback[f.LessonID]) {
			g.LastFeedback[f.LessonID] = f.CreatedAt.UTC()
		}
	}
	return g, nil
}
