package coaching_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/modules"
)

// activeTrajectory takes pp.client through application, assignment to
// pp.doc and consent: a trajectory that runs.
func activeTrajectory(t *testing.T, pp *people) *coaching.Trajectory {
	t.Helper()
	ctx := context.Background()
	cs := pp.svcs.Coaching
	tr, _, err := cs.Apply(ctx, pp.client, coaching.Application{Language: "en", PHQ9: phq9(1, 1, 1, 1, 1, 1, 1, 1, 0), Hopes: "Rest", Reachable: "Noon"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Assign(ctx, pp.coord, tr.ID, pp.doc.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Consent(ctx, pp.client, tr.ID); err != nil {
		t.Fatal(err)
	}
	return tr
}

func lessonStates(t *testing.T, sh *modules.Service, userID, programmeID string) map[string]string {
	t.Helper()
	pr, err := sh.Progress(context.Background(), userID, programmeID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, lp := range pr.Lessons {
		out[lp.Lesson.ID] = lp.State
	}
	return out
}

// TestCourseFollowsTheClinicianOrder: through the wire's relay, the real
// course asks the real trajectory: the lessons the clinician chose open in
// their order; a client without a trajectory follows the course's own.
func TestCourseFollowsTheClinicianOrder(t *testing.T) {
	ctx := context.Background()
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	pp := newPeople(t, clock)
	cs, sh := pp.svcs.Coaching, pp.svcs.Selfhelp
	prog := sh.Library().Programmes()[0]
	first, third := prog.Lessons[0], prog.Lessons[2]
	tr := activeTrajectory(t, pp)
	for _, who := range []auth.Principal{pp.client, pp.other} {
		if _, err := sh.Start(ctx, who.UserID, prog.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := cs.AssignLessons(ctx, pp.doc, tr.ID, prog.ID, []string{third.ID, first.ID}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		who  auth.Principal
		want map[string]string
	}{
		{"guided: the clinician's first lesson open", pp.client, map[string]string{first.ID: modules.LessonLocked, prog.Lessons[1].ID: modules.LessonLocked, third.ID: modules.LessonOpen}},
		{"no trajectory: the course's order", pp.other, map[string]string{first.ID: modules.LessonOpen, prog.Lessons[1].ID: modules.LessonLocked, third.ID: modules.LessonLocked}},
	}
	for _, tt := range tests {
		got := lessonStates(t, sh, tt.who.UserID, prog.ID)
		for id, want := range tt.want {
			if got[id] != want {
				t.Errorf("%s: lesson %s is %s, want %s", tt.name, id, got[id], want)
			}
		}
	}
	if _, err := sh.OpenLesson(ctx, pp.client.UserID, prog.ID, first.ID); !errors.Is(err, modules.ErrLocked) {
		t.Errorf("guided client opens the course's first lesson: %v, want ErrLocked", err)
	}
	if _, err := sh.OpenLesson(ctx, pp.client.UserID, prog.ID, third.ID); err != nil {
		t.Errorf("guided client opens the clinician's first lesson: %v", err)
	}
}

// TestFeedbackMomentWaitsForTheClinician: through the real relay, a client
// in a running trajectory who finished lesson 1's feedback moment cannot go
// on until their clinician has given feedback on the lesson; the
// clinician's view has it due; a client without a trajectory goes on.
func TestFeedbackMomentWaitsForTheClinician(t *testing.T) {
	ctx := context.Background()
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) // a Monday
	pp := newPeople(t, clock)
	cs, sh := pp.svcs.Coaching, pp.svcs.Selfhelp
	prog := sh.Library().Programmes()[0]
	l := prog.Lessons[0]
	moment := l.FeedbackMoment()
	if moment == nil {
		t.Fatal("the shipped course has no feedback moment in lesson 1")
	}
	after := l.Steps[l.StepIndex(moment.ID)+1]
	tr := activeTrajectory(t, pp)
	upToMoment := func(userID string) error {
		if _, err := sh.OpenLesson(ctx, userID, prog.ID, l.ID); err != nil {
			return err
		}
		for _, st := range l.Steps[:l.StepIndex(moment.ID)+1] {
			if _, err := sh.SaveStep(ctx, userID, prog.ID, l.ID, st.ID, modules.Values{}, true); err != nil {
				return err
			}
		}
		return nil
	}
	if err := upToMoment(pp.client.UserID); err != nil {
		t.Fatal(err)
	}
	if err := upToMoment(pp.other.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := sh.SaveStep(ctx, pp.other.UserID, prog.ID, l.ID, after.ID, modules.Values{}, true); err != nil {
		t.Errorf("no trajectory: the step after the moment: %v", err)
	}
	if _, err := sh.SaveStep(ctx, pp.client.UserID, prog.ID, l.ID, after.ID, modules.Values{}, true); !errors.Is(err, modules.ErrWaiting) {
		t.Fatalf("guided: the step after the moment before feedback: %v, want ErrWaiting", err)
	}
	pr, err := sh.Progress(ctx, pp.client.UserID, prog.ID)
	want := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC) // three working days
	if err != nil || pr.Waiting == nil || !pr.Waiting.By.Equal(want) {
		t.Fatalf("progress while waiting: %+v, %v; want due %v", pr.Waiting, err, want)
	}
	w, err := cs.Work(ctx, pp.doc, tr.ID, prog.ID)
	if err != nil {
		t.Fatal(err)
	}
	if due, ok := w.FeedbackDue[l.ID]; !ok || !due.Equal(want) {
		t.Errorf("the clinician's view: feedback due %v (%v), want %v", due, ok, want)
	}
	pending, err := cs.PendingFeedback(ctx, pp.doc)
	if err != nil || len(pending) != 1 || pending[0].LessonID != l.ID || !pending[0].By.Equal(want) {
		t.Errorf("the clinician's pending feedback while the client waits: %+v, %v", pending, err)
	}
	clock.Add(time.Hour)
	if _, err := cs.GiveFeedback(ctx, pp.doc, tr.ID, l.ID, "Your circle is clear: well done."); err != nil {
		t.Fatal(err)
	}
	if _, err := sh.SaveStep(ctx, pp.client.UserID, prog.ID, l.ID, after.ID, modules.Values{}, true); err != nil {
		t.Errorf("guided: the step after the moment after feedback: %v", err)
	}
	if w, err = cs.Work(ctx, pp.doc, tr.ID, prog.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.FeedbackDue[l.ID]; ok {
		t.Errorf("the clinician's view after feedback: still due")
	}
	if pending, err := cs.PendingFeedback(ctx, pp.doc); err != nil || len(pending) != 0 {
		t.Errorf("the clinician's pending feedback after it was given: %+v, %v", pending, err)
	}
}

// TestFeedbackMomentBeforeTheTrajectory: a moment the client finished in
// the self-paced course, before their trajectory began, does not stop them
// once it runs (and is not on the clinician's list either).
func TestFeedbackMomentBeforeTheTrajectory(t *testing.T) {
	ctx := context.Background()
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	pp := newPeople(t, clock)
	cs, sh := pp.svcs.Coaching, pp.svcs.Selfhelp
	prog := sh.Library().Programmes()[0]
	l := prog.Lessons[0]
	if _, err := sh.OpenLesson(ctx, pp.client.UserID, prog.ID, l.ID); err != nil {
		t.Fatal(err)
	}
	for _, st := range l.Steps[:l.StepIndex(l.FeedbackMoment().ID)+1] {
		if _, err := sh.SaveStep(ctx, pp.client.UserID, prog.ID, l.ID, st.ID, modules.Values{}, true); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(24 * time.Hour)
	activeTrajectory(t, pp)
	pr, err := sh.Progress(ctx, pp.client.UserID, prog.ID)
	if err != nil || pr.Waiting != nil {
		t.Fatalf("a moment finished before the trajectory: waiting %+v, %v", pr, err)
	}
	if pending, err := cs.PendingFeedback(ctx, pp.doc); err != nil || len(pending) != 0 {
		t.Errorf("pending feedback: %+v, %v", pending, err)
	}
}
