// Package dbtest opens a fresh, migrated database for a test: PostgreSQL
// when TEST_DATABASE_URL is set (each test gets its own schema, dropped at
// the end), otherwise an SQLite file in the test's temp directory.
//
// When CI is set, TEST_DATABASE_URL must be set and reachable: a test that
// needs PostgreSQL fails instead of quietly running on SQLite.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/haven-mh/haven/db"
)

// Open returns a migrated database for t, closed and removed at cleanup.
func Open(t testing.TB) *db.DB {
	t.Helper()
	return Migrated(t, OpenUnmigrated(t))
}

// OpenUnmigrated is Open without the migrations.
func OpenUnmigrated(t testing.TB) *db.DB {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("dbtest: CI is set but TEST_DATABASE_URL is not: tests must run against PostgreSQL in CI")
		}
		return OpenSQLite(t)
	}
	return OpenPostgres(t, base)
}

// Migrated runs the migrations on d, failing t on error.
func Migrated(t testing.TB, d *db.DB) *db.DB {
	t.Helper()
	if err := db.Migrate(context.Background(), d); err != nil {
		t.Fatalf("dbtest: migrate: %v", err)
	}
	return d
}

// OpenSQLite opens an empty SQLite database in t's temp directory.
func OpenSQLite(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("dbtest: open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// OpenPostgres opens a fresh, empty schema of its own in the PostgreSQL
// database at base, dropped at cleanup.
func OpenPostgres(t testing.TB, base string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Config{URL: PostgresURL(t, base), MaxOpenConns: 10})
	if err != nil {
		t.Fatalf("dbtest: open schema: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// PostgresURL creates a fresh schema in the PostgreSQL database at base and
// returns a URL whose search_path selects it, for code that opens its own
// connections (such as the haven command). The schema is dropped at
// cleanup, after the caller's own cleanups.
func PostgresURL(t testing.TB, base string) string {
	t.Helper()
	ctx := context.Background()
	schema := "t_" + randomHex(8)
	admin, err := db.Open(ctx, db.Config{URL: base, MaxOpenConns: 2})
	if err != nil {
		t.Fatalf("dbtest: PostgreSQL at TEST_DATABASE_URL is unreachable: %v", err)
	}
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("dbtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		_ = admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error
		_ = admin.Close()
	})
	return withSearchPath(t, base, schema)
}

// Dialect reports which database Open will use.
func Dialect() db.Dialect {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		return db.Postgres
	}
	return db.SQLite
}

func withSearchPath(t testing.TB, base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("dbtest: TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}

// PostgresBase returns TEST_DATABASE_URL for a test that needs PostgreSQL
// itself (its fault tests cut and stall the connection through a
// FaultProxy); without it the test is skipped, except in CI, where it fails.
func PostgresBase(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("dbtest: CI is set but TEST_DATABASE_URL is not: the PostgreSQL fault tests must run in CI")
		}
		t.Skip("needs PostgreSQL: set TEST_DATABASE_URL")
	}
	return base
}

// OpenPostgresVia opens a fresh, migrated schema of the PostgreSQL database
// at base through a FaultProxy, and returns both; cfg sets the pool and
// timeouts (its URL is replaced).
func OpenPostgresVia(t testing.TB, base string, cfg db.Config) (*db.DB, *FaultProxy) {
	t.Helper()
	proxy, u := NewPostgresFaultProxy(t, PostgresURL(t, base))
	cfg.URL = u
	d, err := db.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("dbtest: open through the proxy: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return Migrated(t, d), proxy
}
