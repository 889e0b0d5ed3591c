package frontend

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
)

// Recovery codes are shown once, right after they are made (sign-up,
// recovery, a staff member's authenticator enrolment). The page offers to
// keep them — download as a text file, copy (app.js, when the browser
// allows) — and asks "I have saved it" before going on. Nothing stores a
// code in the clear: the download and the confirmation post back the codes
// the page already shows (with the CSRF token), and the server only echoes
// them.

// maxCodes is the most codes one page shows (a staff member's ten).
const maxCodes = 10

var codeShape = regexp.MustCompile(`^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){1,7}$`)

// postedCodes are the codes a recovery-code form sent back, or nil when
// any is malformed.
func postedCodes(c *gin.Context) []string {
	codes := c.PostFormArray("code")
	if len(codes) == 0 || len(codes) > maxCodes {
		return nil
	}
	for _, code := range codes {
		if !codeShape.MatchString(code) {
			return nil
		}
	}
	return codes
}

// recoveryKeep is the part of the message page that keeps the codes.
type recoveryKeep struct {
	CSRF     string
	Next     string // where "Continue" leads, a site path
	Kind     string // "client" (one code) or "staff" (sign-in codes)
	Error    string
	Download string
	Confirm  string
}

// keepCodes turns a message page with codes into one that asks to keep
// them before going on to next.
func (s *Site) keepCodes(c *gin.Context, v *view, m *messagePage, kind, next string) {
	m.Keep = &recoveryKeep{CSRF: csrfToken(c), Next: next, Kind: kind,
		Download: v.Href("/account/recovery-codes.txt"), Confirm: v.Href("/account/recovery-codes/saved")}
	m.Links = nil
}

// recoveryDownload answers the codes the page posted as a text file.
func (s *Site) recoveryDownload(c *gin.Context) {
	v := s.view(c, "", "/account")
	codes := postedCodes(c)
	if codes == nil {
		s.notFound(c, http.StatusNotFound)
		return
	}
	key := "account.recovery.file_client"
	if c.PostForm("kind") == "staff" {
		key = "account.recovery.file_staff"
	}
	var b strings.Builder
	b.WriteString(v.T(key))
	b.WriteString("\r\n\r\n")
	for _, code := range codes {
		b.WriteString(code + "\r\n")
	}
	c.Header("Content-Disposition", `attachment; filename="`+v.T("account.recovery.filename")+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(b.String()))
}

// recoverySaved goes on once "I have saved it" is ticked; else the codes
// are shown again with the error.
func (s *Site) recoverySaved(c *gin.Context) {
	v := s.accountView(c, "account.recovery.keep_title", "/account")
	codes := postedCodes(c)
	next := safeNext(c.PostForm("next"))
	if codes == nil {
		s.notFound(c, http.StatusNotFound)
		return
	}
	if c.PostForm("saved") == "1" {
		redirect(c, http.StatusSeeOther, v.Href(or(next, "/account")))
		return
	}
	kind := "client"
	if c.PostForm("kind") == "staff" {
		kind = "staff"
	}
	m := messagePage{Heading: v.T("account.recovery.keep_title"), Codes: codes, CodesLabel: codesLabel(v, kind)}
	s.keepCodes(c, v, &m, kind, next)
	m.Keep.Error = v.T("account.recovery.saved_error")
	v.Errors = []errorLink{{Href: "#saved", Text: m.Keep.Error}}
	v.Data = m
	s.render(c, http.StatusUnprocessableEntity, "account_message", v)
}

func codesLabel(v *view, kind string) string {
	if kind == "staff" {
		return v.T("account.recovery.staff_label")
	}
	return v.T("account.recovery.label")
}
