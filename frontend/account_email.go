package frontend

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/auth"
)

// The e-mail page. Haven no longer asks for an account e-mail address:
// nothing sends to it (the self-help reminder has its own opt-in address on
// the course page). The page says so, and shows an address given before
// with a button to remove it — the same auth method as DELETE
// /api/v1/me/email. The guided trajectory may ask for an address again
// when it has a use for one.

func (s *Site) emailForm(c *gin.Context) {
	v := s.accountView(c, "account.email.title", "/account/email")
	p := signedIn(c)
	u, err := s.Auth.Accounts.Me(c.Request.Context(), p)
	if err != nil {
		s.serverError(c, err)
		return
	}
	links := []linkView{{Href: v.Href("/account"), Text: v.T("account.home.title")}}
	if u.Email == nil || *u.Email == "" {
		paras := []string{v.T("account.email.none")}
		if p.Role == auth.RoleClient {
			paras = append(paras, v.T("account.email.reminder"))
			links = append([]linkView{{Href: v.Href("/selfhelp") + "#reminder", Text: v.T("account.email.reminder_link")}}, links...)
		}
		v.Data = messagePage{Heading: v.T("account.email.title"), Paragraphs: paras, Links: links}
		s.render(c, http.StatusOK, "account_message", v)
		return
	}
	f := formPage{Heading: v.T("account.email.title"),
		Lead:   []string{v.T("account.email.given", "Email", *u.Email), v.T("account.email.unused")},
		Action: v.Href("/account/email/delete"), Submit: v.T("account.email.remove_submit"), Danger: true,
		Links: links}
	s.renderAccountForm(c, http.StatusOK, v, f, "")
}

func (s *Site) emailDelete(c *gin.Context) {
	v := s.accountView(c, "account.email.title", "/account/email")
	p := signedIn(c)
	if err := s.Auth.Accounts.RemoveEmail(c.Request.Context(), p); err != nil {
		s.serverError(c, err)
		return
	}
	v.Data = messagePage{Heading: v.T("account.email.removed"), Paragraphs: []string{v.T("account.email.removed_text")},
		Links: []linkView{{Href: v.Href("/account"), Text: v.T("account.home.title")}}}
	s.render(c, http.StatusOK, "account_message", v)
}
