package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// selftestClaims lets a visitor attach an anonymous self-test to an account
// later. At submission only the hash of a random claim token is stored (the
// token itself stays in the visitor's browser); user_id is filled in only
// when the visitor, signed in, chooses to claim it.
func selftestClaims() *gormigrate.Migration {
	type selftestClaim struct {
		SubmissionID string     `gorm:"primaryKey;size:36"`
		TokenHash    string     `gorm:"size:64;not null;uniqueIndex"`
		ExpiresAt    time.Time  `gorm:"not null"`
		UserID       *string    `gorm:"size:36;index"`
		ClaimedAt    *time.Time `gorm:""`
	}
	const table = "selftest_claims"
	return &gormigrate.Migration{
		ID: "0004_selftest_claims",
		Migrate: func(tx *gorm.DB) error {
			return tx.Table(table).Migrator().CreateTable(&selftestClaim{})
		},
		Rollback: func(tx *gorm.DB) error {
			return dropTable(tx, table)
		},
	}
}
