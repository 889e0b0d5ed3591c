package migrations

import (
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// coaching creates the guided trajectory's tables and moves the caseload
// into them. A client–clinician assignment of the accounts era becomes a
// trajectory *waiting* for the client's consent: before, a coordinator
// could put a client on a caseload without the client knowing, and a
// clinician sees a client only through a trajectory the client agreed to.
// client_assignments is dropped; its rows are the trajectories'
// assignment history. Staff accounts get a display name and a profession,
// which a client is told before agreeing.
func coaching() *gormigrate.Migration {
	type coachingTrajectory struct {
		ID                   string     `gorm:"primaryKey;size:36"`
		ClientID             string     `gorm:"size:36;not null;index"`
		ClinicianID          *string    `gorm:"size:36;index"`
		State                string     `gorm:"size:16;not null;index"`
		IntakeScore          int        `gorm:"not null;default:0"`
		IntakeBand           string     `gorm:"size:32;not null;default:''"`
		IntakeCrisis         bool       `gorm:"not null;default:false"`
		IntakeAnxiety        bool       `gorm:"not null;default:false"`
		IntakeSealed         string     `gorm:"type:text;not null;default:''"`
		NotifySealed         *string    `gorm:"type:text"`
		AppliedAt            time.Time  `gorm:"not null"`
		AssignedAt           *time.Time ``
		ConsentAt            *time.Time ``
		StartedAt            *time.Time ``
		PlannedEnd           *time.Time ``
		ExtendedAt           *time.Time ``
		ExtensionSealed      *string    `gorm:"type:text"`
		FirstContactAt       *time.Time ``
		EndedAt              *time.Time ``
		EndReason            *string    `gorm:"size:32"`
		EndNoteSealed        *string    `gorm:"type:text"`
		EndedBy              *string    `gorm:"size:16"`
		EndLessonsCompleted  int        `gorm:"not null;default:0"`
		EndMessagesIn        int        `gorm:"not null;default:0"`
		EndMessagesOut       int        `gorm:"not null;default:0"`
		EndContacts          int        `gorm:"not null;default:0"`
		LastClientActivityAt time.Time  `gorm:"not null"`
		UpdatedAt            time.Time  `gorm:"not null"`
	}
	type coachingTransition struct {
		ID           uint64    `gorm:"primaryKey;autoIncrement"`
		TrajectoryID string    `gorm:"size:36;not null;index"`
		FromState    string    `gorm:"size:16;not null"`
		ToState      string    `gorm:"size:16;not null"`
		Event        string    `gorm:"size:16;not null"`
		At           time.Time `gorm:"not null"`
		ActorID      *string   `gorm:"size:36"`
		ActorRole    string    `gorm:"size:16;not null"`
	}
	type coachingAssignment struct {
		ID           uint64     `gorm:"primaryKey;autoIncrement"`
		TrajectoryID string     `gorm:"size:36;not null;index"`
		ClinicianID  string     `gorm:"size:36;not null;index"`
		AssignedAt   time.Time  `gorm:"not null"`
		AssignedBy   string     `gorm:"size:36;not null"`
		EndedAt      *time.Time ``
	}
	type coachingMessage struct {
		ID             string     `gorm:"primaryKey;size:36"`
		TrajectoryID   string     `gorm:"size:36;not null;index:idx_coaching_messages_trajectory,priority:1;uniqueIndex:idx_coaching_messages_idempotency,priority:1"`
		SenderID       string     `gorm:"size:36;not null;uniqueIndex:idx_coaching_messages_idempotency,priority:2"`
		SenderRole     string     `gorm:"size:16;not null"`
		BodySealed     string     `gorm:"type:text;not null"`
		KeyID          string     `gorm:"size:32;not null"`
		BodyMAC        string     `gorm:"size:64;not null"`
		IdempotencyKey *string    `gorm:"size:200;uniqueIndex:idx_coaching_messages_idempotency,priority:3"`
		CreatedAt      time.Time  `gorm:"not null;index:idx_coaching_messages_trajectory,priority:2"`
		ReadAt         *time.Time ``
	}
	type coachingFeedback struct {
		ID           string     `gorm:"primaryKey;size:36"`
		TrajectoryID string     `gorm:"size:36;not null;index"`
		ClinicianID  string     `gorm:"size:36;not null"`
		LessonID     string     `gorm:"size:64;not null"`
		BodySealed   string     `gorm:"type:text;not null"`
		KeyID        string     `gorm:"size:32;not null"`
		CreatedAt    time.Time  `gorm:"not null"`
		ReadAt       *time.Time ``
	}
	type coachingContact struct {
		ID           string    `gorm:"primaryKey;size:36"`
		TrajectoryID string    `gorm:"size:36;not null;index"`
		ClinicianID  string    `gorm:"size:36;not null"`
		Mode         string    `gorm:"size:16;not null"`
		OccurredAt   time.Time `gorm:"not null"`
		Minutes      int       `gorm:"not null"`
		NoteSealed   *string   `gorm:"type:text"`
		CreatedAt    time.Time `gorm:"not null"`
	}
	type coachingMeasurement struct {
		TrajectoryID  string    `gorm:"primaryKey;size:36"`
		Point         string    `gorm:"primaryKey;size:16"`
		Instrument    string    `gorm:"primaryKey;size:32"`
		Score         int       `gorm:"not null"`
		Band          string    `gorm:"size:32;not null"`
		Crisis        bool      `gorm:"not null"`
		AnswersSealed string    `gorm:"type:text;not null"`
		KeyID         string    `gorm:"size:32;not null"`
		TakenAt       time.Time `gorm:"not null"`
	}
	type coachingAlert struct {
		ID            string     `gorm:"primaryKey;size:36"`
		TrajectoryID  string     `gorm:"size:36;not null;index"`
		Kind          string     `gorm:"size:16;not null"`
		Source        string     `gorm:"size:32;not null"`
		RaisedAt      time.Time  `gorm:"not null"`
		AckAt         *time.Time ``
		AckBy         *string    `gorm:"size:36"`
		AckNoteSealed *string    `gorm:"type:text"`
	}
	type coachingLesson struct {
		TrajectoryID string    `gorm:"primaryKey;size:36"`
		LessonID     string    `gorm:"primaryKey;size:64"`
		ProgrammeID  string    `gorm:"size:64;not null"`
		Position     int       `gorm:"not null"`
		AssignedAt   time.Time `gorm:"not null"`
		AssignedBy   string    `gorm:"size:36;not null"`
	}
	type user struct {
		DisplayName *string `gorm:"size:100"`
		Profession  *string `gorm:"size:100"`
	}
	tables := []table{
		{"coaching_trajectories", &coachingTrajectory{}},
		{"coaching_transitions", &coachingTransition{}},
		{"coaching_assignments", &coachingAssignment{}},
		{"coaching_messages", &coachingMessage{}},
		{"coaching_feedback", &coachingFeedback{}},
		{"coaching_contacts", &coachingContact{}},
		{"coaching_measurements", &coachingMeasurement{}},
		{"coaching_alerts", &coachingAlert{}},
		{"coaching_lessons", &coachingLesson{}},
	}
	create := createTables("0017_coaching", tables...)
	return &gormigrate.Migration{
		ID: "0017_coaching",
		Migrate: func(tx *gorm.DB) error {
			if err := create.Migrate(tx); err != nil {
				return err
			}
			// One trajectory going per client.
			if err := tx.Exec(`CREATE UNIQUE INDEX idx_coaching_trajectories_open ON coaching_trajectories (client_id)
				WHERE state IN ('applied', 'waiting', 'active')`).Error; err != nil {
				return fmt.Errorf("create open-trajectory index: %w", err)
			}
			for _, c := range []string{"DisplayName", "Profession"} {
				if err := tx.Table("users").Migrator().AddColumn(&user{}, c); err != nil {
					return fmt.Errorf("add users.%s: %w", c, err)
				}
			}
			// The caseload moves: each assignment becomes a trajectory
			// waiting for the client's consent, with its assignment history.
			stmts := []string{
				`INSERT INTO coaching_trajectories (id, client_id, clinician_id, state, applied_at, assigned_at, last_client_activity_at, updated_at)
					SELECT client_id, client_id, clinician_id, 'waiting', assigned_at, assigned_at, assigned_at, assigned_at FROM client_assignments`,
				`INSERT INTO coaching_assignments (trajectory_id, clinician_id, assigned_at, assigned_by)
					SELECT client_id, clinician_id, assigned_at, assigned_by FROM client_assignments`,
				`INSERT INTO coaching_transitions (trajectory_id, from_state, to_state, event, at, actor_id, actor_role)
					SELECT client_id, 'applied', 'waiting', 'assign', assigned_at, assigned_by, 'coordinator' FROM client_assignments`,
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return fmt.Errorf("move the caseload: %w", err)
				}
			}
			return dropTable(tx, "client_assignments")
		},
		Rollback: func(tx *gorm.DB) error {
			type clientAssignment struct {
				ClientID    string    `gorm:"primaryKey;size:36"`
				ClinicianID string    `gorm:"size:36;not null;index"`
				AssignedBy  string    `gorm:"size:36;not null"`
				AssignedAt  time.Time `gorm:"not null"`
			}
			if err := tx.Table("client_assignments").Migrator().CreateTable(&clientAssignment{}); err != nil {
				return err
			}
			err := tx.Exec(`INSERT INTO client_assignments (client_id, clinician_id, assigned_by, assigned_at)
				SELECT t.client_id, t.clinician_id, a.assigned_by, a.assigned_at FROM coaching_trajectories t
				JOIN coaching_assignments a ON a.trajectory_id = t.id AND a.ended_at IS NULL
				WHERE t.clinician_id IS NOT NULL AND t.state IN ('waiting', 'active')`).Error
			if err != nil {
				return fmt.Errorf("restore client_assignments: %w", err)
			}
			for _, c := range []string{"display_name", "profession"} {
				if err := tx.Exec("ALTER TABLE users DROP COLUMN " + c).Error; err != nil {
					return err
				}
			}
			return create.Rollback(tx)
		},
	}
}
