package modules

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"gorm.io/gorm"
)

// fakeGuidance is a clinician's order and feedback, as the guided
// trajectory would answer them.
type fakeGuidance struct {
	mu       sync.Mutex
	assigned []string
	active   bool      // a trajectory runs
	feedback time.Time // when the clinician last gave feedback (zero: never)
	due      time.Duration
	calls    int // Course calls
}

func (g *fakeGuidance) Course(_ context.Context, _, _ string) (CourseGuidance, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	if !g.active {
		return CourseGuidance{}, nil
	}
	c := CourseGuidance{Running: true, Assigned: slices.Clone(g.assigned), LastFeedback: map[string]time.Time{},
		DueBy: func(since time.Time) time.Time { return since.Add(g.due) }}
	if !g.feedback.IsZero() {
		for _, id := range []string{"one", "two", "three"} {
			c.LastFeedback[id] = g.feedback
		}
	}
	return c, nil
}

func (g *fakeGuidance) set(fn func(g *fakeGuidance)) { g.mu.Lock(); defer g.mu.Unlock(); fn(g) }

const guidedLessonThree = `id: three
title: {nl: Drie, en: Three}
summary: {nl: Derde., en: Third.}
minutes: 15
steps:
  - id: read
    type: text
    body: {nl: "Lees", en: "Read"}
  - id: try
    type: exercise
    title: {nl: Probeer, en: Try}
    fields:
      - {id: note, type: text, label: {nl: Notitie, en: Note}}
`

// newGuidedFixture is the fixture programme with a third lesson, guided by g.
func newGuidedFixture(t *testing.T, g Guidance, edits ...func(fstest.MapFS)) *fixture {
	t.Helper()
	fsys := fixtureFS()
	for _, e := range edits {
		e(fsys)
	}
	fsys["demo/programme.yaml"].Data = []byte(strings.Replace(fixtureProgramme, "lessons: [one, two]", "lessons: [one, two, three]", 1))
	fsys["demo/lessons/three.yaml"] = &fstest.MapFile{Data: []byte(guidedLessonThree)}
	return newFixtureFS(t, fsys, func(o *Options, _ *gorm.DB) { o.Guidance = g })
}

// finishLesson completes every step of one lesson.
func finishLessonSteps(t *testing.T, f *fixture, user, lessonID string) {
	t.Helper()
	ctx := context.Background()
	p, _ := f.svc.Library().Programme("demo")
	l := p.Lesson(lessonID)
	if _, err := f.svc.OpenLesson(ctx, user, "demo", l.ID); err != nil {
		t.Fatalf("open %s: %v", l.ID, err)
	}
	for _, st := range l.Steps {
		vals := Values{}
		for _, fl := range st.Fields {
			if fl.Required {
				vals[fl.ID] = raw("x")
			}
		}
		if _, err := f.svc.SaveStep(ctx, user, "demo", l.ID, st.ID, vals, true); err != nil {
			t.Fatalf("%s/%s: %v", l.ID, st.ID, err)
		}
	}
}

func states(t *testing.T, f *fixture, user string) string {
	t.Helper()
	pr, err := f.svc.Progress(context.Background(), user, "demo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, lp := range pr.Lessons {
		out = append(out, lp.Lesson.ID+":"+lp.State)
	}
	return strings.Join(out, " ")
}

// TestGuidedOrder: with a clinician's order set in a running trajectory,
// the assigned lessons open one after the other in that order (the next
// once the previous is finished), the others stay locked, and finishing a
// lesson leads to the next assigned one; without a trajectory the course
// unlocks in its own order.
func TestGuidedOrder(t *testing.T) {
	ctx := context.Background()
	g := &fakeGuidance{assigned: []string{"three", "one"}, active: true}
	f := newGuidedFixture(t, g)
	if _, err := f.svc.Start(ctx, "u1", "demo"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Start(ctx, "u2", "demo"); err != nil {
		t.Fatal(err)
	}
	if got, want := states(t, f, "u1"), "one:locked two:locked three:open"; got != want {
		t.Fatalf("guided, nothing done: %s, want %s", got, want)
	}
	pr, _ := f.svc.Progress(ctx, "u1", "demo")
	if !pr.Guided || pr.ResumeLesson != "three" || pr.ResumeStep != "read" {
		t.Fatalf("guided resume: %v %s/%s", pr.Guided, pr.ResumeLesson, pr.ResumeStep)
	}
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); !errors.Is(err, ErrLocked) {
		t.Fatalf("the second assigned lesson before the first is done: %v, want ErrLocked", err)
	}
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "two"); !errors.Is(err, ErrLocked) {
		t.Fatalf("a lesson not assigned: %v, want ErrLocked", err)
	}
	// Finishing the first assigned lesson leads to the next assigned one.
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "three"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveStep(ctx, "u1", "demo", "three", "read", Values{}, true); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.SaveStep(ctx, "u1", "demo", "three", "try", Values{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !res.LessonCompleted || res.NextLesson != "one" || res.NextStep != "intro" {
		t.Fatalf("after the first assigned lesson: %+v, want next one/intro", res)
	}
	if got, want := states(t, f, "u1"), "one:open two:locked three:done"; got != want {
		t.Fatalf("guided, first assigned done: %s, want %s", got, want)
	}
	finishLessonSteps(t, f, "u1", "one")
	if got, want := states(t, f, "u1"), "one:done two:locked three:done"; got != want {
		t.Fatalf("guided, all assigned done: %s, want %s", got, want)
	}
	// The trajectory ends: the course is self-paced again, in its own
	// order; the lessons done stay done.
	g.set(func(g *fakeGuidance) { g.active = false })
	if got, want := states(t, f, "u1"), "one:done two:open three:done"; got != want {
		t.Fatalf("after the trajectory: %s, want %s", got, want)
	}
	if got, want := states(t, f, "u2"), "one:open two:locked three:locked"; got != want {
		t.Fatalf("not guided: %s, want %s", got, want)
	}
}

// TestGuidedKeepsOpenedLessons: a lesson the client opened before the
// clinician set the order stays theirs to finish; the order's next lesson
// opens as well.
func TestGuidedKeepsOpenedLessons(t *testing.T) {
	ctx := context.Background()
	g := &fakeGuidance{assigned: []string{"two", "three"}}
	f := newGuidedFixture(t, g)
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	g.set(func(g *fakeGuidance) { g.active = true })
	if got, want := states(t, f, "u1"), "one:in_progress two:open three:locked"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
	if _, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "intro", Values{}, true); err != nil {
		t.Fatalf("the lesson opened before: %v", err)
	}
}

// TestFeedbackMoment: in a running trajectory, a client who finished a
// feedback moment goes past it (the next step, the next lesson) only once
// the clinician has given feedback; outside a trajectory nothing waits.
func TestFeedbackMoment(t *testing.T) {
	ctx := context.Background()
	g := &fakeGuidance{active: true, due: 72 * time.Hour}
	f := newGuidedFixture(t, g, momentOnAllFields)
	story := Values{"story": raw("what I noticed")}
	for _, user := range []string{"guided", "alone"} {
		if user == "alone" {
			g.set(func(g *fakeGuidance) { g.active = false })
		}
		if _, err := f.svc.OpenLesson(ctx, user, "demo", "one"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveStep(ctx, user, "demo", "one", "intro", Values{}, true); err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.SaveStep(ctx, user, "demo", "one", "all-fields", story, true)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.SaveStep(ctx, user, "demo", "one", "homework", Values{}, true)
		switch user {
		case "guided":
			want := f.clock.now().Add(72 * time.Hour)
			if res.Waiting == nil || res.Waiting.StepID != "all-fields" || !res.Waiting.By.Equal(want) || res.NextStep != "homework" {
				t.Fatalf("finishing the moment: %+v, want waiting until %v", res.Waiting, want)
			}
			if !errors.Is(err, ErrWaiting) {
				t.Fatalf("the step after the moment: %v, want ErrWaiting", err)
			}
			pr, _ := f.svc.Progress(ctx, user, "demo")
			if pr.Waiting == nil || pr.Lessons[0].Waiting == nil || pr.Lessons[1].State != LessonLocked {
				t.Fatalf("progress while waiting: %+v", pr)
			}
			lv, err := f.svc.OpenLesson(ctx, user, "demo", "one")
			if err != nil || lv.Waiting == nil || !lv.Waiting.Blocks(lv.Lesson, "homework") || lv.Waiting.Blocks(lv.Lesson, "all-fields") {
				t.Fatalf("the lesson while waiting: %+v, %v", lv, err)
			}
			// Editing the moment itself is allowed.
			if _, err := f.svc.SaveStep(ctx, user, "demo", "one", "all-fields", story, true); err != nil {
				t.Fatalf("the moment saved again: %v", err)
			}
			// The clinician gives feedback: the client goes on.
			f.clock.add(time.Hour)
			g.set(func(g *fakeGuidance) { g.feedback = f.clock.now() })
			if _, err := f.svc.SaveStep(ctx, user, "demo", "one", "homework", Values{}, true); err != nil {
				t.Fatalf("after the feedback: %v", err)
			}
			if got, want := states(t, f, user), "one:done two:open three:locked"; got != want {
				t.Fatalf("after the feedback: %s, want %s", got, want)
			}
		case "alone":
			if res.Waiting != nil || err != nil {
				t.Fatalf("no trajectory: waiting %+v, %v", res.Waiting, err)
			}
		}
	}
}

func momentOnAllFields(fsys fstest.MapFS) {
	lesson := strings.Replace(fixtureLessonOne, "  - id: all-fields\n    type: exercise\n", "  - id: all-fields\n    type: exercise\n    feedback_moment: true\n", 1)
	fsys["demo/lessons/one.yaml"] = &fstest.MapFile{Data: []byte(lesson)}
}

// TestGuidedIgnoresPace: in a guided course the clinician decides when a
// lesson opens, not the programme's pace — the next assigned lesson opens
// as soon as the one before is done, with no opening day shown.
func TestGuidedIgnoresPace(t *testing.T) {
	ctx := context.Background()
	g := &fakeGuidance{assigned: []string{"one", "two"}, active: true}
	f := newGuidedFixture(t, g)
	seven := 7
	f.svc.lessonDays = &seven
	if _, err := f.svc.Start(ctx, "u1", "demo"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	finishLessonSteps(t, f, "u1", "one")
	if got, want := states(t, f, "u1"), "one:done two:open three:locked"; got != want {
		t.Fatalf("guided with a pace, first assigned done: %s, want %s", got, want)
	}
	pr, err := f.svc.Progress(ctx, "u1", "demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, lp := range pr.Lessons {
		if lp.OpensAt != nil {
			t.Errorf("%s: opens at %v in a guided course, want no pace", lp.Lesson.ID, lp.OpensAt)
		}
	}
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "two"); err != nil {
		t.Fatalf("the next assigned lesson under a pace: %v", err)
	}
}

// TestGuidanceAskedOncePerRead: every read of the course (its progress, a
// lesson, a saved step) asks the guided trajectory once — one answer
// carries the clinician's order and the feedback given — whether or not a
// trajectory runs; finishing a feedback moment asks no more.
func TestGuidanceAskedOncePerRead(t *testing.T) {
	ctx := context.Background()
	for _, active := range []bool{false, true} {
		g := &fakeGuidance{active: active, due: time.Hour}
		f := newGuidedFixture(t, g, momentOnAllFields)
		reads := []struct {
			name string
			run  func() error
		}{
			{"Progress", func() error { _, err := f.svc.Progress(ctx, "u1", "demo"); return err }},
			{"OpenLesson", func() error { _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); return err }},
			{"SaveStep", func() error {
				_, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "intro", Values{}, true)
				return err
			}},
			{"SaveStep feedback moment", func() error {
				_, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "all-fields", Values{"story": raw("noticed")}, true)
				return err
			}},
		}
		if _, err := f.svc.Start(ctx, "u1", "demo"); err != nil {
			t.Fatal(err)
		}
		for _, r := range reads {
			g.set(func(g *fakeGuidance) { g.calls = 0 })
			if err := r.run(); err != nil {
				t.Fatalf("%s (trajectory %v): %v", r.name, active, err)
			}
			g.mu.Lock()
			calls := g.calls
			g.mu.Unlock()
			if calls != 1 {
				t.Errorf("%s (trajectory %v): asked the guidance %d times, want once", r.name, active, calls)
			}
		}
	}
}
