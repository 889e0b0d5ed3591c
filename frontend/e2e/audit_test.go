package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/frontend"
)

// auditPage is a page to audit; setup, when set, gets the page into the
// state to audit (a form with errors).
type auditPage struct {
	name  string
	url   string
	setup func(ctx context.Context) error
	only  int64 // audit at this width only; 0: at every width
}

var widths = []int64{375, 1280}

// reflowWidth is the narrowest screen WCAG 1.4.10 asks a page to fit
// without scrolling sideways: every audited page is loaded at it too,
// checked for that and photographed (axe runs at the two widths above).
const reflowWidth = 320

// auditBudget is the time a tab gets to audit pages: 10 s per page and
// width (a load, axe, the checks and a screenshot take 1–3 s on an idle
// machine), at least 90 s.
func auditBudget(pages []auditPage) time.Duration {
	return max(90*time.Second, time.Duration(len(pages)*(len(widths)+1))*10*time.Second)
}

// TestAccessibilityAudit loads every visitor page in both languages at
// phone and desktop width and checks it with axe-core (WCAG 2.0–2.2 A and
// AA rules), then what axe cannot see: the crisis link is in the same place
// on every page, touch targets are at least 24 px, and keyboard focus is
// always visible. It writes a screenshot of each page at each width.
func TestAccessibilityAudit(t *testing.T) {
	need(t)
	shots := filepath.Join(outDir, "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	errorBase := errorPageServer(t)
	for _, lang := range []string{"nl", "en"} {
		pages := auditPages(t, lang, errorBase)
		t.Run(lang, func(t *testing.T) {
			ctx := newTabWithin(t, auditBudget(pages))
			recordCSP(t, ctx)
			audit(t, ctx, lang, pages)
		})
		// A visitor under 18: the lines for young people, on their own and
		// beside the crisis lines (a tab of their own, with its own time).
		youth := []auditPage{
			{name: "result-youth", url: baseURL + submit(t, lang, "phq9", []int{1, 1, 0, 0, 0, 0, 0, 0, 0}, "age_band", "under_18")},
			{name: "result-youth-crisis", url: baseURL + submit(t, lang, "phq9", []int{1, 1, 0, 0, 0, 0, 0, 0, 1}, "age_band", "under_18")},
		}
		t.Run(lang+"-youth", func(t *testing.T) {
			ctx := newTab(t)
			recordCSP(t, ctx)
			audit(t, ctx, lang, youth)
		})
	}
	t.Logf("screenshots in %s", shots)
}

// recordCSP records Content-Security-Policy violations from the first
// moment of every document in the tab.
func recordCSP(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
		})
		return err
	})); err != nil {
		t.Fatal(err)
	}
}

// audit checks pages (in order, at each width) in the tab ctx.
func audit(t *testing.T, ctx context.Context, lang string, pages []auditPage) {
	t.Helper()
	shots := filepath.Join(outDir, "screenshots")
	for _, w := range widths {
		var crisisRef *crisisPos
		for _, p := range pages {
			if p.only != 0 && p.only != w {
				continue
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 800), chromedp.Navigate(p.url)); err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
			if p.setup != nil {
				if err := p.setup(ctx); err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
			}
			where := fmt.Sprintf("%s %s @%dpx", lang, p.name, w)
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s: screenshot: %v", where, err)
			}
			name := fmt.Sprintf("%s-%s-%d.png", lang, p.name, w)
			if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
				t.Fatal(err)
			}
			runAxe(t, ctx, where)
			checkCSP(t, ctx, where)
			pos := crisisPosition(t, ctx, where)
			if crisisRef == nil {
				crisisRef = &pos
			} else if pos != *crisisRef {
				t.Errorf("%s: crisis link at %+v, but at %+v on %s (consistent help)", where, pos, *crisisRef, pages[0].name)
			}
			checkTargetSizes(t, ctx, where)
			if w == 1280 {
				checkFocusVisible(t, ctx, where)
			}
		}
	}
	// The narrow pass comes last, so set-ups that submit a form (a
	// questionnaire taken) have done so at the audited widths.
	checkReflow(t, ctx, lang, pages)
}

func auditPages(t *testing.T, lang, errorBase string) []auditPage {
	t.Helper()
	u := func(p string) string { return baseURL + "/" + lang + p }
	pages := []auditPage{
		{name: "home", url: u("/")},
		{name: "info", url: u("/info")},
	}
	for _, id := range []string{"what-is-depression", "signs", "treatment", "urgent-help", "relatives", "your-data"} {
		pages = append(pages, auditPage{name: "info-" + id, url: u("/info/" + id)})
	}
	pages = append(pages,
		auditPage{name: "crisis", url: u("/crisis")},
		auditPage{name: "selfhelp", url: u("/selfhelp")},
		auditPage{name: "selfhelp-trial", url: u("/selfhelp/lesson/understanding/welcome")},
		auditPage{name: "selfhelp-trial-exercise", url: u("/selfhelp/lesson/understanding/starting-point")},
		auditPage{name: "selfhelp-trial-end", url: u("/selfhelp/lesson/understanding/homework")},
		auditPage{name: "guided", url: u("/guided")},
		auditPage{name: "selftest", url: u("/selftest")},
		auditPage{name: "selftest-phq9", url: u("/selftest/phq9")},
		auditPage{name: "selftest-gad7", url: u("/selftest/gad7")},
		auditPage{name: "selftest-phq9-errors", url: u("/selftest/phq9"), setup: func(ctx context.Context) error {
			return chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`label[for="phq9_1-1"]`)),
				chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(`.error-summary`)),
			)
		}},
		auditPage{name: "result", url: baseURL + submit(t, lang, "phq9", []int{2, 2, 2, 1, 1, 2, 1, 1, 0})},
		auditPage{name: "result-crisis", url: baseURL + submit(t, lang, "phq9", []int{3, 3, 3, 3, 2, 3, 2, 2, 1})},
		auditPage{name: "not-found", url: u("/no-such-page")},
		auditPage{name: "error", url: errorBase + "/" + lang + "/error-page"},
	)
	return pages
}

// submit posts a self-test straight to the server, with extra form fields
// (name, value, …) such as profile answers, and returns the result page's
// path.
func submit(t *testing.T, lang, instrument string, values []int, extra ...string) string {
	t.Helper()
	form := url.Values{}
	for i, v := range values {
		form.Set(fmt.Sprintf("%s_%d", instrument, i+1), fmt.Sprint(v))
	}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(baseURL+"/"+lang+"/selftest/"+instrument, form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", res.StatusCode)
	}
	return res.Header.Get("Location")
}

// errorPageServer serves the 500 page, which the real server shows only
// when something breaks, from the same frontend package with the same
// security headers; every other path (the assets) goes to the real server.
func errorPageServer(t *testing.T) string {
	t.Helper()
	svcs := wiretest.New(t)
	site, err := frontend.New(frontend.Deps{Selftest: svcs.Selftest, Auth: svcs.Auth, Audit: svcs.Audit, Selfhelp: svcs.Selfhelp, Coaching: svcs.Coaching, DefaultLanguage: "nl"})
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(baseURL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	r := gin.New()
	r.Use(middleware.SecurityHeaders(false))
	r.GET("/:lang/error-page", site.InternalError)
	r.NoRoute(gin.WrapH(proxy))
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func runAxe(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.axe || (0, eval)(`+jsString(axeSource)+`)`)); err != nil {
		t.Fatalf("%s: load axe: %v", where, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {
		runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
		resultTypes: ['violations']
	}).then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
		nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' '))}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe: %v", where, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("%s: axe %s (%s): %s\n  %s", where, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func checkCSP(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	v := evalString(t, ctx, `(window.__csp || []).join('; ')`)
	if v != "" {
		t.Errorf("%s: Content-Security-Policy violations: %s", where, v)
	}
}

type crisisPos struct {
	X, Y, W, H float64
	Index      int // position among the header's focusable elements
}

func crisisPosition(t *testing.T, ctx context.Context, where string) crisisPos {
	t.Helper()
	raw := evalString(t, ctx, `(() => {
		const a = document.getElementById('crisis-link');
		if (!a || !a.closest('header')) return '';
		const r = a.getBoundingClientRect();
		const all = [...document.querySelectorAll('header a[href], header button')];
		return JSON.stringify({X: r.x + scrollX, Y: r.y + scrollY, W: r.width, H: r.height, Index: all.indexOf(a)});
	})()`)
	if raw == "" {
		t.Errorf("%s: no crisis link in the header", where)
		return crisisPos{}
	}
	var p crisisPos
	_ = json.Unmarshal([]byte(raw), &p)
	return p
}

// checkTargetSizes wants every pointer target to be at least 24 by 24 CSS
// pixels (WCAG 2.2 2.5.8), except links inside a sentence, which the
// criterion exempts.
func checkTargetSizes(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	raw := evalString(t, ctx, `JSON.stringify([...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')].flatMap(el => {
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || r.right <= 0 || r.bottom <= 0 || el.closest('.visually-hidden')) return [];
		if (el.tagName === 'A' && getComputedStyle(el).display === 'inline') {
			const block = el.parentElement.closest('p, li, td, dd, dt, h1, h2, h3, h4');
			if (block && block.textContent.trim() !== el.textContent.trim()) return []; // in a sentence
		}
		if (r.width >= 24 && r.height >= 24) return [];
		return [el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + el.textContent.trim().slice(0, 40) + '" ' + Math.round(r.width) + 'x' + Math.round(r.height)];
	}))`)
	var small []string
	_ = json.Unmarshal([]byte(raw), &small)
	for _, s := range small {
		t.Errorf("%s: target smaller than 24px: %s", where, s)
	}
}

// checkFocusVisible tabs through the page and wants a visible focus
// indicator (an outline or a box shadow) on every element that gets focus.
func checkFocusVisible(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 60 {
		if err := press(ctx, kb.Tab); err != nil {
			t.Fatal(err)
		}
		raw := evalString(t, ctx, `(() => {
			const e = document.activeElement;
			if (!e || e === document.body) return '';
			const s = getComputedStyle(e);
			const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && !/rgba\(.*, 0\)$/.test(s.outlineColor);
			const shadow = s.boxShadow && s.boxShadow !== 'none';
			const r = e.getBoundingClientRect();
			const onScreen = r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
			const id = e.tagName + (e.id ? '#' + e.id : '') + ' ' + (e.getAttribute('href') || e.getAttribute('name') || '') + ' ' + (e.value || '');
			return JSON.stringify({id, ok: (outline || shadow) && onScreen});
		})()`)
		if raw == "" {
			continue
		}
		var f struct {
			ID string `json:"id"`
			OK bool   `json:"ok"`
		}
		_ = json.Unmarshal([]byte(raw), &f)
		if seen[f.ID] {
			break // wrapped around
		}
		seen[f.ID] = true
		if !f.OK {
			t.Errorf("%s: focus not visible on %s", where, f.ID)
		}
	}
	if len(seen) == 0 {
		t.Errorf("%s: Tab never focused anything", where)
	}
}

// checkReflow loads pages at 320 px: the document must be no wider than
// the screen (a wide table scrolls in its own region, .table-wrap), and a
// screenshot of each is kept. Pages audited at the phone width only are
// checked too.
func checkReflow(t *testing.T, ctx context.Context, lang string, pages []auditPage) {
	t.Helper()
	shots := filepath.Join(outDir, "screenshots")
	for _, p := range pages {
		if p.only != 0 && p.only != widths[0] {
			continue
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(reflowWidth, 800), chromedp.Navigate(p.url)); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if p.setup != nil {
			if err := p.setup(ctx); err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
		}
		where := fmt.Sprintf("%s %s @%dpx", lang, p.name, reflowWidth)
		if w := evalString(t, ctx, `String(document.documentElement.scrollWidth)`); w != fmt.Sprint(reflowWidth) {
			wide := evalString(t, ctx, `[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.table-wrap, .table-scroll'))
				.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ')[0] : '') + ' right=' + Math.round(e.getBoundingClientRect().right)).join('; ')`)
			t.Errorf("%s: the page is %s px wide at %d px (reflow): %s", where, w, reflowWidth, wide)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: screenshot: %v", where, err)
		}
		if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%s-%d.png", lang, p.name, reflowWidth)), png, 0o644); err != nil {
			t.Fatal(err)
		}
		checkCSP(t, ctx, where)
	}
}
