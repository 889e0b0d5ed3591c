package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
)

// These tests run one use case through both transports — the JSON API and
// the web page — on the same services, and compare what each stored or
// showed. They pin the behaviour where the two used to disagree.

type transports struct {
	t       *testing.T
	svcs    *wire.Services
	handler http.Handler
}

func newTransports(t *testing.T, opts ...wiretest.Option) *transports {
	t.Helper()
	svcs := wiretest.New(t, opts...)
	cfg := config{DefaultLanguage: "nl", MaxBodyBytes: 64 << 10}
	h, err := newHandler(cfg, svcs, svcs.DB, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return &transports{t: t, svcs: svcs, handler: h}
}

// api calls the JSON API with a bearer token.
func (tr *transports) api(method, path, token string, body any) (int, map[string]any) {
	tr.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	tr.handler.ServeHTTP(w, req)
	var out map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out
}

// page calls a web page with the session cookie (and, for a form, the
// CSRF token).
func (tr *transports) page(method, path, token string, form url.Values) *httptest.ResponseRecorder {
	tr.t.Helper()
	const csrf = "0123456789012345678901234567890123456789abc"
	var req *http.Request
	if form != nil {
		form.Set("csrf", csrf)
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "__Host-haven_csrf", Value: csrf})
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.AddCookie(&http.Cookie{Name: "__Host-haven_access", Value: token})
	w := httptest.NewRecorder()
	tr.handler.ServeHTTP(w, req)
	return w
}

func (tr *transports) client(nick string) string {
	tr.t.Helper()
	res, err := tr.svcs.Auth.Sessions.SignUp(context.Background(), auth.Meta{Source: nick}, nick, "lange zin als wachtwoord")
	if err != nil {
		tr.t.Fatal(err)
	}
	return res.Session.AccessToken
}

func (tr *transports) coordinator(nick string) string {
	tr.t.Helper()
	ctx := context.Background()
	a, m, pw := tr.svcs.Auth, auth.Meta{Source: nick}, "lange zin als wachtwoord"
	if _, err := a.Staff.CreateAdmin(ctx, nick, pw); err != nil {
		tr.t.Fatal(err)
	}
	lr, err := a.Sessions.Login(ctx, m, nick, pw)
	if err != nil {
		tr.t.Fatal(err)
	}
	en, err := a.Sessions.StartEnrolment(ctx, lr.Challenge)
	if err != nil {
		tr.t.Fatal(err)
	}
	res, err := a.Sessions.ConfirmEnrolment(ctx, m, lr.Challenge, wiretest.TOTPCode(en.Secret, tr.svcs.Now()))
	if err != nil {
		tr.t.Fatal(err)
	}
	return res.Session.AccessToken
}

func (tr *transports) userID(token string) string {
	p, err := tr.svcs.Auth.Sessions.Authenticate(context.Background(), token, "")
	if err != nil {
		tr.t.Fatal(err)
	}
	return p.UserID
}

// The course's first questionnaire, taken by a client who has not opened a
// lesson yet: the API used to answer 404 where the page enrolled. Both now
// enrol, score with the crisis rule and keep the same record.
func TestCourseQuestionnaireIsOneUseCase(t *testing.T) {
	tr := newTransports(t)
	viaAPI, viaPage := tr.client("per-api"), tr.client("per-pagina")
	answers := []int{1, 1, 1, 1, 1, 1, 1, 1, 1} // 9: mild, with an item-9 answer
	body := map[string]any{"language": "en", "answers": []map[string]any{}}
	form := url.Values{}
	for i, v := range answers {
		item := "phq9_" + string(rune('1'+i))
		body["answers"] = append(body["answers"].([]map[string]any), map[string]any{"item": item, "value": v})
		form.Set(item, string(rune('0'+v)))
	}
	code, res := tr.api("POST", "/api/v1/me/selfhelp/depression/measurements/start", viaAPI, body)
	if code != http.StatusCreated || res["crisis"] != true || res["score"] != float64(9) {
		t.Fatalf("API: %d %v", code, res)
	}
	if w := tr.page("POST", "/en/selfhelp/questionnaire/start", viaPage, form); w.Code != http.StatusSeeOther ||
		w.Header().Get("Location") != "/en/selfhelp/questionnaire/start/result" {
		t.Fatalf("page: %d %s", w.Code, w.Header().Get("Location"))
	}
	type row struct {
		PointID, Instrument, Band string
		Score                     int
		Crisis, Sealed, Enrolled  bool
	}
	stored := func(token string) row {
		var r row
		err := tr.svcs.DB.Raw(`SELECT m.point_id, m.instrument, m.band, m.score, m.crisis,
			m.answers_sealed IS NOT NULL AS sealed, e.id IS NOT NULL AS enrolled
			FROM selfhelp_enrolments e JOIN selfhelp_measurements m ON m.enrolment_id = e.id WHERE e.user_id = ?`, tr.userID(token)).Scan(&r).Error
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, p := stored(viaAPI), stored(viaPage)
	if a != p || !a.Enrolled || !a.Sealed || a.Score != 9 || !a.Crisis || a.PointID != "start" {
		t.Errorf("the two transports stored different things:\nAPI  %+v\npage %+v", a, p)
	}
	// Taken once: both refuse a second one.
	if code, _ := tr.api("POST", "/api/v1/me/selfhelp/depression/measurements/start", viaAPI, body); code != http.StatusNotFound {
		t.Errorf("API second time: %d", code)
	}
	if w := tr.page("POST", "/en/selfhelp/questionnaire/start", viaPage, form); w.Code != http.StatusNotFound {
		t.Errorf("page second time: %d", w.Code)
	}
}

// A coordinator's search up to a date: the page used to include that day,
// the API not. Both now read a date as a whole day in the deployment's
// time zone, and find the same entries.
func TestAuditSearchToDateIsInclusiveOnBoth(t *testing.T) {
	clock := wiretest.NewClock(time.Date(2026, 11, 30, 22, 30, 0, 0, time.UTC)) // 23:30 in Brussels
	tr := newTransports(t, wiretest.WithClock(clock.Now))
	client := tr.userID(tr.client("cliënt"))
	e := audit.Entry{ActorID: audit.Str("00000000-0000-4000-8000-000000000001"), ActorRole: "clinician", SubjectID: audit.Str(client),
		Action: audit.ActionClientRead, Object: "test", RequestID: "test", Outcome: audit.OutcomeSuccess}
	if err := tr.svcs.Audit.Append(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Hour) // 1 December in Brussels
	coord := tr.coordinator("coordinator")
	q := "client=" + client + "&from=2026-11-30&to=2026-11-30"
	code, res := tr.api("GET", "/api/v1/audit?"+q, coord, nil)
	entries, _ := res["entries"].([]any)
	var apiReads int
	for _, en := range entries {
		if en.(map[string]any)["action"] == audit.ActionClientRead {
			apiReads++
		}
	}
	if code != http.StatusOK || apiReads != 1 {
		t.Errorf("API: %d, %d reads on 30 November: %v", code, apiReads, res)
	}
	w := tr.page("GET", "/en/account/audit?"+q, coord, nil)
	if w.Code != http.StatusOK || strings.Count(w.Body.String(), audit.ActionClientRead+" test") != 1 {
		t.Errorf("page: %d, want the one read of 30 November\n%s", w.Code, w.Body.String())
	}
	// A bad date is a named field error on both.
	if code, res := tr.api("GET", "/api/v1/audit?to=30-11-2026", coord, nil); code != http.StatusUnprocessableEntity ||
		res["error"].(map[string]any)["fields"].(map[string]any)["to"] == nil {
		t.Errorf("API bad date: %d %v", code, res)
	}
	if w := tr.page("GET", "/en/account/audit?to=30-11-2026", coord, nil); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `href="#to"`) {
		t.Errorf("page bad date: %d", w.Code)
	}
}
