package frontend

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

type testEnv struct {
	site   *Site
	engine *gin.Engine
}

// newTestEnv wires the site the way cmd/haven does: the API engine with the
// site's 404 and 500 hooks, on a fresh database.
func newTestEnv(t *testing.T) *testEnv {
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

func testDeps(t *testing.T) (Deps, *db.DB) {
	t.Helper()
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	advice, err := selftest.LoadAdvice()
	if err != nil {
		t.Fatal(err)
	}
	crisis, err := selftest.LoadCrisisContacts("")
	if err != nil {
		t.Fatal(err)
	}
	database := dbtest.Open(t)
	lib, err := modules.LoadLibrary(func(id string) bool { _, err := catalog.Instrument(id); return err == nil })
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New([]seal.Key{{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	return Deps{
		Selftest:        selftest.NewService(catalog, selftest.NewStore(database.DB), time.Now),
		Advice:          advice,
		Crisis:          crisis,
		DefaultLanguage: "nl",
		Selfhelp:        modules.NewService(lib, modules.NewStore(database.DB), sealer, time.Now),
	}, database
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
