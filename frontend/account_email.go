package frontend

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// The e-mail page: a user may add an address, only for notifications in
// guided care, change it, and remove it again. The same auth.Service
// method as PUT and DELETE /api/v1/me/email.

func (s *Site) emailPage(v *view, current string) formPage {
	f := formPage{Heading: v.T("account.email.title"),
		Lead:   []string{v.T("account.email.lead"), v.T("account.email.optional")},
		Action: v.Href("/account/email"), Submit: v.T("account.email.submit"),
		Fields: []field{{Name: "email", Type: "email", Label: v.T("account.email.label"), Hint: v.T("account.email.hint"),
			Autocomplete: "email", Value: current}},
		Links: []linkView{{Href: v.Href("/account"), Text: v.T("account.home.title")}}}
	if current != "" {
		f.Second = &formPage{Heading: v.T("account.email.remove_title"), Lead: []string{v.T("account.email.remove_text")},
			Action: v.Href("/account/email/delete"), Submit: v.T("account.email.remove_submit"), Danger: true}
	}
	return f
}

func (s *Site) emailForm(c *gin.Context) {
	v := s.accountView(c, "account.email.title", "/account/email")
	p := signedIn(c)
	u, err := s.Auth.Accounts.Me(c.Request.Context(), p)
	if err != nil {
		s.InternalError(c)
		return
	}
	current := ""
	if u.Email != nil {
		current = *u.Email
	}
	s.renderAccountForm(c, http.StatusOK, v, s.emailPage(v, current), "")
}

func (s *Site) emailSubmit(c *gin.Context) {
	v := s.accountView(c, "account.email.title", "/account/email")
	p := signedIn(c)
	addr := strings.TrimSpace(c.PostForm("email"))
	u, err := s.Auth.Accounts.Me(c.Request.Context(), p)
	if err != nil {
		s.InternalError(c)
		return
	}
	f := s.emailPage(v, "")
	if u.Email != nil && *u.Email != "" {
		f = s.emailPage(v, *u.Email)
	}
	f.Fields[0].Value = addr
	if addr == "" {
		f.Fields[0].Error = v.T("account.email.empty")
		s.renderAccountForm(c, http.StatusUnprocessableEntity, v, f, "")
		return
	}
	if err := s.Auth.Accounts.SetEmail(c.Request.Context(), p, addr); err != nil {
		s.formFailed(c, v, f, err, http.StatusUnprocessableEntity)
		return
	}
	v.Data = messagePage{Heading: v.T("account.email.saved"), Paragraphs: []string{v.T("account.email.saved_text", "Email", addr)},
		Links: []linkView{{Href: v.Href("/account"), Text: v.T("account.home.title")}}}
	s.render(c, http.StatusOK, "account_message", v)
}

func (s *Site) emailDelete(c *gin.Context) {
	v := s.accountView(c, "account.email.title", "/account/email")
	p := signedIn(c)
	if err := s.Auth.Accounts.SetEmail(c.Request.Context(), p, ""); err != nil {
		s.InternalError(c)
		return
	}
	v.Data = messagePage{Heading: v.T("account.email.removed"), Paragraphs: []string{v.T("account.email.removed_text")},
		Links: []linkView{{Href: v.Href("/account"), Text: v.T("account.home.title")}}}
	s.render(c, http.StatusOK, "account_message", v)
}
