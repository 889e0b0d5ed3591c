package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func key(id string, b byte) Key { return Key{ID: id, Secret: bytes.Repeat([]byte{b}, 32)} }

func TestSealOpenRoundTripAndRotation(t *testing.T) {
	old, err := New([]Key{key("k1", 1)})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.Seal([]byte("ik voel me somber"), "diary:u1:2026-11-27")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "somber") || KeyID(sealed) != "k1" {
		t.Fatalf("sealed value %q", sealed)
	}
	again, _ := old.Seal([]byte("ik voel me somber"), "diary:u1:2026-11-27")
	if again == sealed {
		t.Error("two seals of the same plaintext are equal: nonce reused")
	}
	rotated, err := New([]Key{key("k2", 2), key("k1", 1)})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := rotated.Open(sealed, "diary:u1:2026-11-27")
	if err != nil || string(plain) != "ik voel me somber" {
		t.Fatalf("open after rotation: %q %v", plain, err)
	}
	fresh, _ := rotated.Seal([]byte("x"), "c")
	if KeyID(fresh) != "k2" {
		t.Errorf("new values must use the current key, got %s", KeyID(fresh))
	}
	if _, err := old.Open(fresh, "c"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("want ErrUnknownKey, got %v", err)
	}
}

func TestOpenRejectsTampering(t *testing.T) {
	s, _ := New([]Key{key("k1", 1)})
	sealed, _ := s.Seal([]byte("secret"), "answer:u1:step")
	raw, _ := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, "k1:"))
	raw[len(raw)-1] ^= 1
	flipped := "k1:" + base64.RawStdEncoding.EncodeToString(raw)
	tests := map[string]struct{ value, context string }{
		"other context (row swapped)": {sealed, "answer:u2:step"},
		"flipped bit":                 {flipped, "answer:u1:step"},
		"no key id":                   {"garbage", "answer:u1:step"},
		"not base64":                  {"k1:!!!", "answer:u1:step"},
		"too short":                   {"k1:AAAA", "answer:u1:step"},
	}
	for name, tt := range tests {
		if _, err := s.Open(tt.value, tt.context); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: want ErrCorrupt, got %v", name, err)
		}
	}
}

func TestParseKeys(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	tests := []struct {
		spec    string
		n       int
		wantErr string
	}{
		{"a:" + good, 1, ""},
		{"new:" + good + ", old:" + good, 2, ""},
		{"", 0, "no keys"},
		{"nokid", 0, "kid:base64key"},
		{"a:" + good + ",a:" + good, 0, "twice"},
		{"a:" + base64.StdEncoding.EncodeToString([]byte("short")), 0, "32 bytes"},
		{"a:%%%", 0, "not base64"},
		{"bad id!:" + good, 0, "kid"},
	}
	for _, tt := range tests {
		keys, err := ParseKeys(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(keys) != tt.n {
			t.Errorf("%q: %d keys, %v", tt.spec, len(keys), err)
		}
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "encryption.key")
	k1, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created || len(k1) != 1 {
		t.Fatalf("create: %v %v %v", k1, created, err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", info.Mode())
	}
	k2, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || k2[0].ID != k1[0].ID || !bytes.Equal(k2[0].Secret, k1[0].Secret) {
		t.Errorf("reload gave a different key: %v %v", created, err)
	}
}

func TestKeyCheck(t *testing.T) {
	k := Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)}
	check, err := KeyCheck(k)
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyKeyCheck(k, check) {
		t.Error("a key does not verify its own check")
	}
	if VerifyKeyCheck(Key{ID: "k1", Secret: bytes.Repeat([]byte{2}, 32)}, check) {
		t.Error("another key under the same id verifies the check")
	}
	if VerifyKeyCheck(Key{ID: "k2", Secret: k.Secret}, check) {
		t.Error("the same secret under another id verifies the check")
	}
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	if _, ok, err := ReadKeyFile(filepath.Join(dir, "none.key")); ok || err != nil {
		t.Errorf("missing file: ok %v, err %v", ok, err)
	}
	bad := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ReadKeyFile(bad); !ok || err == nil {
		t.Errorf("malformed file: ok %v, err %v", ok, err)
	}
}
