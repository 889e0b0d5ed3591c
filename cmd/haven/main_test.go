package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
)

// env builds a getenv for run: a fresh SQLite data directory, or the
// PostgreSQL test database when TEST_DATABASE_URL is set.
func env(t *testing.T, extra ...string) func(string) string {
	t.Helper()
	m := map[string]string{"HAVEN_DATA_DIR": t.TempDir(), "HAVEN_ADDR": "127.0.0.1:0", "HAVEN_SHUTDOWN_DRAIN": "0"}
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		m["DATABASE_URL"] = dbtest.PostgresURL(t, u)
		// PostgreSQL deployments must bring their own encryption key.
		m["HAVEN_ENCRYPTION_KEYS"] = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		m["HAVEN_AUDIT_KEY"] = "a1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestRunCommands(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		stdout  string
		stderr  string
	}{
		{"version", []string{"version"}, "", "haven dev", ""},
		{"help", []string{"-h"}, "", "Commands:", ""},
		{"no command", nil, "no command given", "Usage:", ""},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`, "", "Usage:"},
		{"serve -h", []string{"serve", "-h"}, "help requested", "", "HAVEN_ADDR"},
		{"migrate -h", []string{"migrate", "-h"}, "help requested", "", "migrations"},
		{"bad flag", []string{"migrate", "--nope"}, "flag provided but not defined", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, env(t), &out, &errOut)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errOut.String(), tt.stderr) {
				t.Errorf("stdout %q / stderr %q", out.String(), errOut.String())
			}
		})
	}
}

func TestMigrateCommandIsIdempotent(t *testing.T) {
	getenv := env(t)
	for i := range 2 {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"migrate"}, getenv, &out, &errOut); err != nil {
			t.Fatalf("migrate run %d: %v\n%s", i+1, err, errOut.String())
		}
		if !strings.Contains(errOut.String(), "database migrated") {
			t.Errorf("run %d log: %s", i+1, errOut.String())
		}
	}
}

func TestRunRejectsBadConfiguration(t *testing.T) {
	tests := map[string][]string{
		"log level":        {"HAVEN_LOG_LEVEL", "loud"},
		"log format":       {"HAVEN_LOG_FORMAT", "xml"},
		"language":         {"HAVEN_DEFAULT_LANGUAGE", "fr"},
		"bool":             {"HAVEN_MIGRATE_ON_START", "maybe"},
		"body limit":       {"HAVEN_MAX_BODY_BYTES", "12"},
		"shutdown timeout": {"HAVEN_SHUTDOWN_TIMEOUT", "soon"},
		"database scheme":  {"DATABASE_URL", "mysql://localhost/haven"},
		"pool size":        {"HAVEN_DB_MAX_OPEN_CONNS", "0"},
		"hash concurrency": {"HAVEN_PASSWORD_HASH_CONCURRENCY", "0"},
	}
	for name, kv := range tests {
		t.Run(name, func(t *testing.T) {
			err := run(context.Background(), []string{"migrate"}, env(t, kv...), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), strings.SplitN(kv[0], "_", 2)[0]) && !strings.Contains(err.Error(), "DATABASE_URL") {
				t.Errorf("%s=%s: err = %v", kv[0], kv[1], err)
			}
		})
	}
	err := run(context.Background(), []string{"serve"}, env(t, "HAVEN_DEFAULT_COUNTRY", "FR"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "HAVEN_DEFAULT_COUNTRY") {
		t.Errorf("unknown default country: %v", err)
	}
}

// lockedBuffer is written by the server goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listening = regexp.MustCompile(`msg="haven listening" addr=(\S+)`)

// TestServeShutsDownGracefully starts the real server, begins a request,
// sends SIGTERM's equivalent (context cancel) mid-request, and checks the
// request still completes before serve returns.
func TestServeShutsDownGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	getenv := env(t)
	go func() { done <- run(ctx, []string{"serve"}, getenv, io.Discard, logs) }()

	var addr string
	deadline := time.Now().Add(20 * time.Second)
	for addr == "" && time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("server did not start:\n%s", logs.String())
	}

	var answers []string
	for i := 1; i <= 9; i++ {
		answers = append(answers, fmt.Sprintf(`{"item":"phq9_%d","value":0}`, i))
	}
	body := `{"language":"en","answers":[` + strings.Join(answers, ",") + `]}`
	pr, pw := io.Pipe()
	type result struct {
		status int
		score  float64
		err    error
	}
	resc := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/selftest/instruments/phq9/submissions", pr)
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = int64(len(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		score, _ := out["score"].(float64)
		resc <- result{status: resp.StatusCode, score: score}
	}()

	// A page view, counted in memory and written at shutdown.
	pageReq, _ := http.NewRequest("GET", "http://"+addr+"/en/", nil)
	pageReq.Header.Set("User-Agent", "Mozilla/5.0 (test)")
	if resp, err := http.DefaultClient.Do(pageReq); err != nil || resp.StatusCode != 200 {
		t.Fatalf("home page: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	half := len(body) / 2
	if _, err := pw.Write([]byte(body[:half])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the request is now in flight
	cancel()
	time.Sleep(200 * time.Millisecond) // shutdown has begun
	select {
	case err := <-done:
		t.Fatalf("serve returned before the in-flight request finished: %v", err)
	default:
	}
	if _, err := pw.Write([]byte(body[half:])); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()

	res := <-resc
	if res.err != nil || res.status != http.StatusCreated {
		t.Fatalf("in-flight request: status %d, err %v", res.status, res.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown log:\n%s", logs.String())
	}
	d, err := db.Open(context.Background(), db.Config{URL: getenv("DATABASE_URL"), DataDir: getenv("HAVEN_DATA_DIR")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var views int64
	if err := d.Table("visit_days").Select("COALESCE(SUM(page_views), 0)").Scan(&views).Error; err != nil || views != 1 {
		t.Errorf("page views flushed at shutdown: %d (%v), want 1", views, err)
	}
}

func TestRunJob(t *testing.T) {
	getenv := env(t)
	if err := run(context.Background(), []string{"run-job", "visits-close-days"}, getenv, io.Discard, io.Discard); err != nil {
		t.Errorf("run-job visits-close-days: %v", err)
	}
	if err := run(context.Background(), []string{"run-job", "selfhelp-nudges"}, getenv, io.Discard, io.Discard); err != nil {
		t.Errorf("run-job selfhelp-nudges: %v", err)
	}
	err := run(context.Background(), []string{"run-job", "nope"}, getenv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "unknown job") {
		t.Errorf("unknown job: %v", err)
	}
	err = run(context.Background(), []string{"run-job"}, getenv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "selfhelp-nudges") {
		t.Errorf("no job named: %v", err)
	}
}
