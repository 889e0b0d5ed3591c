package coaching

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db/outbox"
)

// Record is one trajectory as its clinician reads it on the client's
// page: the state and its dates, the intake, the open alerts, the
// questionnaires with their due dates and the PHQ-9 trend, how far the
// client got, the history of its states, and what became of the
// notifications to the client.
type Record struct {
	Trajectory Trajectory
	ClientName string
	Intake     Intake
	// AsOf is when it was read (the service's clock): what is due, and
	// DaysLeft to the planned end (negative once past it), are as of then.
	AsOf     time.Time
	DaysLeft int
	// Care is whether the clinician may read the care itself: once the
	// client agreed to them. Before that only the intake (and its alert)
	// is theirs, and the fields below stay empty.
	Care     bool
	Alerts   []Alert
	Schedule []Due
	Trend    Trend
	// Progress is how far the client got: counted now while the
	// trajectory runs, as recorded at its end once it ended.
	Progress Progress
	History  []Change
	// Notifications are the e-mails queued to the client about this
	// trajectory, newest first; Notify says whether the client gave an
	// address at all.
	Notify        bool
	Notifications []NotificationStatus
	// ExtensionReason and EndNote, opened.
	ExtensionReason string
	EndNote         string
}

// Progress is how far a client got in a trajectory.
type Progress struct {
	LessonsCompleted int
	MessagesIn       int // from the client
	MessagesOut      int // from the clinician
	Contacts         int
}

// Change is one change of a trajectory's state, as its history keeps it.
type Change struct {
	From  State
	To    State
	Event Event
	At    time.Time
	// By is the role of who made it ("system" for a job).
	By string
}

// NotificationStatus is what became of one e-mail to the client.
type NotificationStatus struct {
	Kind     string
	QueuedAt time.Time
	SentAt   *time.Time
	FailedAt *time.Time
	Attempts int
	// Outcome is db/outbox's: pending, sent, failed, or not sent for want
	// of a mail server (no_mail_server) or an address (no_address).
	Outcome string
}

// What became of a notification (NotificationStatus.Outcome).
const (
	NotificationPending      = outbox.OutcomePending
	NotificationSent         = outbox.OutcomeSent
	NotificationFailed       = outbox.OutcomeFailed
	NotificationNoMailServer = outbox.OutcomeNoMailServer
	NotificationNoAddress    = outbox.OutcomeNoAddress
)

// clientKinds are the notifications that go to the client.
var clientKinds = []string{NotifyAssigned, NotifyMessage, NotifyFeedback, NotifyDue}

// Record returns a trajectory for its clinician's page. The read is
// audited; another clinician's trajectory is ErrNotFound (and audited as
// denied).
func (s *Service) Record(ctx context.Context, p auth.Principal, id string) (*Record, error) {
	if p.Role != auth.RoleClinician {
		return nil, auth.ErrForbidden
	}
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessIntake)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, p, t, audit.ActionClientRead, "trajectory:"+t.ID+":record"); err != nil {
		return nil, err
	}
	r := &Record{Trajectory: *t, AsOf: s.now().UTC(), Care: allowed(p, t, AccessCare), Notify: t.NotifySealed != nil}
	if t.PlannedEnd != nil {
		r.DaysLeft = int(t.PlannedEnd.Sub(r.AsOf).Hours() / 24)
	}
	names, err := s.people.DisplayNames(ctx, []string{t.ClientID})
	if err != nil {
		return nil, err
	}
	r.ClientName = names[t.ClientID]
	in, err := s.openIntake(t)
	if err != nil {
		return nil, err
	}
	r.Intake = *in
	hist, err := s.store.History(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	for _, h := range hist {
		by := h.ActorRole
		if by == "" {
			by = EndedBySystem
		}
		r.History = append(r.History, Change{From: h.FromState, To: h.ToState, Event: h.Event, At: h.At, By: by})
	}
	alerts, err := s.store.openAlerts(ctx, []string{t.ID})
	if err != nil {
		return nil, err
	}
	for _, a := range alerts {
		r.Alerts = append(r.Alerts, Alert{ID: a.ID, TrajectoryID: t.ID, ClientID: t.ClientID, Kind: a.Kind, Source: a.Source, RaisedAt: a.RaisedAt})
	}
	if !r.Care {
		return r, nil
	}
	ms, err := s.store.measurements(ctx, []string{t.ID})
	if err != nil {
		return nil, err
	}
	r.Schedule, r.Trend = s.scheduleFrom(t, ms), trendOf(ms, t.ID)
	if t.EndedAt != nil {
		r.Progress = Progress{LessonsCompleted: t.EndLessonsCompleted, MessagesIn: t.EndMessagesIn, MessagesOut: t.EndMessagesOut, Contacts: t.EndContacts}
	} else {
		now := *t
		if err := s.snapshot(ctx, s.store, &now); err != nil {
			return nil, err
		}
		r.Progress = Progress{LessonsCompleted: now.EndLessonsCompleted, MessagesIn: now.EndMessagesIn, MessagesOut: now.EndMessagesOut, Contacts: now.EndContacts}
	}
	if r.Notifications, err = s.store.notifications(ctx, t.ID); err != nil {
		return nil, err
	}
	if t.ExtensionSealed != nil {
		if r.ExtensionReason, err = s.open(*t.ExtensionSealed, "extension:"+t.ID); err != nil {
			return nil, err
		}
	}
	if t.EndNoteSealed != nil {
		if r.EndNote, err = s.open(*t.EndNoteSealed, "end:"+t.ID); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// notifications returns what became of the e-mails to a trajectory's
// client (the outbox keys them by trajectory).
func (s *Store) notifications(ctx context.Context, trajectoryID string) ([]NotificationStatus, error) {
	sts, err := outbox.Statuses(ctx, s.q(ctx), trajectoryID)
	if err != nil {
		return nil, fmt.Errorf("coaching: notifications: %w", err)
	}
	var out []NotificationStatus
	for _, st := range sts {
		if slices.Contains(clientKinds, st.Kind) {
			out = append(out, NotificationStatus{Kind: st.Kind, QueuedAt: st.CreatedAt, SentAt: st.SentAt, FailedAt: st.FailedAt, Attempts: st.Attempts, Outcome: st.Outcome})
		}
	}
	return out, nil
}

// Heading names the client of a trajectory on its clinician's pages:
// every page about the trajectory says whose it is, so nothing is written
// to the wrong client.
type Heading struct {
	TrajectoryID string
	ClientName   string
	State        State
	// Care is whether the client agreed to the clinician: the pages of
	// their care (messages, lessons, diary, contacts, ending) open then.
	Care bool
}

// Heading returns the heading of a trajectory for its clinician. It reads
// no care, so it is not audited itself (each page's own read is); another
// clinician's trajectory is ErrNotFound, and the attempt audited as denied.
func (s *Service) Heading(ctx context.Context, p auth.Principal, id string) (*Heading, error) {
	if p.Role != auth.RoleClinician {
		return nil, auth.ErrForbidden
	}
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessIntake)
	if err != nil {
		return nil, err
	}
	names, err := s.people.DisplayNames(ctx, []string{t.ClientID})
	if err != nil {
		return nil, err
	}
	return &Heading{TrajectoryID: t.ID, ClientName: names[t.ClientID], State: t.State, Care: allowed(p, t, AccessCare)}, nil
}
