package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// selftestSubmissions creates the anonymous self-test table. No column may
// identify the visitor (no IP, user agent, cookie or account).
func selftestSubmissions() *gormigrate.Migration {
	type selftestSubmission struct {
		ID                string    `gorm:"primaryKey;size:36"`
		InstrumentID      string    `gorm:"size:32;not null;index:idx_selftest_submissions_instrument_created,priority:1"`
		InstrumentVersion string    `gorm:"size:16;not null"`
		Language          string    `gorm:"size:8;not null"`
		Answers           string    `gorm:"type:text;not null"`
		Score             int       `gorm:"not null"`
		Band              string    `gorm:"size:32;not null"`
		Crisis            bool      `gorm:"not null"`
		AgeBand           *string   `gorm:"size:16"`
		Gender            *string   `gorm:"size:16"`
		Region            *string   `gorm:"size:32"`
		SoughtHelpBefore  *string   `gorm:"size:8"`
		CreatedAt         time.Time `gorm:"not null;index:idx_selftest_submissions_instrument_created,priority:2;index"`
	}
	const table = "selftest_submissions"
	return &gormigrate.Migration{
		ID: "0001_selftest_submissions",
		Migrate: func(tx *gorm.DB) error {
			return tx.Table(table).Migrator().CreateTable(&selftestSubmission{})
		},
		Rollback: func(tx *gorm.DB) error {
			return dropTable(tx, table)
		},
	}
}
