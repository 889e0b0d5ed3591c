package middleware_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/middleware"
)

type recorder struct {
	mu      sync.Mutex
	sources []string
}

func (r *recorder) Record(_ context.Context, source, _ string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sources = append(r.sources, source)
	return nil
}

func TestCountPageViews(t *testing.T) {
	gin.SetMode(gin.TestMode)
	rec := &recorder{}
	r := gin.New()
	if err := r.SetTrustedProxies(nil); err != nil {
		t.Fatal(err)
	}
	r.Use(middleware.CountPageViews(rec, slog.New(slog.DiscardHandler)))
	html := func(c *gin.Context) { c.Data(200, "text/html; charset=utf-8", []byte("<p>hi")) }
	r.GET("/en/", html)
	r.HEAD("/en/", html)
	r.GET("/assets/app.css", func(c *gin.Context) { c.Data(200, "text/css", nil) })
	r.GET("/api/v1/x", func(c *gin.Context) { c.JSON(200, gin.H{}) })
	r.GET("/missing", func(c *gin.Context) { c.Data(404, "text/html", nil) })
	tests := []struct {
		method, path, ua string
		counted          bool
	}{
		{"GET", "/en/", "Mozilla/5.0", true},
		{"HEAD", "/en/", "Mozilla/5.0", false},
		{"GET", "/assets/app.css", "Mozilla/5.0", false},
		{"GET", "/api/v1/x", "Mozilla/5.0", false},
		{"GET", "/missing", "Mozilla/5.0", false},
		{"GET", "/en/", "Googlebot/2.1", false},
		{"GET", "/en/", "", false},
	}
	for _, tt := range tests {
		before := len(rec.sources)
		req := httptest.NewRequest(tt.method, tt.path, nil)
		req.RemoteAddr = "192.0.2.10:4567"
		req.Header.Set("User-Agent", tt.ua)
		req.Header.Set("X-Forwarded-For", "203.0.113.5") // not from a trusted proxy: ignored
		r.ServeHTTP(httptest.NewRecorder(), req)
		if got := len(rec.sources) > before; got != tt.counted {
			t.Errorf("%s %s (%q): counted %v, want %v", tt.method, tt.path, tt.ua, got, tt.counted)
		}
	}
	if len(rec.sources) != 1 || rec.sources[0] != "192.0.2.10" {
		t.Errorf("sources %v: the untrusted X-Forwarded-For must be ignored", rec.sources)
	}
}
