package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
)

// reportE2E drives the whole handler (API and web, with the visit
// counter) as the public would, on a clock the test moves.
type reportE2E struct {
	t       *testing.T
	svcs    *wire.Services
	clock   *wiretest.Clock
	handler http.Handler
	secrets map[string]string // staff's TOTP secrets by nickname
}

// at moves the clock to an instant given in UTC.
func (e *reportE2E) at(s string) {
	e.t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		e.t.Fatal(err)
	}
	e.clock.Set(ts)
}

// call sends a JSON request from source (the client's address), with a
// bearer token when given, and answers the status and the decoded body.
func (e *reportE2E) call(method, path, token, source string, body any) (int, map[string]any) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	req.RemoteAddr = source + ":4711"
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	var out map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out
}

// must is call that fails the test unless the status is want.
func (e *reportE2E) must(want int, method, path, token string, body any) map[string]any {
	e.t.Helper()
	code, out := e.call(method, path, token, "198.51.100.7", body)
	if code != want {
		e.t.Fatalf("%s %s: %d, want %d: %v", method, path, code, want, out)
	}
	return out
}

// view is a visitor (address and browser) reading the home page.
func (e *reportE2E) view(visitor string) {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/nl/", nil)
	req.RemoteAddr = visitor + ":4711"
	req.Header.Set("User-Agent", "Mozilla/5.0 (e2e) "+visitor)
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		e.t.Fatalf("home page: %d", w.Code)
	}
}

func (e *reportE2E) selftest(instrument string, values ...int) {
	e.t.Helper()
	var answers []map[string]any
	for i, v := range values {
		answers = append(answers, map[string]any{"item": fmt.Sprintf("%s_%d", instrument, i+1), "value": v})
	}
	e.must(201, "POST", "/api/v1/selftest/instruments/"+instrument+"/submissions", "", map[string]any{"language": "nl", "answers": answers})
}

func (e *reportE2E) signUp(nick string) string {
	e.t.Helper()
	code, out := e.call("POST", "/api/v1/auth/signup", "", "203.0.113."+fmt.Sprint(len(nick)), map[string]any{"nickname": nick, "password": "lange zin als wachtwoord"})
	if code != 201 {
		e.t.Fatalf("signup %s: %d %v", nick, code, out)
	}
	return out["session"].(map[string]any)["access_token"].(string)
}

// client signs a client in through the API (access tokens last minutes,
// and the clock moves days).
func (e *reportE2E) client(nick string) string {
	e.t.Helper()
	out := e.must(200, "POST", "/api/v1/auth/login", "", map[string]any{"nickname": nick, "password": "lange zin als wachtwoord"})
	return out["session"].(map[string]any)["access_token"].(string)
}

// staff signs a staff member in through the API with their second factor,
// enrolling it the first time. A code works once: the clock moves on a
// step first.
func (e *reportE2E) staff(nick string) string {
	e.t.Helper()
	e.clock.Add(31 * time.Second)
	out := e.must(200, "POST", "/api/v1/auth/login", "", map[string]any{"nickname": nick, "password": "lange zin als wachtwoord"})
	ch := out["challenge"]
	if secret, ok := e.secrets[nick]; ok {
		c := e.must(200, "POST", "/api/v1/auth/mfa", "", map[string]any{"challenge": ch, "code": wiretest.TOTPCode(secret, e.clock.Now())})
		return c["session"].(map[string]any)["access_token"].(string)
	}
	en := e.must(200, "POST", "/api/v1/auth/mfa/enrolment", "", map[string]any{"challenge": ch})
	e.secrets[nick] = en["secret"].(string)
	c := e.must(200, "POST", "/api/v1/auth/mfa/enrolment/confirm", "", map[string]any{"challenge": ch,
		"code": wiretest.TOTPCode(e.secrets[nick], e.clock.Now())})
	return c["session"].(map[string]any)["access_token"].(string)
}

// lesson opens the course's first lesson (which makes a self-help
// starter) and, when complete, goes through every step to its end.
func (e *reportE2E) lesson(nick string, complete bool) {
	e.t.Helper()
	token := e.client(nick)
	const path = "/api/v1/me/selfhelp/depression/lessons/understanding"
	l := e.must(200, "GET", path, token, nil)
	if !complete {
		return
	}
	done := false
	for _, st := range l["content"].(map[string]any)["steps"].([]any) {
		out := e.must(200, "PUT", path+"/steps/"+st.(map[string]any)["id"].(string), token, map[string]any{"values": map[string]any{}, "complete": true})
		done = done || out["lesson_completed"] == true
	}
	if !done {
		e.t.Fatalf("%s did not complete the first lesson", nick)
	}
}

func phq9Answers(v ...int) []map[string]any {
	out := make([]map[string]any, len(v))
	for i, x := range v {
		out[i] = map[string]any{"item": fmt.Sprintf("phq9_%d", i+1), "value": x}
	}
	return out
}

// TestReportEndToEnd makes known monthly volumes through the public HTTP
// endpoints only — page views, self-tests, sign-ups, course starts and
// lessons, a return after a nudge, applications for guided care,
// assignments, consents, contacts, an extension, ends of each kind — on a
// clock that walks through February to April 2026 (across the change to summer time, and across
// midnight in Brussels at the end of March), and checks that the report
// returns exactly those figures, per month and in total. The only things
// done beside HTTP are what runs on the server anyway: the first
// coordinator made as `haven admin create` does, and the scheduled jobs
// (selfhelp-nudges, visits-flush, visits-close-days).
func TestReportEndToEnd(t *testing.T) {
	clock := wiretest.NewClock(time.Date(2026, time.February, 1, 9, 0, 0, 0, time.UTC))
	svcs := wiretest.New(t, wiretest.WithClock(clock.Now))
	h, err := newHandler(config{DefaultLanguage: "nl", MaxBodyBytes: 64 << 10}, svcs, svcs.DB, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	e := &reportE2E{t: t, svcs: svcs, clock: clock, handler: h, secrets: map[string]string{}}
	ctx := context.Background()
	apply := func(token string, phq9 ...int) string {
		t.Helper()
		out := e.must(201, "POST", "/api/v1/trajectories", token, map[string]any{"language": "nl", "phq9": phq9Answers(phq9...),
			"hopes": "beter slapen", "reachable": "avonds"})
		return "/api/v1/trajectories/" + out["trajectory"].(map[string]any)["id"].(string)
	}

	// Staff: a coordinator and, by invitation, a clinician.
	if _, err := svcs.Auth.Staff.CreateAdmin(ctx, "coordinator", "lange zin als wachtwoord"); err != nil {
		t.Fatal(err)
	}
	inv := e.must(201, "POST", "/api/v1/invitations", e.staff("coordinator"), map[string]any{"role": "clinician", "capacity": 10})
	drID := e.must(201, "POST", "/api/v1/auth/invitations/accept", "", map[string]any{"token": inv["token"], "nickname": "dr-e2e",
		"password": "lange zin als wachtwoord", "display_name": "Dr. E2E", "profession": "psychologist"})["user"].(map[string]any)["id"].(string)

	// February. Anna signs up and starts the course on the 3rd, applies for
	// guided care, is assigned on the 4th, agrees on the 5th (two days
	// after applying) and has her first contact on the 6th (three days).
	e.at("2026-02-03T10:00:00Z")
	e.signUp("anna")
	e.must(200, "POST", "/api/v1/me/selfhelp/depression", e.client("anna"), nil)
	e.lesson("anna", true)
	anna := apply(e.client("anna"), 1, 1, 1, 1, 1, 2, 1, 2, 0)
	e.at("2026-02-04T10:00:00Z")
	e.must(200, "POST", anna+"/assignment", e.staff("coordinator"), map[string]any{"clinician_id": drID})
	e.at("2026-02-05T10:00:00Z")
	e.must(200, "POST", anna+"/consent", e.client("anna"), nil)
	e.at("2026-02-06T12:00:00Z")
	e.must(201, "POST", anna+"/contacts", e.staff("dr-e2e"), map[string]any{"mode": "video", "occurred_at": "2026-02-06T10:00:00Z", "minutes": 45})
	// On the 10th two visitors come: one reads three pages, the other
	// one; two self-tests, one with a crisis answer.
	e.at("2026-02-10T10:00:00Z")
	e.view("192.0.2.1")
	e.view("192.0.2.1")
	e.view("192.0.2.1")
	e.view("192.0.2.2")
	e.selftest("phq9", 1, 1, 1, 1, 1, 1, 1, 1, 0)
	e.selftest("phq9", 0, 0, 0, 0, 0, 0, 0, 0, 1)

	// March: Bert applies on the 2nd and agrees on the 6th (four days);
	// Anna's trajectory is extended; on the 31st at 23:30 in Brussels
	// (21:30 UTC, summer time since the 29th) a visitor reads two pages
	// and takes the GAD-7, and Bert stops (not suitable).
	e.at("2026-03-02T08:00:00Z")
	e.signUp("bert")
	bert := apply(e.client("bert"), 2, 2, 1, 1, 1, 1, 1, 1, 0)
	e.must(200, "POST", bert+"/assignment", e.staff("coordinator"), map[string]any{"clinician_id": drID})
	e.at("2026-03-06T08:00:00Z")
	e.must(200, "POST", bert+"/consent", e.client("bert"), nil)
	e.at("2026-03-10T09:00:00Z")
	cur := e.must(200, "GET", "/api/v1/trajectories/current", e.client("anna"), nil)
	planned, _ := time.Parse(time.RFC3339, cur["planned_end"].(string))
	e.must(200, "POST", anna+"/extension", e.staff("dr-e2e"), map[string]any{"until": planned.AddDate(0, 0, 14).Format(time.RFC3339), "reason": "examens"})
	e.at("2026-03-31T21:30:00Z")
	e.view("192.0.2.3")
	e.view("192.0.2.3")
	e.selftest("gad7", 1, 1, 1, 1, 1, 1, 1)
	e.must(200, "POST", bert+"/close", e.staff("dr-e2e"), map[string]any{"state": "dropped_out", "reason": "not_suitable"})

	// April, from midnight in Brussels (22:00 UTC on 31 March): the same
	// visitor again (a new visitor-day), Anna completes; on the 10th a
	// self-test, Carla starts the course, Dirk applies and on the 11th
	// withdraws.
	e.at("2026-03-31T22:30:00Z")
	e.view("192.0.2.3")
	e.must(200, "POST", anna+"/close", e.staff("dr-e2e"), map[string]any{"state": "completed"})
	e.at("2026-04-10T09:00:00Z")
	e.selftest("phq9", 0, 0, 0, 0, 0, 0, 0, 0, 0)
	e.signUp("carla")
	e.must(200, "POST", "/api/v1/me/selfhelp/depression", e.client("carla"), nil)
	e.lesson("carla", false)
	e.signUp("dirk")
	dirk := apply(e.client("dirk"), 1, 0, 1, 0, 1, 0, 1, 0, 0)
	e.at("2026-04-11T09:00:00Z")
	e.must(200, "POST", dirk+"/withdraw", e.client("dirk"), nil)

	// A week later the nudge job finds Anna (away since 3 February) and
	// Carla (since the 10th) lapsed; Carla comes back on the 20th.
	e.at("2026-04-18T09:00:00Z")
	if _, err := svcs.Selfhelp.RunNudges(ctx, clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
	e.at("2026-04-20T09:00:00Z")
	e.must(200, "GET", "/api/v1/me/selfhelp/depression", e.client("carla"), nil)

	// The visit counter's jobs, as the scheduler runs them.
	e.at("2026-04-21T09:00:00Z")
	if err := svcs.Visits.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svcs.Visits.CloseDays(ctx, clock.Now()); err != nil {
		t.Fatal(err)
	}

	r := e.must(200, "GET", "/api/v1/reports/monthly?from=2026-02&to=2026-04", e.staff("coordinator"), nil)
	months := r["months"].([]any)
	got := func(f map[string]any, path string) any {
		var x any = f
		for _, p := range strings.Split(path, ".") {
			x = x.(map[string]any)[p]
		}
		return x
	}
	figures := []struct {
		path string
		want [4]float64 // February, March, April, total
	}{
		{"reach.page_views", [4]float64{4, 2, 1, 7}},
		{"reach.visitor_days", [4]float64{2, 1, 1, 4}},
		{"reach.selftests", [4]float64{2, 1, 1, 4}},
		{"reach.selftests_crisis", [4]float64{1, 0, 0, 1}},
		{"selfhelp.starters", [4]float64{1, 0, 1, 2}},
		{"selfhelp.lessons_completed", [4]float64{1, 0, 0, 1}},
		{"selfhelp.courses_completed", [4]float64{0, 0, 0, 0}},
		{"selfhelp.lapses", [4]float64{0, 0, 2, 2}},
		{"selfhelp.returns", [4]float64{0, 0, 1, 1}},
		{"selfhelp.lessons_per_starter.n", [4]float64{1, 0, 1, 2}},
		{"guidance.applications", [4]float64{1, 1, 1, 3}},
		{"guidance.entrants", [4]float64{1, 1, 0, 2}},
		{"guidance.completed", [4]float64{0, 0, 1, 1}},
		{"guidance.early_exits", [4]float64{0, 1, 0, 1}},
		{"guidance.referrals", [4]float64{0, 0, 0, 0}},
		{"guidance.withdrawn", [4]float64{0, 0, 1, 1}},
		{"guidance.extensions", [4]float64{0, 1, 0, 1}},
		{"guidance.days_to_start.n", [4]float64{1, 1, 0, 2}},
		{"guidance.days_to_first_contact.n", [4]float64{1, 0, 0, 1}},
		{"guidance.days_in_care.n", [4]float64{0, 1, 1, 2}},
		{"guidance.messages_from_client.value", [4]float64{0, 0, 0, 0}},
	}
	for _, f := range figures {
		for i := range 4 {
			var fig map[string]any
			if i < 3 {
				fig = months[i].(map[string]any)
			} else {
				fig = r["total"].(map[string]any)
			}
			if v, _ := got(fig, f.path).(float64); v != f.want[i] {
				t.Errorf("%s, column %d: %v, want %v", f.path, i, got(fig, f.path), f.want[i])
			}
		}
	}
	medians := []struct {
		month int
		path  string
		want  any
	}{
		{0, "guidance.days_to_start.value", 2.0},
		{1, "guidance.days_to_start.value", 4.0},
		{3, "guidance.days_to_start.value", 3.0},
		{0, "guidance.days_to_first_contact.value", 3.0},
		{2, "guidance.days_to_start.value", nil},
		{0, "selfhelp.lessons_per_starter.value", 1.0},
		{2, "selfhelp.lessons_per_starter.value", 0.0},
		{3, "selfhelp.lessons_per_starter.value", 0.5},
	}
	for _, m := range medians {
		fig := r["total"].(map[string]any)
		if m.month < 3 {
			fig = months[m.month].(map[string]any)
		}
		if v := got(fig, m.path); v != m.want {
			t.Errorf("%s in column %d: %v, want %v", m.path, m.month, v, m.want)
		}
	}
	var funnel []string
	for _, st := range r["total"].(map[string]any)["funnel"].([]any) {
		st := st.(map[string]any)
		funnel = append(funnel, fmt.Sprintf("%s=%v/%v", st["step"], st["n"], st["share"]))
	}
	if got, want := strings.Join(funnel, " "), "visitor_days=4/<nil> selftests=4/1 selfhelp_starters=2/0.5 applicants=3/1.5 entrants=2/0.667 completers=1/0.5"; got != want {
		t.Errorf("the total's funnel:\n%s, want\n%s", got, want)
	}
	march := months[1].(map[string]any)
	for _, c := range got(march, "guidance").(map[string]any)["exits_by_reason"].([]any) {
		c := c.(map[string]any)
		if want := map[bool]float64{true: 1, false: 0}[c["key"] == "not_suitable"]; c["n"] != want {
			t.Errorf("March's exits for %v: %v, want %v", c["key"], c["n"], want)
		}
	}
	var gad7 float64
	for _, in := range got(march, "reach").(map[string]any)["instruments"].([]any) {
		if in := in.(map[string]any); in["instrument"] == "gad7" {
			gad7 = in["completed"].(float64)
		}
	}
	if gad7 != 1 {
		t.Errorf("March's GAD-7: %v", gad7)
	}
}
