package e2e

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/frontend"
)

// TestPacingInTheBrowser: the shipped course's rhythm (a lesson a week)
// with a clock that moves. A client finishes lesson 1 in the browser on
// Wednesday 2 December; the course page says lesson 2 opens on 9 December,
// does not link to it, and leads to lesson 1's homework meanwhile; lesson
// 2's address says the same (409). The server's clock moves to midnight on
// 9 December in Brussels: lesson 2 opens. The site runs in this process on
// the test's clock (the real binary runs on the real one), with the same
// pages, assets and security headers.
func TestPacingInTheBrowser(t *testing.T) {
	need(t)
	clock := wiretest.NewClock(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)) // 11:00 in Brussels
	base, svcs := pacedServer(t, clock)
	bg := context.Background()

	// A client who has done lesson 1 up to its homework (through the
	// services; the homework is done in the browser).
	nick, password := uniqueNick("rhythm"), "a long enough password 31"
	res, err := svcs.Auth.Sessions.SignUp(bg, auth.Meta{RequestID: "e2e-pacing", Source: "192.0.2.61"}, nick, password)
	if err != nil {
		t.Fatal(err)
	}
	sh := svcs.Selfhelp
	p := sh.Library().Programmes()[0]
	first, second := p.Lessons[0], p.Lessons[1]
	if _, err := sh.Start(bg, res.User.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sh.OpenLesson(bg, res.User.ID, p.ID, first.ID); err != nil {
		t.Fatal(err)
	}
	homework := first.Homework()
	for _, st := range first.Steps {
		if st.ID == homework.ID {
			break
		}
		if _, err := sh.SaveStep(bg, res.User.ID, p.ID, first.ID, st.ID, nil, true); err != nil {
			t.Fatalf("%s: %v", st.ID, err)
		}
	}

	ctx := privateTab(t)
	recordCSP(t, ctx)
	do(t, ctx, chromedp.EmulateViewport(375, 800), chromedp.Navigate(base+"/en/account/login?next=%2Fselfhelp"))
	signIn(t, ctx, nick, password)
	waitPath(t, ctx, "^/en/selfhelp$")
	do(t, ctx, chromedp.Navigate(base+"/en/selfhelp/lesson/"+first.ID+"/"+homework.ID))
	do(t, ctx, chromedp.SetValue(chromedp.CSS(`#f-mood-change`), "A bit better in the mornings"),
		chromedp.Click(chromedp.CSS(`label[for="f-diary-days-most-days"]`)),
		chromedp.Click(chromedp.CSS(`button[name="action"][value="continue"]`)))
	waitPath(t, ctx, "^/en/selfhelp$")

	body := mainText(t, ctx)
	for _, want := range []string{"Lesson 2 opens on 9 December 2026.", "Opens on 9 December 2026."} {
		if !strings.Contains(body, want) {
			t.Errorf("after lesson 1 the course page lacks %q:\n%s", want, body)
		}
	}
	lessonLink := `a[href="/en/selfhelp/lesson/` + second.ID + `"]`
	if n := evalString(t, ctx, `String(document.querySelectorAll('`+lessonLink+`').length)`); n != "0" {
		t.Errorf("lesson 2 is linked before its day (%s links)", n)
	}
	if href := evalString(t, ctx, `document.getElementById('resume').getAttribute('href')`); href != "/en/selfhelp/lesson/"+first.ID+"/"+homework.ID {
		t.Errorf("between lessons the course page leads to %q, want lesson 1's homework", href)
	}
	shot(t, ctx, "en-selfhelp-paced-375")
	runAxe(t, ctx, "en course page between lessons @375px")
	do(t, ctx, chromedp.Navigate(base+"/en/selfhelp/lesson/"+second.ID+"/"+second.Steps[0].ID))
	if body := mainText(t, ctx); !strings.Contains(body, "This lesson opens on 9 December 2026") {
		t.Errorf("lesson 2 before its day:\n%s", body)
	}

	// A minute before midnight in Brussels it is still closed; at midnight
	// it opens.
	clock.Set(time.Date(2026, 12, 8, 22, 59, 0, 0, time.UTC))
	do(t, ctx, chromedp.Navigate(base+"/en/selfhelp"))
	if body := mainText(t, ctx); !strings.Contains(body, "Opens on 9 December 2026.") {
		t.Errorf("a minute before its day, lesson 2 is not shown closed:\n%s", body)
	}
	clock.Set(time.Date(2026, 12, 8, 23, 0, 0, 0, time.UTC))
	do(t, ctx, chromedp.Navigate(base+"/en/selfhelp"))
	if body := mainText(t, ctx); strings.Contains(body, "Opens on") || strings.Contains(body, "opens on") {
		t.Errorf("on its day lesson 2 still says when it opens:\n%s", body)
	}
	if n := evalString(t, ctx, `String(document.querySelectorAll('`+lessonLink+`').length)`); n != "1" {
		t.Errorf("on its day lesson 2 is not linked (%s links)", n)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`#resume`)))
	waitPath(t, ctx, "^/en/selfhelp/lesson/"+second.ID+"/")
	if body := mainText(t, ctx); !strings.Contains(body, second.Title.In("en")) || strings.Contains(body, "not open yet") {
		t.Errorf("the resume button does not lead into lesson 2 (%s):\n%s", second.Title.In("en"), body)
	}
	checkCSP(t, ctx, "pacing")
}

// pacedServer serves the site (pages, assets, security headers) on the
// test's clock, with the shipped course's own rhythm, and returns its
// address and services.
func pacedServer(t *testing.T, clock *wiretest.Clock) (string, *wire.Services) {
	t.Helper()
	svcs := wiretest.New(t, wiretest.WithClock(clock.Now))
	site, err := frontend.New(frontend.Deps{Selftest: svcs.Selftest, Auth: svcs.Auth, Audit: svcs.Audit, Selfhelp: svcs.Selfhelp,
		Coaching: svcs.Coaching, DefaultLanguage: "en"})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(middleware.RequestID(), middleware.SecurityHeaders(false), middleware.Recover(slog.New(slog.DiscardHandler), site.InternalError))
	r.NoRoute(site.NotFound)
	site.Register(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL, svcs
}
