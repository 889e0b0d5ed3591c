package frontend

import (
	"errors"
	"math"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/modules"
)

// The client's guided care on one page, true in every state: not applied
// yet; on the waiting list (place and the recent median wait, withdraw);
// a guide assigned (who, what they will see, agree to start); running
// (days left, messages, questionnaires due, feedback on lessons); ended
// (how, how far they got, and applying again).

type homePage struct {
	Notice string
	State  string
	ID     string
	// The top of the page: crisis help first after a crisis answer in the
	// application, while no guide has started yet ("result-top").
	Crisis      bool
	CrisisTitle string
	CrisisText  string
	CrisisHelp  crisisHelp
	Heading     string
	ApplyHref   string
	CSRF        string
	AppliedOn   string
	// Waiting list.
	Position   int
	Waiting    int
	MedianDays int // 0: too few recent figures to say
	Notify     bool
	// The guide.
	Guide      string
	Profession string
	Continuing bool // a new guide in a trajectory that had started
	// Running.
	StartedOn  string
	PlannedEnd string
	DaysLeft   int
	PastEnd    bool
	Extended   bool
	Unread     int
	Months     int
	Days       int // the guide's response target, in working days
	// The questionnaires: due now, later, taken.
	DueNow   []dueView
	DueLater []dueView
	Taken    []dueView
	Feedback []feedbackView
	// FeedbackWait: the client waits for their guide's feedback at a
	// feedback moment of the course (the course page's notice).
	FeedbackWait *waitingPanel
	// Ended.
	EndedOn  string
	EndText  string
	Reason   string
	Started  bool
	Lessons  int
	MsgsIn   int
	MsgsOut  int
	Contacts int
}

type dueView struct {
	What  string // "In week 6: PHQ-9"
	Date  string
	ISO   string
	Href  string
	Score string
}

type feedbackView struct {
	LessonID   string
	Lesson     string
	LessonHref string
	Guide      string
	Date       string
	ISO        string
	Body       string
	New        bool
}

func (s *Site) guidedHome(c *gin.Context) {
	v := s.guidedView(c, "guided.home.title", "/guided/mine")
	h, err := s.Coaching.ClientHome(c.Request.Context(), signedIn(c))
	if err != nil {
		s.guidedError(c, v, err)
		return
	}
	cfg := s.Coaching.Config()
	pg := homePage{ApplyHref: v.Href("/guided/apply"), Months: cfg.Months, Days: cfg.ResponseDays, Heading: v.T("guided.home.title")}
	switch n := c.Query("notice"); n {
	case "applied", "withdrawn", "started", "stopped":
		pg.Notice = v.T("guided.notice." + n)
	}
	t := h.Trajectory
	if t == nil {
		v.Data = pg
		s.render(c, http.StatusOK, "guided_home", v)
		return
	}
	pg.State, pg.ID, pg.CSRF = string(t.State), t.ID, csrfToken(c)
	pg.AppliedOn = s.guidedDate(v, t.AppliedAt)
	pg.Notify = s.MailConfigured && t.NotifySealed != nil
	if h.Clinician != nil {
		pg.Guide, pg.Profession = h.Clinician.Name, h.Clinician.Profession
	}
	pg.Feedback = s.feedbackViews(v, h.Feedback)
	switch t.State {
	case coaching.StateApplied:
		pg.Heading = v.T("guided.home.applied_title")
		if h.Place != nil {
			pg.Position, pg.Waiting = h.Place.Position, h.Place.Waiting
			pg.MedianDays = int(math.Round(h.Place.MedianWait.Hours() / 24))
			if h.Place.MedianWait > 0 && pg.MedianDays == 0 {
				pg.MedianDays = 1
			}
		}
	case coaching.StateWaiting:
		pg.Heading = v.T("guided.home.waiting_title")
		pg.Continuing = t.StartedAt != nil
	case coaching.StateActive:
		pg.Unread = h.Unread
		pg.StartedOn = s.guidedDate(v, *t.StartedAt)
		pg.PlannedEnd = s.guidedDate(v, *t.PlannedEnd)
		pg.DaysLeft = int(math.Ceil(t.PlannedEnd.Sub(h.Now).Hours() / 24))
		pg.PastEnd = pg.DaysLeft < 0
		pg.Extended = t.ExtendedAt != nil
		if pg.FeedbackWait, err = s.feedbackWait(c, v); err != nil {
			s.guidedError(c, v, err)
			return
		}
	default:
		pg.Heading = v.T("guided.home.ended_title")
		if t.State == coaching.StateWithdrawn || t.State == coaching.StateNoContact {
			pg.Heading = v.T("guided.home.closed_title")
		}
		if t.EndedAt != nil {
			pg.EndedOn = s.guidedDate(v, *t.EndedAt)
		}
		pg.EndText = v.T("guided.ended."+string(t.State), "Date", pg.EndedOn)
		if t.EndReason != nil && t.EndReason.Valid() && *t.EndReason != coaching.ReasonNoContactAfterSignup {
			pg.Reason = v.T("guided.reason." + string(*t.EndReason))
		}
		pg.Started = t.StartedAt != nil
		pg.Lessons, pg.MsgsIn, pg.MsgsOut, pg.Contacts = t.EndLessonsCompleted, t.EndMessagesIn, t.EndMessagesOut, t.EndContacts
	}
	// Crisis help first after a crisis answer, until a guide has started.
	if t.IntakeCrisis && (t.State == coaching.StateApplied || t.State == coaching.StateWaiting) {
		pg.Crisis, pg.CrisisTitle, pg.CrisisText = true, v.T("guided.crisis.title"), v.T("guided.crisis.text")
		pg.CrisisHelp = s.crisisHelp(v.Lang, "")
	}
	s.dueViews(v, t, h, &pg)
	v.Data = pg
	s.render(c, http.StatusOK, "guided_home", v)
}

// feedbackWait is the notice that the client waits for their guide's
// feedback at a feedback moment (modules Progress.Waiting), or nil — also
// when they have not started the course.
func (s *Site) feedbackWait(c *gin.Context, v *view) (*waitingPanel, error) {
	if s.Selfhelp == nil {
		return nil, nil
	}
	p := s.programme()
	pr, err := s.Selfhelp.Progress(c.Request.Context(), signedIn(c).UserID, p.ID)
	switch {
	case errors.Is(err, modules.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case pr.Waiting == nil:
		return nil, nil
	}
	return s.waitingPanel(v, p, pr.Waiting), nil
}

// dueViews sorts the monitoring into due now, later and taken. After the
// end only a completed trajectory's follow-ups are offered.
func (s *Site) dueViews(v *view, t *coaching.Trajectory, h *coaching.ClientHome, pg *homePage) {
	offer := t.State == coaching.StateActive || t.State == coaching.StateCompleted
	for _, d := range h.Schedule {
		dv := dueView{What: s.dueName(v, d), Date: s.guidedDate(v, d.DueAt), ISO: s.isoDate(d.DueAt)}
		switch {
		case d.Taken != nil:
			dv.Date, dv.ISO = s.guidedDate(v, d.Taken.TakenAt), s.isoDate(d.Taken.TakenAt)
			dv.Score = v.T("result.score", "Score", d.Taken.Score, "Max", s.maxScore(d.Instrument))
			pg.Taken = append(pg.Taken, dv)
		case !offer:
		case d.Open(h.Now):
			dv.Href = v.Href("/guided/t/" + t.ID + "/questionnaire/" + d.Point + "/" + d.Instrument)
			pg.DueNow = append(pg.DueNow, dv)
		default:
			pg.DueLater = append(pg.DueLater, dv)
		}
	}
}

// dueName says which questionnaire, when: "In week 6: PHQ-9".
func (s *Site) dueName(v *view, d coaching.Due) string {
	title := d.Instrument
	if in, err := s.Selftest.Catalog().Instrument(d.Instrument); err == nil {
		t, _ := in.Text(v.Lang)
		title = t.Title
	}
	return v.T("guided.point."+d.Point) + ": " + title
}

func (s *Site) maxScore(instrument string) int {
	if in, err := s.Selftest.Catalog().Instrument(instrument); err == nil {
		return in.MaxScore()
	}
	return 0
}

// feedbackViews names each lesson and links to it.
func (s *Site) feedbackViews(v *view, fs []coaching.Feedback) []feedbackView {
	var out []feedbackView
	for _, f := range fs {
		fv := feedbackView{LessonID: f.LessonID, Lesson: f.LessonID, Guide: f.ClinicianName, Date: s.guidedDate(v, f.GivenAt), ISO: s.isoDate(f.GivenAt),
			Body: f.Body, New: f.ReadAt == nil}
		for _, p := range s.Selfhelp.Library().Programmes() {
			if l := p.Lesson(f.LessonID); l != nil {
				fv.Lesson = v.T("guided.feedback.lesson", "N", l.Number, "Title", l.Title.In(textLang(p, v.Lang)))
				fv.LessonHref = v.Href("/selfhelp/lesson/" + l.ID)
			}
		}
		out = append(out, fv)
	}
	return out
}

// consentSubmit is the client agreeing to the guide they were told
// about: the trajectory starts.
func (s *Site) consentSubmit(c *gin.Context) {
	v := s.guidedView(c, "guided.home.title", "/guided/mine")
	_, err := s.Coaching.Consent(c.Request.Context(), signedIn(c), c.Param("id"))
	var te *coaching.TransitionError
	switch {
	case err == nil, errors.As(err, &te) && te.From == coaching.StateActive:
		// Started (a second press of the button finds it started).
		redirect(c, http.StatusSeeOther, v.Href("/guided/mine")+"?notice=started")
	default:
		s.guidedError(c, v, err)
	}
}

func (s *Site) withdrawPage(v *view, id string) formPage {
	return formPage{Heading: v.T("guided.withdraw.title"),
		Lead:   []string{v.T("guided.withdraw.lead"), v.T("guided.withdraw.again")},
		Action: v.Href("/guided/t/" + id + "/withdraw"), Submit: v.T("guided.withdraw.submit"), Danger: true,
		Links: []linkView{{Href: v.Href("/guided/mine"), Text: v.T("guided.withdraw.keep")}}}
}

// withdrawForm asks before an application is withdrawn.
func (s *Site) withdrawForm(c *gin.Context) {
	v := s.guidedView(c, "guided.withdraw.title", "/guided/t/"+c.Param("id")+"/withdraw")
	t, err := s.Coaching.Trajectory(c.Request.Context(), signedIn(c), c.Param("id"), coaching.AccessCare)
	if err != nil {
		s.guidedError(c, v, err)
		return
	}
	if _, err := coaching.Transition(t.State, coaching.EventWithdraw); err != nil {
		s.guidedError(c, v, err) // running or ended: nothing to withdraw
		return
	}
	s.renderAccountForm(c, http.StatusOK, v, s.withdrawPage(v, t.ID), "")
}

func (s *Site) withdrawSubmit(c *gin.Context) {
	v := s.guidedView(c, "guided.withdraw.title", "/guided/t/"+c.Param("id")+"/withdraw")
	_, err := s.Coaching.Withdraw(c.Request.Context(), signedIn(c), c.Param("id"))
	var te *coaching.TransitionError
	switch {
	case err == nil, errors.As(err, &te) && te.From == coaching.StateWithdrawn:
		redirect(c, http.StatusSeeOther, v.Href("/guided/mine")+"?notice=withdrawn")
	default:
		s.guidedError(c, v, err)
	}
}
