package coaching_test

import (
	"context"
	"testing"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/coaching"
)

// TestCaseloadReadsAreAFixedNumberOfQueries: the clinician's dashboard and
// the lessons waiting for feedback run as many SQL statements for 40
// clients as for 5 — no query per client (SQLite, or PostgreSQL with
// TEST_DATABASE_URL).
func TestCaseloadReadsAreAFixedNumberOfQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two caseloads of 45 clients through the services")
	}
	ctx := context.Background()
	reads := []struct {
		name string
		run  func(cl *caseload) (int, error)
	}{
		{"Dashboard", func(cl *caseload) (int, error) {
			rows, err := cl.svcs.Coaching.Dashboard(ctx, cl.doc)
			return len(rows), err
		}},
		{"PendingFeedback", func(cl *caseload) (int, error) {
			ps, err := cl.svcs.Coaching.PendingFeedback(ctx, cl.doc)
			return len(ps), err
		}},
	}
	counts := map[string]map[int]int64{}
	for _, n := range []int{5, 40} {
		cl := newCaseload(t, n)
		stmts := countStatements(t, cl.svcs.DB.DB)
		for _, r := range reads {
			var got int
			var err error
			q := stmts.during(func() { got, err = r.run(cl) })
			if err != nil {
				t.Fatalf("%s with %d clients: %v", r.name, n, err)
			}
			if got != n {
				t.Fatalf("%s with %d clients: %d rows, want one per client", r.name, n, got)
			}
			if counts[r.name] == nil {
				counts[r.name] = map[int]int64{}
			}
			counts[r.name][n] = q
		}
	}
	for _, r := range reads {
		if c := counts[r.name]; c[5] != c[40] || c[5] == 0 {
			t.Errorf("%s: %d statements for 5 clients, %d for 40", r.name, c[5], c[40])
		} else {
			t.Logf("%s: %d statements for 5 or 40 clients", r.name, c[5])
		}
	}
}

// TestCourseGuidanceForASelfHelpClient: the course asks the guided
// trajectory about every read; for a client with no trajectory (every
// self-help client) the answer is "none" after one statement, and for a
// client in a running trajectory it carries the clinician's order and the
// feedback given in a fixed number.
func TestCourseGuidanceForASelfHelpClient(t *testing.T) {
	ctx := context.Background()
	cl := newCaseload(t, 1)
	res, err := cl.svcs.Auth.Sessions.SignUp(ctx, auth.Meta{Source: "alone"}, "on-my-own", "lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	prog := cl.svcs.Selfhelp.Library().Programmes()[0]
	stmts := countStatements(t, cl.svcs.DB.DB)
	var g coaching.CourseGuidance
	if n := stmts.during(func() { g, err = cl.svcs.Coaching.CourseGuidance(ctx, res.User.ID, prog.ID) }); err != nil || n != 1 || g.Running {
		t.Errorf("no trajectory: %d statements, running %v, %v; want one statement and no guidance", n, g.Running, err)
	}
	if n := stmts.during(func() { g, err = cl.svcs.Coaching.CourseGuidance(ctx, cl.clients[0].UserID, prog.ID) }); err != nil || n != 3 || !g.Running || g.DueBy == nil {
		t.Errorf("running trajectory: %d statements, %+v, %v; want three and a running guidance", n, g, err)
	}
}
