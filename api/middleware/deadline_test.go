package middleware

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// TestDeadlineEndsTheRequestContext: a handler waiting on the request's
// context (as every query does) is released at the deadline.
func TestDeadlineEndsTheRequestContext(t *testing.T) {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	var err error
	r.Use(Deadline(100 * time.Millisecond))
	r.GET("/", func(c *gin.Context) {
		select {
		case <-c.Request.Context().Done():
			err = c.Request.Context().Err()
		case <-time.After(5 * time.Second):
		}
		c.Status(http.StatusServiceUnavailable)
	})
	start := time.Now()
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("handler released after %v with %v, want context.DeadlineExceeded after 100ms", time.Since(start), err)
	}
}
