package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
)

// coachingReminders records each reminder the coaching-reminders job
// queued — a questionnaire due at a point, a trajectory ending on a date —
// so that it is queued once at row level, whichever replica runs the job,
// how often, or at what time of day.
func coachingReminders() *gormigrate.Migration {
	type coachingReminder struct {
		TrajectoryID string    `gorm:"primaryKey;size:36"`
		Kind         string    `gorm:"primaryKey;size:32"`
		Key          string    `gorm:"primaryKey;size:32"`
		CreatedAt    time.Time `gorm:"not null"`
	}
	return createTables("0024_coaching_reminders", table{"coaching_reminders", &coachingReminder{}})
}
