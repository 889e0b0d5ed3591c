package frontend

import (
	"net/http"
	"strings"
	"testing"
)

// The self-test list is ordered by purpose (the PHQ-9 about low mood
// first), and the GAD-7 leads to the info page about anxiety, which exists
// in both languages with its sources.
func TestSelftestListByPurposeAndAnxietyPage(t *testing.T) {
	e := newTestEnv(t)
	for _, tt := range []struct{ lang, sources, title string }{
		{"en", "<h2>Sources</h2>", "Anxiety and worry"},
		{"nl", "<h2>Bronnen</h2>", "Angst en piekeren"},
	} {
		body := e.do(http.MethodGet, "/"+tt.lang+"/selftest", nil).Body.String()
		phq, gad := strings.Index(body, `/selftest/phq9"`), strings.Index(body, `/selftest/gad7"`)
		if phq < 0 || gad < 0 || phq > gad {
			t.Errorf("%s: the PHQ-9 (at %d) must come before the GAD-7 (at %d)", tt.lang, phq, gad)
		}
		if !strings.Contains(body[phq:], `href="/`+tt.lang+`/info/anxiety"`) {
			t.Errorf("%s: the GAD-7 card does not link the anxiety page", tt.lang)
		}
		form := e.do(http.MethodGet, "/"+tt.lang+"/selftest/gad7", nil).Body.String()
		if !strings.Contains(form, `href="/`+tt.lang+`/info/anxiety"`) {
			t.Errorf("%s: the GAD-7 form does not link the anxiety page", tt.lang)
		}
		w := e.do(http.MethodGet, "/"+tt.lang+"/info/anxiety", nil)
		page := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(page, "<h1>"+tt.title+"</h1>") || !strings.Contains(page, tt.sources) {
			t.Errorf("%s anxiety page: %d\n%s", tt.lang, w.Code, page)
		}
		if list := e.do(http.MethodGet, "/"+tt.lang+"/info", nil).Body.String(); !strings.Contains(list, `/info/anxiety"`) {
			t.Errorf("%s: the info list does not list the anxiety page", tt.lang)
		}
	}
}
