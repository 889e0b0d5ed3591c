package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
)

// Audit keys for these tests (base64 of 32 bytes each).
const (
	auditKeyA1 = "a1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	auditKeyA2 = "a2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
)

// runOut runs haven with getenv and returns its output and error.
func runOut(getenv func(string) string, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, getenv, &out, &errOut)
	return out.String() + errOut.String(), err
}

// withEnv returns getenv with some variables replaced.
func withEnv(getenv func(string) string, kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		return getenv(k)
	}
}

// TestAuditKeyRotationAndLoss: the first key of HAVEN_AUDIT_KEY MACs,
// all verify; a configuration without the key of the newest entries is
// refused, naming it.
func TestAuditKeyRotationAndLoss(t *testing.T) {
	base := env(t, "HAVEN_ENCRYPTION_KEYS", testEncryptionKey)
	withA1 := withEnv(base, "HAVEN_AUDIT_KEY", auditKeyA1)
	if out, err := runOut(withA1, "admin", "create", "-nickname", "eerste"); err != nil {
		t.Fatalf("admin create: %v\n%s", err, out)
	}
	rotated := withEnv(base, "HAVEN_AUDIT_KEY", auditKeyA2+","+auditKeyA1)
	if out, err := runOut(rotated, "admin", "create", "-nickname", "tweede"); err != nil {
		t.Fatalf("admin create after rotation: %v\n%s", err, out)
	}
	out, err := runOut(rotated, "audit", "verify")
	if err != nil || !strings.Contains(out, "with key ids a1, a2") {
		t.Fatalf("verify with both keys: %v\n%s", err, out)
	}
	_, err = runOut(withA1, "audit", "verify")
	if err == nil || !strings.Contains(err.Error(), `key id "a2"`) {
		t.Errorf("verify without the newest key: %v; want a2 named", err)
	}
	_, err = runOut(withEnv(base, "HAVEN_AUDIT_KEY", auditKeyA2), "audit", "verify")
	if err == nil || !strings.Contains(err.Error(), `key id "a1"`) {
		t.Errorf("verify without the older key: %v; want a1 named", err)
	}
	_, err = runOut(withEnv(base, "HAVEN_AUDIT_KEY", "a1:c2hvcnQ="), "migrate")
	if err == nil || !strings.Contains(err.Error(), "HAVEN_AUDIT_KEY: key \"a1\" must be at least 32 bytes") {
		t.Errorf("short key: %v", err)
	}
}

// TestAuditKeyDefaults: SQLite generates a key file next to the database
// and refuses to replace a lost one; PostgreSQL requires HAVEN_AUDIT_KEY.
func TestAuditKeyDefaults(t *testing.T) {
	getenv := withEnv(env(t, "HAVEN_ENCRYPTION_KEYS", testEncryptionKey), "HAVEN_AUDIT_KEY", "")
	if dbtest.Dialect() == db.Postgres {
		_, err := runOut(getenv, "admin", "create", "-nickname", "eerste")
		if err == nil || !strings.Contains(err.Error(), "HAVEN_AUDIT_KEY is required with PostgreSQL") {
			t.Fatalf("PostgreSQL without HAVEN_AUDIT_KEY: %v", err)
		}
		return
	}
	if out, err := runOut(getenv, "admin", "create", "-nickname", "eerste"); err != nil || !strings.Contains(out, "generated the audit log's key") {
		t.Fatalf("admin create: %v\n%s", err, out)
	}
	keyFile := filepath.Join(getenv("HAVEN_DATA_DIR"), "audit.key")
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode().Perm())
	}
	kid, _, _ := strings.Cut(string(key), ":")
	if out, err := runOut(getenv, "audit", "verify"); err != nil || !strings.Contains(out, "with key ids "+kid) {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"audit", "verify"}, {"admin", "create", "-nickname", "tweede"}} {
		_, err = runOut(getenv, args...)
		if err == nil || !strings.Contains(err.Error(), `key id "`+kid+`"`) || !strings.Contains(err.Error(), "audit.key is missing") {
			t.Errorf("%v with the key file lost: %v; want a refusal naming %s", args, err, kid)
		}
	}
	if _, err := os.Stat(keyFile); err == nil {
		t.Error("a new key file was generated over a lost one")
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runOut(getenv, "audit", "verify"); err != nil {
		t.Fatalf("verify with the key restored: %v\n%s", err, out)
	}
}

// openAs opens the database getenv points at.
func openAs(t *testing.T, getenv func(string) string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Config{URL: getenv("DATABASE_URL"), DataDir: getenv("HAVEN_DATA_DIR")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// deleteNewestAuditEntries deletes the newest n entries after dropping
// the trigger that forbids it, as the database owner could.
func deleteNewestAuditEntries(t *testing.T, d *db.DB, n int) {
	t.Helper()
	stmts := []string{"DROP TRIGGER audit_entries_no_delete"}
	if d.Dialect == db.Postgres {
		stmts = []string{"DROP TRIGGER audit_entries_no_update ON audit_entries"}
	}
	stmts = append(stmts, fmt.Sprintf("DELETE FROM audit_entries WHERE seq > (SELECT MAX(seq) FROM audit_entries) - %d", n))
	for _, s := range stmts {
		if err := d.Exec(s).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// TestAuditAnchorJobAndVerify: `haven run-job audit-anchor` writes the
// head to the log and the anchor file once per move; `haven audit verify`
// reads that file by default (or --anchor files, log archives too) and
// fails, exiting non-zero, when the newest entries were deleted.
func TestAuditAnchorJobAndVerify(t *testing.T) {
	getenv := withEnv(env(t, "HAVEN_ENCRYPTION_KEYS", testEncryptionKey), "HAVEN_LOG_FORMAT", "json")
	anchorFile := filepath.Join(getenv("HAVEN_DATA_DIR"), "audit-anchor.log")
	for _, nick := range []string{"eerste", "tweede"} {
		if out, err := runOut(getenv, "admin", "create", "-nickname", nick); err != nil {
			t.Fatalf("admin create: %v\n%s", err, out)
		}
	}
	out, err := runOut(getenv, "audit", "verify")
	if err != nil || !strings.Contains(out, "0 anchors checked from no anchor file") || !strings.Contains(out, "warning: without anchors") {
		t.Fatalf("verify before any anchor: %v\n%s", err, out)
	}

	var logs bytes.Buffer
	if err := run(context.Background(), []string{"run-job", "audit-anchor"}, getenv, io.Discard, &logs); err != nil {
		t.Fatalf("run-job audit-anchor: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"audit anchor"`) || !strings.Contains(logs.String(), `"kid":"`) {
		t.Errorf("no structured anchor log line:\n%s", logs.String())
	}
	logFile := filepath.Join(t.TempDir(), "haven.log")
	if err := os.WriteFile(logFile, logs.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runOut(getenv, "run-job", "audit-anchor"); err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	b, err := os.ReadFile(anchorFile)
	if err != nil || strings.Count(string(b), "\n") != 1 {
		t.Fatalf("anchor file after two runs on one head: %q, %v; want one line", b, err)
	}

	out, err = runOut(getenv, "audit", "verify")
	if err != nil || !strings.Contains(out, "1 anchors checked from "+anchorFile) {
		t.Fatalf("verify with the default anchor file: %v\n%s", err, out)
	}
	out, err = runOut(getenv, "audit", "verify", "--anchor", logFile, "--anchor", anchorFile)
	if err != nil || !strings.Contains(out, "2 anchors checked") {
		t.Fatalf("verify with the log as anchors: %v\n%s", err, out)
	}

	deleteNewestAuditEntries(t, openAs(t, getenv), 1)
	_, err = runOut(getenv, "audit", "verify")
	if err == nil || !strings.Contains(err.Error(), "the newest entries were deleted") {
		t.Errorf("verify after deleting the newest entry: %v", err)
	}
	_, err = runOut(getenv, "audit", "verify", "--anchor", logFile)
	if err == nil || !strings.Contains(err.Error(), "haven.log:") {
		t.Errorf("verify against the log's anchor: %v; want the anchor's line named", err)
	}
	_, err = runOut(getenv, "run-job", "audit-anchor")
	if err == nil || !strings.Contains(err.Error(), "chain is broken") {
		t.Errorf("anchor job after the deletion: %v", err)
	}
	_, err = runOut(getenv, "audit", "verify", "--anchor", filepath.Join(t.TempDir(), "missing.log"))
	if err == nil || !strings.Contains(err.Error(), "missing.log") {
		t.Errorf("verify with a missing anchor file: %v", err)
	}
}
