package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testEncryptionKey is HAVEN_ENCRYPTION_KEYS for these tests (required on
// PostgreSQL).
const testEncryptionKey = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func TestAdminCreateAndAuditVerify(t *testing.T) {
	getenv := env(t, "HAVEN_ENCRYPTION_KEYS", testEncryptionKey)
	// On PostgreSQL the test database is shared between runs: unique names.
	suffix := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	first, second := "eerste-"+suffix, "tweede-"+suffix
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"admin", "create", "-nickname", first}, getenv, &out, &errOut)
	if err != nil {
		t.Fatalf("admin create: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "password (shown once): ") || !strings.Contains(out.String(), "TOTP") {
		t.Errorf("stdout: %s", out.String())
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("een lang genoeg wachtwoord\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"admin", "create", "-nickname", second, "-password-file", pwFile}, getenv, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "een lang genoeg wachtwoord") {
		t.Error("a password from a file is echoed")
	}
	err = run(context.Background(), []string{"admin", "create", "-nickname", strings.ToUpper(second), "-password-file", pwFile}, getenv, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "taken") {
		t.Errorf("duplicate nickname: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"audit", "verify"}, getenv, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "audit log intact: ") || strings.Contains(out.String(), "intact: 0 entries") {
		t.Errorf("audit verify: %s", out.String())
	}
}

func TestAccountCommandErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"admin"}, `unknown command "admin"`},
		{[]string{"admin", "delete"}, `unknown command "admin delete"`},
		{[]string{"audit", "fix"}, `unknown command "audit fix"`},
		{[]string{"admin", "create"}, "-nickname is required"},
		{[]string{"admin", "create", "-nickname", "x"}, "nickname"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tt.args, env(t, "HAVEN_ENCRYPTION_KEYS", testEncryptionKey), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.args, err, tt.want)
		}
	}
}

func TestAuthConfig(t *testing.T) {
	tests := []struct {
		env  []string
		want string
	}{
		{[]string{"HAVEN_ACCESS_TOKEN_TTL", "16m"}, "HAVEN_ACCESS_TOKEN_TTL"},
		{[]string{"HAVEN_REFRESH_TOKEN_TTL", "soon"}, "HAVEN_REFRESH_TOKEN_TTL"},
		{[]string{"HAVEN_SESSION_MAX_AGE", "1s"}, "HAVEN_SESSION_MAX_AGE"},
		{[]string{"HAVEN_JWT_KEYS", "k1:c2hvcnQ="}, "HAVEN_JWT_KEYS"},
	}
	for _, tt := range tests {
		_, err := loadConfig(env(t, tt.env...))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v", tt.env, err)
		}
	}
	cfg, err := loadConfig(env(t, "HAVEN_JWT_KEYS", "a:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=,b:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="))
	if err != nil || len(cfg.Wire.JWTKeys) != 2 || cfg.Wire.AccessTokenTTL.Minutes() != 10 {
		t.Errorf("cfg.Wire = %+v, %v", cfg.Wire, err)
	}
}

func TestReportMinCellConfig(t *testing.T) {
	tests := []struct {
		value   string
		want    int
		wantErr bool
	}{
		{"", 0, false}, // reports.DefaultThreshold
		{"5", 5, false},
		{"1", 1, false},
		{"0", 0, true},
		{"-3", 0, true},
		{"ten", 0, true},
		{"1001", 0, true},
	}
	for _, tt := range tests {
		cfg, err := loadConfig(env(t, "HAVEN_REPORT_MIN_CELL", tt.value))
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "HAVEN_REPORT_MIN_CELL") {
				t.Errorf("%q: err = %v", tt.value, err)
			}
			continue
		}
		if err != nil || cfg.Wire.ReportMinCell != tt.want {
			t.Errorf("%q: min cell %d, err %v; want %d", tt.value, cfg.Wire.ReportMinCell, err, tt.want)
		}
	}
}
