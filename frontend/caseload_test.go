package frontend

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// caseEnv is the site with a coordinator, two clinicians and clients in
// guided trajectories, set up through the domain services.
type caseEnv struct {
	*accountEnv
	coordinator, alice, bob auth.Principal
	// Tokens sign each staff member in (the access cookie).
	coordinatorToken, aliceToken, bobToken string
}

func newCaseEnv(t *testing.T) *caseEnv {
	t.Helper()
	e := &caseEnv{accountEnv: newAccountEnv(t)}
	e.site.Log = slog.New(slog.NewTextHandler(testWriter{t}, nil)) // a failing page says why
	e.coordinatorToken = staffSession(t, e.auth, auth.RoleCoordinator, "case-coordinator")
	e.aliceToken = staffSession(t, e.auth, auth.RoleClinician, "case-alice")
	e.bobToken = staffSession(t, e.auth, auth.RoleClinician, "case-bob")
	e.coordinator = sessionPrincipal(t, e.auth, e.coordinatorToken)
	e.alice = sessionPrincipal(t, e.auth, e.aliceToken)
	e.bob = sessionPrincipal(t, e.auth, e.bobToken)
	return e
}

// testWriter writes the site's log into the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// phq9 answers the PHQ-9 with values (item 9 last).
func phq9(values ...int) []selftest.Answer {
	out := make([]selftest.Answer, len(values))
	for i, v := range values {
		out[i] = selftest.Answer{Item: fmt.Sprintf("phq9_%d", i+1), Value: v}
	}
	return out
}

// client signs up a client who applies with the PHQ-9 answers given; with
// clinician set, the coordinator assigns them and the client agrees.
func (e *caseEnv) client(t *testing.T, nick string, answers []selftest.Answer, clinician *auth.Principal) (auth.Principal, *coaching.Trajectory) {
	t.Helper()
	p, tr, _ := e.clientSession(t, nick, answers, clinician)
	return p, tr
}

// clientSession is client, also returning the client's access token (for
// e.as, to see the client's pages).
func (e *caseEnv) clientSession(t *testing.T, nick string, answers []selftest.Answer, clinician *auth.Principal) (auth.Principal, *coaching.Trajectory, string) {
	t.Helper()
	ctx := context.Background()
	res, err := e.auth.Sessions.SignUp(ctx, matrixMeta, nick, matrixPassword)
	if err != nil {
		t.Fatal(err)
	}
	token := res.Session.AccessToken
	p := sessionPrincipal(t, e.auth, token)
	tr, _, err := e.site.Coaching.Apply(ctx, p, coaching.Application{Language: "en", PHQ9: answers,
		Hopes: "Sleep better\nand go back to work", Reachable: "Weekday evenings", CareElsewhere: []string{coaching.CareGP}})
	if err != nil {
		t.Fatal(err)
	}
	if clinician == nil {
		return p, tr, token
	}
	if _, err := e.site.Coaching.Assign(ctx, e.coordinator, tr.ID, clinician.UserID); err != nil {
		t.Fatal(err)
	}
	if tr, err = e.site.Coaching.Consent(ctx, p, tr.ID); err != nil {
		t.Fatal(err)
	}
	return p, tr, token
}

// as makes the next requests as the staff member with token.
func (e *caseEnv) as(token string) {
	e.jar = map[string]string{cookieAccess: token}
}

// submit posts a form of the page at page (fetched first, for the CSRF
// cookie) to target.
func (e *caseEnv) submit(page, target string, form url.Values) (int, string, string) {
	e.t.Helper()
	w := e.post(page, target, form)
	return w.Code, w.Header().Get("Location"), w.Body.String()
}

func TestCaseloadPagesInBothLanguages(t *testing.T) {
	e := newCaseEnv(t)
	_, crisis := e.client(t, "case-crisis", phq9(2, 2, 2, 1, 1, 2, 1, 1, 1), &e.alice)
	_, calm := e.client(t, "case-calm", phq9(1, 1, 1, 1, 1, 1, 1, 1, 0), &e.alice)
	_, _ = e.client(t, "case-waiting", phq9(3, 3, 3, 3, 3, 3, 3, 3, 0), nil)
	lesson := e.site.programme().Lessons[0].ID
	for _, l := range []string{"nl", "en"} {
		e.as(e.aliceToken)
		pages := []struct{ path, title string }{
			{"/caseload", "caseload.title"},
			{"/caseload/" + crisis.ID, ""},
			{"/caseload/" + crisis.ID + "/messages", ""},
			{"/caseload/" + crisis.ID + "/lessons", ""},
			{"/caseload/" + crisis.ID + "/lessons/" + lesson, ""},
			{"/caseload/" + crisis.ID + "/diary", ""},
			{"/caseload/" + crisis.ID + "/contacts", ""},
			{"/caseload/" + crisis.ID + "/end", ""},
			{"/caseload/" + calm.ID, ""},
		}
		for _, pg := range pages {
			w := e.do(http.MethodGet, "/"+l+pg.path, nil)
			title := ""
			if pg.title != "" {
				title, _ = e.site.msgs.translate(l, pg.title)
			}
			doc := checkSelfhelpPage(t, w, http.StatusOK, l, title)
			h1 := textOf(find(doc, func(n *html.Node) bool { return n.Data == "h1" }))
			if pg.path != "/caseload" && !strings.Contains(h1, "case-crisis") && !strings.Contains(h1, "case-calm") {
				t.Errorf("/%s%s: the heading %q does not name the client", l, pg.path, h1)
			}
		}
		e.as(e.coordinatorToken)
		title, _ := e.site.msgs.translate(l, "coordination.title")
		checkSelfhelpPage(t, e.do(http.MethodGet, "/"+l+"/coordination", nil), http.StatusOK, l, title)
	}
}

// mustT is message id as a page shows it (HTML-escaped).
func (e *caseEnv) mustT(l, id string, args ...any) string {
	s, ok := e.site.msgs.translate(l, id, args...)
	if !ok {
		e.t.Fatalf("no message %s", id)
	}
	return template.HTMLEscapeString(s)
}

// get fetches a page a redirect named (a browser drops the fragment).
func (e *caseEnv) get(target string) string {
	e.t.Helper()
	target, _, _ = strings.Cut(target, "#")
	return e.do(http.MethodGet, target, nil).Body.String()
}

// hidden returns the value of the first hidden input name in body.
func hidden(body, name string) string { return hiddenValue(body, name) }

// TestCaseloadOtherCliniciansClient: a clinician who opens (or posts to)
// another clinician's client gets the not-found page, never a hint that
// the record exists, and each attempt is in the audit log as denied.
func TestCaseloadOtherCliniciansClient(t *testing.T) {
	e := newCaseEnv(t)
	client, tr := e.client(t, "case-theirs", phq9(2, 2, 2, 1, 1, 2, 1, 1, 0), &e.alice)
	e.as(e.bobToken)
	base := "/en/caseload/" + tr.ID
	for _, p := range []string{"", "/messages", "/lessons", "/lessons/" + e.site.programme().Lessons[0].ID, "/diary", "/contacts", "/end"} {
		w := e.do(http.MethodGet, base+p, nil)
		if w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "case-theirs") {
			t.Errorf("GET %s as another clinician: %d (or the client is named)", p, w.Code)
		}
	}
	if code, _, _ := e.submit("/en/caseload", base+"/messages", url.Values{"body": {"hello"}, "key": {"k1"}}); code != http.StatusNotFound {
		t.Errorf("POST messages as another clinician: %d", code)
	}
	if code, _, _ := e.submit("/en/caseload", base+"/close", url.Values{"outcome": {"completed"}}); code != http.StatusNotFound {
		t.Errorf("POST close as another clinician: %d", code)
	}
	entries, err := e.site.Audit.Find(context.Background(), audit.Filter{ActorID: e.bob.UserID, SubjectID: client.UserID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, en := range entries {
		if en.Outcome == audit.OutcomeDenied && en.Action == audit.ActionClientRead {
			denied++
		}
		if en.Outcome == audit.OutcomeSuccess {
			t.Errorf("another clinician's attempt audited as a success: %+v", en)
		}
	}
	if denied != 9 {
		t.Errorf("%d denied attempts audited, want 9 (7 pages, 2 posts)", denied)
	}
	// Their own dashboard does not list the client either; a malformed id
	// is not found too.
	if w := e.do(http.MethodGet, "/en/caseload", nil); strings.Contains(w.Body.String(), "case-theirs") {
		t.Error("another clinician's dashboard lists the client")
	}
	if w := e.do(http.MethodGet, "/en/caseload/not-a-uuid", nil); w.Code != http.StatusNotFound {
		t.Errorf("malformed id: %d", w.Code)
	}
	// The client's own clinician reads the record, and that read is audited.
	e.as(e.aliceToken)
	if w := e.do(http.MethodGet, base, nil); w.Code != http.StatusOK {
		t.Fatalf("own clinician: %d", w.Code)
	}
	entries, _ = e.site.Audit.Find(context.Background(), audit.Filter{ActorID: e.alice.UserID, SubjectID: client.UserID, Limit: 100})
	if len(entries) == 0 || entries[0].Object != "trajectory:"+tr.ID+":record" || entries[0].Outcome != audit.OutcomeSuccess {
		t.Errorf("the record's read is not audited: %+v", entries)
	}
}

// TestCaseloadAlertAcknowledged: the item-9 alert is at the top of the
// dashboard until acknowledged with a note; an empty note is a field
// error on the form.
func TestCaseloadAlertAcknowledged(t *testing.T) {
	e := newCaseEnv(t)
	_, _ = e.client(t, "case-aaa-calm", phq9(1, 1, 1, 1, 1, 1, 1, 1, 0), &e.alice)
	_, tr := e.client(t, "case-zzz-crisis", phq9(2, 2, 2, 1, 1, 2, 1, 1, 2), &e.alice)
	e.as(e.aliceToken)
	w := e.do(http.MethodGet, "/en/caseload", nil)
	body := w.Body.String()
	alerts, rows := strings.Index(body, `id="alerts"`), strings.Index(body, "<tbody>")
	if alerts < 0 || alerts > rows || strings.Index(body[rows:], "case-zzz-crisis") > strings.Index(body[rows:], "case-aaa-calm") {
		t.Fatalf("the alert is not at the top, or its client not first:\n%s", body)
	}
	i := strings.Index(body, `/alerts/`)
	action := body[strings.LastIndex(body[:i], `"`)+1 : i+len("/alerts/")+36]
	code, _, page := e.submit("/en/caseload", action, url.Values{"note": {"  "}, "back": {"dashboard"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "error-summary") || !strings.Contains(page, e.mustT("en", "caseload.error.note")) {
		t.Fatalf("empty note: %d\n%s", code, page)
	}
	code, loc, _ := e.submit("/en/caseload", action, url.Values{"note": {"Called her; safety plan agreed."}, "back": {"dashboard"}})
	if code != http.StatusSeeOther || loc != "/en/caseload?done=acknowledged" {
		t.Fatalf("acknowledge: %d → %s", code, loc)
	}
	body = e.get(loc)
	if strings.Contains(body, `id="alerts"`) || !strings.Contains(body, e.mustT("en", "caseload.done.acknowledged")) {
		t.Errorf("the alert is still shown, or no confirmation:\n%s", body)
	}
	// Twice is not found: it was acknowledged already.
	if code, _, _ := e.submit("/en/caseload", action, url.Values{"note": {"again"}}); code != http.StatusNotFound {
		t.Errorf("second acknowledgement: %d", code)
	}
	_ = tr
}

// TestCaseloadMessagesIdempotent: the send form carries a key the server
// made; posting it twice sends one message.
func TestCaseloadMessagesIdempotent(t *testing.T) {
	e := newCaseEnv(t)
	client, tr := e.client(t, "case-msg", phq9(2, 2, 2, 1, 1, 2, 1, 1, 0), &e.alice)
	if _, _, err := e.site.Coaching.Send(context.Background(), client, tr.ID, "Hello, I find it hard to start.", ""); err != nil {
		t.Fatal(err)
	}
	e.as(e.aliceToken)
	page := "/en/caseload/" + tr.ID + "/messages"
	dash := e.do(http.MethodGet, "/en/caseload", nil).Body.String()
	if !strings.Contains(dash, e.mustT("en", "caseload.unread", "N", 1)) {
		t.Errorf("the dashboard does not count the unread message")
	}
	w := e.do(http.MethodGet, page, nil)
	key := hidden(w.Body.String(), "key")
	if len(key) != 43 || !strings.Contains(w.Body.String(), "Hello, I find it hard to start.") {
		t.Fatalf("no key (%q) or no conversation:\n%s", key, w.Body.String())
	}
	code, _, body := e.submit(page, page, url.Values{"body": {""}, "key": {key}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, e.mustT("en", "caseload.error.body")) || hidden(body, "key") != key {
		t.Fatalf("empty message: %d, key kept %v\n%s", code, hidden(body, "key") == key, body)
	}
	form := url.Values{"body": {"Thank you for writing. Shall we start with lesson 1?"}, "key": {key}}
	code, loc1, _ := e.submit(page, page, form)
	code2, loc2, _ := e.submit(page, page, form) // a double click, a reload
	if code != http.StatusSeeOther || code2 != http.StatusSeeOther || loc1 != loc2 || !strings.HasPrefix(loc1, page+"?done=sent#message-") {
		t.Fatalf("send: %d → %s, retry %d → %s", code, loc1, code2, loc2)
	}
	ms, err := e.site.Coaching.Messages(context.Background(), client, tr.ID)
	if err != nil || len(ms) != 2 {
		t.Fatalf("%d messages (%v), want 2: the retry sent another", len(ms), err)
	}
	// The same key with another text is refused, never sent.
	form.Set("body", "Something else")
	if code, _, _ := e.submit(page, page, form); code != http.StatusConflict {
		t.Errorf("reused key with another text: %d", code)
	}
	body = e.get(loc1)
	if !strings.Contains(body, e.mustT("en", "caseload.done.sent")) || strings.Count(body, `class="message message--mine"`) != 1 {
		t.Errorf("the conversation after sending:\n%s", body)
	}
}

// TestCaseloadLessonsFeedbackContacts: choosing lessons and their order,
// feedback on lesson 1's feedback moment the client finished (due until
// given), logging a contact.
func TestCaseloadLessonsFeedbackContacts(t *testing.T) {
	e := newCaseEnv(t)
	client, tr := e.client(t, "case-work", phq9(2, 2, 2, 1, 1, 2, 1, 1, 0), &e.alice)
	p := e.site.programme()
	first, second, third := p.Lessons[0], p.Lessons[1], p.Lessons[2]
	moment := first.FeedbackMoment()
	completeSteps(t, e.site, client.UserID, first, first.StepIndex(moment.ID)+1)
	e.as(e.aliceToken)
	lessons := "/en/caseload/" + tr.ID + "/lessons"
	body := e.do(http.MethodGet, lessons, nil).Body.String()
	if !strings.Contains(body, e.mustT("en", "caseload.lessons.due")) {
		t.Errorf("feedback on the finished feedback moment is not shown as due:\n%s", body)
	}
	code, loc, _ := e.submit(lessons, lessons, url.Values{"order-" + third.ID: {"1"}, "order-" + second.ID: {"2"}, "order-" + first.ID: {""}})
	if code != http.StatusSeeOther || loc != lessons+"?done=lessons" {
		t.Fatalf("assign lessons: %d → %s", code, loc)
	}
	g, err := e.site.Coaching.CourseGuidance(context.Background(), client.UserID, p.ID)
	if err != nil || !g.Running || strings.Join(g.Assigned, ",") != third.ID+","+second.ID {
		t.Errorf("assigned %v (running %v, %v), want %s then %s", g.Assigned, g.Running, err, third.ID, second.ID)
	}
	// Feedback on the lesson, from its page.
	lesson := lessons + "/" + first.ID
	body = e.do(http.MethodGet, lesson, nil).Body.String()
	if !strings.Contains(body, e.mustT("en", "caseload.lesson.answers")) || !strings.Contains(body, e.mustT("en", "caseload.lesson.moment")) {
		t.Fatalf("the lesson page (its answers, the feedback moment marked):\n%s", body)
	}
	code, _, body = e.submit(lesson, lesson+"/feedback", url.Values{"body": {" "}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("empty feedback: %d", code)
	}
	code, loc, _ = e.submit(lesson, lesson+"/feedback", url.Values{"body": {"Well done: you noticed what drains you."}})
	if code != http.StatusSeeOther || loc != lesson+"?done=feedback#feedback" {
		t.Fatalf("feedback: %d → %s", code, loc)
	}
	body = e.do(http.MethodGet, lessons, nil).Body.String()
	if strings.Contains(body, e.mustT("en", "caseload.lessons.due")) || !strings.Contains(body, e.mustT("en", "caseload.lessons.given")) {
		t.Errorf("after feedback the lesson is still due, or not marked given:\n%s", body)
	}
	if code, _, _ := e.submit(lesson, lessons+"/no-such-lesson/feedback", url.Values{"body": {"x"}}); code != http.StatusNotFound {
		t.Errorf("feedback on an unknown lesson: %d", code)
	}
	// Contacts: what is wrong is named, field by field; then it is logged.
	contacts := "/en/caseload/" + tr.ID + "/contacts"
	code, _, body = e.submit(contacts, contacts, url.Values{"mode": {"telepathy"}, "date": {"yesterday"}, "minutes": {"0"}})
	for _, id := range []string{"caseload.error.mode", "caseload.error.occurred_at", "caseload.error.minutes"} {
		if !strings.Contains(body, e.mustT("en", id)) {
			t.Errorf("bad contact: no %s (%d)", id, code)
		}
	}
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#date"`) {
		t.Errorf("bad contact: %d, error summary links", code)
	}
	code, loc, _ = e.submit(contacts, contacts, url.Values{"mode": {"video"}, "date": {"2026-01-05"}, "time": {"14:30"}, "minutes": {"45"}, "note": {"First session; goals agreed."}})
	if code != http.StatusSeeOther || loc != contacts+"?done=contact" {
		t.Fatalf("log contact: %d → %s", code, loc)
	}
	// Today without a time is today, never "in the future".
	today := time.Now().In(e.site.Coaching.Config().Location).Format(time.DateOnly)
	if code, _, body := e.submit(contacts, contacts, url.Values{"mode": {"phone"}, "date": {today}, "minutes": {"10"}}); code != http.StatusSeeOther {
		t.Errorf("a contact today without a time: %d\n%s", code, body)
	}
	body = e.get(loc)
	if !strings.Contains(body, "First session; goals agreed.") || !strings.Contains(body, "5 January 2026, 14:30") || !strings.Contains(body, e.mustT("en", "caseload.mode.video")) {
		t.Errorf("the contact is not listed:\n%s", body)
	}
}

// completeSteps completes the first n steps of a lesson.
func completeSteps(t *testing.T, s *Site, userID string, l *modules.Lesson, n int) {
	t.Helper()
	ctx := context.Background()
	p := s.programme()
	if _, err := s.Selfhelp.Start(ctx, userID, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Selfhelp.OpenLesson(ctx, userID, p.ID, l.ID); err != nil {
		t.Fatal(err)
	}
	for _, st := range l.Steps[:n] {
		vals := modules.Values{}
		for _, f := range st.Fields {
			if f.Required {
				vals[f.ID] = requiredAnswer(f)
			}
		}
		if _, err := s.Selfhelp.SaveStep(ctx, userID, p.ID, l.ID, st.ID, vals, true); err != nil {
			t.Fatalf("step %s: %v", st.ID, err)
		}
	}
}

// requiredAnswer is a valid answer to a required field.
func requiredAnswer(f *modules.Field) []byte {
	switch f.Type {
	case modules.FieldScale:
		return []byte("5")
	case modules.FieldSingle:
		return []byte(`"` + f.Options[0].ID + `"`)
	case modules.FieldMultiple, modules.FieldChecklist:
		return []byte(`["` + f.Options[0].ID + `"]`)
	case modules.FieldList:
		return []byte(`["a walk"]`)
	case modules.FieldPlanner:
		return []byte(`[{"activity":"a walk","day":"2026-01-05"}]`)
	}
	return []byte(`"an answer"`)
}

// TestCaseloadExtendAndClose: one extension with a reason, then the end:
// completed for one client, dropped out with a reason for another; what is
// wrong is named on the form.
func TestCaseloadExtendAndClose(t *testing.T) {
	e := newCaseEnv(t)
	_, done := e.client(t, "case-done", phq9(2, 2, 2, 1, 1, 2, 1, 1, 0), &e.alice)
	_, gone := e.client(t, "case-gone", phq9(2, 2, 2, 1, 1, 2, 1, 1, 0), &e.alice)
	e.as(e.aliceToken)
	end := "/en/caseload/" + done.ID + "/end"
	body := e.do(http.MethodGet, end, nil).Body.String()
	until := hiddenAttr(body, "until", "max")
	if until == "" || !strings.Contains(body, e.mustT("en", "caseload.end.keeps_title")) {
		t.Fatalf("end page:\n%s", body)
	}
	code, _, body := e.submit(end, "/en/caseload/"+done.ID+"/extend", url.Values{"until": {"2020-01-01"}, "reason": {""}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, e.mustT("en", "caseload.error.extend_reason")) {
		t.Errorf("bad extension: %d\n%s", code, body)
	}
	code, loc, _ := e.submit(end, "/en/caseload/"+done.ID+"/extend", url.Values{"until": {until}, "reason": {"Needs time for relapse prevention."}})
	if code != http.StatusSeeOther || loc != end+"?done=extended" {
		t.Fatalf("extend: %d → %s", code, loc)
	}
	body = e.get(loc)
	if !strings.Contains(body, "Needs time for relapse prevention.") || strings.Contains(body, `name="until"`) {
		t.Errorf("after extending: the reason is not shown, or the form is offered again")
	}
	if code, _, _ := e.submit(end, "/en/caseload/"+done.ID+"/extend", url.Values{"until": {until}, "reason": {"again"}}); code != http.StatusConflict {
		t.Errorf("a second extension: %d", code)
	}
	// Ending: no choice is a field error.
	code, _, body = e.submit(end, "/en/caseload/"+done.ID+"/close", url.Values{"note": {"x"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#outcome-completed"`) {
		t.Errorf("close without outcome: %d\n%s", code, body)
	}
	code, loc, _ = e.submit(end, "/en/caseload/"+done.ID+"/close", url.Values{"outcome": {"completed"}, "note": {"Goals reached."}})
	if code != http.StatusSeeOther || loc != "/en/caseload/"+done.ID+"?done=closed" {
		t.Fatalf("close completed: %d → %s", code, loc)
	}
	body = e.get(loc)
	for _, want := range []string{e.mustT("en", "caseload.state.completed"), "Goals reached.", e.mustT("en", "caseload.record.progress_ended")} {
		if !strings.Contains(body, want) {
			t.Errorf("the closed record lacks %q", want)
		}
	}
	goneEnd := "/en/caseload/" + gone.ID + "/end"
	code, loc, _ = e.submit(goneEnd, "/en/caseload/"+gone.ID+"/close", url.Values{"outcome": {"not_suitable"}, "note": {"Prefers face-to-face care."}})
	if code != http.StatusSeeOther {
		t.Fatalf("close dropped out: %d", code)
	}
	r, err := e.site.Coaching.Record(context.Background(), e.alice, gone.ID)
	if err != nil || r.Trajectory.State != coaching.StateDroppedOut || r.Trajectory.EndReason == nil || *r.Trajectory.EndReason != coaching.ReasonNotSuitable ||
		*r.Trajectory.EndedBy != coaching.EndedByClinician || r.EndNote != "Prefers face-to-face care." {
		t.Errorf("dropped out record: %+v, %v", r, err)
	}
	body = e.get(loc)
	if !strings.Contains(body, e.mustT("en", "caseload.reason.not_suitable")) {
		t.Error("the record does not name the reason")
	}
	// A referral ends as referred; ending twice is a conflict page.
	if code, _, body := e.submit(goneEnd, "/en/caseload/"+gone.ID+"/close", url.Values{"outcome": {"completed"}}); code != http.StatusConflict ||
		!strings.Contains(body, e.mustT("en", "caseload.conflict.title")) {
		t.Errorf("closing an ended trajectory: %d", code)
	}
	// The dashboard lists neither any more.
	if body := e.do(http.MethodGet, "/en/caseload", nil).Body.String(); strings.Contains(body, "case-done") || strings.Contains(body, "case-gone") {
		t.Error("ended trajectories still on the dashboard")
	}
}

// hiddenAttr returns attribute attr of the input with id.
func hiddenAttr(body, id, attr string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	tag := body[i:]
	tag = tag[:strings.Index(tag, ">")]
	marker := attr + `="`
	j := strings.Index(tag, marker)
	if j < 0 {
		return ""
	}
	rest := tag[j+len(marker):]
	return rest[:strings.Index(rest, `"`)]
}

// TestCaseloadFormsNeedCSRF: the staff forms refuse a post without the
// token, like every form.
func TestCaseloadFormsNeedCSRF(t *testing.T) {
	e := newCaseEnv(t)
	_, tr := e.client(t, "case-csrf", phq9(2, 2, 2, 1, 1, 2, 1, 1, 0), &e.alice)
	e.as(e.aliceToken)
	for _, p := range []string{"/messages", "/contacts", "/close", "/extend", "/lessons"} {
		w := e.do(http.MethodPost, "/en/caseload/"+tr.ID+p, url.Values{"body": {"x"}, "outcome": {"completed"}})
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), e.mustT("en", "account.csrf.title")) {
			t.Errorf("POST %s without CSRF: %d", p, w.Code)
		}
	}
	e.as(e.coordinatorToken)
	if w := e.do(http.MethodPost, "/en/coordination/applications/"+tr.ID+"/assign", url.Values{"how": {"auto"}}); w.Code != http.StatusForbidden {
		t.Errorf("assign without CSRF: %d", w.Code)
	}
	if r, _ := e.site.Coaching.Record(context.Background(), e.alice, tr.ID); r.Trajectory.State != coaching.StateActive {
		t.Error("a post without CSRF changed the trajectory")
	}
}

// TestCaseloadIntakeAlertBeforeTheClientAgrees: an application's crisis
// answer is the assigned clinician's to act on at once, before the client
// agreed (they read the intake then; coordinators no longer may once a
// clinician is assigned).
func TestCaseloadIntakeAlertBeforeTheClientAgrees(t *testing.T) {
	e := newCaseEnv(t)
	_, tr := e.client(t, "case-new", phq9(2, 2, 2, 1, 1, 2, 1, 1, 3), nil)
	if _, err := e.site.Coaching.Assign(context.Background(), e.coordinator, tr.ID, e.alice.UserID); err != nil {
		t.Fatal(err)
	}
	e.as(e.aliceToken)
	rec := "/en/caseload/" + tr.ID
	body := e.get(rec)
	i := strings.Index(body, "/alerts/")
	if i < 0 || !strings.Contains(body, e.mustT("en", "caseload.record.not_agreed")) {
		t.Fatalf("the waiting client's record shows no alert:\n%s", body)
	}
	action := body[strings.LastIndex(body[:i], `"`)+1 : i+len("/alerts/")+36]
	code, loc, _ := e.submit(rec, action, url.Values{"note": {"Called; she is safe and has an appointment with her GP."}, "back": {"record"}})
	if code != http.StatusSeeOther || loc != rec+"?done=acknowledged" {
		t.Fatalf("acknowledge before consent: %d → %s", code, loc)
	}
	if strings.Contains(e.get(loc), "/alerts/") {
		t.Error("the alert is still open")
	}
}

// TestEndReasonLabelsMatchTheDomain: the clinician's pages label every
// reason of the taxonomy as the API does (coaching's labels), in both
// languages.
func TestEndReasonLabelsMatchTheDomain(t *testing.T) {
	msgs, err := loadCatalogues(embedded)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"nl", "en"} {
		for _, r := range coaching.EndReasons {
			got, ok := msgs.translate(l, "caseload.reason."+string(r))
			if !ok || got != r.Label(l) {
				t.Errorf("%s caseload.reason.%s = %q, the API says %q", l, r, got, r.Label(l))
			}
		}
	}
}
