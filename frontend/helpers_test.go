package frontend

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/db"
)

type testEnv struct {
	site   *Site
	engine *gin.Engine
}

// newTestEnv wires the site the way cmd/haven does: the API engine with the
// site's 404 and 500 hooks, on a fresh database.
func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	deps, _ := testDeps(t)
	s, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	// The same hooks cmd/haven passes to api.NewEngine (OnPanic) and
	// api.Register (the web NotFound); the e2e tests run the real wiring.
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(middleware.RequestID(), middleware.SecurityHeaders(false), middleware.Recover(slog.New(slog.DiscardHandler), s.InternalError))
	r.NoRoute(s.NotFound)
	r.NoMethod(s.NotFound)
	s.Register(r)
	return &testEnv{site: s, engine: r}
}

// testDeps are the site's services as cmd/haven builds them (wiretest
// calls wire.New) on a fresh database.
func testDeps(t testing.TB, opts ...wiretest.Option) (Deps, *db.DB) {
	t.Helper()
	// The services can send mail; whether a page offers it is
	// Deps.MailConfigured, which tests set.
	svcs := wiretest.New(t, append([]wiretest.Option{wiretest.WithMail()}, opts...)...)
	return Deps{Selftest: svcs.Selftest, Auth: svcs.Auth, Audit: svcs.Audit, Selfhelp: svcs.Selfhelp, Coaching: svcs.Coaching, Reports: svcs.Reports, FHIR: svcs.FHIR, DefaultLanguage: "nl"}, svcs.DB
}

// do sends a request through the whole engine. headers are name, value
// pairs.
func (e *testEnv) do(method, target string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	return w
}
