// Package authz is where Haven decides who may call what: gin middleware
// that turns a bearer token into the request's principal, requires a
// signed-in user or a role, and applies the per-resource policy for client
// records (a clinician sees only their own clients, a coordinator all,
// a client only themselves) — writing an audit entry for every staff
// access to a client's record, granted or denied, before the handler runs.
//
// Every rule lives here and in the route table of api/router.go; handlers
// and domain services do not repeat role checks.
package authz

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// Authenticator verifies an access token and its session.
type Authenticator interface {
	Authenticate(ctx context.Context, accessToken, requestID string) (auth.Principal, error)
}

// Caseload answers whether a client is on a clinician's caseload.
type Caseload interface {
	IsAssigned(ctx context.Context, clinicianID, clientID string) (bool, error)
}

// Auditor appends to the audit log.
type Auditor interface {
	Append(ctx context.Context, e audit.Entry) error
}

// ErrorWriter writes the JSON error body and aborts (api's abortWith).
type ErrorWriter func(c *gin.Context, status int, code, message string)

// Error codes written by this package.
const (
	CodeUnauthenticated = "unauthenticated"
	CodeInvalidToken    = "invalid_token"
	CodeForbidden       = "forbidden"
	CodeInternal        = "internal_error"
	CodeNotFound        = "not_found"
)

// Guard holds what the middleware needs.
type Guard struct {
	authn    Authenticator
	caseload Caseload
	audit    Auditor
	fail     ErrorWriter
}

// New returns a Guard.
func New(authn Authenticator, caseload Caseload, auditor Auditor, fail ErrorWriter) *Guard {
	return &Guard{authn: authn, caseload: caseload, audit: auditor, fail: fail}
}

const principalKey = "haven.principal"

// Principal returns the signed-in caller, if any.
func Principal(c *gin.Context) (auth.Principal, bool) {
	v, ok := c.Get(principalKey)
	if !ok {
		return auth.Principal{}, false
	}
	p, ok := v.(auth.Principal)
	return p, ok
}

// bearer returns the token of an "Authorization: Bearer …" header.
func bearer(c *gin.Context) (string, bool) {
	h := c.GetHeader("Authorization")
	if h == "" {
		return "", false
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(token), true
}

// Authenticate reads the bearer token, when there is one, and puts the
// principal on the context. A token that does not verify is a 401 at once,
// never a silent fall-back to anonymous.
func (g *Guard) Authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		token, present := bearer(c)
		if !present {
			c.Next()
			return
		}
		p, err := g.authn.Authenticate(c.Request.Context(), token, middleware.RequestIDFrom(c.Request.Context()))
		if err != nil {
			c.Header("WWW-Authenticate", `Bearer error="invalid_token"`)
			g.fail(c, http.StatusUnauthorized, CodeInvalidToken, "The access token is not valid; refresh it or sign in again.")
			return
		}
		c.Set(principalKey, p)
		c.Next()
	}
}

// RequireUser refuses requests without a signed-in user.
func (g *Guard) RequireUser() gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := Principal(c); !ok {
			c.Header("WWW-Authenticate", "Bearer")
			g.fail(c, http.StatusUnauthorized, CodeUnauthenticated, "Sign in first.")
			return
		}
		c.Next()
	}
}

// RequireRole refuses requests without a signed-in user (401) or whose
// user has none of roles (403).
func (g *Guard) RequireRole(roles ...auth.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := Principal(c)
		if !ok {
			c.Header("WWW-Authenticate", "Bearer")
			g.fail(c, http.StatusUnauthorized, CodeUnauthenticated, "Sign in first.")
			return
		}
		if !slices.Contains(roles, p.Role) {
			g.fail(c, http.StatusForbidden, CodeForbidden, "Your role does not allow this.")
			return
		}
		c.Next()
	}
}

// ClientRecord is the policy for routes about one client's record, whose
// id is the path parameter param: the client themselves, a coordinator, or
// the clinician the client is assigned to may pass; anyone else gets 403.
// Every access by staff is written to the audit log first (a read for GET
// and HEAD, a change otherwise), and refused attempts too; if the entry
// cannot be written the request fails and nothing is shown.
func (g *Guard) ClientRecord(param string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := Principal(c)
		if !ok {
			c.Header("WWW-Authenticate", "Bearer")
			g.fail(c, http.StatusUnauthorized, CodeUnauthenticated, "Sign in first.")
			return
		}
		clientID := c.Param(param)
		if _, err := uuid.Parse(clientID); err != nil || len(clientID) != 36 {
			g.fail(c, http.StatusNotFound, CodeNotFound, "There is nothing at this address.")
			return
		}
		ctx := c.Request.Context()
		allowed := false
		switch p.Role {
		case auth.RoleClient:
			allowed = p.UserID == clientID
		case auth.RoleCoordinator:
			allowed = true
		case auth.RoleClinician:
			assigned, err := g.caseload.IsAssigned(ctx, p.UserID, clientID)
			if err != nil {
				g.fail(c, http.StatusInternalServerError, CodeInternal, "Something went wrong on our side. Please try again later.")
				return
			}
			allowed = assigned
		}
		if p.Role != auth.RoleClient || !allowed {
			action := audit.ActionClientChange
			if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
				action = audit.ActionClientRead
			}
			outcome := audit.OutcomeSuccess
			if !allowed {
				outcome = audit.OutcomeDenied
			}
			err := g.audit.Append(ctx, audit.Entry{
				ActorID: audit.Str(p.UserID), ActorRole: string(p.Role), SessionID: audit.Str(p.SessionID),
				SubjectID: audit.Str(clientID), Action: action, Object: c.Request.Method + " " + c.FullPath(),
				RequestID: p.RequestID, Outcome: outcome,
			})
			if err != nil {
				g.fail(c, http.StatusInternalServerError, CodeInternal, "Something went wrong on our side. Please try again later.")
				return
			}
		}
		if !allowed {
			g.fail(c, http.StatusForbidden, CodeForbidden, "This client's record is not yours to see.")
			return
		}
		c.Next()
	}
}
