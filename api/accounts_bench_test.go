package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/haven-mh/haven/auth"
)

// BenchmarkAuthenticatedRequest compares a request that proves a token
// (GET /api/v1/me: JWT check, session query, user load) with the baseline
// of a request through the same engine and middleware that needs no
// token (GET /healthz).
func BenchmarkAuthenticatedRequest(b *testing.B) {
	a := newAcctAPI(b, auth.ThrottleConfig{})
	_, token := a.signUp("bench")
	run := func(b *testing.B, path, token string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for b.Loop() {
			rec := httptest.NewRecorder()
			a.engine.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("%s: %d", path, rec.Code)
			}
		}
	}
	b.Run("baseline-healthz", func(b *testing.B) { run(b, "/healthz", "") })
	b.Run("me-with-token", func(b *testing.B) { run(b, "/api/v1/me", token) })
}
