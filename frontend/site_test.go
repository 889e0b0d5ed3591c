package frontend

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/html"

	"github.com/haven-mh/haven/api/lang"
)

// pageCase is a visitor page and the message id (or literal) of its title.
type pageCase struct {
	path   string // without the language prefix
	status int
	title  string // message id; "=" prefix for a literal title
}

func visitorPages(e *testEnv, l string) []pageCase {
	pages := []pageCase{
		{"/", 200, "home.title"},
		{"/info", 200, "info.title"},
		{"/crisis", 200, "crisis.title"},
		{"/selfhelp", 200, "selfhelp.title"},
		{"/guided", 200, "guided.title"},
		{"/selftest", 200, "selftest.start.title"},
		{"/no-such-page", 404, "not_found.title"},
		{"/info/no-such-page", 404, "not_found.title"},
		{"/selftest/no-such-test", 404, "not_found.title"},
		{"/selftest/result/2b8f6f0e-4a8f-4a7e-9d7c-1f1f1f1f1f1f", 404, "not_found.title"},
	}
	for _, pg := range e.site.info.list[l] {
		pages = append(pages, pageCase{"/info/" + pg.ID, 200, "=" + pg.Title})
	}
	for _, in := range e.site.Selftest.Catalog().Instruments() {
		t, _ := in.Text(l)
		pages = append(pages, pageCase{"/selftest/" + in.ID, 200, "=" + t.Title})
	}
	// The trial: every step of the first lesson, read-only.
	first := e.site.programme().Lessons[0]
	for _, st := range first.Steps {
		title, _ := e.site.msgs.translate(l, "selfhelp.step.page_title", "Step", st.Title.In(l), "N", 1)
		pages = append(pages, pageCase{"/selfhelp/lesson/" + first.ID + "/" + st.ID, 200, "=" + title})
	}
	pages = append(pages, pageCase{"/selfhelp/lesson/no-such-lesson/x", 404, "not_found.title"})
	return pages
}

func TestEveryPageInBothLanguages(t *testing.T) {
	e := newTestEnv(t)
	for _, l := range lang.Supported {
		for _, pc := range visitorPages(e, l) {
			t.Run(l+pc.path, func(t *testing.T) {
				w := e.do(http.MethodGet, "/"+l+pc.path, nil)
				if w.Code != pc.status {
					t.Fatalf("status %d, want %d", w.Code, pc.status)
				}
				want := strings.TrimPrefix(pc.title, "=")
				if !strings.HasPrefix(pc.title, "=") {
					want, _ = e.site.msgs.translate(l, pc.title)
				}
				checkPage(t, e, w.Result(), l, want+" – Haven", pc.path)
			})
		}
	}
}

// checkPage checks what every visitor page must get right.
func checkPage(t *testing.T, e *testEnv, res *http.Response, l, title, path string) *html.Node {
	t.Helper()
	body, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if c := res.Header.Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("anonymous visitors must get no cookies, got %v", c)
	}
	if i := bytes.Index(body, []byte(missingMark)); i >= 0 {
		t.Errorf("missing message: %s", body[i:min(len(body), i+60)])
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	root := find(doc, func(n *html.Node) bool { return n.Data == "html" })
	if got := attr(root, "lang"); got != l {
		t.Errorf("<html lang=%q>, want %q", got, l)
	}
	if got := textOf(find(doc, func(n *html.Node) bool { return n.Data == "title" })); got != title {
		t.Errorf("title %q, want %q", got, title)
	}
	if n := len(findAll(doc, func(n *html.Node) bool { return n.Data == "h1" })); n != 1 {
		t.Errorf("%d h1 elements, want exactly 1", n)
	}
	// Consistent help: the crisis link in the header of every page.
	crisis := find(doc, func(n *html.Node) bool { return attr(n, "id") == "crisis-link" })
	if crisis == nil || attr(crisis, "href") != "/"+l+"/crisis" || find(doc, func(n *html.Node) bool {
		return n.Data == "header" && find(n, func(m *html.Node) bool { return m == crisis }) != nil
	}) == nil {
		t.Errorf("no crisis link to /%s/crisis in the header", l)
	}
	// The language switch leads to the same page in the other language
	// (error pages: the other language's home page).
	for _, other := range lang.Supported {
		if other == l {
			continue
		}
		want := "/" + other + path
		if res.StatusCode >= 400 && res.StatusCode != http.StatusUnprocessableEntity {
			want = "/" + other + "/"
		}
		sw := find(doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "hreflang") == other })
		if sw == nil || attr(sw, "href") != want || attr(sw, "lang") != other {
			t.Errorf("language switch to %s: want a link to %s with lang=%s", other, want, other)
		}
	}
	if find(doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "#main" }) == nil {
		t.Error("no skip link to #main")
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Type == html.ElementNode }) {
		if hasAttr(n, "style") {
			t.Errorf("<%s style=…>: inline styles break the CSP", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("<%s %s=…>: inline event handlers break the CSP", n.Data, a.Key)
			}
		}
		switch n.Data {
		case "script":
			if attr(n, "src") == "" {
				t.Error("inline <script> breaks the CSP")
			}
			checkLocal(t, attr(n, "src"))
		case "style":
			t.Error("<style> element breaks the CSP")
		case "img", "source", "iframe", "video", "audio":
			checkLocal(t, attr(n, "src"))
		case "link":
			checkLocal(t, attr(n, "href"))
		case "form":
			checkLocal(t, attr(n, "action"))
		}
	}
	return doc
}

func checkLocal(t *testing.T, u string) {
	t.Helper()
	if !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") {
		t.Errorf("resource %q is not on our own origin", u)
	}
}

func TestRootRedirectsByAcceptLanguage(t *testing.T) {
	e := newTestEnv(t)
	for _, tc := range []struct{ accept, want string }{
		{"en-GB,en;q=0.9", "/en/"},
		{"nl-BE,nl;q=0.9,en;q=0.5", "/nl/"},
		{"de-DE,fr;q=0.8", "/nl/"}, // the deployment's default
		{"", "/nl/"},
	} {
		w := e.do(http.MethodGet, "/", nil, "Accept-Language", tc.accept)
		if w.Code != http.StatusFound || w.Header().Get("Location") != tc.want {
			t.Errorf("Accept-Language %q: %d → %q, want 302 → %q", tc.accept, w.Code, w.Header().Get("Location"), tc.want)
		}
		if len(w.Result().Cookies()) > 0 || !strings.Contains(w.Header().Get("Vary"), "Accept-Language") {
			t.Errorf("Accept-Language %q: want no cookie and Vary: Accept-Language", tc.accept)
		}
	}
	if w := e.do(http.MethodGet, "/en", nil); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/en/" {
		t.Errorf("/en: %d → %q", w.Code, w.Header().Get("Location"))
	}
}

func TestSelftestInvalidAnswersShowErrorSummary(t *testing.T) {
	e := newTestEnv(t)
	// Question 1 answered, question 2 with a value that is not an option,
	// the rest left out.
	w := e.do(http.MethodPost, "/en/selftest/phq9", url.Values{"phq9_1": {"2"}, "phq9_2": {"7"}, "gender": {"woman"}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", w.Code)
	}
	doc := checkPage(t, e, w.Result(), "en", "Error: Depression questionnaire (PHQ-9) – Haven", "/selftest/phq9")
	summary := find(doc, func(n *html.Node) bool { return hasClass(n, "error-summary") })
	if summary == nil {
		t.Fatal("no error summary")
	}
	links := findAll(summary, func(n *html.Node) bool { return n.Data == "a" })
	if len(links) != 8 { // questions 2–9; 1 is answered and 10 is optional
		t.Errorf("%d links in the error summary, want 8", len(links))
	}
	for i, a := range links {
		want := "#phq9_" + string(rune('2'+i)) + "-0"
		if attr(a, "href") != want {
			t.Errorf("summary link %d → %q, want %q", i, attr(a, "href"), want)
		}
		target := find(doc, func(n *html.Node) bool { return "#"+attr(n, "id") == want })
		if target == nil || attr(target, "type") != "radio" {
			t.Errorf("summary link %s does not lead to a radio", want)
		}
	}
	if msg := find(doc, func(n *html.Node) bool { return attr(n, "id") == "phq9_3-error" }); msg == nil ||
		!strings.Contains(textOf(msg), "Choose an answer for question 3") {
		t.Error("no error message beside question 3")
	}
	fs := find(doc, func(n *html.Node) bool {
		return n.Data == "fieldset" && attr(n, "aria-describedby") == "phq9_3-error"
	})
	if fs == nil {
		t.Error("question 3's fieldset is not described by its error")
	}
	// The answers given are kept.
	for _, id := range []string{"phq9_1-2", "gender-0"} {
		in := find(doc, func(n *html.Node) bool { return attr(n, "id") == id })
		if in == nil || !hasAttr(in, "checked") {
			t.Errorf("answer %s was not kept", id)
		}
	}
	if in := find(doc, func(n *html.Node) bool { return attr(n, "id") == "phq9_1-0" }); hasAttr(in, "checked") {
		t.Error("an answer not given is checked")
	}
}

func answers(values ...int) url.Values {
	v := url.Values{}
	for i, n := range values {
		v.Set("phq9_"+string(rune('1'+i)), string(rune('0'+n)))
	}
	return v
}

func TestSelftestSubmitAndResult(t *testing.T) {
	e := newTestEnv(t)
	form := answers(2, 2, 1, 2, 1, 1, 1, 1, 0) // 11: moderate, no crisis
	form.Set("phq9_difficulty", "1")
	form.Set("age_band", "25_34")
	form.Set("region", "")
	w := e.do(http.MethodPost, "/nl/selftest/phq9", form)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303; body:\n%s", w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	if !regexp.MustCompile(`^/nl/selftest/result/[0-9a-f-]{36}\?claim=[A-Za-z0-9_-]{43}$`).MatchString(loc) {
		t.Fatalf("Location %q", loc)
	}
	w = e.do(http.MethodGet, loc, nil)
	if w.Code != 200 {
		t.Fatalf("result: status %d", w.Code)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("result Cache-Control %q, want no-store", cc)
	}
	doc := checkPage(t, e, w.Result(), "nl", "Je resultaat – Haven", strings.TrimPrefix(loc, "/nl"))
	if got := textOf(find(doc, func(n *html.Node) bool { return n.Data == "h1" })); got != "Je resultaat" {
		t.Errorf("h1 %q", got)
	}
	if hasClassAnywhere(doc, "panel--crisis") {
		t.Error("crisis panel without the crisis flag")
	}
	body := w.Body.String()
	for _, want := range []string{"Je score: 11 van de 27", "Matig", `href="/nl/guided"`, `href="/nl/info/treatment"`, "Spitzer", `name="robots" content="noindex"`} {
		if !strings.Contains(body, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	// The same result in English, through the language switch.
	w = e.do(http.MethodGet, strings.Replace(loc, "/nl/", "/en/", 1), nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Your score: 11 out of 27") {
		t.Errorf("English result: %d", w.Code)
	}
}

func TestSelftestCrisisResultLeadsWithCrisisHelp(t *testing.T) {
	e := newTestEnv(t)
	w := e.do(http.MethodPost, "/en/selftest/phq9", answers(0, 0, 0, 0, 0, 0, 0, 0, 1))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d", w.Code)
	}
	w = e.do(http.MethodGet, w.Header().Get("Location"), nil)
	body := w.Body.String()
	doc, _ := html.Parse(strings.NewReader(body))
	main := find(doc, func(n *html.Node) bool { return n.Data == "main" })
	first := main.FirstChild
	for first != nil && first.Type != html.ElementNode {
		first = first.NextSibling
	}
	if first == nil || !hasClass(first, "panel--crisis") {
		t.Fatal("the result page does not start with the crisis panel")
	}
	if h1 := find(first, func(n *html.Node) bool { return n.Data == "h1" }); h1 == nil || textOf(h1) != "Talk to someone now" {
		t.Error("the crisis panel has no h1 'Talk to someone now'")
	}
	for _, tel := range []string{"tel:112", "tel:1813", "tel:113", "tel:08000113"} {
		if find(first, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == tel }) == nil {
			t.Errorf("crisis panel lacks a %s link", tel)
		}
	}
	if i, j := strings.Index(body, "panel--crisis"), strings.Index(body, "Your score: 1 out of 27"); i < 0 || j < 0 || i > j {
		t.Error("the score comes before the crisis help")
	}
	// After crisis help: the GP, marked urgent, then the course.
	if got := resultSteps(doc); strings.Join(got, " | ") != "!See your GP soon: call today | Start the free self-help course" {
		t.Errorf("next steps %q", got)
	}
}

// resultSteps lists the next-step cards of a result page: their titles,
// "!" before an urgent one (its card and its "Urgent" tag).
func resultSteps(doc *html.Node) []string {
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && hasClass(n, "card") {
			title := textOf(find(n, func(m *html.Node) bool { return hasClass(m, "card__title") }))
			tag := find(n, func(m *html.Node) bool { return hasClass(m, "tag--urgent") })
			if hasClass(n, "card--urgent") && tag != nil && textOf(tag) != "" {
				title = "!" + title
			}
			out = append(out, strings.TrimSpace(title))
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func TestSelftestSevereResultPutsTheGPFirst(t *testing.T) {
	e := newTestEnv(t)
	w := e.do(http.MethodPost, "/nl/selftest/phq9", answers(3, 3, 3, 3, 3, 3, 2, 0, 0)) // 20, no crisis answer
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d", w.Code)
	}
	w = e.do(http.MethodGet, w.Header().Get("Location"), nil)
	doc, _ := html.Parse(strings.NewReader(w.Body.String()))
	if hasClassAnywhere(doc, "panel--crisis") {
		t.Error("crisis panel without a crisis answer")
	}
	if got := resultSteps(doc); strings.Join(got, " | ") != "!Ga snel naar je huisarts: bel vandaag | Vraag naar begeleide online hulp" {
		t.Errorf("next steps %q", got)
	}
	if !strings.Contains(w.Body.String(), ">Dringend<") {
		t.Error("no Dutch 'Dringend' tag")
	}
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	e := newTestEnv(t)
	w := e.do(http.MethodPost, "/en/selftest/phq9", answers(0, 0, 0, 0, 0, 0, 0, 0, 0), "Sec-Fetch-Site", "cross-site")
	if w.Code != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", w.Code)
	}
	w = e.do(http.MethodPost, "/en/selftest/phq9", answers(0, 0, 0, 0, 0, 0, 0, 0, 0), "Sec-Fetch-Site", "same-origin")
	if w.Code != http.StatusSeeOther {
		t.Errorf("same-origin post: %d, want 303", w.Code)
	}
}

func TestStaticAssets(t *testing.T) {
	e := newTestEnv(t)
	u, err := e.site.assets.url("app.css")
	if err != nil {
		t.Fatal(err)
	}
	w := e.do(http.MethodGet, u, nil, "Accept-Encoding", "gzip, br")
	if w.Code != 200 || w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("%s: %d, encoding %q, cache %q", u, w.Code, w.Header().Get("Content-Encoding"), w.Header().Get("Cache-Control"))
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(zr)
	if !bytes.Contains(css, []byte(":focus-visible")) {
		t.Error("the stylesheet does not decompress to itself")
	}
	if w := e.do(http.MethodGet, u, nil); w.Header().Get("Content-Encoding") != "" || w.Body.Len() != len(css) {
		t.Error("no gzip asked, but gzip sent")
	}
	if w := e.do(http.MethodGet, "/assets/app.0000000000.css", nil); w.Code != 404 {
		t.Errorf("unknown asset: %d", w.Code)
	}
	// Pages are compressed too.
	if w := e.do(http.MethodGet, "/en/info/signs", nil, "Accept-Encoding", "gzip"); w.Header().Get("Content-Encoding") != "gzip" {
		t.Error("HTML pages are not gzipped")
	}
}

// TestPageWeight keeps every visitor page under 100 KB transferred (HTML,
// CSS, JS and images, gzip on): visitors are often on a phone with a slow
// connection.
func TestPageWeight(t *testing.T) {
	const budget = 100 << 10
	e := newTestEnv(t)
	for _, l := range lang.Supported {
		for _, pc := range visitorPages(e, l) {
			w := e.do(http.MethodGet, "/"+l+pc.path, nil, "Accept-Encoding", "gzip")
			total := w.Body.Len()
			zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
			if err != nil {
				t.Fatalf("%s: page not gzipped: %v", pc.path, err)
			}
			doc, err := html.Parse(zr)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range findAll(doc, func(n *html.Node) bool {
				return (n.Data == "link" && attr(n, "href") != "" && attr(n, "rel") != "alternate") || ((n.Data == "script" || n.Data == "img") && attr(n, "src") != "")
			}) {
				u := attr(n, "src") + attr(n, "href")
				aw := e.do(http.MethodGet, u, nil, "Accept-Encoding", "gzip")
				if aw.Code != 200 {
					t.Errorf("%s: %s: %d", pc.path, u, aw.Code)
				}
				total += aw.Body.Len()
			}
			if total > budget {
				t.Errorf("/%s%s: %d bytes transferred, budget %d", l, pc.path, total, budget)
			}
		}
	}
}

func TestPanicShowsFriendlyErrorPage(t *testing.T) {
	e := newTestEnv(t)
	e.engine.GET("/nl/boom", func(*gin.Context) { panic("secret internal detail") })
	w := e.do(http.MethodGet, "/nl/boom", nil)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	if strings.Contains(w.Body.String(), "secret") {
		t.Error("the error page shows internal details")
	}
	checkPage(t, e, w.Result(), "nl", "Sorry, er ging iets mis – Haven", "/")
}

func TestHead(t *testing.T) {
	e := newTestEnv(t)
	w := e.do(http.MethodHead, "/en/info", nil, "Accept-Encoding", "gzip")
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD /en/info: %d, %d body bytes, Content-Length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
}

func TestMethodNotAllowedPage(t *testing.T) {
	e := newTestEnv(t)
	w := e.do(http.MethodPost, "/en/info", url.Values{})
	if w.Code != http.StatusMethodNotAllowed || !strings.Contains(w.Body.String(), "Page not found") {
		t.Errorf("POST /en/info: %d", w.Code)
	}
}

func TestInfoContentPhoneNumbersAreTapToCall(t *testing.T) {
	e := newTestEnv(t)
	body := e.do(http.MethodGet, "/en/info/urgent-help", nil).Body.String()
	for _, want := range []string{`<a href="tel:112"`, `<a href="tel:1813"`, `<a href="tel:0880767000"`} {
		if !strings.Contains(body, want) {
			t.Errorf("urgent-help lacks %s", want)
		}
	}
}

// HTML helpers.

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if n == nil {
		return nil
	}
	if n.Type == html.ElementNode && match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, match); f != nil {
			return f
		}
	}
	return nil
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func attr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	if n == nil {
		return false
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func hasClass(n *html.Node, class string) bool {
	return n != nil && n.Type == html.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " "+class+" ")
}

func hasClassAnywhere(n *html.Node, class string) bool {
	return find(n, func(m *html.Node) bool { return hasClass(m, class) }) != nil
}

func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// TestSelftestUnder18SeesYouthLines: the age band "under 18" adds the lines
// for young people (Awel 102, De Kindertelefoon 0800-0432) beside the crisis
// lines, or in a panel of their own without a crisis answer; adults see
// none in their result; the crisis page lists them for anyone.
func TestSelftestUnder18SeesYouthLines(t *testing.T) {
	e := newTestEnv(t)
	youthTels := []string{"tel:102", "tel:08000432"}
	tests := []struct {
		name     string
		item9    int
		age      string
		panel    string // the panel that must hold the youth lines, "" for none
		inCrisis bool
	}{
		{"under 18, crisis answer", 1, "under_18", "panel--crisis", true},
		{"under 18, no crisis answer", 0, "under_18", "panel--youth", false},
		{"adult, crisis answer", 1, "25_34", "", true},
		{"no age, no crisis answer", 0, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := answers(1, 0, 0, 0, 0, 0, 0, 0, tt.item9)
			form.Set("age_band", tt.age)
			w := e.do(http.MethodPost, "/nl/selftest/phq9", form)
			if w.Code != http.StatusSeeOther {
				t.Fatalf("status %d", w.Code)
			}
			w = e.do(http.MethodGet, w.Header().Get("Location"), nil)
			doc, _ := html.Parse(strings.NewReader(w.Body.String()))
			if got := hasClassAnywhere(doc, "panel--crisis"); got != tt.inCrisis {
				t.Fatalf("crisis panel %v, want %v", got, tt.inCrisis)
			}
			for _, tel := range youthTels {
				link := find(doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == tel })
				switch {
				case tt.panel == "" && link != nil:
					t.Errorf("an adult's result shows %s", tel)
				case tt.panel != "" && link == nil:
					t.Errorf("no %s link", tel)
				case tt.panel != "":
					panel := find(doc, func(n *html.Node) bool { return hasClass(n, tt.panel) })
					if find(panel, func(n *html.Node) bool { return n == link }) == nil {
						t.Errorf("%s is not in the %s", tel, tt.panel)
					}
				}
			}
			if tt.panel != "" && !strings.Contains(w.Body.String(), "Voor kinderen en jongeren") {
				t.Error("the youth lines have no heading")
			}
			if tt.panel == "panel--crisis" {
				for _, tel := range []string{"tel:1813", "tel:113", "tel:112"} {
					if find(doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == tel }) == nil {
						t.Errorf("the adult line %s is missing beside the youth lines", tel)
					}
				}
			}
		})
	}
	w := e.do(http.MethodGet, "/en/crisis", nil)
	for _, want := range append(youthTels, "For children and young people", "https://www.awel.be", "https://www.kindertelefoon.nl") {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("the crisis page lacks %q", want)
		}
	}
}

// TestPagesPromiseOnlyWhatExists: no page speaks of what Haven has not
// built — a coach, something "soon", monthly reports — and the privacy page
// says what is there: the course's own reminder address, guided help and
// what a clinician sees only after the client agreed, the safety-signal
// note and how visits are counted.
func TestPagesPromiseOnlyWhatExists(t *testing.T) {
	e := newTestEnv(t)
	never := []string{"coach", "per month", "per maand", " soon", "binnenkort",
		"follow the course with a professional", "cursus ook volgen met een hulpverlener"}
	for _, l := range []string{"en", "nl"} {
		for _, p := range []string{"/", "/info/your-data", "/guided", "/selfhelp", "/selftest", "/crisis"} {
			w := e.do(http.MethodGet, "/"+l+p, nil)
			b := strings.ToLower(w.Body.String())
			main := b[strings.Index(b, "<main"):strings.Index(b, "</main>")]
			for _, n := range never {
				if strings.Contains(main, n) {
					t.Errorf("/%s%s says %q", l, p, n)
				}
			}
		}
	}
	want := map[string][]string{
		"en": {"one reminder e-mail", "Guided help: a professional, only when you agree", "Only after <strong>you agree to start</strong>", "Other clinicians cannot see any of it", "notes <strong>that moment</strong>", "Counting visits without knowing who you are", "a key that changes every day"},
		"nl": {"één herinnering per e-mail", "Begeleide hulp: een hulpverlener, alleen als jij het wilt", "Pas als <strong>jij akkoord gaat om te starten</strong>", "Andere hulpverleners zien daar niets van", "noteert het <strong>dat moment</strong>", "Bezoeken tellen zonder te weten wie je bent", "een sleutel die elke dag verandert"},
	}
	for l, ws := range want {
		b := e.do(http.MethodGet, "/"+l+"/info/your-data", nil).Body.String()
		for _, w := range ws {
			if !strings.Contains(b, w) {
				t.Errorf("/%s/info/your-data lacks %q", l, w)
			}
		}
	}
}
