package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/seal"
)

// backupCmd is `haven backup [-keys FILE] BACKUP`: a consistent copy of
// the SQLite database taken while Haven runs, and, with -keys, the
// encryption keys it needs in a file of their own (keep the two apart: a
// backup is only as private as its keys are kept from it). On PostgreSQL it
// explains the pg_dump procedure instead.
func backupCmd(ctx context.Context, cfg config, database *db.DB, log *slog.Logger, keysFile, out string, stdout io.Writer) error {
	if database.Dialect != db.SQLite {
		return fmt.Errorf("%w:\n  pg_dump --format=custom --file=haven-$(date +%%F).dump \"$DATABASE_URL\"\n"+
			"and keep HAVEN_ENCRYPTION_KEYS (every key id the data uses) in a safe place of its own", db.ErrBackupPostgres)
	}
	if out == "" {
		return errors.New("backup: name the backup file: haven backup [-keys FILE] BACKUP")
	}
	// The keys must open the data before a backup of it is worth taking.
	svcs, err := wire.New(ctx, cfg.Wire, database, log)
	if err != nil {
		return err
	}
	used, err := wire.SealedKeyIDs(ctx, database)
	if err != nil {
		return err
	}
	if err := database.BackupInto(ctx, out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written: %s (one consistent snapshot of the SQLite database, mode 0600)\n", out)
	if len(used) == 0 {
		used = []string{"(none yet)"}
	}
	if keysFile != "" {
		if err := seal.WriteKeyFile(keysFile, svcs.Keys); err != nil {
			return fmt.Errorf("backup: the database is backed up, but its keys are not: %w", err)
		}
		fmt.Fprintf(stdout, "encryption keys written: %s (the data uses key ids %s); keep it apart from the backup\n", keysFile, strings.Join(used, ", "))
		return nil
	}
	fmt.Fprintf(stdout, "the backup can be read only with the encryption keys %s: keep a copy of HAVEN_ENCRYPTION_KEYS or %s/encryption.key apart from it (or run with -keys FILE)\n",
		strings.Join(used, ", "), cfg.DataDir)
	return nil
}
