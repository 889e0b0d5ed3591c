package frontend

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

func (s *Site) accountHome(c *gin.Context) {
	v := s.accountView(c, "account.home.title", "/account")
	p := signedIn(c)
	u, err := s.Auth.Accounts.Me(c.Request.Context(), p)
	if err != nil {
		s.serverError(c, err)
		return
	}
	h := accountHomeView{Nickname: u.Name(), Client: u.Role == auth.RoleClient, Clinician: u.Role == auth.RoleClinician, Coordinator: u.Role == auth.RoleCoordinator,
		HasEmail: u.Email != nil && *u.Email != "", CSRF: csrfToken(c)}
	h.Reports = (h.Coordinator || u.Role == auth.RoleResearcher) && s.Reports != nil
	if h.Client {
		h.Claimed = c.Query("claimed") == "1"
		if h.Selftests, err = s.claimedSelftests(c, v, p.UserID); err != nil {
			s.serverError(c, err)
			return
		}
	}
	v.Data = h
	s.render(c, http.StatusOK, "account_home", v)
}

type accountHomeView struct {
	Nickname    string
	Client      bool
	Clinician   bool
	Coordinator bool
	// Reports: the monthly report is offered (coordinators, when served).
	Reports   bool
	HasEmail  bool
	Claimed   bool // a self-test was just added
	Selftests []claimedRow
	CSRF      string
}

// claimedRow is a self-test kept in the account.
type claimedRow struct {
	Date       string
	ISO        string // for <time datetime>
	Instrument string
	Band       string
	Score      string
	Href       string
	TextLang   string
}

func (s *Site) claimedSelftests(c *gin.Context, v *view, userID string) ([]claimedRow, error) {
	outs, err := s.Selftest.Claimed(c.Request.Context(), userID)
	if err != nil {
		s.Log.ErrorContext(c.Request.Context(), "claimed self-tests", "error", err.Error())
		return nil, err
	}
	rows := make([]claimedRow, 0, len(outs))
	for _, o := range outs {
		t, used := o.Instrument.Text(v.Lang)
		r := claimedRow{Date: s.dateText(v, o.CreatedAt), ISO: o.CreatedAt.In(s.location()).Format("2006-01-02"), Instrument: t.Title, Band: t.Bands[o.Band].Label,
			Score: v.T("result.score", "Score", o.Score, "Max", o.MaxScore), Href: v.Href("/selftest/result/" + o.ID)}
		if used != v.Lang {
			r.TextLang = used
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func credentialFields(v *view, newPassword bool) []field {
	pwHint, pwAuto := "", "current-password"
	if newPassword {
		pwHint, pwAuto = v.T("account.field.password_hint"), "new-password"
	}
	return []field{
		{Name: "nickname", Type: "text", Label: v.T("account.field.nickname"), Hint: hintIf(newPassword, v.T("account.field.nickname_hint")), Autocomplete: "username"},
		{Name: "password", Type: "password", Label: v.T("account.field.password"), Hint: pwHint, Autocomplete: pwAuto},
	}
}

func hintIf(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

func (s *Site) signupPage(v *view, next, claim string) formPage {
	f := formPage{Heading: v.T("account.signup.title"), Lead: []string{v.T("account.signup.lead")},
		Action: v.Href("/account/signup"), Submit: v.T("account.signup.submit"), Fields: credentialFields(v, true),
		Hidden: carried(next, claim),
		Links:  []linkView{{Href: v.Href("/account/login") + carriedQuery(next, claim), Text: v.T("account.login.title")}}}
	if claim != "" {
		f.Lead = append(f.Lead, v.T("account.signup.claim"))
	}
	return f
}

func (s *Site) signupForm(c *gin.Context) {
	v := s.accountView(c, "account.signup.title", "/account/signup")
	s.renderAccountForm(c, http.StatusOK, v, s.signupPage(v, safeNext(c.Query("next")), validClaim(c.Query("claim"))), "")
}

func (s *Site) signupSubmit(c *gin.Context) {
	v := s.accountView(c, "account.signup.title", "/account/signup")
	nick, next, claim := c.PostForm("nickname"), safeNext(c.PostForm("next")), c.PostForm("claim")
	res, err := s.Auth.Sessions.SignUp(c.Request.Context(), accountMeta(c), nick, c.PostForm("password"))
	if err != nil {
		f := s.signupPage(v, next, validClaim(claim))
		f.Fields[0].Value = nick
		s.formFailed(c, v, f, err, http.StatusUnprocessableEntity)
		return
	}
	s.setSession(c, res.Session)
	v.Session = headerSession{State: sessionSignedIn, CSRF: csrfToken(c)}
	v.Title = v.T("account.signup.done_title")
	var claimed []string
	if claim != "" {
		done, msg, err := s.claim(c, v, res.Session.Actor(middleware.RequestIDFrom(c.Request.Context())), claim)
		if err != nil {
			s.serverError(c, err)
			return
		}
		if done {
			msg = v.T("account.claim.done")
		}
		claimed = []string{msg}
	}
	m := messagePage{Heading: v.T("account.signup.done_title"),
		Paragraphs: append(claimed, v.T("account.recovery.explain"), v.T("account.recovery.keep")),
		Codes:      []string{res.RecoveryCode}, CodesLabel: v.T("account.recovery.label")}
	s.keepCodes(c, v, &m, "client", or(next, "/account"))
	v.Data = m
	s.render(c, http.StatusCreated, "account_message", v)
}

func (s *Site) loginPage(v *view, next, claim string) formPage {
	f := formPage{Heading: v.T("account.login.title"), Action: v.Href("/account/login"), Submit: v.T("account.login.submit"),
		Fields: credentialFields(v, false), Hidden: carried(next, claim),
		Links: []linkView{{Href: v.Href("/account/recover"), Text: v.T("account.recover.title")},
			{Href: v.Href("/account/signup") + carriedQuery(next, claim), Text: v.T("account.signup.title")}}}
	if claim != "" {
		f.Lead = []string{v.T("account.login.claim")}
	}
	return f
}

func (s *Site) loginForm(c *gin.Context) {
	v := s.accountView(c, "account.login.title", "/account/login")
	s.renderAccountForm(c, http.StatusOK, v, s.loginPage(v, safeNext(c.Query("next")), validClaim(c.Query("claim"))), "")
}

func (s *Site) loginSubmit(c *gin.Context) {
	v := s.accountView(c, "account.login.title", "/account/login")
	nick, next, claim := c.PostForm("nickname"), safeNext(c.PostForm("next")), c.PostForm("claim")
	res, err := s.Auth.Sessions.Login(c.Request.Context(), accountMeta(c), nick, c.PostForm("password"))
	if err != nil {
		f := s.loginPage(v, next, validClaim(claim))
		f.Fields[0].Value = nick
		msg, known := formError(v, err, f.Fields)
		if !known {
			s.serverError(c, err)
			return
		}
		status := http.StatusUnauthorized
		if msg == "" || c.Writer.Status() == http.StatusTooManyRequests {
			status = http.StatusUnprocessableEntity
		}
		s.renderAccountForm(c, status, v, f, msg)
		return
	}
	switch res.Status {
	case auth.LoginOK:
		s.setSession(c, res.Session)
		if claim != "" {
			done, msg, err := s.claim(c, v, res.Session.Actor(middleware.RequestIDFrom(c.Request.Context())), claim)
			if err != nil {
				s.serverError(c, err)
				return
			}
			if !done {
				s.claimFailed(c, v, http.StatusOK, msg)
				return
			}
			if next == "" {
				next = "/account?claimed=1"
			}
		}
		redirect(c, http.StatusSeeOther, v.Href(or(next, "/account")))
	case auth.LoginMFARequired:
		s.renderAccountForm(c, http.StatusOK, v, s.mfaPage(v, res.Challenge), "")
	default:
		en, err := s.Auth.Sessions.StartEnrolment(c.Request.Context(), res.Challenge)
		if err != nil {
			s.serverError(c, err)
			return
		}
		s.renderAccountForm(c, http.StatusOK, v, s.enrolPage(v, res.Challenge, en), "")
	}
}

func (s *Site) mfaPage(v *view, challenge string) formPage {
	return formPage{Heading: v.T("account.mfa.title"), Lead: []string{v.T("account.mfa.lead")},
		Action: v.Href("/account/login/mfa"), Submit: v.T("account.login.submit"),
		Hidden: map[string]string{"challenge": challenge},
		Fields: []field{{Name: "code", Type: "text", Label: v.T("account.field.code"), Autocomplete: "one-time-code"}}}
}

func (s *Site) enrolPage(v *view, challenge string, en *auth.Enrolment) formPage {
	f := formPage{Heading: v.T("account.enrol.title"),
		Lead:   []string{v.T("account.enrol.lead"), v.T("account.enrol.secret", "Secret", groupsOf4(en.Secret))},
		Action: v.Href("/account/login/enrol"), Submit: v.T("account.enrol.submit"),
		Hidden: map[string]string{"challenge": challenge, "secret": en.Secret},
		// No recovery codes exist yet: they come once the app works.
		Fields: []field{{Name: "code", Type: "text", Label: v.T("account.enrol.code"), Autocomplete: "one-time-code"}}}
	// The QR code carries the same key (and the issuer and account name):
	// scan it, or type the key.
	if u, ok := otpauthURL(en.URL, en.Secret); ok {
		if qr, err := qrSVG(u, v.T("account.enrol.qr_label")); err == nil {
			f.QR, f.QRCaption = qr, v.T("account.enrol.qr")
			f.Hidden["otpauth"] = u
		}
	}
	return f
}

// groupsOf4 writes a key in groups of four characters, easier to type
// (authenticator apps ignore the spaces).
func groupsOf4(key string) string {
	var b strings.Builder
	for i, r := range key {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Site) mfaSubmit(c *gin.Context) {
	v := s.accountView(c, "account.mfa.title", "/account/login")
	challenge := c.PostForm("challenge")
	se, err := s.Auth.Sessions.VerifyMFA(c.Request.Context(), accountMeta(c), challenge, c.PostForm("code"))
	if err != nil {
		f := s.mfaPage(v, challenge)
		s.formFailed(c, v, f, err, http.StatusUnauthorized)
		return
	}
	s.setSession(c, se)
	redirect(c, http.StatusSeeOther, v.Href("/account"))
}

func (s *Site) enrolSubmit(c *gin.Context) {
	v := s.accountView(c, "account.enrol.title", "/account/login")
	challenge := c.PostForm("challenge")
	res, err := s.Auth.Sessions.ConfirmEnrolment(c.Request.Context(), accountMeta(c), challenge, c.PostForm("code"))
	if err != nil {
		f := s.enrolPage(v, challenge, &auth.Enrolment{Secret: c.PostForm("secret"), URL: c.PostForm("otpauth")})
		s.formFailed(c, v, f, err, http.StatusUnauthorized)
		return
	}
	s.setSession(c, res.Session)
	v.Session = headerSession{State: sessionSignedIn, CSRF: csrfToken(c)}
	m := messagePage{Heading: v.T("account.enrol.done_title"), Paragraphs: []string{v.T("account.enrol.codes")},
		Codes: res.RecoveryCodes, CodesLabel: codesLabel(v, "staff")}
	s.keepCodes(c, v, &m, "staff", "/account")
	v.Data = m
	s.render(c, http.StatusOK, "account_message", v)
}

func (s *Site) logoutSubmit(c *gin.Context) {
	v := s.accountView(c, "account.home.title", "/account")
	if p, ok := authz.Principal(c); ok {
		if err := s.Auth.Sessions.Logout(c.Request.Context(), p); err != nil {
			s.serverError(c, err)
			return
		}
	}
	s.clearSession(c)
	redirect(c, http.StatusSeeOther, v.Href("/?signed_out=1"))
}

func (s *Site) recoverPage(v *view) formPage {
	return formPage{Heading: v.T("account.recover.title"), Lead: []string{v.T("account.recover.lead")},
		Action: v.Href("/account/recover"), Submit: v.T("account.recover.submit"),
		Fields: []field{
			{Name: "nickname", Type: "text", Label: v.T("account.field.nickname"), Autocomplete: "username"},
			{Name: "recovery_code", Type: "text", Label: v.T("account.recovery.label"), Autocomplete: "off"},
			{Name: "new_password", Type: "password", Label: v.T("account.field.new_password"), Hint: v.T("account.field.password_hint"), Autocomplete: "new-password"},
		}}
}

func (s *Site) recoverForm(c *gin.Context) {
	v := s.accountView(c, "account.recover.title", "/account/recover")
	s.renderAccountForm(c, http.StatusOK, v, s.recoverPage(v), "")
}

func (s *Site) recoverSubmit(c *gin.Context) {
	v := s.accountView(c, "account.recover.title", "/account/recover")
	nick := c.PostForm("nickname")
	res, err := s.Auth.Sessions.Recover(c.Request.Context(), accountMeta(c), nick, c.PostForm("recovery_code"), c.PostForm("new_password"))
	if err != nil {
		f := s.recoverPage(v)
		f.Fields[0].Value = nick
		s.formFailed(c, v, f, err, http.StatusUnprocessableEntity)
		return
	}
	s.setSession(c, res.Session)
	m := messagePage{Heading: v.T("account.recover.done_title"),
		Paragraphs: []string{v.T("account.recover.done"), v.T("account.recovery.keep")},
		Codes:      []string{res.RecoveryCode}, CodesLabel: v.T("account.recovery.label")}
	s.keepCodes(c, v, &m, "client", "/account")
	v.Session = headerSession{State: sessionSignedIn, CSRF: csrfToken(c)}
	v.Data = m
	s.render(c, http.StatusOK, "account_message", v)
}

func (s *Site) passwordPage(v *view) formPage {
	return formPage{Heading: v.T("account.password.title"), Action: v.Href("/account/password"), Submit: v.T("account.password.submit"),
		Fields: []field{
			{Name: "current_password", Type: "password", Label: v.T("account.field.current_password"), Autocomplete: "current-password"},
			{Name: "new_password", Type: "password", Label: v.T("account.field.new_password"), Hint: v.T("account.field.password_hint"), Autocomplete: "new-password"},
		},
		Links: []linkView{{Href: v.Href("/account"), Text: v.T("account.home.title")}}}
}

func (s *Site) passwordForm(c *gin.Context) {
	v := s.accountView(c, "account.password.title", "/account/password")
	s.renderAccountForm(c, http.StatusOK, v, s.passwordPage(v), "")
}

func (s *Site) passwordSubmit(c *gin.Context) {
	v := s.accountView(c, "account.password.title", "/account/password")
	p := signedIn(c)
	err := s.Auth.Accounts.ChangePassword(c.Request.Context(), p, c.PostForm("current_password"), c.PostForm("new_password"))
	if err != nil {
		f := s.passwordPage(v)
		s.formFailed(c, v, f, err, http.StatusUnprocessableEntity)
		return
	}
	v.Data = messagePage{Heading: v.T("account.password.done"), Links: []linkView{{Href: v.Href("/account"), Text: v.T("account.home.title")}}}
	s.render(c, http.StatusOK, "account_message", v)
}

func (s *Site) deletePage(v *view, p auth.Principal) formPage {
	f := formPage{Heading: v.T("account.data.title"),
		Lead:   []string{v.T("account.data.download_text"), v.T("account.data.delete_text")},
		Action: v.Href("/account/delete"), Submit: v.T("account.data.delete_submit"), Danger: true,
		Fields: []field{{Name: "password", Type: "password", Label: v.T("account.field.password"), Autocomplete: "current-password"}},
		Links:  []linkView{{Href: v.Href("/account/data/export"), Text: v.T("account.data.download")}}}
	// A client's questionnaire results for another care provider's
	// system (FHIR), when the export is there.
	if s.FHIR != nil && p.Role == auth.RoleClient {
		f.Lead = append(f.Lead[:1:1], v.T("account.data.fhir_text"), f.Lead[1])
		f.Links = append(f.Links, linkView{Href: v.Href("/account/data/fhir"), Text: v.T("account.data.fhir")})
	}
	f.Links = append(f.Links, linkView{Href: v.Href("/account"), Text: v.T("account.home.title")})
	return f
}

func (s *Site) dataPage(c *gin.Context) {
	v := s.accountView(c, "account.data.title", "/account/data")
	s.renderAccountForm(c, http.StatusOK, v, s.deletePage(v, signedIn(c)), "")
}

func (s *Site) dataExport(c *gin.Context) {
	ex, err := s.Auth.Accounts.Export(c.Request.Context(), signedIn(c))
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.writeJSONDownload(c, "haven-my-data.json", ex)
}

func (s *Site) deleteSubmit(c *gin.Context) {
	v := s.accountView(c, "account.data.title", "/account/data")
	p := signedIn(c)
	if err := s.Auth.Accounts.Erase(c.Request.Context(), p, c.PostForm("password")); err != nil {
		f := s.deletePage(v, p)
		msg, known := formError(v, err, f.Fields)
		if !known {
			msg = v.T("account.data.staff")
		}
		s.renderAccountForm(c, http.StatusUnprocessableEntity, v, f, msg)
		return
	}
	s.clearSession(c)
	v.Data = messagePage{Heading: v.T("account.data.deleted"), Paragraphs: []string{v.T("account.data.deleted_text")},
		Links: []linkView{{Href: v.Href("/"), Text: v.T("layout.home")}}}
	s.render(c, http.StatusOK, "account_message", v)
}

func (s *Site) invitationPage(v *view, token string) formPage {
	fields := credentialFields(v, true)
	// Staff are not pseudonymous to clients: a sign-in name, and the name
	// clients see.
	fields[0].Label, fields[0].Hint = v.T("account.field.staff_nickname"), v.T("account.field.staff_nickname_hint")
	fields = append(fields,
		field{Name: "display_name", Type: "text", Label: v.T("account.field.display_name"), Hint: v.T("account.field.display_name_hint"), Autocomplete: "name"},
		field{Name: "profession", Type: "text", Label: v.T("account.field.profession"), Hint: v.T("account.field.profession_hint"), Autocomplete: "organization-title"})
	return formPage{Heading: v.T("account.invitation.title"), Lead: []string{v.T("account.invitation.lead")},
		Action: v.Href("/account/invitation"), Submit: v.T("account.invitation.submit"),
		Hidden: map[string]string{"token": token}, Fields: fields}
}

func (s *Site) invitationForm(c *gin.Context) {
	v := s.accountView(c, "account.invitation.title", "/account/invitation")
	s.renderAccountForm(c, http.StatusOK, v, s.invitationPage(v, c.Query("token")), "")
}

func (s *Site) invitationSubmit(c *gin.Context) {
	v := s.accountView(c, "account.invitation.title", "/account/invitation")
	token, nick := c.PostForm("token"), c.PostForm("nickname")
	profile := auth.StaffProfile{DisplayName: c.PostForm("display_name"), Profession: c.PostForm("profession")}
	if _, err := s.Auth.Staff.AcceptInvitation(c.Request.Context(), accountMeta(c), token, nick, c.PostForm("password"), profile); err != nil {
		f := s.invitationPage(v, token)
		f.Fields[0].Value, f.Fields[2].Value, f.Fields[3].Value = nick, profile.DisplayName, profile.Profession
		s.formFailed(c, v, f, err, http.StatusUnprocessableEntity)
		return
	}
	v.Data = messagePage{Heading: v.T("account.invitation.done"), Paragraphs: []string{v.T("account.invitation.next")},
		Links: []linkView{{Href: v.Href("/account/login"), Text: v.T("account.login.title")}}}
	s.render(c, http.StatusCreated, "account_message", v)
}

// tablePage is what account_table.html renders: an optional form above a
// table.
type tablePage struct {
	Heading string
	Form    *formPage
	Search  *formPage // a GET form, no CSRF
	Caption string
	Head    []string
	Rows    [][]string
	Empty   string
	Notice  string
	Invite  *inviteView // a new invitation link to hand on
}

// inviteView is a new invitation link: absolute (HAVEN_PUBLIC_URL) when
// the site knows its address.
type inviteView struct {
	URL      string
	Relative bool
	Hours    int
}

func (s *Site) staffTableInvite(c *gin.Context, v *view, in *inviteView) {
	s.staffTableWith(c, v, "", in, http.StatusCreated)
}

func (s *Site) staffTable(c *gin.Context, v *view, notice string, status int) {
	s.staffTableWith(c, v, notice, nil, status)
}

func (s *Site) staffTableWith(c *gin.Context, v *view, notice string, invite *inviteView, status int) {
	users, err := s.Auth.Staff.Users(c.Request.Context(), []auth.Role{auth.RoleClinician, auth.RoleCoordinator, auth.RoleResearcher})
	if err != nil {
		s.serverError(c, err)
		return
	}
	t := tablePage{Heading: v.T("account.staff.title"), Caption: v.T("account.staff.caption"), Notice: notice, Invite: invite,
		Head:  []string{v.T("account.field.nickname"), v.T("account.staff.role"), v.T("account.staff.caseload"), v.T("account.staff.mfa")},
		Empty: v.T("account.staff.empty")}
	for _, u := range users {
		mfa := v.T("account.no")
		if u.User.MFAEnabled() {
			mfa = v.T("account.yes")
		}
		t.Rows = append(t.Rows, []string{u.User.Name(), v.T("account.role." + string(u.User.Role)),
			strconv.FormatInt(u.Caseload, 10) + " / " + strconv.Itoa(u.User.Capacity), mfa})
	}
	var roles []optionView
	for _, r := range []auth.Role{auth.RoleClinician, auth.RoleResearcher, auth.RoleCoordinator} {
		roles = append(roles, optionView{Value: string(r), Label: v.T("account.role." + string(r))})
	}
	t.Form = &formPage{Heading: v.T("account.staff.invite"), Action: v.Href("/account/staff/invite"), Submit: v.T("account.staff.invite_submit"),
		CSRF: csrfToken(c), Fields: []field{
			{Name: "role", Type: "select", Label: v.T("account.staff.role"), Options: roles},
			{Name: "capacity", Type: "number", Label: v.T("account.staff.capacity"), Value: "10"},
		}}
	v.Data = t
	s.render(c, status, "account_table", v)
}

func (s *Site) staffPage(c *gin.Context) {
	v := s.accountView(c, "account.staff.title", "/account/staff")
	s.staffTable(c, v, "", http.StatusOK)
}

func (s *Site) inviteSubmit(c *gin.Context) {
	v := s.accountView(c, "account.staff.title", "/account/staff")
	p := signedIn(c)
	capacity, _ := strconv.Atoi(c.PostForm("capacity"))
	link, err := s.Auth.Staff.Invite(c.Request.Context(), p, auth.Role(c.PostForm("role")), capacity)
	if err != nil {
		s.staffTable(c, v, v.T("account.error.invalid"), http.StatusUnprocessableEntity)
		return
	}
	path := v.Href("/account/invitation") + "?token=" + link.Token
	s.staffTableInvite(c, v, &inviteView{URL: s.PublicURL + path, Relative: s.PublicURL == "", Hours: 72})
}

func (s *Site) auditPage(c *gin.Context) {
	v := s.accountView(c, "account.audit.title", "/account/audit")
	p := signedIn(c)
	q := audit.Query{Client: c.Query("client"), User: c.Query("user"), From: c.Query("from"), To: c.Query("to")}
	entries, err := s.Audit.Search(c.Request.Context(), p.Actor(), q)
	var fe fieldErrors
	status := http.StatusOK
	switch {
	case errors.As(err, &fe):
		status = http.StatusUnprocessableEntity
		for _, name := range []string{"client", "user", "from", "to"} {
			if _, bad := fe.FieldErrors()[name]; bad {
				v.Errors = append(v.Errors, errorLink{Href: "#" + name, Text: v.T("account.audit.error_" + name)})
			}
		}
		entries = nil
	case err != nil:
		s.serverError(c, err)
		return
	}
	t := tablePage{Heading: v.T("account.audit.title"), Caption: v.T("account.audit.caption"), Empty: v.T("account.audit.empty"),
		Head: []string{v.T("account.audit.when"), v.T("account.audit.who"), v.T("account.audit.client"), v.T("account.audit.action"), v.T("account.audit.outcome")},
		Search: &formPage{Heading: v.T("account.audit.search"), Action: v.Href("/account/audit"), Submit: v.T("account.audit.search_submit"),
			Fields: []field{
				{Name: "client", Type: "text", Label: v.T("account.audit.client"), Value: c.Query("client")},
				{Name: "user", Type: "text", Label: v.T("account.audit.who"), Value: c.Query("user")},
				{Name: "from", Type: "date", Label: v.T("account.audit.from"), Value: c.Query("from")},
				{Name: "to", Type: "date", Label: v.T("account.audit.to"), Value: c.Query("to")},
			}}}
	for i, f := range t.Search.Fields {
		for _, el := range v.Errors {
			if el.Href == "#"+f.Name {
				t.Search.Fields[i].Error = el.Text
			}
		}
	}
	for _, e := range entries {
		t.Rows = append(t.Rows, []string{s.dateTimeSecondsText(v, e.At), deref(e.ActorID) + " (" + e.ActorRole + ")",
			deref(e.SubjectID), e.Action + " " + e.Object, e.Outcome})
	}
	v.Data = t
	s.render(c, status, "account_table", v)
}

func deref(s *string) string {
	if s == nil {
		return "–"
	}
	return *s
}
