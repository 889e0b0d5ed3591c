package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
)

// idempotencyKeys remembers, for 24 hours, the answer to each request sent
// with an Idempotency-Key (db/idempotency). The key is stored only as a
// hash with its scope; the answer, and the fingerprint of the request it
// answers, are sealed (they may hold a score or a token).
func idempotencyKeys() *gormigrate.Migration {
	type idempotencyKey struct {
		KeyHash   string    `gorm:"primaryKey;size:64"`
		Route     string    `gorm:"size:200;not null"`
		UserID    *string   `gorm:"size:36;index"`
		Sealed    string    `gorm:"type:text;not null"`
		KeyID     string    `gorm:"size:32;not null"`
		CreatedAt time.Time `gorm:"not null"`
		ExpiresAt time.Time `gorm:"not null;index"`
	}
	return createTables("0022_idempotency_keys", table{"idempotency_keys", &idempotencyKey{}})
}
