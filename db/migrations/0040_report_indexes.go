package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// reportIndexes lets the monthly report (reports/) read a range of months
// from an index instead of the whole table: each instant of a trajectory,
// and of a self-help nudge, that it counts by month. Partial where the
// column may be empty (only rows that have the instant), so they stay small
// and cost little on the writes; a range condition on the column implies
// it, on both dialects.
func reportIndexes() *gormigrate.Migration {
	type index struct{ table, column string }
	columns := []index{
		{"coaching_trajectories", "applied_at"}, {"coaching_trajectories", "started_at"}, {"coaching_trajectories", "first_contact_at"},
		{"coaching_trajectories", "extended_at"}, {"coaching_trajectories", "ended_at"},
		{"selfhelp_nudges", "created_at"}, {"selfhelp_nudges", "shown_at"},
	}
	notNull := map[string]bool{"applied_at": true, "created_at": true}
	name := func(ix index) string { return "idx_" + ix.table + "_" + ix.column }
	return &gormigrate.Migration{
		ID: "0040_report_indexes",
		Migrate: func(tx *gorm.DB) error {
			for _, ix := range columns {
				stmt := "CREATE INDEX " + name(ix) + " ON " + ix.table + " (" + ix.column + ")"
				if !notNull[ix.column] {
					stmt += " WHERE " + ix.column + " IS NOT NULL"
				}
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("create %s: %w", name(ix), err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, ix := range columns {
				if err := tx.Exec("DROP INDEX IF EXISTS " + name(ix)).Error; err != nil {
					return fmt.Errorf("drop %s: %w", name(ix), err)
				}
			}
			return nil
		},
	}
}
