package db_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/migrations"
)

func TestDialectOf(t *testing.T) {
	tests := []struct {
		url     string
		want    db.Dialect
		wantErr bool
	}{
		{"", db.SQLite, false},
		{"postgres://u@localhost/haven", db.Postgres, false},
		{"postgresql://u:p@db:5432/haven?sslmode=require", db.Postgres, false},
		{"mysql://u@localhost/haven", "", true},
		{"sqlite:///tmp/x.db", "", true},
		{"::not a url", "", true},
	}
	for _, tt := range tests {
		got, err := db.DialectOf(tt.url)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("DialectOf(%q) = %q, %v; want %q, error %v", tt.url, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestMigrateIsIdempotentAndRecorded(t *testing.T) {
	ctx := context.Background()
	d := dbtest.OpenUnmigrated(t)
	if d.Dialect != dbtest.Dialect() {
		t.Fatalf("dialect %s, want %s", d.Dialect, dbtest.Dialect())
	}
	for i := range 3 {
		if err := db.Migrate(ctx, d); err != nil {
			t.Fatalf("migrate run %d: %v", i+1, err)
		}
	}
	applied, err := db.Applied(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range migrations.All() {
		want = append(want, m.ID)
	}
	slices.Sort(want)
	if !slices.Equal(applied, want) {
		t.Errorf("applied %v, want %v", applied, want)
	}
}

func TestMigrationIDsAreUniqueAndOrdered(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for _, m := range migrations.All() {
		if seen[m.ID] {
			t.Errorf("duplicate migration id %s", m.ID)
		}
		seen[m.ID] = true
		if m.ID <= prev {
			t.Errorf("migration %s is out of order after %s", m.ID, prev)
		}
		prev = m.ID
	}
}

// TestAnonymousTablesHoldNothingIdentifying guards the privacy promise of
// the anonymous self-test: its table has no column that could identify a
// visitor.
func TestAnonymousTablesHoldNothingIdentifying(t *testing.T) {
	d := dbtest.Open(t)
	cols, err := d.Migrator().ColumnTypes("selftest_submissions")
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) == 0 {
		t.Fatal("no columns found")
	}
	for _, c := range cols {
		name := strings.ToLower(c.Name())
		for _, banned := range []string{"ip", "addr", "agent", "cookie", "session", "email", "user", "name", "phone"} {
			if name == banned || strings.Contains(name, banned) {
				t.Errorf("selftest_submissions.%s looks identifying (%q)", c.Name(), banned)
			}
		}
	}
}

func TestOpenRejectsUnreachablePostgres(t *testing.T) {
	_, err := db.Open(context.Background(), db.Config{URL: "postgres://nobody:secretpw@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"})
	if err == nil {
		t.Fatal("want an error for an unreachable server")
	}
	if strings.Contains(err.Error(), "secretpw") {
		t.Errorf("error leaks the password: %v", err)
	}
}

// TestMigrationsRollBackAndReapply checks every Rollback: all migrations
// are undone one by one down to none, then applied again.
func TestMigrationsRollBackAndReapply(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	m := db.Migrator(ctx, d)
	for range migrations.All() {
		if err := m.RollbackLast(); err != nil {
			t.Fatalf("rollback: %v", err)
		}
	}
	if applied, _ := db.Applied(ctx, d); len(applied) != 0 {
		t.Fatalf("still applied after rolling back everything: %v", applied)
	}
	if d.Migrator().HasTable("selftest_submissions") || d.Migrator().HasTable("users") {
		t.Error("tables left behind by rollbacks")
	}
	if err := db.Migrate(ctx, d); err != nil {
		t.Fatalf("re-apply: %v", err)
	}
}
