// Package auth is Haven's identity domain: pseudonymous client accounts,
// invited staff, roles, argon2id passwords, short-lived JWT access tokens
// with rotating refresh tokens, TOTP second factors, invitations and
// throttling. It is plain Go: the JSON API and the web pages both call
// Service, and neither gin nor net/http appears here.
//
// No IP address is ever stored: the source of a request is used only as a
// key for the in-memory throttle, and even there only as a keyed hash.
package auth

import (
	"errors"
	"fmt"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/db/kind"
)

// Role is what a user may do.
type Role string

// The roles.
const (
	RoleClient      Role = "client"
	RoleClinician   Role = "clinician"
	RoleCoordinator Role = "coordinator"
	RoleResearcher  Role = "researcher"
)

// Roles lists every role, for tests and validation.
var Roles = []Role{RoleClient, RoleClinician, RoleCoordinator, RoleResearcher}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// NeedsMFA reports whether users with this role must sign in with a second
// factor: those who see other people's health data.
func (r Role) NeedsMFA() bool { return r == RoleClinician || r == RoleCoordinator }

// Staff reports whether r is invited rather than signed up.
func (r Role) Staff() bool { return r != RoleClient }

// User statuses.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
	StatusErased   = "erased"
)

// Principal is the signed-in caller of a request, as proven by an access
// token, plus the request id for the audit trail.
type Principal struct {
	UserID    string
	Role      Role
	SessionID string
	RequestID string
}

// Meta describes an unauthenticated request: its id (for the audit log)
// and its source address (for throttling only; never stored).
type Meta struct {
	RequestID string
	Source    string
}

// Errors. The API and the web pages map each kind to one status.
var (
	// ErrInvalidCredentials: wrong nickname, password, recovery code or
	// second factor. Deliberately says nothing about which.
	ErrInvalidCredentials = errors.New("auth: invalid credentials")
	// ErrInvalidToken: an access, refresh, challenge, invitation or claim
	// token that is unknown, expired, spent or revoked.
	ErrInvalidToken = errors.New("auth: invalid or expired token")
	// ErrThrottled: too many attempts; see *ThrottledError for when to retry.
	ErrThrottled = errors.New("auth: too many attempts")
	// ErrForbidden: signed in, but not allowed to do this.
	ErrForbidden = errors.New("auth: forbidden")
	// ErrNotFound: no such user or invitation (to those allowed to know).
	ErrNotFound error = kind.NotFoundError("auth: not found")
)

// ThrottledError says how long to wait.
type ThrottledError struct {
	RetryAfterSeconds int
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("auth: too many attempts; retry in %ds", e.RetryAfterSeconds)
}

// Is makes errors.Is(err, ErrThrottled) true.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// RetryAfter is the throttled kind's behaviour: seconds to wait.
func (e *ThrottledError) RetryAfter() int { return e.RetryAfterSeconds }

// ValidationError lists what is wrong with an input, per field (the shared
// invalid-input kind).
type ValidationError = kind.Invalid

func invalid(field, msg string) *ValidationError { return kind.Field("auth", field, msg) }

// conflict is a field whose value clashes with what is stored (a taken
// nickname, a full caseload).
func conflict(field, msg string) error {
	return &kind.Conflict{Domain: "auth", Code: "conflict", Field: field, Message: msg}
}

// Actor is the principal as the audit log names it.
func (p Principal) Actor() audit.Actor {
	return audit.Actor{UserID: p.UserID, Role: string(p.Role), SessionID: p.SessionID, RequestID: p.RequestID}
}

// Actor is a fresh session's person as the audit log names it.
func (se *Session) Actor(requestID string) audit.Actor {
	return audit.Actor{UserID: se.UserID, Role: string(se.Role), SessionID: se.SessionID, RequestID: requestID}
}
