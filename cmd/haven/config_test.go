package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretsFromFiles: every variable may come from NAME_FILE; this is
// how the compose file and the systemd unit hand Haven its secrets.
func TestSecretsFromFiles(t *testing.T) {
	const (
		encKey = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		jwtKey = "j1:c2lnbmluZy1rZXktb2YtYXQtbGVhc3QtMzItYnl0ZXMtbG9uZw=="
		dbURL  = "postgres://haven:s3cret@db:5432/haven?sslmode=disable"
	)
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		env     map[string]string
		check   func(config) bool
		wantErr string
	}{
		{"database URL, trailing newline dropped", map[string]string{"DATABASE_URL_FILE": file("db", dbURL+"\n")},
			func(c config) bool { return c.DatabaseURL == dbURL }, ""},
		{"CRLF line end dropped", map[string]string{"DATABASE_URL_FILE": file("db-crlf", dbURL+"\r\n")},
			func(c config) bool { return c.DatabaseURL == dbURL }, ""},
		{"encryption keys", map[string]string{"HAVEN_ENCRYPTION_KEYS_FILE": file("enc", encKey+"\n")},
			func(c config) bool {
				return len(c.Wire.EncryptionKeys) == 1 && c.Wire.EncryptionKeys[0].ID == "k1"
			}, ""},
		{"JWT keys", map[string]string{"HAVEN_JWT_KEYS_FILE": file("jwt", jwtKey)},
			func(c config) bool { return len(c.Wire.JWTKeys) == 1 }, ""},
		{"a plain setting too", map[string]string{"HAVEN_LOG_LEVEL_FILE": file("level", "warn\n")},
			func(c config) bool { return c.LogLevel.String() == "WARN" }, ""},
		{"the variable alone still works", map[string]string{"DATABASE_URL": dbURL},
			func(c config) bool { return c.DatabaseURL == dbURL }, ""},
		{"both set", map[string]string{"HAVEN_JWT_KEYS": jwtKey, "HAVEN_JWT_KEYS_FILE": file("jwt2", jwtKey)},
			nil, "set HAVEN_JWT_KEYS or HAVEN_JWT_KEYS_FILE, not both"},
		{"missing file", map[string]string{"HAVEN_ENCRYPTION_KEYS_FILE": filepath.Join(dir, "nope")},
			nil, "HAVEN_ENCRYPTION_KEYS_FILE: open " + filepath.Join(dir, "nope")},
		{"empty file is not 'unset'", map[string]string{"HAVEN_ENCRYPTION_KEYS_FILE": file("empty", "\n")},
			nil, "HAVEN_ENCRYPTION_KEYS_FILE: " + filepath.Join(dir, "empty") + " is empty"},
		{"bad content is checked like the variable", map[string]string{"HAVEN_ENCRYPTION_KEYS_FILE": file("bad", "k1:c2hvcnQ=\n")},
			nil, "HAVEN_ENCRYPTION_KEYS: key \"k1\" must be 32 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				for _, secret := range []string{"s3cret", "MDEyMzQ1", "c2lnbmluZy1rZXk", "c2hvcnQ="} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("the error shows the secret: %v", err)
					}
				}
				return
			}
			if err != nil || !tt.check(c) {
				t.Fatalf("err = %v, config %+v", err, c)
			}
		})
	}
}
