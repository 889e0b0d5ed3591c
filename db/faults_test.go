package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/kind"
)

// isUnavailable is how the transports see an error: the kind's behaviour.
func isUnavailable(err error) bool {
	var u interface{ Unavailable() bool }
	return errors.As(err, &u) && u.Unavailable()
}

// TestSQLiteFaultsAreUnavailable: a full disk and a write lock held past
// the deadline come out of gorm as *kind.Unavailable (answered 503), while
// a wrong statement, a duplicate key or a missing row do not.
func TestSQLiteFaultsAreUnavailable(t *testing.T) {
	ctx := context.Background()
	d := dbtest.OpenSQLite(t)
	if err := d.Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)").Error; err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := d.DB.DB()

	t.Run("disk full", func(t *testing.T) {
		// max_page_count makes SQLite report SQLITE_FULL ("database or disk
		// is full") exactly as a full file system does.
		err := d.WithContext(ctx).Connection(func(tx *gorm.DB) error {
			var pages int
			if err := tx.Raw("PRAGMA page_count").Scan(&pages).Error; err != nil {
				return err
			}
			if err := tx.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages)).Error; err != nil {
				return err
			}
			defer tx.Exec("PRAGMA max_page_count = 1073741823")
			return tx.Exec("INSERT INTO notes (body) VALUES (?)", strings.Repeat("x", 64<<10)).Error
		})
		if err == nil || !isUnavailable(err) || !strings.Contains(err.Error(), "full") {
			t.Fatalf("insert on a full disk: %v (%T), want *kind.Unavailable", err, err)
		}
	})

	t.Run("write lock held past the deadline", func(t *testing.T) {
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback() //nolint:errcheck
		dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err = d.WithContext(dctx).Transaction(func(tx *gorm.DB) error {
			return tx.Exec("INSERT INTO notes (body) VALUES ('b')").Error
		})
		if !isUnavailable(err) {
			t.Fatalf("write behind a held lock: %v, want *kind.Unavailable", err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("the write waited %v; the deadline was 300ms", took)
		}
	})

	t.Run("not unavailable", func(t *testing.T) {
		if err := d.Exec("INSERT INTO notes (id, body) VALUES (1, 'a')").Error; err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{
			"syntax":    d.Exec("INSERT INTO nowhere VALUES (1)").Error,
			"duplicate": d.Exec("INSERT INTO notes (id, body) VALUES (1, 'a')").Error,
			"not found": d.Table("notes").Where("id = 99").Take(&struct{ ID int }{}).Error,
		} {
			if err == nil || isUnavailable(err) {
				t.Errorf("%s: %v is not an unavailable database", name, err)
			}
		}
		if err := d.Exec("INSERT INTO notes (id, body) VALUES (1, 'a')").Error; !errors.Is(err, gorm.ErrDuplicatedKey) {
			t.Errorf("duplicate key still translates to gorm.ErrDuplicatedKey: %v", err)
		}
	})
}

// TestPostgresFaultsAreUnavailable cuts, stalls and slows the connection
// to PostgreSQL through a proxy: every failure is *kind.Unavailable and
// comes within its deadline, and the pool recovers when the network does.
func TestPostgresFaultsAreUnavailable(t *testing.T) {
	base := dbtest.PostgresBase(t)
	ctx := context.Background()
	d, proxy := dbtest.OpenPostgresVia(t, base, db.Config{MaxOpenConns: 4, ConnectTimeout: time.Second, StatementTimeout: 500 * time.Millisecond})
	ping := func(timeout time.Duration) (time.Duration, error) {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		start := time.Now()
		var one int
		err := d.WithContext(cctx).Raw("SELECT 1").Scan(&one).Error
		return time.Since(start), err
	}
	if _, err := ping(time.Second); err != nil {
		t.Fatal(err)
	}

	proxy.Cut()
	if _, err := ping(2 * time.Second); !isUnavailable(err) {
		t.Errorf("database cut: %v (%T), want *kind.Unavailable", err, err)
	}
	proxy.Restore()
	if _, err := ping(3 * time.Second); err != nil {
		t.Errorf("after the cut is restored: %v", err)
	}

	proxy.Stall()
	took, err := ping(500 * time.Millisecond)
	if !isUnavailable(err) || took > 2*time.Second {
		t.Errorf("database stalled: %v after %v, want *kind.Unavailable within the 500ms deadline", err, took)
	}
	proxy.Restore()
	if _, err := ping(3 * time.Second); err != nil {
		t.Errorf("after the stall: %v", err)
	}

	// statement_timeout: the server cancels a statement the client would
	// have waited for.
	start := time.Now()
	err = d.Exec("SELECT pg_sleep(5)").Error
	if !isUnavailable(err) || time.Since(start) > 3*time.Second {
		t.Errorf("statement past statement_timeout: %v after %v, want 57014 as *kind.Unavailable within 500ms", err, time.Since(start))
	}

	// connect_timeout: a new connection to a stalled server gives up.
	stalled, u := dbtest.NewPostgresFaultProxy(t, dbtest.PostgresURL(t, base))
	stalled.Stall()
	start = time.Now()
	if _, err = db.Open(ctx, db.Config{URL: u, ConnectTimeout: time.Second}); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("connecting to a stalled server: %v after %v, want a failure after connect_timeout (1s)", err, time.Since(start))
	}

	// Slow: 50ms per chunk still answers, within a generous deadline.
	proxy.Slow(50 * time.Millisecond)
	if took, err := ping(5 * time.Second); err != nil || took < 50*time.Millisecond {
		t.Errorf("slow database: %v after %v", err, took)
	}
}

// TestSQLiteFileIsPrivate: haven.db and its -wal and -shm files are 0600,
// and an existing file others could read is made private.
func TestSQLiteFileIsPrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "haven.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(context.Background(), db.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Exec("CREATE TABLE t (x int)").Error; err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
	fresh := t.TempDir()
	d2, err := db.Open(context.Background(), db.Config{DataDir: fresh})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if fi, err := os.Stat(filepath.Join(fresh, "haven.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("a new haven.db: %v %v, want 0600", fi.Mode(), err)
	}
}

// TestSQLiteDurabilitySettings pins the settings README's Benchmarks
// section justifies: synchronous=FULL (2) and a bounded write-ahead log.
func TestSQLiteDurabilitySettings(t *testing.T) {
	d := dbtest.OpenSQLite(t)
	var sync, limit int64
	if err := d.Raw("PRAGMA synchronous").Scan(&sync).Error; err != nil || sync != 2 {
		t.Errorf("synchronous = %d (%v), want 2 (FULL)", sync, err)
	}
	if err := d.Raw("PRAGMA journal_size_limit").Scan(&limit).Error; err != nil || limit != db.JournalSizeLimit {
		t.Errorf("journal_size_limit = %d (%v), want %d", limit, err, db.JournalSizeLimit)
	}
}

// TestCheckpointTruncatesTheLog writes more than a MB while readers keep
// snapshots open, as steady traffic does (the automatic, passive
// checkpoints then never reset the log), and checks that Checkpoint
// empties it.
func TestCheckpointTruncatesTheLog(t *testing.T) {
	ctx := context.Background()
	d := dbtest.OpenSQLite(t)
	if err := d.Exec("CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB)").Error; err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := d.DB.DB()
	reader, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reader.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := reader.QueryRowContext(ctx, "SELECT count(*) FROM blobs").Scan(&n); err != nil { // holds a snapshot
		t.Fatal(err)
	}
	for range 20 {
		if err := d.Exec("INSERT INTO blobs (b) VALUES (zeroblob(65536))").Error; err != nil {
			t.Fatal(err)
		}
	}
	wal := d.Path + "-wal"
	if fi, err := os.Stat(wal); err != nil || fi.Size() < 1<<20 {
		t.Fatalf("the log did not grow behind an open reader (%v, %v): the test proves nothing", fi.Size(), err)
	}
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := d.Checkpoint(cctx); err == nil {
		t.Error("a checkpoint behind an open reader reported success")
	}
	if _, err := reader.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	_ = reader.Close()
	if err := d.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(wal); err != nil || fi.Size() != 0 {
		t.Errorf("the log after a checkpoint: %d bytes (%v), want 0", fi.Size(), err)
	}
}

// TestReady: a database that can take writes is ready; a data directory
// below its free-space floor, a write lock that cannot be had within the
// deadline, or a read-only PostgreSQL session are not.
func TestReady(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		d, err := db.Open(ctx, db.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if err := d.Ready(ctx); err != nil {
			t.Fatalf("fresh database: %v", err)
		}
		full, err := db.Open(ctx, db.Config{DataDir: dir, MinFreeBytes: 1 << 62})
		if err != nil {
			t.Fatal(err)
		}
		defer full.Close()
		if err := full.Ready(ctx); err == nil || !strings.Contains(err.Error(), "MiB free") {
			t.Errorf("below the free-space floor: %v", err)
		}
		sqlDB, _ := d.DB.DB()
		tx, err := sqlDB.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := d.Ready(rctx); err == nil || !kind.IsUnavailable(err) || time.Since(start) > 3*time.Second {
			t.Errorf("write lock held elsewhere: %v after %v", err, time.Since(start))
		}
		_ = tx.Rollback()
	})
	t.Run("postgres", func(t *testing.T) {
		base := dbtest.PostgresBase(t)
		d := dbtest.OpenPostgres(t, base)
		if err := d.Ready(ctx); err != nil {
			t.Fatalf("ready: %v", err)
		}
		ro, err := db.Open(ctx, db.Config{URL: dbtest.PostgresURL(t, base) + "&default_transaction_read_only=on"})
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		if err := ro.Ready(ctx); err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("read-only session: %v", err)
		}
	})
}
