package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/seal"
)

// auditConfig is the part of the configuration about the audit log.
type auditConfig struct {
	Keys []audit.Key // HAVEN_AUDIT_KEY
}

// loadAuditConfig reads the audit settings; it appends what is wrong to
// errs. HAVEN_AUDIT_KEY has the format of HAVEN_JWT_KEYS (kid:base64,
// at least 32 bytes each, the first MACs, all verify), so it shares its
// parser.
func loadAuditConfig(getenv func(string) string, errs *[]string) auditConfig {
	var c auditConfig
	if spec := getenv("HAVEN_AUDIT_KEY"); spec != "" {
		keys, err := auth.ParseKeys(spec)
		if err != nil {
			msg := strings.ReplaceAll(strings.TrimPrefix(err.Error(), "auth: "), "signing key", "key")
			*errs = append(*errs, "HAVEN_AUDIT_KEY: "+msg)
		}
		for _, k := range keys {
			c.Keys = append(c.Keys, audit.Key{ID: k.ID, Secret: k.Secret})
		}
	}
	return c
}

// auditKeyFile is where the zero-setup SQLite default keeps its generated
// audit key.
const auditKeyFile = "audit.key"

// newAuditLog opens the audit log with its keys and refuses to go on when
// the newest entries were MACed with a key it lacks.
func newAuditLog(cfg config, database *db.DB, log *slog.Logger) (*audit.Log, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	keys, err := auditKeys(ctx, cfg, database, log)
	if err != nil {
		return nil, err
	}
	l, err := audit.NewLog(database.DB, keys, time.Now)
	if err != nil {
		return nil, fmt.Errorf("configuration: HAVEN_AUDIT_KEY: %w", err)
	}
	if err := l.CheckKeys(ctx); err != nil {
		return nil, fmt.Errorf("configuration: HAVEN_AUDIT_KEY: %w", err)
	}
	return l, nil
}

// auditKeys returns HAVEN_AUDIT_KEY or, on the embedded SQLite default
// without it, the key in $HAVEN_DATA_DIR/audit.key, generated at first
// start. It never generates one for a log that already has keyed entries:
// their key was lost, and a new one would only hide that. PostgreSQL
// deployments must set the key; it belongs in a secret store, not beside
// the database.
func auditKeys(ctx context.Context, cfg config, database *db.DB, log *slog.Logger) ([]audit.Key, error) {
	if len(cfg.Audit.Keys) > 0 {
		return cfg.Audit.Keys, nil
	}
	if database.Dialect != db.SQLite {
		return nil, errors.New("configuration: HAVEN_AUDIT_KEY is required with PostgreSQL (kid:base64 of at least 32 random bytes, e.g. `a1:$(openssl rand -base64 32)`); keep it outside the database and its backups")
	}
	path := filepath.Join(cfg.DataDir, auditKeyFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		kid, err := audit.NewestKeyID(ctx, database.DB)
		if err != nil {
			return nil, err
		}
		if kid != "" {
			return nil, fmt.Errorf("configuration: the audit log is MACed with key id %q but %s is missing and HAVEN_AUDIT_KEY is not set: restore that key (Haven will not generate a new one, which would hide the loss)", kid, path)
		}
	}
	sealKeys, created, err := seal.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	if created {
		log.Warn("HAVEN_AUDIT_KEY is not set: generated the audit log's key next to the SQLite database; keep a copy apart from the database's backups", "file", path)
	}
	keys := make([]audit.Key, len(sealKeys))
	for i, k := range sealKeys {
		keys[i] = audit.Key{ID: k.ID, Secret: k.Secret}
	}
	return keys, nil
}

// auditVerify checks the audit log's keyed chain (`haven audit verify`).
func auditVerify(ctx context.Context, cfg config, database *db.DB, log *slog.Logger, stdout io.Writer) error {
	l, err := newAuditLog(cfg, database, log)
	if err != nil {
		return err
	}
	rep, err := l.Verify(ctx)
	if err != nil {
		return fmt.Errorf("audit verify: %w (after %d good entries)", err, rep.Entries)
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries, MAC chain verified", rep.Entries)
	if len(rep.KeyIDs) > 0 {
		fmt.Fprintf(stdout, " with key ids %s", strings.Join(rep.KeyIDs, ", "))
	}
	if rep.Legacy > 0 {
		fmt.Fprintf(stdout, "; entries 1–%d predate the keyed chain (plain SHA-256)", rep.Legacy)
	}
	fmt.Fprintln(stdout)
	return nil
}
