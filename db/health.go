package db

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
)

// Ready reports whether the database can serve requests, writes included;
// /readyz asks it (under a short deadline of its own) so that a load
// balancer stops sending traffic to a replica whose database cannot take
// a self-test or a saved answer, instead of letting every write fail.
//
// PostgreSQL: one round trip that also asks whether the server is a
// standby in recovery or the session is read-only (either refuses every
// write). It does not write: probes every few seconds from every replica
// would otherwise add write-ahead-log traffic of their own, and a full
// disk on the server is the database's to report (writes then fail with
// SQLSTATE 53100, which is answered 503, not 500).
//
// SQLite: the free space of the data directory's file system must stay
// above the configured floor (a full disk fails every commit and every
// checkpoint), and the write lock must be obtainable within the deadline
// (BEGIN IMMEDIATE, rolled back at once: it writes nothing), so a stuck
// writer or a database that cannot be locked for writing shows.
func (d *DB) Ready(ctx context.Context) error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return fmt.Errorf("db: %w", err)
	}
	switch d.Dialect {
	case Postgres:
		var recovery bool
		var readOnly string
		err := sqlDB.QueryRowContext(ctx, "SELECT pg_is_in_recovery(), current_setting('transaction_read_only')").Scan(&recovery, &readOnly)
		if err != nil {
			return fmt.Errorf("db: not ready: %w", markUnavailable(err))
		}
		if recovery || readOnly == "on" {
			return errors.New("db: not ready: the database is read-only (a standby in recovery, or default_transaction_read_only)")
		}
	case SQLite:
		dir := filepath.Dir(d.Path)
		if free, ok := freeBytes(dir); ok && free < d.minFree {
			return fmt.Errorf("db: not ready: %d MiB free in %s, below the %d MiB kept for writes (HAVEN_SQLITE_MIN_FREE_MB)",
				free>>20, dir, d.minFree>>20)
		}
		tx, err := sqlDB.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock): takes the write lock
		if err != nil {
			return fmt.Errorf("db: not ready: cannot take the write lock: %w", markUnavailable(err))
		}
		if err := tx.Rollback(); err != nil {
			return fmt.Errorf("db: not ready: %w", markUnavailable(err))
		}
	}
	return nil
}

// Checkpoint copies the SQLite write-ahead log into the database file and
// truncates the log (wal_checkpoint(TRUNCATE); journal_size_limit caps
// what a checkpoint that cannot reset the log leaves). SQLite's automatic
// checkpoints are passive: under steady traffic a reader always holds the
// log, it is never reset and grows without bound until shutdown. The
// sqlite-checkpoint job calls this every minute. On PostgreSQL it does
// nothing.
func (d *DB) Checkpoint(ctx context.Context) error {
	if d.Dialect != SQLite {
		return nil
	}
	var busy, logFrames, done int
	if err := d.WithContext(ctx).Raw("PRAGMA wal_checkpoint(TRUNCATE)").Row().Scan(&busy, &logFrames, &done); err != nil {
		return fmt.Errorf("db: checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("db: checkpoint: could not finish (%d of %d log frames copied): the log was in use; the next run retries", done, logFrames)
	}
	return nil
}
