package frontend

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The plan page links to the plan's lesson only when it is open, and
// otherwise says when it opens.
func TestSelfhelpPlanLinksOnlyToOpenLessons(t *testing.T) {
	e := newAccountEnv(t)
	signUpClient(t, e, "plan-reader")
	p := e.site.programme()
	l := p.Lesson(p.Plan.Lesson)
	link := `href="/en/selfhelp/lesson/` + l.ID + `"`

	// Not started: no link into a lesson.
	if body := e.do(http.MethodGet, "/en/selfhelp/plan", nil).Body.String(); strings.Contains(body, link) {
		t.Errorf("not started: the plan links to lesson %s\n%s", l.ID, body)
	}
	// Started: the plan's lesson is still locked.
	e.do(http.MethodGet, "/en/selfhelp/lesson/"+p.Lessons[0].ID+"/"+p.Lessons[0].Steps[0].ID, nil)
	body := e.do(http.MethodGet, "/en/selfhelp/plan", nil).Body.String()
	if strings.Contains(body, link) || !strings.Contains(body, "opens when you have finished lesson") {
		t.Errorf("locked: want no link to lesson %s and when it opens\n%s", l.ID, body)
	}
	if !strings.Contains(body, `href="/en/selfhelp"`) {
		t.Error("locked: want the way back to the course")
	}
}

// Without a mail server the reminder e-mail is neither offered nor
// accepted; with one it is.
func TestSelfhelpReminderOnlyWhenMailIsSent(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mail   bool
		status int
	}{
		{"no mail", false, http.StatusNotFound},
		{"mail", true, http.StatusSeeOther},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newAccountEnvWith(t, func(d *Deps) { d.MailConfigured = tt.mail })
			signUpClient(t, e, "reminded")
			e.do(http.MethodGet, "/en/selfhelp/lesson/understanding/welcome", nil)
			body := e.do(http.MethodGet, "/en/selfhelp", nil).Body.String()
			if offered := strings.Contains(body, `id="reminder"`) && strings.Contains(body, `id="email"`); offered != tt.mail {
				t.Errorf("reminder offered: %v, want %v", offered, tt.mail)
			}
			w := e.do(http.MethodPost, "/en/selfhelp/reminder", url.Values{"email": {"me@example.com"}, csrfField: {e.jar[cookieCSRF]}})
			if w.Code != tt.status {
				t.Errorf("reminder post: %d, want %d", w.Code, tt.status)
			}
		})
	}
}

// Deleting a diary day takes a second step (no JavaScript needed): the
// first post only asks, set apart from Save on the edit page.
func TestSelfhelpDiaryDeleteAsksFirst(t *testing.T) {
	e := newAccountEnv(t)
	signUpClient(t, e, "diarist")
	e.do(http.MethodGet, "/en/selfhelp/lesson/understanding/welcome", nil)
	day := e.site.Selfhelp.Today().Format("2006-01-02")
	postStep(e, "/en/selfhelp/diary", url.Values{"day": {day}, "mood": {"4"}, "note": {"keep me"}})
	edit := e.do(http.MethodGet, "/en/selfhelp/diary?day="+day, nil).Body.String()
	save, zone := strings.Index(edit, `type="submit">Save`), strings.Index(edit, `<section class="danger-zone"`)
	if save < 0 || zone < save || !strings.Contains(edit[zone:], `action="/en/selfhelp/diary/delete"`) {
		t.Errorf("the delete form is not set apart after Save\n%s", edit)
	}

	w := e.do(http.MethodPost, "/en/selfhelp/diary/delete", url.Values{"day": {day}, csrfField: {e.jar[cookieCSRF]}})
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "You cannot undo this.") || !strings.Contains(body, `name="confirm" value="yes"`) ||
		!strings.Contains(body, `href="/en/selfhelp/diary?day=`+day+`#entry"`) {
		t.Fatalf("first step: %d, want the confirmation page\n%s", w.Code, body)
	}
	if list := e.do(http.MethodGet, "/en/selfhelp/diary", nil).Body.String(); !strings.Contains(list, "keep me") {
		t.Fatal("the first step deleted the entry")
	}
	w = e.do(http.MethodPost, "/en/selfhelp/diary/delete", url.Values{"day": {day}, "confirm": {"yes"}, csrfField: {e.jar[cookieCSRF]}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("second step: %d", w.Code)
	}
	if list := e.do(http.MethodGet, "/en/selfhelp/diary", nil).Body.String(); strings.Contains(list, "keep me") {
		t.Error("confirmed, the entry is still there")
	}
}
