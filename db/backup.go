package db

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrBackupPostgres: `haven backup` copies the embedded SQLite database;
// PostgreSQL is backed up with its own tools (pg_dump; README, Backups and
// restores).
var ErrBackupPostgres = errors.New("db: haven backup copies the SQLite database; back PostgreSQL up with pg_dump (README: Backups and restores)")

// BackupInto writes a consistent copy of the SQLite database to path while
// Haven keeps running: VACUUM INTO reads one snapshot in one read
// transaction, so writers go on and the copy holds every transaction
// committed before it started and none after. The file is created new
// (never over an existing one), 0600, and synced with its directory. On
// failure nothing is left at path.
func (d *DB) BackupInto(ctx context.Context, path string) (err error) {
	if d.Dialect != SQLite {
		return ErrBackupPostgres
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	_ = f.Close()
	defer func() {
		if err != nil {
			_ = os.Remove(path)
		}
	}()
	if err := d.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	for _, p := range []string{path, filepath.Dir(path)} {
		if err := syncPath(p); err != nil {
			return fmt.Errorf("db: backup: %w", err)
		}
	}
	return nil
}

func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
