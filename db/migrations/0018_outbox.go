package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
)

// outbox creates the notification outbox (db/outbox): one row per e-mail,
// written in the transaction of the event, sent by a job with retries.
func outbox() *gormigrate.Migration {
	type outboxRow struct {
		ID             uint64     `gorm:"primaryKey;autoIncrement"`
		Kind           string     `gorm:"size:32;not null"`
		RecipientID    string     `gorm:"size:64;not null;default:''"`
		AddressSealed  *string    `gorm:"type:text"`
		AddressContext string     `gorm:"size:128;not null;default:''"`
		Language       string     `gorm:"size:8;not null;default:''"`
		Subject        string     `gorm:"size:64;not null;default:'';index"`
		CreatedAt      time.Time  `gorm:"not null"`
		Attempts       int        `gorm:"not null;default:0"`
		NextAttemptAt  time.Time  `gorm:"not null;index"`
		SentAt         *time.Time ``
		FailedAt       *time.Time ``
		LastError      string     `gorm:"size:128;not null;default:''"`
	}
	return createTables("0018_outbox", table{"outbox", &outboxRow{}})
}
