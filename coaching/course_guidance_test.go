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
