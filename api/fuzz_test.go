package api_test

import (
	"bytes"
	"net/http/httptest"
	"testing"
)

// FuzzSubmit throws arbitrary bodies at the submit endpoint: it must never
// answer 5xx or panic. The seed corpus runs with every `go test`; run
// `make fuzz` (go test -fuzz FuzzSubmit ./api/) to explore further.
func FuzzSubmit(f *testing.F) {
	seeds := []string{
		``,
		`{}`,
		`null`,
		`[]`,
		`"x"`,
		`{"answers":[{"item":"phq9_1","value":0}]}`,
		`{"language":"nl","answers":[{"item":"phq9_1","value":0},{"item":"phq9_2","value":0},{"item":"phq9_3","value":0},{"item":"phq9_4","value":0},{"item":"phq9_5","value":0},{"item":"phq9_6","value":0},{"item":"phq9_7","value":0},{"item":"phq9_8","value":0},{"item":"phq9_9","value":3}]}`,
		`{"answers":[{"item":"phq9_1","value":9223372036854775807}]}`,
		`{"answers":[{"item":"phq9_1","value":-9223372036854775808}]}`,
		`{"answers":[{"item":"phq9_1","value":1e999}]}`,
		`{"answers":[{"item":null,"value":null}]}`,
		`{"answers":{"item":"phq9_1"}}`,
		`{"profile":{"age_band":"\u0000"},"answers":[]}`,
		`{"country":"🇧🇪","answers":[]}`,
		`{"answers":[{"item":"phq9_1","value":0}]}{"answers":[]}`,
		"{\"answers\":[\xff\xfe]}",
		`{"answers":[` + string(bytes.Repeat([]byte(`[`), 10000)),
	}
	for _, s := range seeds {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`answers=1`), "text/plain")
	f.Add([]byte(`{"answers":[]}`), "") // no Content-Type: 415
	f.Add([]byte(`{}`), "application/json; charset=\x00")

	a := newAPI(f)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		req := httptest.NewRequest("POST", "/api/v1/selftest/instruments/phq9/submissions", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		a.handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("body %q (content type %q) answered %d: %s", body, contentType, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			a.t = t
			a.checkErrorShape(req, rec)
		}
	})
}
