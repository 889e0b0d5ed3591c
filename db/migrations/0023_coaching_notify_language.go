package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// coachingNotifyLanguage keeps the language a client applied in for the
// guided trajectory, so its notification e-mails are written in it.
// Trajectories from before have none; their e-mails stay in Dutch and
// English.
func coachingNotifyLanguage() *gormigrate.Migration {
	type coachingTrajectory struct {
		NotifyLanguage *string `gorm:"size:8"`
	}
	const table = "coaching_trajectories"
	return &gormigrate.Migration{
		ID: "0023_coaching_notify_language",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table(table).Migrator().AddColumn(&coachingTrajectory{}, "NotifyLanguage"); err != nil {
				return fmt.Errorf("add %s.notify_language: %w", table, err)
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			// Plain SQL on both dialects, as in 0020.
			if err := tx.Exec("ALTER TABLE " + table + " DROP COLUMN notify_language").Error; err != nil {
				return fmt.Errorf("drop %s.notify_language: %w", table, err)
			}
			return nil
		},
	}
}
