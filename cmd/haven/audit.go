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
	"github.com/haven-mh/haven/db/jobs"
	"github.com/haven-mh/haven/db/seal"
)

// auditConfig is the part of the configuration about the audit log.
type auditConfig struct {
	Keys       []audit.Key // HAVEN_AUDIT_KEY
	AnchorFile string      // HAVEN_AUDIT_ANCHOR_FILE
}

// loadAuditConfig reads the audit settings; it appends what is wrong to
// errs. HAVEN_AUDIT_KEY has the format of HAVEN_JWT_KEYS (kid:base64,
// at least 32 bytes each, the first MACs, all verify), so it shares its
// parser.
func loadAuditConfig(getenv func(string) string, dataDir string, errs *[]string) auditConfig {
	c := auditConfig{AnchorFile: or(getenv("HAVEN_AUDIT_ANCHOR_FILE"), filepath.Join(dataDir, "audit-anchor.log"))}
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

// auditAnchorJob copies the audit chain's head out of the database every
// five minutes (once per slot across replicas): to the structured log, at
// info, and as a line of the anchor file. A run that finds the chain cut
// or changed since the file's last anchor fails, and the job runner logs
// the error.
func auditAnchorJob(cfg config, l *audit.Log, log *slog.Logger) jobs.Job {
	file := audit.NewAnchorFile(cfg.Audit.AnchorFile)
	return jobs.Job{
		Name:     "audit-anchor",
		Schedule: "*/5 * * * *",
		Run: func(ctx context.Context, now time.Time) error {
			a, wrote, err := l.Anchor(ctx, file, now)
			switch {
			case err != nil:
				return fmt.Errorf("%w (anchor file %s)", err, file.Path())
			case wrote:
				log.LogAttrs(ctx, slog.LevelInfo, audit.AnchorLogMessage, append(a.Attrs(), slog.String("file", file.Path()))...)
			default:
				log.DebugContext(ctx, "audit head unchanged since the last anchor", "seq", a.Seq, "file", file.Path())
			}
			return nil
		},
	}
}

// anchorFiles is the repeatable --anchor flag of `haven audit verify`.
type anchorFiles []string

func (f *anchorFiles) String() string     { return strings.Join(*f, ",") }
func (f *anchorFiles) Set(v string) error { *f = append(*f, v); return nil }

// auditVerify checks the audit log's keyed chain and its anchors (`haven
// audit verify`): the anchor files named with --anchor, or else
// HAVEN_AUDIT_ANCHOR_FILE when it exists. Any failure is an error, so the
// command exits non-zero.
func auditVerify(ctx context.Context, cfg config, database *db.DB, log *slog.Logger, files []string, stdout io.Writer) error {
	l, err := newAuditLog(cfg, database, log)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		if _, err := os.Stat(cfg.Audit.AnchorFile); err == nil {
			files = []string{cfg.Audit.AnchorFile}
		}
	}
	var anchors []audit.Anchor
	for _, f := range files {
		a, err := audit.ReadAnchorFile(f)
		if err != nil {
			return fmt.Errorf("audit verify: %w", err)
		}
		anchors = append(anchors, a...)
	}
	rep, err := l.Verify(ctx, anchors...)
	if err != nil {
		return fmt.Errorf("audit verify: %w (after %d good entries, %d anchors from %s)", err, rep.Entries, len(anchors), orNone(files))
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries, MAC chain verified", rep.Entries)
	if len(rep.KeyIDs) > 0 {
		fmt.Fprintf(stdout, " with key ids %s", strings.Join(rep.KeyIDs, ", "))
	}
	if rep.Legacy > 0 {
		fmt.Fprintf(stdout, "; entries 1–%d predate the keyed chain (plain SHA-256, vouched for by the anchors)", rep.Legacy)
	}
	fmt.Fprintf(stdout, "; %d anchors checked from %s", rep.Anchors, orNone(files))
	if rep.Anchors > 0 {
		fmt.Fprintf(stdout, ", the newest for entry %d", rep.AnchoredSeq)
	}
	fmt.Fprintln(stdout)
	if rep.Anchors == 0 {
		fmt.Fprintf(stdout, "warning: without anchors the deletion of the newest entries cannot be detected; pass --anchor FILE (HAVEN_AUDIT_ANCHOR_FILE, default %s, is written by the audit-anchor job)\n", cfg.Audit.AnchorFile)
	}
	return nil
}

func orNone(files []string) string {
	if len(files) == 0 {
		return "no anchor file"
	}
	return strings.Join(files, ", ")
}
