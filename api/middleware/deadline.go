package middleware

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"
)

// Deadline gives every request at most d: the request's context ends then,
// so every query made with it (they all are) stops waiting for a stalled
// database or a full connection pool, and the handler answers 503
// unavailable (db/kind treats a passed deadline as unavailability). d must
// stay below the server's WriteTimeout, so that a client always gets that
// answer rather than a connection cut off after its row was saved.
func Deadline(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		if d <= 0 {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}
