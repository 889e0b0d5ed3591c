// Package seal encrypts sensitive content at rest (exercise answers, diary
// notes, messages) with AES-256-GCM. Every sealed value names the key it was
// sealed with, so keys can rotate: new values use the current key, old
// values open with the key they name until they are re-sealed.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ErrUnknownKey means a value was sealed with a key this process lacks.
var ErrUnknownKey = errors.New("seal: unknown key id")

// ErrCorrupt means a value is malformed or was tampered with.
var ErrCorrupt = errors.New("seal: value is corrupt or was tampered with")

var validKID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Key is one 256-bit key and its id.
type Key struct {
	ID     string
	Secret []byte
}

// Sealer seals with its current key and opens with any of its keys.
type Sealer struct {
	current string
	aeads   map[string]cipher.AEAD
	secret  []byte // the current key, for Derive
}

// ParseKeys reads "kid:base64key,kid:base64key"; the first key seals new
// values, all of them open. Each key must be exactly 32 bytes.
func ParseKeys(spec string) ([]Key, error) {
	var keys []Key
	seen := map[string]bool{}
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		kid, b64, ok := strings.Cut(part, ":")
		if !ok || !validKID.MatchString(kid) {
			return nil, errors.New("seal: each key must be written kid:base64key with a kid of letters, digits, _ or -")
		}
		if seen[kid] {
			return nil, fmt.Errorf("seal: key id %q appears twice", kid)
		}
		seen[kid] = true
		secret, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			secret, err = base64.RawURLEncoding.DecodeString(b64)
		}
		if err != nil {
			return nil, fmt.Errorf("seal: key %q is not base64", kid)
		}
		if len(secret) != 32 {
			return nil, fmt.Errorf("seal: key %q must be 32 bytes (AES-256), got %d", kid, len(secret))
		}
		keys = append(keys, Key{ID: kid, Secret: secret})
	}
	if len(keys) == 0 {
		return nil, errors.New("seal: no keys")
	}
	return keys, nil
}

// FormatKeys writes keys as ParseKeys reads them ("kid:base64,…"), the
// form of HAVEN_ENCRYPTION_KEYS.
func FormatKeys(keys []Key) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.ID + ":" + base64.StdEncoding.EncodeToString(k.Secret)
	}
	return strings.Join(parts, ",")
}

// WriteKeyFile writes keys to a new file at path (never over an existing
// one), mode 0600, synced with its directory.
func WriteKeyFile(path string, keys []Key) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("seal: create %s: %w", path, err)
	}
	if _, err := f.WriteString(FormatKeys(keys) + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("seal: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("seal: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("seal: write %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// New returns a sealer; keys[0] is the current key.
func New(keys []Key) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("seal: no keys")
	}
	s := &Sealer{current: keys[0].ID, aeads: map[string]cipher.AEAD{}, secret: bytes.Clone(keys[0].Secret)}
	for _, k := range keys {
		block, err := aes.NewCipher(k.Secret)
		if err != nil || len(k.Secret) != 32 {
			return nil, fmt.Errorf("seal: key %q: AES-256 needs 32 bytes", k.ID)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: key %q: %w", k.ID, err)
		}
		s.aeads[k.ID] = aead
	}
	return s, nil
}

// Derive returns a 32-byte key for purpose, derived from the current key
// with HKDF-SHA256: a secret that lives outside the database like the key
// itself (for example the daily salt of the visitor counts), and differs
// per purpose.
func (s *Sealer) Derive(purpose string) []byte {
	k, err := hkdf.Key(sha256.New, s.secret, nil, "haven "+purpose, 32)
	if err != nil {
		panic("seal: hkdf: " + err.Error()) // only for lengths beyond 255×32 bytes
	}
	return k
}

// CurrentKeyID is the id of the key new values are sealed with.
func (s *Sealer) CurrentKeyID() string { return s.current }

// Seal encrypts plaintext. context is authenticated but not stored (for
// example "diary:<user id>:<day>"): a value copied to another row or
// another owner no longer opens. The result is "kid:base64(nonce|ciphertext)".
func (s *Sealer) Seal(plaintext []byte, context string) (string, error) {
	aead := s.aeads[s.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: nonce: %w", err)
	}
	out := aead.Seal(nonce, nonce, plaintext, []byte(context))
	return s.current + ":" + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value sealed with the same context.
func (s *Sealer) Open(sealed, context string) ([]byte, error) {
	kid, b64, ok := strings.Cut(sealed, ":")
	if !ok {
		return nil, ErrCorrupt
	}
	aead, ok := s.aeads[kid]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(context))
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// KeyID returns the key id a sealed value names.
func KeyID(sealed string) string {
	kid, _, _ := strings.Cut(sealed, ":")
	return kid
}

// KeyIDSQL is the SQL expression, in dialect ("postgres" or "sqlite"), for
// the key id of the sealed value in column: the text before its first
// colon. Stores use it to list the key ids their sealed columns need.
func KeyIDSQL(dialect, column string) string {
	if dialect == "postgres" {
		return "split_part(" + column + ", ':', 1)"
	}
	return "substr(" + column + ", 1, instr(" + column + ", ':') - 1)"
}

// ReadKeyFile reads the key in path ("kid:base64key"); ok is false when
// the file does not exist.
func ReadKeyFile(path string) (keys []Key, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("seal: read %s: %w", path, err)
	}
	keys, err = ParseKeys(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, true, fmt.Errorf("seal: %s: %w", path, err)
	}
	return keys, true, nil
}

// LoadOrCreateKeyFile reads the key in path ("kid:base64key"), creating it
// with a fresh random key when it does not exist: mode 0600, created
// exclusively (never over a key another process just wrote), and synced —
// the file and its directory — before the key seals anything, so that a
// crash cannot leave data sealed under a key that was never on disk. It is
// meant for the zero-setup SQLite default; production sets its keys
// explicitly. The caller must not call it when sealed data exists (a lost
// key file is then restored from a backup, never replaced).
func LoadOrCreateKeyFile(path string) ([]Key, bool, error) {
	keys, ok, err := ReadKeyFile(path)
	if err != nil || ok {
		return keys, false, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, false, fmt.Errorf("seal: new key: %w", err)
	}
	idb := make([]byte, 4)
	_, _ = rand.Read(idb)
	kid := "k" + fmt.Sprintf("%x", idb)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("seal: %w", err)
	}
	line := kid + ":" + base64.StdEncoding.EncodeToString(secret) + "\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("seal: create %s: %w", path, err)
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("seal: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("seal: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("seal: write %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, false, err
	}
	return []Key{{ID: kid, Secret: secret}}, true, nil
}

// syncDir makes a file just created in dir durable: its directory entry is
// on disk too.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("seal: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("seal: sync %s: %w", dir, err)
	}
	return nil
}

// checkPlaintext is what a key check value seals.
const checkPlaintext = "haven key check"

// KeyCheck seals a fixed text with k alone: stored beside the data, it
// later shows whether a key with the same id is still the same key
// (VerifyKeyCheck). It reveals nothing about the key.
func KeyCheck(k Key) (string, error) {
	s, err := New([]Key{k})
	if err != nil {
		return "", err
	}
	return s.Seal([]byte(checkPlaintext), "key-check:"+k.ID)
}

// VerifyKeyCheck reports whether check was made by KeyCheck with k.
func VerifyKeyCheck(k Key, check string) bool {
	s, err := New([]Key{k})
	if err != nil || KeyID(check) != k.ID {
		return false
	}
	plain, err := s.Open(check, "key-check:"+k.ID)
	return err == nil && string(plain) == checkPlaintext
}
