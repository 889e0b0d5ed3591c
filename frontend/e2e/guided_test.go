package e2e

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db"
)

// The client's path into guided care in the browser, mostly with the
// keyboard: a moderate self-test, its result's "ask for guided help", the
// way in, sign-up with the result kept, the application, then (the
// coordinator's side, through the domain on the server's database) a
// guide assigned, agreeing to start, and a message sent and seen — with
// an axe audit of every page in both languages at both widths, a message
// sent with JavaScript off, and screenshots.

// serverServices builds the domain services on the running server's
// database, as a second replica would (the coordinator's side of the
// test).
func serverServices(t *testing.T) *wire.Services {
	t.Helper()
	var dir string
	for _, kv := range havenEnv {
		if v, ok := strings.CutPrefix(kv, "HAVEN_DATA_DIR="); ok {
			dir = v
		}
	}
	ctx := context.Background()
	database, err := db.Open(ctx, db.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close() })
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	svcs, err := wire.New(ctx, wire.Config{DataDir: dir, Location: loc}, database, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return svcs
}

func TestGuidedClientPath(t *testing.T) {
	need(t)
	// A private browser context of its own, with time for the audits of
	// about twenty pages at two widths on a slow machine.
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 12*time.Minute)
	t.Cleanup(cancelT)
	recordCSP(t, ctx)
	fromSource(t, ctx, "192.0.2.41")
	nick, pw := uniqueNick("guided"), "a long enough password 8"
	u := func(lang, p string) string { return baseURL + "/" + lang + p }

	// A moderate self-test; the result's advice leads to guided help,
	// with the result's claim token.
	keyboardSelftest(t, ctx, "en", "phq9", phq9Items(), []int{2, 2, 2, 1, 1, 1, 1, 1, 0}) // 11: moderate
	tabTo(t, ctx, "Ask for guided online help", func(f focused) bool { return strings.HasPrefix(f.Href, "/en/guided?claim=") })
	claimHref := evalString(t, ctx, `document.activeElement.getAttribute('href')`)
	key(t, ctx, kb.Enter)
	waitPath(t, ctx, "^/en/guided$")
	shot(t, ctx, "en-guided-way-in-375")
	audit(t, ctx, "en", []auditPage{{name: "guided-way-in-claim", url: baseURL + claimHref}})
	audit(t, ctx, "nl", []auditPage{{name: "guided-way-in-claim", url: baseURL + strings.Replace(claimHref, "/en/", "/nl/", 1)}})

	// Sign up with the keyboard; the result is kept; on to the application.
	do(t, ctx, chromedp.EmulateViewport(375, 800), chromedp.Navigate(baseURL+claimHref))
	tabTo(t, ctx, "Create an account and apply", func(f focused) bool { return f.ID == "apply-signup" })
	key(t, ctx, kb.Enter)
	waitPath(t, ctx, "^/en/account/signup$")
	signUp(t, ctx, nick, pw)
	if body := evalString(t, ctx, `document.querySelector('main').innerText`); !strings.Contains(body, "Your self-test result is now kept in your account.") {
		t.Fatalf("sign-up did not keep the result:\n%s", body)
	}
	confirmSaved(t, ctx)
	waitPath(t, ctx, "^/en/guided/apply$")
	if v := evalString(t, ctx, `(document.querySelector('input[name=source]:checked') || {}).value || ''`); v == "" || v == "new" {
		t.Fatalf("the kept self-test is not chosen: %q", v)
	}
	audit(t, ctx, "en", []auditPage{
		{name: "guided-apply", url: u("en", "/guided/apply")},
		{name: "guided-apply-errors", url: u("en", "/guided/apply"), setup: func(ctx context.Context) error {
			return fill(ctx, nil, `form.selftest button[type="submit"]`)
		}},
	})
	audit(t, ctx, "nl", []auditPage{
		{name: "guided-apply", url: u("nl", "/guided/apply")},
		{name: "guided-apply-errors", url: u("nl", "/guided/apply"), setup: func(ctx context.Context) error {
			return fill(ctx, nil, `form.selftest button[type="submit"]`)
		}},
	})
	do(t, ctx, chromedp.EmulateViewport(375, 800), chromedp.Navigate(u("en", "/guided/apply")))
	tabTo(t, ctx, "what you hope for", func(f focused) bool { return f.ID == "hopes" })
	key(t, ctx, "To sleep better and see friends again")
	key(t, ctx, kb.Tab)
	key(t, ctx, "Weekday evenings")
	tabTo(t, ctx, "my GP", func(f focused) bool { return f.ID == "care-gp" })
	key(t, ctx, " ")
	tabTo(t, ctx, "Apply", func(f focused) bool { return f.Tag == "BUTTON" && f.Type == "submit" })
	key(t, ctx, kb.Enter)
	waitPath(t, ctx, "^/en/guided/mine$")
	body := evalString(t, ctx, `document.querySelector('main').innerText`)
	for _, want := range []string{"Your application has been received.", "You are on the waiting list", "Number "} {
		if !strings.Contains(body, want) {
			t.Errorf("after applying, the page lacks %q:\n%s", want, body)
		}
	}
	shot(t, ctx, "en-guided-applied-375")
	audit(t, ctx, "en", []auditPage{{name: "guided-applied", url: u("en", "/guided/mine")}, {name: "guided-course", url: u("en", "/selfhelp")}})
	audit(t, ctx, "nl", []auditPage{{name: "guided-applied", url: u("nl", "/guided/mine")}})

	// The coordinator assigns a guide (through the domain).
	svcs := serverServices(t)
	bg := context.Background()
	admin, err := svcs.Auth.Staff.CreateAdmin(bg, uniqueNick("coord"), "a long coordinator password 9")
	if err != nil {
		t.Fatal(err)
	}
	coord := auth.Principal{UserID: admin.ID, Role: auth.RoleCoordinator}
	link, err := svcs.Auth.Staff.Invite(bg, coord, auth.RoleClinician, 10)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := svcs.Auth.Staff.AcceptInvitation(bg, auth.Meta{RequestID: "e2e", Source: "192.0.2.42"}, link.Token, uniqueNick("doc"),
		"a long clinician password 9", auth.StaffProfile{DisplayName: "Dr. An Jansen", Profession: "psychologist"})
	if err != nil {
		t.Fatal(err)
	}
	waiting, err := svcs.Coaching.WaitingList(bg, coord)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, w := range waiting {
		if w.ClientName == nick {
			id = w.Trajectory.ID
		}
	}
	if id == "" {
		t.Fatalf("%s is not on the waiting list", nick)
	}
	if _, err := svcs.Coaching.Assign(bg, coord, id, doc.ID); err != nil {
		t.Fatal(err)
	}

	// Told who, and what they will see; agreeing starts it.
	audit(t, ctx, "nl", []auditPage{{name: "guided-waiting", url: u("nl", "/guided/mine")}})
	audit(t, ctx, "en", []auditPage{{name: "guided-waiting", url: u("en", "/guided/mine")}})
	do(t, ctx, chromedp.EmulateViewport(375, 800), chromedp.Navigate(u("en", "/guided/mine")))
	body = evalString(t, ctx, `document.querySelector('main').innerText`)
	for _, want := range []string{"Dr. An Jansen", "psychologist", "your mood diary"} {
		if !strings.Contains(body, want) {
			t.Errorf("the waiting page lacks %q:\n%s", want, body)
		}
	}
	shot(t, ctx, "en-guided-waiting-375")
	tabTo(t, ctx, "I agree", func(f focused) bool { return f.ID == "consent" })
	key(t, ctx, kb.Enter)
	waitFor(t, ctx, `location.search === '?notice=started'`)
	shot(t, ctx, "en-guided-active-375")

	// The guide writes first; the client reads and answers.
	if _, _, err := svcs.Coaching.Send(bg, auth.Principal{UserID: doc.ID, Role: auth.RoleClinician}, id, "Welcome! How has your week been?", "e2e-1"); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, `document.querySelector('#unread').innerText.includes('New messages: 1')`)
	tabTo(t, ctx, "Open your messages", func(f focused) bool { return f.ID == "messages" })
	key(t, ctx, kb.Enter)
	waitPath(t, ctx, "^/en/guided/t/"+id+"/messages$")
	if !strings.Contains(evalString(t, ctx, `document.querySelector('main').innerText`), "Welcome! How has your week been?") {
		t.Error("the guide's message is not shown")
	}
	shot(t, ctx, "en-guided-messages-375")
	tabTo(t, ctx, "Your message", func(f focused) bool { return f.ID == "body" })
	key(t, ctx, "A little better, thank you.")
	tabTo(t, ctx, "Send message", func(f focused) bool { return f.ID == "send" })
	key(t, ctx, kb.Enter)
	waitFor(t, ctx, `location.search === '?notice=sent'`)
	body = evalString(t, ctx, `document.querySelector('main').innerText`)
	for _, want := range []string{"Your message has been sent.", "A little better, thank you.", "Not read yet"} {
		if !strings.Contains(body, want) {
			t.Errorf("after sending, the conversation lacks %q:\n%s", want, body)
		}
	}
	shot(t, ctx, "en-guided-sent-375")

	// Without JavaScript the form works the same.
	noJS, cancel := chromedp.NewContext(ctx)
	defer cancel()
	do(t, noJS, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}), chromedp.EmulateViewport(1280, 900), chromedp.Navigate(u("en", "/guided/t/"+id+"/messages")))
	do(t, noJS, chromedp.SendKeys(chromedp.CSS(`#body`), "Written without JavaScript."), chromedp.Click(chromedp.CSS(`#send`)))
	waitFor(t, noJS, `location.search === '?notice=sent'`)
	if body := evalString(t, noJS, `document.querySelector('main').innerText`); !strings.Contains(body, "Written without JavaScript.") {
		t.Errorf("the message sent without JavaScript is not shown:\n%s", body)
	}
	conv, err := svcs.Coaching.Conversation(bg, auth.Principal{UserID: doc.ID, Role: auth.RoleClinician}, id)
	if err != nil || len(conv.Messages) != 3 || conv.Messages[1].From != coaching.FromClient {
		t.Fatalf("the guide's conversation: %d messages, %v", len(conv.Messages), err)
	}

	audit(t, ctx, "en", []auditPage{
		{name: "guided-active", url: u("en", "/guided/mine")},
		{name: "guided-messages", url: u("en", "/guided/t/"+id+"/messages")},
		{name: "guided-messages-error", url: u("en", "/guided/t/"+id+"/messages"), setup: func(ctx context.Context) error {
			return fill(ctx, nil, `#send`)
		}},
		{name: "guided-stop", url: u("en", "/guided/t/"+id+"/stop")},
		{name: "guided-stop-errors", url: u("en", "/guided/t/"+id+"/stop"), setup: func(ctx context.Context) error {
			return fill(ctx, nil, `#stop`)
		}},
	})
	audit(t, ctx, "nl", []auditPage{
		{name: "guided-active", url: u("nl", "/guided/mine")},
		{name: "guided-messages", url: u("nl", "/guided/t/"+id+"/messages")},
		{name: "guided-stop", url: u("nl", "/guided/t/"+id+"/stop")},
	})
	if strings.Contains(evalString(t, ctx, `document.querySelector('main').innerText`), "Not read yet") {
		t.Error("the guide read the messages, but they show as not read")
	}
}
