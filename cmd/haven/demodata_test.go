package main

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/reports"
)

// TestDemoData generates a small national data set (1 % of the issue's
// volumes, 18 months ending last month) on SQLite, or PostgreSQL with
// TEST_DATABASE_URL, and reads the coordinator's report over it: every
// section has figures, the totals are the volumes asked for and the sums
// of the months, and the database is then refused as in use.
func TestDemoData(t *testing.T) {
	ctx := context.Background()
	_, database, svcs := demoDatabase(t)
	now := time.Now()
	last := reports.MonthOf(now, svcs.Location).Add(-1)
	o := demoDataOptions{Months: 18, To: last.String(), PageViews: defaultDataPageViews, SelfTests: defaultDataSelfTests,
		Starters: defaultDataStarters, Trajectories: defaultDataTrajectories, Scale: 0.01, Seed: 7}
	g, err := newDataGen(svcs, o, now)
	if err != nil {
		t.Fatal(err)
	}
	w := newBulkWriter(database)
	if err := g.run(ctx, w); err != nil {
		t.Fatal(err)
	}
	first := last.Add(1 - o.Months)
	r, err := svcs.Reports.Monthly(ctx, first, last, reports.AudienceCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	figures := func(f *reports.Figures) map[string]int64 {
		out := map[string]int64{
			"page views": f.Reach.PageViews, "visitor-days": f.Reach.VisitorDays, "self-tests": f.Reach.SelfTests,
			"crisis self-tests": f.Reach.SelfTestsCrisis, "starters": f.Selfhelp.Starters, "lessons": f.Selfhelp.LessonsCompleted,
			"courses": f.Selfhelp.CoursesCompleted, "lapses": f.Selfhelp.Lapses, "returns": f.Selfhelp.Returns,
			"applications": f.Guidance.Applications, "entrants": f.Guidance.Entrants, "completed": f.Guidance.Completed,
			"early exits": f.Guidance.EarlyExits, "referrals": f.Guidance.Referrals, "withdrawn": f.Guidance.Withdrawn,
			"extensions": f.Guidance.Extensions, "reply waits": f.Guidance.Replies.Waits, "replies in target": f.Guidance.Replies.InTarget,
			"late replies": f.Guidance.Replies.Late, "replies overdue or open": f.Guidance.Replies.Overdue + f.Guidance.Replies.Open,
		}
		for _, in := range f.Reach.Instruments {
			out[in.Instrument] = in.Completed
			for _, b := range in.Bands {
				out[in.Instrument+"/"+b.Key] = b.N
			}
		}
		for _, c := range append(append([]reports.Count{}, f.Guidance.ExitsByReason...), f.Guidance.ReferralsByReason...) {
			if c.Key != reports.ReasonUnknown {
				out["reason "+c.Key] = c.N
			}
		}
		return out
	}
	sums := map[string]int64{}
	for i := range r.Months {
		for k, v := range figures(&r.Months[i]) {
			sums[k] += v
		}
	}
	total := figures(r.Total)
	for k, v := range total {
		if v == 0 {
			t.Errorf("total %s is 0: the data set should fill every figure", k)
		}
		if sums[k] != v {
			t.Errorf("total %s = %d, the months add up to %d", k, v, sums[k])
		}
	}
	for k, want := range map[string]int64{"page views": 50_000, "self-tests": 5_000, "starters": 1_000, "applications": 500} {
		if total[k] != want {
			t.Errorf("total %s = %d, want %d (the volume asked for)", k, total[k], want)
		}
	}
	for name, m := range map[string]reports.Median{"lessons per starter": r.Total.Selfhelp.LessonsPerStarter,
		"days to start": r.Total.Guidance.DaysToStart, "days to first contact": r.Total.Guidance.DaysToFirstContact,
		"days in care": r.Total.Guidance.DaysInCare, "messages from client": r.Total.Guidance.MessagesFromClient,
		"messages from clinician": r.Total.Guidance.MessagesFromClinician, "days from self-test": r.Total.Guidance.DaysFromSelftest,
		"hours to reply": r.Total.Guidance.Replies.HoursToReply} {
		if m.Value == nil || m.N == 0 {
			t.Errorf("median %s is empty", name)
		}
	}
	if r.Profile == nil || len(r.Profile.Modules) != 3 {
		t.Fatalf("profile: %+v", r.Profile)
	}
	for _, m := range r.Profile.Modules {
		for _, b := range m.Breakdowns {
			tot := b.Table.Total
			if tot.Hidden() || *tot.N == 0 {
				t.Errorf("profile %s %s: total %v", m.Module, b.Question, tot)
				continue
			}
			answered := false
			for i, row := range b.Table.Rows {
				if c := b.Table.RowTotals[i]; row != reports.NotAnswered && !c.Hidden() && *c.N > 0 {
					answered = true
				}
			}
			if !answered {
				t.Errorf("profile %s %s: no answer shown", m.Module, b.Question)
			}
			// Every self-test and application has its severity; the
			// other questions may be skipped.
			if b.Question == reports.QuestionSeverity && m.Module != reports.ProfileSelfhelp {
				if b.NotAnsweredShare == nil || *b.NotAnsweredShare != 0 {
					t.Errorf("profile %s severity: share not answered %v, want 0", m.Module, b.NotAnsweredShare)
				}
				continue
			}
			if b.NotAnsweredShare == nil || *b.NotAnsweredShare <= 0 || *b.NotAnsweredShare >= 1 {
				t.Errorf("profile %s %s: share not answered %v, want some non-answers", m.Module, b.Question, fmtShare(b.NotAnsweredShare))
			}
		}
	}
	if r.Outcomes == nil || len(r.Outcomes.Selfhelp) == 0 || len(r.Outcomes.Guidance) == 0 {
		t.Fatalf("outcomes: %+v", r.Outcomes)
	}
	for _, c := range append(append([]reports.Comparison{}, r.Outcomes.Selfhelp...), r.Outcomes.Guidance...) {
		if c.N == nil || *c.N < 10 || c.Stats == nil || c.Stats.MeanChange == nil {
			t.Errorf("outcome %s → %s: n %v, mean change %v; want at least 10 people measured", c.From, c.To, c.N, c.Stats)
		}
	}

	found, err := databaseInUse(ctx, database)
	if err != nil || len(found) == 0 {
		t.Errorf("after demo-data the database is not in use: %v, %v", found, err)
	}
}

// TestDemoDataCommand runs `haven demo-data` as the program does: a small
// run fills an empty database and prints what it wrote; a second run is
// refused (exit status 3) and changes nothing.
func TestDemoDataCommand(t *testing.T) {
	ctx := context.Background()
	getenv := env(t, "HAVEN_ENCRYPTION_KEYS", testEncryptionKey)
	var out bytes.Buffer
	if err := run(ctx, []string{"demo-data", "-scale", "0.001", "-months", "3"}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"selftest_submissions", "500", "coaching_trajectories", "50", "page views (in visit_days)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	err := run(ctx, []string{"demo-data", "-scale", "0.001"}, getenv, &out, io.Discard)
	checkRefused(t, err, "500 self-test results")
	if out.Len() != 0 {
		t.Errorf("a refused run printed %q", out.String())
	}
	for _, args := range [][]string{{"demo-data", "-scale", "0"}, {"demo-data", "-months", "0"}, {"demo-data", "-to", "2026-13"}} {
		if err := run(ctx, args, getenv, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func fmtShare(p *float64) string {
	if p == nil {
		return "hidden"
	}
	return strconv.FormatFloat(*p, 'f', 3, 64)
}
