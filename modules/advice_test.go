package modules

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/selftest"
)

// phqTotal answers the PHQ-9 with the given total, item 9 set to item9.
func phqTotal(total, item9 int) []selftest.Answer {
	values := make([]int, 9)
	values[8] = item9
	rest := total - item9
	for i := 0; i < 8 && rest > 0; i++ {
		values[i] = min(rest, 3)
		rest -= values[i]
	}
	return phq(values...)
}

// TestCourseAdvice pins the course's rule: the course alone is not enough
// when a questionnaire scores 20 or more or has a crisis answer (the GP
// urgent), or when the score rose by 6 points or more between any two of
// them (the GP, not urgent unless the first reason holds too).
func TestCourseAdvice(t *testing.T) {
	lib, err := LoadLibraryFS(fixtureFS(), knownPHQ)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := lib.Programme("demo")
	scorer := newScorer(t, nil, time.Now)
	type q struct{ total, item9 int }
	tests := []struct {
		name     string
		taken    []q // at points p1, p2, ...
		reasons  string
		worsened string // "p1 5 → p2 11"
		gpUrgent bool
	}{
		{"a mild start", []q{{7, 0}}, "", "", false},
		{"a start of 19", []q{{19, 0}}, "", "", false},
		{"a start of 20", []q{{20, 0}}, "not_enough", "", true},
		{"a crisis answer with a low total", []q{{2, 1}}, "not_enough", "", true},
		{"a crisis answer later on", []q{{8, 0}, {9, 2}}, "not_enough", "", true},
		{"a rise of 5: not reliable", []q{{5, 0}, {10, 0}}, "", "", false},
		{"a rise of 6: reliable worsening", []q{{5, 0}, {11, 0}}, "worsened", "p1 5 → p2 11", false},
		{"a fall of 6", []q{{11, 0}, {5, 0}}, "", "", false},
		{"worse at the middle, better at the end", []q{{3, 0}, {10, 0}, {4, 0}}, "worsened", "p1 3 → p2 10", false},
		{"the largest rise is named", []q{{6, 0}, {4, 0}, {12, 0}}, "worsened", "p2 4 → p3 12", false},
		{"severe from the start, improving", []q{{22, 0}, {8, 0}}, "not_enough", "", true},
		{"both reasons", []q{{14, 0}, {21, 0}}, "not_enough,worsened", "p1 14 → p2 21", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var taken []takenOutcome
			for i, x := range tt.taken {
				out, err := scorer.Evaluate("phq9", "en", phqTotal(x.total, x.item9))
				if err != nil || out.Score != x.total {
					t.Fatalf("scoring %d: %v %v", x.total, out, err)
				}
				taken = append(taken, takenOutcome{point: fmt.Sprintf("p%d", i+1), out: out})
			}
			a := courseAdvice(p, taken)
			if tt.reasons == "" {
				if a != nil {
					t.Fatalf("advice %+v, want none", a)
				}
				return
			}
			if a == nil {
				t.Fatal("no advice")
			}
			if got := strings.Join(a.Reasons, ","); got != tt.reasons {
				t.Errorf("reasons %s, want %s", got, tt.reasons)
			}
			worsened := ""
			if w := a.Worsened; w != nil {
				worsened = fmt.Sprintf("%s %d → %s %d", w.FromPoint, w.From, w.ToPoint, w.To)
			}
			if worsened != tt.worsened {
				t.Errorf("worsened %q, want %q", worsened, tt.worsened)
			}
			if len(a.Steps) != 2 || a.Steps[0].Code != selftest.AdviceGP || a.Steps[0].Urgent != tt.gpUrgent || a.Steps[1].Code != selftest.AdviceGuided {
				t.Errorf("steps %+v, want the GP (urgent %v) and guided help", a.Steps, tt.gpUrgent)
			}
			if len(a.Messages) != len(a.Reasons) || a.Messages[0].Title.In("en") == "" {
				t.Errorf("messages %+v", a.Messages)
			}
		})
	}
}

// TestCourseAdviceThroughTheService: the questionnaire's result and the
// course's progress carry the same advice.
func TestCourseAdviceThroughTheService(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.svc.TakeMeasurement(ctx, "u1", "demo", "start", "en", phqTotal(21, 0))
	if err != nil {
		t.Fatal(err)
	}
	if res.Advice == nil || strings.Join(res.Advice.Reasons, ",") != AdviceNotEnough || !res.Advice.Steps[0].Urgent {
		t.Fatalf("a start of 21: %+v", res.Advice)
	}
	pr, err := f.svc.Progress(ctx, "u1", "demo")
	if err != nil || pr.Advice == nil || pr.Advice.Reasons[0] != AdviceNotEnough {
		t.Fatalf("progress advice %+v, %v", pr, err)
	}
	back, err := f.svc.MeasurementResult(ctx, "u1", "demo", "start")
	if err != nil || back.Advice == nil || back.Score != 21 {
		t.Fatalf("result read back: %+v, %v", back, err)
	}
	// A mild start: nothing to say.
	res, err = f.svc.TakeMeasurement(ctx, "u2", "demo", "start", "en", phqTotal(4, 0))
	if err != nil || res.Advice != nil {
		t.Fatalf("a start of 4: %+v, %v", res, err)
	}
	// Finish the course, then the end questionnaire 6 points higher.
	finishFixtureCourse(t, f, "u2")
	res, err = f.svc.TakeMeasurement(ctx, "u2", "demo", "end", "en", phqTotal(10, 0))
	if err != nil {
		t.Fatal(err)
	}
	if res.Advice == nil || strings.Join(res.Advice.Reasons, ",") != AdviceWorsened || res.Advice.Worsened.FromPoint != "start" ||
		res.Advice.Worsened.ToPoint != "end" || res.Advice.Steps[0].Urgent {
		t.Fatalf("a rise from 4 to 10: %+v", res.Advice)
	}
	if pr, err := f.svc.Progress(ctx, "u2", "demo"); err != nil || pr.Advice == nil || pr.Advice.Worsened == nil {
		t.Fatalf("progress after the rise: %+v, %v", pr, err)
	}
}

// finishFixtureCourse completes every step of the fixture's lessons.
func finishFixtureCourse(t *testing.T, f *fixture, user string) {
	t.Helper()
	ctx := context.Background()
	lib := f.svc.Library()
	p, _ := lib.Programme("demo")
	for _, l := range p.Lessons {
		if _, err := f.svc.OpenLesson(ctx, user, "demo", l.ID); err != nil {
			t.Fatal(err)
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
}
