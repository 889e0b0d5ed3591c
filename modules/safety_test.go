package modules

import (
	"context"
	"fmt"
	"testing"
)

// TestSaveStepSafetySignals: choosing an answer the content marks as a
// safety signal — an option of a single, multiple or checklist field, or a
// scale value at the marked end — makes SaveStep ask for crisis help at
// once, the first time it is chosen, and records the fact (lesson only) for
// the guided trajectory's alert; saving the same answer again does not ask
// again; choosing it anew after removing it does.
func TestSaveStepSafetySignals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name     string
		values   Values
		signals  string
		showHelp bool
	}{
		{"no signal", Values{"pick": raw("a"), "mood": raw(5), "tasks": raw([]string{"walk"})}, "[]", false},
		{"a marked option of a single field", Values{"pick": raw("c")}, "[{crisis pick c}]", true},
		{"the same answer saved again", Values{"pick": raw("c"), "story": raw("more text")}, "[{crisis pick c}]", false},
		{"a marked checklist item besides", Values{"pick": raw("c"), "tasks": raw([]string{"walk", "unsafe"})}, "[{crisis pick c} {crisis tasks unsafe}]", true},
		{"both removed", Values{"pick": raw("a")}, "[]", false},
		{"a scale at the marked end", Values{"mood": raw(1)}, "[{crisis mood }]", true},
		{"a scale above it", Values{"mood": raw(2)}, "[]", false},
		{"chosen anew", Values{"pick": raw("c")}, "[{crisis pick c}]", true},
	}
	events := 0
	for _, st := range steps {
		res, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "all-fields", st.values, false)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := "["
		for i, s := range res.Safety {
			if i > 0 {
				got += " "
			}
			got += fmt.Sprintf("{%s %s %s}", s.Signal, s.Field, s.Option)
		}
		got += "]"
		if got != st.signals || res.ShowCrisisHelp != st.showHelp {
			t.Errorf("%s: signals %s show help %v, want %s %v", st.name, got, res.ShowCrisisHelp, st.signals, st.showHelp)
		}
		if st.showHelp {
			events++
		}
	}
	e, _ := f.store.Enrolment(ctx, "u1", "demo")
	recorded, err := f.store.EnrolmentEvents(ctx, e.ID, EventSafetySignal)
	if err != nil || len(recorded) != events || recorded[0].LessonID != "one" {
		t.Errorf("recorded %+v (%v), want %d events of lesson one", recorded, err, events)
	}
	// Another client's signal is theirs alone; the export lists the moments.
	ex, err := f.svc.ExportUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if got := ex.(Export).Enrolments[0].SafetySignals; len(got) != events || got[0].Lesson != "one" {
		t.Errorf("export safety signals %+v", got)
	}
	// Completing a step with a signal works like any save: the result says
	// where to go next, after the crisis help.
	res, err := f.svc.SaveStep(ctx, "u2-never-opened", "demo", "one", "all-fields", Values{"pick": raw("c")}, false)
	if err == nil || res != nil {
		t.Errorf("a client who never opened the lesson saved: %v", err)
	}
	if _, err := f.svc.OpenLesson(ctx, "u2", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	res, err = f.svc.SaveStep(ctx, "u2", "demo", "one", "all-fields", Values{"story": raw("x"), "pick": raw("c")}, true)
	if err != nil || !res.ShowCrisisHelp || res.NextStep != "homework" {
		t.Errorf("completing with a signal: %+v %v", res, err)
	}
}
