package coaching

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// What the trajectory needs from the other domains, declared here as small
// interfaces so coaching depends on behaviour, not on their internals.

// Questionnaires scores the intake and the outcome questionnaires
// (selftest.Service).
type Questionnaires interface {
	Evaluate(instrumentID, lang string, answers []selftest.Answer) (*selftest.Outcome, error)
	Restore(instrumentID, lang string, score int, band string, crisis bool, at time.Time) (*selftest.Outcome, error)
	Claimed(ctx context.Context, userID string) ([]*selftest.Outcome, error)
}

// Course is the client's self-help work, which their clinician reads
// (modules.Service).
type Course interface {
	Library() *modules.Library
	Progress(ctx context.Context, userID, programmeID string) (*modules.Progress, error)
	Answers(ctx context.Context, userID, programmeID string) ([]modules.StepAnswer, error)
	Diary(ctx context.Context, userID string, from, to time.Time) ([]modules.DiaryEntry, error)
	// Completions lists the lessons several clients finished, in one query.
	Completions(ctx context.Context, userIDs []string) ([]modules.Completion, error)
	// MomentsFinished lists the feedback moments several clients
	// finished, in one query.
	MomentsFinished(ctx context.Context, userIDs []string) ([]modules.Completion, error)
}

// Directory knows the people (auth's store): clinicians with their
// display name, profession and capacity, and clients' nicknames.
type Directory interface {
	StaffMember(ctx context.Context, id string) (*auth.User, error)
	Clinicians(ctx context.Context) ([]auth.User, error)
	DisplayNames(ctx context.Context, ids []string) (map[string]string, error)
	// Names: a staff member's display name (what a client is told),
	// else the nickname.
	Names(ctx context.Context, ids []string) (map[string]string, error)
	UserByID(ctx context.Context, id string) (*auth.User, error)
}

// Auditor appends to the audit log; every staff read of a client's data
// and every change is written there first.
type Auditor interface {
	Append(ctx context.Context, e audit.Entry) error
	AppendAll(ctx context.Context, entries []audit.Entry) error
}

// Sealer encrypts clinical text at rest (db/seal).
type Sealer interface {
	Seal(plaintext []byte, context string) (string, error)
	Open(sealed, context string) ([]byte, error)
	Derive(purpose string) []byte
}

// Notifier queues a content-free notification e-mail in the same
// transaction as the event (db/outbox); it does nothing for people
// without an address.
type Notifier interface {
	Notify(ctx context.Context, st *Store, n Notification) error
}

// Notification is one e-mail to queue: whom (sealed address), what kind,
// and in which language.
type Notification struct {
	Kind         string
	RecipientID  string
	AddressSeal  string // the sealed address, as stored
	AddressCtx   string // the seal's context
	Language     string
	TrajectoryID string
}

// Config tunes the trajectory. Zero fields take the defaults.
type Config struct {
	// Months is the planned length (3).
	Months int
	// ResponseDays is the clinician's target to answer a message, in
	// working days (3).
	ResponseDays int
	// NoContactDays ends an application that reached no clinician after
	// this many days (28).
	NoContactDays int
	// InactiveDays flags a client as at risk of dropping out (14).
	InactiveDays int
	// IntakeSelftestDays is how old a claimed self-test may be to serve as
	// the intake's PHQ-9 (14).
	IntakeSelftestDays int
	// Location is the deployment's time zone (working days, due dates).
	Location *time.Location
}

func (c Config) withDefaults() Config {
	if c.Months <= 0 {
		c.Months = 3
	}
	if c.ResponseDays <= 0 {
		c.ResponseDays = 3
	}
	if c.NoContactDays <= 0 {
		c.NoContactDays = 28
	}
	if c.InactiveDays <= 0 {
		c.InactiveDays = 14
	}
	if c.IntakeSelftestDays <= 0 {
		c.IntakeSelftestDays = 14
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	return c
}

// Service runs guided trajectories.
type Service struct {
	store  *Store
	qs     Questionnaires
	course Course
	people Directory
	audit  Auditor
	sealer Sealer
	notify Notifier
	cfg    Config
	now    func() time.Time
	macKey []byte
}

// Options are what a Service is built from.
type Options struct {
	Store          *Store
	Questionnaires Questionnaires
	Course         Course
	People         Directory
	Audit          Auditor
	Sealer         Sealer
	Notifier       Notifier
	Config         Config
	Now            func() time.Time
}

// NewService returns the trajectory service.
func NewService(o Options) (*Service, error) {
	if o.Store == nil || o.Questionnaires == nil || o.Course == nil || o.People == nil || o.Audit == nil || o.Sealer == nil || o.Now == nil {
		return nil, errors.New("coaching: NewService needs a store, questionnaires, the course, people, the audit log, a sealer and a clock")
	}
	if o.Notifier == nil {
		o.Notifier = noNotifier{}
	}
	return &Service{store: o.Store, qs: o.Questionnaires, course: o.Course, people: o.People, audit: o.Audit, sealer: o.Sealer,
		notify: o.Notifier, cfg: o.Config.withDefaults(), now: o.Now, macKey: o.Sealer.Derive("coaching message mac")}, nil
}

type noNotifier struct{}

func (noNotifier) Notify(context.Context, *Store, Notification) error { return nil }

// Config returns the service's settings (pages show the targets).
func (s *Service) Config() Config { return s.cfg }

// IsAssigned reports whether the client is on the clinician's caseload: a
// trajectory with them that the client agreed to. The authz guard asks it.
func (s *Service) IsAssigned(ctx context.Context, clinicianID, clientID string) (bool, error) {
	return s.store.IsAssigned(ctx, clinicianID, clientID)
}

// CaseloadSizes counts each clinician's trajectories going (auth's staff
// list shows them against capacity).
func (s *Service) CaseloadSizes(ctx context.Context) (map[string]int, error) {
	return s.store.caseloadSizes(ctx)
}

// move applies event ev to t (already read in st's transaction), records
// the transition, and returns the new state. cols are t's other changed
// columns, written with the state.
func (s *Service) move(ctx context.Context, st *Store, t *Trajectory, ev Event, actor auth.Principal, now time.Time, cols ...string) error {
	to, err := Transition(t.State, ev)
	if err != nil {
		return err
	}
	from := t.State
	t.State, t.UpdatedAt = to, now
	if err := st.save(ctx, t, append(cols, "state", "updated_at")...); err != nil {
		return err
	}
	role := string(actor.Role)
	if role == "" {
		role = EndedBySystem
	}
	return st.addTransition(ctx, &transition{TrajectoryID: t.ID, FromState: from, ToState: to, Event: ev, At: now,
		ActorID: audit.Str(actor.UserID), ActorRole: role})
}

// record writes an audit entry about a trajectory's client, failing closed.
func (s *Service) record(ctx context.Context, p auth.Principal, t *Trajectory, action, object string) error {
	e := audit.Entry{ActorID: audit.Str(p.UserID), ActorRole: string(p.Role), SessionID: audit.Str(p.SessionID),
		SubjectID: audit.Str(t.ClientID), Action: action, Object: object, RequestID: p.RequestID, Outcome: audit.OutcomeSuccess}
	if p.UserID == "" {
		e.ActorRole = EndedBySystem
	}
	if err := s.audit.Append(ctx, e); err != nil {
		return fmt.Errorf("coaching: audit: %w", err)
	}
	return nil
}

// seal and open clinical text, bound to its row.
func (s *Service) seal(text, context string) (string, error) {
	return s.sealer.Seal([]byte(text), "coaching:"+context)
}

func (s *Service) open(sealed, context string) (string, error) {
	b, err := s.sealer.Open(sealed, "coaching:"+context)
	if err != nil {
		return "", fmt.Errorf("coaching: open %s: %w", context, err)
	}
	return string(b), nil
}

func newID() string { return uuid.NewString() }
