package frontend

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/html"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
)

// The client's guided-care pages: the way in (with the self-test carried
// through sign-up), the application with its field errors, and the home
// page, conversation and questionnaires in every state of a trajectory,
// with the staff's side done through the domain.

type guidedEnv struct {
	*accountEnv
	svcs  *wire.Services
	clock *wiretest.Clock
	coord auth.Principal
	doc   auth.Principal
}

// newGuidedEnv is the site on services with a settable clock (Monday 2
// March 2026), a coordinator and a clinician; mail says whether e-mail is
// configured.
func newGuidedEnv(t *testing.T, mail bool) *guidedEnv {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	opts := []wiretest.Option{wiretest.WithClock(clock.Now)}
	if mail {
		opts = append(opts, wiretest.WithMail())
	}
	svcs := wiretest.New(t, opts...)
	s, err := New(Deps{Selftest: svcs.Selftest, Auth: svcs.Auth, Audit: svcs.Audit, Selfhelp: svcs.Selfhelp, Coaching: svcs.Coaching,
		DefaultLanguage: "nl", MailConfigured: mail})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(middleware.RequestID(), middleware.SecurityHeaders(false), middleware.Recover(slog.New(slog.DiscardHandler), s.InternalError))
	r.NoRoute(s.NotFound)
	s.Register(r)
	e := &guidedEnv{accountEnv: &accountEnv{t: t, engine: r, auth: svcs.Auth, site: s, jar: map[string]string{}}, svcs: svcs, clock: clock}
	ctx := context.Background()
	admin, err := svcs.Auth.Staff.CreateAdmin(ctx, "coordinator", "lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	e.coord = auth.Principal{UserID: admin.ID, Role: auth.RoleCoordinator}
	link, err := svcs.Auth.Staff.Invite(ctx, e.coord, auth.RoleClinician, 10)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := svcs.Auth.Staff.AcceptInvitation(ctx, auth.Meta{RequestID: "t", Source: "198.51.100.7"}, link.Token, "dr-login", "lange zin als wachtwoord",
		auth.StaffProfile{DisplayName: "Dr. An Jansen", Profession: "psychologist"})
	if err != nil {
		t.Fatal(err)
	}
	e.doc = auth.Principal{UserID: doc.ID, Role: auth.RoleClinician}
	return e
}

func (e *guidedEnv) tr(l, id string, args ...any) string {
	s, ok := e.site.msgs.translate(l, id, args...)
	if !ok {
		e.t.Fatalf("no message %s", id)
	}
	return s
}

// signIn signs the client in again (after the clock moved past their
// session).
func (e *guidedEnv) signIn(nick string) {
	e.t.Helper()
	e.jar = map[string]string{}
	w := e.post("/en/account/login", "/en/account/login", url.Values{"nickname": {nick}, "password": {"a long enough password 1"}})
	if w.Code != http.StatusSeeOther {
		e.t.Fatalf("sign in: %d\n%s", w.Code, w.Body.String())
	}
}

// trajectoryOf is the newest trajectory of the client signed in (nick
// names them for the reader), read through the domain.
func (e *guidedEnv) trajectoryOf(nick string) *coaching.Trajectory {
	e.t.Helper()
	ts, err := e.svcs.Coaching.Mine(context.Background(), e.principalOf(nick))
	if err != nil || len(ts) == 0 {
		e.t.Fatalf("%s has no trajectory: %v", nick, err)
	}
	return &ts[0]
}

// principalOf reads the client's principal from their access cookie.
func (e *guidedEnv) principalOf(string) auth.Principal {
	e.t.Helper()
	p, err := e.svcs.Auth.Sessions.Authenticate(context.Background(), e.jar[cookieAccess], "t")
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// phq9Form is a PHQ-9 as form values.
func phq9Form(values ...int) url.Values {
	f := url.Values{}
	for i, v := range values {
		f.Set(fmt.Sprintf("phq9_%d", i+1), fmt.Sprint(v))
	}
	return f
}

// apply applies through the page with a new PHQ-9.
func (e *guidedEnv) apply(values ...int) *coaching.Trajectory {
	e.t.Helper()
	f := phq9Form(values...)
	f.Set("hopes", "Sleep better and see my friends again")
	f.Set("reachable", "Weekday evenings")
	w := e.post("/en/guided/apply", "/en/guided/apply", f)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/guided/mine?notice=applied" {
		e.t.Fatalf("apply: %d %s\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	return e.trajectoryOf("")
}

func has(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	if strings.Contains(body, "no value") {
		t.Errorf("%s: a message without its arguments", what)
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func lacks(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(body, n) {
			t.Errorf("%s has %q", what, n)
		}
	}
}

// errorHrefs are the error summary's links, in order.
func errorHrefs(doc *html.Node) []string {
	var out []string
	for _, a := range findAll(doc, func(n *html.Node) bool { return n.Data == "a" && n.Parent != nil && n.Parent.Data == "li" }) {
		if ul := a.Parent.Parent; ul != nil && attr(ul, "class") == "error-summary__list" {
			out = append(out, attr(a, "href"))
		}
	}
	return out
}

func TestGuidedWayIn(t *testing.T) {
	e := newGuidedEnv(t, false)
	tok := strings.Repeat("A", 43)
	for _, l := range []string{"nl", "en"} {
		// A visitor: no cookie, led through sign-up to the application.
		w := e.do(http.MethodGet, "/"+l+"/guided", nil)
		checkPage(t, nil, w.Result(), l, e.tr(l, "guided.title")+" – Haven", "/guided")
		has(t, "/"+l+"/guided", w.Body.String(),
			`href="/`+l+`/account/signup?next=%2Fguided%2Fapply"`, `href="/`+l+`/account/login?next=%2Fguided%2Fapply"`,
			e.tr(l, "guided.sees.diary"), e.tr(l, "guided.how_3", "Months", 3))
		lacks(t, "/"+l+"/guided", w.Body.String(), "Soon", "Binnenkort")
		// From a self-test result: the claim token goes along.
		w = e.do(http.MethodGet, "/"+l+"/guided?claim="+tok, nil)
		checkPage(t, nil, w.Result(), l, e.tr(l, "guided.title")+" – Haven", "/guided?claim="+tok)
		has(t, "/"+l+"/guided?claim", w.Body.String(), `href="/`+l+`/account/signup?next=%2Fguided%2Fapply&amp;claim=`+tok+`"`,
			e.tr(l, "guided.ask_claim", "Days", 14))
	}
	// Staff read about it, but are not offered to apply (on a real clock:
	// their second factor is a time-based code).
	ae := newAccountEnv(t)
	ae.jar[cookieAccess] = staffSession(t, ae.auth, auth.RoleResearcher, "researcher")
	w := ae.do(http.MethodGet, "/en/guided", nil)
	has(t, "staff", w.Body.String(), e.tr("en", "guided.ask_staff"))
	lacks(t, "staff", w.Body.String(), `id="apply"`, `id="apply-signup"`)
	// A client who never applied is offered to; with a result to keep, the
	// claim page comes first and leads on to the application.
	e.jar = map[string]string{}
	signUpClient(t, e.accountEnv, "way-in")
	w = e.do(http.MethodGet, "/en/guided", nil)
	has(t, "client", w.Body.String(), `id="apply" href="/en/guided/apply"`)
	w = e.do(http.MethodGet, "/en/guided?claim="+tok, nil)
	has(t, "client with a claim", w.Body.String(), `id="apply" href="/en/account/claim?next=%2Fguided%2Fapply&amp;claim=`+tok+`"`)
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("a client's way in is cacheable: %q", w.Header().Get("Cache-Control"))
	}
}

func TestGuidedFromSelftestResultThroughSignUp(t *testing.T) {
	e := newGuidedEnv(t, false)
	// A moderately severe PHQ-9, taken anonymously.
	w := e.do(http.MethodPost, "/en/selftest/phq9", phq9Form(2, 2, 2, 2, 2, 2, 2, 2, 0))
	loc := w.Header().Get("Location")
	tok := claimOf(loc)
	if w.Code != http.StatusSeeOther || tok == "" {
		t.Fatalf("self-test: %d %s", w.Code, loc)
	}
	w = e.do(http.MethodGet, loc, nil)
	has(t, "result", w.Body.String(), `href="/en/guided?claim=`+tok+`"`)
	w = e.do(http.MethodGet, "/en/guided?claim="+tok, nil)
	signup := "/en/account/signup?next=%2Fguided%2Fapply&claim=" + tok
	has(t, "way in", w.Body.String(), strings.ReplaceAll(signup, "&", "&amp;"))
	w = e.post(signup, "/en/account/signup", url.Values{"nickname": {"hopeful"}, "password": {"a long enough password 1"},
		"next": {"/guided/apply"}, "claim": {tok}})
	if w.Code != http.StatusCreated {
		t.Fatalf("sign-up: %d\n%s", w.Code, w.Body.String())
	}
	has(t, "sign-up done", w.Body.String(), e.tr("en", "account.claim.done"), `name="next" value="/guided/apply"`) // after "I have saved it"

	// The kept self-test is offered, and chosen.
	w = e.do(http.MethodGet, "/en/guided/apply", nil)
	doc := checkSelfhelpPage(t, w, 200, "en", e.tr("en", "guided.apply.title"))
	radio := find(doc, func(n *html.Node) bool { return attr(n, "name") == "source" && hasAttr(n, "checked") })
	if radio == nil || attr(radio, "value") == sourceNew {
		t.Fatalf("the kept self-test is not chosen:\n%s", w.Body.String())
	}
	has(t, "application form", w.Body.String(), "Moderately severe (16 out of 27)", e.tr("en", "guided.apply.answer_now"))
	lacks(t, "application form without mail", w.Body.String(), `id="email"`)
	// The questions are folded away while a self-test is chosen; chosen
	// but not answered, they open with the error.
	has(t, "application form", w.Body.String(), `<details class="details" id="items">`)
	w = e.post("/en/guided/apply", "/en/guided/apply", url.Values{"source": {sourceNew}, "hopes": {"x"}, "reachable": {"y"}})
	doc = checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
	if got := strings.Join(errorHrefs(doc), " "); got != "#phq9_1-0" {
		t.Errorf("answer now, nothing answered: errors %q", got)
	}
	has(t, "application form", w.Body.String(), `<details class="details" id="items" open>`, `id="source-new" name="source" value="new" checked`)
	w = e.post("/en/guided/apply", "/en/guided/apply", url.Values{"source": {attr(radio, "value")}, "hopes": {"To feel like myself"},
		"reachable": {"Mornings"}, "care": {"gp", "medication"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/guided/mine?notice=applied" {
		t.Fatalf("apply: %d %s\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	tr := e.trajectoryOf("hopeful")
	if tr.State != coaching.StateApplied || tr.IntakeScore != 16 || tr.IntakeCrisis {
		t.Errorf("trajectory %+v", tr)
	}

	// On the waiting list.
	w = e.do(http.MethodGet, "/en/guided/mine?notice=applied", nil)
	checkSelfhelpPage(t, w, 200, "en", e.tr("en", "guided.home.title"))
	has(t, "applied", w.Body.String(), e.tr("en", "guided.notice.applied"), e.tr("en", "guided.home.applied_title"),
		"Number 1 of 1", e.tr("en", "guided.home.median_unknown"), e.tr("en", "guided.home.notify_page"),
		`href="/en/guided/t/`+tr.ID+`/withdraw"`)
	lacks(t, "applied", w.Body.String(), "panel--crisis")
	// Applying again leads to the page that says where it stands.
	if w := e.do(http.MethodGet, "/en/guided/apply", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/guided/mine" {
		t.Errorf("application form when applied: %d %s", w.Code, w.Header().Get("Location"))
	}
	w = e.post("/en/guided/mine", "/en/guided/apply", url.Values{"source": {attr(radio, "value")}, "hopes": {"x"}, "reachable": {"y"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/guided/mine" {
		t.Errorf("a second application: %d %s", w.Code, w.Header().Get("Location"))
	}
	if w := e.do(http.MethodGet, "/nl/guided", nil); !strings.Contains(w.Body.String(), e.tr("nl", "guided.way.applied_title")) {
		t.Error("the way in does not say the client applied")
	}

	// Withdrawing asks first.
	w = e.do(http.MethodGet, "/en/guided/t/"+tr.ID+"/withdraw", nil)
	checkSelfhelpPage(t, w, 200, "en", e.tr("en", "guided.withdraw.title"))
	has(t, "withdraw", w.Body.String(), "button--danger", e.tr("en", "guided.withdraw.keep"))
	w = e.post("/en/guided/t/"+tr.ID+"/withdraw", "/en/guided/t/"+tr.ID+"/withdraw", url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/guided/mine?notice=withdrawn" {
		t.Fatalf("withdraw: %d %s", w.Code, w.Header().Get("Location"))
	}
	// A second press finds it withdrawn already.
	if w := e.post("/en/guided/mine", "/en/guided/t/"+tr.ID+"/withdraw", url.Values{}); w.Code != http.StatusSeeOther {
		t.Errorf("second withdraw: %d", w.Code)
	}
	w = e.do(http.MethodGet, "/en/guided/mine?notice=withdrawn", nil)
	checkSelfhelpPage(t, w, 200, "en", e.tr("en", "guided.home.title"))
	has(t, "withdrawn", w.Body.String(), e.tr("en", "guided.home.closed_title"), e.tr("en", "guided.ended.withdrawn", "Date", "2 March 2026"),
		`id="apply" href="/en/guided/apply"`)
	lacks(t, "withdrawn", w.Body.String(), `/withdraw"`, e.tr("en", "guided.home.summary_title"))
	if w := e.do(http.MethodGet, "/en/guided/t/"+tr.ID+"/withdraw", nil); w.Code != http.StatusConflict {
		t.Errorf("withdraw form after withdrawing: %d", w.Code)
	}
	if w := e.do(http.MethodGet, "/en/guided/apply", nil); w.Code != 200 {
		t.Errorf("applying again: %d", w.Code)
	}
}

func TestGuidedApplicationFieldErrors(t *testing.T) {
	e := newGuidedEnv(t, false)
	signUpClient(t, e.accountEnv, "careful")
	for _, l := range []string{"nl", "en"} {
		w := e.do(http.MethodGet, "/"+l+"/guided/apply", nil)
		doc := checkSelfhelpPage(t, w, 200, l, e.tr(l, "guided.apply.title"))
		if find(doc, func(n *html.Node) bool { return attr(n, "name") == "source" }) != nil {
			t.Errorf("%s: a self-test choice without self-tests", l)
		}
		// Nothing filled in.
		w = e.post("/"+l+"/guided/apply", "/"+l+"/guided/apply", url.Values{})
		doc = checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, l, "")
		if got := textOf(find(doc, func(n *html.Node) bool { return n.Data == "title" })); !strings.HasPrefix(got, e.tr(l, "layout.error_prefix")) {
			t.Errorf("%s: title %q", l, got)
		}
		if got, want := strings.Join(errorHrefs(doc), " "), "#phq9_1-0 #hopes #reachable"; got != want {
			t.Errorf("%s: error summary %q, want %q", l, got, want)
		}
		has(t, l+" errors", w.Body.String(), e.tr(l, "guided.apply.error_phq9"), e.tr(l, "guided.apply.error_hopes"),
			`aria-invalid="true"`, `aria-describedby="hopes-hint hopes-error"`)
	}
	// Half the questionnaire, too long a hope, an unknown kind of care:
	// what was given comes back.
	f := phq9Form(1, 2, 0, 1, 3)
	f.Set("hopes", strings.Repeat("é", coaching.MaxHopes+1))
	f.Set("reachable", "Any time")
	f["care"] = []string{"psychologist", "dentist"}
	f.Set("email", "someone@example.org") // no mail configured: not asked, not kept
	w := e.post("/en/guided/apply", "/en/guided/apply", f)
	doc := checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
	if got, want := strings.Join(errorHrefs(doc), " "), "#phq9_6-0 #phq9_7-0 #phq9_8-0 #phq9_9-0 #hopes #care-gp"; got != want {
		t.Errorf("error summary %q, want %q", got, want)
	}
	for id, checked := range map[string]bool{"phq9_2-2": true, "phq9_5-3": true, "phq9_2-1": false, "care-psychologist": true, "care-gp": false} {
		if n := find(doc, func(n *html.Node) bool { return attr(n, "id") == id }); n == nil || hasAttr(n, "checked") != checked {
			t.Errorf("%s checked: want %v", id, checked)
		}
	}
	has(t, "errors", w.Body.String(), ">Any time</textarea>", e.tr("en", "guided.apply.error_care"))
	lacks(t, "errors", w.Body.String(), `id="email"`, "someone@example.org")
	// Fixed, it goes through; the address was not asked for, so not kept.
	f = phq9Form(1, 2, 0, 1, 3, 0, 0, 1, 0)
	f.Set("hopes", "Less worry")
	f.Set("reachable", "Any time")
	f.Set("email", "someone@example.org")
	if w := e.post("/en/guided/apply", "/en/guided/apply", f); w.Code != http.StatusSeeOther {
		t.Fatalf("apply: %d\n%s", w.Code, w.Body.String())
	}
	if tr := e.trajectoryOf("careful"); tr.NotifySealed != nil || tr.IntakeScore != 8 {
		t.Errorf("trajectory %+v", tr)
	}

	// Forms without the CSRF token, or from another site, are refused.
	e.jar = map[string]string{}
	signUpClient(t, e.accountEnv, "second")
	if w := e.do(http.MethodPost, "/en/guided/apply", url.Values{"hopes": {"x"}}); w.Code != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", w.Code)
	}
	f = url.Values{csrfField: {e.jar[cookieCSRF]}, "hopes": {"x"}}
	if w := e.do(http.MethodPost, "/en/guided/apply", f, "Sec-Fetch-Site", "cross-site"); w.Code != http.StatusForbidden {
		t.Errorf("cross-site: %d", w.Code)
	}
}

func TestGuidedApplicationEmailOnlyWithMail(t *testing.T) {
	e := newGuidedEnv(t, true)
	signUpClient(t, e.accountEnv, "mailable")
	w := e.do(http.MethodGet, "/en/guided/apply", nil)
	has(t, "form", w.Body.String(), `id="email"`, e.tr("en", "guided.apply.email_hint"))
	f := phq9Form(1, 1, 1, 1, 1, 1, 1, 1, 0)
	f.Set("hopes", "Calm")
	f.Set("reachable", "Noon")
	f.Set("email", "not an address")
	w = e.post("/en/guided/apply", "/en/guided/apply", f)
	doc := checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
	if got := strings.Join(errorHrefs(doc), " "); got != "#email" {
		t.Errorf("error summary %q", got)
	}
	f.Set("email", "me@example.org")
	if w := e.post("/en/guided/apply", "/en/guided/apply", f); w.Code != http.StatusSeeOther {
		t.Fatalf("apply: %d\n%s", w.Code, w.Body.String())
	}
	if tr := e.trajectoryOf("mailable"); tr.NotifySealed == nil || strings.Contains(*tr.NotifySealed, "me@example.org") {
		t.Errorf("address not kept, or not sealed: %v", tr.NotifySealed)
	}
	w = e.do(http.MethodGet, "/en/guided/mine", nil)
	has(t, "home", w.Body.String(), e.tr("en", "guided.home.notify_email"))
}

func TestGuidedTrajectoryPages(t *testing.T) {
	e := newGuidedEnv(t, false)
	ctx := context.Background()
	signUpClient(t, e.accountEnv, "steady")
	// Not applied yet.
	w := e.do(http.MethodGet, "/en/guided/mine", nil)
	checkSelfhelpPage(t, w, 200, "en", e.tr("en", "guided.home.title"))
	has(t, "none", w.Body.String(), e.tr("en", "guided.home.none", "Months", 3), `id="apply" href="/en/guided/apply"`)

	// An application with a crisis answer: crisis help first, at once.
	tr := e.apply(1, 2, 1, 1, 1, 1, 1, 1, 1)
	if !tr.IntakeCrisis {
		t.Fatal("no crisis flag")
	}
	w = e.do(http.MethodGet, "/en/guided/mine?notice=applied", nil)
	doc := checkSelfhelpPage(t, w, 200, "en", e.tr("en", "guided.home.title"))
	if h1 := textOf(find(doc, func(n *html.Node) bool { return n.Data == "h1" })); h1 != e.tr("en", "guided.crisis.title") {
		t.Errorf("h1 %q: crisis help is not first", h1)
	}
	has(t, "crisis", w.Body.String(), `href="tel:112"`, `href="tel:1813"`, `href="tel:113"`, e.tr("en", "guided.home.applied_title"))

	// A guide is assigned: who, what they will see, agree to start.
	if _, err := e.svcs.Coaching.Assign(ctx, e.coord, tr.ID, e.doc.UserID); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"nl", "en"} {
		w = e.do(http.MethodGet, "/"+l+"/guided/mine", nil)
		checkSelfhelpPage(t, w, 200, l, e.tr(l, "guided.home.title"))
		has(t, l+" waiting", w.Body.String(), "Dr. An Jansen", "psychologist", e.tr(l, "guided.home.waiting_title"),
			e.tr(l, "guided.sees.diary"), e.tr(l, "guided.home.sees_lead", "Name", "Dr. An Jansen"), `href="/`+l+`/account/access"`,
			`action="/`+l+`/guided/t/`+tr.ID+`/consent"`, `id="consent"`, "panel--crisis")
		lacks(t, l+" waiting", w.Body.String(), "dr-login")
	}
	for range 2 { // a double press starts it once
		w = e.post("/en/guided/mine", "/en/guided/t/"+tr.ID+"/consent", url.Values{})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/guided/mine?notice=started" {
			t.Fatalf("consent: %d %s\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
		}
	}

	// Running: dates, messages, the guide's feedback, questionnaires.
	if _, _, err := e.svcs.Coaching.Send(ctx, e.doc, tr.ID, "Welcome, steady.\n\nHow was your week?", "k1"); err != nil {
		t.Fatal(err)
	}
	w = e.do(http.MethodGet, "/en/guided/mine?notice=started", nil)
	doc = checkSelfhelpPage(t, w, 200, "en", e.tr("en", "guided.home.title"))
	if h1 := textOf(find(doc, func(n *html.Node) bool { return n.Data == "h1" })); h1 != e.tr("en", "guided.home.title") {
		t.Errorf("h1 %q once running", h1)
	}
	has(t, "active", w.Body.String(), e.tr("en", "guided.notice.started"), "Your guide is Dr. An Jansen (psychologist)",
		"Started on 2 March 2026.", "Planned end: 2 June 2026. Days left: 92.", "New messages: 1",
		`href="/en/guided/t/`+tr.ID+`/messages"`, e.tr("en", "guided.point.week6")+": Depression questionnaire (PHQ-9)", e.tr("en", "guided.feedback.none"))
	lacks(t, "active", w.Body.String(), "panel--crisis", "/withdraw")

	// The conversation: the guide's message is new once, then read.
	msgs := "/en/guided/t/" + tr.ID + "/messages"
	w = e.do(http.MethodGet, msgs, nil)
	doc = checkSelfhelpPage(t, w, 200, "en", "Messages with Dr. An Jansen")
	has(t, "messages", w.Body.String(), "Welcome, steady.\n\nHow was your week?", `class="tag tag--new"`, `name="key"`)
	key := attr(find(doc, func(n *html.Node) bool { return attr(n, "name") == "key" }), "value")
	if len(key) < 20 {
		t.Fatalf("idempotency key %q", key)
	}
	w = e.do(http.MethodGet, msgs, nil)
	lacks(t, "messages read", w.Body.String(), `class="tag tag--new"`)
	if key2 := attr(find(parse(t, w.Body.Bytes()), func(n *html.Node) bool { return attr(n, "name") == "key" }), "value"); key2 == key {
		t.Error("the same idempotency key for two renderings")
	}
	has(t, "home", e.do(http.MethodGet, "/en/guided/mine", nil).Body.String(), e.tr("en", "guided.home.no_unread"))

	// Sending twice with the form's key stores one message.
	var first string
	for range 2 {
		w = postStep(e.accountEnv, msgs, url.Values{"body": {"Better, thank you."}, "key": {key}})
		if w.Code != http.StatusSeeOther || !regexp.MustCompile(`^`+msgs+`\?notice=sent#m-[0-9a-f-]{36}$`).MatchString(w.Header().Get("Location")) {
			t.Fatalf("send: %d %s\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
		}
		if first == "" {
			first = w.Header().Get("Location")
		} else if w.Header().Get("Location") != first {
			t.Errorf("a double submit made a second message: %s, %s", first, w.Header().Get("Location"))
		}
	}
	conv, err := e.svcs.Coaching.Conversation(ctx, e.doc, tr.ID) // the guide reads it
	if err != nil || len(conv.Messages) != 2 {
		t.Fatalf("conversation: %d messages, %v", len(conv.Messages), err)
	}
	w = e.do(http.MethodGet, msgs+"?notice=sent", nil)
	has(t, "after sending", w.Body.String(), e.tr("en", "guided.notice.sent"), "Better, thank you.", "Read on 2 March 2026, 10:00")
	// The same key with another text (the back button), an empty message.
	w = postStep(e.accountEnv, msgs, url.Values{"body": {"Something else"}, "key": {key}})
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), ">Something else</textarea>") ||
		!strings.Contains(w.Body.String(), e.tr("en", "guided.messages.error_again")) {
		t.Errorf("reused key: %d", w.Code)
	}
	w = postStep(e.accountEnv, msgs, url.Values{"body": {"   "}, "key": {"k-empty"}})
	doc = checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
	if got := strings.Join(errorHrefs(doc), " "); got != "#body" {
		t.Errorf("empty message: %d, errors %q", w.Code, got)
	}

	// Feedback on lesson 1: on the home page and the course page.
	if _, err := e.svcs.Coaching.GiveFeedback(ctx, e.doc, tr.ID, "understanding", "You noticed a lot in this lesson."); err != nil {
		t.Fatal(err)
	}
	lesson1 := e.site.programme().Lessons[0]
	w = e.do(http.MethodGet, "/en/guided/mine", nil)
	has(t, "feedback", w.Body.String(), "Lesson 1: "+lesson1.Title.In("en"), "You noticed a lot in this lesson.", "From Dr. An Jansen",
		`class="tag tag--new"`, `href="/en/selfhelp/lesson/understanding"`)
	w = e.do(http.MethodGet, "/en/selfhelp/lesson/understanding/"+lesson1.Steps[0].ID, nil)
	checkSelfhelpPage(t, w, 200, "en", "")
	has(t, "lesson", w.Body.String(), e.tr("en", "guided.feedback.in_lesson"), "You noticed a lot in this lesson.")
	if w := e.do(http.MethodGet, "/en/selfhelp/lesson/understanding/"+lesson1.Steps[1].ID, nil); strings.Contains(w.Body.String(), "You noticed a lot") {
		t.Error("the feedback is repeated on every step")
	}
	w = e.do(http.MethodGet, "/en/selfhelp", nil)
	checkSelfhelpPage(t, w, 200, "en", e.tr("en", "selfhelp.title"))
	has(t, "course", w.Body.String(), "You noticed a lot in this lesson.", e.tr("en", "guided.course.active", "Name", "Dr. An Jansen"),
		`href="/en/guided/mine"`)

	// The week-6 questionnaire: not before its day; then crisis help first.
	q := "/en/guided/t/" + tr.ID + "/questionnaire/week6/phq9"
	if w := e.do(http.MethodGet, q, nil); w.Code != http.StatusNotFound {
		t.Errorf("week 6 before its day: %d", w.Code)
	}
	e.clock.Add(42 * 24 * time.Hour)
	e.signIn("steady")
	w = e.do(http.MethodGet, "/en/guided/mine", nil)
	has(t, "due", w.Body.String(), e.tr("en", "guided.due.title"), `href="`+q+`"`)
	w = e.do(http.MethodGet, q, nil)
	checkSelfhelpPage(t, w, 200, "en", "Depression questionnaire (PHQ-9)")
	has(t, "questionnaire", w.Body.String(), e.tr("en", "guided.questionnaire.lead", "When", e.tr("en", "guided.point.week6")), `name="csrf"`)
	lacks(t, "questionnaire", w.Body.String(), `name="age_band"`)
	w = postStep(e.accountEnv, q, phq9Form(1, 1))
	checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
	w = postStep(e.accountEnv, q, phq9Form(1, 1, 1, 1, 0, 0, 0, 0, 2))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != q+"/result" {
		t.Fatalf("questionnaire: %d %s", w.Code, w.Header().Get("Location"))
	}
	w = e.do(http.MethodGet, q+"/result", nil)
	doc = checkSelfhelpPage(t, w, 200, "en", e.tr("en", "guided.questionnaire.result_title"))
	if first := find(doc, func(n *html.Node) bool { return n.Data == "main" }).FirstChild; first == nil ||
		!strings.Contains(attr(nextElement(first), "class"), "panel--crisis") {
		t.Error("the result does not lead with crisis help")
	}
	has(t, "result", w.Body.String(), `href="tel:112"`, "Your score: 6 out of 27", e.tr("en", "guided.questionnaire.crisis_guide"))
	if w := e.do(http.MethodGet, q, nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != q+"/result" {
		t.Errorf("a questionnaire taken: %d %s", w.Code, w.Header().Get("Location"))
	}
	if w := postStep(e.accountEnv, q, phq9Form(0, 0, 0, 0, 0, 0, 0, 0, 0)); w.Code != http.StatusNotFound {
		t.Errorf("taken twice: %d", w.Code)
	}

	// Another client finds nothing of it.
	saved := e.jar
	e.jar = map[string]string{}
	signUpClient(t, e.accountEnv, "stranger")
	for _, p := range []string{msgs, q + "/result", "/en/guided/t/" + tr.ID + "/withdraw"} {
		if w := e.do(http.MethodGet, p, nil); w.Code != http.StatusNotFound {
			t.Errorf("another client's %s: %d", p, w.Code)
		}
	}
	if w := postStep(e.accountEnv, msgs, url.Values{"body": {"hello"}, "key": {"x"}}); w.Code != http.StatusNotFound {
		t.Errorf("sending into another client's conversation: %d", w.Code)
	}
	if w := postStep(e.accountEnv, "/en/guided/t/"+tr.ID+"/consent", url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("consent to another client's guide: %d", w.Code)
	}
	e.jar = saved

	// Completed: how far they got, the conversation to read again, the
	// follow-up questionnaires, applying again.
	if _, err := e.svcs.Coaching.Close(ctx, e.doc, tr.ID, coaching.Outcome{State: coaching.StateCompleted}); err != nil {
		t.Fatal(err)
	}
	w = e.do(http.MethodGet, "/en/guided/mine", nil)
	checkSelfhelpPage(t, w, 200, "en", e.tr("en", "guided.home.title"))
	has(t, "completed", w.Body.String(), e.tr("en", "guided.home.ended_title"), "You finished your guided help on 13 April 2026.",
		"Messages you sent: 1", "Messages from your guide: 1", "Lessons completed: 0", `href="`+msgs+`"`,
		e.tr("en", "guided.point.followup3")+": Depression questionnaire (PHQ-9)", "13 July 2026", `id="apply" href="/en/guided/apply"`)
	w = e.do(http.MethodGet, msgs, nil)
	checkSelfhelpPage(t, w, 200, "en", "Messages with Dr. An Jansen")
	has(t, "messages after the end", w.Body.String(), "Better, thank you.", e.tr("en", "guided.messages.closed"))
	lacks(t, "messages after the end", w.Body.String(), `name="body"`)
	if w := postStep(e.accountEnv, msgs, url.Values{"body": {"hello?"}, "key": {"late"}}); w.Code != http.StatusConflict {
		t.Errorf("sending after the end: %d", w.Code)
	}
}

// nextElement is n or the first element after it.
func nextElement(n *html.Node) *html.Node {
	for ; n != nil && n.Type != html.ElementNode; n = n.NextSibling {
	}
	return n
}

func TestGuidedEndedOtherwise(t *testing.T) {
	e := newGuidedEnv(t, false)
	ctx := context.Background()
	signUpClient(t, e.accountEnv, "early")
	tr := e.apply(2, 2, 1, 1, 1, 1, 1, 1, 0)
	// A coordinator ends the application: not ready, with the reason told.
	if _, err := e.svcs.Coaching.Close(ctx, e.coord, tr.ID, coaching.Outcome{State: coaching.StateDroppedOut, Reason: coaching.ReasonNotReady}); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"nl", "en"} {
		w := e.do(http.MethodGet, "/"+l+"/guided/mine", nil)
		checkSelfhelpPage(t, w, 200, l, e.tr(l, "guided.home.title"))
		has(t, l+" dropped out", w.Body.String(), e.tr(l, "guided.ended.dropped_out", "Date", e.site.longDate(&view{Lang: l, site: e.site}, tr.AppliedAt)),
			e.tr(l, "guided.reason.not_ready"))
		lacks(t, l+" dropped out", w.Body.String(), e.tr(l, "guided.home.summary_title"), "/messages")
	}
	// A new application, never reached: the no-contact job closes it.
	e.clock.Add(time.Minute)
	tr = e.apply(2, 2, 1, 1, 1, 1, 1, 1, 0)
	if n, err := e.svcs.Coaching.RunNoContact(ctx, e.clock.Now().Add(60*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("no-contact job: %d, %v", n, err)
	}
	e.clock.Add(60 * 24 * time.Hour)
	e.signIn("early")
	w := e.do(http.MethodGet, "/en/guided/mine", nil)
	has(t, "no contact", w.Body.String(), e.tr("en", "guided.home.closed_title"))
	if !strings.Contains(w.Body.String(), "because no contact with a guide came about") {
		t.Errorf("no-contact text missing:\n%s", w.Body.String())
	}
	lacks(t, "no contact", w.Body.String(), e.tr("en", "guided.reason.no_contact_after_signup"))
	// The way in offers to apply again.
	has(t, "way in", e.do(http.MethodGet, "/en/guided", nil).Body.String(), e.tr("en", "guided.ask_again"), `id="apply"`)
}

// A client who is signed in already, or signs in from the way in, keeps
// the self-test and goes on to the application.
func TestGuidedClaimWhenSigningIn(t *testing.T) {
	e := newGuidedEnv(t, false)
	signUpClient(t, e.accountEnv, "returning")
	selftest := func() string {
		saved := e.jar
		e.jar = map[string]string{}
		defer func() { e.jar = saved }()
		w := e.do(http.MethodPost, "/en/selftest/phq9", phq9Form(2, 2, 2, 1, 1, 1, 1, 1, 0))
		return claimOf(w.Header().Get("Location"))
	}
	// Signed in: the claim page asks, then leads to the application.
	tok := selftest()
	w := e.do(http.MethodGet, "/en/account/claim?next=%2Fguided%2Fapply&claim="+tok, nil)
	if w.Code != 200 || hiddenValue(w.Body.String(), "next") != "/guided/apply" || hiddenValue(w.Body.String(), "claim") != tok {
		t.Fatalf("claim page: %d\n%s", w.Code, w.Body.String())
	}
	w = e.post("/en/account/claim?claim="+tok, "/en/account/claim", url.Values{"claim": {tok}, "next": {"/guided/apply"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/guided/apply" {
		t.Fatalf("claim: %d %s", w.Code, w.Header().Get("Location"))
	}
	has(t, "application", e.do(http.MethodGet, "/en/guided/apply", nil).Body.String(), "(11 out of 27)")
	// Signing in from the way in with a result: kept, then the application.
	e.post("/en/account", "/en/account/logout", url.Values{})
	tok = selftest()
	w = e.post("/en/account/login?next=%2Fguided%2Fapply&claim="+tok, "/en/account/login",
		url.Values{"nickname": {"returning"}, "password": {"a long enough password 1"}, "next": {"/guided/apply"}, "claim": {tok}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/guided/apply" {
		t.Fatalf("sign-in with a claim: %d %s", w.Code, w.Header().Get("Location"))
	}
	w = e.do(http.MethodGet, "/en/guided/apply", nil)
	if n := strings.Count(w.Body.String(), `name="source"`); n != 3 { // two self-tests, and "answer now"
		t.Errorf("%d choices, want 3", n)
	}
}

// A client stops guided help while it runs: why, in their words; the page
// then says it stopped, with that reason.
func TestGuidedStop(t *testing.T) {
	e := newGuidedEnv(t, false)
	ctx := context.Background()
	signUpClient(t, e.accountEnv, "stopping")
	tr := e.apply(1, 1, 1, 1, 1, 1, 1, 1, 0)
	stop := "/en/guided/t/" + tr.ID + "/stop"
	// Not before it starts: withdrawing is the way out then.
	if w := e.do(http.MethodGet, stop, nil); w.Code != http.StatusConflict {
		t.Errorf("stop page while applied: %d", w.Code)
	}
	if _, err := e.svcs.Coaching.Assign(ctx, e.coord, tr.ID, e.doc.UserID); err != nil {
		t.Fatal(err)
	}
	e.post("/en/guided/mine", "/en/guided/t/"+tr.ID+"/consent", url.Values{})
	has(t, "home", e.do(http.MethodGet, "/en/guided/mine", nil).Body.String(), `id="stop" href="`+stop+`"`)
	for _, l := range []string{"nl", "en"} {
		w := e.do(http.MethodGet, "/"+l+"/guided/t/"+tr.ID+"/stop", nil)
		checkSelfhelpPage(t, w, 200, l, e.tr(l, "guided.stop.title"))
		has(t, l+" stop", w.Body.String(), e.tr(l, "guided.stop.reason_helped_enough"), "button--danger")
		lacks(t, l+" stop", w.Body.String(), `value="disappeared"`, `value="referred_crisis"`)
	}
	// A reason is needed, and only the client's own.
	for _, reason := range []string{"", "disappeared", "referred_crisis"} {
		w := e.post(stop, stop, url.Values{"reason": {reason}})
		doc := checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
		if got := strings.Join(errorHrefs(doc), " "); got != "#reason-helped_enough" {
			t.Errorf("reason %q: errors %q", reason, got)
		}
	}
	// "Another reason" needs the client's own words (the domain's rule).
	w := e.post(stop, stop, url.Values{"reason": {"other"}, "note": {"  "}})
	doc := checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
	if got := strings.Join(errorHrefs(doc), " "); got != "#stop-note" {
		t.Errorf("other without a note: errors %q", got)
	}
	has(t, "other without a note", w.Body.String(), `value="other" checked`, e.tr("en", "guided.stop.error_note"))
	for range 2 { // a double press stops it once
		w := e.post(stop, stop, url.Values{"reason": {"helped_enough"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/guided/mine?notice=stopped" {
			t.Fatalf("stop: %d %s\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
		}
	}
	tr = e.trajectoryOf("stopping")
	if tr.State != coaching.StateDroppedOut || tr.EndReason == nil || *tr.EndReason != coaching.ReasonHelpedEnough || tr.EndedBy == nil || *tr.EndedBy != coaching.EndedByClient {
		t.Errorf("trajectory %+v", tr)
	}
	w = e.do(http.MethodGet, "/en/guided/mine?notice=stopped", nil)
	has(t, "stopped", w.Body.String(), e.tr("en", "guided.notice.stopped"), e.tr("en", "guided.reason.helped_enough"), e.tr("en", "guided.home.summary_title"))
	if w := e.do(http.MethodGet, stop, nil); w.Code != http.StatusConflict {
		t.Errorf("stop page after stopping: %d", w.Code)
	}
}
