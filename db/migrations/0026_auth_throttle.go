package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// authThrottle holds the sign-in attempt counters every replica shares
// (auth/throttle_store.go). A key is a keyed hash (HMAC under a key derived
// from the encryption key) of an account or a source, never an address or
// a nickname; times are Unix milliseconds, so both dialects compare them
// the same way; a row is deleted after expires_ms.
func authThrottle() *gormigrate.Migration {
	type authThrottle struct {
		Key       string `gorm:"primaryKey;size:80"`
		FirstMS   int64  `gorm:"column:first_ms;not null"`
		LastMS    int64  `gorm:"column:last_ms;not null"`
		N         int    `gorm:"not null"`
		ExpiresMS int64  `gorm:"column:expires_ms;not null;index"`
	}
	const table = "auth_throttle"
	return &gormigrate.Migration{
		ID: "0026_auth_throttle",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table(table).Migrator().CreateTable(&authThrottle{}); err != nil {
				return fmt.Errorf("create %s: %w", table, err)
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			return dropTable(tx, table)
		},
	}
}
