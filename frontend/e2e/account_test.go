package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
)

// The account pages in the browser: an axe audit of every page a visitor,
// a client and a coordinator sees, in both languages at both widths, each
// in a private browser context; and the keyboard flow from an anonymous
// self-test to a result kept in a new account.

var nickSeq atomic.Int64

func uniqueNick(prefix string) string {
	return fmt.Sprintf("%s%d%d", prefix, time.Now().UnixNano()%1_000_000, nickSeq.Add(1))
}

// fill types into the inputs (CSS selector → text) and presses the form's
// submit button, then waits for the next page.
func fill(ctx context.Context, fields [][2]string, button string) error {
	var acts []chromedp.Action[chromedp.Void]
	for _, f := range fields {
		acts = append(acts, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(f[0])+`).value = ''`), chromedp.SendKeys(chromedp.CSS(f[0]), f[1]))
	}
	acts = append(acts, chromedp.Click(chromedp.CSS(button)))
	if err := chromedp.Do(ctx, acts...); err != nil {
		return err
	}
	return waitLoaded(ctx)
}

// waitLoaded waits for the page that a click started loading.
func waitLoaded(ctx context.Context) error {
	time.Sleep(100 * time.Millisecond)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === 'complete'`))
		if err == nil && ok {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("page did not load")
}

// fromSource makes every request of the tab come from ip, as a trusted
// reverse proxy says it (X-Forwarded-For), so that each test's sign-ups
// count against a source of their own.
func fromSource(t *testing.T, ctx context.Context, ip string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"X-Forwarded-For": ip}})
		return err
	})); err != nil {
		t.Fatal(err)
	}
}

// cookies returns the names of the cookies the browser holds for the page.
func cookies(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var names []string
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
		for _, c := range res.Cookies {
			names = append(names, c.Name)
		}
		return err
	})); err != nil {
		t.Fatal(err)
	}
	return names
}

// createCoordinator runs `haven admin create` against the server's
// database and returns the nickname and password.
func createCoordinator(t *testing.T) (string, string) {
	t.Helper()
	nick, pw := uniqueNick("coord"), "a long coordinator password 9"
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(havenBin, "admin", "create", "-nickname", nick, "-password-file", file)
	cmd.Env = havenEnv
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("admin create: %v\n%s", err, out)
	}
	return nick, pw
}

// TestAccountAudit audits every account page in both languages at 375 and
// 1280 px: a visitor's and a client's in one private context, a
// coordinator's (with the authenticator enrolment) in another.
func TestAccountAudit(t *testing.T) {
	need(t)
	for _, lang := range []string{"nl", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			u := func(path string) string { return baseURL + "/" + lang + path }
			t.Run("client", func(t *testing.T) {
				t.Parallel()
				ctx := privateTab(t)
				recordCSP(t, ctx)
				fromSource(t, ctx, map[string]string{"nl": "192.0.2.11", "en": "192.0.2.12"}[lang])
				claim := func() string {
					loc := submit(t, lang, "phq9", []int{1, 1, 1, 1, 1, 1, 1, 1, 0})
					_, tok, _ := strings.Cut(loc, "?claim=")
					return tok
				}
				tok := claim()
				const pw = "a long enough password 5"
				pages := []auditPage{
					{name: "account-signup", url: u("/account/signup")},
					{name: "account-signup-errors", url: u("/account/signup"), setup: func(ctx context.Context) error {
						return fill(ctx, [][2]string{{"#nickname", "x"}}, `button[type="submit"]`)
					}},
					{name: "account-signup-claim", url: u("/account/signup?claim=" + tok)},
					{name: "account-login", url: u("/account/login")},
					{name: "account-login-claim", url: u("/account/login?claim=" + tok)},
					{name: "account-login-errors", url: u("/account/login"), setup: func(ctx context.Context) error {
						return fill(ctx, [][2]string{{"#nickname", "nobody-here"}, {"#password", "not the password"}}, `button[type="submit"]`)
					}},
					{name: "account-recover", url: u("/account/recover")},
					{name: "account-invitation", url: u("/account/invitation?token=not-a-real-token")},
					{name: "account-claim-invalid", url: u("/account/claim?claim=expired")},
					// Sign up with a fresh result to keep: the recovery code
					// page. Each width makes its own client; the pages after
					// it are that client's.
					{name: "account-signup-done", url: u("/account/signup?claim=" + tok), setup: func(ctx context.Context) error {
						if err := chromedp.Do(ctx, chromedp.Navigate(u("/account/signup?claim="+claim()))); err != nil {
							return err
						}
						return fill(ctx, [][2]string{{"#nickname", uniqueNick("audit" + lang)}, {"#password", pw}}, `button[type="submit"]`)
					}},
					{name: "account-home-client", url: u("/account?claimed=1")},
					{name: "account-claim-confirm", url: u("/account/claim?claim=" + tok)},
					{name: "account-password", url: u("/account/password")},
					{name: "account-data", url: u("/account/data")},
					{name: "account-access", url: u("/account/access")},
					{name: "account-email", url: u("/account/email")}, // no address is asked for any more
				}
				audit(t, ctx, lang, pages)
			})
			t.Run("coordinator", func(t *testing.T) {
				t.Parallel()
				ctx := privateTab(t)
				recordCSP(t, ctx)
				fromSource(t, ctx, map[string]string{"nl": "192.0.2.21", "en": "192.0.2.22"}[lang])
				nick, pw := createCoordinator(t)
				signIn := func(ctx context.Context) error {
					return fill(ctx, [][2]string{{"#nickname", nick}, {"#password", pw}}, `button[type="submit"]`)
				}
				// The first sign-in asks to set up the authenticator app.
				audit(t, ctx, lang, []auditPage{{name: "account-enrol", url: u("/account/login"), setup: signIn}})
				secret := evalString(t, ctx, `document.querySelector('input[name=secret]').value`)
				code := wiretest.TOTPCode(secret, time.Now())
				if err := fill(ctx, [][2]string{{"#code", code}}, `button[type="submit"]`); err != nil {
					t.Fatal(err)
				}
				waitFor(t, ctx, `document.querySelectorAll('.codes code').length === 10`)
				runAxe(t, ctx, lang+" account-enrol-codes")
				checkCSP(t, ctx, lang+" account-enrol-codes")
				checkTargetSizes(t, ctx, lang+" account-enrol-codes")
				audit(t, ctx, lang, []auditPage{
					{name: "account-home-coordinator", url: u("/account")},
					{name: "account-staff", url: u("/account/staff")},
					{name: "account-staff-invited", url: u("/account/staff"), setup: func(ctx context.Context) error {
						return fill(ctx, nil, `form[action$="/account/staff/invite"] button[type="submit"]`)
					}},
					{name: "account-audit", url: u("/account/audit")},
					{name: "account-audit-search", url: u("/account/audit?from=2020-01-01&to=2099-12-31")},
					{name: "selfhelp-coordinator", url: u("/selfhelp")},
					{name: "selfhelp-preview-planner", url: u("/selfhelp/lesson/activation/week-plan")},
				})
				// Signed out, the next sign-in asks for the code.
				do(t, ctx, chromedp.Navigate(u("/account")))
				tabTo(t, ctx, "Sign out", func(f focused) bool { return f.Tag == "BUTTON" })
				key(t, ctx, kb.Enter)
				waitPath(t, ctx, "^/"+lang+"/$")
				audit(t, ctx, lang, []auditPage{{name: "account-mfa", url: u("/account/login"), setup: signIn}})
			})
		})
	}
}

// TestClaimKeyboardFlow takes the self-test anonymously with the keyboard,
// chooses to keep the result, signs up, and finds the result in the new
// account.
func TestClaimKeyboardFlow(t *testing.T) {
	need(t)
	ctx := privateTab(t)
	fromSource(t, ctx, "192.0.2.31")
	keyboardSelftest(t, ctx, "en", "phq9", phq9Items(), []int{1, 1, 2, 1, 0, 1, 1, 0, 0})
	if c := cookies(t, ctx); len(c) != 0 {
		t.Errorf("the self-test and its result set cookies: %v", c)
	}
	if !strings.Contains(evalString(t, ctx, `location.search`), "?claim=") {
		t.Fatal("the result URL has no claim token")
	}
	shot(t, ctx, "en-flow-claim-offer-375")
	tabTo(t, ctx, "Create an account and keep this result", func(f focused) bool { return f.ID == "claim-signup" })
	key(t, ctx, kb.Enter)
	waitPath(t, ctx, "^/en/account/signup$")
	signUp(t, ctx, uniqueNick("keeper"), "a long enough password 6")
	if body := evalString(t, ctx, `document.querySelector('main').innerText`); !strings.Contains(body, "Your self-test result is now kept in your account.") {
		t.Fatalf("sign-up did not keep the result:\n%s", body)
	}
	confirmSaved(t, ctx)
	waitPath(t, ctx, "^/en/account$")
	body := evalString(t, ctx, `document.querySelector('main').innerText`)
	if !strings.Contains(body, "My self-tests") || !strings.Contains(body, "PHQ-9") || !strings.Contains(body, "Your score: 7 out of 27") {
		t.Fatalf("the account does not show the kept result:\n%s", body)
	}
	shot(t, ctx, "en-flow-claimed-375")
	// The result opens from the account with the keyboard.
	tabTo(t, ctx, "the kept result", func(f focused) bool { return strings.HasPrefix(f.Href, "/en/selftest/result/") })
	key(t, ctx, kb.Enter)
	waitPath(t, ctx, "^/en/selftest/result/[0-9a-f-]{36}$")
}
