package frontend

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/haven-mh/haven/auth"
)

// A coordinator sees the course's rhythm (its content's week) in both
// languages, is told what is wrong with a rhythm that is not 0–60, and
// changes it: the page then says a coordinator set it, and the default.
func TestPacePageShowsAndChangesTheRhythm(t *testing.T) {
	e := newAccountEnv(t)
	e.jar[cookieAccess] = staffSession(t, e.auth, auth.RoleCoordinator, "pace-coord")
	for path, want := range map[string]string{
		"/en/coordination/pace": "Days between lessons: 7.",
		"/nl/coordination/pace": "Dagen tussen de lessen: 7.",
	} {
		w := e.do(http.MethodGet, path, nil)
		if body := w.Body.String(); w.Code != 200 || !strings.Contains(body, want) || !strings.Contains(body, `name="lesson_days" value="7"`) {
			t.Errorf("%s: %d, want %q and the form\n%s", path, w.Code, want, body)
		}
	}
	if body := e.do(http.MethodGet, "/en/account", nil).Body.String(); !strings.Contains(body, `href="/en/coordination/pace"`) {
		t.Error("the coordinator's account page does not link to the rhythm")
	}
	for _, bad := range []string{"", "-1", "61", "seven"} {
		w := e.do(http.MethodPost, "/en/coordination/pace/depression", url.Values{csrfField: {e.jar[cookieCSRF]}, "lesson_days": {bad}})
		if body := w.Body.String(); w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "Give a whole number of days from 0 to 60.") ||
			!strings.Contains(body, `href="#days-depression"`) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("%q: %d, want 422 with the error\n%s", bad, w.Code, body)
		}
	}
	w := e.do(http.MethodPost, "/en/coordination/pace/depression", url.Values{csrfField: {e.jar[cookieCSRF]}, "lesson_days": {"3"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/coordination/pace?done=saved#programme-depression" {
		t.Fatalf("save: %d → %s\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	body := e.do(http.MethodGet, "/en/coordination/pace?done=saved", nil).Body.String()
	for _, want := range []string{"The rhythm is saved.", "Days between lessons: 3.", "Set by a coordinator on ",
		"Without a coordinator&#39;s choice: 7 days between lessons, the course&#39;s own setting."} {
		if !strings.Contains(body, want) {
			t.Errorf("after saving, the page lacks %q\n%s", want, body)
		}
	}
	if w := e.do(http.MethodPost, "/en/coordination/pace/nope", url.Values{csrfField: {e.jar[cookieCSRF]}, "lesson_days": {"3"}}); w.Code != http.StatusNotFound {
		t.Errorf("unknown programme: %d", w.Code)
	}
}
