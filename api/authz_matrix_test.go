package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api"
	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/selftest"
)

// This file tests accounts and authorisation through the real router, with
// its own small harness (names prefixed acct) so it does not depend on the
// self-test harness. Every response is validated against openapi.yaml.

const acctPassword = "lange zin als wachtwoord"

type acctClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *acctClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *acctClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type acctAPI struct {
	t        testing.TB
	engine   *gin.Engine
	db       *db.DB
	auth     *auth.Service
	audit    *audit.Log
	selftest *selftest.Service
	coaching *coaching.Service
	clock    *acctClock
	router   routers.Router
	secrets  map[string]string // TOTP secret by staff nickname
}

func newAcctAPI(t testing.TB, throttle auth.ThrottleConfig, opts ...wiretest.Option) *acctAPI {
	t.Helper()
	clock := &acctClock{now: time.Now().UTC()}
	svcs := wiretest.New(t, append([]wiretest.Option{wiretest.WithClock(clock.Now), wiretest.WithThrottle(throttle)}, opts...)...)
	d, st, svc, log := svcs.DB, svcs.Selftest, svcs.Auth, svcs.Audit
	engine, err := api.NewEngine(api.EngineOptions{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	register(t, engine, svcs, slog.New(slog.DiscardHandler), nil, 0)
	doc := loadSpec(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &acctAPI{t: t, engine: engine, db: d, auth: svc, audit: log, selftest: st, coaching: svcs.Coaching, clock: clock, router: router, secrets: map[string]string{}}
}

type acctResponse struct {
	code   int
	header http.Header
	body   map[string]any
	raw    string
}

func (r acctResponse) errorCode() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r acctResponse) errorFields() map[string]any {
	e, _ := r.body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

func (r acctResponse) obj(path ...string) map[string]any {
	m := r.body
	for _, p := range path {
		m, _ = m[p].(map[string]any)
	}
	return m
}

func (r acctResponse) str(path ...string) string {
	m := r.obj(path[:len(path)-1]...)
	s, _ := m[path[len(path)-1]].(string)
	return s
}

// do sends a request (token "" for none) and validates the answer against
// the OpenAPI document.
func (a *acctAPI) do(method, path, token string, body any) acctResponse {
	a.t.Helper()
	return a.doHeaders(method, path, token, body, nil)
}

// doHeaders is do with request headers.
func (a *acctAPI) doHeaders(method, path, token string, body any, headers map[string]string) acctResponse {
	a.t.Helper()
	var reader io.Reader
	if raw, ok := body.([]byte); ok {
		reader = bytes.NewReader(raw) // sent as it is
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		reader = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, reader)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.engine.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		a.t.Errorf("%s %s answered %d: %s", method, path, rec.Code, rec.Body.String())
	}
	if route, params, err := a.router.FindRoute(req.Clone(context.Background())); err == nil {
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 rec.Code, Header: rec.Header(),
			Body:    io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			a.t.Errorf("%s %s → %d does not match openapi.yaml: %v\n%s", method, path, rec.Code, err, rec.Body.String())
		}
	}
	res := acctResponse{code: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(rec.Body.Bytes(), &res.body)
	}
	return res
}

// signUp creates a client through the API and returns its id and token.
func (a *acctAPI) signUp(nick string) (id, token string) {
	a.t.Helper()
	r := a.do("POST", "/api/v1/auth/signup", "", map[string]any{"nickname": nick, "password": acctPassword})
	if r.code != 201 {
		a.t.Fatalf("sign-up %s: %d %s", nick, r.code, r.raw)
	}
	return r.str("user", "id"), r.str("session", "access_token")
}

// assign puts a client in guided care with a clinician through the API,
// as the trajectory goes: the client applies (PHQ-9 of 9), a coordinator
// assigns the clinician, the client agrees to them. It returns the
// trajectory's id.
func (a *acctAPI) assign(clientToken, coordinatorToken, clinicianID string) string {
	a.t.Helper()
	r := a.do("POST", "/api/v1/trajectories", clientToken, map[string]any{"language": "nl", "phq9": acctAnswers(1, 1, 1, 1, 1, 1, 2, 1, 0),
		"hopes": "sleep better", "reachable": "evenings"})
	if r.code != 201 {
		a.t.Fatalf("apply: %d %s", r.code, r.raw)
	}
	id := r.str("trajectory", "id")
	if r := a.do("POST", "/api/v1/trajectories/"+id+"/assignment", coordinatorToken, map[string]any{"clinician_id": clinicianID}); r.code != 200 {
		a.t.Fatalf("assign: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", "/api/v1/trajectories/"+id+"/consent", clientToken, nil); r.code != 200 || r.str("state") != "active" {
		a.t.Fatalf("consent: %d %s", r.code, r.raw)
	}
	return id
}

// staff creates a staff member: a coordinator with `haven admin create`,
// anyone else by invitation from coordinator; then enrols TOTP.
func (a *acctAPI) staff(role auth.Role, nick, coordinatorToken string) (id, token string) {
	a.t.Helper()
	switch role {
	case auth.RoleCoordinator:
		u, err := a.auth.Staff.CreateAdmin(context.Background(), nick, acctPassword)
		if err != nil {
			a.t.Fatal(err)
		}
		id = u.ID
	default:
		r := a.do("POST", "/api/v1/invitations", coordinatorToken, map[string]any{"role": role, "capacity": 10})
		if r.code != 201 {
			a.t.Fatalf("invite: %d %s", r.code, r.raw)
		}
		r = a.do("POST", "/api/v1/auth/invitations/accept", "", map[string]any{"token": r.body["token"], "nickname": nick, "password": acctPassword, "display_name": "Dr. " + nick, "profession": "psychologist"})
		if r.code != 201 {
			a.t.Fatalf("accept: %d %s", r.code, r.raw)
		}
		id = r.str("user", "id")
	}
	return id, a.login(nick)
}

// login signs in through the API, enrolling or using TOTP as needed.
func (a *acctAPI) login(nick string) string {
	a.t.Helper()
	a.clock.Add(31 * time.Second) // a fresh TOTP step: codes work once
	r := a.do("POST", "/api/v1/auth/login", "", map[string]any{"nickname": nick, "password": acctPassword})
	if r.code != 200 {
		a.t.Fatalf("login %s: %d %s", nick, r.code, r.raw)
	}
	challenge := r.str("challenge")
	switch r.str("status") {
	case "ok":
		return r.str("session", "access_token")
	case "mfa_enrolment_required":
		e := a.do("POST", "/api/v1/auth/mfa/enrolment", "", map[string]any{"challenge": challenge})
		if e.code != 200 {
			a.t.Fatalf("enrolment: %d %s", e.code, e.raw)
		}
		a.secrets[nick] = e.str("secret")
		code, _ := wiretest.TOTPCode(a.secrets[nick], a.clock.Now()), error(nil)
		c := a.do("POST", "/api/v1/auth/mfa/enrolment/confirm", "", map[string]any{"challenge": challenge, "code": code})
		if c.code != 200 {
			a.t.Fatalf("confirm: %d %s", c.code, c.raw)
		}
		return c.str("session", "access_token")
	default:
		code, _ := wiretest.TOTPCode(a.secrets[nick], a.clock.Now()), error(nil)
		c := a.do("POST", "/api/v1/auth/mfa", "", map[string]any{"challenge": challenge, "code": code})
		if c.code != 200 {
			a.t.Fatalf("mfa: %d %s", c.code, c.raw)
		}
		return c.str("session", "access_token")
	}
}

// Columns of the matrix.
const (
	asNone = iota
	asClient
	asClinician
	asCoordinator
	asResearcher
	nColumns
)

var columnNames = [nColumns]string{"no session", "client", "clinician", "coordinator", "researcher"}

// matrixRow is one route's expected status for each column, and what to
// send.
type matrixRow struct {
	want [nColumns]int
	body any
	// path replaces the route's parameters (default: the route itself).
	path string
	// throwaway: the client column uses a fresh client (the request may
	// erase the account).
	throwaway bool
}

func TestAuthorisationMatrix(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{AccountFailures: 10000, SourceAttempts: 10000, SignupsPerSource: 10000})
	ctx := context.Background()

	coordID, _ := a.staff(auth.RoleCoordinator, "coordinator", "")
	coordToken := a.login("coordinator")
	clinicianID, _ := a.staff(auth.RoleClinician, "clinician", coordToken)
	researcherID, _ := a.staff(auth.RoleResearcher, "researcher", coordToken)
	clientID, clientTok := a.signUp("client")
	_, client2Tok := a.signUp("client-two")
	tid := a.assign(clientTok, coordToken, clinicianID)
	a.assign(client2Tok, coordToken, clinicianID)
	traj := "/api/v1/trajectories/" + tid
	out, err := a.selftest.Submit(ctx, selftest.SubmitInput{InstrumentID: "phq9", Language: "nl", Answers: acctPHQ(0, 1, 0, 1, 0, 1, 0, 1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	_ = coordID
	// The client has started the self-help course, so its routes have
	// something to show.
	if r := a.do("POST", "/api/v1/me/selfhelp/depression", a.login("client"), nil); r.code != 200 {
		t.Fatalf("start course: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/me/selfhelp/depression/lessons/understanding", a.login("client"), nil); r.code != 200 {
		t.Fatalf("open lesson: %d %s", r.code, r.raw)
	}
	const firstStep = "welcome"

	const (
		x = http.StatusForbidden
		u = http.StatusUnauthorized
	)
	all := func(s int) [nColumns]int { return [nColumns]int{s, s, s, s, s} }
	users := func(s int) [nColumns]int { return [nColumns]int{u, s, s, s, s} }
	only := func(s int, cols ...int) [nColumns]int {
		w := [nColumns]int{u, x, x, x, x}
		for _, c := range cols {
			w[c] = s
		}
		return w
	}
	matrix := map[string]matrixRow{
		"GET /healthz":                                      {want: all(200)},
		"GET /readyz":                                       {want: all(200)},
		"GET /api/v1/openapi.json":                          {want: all(200)},
		"GET /api/v1/crisis-lines":                          {want: all(200)},
		"GET /api/v1/selftest/instruments":                  {want: all(200)},
		"GET /api/v1/selftest/instruments/:id":              {want: all(200), path: "/api/v1/selftest/instruments/phq9"},
		"POST /api/v1/selftest/instruments/:id/submissions": {want: all(422), path: "/api/v1/selftest/instruments/phq9/submissions", body: map[string]any{"answers": []any{}}},
		"GET /api/v1/selftest/submissions/:id":              {want: all(200), path: "/api/v1/selftest/submissions/" + out.ID},

		"POST /api/v1/auth/signup":                {want: all(422), body: map[string]any{"nickname": "x", "password": "y"}},
		"POST /api/v1/auth/login":                 {want: all(401), body: map[string]any{"nickname": "nobody", "password": "wrong password"}},
		"POST /api/v1/auth/mfa":                   {want: all(401), body: map[string]any{"challenge": "x", "code": "123456"}},
		"POST /api/v1/auth/mfa/enrolment":         {want: all(401), body: map[string]any{"challenge": "x"}},
		"POST /api/v1/auth/mfa/enrolment/confirm": {want: all(401), body: map[string]any{"challenge": "x", "code": "123456"}},
		"POST /api/v1/auth/refresh":               {want: all(401), body: map[string]any{"refresh_token": "x"}},
		"POST /api/v1/auth/recover":               {want: all(401), body: map[string]any{"nickname": "nobody", "recovery_code": "x", "new_password": "een nieuw wachtwoord"}},
		"POST /api/v1/auth/invitations/accept":    {want: all(401), body: map[string]any{"token": "x", "nickname": "nieuw", "password": acctPassword}},
		"POST /api/v1/auth/logout":                {want: users(204)},

		"GET /api/v1/me":                  {want: users(200)},
		"POST /api/v1/me/password":        {want: users(422), body: map[string]any{"current_password": acctPassword, "new_password": "kort"}},
		"POST /api/v1/me/recovery-code":   {want: only(200, asClient), body: map[string]any{"password": acctPassword}},
		"DELETE /api/v1/me/email":         {want: users(204)},
		"GET /api/v1/me/export":           {want: users(200)},
		"DELETE /api/v1/me":               {want: only(204, asClient), body: map[string]any{"password": acctPassword}, throwaway: true},
		"GET /api/v1/me/access-log":       {want: only(200, asClient)},
		"POST /api/v1/me/selftests/claim": {want: only(422, asClient), body: map[string]any{"claim_token": "not-a-token"}},
		"GET /api/v1/me/selftests":        {want: only(200, asClient)},
		"GET /api/v1/me/fhir":             {want: only(200, asClient)},

		"GET /api/v1/clients":          {want: only(200, asCoordinator)},
		"GET /api/v1/clients/:id":      {want: only(200, asClinician, asCoordinator), path: "/api/v1/clients/" + clientID},
		"GET /api/v1/users":            {want: only(200, asCoordinator)},
		"PATCH /api/v1/users/:id":      {want: only(200, asCoordinator), path: "/api/v1/users/" + researcherID, body: map[string]any{"capacity": 0}},
		"POST /api/v1/invitations":     {want: only(201, asCoordinator), body: map[string]any{"role": "researcher"}},
		"GET /api/v1/invitations":      {want: only(200, asCoordinator)},
		"GET /api/v1/audit":            {want: only(200, asCoordinator)},
		"GET /api/v1/reports/accounts": {want: only(200, asCoordinator, asResearcher)},
		"GET /api/v1/reports/monthly":  {want: only(200, asCoordinator, asResearcher)},

		"GET /api/v1/selfhelp/programmes":                                {want: all(200)},
		"GET /api/v1/selfhelp/programmes/:programme":                     {want: all(200), path: "/api/v1/selfhelp/programmes/depression"},
		"GET /api/v1/selfhelp/programmes/:programme/trial":               {want: all(200), path: "/api/v1/selfhelp/programmes/depression/trial"},
		"GET /api/v1/selfhelp/programmes/:programme/lessons/:lesson":     {want: only(200, asCoordinator), path: "/api/v1/selfhelp/programmes/depression/lessons/activation"},
		"GET /api/v1/selfhelp/programmes/:programme/pace":                {want: only(200, asCoordinator), path: "/api/v1/selfhelp/programmes/depression/pace"},
		"PUT /api/v1/selfhelp/programmes/:programme/pace":                {want: only(200, asCoordinator), path: "/api/v1/selfhelp/programmes/depression/pace", body: map[string]any{"lesson_days": 7}},
		"GET /api/v1/me/selfhelp":                                        {want: only(200, asClient)},
		"POST /api/v1/me/selfhelp/:programme":                            {want: only(200, asClient), path: "/api/v1/me/selfhelp/depression"},
		"GET /api/v1/me/selfhelp/:programme":                             {want: only(200, asClient), path: "/api/v1/me/selfhelp/depression"},
		"GET /api/v1/me/selfhelp/:programme/lessons/:lesson":             {want: only(200, asClient), path: "/api/v1/me/selfhelp/depression/lessons/understanding"},
		"PUT /api/v1/me/selfhelp/:programme/lessons/:lesson/steps/:step": {want: only(200, asClient), path: "/api/v1/me/selfhelp/depression/lessons/understanding/steps/" + firstStep, body: map[string]any{"values": map[string]any{}}},
		"GET /api/v1/me/selfhelp/:programme/answers":                     {want: only(200, asClient), path: "/api/v1/me/selfhelp/depression/answers"},
		"GET /api/v1/me/selfhelp/:programme/plan":                        {want: only(200, asClient), path: "/api/v1/me/selfhelp/depression/plan"},
		"PUT /api/v1/me/selfhelp/:programme/nudge-email":                 {want: only(422, asClient), path: "/api/v1/me/selfhelp/depression/nudge-email", body: map[string]any{"email": "not an address"}},
		"DELETE /api/v1/me/selfhelp/:programme/nudge-email":              {want: only(204, asClient), path: "/api/v1/me/selfhelp/depression/nudge-email"},
		"POST /api/v1/me/selfhelp/:programme/measurements/:point":        {want: only(422, asClient), path: "/api/v1/me/selfhelp/depression/measurements/start", body: map[string]any{"answers": []any{}}},
		"GET /api/v1/me/diary":                                           {want: only(200, asClient)},
		"PUT /api/v1/me/diary/:day":                                      {want: only(422, asClient), path: "/api/v1/me/diary/not-a-date", body: map[string]any{"mood": 5}},
		"DELETE /api/v1/me/diary/:day":                                   {want: only(404, asClient), path: "/api/v1/me/diary/2026-01-01"},

		// The guided trajectory: the client's trajectory (active, with the
		// clinician). Bodies that would change it are invalid, so each
		// column meets the same state; consent and withdrawal are
		// impossible transitions for a running trajectory (409).
		"POST /api/v1/trajectories":                                       {want: only(422, asClient), body: map[string]any{}},
		"GET /api/v1/trajectories":                                        {want: only(200, asClient)},
		"GET /api/v1/trajectories/current":                                {want: only(200, asClient)},
		"GET /api/v1/trajectories/recent-selftests":                       {want: only(200, asClient)},
		"GET /api/v1/trajectories/:id/place":                              {want: only(200, asClient), path: traj + "/place"},
		"GET /api/v1/trajectories/:id/clinician":                          {want: only(200, asClient), path: traj + "/clinician"},
		"POST /api/v1/trajectories/:id/consent":                           {want: only(409, asClient), path: traj + "/consent"},
		"POST /api/v1/trajectories/:id/withdraw":                          {want: only(409, asClient), path: traj + "/withdraw"},
		"POST /api/v1/trajectories/:id/questionnaires/:point/:instrument": {want: only(422, asClient), path: traj + "/questionnaires/week6/phq9", body: map[string]any{"answers": []any{}}},
		"GET /api/v1/trajectories/end-reasons":                            {want: users(200)},
		"GET /api/v1/trajectories/:id":                                    {want: only(200, asClient, asClinician, asCoordinator), path: traj},
		"GET /api/v1/trajectories/:id/intake":                             {want: only(200, asClient, asClinician, asCoordinator), path: traj + "/intake"},
		"POST /api/v1/trajectories/:id/close":                             {want: only(422, asClient, asClinician, asCoordinator), path: traj + "/close", body: map[string]any{"state": "finished"}},
		"GET /api/v1/trajectories/:id/messages":                           {want: only(200, asClient, asClinician), path: traj + "/messages"},
		"POST /api/v1/trajectories/:id/messages":                          {want: only(422, asClient, asClinician), path: traj + "/messages", body: map[string]any{"body": " "}},
		"GET /api/v1/trajectories/:id/feedback":                           {want: only(200, asClient, asClinician), path: traj + "/feedback"},
		"GET /api/v1/trajectories/:id/questionnaires":                     {want: only(200, asClient, asClinician), path: traj + "/questionnaires"},
		"GET /api/v1/trajectories/:id/trend":                              {want: only(200, asClient, asClinician), path: traj + "/trend"},
		"GET /api/v1/trajectories/:id/contacts":                           {want: only(200, asClient, asClinician), path: traj + "/contacts"},
		"GET /api/v1/caseload":                                            {want: only(200, asClinician)},
		"GET /api/v1/caseload/pending-feedback":                           {want: only(200, asClinician)},
		"GET /api/v1/trajectories/:id/work/:programme":                    {want: only(200, asClinician), path: traj + "/work/depression"},
		"GET /api/v1/trajectories/:id/diary":                              {want: only(200, asClinician), path: traj + "/diary"},
		"GET /api/v1/trajectories/:id/fhir":                               {want: only(200, asClinician), path: traj + "/fhir"},
		"PUT /api/v1/trajectories/:id/lessons/:programme":                 {want: only(422, asClinician), path: traj + "/lessons/depression", body: map[string]any{"lessons": []string{"no-such-lesson"}}},
		"POST /api/v1/trajectories/:id/feedback":                          {want: only(422, asClinician), path: traj + "/feedback", body: map[string]any{"lesson": "understanding", "body": ""}},
		"POST /api/v1/trajectories/:id/contacts":                          {want: only(422, asClinician), path: traj + "/contacts", body: map[string]any{"mode": "letter", "occurred_at": "2026-01-05T10:00:00Z", "minutes": 30}},
		"POST /api/v1/trajectories/:id/extension":                         {want: only(422, asClinician), path: traj + "/extension", body: map[string]any{"until": "next month", "reason": "more time"}},
		"POST /api/v1/alerts/:id/acknowledgement":                         {want: only(422, asClinician, asCoordinator), path: "/api/v1/alerts/x/acknowledgement", body: map[string]any{"note": ""}},
		"GET /api/v1/waiting-list":                                        {want: only(200, asCoordinator)},
		"GET /api/v1/clinicians":                                          {want: only(200, asCoordinator)},
		"POST /api/v1/trajectories/:id/assignment":                        {want: only(422, asCoordinator), path: traj + "/assignment", body: map[string]any{"clinician_id": researcherID}},
		"GET /api/v1/overview":                                            {want: only(200, asCoordinator)},
	}

	seen := map[string]bool{}
	var missing []string
	for _, r := range a.engine.Routes() {
		key := r.Method + " " + r.Path
		row, ok := matrix[key]
		if !ok {
			missing = append(missing, key)
			continue
		}
		seen[key] = true
		path := row.path
		if path == "" {
			path = r.Path
		}
		for col := range nColumns {
			var token string
			switch col {
			case asClient:
				nick := "client"
				if row.throwaway {
					nick = fmt.Sprintf("throwaway-%d", len(seen))
					a.signUp(nick)
				}
				token = a.login(nick)
			case asClinician:
				token = a.login("clinician")
			case asCoordinator:
				token = a.login("coordinator")
			case asResearcher:
				token = a.login("researcher")
			}
			res := a.do(r.Method, path, token, row.body)
			if res.code != row.want[col] {
				t.Errorf("%s as %s: %d, want %d (%s)", key, columnNames[col], res.code, row.want[col], res.raw)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes without an entry in the authorisation matrix (add one):\n  %s", strings.Join(missing, "\n  "))
	}
	for key := range matrix {
		if !seen[key] {
			t.Errorf("matrix entry %q matches no registered route", key)
		}
	}
}

// TestClinicianSeesOnlyOwnClients checks the per-resource policy and that
// every staff access, granted or denied, reaches the audit log with the
// session and request id.
func TestClinicianSeesOnlyOwnClients(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{})
	_, coord := a.staff(auth.RoleCoordinator, "coord", "")
	ownerID, owner := a.staff(auth.RoleClinician, "dr-own", coord)
	otherID, other := a.staff(auth.RoleClinician, "dr-other", coord)
	clientID, clientToken := a.signUp("cliënt")
	a.assign(clientToken, coord, ownerID)
	if r := a.do("GET", "/api/v1/clients/"+clientID, owner, nil); r.code != 200 || r.str("client", "nickname") != "cliënt" {
		t.Fatalf("own clinician: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/clients/"+clientID, other, nil); r.code != 403 {
		t.Fatalf("other clinician: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/clients", other, nil); r.code != 403 {
		t.Errorf("a clinician listing every client: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/clients/not-a-uuid", owner, nil); r.code != 404 {
		t.Errorf("malformed id: %d", r.code)
	}
	entries, err := a.audit.Find(context.Background(), audit.Filter{SubjectID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	var granted, denied bool
	for _, e := range entries {
		if e.Action != audit.ActionClientRead {
			continue
		}
		if e.SessionID == nil || e.RequestID == "" || e.Object != "GET /api/v1/clients/:id" {
			t.Errorf("entry lacks session, request or object: %+v", e)
		}
		switch {
		case *e.ActorID == ownerID && e.Outcome == audit.OutcomeSuccess:
			granted = true
		case *e.ActorID == otherID && e.Outcome == audit.OutcomeDenied:
			denied = true
		}
	}
	if !granted || !denied {
		t.Errorf("audit entries: granted %v, denied %v; %+v", granted, denied, entries)
	}
	// The client sees who looked at their record.
	r := a.do("GET", "/api/v1/me/access-log", clientToken, nil)
	if r.code != 200 {
		t.Fatal(r.raw)
	}
	var sawOwner bool
	for _, e := range r.body["entries"].([]any) {
		m := e.(map[string]any)
		if m["actor_nickname"] == "dr-own" && m["action"] == audit.ActionClientRead {
			sawOwner = true
		}
	}
	if !sawOwner {
		t.Errorf("access log for the client does not show dr-own: %s", r.raw)
	}
	// Coordinators search the audit log by client and by user.
	r = a.do("GET", "/api/v1/audit?client="+clientID+"&user="+otherID, coord, nil)
	if r.code != 200 || len(r.body["entries"].([]any)) == 0 {
		t.Errorf("audit search: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/audit?from=yesterday", coord, nil); r.code != 422 {
		t.Errorf("bad from: %d", r.code)
	}
	if _, err := a.audit.Verify(context.Background()); err != nil {
		t.Error(err)
	}
}

var jwtShape = regexp.MustCompile(`^[\w-]+\.[\w-]+\.[\w-]+$`)

// TestTokenLifecycleOverHTTP: claim a self-test at sign-up, rotation,
// reuse detection, logout, tampering and a forged "none" token, as a
// client of the API sees them.
func TestTokenLifecycleOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{})
	sub := a.do("POST", "/api/v1/selftest/instruments/phq9/submissions", "", map[string]any{"language": "nl", "answers": acctAnswers(1, 1, 1, 1, 1, 1, 1, 1, 0)})
	claim := sub.str("claim_token")
	if sub.code != 201 || len(claim) < 40 {
		t.Fatalf("submit: %d %s", sub.code, sub.raw)
	}
	if again := a.do("GET", "/api/v1/selftest/submissions/"+sub.str("id"), "", nil); again.str("claim_token") != "" {
		t.Error("the claim token is shown again after the submission")
	}

	r := a.do("POST", "/api/v1/auth/signup", "", map[string]any{"nickname": "fenna", "password": acctPassword})
	access, refresh := r.str("session", "access_token"), r.str("session", "refresh_token")
	if r.code != 201 || !jwtShape.MatchString(access) || r.str("recovery_code") == "" {
		t.Fatalf("sign-up: %d %s", r.code, r.raw)
	}
	if c := a.do("POST", "/api/v1/me/selftests/claim", access, map[string]any{"claim_token": claim}); c.code != 201 {
		t.Fatalf("claim: %d %s", c.code, c.raw)
	}
	if c := a.do("POST", "/api/v1/me/selftests/claim", access, map[string]any{"claim_token": claim}); c.code != 422 {
		t.Errorf("second claim: %d", c.code)
	}
	if l := a.do("GET", "/api/v1/me/selftests", access, nil); len(l.body["submissions"].([]any)) != 1 {
		t.Errorf("claimed list: %s", l.raw)
	}

	rr := a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": refresh})
	if rr.code != 200 || rr.str("session", "refresh_token") == refresh {
		t.Fatalf("refresh: %d %s", rr.code, rr.raw)
	}
	newAccess := rr.str("session", "access_token")
	if m := a.do("GET", "/api/v1/me", newAccess, nil); m.code != 200 || m.str("nickname") != "fenna" {
		t.Fatalf("me: %d %s", m.code, m.raw)
	}
	a.clock.Add(31 * time.Second) // past the grace window for two tabs refreshing at once
	if re := a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": refresh}); re.code != 401 || re.errorCode() != "invalid_token" {
		t.Errorf("reuse: %d %s", re.code, re.raw)
	}
	if m := a.do("GET", "/api/v1/me", newAccess, nil); m.code != 401 {
		t.Errorf("access after reuse revoked the family: %d", m.code)
	}

	access = a.login("fenna")
	parts := strings.Split(access, ".")
	forged := map[string]string{
		"tampered": parts[0] + "." + parts[1] + "x." + parts[2],
		"alg none": "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".",
		"garbage":  "Bearer-ish",
	}
	for name, tok := range forged {
		if m := a.do("GET", "/api/v1/me", tok, nil); m.code != 401 || m.errorCode() != "invalid_token" {
			t.Errorf("%s token: %d %s", name, m.code, m.raw)
		}
	}
	// A bad token is refused on a private route, never treated as none; the
	// sign-in routes ignore it, so an expired token does not block a
	// refresh.
	if m := a.do("POST", "/api/v1/auth/login", forged["tampered"], map[string]any{"nickname": "fenna", "password": acctPassword}); m.code != 200 {
		t.Errorf("sign-in with a stale Authorization header: %d", m.code)
	}
	if lo := a.do("POST", "/api/v1/auth/logout", access, nil); lo.code != 204 {
		t.Fatalf("logout: %d", lo.code)
	}
	if m := a.do("GET", "/api/v1/me", access, nil); m.code != 401 {
		t.Errorf("access token after logout: %d", m.code)
	}
	a.clock.Add(11 * time.Minute)
	if m := a.do("GET", "/api/v1/me", a.login("fenna"), nil); m.code != 200 {
		t.Errorf("fresh token: %d", m.code)
	}
}

func TestThrottlingOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{})
	a.signUp("pim")
	var last acctResponse
	for range 6 {
		last = a.do("POST", "/api/v1/auth/login", "", map[string]any{"nickname": "pim", "password": "not the password"})
	}
	if last.code != 429 || last.errorCode() != "rate_limited" || last.header.Get("Retry-After") == "" {
		t.Errorf("6th failed sign-in: %d %v %s", last.code, last.header, last.raw)
	}
}

func TestRecoveryAndErasureOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{})
	r := a.do("POST", "/api/v1/auth/signup", "", map[string]any{"nickname": "vergeetachtig", "password": acctPassword})
	code := r.str("recovery_code")
	rec := a.do("POST", "/api/v1/auth/recover", "", map[string]any{"nickname": "vergeetachtig", "recovery_code": code, "new_password": "mijn nieuwe wachtwoord"})
	if rec.code != 200 || rec.str("recovery_code") == code {
		t.Fatalf("recover: %d %s", rec.code, rec.raw)
	}
	token := rec.str("session", "access_token")
	me := a.do("GET", "/api/v1/me", token, nil)
	if err := a.db.Table("users").Where("id = ?", me.str("id")).Update("email", "v@example.org").Error; err != nil { // given before Haven stopped asking
		t.Fatal(err)
	}
	ex := a.do("GET", "/api/v1/me/export", token, nil)
	if ex.code != 200 || ex.str("account", "email") != "v@example.org" || !strings.Contains(ex.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %s", ex.code, ex.raw)
	}
	// Haven no longer takes an account address (nothing would use it); the
	// one given before can be removed.
	if p := a.do("PUT", "/api/v1/me/email", token, map[string]any{"email": "w@example.org"}); p.code != 405 {
		t.Errorf("PUT /me/email: %d, want 405", p.code)
	}
	if d := a.do("DELETE", "/api/v1/me/email", token, nil); d.code != 204 {
		t.Fatalf("remove e-mail: %d %s", d.code, d.raw)
	}
	if m := a.do("GET", "/api/v1/me", token, nil); m.body["email"] != nil {
		t.Errorf("e-mail after removal: %v", m.body["email"])
	}
	if d := a.do("DELETE", "/api/v1/me", token, map[string]any{"password": "mijn nieuwe wachtwoord"}); d.code != 204 {
		t.Fatalf("erase: %d %s", d.code, d.raw)
	}
	if m := a.do("GET", "/api/v1/me", token, nil); m.code != 401 {
		t.Errorf("token after erasure: %d", m.code)
	}
}

func acctPHQ(v ...int) []selftest.Answer {
	out := make([]selftest.Answer, len(v))
	for i, x := range v {
		out[i] = selftest.Answer{Item: fmt.Sprintf("phq9_%d", i+1), Value: x}
	}
	return out
}

func acctAnswers(v ...int) []map[string]any {
	out := make([]map[string]any, len(v))
	for i, x := range v {
		out[i] = map[string]any{"item": fmt.Sprintf("phq9_%d", i+1), "value": x}
	}
	return out
}
