package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/kind"
	"github.com/haven-mh/haven/selftest"
)

// fastArgon2 keeps the tests quick; TestHashPasswordUsesOWASPArgon2id
// checks the production parameters.
var fastArgon2 = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type fixture struct {
	t        *testing.T
	db       *db.DB
	svc      *auth.Service
	audit    *audit.Log
	selftest *selftest.Service
	coaching *coaching.Service
	clock    *clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := &clock{now: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)}
	svcs := wiretest.New(t, wiretest.WithClock(c.Now), wiretest.WithConfig(func(cfg *wire.Config) {
		cfg.JWTKeys, cfg.Argon2 = []auth.Key{testKey}, fastArgon2
	}))
	return &fixture{t: t, db: svcs.DB, svc: svcs.Auth, audit: svcs.Audit, selftest: svcs.Selftest, coaching: svcs.Coaching, clock: c}
}

var ctx = context.Background()

func meta(src string) auth.Meta { return auth.Meta{RequestID: "req-test-1", Source: src} }

const goodPassword = "lange zin als wachtwoord"

func (f *fixture) signUp(nick string) *auth.SignUpResult {
	f.t.Helper()
	res, err := f.svc.Sessions.SignUp(ctx, meta("198.51.100.1"), nick, goodPassword)
	if err != nil {
		f.t.Fatalf("SignUp(%s): %v", nick, err)
	}
	return res
}

func (f *fixture) principal(se *auth.Session) auth.Principal {
	f.t.Helper()
	p, err := f.svc.Sessions.Authenticate(ctx, se.AccessToken, "req-test-2")
	if err != nil {
		f.t.Fatalf("Authenticate: %v", err)
	}
	return p
}

func TestSignUpAndLogin(t *testing.T) {
	f := newFixture(t)
	res := f.signUp("Merel")
	if res.User.Role != auth.RoleClient || len(res.RecoveryCode) != 24 || res.Session.AccessToken == "" {
		t.Fatalf("SignUp = %+v", res)
	}
	p := f.principal(res.Session)
	if p.UserID != res.User.ID || p.Role != auth.RoleClient {
		t.Fatalf("principal %+v", p)
	}
	// Nicknames are case-insensitive and unique.
	if _, err := f.svc.Sessions.SignUp(ctx, meta("198.51.100.2"), "merel", goodPassword); !isConflict(err, "nickname") {
		t.Errorf("duplicate nickname: %v", err)
	}
	lr, err := f.svc.Sessions.Login(ctx, meta("198.51.100.1"), "MEREL", goodPassword)
	if err != nil || lr.Status != auth.LoginOK || lr.Session == nil {
		t.Fatalf("Login = %+v, %v", lr, err)
	}
	var bad *auth.ValidationError
	for _, tc := range []struct{ nick, pw string }{{"ab", goodPassword}, {"a@b.c", goodPassword}, {"goodname", "short"}} {
		if _, err := f.svc.Sessions.SignUp(ctx, meta("198.51.100.3"), tc.nick, tc.pw); !errors.As(err, &bad) {
			t.Errorf("SignUp(%q, %q) = %v, want a validation error", tc.nick, tc.pw, err)
		}
	}
}

func TestLoginFailuresRevealNothingAndAreAudited(t *testing.T) {
	f := newFixture(t)
	res := f.signUp("jonas")
	_, errWrongPw := f.svc.Sessions.Login(ctx, meta("203.0.113.5"), "jonas", "not the password at all")
	_, errNoUser := f.svc.Sessions.Login(ctx, meta("203.0.113.5"), "nobody-here", "not the password at all")
	if !errors.Is(errWrongPw, auth.ErrInvalidCredentials) || !errors.Is(errNoUser, auth.ErrInvalidCredentials) || errWrongPw.Error() != errNoUser.Error() {
		t.Fatalf("errors differ: %v / %v", errWrongPw, errNoUser)
	}
	entries, err := f.audit.Find(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var failures int
	for _, e := range entries {
		if e.Action == audit.ActionSignIn && e.Outcome == audit.OutcomeFailure {
			failures++
			if e.ActorID != nil && *e.ActorID != res.User.ID {
				t.Errorf("failure attributed to %v", *e.ActorID)
			}
		}
		if strings.Contains(fmt.Sprintf("%+v", e), "nobody-here") || strings.Contains(fmt.Sprintf("%+v", e), "203.0.113.5") {
			t.Errorf("audit entry holds a typed nickname or an address: %+v", e)
		}
	}
	if failures != 2 {
		t.Errorf("%d failed sign-ins audited, want 2", failures)
	}
}

// Two page loads at once after the access cookie expired (a page and an
// autosave) refresh the same token: both get a session, nobody is signed
// out and no reuse is audited.
func TestConcurrentRefreshIsNotTheft(t *testing.T) {
	f := newFixture(t)
	first := f.signUp("tabs").Session
	f.clock.Add(11 * time.Minute)
	var wg sync.WaitGroup
	results := make([]*auth.Session, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.svc.Sessions.Refresh(ctx, meta("x"), first.RefreshToken)
		}()
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("concurrent refresh %d: %v", i, errs[i])
		}
		if _, err := f.svc.Sessions.Authenticate(ctx, results[i].AccessToken, "r"); err != nil {
			t.Errorf("session %d does not work: %v", i, err)
		}
	}
	f.clock.Add(10 * time.Second)
	if _, err := f.svc.Sessions.Refresh(ctx, meta("x"), first.RefreshToken); err != nil {
		t.Errorf("within the grace window: %v", err)
	}
	if entries, _ := f.audit.Find(ctx, audit.Filter{}); entries[0].Action == audit.ActionRefreshReuse {
		t.Error("a false refresh_reuse was audited")
	}
	// Theft is still caught: the same token a minute later.
	f.clock.Add(time.Minute)
	if _, err := f.svc.Sessions.Refresh(ctx, meta("x"), first.RefreshToken); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("replay after the grace window: %v", err)
	}
	if _, err := f.svc.Sessions.Authenticate(ctx, results[0].AccessToken, "r"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("the session survived a replay: %v", err)
	}
}

func TestRefreshRotationReuseAndLogout(t *testing.T) {
	f := newFixture(t)
	first := f.signUp("sam").Session

	f.clock.Add(time.Minute)
	second, err := f.svc.Sessions.Refresh(ctx, meta("x"), first.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken || second.SessionID != first.SessionID {
		t.Fatalf("refresh did not rotate: %+v", second)
	}
	third, err := f.svc.Sessions.Refresh(ctx, meta("x"), second.RefreshToken)
	if err != nil {
		t.Fatalf("second Refresh: %v", err)
	}
	// Replaying a spent token after the grace window revokes the whole
	// family, including the newest tokens held by whoever rotated last.
	f.clock.Add(31 * time.Second)
	if _, err := f.svc.Sessions.Refresh(ctx, meta("x"), first.RefreshToken); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("reuse: %v", err)
	}
	if _, err := f.svc.Sessions.Refresh(ctx, meta("x"), third.RefreshToken); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("the family's newest refresh token still works after reuse: %v", err)
	}
	if _, err := f.svc.Sessions.Authenticate(ctx, third.AccessToken, "r"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("the family's access token still works after reuse: %v", err)
	}
	reuse, _ := f.audit.Find(ctx, audit.Filter{})
	if reuse[0].Action != audit.ActionRefreshReuse || reuse[0].Outcome != audit.OutcomeDenied {
		t.Errorf("reuse not audited: %+v", reuse[0])
	}

	// Logout revokes at once.
	lr, err := f.svc.Sessions.Login(ctx, meta("x"), "sam", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	p := f.principal(lr.Session)
	if err := f.svc.Sessions.Logout(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Sessions.Authenticate(ctx, lr.Session.AccessToken, "r"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("access token works after logout: %v", err)
	}
	if _, err := f.svc.Sessions.Refresh(ctx, meta("x"), lr.Session.RefreshToken); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("refresh token works after logout: %v", err)
	}
	for _, bad := range []string{"", "garbage", strings.Repeat("x", 300)} {
		if _, err := f.svc.Sessions.Refresh(ctx, meta("x"), bad); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("Refresh(%q): %v", bad, err)
		}
	}
}

func TestTokenAndSessionExpiry(t *testing.T) {
	f := newFixture(t)
	se := f.signUp("ines").Session
	f.clock.Add(10*time.Minute + 10*time.Second)
	if _, err := f.svc.Sessions.Authenticate(ctx, se.AccessToken, "r"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("expired access token accepted: %v", err)
	}
	// The refresh token outlives the access token…
	next, err := f.svc.Sessions.Refresh(ctx, meta("x"), se.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh after access expiry: %v", err)
	}
	// …but not its own 14 days.
	f.clock.Add(14*24*time.Hour + time.Second)
	if _, err := f.svc.Sessions.Refresh(ctx, meta("x"), next.RefreshToken); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("expired refresh token accepted: %v", err)
	}
}

func TestThrottling(t *testing.T) {
	t.Run("per account, even with the right password, and for unknown nicknames alike", func(t *testing.T) {
		f := newFixture(t)
		f.signUp("lotte")
		for _, nick := range []string{"lotte", "ghost-account"} {
			for i := range 5 {
				_, err := f.svc.Sessions.Login(ctx, meta(fmt.Sprintf("10.0.0.%d", i)), nick, "wrong password here")
				if !errors.Is(err, auth.ErrInvalidCredentials) {
					t.Fatalf("%s attempt %d: %v", nick, i, err)
				}
			}
			_, err := f.svc.Sessions.Login(ctx, meta("10.0.1.1"), nick, goodPassword)
			var te *auth.ThrottledError
			if !errors.As(err, &te) || te.RetryAfterSeconds < 1 || te.RetryAfterSeconds > 60 {
				t.Fatalf("%s: 6th attempt = %v, want throttled for a moment", nick, err)
			}
		}
		f.clock.Add(2 * time.Second)
		if _, err := f.svc.Sessions.Login(ctx, meta("10.0.2.1"), "lotte", goodPassword); err != nil {
			t.Errorf("the owner waited the moment and is still locked out: %v", err)
		}
	})
	t.Run("a stranger slows the owner down but cannot lock them out", func(t *testing.T) {
		f := newFixture(t)
		f.signUp("merel")
		attacker, owner := meta("198.51.100.66"), meta("203.0.113.5")
		// Guessing from many addresses makes every attempt on the account
		// wait longer, up to a minute — never a 15-minute lock.
		for i := range 40 {
			f.clock.Add(time.Minute)
			_, err := f.svc.Sessions.Login(ctx, meta(fmt.Sprintf("10.9.%d.1", i)), "merel", "wrong password here")
			if !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("guess %d after waiting a minute: %v", i, err)
			}
		}
		var te *auth.ThrottledError
		if _, err := f.svc.Sessions.Login(ctx, owner, "merel", goodPassword); !errors.As(err, &te) || te.RetryAfterSeconds > 60 {
			t.Fatalf("right after a guess the owner waits at most a minute: %v", err)
		}
		f.clock.Add(time.Minute)
		if _, err := f.svc.Sessions.Login(ctx, owner, "merel", goodPassword); err != nil {
			t.Fatalf("the owner is locked out by strangers: %v", err)
		}
		// One address that keeps guessing is locked out of that account for
		// the window, while the owner gets in from their own.
		for i := range 5 {
			if _, err := f.svc.Sessions.Login(ctx, attacker, "merel", "wrong password here"); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("attacker guess %d: %v", i, err)
			}
			f.clock.Add(time.Minute)
		}
		if _, err := f.svc.Sessions.Login(ctx, attacker, "merel", goodPassword); !errors.Is(err, auth.ErrThrottled) {
			t.Errorf("the guessing address may try again at once: %v", err)
		}
		if _, err := f.svc.Sessions.Login(ctx, owner, "merel", goodPassword); err != nil {
			t.Errorf("the owner from their own address: %v", err)
		}
	})
	t.Run("per source", func(t *testing.T) {
		f := newFixture(t)
		for i := range 30 {
			_, err := f.svc.Sessions.Login(ctx, meta("192.0.2.9"), fmt.Sprintf("user%d", i), "wrong password here")
			if !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		if _, err := f.svc.Sessions.Login(ctx, meta("192.0.2.9"), "someone", "x"); !errors.Is(err, auth.ErrThrottled) {
			t.Errorf("31st attempt from one source: %v", err)
		}
		if _, err := f.svc.Sessions.Login(ctx, meta("192.0.2.10"), "someone", "wrong password here"); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("another source is throttled too: %v", err)
		}
	})
	t.Run("sign-ups per source", func(t *testing.T) {
		f := newFixture(t)
		for i := range 10 {
			if _, err := f.svc.Sessions.SignUp(ctx, meta("192.0.2.20"), fmt.Sprintf("new%d", i), goodPassword); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.Sessions.SignUp(ctx, meta("192.0.2.20"), "new10", goodPassword); !errors.Is(err, auth.ErrThrottled) {
			t.Errorf("11th sign-up: %v", err)
		}
	})
}

func TestRecoveryFlow(t *testing.T) {
	f := newFixture(t)
	res := f.signUp("noor")
	other, _ := f.svc.Sessions.Login(ctx, meta("x"), "noor", goodPassword)
	const newPassword = "een heel nieuw wachtwoord"

	if _, err := f.svc.Sessions.Recover(ctx, meta("x"), "noor", "AAAA-BBBB-CCCC-DDDD-EEEE", newPassword); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("wrong code: %v", err)
	}
	if _, err := f.svc.Sessions.Recover(ctx, meta("x"), "nobody", res.RecoveryCode, newPassword); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("unknown nickname: %v", err)
	}
	var verr *auth.ValidationError
	if _, err := f.svc.Sessions.Recover(ctx, meta("x"), "noor", res.RecoveryCode, "short"); !errors.As(err, &verr) {
		t.Fatalf("weak new password: %v", err)
	}
	// Codes are forgiving about case, spaces and dashes.
	typed := strings.ToLower(strings.ReplaceAll(res.RecoveryCode, "-", " "))
	rec, err := f.svc.Sessions.Recover(ctx, meta("x"), "noor", typed, newPassword)
	if err != nil {
		t.Fatalf("Recover: %v", err)
	}
	if rec.RecoveryCode == res.RecoveryCode {
		t.Error("the recovery code was not replaced")
	}
	if _, err := f.svc.Sessions.Login(ctx, meta("x"), "noor", goodPassword); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("old password still works: %v", err)
	}
	if _, err := f.svc.Sessions.Login(ctx, meta("x"), "noor", newPassword); err != nil {
		t.Errorf("new password refused: %v", err)
	}
	if _, err := f.svc.Sessions.Authenticate(ctx, other.Session.AccessToken, "r"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("a session from before the recovery still works: %v", err)
	}
	if _, err := f.svc.Sessions.Recover(ctx, meta("x"), "noor", res.RecoveryCode, "nog een ander wachtwoord"); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("the spent recovery code works again: %v", err)
	}
	if _, err := f.svc.Sessions.Recover(ctx, meta("x"), "noor", rec.RecoveryCode, "nog een ander wachtwoord"); err != nil {
		t.Errorf("the new recovery code: %v", err)
	}
}

// coordinator creates an admin and signs them in through TOTP enrolment.
func (f *fixture) coordinator(nick string) (auth.Principal, string) {
	f.t.Helper()
	if _, err := f.svc.Staff.CreateAdmin(ctx, nick, goodPassword); err != nil {
		f.t.Fatal(err)
	}
	se, secret := f.enrol(nick)
	return f.principal(se), secret
}

func (f *fixture) enrol(nick string) (*auth.Session, string) {
	f.t.Helper()
	lr, err := f.svc.Sessions.Login(ctx, meta("x"), nick, goodPassword)
	if err != nil || lr.Status != auth.LoginEnrolmentRequired || lr.Session != nil {
		f.t.Fatalf("first staff sign-in = %+v, %v", lr, err)
	}
	en, err := f.svc.Sessions.StartEnrolment(ctx, lr.Challenge)
	if err != nil || !strings.HasPrefix(en.URL, "otpauth://totp/") {
		f.t.Fatalf("StartEnrolment = %+v, %v", en, err)
	}
	code, _ := totpCode(en.Secret, f.clock.Now())
	res, err := f.svc.Sessions.ConfirmEnrolment(ctx, meta("x"), lr.Challenge, code)
	if err != nil || len(res.RecoveryCodes) != 10 {
		f.t.Fatalf("ConfirmEnrolment = %+v, %v", res, err)
	}
	return res.Session, en.Secret
}

func TestStaffInvitationAndSecondFactor(t *testing.T) {
	f := newFixture(t)
	coord, _ := f.coordinator("coordinator")
	link, err := f.svc.Staff.Invite(ctx, coord, auth.RoleClinician, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Staff.AcceptInvitation(ctx, meta("x"), "wrong-token", "dr-jansen", goodPassword, auth.StaffProfile{DisplayName: "Dr. Test", Profession: "psychologist"}); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("wrong token: %v", err)
	}
	u, err := f.svc.Staff.AcceptInvitation(ctx, meta("x"), link.Token, "dr-jansen", goodPassword, auth.StaffProfile{DisplayName: "Dr. Test", Profession: "psychologist"})
	if err != nil || u.Role != auth.RoleClinician || u.Capacity != 3 {
		t.Fatalf("AcceptInvitation = %+v, %v", u, err)
	}
	if _, err := f.svc.Staff.AcceptInvitation(ctx, meta("x"), link.Token, "dr-other", goodPassword, auth.StaffProfile{DisplayName: "Dr. Test", Profession: "psychologist"}); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("invitation used twice: %v", err)
	}
	expiring, _ := f.svc.Staff.Invite(ctx, coord, auth.RoleResearcher, 0)
	f.clock.Add(72*time.Hour + time.Second)
	if _, err := f.svc.Staff.AcceptInvitation(ctx, meta("x"), expiring.Token, "late-one", goodPassword, auth.StaffProfile{DisplayName: "Dr. Test", Profession: "psychologist"}); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("expired invitation accepted: %v", err)
	}

	_, secret := f.enrol("dr-jansen")
	var stored string
	f.db.Table("users").Where("id = ?", u.ID).Select("totp_secret").Scan(&stored)
	if stored == secret || !strings.HasPrefix(stored, "test:") {
		t.Errorf("the TOTP secret is stored as %q, not sealed", stored)
	}
	f.clock.Add(time.Minute)
	lr, err := f.svc.Sessions.Login(ctx, meta("x"), "dr-jansen", goodPassword)
	if err != nil || lr.Status != auth.LoginMFARequired || lr.Session != nil {
		t.Fatalf("second sign-in = %+v, %v", lr, err)
	}
	if _, err := f.svc.Sessions.VerifyMFA(ctx, meta("x"), lr.Challenge, "000000"); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("wrong TOTP: %v", err)
	}
	code, _ := totpCode(secret, f.clock.Now())
	if _, err := f.svc.Sessions.VerifyMFA(ctx, meta("x"), lr.Challenge, code); err != nil {
		t.Fatalf("VerifyMFA: %v", err)
	}
	if _, err := f.svc.Sessions.VerifyMFA(ctx, meta("x"), lr.Challenge, code); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("a TOTP code worked twice: %v", err)
	}
	// A challenge is not an access token, nor usable once expired.
	if _, err := f.svc.Sessions.Authenticate(ctx, lr.Challenge, "r"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("challenge accepted as access token: %v", err)
	}
	f.clock.Add(auth.ChallengeTTL + 10*time.Second)
	code, _ = totpCode(secret, f.clock.Now())
	if _, err := f.svc.Sessions.VerifyMFA(ctx, meta("x"), lr.Challenge, code); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("expired challenge: %v", err)
	}
}

func TestMFARecoveryCodesWorkOnce(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Staff.CreateAdmin(ctx, "coord", goodPassword); err != nil {
		t.Fatal(err)
	}
	lr, _ := f.svc.Sessions.Login(ctx, meta("x"), "coord", goodPassword)
	en, _ := f.svc.Sessions.StartEnrolment(ctx, lr.Challenge)
	code, _ := totpCode(en.Secret, f.clock.Now())
	res, err := f.svc.Sessions.ConfirmEnrolment(ctx, meta("x"), lr.Challenge, code)
	if err != nil {
		t.Fatal(err)
	}
	lr, _ = f.svc.Sessions.Login(ctx, meta("x"), "coord", goodPassword)
	if _, err := f.svc.Sessions.VerifyMFA(ctx, meta("x"), lr.Challenge, res.RecoveryCodes[0]); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	if _, err := f.svc.Sessions.VerifyMFA(ctx, meta("x"), lr.Challenge, res.RecoveryCodes[0]); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("recovery code worked twice: %v", err)
	}
}

func TestRoleChangeTakesEffectAtOnce(t *testing.T) {
	f := newFixture(t)
	coord, _ := f.coordinator("coord")
	link, _ := f.svc.Staff.Invite(ctx, coord, auth.RoleResearcher, 0)
	u, _ := f.svc.Staff.AcceptInvitation(ctx, meta("x"), link.Token, "onderzoeker", goodPassword, auth.StaffProfile{DisplayName: "Dr. Test", Profession: "psychologist"})
	lr, err := f.svc.Sessions.Login(ctx, meta("x"), "onderzoeker", goodPassword)
	if err != nil || lr.Status != auth.LoginOK {
		t.Fatalf("researcher sign-in (no second factor needed): %+v, %v", lr, err)
	}
	role := auth.RoleClinician
	if _, err := f.svc.Staff.UpdateUser(ctx, coord, u.ID, auth.UserUpdate{Role: &role}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Sessions.Authenticate(ctx, lr.Session.AccessToken, "r"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("token minted for the old role still works: %v", err)
	}
	entries, _ := f.audit.Find(ctx, audit.Filter{ActorID: coord.UserID})
	if entries[0].Action != audit.ActionRoleChange || entries[0].Object != "user:"+u.ID {
		t.Errorf("role change not audited: %+v", entries[0])
	}
	self := auth.RoleResearcher
	var verr *auth.ValidationError
	if _, err := f.svc.Staff.UpdateUser(ctx, coord, coord.UserID, auth.UserUpdate{Role: &self}); !errors.As(err, &verr) {
		t.Errorf("a coordinator changed their own role: %v", err)
	}
}

// TestEraseLeavesNothingPersonal erases a client who did everything a
// client can, then reads every table in the database and checks that no
// trace of them remains beyond the tombstone's id and the audit log.
func TestEraseLeavesNothingPersonal(t *testing.T) {
	f := newFixture(t)
	coord, _ := f.coordinator("coord")
	link, _ := f.svc.Staff.Invite(ctx, coord, auth.RoleClinician, 5)
	k, _ := f.svc.Staff.AcceptInvitation(ctx, meta("x"), link.Token, "dr-claes", goodPassword, auth.StaffProfile{DisplayName: "Dr. Test", Profession: "psychologist"})

	out, err := f.selftest.Submit(ctx, selftest.SubmitInput{InstrumentID: "phq9", Language: "nl", Answers: phq(1, 2, 1, 2, 1, 0, 0, 1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	res := f.signUp("Zeldzame-Bijnaam")
	client := f.principal(res.Session)
	if _, err := f.selftest.Claim(ctx, out.ClaimToken, client.Actor()); err != nil {
		t.Fatal(err)
	}
	// An address given before Haven stopped asking for one.
	if err := f.db.Table("users").Where("id = ?", client.UserID).Update("email", "zeldzaam@example.org").Error; err != nil {
		t.Fatal(err)
	}
	// A guided trajectory with its clinician and a message each way.
	tr, _, err := f.coaching.Apply(ctx, client, coaching.Application{Language: "nl", PHQ9: phq(1, 2, 1, 2, 1, 0, 0, 1, 0),
		Hopes: "Weer plezier", Reachable: "avonds", Email: "zeldzaam@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.coaching.Assign(ctx, coord, tr.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.coaching.Consent(ctx, client, tr.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.coaching.Send(ctx, client, tr.ID, "Zeldzame-Bijnaam schrijft", "k1"); err != nil {
		t.Fatal(err)
	}
	refreshed, err := f.svc.Sessions.Refresh(ctx, meta("x"), res.Session.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := f.svc.Accounts.Export(ctx, client)
	if err != nil || ex.Account.Nickname != "Zeldzame-Bijnaam" || len(ex.Domains["selftest"].([]selftest.ExportedSubmission)) != 1 {
		t.Fatalf("Export = %+v, %v", ex, err)
	}
	var before int64
	f.db.Table("selftest_submissions").Count(&before)

	if err := f.svc.Accounts.Erase(ctx, client, "wrong password, not erased"); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("erase with a wrong password: %v", err)
	}
	if err := f.svc.Accounts.Erase(ctx, client, goodPassword); err != nil {
		t.Fatal(err)
	}

	// Nothing personal anywhere; the random user and session ids only in
	// the audit log (which NEN 7513 says to keep) and the tombstone.
	personal := []string{"Zeldzame-Bijnaam", "zeldzame-bijnaam", "zeldzaam@example.org", auth.HashToken(res.Session.RefreshToken),
		auth.HashToken(refreshed.RefreshToken), auth.HashToken(out.ClaimToken)}
	ids := []string{client.UserID, res.Session.SessionID}
	tables, err := f.db.Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < 8 {
		t.Fatalf("only %d tables found: %v", len(tables), tables)
	}
	for _, table := range tables {
		var rows []map[string]any
		if err := f.db.Table(table).Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			text := fmt.Sprint(row)
			for _, p := range personal {
				if strings.Contains(text, p) {
					t.Errorf("table %s still holds %q: %v", table, p, row)
				}
			}
			for _, id := range ids {
				if strings.Contains(text, id) && table != "audit_entries" && !(table == "users" && id == client.UserID) {
					t.Errorf("table %s still refers to the erased user: %v", table, row)
				}
			}
		}
	}
	var tomb map[string]any
	f.db.Table("users").Where("id = ?", client.UserID).Take(&tomb)
	if tomb["status"] != auth.StatusErased || tomb["nickname"] != nil || tomb["password_hash"] != nil || tomb["email"] != nil {
		t.Errorf("tombstone keeps too much: %v", tomb)
	}
	var after int64
	f.db.Table("selftest_submissions").Count(&after)
	if after != before {
		t.Errorf("anonymous submissions %d → %d: erasure must keep the anonymous counts", before, after)
	}
	if c, _ := f.svc.Staff.Counts(ctx); c.ErasedClients != 1 {
		t.Errorf("erased clients counted %d", c.ErasedClients)
	}
	if _, err := f.svc.Sessions.Authenticate(ctx, refreshed.AccessToken, "r"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("erased user's token still works: %v", err)
	}
	if _, err := f.svc.Sessions.Login(ctx, meta("y"), "Zeldzame-Bijnaam", goodPassword); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("erased user signs in: %v", err)
	}
	// The nickname is free again.
	f.signUp("Zeldzame-Bijnaam")
	if _, err := f.audit.Verify(ctx); err != nil {
		t.Errorf("audit chain after erasure: %v", err)
	}
}

func phq(v ...int) []selftest.Answer {
	out := make([]selftest.Answer, len(v))
	for i, x := range v {
		out[i] = selftest.Answer{Item: fmt.Sprintf("phq9_%d", i+1), Value: x}
	}
	return out
}

// isConflict reports whether err is a conflict on field.
func isConflict(err error, field string) bool {
	var c *kind.Conflict
	return errors.As(err, &c) && c.Field == field
}

// A coordinator's client list names every client listed in the audit log,
// so each finds it in their own access log, shown as a listing.
func TestClientListIsInEachClientsAccessLog(t *testing.T) {
	f := newFixture(t)
	a, b := f.principal(f.signUp("anna").Session), f.principal(f.signUp("bram").Session)
	coord, _ := f.coordinator("coordinator")
	rows, err := f.svc.Staff.Clients(ctx, coord)
	if err != nil || len(rows) != 2 {
		t.Fatalf("Clients = %v, %v", rows, err)
	}
	for _, client := range []auth.Principal{a, b} {
		log, err := f.audit.AccessLog(ctx, client.Actor(), audit.Query{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range log {
			if e.Action == audit.ActionClientList && e.ActorName == "coordinator" && e.ActorRole == "coordinator" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s's access log does not show the listing: %+v", client.UserID, log)
		}
	}
	// Reading one's own access log is itself written to the log.
	entries, _ := f.audit.Find(ctx, audit.Filter{ActorID: a.UserID})
	if len(entries) == 0 || entries[0].Action != audit.ActionAccessLogViewed || *entries[0].SubjectID != a.UserID {
		t.Errorf("viewing the access log was not audited: %+v", entries)
	}
	rep, err := f.audit.Verify(ctx)
	if err != nil || rep.Entries < 4 {
		t.Errorf("the chain after a batch append: %+v, %v", rep, err)
	}
}

// TestRemoveEmail: Haven no longer asks for an account e-mail address
// (nothing uses one); an address given before is in the export and can be
// removed.
func TestRemoveEmail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.principal(f.signUp("met-adres").Session)
	if err := f.db.Table("users").Where("id = ?", client.UserID).Update("email", "oud@example.org").Error; err != nil {
		t.Fatal(err)
	}
	ex, err := f.svc.Accounts.Export(ctx, client)
	if err != nil || ex.Account.Email == nil || *ex.Account.Email != "oud@example.org" {
		t.Fatalf("export before removal: %+v %v", ex.Account, err)
	}
	if err := f.svc.Accounts.RemoveEmail(ctx, client); err != nil {
		t.Fatal(err)
	}
	u, err := f.svc.Accounts.Me(ctx, client)
	if err != nil || u.Email != nil {
		t.Errorf("address after removal: %v %v", u.Email, err)
	}
}
