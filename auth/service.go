package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/haven-mh/haven/audit"
)

// Auditor records audit entries. Append must fail closed: when it returns
// an error the audited action does not complete.
type Auditor interface {
	Append(ctx context.Context, e audit.Entry) error
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
	// InvitationTTL is how long an invitation link works (default 72 h).
	InvitationTTL time.Duration
	// Argon2 are the password hashing parameters (default OWASPParams).
	Argon2 Argon2Params
	// Throttle sets the attempt limits.
	Throttle ThrottleConfig
	// TOTPIssuer names Haven in authenticator apps (default "Haven").
	TOTPIssuer string
	// Sealer encrypts TOTP secrets at rest (db/seal). Nil stores them in
	// the clear, for tests only.
	Sealer Sealer
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

// Service is the identity domain.
type Service struct {
	store    *Store
	tokens   *Tokens
	audit    Auditor
	policy   *PasswordPolicy
	holders  []DataHolder
	cfg      Config
	now      func() time.Time
	throttle *throttle
	// dummyHash is checked against when a nickname does not exist, so a
	// failed sign-in takes as long either way.
	dummyHash string
}

// NewService returns the identity service. holders are the other domains
// that keep personal data (for export and erasure).
func NewService(store *Store, tokens *Tokens, auditor Auditor, cfg Config, now func() time.Time, holders ...DataHolder) (*Service, error) {
	cfg = cfg.withDefaults()
	dummy, err := HashPassword("not a real password, only for timing", cfg.Argon2)
	if err != nil {
		return nil, err
	}
	return &Service{
		store: store, tokens: tokens, audit: auditor, policy: NewPasswordPolicy(), holders: holders,
		cfg: cfg, now: now, throttle: newThrottle(cfg.Throttle, now), dummyHash: dummy,
	}, nil
}

// Tokens returns the access token signer/verifier.
func (s *Service) Tokens() *Tokens { return s.tokens }

// Session is what a successful sign-in hands out.
type Session struct {
	UserID           string
	Role             Role
	SessionID        string
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
}

func (s *Service) record(ctx context.Context, e audit.Entry) error {
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
func (s *Service) newSession(ctx context.Context, st *Store, u *User) (*Session, error) {
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
	return &Session{UserID: u.ID, Role: u.Role, SessionID: se.ID, AccessToken: access, AccessExpiresAt: exp, RefreshToken: raw, RefreshExpiresAt: rt.ExpiresAt}, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Authenticate turns an access token into the request's principal: the
// token must verify and its session must still be live, for that user and
// that role (so sign-out, erasure, disabling and role changes take effect
// at once).
func (s *Service) Authenticate(ctx context.Context, accessToken, requestID string) (Principal, error) {
	userID, role, sid, err := s.tokens.VerifyAccess(accessToken)
	if err != nil {
		return Principal{}, err
	}
	ok, err := s.store.SessionActive(ctx, sid, userID, role, s.now().UTC())
	if err != nil {
		return Principal{}, err
	}
	if !ok {
		return Principal{}, ErrInvalidToken
	}
	return Principal{UserID: userID, Role: role, SessionID: sid, RequestID: requestID}, nil
}

// SignUpResult is a new client account, its one-time recovery code (shown
// once, never stored in the clear) and its first session.
type SignUpResult struct {
	User         *User
	RecoveryCode string
	Session      *Session
}

// SignUp creates a client account with a nickname and password only.
func (s *Service) SignUp(ctx context.Context, m Meta, nickname, password string) (*SignUpResult, error) {
	if ok, wait := s.throttle.signup.Allow(s.throttle.sourceKey(m.Source)); !ok {
		return nil, throttled(wait)
	}
	display, key, err := nicknameKey(nickname)
	if err != nil {
		return nil, err
	}
	if err := s.policy.Check("password", password, display); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password, s.cfg.Argon2)
	if err != nil {
		return nil, err
	}
	code := newCode(5)
	codeHash := HashToken(normaliseCode(code))
	now := s.now().UTC()
	u := &User{ID: uuid.NewString(), Role: RoleClient, Status: StatusActive, Nickname: &display, NicknameKey: &key,
		PasswordHash: &hash, RecoveryCodeHash: &codeHash, CreatedAt: now, UpdatedAt: now}
	var se *Session
	err = s.store.Tx(ctx, func(st *Store) error {
		if err := st.CreateUser(ctx, u); err != nil {
			return err
		}
		var err error
		se, err = s.newSession(ctx, st, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, userEntry(u, se.SessionID, m.RequestID, audit.ActionSignUp, audit.OutcomeSuccess)); err != nil {
		return nil, err
	}
	return &SignUpResult{User: u, RecoveryCode: code, Session: se}, nil
}

// LoginStatus says what a sign-in needs next.
type LoginStatus string

// Sign-in outcomes.
const (
	LoginOK                LoginStatus = "ok"
	LoginMFARequired       LoginStatus = "mfa_required"
	LoginEnrolmentRequired LoginStatus = "mfa_enrolment_required"
	challengeMFA                       = "mfa"
	challengeEnrol                     = "enrol"
)

// LoginResult is a session, or a challenge to exchange with a second factor.
type LoginResult struct {
	Status    LoginStatus
	Session   *Session
	Challenge string
}

// checkAttempt applies the per-source and per-account limits before a
// credential is checked. Both apply whether or not the account exists.
func (s *Service) checkAttempt(m Meta, accountKey string) error {
	if blocked, wait := s.throttle.account.Blocked(s.throttle.accountKey(accountKey)); blocked {
		return throttled(wait)
	}
	if ok, wait := s.throttle.source.Allow(s.throttle.sourceKey(m.Source)); !ok {
		return throttled(wait)
	}
	return nil
}

func (s *Service) failAttempt(accountKey string) {
	s.throttle.account.Allow(s.throttle.accountKey(accountKey))
}

// verifyPassword looks the nickname up and checks the password, spending
// the same argon2id work when the nickname does not exist. Any failure is
// ErrInvalidCredentials.
func (s *Service) verifyPassword(ctx context.Context, key, password string) (*User, error) {
	u, err := s.store.UserByNickname(ctx, key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	hash := s.dummyHash
	if u != nil && u.PasswordHash != nil {
		hash = *u.PasswordHash
	}
	ok, rehash, herr := CheckPassword(hash, password, s.cfg.Argon2)
	if u == nil || u.Status != StatusActive || u.PasswordHash == nil || herr != nil || !ok {
		return u, ErrInvalidCredentials
	}
	if rehash {
		if h, err := HashPassword(password, s.cfg.Argon2); err == nil {
			_ = s.store.UpdateUser(ctx, u.ID, map[string]any{"password_hash": h})
		}
	}
	return u, nil
}

func (s *Service) signInFailure(ctx context.Context, m Meta, u *User, action string) error {
	e := audit.Entry{ActorRole: "anonymous", Action: action, Object: "session", RequestID: m.RequestID, Outcome: audit.OutcomeFailure}
	if u != nil && u.Status != StatusErased {
		e.ActorID, e.ActorRole, e.SubjectID, e.Object = audit.Str(u.ID), string(u.Role), subjectOf(u), "user:"+u.ID
	}
	if err := s.record(ctx, e); err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// Login checks a nickname and password. Clients get a session; staff who
// see health data get a challenge for their second factor (or for enrolling
// one, at their first sign-in). Every failure is the same
// ErrInvalidCredentials, whether or not the nickname exists.
func (s *Service) Login(ctx context.Context, m Meta, nickname, password string) (*LoginResult, error) {
	key := lookupKey(nickname)
	if err := s.checkAttempt(m, key); err != nil {
		return nil, err
	}
	if len(password) > 4*MaxPasswordLen {
		password = password[:4*MaxPasswordLen]
	}
	u, err := s.verifyPassword(ctx, key, password)
	if errors.Is(err, ErrInvalidCredentials) {
		s.failAttempt(key)
		return nil, s.signInFailure(ctx, m, u, audit.ActionSignIn)
	}
	if err != nil {
		return nil, err
	}
	s.throttle.account.Reset(s.throttle.accountKey(key))
	if u.Role.NeedsMFA() {
		if u.MFAEnabled() {
			return &LoginResult{Status: LoginMFARequired, Challenge: s.tokens.issueChallenge(u.ID, challengeMFA)}, nil
		}
		return &LoginResult{Status: LoginEnrolmentRequired, Challenge: s.tokens.issueChallenge(u.ID, challengeEnrol)}, nil
	}
	var se *Session
	if err := s.store.Tx(ctx, func(st *Store) error {
		se, err = s.newSession(ctx, st, u)
		return err
	}); err != nil {
		return nil, err
	}
	if err := s.record(ctx, userEntry(u, se.SessionID, m.RequestID, audit.ActionSignIn, audit.OutcomeSuccess)); err != nil {
		return nil, err
	}
	return &LoginResult{Status: LoginOK, Session: se}, nil
}

// VerifyMFA completes a staff sign-in with a TOTP code or one of the
// recovery codes given at enrolment (each works once).
func (s *Service) VerifyMFA(ctx context.Context, m Meta, challenge, code string) (*Session, error) {
	userID, err := s.tokens.verifyChallenge(challenge, challengeMFA)
	if err != nil {
		return nil, err
	}
	key := "mfa:" + userID
	if err := s.checkAttempt(m, key); err != nil {
		return nil, err
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, ErrInvalidToken
		}
		return nil, err
	}
	if u.Status != StatusActive || !u.MFAEnabled() || u.TOTPSecret == nil {
		return nil, ErrInvalidToken
	}
	ok, err := s.checkSecondFactor(ctx, u, code)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.failAttempt(key)
		return nil, s.signInFailure(ctx, m, u, audit.ActionSignInMFA)
	}
	s.throttle.account.Reset(s.throttle.accountKey(key))
	var se *Session
	if err := s.store.Tx(ctx, func(st *Store) error {
		se, err = s.newSession(ctx, st, u)
		return err
	}); err != nil {
		return nil, err
	}
	if err := s.record(ctx, userEntry(u, se.SessionID, m.RequestID, audit.ActionSignInMFA, audit.OutcomeSuccess)); err != nil {
		return nil, err
	}
	return se, nil
}

func (s *Service) checkSecondFactor(ctx context.Context, u *User, code string) (bool, error) {
	secret, err := s.openTOTP(u)
	if err != nil {
		return false, err
	}
	if step := matchTOTP(secret, code, s.now()); step != 0 {
		// A code works once: a replay within its 90-second window fails.
		return s.store.AdvanceTOTPStep(ctx, u.ID, step)
	}
	norm := normaliseCode(code)
	if len(norm) != 16 {
		return false, nil
	}
	return s.store.useRecoveryCode(ctx, u.ID, HashToken(norm), s.now().UTC())
}

// Enrolment is a new TOTP secret to be confirmed with a code.
type Enrolment struct {
	Secret string
	URL    string
}

// StartEnrolment creates a TOTP secret for a staff member at their first
// sign-in. It is not active until ConfirmEnrolment.
func (s *Service) StartEnrolment(ctx context.Context, challenge string) (*Enrolment, error) {
	userID, err := s.tokens.verifyChallenge(challenge, challengeEnrol)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil || u.Status != StatusActive || u.MFAEnabled() {
		return nil, ErrInvalidToken
	}
	secret, url, err := newTOTPSecret(s.cfg.TOTPIssuer, u.Name())
	if err != nil {
		return nil, fmt.Errorf("auth: totp secret: %w", err)
	}
	sealed, err := s.sealTOTP(u.ID, secret)
	if err != nil {
		return nil, err
	}
	if err := s.store.UpdateUser(ctx, u.ID, map[string]any{"totp_secret": sealed, "updated_at": s.now().UTC()}); err != nil {
		return nil, err
	}
	return &Enrolment{Secret: secret, URL: url}, nil
}

// EnrolmentResult is the confirmed second factor's recovery codes (shown
// once) and the first session.
type EnrolmentResult struct {
	RecoveryCodes []string
	Session       *Session
}

// ConfirmEnrolment activates the TOTP secret when code matches it, hands
// out ten one-time recovery codes and signs the user in.
func (s *Service) ConfirmEnrolment(ctx context.Context, m Meta, challenge, code string) (*EnrolmentResult, error) {
	userID, err := s.tokens.verifyChallenge(challenge, challengeEnrol)
	if err != nil {
		return nil, err
	}
	key := "mfa:" + userID
	if err := s.checkAttempt(m, key); err != nil {
		return nil, err
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil || u.Status != StatusActive || u.MFAEnabled() || u.TOTPSecret == nil {
		return nil, ErrInvalidToken
	}
	secret, err := s.openTOTP(u)
	if err != nil {
		return nil, err
	}
	step := matchTOTP(secret, code, s.now())
	if step == 0 {
		s.failAttempt(key)
		return nil, s.signInFailure(ctx, m, u, audit.ActionMFAEnrol)
	}
	now := s.now().UTC()
	codes := make([]string, 10)
	hashes := make([]string, 10)
	for i := range codes {
		codes[i] = newCode(4)
		hashes[i] = HashToken(normaliseCode(codes[i]))
	}
	var se *Session
	err = s.store.Tx(ctx, func(st *Store) error {
		if err := st.UpdateUser(ctx, u.ID, map[string]any{"totp_enabled_at": now, "totp_last_step": step, "updated_at": now}); err != nil {
			return err
		}
		if err := st.replaceRecoveryCodes(ctx, u.ID, hashes, now); err != nil {
			return err
		}
		var err error
		se, err = s.newSession(ctx, st, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, userEntry(u, se.SessionID, m.RequestID, audit.ActionMFAEnrol, audit.OutcomeSuccess)); err != nil {
		return nil, err
	}
	return &EnrolmentResult{RecoveryCodes: codes, Session: se}, nil
}

// Refresh exchanges a refresh token for a new access token and a new
// refresh token. Each refresh token works once: presenting a spent one
// means it was stolen or replayed, so the whole session is revoked.
func (s *Service) Refresh(ctx context.Context, m Meta, raw string) (*Session, error) {
	if raw == "" || len(raw) > 256 {
		return nil, ErrInvalidToken
	}
	hash := HashToken(raw)
	now := s.now().UTC()
	var (
		out    *Session
		reused *session
	)
	err := s.store.Tx(ctx, func(st *Store) error {
		rt, err := st.refreshToken(ctx, hash)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return ErrInvalidToken
			}
			return err
		}
		se, err := st.session(ctx, rt.SessionID)
		if err != nil {
			return err
		}
		if se.RevokedAt != nil || !now.Before(se.ExpiresAt) {
			return ErrInvalidToken
		}
		spent, err := st.spendRefreshToken(ctx, hash, now)
		if err != nil {
			return err
		}
		if rt.UsedAt != nil || !spent {
			if err := st.RevokeSession(ctx, se.ID, "refresh_reuse", now); err != nil {
				return err
			}
			reused = se
			return nil
		}
		if !now.Before(rt.ExpiresAt) {
			return ErrInvalidToken
		}
		u, err := st.UserByID(ctx, se.UserID)
		if err != nil {
			return err
		}
		if u.Status != StatusActive {
			return ErrInvalidToken
		}
		next := randomToken(32)
		nrt := &refreshToken{TokenHash: HashToken(next), SessionID: se.ID, CreatedAt: now, ExpiresAt: minTime(now.Add(s.cfg.RefreshTTL), se.ExpiresAt)}
		if err := st.createRefreshToken(ctx, nrt); err != nil {
			return err
		}
		if err := st.touchSession(ctx, se.ID, now); err != nil {
			return err
		}
		access, exp, err := s.tokens.IssueAccess(u.ID, u.Role, se.ID)
		if err != nil {
			return err
		}
		out = &Session{UserID: u.ID, Role: u.Role, SessionID: se.ID, AccessToken: access, AccessExpiresAt: exp, RefreshToken: next, RefreshExpiresAt: nrt.ExpiresAt}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if reused != nil {
		e := audit.Entry{ActorID: audit.Str(reused.UserID), ActorRole: "unknown", SessionID: audit.Str(reused.ID),
			Action: audit.ActionRefreshReuse, Object: "session:" + reused.ID, RequestID: m.RequestID, Outcome: audit.OutcomeDenied}
		if u, err := s.store.UserByID(ctx, reused.UserID); err == nil {
			e.ActorRole, e.SubjectID = string(u.Role), subjectOf(u)
		}
		if err := s.record(ctx, e); err != nil {
			return nil, err
		}
		return nil, ErrInvalidToken
	}
	return out, nil
}

// Logout revokes the caller's session: its refresh tokens stop working and
// its access tokens are refused from the next request on.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if err := s.store.RevokeSession(ctx, p.SessionID, "logout", s.now().UTC()); err != nil {
		return err
	}
	e := actorEntry(p, audit.ActionSignOut, "session:"+p.SessionID, audit.OutcomeSuccess)
	if p.Role == RoleClient {
		e.SubjectID = audit.Str(p.UserID)
	}
	return s.record(ctx, e)
}

// RecoverResult is a fresh recovery code (the old one is spent) and a
// session.
type RecoverResult struct {
	RecoveryCode string
	Session      *Session
}

// Recover lets a client who forgot their password set a new one with their
// recovery code. Every other session is signed out, and a new recovery code
// replaces the one used. Failures say nothing about which part was wrong.
func (s *Service) Recover(ctx context.Context, m Meta, nickname, code, newPassword string) (*RecoverResult, error) {
	key := lookupKey(nickname)
	if err := s.policy.Check("new_password", newPassword, nickname); err != nil {
		return nil, err
	}
	if err := s.checkAttempt(m, key); err != nil {
		return nil, err
	}
	u, err := s.store.UserByNickname(ctx, key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	want := HashToken("no account")
	if u != nil && u.RecoveryCodeHash != nil {
		want = *u.RecoveryCodeHash
	}
	got := HashToken(normaliseCode(code))
	if u == nil || u.Status != StatusActive || u.Role != RoleClient || u.RecoveryCodeHash == nil || !equalHash(got, want) {
		s.failAttempt(key)
		return nil, s.signInFailure(ctx, m, u, audit.ActionRecover)
	}
	s.throttle.account.Reset(s.throttle.accountKey(key))
	hash, err := HashPassword(newPassword, s.cfg.Argon2)
	if err != nil {
		return nil, err
	}
	next := newCode(5)
	nextHash := HashToken(normaliseCode(next))
	now := s.now().UTC()
	var se *Session
	err = s.store.Tx(ctx, func(st *Store) error {
		if err := st.UpdateUser(ctx, u.ID, map[string]any{"password_hash": hash, "recovery_code_hash": nextHash, "updated_at": now}); err != nil {
			return err
		}
		if err := st.RevokeUserSessions(ctx, u.ID, "", "recovered", now); err != nil {
			return err
		}
		var err error
		se, err = s.newSession(ctx, st, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, userEntry(u, se.SessionID, m.RequestID, audit.ActionRecover, audit.OutcomeSuccess)); err != nil {
		return nil, err
	}
	return &RecoverResult{RecoveryCode: next, Session: se}, nil
}

// Me returns the caller's account.
func (s *Service) Me(ctx context.Context, p Principal) (*User, error) {
	return s.store.UserByID(ctx, p.UserID)
}

// reauthenticate checks the caller's current password (before changing it,
// regenerating the recovery code or erasing the account), under the same
// per-account limit as sign-in.
func (s *Service) reauthenticate(ctx context.Context, p Principal, password string) (*User, error) {
	key := "reauth:" + p.UserID
	if blocked, wait := s.throttle.account.Blocked(s.throttle.accountKey(key)); blocked {
		return nil, throttled(wait)
	}
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if u.PasswordHash == nil {
		return nil, ErrInvalidCredentials
	}
	ok, _, err := CheckPassword(*u.PasswordHash, password, s.cfg.Argon2)
	if err != nil || !ok {
		s.failAttempt(key)
		return nil, ErrInvalidCredentials
	}
	s.throttle.account.Reset(s.throttle.accountKey(key))
	return u, nil
}

// ChangePassword sets a new password after checking the current one, and
// signs out every other session.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	u, err := s.reauthenticate(ctx, p, current)
	if err != nil {
		return err
	}
	if err := s.policy.Check("new_password", next, u.Name()); err != nil {
		return err
	}
	hash, err := HashPassword(next, s.cfg.Argon2)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	err = s.store.Tx(ctx, func(st *Store) error {
		if err := st.UpdateUser(ctx, u.ID, map[string]any{"password_hash": hash, "updated_at": now}); err != nil {
			return err
		}
		return st.RevokeUserSessions(ctx, u.ID, p.SessionID, "password_changed", now)
	})
	if err != nil {
		return err
	}
	e := actorEntry(p, audit.ActionPasswordChange, "user:"+u.ID, audit.OutcomeSuccess)
	e.SubjectID = subjectOf(u)
	return s.record(ctx, e)
}

// RegenerateRecoveryCode replaces a client's recovery code (after checking
// their password) and returns the new one, shown once.
func (s *Service) RegenerateRecoveryCode(ctx context.Context, p Principal, password string) (string, error) {
	u, err := s.reauthenticate(ctx, p, password)
	if err != nil {
		return "", err
	}
	code := newCode(5)
	if err := s.store.UpdateUser(ctx, u.ID, map[string]any{"recovery_code_hash": HashToken(normaliseCode(code)), "updated_at": s.now().UTC()}); err != nil {
		return "", err
	}
	return code, nil
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

func (s *Service) sealTOTP(userID, secret string) (string, error) {
	if s.cfg.Sealer == nil {
		return secret, nil
	}
	sealed, err := s.cfg.Sealer.Seal([]byte(secret), totpContext(userID))
	if err != nil {
		return "", fmt.Errorf("auth: seal totp secret: %w", err)
	}
	return sealed, nil
}

func (s *Service) openTOTP(u *User) (string, error) {
	if s.cfg.Sealer == nil {
		return *u.TOTPSecret, nil
	}
	plain, err := s.cfg.Sealer.Open(*u.TOTPSecret, totpContext(u.ID))
	if err != nil {
		return "", fmt.Errorf("auth: open totp secret: %w", err)
	}
	return string(plain), nil
}
