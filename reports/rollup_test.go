package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/modules"
)

// rollupServices are a report service that reads the rollups and one that
// recounts everything from the raw rows, on the same database, zone and
// clock.
func rollupServices(t *testing.T, gdb *gorm.DB, loc *time.Location, now time.Time) (rolled, raw *Service) {
	t.Helper()
	build := func(ignore bool) *Service {
		stats, err := NewStatsService(StatsOptions{DB: gdb, Location: loc, Now: func() time.Time { return now },
			Severity: []SeverityScale{{"phq9", testInstruments[0].Bands}, {"gad7", testInstruments[1].Bands}}})
		if err != nil {
			t.Fatal(err)
		}
		stats.store.raw = ignore
		st := NewStore(gdb)
		st.raw = ignore
		s, err := NewService(Options{Store: st, Location: loc, Instruments: testInstruments, Now: func() time.Time { return now }, Stats: stats})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return build(false), build(true)
}

// reportJSON is the coordinator's report for from..to as JSON.
func reportJSON(t *testing.T, s *Service, from, to Month) string {
	t.Helper()
	r, err := s.Monthly(context.Background(), from, to, AudienceCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRollupEqualsRecount: the report read from the rollups of closed
// months (and the raw rows of the current one) is the report recounted
// from the raw rows — after the first run, after a second run (which
// rolls nothing up again), after rows arrive late in a closed month or
// leave it, and for months whose boundaries fall on either side of
// Brussels' changes to and from summer time (rows a second before and at
// midnight on 1 March, 1 April, 1 November). A report in another zone
// ignores the Brussels rollups. SQLite, or PostgreSQL with
// TEST_DATABASE_URL.
func TestRollupEqualsRecount(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	loc := brussels(t)
	f := &fixture{t: t, db: d.DB}
	now := utc("2026-11-10T12:00:00Z")
	from, to := Month{2026, time.February}, Month{2026, time.November}

	rng := rand.New(rand.NewPCG(3, 4))
	pick := func(vs ...string) any {
		if i := rng.IntN(len(vs) + 1); i < len(vs) {
			return vs[i]
		}
		return nil // not answered
	}
	bands := map[string][]string{"phq9": testInstruments[0].Bands, "gad7": testInstruments[1].Bands}
	selftest := func(at time.Time) {
		in := []string{"phq9", "gad7"}[rng.IntN(2)]
		f.insert("selftest_submissions", map[string]any{"id": f.id(), "instrument_id": in, "instrument_version": "1",
			"language": "nl", "answers": "[]", "score": 5, "band": bands[in][rng.IntN(len(bands[in]))], "crisis": rng.IntN(9) == 0,
			"age_band": pick("18_24", "25_34", "65_plus"), "gender": pick("woman", "man"), "region": pick("be_antwerp", "other"),
			"sought_help_before": pick("yes", "no"), "created_at": at})
	}
	// Self-help: each enrolment starts once, then completes lessons (some
	// twice: distinct lessons count), and other events.
	lessonIDs := []string{"understanding", "activation", "thoughts"}
	starts := map[string]time.Time{}
	event := func(at time.Time) {
		e := fmt.Sprintf("e%03d", rng.IntN(40))
		kind, lesson := modules.EventMeasurement, any(nil)
		switch started, ok := starts[e]; {
		case !ok:
			kind, starts[e] = modules.EventStarted, at
		case at.After(started):
			kind, lesson = []string{modules.EventLessonCompleted, modules.EventCourseCompleted}[rng.IntN(2)], lessonIDs[rng.IntN(3)]
		}
		f.insert("selfhelp_events", map[string]any{"kind": kind, "programme_id": "depression",
			"lesson_id": lesson, "enrolment_id": e, "occurred_at": at})
	}
	span := now.Sub(from.Start(loc))
	for range 400 {
		at := from.Start(loc).Add(time.Duration(rng.Int64N(int64(span)))).UTC()
		selftest(at)
		event(at)
	}
	// Either side of midnight at the months' boundaries, in winter and
	// summer time.
	for _, b := range []string{"2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z", "2026-10-31T23:00:00Z"} {
		for _, at := range []time.Time{utc(b).Add(-time.Second), utc(b)} {
			selftest(at)
			event(at)
		}
	}

	// People: self-help starters and applicants for guided care, whose
	// profile comes from the self-tests they claimed before they started.
	claim := func(user string, at time.Time) {
		id := f.id()
		f.insert("selftest_submissions", map[string]any{"id": id, "instrument_id": "phq9", "instrument_version": "1",
			"language": "nl", "answers": "", "score": 9, "band": "mild", "crisis": false,
			"age_band": pick("18_24", "25_34", "65_plus"), "gender": pick("woman", "man"), "region": pick("be_antwerp", "other"),
			"sought_help_before": pick("yes", "no"), "created_at": at})
		f.insert("selftest_claims", map[string]any{"submission_id": id, "token_hash": id, "expires_at": at.Add(time.Hour),
			"user_id": user, "claimed_at": at.Add(time.Minute)})
	}
	enrol := func(user string, at time.Time) {
		e := f.id()
		f.insert("selfhelp_enrolments", map[string]any{"id": e, "user_id": user, "programme_id": "depression", "programme_version": 1,
			"started_at": at, "last_active_at": at, "current_lesson": "understanding", "current_step": "intro"})
		if rng.IntN(4) > 0 {
			f.insert("selfhelp_measurements", map[string]any{"enrolment_id": e, "point_id": "start", "submission_id": "", "score": 12,
				"band": bands["phq9"][rng.IntN(5)], "taken_at": at.Add(time.Minute), "instrument": "phq9", "language": "nl", "crisis": false})
		}
	}
	for i := range 120 {
		user := fmt.Sprintf("user-%03d", i)
		at := from.Start(loc).Add(time.Duration(rng.Int64N(int64(span)))).UTC()
		if rng.IntN(3) > 0 {
			taken := at.Add(-time.Duration(rng.IntN(72)) * time.Hour)
			if taken.Before(from.Start(loc)) {
				taken = at
			}
			claim(user, taken)
		}
		if i%2 == 0 {
			enrol(user, at)
		} else {
			row := map[string]any{"id": f.id(), "client_id": user, "state": "applied", "applied_at": at,
				"intake_band": bands["phq9"][rng.IntN(5)], "last_client_activity_at": at, "updated_at": at}
			if rng.IntN(4) == 0 {
				row["extended_at"] = at.Add(time.Duration(rng.IntN(40*24)) * time.Hour)
			}
			if end := at.Add(time.Duration(rng.IntN(60*24)) * time.Hour); end.Before(now) && rng.IntN(3) > 0 {
				ends := [][2]string{{"completed", ""}, {"dropped_out", "disappeared"}, {"dropped_out", "helped_enough"},
					{"referred", "referred_crisis"}, {"no_contact", "no_contact_after_signup"}, {"withdrawn", ""}}
				e := ends[rng.IntN(len(ends))]
				row["state"], row["ended_at"] = e[0], end
				if e[1] != "" {
					row["end_reason"] = e[1]
				}
			}
			f.insert("coaching_trajectories", row)
		}
	}
	late := "user-late"
	enrol(late, utc("2026-04-10T10:00:00Z"))

	rolledSvc, rawSvc := rollupServices(t, d.DB, loc, now)
	r := &Rollup{db: d.DB, loc: loc}
	same := func(when string) {
		t.Helper()
		if got, want := reportJSON(t, rolledSvc, from, to), reportJSON(t, rawSvc, from, to); got != want {
			t.Errorf("%s: the report from the rollups differs from the recount:\n got %s\nwant %s", when, got, want)
		}
	}
	run := func(want int) {
		t.Helper()
		n, err := r.Run(ctx, now)
		if err != nil || want >= 0 && n != want {
			t.Errorf("rollup run: %d months rolled up, %v; want %d", n, err, want)
		}
	}
	var counts int64
	d.DB.Table("report_month_counts").Count(&counts)
	if counts != 0 {
		t.Fatalf("%d rollup rows before the first run", counts)
	}
	n, err := r.Run(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	// February to October for every source with rows then (those of the
	// ends and extensions may begin later); November is the current month.
	var marks []rollupMark
	if err := d.DB.Order("month, source").Find(&marks).Error; err != nil || len(marks) != n {
		t.Fatalf("%d rolled up, marks: %v %+v", n, err, marks)
	}
	perSource := map[string]int{}
	for _, m := range marks {
		perSource[m.Source]++
		if m.Month < "2026-02" || m.Month > "2026-10" {
			t.Errorf("rolled up %s of %s", m.Month, m.Source)
		}
	}
	for _, src := range rollupSources() {
		if want := 9; perSource[src.name] < 7 || (src.name == sourceSelftests || src.name == sourceApplied) && perSource[src.name] != want {
			t.Errorf("%d months of %s rolled up", perSource[src.name], src.name)
		}
	}
	same("after the first run")

	var before int64
	d.DB.Table("report_month_counts").Count(&before)
	run(0)
	var after int64
	d.DB.Table("report_month_counts").Count(&after)
	if before == 0 || after != before {
		t.Errorf("rollup rows: %d after the first run, %d after the second", before, after)
	}
	same("after a second run")

	// A late self-test and event in March (closed), one in November
	// (current): the report reads the rollup, stale for March until the
	// job runs, which rolls March up again.
	selftest(utc("2026-03-15T10:00:00Z"))
	f.insert("selfhelp_events", map[string]any{"kind": modules.EventMeasurement, "programme_id": "depression",
		"lesson_id": nil, "enrolment_id": "e999", "occurred_at": utc("2026-03-15T10:00:00Z")})
	selftest(utc("2026-11-02T10:00:00Z"))
	if reportJSON(t, rolledSvc, from, to) == reportJSON(t, rawSvc, from, to) {
		t.Error("a late row in a closed month shows before the job ran: the report does not read the rollup")
	}
	run(2)
	same("after late rows")
	// A starter of April claims, late, a self-test they took in March
	// before starting: March's self-tests and April's starters' profile
	// change, without a new starter in April.
	claim(late, utc("2026-03-20T10:00:00Z"))
	run(2)
	same("after a late claim")
	// Starters of closed months complete a lesson now: the median of
	// lessons per starter moves (recounted every run).
	for _, e := range []string{"e001", "e002", "e003"} {
		f.insert("selfhelp_events", map[string]any{"kind": modules.EventLessonCompleted, "programme_id": "depression",
			"lesson_id": "activation", "enrolment_id": e, "occurred_at": utc("2026-11-05T10:00:00Z")})
	}
	run(-1)
	same("after lessons completed in the current month")

	// A trajectory recorded late: applied in May, ended in June.
	f.insert("coaching_trajectories", map[string]any{"id": f.id(), "client_id": "user-traj", "state": "dropped_out",
		"applied_at": utc("2026-05-03T10:00:00Z"), "ended_at": utc("2026-06-20T10:00:00Z"), "end_reason": "not_ready",
		"intake_band": "mild", "last_client_activity_at": utc("2026-05-03T10:00:00Z"), "updated_at": utc("2026-05-03T10:00:00Z")})
	if reportJSON(t, rolledSvc, from, to) == reportJSON(t, rawSvc, from, to) {
		t.Error("a late trajectory in closed months shows before the job ran: the report does not read the rollup")
	}
	run(3) // its application, its end, and May's applicants' profile
	same("after a late trajectory")

	// A row leaves a closed month (erasure, say).
	if err := d.DB.Exec("DELETE FROM selftest_submissions WHERE id = (SELECT MIN(id) FROM selftest_submissions WHERE created_at >= ? AND created_at < ?)",
		utc("2026-06-01T00:00:00Z"), utc("2026-06-30T00:00:00Z")).Error; err != nil {
		t.Fatal(err)
	}
	run(1)
	same("after a row left June")

	// A range starting and ending inside the rolled-up months, and one
	// past them.
	for _, rg := range [][2]Month{{{2026, time.March}, {2026, time.April}}, {{2026, time.September}, {2026, time.December}}} {
		if got, want := reportJSON(t, rolledSvc, rg[0], rg[1]), reportJSON(t, rawSvc, rg[0], rg[1]); got != want {
			t.Errorf("%v–%v: rollups differ from the recount", rg[0], rg[1])
		}
	}

	// In another zone the Brussels rollups do not fit the months.
	utcRolled, utcRaw := rollupServices(t, d.DB, time.UTC, now)
	if got, want := reportJSON(t, utcRolled, from, to), reportJSON(t, utcRaw, from, to); got != want {
		t.Error("a report in UTC used the Brussels rollups")
	}
}
