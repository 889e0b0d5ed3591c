package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/modules"
)

// backupSite is a running Haven whose data a test backs up while it writes.
type backupSite struct {
	t       *testing.T
	svcs    *wire.Services
	handler http.Handler
	clients []string // user ids
	coord   string   // coordinator nickname
	secret  string   // its TOTP secret
	clock   *wiretest.Clock
	keys    atomic.Int64 // idempotency keys used: load-0 … load-(n-1)
}

const backupPassword = "lange zin als wachtwoord"

func newBackupSite(t *testing.T, d *db.DB, cfg wire.Config, clock *wiretest.Clock) *backupSite {
	t.Helper()
	ctx := context.Background()
	wiretest.SetMail(&cfg) // its clients opt in to reminder e-mail: a deployment that sends mail
	svcs, err := wire.New(ctx, cfg, d, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(config{DefaultLanguage: "en", MaxBodyBytes: 64 << 10}, svcs, svcs.DB, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return &backupSite{t: t, svcs: svcs, handler: h, clock: clock, coord: "coordinator"}
}

// seed creates clients who started the course and a coordinator with a
// second factor (a sealed TOTP secret).
func (s *backupSite) seed() {
	s.t.Helper()
	ctx := context.Background()
	for i := range 3 {
		res, err := s.svcs.Auth.Sessions.SignUp(ctx, auth.Meta{Source: fmt.Sprint("seed", i)}, fmt.Sprint("client", i), backupPassword)
		if err != nil {
			s.t.Fatal(err)
		}
		if _, err := s.svcs.Selfhelp.Start(ctx, res.User.ID, "depression"); err != nil {
			s.t.Fatal(err)
		}
		if err := s.svcs.Selfhelp.SetNudgeEmail(ctx, res.User.ID, "depression", fmt.Sprintf("client%d@example.be", i), "nl"); err != nil {
			s.t.Fatal(err)
		}
		s.clients = append(s.clients, res.User.ID)
	}
	if _, err := s.svcs.Auth.Staff.CreateAdmin(ctx, s.coord, backupPassword); err != nil {
		s.t.Fatal(err)
	}
	login, err := s.svcs.Auth.Sessions.Login(ctx, auth.Meta{Source: "seed"}, s.coord, backupPassword)
	if err != nil {
		s.t.Fatal(err)
	}
	en, err := s.svcs.Auth.Sessions.StartEnrolment(ctx, login.Challenge)
	if err != nil {
		s.t.Fatal(err)
	}
	s.secret = en.Secret
	if _, err := s.svcs.Auth.Sessions.ConfirmEnrolment(ctx, auth.Meta{Source: "seed"}, login.Challenge, wiretest.TOTPCode(en.Secret, s.clock.Now())); err != nil {
		s.t.Fatal(err)
	}
}

func loadBody(i int64) string {
	var answers []string
	for item := 1; item <= 9; item++ {
		answers = append(answers, fmt.Sprintf(`{"item":"phq9_%d","value":%d}`, item, (int(i)+item)%4))
	}
	return `{"language":"nl","answers":[` + strings.Join(answers, ",") + `]}`
}

func (s *backupSite) submit(h http.Handler, i int64) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/api/v1/selftest/instruments/phq9/submissions", strings.NewReader(loadBody(i)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", fmt.Sprint("load-", i))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// load writes sealed data without pause until stop: diary notes, step
// answers and self-tests with Idempotency-Keys (their answers are sealed).
func (s *backupSite) load() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		today := s.svcs.Selfhelp.Today()
		for i := 0; ctx.Err() == nil; i++ {
			uid := s.clients[i%len(s.clients)]
			day := today.AddDate(0, 0, -(i % 300)).Format(time.DateOnly)
			if _, err := s.svcs.Selfhelp.SaveDiary(ctx, uid, modules.DiaryEntry{Day: day, Mood: i % 11, Note: fmt.Sprint("note ", i)}); err != nil && ctx.Err() == nil {
				s.t.Errorf("load: diary: %v", err)
				return
			}
			if i%len(s.clients) == 0 {
				if _, err := s.svcs.Selfhelp.OpenLesson(ctx, uid, "depression", "understanding"); err != nil && ctx.Err() == nil {
					s.t.Errorf("load: open lesson: %v", err)
					return
				}
				if _, err := s.svcs.Selfhelp.SaveStep(ctx, uid, "depression", "understanding", "welcome", modules.Values{}, false); err != nil && ctx.Err() == nil {
					s.t.Errorf("load: step: %v", err)
					return
				}
			}
			n := s.keys.Add(1) - 1
			if w := s.submit(s.handler, n); w.Code != http.StatusCreated && ctx.Err() == nil {
				s.t.Errorf("load: submit: %d %s", w.Code, w.Body.String())
				return
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}

func countRows(t *testing.T, d *db.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := d.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

var sealedTables = []string{"selfhelp_diary_entries", "selfhelp_answers", "selfhelp_enrolments", "idempotency_keys", "users"}

// verifyRestored reads every sealed value of the restored copy back
// through the services: each client's export (diary notes, step answers,
// questionnaires, reminder addresses), each answer kept for a retry (the
// same request is answered from it), and the coordinator's TOTP secret (a
// sign-in with a code).
func (s *backupSite) verifyRestored(restored *backupSite, before map[string]int64) {
	t := s.t
	ctx := context.Background()
	d := restored.svcs.DB
	for _, table := range sealedTables {
		n, atEnd := countRows(t, d, table), countRows(t, s.svcs.DB, table)
		if n < before[table] || n > atEnd {
			t.Errorf("%s: %d rows restored; the backup began with %d and the source ended with %d", table, n, before[table], atEnd)
		}
	}
	var diaries int
	for _, uid := range s.clients {
		ex, err := restored.svcs.Selfhelp.ExportUser(ctx, uid)
		if err != nil {
			t.Fatalf("restored export of %s: %v", uid, err)
		}
		e := ex.(modules.Export)
		diaries += len(e.Diary)
		if len(e.Enrolments) != 1 || !strings.HasSuffix(e.Enrolments[0].NudgeEmail, "@example.be") {
			t.Errorf("restored enrolment of %s: %+v", uid, e.Enrolments)
		}
	}
	if want := countRows(t, d, "selfhelp_diary_entries"); int64(diaries) != want || want == 0 {
		t.Errorf("%d diary entries read back, %d restored", diaries, want)
	}
	kept := countRows(t, d, "idempotency_keys")
	replayed := int64(0)
	for i := range s.keys.Load() {
		w := s.submit(restored.handler, i)
		if w.Code != http.StatusCreated {
			t.Fatalf("restored: submit %d again: %d %s", i, w.Code, w.Body.String())
		}
		if w.Header().Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	if replayed != kept || kept == 0 {
		t.Errorf("%d answers kept for retries were restored, %d replayed", kept, replayed)
	}
	restored.clock.Add(time.Minute) // a fresh TOTP step
	login, err := restored.svcs.Auth.Sessions.Login(ctx, auth.Meta{Source: "restore"}, s.coord, backupPassword)
	if err != nil || login.Status != auth.LoginMFARequired {
		t.Fatalf("restored coordinator sign-in: %+v %v", login, err)
	}
	if _, err := restored.svcs.Auth.Sessions.VerifyMFA(ctx, auth.Meta{Source: "restore"}, login.Challenge, wiretest.TOTPCode(s.secret, restored.clock.Now())); err != nil {
		t.Errorf("restored TOTP secret: %v", err)
	}
}

func rowCounts(t *testing.T, d *db.DB) map[string]int64 {
	out := map[string]int64{}
	for _, table := range sealedTables {
		out[table] = countRows(t, d, table)
	}
	return out
}

// TestBackupUnderLoadAndRestore follows README's "Backups and restores" on
// the embedded SQLite database: `haven backup -keys` while Haven writes
// sealed data without pause, then a restore into a fresh data directory
// with the keys file, where every sealed value reads back.
func TestBackupUnderLoadAndRestore(t *testing.T) {
	ctx := context.Background()
	dataDir, outDir := t.TempDir(), t.TempDir()
	getenv := func(k string) string {
		return map[string]string{"HAVEN_DATA_DIR": dataDir, "HAVEN_JOBS": "false"}[k]
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	clock := wiretest.NewClock(time.Now())
	cfg.Wire.Now = clock.Now
	src, err := db.Open(ctx, db.Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dbtest.Migrated(t, src)
	site := newBackupSite(t, src, cfg.Wire, clock) // generates encryption.key
	site.seed()
	stop := site.load()
	time.Sleep(300 * time.Millisecond)
	before := rowCounts(t, src)
	backup, keys := filepath.Join(outDir, "haven-backup.db"), filepath.Join(outDir, "haven-keys")
	var out bytes.Buffer
	if err := run(ctx, []string{"backup", "-keys", keys, backup}, getenv, &out, io.Discard); err != nil {
		stop()
		t.Fatalf("haven backup: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	stop()
	if !strings.Contains(out.String(), "backup written") || !strings.Contains(out.String(), "encryption keys written") {
		t.Errorf("backup output: %s", out.String())
	}
	for _, f := range []string{backup, keys} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", f, fi, err)
		}
	}
	if err := run(ctx, []string{"backup", backup}, getenv, io.Discard, io.Discard); err == nil {
		t.Error("a backup over an existing file was not refused")
	}

	// Restore: the backup becomes haven.db of a fresh data directory, and
	// the keys file becomes HAVEN_ENCRYPTION_KEYS.
	restoredDir := t.TempDir()
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restoredDir, "haven.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	keySpec, err := os.ReadFile(keys)
	if err != nil {
		t.Fatal(err)
	}
	restoredEnv := func(k string) string {
		return map[string]string{"HAVEN_DATA_DIR": restoredDir, "HAVEN_MIGRATE_ON_START": "false",
			"HAVEN_ENCRYPTION_KEYS": strings.TrimSpace(string(keySpec))}[k]
	}
	// Without the audit log's key (kept apart from the backups) the
	// restored copy refuses to start; with it, the chain verifies.
	if err := run(ctx, []string{"audit", "verify"}, restoredEnv, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "audit.key is missing") {
		t.Fatalf("a restore without the audit key: %v, want a refusal naming audit.key", err)
	}
	auditKey, err := os.ReadFile(filepath.Join(dataDir, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restoredDir, "audit.key"), auditKey, 0o600); err != nil {
		t.Fatal(err)
	}
	var verified bytes.Buffer
	if err := run(ctx, []string{"audit", "verify"}, restoredEnv, &verified, io.Discard); err != nil {
		t.Fatalf("the restored copy does not start: %v", err)
	}
	rcfg, err := loadConfig(restoredEnv)
	if err != nil {
		t.Fatal(err)
	}
	rclock := wiretest.NewClock(clock.Now())
	rcfg.Wire.Now = rclock.Now
	rdb, err := db.Open(ctx, db.Config{DataDir: restoredDir})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	site.verifyRestored(newBackupSite(t, rdb, rcfg.Wire, rclock), before)
}

// TestPostgresBackupUnderLoadAndRestore follows README's procedure for
// PostgreSQL: pg_dump while Haven writes, pg_restore into a new database,
// the same HAVEN_ENCRYPTION_KEYS, and every sealed value reads back.
// `haven backup` itself refuses PostgreSQL, naming pg_dump.
func TestPostgresBackupUnderLoadAndRestore(t *testing.T) {
	base := dbtest.PostgresBase(t)
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed: CI must run this test", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	ctx := context.Background()
	srcURL := dbtest.PostgresURL(t, base)
	const keySpec = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	getenv := func(k string) string {
		return map[string]string{"DATABASE_URL": srcURL, "HAVEN_ENCRYPTION_KEYS": keySpec, "HAVEN_AUDIT_KEY": auditKeyA1, "HAVEN_JOBS": "false"}[k]
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	clock := wiretest.NewClock(time.Now())
	cfg.Wire.Now = clock.Now
	src, err := db.Open(ctx, db.Config{URL: srcURL})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dbtest.Migrated(t, src)
	if err := run(ctx, []string{"backup", filepath.Join(t.TempDir(), "x")}, getenv, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("haven backup on PostgreSQL: %v, want the pg_dump procedure", err)
	}
	site := newBackupSite(t, src, cfg.Wire, clock)
	site.seed()
	stop := site.load()
	time.Sleep(300 * time.Millisecond)
	before := rowCounts(t, src)

	u, _ := url.Parse(srcURL)
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	dump := filepath.Join(t.TempDir(), "haven.dump")
	outb, err := exec.Command("pg_dump", "--format=custom", "--schema="+schema, "--file="+dump, u.String()).CombinedOutput()
	time.Sleep(200 * time.Millisecond)
	stop()
	if err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, outb)
	}

	restoredDB := "haven_restore_" + strings.TrimPrefix(schema, "t_")
	admin, err := db.Open(ctx, db.Config{URL: base, MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	if err := admin.Exec("CREATE DATABASE " + restoredDB).Error; err != nil {
		t.Fatal(err)
	}
	ru := *u
	ru.Path = "/" + restoredDB
	t.Cleanup(func() {
		// Dropping a database waits for a checkpoint, which on a busy
		// machine takes longer than Haven's query deadline: no deadline
		// for this administrative statement (one connection: the same
		// session).
		if err := admin.Exec("SET statement_timeout = 0").Error; err != nil {
			t.Errorf("lift the statement timeout: %v", err)
		}
		if err := admin.Exec("DROP DATABASE IF EXISTS " + restoredDB + " WITH (FORCE)").Error; err != nil {
			t.Errorf("drop the restored database: %v", err)
		}
	})
	if outb, err := exec.Command("pg_restore", "--no-owner", "--exit-on-error", "--dbname="+ru.String(), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, outb)
	}
	rq := ru.Query()
	rq.Set("search_path", schema)
	ru.RawQuery = rq.Encode()
	rdb, err := db.Open(ctx, db.Config{URL: ru.String()})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if err := db.CheckSchema(ctx, rdb); err != nil {
		t.Fatalf("restored schema: %v", err)
	}
	keys, err := seal.ParseKeys(keySpec)
	if err != nil {
		t.Fatal(err)
	}
	rcfg := cfg.Wire
	rclock := wiretest.NewClock(clock.Now())
	rcfg.Now, rcfg.EncryptionKeys = rclock.Now, keys
	site.verifyRestored(newBackupSite(t, rdb, rcfg, rclock), before)
}
