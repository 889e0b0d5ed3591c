package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// visitSaltsDropped removes the stored daily salts of the visitor counts:
// with the salt beside the hashes, the database alone could confirm that an
// address visited that day. The salt is now derived from a key kept outside
// the database (db/visits). Rollback recreates the empty table.
func visitSaltsDropped() *gormigrate.Migration {
	type visitSalt struct {
		Day  string `gorm:"primaryKey;size:10"`
		Salt string `gorm:"size:64;not null"`
	}
	const table = "visit_salts"
	return &gormigrate.Migration{
		ID:      "0015_visit_salts_dropped",
		Migrate: func(tx *gorm.DB) error { return dropTable(tx, table) },
		Rollback: func(tx *gorm.DB) error {
			return tx.Table(table).Migrator().CreateTable(&visitSalt{})
		},
	}
}
