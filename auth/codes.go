package auth

import (
	"crypto/rand"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Recovery codes and one-time codes use Crockford's base32 alphabet (no I,
// L, O or U), in groups of four, so they can be read aloud and typed back.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newCode returns groups×4 random characters (5 bits each): 20 characters
// carry 100 bits.
func newCode(groups int) string {
	b := make([]byte, groups*4)
	_, _ = rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return sb.String()
}

// normaliseCode undoes what people do to codes when typing them: case,
// spaces, dashes, and the letters that look like digits.
func normaliseCode(s string) string {
	s = strings.ToUpper(s)
	r := strings.NewReplacer("-", "", " ", "", "I", "1", "L", "1", "O", "0", "U", "V")
	return r.Replace(s)
}

var nicknameRE = regexp.MustCompile(`^[\p{L}\p{N}_.-]+$`)

// Nickname rules: 3 to 32 letters, digits, '_', '.' or '-'. No '@', so an
// e-mail address is never used as a nickname by mistake.
const (
	minNicknameLen = 3
	maxNicknameLen = 32
)

// nicknameKey validates a nickname and returns its lookup key: NFKC, lower
// case, so "Anna" and "anna" are one account.
func nicknameKey(nick string) (display, key string, err error) {
	display = norm.NFKC.String(strings.TrimSpace(nick))
	n := utf8.RuneCountInString(display)
	switch {
	case n < minNicknameLen || n > maxNicknameLen:
		return "", "", invalid("nickname", "must be 3 to 32 characters")
	case !nicknameRE.MatchString(display):
		return "", "", invalid("nickname", "may contain only letters, digits, '_', '.' and '-'")
	}
	return display, strings.ToLower(display), nil
}

// lookupKey normalises a nickname typed at sign-in without validating it.
func lookupKey(nick string) string {
	return strings.ToLower(norm.NFKC.String(strings.TrimSpace(nick)))
}
