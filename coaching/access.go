package coaching

import (
	"context"
	"fmt"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// Access is what a caller needs a trajectory for.
type Access int

// The kinds of access, from least to most.
const (
	// AccessManage: coordinators — the waiting list, assignment, state and
	// dates; never the content of the care.
	AccessManage Access = iota
	// AccessIntake: the application itself (severity, hopes, reachability):
	// coordinators, the assigned clinician (also before the client
	// agreed), and the client.
	AccessIntake
	// AccessCare: the care itself — messages, feedback, contacts, the client's
	// lessons, answers, diary and questionnaires: the client, and the
	// clinician they agreed to, while the trajectory runs (and after it,
	// for its record).
	AccessCare
)

// allowed reports whether p may have access a to t. It is the one rule
// about who sees a trajectory.
func allowed(p auth.Principal, t *Trajectory, a Access) bool {
	switch p.Role {
	case auth.RoleClient:
		return t.ClientID == p.UserID
	case auth.RoleCoordinator:
		return a <= AccessIntake
	case auth.RoleClinician:
		mine := t.ClinicianID != nil && *t.ClinicianID == p.UserID
		if a <= AccessIntake {
			return mine
		}
		return mine && t.ConsentAt != nil && t.State != StateWaiting
	}
	return false
}

// trajectoryFor returns trajectory id when p may have access a to it.
// Otherwise it is ErrNotFound (never saying whether it exists), and a
// staff member's attempt is written to the audit log as denied.
func (s *Service) trajectoryFor(ctx context.Context, st *Store, p auth.Principal, id string, a Access) (*Trajectory, error) {
	t, err := st.Trajectory(ctx, id)
	if err != nil {
		return nil, err
	}
	if allowed(p, t, a) {
		return t, nil
	}
	e := audit.Entry{ActorID: audit.Str(p.UserID), ActorRole: string(p.Role), SessionID: audit.Str(p.SessionID),
		SubjectID: audit.Str(t.ClientID), Action: audit.ActionClientRead, Object: "trajectory:" + t.ID,
		RequestID: p.RequestID, Outcome: audit.OutcomeDenied}
	if err := s.audit.Append(ctx, e); err != nil {
		return nil, fmt.Errorf("coaching: audit: %w", err)
	}
	return nil, fmt.Errorf("coaching: trajectory %s: %w", id, ErrNotFound)
}

// CanSeeClient reports whether p may see clientID's record: the client
// themselves, a coordinator, or the clinician of a trajectory the client
// agreed to (the authz guard's per-record rule for client records).
func (s *Service) CanSeeClient(ctx context.Context, p auth.Principal, clientID string) (bool, error) {
	switch p.Role {
	case auth.RoleClient:
		return p.UserID == clientID, nil
	case auth.RoleCoordinator:
		return true, nil
	case auth.RoleClinician:
		return s.store.IsAssigned(ctx, p.UserID, clientID)
	}
	return false, nil
}
