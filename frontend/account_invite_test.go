package frontend

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
)

// The invitation link is shown whole: the absolute URL from
// HAVEN_PUBLIC_URL in readable text (with a copy button for app.js), or,
// without it, the path and what to put in front.
func TestInvitationLinkIsAbsolute(t *testing.T) {
	for _, tt := range []struct {
		name, public, want, explain string
	}{
		{"public URL", "https://haven.example.org", `<code id="invite-url">https://haven.example.org/en/account/invitation?token=`, ""},
		{"no public URL", "", `<code id="invite-url">/en/account/invitation?token=`, "put the site&#39;s address in front of it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newAccountEnvWith(t, func(d *Deps) { d.PublicURL = tt.public })
			const pw = "lange zin als wachtwoord"
			if _, err := e.auth.Staff.CreateAdmin(t.Context(), "inviter", pw); err != nil {
				t.Fatal(err)
			}
			body := e.post("/en/account/login", "/en/account/login", url.Values{"nickname": {"inviter"}, "password": {pw}}).Body.String()
			secret := hiddenValue(body, "secret")
			e.post("/en/account/login", "/en/account/login/enrol", url.Values{"challenge": {hiddenValue(body, "challenge")}, "secret": {secret}, "code": {wiretest.TOTPCode(secret, time.Now())}})
			w := e.post("/en/account/staff", "/en/account/staff/invite", url.Values{"role": {"clinician"}, "capacity": {"5"}})
			got := w.Body.String()
			if w.Code != http.StatusCreated || !strings.Contains(got, tt.want) || !strings.Contains(got, `data-copy="invite-url"`) {
				t.Fatalf("%d, want %s\n%s", w.Code, tt.want, got)
			}
			if tt.explain != "" && !strings.Contains(got, tt.explain) {
				t.Errorf("a relative link without the explanation")
			}
			if tt.explain == "" && strings.Contains(got, "HAVEN_PUBLIC_URL") {
				t.Errorf("an absolute link with the explanation for a relative one")
			}
		})
	}
}
