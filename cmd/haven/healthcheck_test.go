package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHealthcheckURL(t *testing.T) {
	tests := []struct {
		addr, want, wantErr string
	}{
		{":8080", "http://127.0.0.1:8080/readyz", ""},
		{"0.0.0.0:9000", "http://127.0.0.1:9000/readyz", ""},
		{"[::]:8080", "http://[::1]:8080/readyz", ""},
		{"127.0.0.1:8081", "http://127.0.0.1:8081/readyz", ""},
		{"10.1.2.3:80", "http://10.1.2.3:80/readyz", ""},
		{"haven.internal:8080", "http://haven.internal:8080/readyz", ""},
		{"8080", "", "not host:port"},
		{"localhost:", "", "not host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got, err := healthcheckURL(tt.addr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("healthcheckURL(%q) = %q, %v; want %q", tt.addr, got, err, tt.want)
			}
		})
	}
}

func TestHealthcheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/readyz":
			_, _ = io.WriteString(w, `{"status":"ready"}`)
		case "/down":
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/moved":
			http.Redirect(w, r, "/readyz", http.StatusFound)
		case "/slow":
			<-r.Context().Done()
		}
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name, url, wantErr string
	}{
		{"ready", srv.URL + "/readyz", ""},
		{"database away", srv.URL + "/down", "503"},
		{"redirect is not ready", srv.URL + "/moved", "302"},
		{"no answer in time", srv.URL + "/slow", "deadline exceeded"},
		{"nothing listening", closed.URL + "/readyz", "refused"},
		{"bad HAVEN_ADDR", "", "not host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			start := time.Now()
			args := []string{"healthcheck", "-timeout", "300ms"}
			if tt.url != "" {
				args = append(args, "-url", tt.url)
			}
			err := run(context.Background(), args, env(t, "HAVEN_ADDR", "8080"), &out, io.Discard)
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %s, the timeout is 300ms", time.Since(start))
			}
			if tt.wantErr == "" {
				if err != nil || strings.TrimSpace(out.String()) != "ready" {
					t.Fatalf("err = %v, stdout %q", err, out.String())
				}
				return
			}
			var coded interface{ ExitCode() int }
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &coded) || coded.ExitCode() != 1 {
				t.Fatalf("err = %v, want exit code 1 and %q", err, tt.wantErr)
			}
		})
	}
}

// TestHealthcheckAgainstServe runs the command the container image uses
// against a real `haven serve`, found through HAVEN_ADDR alone.
func TestHealthcheckAgainstServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	getenv := env(t)
	go func() { done <- run(ctx, []string{"serve"}, getenv, io.Discard, logs) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var addr string
	for deadline := time.Now().Add(20 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("server did not start:\n%s", logs.String())
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck"}, env(t, "HAVEN_ADDR", addr), &out, io.Discard); err != nil {
		t.Fatalf("healthcheck against %s: %v", addr, err)
	}
}
