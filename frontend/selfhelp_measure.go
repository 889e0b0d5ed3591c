package frontend

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// Questionnaires at the course's measurement points (the PHQ-9), scored
// by the self-test service so the crisis rule applies, then recorded with
// the course; and the plan.

func (s *Site) measureInstrument(p *modules.Programme) *selftest.Instrument {
	if p.Measures == nil {
		return nil
	}
	in, err := s.Selftest.Catalog().Instrument(p.Measures.Instrument)
	if err != nil {
		return nil
	}
	return in
}

// measureState finds the client's measurement point of the URL.
func (s *Site) measureState(c *gin.Context, v *view) (*modules.Programme, *modules.MeasureState, *selftest.Instrument, bool) {
	userID := signedIn(c).UserID
	p := s.programme()
	in := s.measureInstrument(p)
	if in == nil {
		s.notFound(c, http.StatusNotFound)
		return nil, nil, nil, false
	}
	// Start enrols a client who has not opened a lesson yet: the first
	// questionnaire comes before lesson 1.
	pr, err := s.Selfhelp.Start(c.Request.Context(), userID, p.ID)
	if err != nil {
		s.selfhelpError(c, v, err)
		return nil, nil, nil, false
	}
	for i := range pr.Measures {
		if pr.Measures[i].Point.ID == c.Param("point") {
			return p, &pr.Measures[i], in, true
		}
	}
	s.notFound(c, http.StatusNotFound)
	return nil, nil, nil, false
}

func (s *Site) measureForm(c *gin.Context) {
	v := s.selfhelpView(c, "", "/selfhelp/questionnaire/"+c.Param("point"))
	p, ms, in, ok := s.measureState(c, v)
	if !ok {
		return
	}
	if !ms.Due {
		if ms.Taken != nil {
			redirect(c, http.StatusSeeOther, v.Href("/selfhelp/questionnaire/"+ms.Point.ID+"/result"))
			return
		}
		s.notFound(c, http.StatusNotFound)
		return
	}
	finished, _ := strconv.Atoi(c.Query("finished"))
	s.renderMeasureForm(c, http.StatusOK, v, p, ms, in, nil, nil, finished)
}

func (s *Site) renderMeasureForm(c *gin.Context, status int, v *view, p *modules.Programme, ms *modules.MeasureState,
	in *selftest.Instrument, given, fieldErrs map[string]string, finished int) {
	f := s.buildForm(v, in, given, fieldErrs, false)
	f.Action = v.Href("/selfhelp/questionnaire/" + ms.Point.ID)
	f.BackHref, f.BackText = v.Href("/selfhelp"), v.T("selfhelp.back_to_course")
	f.CSRF = csrfToken(c)
	f.Lead = v.T("selfhelp.measure.lead", "When", s.pointName(v, p, ms.Point))
	if finished > 0 {
		f.Lead = v.T("selfhelp.measure.finished", "N", finished) + " " + f.Lead
	}
	v.Data = f
	v.NoIndex = true
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "selftest_form", v)
}

func (s *Site) measureSubmit(c *gin.Context) {
	v := s.selfhelpView(c, "", "/selfhelp/questionnaire/"+c.Param("point"))
	p, ms, in, ok := s.measureState(c, v)
	if !ok {
		return
	}
	if !ms.Due {
		s.notFound(c, http.StatusNotFound)
		return
	}
	who := signedIn(c)
	given, answers, fieldErrs := formAnswers(in, c.Request.PostForm)
	if len(fieldErrs) == 0 {
		_, err := s.Selfhelp.TakeMeasurement(c.Request.Context(), who.UserID, p.ID, ms.Point.ID, v.Lang, answers)
		var fe fieldErrors
		switch {
		case errors.As(err, &fe):
			fieldErrs = fe.FieldErrors()
		case err != nil:
			s.selfhelpError(c, v, err)
			return
		}
	}
	if len(fieldErrs) > 0 {
		s.renderMeasureForm(c, http.StatusUnprocessableEntity, v, p, ms, in, given, fieldErrs, 0)
		return
	}
	redirect(c, http.StatusSeeOther, v.Href("/selfhelp/questionnaire/"+ms.Point.ID+"/result"))
}

type measureResultView struct {
	resultView
	When         string
	ContinueHref string
	ContinueText string
	Advice       *courseAdviceView
}

// courseAdviceView is the course's questionnaire advice (modules
// CourseAdvice) for the "course-advice" partial.
type courseAdviceView struct {
	TextLang string // the course texts' language, when not the page's
	Messages []adviceMessage
	Worsened *worseningView
	Steps    []stepView
}

type adviceMessage struct{ Title, Text string }

type worseningView struct {
	FromWhen, ToWhen string
	From, To         int
}

// courseAdvice prepares the course advice for a page, nil when there is none.
func (s *Site) courseAdvice(v *view, p *modules.Programme, tl string, a *modules.CourseAdvice) *courseAdviceView {
	if a == nil {
		return nil
	}
	out := &courseAdviceView{}
	if tl != v.Lang {
		out.TextLang = tl
	}
	for _, m := range a.Messages {
		out.Messages = append(out.Messages, adviceMessage{Title: m.Title.In(tl), Text: m.Text.In(tl)})
	}
	if w := a.Worsened; w != nil {
		out.Worsened = &worseningView{From: w.From, To: w.To, FromWhen: s.pointNameByID(v, p, w.FromPoint), ToWhen: s.pointNameByID(v, p, w.ToPoint)}
	}
	for _, st := range a.Steps {
		step := s.Selftest.Step(st.Code, v.Lang, st.Urgent)
		out.Steps = append(out.Steps, stepView{Title: step.Title, Text: step.Text, Href: v.Href(step.Path), Urgent: step.Urgent})
	}
	return out
}

func (s *Site) measureResult(c *gin.Context) {
	v := s.selfhelpView(c, "", "/selfhelp/questionnaire/"+c.Param("point")+"/result")
	who := signedIn(c)
	p, ms, _, ok := s.measureState(c, v)
	if !ok {
		return
	}
	if ms.Taken == nil {
		s.notFound(c, http.StatusNotFound)
		return
	}
	out, err := s.Selfhelp.MeasurementResult(c.Request.Context(), who.UserID, p.ID, ms.Point.ID)
	if err != nil {
		s.selfhelpError(c, v, err)
		return
	}
	r := measureResultView{resultView: s.buildResult(v, out.Outcome), When: s.pointName(v, p, ms.Point),
		Advice: s.courseAdvice(v, p, textLang(p, v.Lang), out.Advice)}
	r.Heading = v.T("selfhelp.measure.result_title")
	shown := map[string]bool{v.Href("/selfhelp"): true} // they are on the course already
	if r.Advice != nil {
		for _, st := range r.Advice.Steps { // the advice lists these already
			shown[st.Href] = true
		}
	}
	steps := r.Steps[:0]
	for _, st := range r.Steps {
		if !shown[st.Href] {
			steps = append(steps, st)
		}
	}
	r.Steps = steps
	pr, err := s.Selfhelp.Progress(c.Request.Context(), who.UserID, p.ID)
	if err != nil {
		s.selfhelpError(c, v, err)
		return
	}
	r.ContinueHref, r.ContinueText = v.Href("/selfhelp"), v.T("selfhelp.back_to_course")
	if pr.Enrolment.CompletedAt == nil {
		if l := p.Lesson(pr.ResumeLesson); l != nil {
			r.ContinueHref = v.Href("/selfhelp/lesson/" + l.ID + "/" + pr.ResumeStep)
			r.ContinueText = v.T("selfhelp.resume")
		}
	}
	v.Title = v.T("selfhelp.measure.result_title")
	v.Data = r
	s.render(c, http.StatusOK, "selfhelp_measure_result", v)
}

type planPageView struct {
	Title        string
	TextLang     string
	Sections     []modules.PlanSection
	Enrolled     bool
	LessonNumber int
	LessonHref   string // only when the plan's lesson is open
	// OpensText says when the plan's lesson opens, while it is locked.
	OpensText    string
	CourseHref   string
	DownloadHref string
	// The crisis lines that close the plan, as in the download.
	CrisisTitle string
	Crisis      *crisisHelp
}

func (s *Site) planPage(c *gin.Context) {
	v := s.selfhelpView(c, "selfhelp.plan.title", "/selfhelp/plan")
	who := signedIn(c)
	p := s.programme()
	if p.Plan == nil {
		s.notFound(c, http.StatusNotFound)
		return
	}
	tl := textLang(p, v.Lang)
	pv := planPageView{Title: p.Plan.Title.In(tl), DownloadHref: v.Href("/selfhelp/plan.txt")}
	if tl != v.Lang {
		pv.TextLang = tl
	}
	pv.CourseHref = v.Href("/selfhelp")
	plan, err := s.Selfhelp.Plan(c.Request.Context(), who.UserID, p.ID, tl)
	switch {
	case errors.Is(err, modules.ErrNotFound):
	case err != nil:
		s.selfhelpError(c, v, err)
		return
	default:
		pv.Enrolled, pv.Sections = true, plan.Sections
		ch := s.crisisView(v.Lang, plan.Crisis.Help)
		pv.CrisisTitle, pv.Crisis = plan.Crisis.Title, &ch
	}
	// Link only to the plan's lesson when it is open; else say when it
	// opens.
	if l := p.Lesson(p.Plan.Lesson); l != nil && pv.Enrolled {
		pv.LessonNumber = l.Number
		pr, err := s.Selfhelp.Progress(c.Request.Context(), who.UserID, p.ID)
		if err != nil {
			s.selfhelpError(c, v, err)
			return
		}
		for _, lp := range pr.Lessons {
			if lp.Lesson.ID != l.ID {
				continue
			}
			if lp.State == modules.LessonLocked {
				pv.OpensText = s.opensText(v, pr, lp)
			} else {
				pv.LessonHref = v.Href("/selfhelp/lesson/" + l.ID)
			}
		}
	} else if l != nil {
		pv.LessonNumber = l.Number
	}
	v.Title = pv.Title
	v.Data = pv
	s.render(c, http.StatusOK, "selfhelp_plan", v)
}

// opensText says when a locked lesson opens: on its day, under the
// course's pace, else after the lesson before it.
func (s *Site) opensText(v *view, pr *modules.Progress, lp modules.LessonProgress) string {
	if lp.OpensAt != nil {
		return v.T("selfhelp.opens.lesson_on", "N", lp.Lesson.Number, "Date", s.dateText(v, *lp.OpensAt))
	}
	return v.T("selfhelp.opens.after", "N", lp.Lesson.Number, "Previous", lp.Lesson.Number-1)
}

func (s *Site) planDownload(c *gin.Context) {
	v := s.selfhelpView(c, "selfhelp.plan.title", "/selfhelp/plan")
	who := signedIn(c)
	p := s.programme()
	plan, err := s.Selfhelp.Plan(c.Request.Context(), who.UserID, p.ID, textLang(p, v.Lang))
	if err != nil {
		s.selfhelpError(c, v, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+v.T("selfhelp.plan.filename")+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(plan.Text()))
}
