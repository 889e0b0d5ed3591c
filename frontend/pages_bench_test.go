package frontend

import (
	"net/http"
	"net/http/httptest"
	"net/url"
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

// BenchmarkStepSave is a signed-in client's whole POST of a course step
// through the site (session cookie, CSRF token, form parsing, the domain
// method, the answer sealed and saved): an autosave (204) and "Continue"
// (303 to the next step), against /bench-healthz of the same run.
func BenchmarkStepSave(b *testing.B) {
	e := newAccountEnv(b)
	e.engine.GET("/bench-healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	if w := e.post("/en/account/signup", "/en/account/signup", url.Values{"nickname": {"bench"}, "password": {"a long enough password 1"}}); w.Code != http.StatusCreated {
		b.Fatalf("sign up: %d", w.Code)
	}
	const step = "/en/selfhelp/lesson/understanding/complaints"
	if w := e.do(http.MethodGet, step, nil); w.Code != http.StatusOK {
		b.Fatalf("open: %d", w.Code)
	}
	run := func(b *testing.B, method, target string, form url.Values, want int, headers ...string) {
		b.ReportAllocs()
		for b.Loop() {
			if form != nil {
				form.Set(csrfField, e.jar[cookieCSRF])
			}
			if w := e.do(method, target, form, headers...); w.Code != want {
				b.Fatalf("%s %s: %d, want %d", method, target, w.Code, want)
			}
		}
	}
	b.Run("baseline-healthz", func(b *testing.B) { run(b, http.MethodGet, "/bench-healthz", nil, http.StatusOK) })
	b.Run("autosave", func(b *testing.B) {
		run(b, http.MethodPost, step, url.Values{"f-recognised": {"tired"}}, http.StatusNoContent, "X-Haven-Autosave", "1")
	})
	b.Run("continue", func(b *testing.B) {
		run(b, http.MethodPost, step, url.Values{"f-recognised": {"tired"}, "action": {"continue"}}, http.StatusSeeOther)
	})
}
