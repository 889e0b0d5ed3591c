package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/db"
)

// loadAuditConfig reads the audit settings into w; it appends what is
// wrong to errs. HAVEN_AUDIT_KEY has the format of HAVEN_JWT_KEYS
// (kid:base64, at least 32 bytes each, the first MACs, all verify), so it
// shares its parser.
func loadAuditConfig(getenv func(string) string, w *wire.Config, errs *[]string) {
	w.AuditAnchorFile = or(getenv("HAVEN_AUDIT_ANCHOR_FILE"), filepath.Join(w.DataDir, "audit-anchor.log"))
	if spec := getenv("HAVEN_AUDIT_KEY"); spec != "" {
		keys, err := auth.ParseKeys(spec)
		if err != nil {
			msg := strings.ReplaceAll(strings.TrimPrefix(err.Error(), "auth: "), "signing key", "key")
			*errs = append(*errs, "HAVEN_AUDIT_KEY: "+msg)
		}
		for _, k := range keys {
			w.AuditKeys = append(w.AuditKeys, audit.Key{ID: k.ID, Secret: k.Secret})
		}
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
	svcs, err := wire.New(ctx, cfg.Wire, database, log)
	if err != nil {
		return err
	}
	l := svcs.Audit
	if len(files) == 0 {
		if _, err := os.Stat(cfg.Wire.AuditAnchorFile); err == nil {
			files = []string{cfg.Wire.AuditAnchorFile}
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
		fmt.Fprintf(stdout, "warning: without anchors the deletion of the newest entries cannot be detected; pass --anchor FILE (HAVEN_AUDIT_ANCHOR_FILE, default %s, is written by the audit-anchor job)\n", cfg.Wire.AuditAnchorFile)
	}
	return nil
}

func orNone(files []string) string {
	if len(files) == 0 {
		return "no anchor file"
	}
	return strings.Join(files, ", ")
}
