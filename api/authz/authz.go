// Package authz is where Haven decides who may call what, for both
// transports: gin middleware that finds the request's principal (from a
// bearer token for the JSON API, from the session cookies for the web
// pages), requires a signed-in user or a role, and applies the per-record
// policy for client records (a clinician sees only their own clients, a
// coordinator all, a client only themselves) — writing an audit entry for
// every staff access to a client's record, granted or denied, before the
// handler runs.
//
// Every rule lives here and in the two route tables (api/routes.go and
// frontend/routes.go); handlers and domain services do not repeat role
// checks. Each transport answers a refusal its own way (a JSON error, or a
// redirect to sign in and a friendly page) through its Responder.
package authz

import (
	"context"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db/kind"
)

// Source finds who calls: ok is false for an anonymous request; an error
// means credentials were presented that do not verify (never a silent
// fall-back to anonymous).
type Source func(c *gin.Context) (p auth.Principal, ok bool, err error)

// Caseload answers whether a client is on a clinician's caseload.
type Caseload interface {
	IsAssigned(ctx context.Context, clinicianID, clientID string) (bool, error)
}

// Auditor appends to the audit log.
type Auditor interface {
	Append(ctx context.Context, e audit.Entry) error
}

// Refusal says why the guard refuses a request.
type Refusal int

// The refusals a Responder answers.
const (
	// NotSignedIn: the route needs a signed-in user.
	NotSignedIn Refusal = iota
	// BadCredentials: a token or cookie was presented that does not verify.
	BadCredentials
	// WrongRole: signed in, but the route is for other roles.
	WrongRole
	// NotYourRecord: a client record that is not the caller's to see.
	NotYourRecord
	// NoSuchRecord: the record id is malformed.
	NoSuchRecord
	// Failed: the guard could not decide (the database or the audit log
	// failed); nothing is shown.
	Failed
	// Unavailable: the guard could not decide because the database is
	// unavailable (db/kind); the transports answer 503 with Retry-After,
	// never "sign in again".
	Unavailable
)

// failed is the refusal for an error the guard met while deciding.
func failed(err error) Refusal {
	if kind.IsUnavailable(err) {
		return Unavailable
	}
	return Failed
}

// Responder answers a refused request in its transport's way and aborts.
type Responder func(c *gin.Context, why Refusal)

// Guard holds what the middleware needs.
type Guard struct {
	source   Source
	caseload Caseload
	audit    Auditor
	refuse   Responder
}

// New returns a Guard.
func New(source Source, caseload Caseload, auditor Auditor, refuse Responder) *Guard {
	return &Guard{source: source, caseload: caseload, audit: auditor, refuse: refuse}
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

// Authenticate finds the principal, when there is one, and puts it on the
// context.
func (g *Guard) Authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok, err := g.source(c)
		if err != nil {
			if kind.IsUnavailable(err) {
				g.refuse(c, Unavailable)
				return
			}
			g.refuse(c, BadCredentials)
			return
		}
		if ok {
			c.Set(principalKey, p)
		}
		c.Next()
	}
}

// RequireUser refuses requests without a signed-in user.
func (g *Guard) RequireUser() gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := Principal(c); !ok {
			g.refuse(c, NotSignedIn)
			return
		}
		c.Next()
	}
}

// RequireRole refuses requests without a signed-in user, or whose user has
// none of roles.
func (g *Guard) RequireRole(roles ...auth.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := Principal(c)
		if !ok {
			g.refuse(c, NotSignedIn)
			return
		}
		if !slices.Contains(roles, p.Role) {
			g.refuse(c, WrongRole)
			return
		}
		c.Next()
	}
}

// ClientRecord is the policy for routes about one client's record, whose
// id is the path parameter param: the client themselves, a coordinator, or
// the clinician the client is assigned to may pass; anyone else is
// refused. Every access by staff is written to the audit log first (a read
// for GET and HEAD, a change otherwise), and refused attempts too; if the
// entry cannot be written the request fails and nothing is shown.
func (g *Guard) ClientRecord(param string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := Principal(c)
		if !ok {
			g.refuse(c, NotSignedIn)
			return
		}
		clientID := c.Param(param)
		if _, err := uuid.Parse(clientID); err != nil || len(clientID) != 36 {
			g.refuse(c, NoSuchRecord)
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
				g.refuse(c, failed(err))
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
				g.refuse(c, failed(err))
				return
			}
		}
		if !allowed {
			g.refuse(c, NotYourRecord)
			return
		}
		c.Next()
	}
}
