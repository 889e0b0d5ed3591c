package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// The self-help course in the browser: a visitor signs up from the course
// page, works through the first two lessons (with the activity planner and
// the homework) mostly with the keyboard, signs out, signs back in and
// resumes at the exact step; and an accessibility audit of every page a
// client sees.

// privateTab opens a tab in a browser context of its own, so its cookies
// (a signed-in client) do not leak into the other tests.
func privateTab(t *testing.T) context.Context {
	t.Helper()
	// Enough for a sign-up and an audit of a few pages at 320, 375 and
	// 1280 px on a busy machine.
	return privateTabWithin(t, 180*time.Second)
}

// privateTabWithin is a private tab with a budget of its own.
func privateTabWithin(t *testing.T, budget time.Duration) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, budget)
	t.Cleanup(cancelT)
	return ctx
}

func course(t *testing.T) *modules.Programme {
	t.Helper()
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	lib, err := modules.LoadLibrary(func(id string) bool { _, err := catalog.Instrument(id); return err == nil })
	if err != nil {
		t.Fatal(err)
	}
	return lib.Programmes()[0]
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

func key(t *testing.T, ctx context.Context, keys string) {
	t.Helper()
	if err := press(ctx, keys); err != nil {
		t.Fatal(err)
	}
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(outDir, "screenshots")
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// signUp creates an account from the sign-up form with the keyboard and
// returns the recovery code shown.
func signUp(t *testing.T, ctx context.Context, nick, password string) string {
	t.Helper()
	tabTo(t, ctx, "the nickname", func(f focused) bool { return f.ID == "nickname" })
	key(t, ctx, nick)
	key(t, ctx, kb.Tab)
	key(t, ctx, password)
	key(t, ctx, kb.Enter)
	waitFor(t, ctx, `!!document.querySelector('.codes code')`)
	return evalString(t, ctx, `document.querySelector('.codes code').textContent`)
}

func signIn(t *testing.T, ctx context.Context, nick, password string) {
	t.Helper()
	tabTo(t, ctx, "the nickname", func(f focused) bool { return f.ID == "nickname" })
	key(t, ctx, nick)
	key(t, ctx, kb.Tab)
	key(t, ctx, password)
	key(t, ctx, kb.Enter)
}

func waitFor(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === 'complete' && (`+js+`)`))
		if err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("never true: %s", js)
}

// continueStep presses the step's "Save and continue" with the keyboard.
func continueStep(t *testing.T, ctx context.Context) {
	t.Helper()
	tabTo(t, ctx, "Save and continue", func(f focused) bool { return f.Tag == "BUTTON" && f.Name == "action" })
	key(t, ctx, kb.Enter)
}

// answer fills in a step's exercise, with the keyboard where it is
// practical (text, radios, checkboxes), and with the value set directly
// for date, time and select inputs, whose keyboard handling varies.
func answer(t *testing.T, ctx context.Context, lessonID, stepID string) {
	t.Helper()
	typeInto := func(id, text string) {
		tabTo(t, ctx, id, func(f focused) bool { return f.ID == id })
		key(t, ctx, text)
	}
	choose := func(name string, downs int) {
		tabTo(t, ctx, name, func(f focused) bool { return f.Name == name })
		key(t, ctx, " ")
		for range downs {
			key(t, ctx, kb.ArrowRight)
		}
	}
	switch lessonID + "/" + stepID {
	case "understanding/complaints":
		choose("f-recognised", 0)
	case "understanding/my-circle":
		typeInto("f-situation", "Alone at home on Sunday")
		typeInto("f-thoughts", "Nobody wants to see me")
	case "understanding/starting-point":
		choose("f-mood-now", 4)
		typeInto("f-hopes", "Meet friends again")
	case "understanding/homework":
		typeInto("f-mood-change", "Better in the mornings")
		choose("f-diary-days", 1)
	case "activation/pleasant-activities":
		choose("f-ideas", 0)
		typeInto("f-my-activities-0", "Call Sam")
	case "activation/week-plan":
		typeInto("f-planner-0-activity", "Walk in the park")
		day := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
		do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-planner-0-day"), day), chromedp.SetValue(chromedp.CSS("#f-planner-0-time"), "10:00"))
		tabTo(t, ctx, "done", func(f focused) bool { return f.ID == "f-planner-0-done" })
		key(t, ctx, " ")
		do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-planner-0-mood"), "7"))
		// app.js saves in the background when an answer changes.
		waitFor(t, ctx, `document.querySelector('.autosave').textContent === 'Saved'`)
		shot(t, ctx, "en-flow-planner-375")
	case "activation/confidence":
		choose("f-confidence", 6)
	case "activation/homework":
		choose("f-how-many", 1)
		typeInto("f-noticed", "Walking helps")
	}
}

func TestSelfhelpCourseKeyboardFlow(t *testing.T) {
	need(t)
	ctx := privateTab(t)
	p := course(t)
	nick := fmt.Sprintf("walker%d", time.Now().UnixNano()%1_000_000)
	const password = "a long enough password 7"

	do(t, ctx, chromedp.EmulateViewport(375, 800), chromedp.Navigate(baseURL+"/en/selfhelp"))
	tabTo(t, ctx, "Start the course", func(f focused) bool { return f.Href == "/en/account/signup?next=%2Fselfhelp" })
	key(t, ctx, kb.Enter)
	waitPath(t, ctx, "^/en/account/signup$")
	code := signUp(t, ctx, nick, password)
	if len(code) < 10 {
		t.Fatalf("recovery code %q", code)
	}
	shot(t, ctx, "en-flow-recovery-code-375")
	confirmSaved(t, ctx)
	waitPath(t, ctx, "^/en/selfhelp$")
	tabTo(t, ctx, "Start lesson 1", func(f focused) bool { return f.ID == "start" })
	key(t, ctx, kb.Enter)

	// Lessons 1 and 2, every step.
	for _, l := range p.Lessons[:2] {
		for i, st := range l.Steps {
			waitPath(t, ctx, "^/en/selfhelp/lesson/"+l.ID+"/"+st.ID+"$")
			if l.Number == 2 && i == 0 {
				body := evalString(t, ctx, `document.querySelector('main').innerText`)
				if !strings.Contains(body, "Your homework from lesson 1") || !strings.Contains(body, "Better in the mornings") {
					t.Errorf("lesson 2 does not bring lesson 1's homework forward:\n%s", body)
				}
				shot(t, ctx, "en-flow-carried-homework-375")
			}
			answer(t, ctx, l.ID, st.ID)
			continueStep(t, ctx)
		}
	}
	// A step into lesson 3, then sign out.
	third := p.Lessons[2]
	waitPath(t, ctx, "^/en/selfhelp/lesson/"+third.ID+"/"+third.Steps[0].ID+"$")
	continueStep(t, ctx)
	waitPath(t, ctx, "^/en/selfhelp/lesson/"+third.ID+"/"+third.Steps[1].ID+"$")
	do(t, ctx, chromedp.Navigate(baseURL+"/en/account"))
	tabTo(t, ctx, "Sign out", func(f focused) bool { return f.Tag == "BUTTON" })
	key(t, ctx, kb.Enter)
	waitPath(t, ctx, "^/en/$")

	// Back as a visitor: the course page offers sign-in, and after it the
	// exact step to resume at.
	do(t, ctx, chromedp.Navigate(baseURL+"/en/selfhelp"))
	if evalString(t, ctx, `String(!!document.querySelector('#resume'))`) != "false" {
		t.Fatal("still signed in after signing out")
	}
	tabTo(t, ctx, "Sign in", func(f focused) bool { return f.Href == "/en/account/login?next=%2Fselfhelp" })
	key(t, ctx, kb.Enter)
	waitPath(t, ctx, "^/en/account/login$")
	signIn(t, ctx, nick, password)
	waitPath(t, ctx, "^/en/selfhelp$")
	want := "/en/selfhelp/lesson/" + third.ID + "/" + third.Steps[1].ID
	if got := evalString(t, ctx, `document.querySelector('#resume').getAttribute('href')`); got != want {
		t.Fatalf("resume at %q, want %q", got, want)
	}
	body := evalString(t, ctx, `document.querySelector('main').innerText`)
	if !strings.Contains(body, "You have finished 2 of 7 lessons") {
		t.Errorf("progress not shown:\n%s", body)
	}
	shot(t, ctx, "en-flow-course-resume-375")
	tabTo(t, ctx, "Continue the course", func(f focused) bool { return f.ID == "resume" })
	key(t, ctx, kb.Enter)
	waitPath(t, ctx, "^"+want+"$")

	// The planner was saved: the row comes back.
	do(t, ctx, chromedp.Navigate(baseURL+"/en/selfhelp/lesson/activation/week-plan"))
	if v := evalString(t, ctx, `document.querySelector('#f-planner-0-activity').value + '|' + document.querySelector('#f-planner-0-done').checked + '|' + document.querySelector('#f-planner-0-mood').value`); v != "Walk in the park|true|7" {
		t.Errorf("planner row after signing in again: %q", v)
	}
}

// TestSelfhelpAudit audits every page a client sees, in both languages and
// at both widths, with a client of its own in a private browser context.
func TestSelfhelpAudit(t *testing.T) {
	need(t)
	p := course(t)
	for _, lang := range []string{"nl", "en"} {
		t.Run(lang, func(t *testing.T) {
			// Fifteen pages at three widths, with a sign-up and set-ups.
			ctx := privateTabWithin(t, 6*time.Minute)
			recordCSP(t, ctx)
			u := func(path string) string { return baseURL + "/" + lang + path }
			do(t, ctx, chromedp.EmulateViewport(375, 800), chromedp.Navigate(u("/account/signup?next=/selfhelp")))
			signUp(t, ctx, fmt.Sprintf("audit%s%d", lang, time.Now().UnixNano()%1_000_000), "a long enough password 8")
			// Enrol (by opening lesson 1) and fill in a week of the diary,
			// with the same form posts a browser makes.
			do(t, ctx, chromedp.Navigate(u("/selfhelp/lesson/understanding/welcome")))
			post := func(ctx context.Context, js string) error {
				res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
					const csrf = document.querySelector('input[name=csrf]').value;
					const post = async (path, data) => { const r = await fetch('/`+lang+`' + path, {method: 'POST', body: new URLSearchParams({csrf, ...data})}); return r.ok ? '' : path + ': ' + r.status; };
					`+js+`
					return '';
				})()`, chromedp.EvalAwaitPromise))
				if err == nil && res != "" {
					err = fmt.Errorf("post: %s", res)
				}
				return err
			}
			if err := post(ctx, `for (const [day, mood] of [[-6, 3], [-4, 5], [-3, 4], [-1, 6], [0, 7]]) {
					const e = await post('/selfhelp/diary', {day: new Date(Date.now() + day * 864e5).toISOString().slice(0, 10), mood, note: 'A walk'});
					if (e) return e;
				}`); err != nil {
				t.Fatal(err)
			}
			var steps []string
			for _, st := range p.Lessons[0].Steps {
				steps = append(steps, `'`+st.ID+`'`)
			}
			// Finishing lesson 1 opens lesson 2.
			finishLesson1 := func(ctx context.Context) error {
				if err := chromedp.Do(ctx, chromedp.Navigate(u("/selfhelp/lesson/understanding/welcome"))); err != nil {
					return err
				}
				if err := post(ctx, `for (const s of [`+strings.Join(steps, ",")+`]) { const e = await post('/selfhelp/lesson/understanding/' + s, {action: 'continue'}); if (e) return e; }`); err != nil {
					return err
				}
				return chromedp.Do(ctx, chromedp.Navigate(u("/selfhelp/lesson/activation/doing-and-mood")))
			}
			plannerErrors := func(ctx context.Context) error {
				return chromedp.Do(ctx,
					chromedp.SendKeys(chromedp.CSS("#f-planner-0-activity"), "Walk"),
					chromedp.Click(chromedp.CSS(`button[value="continue"]`)),
					chromedp.WaitVisible(chromedp.CSS(`.error-summary`)))
			}
			// The questionnaire due before lesson 1, with the crisis item
			// answered: the result leads with crisis help.
			takeQuestionnaire := func(ctx context.Context) error {
				ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('form.selftest')`))
				if !ok {
					return nil // taken at the other width
				}
				var acts []chromedp.Action[chromedp.Void]
				for i := 1; i <= 9; i++ {
					acts = append(acts, chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="phq9_%d-%d"]`, i, 1+i/9))))
				}
				acts = append(acts, chromedp.Click(chromedp.CSS(`form.selftest button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`.result__score`)))
				return chromedp.Do(ctx, acts...)
			}
			pages := []auditPage{
				{name: "selfhelp-questionnaire", url: u("/selfhelp/questionnaire/start"), only: 375},
				{name: "selfhelp-questionnaire-result", url: u("/selfhelp/questionnaire/start"), setup: takeQuestionnaire},
				{name: "selfhelp-client", url: u("/selfhelp")},
				{name: "selfhelp-step-text", url: u("/selfhelp/lesson/understanding/what-is-depression")},
				{name: "selfhelp-step-multiple", url: u("/selfhelp/lesson/understanding/complaints")},
				{name: "selfhelp-step-scale-text", url: u("/selfhelp/lesson/understanding/starting-point")},
				{name: "selfhelp-step-homework", url: u("/selfhelp/lesson/understanding/homework")},
				{name: "selfhelp-step-carried", url: u("/selfhelp/lesson/activation/doing-and-mood"), setup: finishLesson1},
				{name: "selfhelp-step-list", url: u("/selfhelp/lesson/activation/pleasant-activities")},
				{name: "selfhelp-step-planner", url: u("/selfhelp/lesson/activation/week-plan")},
				{name: "selfhelp-step-planner-errors", url: u("/selfhelp/lesson/activation/week-plan"), setup: plannerErrors},
				{name: "selfhelp-locked", url: u("/selfhelp/lesson/thoughts/" + p.Lessons[2].Steps[0].ID)},
				{name: "selfhelp-diary", url: u("/selfhelp/diary")},
				{name: "selfhelp-plan", url: u("/selfhelp/plan")},
				// Crisis help after a safety signal (the page itself needs none).
				{name: "selfhelp-safety-help", url: u("/selfhelp/lesson/understanding/complaints/help?next=" + url.QueryEscape("/selfhelp/lesson/understanding/vicious-circle"))},
			}
			audit(t, ctx, lang, pages)
		})
	}
}
