package frontend

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/selftest"
)

// The web authorisation matrix: every page the site registers, asked by
// nobody and by each role, against the outcome the route table promises.
// A route registered without a row here fails the test, like the API's.

type outcome int

const (
	pass      outcome = iota // the guard lets the request through (the page answers, < 500)
	toLogin                  // 303 to the sign-in page
	forbidden                // the friendly 403 page
)

func (o outcome) String() string { return [...]string{"pass", "to sign-in", "403"}[o] }

const (
	roleVisitor = "visitor"
)

var matrixRoles = []string{roleVisitor, string(auth.RoleClient), string(auth.RoleClinician), string(auth.RoleCoordinator), string(auth.RoleResearcher)}

// all, visitors, users, clients, coordinators and clinicians are the rows'
// shapes.
var (
	all          = map[string]outcome{}
	users        = map[string]outcome{roleVisitor: toLogin}
	clientsOnly  = map[string]outcome{roleVisitor: toLogin, "clinician": forbidden, "coordinator": forbidden, "researcher": forbidden}
	coordinators = map[string]outcome{roleVisitor: toLogin, "client": forbidden, "clinician": forbidden, "researcher": forbidden}
	// Clinicians' guided-care pages; which trajectory is theirs is the
	// domain's per-record rule (caseload_test.go: another clinician's is
	// not found).
	clinicians = map[string]outcome{roleVisitor: toLogin, "client": forbidden, "coordinator": forbidden, "researcher": forbidden}
	// A step of lesson 2: a visitor reads only lesson 1 (the trial),
	// coordinators preview, clients work, other staff are refused.
	laterStep = map[string]outcome{roleVisitor: toLogin, "clinician": forbidden, "researcher": forbidden}
	// The monthly report: coordinators exact, researchers suppressed.
	reportReaders = map[string]outcome{roleVisitor: toLogin, "client": forbidden, "clinician": forbidden}
)

// webMatrix is the promise, per "METHOD /en/path". Unlisted roles pass.
var webMatrix = map[string]map[string]outcome{
	"GET /":                                all,
	"GET /assets/:name":                    all,
	"GET /selfhelp-images/:programme/*src": all,
	"GET /en":                              all,
	"GET /en/":                             all,
	"GET /en/info":                         all,
	"GET /en/info/:id":                     all,
	"GET /en/crisis":                       all,
	"GET /en/guided":                       all,
	"GET /en/selftest":                     all,
	"GET /en/selftest/:instrument":         all,
	"POST /en/selftest/:instrument":        all,
	"GET /en/selftest/result/:id":          all,

	"GET /en/account/signup":       all,
	"POST /en/account/signup":      all,
	"GET /en/account/login":        all,
	"POST /en/account/login":       all,
	"POST /en/account/login/mfa":   all,
	"POST /en/account/login/enrol": all,
	"POST /en/account/logout":      all,
	"GET /en/account/recover":      all,
	"POST /en/account/recover":     all,
	// Keeping a recovery code (account_recovery.go): an echo of the codes
	// the page shows, open to all like the pages that show them.
	"POST /en/account/recovery-codes.txt":   all,
	"POST /en/account/recovery-codes/saved": all,
	"GET /en/account/invitation":            all,
	"POST /en/account/invitation":           all,
	"GET /en/account/claim":                 all,
	"POST /en/account/claim":                clientsOnly,
	"GET /en/account":                       users,
	"GET /en/account/password":              users,
	"POST /en/account/password":             users,
	"GET /en/account/data":                  users,
	"GET /en/account/data/export":           users,
	"GET /en/account/data/fhir":             clientsOnly,
	"POST /en/account/delete":               users,
	"GET /en/account/email":                 users,
	"POST /en/account/email/delete":         users,
	"GET /en/account/access":                clientsOnly,
	"GET /en/account/staff":                 coordinators,
	"POST /en/account/staff/invite":         coordinators,
	"GET /en/account/audit":                 coordinators,

	"GET /en/selfhelp":                             all,
	"GET /en/selfhelp/lesson/:lesson":              all,
	"GET /en/selfhelp/lesson/:lesson/:step":        laterStep,
	"POST /en/selfhelp/lesson/:lesson/:step":       clientsOnly,
	"GET /en/selfhelp/lesson/:lesson/:step/help":   clientsOnly,
	"POST /en/selfhelp/reminder":                   clientsOnly,
	"POST /en/selfhelp/reminder/remove":            clientsOnly,
	"GET /en/selfhelp/questionnaire/:point":        clientsOnly,
	"POST /en/selfhelp/questionnaire/:point":       clientsOnly,
	"GET /en/selfhelp/questionnaire/:point/result": clientsOnly,
	"GET /en/selfhelp/diary":                       clientsOnly,
	"POST /en/selfhelp/diary":                      clientsOnly,
	"POST /en/selfhelp/diary/delete":               clientsOnly,
	"GET /en/selfhelp/plan":                        clientsOnly,
	"GET /en/selfhelp/plan.txt":                    clientsOnly,

	"GET /en/caseload":                               clinicians,
	"GET /en/caseload/:id":                           clinicians,
	"POST /en/caseload/:id/alerts/:alert":            clinicians,
	"GET /en/caseload/:id/messages":                  clinicians,
	"POST /en/caseload/:id/messages":                 clinicians,
	"GET /en/caseload/:id/lessons":                   clinicians,
	"POST /en/caseload/:id/lessons":                  clinicians,
	"GET /en/caseload/:id/lessons/:lesson":           clinicians,
	"POST /en/caseload/:id/lessons/:lesson/feedback": clinicians,
	"GET /en/caseload/:id/diary":                     clinicians,
	"GET /en/caseload/:id/fhir":                      clinicians,
	"GET /en/caseload/:id/contacts":                  clinicians,
	"POST /en/caseload/:id/contacts":                 clinicians,
	"GET /en/caseload/:id/end":                       clinicians,
	"POST /en/caseload/:id/extend":                   clinicians,
	"POST /en/caseload/:id/close":                    clinicians,
	"GET /en/coordination":                           coordinators,
	"POST /en/coordination/applications/:id/assign":  coordinators,
	"POST /en/coordination/alerts/:alert":            coordinators,
	"GET /en/coordination/pace":                      coordinators,
	"POST /en/coordination/pace/:programme":          coordinators,
	"GET /en/reports":                                reportReaders,
	"GET /en/reports/csv":                            reportReaders,
	// Guided care: the way in for all (/en/guided above), the rest for
	// clients; another client's trajectory is a 404 (guided_test.go).
	"GET /en/guided/apply":                                         clientsOnly,
	"POST /en/guided/apply":                                        clientsOnly,
	"GET /en/guided/mine":                                          clientsOnly,
	"POST /en/guided/t/:id/consent":                                clientsOnly,
	"GET /en/guided/t/:id/withdraw":                                clientsOnly,
	"POST /en/guided/t/:id/withdraw":                               clientsOnly,
	"GET /en/guided/t/:id/stop":                                    clientsOnly,
	"POST /en/guided/t/:id/stop":                                   clientsOnly,
	"GET /en/guided/t/:id/messages":                                clientsOnly,
	"POST /en/guided/t/:id/messages":                               clientsOnly,
	"GET /en/guided/t/:id/questionnaire/:point/:instrument":        clientsOnly,
	"POST /en/guided/t/:id/questionnaire/:point/:instrument":       clientsOnly,
	"GET /en/guided/t/:id/questionnaire/:point/:instrument/result": clientsOnly,
}

// sessionFor signs a person of role in through the services and returns
// their access token ("" for a visitor).
func sessionFor(t *testing.T, a *auth.Service, role string) string {
	t.Helper()
	switch role {
	case roleVisitor:
		return ""
	case string(auth.RoleClient):
		res, err := a.Sessions.SignUp(context.Background(), matrixMeta, "matrix-client", matrixPassword)
		if err != nil {
			t.Fatal(err)
		}
		return res.Session.AccessToken
	}
	return staffSession(t, a, auth.Role(role), "matrix-"+role)
}

var matrixMeta = auth.Meta{RequestID: "matrix", Source: "203.0.113.9"}

const matrixPassword = "lange zin als wachtwoord"

// staffSession creates a staff member (a coordinator from the command
// line, others through an invitation), signs them in with their second
// factor where the role needs one, and returns the access token.
func staffSession(t *testing.T, a *auth.Service, role auth.Role, nick string) string {
	t.Helper()
	ctx := context.Background()
	if role == auth.RoleCoordinator {
		if _, err := a.Staff.CreateAdmin(ctx, nick, matrixPassword); err != nil {
			t.Fatal(err)
		}
	} else {
		admin := sessionPrincipal(t, a, staffSession(t, a, auth.RoleCoordinator, nick+"-inviter"))
		link, err := a.Staff.Invite(ctx, admin, role, 10)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Staff.AcceptInvitation(ctx, matrixMeta, link.Token, nick, matrixPassword, auth.StaffProfile{DisplayName: "Dr. Test", Profession: "psychologist"}); err != nil {
			t.Fatal(err)
		}
	}
	lr, err := a.Sessions.Login(ctx, matrixMeta, nick, matrixPassword)
	if err != nil {
		t.Fatal(err)
	}
	if lr.Session != nil {
		return lr.Session.AccessToken
	}
	en, err := a.Sessions.StartEnrolment(ctx, lr.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Sessions.ConfirmEnrolment(ctx, matrixMeta, lr.Challenge, wiretest.TOTPCode(en.Secret, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return res.Session.AccessToken
}

func sessionPrincipal(t *testing.T, a *auth.Service, token string) auth.Principal {
	t.Helper()
	p, err := a.Sessions.Authenticate(context.Background(), token, "matrix")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWebAuthorisationMatrix(t *testing.T) {
	e := newAccountEnv(t)
	sub, err := e.site.Selftest.Submit(context.Background(), selftest.SubmitInput{InstrumentID: "phq9", Language: "en",
		Answers: []selftest.Answer{{Item: "phq9_1", Value: 0}, {Item: "phq9_2", Value: 0}, {Item: "phq9_3", Value: 0}, {Item: "phq9_4", Value: 0},
			{Item: "phq9_5", Value: 0}, {Item: "phq9_6", Value: 0}, {Item: "phq9_7", Value: 0}, {Item: "phq9_8", Value: 0}, {Item: "phq9_9", Value: 0}}})
	if err != nil {
		t.Fatal(err)
	}
	p := e.site.programme()
	second := p.Lessons[1]
	params := strings.NewReplacer(":name", "app.css", ":programme/*src", p.ID+"/none.svg", ":programme", p.ID, ":id", "what-is-depression",
		":instrument", "phq9", ":lesson/:step", second.ID+"/"+second.Steps[0].ID, ":lesson", second.ID, ":point", "start")

	// Every registered route has a row, and every row a route.
	registered := map[string]bool{}
	for _, r := range e.engine.Routes() {
		if r.Method == http.MethodHead || strings.HasPrefix(r.Path, "/nl") {
			continue
		}
		key := r.Method + " " + r.Path
		registered[key] = true
		if _, ok := webMatrix[key]; !ok {
			t.Errorf("route %s has no row in the web authorisation matrix", key)
		}
	}
	for key := range webMatrix {
		if !registered[key] {
			t.Errorf("matrix row %s has no route", key)
		}
	}

	tokens := map[string]string{}
	for _, role := range matrixRoles {
		tokens[role] = sessionFor(t, e.auth, role)
	}
	keys := make([]string, 0, len(webMatrix))
	for k := range webMatrix {
		keys = append(keys, k)
	}
	// Signing out ends each role's session: ask that last.
	sort.Slice(keys, func(i, j int) bool {
		li, lj := strings.HasSuffix(keys[i], "/logout"), strings.HasSuffix(keys[j], "/logout")
		if li != lj {
			return lj
		}
		return keys[i] < keys[j]
	})
	const csrf = "0123456789012345678901234567890123456789abc" // 43 characters, like a real one
	for _, key := range keys {
		method, path, _ := strings.Cut(key, " ")
		target := params.Replace(path)
		if strings.HasSuffix(path, "/result/:id") {
			target = "/en/selftest/result/" + sub.ID
		}
		for _, role := range matrixRoles {
			want := webMatrix[key][role] // pass unless listed
			var req *http.Request
			if method == http.MethodPost {
				req = httptest.NewRequest(method, target, strings.NewReader(url.Values{csrfField: {csrf}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(&http.Cookie{Name: cookieCSRF, Value: csrf})
			} else {
				req = httptest.NewRequest(method, target, nil)
			}
			if tok := tokens[role]; tok != "" {
				req.AddCookie(&http.Cookie{Name: cookieAccess, Value: tok})
			}
			w := httptest.NewRecorder()
			e.engine.ServeHTTP(w, req)
			got := pass
			switch {
			case w.Code == http.StatusSeeOther && strings.HasPrefix(w.Header().Get("Location"), "/en/account/login") && !strings.HasSuffix(path, "/login"):
				got = toLogin
			case w.Code == http.StatusForbidden:
				got = forbidden
			case w.Code >= 500:
				t.Errorf("%s as %s: %d", key, role, w.Code)
			}
			if got != want {
				t.Errorf("%s as %s: %s (%d → %s), want %s", key, role, got, w.Code, w.Header().Get("Location"), want)
			}
		}
	}
}
