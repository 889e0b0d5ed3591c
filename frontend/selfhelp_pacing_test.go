package frontend

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
)

// With the shipped course's pace of seven days the course page and the plan say on which day
// the next lesson opens, link to it only then, and it opens on that day.
func TestSelfhelpPacingShowsTheDayTheNextLessonOpens(t *testing.T) {
	clock := wiretest.NewClock(time.Date(2026, 12, 2, 13, 5, 0, 0, time.UTC))
	svcs := wiretest.New(t, wiretest.WithClock(clock.Now))
	gin.SetMode(gin.ReleaseMode)
	deps := Deps{Selftest: svcs.Selftest, Auth: svcs.Auth, Audit: svcs.Audit, Selfhelp: svcs.Selfhelp, Coaching: svcs.Coaching, DefaultLanguage: "nl"}
	s, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(middleware.RequestID(), middleware.Recover(slog.New(slog.DiscardHandler), s.InternalError))
	s.Register(r)
	e := &accountEnv{t: t, engine: r, auth: svcs.Auth, site: s, db: svcs.DB, jar: map[string]string{}}
	signUpClient(t, e, "paced")
	who, err := e.auth.Sessions.Authenticate(t.Context(), e.jar[cookieAccess], "test")
	if err != nil {
		t.Fatal(err)
	}
	p := s.programme()
	completeSteps(t, s, who.UserID, p.Lessons[0], len(p.Lessons[0].Steps))
	second := `href="/nl/selfhelp/lesson/` + p.Lessons[1].ID + `"`

	body := e.do(http.MethodGet, "/nl/selfhelp", nil).Body.String()
	if !strings.Contains(body, "Gaat open op 9 december 2026.") || strings.Contains(body, second) {
		t.Errorf("course page: want 'opens on 9 December' and no link to lesson 2\n%s", body)
	}
	if w := e.do(http.MethodGet, "/nl/selfhelp/lesson/"+p.Lessons[1].ID+"/"+p.Lessons[1].Steps[0].ID, nil); w.Code != http.StatusConflict ||
		!strings.Contains(w.Body.String(), "Deze les gaat open op 9 december 2026") {
		t.Errorf("lesson 2 before its day: %d, want 409 saying the day it opens\n%s", w.Code, w.Body.String())
	}
	clock.Set(time.Date(2026, 12, 8, 23, 0, 0, 0, time.UTC)) // 9 December, midnight in Brussels
	body = e.do(http.MethodGet, "/nl/selfhelp", nil).Body.String()
	if strings.Contains(body, "Gaat open op") || !strings.Contains(body, second) {
		t.Errorf("course page on the day: want lesson 2 open\n%s", body)
	}
}
