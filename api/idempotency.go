package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/db/idempotency"
)

// IdempotencyKeyHeader carries a client's key for a POST; a retry with the
// same key and the same request gets the first answer again, with
// ReplayedHeader: true.
const (
	IdempotencyKeyHeader = "Idempotency-Key"
	ReplayedHeader       = "Idempotent-Replayed"
)

// Idempotency runs a request once per key (db/idempotency.Store).
type Idempotency interface {
	Do(ctx context.Context, r idempotency.Request, fn func(ctx context.Context) idempotency.Response) (idempotency.Response, bool, error)
}

// replayedHeaders are the headers of an answer that are recorded with it
// and sent again on a replay.
var replayedHeaders = []string{"Content-Type", "Content-Language", "Content-Disposition", "Location", "Retry-After"}

// idempotent is the middleware every POST route has (routes.go puts it on
// both route groups, after the token is read): a POST with an
// Idempotency-Key runs once; any other request passes untouched.
func (h *handlers) idempotent() gin.HandlerFunc {
	return func(c *gin.Context) {
		key := c.GetHeader(IdempotencyKeyHeader)
		// A route whose domain keeps the key itself (a message send: the
		// domain stores the key beside the sealed message) is passed by,
		// so no answer holding a message is kept here.
		if c.Request.Method != http.MethodPost || key == "" || h.handlesIdempotency(c) {
			c.Next()
			return
		}
		if !validIdempotencyKey(key) {
			abortWith(c, http.StatusBadRequest, CodeInvalidIdempotencyKey, "The Idempotency-Key header must be 1 to 200 visible ASCII characters; a random UUID is best.",
				map[string]string{IdempotencyKeyHeader: "must be 1 to 200 visible ASCII characters"})
			return
		}
		var body []byte
		if c.Request.Body != nil {
			var err error
			if body, err = io.ReadAll(c.Request.Body); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					abortWith(c, http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "The request body is too large.", nil)
					return
				}
				abortWith(c, http.StatusBadRequest, CodeInvalidBody, "The request body could not be read.", nil)
				return
			}
			c.Request.Body = io.NopCloser(bytes.NewReader(body))
		}
		caller := ""
		if p, ok := authz.Principal(c); ok {
			caller = p.UserID
		}
		fp := sha256.New()
		for _, part := range []string{c.Request.Method, c.Request.URL.Path, c.Request.URL.RawQuery, c.ContentType()} {
			fp.Write([]byte(part))
			fp.Write([]byte{0})
		}
		fp.Write(body)
		req := idempotency.Request{Route: c.Request.Method + " " + c.FullPath(), Caller: caller, Key: key, Fingerprint: fp.Sum(nil)}

		orig, origReq := c.Writer, c.Request
		var live *recorder
		resp, replayed, err := h.Idempotency.Do(c.Request.Context(), req, func(ctx context.Context) idempotency.Response {
			live = &recorder{ResponseWriter: orig, header: http.Header{}, status: http.StatusOK}
			c.Writer, c.Request = live, origReq.WithContext(ctx)
			defer func() { c.Writer, c.Request = orig, origReq }()
			c.Next()
			return live.response()
		})
		c.Abort()
		if err != nil {
			// Nothing was committed (or a replay could not be read): the
			// handler's answer, if any, is not sent.
			h.respondError(c, err)
			return
		}
		if replayed {
			for k, v := range resp.Header {
				c.Header(k, v)
			}
			c.Header(ReplayedHeader, "true")
		} else {
			for k, vs := range live.header {
				for _, v := range vs {
					c.Writer.Header().Add(k, v)
				}
			}
		}
		c.Status(resp.Status)
		if len(resp.Body) == 0 {
			c.Writer.WriteHeaderNow()
			return
		}
		_, _ = c.Writer.Write(resp.Body)
	}
}

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > idempotency.MaxKeyLength {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// recorder holds a handler's answer until it is recorded (or not), so that
// the client gets it only after the request's writes and the answer have
// committed together.
type recorder struct {
	gin.ResponseWriter
	header  http.Header
	status  int
	body    bytes.Buffer
	written bool
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if !r.written {
		r.status = code
	}
}
func (r *recorder) WriteHeaderNow()     { r.written = true }
func (r *recorder) Status() int         { return r.status }
func (r *recorder) Size() int           { return r.body.Len() }
func (r *recorder) Written() bool       { return r.written }
func (r *recorder) Flush()              {}
func (r *recorder) Pusher() http.Pusher { return nil }
func (r *recorder) Write(b []byte) (int, error) {
	r.written = true
	return r.body.Write(b)
}
func (r *recorder) WriteString(s string) (int, error) {
	r.written = true
	return r.body.WriteString(s)
}

func (r *recorder) response() idempotency.Response {
	out := idempotency.Response{Status: r.status, Body: r.body.Bytes(), Header: map[string]string{}}
	for _, k := range replayedHeaders {
		if v := r.header.Get(k); v != "" {
			out.Header[k] = v
		}
	}
	return out
}
