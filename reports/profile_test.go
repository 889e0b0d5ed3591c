package reports

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// statsFix writes the rows the profile and outcome figures read, as the
// domains store them, straight into a migrated database.
type statsFix struct {
	t  *testing.T
	db *gorm.DB
	n  int
}

func newStatsFix(t *testing.T) *statsFix {
	return &statsFix{t: t, db: dbtest.Open(t).DB}
}

func (f *statsFix) id(prefix string) string {
	f.n++
	return fmt.Sprintf("%s-%04d", prefix, f.n)
}

func (f *statsFix) create(v any) {
	f.t.Helper()
	if err := f.db.Create(v).Error; err != nil {
		f.t.Fatalf("insert %T: %v", v, err)
	}
}

// utcAt parses a UTC instant "2006-01-02 15:04".
func utcAt(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func sptr(s string) *string { return &s }

// profile is a self-test's optional answers ("" skipped).
type profile struct{ age, gender, region, sought string }

// selftest inserts an anonymous self-test, claimed by user when not "".
func (f *statsFix) selftest(at, instrument, band string, p profile, user string) {
	f.t.Helper()
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	sub := &selftest.Submission{ID: f.id("sub"), InstrumentID: instrument, InstrumentVersion: "1", Language: "nl", Answers: "[]",
		Band: band, AgeBand: opt(p.age), Gender: opt(p.gender), Region: opt(p.region), SoughtHelpBefore: opt(p.sought),
		CreatedAt: utcAt(f.t, at)}
	f.create(sub)
	c := &selftest.Claim{SubmissionID: sub.ID, TokenHash: f.id("hash"), ExpiresAt: sub.CreatedAt.Add(selftest.ClaimTTL)}
	if user != "" {
		c.UserID, c.ClaimedAt = &user, &sub.CreatedAt
	}
	f.create(c)
}

// enrol inserts a self-help enrolment started at.
func (f *statsFix) enrol(user, at string) string {
	f.t.Helper()
	e := &modules.Enrolment{ID: f.id("enr"), UserID: user, ProgrammeID: "depression", ProgrammeVersion: 1,
		StartedAt: utcAt(f.t, at), LastActiveAt: utcAt(f.t, at)}
	f.create(e)
	return e.ID
}

// courseMeasure inserts a course questionnaire (PHQ-9) taken at point.
func (f *statsFix) courseMeasure(enrolment, point, at string, score int, band string) {
	f.t.Helper()
	f.create(&modules.Measurement{EnrolmentID: enrolment, PointID: point, Instrument: "phq9", Language: "nl",
		Score: score, Band: band, TakenAt: utcAt(f.t, at)})
}

// trajectory inserts a guided trajectory; started and ended may be "".
func (f *statsFix) trajectory(client string, state coaching.State, applied, started, ended string, intake int, band string) string {
	f.t.Helper()
	opt := func(s string) *time.Time {
		if s == "" {
			return nil
		}
		v := utcAt(f.t, s)
		return &v
	}
	tr := &coaching.Trajectory{ID: f.id("traj"), ClientID: client, State: state, IntakeScore: intake, IntakeBand: band,
		AppliedAt: utcAt(f.t, applied), StartedAt: opt(started), EndedAt: opt(ended), LastClientActivityAt: utcAt(f.t, applied)}
	f.create(tr)
	return tr.ID
}

// measure inserts a trajectory's PHQ-9 at point.
func (f *statsFix) measure(trajectory, point, at string, score int) {
	f.t.Helper()
	err := f.db.Table("coaching_measurements").Create(map[string]any{"trajectory_id": trajectory, "point": point, "instrument": "phq9",
		"score": score, "band": "x", "crisis": false, "answers_sealed": "", "key_id": "", "taken_at": utcAt(f.t, at)}).Error
	if err != nil {
		f.t.Fatalf("insert measurement: %v", err)
	}
}

// firstQuarter2026 are January to March 2026 in Brussels. March has the
// change to summer time (29 March): its last instant is 31 March 21:59:59
// UTC, and 1 February begins on 31 January at 23:00 UTC.
func firstQuarter2026(t testing.TB) Periods {
	loc := brussels(t)
	return MonthlyPeriods(time.Date(2026, 1, 1, 0, 0, 0, 0, loc), time.Date(2026, 3, 31, 0, 0, 0, 0, loc), loc)
}

func TestMonthlyPeriods(t *testing.T) {
	p := firstQuarter2026(t)
	want := []string{"2025-12-31 23:00", "2026-01-31 23:00", "2026-02-28 23:00", "2026-03-31 22:00"}
	if !slices.Equal(p.Labels, []string{"2026-01", "2026-02", "2026-03"}) || len(p.Bounds) != 4 {
		t.Fatalf("periods %+v", p)
	}
	for i, w := range want {
		if got := p.Bounds[i].Format("2006-01-02 15:04"); got != w || p.Bounds[i].Location() != time.UTC {
			t.Errorf("bound %d = %s (%v), want %s UTC", i, got, p.Bounds[i].Location(), w)
		}
	}
	if !p.valid() || (Periods{}).valid() || (Periods{Labels: []string{"a"}, Bounds: []time.Time{p.Bounds[1], p.Bounds[0]}}).valid() {
		t.Error("valid")
	}
}

// cellOf is a shown count of a breakdown, failing when hidden.
func cellOf(t *testing.T, b Breakdown, row, col string) int {
	t.Helper()
	i, j := slices.Index(b.Table.Rows, row), slices.Index(b.Table.Cols, col)
	if i < 0 {
		t.Fatalf("%s: no row %q in %v", b.Question, row, b.Table.Rows)
	}
	var c PublishedCount
	if col == "total" {
		c = b.Table.RowTotals[i]
	} else {
		c = b.Table.Cells[i][j]
	}
	if c.Hidden() {
		t.Fatalf("%s %s %s hidden", b.Question, row, col)
	}
	return *c.N
}

func breakdown(t *testing.T, ps *ProfileSection, module, question string) Breakdown {
	t.Helper()
	for _, m := range ps.Modules {
		if m.Module != module {
			continue
		}
		for _, b := range m.Breakdowns {
			if b.Question == question {
				return b
			}
		}
	}
	t.Fatalf("no %s/%s", module, question)
	return Breakdown{}
}

var phq9Scale = []SeverityScale{
	{Instrument: "phq9", Bands: []string{"minimal", "mild", "moderate", "moderately_severe", "severe"}},
	{Instrument: "gad7", Bands: []string{"minimal", "mild", "moderate", "severe"}},
}

func newTestStats(t *testing.T, f *statsFix, now string) *StatsService {
	t.Helper()
	s, err := NewStatsService(StatsOptions{DB: f.db, Location: brussels(t), Severity: phq9Scale,
		Now: func() time.Time { return utcAt(t, now) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// profileFixture: three people and their self-tests, enrolments and
// applications, around the month boundaries of the first quarter of 2026.
//
// Self-tests (Brussels months):
//
//	s1 5 Jan   phq9 moderate  25_34 woman be_antwerp yes   claimed by u1
//	s2 10 Jan  phq9 mild      35_44 —     —          no    claimed by u1
//	s3 31 Jan 23:30 UTC = 1 Feb 00:30: February; gad7 mild, nothing answered
//	s4 20 Feb  phq9 severe    18_24 man   nl_utrecht —     claimed by u2 (after u2 enrolled)
//	s5 29 Mar 01:30 UTC (the night of the clock change): March; phq9 minimal, 65_plus
//	s6 31 Mar 22:30 UTC = 1 Apr 00:30 summer time: April, outside the range
//
// Self-help enrolments:
//
//	u1 started 15 Jan: age 35_44 (s2, the latest answer), gender woman (s1:
//	   s2 skipped it), region be_antwerp (s1), sought no (s2); PHQ-9 at start mild
//	u2 started 10 Feb: its only claimed self-test is later: nothing answered; PHQ-9 at start moderate
//	u3 started 31 Jan 23:30 UTC: February; no self-test, no questionnaire
//	u4 started 31 Mar 22:30 UTC: April, outside
//
// Guided-care applications:
//
//	u1 applied 2 Mar, intake moderately_severe: the answers of s1 and s2 as above
//	u5 applied 15 Mar, intake minimal, no self-test
func profileFixture(t *testing.T) *statsFix {
	f := newStatsFix(t)
	f.selftest("2026-01-05 10:00", "phq9", "moderate", profile{"25_34", "woman", "be_antwerp", "yes"}, "u1")
	f.selftest("2026-01-10 10:00", "phq9", "mild", profile{"35_44", "", "", "no"}, "u1")
	f.selftest("2026-01-31 23:30", "gad7", "mild", profile{}, "")
	f.selftest("2026-02-20 10:00", "phq9", "severe", profile{"18_24", "man", "nl_utrecht", ""}, "u2")
	f.selftest("2026-03-29 01:30", "phq9", "minimal", profile{age: "65_plus"}, "")
	f.selftest("2026-03-31 22:30", "phq9", "minimal", profile{age: "65_plus"}, "")
	e1 := f.enrol("u1", "2026-01-15 09:00")
	f.courseMeasure(e1, "start", "2026-01-15 09:05", 7, "mild")
	e2 := f.enrol("u2", "2026-02-10 09:00")
	f.courseMeasure(e2, "start", "2026-02-10 09:05", 12, "moderate")
	f.enrol("u3", "2026-01-31 23:30")
	f.enrol("u4", "2026-03-31 22:30")
	f.trajectory("u1", coaching.StateApplied, "2026-03-02 12:00", "", "", 17, "moderately_severe")
	f.trajectory("u5", coaching.StateApplied, "2026-03-15 12:00", "", "", 3, "minimal")
	return f
}

// TestProfilesCounts checks every count of the fixture without
// suppression (threshold 1).
func TestProfilesCounts(t *testing.T) {
	f := profileFixture(t)
	s := newTestStats(t, f, "2026-06-01 00:00")
	ps, err := s.Profiles(context.Background(), firstQuarter2026(t), SuppressOptions{Threshold: 1})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		module, question, row, col string
		n                          int
	}
	for _, w := range []want{
		// Self-tests: five in range (s6 is April).
		{ProfileSelftest, QuestionAgeBand, "25_34", "2026-01", 1},
		{ProfileSelftest, QuestionAgeBand, "35_44", "2026-01", 1},
		{ProfileSelftest, QuestionAgeBand, NotAnswered, "2026-02", 1},
		{ProfileSelftest, QuestionAgeBand, "18_24", "2026-02", 1},
		{ProfileSelftest, QuestionAgeBand, "65_plus", "2026-03", 1},
		{ProfileSelftest, QuestionAgeBand, "65_plus", "total", 1},
		{ProfileSelftest, QuestionAgeBand, NotAnswered, "total", 1},
		{ProfileSelftest, QuestionGender, NotAnswered, "total", 3},
		{ProfileSelftest, QuestionGender, "woman", "2026-01", 1},
		{ProfileSelftest, QuestionRegion, "nl_utrecht", "2026-02", 1},
		{ProfileSelftest, QuestionSoughtHelpBefore, "yes", "2026-01", 1},
		{ProfileSelftest, QuestionSoughtHelpBefore, "no", "2026-01", 1},
		{ProfileSelftest, QuestionSoughtHelpBefore, NotAnswered, "total", 3},
		{ProfileSelftest, QuestionSeverity, "phq9:moderate", "2026-01", 1},
		{ProfileSelftest, QuestionSeverity, "gad7:mild", "2026-02", 1},
		{ProfileSelftest, QuestionSeverity, "phq9:minimal", "total", 1},
		{ProfileSelftest, QuestionSeverity, NotAnswered, "total", 0},
		// Self-help: u1 in January, u2 and u3 in February.
		{ProfileSelfhelp, QuestionAgeBand, "35_44", "2026-01", 1},
		{ProfileSelfhelp, QuestionAgeBand, "25_34", "total", 0},
		{ProfileSelfhelp, QuestionAgeBand, NotAnswered, "2026-02", 2},
		{ProfileSelfhelp, QuestionAgeBand, "18_24", "total", 0},
		{ProfileSelfhelp, QuestionGender, "woman", "2026-01", 1},
		{ProfileSelfhelp, QuestionRegion, "be_antwerp", "2026-01", 1},
		{ProfileSelfhelp, QuestionSoughtHelpBefore, "no", "2026-01", 1},
		{ProfileSelfhelp, QuestionSoughtHelpBefore, "yes", "total", 0},
		{ProfileSelfhelp, QuestionSeverity, "phq9:mild", "2026-01", 1},
		{ProfileSelfhelp, QuestionSeverity, "phq9:moderate", "2026-02", 1},
		{ProfileSelfhelp, QuestionSeverity, NotAnswered, "2026-02", 1},
		{ProfileSelfhelp, QuestionSeverity, NotAnswered, "total", 1},
		// Guidance: two applications in March.
		{ProfileGuidance, QuestionAgeBand, "35_44", "2026-03", 1},
		{ProfileGuidance, QuestionAgeBand, NotAnswered, "2026-03", 1},
		{ProfileGuidance, QuestionGender, "woman", "2026-03", 1},
		{ProfileGuidance, QuestionSoughtHelpBefore, "no", "total", 1},
		{ProfileGuidance, QuestionSeverity, "phq9:moderately_severe", "2026-03", 1},
		{ProfileGuidance, QuestionSeverity, "phq9:minimal", "2026-03", 1},
		{ProfileGuidance, QuestionSeverity, NotAnswered, "total", 0},
	} {
		b := breakdown(t, ps, w.module, w.question)
		if got := cellOf(t, b, w.row, w.col); got != w.n {
			t.Errorf("%s %s %s %s = %d, want %d", w.module, w.question, w.row, w.col, got, w.n)
		}
	}
	// Every table has the same totals (each counts every self-test,
	// enrolment or application once), and the months add up.
	totals := map[string][]int{ProfileSelftest: {2, 2, 1}, ProfileSelfhelp: {1, 2, 0}, ProfileGuidance: {0, 0, 2}}
	for _, m := range ps.Modules {
		for _, b := range m.Breakdowns {
			var got []int
			sum := 0
			for _, c := range b.Table.ColTotals {
				got = append(got, *c.N)
				sum += *c.N
			}
			if !slices.Equal(got, totals[m.Module]) || *b.Table.Total.N != sum {
				t.Errorf("%s %s: month totals %v (total %d), want %v", m.Module, b.Question, got, *b.Table.Total.N, totals[m.Module])
			}
		}
	}
	if b := breakdown(t, ps, ProfileSelfhelp, QuestionAgeBand); !near(b.NotAnsweredShare, 2.0/3, 1e-12) {
		t.Errorf("self-help age not answered share %s", show(b.NotAnsweredShare))
	}
	if b := breakdown(t, ps, ProfileGuidance, QuestionSeverity); !slices.Equal(b.Table.Rows,
		[]string{"phq9:minimal", "phq9:mild", "phq9:moderate", "phq9:moderately_severe", "phq9:severe", NotAnswered}) {
		t.Errorf("guidance severity rows %v", b.Table.Rows)
	}
}

// TestProfilesSuppressed: with the default threshold every count of the
// small fixture is hidden except the zeros and, for a coordinator, the
// published month totals; for a researcher those are hidden too.
func TestProfilesSuppressed(t *testing.T) {
	f := profileFixture(t)
	s := newTestStats(t, f, "2026-06-01 00:00")
	for _, published := range []bool{true, false} {
		ps, err := s.Profiles(context.Background(), firstQuarter2026(t), SuppressOptions{ColumnTotalsPublished: published})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ps.Modules {
			for _, b := range m.Breakdowns {
				check := func(c PublishedCount, where string) {
					if !c.Hidden() && *c.N != 0 {
						t.Errorf("published=%v %s %s %s shows %d", published, m.Module, b.Question, where, *c.N)
					}
				}
				for i := range b.Table.Rows {
					for j := range b.Table.Cols {
						check(b.Table.Cells[i][j], b.Table.Rows[i]+"/"+b.Table.Cols[j])
					}
					check(b.Table.RowTotals[i], b.Table.Rows[i]+"/total")
				}
				if published {
					if b.Table.Total.Hidden() || b.Table.ColTotals[0].Hidden() {
						t.Errorf("%s %s: published totals hidden", m.Module, b.Question)
					}
					continue
				}
				for j, c := range b.Table.ColTotals {
					check(c, "month "+b.Table.Cols[j])
				}
				check(b.Table.Total, "total")
				if b.NotAnsweredShare != nil {
					t.Errorf("%s %s: a share of hidden counts", m.Module, b.Question)
				}
			}
		}
	}
}

// TestProfilesSuppressionByHand: twelve more January self-tests and the
// threshold at 3 give a table worked out by hand: age bands by month with
// January 25_34 ×4 … (see the comment in the test).
func TestProfilesSuppressionByHand(t *testing.T) {
	f := newStatsFix(t)
	add := func(at, age string, n int) {
		for range n {
			f.selftest(at, "phq9", "mild", profile{age: age}, "")
		}
	}
	// age     Jan Feb Mar | total
	// 25_34    4   3   5  |  12
	// 35_44    3   1   3  |   7
	// —        3   3   4  |  10
	// Primary (threshold 3, month totals published): Feb/35_44 = 1. Rows
	// first: row 35_44's smallest other is 3 (Jan and Mar tie, neither
	// month has a hidden cell yet: Jan, first). Then columns: January has
	// one hidden: —/Jan = 3 (smaller than 4; zeros are not chosen).
	// February has one: 25_34 = 3 and — = 3 tie, but row — now has a
	// hidden cell, so —/Feb closes the cycle 35_44 Jan — Feb. So 35_44
	// and — are hidden in January and February; 25_34, March and every
	// total are shown.
	add("2026-01-10 10:00", "25_34", 4)
	add("2026-01-10 10:00", "35_44", 3)
	add("2026-01-10 10:00", "", 3)
	add("2026-01-31 23:30", "25_34", 1) // 1 Feb in Brussels
	add("2026-02-10 10:00", "25_34", 2)
	add("2026-02-10 10:00", "35_44", 1)
	add("2026-02-10 10:00", "", 3)
	add("2026-03-10 10:00", "25_34", 4)
	add("2026-03-31 21:30", "25_34", 1) // 31 Mar 23:30 summer time: still March
	add("2026-03-31 22:30", "25_34", 5) // 1 Apr: outside
	add("2026-03-10 10:00", "35_44", 3)
	add("2026-03-10 10:00", "", 4)
	s := newTestStats(t, f, "2026-06-01 00:00")
	ps, err := s.Profiles(context.Background(), firstQuarter2026(t), SuppressOptions{Threshold: 3, ColumnTotalsPublished: true})
	if err != nil {
		t.Fatal(err)
	}
	b := breakdown(t, ps, ProfileSelftest, QuestionAgeBand)
	for _, row := range []string{"25_34", "35_44", NotAnswered} {
		i := slices.Index(b.Table.Rows, row)
		for j, col := range b.Table.Cols {
			if hidden := b.Table.Cells[i][j].Hidden(); hidden != (col != "2026-03" && row != "25_34") {
				t.Errorf("%s/%s hidden = %v", row, col, hidden)
			}
		}
	}
	for _, w := range []struct {
		row, col string
		n        int
	}{
		{"25_34", "2026-01", 4}, {"25_34", "2026-02", 3}, {"25_34", "2026-03", 5}, {"35_44", "2026-03", 3}, {NotAnswered, "2026-03", 4},
		{"25_34", "total", 12}, {"35_44", "total", 7}, {NotAnswered, "total", 10}, {"18_24", "2026-02", 0},
	} {
		if got := cellOf(t, b, w.row, w.col); got != w.n {
			t.Errorf("%s/%s = %d, want %d", w.row, w.col, got, w.n)
		}
	}
	if got := b.Table.ColTotals; *got[0].N != 10 || *got[1].N != 7 || *got[2].N != 12 || *b.Table.Total.N != 29 {
		t.Errorf("month totals %v", got)
	}
	if !near(b.NotAnsweredShare, 10.0/29, 1e-12) {
		t.Errorf("not answered share %s", show(b.NotAnsweredShare))
	}
	auditTable(t, extend(CountTable{Rows: b.Table.Rows, Cols: b.Table.Cols, Cells: [][]int{
		{0, 0, 0}, {0, 0, 0}, {4, 3, 5}, {3, 1, 3}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {3, 3, 4}}}), b.Table,
		SuppressOptions{Threshold: 3, ColumnTotalsPublished: true})
}

func TestProfilesRejectsBadPeriods(t *testing.T) {
	f := newStatsFix(t)
	s := newTestStats(t, f, "2026-06-01 00:00")
	if _, err := s.Profiles(context.Background(), Periods{}, SuppressOptions{}); err != ErrPeriods {
		t.Errorf("Profiles: %v", err)
	}
	if _, err := s.Outcomes(context.Background(), Periods{}, SuppressOptions{}); err != ErrPeriods {
		t.Errorf("Outcomes: %v", err)
	}
}
