package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db/idempotency"
	"github.com/haven-mh/haven/db/kind"
)

// Error codes of the JSON error body. They are stable: clients may switch
// on them.
const (
	CodeInvalidBody          = "invalid_body"
	CodeBodyTooLarge         = "body_too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeValidationFailed     = "validation_failed"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeUnavailable          = "unavailable"
	CodeInternal             = "internal_error"
	CodeUnauthenticated      = "unauthenticated"
	CodeInvalidCredentials   = "invalid_credentials"
	CodeInvalidToken         = "invalid_token"
	CodeForbidden            = "forbidden"
	CodeConflict             = "conflict"
	CodeRateLimited          = "rate_limited"
	CodeLessonLocked         = "lesson_locked"
	// CodeMailNotConfigured: this deployment sends no e-mail, so it takes
	// no address to send to (modules.ErrMailNotConfigured).
	CodeMailNotConfigured = "mail_not_configured"
	// CodeInvalidIdempotencyKey: the Idempotency-Key header is malformed.
	CodeInvalidIdempotencyKey = "invalid_idempotency_key"
	// CodeIdempotencyKeyReused: the key was used for another request.
	CodeIdempotencyKeyReused = idempotency.CodeKeyReused
)

// ErrorBody is the one JSON shape of every failure.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong; Fields names each invalid input.
type ErrorDetail struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	// Reason and OpensAt say why a lesson is locked (lesson_locked):
	// sequential, guided or paced, and when a paced lesson opens.
	Reason  string     `json:"reason,omitempty"`
	OpensAt *time.Time `json:"opens_at,omitempty"`
}

// abortWith writes the error body and stops the handler chain.
func abortWith(c *gin.Context, status int, code, message string, fields map[string]string) {
	c.AbortWithStatusJSON(status, ErrorBody{Error: ErrorDetail{
		Code:      code,
		Message:   message,
		Fields:    fields,
		RequestID: middleware.RequestIDFrom(c.Request.Context()),
	}})
}

// WriteInternalError writes the JSON 500 body, with no internal detail.
func WriteInternalError(c *gin.Context) {
	abortWith(c, http.StatusInternalServerError, CodeInternal, "Something went wrong on our side. Please try again later.", nil)
}

// WriteUnavailable writes the JSON 503 body with Retry-After: Haven cannot
// reach its database just now (or the request ran out of time waiting for
// it). Nothing is wrong with the request; it may be sent again.
func WriteUnavailable(c *gin.Context) {
	c.Header("Retry-After", strconv.Itoa(kind.RetryAfterUnavailable))
	abortWith(c, http.StatusServiceUnavailable, CodeUnavailable, "Haven cannot complete this just now. Please try again in a few seconds.", nil)
}

// WriteNotFound writes the JSON 404 body.
func WriteNotFound(c *gin.Context) {
	abortWith(c, http.StatusNotFound, CodeNotFound, "There is nothing at this address.", nil)
}

// WriteMethodNotAllowed writes the JSON 405 body.
func WriteMethodNotAllowed(c *gin.Context) {
	abortWith(c, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "This address does not accept that method.", nil)
}

// Error kinds: the behaviours domain errors have (db/kind). respondError
// matches each once, whatever the domain.
type (
	fieldErrors interface{ FieldErrors() map[string]string }
	notFound    interface{ NotFound() bool }
	conflict    interface{ ConflictCode() string }
	retryAfter  interface{ RetryAfter() int }
	// A conflict between states (an impossible transition) names both.
	stateConflict interface{ States() (from, to string) }
	// A locked lesson says why, and when it opens if paced.
	lockReason interface {
		LockReason() (reason string, opensAt *time.Time)
	}
)

// lockedMessages are the API's words for each reason a lesson is locked
// (modules.LockSequential, LockGuided, LockPaced).
var lockedMessages = map[string]string{
	"sequential": "This lesson opens when you have finished the one before.",
	"guided":     "Your clinician opens the lessons in the order they chose for you; this one is not next yet.",
	"paced":      "This lesson opens on %s: the programme leaves a few days between lessons to practise.",
}

// conflictMessages are the API's words for each conflict code.
var conflictMessages = map[string]string{
	CodeLessonLocked:         "This lesson opens when you have finished the one before.",
	"trajectory_open":        "There is a guided trajectory going already; one runs at a time.",
	"caseload_full":          "This clinician's caseload is full: choose another clinician, or assign automatically.",
	"feedback_pending":       "Your clinician's feedback on this lesson comes first.",
	"already_extended":       "This trajectory was extended already; it can be extended once.",
	"waiting_for_feedback":   "This step opens once your clinician has given feedback on this lesson.",
	CodeMailNotConfigured:    "This service sends no e-mail, so it cannot take an address for reminders.",
	CodeIdempotencyKeyReused: "This Idempotency-Key was used for another request; use a new key for a new request.",
}

// respondError maps a domain error to its status and the JSON error body.
// An unavailable database is 503 with Retry-After (never 500: it is not a
// bug, and the request may be sent again). Errors it does not know are
// logged and answered with a bare 500.
func (h *handlers) respondError(c *gin.Context, err error) {
	var (
		fe fieldErrors
		nf notFound
		cf conflict
		ra retryAfter
		kc *kind.Conflict
	)
	switch {
	case kind.IsUnavailable(err):
		h.Log.WarnContext(c.Request.Context(), "database unavailable",
			slog.String("route", c.FullPath()),
			slog.String("request_id", middleware.RequestIDFrom(c.Request.Context())),
			slog.String("error", err.Error()))
		WriteUnavailable(c)
	case errors.As(err, &fe):
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Some fields are missing or not valid.", fe.FieldErrors())
	case errors.As(err, &nf) && nf.NotFound():
		WriteNotFound(c)
	case errors.As(err, &cf):
		msg, ok := conflictMessages[cf.ConflictCode()]
		if !ok {
			msg = "That conflicts with what is already there."
		}
		var sc stateConflict
		if errors.As(err, &sc) {
			from, to := sc.States()
			msg = fmt.Sprintf("Not possible now: this cannot go from %s to %s.", from, to)
		}
		var fields map[string]string
		if errors.As(err, &kc) && kc.Field != "" {
			fields = map[string]string{kc.Field: kc.Message}
		}
		var lk lockReason
		if !errors.As(err, &lk) {
			abortWith(c, http.StatusConflict, cf.ConflictCode(), msg, fields)
			break
		}
		reason, at := lk.LockReason()
		switch m, ok := lockedMessages[reason]; {
		case ok && reason == "paced" && at != nil:
			msg = fmt.Sprintf(m, at.Format("Monday 2 January 2006"))
		case ok && reason != "paced":
			msg = m
		}
		c.AbortWithStatusJSON(http.StatusConflict, ErrorBody{Error: ErrorDetail{Code: cf.ConflictCode(), Message: msg,
			RequestID: middleware.RequestIDFrom(c.Request.Context()), Reason: reason, OpensAt: at}})
	case errors.As(err, &ra):
		c.Header("Retry-After", strconv.Itoa(ra.RetryAfter()))
		abortWith(c, http.StatusTooManyRequests, CodeRateLimited, "Too many attempts. Please wait a while and try again.", nil)
	case errors.Is(err, auth.ErrInvalidCredentials):
		abortWith(c, http.StatusUnauthorized, CodeInvalidCredentials, "That did not match. Check what you typed and try again.", nil)
	case errors.Is(err, auth.ErrInvalidToken):
		abortWith(c, http.StatusUnauthorized, CodeInvalidToken, "This token or link is not valid, has expired or was used already.", nil)
	case errors.Is(err, auth.ErrForbidden):
		abortWith(c, http.StatusForbidden, CodeForbidden, "Your role does not allow this.", nil)
	default:
		h.Log.ErrorContext(c.Request.Context(), "request failed",
			slog.String("route", c.FullPath()),
			slog.String("request_id", middleware.RequestIDFrom(c.Request.Context())),
			slog.String("error", err.Error()))
		WriteInternalError(c)
	}
}

// refuse answers a request the authz guard refuses, in the JSON error shape.
func refuse(c *gin.Context, why authz.Refusal) {
	switch why {
	case authz.NotSignedIn:
		c.Header("WWW-Authenticate", "Bearer")
		abortWith(c, http.StatusUnauthorized, CodeUnauthenticated, "Sign in first.", nil)
	case authz.BadCredentials:
		c.Header("WWW-Authenticate", `Bearer error="invalid_token"`)
		abortWith(c, http.StatusUnauthorized, CodeInvalidToken, "The access token is not valid; refresh it or sign in again.", nil)
	case authz.WrongRole:
		abortWith(c, http.StatusForbidden, CodeForbidden, "Your role does not allow this.", nil)
	case authz.NotYourRecord:
		abortWith(c, http.StatusForbidden, CodeForbidden, "This client's record is not yours to see.", nil)
	case authz.NoSuchRecord:
		WriteNotFound(c)
	case authz.Unavailable:
		WriteUnavailable(c)
	default:
		WriteInternalError(c)
	}
}
