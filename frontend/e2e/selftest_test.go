package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focused describes document.activeElement.
type focused struct {
	Tag  string `json:"tag"`
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Href string `json:"href"`
}

const activeJS = `(() => { const e = document.activeElement || document.body;
  return {tag: e.tagName, id: e.id || '', name: e.getAttribute('name') || '', type: e.getAttribute('type') || '', href: e.getAttribute('href') || ''}; })()`

func active(ctx context.Context) (focused, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[focused](activeJS))
}

func press(ctx context.Context, key string) error {
	return chromedp.Do(ctx, chromedp.KeyEvent(key))
}

// tabTo presses Tab until the focused element matches, as a keyboard user
// would.
func tabTo(t *testing.T, ctx context.Context, what string, match func(focused) bool) {
	t.Helper()
	for range 80 {
		if err := press(ctx, kb.Tab); err != nil {
			t.Fatal(err)
		}
		f, err := active(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if match(f) {
			return
		}
	}
	t.Fatalf("Tab never reached %s", what)
}

// waitPath waits until the page's path matches re.
func waitPath(t *testing.T, ctx context.Context, re string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		p, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === 'complete' ? location.pathname : ''`))
		if err == nil && rx.MatchString(p) {
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("never reached a page matching %s", re)
	return ""
}

func evalString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return s
}

// keyboardSelftest goes from the home page to a result with the keyboard
// only: Tab to move, Space and the arrow keys to answer, Enter to follow a
// link or send the form. values are the answers to the items in order.
func keyboardSelftest(t *testing.T, ctx context.Context, lang, instrument string, items []string, values []int) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 800), chromedp.Navigate(baseURL+"/"+lang+"/")); err != nil {
		t.Fatal(err)
	}
	tabTo(t, ctx, "the self-test link", func(f focused) bool { return f.Href == "/"+lang+"/selftest" })
	if err := press(ctx, kb.Enter); err != nil {
		t.Fatal(err)
	}
	waitPath(t, ctx, "^/"+lang+"/selftest$")
	tabTo(t, ctx, "the start button", func(f focused) bool { return f.Href == "/"+lang+"/selftest/"+instrument })
	if err := press(ctx, kb.Enter); err != nil {
		t.Fatal(err)
	}
	waitPath(t, ctx, "^/"+lang+"/selftest/"+instrument+"$")
	for i, item := range items {
		tabTo(t, ctx, "question "+item, func(f focused) bool { return f.Name == item })
		if err := press(ctx, " "); err != nil { // select the first option
			t.Fatal(err)
		}
		for range values[i] {
			if err := press(ctx, kb.ArrowDown); err != nil {
				t.Fatal(err)
			}
		}
		want := fmt.Sprint(values[i])
		if got := evalString(t, ctx, `(document.querySelector('input[name="`+item+`"]:checked') || {}).value || ''`); got != want {
			t.Fatalf("question %s: value %q after the keys, want %q", item, got, want)
		}
	}
	// The profile questions are optional: Tab past them to the button.
	tabTo(t, ctx, "the submit button", func(f focused) bool { return f.Tag == "BUTTON" && f.Type == "submit" })
	if err := press(ctx, kb.Enter); err != nil {
		t.Fatal(err)
	}
	return waitPath(t, ctx, "^/"+lang+"/selftest/result/[0-9a-f-]{36}$")
}

func phq9Items() []string {
	var items []string
	for i := 1; i <= 9; i++ {
		items = append(items, fmt.Sprintf("phq9_%d", i))
	}
	return items
}

func TestKeyboardSelftestEnglish(t *testing.T) {
	need(t)
	ctx := newTab(t)
	keyboardSelftest(t, ctx, "en", "phq9", phq9Items(), []int{1, 2, 1, 1, 0, 1, 1, 0, 0}) // 7: mild
	if h1 := evalString(t, ctx, `document.querySelector('h1').textContent.trim()`); h1 != "Your result" {
		t.Errorf("h1 %q", h1)
	}
	body := evalString(t, ctx, `document.querySelector('main').innerText`)
	for _, want := range []string{"Your score: 7 out of 27", "Mild", "Start the free self-help course", "This is not a diagnosis"} {
		if !strings.Contains(body, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	if evalString(t, ctx, `String(!!document.querySelector('.panel--crisis'))`) != "false" {
		t.Error("crisis panel shown without a crisis answer")
	}
	if c := evalString(t, ctx, `document.cookie`); c != "" {
		t.Errorf("cookies set: %q", c)
	}
}

func TestKeyboardSelftestDutchWithCrisisAnswer(t *testing.T) {
	need(t)
	ctx := newTab(t)
	keyboardSelftest(t, ctx, "nl", "phq9", phq9Items(), []int{0, 1, 0, 0, 0, 0, 0, 0, 2}) // 3, item 9 answered
	first := evalString(t, ctx, `(() => { const m = document.querySelector('main'); const e = m.firstElementChild; return e.className + '|' + e.querySelector('h1').textContent.trim(); })()`)
	if first != "panel panel--crisis|Praat er nu over met iemand" {
		t.Fatalf("the result does not lead with crisis help: %q", first)
	}
	// The crisis help is on the first screen of a phone, with tap-to-call
	// links.
	if top := evalString(t, ctx, `String(document.querySelector('.panel--crisis a[href^="tel:"]').getBoundingClientRect().top < innerHeight)`); top != "true" {
		t.Error("no call link on the first screen")
	}
	for _, tel := range []string{"tel:112", "tel:1813", "tel:113"} {
		if evalString(t, ctx, `String(!!document.querySelector('.panel--crisis a[href="`+tel+`"]'))`) != "true" {
			t.Errorf("crisis panel lacks %s", tel)
		}
	}
	body := evalString(t, ctx, `document.querySelector('main').innerText`)
	if i, j := strings.Index(body, "Praat er nu over"), strings.Index(body, "Je score: 3 van de 27"); i < 0 || j < 0 || i > j {
		t.Errorf("crisis help must come before the score:\n%s", body)
	}
}

func TestSelftestWithoutJavaScript(t *testing.T) {
	need(t)
	ctx := newTab(t)
	noJS := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	if err := chromedp.Do(ctx, noJS, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(baseURL+"/en/selftest/gad7")); err != nil {
		t.Fatal(err)
	}
	// Send the form with only the first question answered.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`label[for="gad7_1-2"]`)),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.error-summary`)),
	); err != nil {
		t.Fatal(err)
	}
	if title := evalString(t, ctx, `document.title`); !strings.HasPrefix(title, "Error: ") {
		t.Errorf("title %q does not start with 'Error: '", title)
	}
	links := evalString(t, ctx, `[...document.querySelectorAll('.error-summary a')].map(a => a.getAttribute('href')).join(' ')`)
	if links != "#gad7_2-0 #gad7_3-0 #gad7_4-0 #gad7_5-0 #gad7_6-0 #gad7_7-0" {
		t.Errorf("error summary links %q", links)
	}
	if evalString(t, ctx, `document.querySelector('#gad7_3-error').textContent`) == "" {
		t.Error("no error beside question 3")
	}
	if evalString(t, ctx, `document.querySelector('#gad7_1-2').checked ? 'kept' : 'lost'`) != "kept" {
		t.Error("the answer given was lost")
	}
	// app.js moves focus to the summary; it must not have run.
	if f, _ := active(ctx); f.Tag != "BODY" {
		t.Errorf("focus on %s: JavaScript seems to be running", f.Tag)
	}
	// Follow the summary link; then answer the rest and send.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.error-summary a`))); err != nil {
		t.Fatal(err)
	}
	waitHash := evalString(t, ctx, `location.hash`)
	if waitHash != "#gad7_2-0" {
		t.Errorf("summary link led to %q", waitHash)
	}
	for i := 2; i <= 7; i++ {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="gad7_%d-1"]`, i)))); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`label[for="age_band-3"]`)),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitPath(t, ctx, "^/en/selftest/result/[0-9a-f-]{36}$")
	body := evalString(t, ctx, `document.querySelector('main').innerText`)
	if !strings.Contains(body, "Your score: 8 out of 21") {
		t.Errorf("result without JavaScript:\n%s", body)
	}
}
