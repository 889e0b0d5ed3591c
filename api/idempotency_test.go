package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
)

// idemAPI is the real API on fresh services with a clock, for the
// Idempotency-Key tests; every answer is validated against openapi.yaml.
type idemAPI struct {
	t      *testing.T
	engine *gin.Engine
	svcs   *wire.Services
	clock  *wiretest.Clock
	router routers.Router
}

func newIdemAPI(t *testing.T) *idemAPI {
	t.Helper()
	clock := wiretest.NewClock(time.Now().UTC())
	svcs := wiretest.New(t, wiretest.WithClock(clock.Now))
	engine, err := api.NewEngine(api.EngineOptions{Log: slog.New(slog.DiscardHandler), RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	register(t, engine, svcs, slog.New(slog.DiscardHandler), nil, 0)
	router, err := gorillamux.NewRouter(loadSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	return &idemAPI{t: t, engine: engine, svcs: svcs, clock: clock, router: router}
}

func (a *idemAPI) send(method, path, token, key string, body any) *httptest.ResponseRecorder {
	a.t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	w := httptest.NewRecorder()
	a.engine.ServeHTTP(w, req)
	if w.Code >= 500 {
		a.t.Errorf("%s %s answered %d: %s", method, path, w.Code, w.Body.String())
	}
	vreq := httptest.NewRequest(method, path, nil)
	if route, params, err := a.router.FindRoute(vreq); err == nil {
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route},
			Status:                 w.Code, Header: w.Header(),
			Body:    io.NopCloser(bytes.NewReader(w.Body.Bytes())),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			a.t.Errorf("%s %s → %d does not match openapi.yaml: %v\n%s", method, path, w.Code, err, w.Body.String())
		}
	}
	return w
}

func (a *idemAPI) count(table string) int64 {
	a.t.Helper()
	var n int64
	if err := a.svcs.DB.Table(table).Count(&n).Error; err != nil {
		a.t.Fatal(err)
	}
	return n
}

func (a *idemAPI) signUp(nick string) string {
	a.t.Helper()
	w := a.send("POST", "/api/v1/auth/signup", "", "", map[string]any{"nickname": nick, "password": acctPassword})
	var out struct {
		Session struct {
			AccessToken string `json:"access_token"`
		} `json:"session"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || w.Code != 201 {
		a.t.Fatalf("sign-up: %d %s", w.Code, w.Body.String())
	}
	return out.Session.AccessToken
}

func errorCodeOf(w *httptest.ResponseRecorder) string {
	var b api.ErrorBody
	_ = json.Unmarshal(w.Body.Bytes(), &b)
	return b.Error.Code
}

const submitPath = "/api/v1/selftest/instruments/phq9/submissions"

// TestIdempotentSubmitAnswersTheFirstResultAgain: a self-test submit sent
// again with the same Idempotency-Key — as a client does after a timeout
// or a 503 — gets the first answer byte for byte (the same id, score and
// claim token), marked Idempotent-Replayed, and stores nothing new.
func TestIdempotentSubmitAnswersTheFirstResultAgain(t *testing.T) {
	a := newIdemAPI(t)
	body := phq9Body("en", 1, 2, 1, 0, 1, 2, 0, 1, 0)
	first := a.send("POST", submitPath, "", "a7c1e0f4-retry-1", body)
	if first.Code != http.StatusCreated || first.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("first submit: %d %v %s", first.Code, first.Header(), first.Body.String())
	}
	again := a.send("POST", submitPath, "", "a7c1e0f4-retry-1", body)
	if again.Code != http.StatusCreated || again.Body.String() != first.Body.String() ||
		again.Header().Get("Location") != first.Header().Get("Location") || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry: %d %v\n%s\nwant the first answer:\n%s", again.Code, again.Header(), again.Body.String(), first.Body.String())
	}
	if n := a.count("selftest_submissions"); n != 1 {
		t.Errorf("%d submissions stored after a retry, want 1", n)
	}
	// Without a key, a second submit is a second submission, as before.
	if w := a.send("POST", submitPath, "", "", body); w.Code != http.StatusCreated {
		t.Fatal(w.Code)
	}
	if n := a.count("selftest_submissions"); n != 2 {
		t.Errorf("%d submissions, want 2", n)
	}
}

// TestIdempotencyKeyRules: a key used for another request is 409
// idempotency_key_reused; a malformed key is 400; a refused request (422)
// does not use its key up; the same key from another client is its own.
func TestIdempotencyKeyRules(t *testing.T) {
	a := newIdemAPI(t)
	if w := a.send("POST", submitPath, "", "k-rules", phq9Body("en", 0, 0, 0, 0, 0, 0, 0, 0, 0)); w.Code != 201 {
		t.Fatal(w.Code)
	}
	if w := a.send("POST", submitPath, "", "k-rules", phq9Body("en", 3, 3, 3, 0, 0, 0, 0, 0, 0)); w.Code != http.StatusConflict || errorCodeOf(w) != "idempotency_key_reused" {
		t.Errorf("same key, other answers: %d %s", w.Code, w.Body.String())
	}
	for _, bad := range []string{strings.Repeat("k", 201), "with space", "naïve"} {
		if w := a.send("POST", submitPath, "", bad, phq9Body("en", 0, 0, 0, 0, 0, 0, 0, 0, 0)); w.Code != http.StatusBadRequest || errorCodeOf(w) != "invalid_idempotency_key" {
			t.Errorf("key %q: %d %s", bad, w.Code, w.Body.String())
		}
	}
	if w := a.send("POST", submitPath, "", "k-fixed", map[string]any{"language": "en", "answers": []any{}}); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid submit: %d", w.Code)
	}
	if w := a.send("POST", submitPath, "", "k-fixed", phq9Body("en", 1, 1, 1, 1, 1, 1, 1, 1, 0)); w.Code != http.StatusCreated {
		t.Errorf("the corrected submit with the key of a refused one: %d %s", w.Code, w.Body.String())
	}

	// Scoped by caller: two clients starting the course with the same key
	// each start their own.
	for _, nick := range []string{"eerste", "tweede"} {
		tok := a.signUp(nick)
		if w := a.send("POST", "/api/v1/me/selfhelp/depression", tok, "start-course", nil); w.Code != http.StatusOK || w.Header().Get("Idempotent-Replayed") != "" {
			t.Errorf("%s starts the course: %d %v", nick, w.Code, w.Header())
		}
	}
	if n := a.count("selfhelp_enrolments"); n != 2 {
		t.Errorf("%d enrolments, want 2", n)
	}
}

// TestConcurrentDuplicatesRunOnce: the same submit sent eight times at
// once with one key is stored once, and every sender gets that one result.
func TestConcurrentDuplicatesRunOnce(t *testing.T) {
	a := newIdemAPI(t)
	body := phq9Body("nl", 2, 2, 2, 2, 2, 2, 2, 2, 0)
	var wg sync.WaitGroup
	answers := make([]*httptest.ResponseRecorder, 8)
	for i := range answers {
		wg.Go(func() { answers[i] = a.send("POST", submitPath, "", "double-tap", body) })
	}
	wg.Wait()
	for i, w := range answers {
		if w.Code != http.StatusCreated || w.Body.String() != answers[0].Body.String() {
			t.Errorf("sender %d: %d %s", i, w.Code, w.Body.String())
		}
	}
	if n := a.count("selftest_submissions"); n != 1 {
		t.Errorf("%d submissions stored, want 1", n)
	}
}

// TestIdempotencyKeysExpireAndAreErased: a key is free again after 24
// hours and the hourly job deletes it; a client's recorded answers are in
// their export and go with their account; the recorded answer is sealed,
// so the table shows neither the score nor the claim token.
func TestIdempotencyKeysExpireAndAreErased(t *testing.T) {
	a := newIdemAPI(t)
	first := a.send("POST", submitPath, "", "k-day", phq9Body("en", 3, 3, 3, 3, 3, 3, 3, 3, 0))
	var res struct {
		ClaimToken string `json:"claim_token"`
	}
	_ = json.Unmarshal(first.Body.Bytes(), &res)
	var sealed []string
	if err := a.svcs.DB.Table("idempotency_keys").Pluck("sealed", &sealed).Error; err != nil || len(sealed) != 1 {
		t.Fatalf("recorded answers: %v %v", sealed, err)
	}
	if res.ClaimToken == "" || strings.Contains(sealed[0], res.ClaimToken) || strings.Contains(sealed[0], "score") {
		t.Errorf("the recorded answer is not sealed: %.80s", sealed[0])
	}

	a.clock.Add(25 * time.Hour)
	if w := a.send("POST", submitPath, "", "k-day", phq9Body("en", 0, 0, 0, 0, 0, 0, 0, 0, 0)); w.Code != http.StatusCreated || w.Header().Get("Idempotent-Replayed") != "" {
		t.Errorf("the key after 24 hours: %d %v", w.Code, w.Header())
	}
	a.clock.Add(25 * time.Hour)
	runner, err := a.svcs.Jobs(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.RunNow(context.Background(), "idempotency-expire", a.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n := a.count("idempotency_keys"); n != 0 {
		t.Errorf("%d keys left after the expiry job, want 0", n)
	}

	tok := a.signUp("vergeetmij")
	if w := a.send("POST", "/api/v1/me/selfhelp/depression", tok, "mine", nil); w.Code != 200 {
		t.Fatal(w.Code)
	}
	ex := a.send("GET", "/api/v1/me/export", tok, "", nil)
	if !strings.Contains(ex.Body.String(), `"retry_answers":[{"route":"POST /api/v1/me/selfhelp/:programme"`) {
		t.Errorf("export does not list the recorded answer: %s", ex.Body.String())
	}
	if w := a.send("DELETE", "/api/v1/me", tok, "", map[string]any{"password": acctPassword}); w.Code != http.StatusNoContent {
		t.Fatalf("erase: %d %s", w.Code, w.Body.String())
	}
	if n := a.count("idempotency_keys"); n != 0 {
		t.Errorf("%d recorded answers left after the client erased their account", n)
	}
}

// TestEveryPOSTTakesAnIdempotencyKey: every POST route reads the header
// (a malformed key is refused before anything else happens) and every POST
// operation in openapi.yaml documents it.
func TestEveryPOSTTakesAnIdempotencyKey(t *testing.T) {
	a := newIdemAPI(t)
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	n := 0
	for _, r := range a.engine.Routes() {
		if r.Method != http.MethodPost {
			continue
		}
		n++
		if r.Path == "/api/v1/trajectories/:id/messages" {
			continue // the domain keeps a message's key with the message (coaching_test.go)
		}
		path := param.ReplaceAllStringFunc(r.Path, func(m string) string { return pathValues[m[1:]] })
		if w := a.send("POST", path, "", "not a key", map[string]any{}); w.Code != http.StatusBadRequest || errorCodeOf(w) != "invalid_idempotency_key" {
			t.Errorf("POST %s ignores Idempotency-Key: %d %s", r.Path, w.Code, w.Body.String())
		}
	}
	if n < 15 {
		t.Errorf("only %d POST routes; is the walk broken?", n)
	}
	for path, item := range loadSpec(t).Paths.Map() {
		op := item.Post
		if op == nil {
			continue
		}
		found := false
		for _, p := range op.Parameters {
			found = found || p.Ref == "#/components/parameters/IdempotencyKey"
		}
		if !found || op.Responses.Value("409") == nil {
			t.Errorf("POST %s does not document the IdempotencyKey parameter and its 409", path)
		}
	}
}
