package auth

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Argon2Params are the argon2id cost parameters. The zero value is not
// usable; OWASPParams is the default.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// OWASPParams is OWASP's recommended argon2id configuration (Password
// Storage Cheat Sheet): 19 MiB of memory, two passes, one degree of
// parallelism.
var OWASPParams = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// HashPassword returns the PHC-format argon2id hash of password.
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// CheckPassword reports whether password matches the PHC hash, and whether
// the hash was made with weaker parameters than want (so it should be
// rehashed on this successful sign-in).
func CheckPassword(hash, password string, want Argon2Params) (ok, rehash bool, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, errBadHash
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, false, errBadHash
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, false, errBadHash
	}
	key, err := enc.DecodeString(parts[5])
	if err != nil || len(key) == 0 || p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return false, false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	rehash = p.Memory < want.Memory || p.Time < want.Time || p.Threads < want.Threads || uint32(len(key)) < want.KeyLen
	return ok, rehash, nil
}

// Password policy, after NIST SP 800-63B and OWASP: a minimum length, a
// generous maximum, no composition rules, and no password from a list of
// common ones.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

//go:embed common-passwords.txt
var commonPasswordsTxt []byte

// PasswordPolicy checks new passwords.
type PasswordPolicy struct {
	common map[string]struct{}
}

// NewPasswordPolicy loads the embedded list of common passwords.
func NewPasswordPolicy() *PasswordPolicy {
	p := &PasswordPolicy{common: map[string]struct{}{}}
	sc := bufio.NewScanner(bytes.NewReader(commonPasswordsTxt))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p.common[strings.ToLower(line)] = struct{}{}
	}
	return p
}

// Check returns a *ValidationError naming field when password is not
// acceptable for an account called nickname.
func (p *PasswordPolicy) Check(field, password, nickname string) error {
	n := utf8.RuneCountInString(norm.NFC.String(password))
	lower := strings.ToLower(password)
	switch {
	case !utf8.ValidString(password):
		return invalid(field, "must be valid text")
	case n < MinPasswordLen:
		return invalid(field, fmt.Sprintf("must be at least %d characters", MinPasswordLen))
	case n > MaxPasswordLen:
		return invalid(field, fmt.Sprintf("must be at most %d characters", MaxPasswordLen))
	case nickname != "" && strings.Contains(lower, strings.ToLower(nickname)):
		return invalid(field, "must not contain your nickname")
	}
	if _, common := p.common[lower]; common {
		return invalid(field, "is too common; choose one that is harder to guess")
	}
	if isRepetitive(lower) {
		return invalid(field, "is too easy to guess")
	}
	return nil
}

// isRepetitive catches one character or one short block repeated
// ("aaaaaaaaaa", "abcabcabcabc") and simple runs ("1234567890").
func isRepetitive(s string) bool {
	r := []rune(s)
	for period := 1; period <= 3; period++ {
		rep := true
		for i := period; i < len(r); i++ {
			if r[i] != r[i-period] {
				rep = false
				break
			}
		}
		if rep {
			return true
		}
	}
	up, down := true, true
	for i := 1; i < len(r); i++ {
		up = up && r[i] == r[i-1]+1
		down = down && r[i] == r[i-1]-1
	}
	return up || down
}
