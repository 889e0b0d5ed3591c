package frontend

import (
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/modules"

	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// shSite is a site for looking up texts and the programme in tests.
func shSite(t *testing.T) *Site {
	t.Helper()
	deps, _ := testDeps(t)
	s, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signUpClient creates a client account in e's cookie jar.
func signUpClient(t *testing.T, e *accountEnv, nick string) {
	t.Helper()
	w := e.post("/en/account/signup", "/en/account/signup", url.Values{"nickname": {nick}, "password": {"a long enough password 1"}})
	if w.Code != http.StatusCreated {
		t.Fatalf("sign up: %d\n%s", w.Code, w.Body.String())
	}
}

// postStep posts a step form with the CSRF token.
func postStep(e *accountEnv, target string, form url.Values) *httptest.ResponseRecorder {
	form.Set(csrfField, e.jar[cookieCSRF])
	return e.do(http.MethodPost, target, form)
}

func parse(t *testing.T, body []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// checkSelfhelpPage checks a signed-in page: status, lang, title, one h1,
// no missing message, not cached, not indexed, no inline style or script.
func checkSelfhelpPage(t *testing.T, w *httptest.ResponseRecorder, status int, l, title string) *html.Node {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d\n%s", w.Code, status, w.Body.String())
	}
	body := w.Body.Bytes()
	if i := bytes.Index(body, []byte(missingMark)); i >= 0 {
		t.Errorf("missing message: %s", body[i:min(len(body), i+60)])
	}
	doc := parse(t, body)
	if got := attr(find(doc, func(n *html.Node) bool { return n.Data == "html" }), "lang"); got != l {
		t.Errorf("lang %q, want %q", got, l)
	}
	if got := textOf(find(doc, func(n *html.Node) bool { return n.Data == "title" })); title != "" && got != title+" – Haven" {
		t.Errorf("title %q, want %q", got, title+" – Haven")
	}
	if n := len(findAll(doc, func(n *html.Node) bool { return n.Data == "h1" })); n != 1 {
		t.Errorf("%d h1", n)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { return true }) {
		if hasAttr(n, "style") || (n.Data == "script" && attr(n, "src") == "") || n.Data == "style" {
			t.Errorf("<%s> breaks the CSP", n.Data)
		}
	}
	return doc
}

func TestSelfhelpPagesInBothLanguages(t *testing.T) {
	e := newAccountEnv(t)
	site := shSite(t)
	signUpClient(t, e, "koersvast")
	for _, l := range []string{"nl", "en"} {
		tr := func(id string, args ...any) string { s, _ := site.msgs.translate(l, id, args...); return s }
		w := e.do(http.MethodGet, "/"+l+"/selfhelp", nil)
		doc := checkSelfhelpPage(t, w, 200, l, tr("selfhelp.title"))
		if find(doc, func(n *html.Node) bool { return attr(n, "id") == "start" }) == nil && l == "nl" {
			t.Error("no start link for a client not yet enrolled")
		}
		w = e.do(http.MethodGet, "/"+l+"/selfhelp/lesson/understanding/welcome", nil)
		p := site.programme()
		checkSelfhelpPage(t, w, 200, l, tr("selfhelp.step.page_title", "Step", p.Lessons[0].Steps[0].Title.In(l), "N", 1))
		for _, pg := range []struct{ path, title string }{
			{"/selfhelp", tr("selfhelp.title")},
			{"/selfhelp/lesson/understanding/starting-point", ""},
			{"/selfhelp/lesson/understanding/complaints", ""},
			{"/selfhelp/questionnaire/start", ""},
			{"/selfhelp/diary", tr("selfhelp.diary.title")},
			{"/selfhelp/plan", p.Plan.Title.In(l)},
		} {
			t.Run(l+pg.path, func(t *testing.T) {
				checkSelfhelpPage(t, e.do(http.MethodGet, "/"+l+pg.path, nil), 200, l, pg.title)
				// The page's share of the 100 KB budget (TestPageWeight
				// counts the assets, about 10 KB gzipped).
				if w := e.do(http.MethodGet, "/"+l+pg.path, nil, "Accept-Encoding", "gzip"); w.Body.Len() > 60<<10 {
					t.Errorf("%d bytes gzipped", w.Body.Len())
				}
			})
		}
	}
}

func TestSelfhelpVisitorsAndStaff(t *testing.T) {
	e := newAccountEnv(t)
	for _, p := range []string{"/selfhelp/diary", "/selfhelp/plan", "/selfhelp/lesson/activation/homework", "/selfhelp/questionnaire/start"} {
		w := e.do(http.MethodGet, "/en"+p, nil)
		if want := "/en/account/login?next=" + url.QueryEscape(p); w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("visitor %s: %d → %q, want %q", p, w.Code, w.Header().Get("Location"), want)
		}
	}
	// The trial is readable and offers the sign-up; it sets no cookie.
	w := e.do(http.MethodGet, "/en/selfhelp/lesson/understanding/complaints", nil)
	if w.Code != 200 || len(w.Result().Cookies()) > 0 || strings.Contains(w.Body.String(), "<form") ||
		!strings.Contains(w.Body.String(), `href="/en/account/signup?next=%2Fselfhelp"`) {
		t.Errorf("trial step: %d, cookies %v\n%s", w.Code, w.Result().Cookies(), w.Body.String())
	}
	// Sign up through the course's link and come back to it.
	w = e.do(http.MethodGet, "/en/account/signup?next=/selfhelp", nil)
	if !strings.Contains(w.Body.String(), `name="next" value="/selfhelp"`) {
		t.Fatal("the sign-up form does not carry next")
	}
	w = e.post("/en/account/signup?next=/selfhelp", "/en/account/signup", url.Values{"nickname": {"trialist"}, "password": {"a long enough password 1"}, "next": {"/selfhelp"}})
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `href="/en/selfhelp"`) {
		t.Errorf("sign-up with next: %d", w.Code)
	}
	// next never leads off the site.
	for _, bad := range []string{"//evil.example", "https://evil.example", "/\\evil", "/selfhelp/../x"} {
		if safeNext(bad) != "" {
			t.Errorf("safeNext(%q) accepted", bad)
		}
	}
	// Staff get a friendly 403 (and the course page as a visitor sees it).
	staff := &accountEnv{t: t, engine: e.engine, auth: e.auth, jar: map[string]string{}}
	const pw = "lange zin als wachtwoord"
	if _, err := e.auth.Staff.CreateAdmin(t.Context(), "coordinator", pw); err != nil {
		t.Fatal(err)
	}
	w = staff.post("/en/account/login", "/en/account/login", url.Values{"nickname": {"coordinator"}, "password": {pw}})
	body := w.Body.String()
	secret := hiddenValue(body, "secret")
	code, _ := wiretest.TOTPCode(secret, time.Now()), error(nil)
	staff.post("/en/account/login", "/en/account/login/enrol", url.Values{"challenge": {hiddenValue(body, "challenge")}, "secret": {secret}, "code": {code}})
	for _, p := range []string{"/selfhelp/diary", "/selfhelp/plan"} {
		w := staff.do(http.MethodGet, "/en"+p, nil)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "This part is for clients") {
			t.Errorf("staff %s: %d", p, w.Code)
		}
	}
	// Coordinators preview every lesson, as a client sees it, with the
	// fields disabled and nothing to post.
	w = staff.do(http.MethodGet, "/en/selfhelp", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "preview it") || !strings.Contains(w.Body.String(), `href="/en/selfhelp/lesson/relapse/`) {
		t.Errorf("coordinator course page: %d", w.Code)
	}
	lib, err := modules.LoadLibrary(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := lib.Programmes()[0]
	last := p.Lessons[len(p.Lessons)-1]
	for _, st := range last.Steps {
		w := staff.do(http.MethodGet, "/nl/selfhelp/lesson/"+last.ID+"/"+st.ID, nil)
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, "Voorbeeld voor coördinatoren") ||
			strings.Contains(body[strings.Index(body, "<main"):strings.Index(body, "</main>")], `method="post"`) { // the footer's sign-out is a form
			t.Errorf("preview %s/%s: %d", last.ID, st.ID, w.Code)
		}
		if len(st.Fields) > 0 && !strings.Contains(body, "<fieldset class=\"preview-fields\" disabled>") {
			t.Errorf("preview %s/%s: fields not disabled", last.ID, st.ID)
		}
	}
	if w := staff.post("/en/selfhelp/lesson/relapse/looking-back", "/en/selfhelp/lesson/relapse/looking-back", url.Values{"action": {"continue"}}); w.Code < 400 {
		t.Errorf("a coordinator saved a preview: %d", w.Code)
	}
}

func TestSelfhelpSaveValidateResume(t *testing.T) {
	clock := wiretest.NewClock(time.Now())
	e := newAccountEnv(t, wiretest.WithClock(clock.Now))
	signUpClient(t, e, "stapvoorstap")
	base := "/en/selfhelp/lesson/understanding/"
	e.do(http.MethodGet, base+"welcome", nil)
	// A text step: Continue goes to the next step.
	w := postStep(e, base+"welcome", url.Values{"action": {"continue"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != base+"what-is-depression" {
		t.Fatalf("continue: %d → %s", w.Code, w.Header().Get("Location"))
	}
	// Invalid: a scale value out of range. 422, error summary, input kept.
	w = postStep(e, base+"starting-point", url.Values{"action": {"continue"}, "f-mood-now": {"11"}, "f-hopes": {"Sleep better"}})
	doc := checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
	if !strings.HasPrefix(textOf(find(doc, func(n *html.Node) bool { return n.Data == "title" })), "Error: ") {
		t.Error("title without Error:")
	}
	summary := find(doc, func(n *html.Node) bool { return hasClass(n, "error-summary") })
	link := find(summary, func(n *html.Node) bool { return n.Data == "a" })
	if link == nil || attr(link, "href") != "#f-mood-now-0" || find(doc, func(n *html.Node) bool { return attr(n, "id") == "f-mood-now-0" }) == nil {
		t.Fatalf("error summary link %q does not lead to the field", attr(link, "href"))
	}
	if find(doc, func(n *html.Node) bool { return attr(n, "id") == "f-mood-now-error" }) == nil {
		t.Error("no error beside the field")
	}
	if ta := find(doc, func(n *html.Node) bool { return attr(n, "id") == "f-hopes" }); textOf(ta) != "Sleep better" {
		t.Errorf("the text typed was lost: %q", textOf(ta))
	}
	// Save and come back later: saved, not completed, back to the course.
	w = postStep(e, base+"starting-point", url.Values{"action": {"later"}, "f-mood-now": {"4"}, "f-hopes": {"Sleep better"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/selfhelp?notice=saved" {
		t.Fatalf("later: %d → %s", w.Code, w.Header().Get("Location"))
	}
	// The course page says where to continue: that exact step.
	doc = parse(t, e.do(http.MethodGet, "/en/selfhelp", nil).Body.Bytes())
	if a := find(doc, func(n *html.Node) bool { return attr(n, "id") == "resume" }); attr(a, "href") != base+"starting-point" {
		t.Errorf("resume link %q", attr(a, "href"))
	}
	if a := find(doc, func(n *html.Node) bool { return attr(n, "id") == "questionnaire" }); attr(a, "href") != "/en/selfhelp/questionnaire/start" {
		t.Errorf("no prompt for the questionnaire due before lesson 1: %q", attr(a, "href"))
	}
	// The answers come back on the step.
	body := e.do(http.MethodGet, base+"starting-point", nil).Body.String()
	if !strings.Contains(body, `id="f-mood-now-4" name="f-mood-now" value="4" checked`) || !strings.Contains(body, ">Sleep better</textarea>") {
		t.Error("saved answers not shown again")
	}
	// Lesson 2 is locked until lesson 1 is done: a friendly 409.
	w = e.do(http.MethodGet, "/en/selfhelp/lesson/activation/doing-and-mood", nil)
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "This lesson is not open yet") {
		t.Errorf("locked lesson: %d", w.Code)
	}
	// Finish lesson 1 (homework last), which leads to lesson 2 with the
	// homework brought forward.
	p := shSite(t).programme()
	for _, st := range p.Lessons[0].Steps {
		form := url.Values{"action": {"continue"}}
		if st.ID == "homework" {
			form.Set("f-mood-change", "A bit better in the mornings")
			form.Set("f-diary-days", "most-days")
		}
		w = postStep(e, base+st.ID, form)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", st.ID, w.Code, w.Body.String())
		}
	}
	// Lesson 2 opens a week later (the course's rhythm): the course page
	// says on which day, and leads to lesson 1's homework meanwhile.
	if loc := w.Header().Get("Location"); loc != "/en/selfhelp?notice=saved" {
		t.Fatalf("after lesson 1: %s", loc)
	}
	doc = parse(t, e.do(http.MethodGet, "/en/selfhelp", nil).Body.Bytes())
	if a := find(doc, func(n *html.Node) bool { return attr(n, "id") == "resume" }); attr(a, "href") != base+"homework" || textOf(a) != "Your homework from lesson 1" {
		t.Errorf("between lessons the course page leads to %q (%q), want lesson 1's homework", attr(a, "href"), textOf(a))
	}
	if body := textOf(doc); !strings.Contains(body, "Lesson 2 opens on ") {
		t.Errorf("between lessons the course page does not say when lesson 2 opens:\n%s", body)
	}
	clock.Add(8 * 24 * time.Hour)
	body = e.do(http.MethodGet, "/en/selfhelp/lesson/activation/doing-and-mood?finished=1", nil).Body.String()
	for _, want := range []string{"Your homework from lesson 1", "A bit better in the mornings", "you finished lesson 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("lesson 2 start lacks %q", want)
		}
	}
	// The planner: a row without a day is an error on that row; a full
	// row is saved, and empty rows follow.
	act := "/en/selfhelp/lesson/activation/week-plan"
	e.do(http.MethodGet, act, nil)
	w = postStep(e, act, url.Values{"action": {"continue"}, "f-planner-rows": {"3"}, "f-planner-0-activity": {"Walk"}, "f-planner-1-day": {"2026-11-30"}})
	doc = checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
	for _, id := range []string{"f-planner-0-error", "f-planner-1-error"} {
		if find(doc, func(n *html.Node) bool { return attr(n, "id") == id }) == nil {
			t.Errorf("no row error %s", id)
		}
	}
	var links []string
	for _, a := range findAll(find(doc, func(n *html.Node) bool { return hasClass(n, "error-summary") }), func(n *html.Node) bool { return n.Data == "a" }) {
		links = append(links, attr(a, "href"))
	}
	if strings.Join(links, " ") != "#f-planner-0-day #f-planner-1-activity" {
		t.Errorf("planner error summary links %v", links)
	}
	w = postStep(e, act, url.Values{"action": {"continue"}, "f-planner-rows": {"3"}, "f-planner-0-activity": {"Walk in the park"},
		"f-planner-0-day": {"2026-11-30"}, "f-planner-0-time": {"10:00"}, "f-planner-0-done": {"1"}, "f-planner-0-mood": {"7"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/selfhelp/lesson/activation/confidence" {
		t.Fatalf("planner: %d → %s\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	body = e.do(http.MethodGet, act, nil).Body.String()
	for _, want := range []string{`value="Walk in the park"`, `value="2026-11-30"`, `value="10:00"`, `id="f-planner-0-done" name="f-planner-0-done" value="1" checked`, `<option value="7" selected>`, `id="f-planner-3-activity"`} {
		if !strings.Contains(body, want) {
			t.Errorf("planner page lacks %s", want)
		}
	}
	// A list: saved items come back, with empty inputs after them.
	lst := "/en/selfhelp/lesson/activation/pleasant-activities"
	postStep(e, lst, url.Values{"action": {"later"}, "f-my-activities": {"Call Sam", "", "Bake bread"}, "f-ideas": {"walk", "music"}})
	body = e.do(http.MethodGet, lst, nil).Body.String()
	for _, want := range []string{`id="f-my-activities-0" name="f-my-activities" value="Call Sam"`, `id="f-my-activities-1" name="f-my-activities" value="Bake bread"`, `id="f-my-activities-4"`, `value="music" checked`} {
		if !strings.Contains(body, want) {
			t.Errorf("list page lacks %s", want)
		}
	}
	// Autosave: the same handler answers 204.
	req := url.Values{"f-my-activities": {"Call Sam"}, csrfField: {e.jar[cookieCSRF]}}
	if w := e.do(http.MethodPost, lst, req, "X-Haven-Autosave", "1"); w.Code != http.StatusNoContent {
		t.Errorf("autosave: %d", w.Code)
	}
	// Without the CSRF token nothing is saved.
	if w := e.do(http.MethodPost, lst, url.Values{"action": {"continue"}}); w.Code != http.StatusForbidden {
		t.Errorf("no CSRF: %d", w.Code)
	}
}

func TestSelfhelpAnswersArePrivate(t *testing.T) {
	e := newAccountEnv(t)
	signUpClient(t, e, "eerste")
	base := "/en/selfhelp/lesson/understanding/"
	e.do(http.MethodGet, base+"starting-point", nil)
	postStep(e, base+"starting-point", url.Values{"action": {"later"}, "f-hopes": {"my secret hope"}})
	e.do(http.MethodPost, "/en/selfhelp/diary", url.Values{"day": {time.Now().UTC().Format(time.DateOnly)}, "mood": {"3"}, "note": {"private note"}, csrfField: {e.jar[cookieCSRF]}})

	other := &accountEnv{t: t, engine: e.engine, auth: e.auth, jar: map[string]string{}}
	signUpClient(t, other, "tweede")
	for _, p := range []string{base + "starting-point", "/en/selfhelp/diary", "/en/selfhelp/plan", "/en/selfhelp"} {
		if body := other.do(http.MethodGet, p, nil).Body.String(); strings.Contains(body, "my secret hope") || strings.Contains(body, "private note") {
			t.Errorf("%s shows another client's answers", p)
		}
	}
	// The first client's result of a questionnaire is not the second's: 404.
	e.do(http.MethodGet, "/en/selfhelp/questionnaire/start", nil)
	form := url.Values{csrfField: {e.jar[cookieCSRF]}}
	for i := 1; i <= 9; i++ {
		form.Set("phq9_"+string(rune('0'+i)), "1")
	}
	if w := e.do(http.MethodPost, "/en/selfhelp/questionnaire/start", form); w.Code != http.StatusSeeOther {
		t.Fatalf("questionnaire: %d\n%s", w.Code, w.Body.String())
	}
	if w := other.do(http.MethodGet, "/en/selfhelp/questionnaire/start/result", nil); w.Code != http.StatusNotFound {
		t.Errorf("another client's questionnaire result: %d, want 404", w.Code)
	}
}

func TestSelfhelpQuestionnaireCrisisFirst(t *testing.T) {
	e := newAccountEnv(t)
	signUpClient(t, e, "vragenlijst")
	w := e.do(http.MethodGet, "/en/selfhelp/questionnaire/start", nil)
	doc := checkSelfhelpPage(t, w, 200, "en", "Depression questionnaire (PHQ-9)")
	if hasClassAnywhere(doc, "profile") || !strings.Contains(w.Body.String(), `action="/en/selfhelp/questionnaire/start"`) {
		t.Error("the course questionnaire has the anonymous profile, or posts elsewhere")
	}
	form := url.Values{csrfField: {e.jar[cookieCSRF]}}
	w = e.do(http.MethodPost, "/en/selfhelp/questionnaire/start", form)
	checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
	for i, v := range []string{"2", "2", "2", "1", "1", "1", "1", "1", "2"} {
		form.Set("phq9_"+string(rune('1'+i)), v)
	}
	w = e.do(http.MethodPost, "/en/selfhelp/questionnaire/start", form)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("%d", w.Code)
	}
	w = e.do(http.MethodGet, w.Header().Get("Location"), nil)
	doc = checkSelfhelpPage(t, w, 200, "en", "Your questionnaire result")
	main := find(doc, func(n *html.Node) bool { return n.Data == "main" })
	first := main.FirstChild
	for first != nil && first.Type != html.ElementNode {
		first = first.NextSibling
	}
	if !hasClass(first, "panel--crisis") || !strings.Contains(w.Body.String(), "Your score: 13 out of 27") {
		t.Error("the result does not lead with crisis help")
	}
	// Taken: no longer due; the course page has the score in its trend.
	if w := e.do(http.MethodGet, "/en/selfhelp/questionnaire/start", nil); w.Code != http.StatusSeeOther {
		t.Errorf("taken questionnaire: %d", w.Code)
	}
	body := e.do(http.MethodGet, "/en/selfhelp", nil).Body.String()
	if !strings.Contains(body, "13 of 27") || !strings.Contains(body, "Before lesson 1") {
		t.Error("no trend on the course page")
	}
}

// TestSelfhelpQuestionnaireCourseAdvice: a start questionnaire with a crisis
// answer says, on its result and on the course page, that the course alone
// is not enough, with the GP (urgent) and guided help; a reliable rise
// between the start and the middle says so too, naming both scores.
func TestSelfhelpQuestionnaireCourseAdvice(t *testing.T) {
	answer := func(e *accountEnv, point string, values ...string) *html.Node {
		t.Helper()
		e.do(http.MethodGet, "/en/selfhelp/questionnaire/"+point, nil)
		form := url.Values{csrfField: {e.jar[cookieCSRF]}}
		for i, v := range values {
			form.Set("phq9_"+string(rune('1'+i)), v)
		}
		w := e.do(http.MethodPost, "/en/selfhelp/questionnaire/"+point, form)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", point, w.Code, w.Body.String())
		}
		return checkSelfhelpPage(t, e.do(http.MethodGet, w.Header().Get("Location"), nil), 200, "en", "Your questionnaire result")
	}
	advice := func(doc *html.Node) (titles []string, steps []string) {
		panel := find(doc, func(n *html.Node) bool { return hasClass(n, "panel--advice") })
		if panel == nil {
			return nil, nil
		}
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			if n.Data == "h2" {
				titles = append(titles, textOf(n))
			}
			if n.Type == html.ElementNode && hasClass(n, "card") {
				title := textOf(find(n, func(m *html.Node) bool { return hasClass(m, "card__title") }))
				if hasClass(n, "card--urgent") {
					title = "!" + title
				}
				steps = append(steps, strings.TrimSpace(title))
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(panel)
		return titles, steps
	}

	e := newAccountEnv(t)
	signUpClient(t, e, "advies")
	doc := answer(e, "start", "0", "1", "0", "1", "0", "0", "0", "0", "1") // 3, with a crisis answer
	titles, steps := advice(doc)
	if strings.Join(titles, "|") != "This course alone is not enough right now" ||
		strings.Join(steps, "|") != "!See your GP soon: call today|Ask about guided online help" {
		t.Errorf("result advice %q %q", titles, steps)
	}
	if countText(doc, "See your GP soon: call today") != 1 {
		t.Error("the GP step is listed twice on the result page")
	}
	titles, steps = advice(checkSelfhelpPage(t, e.do(http.MethodGet, "/en/selfhelp", nil), 200, "en", ""))
	if len(titles) != 1 || len(steps) != 2 {
		t.Errorf("the course page lacks the advice: %q %q", titles, steps)
	}

	// A mild start, then the middle 6 points higher.
	clock := wiretest.NewClock(time.Now())
	e = newAccountEnv(t, wiretest.WithClock(clock.Now))
	signUpClient(t, e, "erger")
	if titles, _ := advice(answer(e, "start", "1", "1", "1", "1", "0", "0", "0", "0", "0")); titles != nil {
		t.Errorf("a start of 4 has advice: %q", titles)
	}
	tok := e.jar[cookieAccess]
	who, err := e.auth.Sessions.Authenticate(t.Context(), tok, "test")
	if err != nil {
		t.Fatal(err)
	}
	p := e.site.programme()
	for _, l := range p.Lessons[:4] { // the middle questionnaire comes after lesson 4
		clock.Add(7 * 24 * time.Hour)             // the course's rhythm: a lesson a week,
		e.do(http.MethodGet, "/en/selfhelp", nil) // visited weekly, so the session stays
		if _, err := e.site.Selfhelp.OpenLesson(t.Context(), who.UserID, p.ID, l.ID); err != nil {
			t.Fatal(err)
		}
		for _, st := range l.Steps {
			if _, err := e.site.Selfhelp.SaveStep(t.Context(), who.UserID, p.ID, l.ID, st.ID, nil, true); err != nil {
				t.Fatalf("%s/%s: %v", l.ID, st.ID, err)
			}
		}
	}
	doc = answer(e, "middle", "2", "2", "2", "2", "1", "1", "0", "0", "0") // 10
	titles, steps = advice(doc)
	if strings.Join(titles, "|") != "Your complaints have clearly increased" || strings.Join(steps, "|") != "See your GP|Ask about guided online help" {
		t.Errorf("worsening advice %q %q", titles, steps)
	}
	if !strings.Contains(textOf(find(doc, func(n *html.Node) bool { return hasClass(n, "panel--advice") })), "Before lesson 1: score 4. After lesson 4: score 10.") {
		t.Error("the advice does not name the two scores")
	}
}

// countText counts the text nodes of doc equal to s (trimmed).
func countText(doc *html.Node, s string) int {
	n := 0
	var walk func(*html.Node)
	walk = func(x *html.Node) {
		if x.Type == html.TextNode && strings.TrimSpace(x.Data) == s {
			n++
		}
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return n
}

func TestSelfhelpDiaryChartAndTable(t *testing.T) {
	e := newAccountEnv(t)
	signUpClient(t, e, "dagboek")
	e.do(http.MethodGet, "/en/selfhelp/diary", nil)
	today := time.Now().UTC()
	for i, mood := range []string{"3", "5", "7"} {
		day := today.AddDate(0, 0, -2*i).Format(time.DateOnly)
		w := e.do(http.MethodPost, "/en/selfhelp/diary", url.Values{"day": {day}, "mood": {mood}, "note": {"note " + mood},
			"activity": {"walk", ""}, csrfField: {e.jar[cookieCSRF]}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", w.Code, w.Body.String())
		}
	}
	w := e.do(http.MethodPost, "/en/selfhelp/diary", url.Values{"day": {today.Format(time.DateOnly)}, "note": {"kept"}, csrfField: {e.jar[cookieCSRF]}})
	doc := checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
	if find(doc, func(n *html.Node) bool { return attr(n, "id") == "mood-error" }) == nil || !strings.Contains(w.Body.String(), ">kept</textarea>") {
		t.Error("missing mood: no error, or the note was lost")
	}
	doc = checkSelfhelpPage(t, e.do(http.MethodGet, "/en/selfhelp/diary", nil), 200, "en", "Mood diary")
	svg := find(doc, func(n *html.Node) bool { return n.Data == "svg" })
	if svg == nil || attr(svg, "role") != "img" || attr(svg, "aria-labelledby") != "chart-title chart-desc" {
		t.Fatal("no accessible SVG chart")
	}
	if find(svg, func(n *html.Node) bool { return n.Data == "title" }) == nil || !strings.Contains(textOf(find(svg, func(n *html.Node) bool { return n.Data == "desc" })), "3 days") {
		t.Error("the chart has no title or description")
	}
	if n := len(findAll(svg, func(n *html.Node) bool { return n.Data == "circle" })); n != 3 {
		t.Errorf("%d points, want 3", n)
	}
	table := find(doc, func(n *html.Node) bool { return hasClass(n, "diary-table") })
	rows := findAll(table, func(n *html.Node) bool { return n.Data == "tr" })
	if len(rows) != 4 || !strings.Contains(textOf(rows[1]), "3") || !strings.Contains(textOf(rows[3]), "7") {
		t.Errorf("table rows: %d", len(rows))
	}
	// Edit, then delete, a day.
	day := today.Format(time.DateOnly)
	body := e.do(http.MethodGet, "/en/selfhelp/diary?day="+day, nil).Body.String()
	if !strings.Contains(body, `value="3" checked`) || !strings.Contains(body, ">note 3</textarea>") {
		t.Error("the edit form is not filled in")
	}
	w = e.do(http.MethodPost, "/en/selfhelp/diary/delete", url.Values{"day": {day}, "confirm": {"yes"}, csrfField: {e.jar[cookieCSRF]}}) // the second step
	if w.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", w.Code)
	}
	if body := e.do(http.MethodGet, "/en/selfhelp/diary", nil).Body.String(); strings.Contains(body, "note 3") {
		t.Error("deleted entry still listed")
	}
}

func TestSelfhelpPlanAndReminder(t *testing.T) {
	e := newAccountEnvWith(t, func(d *Deps) { d.MailConfigured = true }) // the reminder is offered only then
	signUpClient(t, e, "planner")
	e.do(http.MethodGet, "/nl/selfhelp/lesson/understanding/welcome", nil)
	w := e.do(http.MethodGet, "/nl/selfhelp/plan.txt", nil)
	if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Disposition"), `attachment; filename="mijn-plan.txt"`) ||
		!strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") || !strings.Contains(w.Body.String(), "Mijn plan") {
		t.Errorf("plan download: %d %v", w.Code, w.Header())
	}
	// The plan closes with the crisis lines, in the reader's language.
	for l, want := range map[string][]string{
		"nl": {"Hulp nodig? Bel of chat meteen, dag en nacht", "In direct gevaar? Bel 112", "België", "Zelfmoordlijn 1813: 1813", "Bel gratis 1813", "113 Zelfmoordpreventie: 113, 0800-0113", "Voor kinderen en jongeren:", "Awel: 102"},
		"en": {"Need help now? Call or chat straight away, day and night", "In immediate danger? Call 112", "Belgium", "Zelfmoordlijn 1813: 1813", "Call 1813 for free", "Call 113 or 0800-0113 for free", "For children and young people:", "De Kindertelefoon: 0800-0432"},
	} {
		body := e.do(http.MethodGet, "/"+l+"/selfhelp/plan.txt", nil).Body.String()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s plan lacks %q:\n%s", l, w, body)
			}
		}
	}
	w = e.do(http.MethodPost, "/en/selfhelp/reminder", url.Values{"email": {"not-an-address"}, csrfField: {e.jar[cookieCSRF]}})
	doc := checkSelfhelpPage(t, w, http.StatusUnprocessableEntity, "en", "")
	if find(doc, func(n *html.Node) bool { return attr(n, "id") == "email-error" }) == nil {
		t.Error("no error beside the e-mail field")
	}
	w = e.do(http.MethodPost, "/en/selfhelp/reminder", url.Values{"email": {"me@example.com"}, csrfField: {e.jar[cookieCSRF]}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("reminder: %d", w.Code)
	}
	body := e.do(http.MethodGet, "/en/selfhelp", nil).Body.String()
	if !strings.Contains(body, "Remove my e-mail address") || strings.Contains(body, "me@example.com") {
		t.Error("reminder not shown as set (or the address is shown)")
	}
	// The e-mail will be in the language of the page the client opted in on.
	who, err := e.auth.Sessions.Authenticate(t.Context(), e.jar[cookieAccess], "test")
	if err != nil {
		t.Fatal(err)
	}
	nudgeLang := func() string {
		pr, err := e.site.Selfhelp.Progress(t.Context(), who.UserID, e.site.programme().ID)
		if err != nil || pr.Enrolment.NudgeLanguage == nil {
			return ""
		}
		return *pr.Enrolment.NudgeLanguage
	}
	if got := nudgeLang(); got != "en" {
		t.Errorf("reminder language %q, want en", got)
	}
	if w := e.do(http.MethodPost, "/nl/selfhelp/reminder", url.Values{"email": {"me@example.com"}, csrfField: {e.jar[cookieCSRF]}}); w.Code != http.StatusSeeOther {
		t.Fatalf("Dutch reminder: %d", w.Code)
	}
	if got := nudgeLang(); got != "nl" {
		t.Errorf("reminder language %q, want nl", got)
	}
	e.do(http.MethodPost, "/en/selfhelp/reminder/remove", url.Values{csrfField: {e.jar[cookieCSRF]}})
	if body := e.do(http.MethodGet, "/en/selfhelp", nil).Body.String(); !strings.Contains(body, `id="email"`) {
		t.Error("reminder not removed")
	}
}

func TestSelfhelpWelcomeBackOnce(t *testing.T) {
	e := newAccountEnv(t)
	signUpClient(t, e, "terugkomer")
	e.do(http.MethodGet, "/en/selfhelp/lesson/understanding/welcome", nil)
	// A week and a day later the nudge job runs (no e-mail address).
	if _, err := e.site.Selfhelp.RunNudges(t.Context(), time.Now().Add(8*24*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if body := e.do(http.MethodGet, "/en/selfhelp", nil).Body.String(); !strings.Contains(body, "Welcome back") {
		t.Error("no welcome back after a lapse")
	}
	if body := e.do(http.MethodGet, "/en/selfhelp", nil).Body.String(); strings.Contains(body, "Welcome back") {
		t.Error("welcome back shown twice")
	}
}

// TestSelfhelpSafetySignalShowsCrisisHelp: ticking "thoughts of death or
// suicide" among lesson 1's complaints shows crisis help at once, before
// the next step (an autosave names the help page for the script to open),
// then leads on to where the client was going; the same answer saved again
// goes straight on.
func TestSelfhelpSafetySignalShowsCrisisHelp(t *testing.T) {
	e := newAccountEnv(t)
	signUpClient(t, e, "veiligheid")
	step := "/en/selfhelp/lesson/understanding/complaints"
	e.do(http.MethodGet, step, nil)
	form := func(extra ...string) url.Values {
		return url.Values{"f-recognised": append([]string{"tired"}, extra...), "action": {"continue"}}
	}
	// No signal: on to the next step.
	if w := postStep(e, step, form()); w.Header().Get("Location") != "/en/selfhelp/lesson/understanding/vicious-circle" {
		t.Fatalf("without a signal: %d → %s", w.Code, w.Header().Get("Location"))
	}
	w := postStep(e, step, form("death-thoughts"))
	help := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || help != step+"/help?next=%2Fselfhelp%2Flesson%2Funderstanding%2Fvicious-circle" {
		t.Fatalf("with the signal: %d → %s", w.Code, help)
	}
	doc := checkSelfhelpPage(t, e.do(http.MethodGet, help, nil), 200, "en", "Talk to someone now")
	panel := find(doc, func(n *html.Node) bool { return hasClass(n, "panel--crisis") })
	for _, tel := range []string{"tel:112", "tel:1813", "tel:113", "tel:08000113"} {
		if find(panel, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == tel }) == nil {
			t.Errorf("the crisis help lacks %s", tel)
		}
	}
	if got := resultSteps(doc); strings.Join(got, "|") != "!See your GP soon: call today" {
		t.Errorf("GP step %q", got)
	}
	if a := find(doc, func(n *html.Node) bool { return attr(n, "id") == "help-continue" }); attr(a, "href") != "/en/selfhelp/lesson/understanding/vicious-circle" {
		t.Errorf("continue leads to %q", attr(a, "href"))
	}
	// Saved: the same answer again goes straight on.
	if w := postStep(e, step, form("death-thoughts")); w.Header().Get("Location") != "/en/selfhelp/lesson/understanding/vicious-circle" {
		t.Errorf("the same answer again: → %s", w.Header().Get("Location"))
	}
	// Removed and ticked again with "Save and come back later": help, then the course page.
	postStep(e, step, url.Values{"f-recognised": {"tired"}, "action": {"later"}})
	w = postStep(e, step, url.Values{"f-recognised": {"death-thoughts"}, "action": {"later"}})
	if w.Header().Get("Location") != step+"/help?next=%2Fselfhelp%3Fnotice%3Dsaved" {
		t.Errorf("later with the signal: → %s", w.Header().Get("Location"))
	}
	// An autosave names the help page, which leads back to the exercise.
	postStep(e, step, url.Values{"f-recognised": {"tired"}, "action": {"later"}})
	w = e.do(http.MethodPost, step, url.Values{"f-recognised": {"death-thoughts"}, csrfField: {e.jar[cookieCSRF]}}, "X-Haven-Autosave", "1")
	if w.Code != http.StatusNoContent || w.Header().Get("X-Haven-Crisis-Help") != step+"/help?next=%2Fselfhelp%2Flesson%2Funderstanding%2Fcomplaints" {
		t.Errorf("autosave: %d %q", w.Code, w.Header().Get("X-Haven-Crisis-Help"))
	}
	if w := e.do(http.MethodPost, step, url.Values{"f-recognised": {"death-thoughts", "tired"}, csrfField: {e.jar[cookieCSRF]}}, "X-Haven-Autosave", "1"); w.Header().Get("X-Haven-Crisis-Help") != "" {
		t.Error("an autosave without a new signal names the help page")
	}
	// A forged next leads to the course page, never elsewhere.
	for _, next := range []string{"https://evil.example", "//evil.example", "/account/delete", "/selfhelp?next=//x"} {
		doc := parse(t, e.do(http.MethodGet, step+"/help?next="+url.QueryEscape(next), nil).Body.Bytes())
		if a := find(doc, func(n *html.Node) bool { return attr(n, "id") == "help-continue" }); attr(a, "href") != "/en/selfhelp" {
			t.Errorf("next %q: continue leads to %q", next, attr(a, "href"))
		}
	}
	if w := e.do(http.MethodGet, "/en/selfhelp/lesson/understanding/nope/help", nil); w.Code != http.StatusNotFound {
		t.Errorf("help for an unknown step: %d", w.Code)
	}
	// The page's script opens the help page from an autosave.
	if js := string(e.site.assets.byLogical["app.js"].body); !strings.Contains(js, "X-Haven-Crisis-Help") {
		t.Error("app.js does not follow the crisis help header")
	}
}
