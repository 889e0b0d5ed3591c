package coaching

import (
	"context"
	"errors"
	"fmt"

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

// AssignedLessons answers the course: the lessons the clinician set for
// clientID in programmeID, in order, and whether a clinician guides the
// course at all (a trajectory running with lessons set).
func (s *Service) AssignedLessons(ctx context.Context, clientID, programmeID string) ([]string, bool, error) {
	t, err := s.store.OpenTrajectory(ctx, clientID)
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil || t.State != StateActive {
		return nil, false, err
	}
	var rows []lessonAssignment
	if err := s.store.q(ctx).Where("trajectory_id = ? AND programme_id = ?", t.ID, programmeID).Order("position").Find(&rows).Error; err != nil {
		return nil, false, fmt.Errorf("coaching: assigned lessons: %w", err)
	}
	if len(rows) == 0 {
		return nil, false, nil
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.LessonID
	}
	return out, true, nil
}
