package db_test

import (
	"strings"
	"testing"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
)

// TestSelftestIndexesServeTheReports: the anonymous self-tests keep only
// the index a query reads. The (instrument_id, created_at) index is gone
// (no query filters on the instrument first); on PostgreSQL, with a year
// and a half of self-tests, the monthly report's range query for one month
// reads the created_at index.
func TestSelftestIndexesServeTheReports(t *testing.T) {
	d := dbtest.Open(t)
	var names []string
	q := "SELECT indexname FROM pg_indexes WHERE tablename = 'selftest_submissions' AND schemaname = current_schema()"
	if d.Dialect == db.SQLite {
		q = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'selftest_submissions'"
	}
	if err := d.Raw(q).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	has := func(name string) bool {
		for _, n := range names {
			if n == name {
				return true
			}
		}
		return false
	}
	if has("idx_selftest_submissions_instrument_created") {
		t.Errorf("the unused (instrument_id, created_at) index is still there: %v", names)
	}
	if !has("idx_selftest_submissions_created_at") {
		t.Errorf("the created_at index the reports read is gone: %v", names)
	}
	if d.Dialect != db.Postgres {
		return
	}
	// 30,000 self-tests over 540 days.
	if err := d.Exec(`INSERT INTO selftest_submissions (id, instrument_id, instrument_version, language, answers, score, band, crisis, created_at)
		SELECT 'b' || g, CASE WHEN g % 2 = 0 THEN 'phq9' ELSE 'gad7' END, '1', 'nl', '[]', g % 27, 'mild', g % 50 = 0,
			TIMESTAMPTZ '2025-01-01' + (g * INTERVAL '26 minutes')
		FROM generate_series(1, 30000) g`).Error; err != nil {
		t.Fatal(err)
	}
	if err := d.Exec("ANALYZE selftest_submissions").Error; err != nil {
		t.Fatal(err)
	}
	// The report's queries (reports/store.go selftests, outcomes_store.go
	// selftestProfiles), for one month.
	for _, query := range []string{
		`SELECT instrument_id, band, COUNT(*), SUM(CASE WHEN crisis THEN 1 ELSE 0 END) FROM selftest_submissions
			WHERE created_at >= '2025-06-01' AND created_at < '2025-07-01' GROUP BY 1, 2`,
		`SELECT sub.age_band, sub.gender, sub.region, sub.sought_help_before, sub.instrument_id || ':' || sub.band, COUNT(*)
			FROM selftest_submissions sub WHERE sub.created_at >= '2025-06-01' AND sub.created_at < '2025-07-01' GROUP BY 1, 2, 3, 4, 5`,
	} {
		var plan []string
		if err := d.Raw("EXPLAIN " + query).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		if p := strings.Join(plan, "\n"); !strings.Contains(p, "idx_selftest_submissions_created_at") {
			t.Errorf("a month of the report does not read the created_at index:\n%s", p)
		}
	}
}
