package frontend

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// takeSelftest submits a PHQ-9 anonymously and returns the result page's
// path with the claim token.
func takeSelftest(t *testing.T, e *accountEnv, l string) string {
	t.Helper()
	form := url.Values{}
	for i := 1; i <= 9; i++ {
		form.Set(fmt.Sprintf("phq9_%d", i), "1")
	}
	saved := e.jar
	e.jar = map[string]string{} // an anonymous visitor
	defer func() { e.jar = saved }()
	w := e.do(http.MethodPost, "/"+l+"/selftest/phq9", form)
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/"+l+"/selftest/result/") || len(w.Result().Cookies()) != 0 {
		t.Fatalf("submit: %d %q %v", w.Code, loc, w.Result().Cookies())
	}
	u, _ := url.Parse(loc)
	if validClaim(u.Query().Get("claim")) == "" {
		t.Fatalf("no claim token in %q", loc)
	}
	return loc
}

func claimOf(loc string) string {
	u, _ := url.Parse(loc)
	return u.Query().Get("claim")
}

func TestClaimOfferOnTheResultPage(t *testing.T) {
	e := newAccountEnv(t)
	for _, l := range []string{"nl", "en"} {
		loc := takeSelftest(t, e, l)
		w := e.do(http.MethodGet, loc, nil)
		body := w.Body.String()
		tok := claimOf(loc)
		if w.Code != 200 || len(w.Result().Cookies()) != 0 || strings.Contains(body, missingMark) ||
			!strings.Contains(body, `href="/`+l+`/account/signup?claim=`+tok+`"`) || !strings.Contains(body, `href="/`+l+`/account/claim?claim=`+tok+`"`) {
			t.Fatalf("%s result with claim: %d cookies %v\n%s", l, w.Code, w.Result().Cookies(), body)
		}
		// Optional and after the result; the language switch keeps it.
		if strings.Index(body, "result__score") > strings.Index(body, `id="claim-title"`) ||
			!strings.Contains(body, `/selftest/result/`) || !strings.Contains(body, `?claim=`+tok+`" hreflang=`) {
			t.Errorf("%s: offer before the result, or the language switch loses it", l)
		}
		plain := strings.Split(loc, "?")[0]
		for _, q := range []string{"", "?claim=short", "?claim=" + strings.Repeat("%3C", 43)} {
			w := e.do(http.MethodGet, plain+q, nil)
			if w.Code != 200 || strings.Contains(w.Body.String(), "claim-title") || len(w.Result().Cookies()) != 0 {
				t.Errorf("%s%s: %d, offer shown or cookie set", plain, q, w.Code)
			}
		}
	}
}

func TestClaimBySigningUp(t *testing.T) {
	e := newAccountEnv(t)
	loc := takeSelftest(t, e, "en")
	tok := claimOf(loc)
	w := e.do(http.MethodGet, "/en/account/signup?claim="+tok, nil)
	if hiddenValue(w.Body.String(), "claim") != tok || !strings.Contains(w.Body.String(), "kept in your new account") ||
		!strings.Contains(w.Body.String(), `/en/account/login?claim=`+tok) {
		t.Fatalf("sign-up form does not carry the token:\n%s", w.Body.String())
	}
	// A bad password keeps the token in the form.
	w = e.post("/en/account/signup?claim="+tok, "/en/account/signup", url.Values{"nickname": {"keeper"}, "password": {"short"}, "claim": {tok}})
	if w.Code != http.StatusUnprocessableEntity || hiddenValue(w.Body.String(), "claim") != tok {
		t.Fatalf("invalid sign-up: %d", w.Code)
	}
	w = e.post("/en/account/signup?claim="+tok, "/en/account/signup", url.Values{"nickname": {"keeper"}, "password": {"a long enough password 1"}, "claim": {tok}})
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), "Your self-test result is now kept in your account.") {
		t.Fatalf("sign-up with claim: %d\n%s", w.Code, w.Body.String())
	}
	w = e.do(http.MethodGet, "/en/account", nil)
	body := w.Body.String()
	if !strings.Contains(body, "My self-tests") || !strings.Contains(body, "PHQ-9") || !strings.Contains(body, strings.Split(loc, "?")[0]) ||
		!strings.Contains(body, "Your score: 9 out of 27") {
		t.Fatalf("account home does not list the claimed result:\n%s", body)
	}
	// Clients find the course and the diary from their account.
	if !strings.Contains(body, `href="/en/selfhelp"`) || !strings.Contains(body, `href="/en/selfhelp/diary"`) {
		t.Errorf("account home has no self-help links")
	}

	// The token works once: another account cannot claim it.
	e.jar = map[string]string{}
	w = e.post("/nl/account/signup", "/nl/account/signup", url.Values{"nickname": {"tweede"}, "password": {"a long enough password 2"}, "claim": {tok}})
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), "Dit resultaat kon niet worden toegevoegd") && !strings.Contains(w.Body.String(), "De link is verlopen") {
		t.Fatalf("second claim: %d\n%s", w.Code, w.Body.String())
	}
	if w := e.do(http.MethodGet, "/nl/account", nil); !strings.Contains(w.Body.String(), "Je hebt nog geen zelftestresultaten") {
		t.Errorf("the second account got the result")
	}
}

func TestClaimBySigningIn(t *testing.T) {
	e := newAccountEnv(t)
	signUpClient(t, e, "returning")
	e.post("/en/account", "/en/account/logout", url.Values{})
	loc := takeSelftest(t, e, "en")
	tok := claimOf(loc)
	// The result page's "I already have an account" goes to sign in.
	w := e.do(http.MethodGet, "/en/account/claim?claim="+tok, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/account/login?claim="+tok {
		t.Fatalf("claim page signed out: %d %s", w.Code, w.Header().Get("Location"))
	}
	w = e.post("/en/account/login?claim="+tok, "/en/account/login", url.Values{"nickname": {"returning"}, "password": {"a long enough password 1"}, "claim": {tok}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/account?claimed=1" {
		t.Fatalf("sign-in with claim: %d %s\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	w = e.do(http.MethodGet, "/en/account?claimed=1", nil)
	if !strings.Contains(w.Body.String(), `role="status"`) || !strings.Contains(w.Body.String(), "PHQ-9") {
		t.Fatalf("account after claim:\n%s", w.Body.String())
	}
	// Used, malformed or unknown tokens give a friendly page, never a 500.
	e.post("/en/account", "/en/account/logout", url.Values{})
	w = e.post("/en/account/login", "/en/account/login", url.Values{"nickname": {"returning"}, "password": {"a long enough password 1"}, "claim": {tok}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "This result could not be added") || e.jar[cookieAccess] == "" {
		t.Fatalf("used token at sign-in: %d\n%s", w.Code, w.Body.String())
	}
	if w := e.do(http.MethodGet, "/en/account/claim?claim=nonsense", nil); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "could not be added") {
		t.Errorf("malformed token: %d", w.Code)
	}
	w = e.post("/en/account", "/en/account/claim", url.Values{"claim": {strings.Repeat("x", 43)}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "could not be added") {
		t.Errorf("unknown token: %d\n%s", w.Code, w.Body.String())
	}

	// Signed in already: confirm on the claim page.
	loc = takeSelftest(t, e, "nl")
	tok = claimOf(loc)
	w = e.do(http.MethodGet, "/nl/account/claim?claim="+tok, nil)
	if w.Code != 200 || hiddenValue(w.Body.String(), "claim") != tok || !strings.Contains(w.Body.String(), "Bewaar dit resultaat") {
		t.Fatalf("claim page signed in: %d\n%s", w.Code, w.Body.String())
	}
	w = e.post("/nl/account/claim?claim="+tok, "/nl/account/claim", url.Values{"claim": {tok}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/nl/account?claimed=1" {
		t.Fatalf("claim: %d", w.Code)
	}
	if w := e.do(http.MethodGet, "/nl/account", nil); strings.Count(w.Body.String(), `class="table__link"`) != 2 {
		t.Errorf("two claimed results expected:\n%s", w.Body.String())
	}
	e.jar = map[string]string{}
	if w := e.do(http.MethodPost, "/nl/account/claim", url.Values{"claim": {tok}}); w.Code != http.StatusForbidden {
		t.Errorf("claim without CSRF: %d", w.Code)
	}
}

// TestEmailPage: Haven no longer asks for an account e-mail address
// (nothing uses one); the page says so and points a client to the course's
// own reminder; an address given before is shown with a button to remove
// it, and the account page links to it only then.
func TestEmailPage(t *testing.T) {
	e := newAccountEnv(t)
	if w := e.do(http.MethodGet, "/en/account/email", nil); w.Code != http.StatusSeeOther {
		t.Fatalf("signed out: %d", w.Code)
	}
	signUpClient(t, e, "mailer")
	for _, l := range []string{"nl", "en"} {
		w := e.do(http.MethodGet, "/"+l+"/account/email", nil)
		b := w.Body.String()
		if w.Code != 200 || strings.Contains(b, missingMark) || strings.Contains(b, `type="email"`) || strings.Contains(b, "/account/email/delete") ||
			!strings.Contains(b, `href="/`+l+`/selfhelp#reminder"`) {
			t.Fatalf("%s e-mail page: %d\n%s", l, w.Code, b)
		}
		for _, never := range []string{"coach", "begeleider", "notification", "melding", "guided", "begeleide"} {
			if main := b[strings.Index(b, "<main"):strings.Index(b, "</main>")]; strings.Contains(strings.ToLower(main), never) {
				t.Errorf("%s e-mail page promises %q", l, never)
			}
		}
	}
	if w := e.do(http.MethodGet, "/en/account", nil); strings.Contains(w.Body.String(), `href="/en/account/email"`) {
		t.Error("the account page offers an e-mail address")
	}
	if w := e.post("/en/account/email", "/en/account/email", url.Values{"email": {"me@example.org"}}); w.Code != http.StatusMethodNotAllowed && w.Code != http.StatusNotFound {
		t.Errorf("adding an address: %d, want it gone", w.Code)
	}
	// An address given before Haven stopped asking for one.
	who, err := e.auth.Sessions.Authenticate(t.Context(), e.jar[cookieAccess], "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.DB.Exec("UPDATE users SET email = ? WHERE id = ?", "me@example.org", who.UserID).Error; err != nil {
		t.Fatal(err)
	}
	w := e.do(http.MethodGet, "/en/account/email", nil)
	if b := w.Body.String(); !strings.Contains(b, "me@example.org") || !strings.Contains(b, `action="/en/account/email/delete"`) || !strings.Contains(b, "Haven does not use it") {
		t.Fatalf("e-mail page with an address:\n%s", b)
	}
	if w := e.do(http.MethodGet, "/en/account", nil); !strings.Contains(w.Body.String(), "Remove the e-mail address you gave earlier") {
		t.Errorf("account home link")
	}
	w = e.post("/en/account/email", "/en/account/email/delete", url.Values{})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Your e-mail address has been removed") {
		t.Fatalf("remove: %d", w.Code)
	}
	if w := e.do(http.MethodGet, "/en/account/email", nil); strings.Contains(w.Body.String(), "me@example.org") {
		t.Errorf("address still shown after removal:\n%s", w.Body.String())
	}
	e.jar = map[string]string{}
	if w := e.do(http.MethodPost, "/en/account/email/delete", url.Values{}); w.Code != http.StatusForbidden {
		t.Errorf("POST /account/email/delete without CSRF: %d", w.Code)
	}
}
