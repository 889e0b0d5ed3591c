package api

import (
	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/auth"
)

// routes is the API's one route table. Access is declared here, route by
// route, and nowhere else: Authenticate reads the token on the routes that
// know who calls, then RequireUser, RequireRole or the per-record
// ClientRecord policy. The authorisation matrix test walks these routes.
func (h *handlers) routes(v1 *gin.RouterGroup) {
	g := authz.New(authz.Bearer(h.Auth.Sessions), h.Auth.Staff, h.Audit, refuse)
	var (
		user        = g.RequireUser()
		client      = g.RequireRole(auth.RoleClient)
		staff       = g.RequireRole(auth.RoleClinician, auth.RoleCoordinator)
		coordinator = g.RequireRole(auth.RoleCoordinator)
		reports     = g.RequireRole(auth.RoleResearcher, auth.RoleCoordinator)
	)
	a := v1.Group("", g.Authenticate())

	// Anonymous: the document, crisis lines and the self-test. They read
	// no token.
	v1.GET("/openapi.json", h.openapi)
	v1.GET("/crisis-lines", h.crisisLines)
	v1.GET("/selftest/instruments", h.listInstruments)
	v1.GET("/selftest/instruments/:id", h.getInstrument)
	v1.POST("/selftest/instruments/:id/submissions", h.submit)
	v1.GET("/selftest/submissions/:id", h.getSubmission)

	// Public: signing up, in and back in. Throttled in auth.Service. They
	// ignore any Authorization header, so a client whose access token has
	// expired can still refresh or sign in.
	v1.POST("/auth/signup", h.signUp)
	v1.POST("/auth/login", h.login)
	v1.POST("/auth/mfa", h.verifyMFA)
	v1.POST("/auth/mfa/enrolment", h.startEnrolment)
	v1.POST("/auth/mfa/enrolment/confirm", h.confirmEnrolment)
	v1.POST("/auth/refresh", h.refresh)
	v1.POST("/auth/recover", h.recoverAccount)
	v1.POST("/auth/invitations/accept", h.acceptInvitation)
	a.POST("/auth/logout", user, h.logout)

	// The caller's own account and data.
	a.GET("/me", user, h.me)
	a.POST("/me/password", user, h.changePassword)
	a.POST("/me/recovery-code", client, h.regenerateRecoveryCode)
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

	// Self-help: public content to try, the client's own course work, and
	// previews for coordinators.
	{
		a.GET("/selfhelp/programmes", h.listProgrammes)
		a.GET("/selfhelp/programmes/:programme", h.getProgramme)
		a.GET("/selfhelp/programmes/:programme/trial", h.trialLesson)
		a.GET("/selfhelp/programmes/:programme/lessons/:lesson", coordinator, h.previewLesson)
		a.GET("/me/selfhelp", client, h.myProgrammes)
		a.POST("/me/selfhelp/:programme", client, h.startProgramme)
		a.GET("/me/selfhelp/:programme", client, h.myProgress)
		a.GET("/me/selfhelp/:programme/lessons/:lesson", client, h.openLesson)
		a.PUT("/me/selfhelp/:programme/lessons/:lesson/steps/:step", client, h.saveStep)
		a.GET("/me/selfhelp/:programme/answers", client, h.myAnswers)
		a.GET("/me/selfhelp/:programme/plan", client, h.myPlan)
		a.PUT("/me/selfhelp/:programme/nudge-email", client, h.setNudgeEmail)
		a.DELETE("/me/selfhelp/:programme/nudge-email", client, h.deleteNudgeEmail)
		a.POST("/me/selfhelp/:programme/measurements/:point", client, h.takeMeasurement)
		a.GET("/me/diary", client, h.myDiary)
		a.PUT("/me/diary/:day", client, h.saveDiary)
		a.DELETE("/me/diary/:day", client, h.deleteDiary)
	}
}
