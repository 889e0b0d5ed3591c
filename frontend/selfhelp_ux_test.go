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
