package authz

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/auth"
)

// Authenticator verifies an access token and its session.
type Authenticator interface {
	Authenticate(ctx context.Context, accessToken, requestID string) (auth.Principal, error)
}

// Bearer is the JSON API's source: an "Authorization: Bearer …" header.
// A request without one is anonymous; a header that is not a bearer token,
// or a token that does not verify, is refused.
func Bearer(authn Authenticator) Source {
	return func(c *gin.Context) (auth.Principal, bool, error) {
		h := c.GetHeader("Authorization")
		if h == "" {
			return auth.Principal{}, false, nil
		}
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return auth.Principal{}, false, auth.ErrInvalidToken
		}
		p, err := authn.Authenticate(c.Request.Context(), strings.TrimSpace(token), middleware.RequestIDFrom(c.Request.Context()))
		if err != nil {
			return auth.Principal{}, false, err
		}
		return p, true, nil
	}
}
