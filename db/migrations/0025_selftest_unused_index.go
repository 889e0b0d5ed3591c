package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// selftestUnusedIndex drops the (instrument_id, created_at) index of the
// anonymous self-tests: every submit wrote it (with the created_at index,
// 94 MB at a million rows) and no query reads it — the monthly report
// filters on created_at alone (reports/store.go, outcomes_store.go), which
// its own index serves (TestSelftestIndexesServeTheReports checks both
// with EXPLAIN on PostgreSQL). The created_at index stays.
func selftestUnusedIndex() *gormigrate.Migration {
	const name = "idx_selftest_submissions_instrument_created"
	return &gormigrate.Migration{
		ID: "0025_selftest_unused_index",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Exec("DROP INDEX IF EXISTS " + name).Error; err != nil {
				return fmt.Errorf("drop %s: %w", name, err)
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Exec("CREATE INDEX " + name + " ON selftest_submissions (instrument_id, created_at)").Error; err != nil {
				return fmt.Errorf("create %s: %w", name, err)
			}
			return nil
		},
	}
}
