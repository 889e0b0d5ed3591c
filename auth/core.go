package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/db/kind"
)

// Auditor records audit entries. Append must fail closed: when it returns
// an error the audited action does not complete.
type Auditor interface {
	Append(ctx context.Context, e audit.Entry) error
	AppendAll(ctx context.Context, entries []audit.Entry) error
}

// DataHolder is a domain that keeps personal data about a user: it can hand
// it over (GDPR access) and erase it (GDPR erasure), keeping only anonymous
// counts. Each domain registers itself in cmd/haven.
type DataHolder interface {
	// DataName is the key of this domain's part of the export.
	DataName() string
	ExportUser(ctx context.Context, userID string) (any, error)
	EraseUser(ctx context.Context, userID string) error
}

// Config tunes the service. Zero fields take the defaults.
type Config struct {
	// RefreshTTL is how long an unused refresh token lives (default 14 days).
	RefreshTTL time.Duration
	// SessionMaxAge caps a session however often it is refreshed (default
	// 30 days); then the user signs in again.
	SessionMaxAge time.Duration
	// RefreshGrace is how long after its first use a refresh token may be
	// presented again without counting as reuse (default 30 s): two page
	// loads at once after the access token expired both refresh.
	RefreshGrace time.Duration
	// InvitationTTL is how long an invitation link works (default 72 h).
	InvitationTTL time.Duration
	// Argon2 are the password hashing parameters (default OWASPParams).
	Argon2 Argon2Params
	// Throttle sets the attempt limits.
	Throttle ThrottleConfig
	// ThrottleKey is the secret the attempt counters' keys are hashed
	// with; with it the counters live in the database (auth_throttle),
	// shared by every replica. Every replica must have the same key (wire
	// derives it from the encryption key). Without it they stay in memory.
	ThrottleKey []byte
	// Log receives the throttle's database errors (nil discards them).
	Log *slog.Logger
	// HashConcurrency bounds the argon2id computations running at once
	// (HAVEN_PASSWORD_HASH_CONCURRENCY; default DefaultHashConcurrency).
	HashConcurrency int
	// TOTPIssuer names Haven in authenticator apps (default "Haven").
	TOTPIssuer string
	// Sealer encrypts TOTP secrets at rest (db/seal). Nil stores them in
	// the clear, for tests only.
	Sealer Sealer
	// Caseloads counts each clinician's clients (the guided trajectory);
	// nil counts none.
	Caseloads Caseloads
}

// Caseloads counts each clinician's trajectories going.
type Caseloads interface {
	CaseloadSizes(ctx context.Context) (map[string]int, error)
}

// Sealer encrypts and decrypts small secrets bound to a context.
type Sealer interface {
	Seal(plaintext []byte, context string) (string, error)
	Open(sealed, context string) ([]byte, error)
}

func (c Config) withDefaults() Config {
	if c.RefreshTTL <= 0 {
		c.RefreshTTL = 14 * 24 * time.Hour
	}
	if c.SessionMaxAge <= 0 {
		c.SessionMaxAge = 30 * 24 * time.Hour
	}
	if c.RefreshGrace <= 0 {
		c.RefreshGrace = 30 * time.Second
	}
	if c.InvitationTTL <= 0 {
		c.InvitationTTL = 72 * time.Hour
	}
	if c.Argon2.Memory == 0 {
		c.Argon2 = OWASPParams
	}
	if c.TOTPIssuer == "" {
		c.TOTPIssuer = "Haven"
	}
	return c
}

// Service is the identity domain, split along its seams: signing in and
// sessions, a person's own account, and staff with their invitations and
// caseloads. The three share one core of storage, tokens, audit and limits.
type Service struct {
	Sessions *Sessions
	Accounts *Accounts
	Staff    *Staff
}

// Sessions signs people up, in (with a second factor for staff) and out,
// refreshes and recovers sessions, and turns access tokens into principals.
type Sessions struct{ *core }

// Accounts is a signed-in person's self-service: their account, password,
// recovery code, e-mail address, data export and erasure.
type Accounts struct{ *core }

// Staff is the coordinators' side: staff accounts, invitations, the client
// list and caseloads, and anonymous counts.
type Staff struct{ *core }

// core is what the three share.
type core struct {
	store    *Store
	tokens   *Tokens
	audit    Auditor
	policy   *PasswordPolicy
	holders  []DataHolder
	cfg      Config
	now      func() time.Time
	throttle *throttle
	hashing  *hashSlots
	// dummyHash is checked against when a nickname does not exist, so a
	// failed sign-in takes as long either way.
	dummyHash string
}

// New returns the identity service. holders are the other domains that
// keep personal data (for export and erasure).
func New(store *Store, tokens *Tokens, auditor Auditor, cfg Config, now func() time.Time, holders ...DataHolder) (*Service, error) {
	cfg = cfg.withDefaults()
	dummy, err := HashPassword("not a real password, only for timing", cfg.Argon2)
	if err != nil {
		return nil, err
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	shared := &sharedCounters{db: store.db, log: log}
	c := &core{
		store: store, tokens: tokens, audit: auditor, policy: NewPasswordPolicy(), holders: holders,
		cfg: cfg, now: now, throttle: newThrottle(cfg.Throttle, now, shared, cfg.ThrottleKey), dummyHash: dummy,
		hashing: newHashSlots(cfg.HashConcurrency),
	}
	return &Service{Sessions: &Sessions{c}, Accounts: &Accounts{c}, Staff: &Staff{c}}, nil
}

// Session is what a successful sign-in hands out.
type Session struct {
	// IssuedAt is when the access token was issued (AccessExpiresAt minus
	// it is the token's lifetime, the "expires_in" of OAuth).
	IssuedAt         time.Time
	UserID           string
	Role             Role
	SessionID        string
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
}

func (s *core) record(ctx context.Context, e audit.Entry) error {
	if err := s.audit.Append(ctx, e); err != nil {
		return fmt.Errorf("auth: audit: %w", err)
	}
	return nil
}

func actorEntry(p Principal, action, object, outcome string) audit.Entry {
	return audit.Entry{
		ActorID: audit.Str(p.UserID), ActorRole: string(p.Role), SessionID: audit.Str(p.SessionID),
		Action: action, Object: object, RequestID: p.RequestID, Outcome: outcome,
	}
}

func userEntry(u *User, sessionID, requestID, action, outcome string) audit.Entry {
	return audit.Entry{
		ActorID: audit.Str(u.ID), ActorRole: string(u.Role), SessionID: audit.Str(sessionID),
		SubjectID: subjectOf(u), Action: action, Object: "user:" + u.ID, RequestID: requestID, Outcome: outcome,
	}
}

// subjectOf is the user as the subject of an entry when they are a client
// (whose record the entry is about).
func subjectOf(u *User) *string {
	if u.Role == RoleClient {
		return audit.Str(u.ID)
	}
	return nil
}

// newSession starts a session (a refresh token family) for u.
func (s *core) newSession(ctx context.Context, st *Store, u *User) (*Session, error) {
	now := s.now().UTC()
	se := &session{ID: uuid.NewString(), UserID: u.ID, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(s.cfg.SessionMaxAge)}
	raw := randomToken(32)
	rt := &refreshToken{TokenHash: HashToken(raw), SessionID: se.ID, CreatedAt: now, ExpiresAt: minTime(now.Add(s.cfg.RefreshTTL), se.ExpiresAt)}
	if err := st.CreateSession(ctx, se, rt); err != nil {
		return nil, err
	}
	access, exp, err := s.tokens.IssueAccess(u.ID, u.Role, se.ID)
	if err != nil {
		return nil, err
	}
	return &Session{IssuedAt: now, UserID: u.ID, Role: u.Role, SessionID: se.ID, AccessToken: access, AccessExpiresAt: exp, RefreshToken: raw, RefreshExpiresAt: rt.ExpiresAt}, nil
}

// newUser checks a nickname and password against the rules and returns the
// account they make, not yet stored.
func (s *core) newUser(ctx context.Context, role Role, nickname, password string) (*User, error) {
	display, key, err := nicknameKey(nickname)
	if err != nil {
		return nil, err
	}
	if err := s.policy.Check("password", password, display); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	return &User{ID: uuid.NewString(), Role: role, Status: StatusActive, Nickname: &display, NicknameKey: &key,
		PasswordHash: &hash, CreatedAt: now, UpdatedAt: now}, nil
}

// challenged reads a second-factor challenge (for signing in, or for
// enrolling at the first sign-in) under the attempt limits, and returns its
// user and the limits' account key.
func (s *core) challenged(ctx context.Context, m Meta, challenge, kind string) (*User, string, error) {
	userID, err := s.tokens.verifyChallenge(challenge, kind)
	if err != nil {
		return nil, "", err
	}
	key := "mfa:" + userID
	if err := s.checkAttempt(ctx, m, key); err != nil {
		return nil, "", err
	}
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, ErrNotFound) {
		return nil, "", ErrInvalidToken
	}
	if err != nil {
		return nil, "", err
	}
	// Signing in needs a second factor; enrolling needs none yet.
	if u.Status != StatusActive || u.TOTPSecret == nil || u.MFAEnabled() != (kind == challengeMFA) {
		return nil, "", ErrInvalidToken
	}
	return u, key, nil
}

// signIn starts a session for u — after the changes before makes, in the
// same transaction — and records action in the audit log.
func (s *core) signIn(ctx context.Context, m Meta, u *User, action string, before func(st *Store) error) (*Session, error) {
	var se *Session
	err := s.store.Tx(ctx, func(st *Store) error {
		if before != nil {
			if err := before(st); err != nil {
				return err
			}
		}
		var err error
		se, err = s.newSession(ctx, st, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, userEntry(u, se.SessionID, m.RequestID, action, audit.OutcomeSuccess)); err != nil {
		return nil, err
	}
	return se, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// checkAttempt applies the limits before a credential is checked: this
// source's failures on this account, the account's growing wait, and this
// source's attempts. They apply whether or not the account exists.
func (s *core) checkAttempt(ctx context.Context, m Meta, accountKey string) error {
	t := s.throttle
	if blocked, wait := t.pair.Blocked(ctx, t.pairKey(accountKey, m.Source)); blocked {
		return throttled(wait)
	}
	if wait := t.account.Wait(ctx, t.accountKey(accountKey)); wait > 0 {
		return throttled(wait)
	}
	if ok, wait := t.source.Allow(ctx, t.sourceKey(m.Source)); !ok {
		return throttled(wait)
	}
	return nil
}

func (s *core) failAttempt(ctx context.Context, m Meta, accountKey string) {
	t := s.throttle
	t.pair.Allow(ctx, t.pairKey(accountKey, m.Source))
	t.account.Fail(ctx, t.accountKey(accountKey))
}

// passAttempt forgets the failures on an account after its owner got in.
func (s *core) passAttempt(ctx context.Context, m Meta, accountKey string) {
	t := s.throttle
	t.pair.Reset(ctx, t.pairKey(accountKey, m.Source))
	t.account.Reset(ctx, t.accountKey(accountKey))
}

// verifyPassword looks the nickname up and checks the password, spending
// the same argon2id work when the nickname does not exist. Any failure is
// ErrInvalidCredentials.
func (s *core) verifyPassword(ctx context.Context, key, password string) (*User, error) {
	u, err := s.store.UserByNickname(ctx, key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	hash := s.dummyHash
	if u != nil && u.PasswordHash != nil {
		hash = *u.PasswordHash
	}
	ok, rehash, herr := s.checkPassword(ctx, hash, password)
	if kind.IsUnavailable(herr) {
		return nil, herr
	}
	if u == nil || u.Status != StatusActive || u.PasswordHash == nil || herr != nil || !ok {
		return u, ErrInvalidCredentials
	}
	if rehash {
		if h, err := s.hashPassword(ctx, password); err == nil {
			_ = s.store.UpdateUser(ctx, u.ID, map[string]any{"password_hash": h})
		}
	}
	return u, nil
}

func (s *core) signInFailure(ctx context.Context, m Meta, u *User, action string) error {
	e := audit.Entry{ActorRole: "anonymous", Action: action, Object: "session", RequestID: m.RequestID, Outcome: audit.OutcomeFailure}
	if u != nil && u.Status != StatusErased {
		e.ActorID, e.ActorRole, e.SubjectID, e.Object = audit.Str(u.ID), string(u.Role), subjectOf(u), "user:"+u.ID
	}
	if err := s.record(ctx, e); err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// reauthenticate checks the caller's current password (before changing it,
// regenerating the recovery code or erasing the account), under the same
// per-account limit as sign-in.
func (s *core) reauthenticate(ctx context.Context, p Principal, password string) (*User, error) {
	key, m := "reauth:"+p.UserID, Meta{Source: "session:" + p.SessionID}
	if err := s.checkAttempt(ctx, m, key); err != nil {
		return nil, err
	}
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if u.PasswordHash == nil {
		return nil, ErrInvalidCredentials
	}
	ok, _, err := s.checkPassword(ctx, *u.PasswordHash, password)
	if kind.IsUnavailable(err) {
		return nil, err
	}
	if err != nil || !ok {
		s.failAttempt(ctx, m, key)
		return nil, ErrInvalidCredentials
	}
	s.passAttempt(ctx, m, key)
	return u, nil
}

func equalHash(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

func totpContext(userID string) string { return "users.totp_secret:" + userID }

func (s *core) sealTOTP(userID, secret string) (string, error) {
	if s.cfg.Sealer == nil {
		return secret, nil
	}
	sealed, err := s.cfg.Sealer.Seal([]byte(secret), totpContext(userID))
	if err != nil {
		return "", fmt.Errorf("auth: seal totp secret: %w", err)
	}
	return sealed, nil
}

func (s *core) openTOTP(u *User) (string, error) {
	if s.cfg.Sealer == nil {
		return *u.TOTPSecret, nil
	}
	plain, err := s.cfg.Sealer.Open(*u.TOTPSecret, totpContext(u.ID))
	if err != nil {
		return "", fmt.Errorf("auth: open totp secret: %w", err)
	}
	return string(plain), nil
}
