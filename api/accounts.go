package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// Handlers for accounts, sign-in, the caller's own data (/me), staff
// management and the audit log. Who may call each is decided in routes.go
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

func toSession(s *auth.Session) sessionView {
	return sessionView{
		AccessToken: s.AccessToken, TokenType: "Bearer",
		ExpiresIn:    int(s.AccessExpiresAt.Sub(s.IssuedAt).Round(time.Second).Seconds()),
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
	res, err := h.Auth.Sessions.SignUp(c.Request.Context(), meta(c), req.Nickname, req.Password)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"user": toMe(res.User), "recovery_code": res.RecoveryCode, "session": toSession(res.Session)})
}

func (h *handlers) login(c *gin.Context) {
	var req credentialsRequest
	if !decodeJSON(c, &req) {
		return
	}
	res, err := h.Auth.Sessions.Login(c.Request.Context(), meta(c), req.Nickname, req.Password)
	if err != nil {
		h.respondError(c, err)
		return
	}
	if res.Session != nil {
		c.JSON(http.StatusOK, gin.H{"status": res.Status, "session": toSession(res.Session)})
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
	se, err := h.Auth.Sessions.VerifyMFA(c.Request.Context(), meta(c), req.Challenge, req.Code)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"session": toSession(se)})
}

type challengeRequest struct {
	Challenge string `json:"challenge"`
}

func (h *handlers) startEnrolment(c *gin.Context) {
	var req challengeRequest
	if !decodeJSON(c, &req) {
		return
	}
	en, err := h.Auth.Sessions.StartEnrolment(c.Request.Context(), req.Challenge)
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
	res, err := h.Auth.Sessions.ConfirmEnrolment(c.Request.Context(), meta(c), req.Challenge, req.Code)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"recovery_codes": res.RecoveryCodes, "session": toSession(res.Session)})
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (h *handlers) refresh(c *gin.Context) {
	var req refreshRequest
	if !decodeJSON(c, &req) {
		return
	}
	se, err := h.Auth.Sessions.Refresh(c.Request.Context(), meta(c), req.RefreshToken)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"session": toSession(se)})
}

func (h *handlers) logout(c *gin.Context) {
	if err := h.Auth.Sessions.Logout(c.Request.Context(), principal(c)); err != nil {
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
	res, err := h.Auth.Sessions.Recover(c.Request.Context(), meta(c), req.Nickname, req.RecoveryCode, req.NewPassword)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"recovery_code": res.RecoveryCode, "session": toSession(res.Session)})
}

type acceptRequest struct {
	Token       string `json:"token"`
	Nickname    string `json:"nickname"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
	Profession  string `json:"profession"`
}

func (h *handlers) acceptInvitation(c *gin.Context) {
	var req acceptRequest
	if !decodeJSON(c, &req) {
		return
	}
	u, err := h.Auth.Staff.AcceptInvitation(c.Request.Context(), meta(c), req.Token, req.Nickname, req.Password,
		auth.StaffProfile{DisplayName: req.DisplayName, Profession: req.Profession})
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"user": toMe(u)})
}

func (h *handlers) me(c *gin.Context) {
	u, err := h.Auth.Accounts.Me(c.Request.Context(), principal(c))
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
	if err := h.Auth.Accounts.ChangePassword(c.Request.Context(), principal(c), req.CurrentPassword, req.NewPassword); err != nil {
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
	code, err := h.Auth.Accounts.RegenerateRecoveryCode(c.Request.Context(), principal(c), req.Password)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"recovery_code": code})
}

// deleteEmail removes an e-mail address given before Haven stopped asking
// for one (auth.Accounts.RemoveEmail).
func (h *handlers) deleteEmail(c *gin.Context) {
	if err := h.Auth.Accounts.RemoveEmail(c.Request.Context(), principal(c)); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) exportMe(c *gin.Context) {
	ex, err := h.Auth.Accounts.Export(c.Request.Context(), principal(c))
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
	if err := h.Auth.Accounts.Erase(c.Request.Context(), principal(c), req.Password); err != nil {
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
	entries, err := h.Audit.AccessLog(c.Request.Context(), principal(c).Actor(), auditQuery(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := make([]accessView, 0, len(entries))
	for _, e := range entries {
		out = append(out, accessView{At: e.At, ActorRole: e.ActorRole, ActorNickname: e.ActorName, Action: e.Action, Outcome: e.Outcome})
	}
	c.JSON(http.StatusOK, gin.H{"entries": out})
}

// auditQuery reads a search of the audit log from the query string; the
// audit domain checks it.
func auditQuery(c *gin.Context) audit.Query {
	return audit.Query{Client: c.Query("client"), User: c.Query("user"), From: c.Query("from"), To: c.Query("to"),
		Before: c.Query("before"), Limit: c.Query("limit")}
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
	out, err := h.Selftest.Claim(c.Request.Context(), req.ClaimToken, principal(c).Actor())
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
	ID        string    `json:"id"`
	Nickname  string    `json:"nickname"`
	CreatedAt time.Time `json:"created_at"`
}

func (h *handlers) listClients(c *gin.Context) {
	rows, err := h.Auth.Staff.Clients(c.Request.Context(), principal(c))
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
	u, err := h.Auth.Staff.Client(c.Request.Context(), c.Param("id"))
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
		"client":    clientView{ID: u.ID, Nickname: u.Name(), CreatedAt: u.CreatedAt.UTC()},
		"selftests": tests,
	})
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
	users, err := h.Auth.Staff.Users(c.Request.Context(), roles)
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
	u, err := h.Auth.Staff.UpdateUser(c.Request.Context(), principal(c), c.Param("id"), auth.UserUpdate(req))
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
	link, err := h.Auth.Staff.Invite(c.Request.Context(), principal(c), req.Role, req.Capacity)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"invitation": toInvitationView(link.Invitation), "token": link.Token})
}

func (h *handlers) listInvitations(c *gin.Context) {
	invs, err := h.Auth.Staff.PendingInvitations(c.Request.Context())
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

func (h *handlers) searchAudit(c *gin.Context) {
	entries, err := h.Audit.Search(c.Request.Context(), principal(c).Actor(), auditQuery(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := make([]auditView, 0, len(entries))
	for _, e := range entries {
		out = append(out, auditView{Seq: e.Seq, At: e.At, ActorID: e.ActorID, ActorRole: e.ActorRole, SessionID: e.SessionID,
			SubjectID: e.SubjectID, Action: e.Action, Object: e.Object, RequestID: e.RequestID, Outcome: e.Outcome, Hash: e.Hash})
	}
	c.JSON(http.StatusOK, gin.H{"entries": out})
}

// accountReport is aggregate only: counts, never a row about a person.
func (h *handlers) accountReport(c *gin.Context) {
	counts, err := h.Auth.Staff.Counts(c.Request.Context())
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
