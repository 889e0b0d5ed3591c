package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// confirmSaved ticks "I have saved my recovery code" on the page that
// shows it and presses Continue, with the keyboard.
func confirmSaved(t *testing.T, ctx context.Context) {
	t.Helper()
	tabTo(t, ctx, "I have saved it", func(f focused) bool { return f.ID == "saved" })
	key(t, ctx, " ")
	key(t, ctx, kb.Tab)
	key(t, ctx, kb.Enter)
}

// Signing up at 320 px: the header says one is signed in; the recovery
// code can be copied (app.js) or downloaded, and "Continue" needs "I have
// saved it"; signing out from the header says so on the home page.
func TestRecoveryCodeKeepAndSignOut(t *testing.T) {
	need(t)
	ctx := privateTab(t)
	recordCSP(t, ctx)
	do(t, ctx, chromedp.EmulateViewport(320, 700), chromedp.Navigate(baseURL+"/en/account/signup?next=/selfhelp"))
	if s := evalString(t, ctx, `document.querySelector('.header__session').innerText`); !strings.Contains(s, "Sign in") {
		t.Errorf("signed out, the header says %q", s)
	}
	signUp(t, ctx, uniqueNick("saver"), "a long enough password 9")
	shot(t, ctx, "en-recovery-code-320")
	runAxe(t, ctx, "en recovery code @320px")
	checkCSP(t, ctx, "en recovery code @320px")
	if s := evalString(t, ctx, `document.querySelector('.header__session').innerText`); !strings.Contains(s, "You are signed in.") || !strings.Contains(s, "Sign out") {
		t.Errorf("signed in, the header says %q", s)
	}
	if evalString(t, ctx, `String(document.querySelector('[data-copy-codes]').hidden)`) != "false" {
		t.Error("the copy button is not shown with JavaScript")
	}
	if w := evalString(t, ctx, `String(document.documentElement.scrollWidth)`); w != "320" {
		t.Errorf("the page is %s px wide at 320 px", w)
	}
	// Continue without ticking: the code again, with the error.
	tabTo(t, ctx, "Continue", func(f focused) bool {
		return f.Tag == "BUTTON" && f.Type == "submit" && f.Name == "" && evalString(t, ctx, `document.activeElement.closest('form').className`) == "codes-confirm"
	})
	key(t, ctx, kb.Enter)
	waitFor(t, ctx, `!!document.querySelector('.error-summary')`)
	confirmSaved(t, ctx)
	waitPath(t, ctx, "^/en/selfhelp$")
	tabTo(t, ctx, "Sign out", func(f focused) bool {
		return f.Tag == "BUTTON" && evalString(t, ctx, `document.activeElement.textContent`) == "Sign out"
	})
	key(t, ctx, kb.Enter)
	waitPath(t, ctx, "^/en/$")
	if s := evalString(t, ctx, `document.querySelector('main').innerText`); !strings.Contains(s, "You have signed out.") {
		t.Errorf("after signing out the home page says:\n%s", s)
	}
}

// At 320 px the pages a client uses most fit without horizontal scrolling
// (WCAG reflow): the questionnaire with its progress bar, the course, and
// the diary with a long word in a note; the 0–10 scale is two even rows.
func TestReflowAt320(t *testing.T) {
	need(t)
	ctx := privateTab(t)
	recordCSP(t, ctx)
	do(t, ctx, chromedp.EmulateViewport(320, 700), chromedp.Navigate(baseURL+"/nl/account/signup?next=/selfhelp"))
	signUp(t, ctx, uniqueNick("reflow"), "a long enough password 10")
	do(t, ctx, chromedp.Navigate(baseURL+"/nl/selfhelp/lesson/understanding/welcome"))
	today := evalString(t, ctx, `new Date().toISOString().slice(0, 10)`)
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const csrf = document.querySelector('input[name=csrf]').value;
		const r = await fetch('/nl/selfhelp/diary', {method: 'POST', body: new URLSearchParams({csrf, day: '`+today+`', mood: '6',
			note: 'Wandelingmetdehondlangsdegrachtenweerterug', activity: 'Boodschappen'})});
		return r.ok ? '' : String(r.status);
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || res != "" {
		t.Fatalf("diary post: %q %v", res, err)
	}
	for _, p := range []string{"/nl/selftest/phq9", "/nl/selfhelp", "/nl/selfhelp/diary", "/nl/selfhelp/diary?day=" + today, "/nl/account"} {
		do(t, ctx, chromedp.Navigate(baseURL+p))
		waitFor(t, ctx, `true`)
		if w := evalString(t, ctx, `String(document.documentElement.scrollWidth)`); w != "320" {
			wide := evalString(t, ctx, `(() => { const out = []; let e = document.querySelector('table'); while (e) { const cs = getComputedStyle(e); out.push(e.tagName + '.' + e.className + ' w=' + Math.round(e.getBoundingClientRect().width) + ' ov=' + cs.overflowX + ' d=' + cs.display); e = e.parentElement; } return out.join('; '); })()`)
			t.Errorf("%s is %s px wide at 320 px: %s", p, w, wide)
		}
		runAxe(t, ctx, p+" @320px")
		if strings.Contains(p, "diary?day=") {
			shot(t, ctx, "nl-diary-edit-320")
			rows := evalString(t, ctx, `(() => { const tops = {}; document.querySelectorAll('.scale__item').forEach(i => { tops[i.offsetTop] = (tops[i.offsetTop] || 0) + 1; }); return Object.values(tops).join('+'); })()`)
			if rows != "6+5" {
				t.Errorf("the 0–10 scale lies in rows of %s, want 6+5", rows)
			}
			if fits := evalString(t, ctx, `String(document.querySelector('.diary-table').getBoundingClientRect().right <= 320)`); fits != "true" {
				t.Error("the diary table does not fit its box at 320 px")
			}
		}
	}
	checkCSP(t, ctx, "reflow @320px")
}

// One question on one screen: on a small phone (320 by 568 px) every
// question of the self-tests — its legend and all its answer options —
// fits in the screen's height, in both languages, so nobody scrolls
// between a question and its answers.
func TestQuestionFitsOneScreen(t *testing.T) {
	need(t)
	ctx := newTab(t)
	for _, p := range []string{"/nl/selftest/phq9", "/en/selftest/phq9", "/nl/selftest/gad7", "/en/selftest/gad7"} {
		do(t, ctx, chromedp.EmulateViewport(320, 568), chromedp.Navigate(baseURL+p))
		raw := evalString(t, ctx, `JSON.stringify([...document.querySelectorAll('main fieldset')].filter(f => f.querySelector('input[type=radio]')).map(f => ({
			q: f.querySelector('legend').innerText.trim().slice(0, 50), h: Math.ceil(f.getBoundingClientRect().height)})))`)
		var qs []struct {
			Q string `json:"q"`
			H int    `json:"h"`
		}
		if err := json.Unmarshal([]byte(raw), &qs); err != nil || len(qs) < 7 {
			t.Fatalf("%s: questions %s (%v)", p, raw, err)
		}
		for _, q := range qs {
			if q.H > 568 {
				t.Errorf("%s: %q with its options is %d px high, more than the 568 px screen", p, q.Q, q.H)
			}
		}
		if strings.HasPrefix(p, "/en/selftest/phq9") {
			shot(t, ctx, "en-selftest-phq9-320x568")
		}
	}
}
