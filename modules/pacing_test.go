package modules

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/seal"
)

// With a pace of three days, the lesson after one finished on 2 November
// (10:00 in Brussels) opens at midnight on 5 November there — not before,
// for the course page and for OpenLesson alike; without a pace at once.
func TestPacingOpensTheNextLessonDaysLater(t *testing.T) {
	for _, tt := range []struct {
		name    string
		gap     int
		opensAt time.Time // zero: at once
	}{
		{"no pace", 0, time.Time{}},
		{"three days", 3, time.Date(2026, 11, 4, 23, 0, 0, 0, time.UTC)}, // 5 Nov 00:00 CET
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newPacedFixture(t, tt.gap)
			ctx := context.Background()
			if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); err != nil {
				t.Fatal(err)
			}
			for _, st := range []struct {
				id string
				v  Values
			}{{"intro", nil}, {"all-fields", Values{"mood": raw(4), "story": raw("ok")}}, {"homework", Values{"how": raw("walked")}}} {
				if _, err := f.svc.SaveStep(ctx, "u1", "demo", "one", st.id, st.v, true); err != nil {
					t.Fatalf("%s: %v", st.id, err)
				}
			}
			pr, err := f.svc.Progress(ctx, "u1", "demo")
			if err != nil {
				t.Fatal(err)
			}
			if pr.Lessons[0].State != LessonDone {
				t.Fatalf("lesson one: %s", pr.Lessons[0].State)
			}
			two := pr.Lessons[1]
			if tt.opensAt.IsZero() {
				if two.State != LessonOpen || two.OpensAt != nil {
					t.Fatalf("lesson two: %s opens %v, want open now", two.State, two.OpensAt)
				}
				return
			}
			if two.State != LessonLocked || two.OpensAt == nil || !two.OpensAt.Equal(tt.opensAt) {
				t.Fatalf("lesson two: %s opens %v, want locked until %v", two.State, two.OpensAt, tt.opensAt)
			}
			if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "two"); !errors.Is(err, ErrLocked) {
				t.Fatalf("lesson two before its day: %v", err)
			}
			f.clock.add(tt.opensAt.Sub(f.clock.now()) - time.Minute)
			if pr, _ := f.svc.Progress(ctx, "u1", "demo"); pr.Lessons[1].State != LessonLocked {
				t.Errorf("a minute before: %s", pr.Lessons[1].State)
			}
			f.clock.add(time.Minute)
			if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "two"); err != nil {
				t.Fatalf("lesson two on its day: %v", err)
			}
			if pr, _ := f.svc.Progress(ctx, "u1", "demo"); pr.Lessons[1].State != LessonInProgress || pr.Lessons[1].OpensAt != nil {
				t.Errorf("opened: %s %v", pr.Lessons[1].State, pr.Lessons[1].OpensAt)
			}
		})
	}
}

func newPacedFixture(t *testing.T, gap int) *fixture {
	t.Helper()
	lib, err := LoadLibraryFS(fixtureFS(), knownPHQ)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New([]seal.Key{{ID: "k1", Secret: bytes.Repeat([]byte{9}, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	database := dbtest.Open(t)
	store := NewStore(database.DB)
	c := &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	scorer := newScorer(t, database.DB, c.now)
	svc, err := NewService(Options{Library: lib, Store: store, Sealer: sealer, Scorer: scorer, Crisis: scorer, Now: c.now, Location: brussels(t), LessonGapDays: gap})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: store, clock: c}
}
