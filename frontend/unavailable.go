package frontend

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/db/kind"
)

// serverError answers a page whose use case failed with an error no form
// can explain: when the database is unavailable (unreachable, stalled past
// the request's deadline, full) the friendly 503 page, which says to try
// again in a moment; any other error is logged and gets the 500 page.
// Neither shows the error.
func (s *Site) serverError(c *gin.Context, err error) {
	ctx := c.Request.Context()
	if kind.IsUnavailable(err) {
		s.Log.WarnContext(ctx, "database unavailable", slog.String("route", c.FullPath()),
			slog.String("request_id", middleware.RequestIDFrom(ctx)), slog.String("error", err.Error()))
		s.Unavailable(c)
		return
	}
	s.Log.ErrorContext(ctx, "page failed", slog.String("route", c.FullPath()),
		slog.String("request_id", middleware.RequestIDFrom(ctx)), slog.String("error", err.Error()))
	s.InternalError(c)
}

// Unavailable writes the friendly 503 page, with Retry-After: Haven cannot
// reach its database just now. It is also the web's answer to a request
// that runs out of time (middleware.Deadline).
func (s *Site) Unavailable(c *gin.Context) {
	v := s.view(c, "unavailable.title", "")
	v.NoIndex = true
	c.Header("Cache-Control", "no-store")
	c.Header("Retry-After", strconv.Itoa(kind.RetryAfterUnavailable))
	var buf bytes.Buffer
	if err := s.pages["unavailable"].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.Log.ErrorContext(c.Request.Context(), "render unavailable page", "error", err.Error())
		c.Data(http.StatusServiceUnavailable, "text/plain; charset=utf-8", []byte("503 Service Unavailable"))
		c.Abort()
		return
	}
	s.write(c, http.StatusServiceUnavailable, buf.Bytes(), v.Lang)
	c.Abort()
}
