package frontend

import (
	"errors"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/selftest"
)

// Keeping a self-test in an account. A valid self-test submit redirects to
// its result page with the one-time claim token in the query
// (?claim=<token>), so the token lives only in the visitor's browser: the
// access log records route templates, never query strings, and
// Referrer-Policy is no-referrer. The result page offers, optionally and
// below the result, to keep it in an account: sign-up and sign-in carry the
// token (a hidden field) and claim the result once the account is there;
// /account/claim asks a client who is already signed in to confirm. The
// token is checked for its shape before use, and never logged.

// claimShape is a claim token: 32 random bytes, base64url without padding.
var claimShape = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// validClaim returns t when it has the shape of a claim token, else "".
func validClaim(t string) string {
	if claimShape.MatchString(t) {
		return t
	}
	return ""
}

// claimOffer is the "keep this result" block of a result page.
type claimOffer struct {
	SignupHref string
	LoginHref  string
}

func (s *Site) claimOfferFor(v *view, token string) *claimOffer {
	if token == "" {
		return nil
	}
	return &claimOffer{SignupHref: v.Href("/account/signup?claim=" + token), LoginHref: v.Href("/account/claim?claim=" + token)}
}

// claimKeys are the message ids of the claim pages built at run time.
func claimKeys() []string {
	return []string{"account.claim.done", "account.claim.invalid_title", "account.claim.invalid_text", "account.claim.not_client"}
}

// claim attaches the self-test behind token to a client; it returns
// whether it did, and a message for the visitor when it did not. Only a
// storage failure is an error.
func (s *Site) claim(c *gin.Context, v *view, actor audit.Actor, token string) (bool, string, error) {
	if actor.Role != string(auth.RoleClient) {
		return false, v.T("account.claim.not_client"), nil
	}
	if validClaim(token) == "" {
		return false, v.T("account.claim.invalid_text"), nil
	}
	_, err := s.Selftest.Claim(c.Request.Context(), token, actor)
	switch {
	case errors.Is(err, selftest.ErrClaimInvalid), errors.Is(err, selftest.ErrNotFound):
		return false, v.T("account.claim.invalid_text"), nil
	case err != nil:
		s.Log.ErrorContext(c.Request.Context(), "claim self-test", "error", err.Error())
		return false, "", err
	}
	return true, "", nil
}

// claimFailed is the friendly page for a claim that did not work.
func (s *Site) claimFailed(c *gin.Context, v *view, status int, msg string) {
	v.Title = v.T("account.claim.invalid_title")
	v.Data = messagePage{Heading: v.T("account.claim.invalid_title"), Paragraphs: []string{msg},
		Links: []linkView{{Href: v.Href("/account"), Text: v.T("account.home.title")}, {Href: v.Href("/selftest"), Text: v.T("result.again")}}}
	s.render(c, status, "account_message", v)
}

func (s *Site) claimPage(v *view, token, next string) formPage {
	return formPage{Heading: v.T("account.claim.title"), Lead: []string{v.T("account.claim.lead"), v.T("account.claim.private")},
		Action: v.Href("/account/claim"), Submit: v.T("account.claim.submit"),
		Hidden: carried(next, token),
		Links:  []linkView{{Href: v.Href(or(next, "/account")), Text: v.T("account.claim.skip")}}}
}

// claimForm asks a signed-in client to confirm; visitors go to sign in
// with the token.
func (s *Site) claimForm(c *gin.Context) {
	v := s.accountView(c, "account.claim.title", "/account/claim")
	token := validClaim(c.Query("claim"))
	if token == "" {
		s.claimFailed(c, v, http.StatusBadRequest, v.T("account.claim.invalid_text"))
		return
	}
	next := safeNext(c.Query("next")) // where to go afterwards (applying for guided help)
	p, ok := authz.Principal(c)
	if !ok {
		redirect(c, http.StatusSeeOther, v.Href("/account/login")+carriedQuery(next, token))
		return
	}
	if p.Role != auth.RoleClient {
		s.claimFailed(c, v, http.StatusForbidden, v.T("account.claim.not_client"))
		return
	}
	s.renderAccountForm(c, http.StatusOK, v, s.claimPage(v, token, next), "")
}

func (s *Site) claimSubmit(c *gin.Context) {
	v := s.accountView(c, "account.claim.title", "/account/claim")
	p := signedIn(c)
	done, msg, err := s.claim(c, v, p.Actor(), c.PostForm("claim"))
	if err != nil {
		s.serverError(c, err)
		return
	}
	if !done {
		s.claimFailed(c, v, http.StatusUnprocessableEntity, msg)
		return
	}
	redirect(c, http.StatusSeeOther, v.Href(or(safeNext(c.PostForm("next")), "/account?claimed=1")))
}

// carried are the hidden fields sign-up and sign-in pass on: where to go
// next, and a claim token.
func carried(next, claim string) map[string]string {
	h := nextHidden(next)
	if claim != "" {
		if h == nil {
			h = map[string]string{}
		}
		h["claim"] = claim
	}
	return h
}

// carriedQuery is carried as a query string, for the links between
// sign-up and sign-in.
func carriedQuery(next, claim string) string {
	q := nextQuery(next)
	if claim == "" {
		return q
	}
	if q == "" {
		return "?claim=" + claim
	}
	return q + "&claim=" + claim
}
