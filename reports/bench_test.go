package reports

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
)

// BenchmarkMonthly is the 18-month report over a moderate volume (a year
// and a half of 20,000 self-tests, 540 days of visits, 4,000 self-help
// starters with their lessons, 2,000 trajectories), beside a baseline in
// the same run: one bare COUNT over the same self-tests. The national
// scale of the issue (5 million page views, 500,000 self-tests, …) is not
// measured here.
func BenchmarkMonthly(b *testing.B) {
	d := dbtest.Open(b)
	loc, _ := time.LoadLocation("Europe/Brussels")
	start := time.Date(2025, time.January, 1, 0, 0, 0, 0, loc)
	const (
		selftests    = 20000
		starters     = 4000
		trajectories = 2000
	)
	span := 540 * 24 * time.Hour
	var days []map[string]any
	for i := range 540 {
		days = append(days, map[string]any{"day": start.AddDate(0, 0, i).Format(time.DateOnly), "page_views": 300 + i%50, "unique_visitors": 100 + i%20})
	}
	var subs, events, trajs []map[string]any
	bands := []string{"minimal", "mild", "moderate", "moderately_severe", "severe"}
	for i := range selftests {
		subs = append(subs, map[string]any{"id": fmt.Sprintf("s%07d", i), "instrument_id": "phq9", "instrument_version": "1", "language": "nl",
			"answers": "{}", "score": i % 28, "band": bands[i%5], "crisis": i%17 == 0, "created_at": start.Add(span / selftests * time.Duration(i)).UTC()})
	}
	for i := range starters {
		at := start.Add(span / starters * time.Duration(i)).UTC()
		e := fmt.Sprintf("e%06d", i)
		events = append(events, map[string]any{"kind": "selfhelp_started", "programme_id": "depression", "enrolment_id": e, "lesson_id": nil, "occurred_at": at})
		for l := range i % 5 {
			events = append(events, map[string]any{"kind": "lesson_completed", "programme_id": "depression", "enrolment_id": e,
				"lesson_id": fmt.Sprintf("l%d", l), "occurred_at": at.Add(time.Duration(l+1) * 72 * time.Hour)})
		}
	}
	states := []string{"completed", "dropped_out", "referred", "withdrawn", "active"}
	for i := range trajectories {
		at := start.Add(span / trajectories * time.Duration(i)).UTC()
		trajs = append(trajs, map[string]any{"id": fmt.Sprintf("t%06d", i), "client_id": fmt.Sprintf("c%06d", i), "state": states[i%5],
			"applied_at": at, "started_at": at.Add(200 * time.Hour), "first_contact_at": at.Add(220 * time.Hour), "ended_at": at.Add(2000 * time.Hour),
			"end_reason": "disappeared", "last_client_activity_at": at, "updated_at": at})
	}
	ctx := context.Background()
	for table, rows := range map[string][]map[string]any{"visit_days": days, "selftest_submissions": subs, "selfhelp_events": events, "coaching_trajectories": trajs} {
		if err := d.DB.Table(table).CreateInBatches(rows, 500).Error; err != nil {
			b.Fatal(err)
		}
	}
	s, err := NewService(Options{Store: NewStore(d.DB), Location: loc, Instruments: testInstruments})
	if err != nil {
		b.Fatal(err)
	}
	from, to := MonthOf(start, loc), MonthOf(start, loc).Add(17)
	b.Run("report", func(b *testing.B) {
		for b.Loop() {
			r, err := s.Monthly(ctx, from, to, AudienceCoordinator)
			if err != nil || r.Total.Reach.SelfTests != selftests {
				b.Fatalf("%v, %d self-tests", err, r.Total.Reach.SelfTests)
			}
		}
	})
	b.Run("baseline-count", func(b *testing.B) {
		for b.Loop() {
			var n int64
			if err := d.DB.Table("selftest_submissions").Where("created_at >= ? AND created_at < ?", from.Start(loc).UTC(), to.Add(1).Start(loc).UTC()).Count(&n).Error; err != nil || n != selftests {
				b.Fatalf("%v, %d", err, n)
			}
		}
	})
}

// BenchmarkMonthlyNational is the full 18-month report over a national
// service's volumes: the database HAVEN_BENCH_REPORT_DATABASE_URL names,
// filled once by `haven demo-data` (5,000,000 page views, 500,000
// self-tests, 100,000 self-help starters, 50,000 trajectories) and rolled
// up by `haven run-job reports-rollup`. Skipped without it, so `make test`
// and `make bench` never build the data set. Sub-benchmarks: the report
// as deployed (rollups for the closed months), the report recounted from
// the raw rows, and the baseline measured in the same run, a bare COUNT(*)
// of the self-tests (the largest table); the first two also report their
// time as a multiple of that baseline (x-count).
func BenchmarkMonthlyNational(b *testing.B) {
	url := os.Getenv("HAVEN_BENCH_REPORT_DATABASE_URL")
	if url == "" {
		b.Skip("HAVEN_BENCH_REPORT_DATABASE_URL is not set (a database filled by haven demo-data)")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, db.Config{URL: url})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = d.Close() })
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		b.Fatal(err)
	}
	var last struct{ M *instant }
	if err := d.DB.Raw("SELECT MAX(created_at) AS m FROM selftest_submissions").Scan(&last).Error; err != nil || last.M == nil {
		b.Fatalf("no self-tests in the benchmark database (%v): fill it with haven demo-data", err)
	}
	to := MonthOf(last.M.Time, loc)
	from := to.Add(-17)
	var total int64
	if err := d.DB.Table("selftest_submissions").Count(&total).Error; err != nil {
		b.Fatal(err)
	}
	baseline := func() time.Duration {
		var best time.Duration
		for range 5 {
			t0 := time.Now()
			var n int64
			if err := d.DB.WithContext(ctx).Raw("SELECT COUNT(*) FROM selftest_submissions").Scan(&n).Error; err != nil {
				b.Fatal(err)
			}
			if el := time.Since(t0); best == 0 || el < best {
				best = el
			}
		}
		return best
	}
	service := func(raw bool) *Service {
		stats, err := NewStatsService(StatsOptions{DB: d.DB, Location: loc,
			Severity: []SeverityScale{{"phq9", testInstruments[0].Bands}, {"gad7", testInstruments[1].Bands}}})
		if err != nil {
			b.Fatal(err)
		}
		stats.store.raw = raw
		st := NewStore(d.DB)
		st.raw = raw
		s, err := NewService(Options{Store: st, Location: loc, Instruments: testInstruments, Stats: stats})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	for _, c := range []struct {
		name string
		raw  bool
	}{{"report", false}, {"report-raw", true}} {
		s := service(c.raw)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				r, err := s.Monthly(ctx, from, to, AudienceCoordinator)
				if err != nil || r.Total.Reach.SelfTests == 0 {
					b.Fatalf("%v", err)
				}
			}
			b.StopTimer()
			per := float64(b.Elapsed()) / float64(b.N)
			b.ReportMetric(per/float64(baseline()), "x-count")
		})
	}
	b.Run("baseline-count", func(b *testing.B) {
		for b.Loop() {
			var n int64
			if err := d.DB.WithContext(ctx).Raw("SELECT COUNT(*) FROM selftest_submissions").Scan(&n).Error; err != nil || n != total {
				b.Fatalf("%v, %d", err, n)
			}
		}
	})
}
