package api

import (
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
)

// TestOnlyMessageSendKeepsItsOwnIdempotencyKey: the route table marks the
// routes whose domain method keeps the Idempotency-Key (so that a generic
// idempotency layer passes them by and never stores a message body), and
// a middleware in front of every route — where a generic layer sits —
// can tell them by handlesIdempotency.
func TestOnlyMessageSendKeepsItsOwnIdempotencyKey(t *testing.T) {
	gin.SetMode(gin.TestMode)
	svcs := wiretest.New(t)
	h := &handlers{Deps: Deps{Log: slog.New(slog.DiscardHandler), Selftest: svcs.Selftest, Auth: svcs.Auth, Audit: svcs.Audit,
		Selfhelp: svcs.Selfhelp, Coaching: svcs.Coaching, Reports: svcs.Reports, DefaultLanguage: "nl", MaxBodyBytes: 1 << 16}, domainKeyed: map[string]bool{}}
	engine := gin.New()
	seen := map[string]bool{}
	engine.Use(func(c *gin.Context) { seen[c.Request.Method+" "+c.Request.URL.Path] = h.handlesIdempotency(c) })
	h.routes(engine.Group("/api/v1"))

	const send = "POST /api/v1/trajectories/:id/messages"
	if got := slices.Sorted(maps.Keys(h.domainKeyed)); !slices.Equal(got, []string{send}) {
		t.Fatalf("routes keeping their own Idempotency-Key: %v, want only %s", got, send)
	}
	registered := false
	for _, r := range engine.Routes() {
		registered = registered || r.Method+" "+r.Path == send
	}
	if !registered {
		t.Fatalf("%s is marked but not registered", send)
	}
	for path, want := range map[string]bool{
		"/api/v1/trajectories/abc/messages": true,
		"/api/v1/trajectories":              false,
		"/api/v1/trajectories/abc/feedback": false,
	} {
		engine.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, path, nil))
		if got, ok := seen["POST "+path]; !ok || got != want {
			t.Errorf("POST %s: handlesIdempotency %v (ran: %v), want %v", path, got, ok, want)
		}
	}
}
