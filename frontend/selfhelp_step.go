package frontend

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// Lesson steps, one per page. A client's answers are saved with every
// "Save and continue" (and "Save and come back later"); a visitor reads
// the first lesson as a trial, with a call to sign up where the exercises
// are.

// Blank inputs offered after the saved ones, so a list or planner can grow
// without JavaScript (more appear after saving).
const (
	blankListItems   = 3
	blankPlannerRows = 3
)

type stepPageView struct {
	TextLang     string
	LessonNumber int
	LessonTitle  string
	LessonCount  int
	Number       int // of the step, 1-based
	Total        int
	Title        string
	Type         string
	Body         template.HTML
	Image        *stepImage // a text step's illustration
	Fields       []fieldView
	Exercise     bool // has fields
	Carried      *carriedView
	Feedback     []feedbackView // the guide's on this lesson (guided.go)
	Finished     int            // the lesson number just finished, on the next lesson's first step
	BackHref     string
	BackText     string
	// Clients
	Action   string
	CSRF     string
	IsLast   bool
	Autosave bool
	// Coordinators (a read-only preview of any step)
	Preview bool
	// Visitors (the trial)
	Trial      bool
	NextHref   string
	SignupHref string
	LoginHref  string
	AskedFor   []string // the exercise's questions, for the sign-up call
}

type stepImage struct {
	Src string
	Alt string
}

type carriedView struct {
	LessonNumber int
	Title        string
	Body         template.HTML
	Answers      []answerView
}

// answerView is a saved answer shown read-only.
type answerView struct {
	Label string
	Items []string
}

type fieldView struct {
	ID        string // the HTML id, and the form name
	Type      string
	Label     string
	Help      string
	Required  bool
	Rows      int
	MinLabel  string
	MaxLabel  string
	ItemLabel string
	Error     string
	Text      string
	Options   []optionView
	Items     []listItemView
	PlanRows  []planRowView
	Moods     []int
}

type listItemView struct {
	ID    string
	N     int
	Value string
}

type planRowView struct {
	Prefix   string // name and id prefix of the row's inputs
	N        int
	ItemID   string
	Activity string
	Day      string
	Time     string
	Done     bool
	Mood     string
	Error    string
	BadDay   bool
	BadWhat  bool
}

// fieldInput is one field's answer as strings: from the saved values, or
// as posted (kept as typed when it has errors).
type fieldInput struct {
	Text string   // text, scale, single
	List []string // multiple, checklist (option ids); list (texts)
	Rows []planRowView
}

func fieldName(f *modules.Field) string { return "f-" + f.ID }

// inputsFromValues decodes saved answers for the form.
func inputsFromValues(step *modules.Step, vals modules.Values) map[string]*fieldInput {
	out := map[string]*fieldInput{}
	for _, f := range step.Fields {
		in := &fieldInput{}
		out[f.ID] = in
		raw, ok := vals[f.ID]
		if !ok {
			continue
		}
		switch f.Type {
		case modules.FieldText, modules.FieldSingle:
			_ = json.Unmarshal(raw, &in.Text)
		case modules.FieldScale:
			var n int
			if json.Unmarshal(raw, &n) == nil {
				in.Text = strconv.Itoa(n)
			}
		case modules.FieldMultiple, modules.FieldChecklist, modules.FieldList:
			_ = json.Unmarshal(raw, &in.List)
		case modules.FieldPlanner:
			var items []modules.PlanItem
			_ = json.Unmarshal(raw, &items)
			for _, it := range items {
				r := planRowView{ItemID: it.ID, Activity: it.Activity, Day: it.Day, Time: it.Time, Done: it.Done}
				if it.Mood != nil {
					r.Mood = strconv.Itoa(*it.Mood)
				}
				in.Rows = append(in.Rows, r)
			}
		}
	}
	return out
}

// inputsFromForm reads the posted answers.
func inputsFromForm(step *modules.Step, form url.Values) map[string]*fieldInput {
	out := map[string]*fieldInput{}
	for _, f := range step.Fields {
		name := fieldName(f)
		in := &fieldInput{}
		out[f.ID] = in
		switch f.Type {
		case modules.FieldText, modules.FieldScale, modules.FieldSingle:
			in.Text = strings.TrimSpace(form.Get(name))
		case modules.FieldMultiple, modules.FieldChecklist, modules.FieldList:
			for _, v := range form[name] {
				if v = strings.TrimSpace(v); v != "" {
					in.List = append(in.List, v)
				}
			}
		case modules.FieldPlanner:
			n, _ := strconv.Atoi(form.Get(name + "-rows"))
			for i := range min(n, modules.MaxPlannerItems+blankPlannerRows) {
				p := name + "-" + strconv.Itoa(i) + "-"
				r := planRowView{ItemID: form.Get(p + "id"), Activity: strings.TrimSpace(form.Get(p + "activity")),
					Day: strings.TrimSpace(form.Get(p + "day")), Time: strings.TrimSpace(form.Get(p + "time")),
					Done: form.Get(p+"done") != "", Mood: form.Get(p + "mood")}
				if r.Activity == "" && r.Day == "" && r.Time == "" && !r.Done && r.Mood == "" {
					continue // a blank row
				}
				in.Rows = append(in.Rows, r)
			}
		}
	}
	return out
}

// toValues turns the inputs into the domain's answer. It only converts:
// every rule is the domain's (modules.NormalizeValues), whose errors name
// the field, or the planner row and input, at fault.
func toValues(step *modules.Step, inputs map[string]*fieldInput) modules.Values {
	vals := modules.Values{}
	enc := func(x any) json.RawMessage { b, _ := json.Marshal(x); return b }
	for _, f := range step.Fields {
		in := inputs[f.ID]
		switch f.Type {
		case modules.FieldText, modules.FieldSingle:
			if in.Text != "" {
				vals[f.ID] = enc(in.Text)
			}
		case modules.FieldScale:
			if n, err := strconv.Atoi(in.Text); err == nil {
				vals[f.ID] = enc(n)
			} else if in.Text != "" {
				vals[f.ID] = enc(in.Text) // not a number: the domain says so
			}
		case modules.FieldMultiple, modules.FieldChecklist, modules.FieldList:
			if len(in.List) > 0 {
				vals[f.ID] = enc(in.List)
			}
		case modules.FieldPlanner:
			items := make([]modules.PlanItem, 0, len(in.Rows))
			for _, r := range in.Rows {
				it := modules.PlanItem{ID: r.ItemID, Activity: r.Activity, Day: r.Day, Time: r.Time, Done: r.Done}
				if m, err := strconv.Atoi(r.Mood); err == nil && r.Done {
					it.Mood = &m
				}
				items = append(items, it)
			}
			if len(items) > 0 {
				vals[f.ID] = enc(items)
			}
		}
	}
	return vals
}

// rowProblem reads a planner row's error key ("[2].day") into the row and
// the input.
var rowProblem = regexp.MustCompile(`^\[(\d+)\]\.(activity|day|time|mood)$`)

// stepErrors turns the domain's field errors into the page's messages, on
// the field or on the planner row and input; ok is false when an error
// names no field of this step (so the post did not come from our form).
func stepErrors(v *view, st *modules.Step, inputs map[string]*fieldInput, fe map[string]string, complete bool) (map[string]string, bool) {
	errs := map[string]string{}
	for key := range fe {
		path := strings.TrimPrefix(key, "values.")
		id, rest, _ := strings.Cut(path, "[")
		f := st.Field(id)
		if f == nil {
			return nil, false
		}
		in := inputs[f.ID]
		m := rowProblem.FindStringSubmatch("[" + rest)
		if rest == "" || m == nil || f.Type != modules.FieldPlanner {
			errs[f.ID] = fieldMessage(v, f, in, complete)
			continue
		}
		i, _ := strconv.Atoi(m[1])
		if i >= len(in.Rows) {
			return nil, false
		}
		r := &in.Rows[i]
		switch m[2] {
		case "activity":
			r.BadWhat, r.Error = true, v.T("selfhelp.error.planner_activity", "N", i+1)
		case "day":
			r.BadDay, r.Error = true, v.T("selfhelp.error.planner_day", "N", i+1)
		default: // time, or a mood only a forged form sends
			if r.Error == "" {
				r.Error = v.T("selfhelp.error.planner_time", "N", i+1)
			}
		}
		errs[f.ID] = v.T("selfhelp.error.planner")
	}
	return errs, true
}

func validDay(s string) bool {
	if len(s) != 10 {
		return false
	}
	_, err := parseDay(s)
	return err == nil
}

// fieldMessage is the visitor's message for a domain error on field f.
func fieldMessage(v *view, f *modules.Field, in *fieldInput, complete bool) string {
	empty := in.Text == "" && len(in.List) == 0 && len(in.Rows) == 0
	if complete && f.Required && empty {
		return v.T("selfhelp.error.required")
	}
	switch f.Type {
	case modules.FieldText:
		return v.T("selfhelp.error.text", "Max", modules.MaxTextLen)
	case modules.FieldScale:
		return v.T("selfhelp.error.scale")
	case modules.FieldList:
		return v.T("selfhelp.error.list", "Max", modules.MaxListItemLen, "Items", modules.MaxListItems)
	case modules.FieldPlanner:
		return v.T("selfhelp.error.planner_max", "Max", modules.MaxPlannerItems)
	}
	return v.T("selfhelp.error.choice")
}

// fieldViews builds the form's fields from the inputs and errors.
func fieldViews(v *view, step *modules.Step, tl string, inputs map[string]*fieldInput, errs map[string]string) []fieldView {
	var out []fieldView
	for _, f := range step.Fields {
		in := inputs[f.ID]
		if in == nil {
			in = &fieldInput{}
		}
		fv := fieldView{ID: fieldName(f), Type: f.Type, Label: f.Label.In(tl), Help: f.Help.In(tl), Required: f.Required,
			Rows: max(f.Rows, 4), MinLabel: f.MinLabel.In(tl), MaxLabel: f.MaxLabel.In(tl), ItemLabel: f.ItemLabel.In(tl),
			Error: errs[f.ID], Text: in.Text}
		switch f.Type {
		case modules.FieldScale:
			for n := modules.ScaleMin; n <= modules.ScaleMax; n++ {
				val := strconv.Itoa(n)
				fv.Options = append(fv.Options, optionView{ID: fv.ID + "-" + val, Value: val, Label: val, Checked: in.Text == val})
			}
		case modules.FieldSingle, modules.FieldMultiple, modules.FieldChecklist:
			for _, o := range f.Options {
				checked := in.Text == o.ID
				if f.Type != modules.FieldSingle {
					checked = contains(in.List, o.ID)
				}
				fv.Options = append(fv.Options, optionView{ID: fv.ID + "-" + o.ID, Value: o.ID, Label: o.Label.In(tl), Checked: checked})
			}
		case modules.FieldList:
			if fv.ItemLabel == "" {
				fv.ItemLabel = v.T("selfhelp.field.item")
			}
			items := append(append([]string{}, in.List...), make([]string, blankListItems)...)
			for i, it := range items[:min(len(items), modules.MaxListItems)] {
				fv.Items = append(fv.Items, listItemView{ID: fv.ID + "-" + strconv.Itoa(i), N: i + 1, Value: it})
			}
		case modules.FieldPlanner:
			rows := append(append([]planRowView{}, in.Rows...), make([]planRowView, blankPlannerRows)...)
			for i := range rows[:min(len(rows), modules.MaxPlannerItems)] {
				rows[i].N = i + 1
				rows[i].Prefix = fv.ID + "-" + strconv.Itoa(i) + "-"
			}
			fv.PlanRows = rows[:min(len(rows), modules.MaxPlannerItems)]
			for n := modules.ScaleMin; n <= modules.ScaleMax; n++ {
				fv.Moods = append(fv.Moods, n)
			}
		}
		out = append(out, fv)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// errorTarget is where the error summary's link for a field leads: the
// first input of the field (or of its first bad planner row).
func errorTarget(fv fieldView) string {
	switch {
	case len(fv.Options) > 0:
		return fv.Options[0].ID
	case len(fv.Items) > 0:
		return fv.Items[0].ID
	case len(fv.PlanRows) > 0:
		for _, r := range fv.PlanRows {
			if r.BadDay {
				return r.Prefix + "day"
			}
			if r.Error != "" {
				return r.Prefix + "activity"
			}
		}
		return fv.PlanRows[0].Prefix + "activity"
	}
	return fv.ID
}

// answerViews shows saved answers read-only (the carried homework).
func answerViews(step *modules.Step, tl string, vals modules.Values) []answerView {
	inputs := inputsFromValues(step, vals)
	var out []answerView
	for _, f := range step.Fields {
		in := inputs[f.ID]
		a := answerView{Label: f.Label.In(tl)}
		switch f.Type {
		case modules.FieldText, modules.FieldScale:
			if in.Text != "" {
				a.Items = []string{in.Text}
				if f.Type == modules.FieldScale {
					a.Items[0] += " / " + strconv.Itoa(modules.ScaleMax)
				}
			}
		case modules.FieldSingle:
			if o := f.Option(in.Text); o != nil {
				a.Items = []string{o.Label.In(tl)}
			}
		case modules.FieldMultiple, modules.FieldChecklist:
			for _, id := range in.List {
				if o := f.Option(id); o != nil {
					a.Items = append(a.Items, o.Label.In(tl))
				}
			}
		case modules.FieldList:
			a.Items = in.List
		case modules.FieldPlanner:
			for _, r := range in.Rows {
				a.Items = append(a.Items, strings.TrimSpace(r.Day+" "+r.Time+" "+r.Activity))
			}
		}
		out = append(out, a)
	}
	return out
}

// lessonStart sends a lesson's address to its first step.
func (s *Site) lessonStart(c *gin.Context) {
	l := s.programme().Lesson(c.Param("lesson"))
	if l == nil {
		s.notFound(c, http.StatusNotFound)
		return
	}
	v := s.view(c, "", "")
	redirect(c, http.StatusSeeOther, v.Href("/selfhelp/lesson/"+l.ID+"/"+l.Steps[0].ID))
}

// stepLookup finds the lesson and step of the URL.
func (s *Site) stepLookup(c *gin.Context) (*modules.Programme, *modules.Lesson, *modules.Step, bool) {
	p := s.programme()
	l := p.Lesson(c.Param("lesson"))
	if l == nil {
		return nil, nil, nil, false
	}
	st := l.Step(c.Param("step"))
	return p, l, st, st != nil
}

func (s *Site) stepPage(c *gin.Context) {
	p, l, st, ok := s.stepLookup(c)
	if !ok {
		s.notFound(c, http.StatusNotFound)
		return
	}
	v := s.selfhelpView(c, "", "/selfhelp/lesson/"+l.ID+"/"+st.ID)
	c.Header("Vary", "Cookie") // the trial, or a client's own work
	// The route is open to all: visitors read lesson 1 as a trial,
	// coordinators preview any step, clients work; anyone else is refused
	// as the client routes refuse them.
	who, in := authz.Principal(c)
	switch {
	case !in && l.Number == 1:
		s.renderTrial(c, v, p, l, st)
		return
	case !in:
		s.refuse(c, authz.NotSignedIn)
		return
	case who.Role == auth.RoleCoordinator:
		s.renderPreview(c, v, p, l, st)
		return
	case who.Role != auth.RoleClient:
		s.refuse(c, authz.WrongRole)
		return
	}
	lv, err := s.Selfhelp.OpenLesson(c.Request.Context(), who.UserID, p.ID, l.ID)
	if err != nil {
		s.selfhelpError(c, v, err)
		return
	}
	if lv.Waiting.Blocks(l, st.ID) { // after a feedback moment, in guided care
		s.renderWaiting(c, v, http.StatusOK, p, lv.Waiting)
		return
	}
	inputs := inputsFromValues(st, lv.Answers[st.ID].Values)
	finished, _ := strconv.Atoi(c.Query("finished"))
	s.renderStep(c, http.StatusOK, v, lv, st, inputs, nil, finished)
}

func (s *Site) stepBase(v *view, p *modules.Programme, l *modules.Lesson, st *modules.Step) (stepPageView, string) {
	tl := textLang(p, v.Lang)
	idx := l.StepIndex(st.ID)
	sp := stepPageView{LessonNumber: l.Number, LessonTitle: l.Title.In(tl), LessonCount: len(p.Lessons),
		Number: idx + 1, Total: len(l.Steps), Title: st.Title.In(tl), Type: st.Type,
		Body: s.course[tl][l.ID][st.ID], Exercise: len(st.Fields) > 0, IsLast: idx == len(l.Steps)-1}
	if tl != v.Lang {
		sp.TextLang = tl
	}
	if st.Image != nil {
		if src := s.images.url(p.ID, st.Image.Src); src != "" {
			sp.Image = &stepImage{Src: src, Alt: st.Image.Alt.In(tl)}
		}
	}
	if idx > 0 {
		sp.BackHref, sp.BackText = v.Href("/selfhelp/lesson/"+l.ID+"/"+l.Steps[idx-1].ID), v.T("selfhelp.step.previous")
	} else {
		sp.BackHref, sp.BackText = v.Href("/selfhelp"), v.T("selfhelp.back_to_course")
	}
	v.Title = v.T("selfhelp.step.page_title", "Step", sp.Title, "N", l.Number)
	return sp, tl
}

// renderTrial shows a step of the first lesson to a visitor, read-only.
func (s *Site) renderTrial(c *gin.Context, v *view, p *modules.Programme, l *modules.Lesson, st *modules.Step) {
	sp, tl := s.stepBase(v, p, l, st)
	v.NoIndex = false
	c.Header("Cache-Control", "no-cache")
	sp.Trial = true
	sp.SignupHref = v.Href("/account/signup") + nextQuery("/selfhelp")
	sp.LoginHref = v.Href("/account/login") + nextQuery(v.Path)
	if !sp.IsLast {
		sp.NextHref = v.Href("/selfhelp/lesson/" + l.ID + "/" + l.Steps[sp.Number].ID)
	}
	for _, f := range st.Fields {
		sp.AskedFor = append(sp.AskedFor, f.Label.In(tl))
	}
	v.Data = sp
	s.render(c, http.StatusOK, "selfhelp_step", v)
}

// renderPreview shows any step to a coordinator as a client sees it, with
// the exercise fields disabled: nothing is saved, no lesson is locked.
func (s *Site) renderPreview(c *gin.Context, v *view, p *modules.Programme, l *modules.Lesson, st *modules.Step) {
	sp, tl := s.stepBase(v, p, l, st)
	sp.Preview = true
	sp.Fields = fieldViews(v, st, tl, inputsFromValues(st, nil), nil)
	switch next := p.Next(l); {
	case !sp.IsLast:
		sp.NextHref = v.Href("/selfhelp/lesson/" + l.ID + "/" + l.Steps[sp.Number].ID)
	case next != nil:
		sp.NextHref = v.Href("/selfhelp/lesson/" + next.ID + "/" + next.Steps[0].ID)
	}
	v.Data = sp
	s.render(c, http.StatusOK, "selfhelp_step", v)
}

func (s *Site) renderStep(c *gin.Context, status int, v *view, lv *modules.LessonView, st *modules.Step,
	inputs map[string]*fieldInput, errs map[string]string, finished int) {
	sp, tl := s.stepBase(v, lv.Programme, lv.Lesson, st)
	sp.Action = v.Href("/selfhelp/lesson/" + lv.Lesson.ID + "/" + st.ID)
	sp.CSRF = csrfToken(c)
	sp.Autosave = sp.Exercise
	sp.Fields = fieldViews(v, st, tl, inputs, errs)
	if finished == lv.Lesson.Number-1 && finished > 0 && sp.Number == 1 {
		sp.Finished = finished
	}
	for _, fv := range sp.Fields {
		rowErrors := false
		for _, r := range fv.PlanRows { // each planner row's own error
			if r.Error != "" {
				target := r.Prefix + "activity"
				if r.BadDay {
					target = r.Prefix + "day"
				}
				v.Errors = append(v.Errors, errorLink{Href: "#" + target, Text: r.Error})
				rowErrors = true
			}
		}
		if fv.Error != "" && !rowErrors {
			v.Errors = append(v.Errors, errorLink{Href: "#" + errorTarget(fv), Text: fv.Label + ": " + fv.Error})
		}
	}
	if hw := lv.CarriedHomework; hw != nil && sp.Number == 1 {
		cv := &carriedView{LessonNumber: hw.Lesson.Number, Title: hw.Step.Title.In(tl), Body: s.course[tl][hw.Lesson.ID][hw.Step.ID]}
		if hw.Answer != nil {
			cv.Answers = answerViews(hw.Step, tl, hw.Answer.Values)
		}
		sp.Carried = cv
	}
	if sp.Number == 1 || afterMoment(lv.Lesson, st) { // the guide's feedback on this lesson, in guided care
		fb, err := s.Coaching.ClientFeedback(c.Request.Context(), signedIn(c), lv.Lesson.ID)
		if err != nil {
			s.selfhelpError(c, v, err)
			return
		}
		sp.Feedback = s.feedbackViews(v, fb)
	}
	v.Data = sp
	s.render(c, status, "selfhelp_step", v)
}

func (s *Site) stepSubmit(c *gin.Context) {
	autosave := c.GetHeader("X-Haven-Autosave") == "1"
	p, l, st, ok := s.stepLookup(c)
	if !ok {
		s.notFound(c, http.StatusNotFound)
		return
	}
	v := s.selfhelpView(c, "", "/selfhelp/lesson/"+l.ID+"/"+st.ID)
	who := signedIn(c)
	ctx := c.Request.Context()
	complete := c.PostForm("action") != "later" && !autosave
	inputs := inputsFromForm(st, c.Request.PostForm)
	// One domain call: SaveStep reads the progress once (locks, the
	// feedback wait) and writes once. The lesson is opened (OpenLesson)
	// only when the page needs it: a lesson not opened or a course not
	// started yet (SaveStep: not found), a wait, or errors to show.
	save := func() (*modules.SaveResult, error) {
		return s.Selfhelp.SaveStep(ctx, who.UserID, p.ID, l.ID, st.ID, toValues(st, inputs), complete)
	}
	res, err := save()
	var lv *modules.LessonView
	if errors.Is(err, modules.ErrNotFound) {
		if lv, err = s.Selfhelp.OpenLesson(ctx, who.UserID, p.ID, l.ID); err == nil {
			res, err = save()
		}
	}
	if errors.Is(err, modules.ErrWaiting) { // after a feedback moment, in guided care
		if autosave {
			c.Header("Cache-Control", "no-store")
			c.Status(http.StatusConflict)
			return
		}
		if lv == nil {
			if lv, err = s.Selfhelp.OpenLesson(ctx, who.UserID, p.ID, l.ID); err != nil {
				s.selfhelpError(c, v, err)
				return
			}
		}
		s.renderWaiting(c, v, http.StatusConflict, p, lv.Waiting)
		return
	}
	var (
		fe   fieldErrors
		errs map[string]string
	)
	switch {
	case errors.As(err, &fe):
		var ok bool
		if errs, ok = stepErrors(v, st, inputs, fe.FieldErrors(), complete); !ok {
			s.selfhelpError(c, v, err)
			return
		}
	case err != nil:
		s.selfhelpError(c, v, err)
		return
	}
	stepPath := "/selfhelp/lesson/" + l.ID + "/" + st.ID
	if autosave {
		c.Header("Cache-Control", "no-store")
		if len(errs) > 0 {
			c.Status(http.StatusUnprocessableEntity)
			return
		}
		if res.ShowCrisisHelp { // the page's script opens crisis help at once
			c.Header(headerCrisisHelp, helpHref(v, stepPath, stepPath))
		}
		c.Status(http.StatusNoContent)
		return
	}
	if len(errs) > 0 {
		if lv == nil {
			if lv, err = s.Selfhelp.OpenLesson(ctx, who.UserID, p.ID, l.ID); err != nil {
				s.selfhelpError(c, v, err)
				return
			}
		}
		s.renderStep(c, http.StatusUnprocessableEntity, v, lv, st, inputs, errs, 0)
		return
	}
	var next string
	switch {
	case !complete:
		next = "/selfhelp?notice=saved"
	case res.NextStep != "" && res.NextLesson == l.ID:
		next = "/selfhelp/lesson/" + l.ID + "/" + res.NextStep
	default:
		if next, err = s.afterLesson(c, who.UserID, p, l, res); err != nil {
			s.selfhelpError(c, v, err)
			return
		}
	}
	if res.ShowCrisisHelp { // a safety signal: crisis help first, then on
		redirect(c, http.StatusSeeOther, helpHref(v, stepPath, next))
		return
	}
	redirect(c, http.StatusSeeOther, v.Href(next))
}

// afterLesson decides where a finished lesson leads (a path without the
// language): a questionnaire that is now due, the next lesson, or (after
// the last) the course page.
func (s *Site) afterLesson(c *gin.Context, userID string, p *modules.Programme, l *modules.Lesson, res *modules.SaveResult) (string, error) {
	pr, err := s.Selfhelp.Progress(c.Request.Context(), userID, p.ID)
	if err != nil {
		return "", err
	}
	for _, m := range pr.Measures {
		if m.Due {
			return "/selfhelp/questionnaire/" + m.Point.ID + "?finished=" + strconv.Itoa(l.Number), nil
		}
	}
	if res.NextStep == "" || res.CourseCompleted {
		return "/selfhelp?notice=finished", nil
	}
	// The next lesson waits for the course's rhythm: the course page says
	// on which day it opens and leads to the homework meanwhile.
	for _, lp := range pr.Lessons {
		if lp.Lesson.ID == res.NextLesson && lp.OpensAt != nil {
			return "/selfhelp?notice=saved", nil
		}
	}
	return "/selfhelp/lesson/" + res.NextLesson + "/" + res.NextStep + "?finished=" + strconv.Itoa(l.Number), nil
}

// headerCrisisHelp answers an autosave that chose a safety signal: the
// address of the crisis help page, which the page's script opens at once.
const headerCrisisHelp = "X-Haven-Crisis-Help"

// helpHref is the crisis help page of a step, going on to next afterwards.
func helpHref(v *view, stepPath, next string) string {
	return v.Href(stepPath+"/help") + "?next=" + url.QueryEscape(next)
}

// helpNext is where the crisis help page may lead on to: a page of the
// course, with only the notices the course pages know. Anything else (a
// forged link) goes back to the course page.
var helpNext = regexp.MustCompile(`^/selfhelp(/[a-z0-9][a-z0-9/-]*)?(\?(notice=(saved|finished)|finished=[0-9]{1,2}))?$`)

type stepHelpView struct {
	CrisisHelp crisisHelp
	GP         stepView
	NextHref   string
	BackHref   string
	LessonText string
}

// stepHelp is the crisis help shown at once when a client chose an answer
// the course marks as a safety signal, before the next step: the crisis
// lines, the GP (urgently, as the self-test's crisis rule says), and then
// on to where they were going, or back to the exercise.
func (s *Site) stepHelp(c *gin.Context) {
	p, l, st, ok := s.stepLookup(c)
	if !ok {
		s.notFound(c, http.StatusNotFound)
		return
	}
	v := s.selfhelpView(c, "selfhelp.help.title", "/selfhelp/lesson/"+l.ID+"/"+st.ID+"/help")
	next := c.Query("next")
	if !helpNext.MatchString(next) || strings.Contains(next, "//") {
		next = "/selfhelp"
	}
	gp := s.Selftest.Step(selftest.AdviceGP, v.Lang, true)
	v.Data = stepHelpView{
		CrisisHelp: s.crisisHelp(v.Lang, ""),
		GP:         stepView{Title: gp.Title, Text: gp.Text, Href: v.Href(gp.Path), Urgent: true},
		NextHref:   v.Href(next),
		BackHref:   v.Href("/selfhelp/lesson/" + l.ID + "/" + st.ID),
		LessonText: v.T("selfhelp.step.lesson", "N", l.Number, "Lesson", l.Title.In(textLang(p, v.Lang))),
	}
	v.Title = v.T("selfhelp.help.title")
	v.Path += "?next=" + url.QueryEscape(next) // the language switch keeps it
	s.render(c, http.StatusOK, "selfhelp_help", v)
}
