package frontend

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// BenchmarkPages measures whole page requests through the site's engine,
// gzip accepted as browsers do, against a baseline of the same run: a
// handler that writes "ok" through the same middleware (the /healthz of
// the web side). Read the ratios: the absolute times depend on the machine.
func BenchmarkPages(b *testing.B) {
	e := newTestEnv(b)
	e.engine.GET("/bench-healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	run := func(b *testing.B, path string, gz bool) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if gz {
				req.Header.Set("Accept-Encoding", "gzip, deflate, br")
			}
			w := httptest.NewRecorder()
			e.engine.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("%s: %d", path, w.Code)
			}
		}
	}
	b.Run("baseline-healthz", func(b *testing.B) { run(b, "/bench-healthz", true) })
	b.Run("selftest-form-gzip", func(b *testing.B) { run(b, "/en/selftest/phq9", true) })
	b.Run("selftest-form-plain", func(b *testing.B) { run(b, "/en/selftest/phq9", false) })
	b.Run("info-page-gzip", func(b *testing.B) { run(b, "/en/info/signs", true) })
}
