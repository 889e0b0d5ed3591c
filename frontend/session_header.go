package frontend

import (
	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
)

// The header and footer say whether one is signed in: a sign-in link when
// not, and when so a sign of it, the account link and a sign-out form. The
// account and course pages know (their guard read the session); the
// visitor pages only peek: peekSession checks the access cookie without
// refreshing it, sets no cookie and never fails a page, so a visitor
// without cookies is not read at all and an outage never takes the crisis
// page down with it.

// Session states of the header.
const (
	sessionNone     = iota // no session cookie: "Sign in"
	sessionUnsure          // a cookie that could not be checked now: "My account"
	sessionSignedIn        // a checked session: "Signed in", account, sign out
)

const ctxPeek = "frontend.session_peek"

// headerSession is what layout.html shows in the header and footer.
type headerSession struct {
	State int
	CSRF  string
}

// SignedIn and Unsure are for the templates.
func (h headerSession) SignedIn() bool { return h.State == sessionSignedIn }
func (h headerSession) Unsure() bool   { return h.State == sessionUnsure }

// peekSession is the visitor pages' middleware: it notes on the context
// whether the access cookie is a live session.
func (s *Site) peekSession(c *gin.Context) {
	state := sessionNone
	_, errA := c.Cookie(cookieAccess)
	_, errR := c.Cookie(cookieRefresh)
	if errA == nil || errR == nil {
		state = sessionUnsure
	}
	if tok, err := c.Cookie(cookieAccess); err == nil && tok != "" {
		if _, err := s.Auth.Sessions.Authenticate(c.Request.Context(), tok, ""); err == nil {
			state = sessionSignedIn
		}
	}
	c.Set(ctxPeek, state)
	c.Next()
}

// session is the header's state for this request.
func (s *Site) session(c *gin.Context) headerSession {
	state := sessionNone
	if _, ok := authz.Principal(c); ok {
		state = sessionSignedIn
	} else if v, ok := c.Get(ctxPeek); ok {
		state, _ = v.(int)
	}
	h := headerSession{State: state}
	if state == sessionSignedIn {
		h.CSRF = csrfToken(c)
	}
	return h
}
