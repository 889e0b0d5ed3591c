package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Access tokens are JWTs signed with HMAC-SHA256. The algorithm is pinned on
// verification (a token naming any other algorithm, including "none" or an
// RSA/ECDSA one, is refused before its signature is looked at), and the
// header's kid selects the key, so keys can rotate: sign with the newest,
// keep verifying with the older ones until their tokens have expired.
const (
	issuer         = "haven"
	audienceAccess = "haven-api"
	audienceMFA    = "haven-mfa"
	// MaxAccessTTL is the longest an access token may live.
	MaxAccessTTL = 15 * time.Minute
)

var signingMethod = jwt.SigningMethodHS256

// Key is one HMAC signing key and its id.
type Key struct {
	ID     string
	Secret []byte
}

// ParseKeys reads keys from "kid:base64secret,kid:base64secret" (standard
// or URL base64). The first key signs; all verify. Secrets must be at least
// 32 bytes.
func ParseKeys(spec string) ([]Key, error) {
	var keys []Key
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		kid, b64, ok := strings.Cut(part, ":")
		if !ok || kid == "" || len(kid) > 32 {
			return nil, errors.New("auth: a signing key must be written kid:base64secret")
		}
		if seen[kid] {
			return nil, fmt.Errorf("auth: signing key id %q appears twice", kid)
		}
		seen[kid] = true
		secret, err := decodeB64(b64)
		if err != nil {
			return nil, fmt.Errorf("auth: signing key %q is not base64", kid)
		}
		if len(secret) < 32 {
			return nil, fmt.Errorf("auth: signing key %q must be at least 32 bytes", kid)
		}
		keys = append(keys, Key{ID: kid, Secret: secret})
	}
	if len(keys) == 0 {
		return nil, errors.New("auth: no signing keys")
	}
	return keys, nil
}

func decodeB64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// RandomKey returns a fresh key with a random id, for deployments that set
// none: access tokens then stop verifying at restart, and clients simply
// refresh (refresh tokens live in the database).
func RandomKey() Key {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return Key{ID: "eph-" + randomToken(6), Secret: secret}
}

// Tokens signs and verifies access and second-factor challenge tokens.
type Tokens struct {
	keys     map[string][]byte
	signing  Key
	ttl      time.Duration
	now      func() time.Time
	validate []jwt.ParserOption
}

// NewTokens returns a signer/verifier. keys[0] signs. ttl is capped at
// MaxAccessTTL.
func NewTokens(keys []Key, ttl time.Duration, now func() time.Time) (*Tokens, error) {
	if len(keys) == 0 {
		return nil, errors.New("auth: no signing keys")
	}
	if ttl <= 0 || ttl > MaxAccessTTL {
		return nil, fmt.Errorf("auth: access token lifetime must be between 1s and %s", MaxAccessTTL)
	}
	t := &Tokens{keys: map[string][]byte{}, signing: keys[0], ttl: ttl, now: now}
	for _, k := range keys {
		t.keys[k.ID] = k.Secret
	}
	return t, nil
}

// TTL is the access token lifetime.
func (t *Tokens) TTL() time.Duration { return t.ttl }

type accessClaims struct {
	Role string `json:"role"`
	SID  string `json:"sid"`
	jwt.RegisteredClaims
}

// IssueAccess signs an access token for a session.
func (t *Tokens) IssueAccess(userID string, role Role, sessionID string) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(t.ttl)
	return t.sign(accessClaims{Role: string(role), SID: sessionID, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: issuer, Subject: userID, Audience: jwt.ClaimStrings{audienceAccess},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
	}}), exp, nil
}

func (t *Tokens) sign(c jwt.Claims) string {
	tok := jwt.NewWithClaims(signingMethod, c)
	tok.Header["kid"] = t.signing.ID
	s, err := tok.SignedString(t.signing.Secret)
	if err != nil {
		// HMAC signing fails only for a key of the wrong type, which
		// NewTokens rules out.
		panic("auth: sign: " + err.Error())
	}
	return s
}

// VerifyAccess checks an access token's algorithm, key, signature, issuer,
// audience and lifetime, and returns what it says. It does not look at the
// session; Service.Authenticate does.
func (t *Tokens) VerifyAccess(raw string) (userID string, role Role, sessionID string, err error) {
	var c accessClaims
	if err := t.parse(raw, audienceAccess, &c); err != nil {
		return "", "", "", err
	}
	r := Role(c.Role)
	if c.Subject == "" || c.SID == "" || !r.Valid() {
		return "", "", "", ErrInvalidToken
	}
	return c.Subject, r, c.SID, nil
}

func (t *Tokens) parse(raw, audience string, c jwt.Claims) error {
	if raw == "" || len(raw) > 4096 {
		return ErrInvalidToken
	}
	_, err := jwt.ParseWithClaims(raw, c, t.keyFor,
		jwt.WithValidMethods([]string{signingMethod.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(t.now),
		jwt.WithLeeway(5*time.Second),
	)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return nil
}

func (t *Tokens) keyFor(tok *jwt.Token) (any, error) {
	// WithValidMethods already refused other algorithms; check again so
	// this function is safe on its own.
	if tok.Method != signingMethod {
		return nil, errors.New("unexpected signing method")
	}
	kid, _ := tok.Header["kid"].(string)
	key, ok := t.keys[kid]
	if !ok {
		return nil, errors.New("unknown key id")
	}
	return key, nil
}

type challengeClaims struct {
	Purpose string `json:"purpose"`
	jwt.RegisteredClaims
}

// ChallengeTTL is how long a password-verified caller has to give the
// second factor.
const ChallengeTTL = 5 * time.Minute

// issueChallenge signs the proof that the password was right, to be
// exchanged with a second factor for a session.
func (t *Tokens) issueChallenge(userID, purpose string) string {
	now := t.now()
	return t.sign(challengeClaims{Purpose: purpose, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: issuer, Subject: userID, Audience: jwt.ClaimStrings{audienceMFA},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ChallengeTTL)),
		ID: randomToken(12),
	}})
}

func (t *Tokens) verifyChallenge(raw, purpose string) (string, error) {
	var c challengeClaims
	if err := t.parse(raw, audienceMFA, &c); err != nil {
		return "", err
	}
	if c.Purpose != purpose || c.Subject == "" {
		return "", ErrInvalidToken
	}
	return c.Subject, nil
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of a high-entropy secret (refresh
// token, recovery code, invitation or claim token). Such secrets are random,
// so a fast hash is enough; passwords use argon2id.
func HashToken(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// keyedHash hides a throttle key (such as a source address) behind a
// per-process secret, so not even memory holds it in the clear.
func keyedHash(secret []byte, s string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
