package frontend

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
)

// A staff member's authenticator enrolment shows a QR code (inline SVG,
// drawn from the otpauth URL with the same key), the key in groups of
// four, and asks for the app's code only: no recovery codes exist yet.
func TestEnrolmentShowsQRCodeAndNoRecoveryCodeWording(t *testing.T) {
	e := newAccountEnv(t)
	const pw = "lange zin als wachtwoord"
	if _, err := e.auth.Staff.CreateAdmin(t.Context(), "qr-coordinator", pw); err != nil {
		t.Fatal(err)
	}
	w := e.post("/en/account/login", "/en/account/login", url.Values{"nickname": {"qr-coordinator"}, "password": {pw}})
	body := w.Body.String()
	secret, otpauth := hiddenValue(body, "secret"), strings.ReplaceAll(hiddenValue(body, "otpauth"), "&amp;", "&")
	u, err := url.Parse(otpauth)
	if err != nil || u.Scheme != "otpauth" || u.Query().Get("secret") != secret || secret == "" {
		t.Fatalf("otpauth URL %q for secret %q", otpauth, secret)
	}
	want, err := qrSVG(otpauth, "QR code for your authenticator app")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, string(want)) || !strings.Contains(body, `role="img" aria-label="QR code for your authenticator app"`) {
		t.Errorf("enrolment page lacks the QR code of its otpauth URL\n%s", body)
	}
	if !strings.Contains(body, secret[:4]+" "+secret[4:8]) {
		t.Errorf("the key is not shown in groups of four")
	}
	if strings.Contains(strings.ToLower(body), "recovery code") {
		t.Errorf("the enrolment page offers a recovery code, which does not exist yet\n%s", body)
	}
	// A wrong code: the page comes back with the same QR code.
	w = e.post("/en/account/login", "/en/account/login/enrol", url.Values{"challenge": {hiddenValue(body, "challenge")}, "secret": {secret}, "otpauth": {otpauth}, "code": {"000000"}})
	if !strings.Contains(w.Body.String(), string(want)) {
		t.Errorf("wrong code: %d, the QR code is gone\n%s", w.Code, w.Body.String())
	}
	// The codes after enrolment are called sign-in codes, to be kept.
	code := wiretest.TOTPCode(secret, time.Now())
	w = e.post("/en/account/login", "/en/account/login/enrol", url.Values{"challenge": {hiddenValue(body, "challenge")}, "secret": {secret}, "code": {code}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Your one-time sign-in codes") || strings.Count(w.Body.String(), `name="code" value=`) != 20 {
		t.Errorf("enrolled: %d\n%s", w.Code, w.Body.String())
	}
}

func TestOtpauthURLIsChecked(t *testing.T) {
	for _, tt := range []struct {
		raw, secret string
		ok          bool
	}{
		{"otpauth://totp/Haven:a?secret=ABCD&issuer=Haven", "ABCD", true},
		{"otpauth://totp/Haven:a?secret=ABCD", "WXYZ", false},
		{"https://example.com/?secret=ABCD", "ABCD", false},
		{"otpauth://hotp/Haven:a?secret=ABCD", "ABCD", false},
		{"otpauth://totp/Haven:a?secret=", "", false},
	} {
		if _, ok := otpauthURL(tt.raw, tt.secret); ok != tt.ok {
			t.Errorf("otpauthURL(%q, %q) = %v, want %v", tt.raw, tt.secret, ok, tt.ok)
		}
	}
}
