package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
)

// reportRollups are the monthly report's rollups (reports/rollup.go):
// counts per closed month, so the report reads a few rows per month
// instead of every self-test and self-help event. report_rollups records
// which months are rolled up from which source, in which time zone, and
// how many raw rows the rollup counted (a changed count — a late row —
// makes the job roll the month up again).
func reportRollups() *gormigrate.Migration {
	type reportMonthCount struct {
		Month  string `gorm:"primaryKey;size:7"`
		Metric string `gorm:"primaryKey;size:32"`
		Key    string `gorm:"primaryKey;size:160"`
		N      int64  `gorm:"not null"`
	}
	type reportRollup struct {
		Month    string    `gorm:"primaryKey;size:7"`
		Source   string    `gorm:"primaryKey;size:32"`
		Zone     string    `gorm:"size:64;not null"`
		RawRows  int64     `gorm:"not null"`
		RolledAt time.Time `gorm:"not null"`
	}
	return createTables("0045_report_rollups",
		table{"report_month_counts", &reportMonthCount{}},
		table{"report_rollups", &reportRollup{}},
	)
}
