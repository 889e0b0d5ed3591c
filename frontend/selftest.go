package frontend

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/selftest"
)

// maxFormBytes caps a self-test form post; a complete one is under 1 KiB.
const maxFormBytes = 16 << 10

type instrumentCard struct {
	ID          string
	Title       string
	Description string
	TextLang    string // set when the texts are not in the page's language
	Items       int
	Info        *linkView // the info page about what it asks
}

// instrumentInfo is the info page (content/info) about what each
// instrument asks; New checks that each exists.
var instrumentInfo = map[string]string{"phq9": "what-is-depression", "gad7": "anxiety"}

// instrumentInfoLink is the link to the info page about instrument id, in
// the page's language, or nil.
func (s *Site) instrumentInfoLink(v *view, id string) *linkView {
	page, ok := instrumentInfo[id]
	if !ok {
		return nil
	}
	pg, ok := s.info.get(v.Lang, page)
	if !ok {
		return nil
	}
	return &linkView{Href: v.Href("/info/" + page), Text: pg.Title}
}

func (s *Site) selftestStart(c *gin.Context) {
	v := s.view(c, "selftest.start.title", "/selftest")
	v.Description = v.T("selftest.start.description")
	var cards []instrumentCard
	for _, in := range s.Selftest.Catalog().Instruments() {
		t, used := in.Text(v.Lang)
		card := instrumentCard{ID: in.ID, Title: t.Title, Description: t.Description, Items: len(in.Items), Info: s.instrumentInfoLink(v, in.ID)}
		if used != v.Lang {
			card.TextLang = used
		}
		cards = append(cards, card)
	}
	v.Data = cards
	s.render(c, http.StatusOK, "selftest_start", v)
}

// formView is the questionnaire page.
type formView struct {
	ID          string
	Name        string // the instrument's own name (PHQ-9)
	Title       string
	Description string
	Stem        string
	Notice      string
	NoticeLang  string
	TextLang    string // set when the texts are not in the page's language
	Questions   []questionView
	Profile     []profileView
	// Action, the back link, a CSRF token and a lead paragraph: set when
	// the questionnaire is part of the self-help course.
	Action   string
	BackHref string
	BackText string
	CSRF     string
	Lead     string
	// Info is the info page about what the questionnaire asks.
	Info *linkView
	// Answered is how many questions have an answer (the progress bar's
	// start when the form comes back with errors).
	Answered int
	// IdempotencyKey makes the anonymous self-test form's post run once
	// (selftest_idempotency.go): a double submit, or the form sent again
	// after an error page, shows the first result instead of storing a
	// second one.
	IdempotencyKey string
}

type questionView struct {
	ID       string
	Number   int
	Total    int
	Text     string
	Optional bool
	Error    string
	Options  []optionView
}

type optionView struct {
	ID      string
	Value   string
	Label   string
	Checked bool
}

type profileView struct {
	ID      string
	Label   string
	Select  bool // a select rather than radios
	Error   string
	Options []optionView
}

// isRegion is the profile question shown as a select: it has too many
// values for radios on a phone.
const isRegion = "region"

func (s *Site) selftestForm(c *gin.Context) {
	in, err := s.Selftest.Catalog().Instrument(c.Param("instrument"))
	if err != nil {
		s.notFound(c, http.StatusNotFound)
		return
	}
	v := s.view(c, "", "/selftest/"+in.ID)
	if v.Session.State == sessionNone {
		// A visitor without session cookies gets the same page as every
		// other one in their language but for the form's idempotency key:
		// it is rendered once and the key spliced in (formCache).
		if page, ok := s.forms.page(s, v, in); ok {
			c.Header("Cache-Control", "no-store")
			s.write(c, http.StatusOK, page.with(formIdempotencyKey(nil)), v.Lang)
			return
		}
	}
	s.renderForm(c, http.StatusOK, v, in, nil, nil)
}

func (s *Site) renderForm(c *gin.Context, status int, v *view, in *selftest.Instrument, given map[string]string, fieldErrs map[string]string) {
	f := s.buildForm(v, in, given, fieldErrs, true)
	f.IdempotencyKey = formIdempotencyKey(given)
	v.Data = f
	v.NoIndex = len(v.Errors) > 0
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "selftest_form", v)
}

// buildForm prepares the questionnaire form, with the anonymous profile
// questions when profile is set; errors go to v's error summary.
func (s *Site) buildForm(v *view, in *selftest.Instrument, given map[string]string, fieldErrs map[string]string, profile bool) formView {
	t, used := in.Text(v.Lang)
	en, _ := in.Text("en")
	f := formView{ID: in.ID, Name: in.Name, Title: t.Title, Description: t.Description, Stem: t.Stem, Notice: t.Notice,
		Action: v.Href("/selftest/" + in.ID), BackHref: v.Href("/selftest"), BackText: v.T("selftest.form.back"),
		Info: s.instrumentInfoLink(v, in.ID)}
	if used != v.Lang {
		f.TextLang = used
	}
	if used != "en" && t.Notice == en.Notice {
		f.NoticeLang = "en" // the notice only exists in English
	}
	v.Title = t.Title
	v.Description = t.Description
	for i, it := range in.Items {
		q := questionView{ID: it.ID, Number: i + 1, Total: len(in.Items), Text: t.Items[it.ID].Text, Optional: !it.Required}
		labels := t.Options
		if len(it.Options) > 0 {
			labels = t.Items[it.ID].Options
		}
		for j, o := range in.ItemOptions(it) {
			val := strconv.Itoa(o.Value)
			q.Options = append(q.Options, optionView{
				ID: it.ID + "-" + strconv.Itoa(j), Value: val, Label: labels[j], Checked: given[it.ID] == val,
			})
		}
		if _, ok := given[it.ID]; ok && given[it.ID] != "" {
			f.Answered++
		}
		if msg, bad := fieldErrs[selftest.AnswerField(it.ID)]; bad {
			q.Error = v.T("selftest.error.answer", "N", q.Number)
			_ = msg // the domain's message is for developers; visitors get ours
			v.Errors = append(v.Errors, errorLink{Href: "#" + it.ID + "-0", Text: q.Error})
		}
		f.Questions = append(f.Questions, q)
	}
	for _, pq := range selftest.ProfileQuestions() {
		if !profile {
			break
		}
		p := profileView{ID: pq.ID, Label: v.T("profile." + pq.ID + ".label"), Select: pq.ID == isRegion}
		opts := pq.Values
		if pq.ID == isRegion {
			p.Options = append(p.Options, optionView{ID: pq.ID + "-none", Value: "", Label: v.T("profile.choose"), Checked: given[pq.ID] == ""})
		}
		for j, val := range opts {
			p.Options = append(p.Options, optionView{
				ID: pq.ID + "-" + strconv.Itoa(j), Value: val, Label: v.T("profile." + pq.ID + "." + val), Checked: given[pq.ID] == val,
			})
		}
		if pq.ID != isRegion {
			p.Options = append(p.Options, optionView{ID: pq.ID + "-none", Value: "", Label: v.T("profile.prefer_not")})
		}
		if _, bad := fieldErrs["profile."+pq.ID]; bad {
			p.Error = v.T("selftest.error.profile")
			first := p.Options[0].ID
			if pq.ID == isRegion {
				first = pq.ID
			}
			v.Errors = append(v.Errors, errorLink{Href: "#" + first, Text: p.Label + ": " + p.Error})
		}
		f.Profile = append(f.Profile, p)
	}
	return f
}

func (s *Site) selftestSubmit(c *gin.Context) {
	if err := http.NewCrossOriginProtection().Check(c.Request); err != nil {
		c.Header("Cache-Control", "no-store")
		c.String(http.StatusForbidden, "cross-origin form posts are not accepted")
		return
	}
	in, err := s.Selftest.Catalog().Instrument(c.Param("instrument"))
	if err != nil {
		s.notFound(c, http.StatusNotFound)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBytes)
	if err := c.Request.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.String(http.StatusRequestEntityTooLarge, "request too large")
			return
		}
		c.String(http.StatusBadRequest, "bad form")
		return
	}
	v := s.view(c, "", "/selftest/"+in.ID)
	given, answers, fieldErrs := formAnswers(in, c.Request.PostForm)
	input := selftest.SubmitInput{InstrumentID: in.ID, Language: v.Lang, Answers: answers}
	for _, pq := range selftest.ProfileQuestions() {
		given[pq.ID] = strings.TrimSpace(c.Request.PostForm.Get(pq.ID))
	}
	input.Profile = selftest.Profile{
		AgeBand: given["age_band"], Gender: given["gender"], Region: given["region"], SoughtHelpBefore: given["sought_help_before"],
	}
	to := ""
	given[idempotencyField] = c.Request.PostForm.Get(idempotencyField)
	if len(fieldErrs) == 0 {
		to, err = s.submitOnce(c, v, input, given[idempotencyField])
		var fe fieldErrors
		switch {
		case errors.As(err, &fe):
			fieldErrs = fe.FieldErrors()
		case err != nil:
			s.serverError(c, err)
			return
		}
	}
	if len(fieldErrs) > 0 {
		s.renderForm(c, http.StatusUnprocessableEntity, v, in, given, fieldErrs)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, to)
}

// resultHref is where a stored self-test's result is shown.
func resultHref(v *view, out *selftest.Outcome) string {
	to := v.Href("/selftest/result/" + out.ID)
	if tok := validClaim(out.ClaimToken); tok != "" {
		// Only the visitor's browser keeps it (account_claim.go).
		to += "?claim=" + tok
	}
	return to
}

// resultView is the result page.
type resultView struct {
	Heading     string
	Crisis      bool
	CrisisTitle string
	CrisisText  string
	CrisisHelp  crisisHelp
	YouthHelp   *crisisHelp // a visitor under 18 without a crisis answer
	Instrument  string
	Score       int
	MaxScore    int
	Band        string
	Meaning     string
	Steps       []stepView
	Bands       []bandView
	Notice      string
	NoticeLang  string
	TextLang    string
	Claim       *claimOffer // "keep this result in your account"
}

type stepView struct {
	Title  string
	Text   string
	Href   string
	Urgent bool
}

type bandView struct {
	Min, Max int
	Label    string
	Current  bool
}

func (s *Site) selftestResult(c *gin.Context) {
	out, err := s.Selftest.Outcome(c.Request.Context(), c.Param("id"))
	if errors.Is(err, selftest.ErrNotFound) {
		s.notFound(c, http.StatusNotFound)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.view(c, "", "/selftest/result/"+out.ID)
	s.renderResult(c, v, out)
}

func (s *Site) renderResult(c *gin.Context, v *view, out *selftest.Outcome) {
	r := s.buildResult(v, out)
	if tok := validClaim(c.Query("claim")); tok != "" {
		r.Claim = s.claimOfferFor(v, tok)
		if r.Claim != nil {
			v.Path += "?claim=" + tok // the language switch keeps it
			// Asking for guided help leads through sign-up with this
			// result kept for the application (guided.go).
			for i := range r.Steps {
				if r.Steps[i].Href == v.Href("/guided") {
					r.Steps[i].Href += "?claim=" + tok
				}
			}
		}
	}
	v.Title = v.T("result.title")
	v.NoIndex = true
	v.Data = r
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, "selftest_result", v)
}

// buildResult prepares a scored questionnaire for the result partials,
// from the self-test domain's localised result.
func (s *Site) buildResult(v *view, out *selftest.Outcome) resultView {
	res := s.Selftest.Result(out, v.Lang, "")
	r := resultView{
		Heading: v.T("result.title"), Crisis: res.Crisis, Instrument: res.Title, Score: res.Score, MaxScore: res.MaxScore,
		Band: res.Band.Label, Meaning: res.Band.Meaning, Notice: res.Notice, NoticeLang: res.NoticeLang,
	}
	if res.Language != v.Lang {
		r.TextLang = res.Language
	}
	if res.CrisisStep != nil {
		r.CrisisTitle, r.CrisisText = res.CrisisStep.Title, res.CrisisStep.Text
		r.CrisisHelp = s.crisisView(v.Lang, res.CrisisHelp)
	}
	if res.YouthHelp != nil {
		yh := s.crisisView(v.Lang, res.YouthHelp)
		r.YouthHelp = &yh
	}
	for _, st := range res.Steps {
		r.Steps = append(r.Steps, stepView{Title: st.Title, Text: st.Text, Href: v.Href(st.Path), Urgent: st.Urgent})
	}
	for _, b := range res.Bands {
		r.Bands = append(r.Bands, bandView{Min: b.Min, Max: b.Max, Label: b.Label, Current: b.Current})
	}
	return r
}

// formAnswers reads a questionnaire's answers from a form post: what was
// given (to show again), the answers, and the items whose value is not a
// number (only a forged form sends one).
func formAnswers(in *selftest.Instrument, form url.Values) (map[string]string, []selftest.Answer, map[string]string) {
	given := map[string]string{}
	fieldErrs := map[string]string{}
	var answers []selftest.Answer
	for _, it := range in.Items {
		raw := strings.TrimSpace(form.Get(it.ID))
		if raw == "" {
			continue
		}
		given[it.ID] = raw
		n, err := strconv.Atoi(raw)
		if err != nil {
			fieldErrs[selftest.AnswerField(it.ID)] = "not a number"
			continue
		}
		answers = append(answers, selftest.Answer{Item: it.ID, Value: n})
	}
	return given, answers, fieldErrs
}
