package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
)

func newLog(t *testing.T) (*audit.Log, *db.DB) {
	t.Helper()
	d := dbtest.Open(t)
	now := time.Date(2026, 11, 3, 9, 0, 0, 123456789, time.UTC)
	clock := func() time.Time { now = now.Add(time.Second); return now }
	return audit.NewLog(d.DB, audit.Options{Now: clock}), d
}

func fill(t *testing.T, l *audit.Log, n int) {
	t.Helper()
	for i := range n {
		e := audit.Entry{ActorID: audit.Str("staff-1"), ActorRole: "clinician", SessionID: audit.Str("s-1"),
			SubjectID: audit.Str("client-1"), Action: audit.ActionClientRead, Object: "GET /api/v1/clients/:id",
			RequestID: "req-" + string(rune('a'+i)), Outcome: audit.OutcomeSuccess}
		if i%2 == 1 {
			e.SubjectID = audit.Str("client-2")
		}
		if err := l.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// dropGuards removes the append-only triggers, as someone with full
// database rights could, so the test can tamper like they would.
func dropGuards(t *testing.T, d *db.DB) {
	t.Helper()
	stmts := []string{"DROP TRIGGER audit_entries_no_update", "DROP TRIGGER audit_entries_no_delete"}
	if d.Dialect == db.Postgres {
		stmts = []string{"DROP TRIGGER audit_entries_no_update ON audit_entries"}
	}
	for _, s := range stmts {
		if err := d.Exec(s).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func TestChainVerifies(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	rep, err := l.Verify(ctx)
	if err != nil || rep.Entries != 0 {
		t.Fatalf("empty log: %+v, %v", rep, err)
	}
	fill(t, l, 7)
	rep, err = l.Verify(ctx)
	if err != nil || rep.Entries != 7 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
	got, err := l.Find(ctx, audit.Filter{SubjectID: "client-2"})
	if err != nil || len(got) != 3 || got[0].Seq != 6 {
		t.Fatalf("Search by subject: %d entries, %v", len(got), err)
	}
	got, err = l.Find(ctx, audit.Filter{Before: 3, Limit: 10})
	if err != nil || len(got) != 2 {
		t.Fatalf("Search before 3: %d entries, %v", len(got), err)
	}
}

func TestAppendOnlyIsEnforcedByTheDatabase(t *testing.T) {
	l, d := newLog(t)
	fill(t, l, 2)
	if err := d.Exec("UPDATE audit_entries SET outcome = 'failure' WHERE seq = 1").Error; err == nil {
		t.Error("UPDATE of an audit entry succeeded")
	}
	if err := d.Exec("DELETE FROM audit_entries WHERE seq = 2").Error; err == nil {
		t.Error("DELETE of an audit entry succeeded")
	}
}

func TestTamperingIsDetected(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		firstAt int64
	}{
		{"changed outcome", "UPDATE audit_entries SET outcome = 'denied' WHERE seq = 3", 3},
		{"changed subject", "UPDATE audit_entries SET subject_id = 'someone-else' WHERE seq = 4", 4},
		{"removed actor", "UPDATE audit_entries SET actor_id = NULL WHERE seq = 2", 2},
		{"deleted row", "DELETE FROM audit_entries WHERE seq = 3", 3},
		{"changed time", "UPDATE audit_entries SET at = at + INTERVAL '1 hour' WHERE seq = 5", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, d := newLog(t)
			fill(t, l, 6)
			dropGuards(t, d)
			sql := tt.sql
			if d.Dialect == db.SQLite && tt.name == "changed time" {
				sql = "UPDATE audit_entries SET at = datetime(at, '+1 hour') WHERE seq = 5"
			}
			if err := d.Exec(sql).Error; err != nil {
				t.Fatal(err)
			}
			rep, err := l.Verify(context.Background())
			if !errors.Is(err, audit.ErrTampered) || rep.FirstBad != tt.firstAt {
				t.Fatalf("Verify = %+v, %v; want tampering at %d", rep, err, tt.firstAt)
			}
		})
	}
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			var err error
			for j := 0; j < 5 && err == nil; j++ {
				err = l.Append(ctx, audit.Entry{ActorRole: "clinician", Action: audit.ActionClientRead, Object: "x", RequestID: string(rune('a' + i)), Outcome: audit.OutcomeSuccess})
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	rep, err := l.Verify(ctx)
	if err != nil || rep.Entries != 40 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
}

// An attacker who changes a row and recomputes its hash still breaks the
// link from the next row.
func TestRehashedRowIsDetectedByItsSuccessor(t *testing.T) {
	l, d := newLog(t)
	fill(t, l, 4)
	dropGuards(t, d)
	var e audit.Entry
	if err := d.Where("seq = 2").Take(&e).Error; err != nil {
		t.Fatal(err)
	}
	e.Outcome = audit.OutcomeDenied
	e.At = e.At.UTC()
	e.Hash = audit.ComputeHash(&e)
	if err := d.Model(&audit.Entry{}).Where("seq = 2").Updates(map[string]any{"outcome": e.Outcome, "hash": e.Hash}).Error; err != nil {
		t.Fatal(err)
	}
	rep, err := l.Verify(context.Background())
	if !errors.Is(err, audit.ErrTampered) || rep.FirstBad != 3 {
		t.Fatalf("Verify = %+v, %v; want the break at 3", rep, err)
	}
}
