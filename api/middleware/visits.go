package middleware

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// VisitRecorder counts a page view by a visitor known only by their
// address and browser, which it must not store.
type VisitRecorder interface {
	Record(ctx context.Context, source, userAgent string) error
}

// CountPageViews records successful GETs of web pages: not the API, not
// assets, not health checks, not HEAD, and not obvious robots.
func CountPageViews(rec VisitRecorder, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if c.Request.Method != http.MethodGet || c.Writer.Status() != http.StatusOK {
			return
		}
		if !strings.HasPrefix(c.Writer.Header().Get("Content-Type"), "text/html") {
			return
		}
		p := c.Request.URL.Path
		if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/assets/") {
			return
		}
		ua := c.Request.UserAgent()
		lower := strings.ToLower(ua)
		if ua == "" || strings.Contains(lower, "bot") || strings.Contains(lower, "crawler") || strings.Contains(lower, "spider") {
			return
		}
		if err := rec.Record(c.Request.Context(), c.ClientIP(), ua); err != nil {
			log.WarnContext(c.Request.Context(), "page view not counted", "error", err.Error())
		}
	}
}
