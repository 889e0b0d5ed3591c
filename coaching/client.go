package coaching

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/selftest"
)

// What a client's own pages need, one method per page: the application
// form, their guided care on one page (in whatever state it is), the
// conversation, and one questionnaire of the outcome monitoring.

// ApplicationForm is what the application offers a client.
type ApplicationForm struct {
	// Selftests are the client's claimed PHQ-9 self-tests recent enough to
	// serve as the intake's questionnaire, newest first.
	Selftests []*selftest.Outcome
	// Days is how recent that is (IntakeSelftestDays).
	Days int
}

// ApplicationForm prepares a client's application; it is ErrOpenTrajectory
// when they have a trajectory going already (one at a time).
func (s *Service) ApplicationForm(ctx context.Context, p auth.Principal) (*ApplicationForm, error) {
	if p.Role != auth.RoleClient {
		return nil, auth.ErrForbidden
	}
	switch _, err := s.store.OpenTrajectory(ctx, p.UserID); {
	case err == nil:
		return nil, ErrOpenTrajectory
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	recent, err := s.RecentSelftests(ctx, p)
	if err != nil {
		return nil, err
	}
	return &ApplicationForm{Selftests: recent, Days: s.cfg.IntakeSelftestDays}, nil
}

// ClientHome is a client's guided care on one page: their trajectory (the
// one going, else the latest) and what belongs to its state.
type ClientHome struct {
	// Trajectory is nil when the client never applied.
	Trajectory *Trajectory
	// Place is set while the application waits for a clinician.
	Place *Place
	// Clinician is set once one is assigned (before the client agrees, too).
	Clinician *ClinicianOf
	// Unread counts the clinician's messages the client has not read.
	Unread int
	// Feedback is the clinician's feedback on lessons, newest first; the
	// ones the client had not read have no ReadAt (reading this marks them
	// read).
	Feedback []Feedback
	// Schedule is the outcome monitoring with its due dates.
	Schedule []Due
	// Now is the service's clock, for Due.Open and the days left.
	Now time.Time
}

// ClientHome returns the client's guided care as their home page shows it.
func (s *Service) ClientHome(ctx context.Context, p auth.Principal) (*ClientHome, error) {
	if p.Role != auth.RoleClient {
		return nil, auth.ErrForbidden
	}
	h := &ClientHome{Now: s.now().UTC()}
	ts, err := s.store.TrajectoriesOf(ctx, p.UserID)
	if err != nil || len(ts) == 0 {
		return h, err
	}
	t := &ts[0]
	h.Trajectory = t
	if t.ClinicianID != nil {
		if h.Clinician, err = s.AssignedClinician(ctx, p, t.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err // a clinician who left is no one to name
		}
	}
	if t.State == StateApplied {
		if h.Place, err = s.WaitingPlace(ctx, p, t.ID); err != nil {
			return nil, err
		}
	}
	if h.Unread, err = s.store.unreadFrom(ctx, t.ID, FromClinician); err != nil {
		return nil, err
	}
	if h.Feedback, err = s.feedbackOf(ctx, t, "", true); err != nil {
		return nil, err
	}
	if h.Schedule, err = s.schedule(ctx, s.store, t); err != nil {
		return nil, err
	}
	return h, nil
}

// Conversation is a trajectory's messages with its state, so a page can
// tell whether a reply is possible.
type Conversation struct {
	Trajectory *Trajectory
	// With is the other side: the clinician's display name for the
	// client, the client's nickname for the clinician ("" when no
	// clinician is assigned).
	With     string
	Messages []MessageView
}

// Conversation returns a trajectory's conversation for its client or
// clinician, oldest message first, and marks the other side's messages
// read (Messages). The messages the reader had not read have no ReadAt.
func (s *Service) Conversation(ctx context.Context, p auth.Principal, id string) (*Conversation, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare)
	if err != nil {
		return nil, err
	}
	c := &Conversation{Trajectory: t}
	switch {
	case p.Role == auth.RoleClient && t.ClinicianID != nil:
		who, err := s.AssignedClinician(ctx, p, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if who != nil {
			c.With = who.Name
		}
	case p.Role != auth.RoleClient:
		names, err := s.people.DisplayNames(ctx, []string{t.ClientID})
		if err != nil {
			return nil, err
		}
		c.With = names[t.ClientID]
	}
	if c.Messages, err = s.Messages(ctx, p, id); err != nil {
		return nil, err
	}
	return c, nil
}

// Questionnaire is one questionnaire of a trajectory's outcome monitoring
// as its client sees it.
type Questionnaire struct {
	Due
	// Open: it can be taken now (due, not taken yet).
	Open bool
}

// Questionnaire returns one point's questionnaire of a trajectory
// (instrument "phq9" or "gad7"), or ErrNotFound when the schedule has no
// such questionnaire (yet).
func (s *Service) Questionnaire(ctx context.Context, p auth.Principal, id, point, instrument string) (*Questionnaire, error) {
	sched, err := s.Schedule(ctx, p, id)
	if err != nil {
		return nil, err
	}
	for _, d := range sched {
		if d.Point == point && d.Instrument == instrument {
			return &Questionnaire{Due: d, Open: d.Open(s.now())}, nil
		}
	}
	return nil, fmt.Errorf("coaching: questionnaire %s/%s: %w", point, instrument, ErrNotFound)
}

// unreadFrom counts a trajectory's messages from role that were not read.
func (s *Store) unreadFrom(ctx context.Context, trajectoryID, role string) (int, error) {
	var n int64
	err := s.q(ctx).Model(&Message{}).Where("trajectory_id = ? AND sender_role = ? AND read_at IS NULL", trajectoryID, role).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("coaching: unread messages: %w", err)
	}
	return int(n), nil
}
