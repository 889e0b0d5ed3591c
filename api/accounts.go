package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// Handlers for accounts, sign-in, the caller's own data (/me), staff
// management and the audit log. Who may call each is decided in router.go
// by the authz middleware; these only bind, call auth.Service and answer.

type sessionView struct {
	AccessToken      string    `json:"access_token"`
	TokenType        string    `json:"token_type"`
	ExpiresIn        int       `json:"expires_in"`
	RefreshToken     string    `json:"refresh_token"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at"`
	UserID           string    `json:"user_id"`
	Role             auth.Role `json:"role"`
}

func (h *handlers) sessionView(s *auth.Session) sessionView {
	return sessionView{
		AccessToken: s.AccessToken, TokenType: "Bearer",
		ExpiresIn:    int(s.AccessExpiresAt.Sub(h.Auth.Now()).Round(time.Second).Seconds()),
		RefreshToken: s.RefreshToken, RefreshExpiresAt: s.RefreshExpiresAt.UTC(),
		UserID: s.UserID, Role: s.Role,
	}
}

type meView struct {
	ID         string    `json:"id"`
	Nickname   string    `json:"nickname"`
	Role       auth.Role `json:"role"`
	Email      *string   `json:"email"`
	MFAEnabled bool      `json:"mfa_enabled"`
	CreatedAt  time.Time `json:"created_at"`
}

func toMe(u *auth.User) meView {
	return meView{ID: u.ID, Nickname: u.Name(), Role: u.Role, Email: u.Email, MFAEnabled: u.MFAEnabled(), CreatedAt: u.CreatedAt.UTC()}
}

type userView struct {
	ID         string    `json:"id"`
	Nickname   string    `json:"nickname"`
	Role       auth.Role `json:"role"`
	Status     string    `json:"status"`
	MFAEnabled bool      `json:"mfa_enabled"`
	Capacity   int       `json:"capacity"`
	Caseload   int64     `json:"caseload"`
	CreatedAt  time.Time `json:"created_at"`
}

func toUserView(u *auth.User, caseload int64) userView {
	return userView{ID: u.ID, Nickname: u.Name(), Role: u.Role, Status: u.Status, MFAEnabled: u.MFAEnabled(),
		Capacity: u.Capacity, Caseload: caseload, CreatedAt: u.CreatedAt.UTC()}
}

// meta is what an unauthenticated flow passes on: the request id, and the
// source address for the in-memory throttle (never stored or logged).
func meta(c *gin.Context) auth.Meta {
	return auth.Meta{RequestID: middleware.RequestIDFrom(c.Request.Context()), Source: c.ClientIP()}
}

func principal(c *gin.Context) auth.Principal {
	p, _ := authz.Principal(c)
	return p
}

type credentialsRequest struct {
	Nickname string `json:"nickname"`
	Password string `json:"password"`
}

func (h *handlers) signUp(c *gin.Context) {
	var req credentialsRequest
	if !decodeJSON(c, &req) {
		return
	}
	res, err := h.Auth.SignUp(c.Request.Context(), meta(c), req.Nickname, req.Password)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"user": toMe(res.User), "recovery_code": res.RecoveryCode, "session": h.sessionView(res.Session)})
}

func (h *handlers) login(c *gin.Context) {
	var req credentialsRequest
	if !decodeJSON(c, &req) {
		return
	}
	res, err := h.Auth.Login(c.Request.Context(), meta(c), req.Nickname, req.Password)
	if err != nil {
		h.respondError(c, err)
		return
	}
	if res.Session != nil {
		c.JSON(http.StatusOK, gin.H{"status": res.Status, "session": h.sessionView(res.Session)})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": res.Status, "challenge": res.Challenge, "challenge_expires_in": int(auth.ChallengeTTL.Seconds())})
}

type mfaRequest struct {
	Challenge string `json:"challenge"`
	Code      string `json:"code"`
}

func (h *handlers) verifyMFA(c *gin.Context) {
	var req mfaRequest
	if !decodeJSON(c, &req) {
		return
	}
	se, err := h.Auth.VerifyMFA(c.Request.Context(), meta(c), req.Challenge, req.Code)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"session": h.sessionView(se)})
}

type challengeRequest struct {
	Challenge string `json:"challenge"`
}

func (h *handlers) startEnrolment(c *gin.Context) {
	var req challengeRequest
	if !decodeJSON(c, &req) {
		return
	}
	en, err := h.Auth.StartEnrolment(c.Request.Context(), req.Challenge)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"secret": en.Secret, "otpauth_url": en.URL})
}

func (h *handlers) confirmEnrolment(c *gin.Context) {
	var req mfaRequest
	if !decodeJSON(c, &req) {
		return
	}
	res, err := h.Auth.ConfirmEnrolment(c.Request.Context(), meta(c), req.Challenge, req.Code)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"recovery_codes": res.RecoveryCodes, "session": h.sessionView(res.Session)})
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (h *handlers) refresh(c *gin.Context) {
	var req refreshRequest
	if !decodeJSON(c, &req) {
		return
	}
	se, err := h.Auth.Refresh(c.Request.Context(), meta(c), req.RefreshToken)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"session": h.sessionView(se)})
}

func (h *handlers) logout(c *gin.Context) {
	if err := h.Auth.Logout(c.Request.Context(), principal(c)); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type recoverRequest struct {
	Nickname     string `json:"nickname"`
	RecoveryCode string `json:"recovery_code"`
	NewPassword  string `json:"new_password"`
}

func (h *handlers) recoverAccount(c *gin.Context) {
	var req recoverRequest
	if !decodeJSON(c, &req) {
		return
	}
	res, err := h.Auth.Recover(c.Request.Context(), meta(c), req.Nickname, req.RecoveryCode, req.NewPassword)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"recovery_code": res.RecoveryCode, "session": h.sessionView(res.Session)})
}

type acceptRequest struct {
	Token    string `json:"token"`
	Nickname string `json:"nickname"`
	Password string `json:"password"`
}

func (h *handlers) acceptInvitation(c *gin.Context) {
	var req acceptRequest
	if !decodeJSON(c, &req) {
		return
	}
	u, err := h.Auth.AcceptInvitation(c.Request.Context(), meta(c), req.Token, req.Nickname, req.Password)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"user": toMe(u)})
}

func (h *handlers) me(c *gin.Context) {
	u, err := h.Auth.Me(c.Request.Context(), principal(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toMe(u))
}

type passwordChangeRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (h *handlers) changePassword(c *gin.Context) {
	var req passwordChangeRequest
	if !decodeJSON(c, &req) {
		return
	}
	if err := h.Auth.ChangePassword(c.Request.Context(), principal(c), req.CurrentPassword, req.NewPassword); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type passwordRequest struct {
	Password string `json:"password"`
}

func (h *handlers) regenerateRecoveryCode(c *gin.Context) {
	var req passwordRequest
	if !decodeJSON(c, &req) {
		return
	}
	code, err := h.Auth.RegenerateRecoveryCode(c.Request.Context(), principal(c), req.Password)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"recovery_code": code})
}

type emailRequest struct {
	Email string `json:"email"`
}

func (h *handlers) setEmail(c *gin.Context) {
	var req emailRequest
	if !decodeJSON(c, &req) {
		return
	}
	if req.Email == "" {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Give an e-mail address, or DELETE it.", map[string]string{"email": "is required"})
		return
	}
	if err := h.Auth.SetEmail(c.Request.Context(), principal(c), req.Email); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) deleteEmail(c *gin.Context) {
	if err := h.Auth.SetEmail(c.Request.Context(), principal(c), ""); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) exportMe(c *gin.Context) {
	ex, err := h.Auth.Export(c.Request.Context(), principal(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="haven-my-data.json"`)
	c.JSON(http.StatusOK, ex)
}

func (h *handlers) eraseMe(c *gin.Context) {
	var req passwordRequest
	if !decodeJSON(c, &req) {
		return
	}
	if err := h.Auth.Erase(c.Request.Context(), principal(c), req.Password); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type accessView struct {
	At            time.Time `json:"at"`
	ActorRole     string    `json:"actor_role"`
	ActorNickname string    `json:"actor_nickname"`
	Action        string    `json:"action"`
	Outcome       string    `json:"outcome"`
}

// accessLog is the view NEN 7513 gives patients: who looked at or changed
// my record, and when.
func (h *handlers) accessLog(c *gin.Context) {
	p := principal(c)
	f, ok := pageFilter(c)
	if !ok {
		return
	}
	f.SubjectID, f.ExcludeActor = p.UserID, p.UserID
	entries, err := h.Audit.Search(c.Request.Context(), f)
	if err != nil {
		h.respondError(c, err)
		return
	}
	names := map[string]string{}
	out := []accessView{}
	for _, e := range entries {
		v := accessView{At: e.At, ActorRole: e.ActorRole, Action: e.Action, Outcome: e.Outcome}
		if e.ActorID != nil {
			name, seen := names[*e.ActorID]
			if !seen {
				name = h.Auth.DisplayName(c.Request.Context(), *e.ActorID)
				names[*e.ActorID] = name
			}
			v.ActorNickname = name
		}
		out = append(out, v)
	}
	c.JSON(http.StatusOK, gin.H{"entries": out})
}

type claimRequest struct {
	ClaimToken string `json:"claim_token"`
}

type claimedView struct {
	ID         string    `json:"id"`
	Instrument string    `json:"instrument"`
	Score      int       `json:"score"`
	MaxScore   int       `json:"max_score"`
	Band       string    `json:"band"`
	Crisis     bool      `json:"crisis"`
	CreatedAt  time.Time `json:"created_at"`
}

func (h *handlers) claimSelftest(c *gin.Context) {
	var req claimRequest
	if !decodeJSON(c, &req) {
		return
	}
	out, err := h.Selftest.Claim(c.Request.Context(), req.ClaimToken, principal(c).UserID)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, claimedView{ID: out.ID, Instrument: out.Instrument.ID, Score: out.Score, MaxScore: out.MaxScore,
		Band: out.Band, Crisis: out.Crisis, CreatedAt: out.CreatedAt})
}

func (h *handlers) claimedSelftests(c *gin.Context, userID string) ([]claimedView, error) {
	outs, err := h.Selftest.Claimed(c.Request.Context(), userID)
	if err != nil {
		return nil, err
	}
	views := []claimedView{}
	for _, o := range outs {
		views = append(views, claimedView{ID: o.ID, Instrument: o.Instrument.ID, Score: o.Score, MaxScore: o.MaxScore,
			Band: o.Band, Crisis: o.Crisis, CreatedAt: o.CreatedAt})
	}
	return views, nil
}

func (h *handlers) mySelftests(c *gin.Context) {
	views, err := h.claimedSelftests(c, principal(c).UserID)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"submissions": views})
}

type clientView struct {
	ID          string    `json:"id"`
	Nickname    string    `json:"nickname"`
	CreatedAt   time.Time `json:"created_at"`
	ClinicianID *string   `json:"clinician_id"`
}

func (h *handlers) listClients(c *gin.Context) {
	rows, err := h.Auth.Clients(c.Request.Context(), principal(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := []clientView{}
	for _, r := range rows {
		out = append(out, clientView(r))
	}
	c.JSON(http.StatusOK, gin.H{"clients": out})
}

// getClient is one client's record; the authz.ClientRecord policy in front
// of it has checked access and written the audit entry.
func (h *handlers) getClient(c *gin.Context) {
	u, clinician, err := h.Auth.Client(c.Request.Context(), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	tests, err := h.claimedSelftests(c, u.ID)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"client":    clientView{ID: u.ID, Nickname: u.Name(), CreatedAt: u.CreatedAt.UTC(), ClinicianID: clinician},
		"selftests": tests,
	})
}

type assignRequest struct {
	ClinicianID string `json:"clinician_id"`
}

func (h *handlers) assignClient(c *gin.Context) {
	var req assignRequest
	if !decodeJSON(c, &req) {
		return
	}
	if err := h.Auth.Assign(c.Request.Context(), principal(c), c.Param("id"), req.ClinicianID); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) unassignClient(c *gin.Context) {
	if err := h.Auth.Unassign(c.Request.Context(), principal(c), c.Param("id")); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) listUsers(c *gin.Context) {
	roles := []auth.Role{auth.RoleClinician, auth.RoleCoordinator, auth.RoleResearcher}
	if r := c.Query("role"); r != "" {
		role := auth.Role(r)
		if !role.Valid() || !role.Staff() {
			abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Unknown role.", map[string]string{"role": "must be clinician, coordinator or researcher"})
			return
		}
		roles = []auth.Role{role}
	}
	users, err := h.Auth.Users(c.Request.Context(), roles)
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := []userView{}
	for i := range users {
		out = append(out, toUserView(&users[i].User, users[i].Caseload))
	}
	c.JSON(http.StatusOK, gin.H{"users": out})
}

type userUpdateRequest struct {
	Role     *auth.Role `json:"role"`
	Capacity *int       `json:"capacity"`
	Disabled *bool      `json:"disabled"`
}

func (h *handlers) updateUser(c *gin.Context) {
	var req userUpdateRequest
	if !decodeJSON(c, &req) {
		return
	}
	u, err := h.Auth.UpdateUser(c.Request.Context(), principal(c), c.Param("id"), auth.UserUpdate(req))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserView(u, 0))
}

type inviteRequest struct {
	Role     auth.Role `json:"role"`
	Capacity int       `json:"capacity"`
}

type invitationView struct {
	ID        string    `json:"id"`
	Role      auth.Role `json:"role"`
	Capacity  int       `json:"capacity"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func toInvitationView(inv *auth.Invitation) invitationView {
	return invitationView{ID: inv.ID, Role: inv.Role, Capacity: inv.Capacity, CreatedAt: inv.CreatedAt.UTC(), ExpiresAt: inv.ExpiresAt.UTC()}
}

func (h *handlers) invite(c *gin.Context) {
	var req inviteRequest
	if !decodeJSON(c, &req) {
		return
	}
	link, err := h.Auth.Invite(c.Request.Context(), principal(c), req.Role, req.Capacity)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"invitation": toInvitationView(link.Invitation), "token": link.Token})
}

func (h *handlers) listInvitations(c *gin.Context) {
	invs, err := h.Auth.PendingInvitations(c.Request.Context())
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := []invitationView{}
	for i := range invs {
		out = append(out, toInvitationView(&invs[i]))
	}
	c.JSON(http.StatusOK, gin.H{"invitations": out})
}

type auditView struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	ActorID   *string   `json:"actor_id"`
	ActorRole string    `json:"actor_role"`
	SessionID *string   `json:"session_id"`
	SubjectID *string   `json:"subject_id"`
	Action    string    `json:"action"`
	Object    string    `json:"object"`
	RequestID string    `json:"request_id"`
	Outcome   string    `json:"outcome"`
	Hash      string    `json:"hash"`
}

// pageFilter reads ?from=&to= (RFC 3339 or a date), ?before= and ?limit=.
func pageFilter(c *gin.Context) (audit.Filter, bool) {
	var f audit.Filter
	fields := map[string]string{}
	parseTime := func(name string) time.Time {
		v := c.Query(name)
		if v == "" {
			return time.Time{}
		}
		for _, layout := range []string{time.RFC3339, "2006-01-02"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t
			}
		}
		fields[name] = "must be a date (2026-01-31) or an RFC 3339 time"
		return time.Time{}
	}
	f.From, f.To = parseTime("from"), parseTime("to")
	if v := c.Query("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			fields["before"] = "must be a positive entry number"
		}
		f.Before = n
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			fields["limit"] = "must be between 1 and 500"
		}
		f.Limit = n
	}
	if len(fields) > 0 {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Some search parameters are not valid.", fields)
		return f, false
	}
	return f, true
}

func (h *handlers) searchAudit(c *gin.Context) {
	f, ok := pageFilter(c)
	if !ok {
		return
	}
	f.SubjectID, f.ActorID = c.Query("client"), c.Query("user")
	p := principal(c)
	e := audit.Entry{ActorID: audit.Str(p.UserID), ActorRole: string(p.Role), SessionID: audit.Str(p.SessionID),
		SubjectID: audit.Str(f.SubjectID), Action: audit.ActionAuditSearch, Object: "audit_entries", RequestID: p.RequestID, Outcome: audit.OutcomeSuccess}
	if len(f.SubjectID) > 36 || len(f.ActorID) > 36 {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Some search parameters are not valid.", map[string]string{"client": "must be a user id"})
		return
	}
	if err := h.Audit.Append(c.Request.Context(), e); err != nil {
		h.respondError(c, err)
		return
	}
	entries, err := h.Audit.Search(c.Request.Context(), f)
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := []auditView{}
	for _, e := range entries {
		out = append(out, auditView{Seq: e.Seq, At: e.At, ActorID: e.ActorID, ActorRole: e.ActorRole, SessionID: e.SessionID,
			SubjectID: e.SubjectID, Action: e.Action, Object: e.Object, RequestID: e.RequestID, Outcome: e.Outcome, Hash: e.Hash})
	}
	c.JSON(http.StatusOK, gin.H{"entries": out})
}

// accountReport is aggregate only: counts, never a row about a person.
func (h *handlers) accountReport(c *gin.Context) {
	counts, err := h.Auth.Counts(c.Request.Context())
	if err != nil {
		h.respondError(c, err)
		return
	}
	claimed, err := h.Selftest.CountClaimed(c.Request.Context())
	if err != nil {
		h.respondError(c, err)
		return
	}
	byRole := map[string]int64{}
	for _, r := range auth.Roles {
		byRole[string(r)] = counts.ActiveByRole[r]
	}
	c.JSON(http.StatusOK, gin.H{"active_accounts": byRole, "erased_clients": counts.ErasedClients, "claimed_selftests": claimed})
}
