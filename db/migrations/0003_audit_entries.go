package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// auditEntries creates the append-only audit log (NEN 7513): who did what
// to whose record, when, from which session and request, with what outcome.
// Each row carries the hash of the previous one. Triggers refuse UPDATE and
// DELETE, so only someone who can drop them can rewrite history, and the
// hash chain shows it when they do.
func auditEntries() *gormigrate.Migration {
	type auditEntry struct {
		Seq       int64     `gorm:"primaryKey;autoIncrement:false"`
		At        time.Time `gorm:"not null;index"`
		ActorID   *string   `gorm:"size:36;index"`
		ActorRole string    `gorm:"size:16;not null"`
		SessionID *string   `gorm:"size:36"`
		SubjectID *string   `gorm:"size:36;index"`
		Action    string    `gorm:"size:64;not null"`
		Object    string    `gorm:"size:128;not null"`
		RequestID string    `gorm:"size:64;not null"`
		Outcome   string    `gorm:"size:16;not null"`
		PrevHash  string    `gorm:"size:64;not null"`
		Hash      string    `gorm:"size:64;not null;uniqueIndex"`
	}
	const table = "audit_entries"
	return &gormigrate.Migration{
		ID: "0003_audit_entries",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table(table).Migrator().CreateTable(&auditEntry{}); err != nil {
				return err
			}
			var stmts []string
			switch tx.Dialector.Name() {
			case "postgres":
				stmts = []string{
					`CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_entries is append-only';
END $$`,
					`CREATE TRIGGER audit_entries_no_update BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()`,
					`CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
  FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()`,
				}
			default:
				stmts = []string{
					`CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END`,
					`CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END`,
				}
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			if err := dropTable(tx, table); err != nil {
				return err
			}
			if tx.Dialector.Name() == "postgres" {
				return tx.Exec(`DROP FUNCTION IF EXISTS audit_entries_append_only()`).Error
			}
			return nil
		},
	}
}
