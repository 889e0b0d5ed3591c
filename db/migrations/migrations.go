// Package migrations is Haven's append-only list of schema migrations. Each
// migration lives in its own file with the structs it needs frozen inside
// it, so that a later change to a domain model never rewrites history.
// Always use the tx a migration is handed.
package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// All returns every migration in the order it must run. Append only.
func All() []*gormigrate.Migration {
	return []*gormigrate.Migration{
		selftestSubmissions(),
		auth(),
		auditEntries(),
		selftestClaims(),
		totpSecretSealed(),
		selfhelp(),
		jobRuns(),
		visits(),
		selfhelpMeasurementAnswers(),
		selftestClaimAnswers(),
		visitSaltsDropped(),
		auditKeyedChain(),
		coaching(),
		outbox(),
		selfhelpNudgeLanguage(),
		sealKeyChecks(),
		idempotencyKeys(),
		coachingNotifyLanguage(),
		coachingReminders(),
		selftestUnusedIndex(),
		authThrottle(),
		selfhelpPaces(),
		reportIndexes(),
		reportRollups(),
	}
}

// table is one table a migration creates, with its frozen model.
type table struct {
	name  string
	model any
}

// createTables is a migration that creates tables in order and drops them
// in reverse order on rollback. Helpers here may be shared; the structs a
// migration creates stay frozen in its own file.
func createTables(id string, tables ...table) *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: id,
		Migrate: func(tx *gorm.DB) error {
			for _, t := range tables {
				if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
					return fmt.Errorf("create %s: %w", t.name, err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for i := len(tables) - 1; i >= 0; i-- {
				if err := dropTable(tx, tables[i].name); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// dropTable drops a table in the migration's transaction. It is plain SQL:
// the SQLite migrator's DropTable takes a connection of its own, which
// would wait for this transaction forever.
func dropTable(tx *gorm.DB, name string) error {
	stmt := "DROP TABLE IF EXISTS " + name
	if tx.Dialector.Name() == "postgres" {
		stmt += " CASCADE"
	}
	if err := tx.Exec(stmt).Error; err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	return nil
}
