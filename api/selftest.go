package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/lang"
	"github.com/haven-mh/haven/selftest"
)

// Response types are separate from the domain types so that the wire
// format is chosen here, on purpose.

type instrumentSummary struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Version     string   `json:"version"`
	Language    string   `json:"language"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Languages   []string `json:"languages"`
	Codes       codes    `json:"codes"`
	ItemCount   int      `json:"item_count"`
}

type codes struct {
	System string `json:"system"`
	Panel  string `json:"panel"`
	Total  string `json:"total"`
}

type instrumentDetail struct {
	instrumentSummary
	Stem     string            `json:"stem"`
	Notice   string            `json:"notice"`
	Source   string            `json:"source"`
	MaxScore int               `json:"max_score"`
	Items    []itemView        `json:"items"`
	Bands    []bandView        `json:"bands"`
	Profile  []profileQuestion `json:"profile_questions"`
}

type itemView struct {
	ID       string       `json:"id"`
	Code     string       `json:"code,omitempty"`
	Text     string       `json:"text"`
	Required bool         `json:"required"`
	Scored   bool         `json:"scored"`
	Options  []optionView `json:"options"`
}

type optionView struct {
	Value int    `json:"value"`
	Label string `json:"label"`
	Code  string `json:"code,omitempty"`
}

type bandView struct {
	ID      string `json:"id"`
	Min     int    `json:"min"`
	Max     int    `json:"max"`
	Label   string `json:"label"`
	Meaning string `json:"meaning"`
}

type profileQuestion struct {
	ID     string   `json:"id"`
	Values []string `json:"values"`
}

type submitRequest struct {
	Language string          `json:"language"`
	Country  string          `json:"country"`
	Answers  []answerRequest `json:"answers"`
	Profile  *profileRequest `json:"profile"`
}

type answerRequest struct {
	Item  string `json:"item"`
	Value *int   `json:"value"`
}

type profileRequest struct {
	AgeBand          string `json:"age_band"`
	Gender           string `json:"gender"`
	Region           string `json:"region"`
	SoughtHelpBefore string `json:"sought_help_before"`
}

type resultView struct {
	ID         string       `json:"id"`
	Instrument string       `json:"instrument"`
	Version    string       `json:"version"`
	Language   string       `json:"language"`
	Score      int          `json:"score"`
	MaxScore   int          `json:"max_score"`
	Band       bandView     `json:"band"`
	Crisis     bool         `json:"crisis"`
	Advice     []adviceView `json:"advice"`
	CrisisHelp *crisisHelp  `json:"crisis_help,omitempty"`
	YouthHelp  *crisisHelp  `json:"youth_help,omitempty"`
	// CourseAdvice comes only with a course questionnaire.
	CourseAdvice *courseAdvice `json:"course_advice,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	Notice       string        `json:"notice"`
	Codes        resultCodings `json:"codes"`
	// ClaimToken comes only with a fresh submission: the browser keeps it
	// to attach this result to an account later, if the visitor wants.
	ClaimToken string `json:"claim_token,omitempty"`
}

type resultCodings struct {
	System string `json:"system"`
	Panel  string `json:"panel"`
	Total  string `json:"total"`
}

type adviceView struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Text   string `json:"text"`
	Path   string `json:"path"`
	Urgent bool   `json:"urgent"`
}

type crisisHelp struct {
	Emergency  string           `json:"emergency"`
	Lines      []crisisLineView `json:"lines"`
	YouthLines []crisisLineView `json:"youth_lines,omitempty"`
}

type crisisLineView struct {
	Country string   `json:"country"`
	Name    string   `json:"name"`
	Phones  []string `json:"phones"`
	URL     string   `json:"url,omitempty"`
	Text    string   `json:"text"`
}

// language picks the response language: ?lang=, then Accept-Language.
func (h *handlers) language(c *gin.Context) string {
	l := lang.Negotiate(c.Query("lang"), c.GetHeader("Accept-Language"), h.DefaultLanguage)
	c.Header("Content-Language", l)
	return l
}

func summarize(in *selftest.Instrument, l string) instrumentSummary {
	t, used := in.Text(l)
	return instrumentSummary{
		ID: in.ID, Name: in.Name, Version: in.Version, Language: used,
		Title: t.Title, Description: t.Description, Languages: in.LanguageCodes(),
		Codes:     codes{System: in.Codes.System, Panel: in.Codes.Panel, Total: in.Codes.Total},
		ItemCount: len(in.Items),
	}
}

func (h *handlers) listInstruments(c *gin.Context) {
	l := h.language(c)
	out := []instrumentSummary{}
	for _, in := range h.Selftest.Catalog().Instruments() {
		out = append(out, summarize(in, l))
	}
	c.JSON(http.StatusOK, gin.H{"instruments": out})
}

func (h *handlers) getInstrument(c *gin.Context) {
	in, err := h.Selftest.Catalog().Instrument(c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	l := h.language(c)
	t, _ := in.Text(l)
	d := instrumentDetail{
		instrumentSummary: summarize(in, l),
		Stem:              t.Stem, Notice: t.Notice, Source: t.Source, MaxScore: in.MaxScore(),
	}
	for _, it := range in.Items {
		iv := itemView{ID: it.ID, Code: it.Code, Text: t.Items[it.ID].Text, Required: it.Required, Scored: it.Scored}
		labels := t.Options
		if len(it.Options) > 0 {
			labels = t.Items[it.ID].Options
		}
		for i, o := range in.ItemOptions(it) {
			iv.Options = append(iv.Options, optionView{Value: o.Value, Label: labels[i], Code: o.Code})
		}
		d.Items = append(d.Items, iv)
	}
	for _, b := range in.Bands {
		d.Bands = append(d.Bands, h.band(in, b.ID, l))
	}
	for _, q := range selftest.ProfileQuestions() {
		d.Profile = append(d.Profile, profileQuestion{ID: q.ID, Values: q.Values})
	}
	c.JSON(http.StatusOK, d)
}

func (h *handlers) band(in *selftest.Instrument, id, l string) bandView {
	t, _ := in.Text(l)
	for _, b := range in.Bands {
		if b.ID == id {
			return bandView{ID: b.ID, Min: b.Min, Max: b.Max, Label: t.Bands[id].Label, Meaning: t.Bands[id].Meaning}
		}
	}
	return bandView{ID: id}
}

func (h *handlers) submit(c *gin.Context) {
	var req submitRequest
	if !decodeJSON(c, &req) {
		return
	}
	in := selftest.SubmitInput{
		InstrumentID: c.Param("id"),
		Language:     lang.Negotiate(req.Language, c.GetHeader("Accept-Language"), h.DefaultLanguage),
	}
	var ok bool
	if in.Answers, ok = bindAnswers(c, req.Answers); !ok {
		return
	}
	if req.Profile != nil {
		in.Profile = selftest.Profile(*req.Profile)
	}
	country := strings.ToUpper(strings.TrimSpace(req.Country))
	if country != "" && !h.Selftest.CrisisContacts().HasCountry(country) {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "That country is not served by this deployment.",
			map[string]string{"country": "unknown country code"})
		return
	}
	out, err := h.Selftest.Submit(c.Request.Context(), in)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.Header("Content-Language", out.Language)
	c.Header("Location", "/api/v1/selftest/submissions/"+out.ID)
	v := h.result(out, out.Language, country)
	v.ClaimToken = out.ClaimToken
	c.JSON(http.StatusCreated, v)
}

func (h *handlers) getSubmission(c *gin.Context) {
	out, err := h.Selftest.Outcome(c.Request.Context(), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	l := out.Language
	if c.Query("lang") != "" || c.GetHeader("Accept-Language") != "" {
		l = h.language(c)
	}
	c.JSON(http.StatusOK, h.result(out, l, strings.ToUpper(c.Query("country"))))
}

// result is the wire form of the localised result (selftest.Result):
// crisis help comes first, in the advice list and as its own block with
// the phone numbers.
func (h *handlers) result(out *selftest.Outcome, l, country string) resultView {
	r := h.Selftest.Result(out, l, country)
	v := resultView{
		ID: r.ID, Instrument: r.InstrumentID, Version: r.Version, Language: r.Language,
		Score: r.Score, MaxScore: r.MaxScore, Band: toBand(r.Band), Crisis: r.Crisis, CreatedAt: r.CreatedAt,
		Notice: r.Notice, Codes: resultCodings(r.Codes), Advice: []adviceView{},
	}
	steps := r.Steps
	if r.CrisisStep != nil {
		steps = append([]selftest.Step{*r.CrisisStep}, steps...)
		v.CrisisHelp = toCrisisHelp(r.CrisisHelp)
	}
	if r.YouthHelp != nil {
		v.YouthHelp = toCrisisHelp(r.YouthHelp)
	}
	for _, st := range steps {
		v.Advice = append(v.Advice, adviceView{Code: st.Code, Title: st.Title, Text: st.Text, Path: "/" + r.Language + st.Path, Urgent: st.Urgent})
	}
	return v
}

func toBand(b selftest.BandText) bandView {
	return bandView{ID: b.ID, Min: b.Min, Max: b.Max, Label: b.Label, Meaning: b.Meaning}
}

func toCrisisHelp(ch *selftest.CrisisHelp) *crisisHelp {
	out := &crisisHelp{Emergency: ch.Emergency, Lines: []crisisLineView{}}
	for _, l := range ch.Lines() {
		out.Lines = append(out.Lines, crisisLineView(l))
	}
	for _, l := range ch.YouthLines() {
		out.YouthLines = append(out.YouthLines, crisisLineView(l))
	}
	return out
}

func (h *handlers) crisisLines(c *gin.Context) {
	l := h.language(c)
	country := strings.ToUpper(c.Query("country"))
	if country != "" && !h.Selftest.CrisisContacts().HasCountry(country) {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "That country is not served by this deployment.",
			map[string]string{"country": "unknown country code"})
		return
	}
	c.JSON(http.StatusOK, toCrisisHelp(h.Selftest.CrisisHelpForAll(l, country)))
}

// bindAnswers turns the request's answers into domain answers. An answer
// without a value is a 422 naming it (a missing number must not become 0).
func bindAnswers(c *gin.Context, req []answerRequest) ([]selftest.Answer, bool) {
	missing := map[string]string{}
	out := make([]selftest.Answer, 0, len(req))
	for i, a := range req {
		if a.Value == nil {
			missing[fmt.Sprintf("answers[%d].value", i)] = "a value is required"
			continue
		}
		out = append(out, selftest.Answer{Item: a.Item, Value: *a.Value})
	}
	if len(missing) > 0 {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Some answers are missing or not valid.", missing)
		return nil, false
	}
	return out, true
}
