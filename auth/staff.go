package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/db/kind"
)

// CreateAdmin creates a coordinator from the command line (`haven admin
// create`), for the first one. They enrol a second factor at first sign-in.
func (s *Staff) CreateAdmin(ctx context.Context, nickname, password string) (*User, error) {
	u, err := s.newUser(ctx, RoleCoordinator, nickname, password)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	if err := s.record(ctx, audit.Entry{ActorRole: "system", Action: audit.ActionAdminCreate, Object: "user:" + u.ID,
		RequestID: "cli", Outcome: audit.OutcomeSuccess}); err != nil {
		return nil, err
	}
	return u, nil
}

// InvitationLink is a new invitation and its one-time token (shown once).
type InvitationLink struct {
	Invitation *Invitation
	Token      string
}

// Invite creates a one-time invitation for a staff role, valid for
// Config.InvitationTTL (72 h).
func (s *Staff) Invite(ctx context.Context, p Principal, role Role, capacity int) (*InvitationLink, error) {
	if !role.Valid() || !role.Staff() {
		return nil, invalid("role", "must be clinician, coordinator or researcher")
	}
	if capacity < 0 || capacity > 1000 {
		return nil, invalid("capacity", "must be between 0 and 1000")
	}
	if role != RoleClinician {
		capacity = 0
	}
	token := randomToken(32)
	now := s.now().UTC()
	inv := &Invitation{ID: uuid.NewString(), TokenHash: HashToken(token), Role: role, Capacity: capacity,
		CreatedBy: p.UserID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.InvitationTTL)}
	if err := s.store.CreateInvitation(ctx, inv); err != nil {
		return nil, err
	}
	if err := s.record(ctx, actorEntry(p, audit.ActionInvite, "invitation:"+inv.ID, audit.OutcomeSuccess)); err != nil {
		return nil, err
	}
	return &InvitationLink{Invitation: inv, Token: token}, nil
}

// PendingInvitations lists invitations not yet accepted nor expired.
func (s *Staff) PendingInvitations(ctx context.Context) ([]Invitation, error) {
	return s.store.PendingInvitations(ctx, s.now().UTC())
}

// AcceptInvitation creates the invited staff account. The token works once
// and for 72 hours; the new user enrols a second factor at first sign-in.
func (s *Staff) AcceptInvitation(ctx context.Context, m Meta, token, nickname, password string, profile StaffProfile) (*User, error) {
	if ok, wait := s.throttle.signup.Allow(ctx, s.throttle.sourceKey(m.Source)); !ok {
		return nil, throttled(wait)
	}
	if token == "" || len(token) > 256 {
		return nil, ErrInvalidToken
	}
	now := s.now().UTC()
	inv, err := s.store.invitationByHash(ctx, HashToken(token))
	if errors.Is(err, ErrNotFound) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	if inv.AcceptedAt != nil || !now.Before(inv.ExpiresAt) {
		return nil, ErrInvalidToken
	}
	u, err := s.newUser(ctx, inv.Role, nickname, password)
	if err != nil {
		return nil, err
	}
	if err := profile.check(inv.Role); err != nil {
		return nil, err
	}
	u.Capacity, u.DisplayName, u.Profession = inv.Capacity, optional(profile.DisplayName), optional(profile.Profession)
	err = s.store.Tx(ctx, func(st *Store) error {
		ok, err := st.acceptInvitation(ctx, inv.ID, u.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrInvalidToken
		}
		return st.CreateUser(ctx, u)
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, userEntry(u, "", m.RequestID, audit.ActionInviteAccept, audit.OutcomeSuccess)); err != nil {
		return nil, err
	}
	return u, nil
}

// UserSummary is a user as coordinators see them in lists.
type UserSummary struct {
	User     User
	Caseload int64
}

// Users lists users with the given roles (all when empty).
func (s *Staff) Users(ctx context.Context, roles []Role) ([]UserSummary, error) {
	users, err := s.store.Users(ctx, roles)
	if err != nil {
		return nil, err
	}
	sizes := map[string]int{}
	if s.cfg.Caseloads != nil {
		if sizes, err = s.cfg.Caseloads.CaseloadSizes(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]UserSummary, 0, len(users))
	for _, u := range users {
		out = append(out, UserSummary{User: u, Caseload: int64(sizes[u.ID])})
	}
	return out, nil
}

// UserUpdate changes a staff account. Nil fields stay as they are.
type UserUpdate struct {
	Role     *Role
	Capacity *int
	Disabled *bool
}

// UpdateUser changes a staff member's role, caseload capacity or status.
// A role change or disabling signs them out everywhere. Coordinators cannot
// change their own role or status (so the last one cannot lock everyone
// out), clients cannot become staff nor staff clients (staff are invited).
func (s *Staff) UpdateUser(ctx context.Context, p Principal, id string, up UserUpdate) (*User, error) {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Status == StatusErased {
		return nil, ErrNotFound
	}
	fields := map[string]string{}
	cols := map[string]any{}
	if up.Role != nil {
		switch {
		case !up.Role.Valid() || !up.Role.Staff():
			fields["role"] = "must be clinician, coordinator or researcher"
		case !u.Role.Staff():
			fields["role"] = "a client's role cannot change; invite staff instead"
		case u.ID == p.UserID && *up.Role != u.Role:
			fields["role"] = "you cannot change your own role"
		case *up.Role != u.Role:
			cols["role"] = *up.Role
		}
	}
	if up.Capacity != nil {
		if *up.Capacity < 0 || *up.Capacity > 1000 {
			fields["capacity"] = "must be between 0 and 1000"
		} else {
			cols["capacity"] = *up.Capacity
		}
	}
	if up.Disabled != nil {
		status := StatusActive
		if *up.Disabled {
			status = StatusDisabled
		}
		switch {
		case u.ID == p.UserID && status != u.Status:
			fields["disabled"] = "you cannot disable your own account"
		case status != u.Status:
			cols["status"] = status
		}
	}
	if len(fields) > 0 {
		return nil, &ValidationError{Domain: "auth", Fields: fields}
	}
	if len(cols) == 0 {
		return u, nil
	}
	now := s.now().UTC()
	cols["updated_at"] = now
	_, roleChanged := cols["role"]
	_, statusChanged := cols["status"]
	err = s.store.Tx(ctx, func(st *Store) error {
		if err := st.UpdateUser(ctx, u.ID, cols); err != nil {
			return err
		}
		if roleChanged || statusChanged {
			return st.RevokeUserSessions(ctx, u.ID, "", "account_changed", now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	action := audit.ActionUserUpdate
	if roleChanged {
		action = audit.ActionRoleChange
	}
	e := actorEntry(p, action, "user:"+u.ID, audit.OutcomeSuccess)
	e.SubjectID = subjectOf(u)
	if err := s.record(ctx, e); err != nil {
		return nil, err
	}
	return s.store.UserByID(ctx, u.ID)
}

// Clients lists every client, for coordinators (a clinician's clients are
// their caseload, in the guided trajectory). Each client listed gets an
// entry in the audit log, so it shows in their "who looked at my record".
func (s *Staff) Clients(ctx context.Context, p Principal) ([]ClientRow, error) {
	if p.Role != RoleCoordinator {
		return nil, ErrForbidden
	}
	rows, err := s.store.clients(ctx)
	if err != nil {
		return nil, err
	}
	entries := []audit.Entry{actorEntry(p, audit.ActionClientList, "clients", audit.OutcomeSuccess)}
	if len(rows) > 0 {
		entries = entries[:0]
		for _, r := range rows {
			e := actorEntry(p, audit.ActionClientList, "clients", audit.OutcomeSuccess)
			e.SubjectID = audit.Str(r.ID)
			entries = append(entries, e)
		}
	}
	if err := s.audit.AppendAll(ctx, entries); err != nil {
		return nil, fmt.Errorf("auth: audit: %w", err)
	}
	return rows, nil
}

// Client returns one client's account summary. Access control and the
// audit entry are the authz policy's job, before this is called.
func (s *Staff) Client(ctx context.Context, clientID string) (*User, error) {
	u, err := s.store.UserByID(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if u.Role != RoleClient || u.Status != StatusActive {
		return nil, ErrNotFound
	}
	return u, nil
}

// Counts returns anonymous totals for reports.
func (s *Staff) Counts(ctx context.Context) (Counts, error) {
	return s.store.counts(ctx)
}

// StaffProfile is how a staff member is named to clients: their real name
// and profession (pseudonymity is for clients). Clinicians must give both.
type StaffProfile struct {
	DisplayName string
	Profession  string
}

func (p *StaffProfile) check(role Role) error {
	p.DisplayName, p.Profession = strings.TrimSpace(p.DisplayName), strings.TrimSpace(p.Profession)
	verr := kind.NewInvalid("auth")
	if len([]rune(p.DisplayName)) > 100 {
		verr.Add("display_name", "at most 100 characters")
	}
	if len([]rune(p.Profession)) > 100 {
		verr.Add("profession", "at most 100 characters")
	}
	if role == RoleClinician && p.DisplayName == "" {
		verr.Add("display_name", "clients are told who guides them: give your name")
	}
	if role == RoleClinician && p.Profession == "" {
		verr.Add("profession", "clients are told who guides them: give your profession")
	}
	return verr.OrNil()
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// SetProfile changes a staff member's own name and profession.
func (s *Accounts) SetProfile(ctx context.Context, p Principal, profile StaffProfile) error {
	if !p.Role.Staff() {
		return ErrForbidden
	}
	if err := profile.check(p.Role); err != nil {
		return err
	}
	return s.store.UpdateUser(ctx, p.UserID, map[string]any{"display_name": optional(profile.DisplayName),
		"profession": optional(profile.Profession), "updated_at": s.now().UTC()})
}
