package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// jobRuns records each run of a scheduled job. The primary key (name,
// slot) lets exactly one replica claim a slot.
func jobRuns() *gormigrate.Migration {
	type jobRun struct {
		Name       string     `gorm:"primaryKey;size:64"`
		Slot       string     `gorm:"primaryKey;size:32"`
		StartedAt  time.Time  `gorm:"not null"`
		FinishedAt *time.Time ``
		Failed     bool       `gorm:"not null;default:false"`
	}
	return &gormigrate.Migration{
		ID: "0011_job_runs",
		Migrate: func(tx *gorm.DB) error {
			return tx.Table("job_runs").Migrator().CreateTable(&jobRun{})
		},
		Rollback: func(tx *gorm.DB) error { return dropTable(tx, "job_runs") },
	}
}
