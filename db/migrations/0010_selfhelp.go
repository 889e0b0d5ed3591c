package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
)

// selfhelp creates the tables of the self-help programmes: enrolments and
// lesson progress, sealed (encrypted) step answers and diary notes,
// questionnaire measurements, nudges and the anonymous event counts that
// reports use. Answers refer to stable step ids, never to positions.
func selfhelp() *gormigrate.Migration {
	type selfhelpEnrolment struct {
		ID               string     `gorm:"primaryKey;size:36"`
		UserID           string     `gorm:"size:36;not null;uniqueIndex:idx_selfhelp_enrolments_user_programme,priority:1"`
		ProgrammeID      string     `gorm:"size:64;not null;uniqueIndex:idx_selfhelp_enrolments_user_programme,priority:2"`
		ProgrammeVersion int        `gorm:"not null"`
		StartedAt        time.Time  `gorm:"not null"`
		LastActiveAt     time.Time  `gorm:"not null;index"`
		CompletedAt      *time.Time ``
		CurrentLesson    string     `gorm:"size:64;not null"`
		CurrentStep      string     `gorm:"size:64;not null"`
		NudgeEmailSealed *string    `gorm:"type:text"`
	}
	type selfhelpLesson struct {
		EnrolmentID string     `gorm:"primaryKey;size:36"`
		LessonID    string     `gorm:"primaryKey;size:64"`
		OpenedAt    time.Time  `gorm:"not null"`
		CompletedAt *time.Time ``
	}
	type selfhelpAnswer struct {
		EnrolmentID      string     `gorm:"primaryKey;size:36"`
		LessonID         string     `gorm:"primaryKey;size:64"`
		StepID           string     `gorm:"primaryKey;size:64"`
		Sealed           string     `gorm:"type:text;not null"`
		KeyID            string     `gorm:"size:32;not null"`
		ProgrammeVersion int        `gorm:"not null"`
		UpdatedAt        time.Time  `gorm:"not null"`
		CompletedAt      *time.Time ``
	}
	type selfhelpDiaryEntry struct {
		UserID           string    `gorm:"primaryKey;size:36"`
		Day              string    `gorm:"primaryKey;size:10"`
		Mood             int       `gorm:"not null"`
		NoteSealed       *string   `gorm:"type:text"`
		ActivitiesSealed *string   `gorm:"type:text"`
		KeyID            string    `gorm:"size:32;not null"`
		UpdatedAt        time.Time `gorm:"not null"`
	}
	type selfhelpMeasurement struct {
		EnrolmentID  string    `gorm:"primaryKey;size:36"`
		PointID      string    `gorm:"primaryKey;size:64"`
		SubmissionID string    `gorm:"size:36;not null"`
		Score        int       `gorm:"not null"`
		Band         string    `gorm:"size:32;not null"`
		TakenAt      time.Time `gorm:"not null"`
	}
	type selfhelpNudge struct {
		EnrolmentID string     `gorm:"primaryKey;size:36"`
		LapseSince  time.Time  `gorm:"primaryKey"`
		CreatedAt   time.Time  `gorm:"not null"`
		ShownAt     *time.Time ``
		EmailedAt   *time.Time ``
	}
	type selfhelpEvent struct {
		ID          uint64    `gorm:"primaryKey;autoIncrement"`
		Kind        string    `gorm:"size:32;not null;index:idx_selfhelp_events_kind_time,priority:1"`
		ProgrammeID string    `gorm:"size:64;not null"`
		LessonID    *string   `gorm:"size:64"`
		EnrolmentID *string   `gorm:"size:36;index"`
		OccurredAt  time.Time `gorm:"not null;index:idx_selfhelp_events_kind_time,priority:2"`
	}
	return createTables("0010_selfhelp",
		table{"selfhelp_enrolments", &selfhelpEnrolment{}},
		table{"selfhelp_lessons", &selfhelpLesson{}},
		table{"selfhelp_answers", &selfhelpAnswer{}},
		table{"selfhelp_diary_entries", &selfhelpDiaryEntry{}},
		table{"selfhelp_measurements", &selfhelpMeasurement{}},
		table{"selfhelp_nudges", &selfhelpNudge{}},
		table{"selfhelp_events", &selfhelpEvent{}},
	)
}
