package e2e

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// Guided care in the browser, from the staff's side: a clinician's
// dashboard with a client's item-9 alert at the top, acknowledged with a
// note; a message, feedback on a lesson and a contact; one trajectory
// closed as completed and another as dropped out with a reason; and the
// coordinator's waiting list with a crisis-flagged application. Every
// page is audited with axe at both widths in both languages, with
// screenshots. The clients, their applications and their work are set up
// through the domain services, on the server's own database.

// guidedCare is the domain services on the server's database.
type guidedCare struct {
	svcs *wire.Services
}

func openGuidedCare(t *testing.T) *guidedCare {
	t.Helper()
	ctx := context.Background()
	database, err := db.Open(ctx, db.Config{DataDir: havenDataDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := database.DB.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	// The server's generated keys (next to its database) seal and audit;
	// cheap password hashing is fine for accounts made here.
	svcs, err := wire.New(ctx, wire.Config{DataDir: havenDataDir, Argon2: wiretest.Config(t).Argon2}, database, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return &guidedCare{svcs: svcs}
}

var guidedMeta = auth.Meta{RequestID: "e2e-guided", Source: "192.0.2.40"}

const guidedPassword = "a long staff password 77"

// principal signs a fresh session in for the services' own calls.
func (g *guidedCare) principal(t *testing.T, se *auth.Session) auth.Principal {
	t.Helper()
	p, err := g.svcs.Auth.Sessions.Authenticate(context.Background(), se.AccessToken, "e2e-guided")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// coordinator creates a coordinator and returns their nickname and
// principal (for the services; the browser signs in with the password).
func (g *guidedCare) coordinator(t *testing.T) (string, auth.Principal) {
	t.Helper()
	nick := uniqueNick("coord")
	u, err := g.svcs.Auth.Staff.CreateAdmin(context.Background(), nick, guidedPassword)
	if err != nil {
		t.Fatal(err)
	}
	return nick, auth.Principal{UserID: u.ID, Role: auth.RoleCoordinator, RequestID: "e2e-guided"}
}

// clinician is invited by the coordinator and accepts with a display name
// and profession.
func (g *guidedCare) clinician(t *testing.T, coord auth.Principal, name string) (string, string) {
	t.Helper()
	ctx := context.Background()
	link, err := g.svcs.Auth.Staff.Invite(ctx, coord, auth.RoleClinician, 10)
	if err != nil {
		t.Fatal(err)
	}
	nick := uniqueNick("clin")
	u, err := g.svcs.Auth.Staff.AcceptInvitation(ctx, guidedMeta, link.Token, nick, guidedPassword, auth.StaffProfile{DisplayName: name, Profession: "psychologist"})
	if err != nil {
		t.Fatal(err)
	}
	return nick, u.ID
}

// client signs up and applies with the PHQ-9 values; with clinicianID the
// coordinator assigns them and the client agrees.
func (g *guidedCare) client(t *testing.T, prefix string, values []int, coord auth.Principal, clinicianID string) (string, auth.Principal, *coaching.Trajectory) {
	t.Helper()
	ctx := context.Background()
	nick := uniqueNick(prefix)
	res, err := g.svcs.Auth.Sessions.SignUp(ctx, guidedMeta, nick, guidedPassword)
	if err != nil {
		t.Fatal(err)
	}
	p := g.principal(t, res.Session)
	var answers []selftest.Answer
	for i, v := range values {
		answers = append(answers, selftest.Answer{Item: fmt.Sprintf("phq9_%d", i+1), Value: v})
	}
	tr, _, err := g.svcs.Coaching.Apply(ctx, p, coaching.Application{Language: "en", PHQ9: answers,
		Hopes: "To sleep again and go back to work.", Reachable: "Evenings after six", CareElsewhere: []string{coaching.CareGP}})
	if err != nil {
		t.Fatal(err)
	}
	if clinicianID == "" {
		return nick, p, tr
	}
	if _, err := g.svcs.Coaching.Assign(ctx, coord, tr.ID, clinicianID); err != nil {
		t.Fatal(err)
	}
	if tr, err = g.svcs.Coaching.Consent(ctx, p, tr.ID); err != nil {
		t.Fatal(err)
	}
	return nick, p, tr
}

// completeFirstLesson works through the course's first lesson as the
// client, so feedback on it is due. In a running trajectory the client
// stops at its feedback moment (they wait there for the clinician's
// feedback, which is then due).
func (g *guidedCare) completeFirstLesson(t *testing.T, userID string) *modules.Lesson {
	t.Helper()
	ctx := context.Background()
	p := g.svcs.Selfhelp.Library().Programmes()[0]
	l := p.Lessons[0]
	if _, err := g.svcs.Selfhelp.Start(ctx, userID, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := g.svcs.Selfhelp.OpenLesson(ctx, userID, p.ID, l.ID); err != nil {
		t.Fatal(err)
	}
	for _, st := range l.Steps {
		vals := modules.Values{}
		for _, f := range st.Fields {
			switch {
			case f.Type == modules.FieldText:
				vals[f.ID] = []byte(`"I notice I stay in bed when I feel low."`)
			case f.Required && f.Type == modules.FieldScale:
				vals[f.ID] = []byte("4")
			case f.Required && f.Type == modules.FieldSingle:
				vals[f.ID] = []byte(`"` + f.Options[0].ID + `"`)
			case f.Required && (f.Type == modules.FieldMultiple || f.Type == modules.FieldChecklist):
				vals[f.ID] = []byte(`["` + f.Options[0].ID + `"]`)
			case f.Required && f.Type == modules.FieldList:
				vals[f.ID] = []byte(`["a walk"]`)
			}
		}
		_, err := g.svcs.Selfhelp.SaveStep(ctx, userID, p.ID, l.ID, st.ID, vals, true)
		if errors.Is(err, modules.ErrWaiting) {
			break
		}
		if err != nil {
			t.Fatalf("lesson %s step %s: %v", l.ID, st.ID, err)
		}
	}
	return l
}

// staffSignIn signs a staff member in for the first time: password, then
// setting up the authenticator app.
func staffSignIn(t *testing.T, ctx context.Context, nick string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(baseURL+"/en/account/login"))
	if err := fill(ctx, [][2]string{{"#nickname", nick}, {"#password", guidedPassword}}, `button[type="submit"]`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `!!document.querySelector('input[name=secret]')`)
	secret := evalString(t, ctx, `document.querySelector('input[name=secret]').value`)
	if err := fill(ctx, [][2]string{{"#code", wiretest.TOTPCode(secret, time.Now())}}, `button[type="submit"]`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `document.querySelectorAll('.codes code').length === 10`)
}

// staffTab is a private tab for a long run of pages (every staff page
// audited in both languages at both widths).
func staffTab(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 10*time.Minute)
	t.Cleanup(cancelT)
	return ctx
}

// mainText is the text of the page's main element.
func mainText(t *testing.T, ctx context.Context) string {
	t.Helper()
	return evalString(t, ctx, `document.querySelector('main').innerText`)
}

// submitForm fills a form's fields, presses its button and waits for the
// next page, whose path must match path.
func submitForm(t *testing.T, ctx context.Context, fields [][2]string, button, path string) {
	t.Helper()
	if err := fill(ctx, fields, button); err != nil {
		t.Fatal(err)
	}
	waitPath(t, ctx, path)
}

func TestGuidedCareClinicianAndCoordinator(t *testing.T) {
	need(t)
	g := openGuidedCare(t)
	coordNick, coord := g.coordinator(t)
	clinNick, clinID := g.clinician(t, coord, "An Peeters")
	crisisNick, crisisClient, crisis := g.client(t, "mira", []int{2, 2, 2, 1, 1, 2, 1, 1, 1}, coord, clinID)
	calmNick, _, calm := g.client(t, "jonas", []int{2, 1, 2, 1, 1, 1, 1, 1, 0}, coord, clinID)
	waitingNick, _, _ := g.client(t, "lena", []int{3, 2, 3, 2, 2, 2, 2, 2, 1}, coord, "")
	lesson := g.completeFirstLesson(t, crisisClient.UserID)
	if _, _, err := g.svcs.Coaching.Send(context.Background(), crisisClient, crisis.ID, "I did lesson 1. Some days are still very hard.", "e2e-first"); err != nil {
		t.Fatal(err)
	}

	ctx := staffTab(t)
	recordCSP(t, ctx)
	fromSource(t, ctx, "192.0.2.41")
	staffSignIn(t, ctx, clinNick)

	// The dashboard: the item-9 alert at the top, the client first.
	do(t, ctx, chromedp.Navigate(baseURL+"/en/caseload"))
	body := mainText(t, ctx)
	alertAt, tableAt := strings.Index(body, "Urgent: crisis answers (1)"), strings.Index(body, "Caseload")
	if alertAt < 0 || alertAt > tableAt || !strings.Contains(body[alertAt:tableAt], crisisNick) {
		t.Fatalf("the dashboard does not lead with the client's crisis alert:\n%s", body)
	}
	rows := evalString(t, ctx, `[...document.querySelectorAll('tbody th[scope=row]')].map(th => th.innerText).join('|')`)
	if !strings.HasPrefix(rows, crisisNick) || !strings.Contains(rows, calmNick) {
		t.Errorf("caseload rows %q: the client with the alert is not first", rows)
	}
	shot(t, ctx, "en-flow-caseload-alert-1280")

	// Every page of the record, audited before anything changes (in both
	// languages, at both widths; form errors too).
	rec := "/caseload/" + crisis.ID
	for _, lang := range []string{"en", "nl"} {
		u := func(p string) string { return baseURL + "/" + lang + p }
		audit(t, ctx, lang, []auditPage{
			{name: "caseload-dashboard", url: u("/caseload")},
			{name: "caseload-dashboard-ack-error", url: u("/caseload"), setup: func(ctx context.Context) error {
				return fill(ctx, nil, `#alerts form button[type="submit"]`)
			}},
			{name: "caseload-record", url: u(rec)},
			{name: "caseload-messages", url: u(rec + "/messages")},
			{name: "caseload-lessons", url: u(rec + "/lessons")},
			{name: "caseload-lesson", url: u(rec + "/lessons/" + lesson.ID)},
			{name: "caseload-diary", url: u(rec + "/diary")},
			{name: "caseload-contacts", url: u(rec + "/contacts")},
			{name: "caseload-contacts-errors", url: u(rec + "/contacts"), setup: func(ctx context.Context) error {
				return fill(ctx, [][2]string{{"#minutes", "0"}}, `form[action$="/contacts"] button[type="submit"]`)
			}},
			{name: "caseload-end", url: u(rec + "/end")},
			{name: "caseload-end-errors", url: u(rec + "/end"), setup: func(ctx context.Context) error {
				return fill(ctx, nil, `form[action$="/close"] button[type="submit"]`)
			}},
		})
	}

	// Acknowledge the alert with a note.
	do(t, ctx, chromedp.Navigate(baseURL+"/en/caseload"))
	submitForm(t, ctx, [][2]string{{`#alerts textarea`, "Phoned Mira: safe, safety plan agreed, GP tomorrow."}}, `#alerts form button[type="submit"]`, `^/en/caseload$`)
	body = mainText(t, ctx)
	if strings.Contains(body, "Urgent: crisis answers") || !strings.Contains(body, "The alert is acknowledged") {
		t.Fatalf("after acknowledging:\n%s", body)
	}
	shot(t, ctx, "en-flow-caseload-acknowledged-1280")

	// A message, with the keyboard from the link to the form.
	do(t, ctx, chromedp.Navigate(baseURL+"/en"+rec+"/messages"))
	submitForm(t, ctx, [][2]string{{"#body", "Thank you for telling me. Shall we talk on the phone tomorrow?"}}, `form[action$="/messages"] button[type="submit"]`, `/messages$`)
	if body := mainText(t, ctx); !strings.Contains(body, "Your message has been sent.") || !strings.Contains(body, "Shall we talk on the phone tomorrow?") {
		t.Fatalf("after sending:\n%s", body)
	}

	// Feedback on the lesson the client completed.
	do(t, ctx, chromedp.Navigate(baseURL+"/en"+rec+"/lessons"))
	if body := mainText(t, ctx); !strings.Contains(body, "Feedback due") {
		t.Errorf("the completed lesson is not waiting for feedback:\n%s", body)
	}
	do(t, ctx, chromedp.Navigate(baseURL+"/en"+rec+"/lessons/"+lesson.ID))
	submitForm(t, ctx, [][2]string{{"#body", "Well noticed: staying in bed is what keeps the low mood going. Try one small activity each morning."}},
		`form[action$="/feedback"] button[type="submit"]`, `/lessons/`+lesson.ID+`$`)
	if body := mainText(t, ctx); !strings.Contains(body, "Your feedback has been sent.") || !strings.Contains(body, "one small activity each morning") {
		t.Fatalf("after feedback:\n%s", body)
	}
	shot(t, ctx, "en-flow-caseload-feedback-1280")

	// A phone contact of 25 minutes, today.
	do(t, ctx, chromedp.Navigate(baseURL+"/en"+rec+"/contacts"), chromedp.Click(chromedp.CSS(`label[for="mode-phone"]`)))
	submitForm(t, ctx, [][2]string{{"#minutes", "25"}, {"#note", "Safety plan reviewed; next call in a week."}}, `form[action$="/contacts"] button[type="submit"]`, `/contacts$`)
	if body := mainText(t, ctx); !strings.Contains(body, "The contact is logged.") || !strings.Contains(body, "Safety plan reviewed") || !strings.Contains(body, "Phone") {
		t.Fatalf("after logging the contact:\n%s", body)
	}

	// End one trajectory as completed, the other as dropped out with a
	// reason; each record keeps how far the client got.
	do(t, ctx, chromedp.Navigate(baseURL+"/en"+rec+"/end"), chromedp.Click(chromedp.CSS(`label[for="outcome-completed"]`)))
	submitForm(t, ctx, [][2]string{{"#note", "Goals reached; relapse plan made."}}, `form[action$="/close"] button[type="submit"]`, `^/en`+rec+`$`)
	body = mainText(t, ctx)
	for _, want := range []string{"The trajectory has ended.", "Completed", "Goals reached; relapse plan made.", "How far the client got (kept at the end)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the completed record lacks %q:\n%s", want, body)
		}
	}
	shot(t, ctx, "en-flow-caseload-completed-1280")
	calmRec := "/caseload/" + calm.ID
	do(t, ctx, chromedp.Navigate(baseURL+"/en"+calmRec+"/end"), chromedp.Click(chromedp.CSS(`label[for="outcome-not_suitable"]`)))
	submitForm(t, ctx, [][2]string{{"#note", "Prefers to see someone face to face; referred back to his GP."}}, `form[action$="/close"] button[type="submit"]`, `^/en`+calmRec+`$`)
	if body := mainText(t, ctx); !strings.Contains(body, "Dropped out: Online care does not suit them") {
		t.Errorf("the dropped-out record lacks its reason:\n%s", body)
	}
	r, err := g.svcs.Coaching.Record(context.Background(), auth.Principal{UserID: clinID, Role: auth.RoleClinician}, calm.ID)
	if err != nil || r.Trajectory.State != coaching.StateDroppedOut || *r.Trajectory.EndReason != coaching.ReasonNotSuitable {
		t.Errorf("the dropped-out trajectory as stored: %+v, %v", r, err)
	}
	audit(t, ctx, "en", []auditPage{
		{name: "caseload-record-completed", url: baseURL + "/en" + rec},
		{name: "caseload-record-dropped-out", url: baseURL + "/en" + calmRec},
		{name: "caseload-dashboard-empty", url: baseURL + "/en/caseload"},
	})

	// The coordinator: the crisis-flagged application first and marked.
	cctx := staffTab(t)
	recordCSP(t, cctx)
	fromSource(t, cctx, "192.0.2.42")
	staffSignIn(t, cctx, coordNick)
	do(t, cctx, chromedp.Navigate(baseURL+"/en/coordination"))
	// Rows of the waiting list: crisis-flagged ones (marked) first.
	rowsText := evalString(t, cctx, `[...document.querySelectorAll('#waiting ~ .table-wrap tbody th[scope=row]')].map(th => th.innerText.replace(/\s+/g, ' ')).join('|')`)
	seenCalm, marked := false, false
	for _, row := range strings.Split(rowsText, "|") {
		crisisRow := strings.Contains(row, "Crisis answer")
		if crisisRow && seenCalm {
			t.Errorf("a crisis-flagged application after one without: %q", rowsText)
		}
		seenCalm = seenCalm || !crisisRow
		marked = marked || strings.Contains(row, waitingNick) && crisisRow
	}
	if !marked {
		t.Errorf("the crisis-flagged application is not listed and marked: %q", rowsText)
	}
	for _, lang := range []string{"en", "nl"} {
		audit(t, cctx, lang, []auditPage{{name: "coordination", url: baseURL + "/" + lang + "/coordination"},
			{name: "coordination-pace", url: baseURL + "/" + lang + "/coordination/pace"}})
	}
}
