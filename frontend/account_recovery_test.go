package frontend

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// After sign-up the recovery code can be downloaded as a text file and
// must be confirmed as saved before going on; nothing stores it.
func TestRecoveryCodeDownloadAndSavedConfirmation(t *testing.T) {
	e := newAccountEnv(t)
	w := e.post("/en/account/signup", "/en/account/signup", url.Values{"nickname": {"keeper"}, "password": {"lange zin als wachtwoord"}, "next": {"/selfhelp"}})
	body := w.Body.String()
	if w.Code != http.StatusCreated {
		t.Fatalf("sign-up: %d", w.Code)
	}
	code := hiddenValue(body, "code")
	if code == "" || !strings.Contains(body, `<code class="code">`+code+`</code>`) {
		t.Fatalf("the code is not shown and carried by the forms\n%s", body)
	}
	for _, want := range []string{`action="/en/account/recovery-codes.txt"`, `action="/en/account/recovery-codes/saved"`,
		`type="checkbox" id="saved" name="saved" value="1" required`, `data-copy-codes`, `name="next" value="/selfhelp"`} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-up page lacks %s", want)
		}
	}
	if strings.Contains(body[strings.Index(body, "<main"):strings.Index(body, "</main>")], `href="/en/selfhelp"`) {
		t.Error("the page links on without the confirmation")
	}
	csrf := e.jar[cookieCSRF]

	w = e.do(http.MethodPost, "/en/account/recovery-codes.txt", url.Values{csrfField: {csrf}, "kind": {"client"}, "code": {code}})
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") ||
		w.Header().Get("Content-Disposition") != `attachment; filename="haven-recovery-code.txt"` || !strings.Contains(w.Body.String(), code) ||
		w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("download: %d %v\n%s", w.Code, w.Header(), w.Body.String())
	}

	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"not ticked", url.Values{csrfField: {csrf}, "code": {code}, "next": {"/selfhelp"}}, http.StatusUnprocessableEntity, "Tick the box once you have saved it"},
		{"malformed code", url.Values{csrfField: {csrf}, "code": {"<script>"}, "saved": {"1"}}, http.StatusNotFound, ""},
		{"no CSRF token", url.Values{"code": {code}, "saved": {"1"}}, http.StatusForbidden, ""},
		{"ticked", url.Values{csrfField: {csrf}, "code": {code}, "saved": {"1"}, "next": {"/selfhelp"}}, http.StatusSeeOther, ""},
	}
	for _, tt := range tests {
		w := e.do(http.MethodPost, "/en/account/recovery-codes/saved", tt.form)
		if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("%s: %d, want %d with %q\n%s", tt.name, w.Code, tt.status, tt.want, w.Body.String())
		}
		if tt.status == http.StatusUnprocessableEntity && (!strings.Contains(w.Body.String(), code) || !strings.Contains(w.Body.String(), `aria-invalid="true"`)) {
			t.Errorf("%s: the code and the error must be shown again", tt.name)
		}
		if tt.status == http.StatusSeeOther && w.Header().Get("Location") != "/en/selfhelp" {
			t.Errorf("%s: → %s, want /en/selfhelp", tt.name, w.Header().Get("Location"))
		}
	}
	// The Dutch download is in Dutch.
	w = e.do(http.MethodPost, "/nl/account/recovery-codes.txt", url.Values{csrfField: {csrf}, "code": {code}})
	if !strings.Contains(w.Body.String(), "je herstelcode") || !strings.Contains(w.Header().Get("Content-Disposition"), "haven-herstelcode.txt") {
		t.Errorf("Dutch download: %v\n%s", w.Header(), w.Body.String())
	}
}
