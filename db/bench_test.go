package db_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the driver, for the NORMAL baseline opened without db.Open

	"github.com/haven-mh/haven/db"
)

// BenchmarkSQLiteCommit measures what synchronous=FULL (Haven's setting)
// costs per write transaction against NORMAL (the baseline, same run, same
// file system): a transaction of two small inserts, as a self-test submit
// makes. README's Benchmarks section reports the ratio.
func BenchmarkSQLiteCommit(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		b.Run(strings.ToLower(mode), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.db")
			dsn := strings.Replace(db.SQLiteDSN(path), "synchronous%28FULL%29", "synchronous%28"+mode+"%29", 1)
			if !strings.Contains(dsn, "synchronous%28"+mode) {
				b.Fatalf("DSN %s does not set synchronous(%s)", dsn, mode)
			}
			sqlDB, err := sql.Open("sqlite", dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer sqlDB.Close()
			ctx := context.Background()
			if _, err := sqlDB.ExecContext(ctx, "CREATE TABLE a (id INTEGER PRIMARY KEY, body TEXT); CREATE TABLE c (id INTEGER PRIMARY KEY, a_id INTEGER)"); err != nil {
				b.Fatal(err)
			}
			var got string
			if err := sqlDB.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&got); err != nil || got != map[string]string{"NORMAL": "1", "FULL": "2"}[mode] {
				b.Fatalf("synchronous = %s (%v)", got, err)
			}
			body := strings.Repeat("x", 400)
			for b.Loop() {
				tx, err := sqlDB.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				res, err := tx.ExecContext(ctx, "INSERT INTO a (body) VALUES (?)", body)
				if err != nil {
					b.Fatal(err)
				}
				id, _ := res.LastInsertId()
				if _, err := tx.ExecContext(ctx, "INSERT INTO c (a_id) VALUES (?)", id); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
