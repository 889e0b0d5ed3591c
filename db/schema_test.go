package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/migrations"
)

// TestCheckSchema: a database with exactly this binary's migrations passes;
// an empty one lists every pending migration; one migrated by a newer
// Haven is named by its unknown id, by CheckSchema and by Migrate.
func TestCheckSchema(t *testing.T) {
	ctx := context.Background()
	empty := dbtest.OpenUnmigrated(t)
	var se *db.SchemaError
	if err := db.CheckSchema(ctx, empty); !errors.As(err, &se) || len(se.Pending) != len(migrations.All()) || len(se.Unknown) != 0 {
		t.Fatalf("empty database: %v", err)
	}
	if !strings.Contains(se.Error(), "haven migrate") || !strings.Contains(se.Error(), migrations.All()[0].ID) {
		t.Errorf("the refusal names the pending ids and the way out: %v", se)
	}

	d := dbtest.Open(t)
	if err := db.CheckSchema(ctx, d); err != nil {
		t.Fatalf("migrated database: %v", err)
	}
	const future = "9999_from_a_newer_haven"
	if err := d.Exec("INSERT INTO schema_migrations (id) VALUES (?)", future).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.CheckSchema(ctx, d); !errors.As(err, &se) || len(se.Unknown) != 1 || !strings.Contains(err.Error(), future) {
		t.Errorf("newer database: %v, want the unknown id named", err)
	}
	if err := db.Migrate(ctx, d); err == nil || !strings.Contains(err.Error(), future) {
		t.Errorf("migrate on a newer database: %v, want a refusal naming %s", err, future)
	}
}
