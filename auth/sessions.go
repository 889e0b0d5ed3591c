package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/haven-mh/haven/audit"
)

// Authenticate turns an access token into the request's principal: the
// token must verify and its session must still be live, for that user and
// that role (so sign-out, erasure, disabling and role changes take effect
// at once).
func (s *Sessions) Authenticate(ctx context.Context, accessToken, requestID string) (Principal, error) {
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
func (s *Sessions) SignUp(ctx context.Context, m Meta, nickname, password string) (*SignUpResult, error) {
	if ok, wait := s.throttle.signup.Allow(ctx, s.throttle.sourceKey(m.Source)); !ok {
		return nil, throttled(wait)
	}
	u, err := s.newUser(ctx, RoleClient, nickname, password)
	if err != nil {
		return nil, err
	}
	code := newCode(5)
	codeHash := HashToken(normaliseCode(code))
	u.RecoveryCodeHash = &codeHash
	se, err := s.signIn(ctx, m, u, audit.ActionSignUp, func(st *Store) error { return st.CreateUser(ctx, u) })
	if err != nil {
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

// Login checks a nickname and password. Clients get a session; staff who
// see health data get a challenge for their second factor (or for enrolling
// one, at their first sign-in). Every failure is the same
// ErrInvalidCredentials, whether or not the nickname exists.
func (s *Sessions) Login(ctx context.Context, m Meta, nickname, password string) (*LoginResult, error) {
	key := lookupKey(nickname)
	if err := s.checkAttempt(ctx, m, key); err != nil {
		return nil, err
	}
	if len(password) > 4*MaxPasswordLen {
		password = password[:4*MaxPasswordLen]
	}
	u, err := s.verifyPassword(ctx, key, password)
	if errors.Is(err, ErrInvalidCredentials) {
		s.failAttempt(ctx, m, key)
		return nil, s.signInFailure(ctx, m, u, audit.ActionSignIn)
	}
	if err != nil {
		return nil, err
	}
	s.passAttempt(ctx, m, key)
	if u.Role.NeedsMFA() {
		if u.MFAEnabled() {
			return &LoginResult{Status: LoginMFARequired, Challenge: s.tokens.issueChallenge(u.ID, challengeMFA)}, nil
		}
		return &LoginResult{Status: LoginEnrolmentRequired, Challenge: s.tokens.issueChallenge(u.ID, challengeEnrol)}, nil
	}
	se, err := s.signIn(ctx, m, u, audit.ActionSignIn, nil)
	if err != nil {
		return nil, err
	}
	return &LoginResult{Status: LoginOK, Session: se}, nil
}

// VerifyMFA completes a staff sign-in with a TOTP code or one of the
// recovery codes given at enrolment (each works once).
func (s *Sessions) VerifyMFA(ctx context.Context, m Meta, challenge, code string) (*Session, error) {
	u, key, err := s.challenged(ctx, m, challenge, challengeMFA)
	if err != nil {
		return nil, err
	}
	ok, err := s.checkSecondFactor(ctx, u, code)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.failAttempt(ctx, m, key)
		return nil, s.signInFailure(ctx, m, u, audit.ActionSignInMFA)
	}
	s.passAttempt(ctx, m, key)
	se, err := s.signIn(ctx, m, u, audit.ActionSignInMFA, nil)
	if err != nil {
		return nil, err
	}
	return se, nil
}

func (s *Sessions) checkSecondFactor(ctx context.Context, u *User, code string) (bool, error) {
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
func (s *Sessions) StartEnrolment(ctx context.Context, challenge string) (*Enrolment, error) {
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
func (s *Sessions) ConfirmEnrolment(ctx context.Context, m Meta, challenge, code string) (*EnrolmentResult, error) {
	u, key, err := s.challenged(ctx, m, challenge, challengeEnrol)
	if err != nil {
		return nil, err
	}
	secret, err := s.openTOTP(u)
	if err != nil {
		return nil, err
	}
	step := matchTOTP(secret, code, s.now())
	if step == 0 {
		s.failAttempt(ctx, m, key)
		return nil, s.signInFailure(ctx, m, u, audit.ActionMFAEnrol)
	}
	now := s.now().UTC()
	codes := make([]string, 10)
	hashes := make([]string, 10)
	for i := range codes {
		codes[i] = newCode(4)
		hashes[i] = HashToken(normaliseCode(codes[i]))
	}
	se, err := s.signIn(ctx, m, u, audit.ActionMFAEnrol, func(st *Store) error {
		if err := st.UpdateUser(ctx, u.ID, map[string]any{"totp_enabled_at": now, "totp_last_step": step, "updated_at": now}); err != nil {
			return err
		}
		if err := st.replaceRecoveryCodes(ctx, u.ID, hashes, now); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &EnrolmentResult{RecoveryCodes: codes, Session: se}, nil
}

// Refresh exchanges a refresh token for a new access token and a new
// refresh token. Each refresh token works once: presenting a spent one
// means it was stolen or replayed, so the whole session is revoked —
// except within Config.RefreshGrace of its first use, when two requests
// of one browser refreshed at once.
func (s *Sessions) Refresh(ctx context.Context, m Meta, raw string) (*Session, error) {
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
		// A token spent a moment ago is a second tab or an autosave racing
		// the page that refreshed first, not theft: within the grace
		// window it gets a session too. Later, a spent token means it was
		// stolen or replayed.
		justSpent := !spent && rt.UsedAt == nil || rt.UsedAt != nil && now.Sub(*rt.UsedAt) <= s.cfg.RefreshGrace
		if (rt.UsedAt != nil || !spent) && !justSpent {
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
		out = &Session{IssuedAt: now, UserID: u.ID, Role: u.Role, SessionID: se.ID, AccessToken: access, AccessExpiresAt: exp, RefreshToken: next, RefreshExpiresAt: nrt.ExpiresAt}
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
func (s *Sessions) Logout(ctx context.Context, p Principal) error {
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
func (s *Sessions) Recover(ctx context.Context, m Meta, nickname, code, newPassword string) (*RecoverResult, error) {
	key := lookupKey(nickname)
	if err := s.policy.Check("new_password", newPassword, nickname); err != nil {
		return nil, err
	}
	if err := s.checkAttempt(ctx, m, key); err != nil {
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
		s.failAttempt(ctx, m, key)
		return nil, s.signInFailure(ctx, m, u, audit.ActionRecover)
	}
	s.passAttempt(ctx, m, key)
	hash, err := s.hashPassword(ctx, newPassword)
	if err != nil {
		return nil, err
	}
	next := newCode(5)
	nextHash := HashToken(normaliseCode(next))
	now := s.now().UTC()
	se, err := s.signIn(ctx, m, u, audit.ActionRecover, func(st *Store) error {
		if err := st.UpdateUser(ctx, u.ID, map[string]any{"password_hash": hash, "recovery_code_hash": nextHash, "updated_at": now}); err != nil {
			return err
		}
		if err := st.RevokeUserSessions(ctx, u.ID, "", "recovered", now); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &RecoverResult{RecoveryCode: next, Session: se}, nil
}
