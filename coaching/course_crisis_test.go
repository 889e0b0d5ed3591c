package coaching_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/modules"
)

// TestCrisisInTheCourseAlertsTheClinician: a client in a trajectory who
// ticks a safety signal in a lesson, or answers a course questionnaire's
// item 9 above 0, puts an urgent alert (source "course") at the top of
// their clinician's dashboard — once per new signal; a client without a
// trajectory gets crisis help on the page and no alert anywhere.
func TestCrisisInTheCourseAlertsTheClinician(t *testing.T) {
	ctx := context.Background()
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	pp := newPeople(t, clock)
	cs, sh := pp.svcs.Coaching, pp.svcs.Selfhelp
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
	prog := sh.Library().Programmes()[0]
	step, field, option := safetyOption(t, prog)

	alerts := func() []coaching.Alert {
		t.Helper()
		rows, err := cs.Dashboard(ctx, pp.doc)
		if err != nil {
			t.Fatal(err)
		}
		var out []coaching.Alert
		for _, r := range rows {
			out = append(out, r.Alerts...)
		}
		return out
	}

	ticked := modules.Values{field.ID: json.RawMessage(`["` + option + `"]`)}
	steps := []struct {
		name       string
		who        auth.Principal
		do         func(p auth.Principal) error
		wantAlerts int
	}{
		{"the safety signal ticked in a lesson", pp.client, func(p auth.Principal) error {
			return saveStep(ctx, sh, p.UserID, prog.ID, step, ticked)
		}, 1},
		{"the same answer saved again: no new signal", pp.client, func(p auth.Principal) error {
			return saveStep(ctx, sh, p.UserID, prog.ID, step, ticked)
		}, 1},
		{"a course questionnaire with item 9 above 0", pp.client, func(p auth.Principal) error {
			_, err := sh.TakeMeasurement(ctx, p.UserID, prog.ID, "start", "en", phq9(1, 1, 1, 1, 1, 1, 1, 1, 2))
			return err
		}, 2},
		{"a client with no trajectory ticks it", pp.other, func(p auth.Principal) error {
			return saveStep(ctx, sh, p.UserID, prog.ID, step, ticked)
		}, 2},
	}
	for _, st := range steps {
		if err := st.do(st.who); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := alerts()
		if len(got) != st.wantAlerts {
			t.Fatalf("%s: %d alerts on the dashboard, want %d", st.name, len(got), st.wantAlerts)
		}
		for _, a := range got {
			if a.Source != coaching.SourceCourse || a.Kind != coaching.AlertCrisis || a.TrajectoryID != tr.ID {
				t.Errorf("%s: alert %+v", st.name, a)
			}
		}
	}
}

// safetyOption finds a lesson step with an option marked as a crisis
// signal in a programme.
func safetyOption(t *testing.T, p *modules.Programme) (*stepRef, *modules.Field, string) {
	t.Helper()
	for _, l := range p.Lessons {
		for _, s := range l.Steps {
			for _, f := range s.Fields {
				for _, o := range f.Options {
					if o.Safety == modules.SafetyCrisis {
						return &stepRef{lesson: l, step: s}, f, o.ID
					}
				}
			}
		}
	}
	t.Fatal("no safety signal in the course")
	return nil, nil, ""
}

type stepRef struct {
	lesson *modules.Lesson
	step   *modules.Step
}

// saveStep opens the step's lesson (finishing the ones before it when the
// course unlocks them in order) and saves an answer to the step.
func saveStep(ctx context.Context, sh *modules.Service, userID, programmeID string, ref *stepRef, vals modules.Values) error {
	if _, err := sh.Start(ctx, userID, programmeID); err != nil {
		return err
	}
	if _, err := sh.OpenLesson(ctx, userID, programmeID, ref.lesson.ID); err != nil {
		return err
	}
	_, err := sh.SaveStep(ctx, userID, programmeID, ref.lesson.ID, ref.step.ID, vals, false)
	return err
}
