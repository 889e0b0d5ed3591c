package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/selftest"
)

func init() { gin.SetMode(gin.TestMode) }

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testAPI struct {
	t       testing.TB
	handler http.Handler
	engine  *gin.Engine
	store   *selftest.Store
	db      *db.DB
	logs    *syncBuffer
	doc     *openapi3.T
	router  routers.Router
}

type readiness struct{ err error }

func (p readiness) Ready(context.Context) error { return p.err }

type testOptions struct {
	dbDown       bool
	maxBodyBytes int64
	extraRoutes  func(r *gin.Engine)
}

// newAPI builds the real engine and router on a fresh migrated database.
func newAPI(t testing.TB, opts ...func(*testOptions)) *testAPI {
	t.Helper()
	var o testOptions
	for _, f := range opts {
		f(&o)
	}
	svcs := wiretest.New(t)
	store := selftest.NewStore(svcs.DB.DB)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	engine, err := api.NewEngine(api.EngineOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	var p api.Readiness
	if o.dbDown {
		p = readiness{err: io.ErrUnexpectedEOF}
	}
	if o.extraRoutes != nil {
		o.extraRoutes(engine)
	}
	register(t, engine, svcs, log, p, o.maxBodyBytes)
	doc := loadSpec(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &testAPI{t: t, handler: engine, engine: engine, store: store, db: svcs.DB, logs: logs, doc: doc, router: router}
}

type response struct {
	*httptest.ResponseRecorder
	body map[string]any
}

// do sends a request through the real router and validates the response
// against the OpenAPI document (status documented, body matching schema).
func (a *testAPI) do(method, path string, body any, headers ...string) response {
	a.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	case []byte:
		reader = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, reader)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	a.validate(req, rec)
	res := response{ResponseRecorder: rec}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &res.body); err != nil {
			a.t.Fatalf("%s %s: response is not a JSON object: %v\n%s", method, path, err, rec.Body.String())
		}
	}
	return res
}

func (a *testAPI) validate(req *http.Request, rec *httptest.ResponseRecorder) {
	a.t.Helper()
	if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
		a.t.Errorf("%s %s answered %d:\n%s", req.Method, req.URL, rec.Code, rec.Body.String())
	}
	vreq := req.Clone(context.Background())
	route, params, err := a.router.FindRoute(vreq)
	if err != nil {
		// Unknown paths must still answer with the JSON error shape.
		a.checkErrorShape(req, rec)
		return
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		a.t.Errorf("%s %s → %d does not match the OpenAPI document: %v\nbody: %s", req.Method, req.URL, rec.Code, err, rec.Body.String())
	}
}

func (a *testAPI) checkErrorShape(req *http.Request, rec *httptest.ResponseRecorder) {
	a.t.Helper()
	if rec.Code < 400 {
		return
	}
	var body api.ErrorBody
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
		a.t.Errorf("%s %s → %d: not the JSON error shape: %s", req.Method, req.URL, rec.Code, rec.Body.String())
	}
}

// errorCode returns error.code of a JSON error body.
func (r response) errorCode() string {
	e, _ := r.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (r response) errorFields() map[string]any {
	e, _ := r.body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

// phq9Body builds a submit body for the PHQ-9 with the given values for
// items 1..9.
func phq9Body(lang string, values ...int) map[string]any {
	answers := []map[string]any{}
	for i, v := range values {
		answers = append(answers, map[string]any{"item": "phq9_" + string(rune('1'+i)), "value": v})
	}
	return map[string]any{"language": lang, "answers": answers}
}
