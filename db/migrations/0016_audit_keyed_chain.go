package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// auditKeyedChain keys the audit chain: each new entry stores the id of
// the key (kept outside the database) its MAC is an HMAC under. Existing
// entries keep an empty key id and their plain SHA-256 hash.
//
// From now on the database refuses an entry without a key id (a CHECK …
// NOT VALID on PostgreSQL, which leaves the old rows alone; a trigger on
// SQLite), so a replica still running the previous version fails closed
// during a rolling upgrade instead of appending unkeyed entries after
// keyed ones, which verification rejects for good.
func auditKeyedChain() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0016_audit_keyed_chain",
		Migrate: func(tx *gorm.DB) error {
			stmts := []string{`ALTER TABLE audit_entries ADD COLUMN key_id VARCHAR(32) NOT NULL DEFAULT ''`}
			if tx.Dialector.Name() == "postgres" {
				stmts = append(stmts, `ALTER TABLE audit_entries ADD CONSTRAINT audit_entries_keyed CHECK (key_id <> '') NOT VALID`)
			} else {
				stmts = append(stmts, `CREATE TRIGGER audit_entries_keyed BEFORE INSERT ON audit_entries WHEN NEW.key_id = ''
BEGIN SELECT RAISE(ABORT, 'audit_entries: an entry needs a key id'); END`)
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			stmts := []string{`DROP TRIGGER audit_entries_keyed`}
			if tx.Dialector.Name() == "postgres" {
				stmts = []string{`ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_keyed`}
			}
			stmts = append(stmts, `ALTER TABLE audit_entries DROP COLUMN key_id`)
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}
