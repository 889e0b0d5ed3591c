package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/haven-mh/haven/audit"
)

// RemoveEmail removes the e-mail address the caller gave earlier. Haven
// does not ask for one any more: nothing sends to it (the self-help
// reminder has its own opt-in address), so keeping it would be collecting
// data without a use. The guided trajectory may ask again when it has one.
// Addresses given before stay in the export until removed.
func (s *Accounts) RemoveEmail(ctx context.Context, p Principal) error {
	return s.store.UpdateUser(ctx, p.UserID, map[string]any{"email": nil, "updated_at": s.now().UTC()})
}

// Export is everything Haven holds about a user (GDPR article 15 and 20).
type Export struct {
	Account  ExportAccount   `json:"account"`
	Sessions []ExportSession `json:"sessions"`
	// Domains holds each other domain's part, by DataHolder.DataName.
	Domains map[string]any `json:"domains"`
}

// ExportAccount is the account part of an export.
type ExportAccount struct {
	ID         string    `json:"id"`
	Nickname   string    `json:"nickname"`
	Role       Role      `json:"role"`
	Email      *string   `json:"email"`
	MFAEnabled bool      `json:"mfa_enabled"`
	CreatedAt  time.Time `json:"created_at"`
}

// ExportSession is one sign-in session.
type ExportSession struct {
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt time.Time  `json:"last_used_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Export gathers the caller's data from every domain.
func (s *Accounts) Export(ctx context.Context, p Principal) (*Export, error) {
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	out := &Export{
		Account: ExportAccount{ID: u.ID, Nickname: u.Name(), Role: u.Role, Email: u.Email, MFAEnabled: u.MFAEnabled(), CreatedAt: u.CreatedAt.UTC()},
		Domains: map[string]any{}, Sessions: []ExportSession{},
	}
	sessions, err := s.store.sessionsOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, se := range sessions {
		out.Sessions = append(out.Sessions, ExportSession{CreatedAt: se.CreatedAt.UTC(), LastUsedAt: se.LastUsedAt.UTC(), ExpiresAt: se.ExpiresAt.UTC(), RevokedAt: utcPtr(se.RevokedAt)})
	}
	for _, h := range s.holders {
		part, err := h.ExportUser(ctx, u.ID)
		if err != nil {
			return nil, fmt.Errorf("auth: export %s: %w", h.DataName(), err)
		}
		out.Domains[h.DataName()] = part
	}
	e := actorEntry(p, audit.ActionAccountExport, "user:"+u.ID, audit.OutcomeSuccess)
	e.SubjectID = subjectOf(u)
	if err := s.record(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Erase deletes a client's account for good (GDPR article 17), after
// checking their password: every domain erases what it holds about them,
// then the account becomes a tombstone with no personal data (its id, role,
// creation day and erasure day remain, for anonymous counts). The audit log
// keeps its entries, which name only the random id, as NEN 7513 requires.
func (s *Accounts) Erase(ctx context.Context, p Principal, password string) error {
	u, err := s.reauthenticate(ctx, p, password)
	if err != nil {
		return err
	}
	if u.Role != RoleClient {
		// Staff accounts are closed by a coordinator, not erased: their
		// actions in the audit log must stay attributable.
		return ErrForbidden
	}
	for _, h := range s.holders {
		if err := h.EraseUser(ctx, u.ID); err != nil {
			return fmt.Errorf("auth: erase %s: %w", h.DataName(), err)
		}
	}
	now := s.now().UTC()
	if err := s.store.Tx(ctx, func(st *Store) error { return st.erase(ctx, u.ID, u.CreatedAt, now) }); err != nil {
		return err
	}
	e := actorEntry(p, audit.ActionAccountErase, "user:"+u.ID, audit.OutcomeSuccess)
	e.SubjectID = audit.Str(u.ID)
	return s.record(ctx, e)
}

// Me returns the caller's account.
func (s *Accounts) Me(ctx context.Context, p Principal) (*User, error) {
	return s.store.UserByID(ctx, p.UserID)
}

// ChangePassword sets a new password after checking the current one, and
// signs out every other session.
func (s *Accounts) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	u, err := s.reauthenticate(ctx, p, current)
	if err != nil {
		return err
	}
	if err := s.policy.Check("new_password", next, u.Name()); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, next)
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
func (s *Accounts) RegenerateRecoveryCode(ctx context.Context, p Principal, password string) (string, error) {
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
