package reports

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/kind"
)

func brussels(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var testInstruments = []Instrument{
	{ID: "phq9", Bands: []string{"minimal", "mild", "moderate", "moderately_severe", "severe"}},
	{ID: "gad7", Bands: []string{"minimal", "mild", "moderate", "severe"}},
}

// TestBuckets pins where months begin: at midnight in Brussels, whichever
// side of a daylight-saving change.
func TestBuckets(t *testing.T) {
	loc := brussels(t)
	b := newBuckets(Month{2026, time.February}, Month{2026, time.November}, loc)
	tests := []struct {
		at   string
		want string // month, or "" outside the range
	}{
		{"2026-01-31T22:59:59Z", ""},        // 23:59:59 CET, 31 January
		{"2026-01-31T23:00:00Z", "2026-02"}, // midnight CET, 1 February
		{"2026-02-28T22:59:59Z", "2026-02"},
		{"2026-02-28T23:00:00Z", "2026-03"},
		{"2026-03-29T01:30:00Z", "2026-03"}, // summer time begins at 01:00 UTC
		{"2026-03-31T21:59:59Z", "2026-03"}, // 23:59:59 CEST
		{"2026-03-31T22:00:00Z", "2026-04"}, // midnight CEST, 1 April
		{"2026-10-25T01:30:00Z", "2026-10"}, // winter time begins at 01:00 UTC
		{"2026-10-31T22:59:59Z", "2026-10"}, // 23:59:59 CET: not yet November
		{"2026-10-31T23:00:00Z", "2026-11"},
		{"2026-11-30T22:59:59Z", "2026-11"},
		{"2026-11-30T23:00:00Z", ""},
	}
	for _, tt := range tests {
		got := ""
		if i := b.index(utc(tt.at)); i >= 0 {
			got = b.months[i].String()
		}
		if got != tt.want {
			t.Errorf("%s: month %q, want %q", tt.at, got, tt.want)
		}
	}
	if got := len(b.months); got != 10 {
		t.Errorf("%d months", got)
	}
}

func TestRange(t *testing.T) {
	s, err := NewService(Options{Store: &Store{}, Location: brussels(t), Now: func() time.Time { return utc("2026-03-31T22:30:00Z") }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		from, to     string
		want         string // "from..to" or the invalid fields
		wantInvalid  bool
		invalidField string
	}{
		{"", "", "2025-05..2026-04", false, ""}, // now is 1 April in Brussels
		{"2026-01", "2026-06", "2026-01..2026-06", false, ""},
		{"", "2026-06", "2025-07..2026-06", false, ""},
		{"2026-06", "2026-06", "2026-06..2026-06", false, ""},
		{"2026-1", "2026-06", "", true, "from"},
		{"2026-13", "", "", true, "from"},
		{"1999-12", "2026-01", "", true, "from"},
		{"2026-01", "junk", "", true, "to"},
		{"2026-06", "2026-01", "", true, "to"},
		{"2016-01", "2026-01", "", true, "to"}, // 121 months
		{"2016-02", "2026-01", "2016-02..2026-01", false, ""},
	}
	for _, tt := range tests {
		f, to, err := s.Range(AudienceCoordinator, tt.from, tt.to)
		if tt.wantInvalid {
			var fe interface{ FieldErrors() map[string]string }
			if err == nil || !asFieldErrors(err, &fe) || fe.FieldErrors()[tt.invalidField] == "" {
				t.Errorf("%q..%q: err = %v, want a field error on %s", tt.from, tt.to, err, tt.invalidField)
			}
			continue
		}
		if got := f.String() + ".." + to.String(); err != nil || got != tt.want {
			t.Errorf("%q..%q: %s, %v; want %s", tt.from, tt.to, got, err, tt.want)
		}
	}
}

func asFieldErrors(err error, target *interface{ FieldErrors() map[string]string }) bool {
	inv, ok := err.(*kind.Invalid)
	if ok {
		*target = inv
	}
	return ok
}

// fixture writes hand-made rows into the tables the report reads.
type fixture struct {
	t  *testing.T
	db *gorm.DB
	n  int
}

func (f *fixture) insert(table string, row map[string]any) {
	f.t.Helper()
	if err := f.db.Table(table).Create(row).Error; err != nil {
		f.t.Fatalf("insert into %s: %v", table, err)
	}
}

func (f *fixture) id() string {
	f.n++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", f.n)
}

func (f *fixture) visit(day string, views int64, visitors *int64) {
	f.insert("visit_days", map[string]any{"day": day, "page_views": views, "unique_visitors": visitors})
}

func (f *fixture) selftest(instrument, band string, crisis bool, at string) {
	f.insert("selftest_submissions", map[string]any{"id": f.id(), "instrument_id": instrument, "instrument_version": "1",
		"language": "nl", "answers": "{}", "score": 0, "band": band, "crisis": crisis, "created_at": utc(at)})
}

func (f *fixture) event(kind, enrolment, lesson, at string) {
	row := map[string]any{"kind": kind, "programme_id": "depression", "occurred_at": utc(at), "lesson_id": nil, "enrolment_id": nil}
	if lesson != "" {
		row["lesson_id"] = lesson
	}
	if enrolment != "" {
		row["enrolment_id"] = enrolment
	}
	f.insert("selfhelp_events", row)
}

func (f *fixture) nudge(enrolment, created, shown string) {
	row := map[string]any{"enrolment_id": enrolment, "lapse_since": utc(created).Add(-7 * 24 * time.Hour), "created_at": utc(created), "shown_at": nil}
	if shown != "" {
		row["shown_at"] = utc(shown)
	}
	f.insert("selfhelp_nudges", row)
}

// trajectory: times are RFC 3339 or "" for none; reason "" for none.
func (f *fixture) trajectory(state, applied, started, firstContact, ended, reason, extended string) {
	opt := func(s string) any {
		if s == "" {
			return nil
		}
		return utc(s)
	}
	row := map[string]any{"id": f.id(), "client_id": f.id(), "state": state, "applied_at": utc(applied),
		"started_at": opt(started), "first_contact_at": opt(firstContact), "ended_at": opt(ended), "extended_at": opt(extended),
		"end_reason": nil, "last_client_activity_at": utc(applied), "updated_at": utc(applied)}
	if reason != "" {
		row["end_reason"] = reason
	}
	f.insert("coaching_trajectories", row)
}

func ptr[T any](v T) *T { return &v }

// TestMonthly checks every figure against numbers worked out by hand from
// the fixture below (Europe/Brussels months, February to May 2026: the
// change to summer time on 29 March falls inside, May is empty of
// everything but two ends, and people appear in several months).
func TestMonthly(t *testing.T) {
	d := dbtest.Open(t)
	f := &fixture{t: t, db: d.DB}

	// Visits: days are already days in Brussels.
	f.visit("2026-01-31", 100, ptr[int64](50)) // outside
	f.visit("2026-02-28", 10, ptr[int64](4))
	f.visit("2026-03-01", 5, ptr[int64](2))
	f.visit("2026-03-31", 7, nil) // not closed: views only
	f.visit("2026-04-01", 3, ptr[int64](1))

	f.selftest("phq9", "mild", false, "2026-01-31T22:59:59Z")    // 31 Jan 23:59:59 CET: outside
	f.selftest("phq9", "mild", false, "2026-02-28T22:59:59Z")    // February
	f.selftest("phq9", "moderate", true, "2026-02-28T23:00:00Z") // 1 March 00:00 CET
	f.selftest("gad7", "minimal", false, "2026-03-31T21:59:59Z") // 31 March 23:59:59 CEST
	f.selftest("phq9", "severe", true, "2026-03-31T22:00:00Z")   // 1 April 00:00 CEST
	f.selftest("phq9", "mild", false, "2026-05-31T22:00:00Z")    // 1 June: outside

	// Self-help: e1 starts in February and completes lessons in February,
	// March and (after the range) June; e2 starts on 31 March and completes
	// a lesson on 1 April (Brussels) and the course in April; an erased
	// starter (links cut) in April.
	f.event("selfhelp_started", "e1", "", "2026-02-10T09:00:00Z")
	f.event("lesson_completed", "e1", "l1", "2026-02-11T09:00:00Z")
	f.event("lesson_completed", "e1", "l2", "2026-03-05T09:00:00Z")
	f.event("lesson_completed", "e1", "l3", "2026-06-02T09:00:00Z")
	f.event("selfhelp_started", "e2", "", "2026-03-31T21:30:00Z")
	f.event("lesson_completed", "e2", "l1", "2026-03-31T22:30:00Z")
	f.event("course_completed", "e2", "", "2026-04-20T09:00:00Z")
	f.event("selfhelp_started", "", "", "2026-04-02T09:00:00Z")
	f.event("lesson_completed", "", "l1", "2026-04-03T09:00:00Z")
	f.event("safety_signal", "e2", "l1", "2026-04-03T09:00:00Z") // not counted
	// Nudges: e1 lapsed and was nudged on 31 March at 23:30 in Brussels,
	// came back on 1 April 00:30; e2 was nudged in April and has not come
	// back; a nudge of January, seen in February.
	f.nudge("e1", "2026-03-31T21:30:00Z", "2026-03-31T22:30:00Z")
	f.nudge("e2", "2026-04-28T09:00:00Z", "")
	f.nudge("e9", "2026-01-20T09:00:00Z", "2026-02-02T09:00:00Z")

	// Guided care.            applied                 started                 first contact           ended                   reason                    extended
	f.trajectory("completed", "2026-01-20T10:00:00Z", "2026-02-01T10:00:00Z", "2026-02-03T10:00:00Z", "2026-05-01T10:00:00Z", "", "")
	f.trajectory("dropped_out", "2026-02-10T00:00:00Z", "2026-02-15T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-31T22:00:00Z", "disappeared", "2026-03-20T12:00:00Z")
	f.trajectory("no_contact", "2026-03-01T09:00:00Z", "", "", "2026-03-31T21:59:00Z", "no_contact_after_signup", "")
	f.trajectory("referred", "2026-03-10T00:00:00Z", "2026-03-12T00:00:00Z", "2026-03-12T12:00:00Z", "2026-04-15T00:00:00Z", "referred_crisis", "")
	f.trajectory("withdrawn", "2026-04-01T08:00:00Z", "", "", "2026-04-02T08:00:00Z", "", "")
	f.trajectory("active", "2026-02-28T00:00:00Z", "2026-04-10T00:00:00Z", "", "", "", "")
	f.trajectory("dropped_out", "2026-01-05T00:00:00Z", "2026-01-10T00:00:00Z", "2026-01-12T00:00:00Z", "2026-05-15T00:00:00Z", "", "")
	f.trajectory("applied", "2026-06-01T00:00:00Z", "", "", "", "", "") // outside
	// Messages each way, kept at the end: Anna's completed trajectory
	// (ended in May), the April dropout and referral, the May dropout.
	for _, m := range []struct {
		ended   string
		in, out int
	}{{"2026-05-01T10:00:00Z", 10, 12}, {"2026-03-31T22:00:00Z", 3, 5}, {"2026-04-15T00:00:00Z", 6, 7}, {"2026-05-15T00:00:00Z", 1, 2}} {
		if err := d.DB.Exec("UPDATE coaching_trajectories SET end_messages_in = ?, end_messages_out = ? WHERE ended_at = ?", m.in, m.out, utc(m.ended)).Error; err != nil {
			t.Fatal(err)
		}
	}

	s, err := NewService(Options{Store: NewStore(d.DB), Location: brussels(t), Instruments: testInstruments,
		Now: func() time.Time { return utc("2026-07-01T00:00:00Z") }})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Monthly(context.Background(), Month{2026, time.February}, Month{2026, time.May}, AudienceCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, row := range r.Rows() {
		got[row.Month+" "+row.Module+" "+row.Figure+" "+row.Key] = formatValue(row)
	}
	// Every figure not listed here must be 0 (counts) or empty (medians
	// and shares of nothing).
	want := map[string]string{
		"2026-02 info page_views ": "10", "2026-02 info visitor_days ": "4",
		"2026-03 info page_views ": "12", "2026-03 info visitor_days ": "2",
		"2026-04 info page_views ": "3", "2026-04 info visitor_days ": "1",
		"total info page_views ": "25", "total info visitor_days ": "7",

		"2026-02 selftest completed ": "1", "2026-02 selftest completed phq9": "1", "2026-02 selftest band phq9/mild": "1",
		"2026-03 selftest completed ": "2", "2026-03 selftest crisis ": "1", "2026-03 selftest completed phq9": "1",
		"2026-03 selftest crisis phq9": "1", "2026-03 selftest band phq9/moderate": "1",
		"2026-03 selftest completed gad7": "1", "2026-03 selftest band gad7/minimal": "1",
		"2026-04 selftest completed ": "1", "2026-04 selftest crisis ": "1", "2026-04 selftest completed phq9": "1",
		"2026-04 selftest crisis phq9": "1", "2026-04 selftest band phq9/severe": "1",
		"total selftest completed ": "4", "total selftest crisis ": "2", "total selftest completed phq9": "3",
		"total selftest crisis phq9": "2", "total selftest band phq9/mild": "1", "total selftest band phq9/moderate": "1",
		"total selftest band phq9/severe": "1", "total selftest completed gad7": "1", "total selftest band gad7/minimal": "1",

		"2026-02 selfhelp starters ": "1", "2026-02 selfhelp lessons_completed ": "1",
		"2026-02 selfhelp median_lessons_per_starter ": "2", "2026-02 selfhelp median_lessons_per_starter_n ": "1",
		"2026-03 selfhelp starters ": "1", "2026-03 selfhelp lessons_completed ": "1",
		"2026-03 selfhelp median_lessons_per_starter ": "1", "2026-03 selfhelp median_lessons_per_starter_n ": "1",
		"2026-04 selfhelp starters ": "1", "2026-04 selfhelp lessons_completed ": "2", "2026-04 selfhelp courses_completed ": "1",
		"2026-02 selfhelp returns_after_nudge ": "1", "2026-03 selfhelp lapses ": "1", "2026-04 selfhelp returns_after_nudge ": "1",
		"2026-04 selfhelp lapses ": "1", "total selfhelp lapses ": "2", "total selfhelp returns_after_nudge ": "2",
		"total selfhelp starters ": "3", "total selfhelp lessons_completed ": "4", "total selfhelp courses_completed ": "1",
		"total selfhelp median_lessons_per_starter ": "1.5", "total selfhelp median_lessons_per_starter_n ": "2",

		"2026-02 guidance applications ": "2", "2026-02 guidance entrants ": "2",
		"2026-02 guidance median_days_to_start ": "8.5", "2026-02 guidance median_days_to_start_n ": "2",
		"2026-02 guidance median_days_to_first_contact ": "14", "2026-02 guidance median_days_to_first_contact_n ": "1",
		"2026-03 guidance applications ": "2", "2026-03 guidance entrants ": "1",
		"2026-03 guidance median_days_to_start ": "2", "2026-03 guidance median_days_to_start_n ": "1",
		"2026-03 guidance median_days_to_first_contact ": "11.3", "2026-03 guidance median_days_to_first_contact_n ": "2",
		"2026-03 guidance early_exits ": "1", "2026-03 guidance early_exits no_contact_after_signup": "1",
		"2026-03 guidance extensions ":   "1",
		"2026-04 guidance applications ": "1", "2026-04 guidance entrants ": "1",
		"2026-04 guidance median_days_to_start ": "41", "2026-04 guidance median_days_to_start_n ": "1",
		"2026-04 guidance early_exits ": "1", "2026-04 guidance early_exits disappeared": "1",
		"2026-04 guidance referrals ": "1", "2026-04 guidance referrals referred_crisis": "1", "2026-04 guidance withdrawn ": "1",
		"2026-05 guidance completed ": "1", "2026-05 guidance early_exits ": "1", "2026-05 guidance early_exits unknown": "1",
		// In care (started, then ended): April — the dropout of 44 days
		// 22 hours and the referral of 34 days; May — 89 and 125 days.
		"2026-04 guidance median_days_in_care ": "39.5", "2026-04 guidance median_days_in_care_n ": "2",
		"2026-04 guidance median_messages_from_client ": "4.5", "2026-04 guidance median_messages_from_client_n ": "2",
		"2026-04 guidance median_messages_from_clinician ": "6", "2026-04 guidance median_messages_from_clinician_n ": "2",
		"2026-05 guidance median_days_in_care ": "107", "2026-05 guidance median_days_in_care_n ": "2",
		"2026-05 guidance median_messages_from_client ": "5.5", "2026-05 guidance median_messages_from_client_n ": "2",
		"2026-05 guidance median_messages_from_clinician ": "7", "2026-05 guidance median_messages_from_clinician_n ": "2",
		"total guidance median_days_in_care ": "67", "total guidance median_days_in_care_n ": "4",
		"total guidance median_messages_from_client ": "4.5", "total guidance median_messages_from_client_n ": "4",
		"total guidance median_messages_from_clinician ": "6", "total guidance median_messages_from_clinician_n ": "4",
		"total guidance applications ": "5", "total guidance entrants ": "4",
		"total guidance median_days_to_start ": "8.5", "total guidance median_days_to_start_n ": "4",
		"total guidance median_days_to_first_contact ": "14", "total guidance median_days_to_first_contact_n ": "3",
		"total guidance completed ": "1", "total guidance early_exits ": "3", "total guidance early_exits no_contact_after_signup": "1",
		"total guidance early_exits disappeared": "1", "total guidance early_exits unknown": "1",
		"total guidance referrals ": "1", "total guidance referrals referred_crisis": "1",
		"total guidance withdrawn ": "1", "total guidance extensions ": "1",

		"2026-02 funnel n visitor_days": "4", "2026-02 funnel n selftests": "1", "2026-02 funnel share selftests": "0.25",
		"2026-02 funnel n selfhelp_starters": "1", "2026-02 funnel share selfhelp_starters": "1",
		"2026-02 funnel n applicants": "2", "2026-02 funnel share applicants": "2",
		"2026-02 funnel n entrants": "2", "2026-02 funnel share entrants": "1", "2026-02 funnel share completers": "0",
		"2026-03 funnel n visitor_days": "2", "2026-03 funnel n selftests": "2", "2026-03 funnel share selftests": "1",
		"2026-03 funnel n selfhelp_starters": "1", "2026-03 funnel share selfhelp_starters": "0.5",
		"2026-03 funnel n applicants": "2", "2026-03 funnel share applicants": "2",
		"2026-03 funnel n entrants": "1", "2026-03 funnel share entrants": "0.5", "2026-03 funnel share completers": "0",
		"2026-04 funnel n visitor_days": "1", "2026-04 funnel n selftests": "1", "2026-04 funnel share selftests": "1",
		"2026-04 funnel n selfhelp_starters": "1", "2026-04 funnel share selfhelp_starters": "1",
		"2026-04 funnel n applicants": "1", "2026-04 funnel share applicants": "1",
		"2026-04 funnel n entrants": "1", "2026-04 funnel share entrants": "1", "2026-04 funnel share completers": "0",
		"2026-05 funnel n completers": "1",
		"total funnel n visitor_days": "7", "total funnel n selftests": "4", "total funnel share selftests": "0.571",
		"total funnel n selfhelp_starters": "3", "total funnel share selfhelp_starters": "0.75",
		"total funnel n applicants": "5", "total funnel share applicants": "1.667",
		"total funnel n entrants": "4", "total funnel share entrants": "0.8",
		"total funnel n completers": "1", "total funnel share completers": "0.25",
	}
	for _, row := range r.Rows() {
		key := row.Month + " " + row.Module + " " + row.Figure + " " + row.Key
		w, ok := want[key]
		if !ok && row.Count {
			w = "0"
		}
		if got[key] != w {
			t.Errorf("%s = %q, want %q", key, got[key], w)
		}
		delete(want, key)
	}
	for k := range want {
		t.Errorf("%s is not in the report", k)
	}
	if len(r.Months) != 4 || r.Months[3].Month != "2026-05" || r.TimeZone != "Europe/Brussels" {
		t.Errorf("months %d, zone %s", len(r.Months), r.TimeZone)
	}
}

// TestTotalsAreSums asserts, for every count of the report, that the total
// is the sum of the months — on random data, so that a figure forgotten in
// the total (or counted apart from the months) shows.
func TestTotalsAreSums(t *testing.T) {
	d := dbtest.Open(t)
	f := &fixture{t: t, db: d.DB}
	loc := brussels(t)
	start := time.Date(2025, time.December, 20, 0, 0, 0, 0, loc)
	states := []string{"completed", "dropped_out", "referred", "withdrawn", "no_contact", "active"}
	reasons := []string{"disappeared", "helped_enough", "referred_admission", "not_suitable", "", "other"}
	bands := []string{"minimal", "mild", "moderate", "severe"}
	for i := range 60 {
		at := start.Add(time.Duration(i*61) * time.Hour).UTC()
		ts := at.Format(time.RFC3339)
		f.visit(at.In(loc).Format(time.DateOnly), int64(i%7+1), ptr(int64(i%3)))
		f.selftest([]string{"phq9", "gad7", "old"}[i%3], bands[i%4], i%5 == 0, ts)
		e := fmt.Sprintf("e%d", i)
		f.event("selfhelp_started", e, "", ts)
		for l := range i % 4 {
			f.event("lesson_completed", e, fmt.Sprintf("l%d", l), at.Add(time.Duration(l*100)*time.Hour).Format(time.RFC3339))
		}
		if i%4 == 3 {
			f.event("course_completed", e, "", at.Add(400*time.Hour).Format(time.RFC3339))
		}
		if i%3 == 1 {
			f.nudge(e, at.Add(200*time.Hour).Format(time.RFC3339), at.Add(300*time.Hour).Format(time.RFC3339))
		}
		f.trajectory(states[i%6], ts, at.Add(72*time.Hour).Format(time.RFC3339), at.Add(90*time.Hour).Format(time.RFC3339),
			at.Add(time.Duration(i*13)*time.Hour).Format(time.RFC3339), reasons[i%6], at.Add(300*time.Hour).Format(time.RFC3339))
	}
	s, err := NewService(Options{Store: NewStore(d.DB), Location: loc, Instruments: testInstruments, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Monthly(context.Background(), Month{2026, time.January}, Month{2026, time.March}, AudienceCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]float64{}
	totals := map[string]float64{}
	counted := 0
	for _, row := range r.Rows() {
		if !row.Count {
			continue
		}
		key := row.Module + " " + row.Figure + " " + row.Key
		if row.Month == TotalMonth {
			totals[key] = *row.Value
			continue
		}
		sums[key] += *row.Value
		counted++
	}
	if len(totals) != len(sums) || counted != len(r.Months)*len(totals) {
		t.Fatalf("%d totals for %d summed figures (%d month rows): every month must list the same figures", len(totals), len(sums), counted)
	}
	nonzero := 0
	for k, sum := range sums {
		if totals[k] != sum {
			t.Errorf("%s: total %v, sum of the months %v", k, totals[k], sum)
		}
		if sum > 0 {
			nonzero++
		}
	}
	if nonzero < 30 {
		t.Errorf("only %d figures are non-zero: the data does not exercise the report", nonzero)
	}
	if !strings.Contains(fmt.Sprint(r.Total.Reach.Instruments), "old") {
		t.Errorf("an instrument outside the catalogue is missing: %v", r.Total.Reach.Instruments)
	}
}
