package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/lang"
	"github.com/haven-mh/haven/modules"
)

// Self-help: programmes, lessons, saved work, the mood diary and measured
// outcomes. Content is public to read for the first lesson (so a visitor
// can try before signing up); everything saved belongs to a client.

type programmeSummary struct {
	ID          string   `json:"id"`
	Version     int      `json:"version"`
	Language    string   `json:"language"`
	Languages   []string `json:"languages"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	Unlock      string   `json:"unlock"`
	LessonCount int      `json:"lesson_count"`
}

type programmeDetail struct {
	programmeSummary
	Lessons  []lessonSummary `json:"lessons"`
	Measures *measuresView   `json:"measures,omitempty"`
	PlanName string          `json:"plan_title,omitempty"`
}

type lessonSummary struct {
	ID      string `json:"id"`
	Number  int    `json:"number"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Minutes int    `json:"minutes"`
	Steps   int    `json:"step_count"`
}

type measuresView struct {
	Instrument string             `json:"instrument"`
	Points     []measurePointView `json:"points"`
}

type measurePointView struct {
	ID     string `json:"id"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

type lessonContent struct {
	Programme string `json:"programme"`
	Language  string `json:"language"`
	lessonSummary
	StepList []stepContent `json:"steps"`
}

type stepContent struct {
	ID     string         `json:"id"`
	Type   string         `json:"type"`
	Title  string         `json:"title,omitempty"`
	Body   string         `json:"body_markdown,omitempty"`
	Image  *imageView     `json:"image,omitempty"`
	Fields []fieldContent `json:"fields,omitempty"`
	// FeedbackMoment: in guided care the client waits here for the
	// clinician's feedback (waiting_for_feedback).
	FeedbackMoment bool `json:"feedback_moment,omitempty"`
}

type imageView struct {
	Src string `json:"src"`
	Alt string `json:"alt"`
}

type fieldContent struct {
	ID        string       `json:"id"`
	Type      string       `json:"type"`
	Label     string       `json:"label"`
	Help      string       `json:"help,omitempty"`
	Required  bool         `json:"required"`
	Rows      int          `json:"rows,omitempty"`
	MinLabel  string       `json:"min_label,omitempty"`
	MaxLabel  string       `json:"max_label,omitempty"`
	ItemLabel string       `json:"item_label,omitempty"`
	Safety    *fieldSafety `json:"safety,omitempty"`
	Options   []optionText `json:"options,omitempty"`
}

type fieldSafety struct {
	Signal  string `json:"signal"`
	AtMost  *int   `json:"at_most,omitempty"`
	AtLeast *int   `json:"at_least,omitempty"`
}

type optionText struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Safety string `json:"safety,omitempty"`
}

type progressView struct {
	Programme   string            `json:"programme"`
	StartedAt   time.Time         `json:"started_at"`
	CompletedAt *time.Time        `json:"completed_at,omitempty"`
	Resume      positionView      `json:"resume"`
	Lessons     []lessonStateView `json:"lessons"`
	Measures    []measureState    `json:"measures"`
	Nudge       *nudgeView        `json:"nudge,omitempty"`
	NudgeEmail  bool              `json:"nudge_email"`
	Advice      *courseAdvice     `json:"course_advice,omitempty"`
	// Guided: the lessons open in the clinician's order (assigned_lessons).
	Guided   bool              `json:"guided"`
	Assigned []string          `json:"assigned_lessons,omitempty"`
	Waiting  *feedbackWaitView `json:"waiting_for_feedback,omitempty"`
}

// feedbackWaitView is modules.Waiting on the wire: the feedback moment the
// client waits at and when the clinician's feedback is due.
type feedbackWaitView struct {
	Lesson string    `json:"lesson"`
	Step   string    `json:"step"`
	Since  time.Time `json:"since"`
	By     time.Time `json:"due_by"`
}

func waitingOut(w *modules.Waiting) *feedbackWaitView {
	if w == nil {
		return nil
	}
	return &feedbackWaitView{Lesson: w.LessonID, Step: w.StepID, Since: w.Since, By: w.By}
}

// courseAdvice is modules.CourseAdvice on the wire, in one language.
type courseAdvice struct {
	Reasons  []string        `json:"reasons"`
	Worsened *worseningView  `json:"worsened,omitempty"`
	Messages []adviceMessage `json:"messages"`
	Steps    []adviceView    `json:"steps"`
}

type worseningView struct {
	FromPoint string `json:"from_point"`
	ToPoint   string `json:"to_point"`
	From      int    `json:"from"`
	To        int    `json:"to"`
}

type adviceMessage struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

type positionView struct {
	Lesson string `json:"lesson"`
	Step   string `json:"step"`
}

type lessonStateView struct {
	ID          string     `json:"id"`
	State       string     `json:"state"`
	OpenedAt    *time.Time `json:"opened_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

type measureState struct {
	Point string       `json:"point"`
	Due   bool         `json:"due"`
	Taken *measurement `json:"taken,omitempty"`
}

type measurement struct {
	Score   int       `json:"score"`
	Band    string    `json:"band"`
	TakenAt time.Time `json:"taken_at"`
}

type nudgeView struct {
	AwaySince time.Time `json:"away_since"`
}

type answerView struct {
	Lesson      string                     `json:"lesson"`
	Step        string                     `json:"step"`
	Values      map[string]json.RawMessage `json:"values"`
	UpdatedAt   time.Time                  `json:"updated_at"`
	CompletedAt *time.Time                 `json:"completed_at,omitempty"`
	Removed     bool                       `json:"removed,omitempty"`
}

type lessonWork struct {
	Content         lessonContent         `json:"content"`
	State           string                `json:"state"`
	Answers         map[string]answerView `json:"answers"`
	CarriedHomework *carriedHomework      `json:"carried_homework,omitempty"`
	Waiting         *feedbackWaitView     `json:"waiting_for_feedback,omitempty"`
}

type carriedHomework struct {
	Lesson string      `json:"lesson"`
	Step   stepContent `json:"step"`
	Answer *answerView `json:"answer,omitempty"`
}

type saveStepRequest struct {
	Values   map[string]json.RawMessage `json:"values"`
	Complete bool                       `json:"complete"`
}

type saveStepResponse struct {
	Answer          answerView        `json:"answer"`
	Next            *positionView     `json:"next,omitempty"`
	LessonCompleted bool              `json:"lesson_completed"`
	CourseCompleted bool              `json:"course_completed"`
	SafetySignal    bool              `json:"safety_signal"`
	CrisisHelp      *crisisHelp       `json:"crisis_help,omitempty"`
	Waiting         *feedbackWaitView `json:"waiting_for_feedback,omitempty"`
}

type nudgeEmailRequest struct {
	Email    string `json:"email"`
	Language string `json:"language"`
}

type measurementRequest struct {
	Language string          `json:"language"`
	Answers  []answerRequest `json:"answers"`
}

type diaryRequest struct {
	Mood       *int     `json:"mood"`
	Note       string   `json:"note"`
	Activities []string `json:"activities"`
}

type planView struct {
	Title      string            `json:"title"`
	Sections   []planSectionView `json:"sections"`
	CrisisHelp *crisisHelp       `json:"crisis_help"`
}

type planSectionView struct {
	Label string   `json:"label"`
	Items []string `json:"items"`
}

// contentLanguage picks the language for programme p.
func (h *handlers) contentLanguage(c *gin.Context, p *modules.Programme) string {
	l := lang.Negotiate(c.Query("lang"), c.GetHeader("Accept-Language"), h.DefaultLanguage)
	if !p.HasLanguage(l) {
		l = p.Languages[0]
	}
	c.Header("Content-Language", l)
	return l
}

func (h *handlers) programme(c *gin.Context) (*modules.Programme, bool) {
	p, err := h.Selfhelp.Library().Programme(c.Param("programme"))
	if err != nil {
		h.respondError(c, err)
		return nil, false
	}
	return p, true
}

func summarizeProgramme(p *modules.Programme, l string) programmeSummary {
	return programmeSummary{ID: p.ID, Version: p.Version, Language: l, Languages: p.Languages, Title: p.Title.In(l),
		Summary: p.Summary.In(l), Unlock: p.Unlock, LessonCount: len(p.Lessons)}
}

func summarizeLesson(ls *modules.Lesson, l string) lessonSummary {
	return lessonSummary{ID: ls.ID, Number: ls.Number, Title: ls.Title.In(l), Summary: ls.Summary.In(l), Minutes: ls.Minutes, Steps: len(ls.Steps)}
}

func (h *handlers) listProgrammes(c *gin.Context) {
	out := []programmeSummary{}
	for _, p := range h.Selfhelp.Library().Programmes() {
		out = append(out, summarizeProgramme(p, h.contentLanguage(c, p)))
	}
	c.JSON(http.StatusOK, gin.H{"programmes": out})
}

func (h *handlers) getProgramme(c *gin.Context) {
	p, ok := h.programme(c)
	if !ok {
		return
	}
	l := h.contentLanguage(c, p)
	d := programmeDetail{programmeSummary: summarizeProgramme(p, l)}
	for _, ls := range p.Lessons {
		d.Lessons = append(d.Lessons, summarizeLesson(ls, l))
	}
	if p.Measures != nil {
		d.Measures = &measuresView{Instrument: p.Measures.Instrument}
		for _, pt := range p.Measures.Points {
			d.Measures.Points = append(d.Measures.Points, measurePointView(pt))
		}
	}
	if p.Plan != nil {
		d.PlanName = p.Plan.Title.In(l)
	}
	c.JSON(http.StatusOK, d)
}

func stepView(p *modules.Programme, s *modules.Step, l string) stepContent {
	v := stepContent{ID: s.ID, Type: s.Type, Title: s.Title.In(l), Body: s.Body.In(l), FeedbackMoment: s.FeedbackMoment}
	if s.Image != nil {
		v.Image = &imageView{Src: "/selfhelp-images/" + p.ID + "/" + s.Image.Src, Alt: s.Image.Alt.In(l)}
	}
	for _, f := range s.Fields {
		fv := fieldContent{ID: f.ID, Type: f.Type, Label: f.Label.In(l), Help: f.Help.In(l), Required: f.Required, Rows: f.Rows,
			MinLabel: f.MinLabel.In(l), MaxLabel: f.MaxLabel.In(l), ItemLabel: f.ItemLabel.In(l)}
		for _, o := range f.Options {
			fv.Options = append(fv.Options, optionText{ID: o.ID, Label: o.Label.In(l), Safety: o.Safety})
		}
		if sf := f.Safety; sf != nil {
			fv.Safety = &fieldSafety{Signal: sf.Signal, AtMost: sf.AtMost, AtLeast: sf.AtLeast}
		}
		v.Fields = append(v.Fields, fv)
	}
	return v
}

func lessonView(p *modules.Programme, ls *modules.Lesson, l string) lessonContent {
	v := lessonContent{Programme: p.ID, Language: l, lessonSummary: summarizeLesson(ls, l)}
	for _, s := range ls.Steps {
		v.StepList = append(v.StepList, stepView(p, s, l))
	}
	return v
}

// trialLesson serves the first lesson to anyone, so a visitor can try the
// course before signing up.
func (h *handlers) trialLesson(c *gin.Context) {
	p, ok := h.programme(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, lessonView(p, p.Lessons[0], h.contentLanguage(c, p)))
}

// previewLesson serves any lesson's content (coordinators, who manage the
// content; the route requires the role).
func (h *handlers) previewLesson(c *gin.Context) {
	p, ok := h.programme(c)
	if !ok {
		return
	}
	ls := p.Lesson(c.Param("lesson"))
	if ls == nil {
		WriteNotFound(c)
		return
	}
	c.JSON(http.StatusOK, lessonView(p, ls, h.contentLanguage(c, p)))
}

func answerOut(a modules.StepAnswer) answerView {
	return answerView{Lesson: a.LessonID, Step: a.StepID, Values: a.Values, UpdatedAt: a.UpdatedAt, CompletedAt: a.CompletedAt, Removed: a.Removed}
}

func (h *handlers) courseAdviceOut(a *modules.CourseAdvice, l string) *courseAdvice {
	if a == nil {
		return nil
	}
	out := &courseAdvice{Reasons: a.Reasons, Messages: []adviceMessage{}, Steps: []adviceView{}}
	if w := a.Worsened; w != nil {
		out.Worsened = &worseningView{FromPoint: w.FromPoint, ToPoint: w.ToPoint, From: w.From, To: w.To}
	}
	for _, m := range a.Messages {
		out.Messages = append(out.Messages, adviceMessage{Title: m.Title.In(l), Text: m.Text.In(l)})
	}
	for _, st := range a.Steps {
		step := h.Selftest.Step(st.Code, l, st.Urgent)
		out.Steps = append(out.Steps, adviceView{Code: step.Code, Title: step.Title, Text: step.Text, Path: "/" + l + step.Path, Urgent: step.Urgent})
	}
	return out
}

// progressOut is a client's progress, the course advice in the programme's
// language for this request.
func (h *handlers) progressOut(c *gin.Context, pr *modules.Progress) progressView {
	v := progressView{Programme: pr.Programme.ID, StartedAt: pr.Enrolment.StartedAt, CompletedAt: pr.Enrolment.CompletedAt,
		Resume: positionView{Lesson: pr.ResumeLesson, Step: pr.ResumeStep}, NudgeEmail: pr.Enrolment.NudgeEmailSealed != nil,
		Lessons: []lessonStateView{}, Measures: []measureState{}}
	for _, lp := range pr.Lessons {
		v.Lessons = append(v.Lessons, lessonStateView{ID: lp.Lesson.ID, State: lp.State, OpenedAt: lp.OpenedAt, CompletedAt: lp.CompletedAt})
	}
	for _, m := range pr.Measures {
		ms := measureState{Point: m.Point.ID, Due: m.Due}
		if m.Taken != nil {
			ms.Taken = &measurement{Score: m.Taken.Score, Band: m.Taken.Band, TakenAt: m.Taken.TakenAt}
		}
		v.Measures = append(v.Measures, ms)
	}
	if pr.Nudge != nil {
		v.Nudge = &nudgeView{AwaySince: pr.Nudge.LapseSince}
	}
	v.Advice = h.courseAdviceOut(pr.Advice, h.contentLanguage(c, pr.Programme))
	v.Guided, v.Assigned, v.Waiting = pr.Guided, pr.Assigned, waitingOut(pr.Waiting)
	return v
}

func (h *handlers) myProgrammes(c *gin.Context) {
	out := []progressView{}
	for _, p := range h.Selfhelp.Library().Programmes() {
		pr, err := h.Selfhelp.Progress(c.Request.Context(), principal(c).UserID, p.ID)
		if errors.Is(err, modules.ErrNotFound) {
			continue
		}
		if err == nil {
			err = h.Selfhelp.AckNudge(c.Request.Context(), pr) // the nudge is in this answer
		}
		if err != nil {
			h.respondError(c, err)
			return
		}
		out = append(out, h.progressOut(c, pr))
	}
	c.JSON(http.StatusOK, gin.H{"enrolments": out})
}

func (h *handlers) startProgramme(c *gin.Context) {
	pr, err := h.Selfhelp.Start(c.Request.Context(), principal(c).UserID, c.Param("programme"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, h.progressOut(c, pr))
}

func (h *handlers) myProgress(c *gin.Context) {
	pr, err := h.Selfhelp.Progress(c.Request.Context(), principal(c).UserID, c.Param("programme"))
	if err == nil {
		err = h.Selfhelp.AckNudge(c.Request.Context(), pr) // the nudge is in this answer
	}
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, h.progressOut(c, pr))
}

func (h *handlers) openLesson(c *gin.Context) {
	p, ok := h.programme(c)
	if !ok {
		return
	}
	v, err := h.Selfhelp.OpenLesson(c.Request.Context(), principal(c).UserID, p.ID, c.Param("lesson"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	l := h.contentLanguage(c, p)
	out := lessonWork{Content: lessonView(p, v.Lesson, l), State: v.State, Answers: map[string]answerView{}, Waiting: waitingOut(v.Waiting)}
	for id, a := range v.Answers {
		out.Answers[id] = answerOut(a)
	}
	if hw := v.CarriedHomework; hw != nil {
		out.CarriedHomework = &carriedHomework{Lesson: hw.Lesson.ID, Step: stepView(p, hw.Step, l)}
		if hw.Answer != nil {
			a := answerOut(*hw.Answer)
			out.CarriedHomework.Answer = &a
		}
	}
	c.JSON(http.StatusOK, out)
}

func (h *handlers) saveStep(c *gin.Context) {
	var req saveStepRequest
	if !decodeJSON(c, &req) {
		return
	}
	res, err := h.Selfhelp.SaveStep(c.Request.Context(), principal(c).UserID, c.Param("programme"), c.Param("lesson"),
		c.Param("step"), modules.Values(req.Values), req.Complete)
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := saveStepResponse{Answer: answerOut(res.Answer), LessonCompleted: res.LessonCompleted, CourseCompleted: res.CourseCompleted,
		SafetySignal: res.ShowCrisisHelp, Waiting: waitingOut(res.Waiting)}
	if res.NextStep != "" {
		out.Next = &positionView{Lesson: res.NextLesson, Step: res.NextStep}
	}
	if res.ShowCrisisHelp { // before the next step: crisis help at once
		out.CrisisHelp = toCrisisHelp(h.Selftest.CrisisHelpForAll(h.language(c), ""))
	}
	c.JSON(http.StatusOK, out)
}

func (h *handlers) myAnswers(c *gin.Context) {
	answers, err := h.Selfhelp.Answers(c.Request.Context(), principal(c).UserID, c.Param("programme"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := []answerView{}
	for _, a := range answers {
		out = append(out, answerOut(a))
	}
	c.JSON(http.StatusOK, gin.H{"answers": out})
}

func (h *handlers) myPlan(c *gin.Context) {
	p, ok := h.programme(c)
	if !ok {
		return
	}
	l := h.contentLanguage(c, p)
	plan, err := h.Selfhelp.Plan(c.Request.Context(), principal(c).UserID, p.ID, l)
	if err != nil {
		h.respondError(c, err)
		return
	}
	if c.Query("format") == "text" {
		c.Header("Content-Disposition", `attachment; filename="haven-plan.txt"`)
		c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(plan.Text()))
		return
	}
	out := planView{Title: plan.Title, Sections: []planSectionView{}, CrisisHelp: toCrisisHelp(plan.Crisis.Help)}
	for _, s := range plan.Sections {
		items := s.Items
		if items == nil {
			items = []string{}
		}
		out.Sections = append(out.Sections, planSectionView{Label: s.Label, Items: items})
	}
	c.JSON(http.StatusOK, out)
}

func (h *handlers) setNudgeEmail(c *gin.Context) {
	var req nudgeEmailRequest
	if !decodeJSON(c, &req) {
		return
	}
	if req.Email == "" {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Give an e-mail address, or remove it with DELETE.",
			map[string]string{"email": "is required"})
		return
	}
	asked := req.Language // the e-mail's language: as asked, else ?lang=, else Accept-Language
	if asked == "" {
		asked = c.Query("lang")
	}
	l := lang.Negotiate(asked, c.GetHeader("Accept-Language"), h.DefaultLanguage)
	if err := h.Selfhelp.SetNudgeEmail(c.Request.Context(), principal(c).UserID, c.Param("programme"), req.Email, l); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) deleteNudgeEmail(c *gin.Context) {
	if err := h.Selfhelp.SetNudgeEmail(c.Request.Context(), principal(c).UserID, c.Param("programme"), "", ""); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// takeMeasurement is the course questionnaire at a measurement point
// (modules.Service.TakeMeasurement: scored by the self-test rules, so the
// crisis rule applies).
func (h *handlers) takeMeasurement(c *gin.Context) {
	var req measurementRequest
	if !decodeJSON(c, &req) {
		return
	}
	answers, ok := bindAnswers(c, req.Answers)
	if !ok {
		return
	}
	l := req.Language
	if l == "" {
		l = lang.Negotiate(c.Query("lang"), c.GetHeader("Accept-Language"), h.DefaultLanguage)
	}
	out, err := h.Selfhelp.TakeMeasurement(c.Request.Context(), principal(c).UserID, c.Param("programme"), c.Param("point"), l, answers)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.Header("Content-Language", out.Language)
	v := h.result(out.Outcome, out.Language, "")
	v.CourseAdvice = h.courseAdviceOut(out.Advice, out.Language)
	c.JSON(http.StatusCreated, v)
}

func (h *handlers) myDiary(c *gin.Context) {
	to := h.Selfhelp.Today()
	from := to.AddDate(0, 0, -27)
	var err error
	if s := c.Query("from"); s != "" {
		if from, err = time.Parse(time.DateOnly, s); err != nil {
			abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Dates are written YYYY-MM-DD.", map[string]string{"from": "not a date"})
			return
		}
	}
	if s := c.Query("to"); s != "" {
		if to, err = time.Parse(time.DateOnly, s); err != nil {
			abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Dates are written YYYY-MM-DD.", map[string]string{"to": "not a date"})
			return
		}
	}
	if to.Sub(from) > 400*24*time.Hour || to.Before(from) {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Ask for at most a year, from before to.", map[string]string{"from": "range too long or reversed"})
		return
	}
	entries, err := h.Selfhelp.Diary(c.Request.Context(), principal(c).UserID, from, to)
	if err != nil {
		h.respondError(c, err)
		return
	}
	if entries == nil {
		entries = []modules.DiaryEntry{}
	}
	c.JSON(http.StatusOK, gin.H{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "entries": entries})
}

func (h *handlers) saveDiary(c *gin.Context) {
	var req diaryRequest
	if !decodeJSON(c, &req) {
		return
	}
	if req.Mood == nil {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Give your mood from 0 to 10.", map[string]string{"mood": "is required"})
		return
	}
	e, err := h.Selfhelp.SaveDiary(c.Request.Context(), principal(c).UserID,
		modules.DiaryEntry{Day: c.Param("day"), Mood: *req.Mood, Note: req.Note, Activities: req.Activities})
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, e)
}

func (h *handlers) deleteDiary(c *gin.Context) {
	if err := h.Selfhelp.DeleteDiary(c.Request.Context(), principal(c).UserID, c.Param("day")); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// paceView is a programme's rhythm: a lesson opens lesson_days days after
// the one before was finished (0: at once).
type paceView struct {
	Programme         string     `json:"programme"`
	LessonDays        int        `json:"lesson_days"`
	Source            string     `json:"source"`
	DefaultLessonDays int        `json:"default_lesson_days"`
	DefaultSource     string     `json:"default_source"`
	SetAt             *time.Time `json:"set_at,omitempty"`
}

func paceOut(pc *modules.Pace) paceView {
	return paceView{Programme: pc.Programme.ID, LessonDays: pc.Days, Source: pc.Source, DefaultLessonDays: pc.DefaultDays,
		DefaultSource: pc.DefaultSource, SetAt: pc.SetAt}
}

// programmePace is a programme's rhythm, for coordinators.
func (h *handlers) programmePace(c *gin.Context) {
	pc, err := h.Selfhelp.Pace(c.Request.Context(), c.Param("programme"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, paceOut(pc))
}

type paceRequest struct {
	LessonDays *int `json:"lesson_days"`
}

// setProgrammePace is a coordinator changing a programme's rhythm.
func (h *handlers) setProgrammePace(c *gin.Context) {
	var req paceRequest
	if !decodeJSON(c, &req) {
		return
	}
	if req.LessonDays == nil {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Give the number of days between lessons (0 opens the next lesson at once).",
			map[string]string{"lesson_days": "is required"})
		return
	}
	pc, err := h.Selfhelp.SetPace(c.Request.Context(), principal(c), c.Param("programme"), *req.LessonDays)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, paceOut(pc))
}
