package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestHealth(t *testing.T) {
	a := newAPI(t)
	if r := a.do("GET", "/healthz", nil); r.Code != 200 || r.body["status"] != "ok" || len(r.body) != 1 {
		t.Errorf("healthz = %d %v (the version is not public)", r.Code, r.body)
	}
	if r := a.do("GET", "/readyz", nil); r.Code != 200 || r.body["status"] != "ready" {
		t.Errorf("readyz = %d %v", r.Code, r.body)
	}
	down := newAPI(t, func(o *testOptions) { o.dbDown = true })
	if r := down.do("GET", "/readyz", nil); r.Code != http.StatusServiceUnavailable || r.errorCode() != "unavailable" {
		t.Errorf("readyz with the database down = %d %v", r.Code, r.body)
	}
}

func TestOpenAPIServed(t *testing.T) {
	a := newAPI(t)
	r := a.do("GET", "/api/v1/openapi.json", nil)
	if r.Code != 200 {
		t.Fatalf("status %d", r.Code)
	}
	if r.body["openapi"] != "3.0.3" {
		t.Errorf("openapi = %v", r.body["openapi"])
	}
	paths, _ := r.body["paths"].(map[string]any)
	if _, ok := paths["/api/v1/selftest/instruments/{id}/submissions"]; !ok {
		t.Errorf("served document lacks the submit path")
	}
}

func TestListInstruments(t *testing.T) {
	a := newAPI(t)
	tests := []struct {
		name, path, acceptLanguage, wantLang, wantTitlePart string
	}{
		{"deployment default", "/api/v1/selftest/instruments", "", "nl", "somberheid"},
		{"query parameter", "/api/v1/selftest/instruments?lang=en", "nl-BE", "en", "Depression"},
		{"accept-language", "/api/v1/selftest/instruments", "en-GB,en;q=0.9", "en", "Depression"},
		{"unsupported language falls back", "/api/v1/selftest/instruments?lang=fr", "", "nl", "somberheid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.do("GET", tt.path, nil, "Accept-Language", tt.acceptLanguage)
			if r.Code != 200 {
				t.Fatalf("status %d", r.Code)
			}
			if got := r.Header().Get("Content-Language"); got != tt.wantLang {
				t.Errorf("Content-Language = %q, want %q", got, tt.wantLang)
			}
			list, _ := r.body["instruments"].([]any)
			if len(list) != 2 {
				t.Fatalf("want 2 instruments, got %v", r.body)
			}
			found := false
			for _, it := range list {
				m := it.(map[string]any)
				if m["id"] == "phq9" {
					found = strings.Contains(m["title"].(string), tt.wantTitlePart) && m["language"] == tt.wantLang
				}
			}
			if !found {
				t.Errorf("PHQ-9 not listed in %s: %v", tt.wantLang, list)
			}
		})
	}
}

func TestGetInstrument(t *testing.T) {
	a := newAPI(t)
	r := a.do("GET", "/api/v1/selftest/instruments/phq9?lang=nl", nil)
	if r.Code != 200 {
		t.Fatalf("status %d", r.Code)
	}
	items := r.body["items"].([]any)
	if len(items) != 10 {
		t.Fatalf("PHQ-9 has %d items, want 10 (9 scored + difficulty)", len(items))
	}
	first := items[0].(map[string]any)
	opts := first["options"].([]any)
	if opts[1].(map[string]any)["label"] != "Meerdere dagen" || first["code"] != "44250-9" {
		t.Errorf("first item = %v", first)
	}
	if r.body["max_score"].(float64) != 27 || !strings.Contains(r.body["notice"].(string), "Pfizer") {
		t.Errorf("detail = %v", r.body)
	}
	if codes := r.body["codes"].(map[string]any); codes["panel"] != "44249-1" || codes["total"] != "44261-6" {
		t.Errorf("codes = %v", codes)
	}
	if r := a.do("GET", "/api/v1/selftest/instruments/gad7", nil, "Accept-Language", "en"); r.Code != 200 || r.body["language"] != "en" {
		t.Errorf("GAD-7 in English: %d %v", r.Code, r.body["language"])
	}
	if r := a.do("GET", "/api/v1/selftest/instruments/bdi", nil); r.Code != 404 || r.errorCode() != "not_found" {
		t.Errorf("unknown instrument = %d %v", r.Code, r.body)
	}
}

func TestSubmit(t *testing.T) {
	a := newAPI(t)
	t.Run("minimal, no crisis", func(t *testing.T) {
		r := a.do("POST", "/api/v1/selftest/instruments/phq9/submissions", phq9Body("en", 0, 1, 0, 1, 0, 0, 0, 0, 0))
		if r.Code != 201 {
			t.Fatalf("status %d: %s", r.Code, r.Body)
		}
		band := r.body["band"].(map[string]any)
		if r.body["score"].(float64) != 2 || band["id"] != "minimal" || r.body["crisis"] != false {
			t.Errorf("result %v", r.body)
		}
		if _, ok := r.body["crisis_help"]; ok {
			t.Error("crisis_help present without crisis")
		}
		advice := r.body["advice"].([]any)
		if len(advice) != 1 || advice[0].(map[string]any)["code"] != "self_help" || advice[0].(map[string]any)["path"] != "/en/selfhelp" {
			t.Errorf("advice %v", advice)
		}
		if loc := r.Header().Get("Location"); loc != "/api/v1/selftest/submissions/"+r.body["id"].(string) {
			t.Errorf("Location = %q", loc)
		}
		got := a.do("GET", r.Header().Get("Location"), nil)
		if got.Code != 200 || got.body["score"].(float64) != 2 || got.body["id"] != r.body["id"] {
			t.Errorf("stored result = %d %v", got.Code, got.body)
		}
	})
	t.Run("crisis answer leads with crisis help at a low total", func(t *testing.T) {
		body := phq9Body("nl", 0, 0, 0, 0, 0, 0, 0, 0, 1)
		body["country"] = "be"
		r := a.do("POST", "/api/v1/selftest/instruments/phq9/submissions", body)
		if r.Code != 201 {
			t.Fatalf("status %d: %s", r.Code, r.Body)
		}
		if r.body["crisis"] != true || r.body["score"].(float64) != 1 {
			t.Fatalf("result %v", r.body)
		}
		var steps []string // the GP follows crisis help, urgent, before the course
		for _, adv := range r.body["advice"].([]any) {
			step := adv.(map[string]any)
			code := step["code"].(string)
			if step["urgent"] == true {
				code = "!" + code
			}
			steps = append(steps, code)
		}
		if strings.Join(steps, ",") != "crisis,!gp,self_help" {
			t.Errorf("advice %v, want crisis, urgent gp, self_help", steps)
		}
		help := r.body["crisis_help"].(map[string]any)
		lines := help["lines"].([]any)
		if help["emergency"] != "112" || len(lines) != 1 || lines[0].(map[string]any)["name"] != "Zelfmoordlijn 1813" {
			t.Errorf("crisis help for BE = %v", help)
		}
		// Without a country every configured line is shown.
		again := a.do("GET", "/api/v1/selftest/submissions/"+r.body["id"].(string), nil)
		if n := len(again.body["crisis_help"].(map[string]any)["lines"].([]any)); n != 2 {
			t.Errorf("want the lines of both countries, got %d", n)
		}
	})
	t.Run("severe with profile", func(t *testing.T) {
		body := phq9Body("en", 3, 3, 3, 3, 3, 3, 3, 3, 0)
		body["profile"] = map[string]any{"age_band": "18_24", "sought_help_before": "no"}
		r := a.do("POST", "/api/v1/selftest/instruments/phq9/submissions", body)
		if r.Code != 201 || r.body["band"].(map[string]any)["id"] != "severe" {
			t.Fatalf("%d %v", r.Code, r.body)
		}
		codes := []string{}
		for _, adv := range r.body["advice"].([]any) {
			code := adv.(map[string]any)["code"].(string)
			if adv.(map[string]any)["urgent"] == true {
				code = "!" + code
			}
			codes = append(codes, code)
		}
		if strings.Join(codes, ",") != "!gp,guided" { // 20–27: the GP first, urgently
			t.Errorf("advice codes %v", codes)
		}
	})
}

func TestSubmitRejectsBadInput(t *testing.T) {
	a := newAPI(t, func(o *testOptions) { o.maxBodyBytes = 2048 })
	valid := phq9Body("en", 0, 0, 0, 0, 0, 0, 0, 0, 0)
	withAnswers := func(answers ...map[string]any) map[string]any {
		return map[string]any{"answers": answers}
	}
	ans := func(item string, v any) map[string]any { return map[string]any{"item": item, "value": v} }
	full := func(extra ...map[string]any) []map[string]any {
		out := []map[string]any{}
		for i := 1; i <= 9; i++ {
			out = append(out, ans("phq9_"+string(rune('0'+i)), 0))
		}
		return append(out, extra...)
	}
	tests := []struct {
		name        string
		path        string
		body        any
		contentType string
		status      int
		code        string
		field       string
	}{
		{"malformed JSON", "", `{"answers": [`, "", 400, "invalid_body", ""},
		{"not an object", "", `[1,2,3]`, "", 400, "invalid_body", ""},
		{"empty body", "", ``, "", 400, "invalid_body", ""},
		{"trailing data", "", `{"answers": []} {}`, "", 400, "invalid_body", ""},
		{"unknown field", "", map[string]any{"answers": []any{}, "email": "x@y.z"}, "", 400, "invalid_body", "email"},
		{"unknown field in an answer", "", withAnswers(map[string]any{"item": "phq9_1", "value": 0, "note": "x"}), "", 400, "invalid_body", "note"},
		{"wrong type", "", withAnswers(ans("phq9_1", "three")), "", 400, "invalid_body", "answers.value"},
		{"float value", "", withAnswers(ans("phq9_1", 1.5)), "", 400, "invalid_body", "answers.value"},
		{"huge number", "", `{"answers":[{"item":"phq9_1","value":1e400}]}`, "", 400, "invalid_body", ""},
		{"oversized body", "", `{"answers":[` + strings.Repeat(`{"item":"phq9_1","value":0},`, 200) + `]}`, "", 413, "body_too_large", ""},
		{"form content type", "", "answers=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
		{"missing answer", "", map[string]any{"answers": full()[:8]}, "", 422, "validation_failed", "answers.phq9_9"},
		{"duplicate answer", "", map[string]any{"answers": full(ans("phq9_2", 1))}, "", 422, "validation_failed", "answers.phq9_2"},
		{"out of range", "", map[string]any{"answers": append(full()[:8], ans("phq9_9", 4))}, "", 422, "validation_failed", "answers.phq9_9"},
		{"negative", "", map[string]any{"answers": append(full()[1:], ans("phq9_1", -1))}, "", 422, "validation_failed", "answers.phq9_1"},
		{"unknown item", "", map[string]any{"answers": full(ans("phq9_99", 0))}, "", 422, "validation_failed", "answers[9]"},
		{"value missing", "", map[string]any{"answers": append(full()[:8], map[string]any{"item": "phq9_9"})}, "", 422, "validation_failed", "answers[8].value"},
		{"bad profile", "", map[string]any{"answers": full(), "profile": map[string]any{"age_band": "42"}}, "", 422, "validation_failed", "profile.age_band"},
		{"unknown country", "", map[string]any{"answers": full(), "country": "FR"}, "", 422, "validation_failed", "country"},
		{"unknown instrument", "/api/v1/selftest/instruments/bdi/submissions", valid, "", 404, "not_found", ""},
		{"null body", "", `null`, "", 422, "validation_failed", "answers.phq9_1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = "/api/v1/selftest/instruments/phq9/submissions"
			}
			var headers []string
			if tt.contentType != "" {
				headers = []string{"Content-Type", tt.contentType}
			}
			before := countSubmissions(t, a)
			r := a.do("POST", path, tt.body, headers...)
			if r.Code != tt.status || r.errorCode() != tt.code {
				t.Fatalf("got %d %q, want %d %q: %s", r.Code, r.errorCode(), tt.status, tt.code, r.Body)
			}
			if tt.field != "" {
				if _, ok := r.errorFields()[tt.field]; !ok {
					t.Errorf("field %q not named: %v", tt.field, r.errorFields())
				}
			}
			if after := countSubmissions(t, a); after != before {
				t.Errorf("a rejected submission was stored (%d → %d)", before, after)
			}
		})
	}
}

func countSubmissions(t *testing.T, a *testAPI) int64 {
	t.Helper()
	var n int64
	if err := a.db.Table("selftest_submissions").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGetSubmissionNotFound(t *testing.T) {
	a := newAPI(t)
	for _, id := range []string{"00000000-0000-4000-8000-000000000000", "nope", "%27%20OR%201=1"} {
		if r := a.do("GET", "/api/v1/selftest/submissions/"+id, nil); r.Code != 404 || r.errorCode() != "not_found" {
			t.Errorf("%s: %d %v", id, r.Code, r.body)
		}
	}
}

func TestCrisisLines(t *testing.T) {
	a := newAPI(t)
	tests := []struct {
		path   string
		status int
		lines  int
		youth  string
	}{
		{"/api/v1/crisis-lines", 200, 2, "Awel 102,De Kindertelefoon 0800-0432"},
		{"/api/v1/crisis-lines?country=NL&lang=en", 200, 1, "De Kindertelefoon 0800-0432"},
		{"/api/v1/crisis-lines?country=be", 200, 1, "Awel 102"},
		{"/api/v1/crisis-lines?country=XX", 422, 0, ""},
	}
	for _, tt := range tests {
		r := a.do("GET", tt.path, nil)
		if r.Code != tt.status {
			t.Errorf("%s: status %d", tt.path, r.Code)
			continue
		}
		if tt.status == 200 {
			if n := len(r.body["lines"].([]any)); n != tt.lines || r.body["emergency"] != "112" {
				t.Errorf("%s: %v", tt.path, r.body)
			}
			if got := lineNames(r.body["youth_lines"]); got != tt.youth {
				t.Errorf("%s: youth lines %q, want %q", tt.path, got, tt.youth)
			}
		}
	}
}

// lineNames lists "name phone" of a JSON list of crisis lines.
func lineNames(v any) string {
	list, _ := v.([]any)
	var out []string
	for _, l := range list {
		m := l.(map[string]any)
		out = append(out, m["name"].(string)+" "+m["phones"].([]any)[0].(string))
	}
	return strings.Join(out, ",")
}

// TestSubmitUnder18ShowsYouthLines: a visitor whose profile says under_18
// gets the lines for young people beside the crisis lines (crisis_help),
// or on their own (youth_help) without a crisis answer — when submitting
// and when reading the result again; adults get none.
func TestSubmitUnder18ShowsYouthLines(t *testing.T) {
	a := newAPI(t)
	tests := []struct {
		name      string
		item9     int
		age       string
		country   string
		crisis    string // crisis_help: lines | youth_lines
		youthHelp string
	}{
		{"under 18 with a crisis answer, Belgium", 1, "under_18", "BE", "Zelfmoordlijn 1813 1813 | Awel 102", ""},
		{"under 18 with a crisis answer, anywhere", 2, "under_18", "", "113 Zelfmoordpreventie 113,Zelfmoordlijn 1813 1813 | Awel 102,De Kindertelefoon 0800-0432", ""},
		{"under 18 without a crisis answer", 0, "under_18", "NL", "", "De Kindertelefoon 0800-0432"},
		{"adult with a crisis answer", 1, "35_44", "NL", "113 Zelfmoordpreventie 113 | ", ""},
		{"adult without a crisis answer", 0, "35_44", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := phq9Body("en", 1, 0, 0, 0, 0, 0, 0, 0, tt.item9)
			body["profile"] = map[string]any{"age_band": tt.age}
			body["country"] = tt.country
			r := a.do("POST", "/api/v1/selftest/instruments/phq9/submissions", body)
			if r.Code != 201 {
				t.Fatalf("%d %s", r.Code, r.Body)
			}
			again := a.do("GET", "/api/v1/selftest/submissions/"+r.body["id"].(string)+"?country="+tt.country, nil)
			for _, res := range []map[string]any{r.body, again.body} {
				crisis, youth := "", ""
				if h, ok := res["crisis_help"].(map[string]any); ok {
					lines := strings.Split(lineNames(h["lines"]), ",")
					slices.Sort(lines)
					crisis = strings.Join(lines, ",") + " | " + lineNames(h["youth_lines"])
				}
				if h, ok := res["youth_help"].(map[string]any); ok {
					if len(h["lines"].([]any)) != 0 {
						t.Errorf("youth_help carries adult lines: %v", h)
					}
					youth = lineNames(h["youth_lines"])
				}
				if crisis != tt.crisis || youth != tt.youthHelp {
					t.Errorf("crisis_help %q youth_help %q, want %q %q", crisis, youth, tt.crisis, tt.youthHelp)
				}
			}
		})
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	a := newAPI(t)
	if r := a.do("GET", "/api/v1/nothing-here", nil); r.Code != 404 || r.errorCode() != "not_found" {
		t.Errorf("unknown path: %d %v", r.Code, r.body)
	}
	if r := a.do("DELETE", "/api/v1/selftest/instruments", nil); r.Code != 405 || r.errorCode() != "method_not_allowed" {
		t.Errorf("wrong method: %d %v", r.Code, r.body)
	}
}

func TestHeadersCookiesAndLogs(t *testing.T) {
	a := newAPI(t)
	r := a.do("POST", "/api/v1/selftest/instruments/phq9/submissions", phq9Body("en", 1, 2, 3, 0, 1, 2, 3, 0, 2),
		"X-Forwarded-For", "203.0.113.77", "User-Agent", "TestAgent/1.0", "X-Request-ID", "req-abcdef123")
	if r.Code != 201 {
		t.Fatalf("status %d", r.Code)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
		"X-Request-Id":           "req-abcdef123",
	} {
		if got := r.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	csp := r.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	if c := r.Header().Values("Set-Cookie"); len(c) != 0 {
		t.Errorf("anonymous self-test set cookies: %v", c)
	}
	// A caller's malformed request id is replaced by our own.
	r2 := a.do("GET", "/healthz", nil, "X-Request-ID", "bad id\nwith newline")
	if id := r2.Header().Get("X-Request-Id"); id == "" || strings.ContainsAny(id, " \n") {
		t.Errorf("request id = %q", id)
	}

	logs := a.logs.String()
	for _, secret := range []string{"203.0.113.77", "TestAgent", `"value"`, "phq9_9", "192.0.2.1", r.body["id"].(string)} {
		if strings.Contains(logs, secret) {
			t.Errorf("access log contains %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, `"route":"/api/v1/selftest/instruments/:id/submissions"`) || !strings.Contains(logs, `"request_id":"req-abcdef123"`) {
		t.Errorf("access log lacks route or request id:\n%s", logs)
	}
}

func TestPanicAnswersJSON500(t *testing.T) {
	a := newAPI(t, func(o *testOptions) {
		o.extraRoutes = func(r *gin.Engine) {
			r.GET("/api/v1/test-panic", func(*gin.Context) { panic("boom: secret detail") })
		}
	})
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/test-panic", nil))
	if rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != "internal_error" {
		t.Errorf("body %s", rec.Body)
	}
	if strings.Contains(rec.Body.String(), "secret detail") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("500 body leaks internals: %s", rec.Body)
	}
	if !strings.Contains(a.logs.String(), "panic recovered") {
		t.Error("panic not logged")
	}
}
