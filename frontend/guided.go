package frontend

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/modules"
)

// Guided care, the client's side: three months in which a clinician (the
// pages say "your guide") guides a client online beside face-to-face
// contacts. Each handler decodes the request, calls one coaching.Service
// method and renders; the domain decides who may see what.
//
// URLs, under /{lang}/guided:
//
//	GET        ""                                      the way in: what guided care is, how to apply (a visitor
//	                                                   is led through sign-up with their self-test, ?claim=)
//	GET, POST  /apply                                  the application (intake)
//	GET        /mine                                   the client's guided care, in whatever state it is
//	POST       /t/:id/consent                          agreeing to the guide assigned: the trajectory starts
//	GET, POST  /t/:id/withdraw                         withdrawing an application (asks first)
//	GET, POST  /t/:id/stop                             stopping guided help while it runs (why, in their words)
//	GET, POST  /t/:id/messages                         the conversation, and sending (an idempotency key per form)
//	GET, POST  /t/:id/questionnaire/:point/:instrument a questionnaire of the monitoring that is due
//	GET        /t/:id/questionnaire/:point/:instrument/result  its result, crisis help first
//
// Everything but the way in is for clients: visitors are sent to sign in
// (and back), staff get the friendly 403 page, and another client's
// trajectory is a 404.

// maxGuidedForm caps the application and message posts: a message of 5,000
// characters, URL-encoded, is at most 60 KiB.
const maxGuidedForm = 64 << 10

func (s *Site) registerGuided(a gin.IRoutes, get func(gin.IRoutes, string, ...gin.HandlerFunc), client gin.HandlerFunc) {
	form := s.formCheck(maxGuidedForm)
	get(a, "/guided", s.guided)
	get(a, "/guided/apply", client, s.applyForm)
	a.POST("/guided/apply", form, client, s.applySubmit)
	get(a, "/guided/mine", client, s.guidedHome)
	a.POST("/guided/t/:id/consent", form, client, s.consentSubmit)
	get(a, "/guided/t/:id/withdraw", client, s.withdrawForm)
	a.POST("/guided/t/:id/withdraw", form, client, s.withdrawSubmit)
	get(a, "/guided/t/:id/stop", client, s.stopForm)
	a.POST("/guided/t/:id/stop", form, client, s.stopSubmit)
	get(a, "/guided/t/:id/messages", client, s.guidedMessagesPage)
	a.POST("/guided/t/:id/messages", form, client, s.guidedMessageSubmit)
	get(a, "/guided/t/:id/questionnaire/:point/:instrument", client, s.guidedQuestionnaireForm)
	a.POST("/guided/t/:id/questionnaire/:point/:instrument", form, client, s.guidedQuestionnaireSubmit)
	get(a, "/guided/t/:id/questionnaire/:point/:instrument/result", client, s.guidedQuestionnaireResult)
}

// guidedPage is the way in.
type guidedPage struct {
	Months int
	Days   int // how recent a self-test may be to serve the application
	Claim  bool
	// Visitors: sign up or in, then apply (with the self-test kept).
	Visitor    bool
	SignupHref string
	LoginHref  string
	// Clients: where they stand.
	Client    bool
	State     string // "" when they never applied; else their latest trajectory's
	Open      bool   // a trajectory is going
	ApplyHref string
	// ApplyPlainHref applies without keeping the self-test of the claim.
	ApplyPlainHref string
	HomeHref       string
	Staff          bool
}

// guided is the way in: what guided care is and how to apply. A visitor
// who came from a self-test result carries its claim token, so that
// signing up keeps the result for the application.
func (s *Site) guided(c *gin.Context) {
	c.Header("Vary", "Cookie") // a visitor's page differs from a client's
	v := s.view(c, "guided.title", "/guided")
	v.Description = v.T("guided.description")
	cfg := s.Coaching.Config()
	pg := guidedPage{Months: cfg.Months, Days: cfg.IntakeSelftestDays, HomeHref: v.Href("/guided/mine")}
	tok := validClaim(c.Query("claim"))
	if tok != "" {
		v.Path += "?claim=" + tok // the language switch keeps it
		v.NoIndex = true
		c.Header("Cache-Control", "no-store")
		pg.Claim = true
	}
	who, in := authz.Principal(c)
	switch {
	case !in:
		pg.Visitor = true
		pg.SignupHref = v.Href("/account/signup") + carriedQuery("/guided/apply", tok)
		pg.LoginHref = v.Href("/account/login") + carriedQuery("/guided/apply", tok)
	case who.Role != auth.RoleClient:
		pg.Staff = true
		v.NoIndex = true
		c.Header("Cache-Control", "no-store")
	default:
		v.NoIndex = true
		c.Header("Cache-Control", "no-store")
		pg.Client = true
		ts, err := s.Coaching.Mine(c.Request.Context(), who)
		if err != nil {
			s.guidedError(c, v, err)
			return
		}
		if len(ts) > 0 {
			pg.State, pg.Open = string(ts[0].State), ts[0].State.Open()
		}
		pg.ApplyHref, pg.ApplyPlainHref = v.Href("/guided/apply"), ""
		if tok != "" {
			// Keep the self-test first (the claim page asks), then apply.
			pg.ApplyHref = v.Href("/account/claim") + carriedQuery("/guided/apply", tok)
			pg.ApplyPlainHref = v.Href("/guided/apply")
		}
	}
	v.Data = pg
	s.render(c, http.StatusOK, "guided", v)
}

// guidedView starts a client's guided page: never cached, never indexed.
func (s *Site) guidedView(c *gin.Context, titleKey, path string) *view {
	v := s.view(c, titleKey, path)
	v.NoIndex = true
	c.Header("Cache-Control", "no-store")
	return v
}

// guidedError answers a domain error with the right page: not found (also
// another client's trajectory), forbidden, a change of state in the
// meantime (409), or the 500 page. Only the error goes to the log, never
// what the client wrote.
func (s *Site) guidedError(c *gin.Context, v *view, err error) {
	var (
		nf notFound
		cf conflict
	)
	switch {
	case errors.As(err, &nf):
		s.notFound(c, http.StatusNotFound)
	case errors.Is(err, auth.ErrForbidden):
		s.refuse(c, authz.WrongRole)
	case errors.As(err, &cf):
		s.guidedMessage(c, v, http.StatusConflict, "guided.changed.title", []string{v.T("guided.changed.text")},
			linkView{Href: v.Href("/guided/mine"), Text: v.T("guided.home.link")})
	default:
		s.Log.ErrorContext(c.Request.Context(), "guided page", "path", c.FullPath(), "error", err.Error())
		s.InternalError(c)
	}
}

// guidedMessage renders a short page: a heading, text and links.
func (s *Site) guidedMessage(c *gin.Context, v *view, status int, titleKey string, paras []string, links ...linkView) {
	v.Title = v.T(titleKey)
	v.NoIndex = true
	c.Header("Cache-Control", "no-store")
	v.Data = messagePage{Heading: v.Title, Paragraphs: paras, Links: links}
	s.render(c, status, "account_message", v)
}

// idempotencyKey is a fresh key for one rendering of a send form: a
// double submit (or a retry after a lost answer) carries the same key, so
// the message is stored once.
func idempotencyKey() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// guidedTime writes a moment as "3 March 2026, 14:05" in the deployment's
// time zone.
func (s *Site) guidedTime(v *view, t time.Time) string { return s.dateTimeText(v, t) }

// guidedDate writes a day as "3 March 2026" in the deployment's time zone.
func (s *Site) guidedDate(v *view, t time.Time) string { return s.dateText(v, t) }

// isoDate is a day for <time datetime>.
func (s *Site) isoDate(t time.Time) string {
	return t.In(s.Coaching.Config().Location).Format(time.DateOnly)
}

// guidedKeys are the message ids the guided pages build at run time.
func guidedKeys() []string {
	var ids []string
	for _, st := range coaching.States {
		if st.Ended() {
			ids = append(ids, "guided.ended."+string(st))
		}
	}
	for _, r := range coaching.EndReasons {
		ids = append(ids, "guided.reason."+string(r))
	}
	for _, p := range coaching.Points {
		ids = append(ids, "guided.point."+p)
	}
	for _, c := range coaching.CareOptions {
		ids = append(ids, "guided.apply.care_"+c)
	}
	for _, r := range stopReasons {
		ids = append(ids, "guided.stop.reason_"+string(r))
	}
	for _, n := range []string{"applied", "withdrawn", "started", "sent", "stopped"} {
		ids = append(ids, "guided.notice."+n)
	}
	return ids
}

// courseGuided is the guided-care part of a client's course page.
type courseGuided struct {
	State    string // "" when they never applied
	Guide    string
	Unread   int
	HomeHref string
}

// courseGuided tells the course page where the client's guided care
// stands, and puts the guide's feedback with each lesson.
func (s *Site) courseGuided(c *gin.Context, v *view, who auth.Principal, p *modules.Programme, cp *coursePage) error {
	h, err := s.Coaching.ClientHome(c.Request.Context(), who)
	if err != nil {
		return err
	}
	g := &courseGuided{HomeHref: v.Href("/guided/mine")}
	if t := h.Trajectory; t != nil {
		g.State, g.Unread = string(t.State), h.Unread
		if h.Clinician != nil {
			g.Guide = h.Clinician.Name
		}
	}
	cp.Guided = g
	for _, f := range s.feedbackViews(v, h.Feedback) {
		for i, l := range p.Lessons {
			if l.ID == f.LessonID {
				cp.Lessons[i].Feedback = append(cp.Lessons[i].Feedback, f)
			}
		}
	}
	return nil
}
