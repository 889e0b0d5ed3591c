package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/yuin/goldmark/text"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/modules"
)

// Self-help course pages: the course page (a visitor's introduction with
// the lesson outline and the trial; a client's progress), the lessons one
// step per page, the questionnaires at measurement points, the mood diary
// and the plan. They call modules.Service directly, like the JSON API.
//
// URLs, under /{lang}/selfhelp:
//
//	GET       ""                           the course page
//	GET, POST /lesson/:lesson/:step        one step (visitors: lesson 1 read-only)
//	GET       /lesson/:lesson              the lesson's first step
//	POST      /reminder, /reminder/remove  the optional reminder e-mail
//	GET, POST /questionnaire/:point        a questionnaire that is due
//	GET       /questionnaire/:point/result its result
//	GET, POST /diary, POST /diary/delete   the mood diary
//	GET       /plan, /plan.txt             the plan, and its download
//
// Everything but the course page and the trial is for clients: visitors are
// sent to sign in (and back), staff get a friendly 403.

// maxStepForm caps an exercise post: a few texts of up to 5,000 characters
// each, or a planner of 50 rows, URL-encoded.
const maxStepForm = 256 << 10

// courseText holds the course's step bodies rendered from Markdown once,
// at start-up: lang → lesson → step.
type courseText map[string]map[string]map[string]template.HTML

func renderCourse(lib *modules.Library) (courseText, error) {
	md, policy := newMarkdown()
	out := courseText{}
	for _, p := range lib.Programmes() {
		for _, l := range p.Languages {
			if out[l] == nil {
				out[l] = map[string]map[string]template.HTML{}
			}
			for _, ls := range p.Lessons {
				out[l][ls.ID] = map[string]template.HTML{}
				for _, st := range ls.Steps {
					src := []byte(st.Body.In(l))
					var buf bytes.Buffer
					if err := md.Renderer().Render(&buf, src, md.Parser().Parse(text.NewReader(src))); err != nil {
						return nil, fmt.Errorf("frontend: course %s lesson %s step %s (%s): %w", p.ID, ls.ID, st.ID, l, err)
					}
					out[l][ls.ID][st.ID] = template.HTML(policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised by bluemonday
				}
			}
		}
	}
	return out, nil
}

// programme is the course the site offers: the library's first programme.
func (s *Site) programme() *modules.Programme { return s.Selfhelp.Library().Programmes()[0] }

// textLang is the language the course is shown in for page language l.
func textLang(p *modules.Programme, l string) string {
	if p.HasLanguage(l) {
		return l
	}
	return p.Languages[0]
}

// selfhelpView starts a self-help page: never cached, never indexed.
func (s *Site) selfhelpView(c *gin.Context, titleKey, path string) *view {
	v := s.view(c, titleKey, path)
	v.NoIndex = true
	c.Header("Cache-Control", "no-store")
	return v
}

// selfhelpMessage renders a short page: a heading, text and links.
func (s *Site) selfhelpMessage(c *gin.Context, v *view, status int, titleKey string, paras []string, links ...linkView) {
	v.Title = v.T(titleKey)
	v.NoIndex = true
	c.Header("Cache-Control", "no-store")
	v.Data = messagePage{Heading: v.Title, Paragraphs: paras, Links: links}
	s.render(c, status, "account_message", v)
}

// selfhelpError answers a domain error with the right page: not found,
// locked (409) or the 500 page. Only ids and the error go to the log,
// never answers.
func (s *Site) selfhelpError(c *gin.Context, v *view, err error) {
	switch {
	case errors.Is(err, modules.ErrNotFound):
		s.notFound(c, http.StatusNotFound)
	case errors.Is(err, modules.ErrLocked):
		text := v.T("selfhelp.locked.text")
		var le *modules.LockedError
		if errors.As(err, &le) {
			switch {
			case le.Reason == modules.LockGuided: // the clinician's order, not the course's
				text = v.T("selfhelp.locked.guided")
			case le.Reason == modules.LockPaced && le.OpensAt != nil:
				text = v.T("selfhelp.locked.paced", "Date", s.dateText(v, *le.OpensAt))
			}
		}
		s.selfhelpMessage(c, v, http.StatusConflict, "selfhelp.locked.title", []string{text},
			linkView{Href: v.Href("/selfhelp"), Text: v.T("selfhelp.back_to_course")})
	default:
		s.serverError(c, err)
	}
}

// withView carries the page's view into a partial along with its data.
type withView struct {
	V *view
	D any
}

// With passes d to a partial that also needs the view (for T and Href).
func (v *view) With(d any) withView { return withView{V: v, D: d} }

// lessonRow is one lesson in the course outline.
type lessonRow struct {
	Number     int
	Title      string
	Summary    string
	Minutes    int
	State      string // "" for visitors
	StateLabel string
	Href       string // empty when locked (or, for visitors, beyond the trial)
	Opens      string // when a lesson locked by the course's pace opens
	Current    bool
	Feedback   []feedbackView // the guide's, in guided care
}

// measureRow is one questionnaire taken, for the trend table.
type measureRow struct {
	When  string
	Date  string
	Score int
	Max   int
	Band  string
}

type coursePage struct {
	Title, Summary string
	TextLang       string
	Lessons        []lessonRow
	TotalMinutes   int
	// Visitors
	Visitor    bool
	TrialHref  string
	SignupHref string
	LoginHref  string
	Staff      bool
	Preview    bool // a coordinator: every lesson links to its preview
	// Clients
	Client     bool
	Enrolled   bool
	StartHref  string
	Nudge      string
	Notice     string
	ResumeHref string
	ResumeText string
	// ResumeLabel replaces the button's "Continue" (the homework while the
	// next lesson waits for the rhythm).
	ResumeLabel string
	Finished    bool
	DueHref     string
	DueText     string
	Trend       []measureRow
	Advice      *courseAdviceView
	PlanTitle   string
	CSRF        string
	ReminderSet bool
	// CanMail: e-mail is sent (HAVEN_SMTP_URL), so a reminder address is
	// offered; without it only an address given before can be removed.
	CanMail      bool
	EmailValue   string
	EmailError   string
	DoneCount    int
	LessonsCount int
	Guided       *courseGuided // clients: their guided care (guided.go)
	// Waiting: the client waits at a feedback moment (selfhelp_guided.go);
	// GuidedOrder: their clinician chose the lessons and their order.
	Waiting     *waitingPanel
	GuidedOrder bool
}

// selfhelp is the course page. Without the self-help service it is the
// introduction only.
func (s *Site) selfhelp(c *gin.Context) {
	s.renderCourse(c, http.StatusOK, "", "")
}

func (s *Site) renderCourse(c *gin.Context, status int, email, emailErr string) {
	c.Header("Vary", "Cookie") // a visitor's page differs from a client's
	v := s.view(c, "selfhelp.title", "/selfhelp")
	v.Description = v.T("selfhelp.description")
	p := s.programme()
	tl := textLang(p, v.Lang)
	cp := coursePage{Title: p.Title.In(tl), Summary: p.Summary.In(tl), LessonsCount: len(p.Lessons)}
	if tl != v.Lang {
		cp.TextLang = tl
	}
	if p.Plan != nil {
		cp.PlanTitle = p.Plan.Title.In(tl)
	}
	for _, l := range p.Lessons {
		cp.TotalMinutes += l.Minutes
		cp.Lessons = append(cp.Lessons, lessonRow{Number: l.Number, Title: l.Title.In(tl), Summary: l.Summary.In(tl), Minutes: l.Minutes})
	}
	who, in := authz.Principal(c)
	switch {
	case !in:
		cp.Visitor = true
		first := p.Lessons[0]
		cp.TrialHref = v.Href("/selfhelp/lesson/" + first.ID + "/" + first.Steps[0].ID)
		cp.SignupHref = v.Href("/account/signup") + nextQuery("/selfhelp")
		cp.LoginHref = v.Href("/account/login") + nextQuery("/selfhelp")
		cp.Lessons[0].Href = cp.TrialHref
	case who.Role == auth.RoleCoordinator:
		// Coordinators manage the content: every lesson opens as a preview.
		cp.Preview = true
		v.NoIndex = true
		c.Header("Cache-Control", "no-store")
		for i, l := range p.Lessons {
			cp.Lessons[i].Href = v.Href("/selfhelp/lesson/" + l.ID + "/" + l.Steps[0].ID)
		}
	case who.Role != auth.RoleClient:
		cp.Staff = true
		v.NoIndex = true
		c.Header("Cache-Control", "no-store")
	default:
		v.NoIndex = true
		c.Header("Cache-Control", "no-store")
		cp.Client = true
		if err := s.clientCourse(c, v, who, p, tl, &cp); err != nil {
			s.selfhelpError(c, v, err)
			return
		}
		if err := s.courseGuided(c, v, who, p, &cp); err != nil {
			s.selfhelpError(c, v, err)
			return
		}
		cp.EmailValue = email
		if emailErr != "" {
			cp.EmailError = emailErr
			v.Errors = append(v.Errors, errorLink{Href: "#email", Text: emailErr})
		}
	}
	for i := range cp.Lessons {
		if st := cp.Lessons[i].State; st != "" {
			cp.Lessons[i].StateLabel = v.T("selfhelp.state." + st)
		}
	}
	v.Data = cp
	s.render(c, status, "selfhelp_course", v)
}

// clientCourse fills in a client's progress.
func (s *Site) clientCourse(c *gin.Context, v *view, who auth.Principal, p *modules.Programme, tl string, cp *coursePage) error {
	cp.CSRF = csrfToken(c)
	first := p.Lessons[0]
	cp.StartHref = v.Href("/selfhelp/lesson/" + first.ID + "/" + first.Steps[0].ID)
	switch c.Query("notice") {
	case "saved":
		cp.Notice = v.T("selfhelp.notice.saved")
	case "reminder-set":
		cp.Notice = v.T("selfhelp.notice.reminder_set")
	case "reminder-removed":
		cp.Notice = v.T("selfhelp.notice.reminder_removed")
	case "finished":
		cp.Notice = v.T("selfhelp.notice.finished")
	}
	pr, err := s.Selfhelp.Progress(c.Request.Context(), who.UserID, p.ID)
	if errors.Is(err, modules.ErrNotFound) {
		for i := range cp.Lessons {
			if i == 0 || p.Unlock == modules.UnlockOpen {
				cp.Lessons[i].State = modules.LessonOpen
				cp.Lessons[i].Href = v.Href("/selfhelp/lesson/" + p.Lessons[i].ID)
			} else {
				cp.Lessons[i].State = modules.LessonLocked
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	cp.Enrolled = true
	cp.Finished = pr.Enrolment.CompletedAt != nil
	cp.ReminderSet = pr.Enrolment.NudgeEmailSealed != nil
	cp.CanMail = s.MailConfigured
	if pr.Nudge != nil {
		cp.Nudge = v.T("selfhelp.nudge", "Date", s.longDate(v, pr.Nudge.LapseSince))
		if err := s.Selfhelp.AckNudge(c.Request.Context(), pr); err != nil { // shown on this page
			return err
		}
	}
	for i, lp := range pr.Lessons {
		row := &cp.Lessons[i]
		row.State = lp.State
		if lp.State != modules.LessonLocked {
			row.Href = v.Href("/selfhelp/lesson/" + lp.Lesson.ID)
		}
		if lp.OpensAt != nil {
			row.Opens = v.T("selfhelp.opens.on", "Date", s.dateText(v, *lp.OpensAt))
		}
		if lp.State == modules.LessonDone {
			cp.DoneCount++
		}
		row.Current = lp.Lesson.ID == pr.ResumeLesson && !cp.Finished
	}
	if l := p.Lesson(pr.ResumeLesson); l != nil && !cp.Finished {
		cp.ResumeHref = v.Href("/selfhelp/lesson/" + l.ID + "/" + pr.ResumeStep)
		st := l.Step(pr.ResumeStep)
		cp.ResumeText = v.T("selfhelp.resume_where", "N", l.Number, "Lesson", l.Title.In(tl), "Step", st.Title.In(tl),
			"X", l.StepIndex(st.ID)+1, "Y", len(l.Steps))
		// The next lesson waits for the course's rhythm: meanwhile, the
		// homework of the lesson before.
		if lp := pr.Lessons[l.Number-1]; lp.OpensAt != nil && l.Number > 1 {
			prev := p.Lessons[l.Number-2]
			if hw := prev.Homework(); hw != nil {
				cp.ResumeHref = v.Href("/selfhelp/lesson/" + prev.ID + "/" + hw.ID)
				cp.ResumeText = v.T("selfhelp.between.text", "N", l.Number, "Date", s.dateText(v, *lp.OpensAt), "Previous", prev.Number)
				cp.ResumeLabel = v.T("selfhelp.between.button", "Previous", prev.Number)
			}
		}
	}
	cp.Advice = s.courseAdvice(v, p, tl, pr.Advice)
	cp.GuidedOrder = pr.Guided
	if c.Query("notice") == "finished" && pr.Guided && pr.Enrolment.CompletedAt == nil {
		cp.Notice = v.T("selfhelp.notice.guided_done") // the clinician's lessons, not the course
	}
	if w := pr.Waiting; w != nil {
		cp.Waiting = s.waitingPanel(v, p, w)
	}
	in := s.measureInstrument(p)
	for _, m := range pr.Measures {
		if m.Due && cp.DueHref == "" {
			cp.DueHref = v.Href("/selfhelp/questionnaire/" + m.Point.ID)
			cp.DueText = s.pointName(v, p, m.Point)
		}
		if m.Taken != nil {
			row := measureRow{When: s.pointName(v, p, m.Point), Date: s.longDate(v, m.Taken.TakenAt), Score: m.Taken.Score}
			if in != nil {
				t, _ := in.Text(tl)
				row.Band = t.Bands[m.Taken.Band].Label
				row.Max = in.MaxScore()
			}
			cp.Trend = append(cp.Trend, row)
		}
	}
	return nil
}

// pointNameByID is pointName for a point's id.
func (s *Site) pointNameByID(v *view, p *modules.Programme, id string) string {
	if p.Measures != nil {
		for _, pt := range p.Measures.Points {
			if pt.ID == id {
				return s.pointName(v, p, pt)
			}
		}
	}
	return id
}

// pointName says when a questionnaire is offered: "Before lesson 1".
func (s *Site) pointName(v *view, p *modules.Programme, pt modules.MeasurePoint) string {
	if l := p.Lesson(pt.Before); l != nil {
		return v.T("selfhelp.measure.before", "N", l.Number)
	}
	if l := p.Lesson(pt.After); l != nil {
		return v.T("selfhelp.measure.after", "N", l.Number)
	}
	return pt.ID
}

// selfhelpKeys are the message ids the self-help pages build at run time.
func selfhelpKeys() []string {
	var ids []string
	for _, st := range []string{modules.LessonLocked, modules.LessonOpen, modules.LessonInProgress, modules.LessonDone} {
		ids = append(ids, "selfhelp.state."+st)
	}
	return ids
}

// reminderSubmit sets the optional reminder e-mail address. The address is
// never logged.
func (s *Site) reminderSubmit(c *gin.Context) {
	v := s.selfhelpView(c, "selfhelp.title", "/selfhelp")
	who := signedIn(c)
	if !s.MailConfigured {
		// Not offered: nothing would send the e-mail.
		s.notFound(c, http.StatusNotFound)
		return
	}
	email := c.PostForm("email")
	if email == "" {
		s.renderCourse(c, http.StatusUnprocessableEntity, "", v.T("selfhelp.reminder.error_empty"))
		return
	}
	err := s.Selfhelp.SetNudgeEmail(c.Request.Context(), who.UserID, s.programme().ID, email, v.Lang)
	var verr *modules.ValidationError
	switch {
	case errors.Is(err, modules.ErrMailNotConfigured):
		// The domain's rule, should the page and the service disagree.
		s.notFound(c, http.StatusNotFound)
		return
	case errors.As(err, &verr):
		s.renderCourse(c, http.StatusUnprocessableEntity, email, v.T("selfhelp.reminder.error_invalid"))
		return
	case err != nil:
		s.selfhelpError(c, v, err)
		return
	}
	redirect(c, http.StatusSeeOther, v.Href("/selfhelp")+"?notice=reminder-set#reminder")
}

func (s *Site) reminderRemove(c *gin.Context) {
	v := s.selfhelpView(c, "selfhelp.title", "/selfhelp")
	who := signedIn(c)
	if err := s.Selfhelp.SetNudgeEmail(c.Request.Context(), who.UserID, s.programme().ID, "", ""); err != nil {
		s.selfhelpError(c, v, err)
		return
	}
	redirect(c, http.StatusSeeOther, v.Href("/selfhelp")+"?notice=reminder-removed#reminder")
}

// longDate writes a calendar day as "27 November 2026" in the page's
// language (the day as given: see dates.go for moments).
func (s *Site) longDate(v *view, t time.Time) string {
	return strconv.Itoa(t.Day()) + " " + longMonthName(v, t.Month()) + " " + strconv.Itoa(t.Year())
}
