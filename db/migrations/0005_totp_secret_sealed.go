package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// totpSecretSealed widens users.totp_secret for a sealed (AES-256-GCM,
// key id prefixed) value instead of the bare base32 secret. SQLite does not
// enforce VARCHAR lengths, so only PostgreSQL needs the change.
func totpSecretSealed() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0005_totp_secret_sealed",
		Migrate: func(tx *gorm.DB) error {
			if tx.Dialector.Name() != "postgres" {
				return nil
			}
			return tx.Exec("ALTER TABLE users ALTER COLUMN totp_secret TYPE varchar(255)").Error
		},
		Rollback: func(tx *gorm.DB) error {
			if tx.Dialector.Name() != "postgres" {
				return nil
			}
			return tx.Exec("ALTER TABLE users ALTER COLUMN totp_secret TYPE varchar(64)").Error
		},
	}
}
