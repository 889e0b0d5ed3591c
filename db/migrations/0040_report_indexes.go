package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// reportIndexes lets the monthly report (reports/) read a range of months
// of guided care from an index instead of the whole table: each of the
// trajectory's instants it counts by month. Partial (only rows that have
// the instant), so they stay small and cost little on the writes; a range
// condition on the column implies it, on both dialects.
func reportIndexes() *gormigrate.Migration {
	columns := []string{"applied_at", "started_at", "first_contact_at", "extended_at", "ended_at"}
	name := func(col string) string { return "idx_coaching_trajectories_" + col }
	return &gormigrate.Migration{
		ID: "0040_report_indexes",
		Migrate: func(tx *gorm.DB) error {
			for _, col := range columns {
				stmt := "CREATE INDEX " + name(col) + " ON coaching_trajectories (" + col + ")"
				if col != "applied_at" { // never null
					stmt += " WHERE " + col + " IS NOT NULL"
				}
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("create %s: %w", name(col), err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, col := range columns {
				if err := tx.Exec("DROP INDEX IF EXISTS " + name(col)).Error; err != nil {
					return fmt.Errorf("drop %s: %w", name(col), err)
				}
			}
			return nil
		},
	}
}
