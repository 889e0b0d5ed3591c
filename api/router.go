// Package api is Haven's JSON API under /api/v1: thin handlers that bind a
// request, call one domain service and map the result or error to JSON.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db/kind"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/reports"
	"github.com/haven-mh/haven/selftest"
	"github.com/haven-mh/haven/selftest/fhir"
)

// Readiness reports whether this process should be sent requests: its
// database answers and can take writes, and it is not shutting down.
type Readiness interface {
	Ready(ctx context.Context) error
}

// Deps is everything the API needs. All of it is wired in cmd/haven.
type Deps struct {
	Log *slog.Logger
	// Ready backs /readyz, which gives it ReadyTimeout (default 2 s): a
	// load balancer's probe gets an answer, never a hang.
	Ready        Readiness
	ReadyTimeout time.Duration
	Selftest     *selftest.Service
	// DefaultLanguage is used when neither ?lang= nor Accept-Language
	// names a supported language.
	DefaultLanguage string
	// MaxBodyBytes caps request bodies (default 64 KiB).
	MaxBodyBytes int64
	// Auth and Audit serve accounts, sign-in and the audit log.
	Auth  *auth.Service
	Audit *audit.Log
	// Selfhelp serves the self-help programmes.
	Selfhelp *modules.Service
	// Coaching serves the guided trajectory, and decides whom a clinician
	// may see (their caseload).
	Coaching *coaching.Service
	// Reports builds the monthly report.
	Reports *reports.Service
	// FHIR exports a client's questionnaire results (FHIR R4).
	FHIR *fhir.Service
	// Idempotency runs each POST sent with an Idempotency-Key once.
	Idempotency Idempotency
}

// EngineOptions configure the gin engine shared by the API and the web
// frontend.
type EngineOptions struct {
	Log *slog.Logger
	// TrustedProxies lists the proxies whose X-Forwarded-* headers are
	// believed. Empty trusts none.
	TrustedProxies []string
	// HSTS adds Strict-Transport-Security (only behind HTTPS).
	HSTS bool
	// OnPanic writes the answer to a request that panicked outside /api/
	// (the web's friendly 500 page); API paths always get the JSON 500.
	OnPanic gin.HandlerFunc
	// Visits, when set, counts web page views and daily unique visitors
	// (privacy-preserving: a daily-salted hash, never the address).
	Visits middleware.VisitRecorder
	// RequestTimeout is every request's deadline (middleware.Deadline);
	// zero means none.
	RequestTimeout time.Duration
}

// NewEngine returns a gin engine with Haven's global middleware: request
// ids, access log, security headers and panic recovery.
func NewEngine(opts EngineOptions) (*gin.Engine, error) {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	// X-Forwarded-For / X-Real-IP are believed only from the trusted
	// proxies (none by default). The address is used in memory only: for
	// throttling and the daily visitor hash, never stored.
	if err := r.SetTrustedProxies(opts.TrustedProxies); err != nil {
		return nil, fmt.Errorf("api: trusted proxies: %w", err)
	}
	onPanic := func(c *gin.Context) {
		if isAPIPath(c.Request.URL.Path) || opts.OnPanic == nil {
			WriteInternalError(c)
			return
		}
		opts.OnPanic(c)
	}
	r.Use(
		middleware.RequestID(),
		middleware.AccessLog(opts.Log),
		middleware.SecurityHeaders(opts.HSTS),
		middleware.Recover(opts.Log, onPanic),
		middleware.Deadline(opts.RequestTimeout),
	)
	if opts.Visits != nil {
		r.Use(middleware.CountPageViews(opts.Visits, opts.Log))
	}
	return r, nil
}

func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/api" || p == "/healthz" || p == "/readyz"
}

type handlers struct {
	Deps
	spec []byte
	// domainKeyed are the routes ("METHOD /full/path") whose domain method
	// keeps the Idempotency-Key itself (routes.go, ownIdempotency).
	domainKeyed map[string]bool
}

// Register adds the health checks and every /api/v1 route to r. web, when
// not nil, answers unmatched paths outside /api/ (the web's 404 page).
func Register(r *gin.Engine, d Deps, web gin.HandlerFunc) error {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = 64 << 10
	}
	if d.DefaultLanguage == "" {
		d.DefaultLanguage = "nl"
	}
	if d.ReadyTimeout <= 0 {
		d.ReadyTimeout = 2 * time.Second
	}
	if d.Selftest == nil || d.Auth == nil || d.Audit == nil || d.Selfhelp == nil || d.Coaching == nil || d.Reports == nil || d.FHIR == nil || d.Ready == nil || d.Idempotency == nil {
		return fmt.Errorf("api: Register needs every service (Ready, Selftest, Auth, Audit, Selfhelp, Coaching, Reports, FHIR, Idempotency)")
	}
	spec, err := SpecJSON()
	if err != nil {
		return err
	}
	h := &handlers{Deps: d, spec: spec, domainKeyed: map[string]bool{}}

	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)

	h.routes(r.Group("/api/v1", middleware.NoStore(), middleware.BodyLimit(d.MaxBodyBytes)))

	r.NoRoute(func(c *gin.Context) {
		if isAPIPath(c.Request.URL.Path) || web == nil {
			WriteNotFound(c)
			return
		}
		web(c)
	})
	r.NoMethod(func(c *gin.Context) {
		if isAPIPath(c.Request.URL.Path) || web == nil {
			WriteMethodNotAllowed(c)
			return
		}
		web(c)
	})
	return nil
}

func (h *handlers) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers whether to send this process requests, within
// ReadyTimeout whatever the database does.
func (h *handlers) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), h.ReadyTimeout)
	defer cancel()
	if err := h.Ready.Ready(ctx); err != nil {
		h.Log.WarnContext(c.Request.Context(), "readiness check failed", "error", err.Error())
		c.Header("Retry-After", strconv.Itoa(kind.RetryAfterUnavailable))
		abortWith(c, http.StatusServiceUnavailable, CodeUnavailable, "Not ready: the database cannot take requests, or this process is shutting down.", nil)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

func (h *handlers) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", h.spec)
}
