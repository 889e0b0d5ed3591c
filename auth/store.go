package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/db/seal"
)

// User is an account. A client has only a nickname and a password (Email
// holds an address given before Haven stopped asking for one, until the
// user removes it); staff are invited.
// Erasure turns the row into a tombstone that keeps only the id, the role,
// the creation day and the erasure time, for anonymous counts.
type User struct {
	ID               string `gorm:"primaryKey"`
	Role             Role
	Status           string
	Nickname         *string
	NicknameKey      *string
	PasswordHash     *string
	RecoveryCodeHash *string
	Email            *string
	TOTPSecret       *string    `gorm:"column:totp_secret"`
	TOTPEnabledAt    *time.Time `gorm:"column:totp_enabled_at"`
	TOTPLastStep     int64      `gorm:"column:totp_last_step"`
	Capacity         int
	// DisplayName and Profession are a staff member's real name and
	// profession, which a client is told before agreeing to them
	// (pseudonymity is for clients).
	DisplayName *string
	Profession  *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ErasedAt    *time.Time
}

// TableName is the table created by the migrations.
func (User) TableName() string { return "users" }

// Name returns the nickname, or "" for an erased account.
func (u *User) Name() string {
	if u.Nickname == nil {
		return ""
	}
	return *u.Nickname
}

// MFAEnabled reports whether the user has a confirmed second factor.
func (u *User) MFAEnabled() bool { return u.TOTPEnabledAt != nil }

// session is one sign-in: a family of refresh tokens. Reuse of a spent
// token revokes the whole family.
type session struct {
	ID           string `gorm:"primaryKey"`
	UserID       string
	CreatedAt    time.Time
	LastUsedAt   time.Time
	ExpiresAt    time.Time
	RevokedAt    *time.Time
	RevokeReason *string
}

func (session) TableName() string { return "auth_sessions" }

type refreshToken struct {
	TokenHash string `gorm:"primaryKey"`
	SessionID string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (refreshToken) TableName() string { return "auth_refresh_tokens" }

type recoveryCode struct {
	ID        uint64 `gorm:"primaryKey"`
	UserID    string
	CodeHash  string
	CreatedAt time.Time
	UsedAt    *time.Time
}

func (recoveryCode) TableName() string { return "auth_recovery_codes" }

// Invitation lets one person create a staff account, once, within 72 hours.
type Invitation struct {
	ID             string `gorm:"primaryKey"`
	TokenHash      string
	Role           Role
	Capacity       int
	CreatedBy      string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	AcceptedAt     *time.Time
	AcceptedUserID *string
}

// TableName is the table created by the migrations.
func (Invitation) TableName() string { return "auth_invitations" }

// Store persists accounts, sessions and invitations. It is the only code in
// this package that touches the database.
type Store struct {
	db       *gorm.DB
	sessions *sessionCache // nil: every check queries
}

// NewStore returns a store on db.
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

// CacheSessions makes SessionActive remember a live session for ttl in this
// process (sessionCache); 0 turns it off. Call it once, before use.
func (s *Store) CacheSessions(ttl time.Duration) *Store {
	s.sessions = newSessionCache(ttl)
	return s
}

// Tx runs fn in a transaction; inside, use only the store it is given.
func (s *Store) Tx(ctx context.Context, fn func(st *Store) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, sessions: s.sessions})
	})
}

func (s *Store) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("auth: %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("auth: %s: %w", what, err)
}

// CreateUser inserts u; a taken nickname is a *ConflictError.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	err := s.q(ctx).Create(u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return conflict("nickname", "is taken; choose another")
	}
	if err != nil {
		return fmt.Errorf("auth: insert user: %w", err)
	}
	return nil
}

// UserByID returns the user with id, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id string) (*User, error) {
	var u User
	if err := s.q(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// UserByNickname returns the user whose normalised nickname is key.
func (s *Store) UserByNickname(ctx context.Context, key string) (*User, error) {
	var u User
	if err := s.q(ctx).Where("nickname_key = ?", key).Take(&u).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// UpdateUser sets the named columns of user id.
func (s *Store) UpdateUser(ctx context.Context, id string, cols map[string]any) error {
	s.sessions.forgetUser(id)
	if err := s.q(ctx).Model(&User{}).Where("id = ?", id).Updates(cols).Error; err != nil {
		return fmt.Errorf("auth: update user: %w", err)
	}
	return nil
}

// AdvanceTOTPStep records step as the last TOTP step used, unless a later
// or equal one was used already (a replayed code); it reports which.
func (s *Store) AdvanceTOTPStep(ctx context.Context, id string, step int64) (bool, error) {
	res := s.q(ctx).Model(&User{}).Where("id = ? AND totp_last_step < ?", id, step).Update("totp_last_step", step)
	if res.Error != nil {
		return false, fmt.Errorf("auth: advance totp step: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Users lists live users with one of roles (all roles when empty), by
// nickname.
func (s *Store) Users(ctx context.Context, roles []Role) ([]User, error) {
	var out []User
	q := s.q(ctx).Where("status <> ?", StatusErased)
	if len(roles) > 0 {
		q = q.Where("role IN ?", roles)
	}
	if err := q.Order("nickname_key").Limit(5000).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	return out, nil
}

// CreateSession inserts a session and its first refresh token.
func (s *Store) CreateSession(ctx context.Context, se *session, rt *refreshToken) error {
	if err := s.q(ctx).Create(se).Error; err != nil {
		return fmt.Errorf("auth: insert session: %w", err)
	}
	if err := s.q(ctx).Create(rt).Error; err != nil {
		return fmt.Errorf("auth: insert refresh token: %w", err)
	}
	return nil
}

func (s *Store) session(ctx context.Context, id string) (*session, error) {
	var se session
	if err := s.q(ctx).Where("id = ?", id).Take(&se).Error; err != nil {
		return nil, notFound(err, "session")
	}
	return &se, nil
}

// SessionActive reports whether the session is live for that user and role:
// not revoked, not expired, and the user still active with that role. It is
// the one query every authenticated request makes.
func (s *Store) SessionActive(ctx context.Context, sessionID, userID string, role Role, now time.Time) (bool, error) {
	if s.sessions.get(sessionID, userID, role, now) {
		return true, nil
	}
	var expires []time.Time
	err := s.q(ctx).Table("auth_sessions").
		Joins("JOIN users ON users.id = auth_sessions.user_id").
		Where("auth_sessions.id = ? AND auth_sessions.user_id = ? AND auth_sessions.revoked_at IS NULL AND auth_sessions.expires_at > ?", sessionID, userID, now).
		Where("users.status = ? AND users.role = ?", StatusActive, role).
		Limit(1).Pluck("auth_sessions.expires_at", &expires).Error
	if err != nil {
		return false, fmt.Errorf("auth: check session: %w", err)
	}
	if len(expires) != 1 {
		return false, nil
	}
	s.sessions.put(sessionID, userID, role, expires[0])
	return true, nil
}

func (s *Store) refreshToken(ctx context.Context, hash string) (*refreshToken, error) {
	var rt refreshToken
	if err := s.q(ctx).Where("token_hash = ?", hash).Take(&rt).Error; err != nil {
		return nil, notFound(err, "refresh token")
	}
	return &rt, nil
}

// spendRefreshToken marks an unused token used; false when it was spent
// already (by a concurrent request, or a replay).
func (s *Store) spendRefreshToken(ctx context.Context, hash string, now time.Time) (bool, error) {
	res := s.q(ctx).Model(&refreshToken{}).Where("token_hash = ? AND used_at IS NULL", hash).Update("used_at", now)
	if res.Error != nil {
		return false, fmt.Errorf("auth: spend refresh token: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

func (s *Store) createRefreshToken(ctx context.Context, rt *refreshToken) error {
	if err := s.q(ctx).Create(rt).Error; err != nil {
		return fmt.Errorf("auth: insert refresh token: %w", err)
	}
	return nil
}

func (s *Store) touchSession(ctx context.Context, id string, now time.Time) error {
	if err := s.q(ctx).Model(&session{}).Where("id = ?", id).Update("last_used_at", now).Error; err != nil {
		return fmt.Errorf("auth: touch session: %w", err)
	}
	return nil
}

// RevokeSession revokes one session (and so its refresh tokens).
func (s *Store) RevokeSession(ctx context.Context, id, reason string, now time.Time) error {
	s.sessions.forgetSession(id)
	err := s.q(ctx).Model(&session{}).Where("id = ? AND revoked_at IS NULL", id).
		Updates(map[string]any{"revoked_at": now, "revoke_reason": reason}).Error
	if err != nil {
		return fmt.Errorf("auth: revoke session: %w", err)
	}
	return nil
}

// RevokeUserSessions revokes every live session of a user except keep.
func (s *Store) RevokeUserSessions(ctx context.Context, userID, keep, reason string, now time.Time) error {
	s.sessions.forgetUser(userID)
	q := s.q(ctx).Model(&session{}).Where("user_id = ? AND revoked_at IS NULL", userID)
	if keep != "" {
		q = q.Where("id <> ?", keep)
	}
	if err := q.Updates(map[string]any{"revoked_at": now, "revoke_reason": reason}).Error; err != nil {
		return fmt.Errorf("auth: revoke sessions: %w", err)
	}
	return nil
}

func (s *Store) sessionsOf(ctx context.Context, userID string) ([]session, error) {
	var out []session
	if err := s.q(ctx).Where("user_id = ?", userID).Order("created_at DESC").Limit(200).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("auth: list sessions: %w", err)
	}
	return out, nil
}

func (s *Store) replaceRecoveryCodes(ctx context.Context, userID string, hashes []string, now time.Time) error {
	if err := s.q(ctx).Where("user_id = ?", userID).Delete(&recoveryCode{}).Error; err != nil {
		return fmt.Errorf("auth: delete recovery codes: %w", err)
	}
	for _, h := range hashes {
		if err := s.q(ctx).Create(&recoveryCode{UserID: userID, CodeHash: h, CreatedAt: now}).Error; err != nil {
			return fmt.Errorf("auth: insert recovery code: %w", err)
		}
	}
	return nil
}

func (s *Store) useRecoveryCode(ctx context.Context, userID, hash string, now time.Time) (bool, error) {
	res := s.q(ctx).Model(&recoveryCode{}).Where("user_id = ? AND code_hash = ? AND used_at IS NULL", userID, hash).Update("used_at", now)
	if res.Error != nil {
		return false, fmt.Errorf("auth: use recovery code: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CreateInvitation inserts an invitation.
func (s *Store) CreateInvitation(ctx context.Context, inv *Invitation) error {
	if err := s.q(ctx).Create(inv).Error; err != nil {
		return fmt.Errorf("auth: insert invitation: %w", err)
	}
	return nil
}

func (s *Store) invitationByHash(ctx context.Context, hash string) (*Invitation, error) {
	var inv Invitation
	if err := s.q(ctx).Where("token_hash = ?", hash).Take(&inv).Error; err != nil {
		return nil, notFound(err, "invitation")
	}
	return &inv, nil
}

func (s *Store) acceptInvitation(ctx context.Context, id, userID string, now time.Time) (bool, error) {
	res := s.q(ctx).Model(&Invitation{}).Where("id = ? AND accepted_at IS NULL", id).
		Updates(map[string]any{"accepted_at": now, "accepted_user_id": userID})
	if res.Error != nil {
		return false, fmt.Errorf("auth: accept invitation: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// PendingInvitations lists unaccepted, unexpired invitations.
func (s *Store) PendingInvitations(ctx context.Context, now time.Time) ([]Invitation, error) {
	var out []Invitation
	if err := s.q(ctx).Where("accepted_at IS NULL AND expires_at > ?", now).Order("created_at DESC").Limit(500).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("auth: list invitations: %w", err)
	}
	return out, nil
}

// ClientRow is a client, for lists.
type ClientRow struct {
	ID        string
	Nickname  string
	CreatedAt time.Time
}

// clients lists live clients.
func (s *Store) clients(ctx context.Context) ([]ClientRow, error) {
	var rows []ClientRow
	q := s.q(ctx).Table("users").Select("users.id, users.nickname, users.created_at").
		Where("users.role = ? AND users.status = ?", RoleClient, StatusActive)
	if err := q.Order("users.nickname_key").Limit(5000).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("auth: list clients: %w", err)
	}
	for i := range rows {
		rows[i].CreatedAt = rows[i].CreatedAt.UTC()
	}
	return rows, nil
}

// erase removes everything personal about a user and leaves a tombstone.
func (s *Store) erase(ctx context.Context, userID string, createdAt, now time.Time) error {
	s.sessions.forgetUser(userID)
	var sessionIDs []string
	if err := s.q(ctx).Model(&session{}).Where("user_id = ?", userID).Pluck("id", &sessionIDs).Error; err != nil {
		return fmt.Errorf("auth: erase: sessions: %w", err)
	}
	steps := []func() error{
		func() error {
			if len(sessionIDs) == 0 {
				return nil
			}
			return s.q(ctx).Where("session_id IN ?", sessionIDs).Delete(&refreshToken{}).Error
		},
		func() error { return s.q(ctx).Where("user_id = ?", userID).Delete(&session{}).Error },
		func() error { return s.q(ctx).Where("user_id = ?", userID).Delete(&recoveryCode{}).Error },
		func() error {
			return s.q(ctx).Model(&Invitation{}).Where("accepted_user_id = ?", userID).Update("accepted_user_id", nil).Error
		},
		func() error {
			day := now.UTC().Truncate(24 * time.Hour)
			return s.q(ctx).Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
				"status": StatusErased, "nickname": nil, "nickname_key": nil, "password_hash": nil,
				"recovery_code_hash": nil, "email": nil, "totp_secret": nil, "totp_enabled_at": nil,
				"totp_last_step": 0, "capacity": 0, "display_name": nil, "profession": nil, "erased_at": day, "updated_at": day,
				"created_at": createdAt.UTC().Truncate(24 * time.Hour),
			}).Error
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("auth: erase: %w", err)
		}
	}
	return nil
}

// Counts are anonymous totals for reports.
type Counts struct {
	ActiveByRole  map[Role]int64
	ErasedClients int64
}

func (s *Store) counts(ctx context.Context) (Counts, error) {
	c := Counts{ActiveByRole: map[Role]int64{}}
	var rows []struct {
		Role string
		N    int64
	}
	if err := s.q(ctx).Model(&User{}).Select("role, count(*) AS n").Where("status = ?", StatusActive).Group("role").Scan(&rows).Error; err != nil {
		return c, fmt.Errorf("auth: count users: %w", err)
	}
	for _, r := range rows {
		c.ActiveByRole[Role(r.Role)] = r.N
	}
	if err := s.q(ctx).Model(&User{}).Where("status = ? AND role = ?", StatusErased, RoleClient).Count(&c.ErasedClients).Error; err != nil {
		return c, fmt.Errorf("auth: count erased: %w", err)
	}
	return c, nil
}

// DisplayNames returns the nickname of each of ids that still has one
// (erased accounts have none), in one query: the audit log's directory.
func (s *Store) DisplayNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID       string
		Nickname *string
	}
	if err := s.q(ctx).Model(&User{}).Select("id, nickname").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("auth: display names: %w", err)
	}
	for _, r := range rows {
		if r.Nickname != nil {
			out[r.ID] = *r.Nickname
		}
	}
	return out, nil
}

// Names returns the name a person is known by to others, for each of ids
// that still has one, in one query: a staff member's display name when
// they gave one — a client is told who guides them, never the nickname
// the clinician signs in with — else the nickname (clients are known by
// their nickname only). Erased accounts are left out.
func (s *Store) Names(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID          string
		Nickname    *string
		DisplayName *string
	}
	if err := s.q(ctx).Model(&User{}).Select("id, nickname, display_name").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("auth: names: %w", err)
	}
	for _, r := range rows {
		switch {
		case r.DisplayName != nil && *r.DisplayName != "":
			out[r.ID] = *r.DisplayName
		case r.Nickname != nil:
			out[r.ID] = *r.Nickname
		}
	}
	return out, nil
}

// StaffMember returns an active staff member, or ErrNotFound.
func (s *Store) StaffMember(ctx context.Context, id string) (*User, error) {
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !u.Role.Staff() || u.Status != StatusActive {
		return nil, fmt.Errorf("auth: staff member %s: %w", id, ErrNotFound)
	}
	return u, nil
}

// Clinicians lists the active clinicians.
func (s *Store) Clinicians(ctx context.Context) ([]User, error) {
	var out []User
	if err := s.q(ctx).Where("role = ? AND status = ?", RoleClinician, StatusActive).Order("nickname_key").Limit(5000).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("auth: list clinicians: %w", err)
	}
	return out, nil
}

// NotificationAddresses returns where a recipient's notifications go: the
// user's e-mail address, or, for "role:coordinator", every active
// coordinator's (the outbox's address book). None when none was given.
func (s *Store) NotificationAddresses(ctx context.Context, recipient string) ([]string, error) {
	q := s.q(ctx).Model(&User{}).Where("status = ? AND email IS NOT NULL AND email <> ''", StatusActive)
	if role, ok := strings.CutPrefix(recipient, "role:"); ok {
		q = q.Where("role = ?", role)
	} else {
		q = q.Where("id = ?", recipient)
	}
	var out []string
	if err := q.Limit(1000).Pluck("email", &out).Error; err != nil {
		return nil, fmt.Errorf("auth: notification addresses: %w", err)
	}
	return out, nil
}

// SealedKeyIDs lists the encryption key ids the sealed TOTP secrets were
// sealed with: at start-up Haven refuses to run without every one of them.
func (s *Store) SealedKeyIDs(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.q(ctx).Model(&User{}).Distinct(seal.KeyIDSQL(s.db.Dialector.Name(), "totp_secret")).
		Where("totp_secret LIKE ?", "%:%").Pluck("totp_secret", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("auth: sealed key ids: %w", err)
	}
	return ids, nil
}
