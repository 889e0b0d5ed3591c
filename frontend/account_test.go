package frontend

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/db"
)

// accountEnv is the site with accounts wired, and a browser-like cookie
// jar.
type accountEnv struct {
	t      testing.TB
	engine *gin.Engine
	auth   *auth.Service
	site   *Site
	db     *db.DB
	jar    map[string]string
}

func newAccountEnv(t testing.TB, opts ...wiretest.Option) *accountEnv {
	t.Helper()
	return newAccountEnvWith(t, nil, opts...)
}

// newAccountEnvWith is newAccountEnv with its Deps changed by change (nil:
// none).
func newAccountEnvWith(t testing.TB, change func(*Deps), opts ...wiretest.Option) *accountEnv {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	deps, database := testDeps(t, opts...)
	if change != nil {
		change(&deps)
	}
	s, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(middleware.RequestID(), middleware.SecurityHeaders(false), middleware.Recover(slog.New(slog.DiscardHandler), s.InternalError))
	r.NoRoute(s.NotFound)
	s.Register(r)
	return &accountEnv{t: t, engine: r, auth: deps.Auth, site: s, db: database, jar: map[string]string{}}
}

// do sends a request with the jar's cookies and keeps the cookies set.
func (e *accountEnv) do(method, target string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for k, v := range e.jar {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	for _, ck := range w.Result().Cookies() {
		if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || !strings.HasPrefix(ck.Name, "__Host-") {
			e.t.Errorf("%s %s: cookie %s is not HttpOnly, Secure, SameSite=Strict, __Host-: %+v", method, target, ck.Name, ck)
		}
		if ck.MaxAge < 0 {
			delete(e.jar, ck.Name)
		} else {
			e.jar[ck.Name] = ck.Value
		}
	}
	if w.Code >= 500 {
		e.t.Errorf("%s %s: %d\n%s", method, target, w.Code, w.Body.String())
	}
	return w
}

// post fetches the form page first (for the CSRF cookie) and posts with
// the token.
func (e *accountEnv) post(formPage, target string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	e.do(http.MethodGet, formPage, nil)
	form.Set(csrfField, e.jar[cookieCSRF])
	return e.do(http.MethodPost, target, form)
}

func TestAccountPagesRenderInBothLanguages(t *testing.T) {
	e := newAccountEnv(t)
	for _, l := range []string{"nl", "en"} {
		for _, p := range []string{"/account/signup", "/account/login", "/account/recover", "/account/invitation?token=x"} {
			w := e.do(http.MethodGet, "/"+l+p, nil)
			body := w.Body.String()
			if w.Code != 200 || !strings.Contains(body, `<html lang="`+l+`"`) || strings.Contains(body, missingMark) ||
				!strings.Contains(body, `name="csrf"`) || !strings.Contains(body, `<meta name="robots" content="noindex">`) {
				t.Errorf("/%s%s: %d\n%s", l, p, w.Code, body)
			}
			if w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("/%s%s: Cache-Control %q", l, p, w.Header().Get("Cache-Control"))
			}
		}
		// Signed out, the private pages send you to sign in, and back.
		for _, p := range []string{"/account", "/account/password", "/account/data", "/account/staff", "/account/audit"} {
			if w := e.do(http.MethodGet, "/"+l+p, nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/"+l+"/account/login?next="+url.QueryEscape(p) {
				t.Errorf("/%s%s signed out: %d → %s", l, p, w.Code, w.Header().Get("Location"))
			}
		}
	}
}

func TestAccountFormsRejectMissingOrWrongCSRF(t *testing.T) {
	e := newAccountEnv(t)
	form := url.Values{"nickname": {"csrf-test"}, "password": {"lange zin als wachtwoord"}}
	tests := []struct {
		name    string
		prepare func() (url.Values, []string)
	}{
		{"no token, no cookie", func() (url.Values, []string) { return form, nil }},
		{"cookie but no field", func() (url.Values, []string) {
			e.do(http.MethodGet, "/en/account/signup", nil)
			return form, nil
		}},
		{"field not matching the cookie", func() (url.Values, []string) {
			e.do(http.MethodGet, "/en/account/signup", nil)
			f := url.Values{"nickname": form["nickname"], "password": form["password"], csrfField: {strings.Repeat("A", 43)}}
			return f, nil
		}},
		{"right token, cross-site", func() (url.Values, []string) {
			e.do(http.MethodGet, "/en/account/signup", nil)
			f := url.Values{"nickname": form["nickname"], "password": form["password"], csrfField: {e.jar[cookieCSRF]}}
			return f, []string{"Sec-Fetch-Site", "cross-site"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.jar = map[string]string{}
			f, h := tt.prepare()
			w := e.do(http.MethodPost, "/en/account/signup", f, h...)
			if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "This form has expired") {
				t.Fatalf("%d\n%s", w.Code, w.Body.String())
			}
		})
	}
	if _, err := e.auth.Sessions.Login(t.Context(), auth.Meta{Source: "x"}, "csrf-test", "lange zin als wachtwoord"); err == nil {
		t.Error("an account was created by a rejected form")
	}
	// Every state-changing account form is guarded the same way.
	for _, p := range []string{"/en/account/login", "/en/account/login/mfa", "/en/account/login/enrol", "/en/account/logout",
		"/en/account/recover", "/en/account/password", "/en/account/delete", "/en/account/invitation", "/en/account/staff/invite"} {
		e.jar = map[string]string{}
		if w := e.do(http.MethodPost, p, url.Values{"x": {"y"}}); w.Code != http.StatusForbidden {
			t.Errorf("POST %s without a CSRF token: %d", p, w.Code)
		}
	}
}

func TestAccountLifecycleInTheBrowser(t *testing.T) {
	e := newAccountEnv(t)
	const pw = "lange zin als wachtwoord"
	w := e.post("/nl/account/signup", "/nl/account/signup", url.Values{"nickname": {"ab"}, "password": {"kort"}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "error-summary") || !strings.Contains(w.Body.String(), `aria-invalid="true"`) {
		t.Fatalf("invalid sign-up: %d\n%s", w.Code, w.Body.String())
	}
	w = e.post("/nl/account/signup", "/nl/account/signup", url.Values{"nickname": {"webgebruiker"}, "password": {pw}})
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `<code class="code">`) {
		t.Fatalf("sign-up: %d\n%s", w.Code, w.Body.String())
	}
	body := w.Body.String()
	i := strings.Index(body, `<code class="code">`) + len(`<code class="code">`)
	recovery := body[i : i+24]
	if e.jar[cookieAccess] == "" || e.jar[cookieRefresh] == "" {
		t.Fatalf("no session cookies: %v", e.jar)
	}
	if w := e.do(http.MethodGet, "/nl/account", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "webgebruiker") {
		t.Fatalf("account page: %d", w.Code)
	}
	// An expired or missing access cookie is renewed with the refresh
	// cookie, which rotates.
	oldRefresh := e.jar[cookieRefresh]
	delete(e.jar, cookieAccess)
	if w := e.do(http.MethodGet, "/nl/account", nil); w.Code != 200 || e.jar[cookieRefresh] == oldRefresh {
		t.Fatalf("refresh by cookie: %d", w.Code)
	}
	if w := e.do(http.MethodGet, "/nl/account/access", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "Niemand heeft je dossier al bekeken") {
		t.Fatalf("access log page: %d\n%s", w.Code, w.Body.String())
	}
	if w := e.do(http.MethodGet, "/nl/account/data/export", nil); w.Code != 200 || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") ||
		!strings.Contains(w.Body.String(), `"nickname": "webgebruiker"`) {
		t.Fatalf("export: %d %s", w.Code, w.Body.String())
	}
	w = e.post("/nl/account", "/nl/account/logout", url.Values{})
	if w.Code != http.StatusSeeOther || e.jar[cookieAccess] != "" {
		t.Fatalf("logout: %d %v", w.Code, e.jar)
	}
	w = e.post("/en/account/login", "/en/account/login", url.Values{"nickname": {"webgebruiker"}, "password": {"wrong password!"}})
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "That did not match") {
		t.Fatalf("wrong password: %d", w.Code)
	}
	w = e.post("/en/account/recover", "/en/account/recover", url.Values{"nickname": {"webgebruiker"}, "recovery_code": {recovery}, "new_password": {"een nieuw wachtwoord"}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<code class="code">`) {
		t.Fatalf("recover: %d\n%s", w.Code, w.Body.String())
	}
	w = e.post("/en/account/password", "/en/account/password", url.Values{"current_password": {"een nieuw wachtwoord"}, "new_password": {pw}})
	if w.Code != 200 {
		t.Fatalf("change password: %d\n%s", w.Code, w.Body.String())
	}
	w = e.post("/en/account/data", "/en/account/delete", url.Values{"password": {pw}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Your account has been deleted") || e.jar[cookieAccess] != "" {
		t.Fatalf("delete: %d\n%s", w.Code, w.Body.String())
	}
	if w := e.do(http.MethodGet, "/en/account", nil); w.Code != http.StatusSeeOther {
		t.Errorf("account page after deletion: %d", w.Code)
	}
}

func TestStaffPagesInTheBrowser(t *testing.T) {
	e := newAccountEnv(t)
	const pw = "lange zin als wachtwoord"
	if _, err := e.auth.Staff.CreateAdmin(t.Context(), "coordinator", pw); err != nil {
		t.Fatal(err)
	}
	w := e.post("/en/account/login", "/en/account/login", url.Values{"nickname": {"coordinator"}, "password": {pw}})
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "Set up your authenticator app") {
		t.Fatalf("first staff sign-in: %d\n%s", w.Code, body)
	}
	secret := hiddenValue(body, "secret")
	code, _ := wiretest.TOTPCode(secret, time.Now()), error(nil)
	w = e.post("/en/account/login", "/en/account/login/enrol", url.Values{"challenge": {hiddenValue(body, "challenge")}, "secret": {secret}, "code": {code}})
	if w.Code != 200 || strings.Count(w.Body.String(), `<code class="code">`) != 10 {
		t.Fatalf("enrol: %d\n%s", w.Code, w.Body.String())
	}
	w = e.post("/en/account/staff", "/en/account/staff/invite", url.Values{"role": {"clinician"}, "capacity": {"5"}})
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), "/en/account/invitation?token=") {
		t.Fatalf("invite: %d\n%s", w.Code, w.Body.String())
	}
	if w := e.do(http.MethodGet, "/en/account/access", nil); w.Code != http.StatusForbidden {
		t.Errorf("a coordinator's own access-log page: %d", w.Code)
	}
	if w := e.do(http.MethodGet, "/en/account/audit?from=2020-01-01", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "user.invite") {
		t.Fatalf("audit page: %d\n%s", w.Code, w.Body.String())
	}
}

func hiddenValue(body, name string) string {
	marker := `name="` + name + `" value="`
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i+len(marker):]
	return rest[:strings.Index(rest, `"`)]
}
