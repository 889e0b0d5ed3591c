package frontend

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Above the questions, once, the form says that they are the official
// questionnaire's words (why the Dutch items say "u").
func TestSelftestFormSaysTheItemsAreOfficialWording(t *testing.T) {
	e := newTestEnv(t)
	for _, tt := range []struct{ path, note string }{
		{"/nl/selftest/phq9", "officiële woorden van de vragenlijst PHQ-9. Daarom spreken ze je aan met ‘u’"},
		{"/en/selftest/phq9", "official words of the PHQ-9 questionnaire"},
		{"/nl/selftest/gad7", "officiële woorden van de vragenlijst GAD-7"},
	} {
		body := e.do(http.MethodGet, tt.path, nil).Body.String()
		if n := strings.Count(body, tt.note); n != 1 {
			t.Errorf("%s: the note appears %d times, want once", tt.path, n)
			continue
		}
		if strings.Index(body, tt.note) > strings.Index(body, `class="fieldset"`) {
			t.Errorf("%s: the note comes after the first question", tt.path)
		}
	}
}

// The questionnaire shows progress as one answers: a count made by CSS
// counters (no JavaScript needed) and a <progress> that app.js moves,
// starting from the answers already given when the form comes back.
func TestSelftestFormShowsProgress(t *testing.T) {
	e := newTestEnv(t)
	body := e.do(http.MethodGet, "/nl/selftest/phq9", nil).Body.String()
	for _, want := range []string{
		`<div class="selftest__progress" data-progress>`,
		`data-of=" van 10 vragen beantwoord"`,
		`<progress class="selftest__progress-bar" max="10" value="0" aria-labelledby="progress-text" hidden></progress>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form: want %s", want)
		}
	}
	if n := strings.Count(body, `class="form-group selftest__q`); n != 10 {
		t.Errorf("%d questions marked for the count, want 10", n)
	}
	// Three answers and a missing one: the form comes back with the bar at 3.
	form := url.Values{"phq9_1": {"1"}, "phq9_2": {"2"}, "phq9_3": {"0"}, "idempotency_key": {hiddenValue(body, "idempotency_key")}}
	w := e.do(http.MethodPost, "/en/selftest/phq9", form)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `max="10" value="3"`) {
		t.Errorf("form with errors: %d, want the bar at 3\n%s", w.Code, w.Body.String())
	}
	href, err := e.site.assets.url("app.css")
	if err != nil {
		t.Fatal(err)
	}
	css := e.do(http.MethodGet, href, nil).Body.String()
	for _, want := range []string{".selftest__q .radios__input:checked { counter-increment: answered; }", "content: counter(answered) attr(data-of);"} {
		if !strings.Contains(css, want) {
			t.Errorf("app.css: want %s", want)
		}
	}
}
