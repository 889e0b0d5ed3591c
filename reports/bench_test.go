package reports

import (
	"context"
	"fmt"
	"testing"
	"time"

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
