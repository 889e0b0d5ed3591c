package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// demoSignIn is one account as `haven demo` printed it.
type demoSignIn struct {
	role, nickname, password, totp, state string
	recovery                              []string
}

var (
	demoStaffLine    = regexp.MustCompile(`(?m)^(coordinator|clinician)\s+(demo-\S+)\s+(\w{4}-\w{4}-\w{4}-\w{4})\s+([A-Z2-7]{32})\s`)
	demoRecoveryLine = regexp.MustCompile(`(?m)^  (demo-\S+)\s+((?:\w{4}-\w{4}-\w{4}-\w{4}\s*)+)$`)
	demoClientLine   = regexp.MustCompile(`(?m)^(demo-\S+)\s+(\w{4}-\w{4}-\w{4}-\w{4})\s+(\S+(?: only)?)\s`)
)

// parseDemo reads the sign-ins from the demo's output.
func parseDemo(t *testing.T, out string) map[string]*demoSignIn {
	t.Helper()
	got := map[string]*demoSignIn{}
	for _, m := range demoStaffLine.FindAllStringSubmatch(out, -1) {
		got[m[2]] = &demoSignIn{role: m[1], nickname: m[2], password: m[3], totp: m[4]}
	}
	for _, m := range demoRecoveryLine.FindAllStringSubmatch(out, -1) {
		if s := got[m[1]]; s != nil {
			s.recovery = strings.Fields(m[2])
		}
	}
	for _, m := range demoClientLine.FindAllStringSubmatch(out, -1) {
		got[m[1]] = &demoSignIn{role: "client", nickname: m[1], password: m[2], state: m[3]}
	}
	return got
}

// openServices builds the services on the database getenv names, as
// `haven serve` would, on the real clock.
func openServices(t *testing.T, getenv func(string) string) *wire.Services {
	t.Helper()
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	database, err := db.Open(context.Background(), db.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close() })
	svcs, err := wire.New(context.Background(), cfg.Wire, database, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return svcs
}

// demoDatabase is an empty database (SQLite, or PostgreSQL with
// TEST_DATABASE_URL) and the test configuration (cheap password hashing:
// the demo's accounts cost nothing but their argon2id hashes), with
// services on it on the real clock.
func demoDatabase(t *testing.T) (wire.Config, *db.DB, *wire.Services) {
	t.Helper()
	wcfg, database := wiretest.Config(t), dbtest.Open(t)
	svcs, err := wire.New(context.Background(), wcfg, database, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return wcfg, database, svcs
}

// TestDemo runs `haven demo` on an empty database (SQLite, or PostgreSQL
// with TEST_DATABASE_URL) and checks what a newcomer is promised: every
// printed sign-in works, every state of the trajectory is there with the
// data the story tells, and running it again changes nothing.
func TestDemo(t *testing.T) {
	ctx := context.Background()
	wcfg, database, svcs := demoDatabase(t)
	var out bytes.Buffer
	if err := fillDemo(ctx, wcfg, database, slog.New(slog.DiscardHandler), &out, "the test database"); err != nil {
		t.Fatal(err)
	}
	printed := parseDemo(t, out.String())
	if len(printed) != 3+17 {
		t.Fatalf("%d sign-ins printed, want 20:\n%s", len(printed), out.String())
	}

	// Every printed sign-in works: clients with their password, staff
	// with their password and a code from the printed TOTP secret (the
	// coordinator with a printed recovery code instead).
	principals := map[string]auth.Principal{}
	for nick, s := range printed {
		m := auth.Meta{RequestID: "test", Source: "test:" + nick}
		res, err := svcs.Auth.Sessions.Login(ctx, m, nick, s.password)
		if err != nil {
			t.Fatalf("sign in as %s: %v", nick, err)
		}
		se := res.Session
		if s.role != "client" {
			if res.Status != auth.LoginMFARequired {
				t.Fatalf("%s: status %s, want %s", nick, res.Status, auth.LoginMFARequired)
			}
			code := wiretest.TOTPCode(s.totp, time.Now())
			if s.role == "coordinator" {
				if len(s.recovery) == 0 {
					t.Fatalf("no recovery codes printed for %s", nick)
				}
				code = s.recovery[0]
			}
			if se, err = svcs.Auth.Sessions.VerifyMFA(ctx, m, res.Challenge, code); err != nil {
				t.Fatalf("second factor of %s: %v", nick, err)
			}
		}
		p, err := svcs.Auth.Sessions.Authenticate(ctx, se.AccessToken, "test")
		if err != nil || string(p.Role) != s.role {
			t.Fatalf("%s: principal %+v, %v", nick, p, err)
		}
		principals[nick] = p
	}
	coordinator, sofie, daan := principals["demo-coordinator"], principals["demo-sofie"], principals["demo-daan"]

	// Each client's newest trajectory is in the state printed, and every
	// state is there.
	trajectories := map[string]coaching.Trajectory{}
	seen := map[coaching.State]bool{}
	for nick, s := range printed {
		if s.role != "client" {
			continue
		}
		ts, err := svcs.Coaching.Mine(ctx, principals[nick])
		if err != nil {
			t.Fatal(err)
		}
		if s.state == "self-help only" {
			if len(ts) != 0 {
				t.Errorf("%s: %d trajectories, want none", nick, len(ts))
			}
			continue
		}
		if len(ts) != 1 || string(ts[0].State) != s.state {
			t.Fatalf("%s: trajectories %+v, want one %s", nick, ts, s.state)
		}
		trajectories[nick] = ts[0]
		seen[ts[0].State] = true
	}
	for _, st := range coaching.States {
		if !seen[st] {
			t.Errorf("no client in state %s", st)
		}
	}

	// How each ended: the taxonomy, and who.
	ends := map[string][2]string{
		"demo-jonas": {"disappeared", coaching.EndedByClinician}, "demo-kim": {"helped_enough", coaching.EndedByClient},
		"demo-lars": {"not_suitable", coaching.EndedByClinician}, "demo-mila": {"referred_outpatient", coaching.EndedByClinician},
		"demo-otto": {"no_contact_after_signup", coaching.EndedBySystem}, "demo-ilse": {"", coaching.EndedByClinician},
		"demo-noor": {"", coaching.EndedByClient},
	}
	for nick, want := range ends {
		tr := trajectories[nick]
		reason := ""
		if tr.EndReason != nil {
			reason = string(*tr.EndReason)
		}
		if reason != want[0] || tr.EndedBy == nil || *tr.EndedBy != want[1] || tr.EndedAt == nil {
			t.Errorf("%s ended: reason %q by %v at %v, want %q by %s", nick, reason, tr.EndedBy, tr.EndedAt, want[0], want[1])
		}
	}
	if ilse := trajectories["demo-ilse"]; ilse.EndLessonsCompleted != 7 || ilse.EndMessagesIn == 0 || ilse.EndMessagesOut == 0 || ilse.EndContacts != 3 {
		t.Errorf("ilse's record at the end: %+v", ilse)
	}
	if greet := trajectories["demo-greet"]; greet.ExtendedAt == nil || greet.PlannedEnd == nil || !greet.PlannedEnd.After(time.Now()) {
		t.Errorf("greet is not extended past today: %+v", greet)
	}

	// The coordinators' view: the waiting list with the crisis first, its
	// open alert, the clinicians with their capacity, an overdue reply.
	ov, err := svcs.Coaching.Overview(ctx, coordinator)
	if err != nil {
		t.Fatal(err)
	}
	var waiting []string
	for _, w := range ov.Waiting {
		waiting = append(waiting, w.ClientName)
	}
	if !slices.Equal(waiting, []string{"demo-bram", "demo-chris", "demo-anna"}) {
		t.Errorf("waiting list %v", waiting)
	}
	if len(ov.Alerts) != 1 || ov.Alerts[0].TrajectoryID != trajectories["demo-bram"].ID {
		t.Errorf("coordinators' alerts %+v", ov.Alerts)
	}
	if len(ov.Overdue) != 1 || ov.Overdue[0].Trajectory.ID != trajectories["demo-eva"].ID {
		t.Errorf("overdue replies %+v", ov.Overdue)
	}
	clinicians := map[string]coaching.Clinician{}
	for _, c := range ov.Clinicians {
		clinicians[c.Name] = c
	}
	if c := clinicians["Sofie Peeters"]; c.Profession != "clinical psychologist" || c.Capacity != 10 || c.Caseload != 3 {
		t.Errorf("Sofie: %+v", c)
	}
	if c := clinicians["Daan Janssens"]; c.Profession != "psychiatric nurse" || c.Capacity != 5 || c.Caseload != 3 {
		t.Errorf("Daan: %+v", c)
	}

	// The clinicians' dashboards.
	rows := map[string]coaching.Row{}
	for _, p := range []auth.Principal{sofie, daan} {
		rs, err := svcs.Coaching.Dashboard(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			rows[r.ClientName] = r
		}
		if p == sofie && (len(rs) == 0 || rs[0].ClientName != "demo-hugo") {
			t.Errorf("the urgent alert is not on top of Sofie's dashboard: %+v", rs)
		}
	}
	if hugo := rows["demo-hugo"]; len(hugo.Alerts) != 1 || !hugo.Trend.ReliablyWorse || !slices.Contains(hugo.Risks, coaching.RiskDeteriorated) || !slices.Contains(hugo.Risks, coaching.RiskUnanswered) {
		t.Errorf("hugo's row: %+v", hugo)
	}
	if eva := rows["demo-eva"]; !eva.Overdue || eva.Unread != 2 || !eva.Trend.ReliablyBetter || len(eva.Alerts) != 0 {
		t.Errorf("eva's row: %+v", eva)
	}
	if dina := rows["demo-dina"]; dina.Overdue || dina.Unread != 1 || dina.LastContact == nil {
		t.Errorf("dina's row: %+v", dina)
	}
	if finn := rows["demo-finn"]; finn.DaysLeft < 1 || finn.DaysLeft > 9 {
		t.Errorf("finn's days left: %d", finn.DaysLeft)
	}
	if chris := rows["demo-chris"]; chris.Trajectory.State != coaching.StateWaiting {
		t.Errorf("chris is not waiting for consent on Daan's dashboard: %+v", chris)
	}

	// Outcomes: ilse improved reliably and recovered, and took the
	// follow-up; finn's end questionnaire is open.
	ilse := principals["demo-ilse"]
	if tr, err := svcs.Coaching.Trend(ctx, ilse, trajectories["demo-ilse"].ID); err != nil || !tr.ReliablyBetter || !tr.Recovered || len(tr.Scores) != 4 {
		t.Errorf("ilse's trend %+v, %v", tr, err)
	}
	due, err := svcs.Coaching.Schedule(ctx, principals["demo-finn"], trajectories["demo-finn"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(due, func(d coaching.Due) bool { return d.Point == coaching.PointEnd }); i < 0 || !due[i].Open(time.Now()) {
		t.Errorf("finn's end questionnaire is not open: %+v", due)
	}

	// Contacts of every mode, lesson feedback, messages both ways.
	modes := map[string]bool{}
	for nick, tr := range trajectories {
		cs, err := svcs.Coaching.Contacts(ctx, principals[nick], tr.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			modes[c.Mode] = true
		}
	}
	for _, m := range coaching.ContactModes {
		if !modes[m] {
			t.Errorf("no %s contact", m)
		}
	}
	fb, err := svcs.Coaching.ClientFeedback(ctx, principals["demo-dina"], "understanding")
	if err != nil || len(fb) != 1 || fb[0].ClinicianName != "Sofie Peeters" {
		t.Errorf("dina's feedback on lesson 1: %+v, %v", fb, err)
	}
	msgs, err := svcs.Coaching.Messages(ctx, principals["demo-dina"], trajectories["demo-dina"].ID)
	if err != nil {
		t.Fatal(err)
	}
	from := map[string]int{}
	for _, m := range msgs {
		from[m.From]++
	}
	if from[coaching.FromClient] < 3 || from[coaching.FromClinician] < 3 {
		t.Errorf("dina's conversation: %v", from)
	}

	// Self-help: lessons in progress and done, and the anonymous figures.
	pr, err := svcs.Selfhelp.Progress(ctx, principals["demo-pieter"].UserID, demoProgramme)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, l := range pr.Lessons {
		states[l.Lesson.ID] = l.State
	}
	if states["understanding"] != modules.LessonDone || states["activation"] != modules.LessonDone || states["thoughts"] != modules.LessonInProgress {
		t.Errorf("pieter's lessons: %v", states)
	}
	var submissions, days int64
	if err := svcs.DB.Model(&selftest.Submission{}).Count(&submissions).Error; err != nil || submissions < 50 {
		t.Errorf("anonymous self-tests: %d, %v", submissions, err)
	}
	if err := svcs.DB.Table("visit_days").Where("unique_visitors > 0").Count(&days).Error; err != nil || days < 25 {
		t.Errorf("days of visits: %d, %v", days, err)
	}

	// The audit chain the demo wrote is intact.
	if _, err := svcs.Audit.Verify(ctx); err != nil {
		t.Errorf("audit chain: %v", err)
	}

	// Again: refused, nothing written.
	head, err := svcs.Audit.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = fillDemo(ctx, wcfg, database, slog.New(slog.DiscardHandler), &out, "the test database")
	checkRefused(t, err, "already holds the demonstration")
	if after, _ := svcs.Audit.Head(ctx); after.Seq != head.Seq || out.Len() != 0 {
		t.Errorf("a refused second run wrote: audit %d → %d, output %q", head.Seq, after.Seq, out.String())
	}
}

// TestDemoRefusesADatabaseInUse: any account, even one named like the
// demo's, or only an anonymous self-test or a counted visit. (That the
// guard comes before any write: TestDemo and TestDemoCommand.)
func TestDemoRefusesADatabaseInUse(t *testing.T) {
	ctx := context.Background()
	tests := map[string]func(t *testing.T, svcs *wire.Services){
		"a coordinator": func(t *testing.T, svcs *wire.Services) {
			if _, err := svcs.Auth.Staff.CreateAdmin(ctx, "ines", "a real coordinator's password"); err != nil {
				t.Fatal(err)
			}
		},
		"a client named like the demo's coordinator": func(t *testing.T, svcs *wire.Services) {
			if _, err := svcs.Auth.Sessions.SignUp(ctx, auth.Meta{Source: "t"}, demoCoordinator, "a real client's password"); err != nil {
				t.Fatal(err)
			}
		},
		"an anonymous self-test": func(t *testing.T, svcs *wire.Services) {
			if _, err := svcs.Selftest.Submit(ctx, selftestInput("nl", 12, 0)); err != nil {
				t.Fatal(err)
			}
		},
		"a visit": func(t *testing.T, svcs *wire.Services) {
			if err := svcs.Visits.Record(ctx, "192.0.2.1", "test"); err != nil {
				t.Fatal(err)
			}
			if err := svcs.Visits.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, setup := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, database, svcs := demoDatabase(t)
			setup(t, svcs)
			checkRefused(t, demoGuard(ctx, database, svcs), "refusing to run: this database is in use")
		})
	}
}

// TestDemoCommand runs `haven demo` as the program does: its help needs no
// database, and a database with a coordinator is refused with exit status
// 3 and nothing changed.
func TestDemoCommand(t *testing.T) {
	ctx := context.Background()
	getenv := env(t, "HAVEN_ENCRYPTION_KEYS", testEncryptionKey)
	var errOut bytes.Buffer
	if err := run(ctx, []string{"demo", "-h"}, getenv, io.Discard, &errOut); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut.String(), "never point it at production") {
		t.Errorf("demo -h: %v\n%s", err, errOut.String())
	}
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("a real coordinator's password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"admin", "create", "-nickname", "ines", "-password-file", pw}, getenv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(ctx, []string{"demo"}, getenv, &out, io.Discard)
	checkRefused(t, err, "(1 account, 1 audit log entry)")
	if out.Len() != 0 {
		t.Errorf("a refused demo printed %q", out.String())
	}
}

func checkRefused(t *testing.T, err error, want string) {
	t.Helper()
	var refused *demoRefused
	if !errors.As(err, &refused) || refused.ExitCode() != 3 || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("err = %v, want a refusal (exit 3) saying %q", err, want)
	}
}

// TestDemoQuestionnaires: the answers add up to the totals the stories
// tell, with item 9 as given.
func TestDemoQuestionnaires(t *testing.T) {
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	score := func(id string, answers []selftest.Answer) (selftest.Scored, error) {
		inst, err := catalog.Instrument(id)
		if err != nil {
			t.Fatal(err)
		}
		return selftest.Score(inst, answers)
	}
	for _, tt := range []struct{ total, item9 int }{{0, 0}, {7, 0}, {18, 1}, {19, 2}, {27, 3}, {25, 1}} {
		o, err := score("phq9", phq9(tt.total, tt.item9))
		if err != nil || o.Score != tt.total || o.Crisis != (tt.item9 > 0) {
			t.Errorf("phq9(%d, %d): %+v, %v", tt.total, tt.item9, o, err)
		}
	}
	for _, total := range []int{0, 3, 12, 21} {
		o, err := score("gad7", gad7(total))
		if err != nil || o.Score != total {
			t.Errorf("gad7(%d): %+v, %v", total, o, err)
		}
	}
}
