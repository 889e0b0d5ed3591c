package frontend

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/selftest"
)

// The application (intake): the PHQ-9, or a self-test the client kept in
// the last two weeks; what they hope for; when they can be reached; care
// they have elsewhere; and, only when e-mail is configured, an optional
// address for notifications. coaching.Service.Apply validates and scores
// it (a crisis answer raises the flag and the coordinators' alert); the
// page shows what is wrong beside each field.

// sourceNew is the choice "answer the questionnaire now" when the client
// has recent self-tests to choose from.
const sourceNew = "new"

type applyPage struct {
	CSRF   string
	Action string
	Days   int
	// Selftests are the recent self-tests to choose from (radios, with
	// "answer it now" as the last choice); none: the questionnaire only.
	Selftests   []optionView
	SourceError string
	Form        formView // the PHQ-9 items
	ItemsError  string   // nothing answered
	ItemsOpen   bool     // the questions shown rather than folded away
	Hopes       string
	HopesError  string
	MaxHopes    int
	Reachable   string
	ReachError  string
	MaxReach    int
	Care        []optionView
	CareError   string
	Mail        bool
	Email       string
	EmailError  string
}

// applyInput is what the form sent, to show again.
type applyInput struct {
	source    string
	answers   map[string]string
	hopes     string
	reachable string
	care      []string
	email     string
}

func (s *Site) phq9() (*selftest.Instrument, error) { return s.Selftest.Catalog().Instrument("phq9") }

func (s *Site) applyForm(c *gin.Context) {
	v := s.guidedView(c, "guided.apply.title", "/guided/apply")
	f, err := s.Coaching.ApplicationForm(c.Request.Context(), signedIn(c))
	if errors.Is(err, coaching.ErrOpenTrajectory) {
		redirect(c, http.StatusSeeOther, v.Href("/guided/mine"))
		return
	}
	if err != nil {
		s.guidedError(c, v, err)
		return
	}
	in := applyInput{}
	if len(f.Selftests) > 0 {
		in.source = f.Selftests[0].ID // the newest: nothing to fill in again
	}
	s.renderApply(c, http.StatusOK, v, f, in, nil)
}

func (s *Site) renderApply(c *gin.Context, status int, v *view, f *coaching.ApplicationForm, in applyInput, fieldErrs map[string]string) {
	phq, err := s.phq9()
	if err != nil {
		s.guidedError(c, v, err)
		return
	}
	pg := applyPage{CSRF: csrfToken(c), Action: v.Href("/guided/apply"), Days: f.Days, Hopes: in.hopes, Reachable: in.reachable,
		MaxHopes: coaching.MaxHopes, MaxReach: coaching.MaxReachable, Mail: s.MailConfigured, Email: in.email}
	// The error summary follows the form's order.
	add := func(field, href, key string) string {
		if _, bad := fieldErrs[field]; !bad {
			return ""
		}
		msg := v.T(key)
		v.Errors = append(v.Errors, errorLink{Href: href, Text: msg})
		return msg
	}
	for _, o := range f.Selftests {
		t, _ := o.Instrument.Text(v.Lang)
		pg.Selftests = append(pg.Selftests, optionView{ID: "source-" + o.ID, Value: o.ID, Checked: in.source == o.ID,
			Label: v.T("guided.apply.use_selftest", "Date", s.guidedDate(v, o.CreatedAt), "Score", o.Score, "Max", o.MaxScore, "Band", t.Bands[o.Band].Label)})
	}
	if len(pg.Selftests) > 0 {
		pg.Selftests = append(pg.Selftests, optionView{ID: "source-new", Value: sourceNew, Checked: in.source == sourceNew, Label: v.T("guided.apply.answer_now")})
		pg.SourceError = add("selftest_id", "#"+pg.Selftests[0].ID, "guided.apply.error_selftest")
	}
	first := "#" + phq.Items[0].ID + "-0"
	pg.ItemsError = add("phq9", first, "guided.apply.error_phq9")
	n := len(v.Errors)
	pg.Form = s.buildForm(v, phq, in.answers, fieldErrs, false)
	// With self-tests to choose from the questions fold away, unless they
	// are chosen, answered, or wrong.
	pg.ItemsOpen = in.source == sourceNew || len(in.answers) > 0 || len(v.Errors) > n || pg.ItemsError != ""
	pg.HopesError = add("hopes", "#hopes", "guided.apply.error_hopes")
	pg.ReachError = add("reachable", "#reachable", "guided.apply.error_reachable")
	for _, opt := range coaching.CareOptions {
		pg.Care = append(pg.Care, optionView{ID: "care-" + opt, Value: opt, Label: v.T("guided.apply.care_" + opt), Checked: slices.Contains(in.care, opt)})
	}
	pg.CareError = add("care_elsewhere", "#care-gp", "guided.apply.error_care")
	if pg.Mail {
		pg.EmailError = add("email", "#email", "guided.apply.error_email")
	}
	// buildForm titles the page after the questionnaire.
	v.Title, v.Description = v.T("guided.apply.title"), ""
	v.Data = pg
	s.render(c, status, "guided_apply", v)
}

// applyFields turns the domain's field names into the form's: the
// questionnaire's answers are "phq9.<item>" in the domain and
// selftest.AnswerField(item) in the questionnaire partial.
func applyFields(fe map[string]string) map[string]string {
	out := make(map[string]string, len(fe))
	for k, msg := range fe {
		if item, ok := strings.CutPrefix(k, "phq9."); ok {
			k = selftest.AnswerField(item)
		}
		out[k] = msg
	}
	return out
}

func (s *Site) applySubmit(c *gin.Context) {
	v := s.guidedView(c, "guided.apply.title", "/guided/apply")
	p := signedIn(c)
	phq, err := s.phq9()
	if err != nil {
		s.guidedError(c, v, err)
		return
	}
	form := c.Request.PostForm
	in := applyInput{source: strings.TrimSpace(form.Get("source")), hopes: form.Get("hopes"), reachable: form.Get("reachable"),
		care: form["care"]}
	if s.MailConfigured {
		in.email = form.Get("email")
	}
	app := coaching.Application{Language: v.Lang, Hopes: in.hopes, Reachable: in.reachable, CareElsewhere: in.care, Email: in.email}
	given, answers, badItems := formAnswers(phq, form)
	in.answers = given
	if in.source == "" || in.source == sourceNew {
		app.PHQ9 = answers
	} else {
		app.SelftestID = in.source
	}
	var fieldErrs map[string]string
	if len(badItems) == 0 {
		_, _, err = s.Coaching.Apply(c.Request.Context(), p, app)
		var fe fieldErrors
		switch {
		case err == nil:
			redirect(c, http.StatusSeeOther, v.Href("/guided/mine")+"?notice=applied")
			return
		case errors.Is(err, coaching.ErrOpenTrajectory):
			// Applied already (a second press of the button, or another
			// tab): the home page says where it stands.
			redirect(c, http.StatusSeeOther, v.Href("/guided/mine"))
			return
		case errors.As(err, &fe):
			fieldErrs = applyFields(fe.FieldErrors())
		default:
			s.guidedError(c, v, err)
			return
		}
	} else {
		fieldErrs = badItems
	}
	f, err := s.Coaching.ApplicationForm(c.Request.Context(), p)
	if err != nil {
		s.guidedError(c, v, err)
		return
	}
	s.renderApply(c, http.StatusUnprocessableEntity, v, f, in, fieldErrs)
}
