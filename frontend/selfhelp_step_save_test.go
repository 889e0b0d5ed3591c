package frontend

import (
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"
)

// TestStepSaveIsOneReadAndOneWrite: the web's POST of a course step (an
// autosave, and "Continue" within a lesson) calls the domain once — one
// reading of the progress and one write transaction — where it used to
// open the lesson first (a second progress, a second write, and the
// lesson's answers read to be thrown away).
func TestStepSaveIsOneReadAndOneWrite(t *testing.T) {
	e := newAccountEnv(t)
	signUpClient(t, e, "saver")
	const step = "/en/selfhelp/lesson/understanding/complaints"
	if w := e.do(http.MethodGet, step, nil); w.Code != http.StatusOK {
		t.Fatalf("open: %d", w.Code)
	}
	var statements atomic.Int64
	count := func(*gorm.DB) { statements.Add(1) }
	cb := e.db.DB.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("test:count", count),
		cb.Row().After("gorm:row").Register("test:count", count),
		cb.Raw().After("gorm:raw").Register("test:count", count),
		cb.Create().After("gorm:create").Register("test:count", count),
		cb.Update().After("gorm:update").Register("test:count", count),
		cb.Delete().After("gorm:delete").Register("test:count", count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		form    url.Values
		headers []string
		status  int
		max     int64
	}{
		{"autosave", url.Values{"f-recognised": {"tired"}}, []string{"X-Haven-Autosave", "1"}, http.StatusNoContent, 7},
		{"continue", url.Values{"f-recognised": {"tired"}, "action": {"continue"}}, nil, http.StatusSeeOther, 7},
	}
	// 7: the session, the enrolment and its progress (lessons opened and
	// done, the guided trajectory's choice), the answer, the bookmark —
	// 18 before, when the page opened the lesson first.
	for _, tt := range tests {
		tt.form.Set(csrfField, e.jar[cookieCSRF])
		before := statements.Load()
		if w := e.do(http.MethodPost, step, tt.form, tt.headers...); w.Code != tt.status {
			t.Fatalf("%s: %d, want %d", tt.name, w.Code, tt.status)
		}
		if n := statements.Load() - before; n > tt.max {
			t.Errorf("%s: %d statements, want at most %d", tt.name, n, tt.max)
		}
	}
}
