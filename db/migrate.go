package db

import (
	"context"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"

	"github.com/haven-mh/haven/db/migrations"
)

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations when several Haven processes start at once.
const migrationLockKey = 0x48415645 // "HAVE"

// Migrate applies every pending migration in one transaction and records it
// in the migrations table. Running it again is a no-op. On PostgreSQL it
// holds an advisory lock, so replicas starting together migrate once.
func Migrate(ctx context.Context, d *DB) error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	if d.Dialect == Postgres {
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			return fmt.Errorf("db: migrate: lock connection: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("db: migrate: take lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey) //nolint:errcheck // released with the session anyway
	}
	if err := Migrator(ctx, d).Migrate(); err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	return nil
}

// Migrator returns the gormigrate runner with Haven's options (one
// transaction, unknown ids rejected), for Migrate and for rollbacks.
func Migrator(ctx context.Context, d *DB) *gormigrate.Gormigrate {
	return gormigrate.New(d.DB.WithContext(ctx), &gormigrate.Options{
		TableName:                 "schema_migrations",
		IDColumnName:              "id",
		IDColumnSize:              255,
		UseTransaction:            true,
		ValidateUnknownMigrations: true,
	}, migrations.All())
}

// Applied returns the ids of the migrations recorded in the database.
func Applied(ctx context.Context, d *DB) ([]string, error) {
	var ids []string
	if !d.Migrator().HasTable("schema_migrations") {
		return nil, nil
	}
	if err := d.WithContext(ctx).Table("schema_migrations").Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("db: list migrations: %w", err)
	}
	return ids, nil
}
