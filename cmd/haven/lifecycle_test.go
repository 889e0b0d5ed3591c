package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/db"
)

// startServe runs `haven serve` with getenv until the returned cancel, and
// returns its address and the channel run's result arrives on.
func startServe(t *testing.T, getenv func(string) string) (addr string, cancel context.CancelFunc, done chan error, logs *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	logs = &lockedBuffer{}
	done = make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv, io.Discard, logs) }()
	deadline := time.Now().Add(20 * time.Second)
	for addr == "" && time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve returned: %v\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if addr == "" {
		t.Fatalf("server did not start:\n%s", logs.String())
	}
	return addr, cancel, done, logs
}

func get(addr, path string) (int, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestShutdownFailsReadinessBeforeClosing: at SIGTERM /readyz answers 503
// at once while the listener still serves requests for the drain period,
// so a load balancer stops sending before connections are refused.
func TestShutdownFailsReadinessBeforeClosing(t *testing.T) {
	addr, cancel, done, logs := startServe(t, env(t, "HAVEN_SHUTDOWN_DRAIN", "1s"))
	if code, err := get(addr, "/readyz"); err != nil || code != 200 {
		t.Fatalf("readyz before shutdown: %d %v", code, err)
	}
	cancel()
	start := time.Now()
	var sawNotReady bool
	for time.Since(start) < 700*time.Millisecond {
		code, err := get(addr, "/readyz")
		if err != nil {
			t.Fatalf("readyz %v into the drain: %v (the listener closed before the drain ended)", time.Since(start), err)
		}
		if code == http.StatusServiceUnavailable {
			sawNotReady = true
		}
		if code, err := get(addr, "/healthz"); err != nil || code != 200 {
			t.Fatalf("requests during the drain: %d %v", code, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !sawNotReady {
		t.Error("readyz never answered 503 during the drain")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after the drain")
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("serve returned %v after SIGTERM, before the 1s drain", took)
	}
	if !strings.Contains(logs.String(), "draining") {
		t.Errorf("no drain log:\n%s", logs.String())
	}
}

// TestServeRefusesAForeignSchema: with HAVEN_MIGRATE_ON_START=false, serve
// refuses to start on an empty database (naming the pending migrations)
// and on one a newer Haven migrated (naming the unknown migration); it
// used to start and answer 500 "no such table".
func TestServeRefusesAForeignSchema(t *testing.T) {
	getenv := env(t, "HAVEN_MIGRATE_ON_START", "false")
	err := run(context.Background(), []string{"serve"}, getenv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "refusing to start") || !strings.Contains(err.Error(), "0001_") || !strings.Contains(err.Error(), "haven migrate") {
		t.Fatalf("serve on an empty database: %v", err)
	}
	if err := run(context.Background(), []string{"migrate"}, getenv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(context.Background(), db.Config{URL: getenv("DATABASE_URL"), DataDir: getenv("HAVEN_DATA_DIR")})
	if err != nil {
		t.Fatal(err)
	}
	const future = "9999_from_a_newer_haven"
	if err := d.Exec("INSERT INTO schema_migrations (id) VALUES (?)", future).Error; err != nil {
		t.Fatal(err)
	}
	_ = d.Close()
	for _, cmd := range [][]string{{"serve"}, {"run-job", "visits-flush"}, {"audit", "verify"}} {
		err = run(context.Background(), cmd, getenv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), future) {
			t.Errorf("%v on a newer schema: %v, want a refusal naming %s", cmd, err, future)
		}
	}
}

// TestFaultConfiguration: the deadlines' defaults, and bounds that keep
// the request deadline below the server's write timeout.
func TestFaultConfiguration(t *testing.T) {
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if f := cfg.Faults; f.RequestTimeout != 10*time.Second || f.ReadyTimeout != 2*time.Second || f.ShutdownDrain != 5*time.Second || f.MinFreeBytes != 64<<20 {
		t.Errorf("defaults: %+v", f)
	}
	if cfg.Faults.RequestTimeout >= writeTimeout {
		t.Errorf("request deadline %v is not below the write timeout %v", cfg.Faults.RequestTimeout, writeTimeout)
	}
	for _, kv := range [][2]string{
		{"HAVEN_REQUEST_TIMEOUT", "30s"}, {"HAVEN_REQUEST_TIMEOUT", "soon"}, {"HAVEN_READY_TIMEOUT", "1m"},
		{"HAVEN_SHUTDOWN_DRAIN", "-1s"}, {"HAVEN_SQLITE_MIN_FREE_MB", "0"},
	} {
		_, err := loadConfig(func(k string) string {
			if k == kv[0] {
				return kv[1]
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s=%s: %v, want an error naming it", kv[0], kv[1], err)
		}
	}
}
