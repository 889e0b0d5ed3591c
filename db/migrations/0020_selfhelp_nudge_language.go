package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// selfhelpNudgeLanguage keeps the language a client used when they opted in
// to the reminder e-mail, so the e-mail — and the crisis lines in it — is
// written in their language. Rows from before have none; they keep getting
// the e-mail in Dutch and English.
func selfhelpNudgeLanguage() *gormigrate.Migration {
	type selfhelpEnrolment struct {
		NudgeLanguage *string `gorm:"size:8"`
	}
	const table = "selfhelp_enrolments"
	return &gormigrate.Migration{
		ID: "0020_selfhelp_nudge_language",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table(table).Migrator().AddColumn(&selfhelpEnrolment{}, "NudgeLanguage"); err != nil {
				return fmt.Errorf("add %s.nudge_language: %w", table, err)
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			// Plain SQL on both dialects, as in 0013.
			if err := tx.Exec("ALTER TABLE " + table + " DROP COLUMN nudge_language").Error; err != nil {
				return fmt.Errorf("drop %s.nudge_language: %w", table, err)
			}
			return nil
		},
	}
}
