package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/haven-mh/haven/bench"
)

// httpc sends the harness' requests. Compression is left to each request
// (pages ask for gzip as a browser does; the body is read, not unpacked).
type httpc struct {
	c *http.Client
}

func newHTTP() *httpc {
	tr := &http.Transport{MaxIdleConns: 2048, MaxIdleConnsPerHost: 1024, IdleConnTimeout: 90 * time.Second, DisableCompression: true}
	return &httpc{c: &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type reply struct {
	code   int
	body   []byte
	header http.Header
}

// do sends one request; h are header pairs.
func (hc *httpc) do(ctx context.Context, method, u string, body []byte, h ...string) (reply, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return reply{}, err
	}
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	resp, err := hc.c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{code: resp.StatusCode, body: b, header: resp.Header}, nil
}

// expect turns a reply with another status into an error.
func expect(r reply, err error, want int) error {
	if err != nil {
		return err
	}
	if r.code != want {
		b := r.body
		if len(b) > 160 || bytes.Contains(b, []byte("<html")) {
			b = b[:min(len(b), 0)]
		}
		return fmt.Errorf("status %d, want %d %s", r.code, want, b)
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randInt(n int) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(int64(n)))
	return int(v.Int64())
}

var sourceSeq atomic.Int64

// source is a distinct client address for X-Forwarded-For (Haven trusts it
// from 127.0.0.1 in the harness): each simulated person signs in from
// their own address, as behind a load balancer, so the per-source sign-in
// throttle sees people, not the harness.
func source() string {
	n := sourceSeq.Add(1)
	return fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255)
}

// phq9 is the nine-answer body both Haven and the baseline take.
func phq9(lang string) []byte {
	var b strings.Builder
	b.WriteString(`{"language":"` + lang + `","answers":[`)
	for i := 1; i <= 9; i++ {
		v := randInt(4)
		if i == 9 {
			v = 0
			if randInt(20) == 0 { // one in twenty: the crisis path
				v = 1
			}
		}
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"item":"phq9_%d","value":%d}`, i, v)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

// ---- the demo's sign-ins

type account struct {
	role, nick, password, totp, state string
}

var spaces = regexp.MustCompile(`\s{2,}`)

// parseDemo reads `haven demo`'s two tables: staff (role, nickname,
// password, TOTP secret) and clients (nickname, password, state).
func parseDemo(out string) ([]account, error) {
	var accts []account
	section := ""
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "ROLE "):
			section = "staff"
			continue
		case strings.HasPrefix(line, "NICKNAME "):
			section = "clients"
			continue
		case strings.TrimSpace(line) == "":
			section = ""
			continue
		}
		f := spaces.Split(strings.TrimSpace(line), -1)
		switch {
		case section == "staff" && len(f) >= 4:
			accts = append(accts, account{role: f[0], nick: f[1], password: f[2], totp: f[3]})
		case section == "clients" && len(f) >= 3:
			accts = append(accts, account{role: "client", nick: f[0], password: f[1], state: f[2]})
		}
	}
	if len(accts) < 5 {
		return nil, fmt.Errorf("haven demo: found %d sign-ins in its output", len(accts))
	}
	return accts, nil
}

// ---- Haven's people, signed in

type apiUser struct {
	id, token, source string
	traj              string // guided clients: their trajectory; clinicians: one of their clients'
}

type webUser struct {
	cookies map[string]string
	csrf    string
	stepURL string
	fields  []string
	source  string
}

type haven struct {
	*proc
	hc          *httpc
	selfhelp    []apiUser // signed-up clients on the course, lesson 1 open at my-circle
	web         []webUser // the same clients signed in on the web
	guided      []apiUser // the demo's active clients (password sign-in)
	clinician   apiUser   // with trajectories of their clients in trajs
	trajs       []string
	coordinator apiUser
}

func (hv *haven) api(ctx context.Context, method, path, token, src string, body []byte, extra ...string) (reply, error) {
	h := []string{"Accept", "application/json"}
	if body != nil {
		h = append(h, "Content-Type", "application/json")
	}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	if src != "" {
		h = append(h, "X-Forwarded-For", src)
	}
	return hv.hc.do(ctx, method, hv.base+"/api/v1"+path, body, append(h, extra...)...)
}

type session struct {
	Status    string `json:"status"`
	Challenge string `json:"challenge"`
	Session   struct {
		AccessToken string `json:"access_token"`
		UserID      string `json:"user_id"`
	} `json:"session"`
}

func (hv *haven) login(ctx context.Context, a account) (apiUser, error) {
	src := source()
	body, _ := json.Marshal(map[string]string{"nickname": a.nick, "password": a.password})
	r, err := hv.api(ctx, "POST", "/auth/login", "", src, body)
	if err := expect(r, err, 200); err != nil {
		return apiUser{}, fmt.Errorf("login %s: %w", a.nick, err)
	}
	var s session
	if err := json.Unmarshal(r.body, &s); err != nil {
		return apiUser{}, fmt.Errorf("login %s: %w", a.nick, err)
	}
	if s.Challenge != "" {
		code, err := bench.TOTP(a.totp, time.Now())
		if err != nil {
			return apiUser{}, err
		}
		body, _ := json.Marshal(map[string]string{"challenge": s.Challenge, "code": code})
		r, err := hv.api(ctx, "POST", "/auth/mfa", "", src, body)
		if err := expect(r, err, 200); err != nil {
			return apiUser{}, fmt.Errorf("second factor %s: %w", a.nick, err)
		}
		if err := json.Unmarshal(r.body, &s); err != nil {
			return apiUser{}, err
		}
	}
	if s.Session.AccessToken == "" {
		return apiUser{}, fmt.Errorf("login %s: no token (%s)", a.nick, r.body)
	}
	return apiUser{id: s.Session.UserID, token: s.Session.AccessToken, source: src}, nil
}

const (
	programme = "depression"
	lesson    = "understanding"
	step      = "my-circle"
)

// before my-circle in lesson 1, with what completes each.
var earlierSteps = []struct{ id, values string }{
	{"welcome", `{}`}, {"what-is-depression", `{}`}, {"complaints", `{"recognised":["low-mood","tired"]}`}, {"vicious-circle", `{}`},
}

const circleValues = `{"situation":"A friend did not answer my message.","thoughts":"Nobody wants me around.","feelings":"Sad, a bit angry.","behaviour":"Stayed in bed all afternoon.","effect":"Felt even more alone."}`

// signUpSelfHelp makes a client who follows the course: signed up through
// the API, the start questionnaire taken, lesson 1 open at my-circle,
// then signed in on the web too.
func (hv *haven) signUpSelfHelp(ctx context.Context, i int) error {
	src := source()
	nick := fmt.Sprintf("bench-%02d-%s", i, randHex(3))
	pw := "Bench-" + randHex(12)
	body, _ := json.Marshal(map[string]string{"nickname": nick, "password": pw})
	r, err := hv.api(ctx, "POST", "/auth/signup", "", src, body)
	if err := expect(r, err, 201); err != nil {
		return fmt.Errorf("sign up: %w", err)
	}
	var s session
	if err := json.Unmarshal(r.body, &s); err != nil {
		return err
	}
	u := apiUser{id: s.Session.UserID, token: s.Session.AccessToken, source: src}
	steps := []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/me/selfhelp/" + programme, `{}`, 201},
		{"POST", "/me/selfhelp/" + programme + "/measurements/start", string(phq9("en")), 201},
		{"GET", "/me/selfhelp/" + programme + "/lessons/" + lesson, "", 200},
	}
	for _, st := range earlierSteps {
		steps = append(steps, struct {
			method, path, body string
			want               int
		}{"PUT", "/me/selfhelp/" + programme + "/lessons/" + lesson + "/steps/" + st.id, `{"values":` + st.values + `,"complete":true}`, 200})
	}
	for _, st := range steps {
		var b []byte
		if st.body != "" {
			b = []byte(st.body)
		}
		r, err := hv.api(ctx, st.method, st.path, u.token, src, b)
		if err != nil || (r.code != st.want && !(st.method == "POST" && r.code/100 == 2)) {
			return fmt.Errorf("%s %s: %w", st.method, st.path, expect(r, err, st.want))
		}
	}
	hv.selfhelp = append(hv.selfhelp, u)
	w, err := hv.webLogin(ctx, nick, pw)
	if err != nil {
		return err
	}
	hv.web = append(hv.web, w)
	return nil
}

var (
	csrfRe     = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	textareaRe = regexp.MustCompile(`<textarea[^>]*\sname="([^"]+)"`)
)

func (w *webUser) cookieHeader() string {
	var parts []string
	for k, v := range w.cookies {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "; ")
}

func (w *webUser) keep(h http.Header) {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(w.cookies, c.Name)
			continue
		}
		w.cookies[c.Name] = c.Value
	}
}

// page is a browser's GET: gzip, the session's cookies kept.
func (hv *haven) page(ctx context.Context, w *webUser, path string) (reply, error) {
	h := []string{"Accept", "text/html", "Accept-Encoding", "gzip", "X-Forwarded-For", w.source}
	if len(w.cookies) > 0 {
		h = append(h, "Cookie", w.cookieHeader())
	}
	r, err := hv.hc.do(ctx, "GET", hv.base+path, nil, h...)
	if err == nil {
		w.keep(r.header)
	}
	return r, err
}

// post is a browser's form post from a page of the site.
func (hv *haven) post(ctx context.Context, w *webUser, path string, form url.Values, extra ...string) (reply, error) {
	h := []string{"Content-Type", "application/x-www-form-urlencoded", "Origin", hv.base, "Sec-Fetch-Site", "same-origin",
		"Accept-Encoding", "gzip", "X-Forwarded-For", w.source, "Cookie", w.cookieHeader()}
	return hv.hc.do(ctx, "POST", hv.base+path, []byte(form.Encode()), append(h, extra...)...)
}

// plainPage is a GET without gzip, for reading a form's fields in set-up.
func (hv *haven) plainPage(ctx context.Context, w *webUser, path string) (string, error) {
	h := []string{"Accept", "text/html", "X-Forwarded-For", w.source}
	if len(w.cookies) > 0 {
		h = append(h, "Cookie", w.cookieHeader())
	}
	r, err := hv.hc.do(ctx, "GET", hv.base+path, nil, h...)
	if err := expect(r, err, 200); err != nil {
		return "", fmt.Errorf("GET %s: %w", path, err)
	}
	w.keep(r.header)
	return string(r.body), nil
}

func (hv *haven) webLogin(ctx context.Context, nick, pw string) (webUser, error) {
	w := webUser{cookies: map[string]string{}, source: source()}
	html, err := hv.plainPage(ctx, &w, "/en/account/login")
	if err != nil {
		return w, err
	}
	m := csrfRe.FindStringSubmatch(html)
	if m == nil {
		return w, fmt.Errorf("login page: no csrf field")
	}
	r, err := hv.post(ctx, &w, "/en/account/login", url.Values{"csrf": {m[1]}, "nickname": {nick}, "password": {pw}})
	if err := expect(r, err, http.StatusSeeOther); err != nil {
		return w, fmt.Errorf("web login %s: %w", nick, err)
	}
	w.keep(r.header)
	w.stepURL = "/en/selfhelp/lesson/" + lesson + "/" + step
	html, err = hv.plainPage(ctx, &w, w.stepURL)
	if err != nil {
		return w, err
	}
	if m = csrfRe.FindStringSubmatch(html); m == nil {
		return w, fmt.Errorf("step page: no csrf field")
	}
	w.csrf = m[1]
	for _, f := range textareaRe.FindAllStringSubmatch(html, -1) {
		w.fields = append(w.fields, f[1])
	}
	if len(w.fields) == 0 {
		return w, fmt.Errorf("step page: no text fields")
	}
	return w, nil
}

// setup signs everyone in and makes the self-help clients.
func (hv *haven) setup(ctx context.Context, accts []account, selfhelpClients int) error {
	for _, a := range accts {
		switch {
		case a.role == "coordinator" && hv.coordinator.token == "":
			u, err := hv.login(ctx, a)
			if err != nil {
				return err
			}
			hv.coordinator = u
		case a.role == "client" && a.state == "active":
			u, err := hv.login(ctx, a)
			if err != nil {
				return err
			}
			r, err := hv.api(ctx, "GET", "/trajectories/current", u.token, "", nil)
			if err := expect(r, err, 200); err != nil {
				return fmt.Errorf("%s: current trajectory: %w", a.nick, err)
			}
			var t struct {
				ID          string `json:"id"`
				ClinicianID string `json:"clinician_id"`
			}
			if err := json.Unmarshal(r.body, &t); err != nil {
				return err
			}
			u.traj = t.ID
			hv.guided = append(hv.guided, u)
			_ = t.ClinicianID
		}
	}
	// The clinician with the most of the active clients.
	counts := map[string]int{}
	byTraj := map[string]string{}
	for _, g := range hv.guided {
		r, err := hv.api(ctx, "GET", "/trajectories/current", g.token, "", nil)
		if err != nil {
			return err
		}
		var t struct {
			ClinicianID string `json:"clinician_id"`
		}
		_ = json.Unmarshal(r.body, &t)
		counts[t.ClinicianID]++
		byTraj[g.traj] = t.ClinicianID
	}
	if len(hv.guided) == 0 {
		return fmt.Errorf("the demo has no active guided clients")
	}
	for _, a := range accts {
		if a.role != "clinician" {
			continue
		}
		u, err := hv.login(ctx, a)
		if err != nil {
			return err
		}
		if counts[u.id] > len(hv.trajs) {
			hv.clinician, hv.trajs = u, nil
			for t, c := range byTraj {
				if c == u.id {
					hv.trajs = append(hv.trajs, t)
				}
			}
		}
	}
	if hv.clinician.token == "" || hv.coordinator.token == "" {
		return fmt.Errorf("the demo has no clinician with active clients, or no coordinator")
	}
	for i := range selfhelpClients {
		if err := hv.signUpSelfHelp(ctx, i); err != nil {
			return fmt.Errorf("self-help client %d: %w", i, err)
		}
	}
	return nil
}

// ---- the scenarios, each one request as a person or app makes it

func pick[T any](xs []T) *T { return &xs[randInt(len(xs))] }

func (hv *haven) healthz(ctx context.Context) error {
	r, err := hv.hc.do(ctx, "GET", hv.base+"/healthz", nil)
	return expect(r, err, 200)
}

// submitAPI: an anonymous PHQ-9 through the API, as the baseline takes it.
func (hv *haven) submitAPI(ctx context.Context) error {
	r, err := hv.api(ctx, "POST", "/selftest/instruments/phq9/submissions", "", "", phq9("en"))
	return expect(r, err, 201)
}

// webSubmit: a visitor posting the self-test form: the nine answers and
// the form's idempotency key (the page makes a new one each time it is
// shown; so does this). No cookies, no CSRF token: anonymous. The answer
// is the redirect to the result page.
func (hv *haven) webSubmit(ctx context.Context) error {
	form := url.Values{"idempotency_key": {randHex(16)}}
	for i := 1; i <= 9; i++ {
		v := randInt(4)
		if i == 9 {
			v = 0
		}
		form.Set(fmt.Sprintf("phq9_%d", i), fmt.Sprint(v))
	}
	r, err := hv.hc.do(ctx, "POST", hv.base+"/en/selftest/phq9", []byte(form.Encode()), "Content-Type", "application/x-www-form-urlencoded",
		"Origin", hv.base, "Sec-Fetch-Site", "same-origin", "Accept-Encoding", "gzip")
	return redirected(r, err, "/selftest/result/")
}

// selftestForm: the self-test page a visitor opens (no cookies).
func (hv *haven) selftestForm(ctx context.Context) error {
	r, err := hv.hc.do(ctx, "GET", hv.base+"/en/selftest/phq9", nil, "Accept", "text/html", "Accept-Encoding", "gzip")
	return expect(r, err, 200)
}

// webStepSave: "Next" on the my-circle step, the form a person posts
// (CSRF token from the page, session cookies); the answer is the redirect
// to the next step.
func (hv *haven) webStepSave(ctx context.Context) error {
	w := pick(hv.web)
	form := url.Values{"csrf": {w.csrf}}
	for i, f := range w.fields {
		form.Set(f, fmt.Sprintf("Saved on the web, field %d, %s.", i, randHex(4)))
	}
	r, err := hv.post(ctx, w, w.stepURL, form)
	return redirected(r, err, "/selfhelp/lesson/")
}

// redirected checks a form post's answer: 303 to where the person should
// land (never back to the sign-in page).
func redirected(r reply, err error, to string) error {
	if err := expect(r, err, http.StatusSeeOther); err != nil {
		return err
	}
	if loc := r.header.Get("Location"); !strings.Contains(loc, to) || strings.Contains(loc, "/account/login") {
		return fmt.Errorf("redirected to %q, want %s…", loc, to)
	}
	return nil
}

// webAutosave: the step page's script saving a draft as the person types.
func (hv *haven) webAutosave(ctx context.Context) error {
	w := pick(hv.web)
	form := url.Values{"csrf": {w.csrf}}
	form.Set(w.fields[0], "Still typing "+randHex(4))
	r, err := hv.post(ctx, w, w.stepURL, form, "X-Haven-Autosave", "1")
	return expect(r, err, http.StatusNoContent)
}

// apiStepSave: an app saving the step's answers (not completing it).
func (hv *haven) apiStepSave(ctx context.Context) error {
	u := pick(hv.selfhelp)
	r, err := hv.api(ctx, "PUT", "/me/selfhelp/"+programme+"/lessons/"+lesson+"/steps/"+step, u.token, "",
		[]byte(`{"values":`+circleValues+`,"complete":false}`))
	return expect(r, err, 200)
}

func (hv *haven) me(ctx context.Context) error {
	u := pick(hv.selfhelp)
	r, err := hv.api(ctx, "GET", "/me", u.token, "", nil)
	return expect(r, err, 200)
}

func (hv *haven) clientReadMessages(ctx context.Context) error {
	u := pick(hv.guided)
	r, err := hv.api(ctx, "GET", "/trajectories/"+u.traj+"/messages", u.token, "", nil)
	return expect(r, err, 200)
}

func (hv *haven) clientSendMessage(ctx context.Context) error {
	u := pick(hv.guided)
	r, err := hv.api(ctx, "POST", "/trajectories/"+u.traj+"/messages", u.token, "", []byte(`{"body":"A short note for my clinician about this week."}`),
		"Idempotency-Key", randHex(16))
	return expect(r, err, 201)
}

func (hv *haven) clinicianReadMessages(ctx context.Context) error {
	r, err := hv.api(ctx, "GET", "/trajectories/"+*pick(hv.trajs)+"/messages", hv.clinician.token, "", nil)
	return expect(r, err, 200)
}

func (hv *haven) clinicianSendMessage(ctx context.Context) error {
	r, err := hv.api(ctx, "POST", "/trajectories/"+*pick(hv.trajs)+"/messages", hv.clinician.token, "", []byte(`{"body":"Thank you, let us look at it together on Thursday."}`),
		"Idempotency-Key", randHex(16))
	return expect(r, err, 201)
}

func (hv *haven) dashboard(ctx context.Context) error {
	r, err := hv.api(ctx, "GET", "/caseload", hv.clinician.token, "", nil)
	return expect(r, err, 200)
}

func (hv *haven) monthlyReport(ctx context.Context) error {
	r, err := hv.api(ctx, "GET", "/reports/monthly", hv.coordinator.token, "", nil)
	return expect(r, err, 200)
}

// mixShare is one scenario's share of the national mixed profile.
type mixShare struct {
	name  string
	share int // per thousand requests
	op    bench.Op
}

// mix is the national profile: mostly anonymous visitors (the self-test
// page and its submissions), then the course's saves, then guided care.
// The monthly report is not in it: it runs beside it (see the report
// phase). Shares per thousand requests.
func (hv *haven) mix() []mixShare {
	return []mixShare{
		{"selftest-form", 280, hv.selftestForm},
		{"selftest-submit-web", 130, hv.webSubmit},
		{"selftest-submit-api", 70, hv.submitAPI},
		{"web-autosave", 180, hv.webAutosave},
		{"web-step-save", 60, hv.webStepSave},
		{"api-step-save", 80, hv.apiStepSave},
		{"me", 50, hv.me},
		{"client-read-messages", 60, hv.clientReadMessages},
		{"client-send-message", 25, hv.clientSendMessage},
		{"clinician-dashboard", 30, hv.dashboard},
		{"clinician-read-messages", 25, hv.clinicianReadMessages},
		{"clinician-send-message", 10, hv.clinicianSendMessage},
	}
}

// mixed is one op that picks a scenario by its share.
func mixed(shares []mixShare) bench.Op {
	total := 0
	for _, s := range shares {
		total += s.share
	}
	return func(ctx context.Context) error {
		n := randInt(total)
		for _, s := range shares {
			if n < s.share {
				if err := s.op(ctx); err != nil {
					return fmt.Errorf("%s: %w", s.name, err)
				}
				return nil
			}
			n -= s.share
		}
		return nil
	}
}
