package frontend

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The header says whether one is signed in, on visitor pages (which only
// peek at the cookie) and on account pages alike; signing out says so.
func TestHeaderShowsSignInOrAccountAndSignOut(t *testing.T) {
	e := newAccountEnv(t)
	const pw = "lange zin als wachtwoord"
	signInLink := `class="header__account" href="/en/account/login"`
	accountLink := `class="header__account" href="/en/account"`
	signOut := `action="/en/account/logout"`

	for _, p := range []string{"/en/", "/en/crisis", "/en/selftest", "/en/account/login", "/en/selfhelp"} {
		w := e.do(http.MethodGet, p, nil)
		body := w.Body.String()
		if !strings.Contains(body, signInLink) || strings.Contains(body, accountLink) || strings.Contains(body, signOut) {
			t.Errorf("signed out, %s: want a sign-in link only\n%s", p, body)
		}
		if p != "/en/account/login" && len(w.Result().Cookies()) > 0 {
			t.Errorf("signed out, %s sets cookies: %v", p, w.Result().Cookies())
		}
	}

	w := e.post("/en/account/signup", "/en/account/signup", url.Values{"nickname": {"header-test"}, "password": {pw}})
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), signOut) {
		t.Fatalf("sign-up page: %d, want the sign-out form\n%s", w.Code, w.Body.String())
	}
	for _, p := range []string{"/en/", "/en/crisis", "/en/info", "/en/account", "/en/selfhelp"} {
		body := e.do(http.MethodGet, p, nil).Body.String()
		if !strings.Contains(body, accountLink) || !strings.Contains(body, "You are signed in.") || !strings.Contains(body, signOut) ||
			strings.Contains(body, signInLink) || hiddenValue(body, "csrf") != e.jar[cookieCSRF] {
			t.Errorf("signed in, %s: want the account link, the sign and a sign-out form with the CSRF token\n%s", p, body)
		}
	}
	// An access cookie that cannot be checked is not "signed in" on a
	// visitor page, but the account is one click away.
	access := e.jar[cookieAccess]
	e.jar[cookieAccess] = "not-a-token"
	if body := e.do(http.MethodGet, "/en/", nil).Body.String(); !strings.Contains(body, accountLink) || strings.Contains(body, "You are signed in.") {
		t.Errorf("unverifiable cookie: want the account link without the sign\n%s", body)
	}
	e.jar[cookieAccess] = access

	w = e.do(http.MethodPost, "/en/account/logout", url.Values{csrfField: {e.jar[cookieCSRF]}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/?signed_out=1" {
		t.Fatalf("sign out: %d → %s", w.Code, w.Header().Get("Location"))
	}
	body := e.do(http.MethodGet, w.Header().Get("Location"), nil).Body.String()
	if !strings.Contains(body, "You have signed out.") || !strings.Contains(body, signInLink) {
		t.Errorf("after signing out: want the notice and the sign-in link\n%s", body)
	}
	// The notice is not shown to someone who is signed in.
	e.post("/en/account/login", "/en/account/login", url.Values{"nickname": {"header-test"}, "password": {pw}})
	if body := e.do(http.MethodGet, "/nl/?signed_out=1", nil).Body.String(); strings.Contains(body, "Je bent afgemeld.") || !strings.Contains(body, "Je bent aangemeld.") {
		t.Errorf("signed in with ?signed_out=1\n%s", body)
	}
}
