package frontend

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/api/lang"
	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db/kind"
)

// Register adds every page and the static assets to r: the web's one route
// table, with the same authz guards as the JSON API (the principal comes
// from the session cookies instead of a bearer token). Every GET route
// answers HEAD too, for link checkers and uptime monitors.
func (s *Site) Register(r *gin.Engine) {
	g := authz.New(s.cookieSource, s.Coaching, s.Audit, s.refuse)
	var (
		who         = g.Authenticate() // who is signed in, if anyone
		user        = g.RequireUser()
		client      = g.RequireRole(auth.RoleClient)
		clinician   = g.RequireRole(auth.RoleClinician)
		coordinator = g.RequireRole(auth.RoleCoordinator)
		reports     = g.RequireRole(auth.RoleCoordinator, auth.RoleResearcher)
		form        = s.formCheck(maxAccountForm) // CSRF, origin and size of a form post
		work        = s.formCheck(maxStepForm)    // the same, for exercises and the diary
	)
	get := func(g gin.IRoutes, path string, h ...gin.HandlerFunc) {
		g.GET(path, h...)
		g.HEAD(path, h...)
	}
	get(r, "/", s.root)
	get(r, "/assets/:name", s.assets.serve)
	get(r, "/selfhelp-images/:programme/*src", s.serveCourseImage)
	for _, l := range lang.Supported {
		g := r.Group("/" + l)
		get(g, "", func(c *gin.Context) { redirect(c, http.StatusMovedPermanently, "/"+l+"/") })

		// Visitors: no cookie is set; the session cookie, if any, is only
		// peeked at for the header (session_header.go).
		v := g.Group("", s.peekSession)
		get(v, "/", s.home)
		get(v, "/info", s.infoList)
		get(v, "/info/:id", s.infoPage)
		get(v, "/crisis", s.crisis)
		get(v, "/selftest", s.selftestStart)
		get(v, "/selftest/:instrument", s.selftestForm)
		v.POST("/selftest/:instrument", s.selftestSubmit)
		get(v, "/selftest/result/:id", s.selftestResult)

		// Signing up, in and back in, and invitations: open to all.
		a := g.Group("", who)
		get(a, "/account/signup", s.signupForm)
		a.POST("/account/signup", form, s.signupSubmit)
		get(a, "/account/login", s.loginForm)
		a.POST("/account/login", form, s.loginSubmit)
		a.POST("/account/login/mfa", form, s.mfaSubmit)
		a.POST("/account/login/enrol", form, s.enrolSubmit)
		a.POST("/account/logout", form, s.logoutSubmit)
		// Keeping a recovery code shown once (account_recovery.go).
		a.POST("/account/recovery-codes.txt", form, s.recoveryDownload)
		a.POST("/account/recovery-codes/saved", form, s.recoverySaved)
		get(a, "/account/recover", s.recoverForm)
		a.POST("/account/recover", form, s.recoverSubmit)
		get(a, "/account/invitation", s.invitationForm)
		a.POST("/account/invitation", form, s.invitationSubmit)
		// Keeping a self-test: a visitor is sent to sign in with the token.
		get(a, "/account/claim", s.claimForm)
		a.POST("/account/claim", form, client, s.claimSubmit)

		// A signed-in person's own account.
		get(a, "/account", user, s.accountHome)
		get(a, "/account/password", user, s.passwordForm)
		a.POST("/account/password", form, user, s.passwordSubmit)
		get(a, "/account/data", user, s.dataPage)
		get(a, "/account/data/export", user, s.dataExport)
		if s.FHIR != nil {
			get(a, "/account/data/fhir", client, s.dataFHIR)
		}
		a.POST("/account/delete", form, user, s.deleteSubmit)
		get(a, "/account/email", user, s.emailForm)
		a.POST("/account/email/delete", form, user, s.emailDelete)
		get(a, "/account/access", client, s.accessPage)

		// Coordinators.
		get(a, "/account/staff", coordinator, s.staffPage)
		a.POST("/account/staff/invite", form, coordinator, s.inviteSubmit)
		get(a, "/account/audit", coordinator, s.auditPage)

		// Self-help: the course page for all (a visitor's introduction, a
		// client's progress, a coordinator's preview), steps for all (the
		// handler decides: trial, preview or a client's work), the rest for
		// clients.
		get(a, "/selfhelp", s.selfhelp)
		get(a, "/selfhelp/lesson/:lesson", s.lessonStart)
		get(a, "/selfhelp/lesson/:lesson/:step", s.stepPage)
		a.POST("/selfhelp/lesson/:lesson/:step", work, client, s.stepSubmit)
		get(a, "/selfhelp/lesson/:lesson/:step/help", client, s.stepHelp)
		a.POST("/selfhelp/reminder", form, client, s.reminderSubmit)
		a.POST("/selfhelp/reminder/remove", form, client, s.reminderRemove)
		get(a, "/selfhelp/questionnaire/:point", client, s.measureForm)
		a.POST("/selfhelp/questionnaire/:point", form, client, s.measureSubmit)
		get(a, "/selfhelp/questionnaire/:point/result", client, s.measureResult)
		get(a, "/selfhelp/diary", client, s.diaryPage)
		a.POST("/selfhelp/diary", work, client, s.diarySubmit)
		a.POST("/selfhelp/diary/delete", form, client, s.diaryDelete)
		get(a, "/selfhelp/plan", client, s.planPage)
		get(a, "/selfhelp/plan.txt", client, s.planDownload)

		// Guided care, clinicians: the caseload, and each trajectory's
		// pages behind caseGuard (whose record; another clinician's is not
		// found). See caseload.go.
		get(a, "/caseload", clinician, s.dashboard)
		get(a, "/caseload/:id", clinician, s.caseGuard, s.recordPage)
		a.POST("/caseload/:id/alerts/:alert", form, clinician, s.caseGuard, s.acknowledgeSubmit)
		get(a, "/caseload/:id/messages", clinician, s.caseGuard, s.messagesPage)
		a.POST("/caseload/:id/messages", form, clinician, s.caseGuard, s.messageSubmit)
		get(a, "/caseload/:id/lessons", clinician, s.caseGuard, s.lessonsPage)
		a.POST("/caseload/:id/lessons", form, clinician, s.caseGuard, s.lessonsSubmit)
		get(a, "/caseload/:id/lessons/:lesson", clinician, s.caseGuard, s.lessonPage)
		a.POST("/caseload/:id/lessons/:lesson/feedback", form, clinician, s.caseGuard, s.feedbackSubmit)
		get(a, "/caseload/:id/diary", clinician, s.caseGuard, s.diaryCasePage)
		if s.FHIR != nil {
			get(a, "/caseload/:id/fhir", clinician, s.caseGuard, s.caseFHIR)
		}
		get(a, "/caseload/:id/contacts", clinician, s.caseGuard, s.contactsPage)
		a.POST("/caseload/:id/contacts", form, clinician, s.caseGuard, s.contactSubmit)
		get(a, "/caseload/:id/end", clinician, s.caseGuard, s.endPage)
		a.POST("/caseload/:id/extend", form, clinician, s.caseGuard, s.extendSubmit)
		a.POST("/caseload/:id/close", form, clinician, s.caseGuard, s.closeSubmit)

		// Guided care, coordinators: the waiting list, assignment and
		// caseloads (coordination.go).
		get(a, "/coordination", coordinator, s.coordinationPage)
		a.POST("/coordination/applications/:id/assign", form, coordinator, s.assignSubmit)
		a.POST("/coordination/alerts/:alert", form, coordinator, s.coordinationAcknowledge)
		// The self-help programmes' rhythm (coordination_pace.go).
		get(a, "/coordination/pace", coordinator, s.pacePage)
		a.POST("/coordination/pace/:programme", form, coordinator, s.paceSubmit)
		// The monthly report: coordinators, and researchers with every
		// count suppressed (reports.go).
		if s.Reports != nil {
			get(a, "/reports", reports, s.reportsPage)
			get(a, "/reports/csv", reports, s.reportsCSV)
		}
		// Guided care: the way in for everyone (a client sees where they
		// stand), the rest for clients (guided*.go).
		s.registerGuided(a, get, client)
	}
}

// cookieSource is the web's authz.Source: the access cookie, or else a
// refresh with the refresh cookie (rotating it). Cookies that do not work
// any more are cleared and the visitor is anonymous — a page never fails
// because a session ended. When the database is unavailable the cookies
// stay and the guard answers 503: nobody is signed out by an outage.
func (s *Site) cookieSource(c *gin.Context) (auth.Principal, bool, error) {
	ctx := c.Request.Context()
	reqID := middleware.RequestIDFrom(ctx)
	if tok, err := c.Cookie(cookieAccess); err == nil && tok != "" {
		p, err := s.Auth.Sessions.Authenticate(ctx, tok, reqID)
		switch {
		case err == nil:
			return p, true, nil
		case kind.IsUnavailable(err):
			// The session may be fine: keep the cookies, answer 503.
			return auth.Principal{}, false, err
		}
	}
	rt, err := c.Cookie(cookieRefresh)
	if err != nil || rt == "" {
		return auth.Principal{}, false, nil
	}
	se, err := s.Auth.Sessions.Refresh(ctx, accountMeta(c), rt)
	if kind.IsUnavailable(err) {
		return auth.Principal{}, false, err
	}
	if err != nil {
		s.clearSession(c)
		return auth.Principal{}, false, nil
	}
	s.setSession(c, se)
	p, err := s.Auth.Sessions.Authenticate(ctx, se.AccessToken, reqID)
	if kind.IsUnavailable(err) {
		return auth.Principal{}, false, err
	}
	return p, err == nil, nil
}

// signedIn is the principal a guard let through.
func signedIn(c *gin.Context) auth.Principal {
	p, _ := authz.Principal(c)
	return p
}

// refuse is the web's authz.Responder: a visitor is sent to sign in (and,
// from a page, back to it afterwards); a signed-in person without the role
// gets a friendly 403 page.
func (s *Site) refuse(c *gin.Context, why authz.Refusal) {
	v := s.accountView(c, "account.forbidden", "/account")
	switch why {
	case authz.NotSignedIn, authz.BadCredentials:
		back := ""
		if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
			back = nextQuery(safeNext(strings.TrimPrefix(c.Request.URL.Path, "/"+v.Lang)))
		}
		redirect(c, http.StatusSeeOther, v.Href("/account/login")+back)
	case authz.WrongRole, authz.NotYourRecord:
		msg := messagePage{Heading: v.T("account.forbidden"), Links: []linkView{{Href: v.Href("/account"), Text: v.T("account.home.title")}}}
		if strings.HasPrefix(c.Request.URL.Path, v.Href("/selfhelp")) {
			v.Title = v.T("selfhelp.staff.title")
			msg.Heading, msg.Paragraphs = v.Title, []string{v.T("selfhelp.staff.text")}
		}
		v.Data = msg
		s.render(c, http.StatusForbidden, "account_message", v)
	case authz.NoSuchRecord:
		s.notFound(c, http.StatusNotFound)
	case authz.Unavailable:
		s.Unavailable(c)
	default:
		s.InternalError(c)
	}
	c.Abort()
}
