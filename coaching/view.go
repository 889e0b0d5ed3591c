package coaching

import (
	"context"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// TrajectoryView is one trajectory with its history of changes.
type TrajectoryView struct {
	Trajectory Trajectory
	History    []Change
}

// View returns a trajectory and its history to whoever may see its
// application: its client, its clinician (also before the client agreed)
// and coordinators. A staff member's read is audited; a refused one is
// audited as denied and answered ErrNotFound.
func (s *Service) View(ctx context.Context, p auth.Principal, id string) (*TrajectoryView, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessIntake)
	if err != nil {
		return nil, err
	}
	if p.Role != auth.RoleClient {
		if err := s.record(ctx, p, t, audit.ActionClientRead, "trajectory:"+t.ID); err != nil {
			return nil, err
		}
	}
	hist, err := s.store.History(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	r := &TrajectoryView{Trajectory: *t, History: make([]Change, 0, len(hist))}
	for _, h := range hist {
		r.History = append(r.History, Change{From: h.FromState, To: h.ToState, Event: h.Event, At: h.At, By: h.ActorRole})
	}
	return r, nil
}
