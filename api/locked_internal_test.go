package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/modules"
)

// TestLockedLessonSaysWhy: the lesson_locked body says the domain's true
// reason — the lesson before, the clinician's order or the pace, the last
// with opens_at — and never "finish the one before" for the other two.
func TestLockedLessonSaysWhy(t *testing.T) {
	gin.SetMode(gin.TestMode)
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	opens := time.Date(2026, 11, 5, 0, 0, 0, 0, brussels)
	for _, tc := range []struct {
		name    string
		err     error
		reason  string
		message string // a part of the message
		opensAt string
	}{
		{"sequential", &modules.LockedError{Lesson: "two", Reason: modules.LockSequential}, "sequential", "the one before", ""},
		{"the clinician's order", &modules.LockedError{Lesson: "two", Reason: modules.LockGuided}, "guided", "Your clinician", ""},
		{"paced", &modules.LockedError{Lesson: "two", Reason: modules.LockPaced, OpensAt: &opens}, "paced", "Thursday 5 November 2026", "2026-11-05T00:00:00+01:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &handlers{Deps: Deps{Log: slog.New(slog.DiscardHandler)}}
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest("GET", "/api/v1/me/selfhelp/depression/lessons/two", nil)
			h.respondError(c, fmt.Errorf("open: %w", tc.err))
			var body struct {
				Error struct {
					Code, Message, Reason string
					OpensAt               string `json:"opens_at"`
				}
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			e := body.Error
			if w.Code != 409 || e.Code != CodeLessonLocked || e.Reason != tc.reason || e.OpensAt != tc.opensAt || !strings.Contains(e.Message, tc.message) {
				t.Errorf("%d %+v, want 409 lesson_locked %s %q opens_at %q", w.Code, e, tc.reason, tc.message, tc.opensAt)
			}
			if tc.reason != "sequential" && strings.Contains(e.Message, "the one before") {
				t.Errorf("message %q blames the lesson before", e.Message)
			}
		})
	}
}
