package coaching_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/jobs"
	"github.com/haven-mh/haven/db/outbox"
)

// twoReplicas returns two Haven processes' services on one database: on
// PostgreSQL (TEST_DATABASE_URL) each with its own connection pool, on
// SQLite sharing the one handle a file allows.
func twoReplicas(t *testing.T, clock *wiretest.Clock) (*wire.Services, *wire.Services) {
	t.Helper()
	var d1, d2 *db.DB
	if base := os.Getenv("TEST_DATABASE_URL"); base != "" {
		url := dbtest.PostgresURL(t, base)
		for _, d := range []**db.DB{&d1, &d2} {
			var err error
			if *d, err = db.Open(context.Background(), db.Config{URL: url, MaxOpenConns: 10}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = (*d).Close() })
		}
		dbtest.Migrated(t, d1)
	} else {
		d1 = dbtest.Open(t)
		d2 = d1
	}
	return wiretest.NewOn(t, d1, wiretest.WithClock(clock.Now)), wiretest.NewOn(t, d2, wiretest.WithClock(clock.Now))
}

// TestJobsOnTwoReplicasNotifyOnce: the no-contact and reminder jobs run on
// two replicas of one database, every day for four months on an injected
// clock — both at the scheduled minute, racing for the slot, and one of
// them again by hand in the afternoon — and every notification is queued
// exactly once: the application that reached nobody ends once (the
// coordinators told once), each questionnaire due is announced once, the
// clinician hears once that the trajectory ends in a week.
func TestJobsOnTwoReplicasNotifyOnce(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := wiretest.NewClock(t0)
	r1, r2 := twoReplicas(t, clock)
	cs := r1.Coaching

	admin, err := r1.Auth.Staff.CreateAdmin(ctx, "coordinator", "lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	coord := auth.Principal{UserID: admin.ID, Role: auth.RoleCoordinator}
	link, err := r1.Auth.Staff.Invite(ctx, coord, auth.RoleClinician, 5)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := r1.Auth.Staff.AcceptInvitation(ctx, auth.Meta{Source: "s"}, link.Token, "dr-jobs", "lange zin als wachtwoord",
		auth.StaffProfile{DisplayName: "Dr. Jobs", Profession: "psychologist"})
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]auth.Principal{}
	for _, nick := range []string{"active", "unreached"} {
		res, err := r1.Auth.Sessions.SignUp(ctx, auth.Meta{Source: nick}, nick, "lange zin als wachtwoord")
		if err != nil {
			t.Fatal(err)
		}
		clients[nick] = auth.Principal{UserID: res.User.ID, Role: auth.RoleClient}
	}
	active, _, err := cs.Apply(ctx, clients["active"], coaching.Application{Language: "en", PHQ9: phq9(1, 1, 1, 1, 1, 1, 1, 1, 0),
		Hopes: "Rest", Reachable: "Noon", Email: "active@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Assign(ctx, coord, active.ID, doc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Consent(ctx, clients["active"], active.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.LogContact(ctx, auth.Principal{UserID: doc.ID, Role: auth.RoleClinician}, active.ID,
		coaching.Contact{Mode: coaching.ContactVideo, OccurredAt: t0, Minutes: 30}); err != nil {
		t.Fatal(err)
	}
	unreached, _, err := cs.Apply(ctx, clients["unreached"], coaching.Application{Language: "nl", PHQ9: phq9(1, 1, 1, 1, 1, 1, 1, 1, 0),
		Hopes: "Rust", Reachable: "'s Middags", Email: "unreached@example.org"})
	if err != nil {
		t.Fatal(err)
	}

	runners := make([]*jobs.Runner, 2)
	for i, r := range []*wire.Services{r1, r2} {
		if runners[i], err = r.Jobs(slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
	}
	names := []string{"coaching-no-contact", "coaching-reminders"}
	for day := range 130 {
		at := time.Date(2026, 3, 3+day, 7, 15, 0, 0, time.UTC) // the schedule's 08:15 in Brussels (winter)
		clock.Set(at)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		ran := make(chan bool, 4)
		for _, r := range runners {
			for _, name := range names {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := r.RunSlot(ctx, name, at)
					errs <- err
					ran <- ok
				}()
			}
		}
		wg.Wait()
		close(errs)
		close(ran)
		for err := range errs {
			if err != nil {
				t.Fatalf("day %d: %v", day, err)
			}
		}
		claimed := 0
		for ok := range ran {
			if ok {
				claimed++
			}
		}
		if claimed != len(names) {
			t.Fatalf("day %d: %d slots run, want each job's once", day, claimed)
		}
		// Someone runs the jobs by hand on the second replica that afternoon.
		for _, name := range names {
			if err := runners[1].RunNow(ctx, name, at.Add(6*time.Hour)); err != nil {
				t.Fatalf("day %d, by hand: %v", day, err)
			}
		}
	}

	count := func(subject string) map[string]int {
		t.Helper()
		sts, err := outbox.Statuses(ctx, r1.DB.DB, subject)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, s := range sts {
			out[s.Kind]++
		}
		return out
	}
	tests := []struct {
		subject string
		want    map[string]int
	}{
		// The active trajectory: assigned at the start, the week-6 and the
		// end questionnaire due (the client told once each), and the
		// clinician told once that it ends in a week.
		{active.ID, map[string]int{coaching.NotifyAssigned: 1, coaching.NotifyDue: 2, coaching.NotifyEnding: 1}},
		// The application that reached no clinician: the coordinators told
		// once that it ended.
		{unreached.ID, map[string]int{coaching.NotifyNoContact: 1}},
	}
	for _, tt := range tests {
		if got := count(tt.subject); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("notifications about %s: %v, want %v", tt.subject, got, tt.want)
		}
	}
	ended, err := r2.Coaching.Trajectory(ctx, clients["unreached"], unreached.ID, coaching.AccessIntake)
	if err != nil || ended.State != coaching.StateNoContact {
		t.Errorf("the unreached application: %+v, %v", ended, err)
	}
}
