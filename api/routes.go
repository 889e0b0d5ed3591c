package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/auth"
)

// routes is the API's one route table. Access is declared here, route by
// route, and nowhere else: Authenticate reads the token on the routes that
// know who calls, then RequireUser, RequireRole or the per-record
// ClientRecord policy. The authorisation matrix test walks these routes.
func (h *handlers) routes(v1 *gin.RouterGroup) {
	g := authz.New(authz.Bearer(h.Auth.Sessions), h.Coaching, h.Audit, refuse)
	var (
		user        = g.RequireUser()
		client      = g.RequireRole(auth.RoleClient)
		staff       = g.RequireRole(auth.RoleClinician, auth.RoleCoordinator)
		coordinator = g.RequireRole(auth.RoleCoordinator)
		reports     = g.RequireRole(auth.RoleResearcher, auth.RoleCoordinator)
		clinician   = g.RequireRole(auth.RoleClinician)
		// inCare: the two people of a trajectory; the domain decides
		// whose (a trajectory that is not yours is a 404, audited).
		inCare = g.RequireRole(auth.RoleClient, auth.RoleClinician)
		// parties: those who may see an application: its client, its
		// clinician and coordinators.
		parties = g.RequireRole(auth.RoleClient, auth.RoleClinician, auth.RoleCoordinator)
	)
	// Every POST, on both groups, takes an Idempotency-Key (idempotency.go):
	// sent again with the same key, it answers what it answered the first
	// time instead of doing it twice. On the guarded group the key is
	// scoped by the caller the token names.
	idem := h.idempotent()
	p := v1.Group("", idem)
	a := v1.Group("", g.Authenticate(), idem)

	// Anonymous: the document, crisis lines and the self-test. They read
	// no token.
	p.GET("/openapi.json", h.openapi)
	p.GET("/crisis-lines", h.crisisLines)
	p.GET("/selftest/instruments", h.listInstruments)
	p.GET("/selftest/instruments/:id", h.getInstrument)
	p.POST("/selftest/instruments/:id/submissions", h.submit)
	p.GET("/selftest/submissions/:id", h.getSubmission)

	// Public: signing up, in and back in. Throttled in auth.Service. They
	// ignore any Authorization header, so a client whose access token has
	// expired can still refresh or sign in.
	p.POST("/auth/signup", h.signUp)
	p.POST("/auth/login", h.login)
	p.POST("/auth/mfa", h.verifyMFA)
	p.POST("/auth/mfa/enrolment", h.startEnrolment)
	p.POST("/auth/mfa/enrolment/confirm", h.confirmEnrolment)
	p.POST("/auth/refresh", h.refresh)
	p.POST("/auth/recover", h.recoverAccount)
	p.POST("/auth/invitations/accept", h.acceptInvitation)
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
	// My questionnaire results as a FHIR R4 Bundle (selftest/fhir).
	a.GET("/me/fhir", client, h.myFHIR)

	// Client records: the per-resource policy decides and audits.
	a.GET("/clients", coordinator, h.listClients)
	a.GET("/clients/:id", staff, g.ClientRecord("id"), h.getClient)

	// Staff management and the audit log: coordinators.
	a.GET("/users", coordinator, h.listUsers)
	a.PATCH("/users/:id", coordinator, h.updateUser)
	a.POST("/invitations", coordinator, h.invite)
	a.GET("/invitations", coordinator, h.listInvitations)
	a.GET("/audit", coordinator, h.searchAudit)

	// Aggregates only.
	a.GET("/reports/accounts", reports, h.accountReport)
	// Exact monthly counts for coordinators; for researchers every count
	// suppressed (the domain decides from the role).
	a.GET("/reports/monthly", reports, h.monthlyReport)

	// Self-help: public content to try, the client's own course work, and
	// previews for coordinators.
	{
		a.GET("/selfhelp/programmes", h.listProgrammes)
		a.GET("/selfhelp/programmes/:programme", h.getProgramme)
		a.GET("/selfhelp/programmes/:programme/trial", h.trialLesson)
		a.GET("/selfhelp/programmes/:programme/lessons/:lesson", coordinator, h.previewLesson)
		// The programme's rhythm: coordinators see and set it (audited).
		a.GET("/selfhelp/programmes/:programme/pace", coordinator, h.programmePace)
		a.PUT("/selfhelp/programmes/:programme/pace", coordinator, h.setProgrammePace)
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

	// The guided trajectory (coaching). Which trajectory a caller may see,
	// and the audit of every staff read, are the domain's.
	{
		// The client: applying, the waiting place, agreeing to the
		// clinician, withdrawing, questionnaires.
		a.POST("/trajectories", client, h.apply)
		a.GET("/trajectories", client, h.myTrajectories)
		a.GET("/trajectories/current", client, h.currentTrajectory)
		a.GET("/trajectories/recent-selftests", client, h.intakeSelftests)
		a.GET("/trajectories/:id/place", client, h.waitingPlace)
		a.GET("/trajectories/:id/clinician", client, h.assignedClinician)
		a.POST("/trajectories/:id/consent", client, h.consent)
		a.POST("/trajectories/:id/withdraw", client, h.withdraw)
		a.POST("/trajectories/:id/questionnaires/:point/:instrument", client, h.takeQuestionnaire)

		// The application and its end: client, clinician, coordinators.
		// The dropout taxonomy, with labels: anyone signed in.
		a.GET("/trajectories/end-reasons", user, h.endReasons)
		a.GET("/trajectories/:id", parties, h.getTrajectory)
		a.GET("/trajectories/:id/intake", parties, h.intake)
		a.POST("/trajectories/:id/close", parties, h.closeTrajectory)

		// The care itself: the client and the clinician they agreed to.
		a.GET("/trajectories/:id/messages", inCare, h.messages)
		h.ownIdempotency(a, http.MethodPost, "/trajectories/:id/messages", inCare, h.sendMessage)
		a.GET("/trajectories/:id/feedback", inCare, h.feedback)
		a.GET("/trajectories/:id/questionnaires", inCare, h.schedule)
		a.GET("/trajectories/:id/trend", inCare, h.trend)
		a.GET("/trajectories/:id/contacts", inCare, h.contacts)

		// The clinician.
		a.GET("/caseload", clinician, h.caseload)
		a.GET("/caseload/pending-feedback", clinician, h.pendingFeedback)
		a.GET("/trajectories/:id/work/:programme", clinician, h.work)
		a.GET("/trajectories/:id/diary", clinician, h.clientDiary)
		a.GET("/trajectories/:id/fhir", clinician, h.clientFHIR)
		a.PUT("/trajectories/:id/lessons/:programme", clinician, h.assignLessons)
		a.POST("/trajectories/:id/feedback", clinician, h.giveFeedback)
		a.POST("/trajectories/:id/contacts", clinician, h.logContact)
		a.POST("/trajectories/:id/extension", clinician, h.extend)
		a.POST("/alerts/:id/acknowledgement", staff, h.acknowledge)

		// Coordinators.
		a.GET("/waiting-list", coordinator, h.waitingList)
		a.GET("/clinicians", coordinator, h.clinicians)
		a.POST("/trajectories/:id/assignment", coordinator, h.assign)
		a.GET("/overview", coordinator, h.overview)
	}
}

// ownIdempotency registers a route whose domain method takes the request's
// Idempotency-Key itself (coaching.Service.Send keeps the key beside the
// sealed message and answers a retry from it), and marks it so: a generic
// idempotency layer must pass such a route by (handlesIdempotency), so that
// it never stores the answer — here a message body — in plaintext, and the
// domain's rule (same key and body: the first answer; another body: 409
// idempotency_key_reused) is the one that applies.
func (h *handlers) ownIdempotency(g *gin.RouterGroup, method, path string, chain ...gin.HandlerFunc) {
	g.Handle(method, path, chain...)
	h.domainKeyed[method+" "+joinPaths(g.BasePath(), path)] = true
}

// handlesIdempotency reports whether c's route keeps its Idempotency-Key
// in the domain (registered with ownIdempotency).
func (h *handlers) handlesIdempotency(c *gin.Context) bool {
	return h.domainKeyed[c.Request.Method+" "+c.FullPath()]
}

func joinPaths(base, rel string) string {
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(rel, "/")
}
