package reports

import (
	"context"
	"testing"
	"time"

	"github.com/haven-mh/haven/db/dbtest"
)

// TestDaysFromSelftestToApplication checks the median days from a
// claimed self-test to the application against values worked out by hand
// (Brussels months, February and March 2026), on SQLite and, with
// TEST_DATABASE_URL, PostgreSQL.
func TestDaysFromSelftestToApplication(t *testing.T) {
	d := dbtest.Open(t).DB
	f := &fixture{t: t, db: d}
	// claimed inserts a self-test taken at `at` and claimed by user ("" for
	// one never claimed, with its claim row still waiting).
	claimed := func(user, at string) {
		id := f.id()
		f.insert("selftest_submissions", map[string]any{"id": id, "instrument_id": "phq9", "instrument_version": "1",
			"language": "nl", "answers": "", "score": 5, "band": "mild", "crisis": false, "created_at": utc(at)})
		row := map[string]any{"submission_id": id, "token_hash": id, "expires_at": utc(at).Add(30 * 24 * time.Hour), "user_id": nil, "claimed_at": nil}
		if user != "" {
			row["user_id"], row["claimed_at"] = user, utc(at).Add(time.Hour)
		}
		f.insert("selftest_claims", row)
	}
	anonymous := func(at string) {
		f.insert("selftest_submissions", map[string]any{"id": f.id(), "instrument_id": "phq9", "instrument_version": "1",
			"language": "nl", "answers": "", "score": 5, "band": "mild", "crisis": false, "created_at": utc(at)})
	}
	// applied inserts a trajectory of client; an ended one (withdrawn) so a
	// client can apply again.
	applied := func(client, at string, ended bool) {
		row := map[string]any{"id": f.id(), "client_id": client, "state": "applied", "applied_at": utc(at),
			"last_client_activity_at": utc(at), "updated_at": utc(at), "ended_at": nil}
		if ended {
			row["state"], row["ended_at"] = "withdrawn", utc(at).Add(24*time.Hour)
		}
		f.insert("coaching_trajectories", row)
	}
	const (
		a, b, c, dd, e, g, h, i, k = "client-a", "client-b", "client-c", "client-d", "client-e", "client-g", "client-h", "client-i", "client-k"
	)
	// February: a (two self-tests; from the first, 1 Feb, to 11 Feb:
	// 10 days) and i (10 Feb 00:00 to 13 Feb 06:00: 3.25 days).
	claimed(a, "2026-02-01T10:00:00Z")
	claimed(a, "2026-02-05T10:00:00Z")
	applied(a, "2026-02-11T10:00:00Z", false)
	claimed(i, "2026-02-10T00:00:00Z")
	applied(i, "2026-02-13T06:00:00Z", false)
	// March: b (20 Feb 00:00 to 1 Mar 12:00: 9.5 days); c (2 days; their
	// second application does not count again); d (applied in February
	// before any self-test — not counted there —, then a self-test on
	// 2 March and an application on 6 March: 4 days); g (a self-test in
	// January, applied 28 Feb 23:30 UTC, which is 1 March in Brussels:
	// 39.979 days).
	claimed(b, "2026-02-20T00:00:00Z")
	applied(b, "2026-03-01T12:00:00Z", false)
	claimed(c, "2026-03-10T00:00:00Z")
	applied(c, "2026-03-12T00:00:00Z", true)
	applied(c, "2026-03-20T00:00:00Z", false)
	applied(dd, "2026-02-15T00:00:00Z", true)
	claimed(dd, "2026-03-02T00:00:00Z")
	applied(dd, "2026-03-06T00:00:00Z", false)
	claimed(g, "2026-01-20T00:00:00Z")
	applied(g, "2026-02-28T23:30:00Z", false)
	// Not counted: e's self-test came after the application; h applied
	// in April (outside); an anonymous self-test and a claim nobody made
	// link to no one (k applied without a self-test of theirs).
	applied(e, "2026-03-14T00:00:00Z", false)
	claimed(e, "2026-03-15T00:00:00Z")
	claimed(h, "2026-03-30T00:00:00Z")
	applied(h, "2026-04-02T00:00:00Z", false)
	anonymous("2026-02-01T00:00:00Z")
	claimed("", "2026-02-02T00:00:00Z")
	applied(k, "2026-02-03T00:00:00Z", false)

	s, err := NewService(Options{Store: NewStore(d), Location: brussels(t), Instruments: testInstruments,
		Now: func() time.Time { return utc("2026-07-01T00:00:00Z") }})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Monthly(context.Background(), Month{2026, time.February}, Month{2026, time.March}, AudienceCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	// February: 3.25 and 10 → 6.625 → 6.6. March: 2, 4, 9.5, 39.979 →
	// (4 + 9.5) / 2 = 6.75 → 6.8. Both months: 2, 3.25, 4, 9.5, 10,
	// 39.979 → 6.75 → 6.8.
	for _, c := range []struct {
		name string
		got  Median
		want float64
		n    int64
	}{
		{"February", r.Months[0].Guidance.DaysFromSelftest, 6.6, 2},
		{"March", r.Months[1].Guidance.DaysFromSelftest, 6.8, 4},
		{"total", r.Total.Guidance.DaysFromSelftest, 6.8, 6},
	} {
		if c.got.Value == nil || *c.got.Value != c.want || c.got.N != c.n {
			t.Errorf("%s: median %v of %d, want %v of %d", c.name, c.got.Value, c.got.N, c.want, c.n)
		}
	}
	var csv string
	for _, row := range r.Rows() {
		if row.Month == "2026-03" && row.Figure == "median_days_from_selftest" {
			csv = formatValue(row)
		}
	}
	if csv != "6.8" {
		t.Errorf("the export's March median = %q, want 6.8", csv)
	}
	// A researcher gets no medians at all.
	rr, err := s.Monthly(context.Background(), Month{2026, time.January}, Month{2026, time.March}, AudienceResearcher)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rr.Months {
		if m.Guidance.DaysFromSelftest.Value != nil {
			t.Errorf("a researcher sees the median of %s", m.Month)
		}
	}
}
