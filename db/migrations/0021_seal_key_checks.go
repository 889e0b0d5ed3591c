package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
)

// sealKeyChecks keeps, per encryption key id, a fixed text sealed with that
// key alone (db/seal.KeyCheck): at start-up Haven refuses a key that no
// longer opens its check — a key replaced under the same id.
func sealKeyChecks() *gormigrate.Migration {
	type sealKeyCheck struct {
		KeyID      string    `gorm:"primaryKey;size:32"`
		CheckValue string    `gorm:"type:text;not null"`
		CreatedAt  time.Time `gorm:"not null"`
	}
	return createTables("0021_seal_key_checks", table{"seal_key_checks", &sealKeyCheck{}})
}
