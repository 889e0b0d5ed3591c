package coaching

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/haven-mh/haven/db"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// transition is one change of state, kept as history.
type transition struct {
	ID           uint64 `gorm:"primaryKey"`
	TrajectoryID string
	FromState    State
	ToState      State
	Event        Event
	At           time.Time
	ActorID      *string
	ActorRole    string
}

func (transition) TableName() string { return "coaching_transitions" }

// assignment is one clinician's time on a trajectory.
type assignment struct {
	ID           uint64 `gorm:"primaryKey"`
	TrajectoryID string
	ClinicianID  string
	AssignedAt   time.Time
	AssignedBy   string
	EndedAt      *time.Time
}

func (assignment) TableName() string { return "coaching_assignments" }

// Message is one message in a trajectory's conversation, its body sealed.
type Message struct {
	ID             string `gorm:"primaryKey"`
	TrajectoryID   string
	SenderID       string
	SenderRole     string // "client" or "clinician"
	BodySealed     string
	KeyID          string
	BodyMAC        string // keyed hash of the body, to tell a retry from another message
	IdempotencyKey *string
	CreatedAt      time.Time
	ReadAt         *time.Time
}

// TableName is the table created by the migrations.
func (Message) TableName() string { return "coaching_messages" }

// feedback is a clinician's feedback on one lesson.
type feedback struct {
	ID           string `gorm:"primaryKey"`
	TrajectoryID string
	ClinicianID  string
	LessonID     string
	BodySealed   string
	KeyID        string
	CreatedAt    time.Time
	ReadAt       *time.Time
}

func (feedback) TableName() string { return "coaching_feedback" }

// contact is a face-to-face, video or phone contact.
type contact struct {
	ID           string `gorm:"primaryKey"`
	TrajectoryID string
	ClinicianID  string
	Mode         string
	OccurredAt   time.Time
	Minutes      int
	NoteSealed   *string
	CreatedAt    time.Time
}

func (contact) TableName() string { return "coaching_contacts" }

// measurement is a questionnaire at one point of the outcome monitoring.
type measurement struct {
	TrajectoryID  string `gorm:"primaryKey"`
	Point         string `gorm:"primaryKey"`
	Instrument    string `gorm:"primaryKey"`
	Score         int
	Band          string
	Crisis        bool
	AnswersSealed string
	KeyID         string
	TakenAt       time.Time
}

func (measurement) TableName() string { return "coaching_measurements" }

// alert is an urgent signal for the clinician (or the coordinators when no
// clinician is assigned): a crisis answer. It stays until acknowledged.
type alert struct {
	ID            string `gorm:"primaryKey"`
	TrajectoryID  string
	Kind          string
	Source        string
	RaisedAt      time.Time
	AckAt         *time.Time
	AckBy         *string
	AckNoteSealed *string
}

func (alert) TableName() string { return "coaching_alerts" }

// lessonAssignment is a lesson the clinician set, in their order.
type lessonAssignment struct {
	TrajectoryID string `gorm:"primaryKey"`
	LessonID     string `gorm:"primaryKey"`
	ProgrammeID  string
	Position     int
	AssignedAt   time.Time
	AssignedBy   string
}

func (lessonAssignment) TableName() string { return "coaching_lessons" }

// Store persists trajectories. It is the only code in this package that
// touches the database.
type Store struct {
	db *gorm.DB
}

// NewStore returns a store on db.
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

// Tx runs fn in a transaction; inside, use only the store it is given.
func (s *Store) Tx(ctx context.Context, fn func(st *Store) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return fn(&Store{db: tx}) })
}

func (s *Store) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("coaching: %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("coaching: %s: %w", what, err)
}

// Trajectory returns one trajectory, or ErrNotFound.
func (s *Store) Trajectory(ctx context.Context, id string) (*Trajectory, error) {
	var t Trajectory
	if err := s.q(ctx).Where("id = ?", id).Take(&t).Error; err != nil {
		return nil, notFound(err, "trajectory")
	}
	return &t, nil
}

// lockTrajectory reads a trajectory for update inside a transaction (on
// PostgreSQL a row lock; SQLite's write transaction holds the database).
func (s *Store) lockTrajectory(ctx context.Context, id string) (*Trajectory, error) {
	var t Trajectory
	q := s.q(ctx)
	if s.db.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Where("id = ?", id).Take(&t).Error; err != nil {
		return nil, notFound(err, "trajectory")
	}
	return &t, nil
}

// OpenTrajectory returns the client's trajectory that is still going, or
// ErrNotFound.
func (s *Store) OpenTrajectory(ctx context.Context, clientID string) (*Trajectory, error) {
	var t Trajectory
	err := s.q(ctx).Where("client_id = ? AND state IN ?", clientID, []State{StateApplied, StateWaiting, StateActive}).
		Order("applied_at DESC").Take(&t).Error
	if err != nil {
		return nil, notFound(err, "open trajectory")
	}
	return &t, nil
}

// TrajectoriesOf lists a client's trajectories, newest first.
func (s *Store) TrajectoriesOf(ctx context.Context, clientID string) ([]Trajectory, error) {
	var out []Trajectory
	if err := s.q(ctx).Where("client_id = ?", clientID).Order("applied_at DESC").Limit(100).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("coaching: list trajectories: %w", err)
	}
	return out, nil
}

// create inserts a trajectory; the database refuses a second open one for
// the same client (a partial unique index), which is ErrOpenTrajectory.
func (s *Store) create(ctx context.Context, t *Trajectory) error {
	err := s.q(ctx).Create(t).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ErrOpenTrajectory
	}
	if err != nil {
		return fmt.Errorf("coaching: insert trajectory: %w", err)
	}
	return nil
}

// save writes a trajectory's changed columns.
func (s *Store) save(ctx context.Context, t *Trajectory, cols ...string) error {
	if err := s.q(ctx).Model(t).Select(cols).Updates(t).Error; err != nil {
		return fmt.Errorf("coaching: update trajectory: %w", err)
	}
	return nil
}

func (s *Store) addTransition(ctx context.Context, tr *transition) error {
	if err := s.q(ctx).Create(tr).Error; err != nil {
		return fmt.Errorf("coaching: record transition: %w", err)
	}
	return nil
}

// History returns a trajectory's transitions, oldest first.
func (s *Store) History(ctx context.Context, trajectoryID string) ([]transition, error) {
	var out []transition
	if err := s.q(ctx).Where("trajectory_id = ?", trajectoryID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("coaching: history: %w", err)
	}
	return out, nil
}

// openAssignment ends a trajectory's current assignment (if any) and
// starts one for clinicianID.
func (s *Store) reassign(ctx context.Context, trajectoryID, clinicianID, by string, now time.Time) error {
	if err := s.q(ctx).Model(&assignment{}).Where("trajectory_id = ? AND ended_at IS NULL", trajectoryID).Update("ended_at", now).Error; err != nil {
		return fmt.Errorf("coaching: end assignment: %w", err)
	}
	if clinicianID == "" {
		return nil
	}
	if err := s.q(ctx).Create(&assignment{TrajectoryID: trajectoryID, ClinicianID: clinicianID, AssignedAt: now, AssignedBy: by}).Error; err != nil {
		return fmt.Errorf("coaching: insert assignment: %w", err)
	}
	return nil
}

// Assignments returns a trajectory's clinicians over time.
func (s *Store) Assignments(ctx context.Context, trajectoryID string) ([]assignment, error) {
	var out []assignment
	if err := s.q(ctx).Where("trajectory_id = ?", trajectoryID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("coaching: assignments: %w", err)
	}
	return out, nil
}

// IsAssigned reports whether clientID has a trajectory going (waiting for
// consent counts not: the clinician sees a client once they agreed) with
// clinicianID.
func (s *Store) IsAssigned(ctx context.Context, clinicianID, clientID string) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&Trajectory{}).Where("client_id = ? AND clinician_id = ? AND state = ?", clientID, clinicianID, StateActive).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("coaching: check caseload: %w", err)
	}
	return n > 0, nil
}

// caseloadSizes counts each clinician's open trajectories (waiting and
// active).
func (s *Store) caseloadSizes(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		ClinicianID string
		N           int
	}
	err := s.q(ctx).Model(&Trajectory{}).Select("clinician_id, count(*) AS n").
		Where("clinician_id IS NOT NULL AND state IN ?", []State{StateWaiting, StateActive}).Group("clinician_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("coaching: caseload sizes: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.ClinicianID] = r.N
	}
	return out, nil
}

// lastAssigned returns when each clinician was last assigned a trajectory.
func (s *Store) lastAssigned(ctx context.Context) (map[string]time.Time, error) {
	var rows []struct {
		ClinicianID string
		Last        scanTime
	}
	if err := s.q(ctx).Model(&assignment{}).Select("clinician_id, max(assigned_at) AS last").Group("clinician_id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("coaching: last assignments: %w", err)
	}
	out := map[string]time.Time{}
	for _, r := range rows {
		out[r.ClinicianID] = r.Last.Time
	}
	return out, nil
}

// ByState lists trajectories in the given states, oldest application
// first, at most limit.
func (s *Store) ByState(ctx context.Context, states []State, limit int) ([]Trajectory, error) {
	var out []Trajectory
	if err := s.q(ctx).Where("state IN ?", states).Order("applied_at").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("coaching: list trajectories: %w", err)
	}
	return out, nil
}

// caseload lists a clinician's trajectories that are going.
func (s *Store) caseload(ctx context.Context, clinicianID string) ([]Trajectory, error) {
	var out []Trajectory
	err := s.q(ctx).Where("clinician_id = ? AND state IN ?", clinicianID, []State{StateWaiting, StateActive}).
		Order("applied_at").Limit(maxCaseload).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("coaching: caseload: %w", err)
	}
	return out, nil
}

// maxCaseload bounds one clinician's list.
const maxCaseload = 1000

// waitingTimes returns, for trajectories that had a first contact in
// [from, to), the time from application to first contact.
func (s *Store) waitingTimes(ctx context.Context, from, to time.Time) ([]time.Duration, error) {
	var rows []struct {
		AppliedAt      scanTime
		FirstContactAt time.Time
	}
	err := s.q(ctx).Model(&Trajectory{}).Select("applied_at, first_contact_at").
		Where("first_contact_at >= ? AND first_contact_at < ?", from, to).Limit(100000).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("coaching: waiting times: %w", err)
	}
	out := make([]time.Duration, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.FirstContactAt.Sub(r.AppliedAt.Time))
	}
	return out, nil
}

// scanTime reads a time from an aggregate column: PostgreSQL gives a
// time, SQLite the text it stored (MAX and MIN lose the column's type).
type scanTime struct{ time.Time }

// Scan implements sql.Scanner.
func (t *scanTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
		return nil
	case time.Time:
		t.Time = x
		return nil
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	}
	return fmt.Errorf("coaching: cannot read %T as a time", v)
}

// Value implements driver.Valuer, which is how gorm learns that the
// field is a column and not a relation.
func (t scanTime) Value() (driver.Value, error) { return t.Time, nil }

func (t *scanTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05"} {
		if p, err := time.Parse(layout, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("coaching: %q is not a time", s)
}

// Conn is the store's connection — inside Tx, its transaction — for the
// notification outbox (db/outbox) to write in the same transaction.
func (s *Store) Conn(ctx context.Context) *gorm.DB { return s.q(ctx) }

// SealedKeyIDs lists the encryption key ids the trajectory's sealed
// values name: Haven refuses to start without every one of them.
func (s *Store) SealedKeyIDs(ctx context.Context) ([]string, error) {
	return db.SealedKeyIDsIn(ctx, s.db,
		db.SealedColumn{Table: "coaching_trajectories", Column: "intake_sealed"},
		db.SealedColumn{Table: "coaching_trajectories", Column: "notify_sealed"},
		db.SealedColumn{Table: "coaching_trajectories", Column: "extension_sealed"},
		db.SealedColumn{Table: "coaching_trajectories", Column: "end_note_sealed"},
		db.SealedColumn{Table: "coaching_messages", Column: "body_sealed"},
		db.SealedColumn{Table: "coaching_feedback", Column: "body_sealed"},
		db.SealedColumn{Table: "coaching_contacts", Column: "note_sealed"},
		db.SealedColumn{Table: "coaching_measurements", Column: "answers_sealed"},
		db.SealedColumn{Table: "coaching_alerts", Column: "ack_note_sealed"})
}
