package db_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
)

func TestDefaultMaxOpenConns(t *testing.T) {
	tests := []struct{ cpus, want int }{
		{1, 4},
		{2, 8},
		{4, 16},
		{16, 64},
	}
	for _, tt := range tests {
		if got := db.DefaultMaxOpenConns(tt.cpus); got != tt.want {
			t.Errorf("DefaultMaxOpenConns(%d) = %d, want %d", tt.cpus, got, tt.want)
		}
	}
}

// TestPostgresPoolDefault: without MaxOpenConns the pool is sized from the
// cores (it was a fixed 20), and a configured size wins.
func TestPostgresPoolDefault(t *testing.T) {
	url := dbtest.PostgresURL(t, dbtest.PostgresBase(t)) // skips without PostgreSQL, fails so in CI
	for _, tt := range []struct{ configured, want int }{
		{0, db.DefaultMaxOpenConns(runtime.GOMAXPROCS(0))},
		{3, 3},
	} {
		d, err := db.Open(context.Background(), db.Config{URL: url, MaxOpenConns: tt.configured})
		if err != nil {
			t.Fatal(err)
		}
		sqlDB, _ := d.DB.DB()
		if got := sqlDB.Stats().MaxOpenConnections; got != tt.want {
			t.Errorf("configured %d: pool of %d, want %d", tt.configured, got, tt.want)
		}
		_ = d.Close()
	}
}
