package coaching_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/modules"
)

// caseload is a clinician with n clients in a running trajectory, each
// with messages both ways (the last unread), a contact and the course's
// first lesson worked through up to its feedback moment, where the client
// waits for the clinician — what the dashboard and the pending feedback
// read for every client.
type caseload struct {
	svcs    *wire.Services
	clock   *wiretest.Clock
	doc     auth.Principal
	clients []auth.Principal
	trajs   []string
}

func newCaseload(tb testing.TB, n int) *caseload {
	tb.Helper()
	ctx := context.Background()
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	svcs := wiretest.New(tb, wiretest.WithClock(clock.Now))
	cl := &caseload{svcs: svcs, clock: clock}
	admin, err := svcs.Auth.Staff.CreateAdmin(ctx, "coordinator", "lange zin als wachtwoord")
	if err != nil {
		tb.Fatal(err)
	}
	coord := auth.Principal{UserID: admin.ID, Role: auth.RoleCoordinator}
	link, err := svcs.Auth.Staff.Invite(ctx, coord, auth.RoleClinician, n+1)
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := svcs.Auth.Staff.AcceptInvitation(ctx, auth.Meta{Source: "staff"}, link.Token, "dr-busy", "lange zin als wachtwoord",
		auth.StaffProfile{DisplayName: "Dr. Busy", Profession: "psychologist"})
	if err != nil {
		tb.Fatal(err)
	}
	cl.doc = auth.Principal{UserID: doc.ID, Role: auth.RoleClinician}
	cs := svcs.Coaching
	prog := svcs.Selfhelp.Library().Programmes()[0]
	lesson := prog.Lessons[0]
	for i := range n {
		res, err := svcs.Auth.Sessions.SignUp(ctx, auth.Meta{Source: fmt.Sprint("client-", i)}, fmt.Sprint("client-", i), "lange zin als wachtwoord")
		if err != nil {
			tb.Fatal(err)
		}
		p := auth.Principal{UserID: res.User.ID, Role: auth.RoleClient}
		tr, _, err := cs.Apply(ctx, p, coaching.Application{Language: "en", PHQ9: phq9(2, 2, 1, 1, 1, 1, 1, 1, 0), Hopes: "Sleep", Reachable: "Evenings"})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := cs.Assign(ctx, coord, tr.ID, cl.doc.UserID); err != nil {
			tb.Fatal(err)
		}
		if _, err := cs.Consent(ctx, p, tr.ID); err != nil {
			tb.Fatal(err)
		}
		if _, _, err := cs.Send(ctx, cl.doc, tr.ID, "Welcome.", "w"); err != nil {
			tb.Fatal(err)
		}
		if _, _, err := cs.Send(ctx, p, tr.ID, "Thank you.", "t"); err != nil {
			tb.Fatal(err)
		}
		if _, err := cs.LogContact(ctx, cl.doc, tr.ID, coaching.Contact{Mode: coaching.ContactPhone, OccurredAt: clock.Now().Add(-time.Hour), Minutes: 20}); err != nil {
			tb.Fatal(err)
		}
		finishLesson(tb, svcs.Selfhelp, p.UserID, prog.ID, lesson)
		cl.clients, cl.trajs = append(cl.clients, p), append(cl.trajs, tr.ID)
	}
	return cl
}

// finishLesson goes through every step of a lesson with valid answers; in
// a running trajectory it stops where the client waits for feedback (the
// lesson's feedback moment finished).
func finishLesson(tb testing.TB, sh *modules.Service, userID, programmeID string, l *modules.Lesson) {
	tb.Helper()
	ctx := context.Background()
	if _, err := sh.Start(ctx, userID, programmeID); err != nil {
		tb.Fatal(err)
	}
	if _, err := sh.OpenLesson(ctx, userID, programmeID, l.ID); err != nil {
		tb.Fatal(err)
	}
	for _, st := range l.Steps {
		vals := modules.Values{}
		for _, f := range st.Fields {
			if f.Required {
				vals[f.ID] = requiredAnswer(f)
			}
		}
		_, err := sh.SaveStep(ctx, userID, programmeID, l.ID, st.ID, vals, true)
		if errors.Is(err, modules.ErrWaiting) {
			return
		}
		if err != nil {
			tb.Fatalf("step %s: %v", st.ID, err)
		}
	}
}

// requiredAnswer is a valid answer to a required field.
func requiredAnswer(f *modules.Field) []byte {
	switch f.Type {
	case modules.FieldScale:
		return []byte("5")
	case modules.FieldSingle:
		return []byte(`"` + f.Options[0].ID + `"`)
	case modules.FieldMultiple, modules.FieldChecklist:
		return []byte(`["` + f.Options[0].ID + `"]`)
	case modules.FieldList:
		return []byte(`["a walk"]`)
	case modules.FieldPlanner:
		return []byte(`[{"activity":"a walk","day":"2026-03-02"}]`)
	}
	return []byte(`"an answer"`)
}

// statements counts the SQL statements run on d from now on (every
// query, row, raw, create, update and delete; BEGIN and COMMIT are not
// statements gorm runs through its callbacks).
type statements struct{ n atomic.Int64 }

func countStatements(tb testing.TB, d *gorm.DB) *statements {
	tb.Helper()
	c := &statements{}
	name := fmt.Sprintf("test:count:%p", c)
	count := func(*gorm.DB) { c.n.Add(1) }
	cb := d.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register(name, count),
		cb.Row().After("gorm:row").Register(name, count),
		cb.Raw().After("gorm:raw").Register(name, count),
		cb.Create().After("gorm:create").Register(name, count),
		cb.Update().After("gorm:update").Register(name, count),
		cb.Delete().After("gorm:delete").Register(name, count),
	} {
		if err != nil {
			tb.Fatal(err)
		}
	}
	return c
}

// during returns how many statements f ran.
func (c *statements) during(f func()) int64 {
	before := c.n.Load()
	f()
	return c.n.Load() - before
}
