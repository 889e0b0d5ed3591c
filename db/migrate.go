package db

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/haven-mh/haven/db/migrations"
)

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations when several Haven processes start at once.
const migrationLockKey = 0x48415645 // "HAVE"

// Migrate applies every pending migration in one transaction and records it
// in the migrations table. Running it again is a no-op. On PostgreSQL it
// holds an advisory lock, so replicas starting together migrate once, and
// runs on one connection without statement_timeout (a migration may
// rewrite a large table). A database that records a migration this binary
// does not know (a newer Haven migrated it) is refused, naming the ids.
func Migrate(ctx context.Context, d *DB) error {
	if d.Dialect != Postgres {
		return migrateOn(ctx, d.DB.WithContext(ctx))
	}
	return d.DB.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("SET statement_timeout = 0").Error; err != nil {
			return fmt.Errorf("db: migrate: %w", err)
		}
		defer conn.WithContext(context.WithoutCancel(ctx)).Exec("RESET statement_timeout") //nolint:errcheck // the connection's default comes back with it
		if err := conn.Exec("SELECT pg_advisory_lock(?)", migrationLockKey).Error; err != nil {
			return fmt.Errorf("db: migrate: take lock: %w", err)
		}
		defer conn.WithContext(context.WithoutCancel(ctx)).Exec("SELECT pg_advisory_unlock(?)", migrationLockKey) //nolint:errcheck // released with the session anyway
		return migrateOn(ctx, conn)
	})
}

func migrateOn(ctx context.Context, g *gorm.DB) error {
	st, err := schemaState(ctx, g)
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	if len(st.Unknown) > 0 {
		return fmt.Errorf("db: migrate: %w", st)
	}
	if err := newMigrator(g).Migrate(); err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	return nil
}

// Migrator returns the gormigrate runner with Haven's options (one
// transaction, unknown ids rejected), for Migrate and for rollbacks.
func Migrator(ctx context.Context, d *DB) *gormigrate.Gormigrate {
	return newMigrator(d.DB.WithContext(ctx))
}

func newMigrator(g *gorm.DB) *gormigrate.Gormigrate {
	return gormigrate.New(g, &gormigrate.Options{
		TableName:                 "schema_migrations",
		IDColumnName:              "id",
		IDColumnSize:              255,
		UseTransaction:            true,
		ValidateUnknownMigrations: true,
	}, migrations.All())
}

// Applied returns the ids of the migrations recorded in the database.
func Applied(ctx context.Context, d *DB) ([]string, error) {
	return applied(ctx, d.DB)
}

func applied(ctx context.Context, g *gorm.DB) ([]string, error) {
	var ids []string
	if !g.WithContext(ctx).Migrator().HasTable("schema_migrations") {
		return nil, nil
	}
	if err := g.WithContext(ctx).Table("schema_migrations").Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("db: list migrations: %w", err)
	}
	return ids, nil
}

// SchemaError says how the database's schema differs from this binary's
// migrations: Pending ones are not applied yet, Unknown ones were applied
// by another (newer) Haven.
type SchemaError struct {
	Pending, Unknown []string
}

func (e *SchemaError) Error() string {
	var parts []string
	if len(e.Unknown) > 0 {
		parts = append(parts, fmt.Sprintf("the database has migrations this Haven does not know: %s (a newer version migrated it; run that version, or restore a backup taken before)",
			strings.Join(e.Unknown, ", ")))
	}
	if len(e.Pending) > 0 {
		parts = append(parts, fmt.Sprintf("%d migrations are not applied: %s (run `haven migrate`, or serve with HAVEN_MIGRATE_ON_START=true)",
			len(e.Pending), strings.Join(e.Pending, ", ")))
	}
	return "schema: " + strings.Join(parts, "; ")
}

// CheckSchema returns a *SchemaError unless the database has exactly this
// binary's migrations applied. `haven serve` with HAVEN_MIGRATE_ON_START=
// false (and every other command that does not migrate) refuses to start
// on it, rather than answer 500 "no such table" or write rows an older
// schema does not expect.
func CheckSchema(ctx context.Context, d *DB) error {
	st, err := schemaState(ctx, d.DB)
	if err != nil {
		return err
	}
	if len(st.Pending) > 0 || len(st.Unknown) > 0 {
		return st
	}
	return nil
}

func schemaState(ctx context.Context, g *gorm.DB) (*SchemaError, error) {
	ids, err := applied(ctx, g)
	if err != nil {
		return nil, err
	}
	st := &SchemaError{}
	known := map[string]bool{}
	for _, m := range migrations.All() {
		known[m.ID] = true
		if !slices.Contains(ids, m.ID) {
			st.Pending = append(st.Pending, m.ID)
		}
	}
	for _, id := range ids {
		if !known[id] {
			st.Unknown = append(st.Unknown, id)
		}
	}
	return st, nil
}
