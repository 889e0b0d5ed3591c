package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/auth"
	"github.com/haven-mh/haven/api/authz"
)

// registerAccounts adds the account, staff and audit routes. Access is
// declared here, route by route, and nowhere else: Authenticate reads the
// token on every route, then RequireUser, RequireRole or the per-resource
// ClientRecord policy. The authorisation matrix test walks these routes.
func (h *handlers) registerAccounts(v1 *gin.RouterGroup) {
	if h.Auth == nil || h.Audit == nil {
		h.registerAccountsUnavailable(v1)
		return
	}
	g := authz.New(h.Auth, h.Auth, h.Audit, func(c *gin.Context, status int, code, message string) {
		abortWith(c, status, code, message, nil)
	})
	var (
		user        = g.RequireUser()
		client      = g.RequireRole(auth.RoleClient)
		staff       = g.RequireRole(auth.RoleClinician, auth.RoleCoordinator)
		coordinator = g.RequireRole(auth.RoleCoordinator)
		reports     = g.RequireRole(auth.RoleResearcher, auth.RoleCoordinator)
	)
	a := v1.Group("", g.Authenticate())

	// Public: signing up, in and back in. Throttled in auth.Service.
	a.POST("/auth/signup", h.signUp)
	a.POST("/auth/login", h.login)
	a.POST("/auth/mfa", h.verifyMFA)
	a.POST("/auth/mfa/enrolment", h.startEnrolment)
	a.POST("/auth/mfa/enrolment/confirm", h.confirmEnrolment)
	a.POST("/auth/refresh", h.refresh)
	a.POST("/auth/recover", h.recoverAccount)
	a.POST("/auth/invitations/accept", h.acceptInvitation)
	a.POST("/auth/logout", user, h.logout)

	// The caller's own account and data.
	a.GET("/me", user, h.me)
	a.POST("/me/password", user, h.changePassword)
	a.POST("/me/recovery-code", client, h.regenerateRecoveryCode)
	a.PUT("/me/email", user, h.setEmail)
	a.DELETE("/me/email", user, h.deleteEmail)
	a.GET("/me/export", user, h.exportMe)
	a.DELETE("/me", client, h.eraseMe)
	a.GET("/me/access-log", client, h.accessLog)
	a.POST("/me/selftests/claim", client, h.claimSelftest)
	a.GET("/me/selftests", client, h.mySelftests)

	// Client records: the per-resource policy decides and audits.
	a.GET("/clients", staff, h.listClients)
	a.GET("/clients/:id", staff, g.ClientRecord("id"), h.getClient)
	a.PUT("/clients/:id/assignment", coordinator, g.ClientRecord("id"), h.assignClient)
	a.DELETE("/clients/:id/assignment", coordinator, g.ClientRecord("id"), h.unassignClient)

	// Staff management and the audit log: coordinators.
	a.GET("/users", coordinator, h.listUsers)
	a.PATCH("/users/:id", coordinator, h.updateUser)
	a.POST("/invitations", coordinator, h.invite)
	a.GET("/invitations", coordinator, h.listInvitations)
	a.GET("/audit", coordinator, h.searchAudit)

	// Aggregates only.
	a.GET("/reports/accounts", reports, h.accountReport)
}

// accountRoutes lists the routes registerAccounts adds, for the fallback
// below (kept in step by the authorisation matrix test).
var accountRoutes = [][2]string{
	{http.MethodPost, "/auth/signup"}, {http.MethodPost, "/auth/login"}, {http.MethodPost, "/auth/mfa"},
	{http.MethodPost, "/auth/mfa/enrolment"}, {http.MethodPost, "/auth/mfa/enrolment/confirm"},
	{http.MethodPost, "/auth/refresh"}, {http.MethodPost, "/auth/recover"}, {http.MethodPost, "/auth/invitations/accept"},
	{http.MethodPost, "/auth/logout"},
	{http.MethodGet, "/me"}, {http.MethodPost, "/me/password"}, {http.MethodPost, "/me/recovery-code"},
	{http.MethodPut, "/me/email"}, {http.MethodDelete, "/me/email"}, {http.MethodGet, "/me/export"},
	{http.MethodDelete, "/me"}, {http.MethodGet, "/me/access-log"}, {http.MethodPost, "/me/selftests/claim"},
	{http.MethodGet, "/me/selftests"},
	{http.MethodGet, "/clients"}, {http.MethodGet, "/clients/:id"}, {http.MethodPut, "/clients/:id/assignment"},
	{http.MethodDelete, "/clients/:id/assignment"},
	{http.MethodGet, "/users"}, {http.MethodPatch, "/users/:id"}, {http.MethodPost, "/invitations"},
	{http.MethodGet, "/invitations"}, {http.MethodGet, "/audit"}, {http.MethodGet, "/reports/accounts"},
}

// registerAccountsUnavailable keeps the routes (so the API and its
// OpenAPI document agree) but answers 503 when accounts are not wired.
func (h *handlers) registerAccountsUnavailable(v1 *gin.RouterGroup) {
	for _, r := range accountRoutes {
		v1.Handle(r[0], r[1], func(c *gin.Context) {
			abortWith(c, http.StatusServiceUnavailable, CodeUnavailable, "Accounts are not available on this server.", nil)
		})
	}
}
