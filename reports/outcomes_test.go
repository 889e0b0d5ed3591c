package reports

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"gorm.io/gorm"
)

// outcomeFixture, computed by hand (Brussels months, now = 1 June 2026).
//
// Self-help, by the month of the PHQ-9 at start:
//
//	January:  15 → 8 (−7: improved; a case, recovered), 12 → 10 (−2; a case,
//	          not recovered), 9 → 16 (+7: deteriorated; not a case), 20 → —
//	          (lost)
//	February: 18 → 11 (−7: improved; a case, not recovered; its start taken
//	          31 Jan 23:30 UTC, 1 Feb in Brussels), 11 → — (lost)
//	outside:  a start on 31 Dec 22:30 UTC (23:30 in Brussels: December)
//
// Guidance, by the month the trajectory ended (having started):
//
//	g1 completed 20 Jan: intake 16, end 7 (improved, recovered), three
//	   months later 6 (due 20 Apr: in the follow-up cohort); twelve months
//	   not due yet
//	g2 completed 10 Feb: intake 14, end 15 (no reliable change, a case not
//	   recovered); three months due 10 May, not taken: lost
//	g3 dropped out 28 Feb 23:30 UTC = 1 Mar in Brussels: intake 21, no end: lost
//	g7 completed 15 Mar: intake 12, end 4 (improved, recovered); three
//	   months due 15 Jun: not yet in the follow-up cohort
//	outside: a withdrawal that never started (ended in January), a
//	   completion on 31 Mar 22:30 UTC (1 Apr in summer time), an active one
func outcomeFixture(t *testing.T) *statsFix {
	f := newStatsFix(t)
	shelp := func(user, startAt string, pre int, post *int) {
		e := f.enrol(user, startAt)
		f.courseMeasure(e, "start", startAt, pre, "x")
		f.courseMeasure(e, "middle", startAt, 0, "x") // never used
		if post != nil {
			f.courseMeasure(e, "end", "2026-05-20 10:00", *post, "x")
		}
	}
	i := func(n int) *int { return &n }
	shelp("a1", "2026-01-05 10:00", 15, i(8))
	shelp("a2", "2026-01-06 10:00", 12, i(10))
	shelp("a3", "2026-01-07 10:00", 9, i(16))
	shelp("a4", "2026-01-08 10:00", 20, nil)
	shelp("a5", "2026-01-31 23:30", 18, i(11))
	shelp("a6", "2026-02-15 10:00", 11, nil)
	shelp("a7", "2025-12-31 22:30", 20, i(2))

	g1 := f.trajectory("c1", coaching.StateCompleted, "2025-10-01 10:00", "2025-10-20 10:00", "2026-01-20 10:00", 16, "moderately_severe")
	f.measure(g1, coaching.PointIntake, "2025-10-01 10:00", 16)
	f.measure(g1, coaching.PointEnd, "2026-01-19 10:00", 7)
	f.measure(g1, coaching.PointFollowUp3, "2026-04-21 10:00", 6)
	g2 := f.trajectory("c2", coaching.StateCompleted, "2025-11-01 10:00", "2025-11-10 10:00", "2026-02-10 10:00", 14, "moderate")
	f.measure(g2, coaching.PointEnd, "2026-02-09 10:00", 15)
	f.trajectory("c3", coaching.StateDroppedOut, "2025-12-20 10:00", "2026-01-05 10:00", "2026-02-28 23:30", 21, "severe")
	g7 := f.trajectory("c7", coaching.StateCompleted, "2025-12-01 10:00", "2025-12-15 10:00", "2026-03-15 10:00", 12, "moderate")
	f.measure(g7, coaching.PointEnd, "2026-03-14 10:00", 4)
	f.trajectory("c4", coaching.StateWithdrawn, "2026-01-02 10:00", "", "2026-01-10 10:00", 10, "moderate")
	g5 := f.trajectory("c5", coaching.StateCompleted, "2025-12-20 10:00", "2026-01-01 10:00", "2026-03-31 22:30", 20, "severe")
	f.measure(g5, coaching.PointEnd, "2026-03-30 10:00", 2)
	f.trajectory("c6", coaching.StateActive, "2026-02-20 10:00", "2026-03-01 10:00", "", 15, "moderately_severe")
	return f
}

// rowCounts returns a suppressed table's row as shown counts (−1 hidden),
// months then the total.
func rowCounts(tab SuppressedTable, row string) []int {
	i := slices.Index(tab.Rows, row)
	var out []int
	for _, c := range append(slices.Clone(tab.Cells[i]), tab.RowTotals[i]) {
		if c.Hidden() {
			out = append(out, -1)
		} else {
			out = append(out, *c.N)
		}
	}
	return out
}

func comparison(t *testing.T, cs []Comparison, to string) Comparison {
	t.Helper()
	for _, c := range cs {
		if c.To == to {
			return c
		}
	}
	t.Fatalf("no comparison to %s", to)
	return Comparison{}
}

func intIs(p *int, want int) bool { return p != nil && *p == want }

// TestOutcomesCounts: every count, share and statistic of the fixture,
// without suppression (threshold 1).
func TestOutcomesCounts(t *testing.T) {
	f := outcomeFixture(t)
	s := newTestStats(t, f, "2026-06-01 00:00")
	out, err := s.Outcomes(context.Background(), firstQuarter2026(t), SuppressOptions{Threshold: 1, ColumnTotalsPublished: true})
	if err != nil {
		t.Fatal(err)
	}
	type rows map[string][]int
	for _, c := range []struct {
		name     string
		cmp      Comparison
		from     string
		change   rows
		recovery rows
		eligible int
		n        int
		lost     float64
	}{
		{"self-help", comparison(t, out.Selfhelp, "end"), "start", rows{
			RowReliablyImproved: {1, 1, 0, 2}, RowNoReliableChange: {1, 0, 0, 1}, RowReliablyDeteriorated: {1, 0, 0, 1}, RowNotMeasured: {1, 1, 0, 2},
		}, rows{RowRecovered: {1, 0, 0, 1}, RowNotRecovered: {1, 1, 0, 2}}, 6, 4, 2.0 / 6},
		{"guidance end", comparison(t, out.Guidance, coaching.PointEnd), coaching.PointIntake, rows{
			RowReliablyImproved: {1, 0, 1, 2}, RowNoReliableChange: {0, 1, 0, 1}, RowReliablyDeteriorated: {0, 0, 0, 0}, RowNotMeasured: {0, 0, 1, 1},
		}, rows{RowRecovered: {1, 0, 1, 2}, RowNotRecovered: {0, 1, 0, 1}}, 4, 3, 1.0 / 4},
		{"guidance three months", comparison(t, out.Guidance, coaching.PointFollowUp3), coaching.PointIntake, rows{
			RowReliablyImproved: {1, 0, 0, 1}, RowNoReliableChange: {0, 0, 0, 0}, RowReliablyDeteriorated: {0, 0, 0, 0}, RowNotMeasured: {0, 1, 0, 1},
		}, rows{RowRecovered: {1, 0, 0, 1}, RowNotRecovered: {0, 0, 0, 0}}, 2, 1, 1.0 / 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.cmp.From != c.from || !slices.Equal(c.cmp.Change.Cols, []string{"2026-01", "2026-02", "2026-03"}) {
				t.Errorf("from %s, cols %v", c.cmp.From, c.cmp.Change.Cols)
			}
			for row, want := range c.change {
				if got := rowCounts(c.cmp.Change, row); !slices.Equal(got, want) {
					t.Errorf("change %s = %v, want %v", row, got, want)
				}
			}
			for row, want := range c.recovery {
				if got := rowCounts(c.cmp.Recovery, row); !slices.Equal(got, want) {
					t.Errorf("recovery %s = %v, want %v", row, got, want)
				}
			}
			if !intIs(c.cmp.Eligible, c.eligible) || !intIs(c.cmp.N, c.n) || !near(c.cmp.LostShare, c.lost, 1e-12) {
				t.Errorf("eligible %v n %v lost %s; want %d %d %v", c.cmp.Eligible, c.cmp.N, show(c.cmp.LostShare), c.eligible, c.n, c.lost)
			}
			imp, det := float64(c.change[RowReliablyImproved][3]), float64(c.change[RowReliablyDeteriorated][3])
			rec, cases := float64(c.recovery[RowRecovered][3]), float64(c.recovery[RowRecovered][3]+c.recovery[RowNotRecovered][3])
			if !near(c.cmp.ReliablyImprovedShare, imp/float64(c.n), 1e-12) || !near(c.cmp.DeterioratedShare, det/float64(c.n), 1e-12) ||
				!near(c.cmp.RecoveredShare, rec/cases, 1e-12) {
				t.Errorf("shares %s %s %s", show(c.cmp.ReliablyImprovedShare), show(c.cmp.DeterioratedShare), show(c.cmp.RecoveredShare))
			}
		})
	}

	// Self-help statistics, by hand:
	//   pre 15 12 9 18: mean 13.5, deviations 1.5 −1.5 −4.5 4.5, SS 45, SD √15 = 3.872983
	//   post 8 10 16 11: mean 11.25, deviations −3.25 −1.25 4.75 −.25, SS 34.75
	//   change −7 −2 7 −7: mean −2.25; deviations −4.75 .25 9.25 −4.75, SS 130.75, SD √(130.75/3) = 6.601767
	//   SP = −4.875 + 1.875 − 21.375 − 1.125 = −25.5; r = −25.5/√(45·34.75) = −0.644847
	//   d = −2.25/3.872983 = −0.580948; J = 8/11; g = −0.422507
	//   var = 2(1.644847)/4 + 0.178512/8 = 0.822423 + 0.022314 = 0.844737; SE 0.919096
	//   CI = −0.422507 ± 1.959964·0.919096 = [−2.223902, 1.378888]
	sh := comparison(t, out.Selfhelp, "end").Stats
	// Guidance end statistics, by hand:
	//   pre 16 14 12: mean 14, SD √(8/2) = 2; post 7 15 4: mean 8.666667, SS 64.666667
	//   change −9 1 −8: mean −5.333333; SP = 2(−1.666667) + 0 + (−2)(−4.666667) = 6
	//   r = 6/√(8·64.666667) = 0.263795; d = −2.666667; J = 1 − 3/7 = 4/7; g = −1.523810
	//   var = 2(0.736205)/3 + 2.321995/6 = 0.490804 + 0.386999 = 0.877803; SE 0.936911
	//   CI = [−3.360122, 0.312503]
	ge := comparison(t, out.Guidance, coaching.PointEnd).Stats
	for _, c := range []struct {
		name string
		got  *float64
		want float64
	}{
		{"self-help mean pre", sh.MeanPre, 13.5}, {"self-help mean post", sh.MeanPost, 11.25}, {"self-help mean change", sh.MeanChange, -2.25},
		{"self-help sd pre", sh.SDPre, 3.872983}, {"self-help sd change", sh.SDChange, 6.601767}, {"self-help r", sh.R, -0.644847},
		{"self-help g", sh.Effect.G, -0.422507}, {"self-help ci low", sh.Effect.CILow, -2.223902}, {"self-help ci high", sh.Effect.CIHigh, 1.378888},
		{"guidance mean change", ge.MeanChange, -5.333333}, {"guidance sd pre", ge.SDPre, 2}, {"guidance r", ge.R, 0.263795},
		{"guidance g", ge.Effect.G, -1.523810}, {"guidance ci low", ge.Effect.CILow, -3.360122}, {"guidance ci high", ge.Effect.CIHigh, 0.312503},
	} {
		if !near(c.got, c.want, 5e-6) {
			t.Errorf("%s = %s, want %v", c.name, show(c.got), c.want)
		}
	}
	// One person at three months: a mean change (6 − 16) but no g.
	f3 := comparison(t, out.Guidance, coaching.PointFollowUp3)
	if f3.Stats == nil || !near(f3.Stats.MeanChange, -10, 0) || f3.Stats.Effect.G != nil || f3.Stats.Effect.Reason != NotComputableTooFew {
		t.Errorf("three months: %+v", f3.Stats)
	}
	// Nobody is due at twelve months: an empty cohort, no shares, no statistics.
	f12 := comparison(t, out.Guidance, coaching.PointFollowUp12)
	if !intIs(f12.Eligible, 0) || !intIs(f12.N, 0) || f12.LostShare != nil || f12.Stats != nil || f12.NotComputable != NotComputableTooFew {
		t.Errorf("twelve months: %+v", f12)
	}
}

// TestOutcomesSuppressed: at the default threshold the small fixture shows
// no count but zeros and the statistics are withheld, for every reader;
// the JSON carries nulls, never NaN.
func TestOutcomesSuppressed(t *testing.T) {
	f := outcomeFixture(t)
	s := newTestStats(t, f, "2026-06-01 00:00")
	out, err := s.Outcomes(context.Background(), firstQuarter2026(t), SuppressOptions{ColumnTotalsPublished: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range append(slices.Clone(out.Selfhelp), out.Guidance...) {
		for _, tab := range []SuppressedTable{c.Change, c.Recovery} {
			for _, row := range tab.Rows {
				for _, n := range rowCounts(tab, row) {
					if n > 0 {
						t.Errorf("%s→%s %s shows %d", c.From, c.To, row, n)
					}
				}
			}
			for _, ct := range append(slices.Clone(tab.ColTotals), tab.Total) {
				if !ct.Hidden() && *ct.N > 0 {
					t.Errorf("%s→%s: a total of %d shown: outcome totals are never treated as published", c.From, c.To, *ct.N)
				}
			}
		}
		if c.Stats != nil || (c.NotComputable != NotComputableSuppressed && c.NotComputable != NotComputableTooFew) {
			t.Errorf("%s→%s: stats %+v (%s)", c.From, c.To, c.Stats, c.NotComputable)
		}
		if c.N != nil && *c.N > 0 || c.LostShare != nil || c.ReliablyImprovedShare != nil {
			t.Errorf("%s→%s: n %v, shares of hidden counts", c.From, c.To, c.N)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "NaN") || !strings.Contains(string(b), `"not_computable":"suppressed"`) {
		t.Errorf("json %s", b)
	}
}

// TestOutcomesThresholdForStatistics: the statistics appear once the
// number measured reaches the threshold (4 self-help pairs: at 4, not at 5).
func TestOutcomesThresholdForStatistics(t *testing.T) {
	f := outcomeFixture(t)
	s := newTestStats(t, f, "2026-06-01 00:00")
	for _, c := range []struct {
		threshold int
		stats     bool
	}{{4, true}, {5, false}} {
		out, err := s.Outcomes(context.Background(), firstQuarter2026(t), SuppressOptions{Threshold: c.threshold})
		if err != nil {
			t.Fatal(err)
		}
		if got := comparison(t, out.Selfhelp, "end").Stats != nil; got != c.stats {
			t.Errorf("threshold %d: stats %v, want %v", c.threshold, got, c.stats)
		}
	}
}

// BenchmarkProfilesAndOutcomes times both sections over 18 months on
// PostgreSQL (skipped on SQLite) with generated volumes: 200,000
// self-tests (a tenth claimed), 20,000 self-help enrolments with their
// questionnaires, 10,000 trajectories with theirs.
func BenchmarkProfilesAndOutcomes(b *testing.B) {
	d := benchData(b)
	loc := brussels(b)
	s, err := NewStatsService(StatsOptions{DB: d, Location: loc, Severity: phq9Scale})
	if err != nil {
		b.Fatal(err)
	}
	p := MonthlyPeriods(time.Date(2025, 1, 1, 0, 0, 0, 0, loc), time.Date(2026, 6, 1, 0, 0, 0, 0, loc), loc)
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Profiles(ctx, p, SuppressOptions{ColumnTotalsPublished: true}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Outcomes(ctx, p, SuppressOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchData is a PostgreSQL database with the generated volumes of
// BenchmarkProfilesAndOutcomes; the benchmark is skipped on SQLite.
func benchData(b *testing.B) *gorm.DB {
	d := dbtest.Open(b)
	if d.Dialect != db.Postgres {
		b.Skip("volumes are generated with PostgreSQL's generate_series")
	}
	for _, q := range []string{
		`INSERT INTO selftest_submissions (id, instrument_id, instrument_version, language, answers, score, band, crisis, age_band, gender, region, sought_help_before, created_at)
		 SELECT 's' || g, CASE WHEN g % 3 = 0 THEN 'gad7' ELSE 'phq9' END, '1', 'nl', '[]', g % 27, (ARRAY['minimal','mild','moderate','moderately_severe','severe'])[1 + g % 5], false,
		   CASE WHEN g % 4 = 0 THEN NULL ELSE (ARRAY['18_24','25_34','35_44','45_54','55_64','65_plus','under_18'])[1 + g % 7] END,
		   CASE WHEN g % 5 = 0 THEN NULL ELSE (ARRAY['woman','man','non_binary','other'])[1 + g % 4] END,
		   CASE WHEN g % 6 = 0 THEN NULL ELSE (ARRAY['be_antwerp','be_limburg','be_brussels','nl_utrecht','other'])[1 + g % 5] END,
		   CASE WHEN g % 3 = 0 THEN NULL WHEN g % 2 = 0 THEN 'yes' ELSE 'no' END,
		   timestamptz '2025-01-01' + (g % 540) * interval '1 day' + (g % 1440) * interval '1 minute'
		 FROM generate_series(1, 200000) g`,
		`INSERT INTO selftest_claims (submission_id, token_hash, expires_at, user_id, claimed_at)
		 SELECT 's' || g, 'h' || g, now(), 'u' || (g / 10), now() FROM generate_series(10, 200000, 10) g`,
		`INSERT INTO selfhelp_enrolments (id, user_id, programme_id, programme_version, started_at, last_active_at, current_lesson, current_step)
		 SELECT 'e' || g, 'u' || g, 'depression', 1, timestamptz '2025-01-01' + (g % 540) * interval '1 day' + interval '1 hour', now(), '', ''
		 FROM generate_series(1, 20000) g`,
		`INSERT INTO selfhelp_measurements (enrolment_id, point_id, submission_id, instrument, language, score, band, crisis, taken_at)
		 SELECT 'e' || g, 'start', '', 'phq9', 'nl', 5 + g % 20, 'moderate', false, timestamptz '2025-01-01' + (g % 540) * interval '1 day' + interval '2 hours'
		 FROM generate_series(1, 20000) g`,
		`INSERT INTO selfhelp_measurements (enrolment_id, point_id, submission_id, instrument, language, score, band, crisis, taken_at)
		 SELECT 'e' || g, 'end', '', 'phq9', 'nl', g % 20, 'mild', false, timestamptz '2025-01-01' + (g % 540) * interval '1 day' + interval '60 days'
		 FROM generate_series(1, 20000, 2) g`,
		`INSERT INTO coaching_trajectories (id, client_id, state, intake_score, intake_band, intake_crisis, intake_anxiety, intake_sealed, applied_at, started_at, ended_at,
		   end_lessons_completed, end_messages_in, end_messages_out, end_contacts, last_client_activity_at, updated_at)
		 SELECT 't' || g, 'u' || g, CASE WHEN g % 3 = 0 THEN 'dropped_out' ELSE 'completed' END, 8 + g % 19, 'moderate', false, false, '',
		   timestamptz '2025-01-01' + (g % 450) * interval '1 day', timestamptz '2025-01-15' + (g % 450) * interval '1 day',
		   timestamptz '2025-04-15' + (g % 450) * interval '1 day', 0, 0, 0, 0, now(), now()
		 FROM generate_series(1, 10000) g`,
		`INSERT INTO coaching_measurements (trajectory_id, point, instrument, score, band, crisis, answers_sealed, key_id, taken_at)
		 SELECT 't' || g, p, 'phq9', g % 22, 'mild', false, '', '', now() FROM generate_series(1, 10000) g, unnest(ARRAY['intake','end','followup3']) p
		 WHERE g % 3 <> 0`,
		`ANALYZE`,
	} {
		if err := d.Exec(q).Error; err != nil {
			b.Fatal(err)
		}
	}
	return d.DB
}
