package frontend

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db/kind"
)

// Account pages: sign up (with the recovery code), sign in (with the second
// factor for staff, and its enrolment at first sign-in), recover with the
// code, change the password, my data (download, delete), accept an
// invitation, and for coordinators the staff and audit-log pages. They call
// the same auth.Service as the JSON API.
//
// Unlike the visitor pages these set cookies, only after the visitor signs
// in or fills in a form: the access and refresh tokens, and a CSRF token,
// each HttpOnly, Secure, SameSite=Strict and __Host- prefixed (no Domain,
// Path=/). Every form that changes state carries the CSRF token
// (double-submit: the hidden field must equal the cookie) and must pass
// Go's cross-origin protection (Sec-Fetch-Site / Origin).

const (
	cookieAccess   = "__Host-haven_access"
	cookieRefresh  = "__Host-haven_refresh"
	cookieCSRF     = "__Host-haven_csrf"
	csrfField      = "csrf"
	maxAccountForm = 16 << 10
)

func setCookie(c *gin.Context, name, value string, expires time.Time) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode}
	if !expires.IsZero() {
		ck.Expires = expires
		ck.MaxAge = max(1, int(time.Until(expires).Seconds()))
	}
	http.SetCookie(c.Writer, ck)
}

func clearCookie(c *gin.Context, name string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

func (s *Site) setSession(c *gin.Context, se *auth.Session) {
	setCookie(c, cookieAccess, se.AccessToken, se.AccessExpiresAt)
	setCookie(c, cookieRefresh, se.RefreshToken, se.RefreshExpiresAt)
}

func (s *Site) clearSession(c *gin.Context) {
	clearCookie(c, cookieAccess)
	clearCookie(c, cookieRefresh)
}

func accountMeta(c *gin.Context) auth.Meta {
	return auth.Meta{RequestID: middleware.RequestIDFrom(c.Request.Context()), Source: c.ClientIP()}
}

// csrfToken returns the visitor's CSRF token, setting the cookie the first
// time a form is shown.
func csrfToken(c *gin.Context) string {
	if v, err := c.Cookie(cookieCSRF); err == nil && len(v) == 43 {
		return v
	}
	if v, ok := c.Get(cookieCSRF); ok {
		return v.(string)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	setCookie(c, cookieCSRF, v, time.Time{})
	c.Set(cookieCSRF, v)
	return v
}

// formCheck is the middleware of every form post that changes state: the
// body limit, the cross-origin check and the CSRF token; on failure it
// answers 403 and stops.
func (s *Site) formCheck(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !s.checkFormSize(c, limit) {
			c.Abort()
			return
		}
		c.Next()
	}
}

// checkFormSize checks a form post with body limit limit; on failure it
// answers 403 and returns false.
func (s *Site) checkFormSize(c *gin.Context, limit int64) bool {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	if err := http.NewCrossOriginProtection().Check(c.Request); err != nil {
		s.formRejected(c)
		return false
	}
	if err := c.Request.ParseForm(); err != nil {
		s.formRejected(c)
		return false
	}
	cookie, err := c.Cookie(cookieCSRF)
	field := c.Request.PostForm.Get(csrfField)
	if err != nil || len(cookie) != 43 || subtle.ConstantTimeCompare([]byte(cookie), []byte(field)) != 1 {
		s.formRejected(c)
		return false
	}
	return true
}

func (s *Site) formRejected(c *gin.Context) {
	v := s.accountView(c, "account.csrf.title", "/account")
	v.Data = messagePage{Heading: v.T("account.csrf.title"), Paragraphs: []string{v.T("account.csrf.text")},
		Links: []linkView{{Href: v.Href("/account"), Text: v.T("account.home.title")}}}
	s.render(c, http.StatusForbidden, "account_message", v)
}

func (s *Site) accountView(c *gin.Context, titleKey, path string) *view {
	v := s.view(c, titleKey, path)
	v.NoIndex = true
	c.Header("Cache-Control", "no-store")
	return v
}

// field is one input of a generic account form.
type field struct {
	Name         string
	Type         string
	Label        string
	Hint         string
	Autocomplete string
	Value        string
	Error        string
	Options      []optionView // for a select
}

// formPage is what account_form.html renders.
type formPage struct {
	Heading string
	Lead    []string
	Action  string
	Submit  string
	Danger  bool
	CSRF    string
	Hidden  map[string]string
	Fields  []field
	Links   []linkView
	// QR is a QR code to scan (the authenticator enrolment), with its
	// caption.
	QR        template.HTML
	QRCaption string
	// Second is a form of its own below this one (removing the e-mail
	// address); it gets the same CSRF token.
	Second *formPage
}

type linkView struct {
	Href string
	Text string
}

// messagePage is what account_message.html renders: a heading, text, and
// codes to write down.
type messagePage struct {
	Heading    string
	Paragraphs []string
	Codes      []string
	CodesLabel string
	// Keep, when set, offers to keep the codes and asks "I have saved it"
	// before going on (account_recovery.go).
	Keep *recoveryKeep
	// Confirm, when set, is the second step of a destructive action.
	Confirm *confirmForm
	Links   []linkView
}

// confirmForm asks "are you sure?" before a destructive post.
type confirmForm struct {
	Action     string
	CSRF       string
	Hidden     map[string]string
	Submit     string
	CancelHref string
	CancelText string
}

// renderForm fills in the error summary from the fields' errors.
func (s *Site) renderAccountForm(c *gin.Context, status int, v *view, f formPage, formErr string) {
	f.CSRF = csrfToken(c)
	if f.Second != nil {
		f.Second.CSRF = f.CSRF
	}
	if formErr != "" {
		v.Errors = append(v.Errors, errorLink{Href: "#" + f.Fields[0].Name, Text: formErr})
	}
	for _, fl := range f.Fields {
		if fl.Error != "" {
			v.Errors = append(v.Errors, errorLink{Href: "#" + fl.Name, Text: fl.Error})
		}
	}
	v.Data = f
	s.render(c, status, "account_form", v)
}

// formFailed shows form f again with what is wrong with err, or the 500
// page for an error a form cannot explain.
func (s *Site) formFailed(c *gin.Context, v *view, f formPage, err error, status int) {
	msg, known := formError(v, err, f.Fields)
	if !known {
		s.serverError(c, err)
		return
	}
	s.renderAccountForm(c, status, v, f, msg)
}

// formError turns a domain error into the page-level message and the
// field messages of a form; ok is false for errors it does not know.
func formError(v *view, err error, fields []field) (string, bool) {
	var (
		fe       fieldErrors
		conflict *kind.Conflict
		ra       retryAfter
	)
	switch {
	case errors.As(err, &fe):
		for i := range fields {
			if _, bad := fe.FieldErrors()[fields[i].Name]; bad {
				fields[i].Error = v.T("account.error." + fieldKind(fields[i].Name))
			}
		}
		return "", true
	case errors.As(err, &conflict):
		for i := range fields {
			if fields[i].Name == conflict.Field {
				fields[i].Error = v.T("account.error.taken")
			}
		}
		return "", true
	case errors.As(err, &ra):
		return v.T("account.error.throttled", "Minutes", (ra.RetryAfter()+59)/60), true
	case errors.Is(err, auth.ErrInvalidCredentials):
		return v.T("account.error.credentials"), true
	case errors.Is(err, auth.ErrInvalidToken):
		return v.T("account.error.token"), true
	}
	return "", false
}

// fieldKind maps a form field to the message that explains its rule.
func fieldKind(name string) string {
	switch name {
	case "nickname":
		return "nickname"
	case "password", "new_password":
		return "password"
	case "email":
		return "email"
	case "display_name", "profession":
		return name
	}
	return "invalid"
}

// accountKeys are the message ids the account pages build at run time.
func accountKeys() []string {
	return []string{"account.error.nickname", "account.error.password", "account.error.email", "account.error.invalid", "account.error.display_name", "account.error.profession",
		"account.error.taken", "account.error.throttled", "account.error.credentials", "account.error.token",
		"account.role.clinician", "account.role.coordinator", "account.role.researcher",
		"account.access.system", "account.access.read", "account.access.change", "account.access.denied", "account.access.listed",
		"account.audit.error_client", "account.audit.error_user", "account.audit.error_from", "account.audit.error_to"}
}

func (s *Site) writeJSONDownload(c *gin.Context, name string, data any) {
	b, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		s.InternalError(c)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}
