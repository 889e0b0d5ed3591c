package modules

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestLockedSaysWhy: a locked lesson's error names the true reason — the
// lesson before, the clinician's order in a guided course, or the pace
// with when the lesson opens — for OpenLesson and SaveStep alike, and is
// still ErrLocked.
func TestLockedSaysWhy(t *testing.T) {
	ctx := context.Background()
	paced := time.Date(2026, 11, 4, 23, 0, 0, 0, time.UTC) // 5 Nov 00:00 in Brussels
	for _, tc := range []struct {
		name    string
		fixture func(t *testing.T) *fixture
		finish  bool // finish lesson one first
		lesson  string
		reason  string
		opensAt *time.Time
	}{
		{"sequential", newFixture, false, "two", LockSequential, nil},
		{"paced", func(t *testing.T) *fixture { return newPacedFixture(t, 3) }, true, "two", LockPaced, &paced},
		{"the clinician's order", func(t *testing.T) *fixture {
			return newGuidedFixture(t, &fakeGuidance{assigned: []string{"three", "one"}, active: true})
		}, false, "one", LockGuided, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.fixture(t)
			if _, err := f.svc.Start(ctx, "u1", "demo"); err != nil {
				t.Fatal(err)
			}
			if tc.finish {
				finishLessonSteps(t, f, "u1", "one")
			}
			_, openErr := f.svc.OpenLesson(ctx, "u1", "demo", tc.lesson)
			p, _ := f.svc.Library().Programme("demo")
			first := p.Lesson(tc.lesson).Steps[0].ID
			_, saveErr := f.svc.SaveStep(ctx, "u1", "demo", tc.lesson, first, Values{}, false)
			for what, err := range map[string]error{"OpenLesson": openErr, "SaveStep": saveErr} {
				var le *LockedError
				if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
					t.Fatalf("%s: %v, want a LockedError", what, err)
				}
				reason, at := le.LockReason()
				if reason != tc.reason || (at == nil) != (tc.opensAt == nil) || (at != nil && !at.Equal(*tc.opensAt)) {
					t.Errorf("%s: reason %q opens %v, want %q %v", what, reason, at, tc.reason, tc.opensAt)
				}
			}
		})
	}
}
