package frontend

import (
	"net/http"
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
