package modules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
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
	return newFixtureFS(t, fixtureFS(), func(o *Options, _ *gorm.DB) { o.LessonDays = &gap })
}

// newPaceFixture is a course whose content sets contentDays (nil: none) on
// a deployment that sets deploymentDays (nil: none), with the audit log
// the coordinators' changes go to.
func newPaceFixture(t *testing.T, contentDays, deploymentDays *int) (*fixture, *audit.Log) {
	t.Helper()
	fsys := fixtureFS()
	if contentDays != nil {
		prog := strings.Replace(fixtureProgramme, "unlock: sequential\n", fmt.Sprintf("unlock: sequential\nlesson_days: %d\n", *contentDays), 1)
		fsys["demo/programme.yaml"] = &fstest.MapFile{Data: []byte(prog)}
	}
	var log *audit.Log
	f := newFixtureFS(t, fsys, func(o *Options, d *gorm.DB) {
		var err error
		if log, err = audit.NewLog(d, audit.Options{Keys: []audit.Key{{ID: "a1", Secret: bytes.Repeat([]byte{6}, 32)}}, Now: o.Now}); err != nil {
			t.Fatal(err)
		}
		o.LessonDays, o.Audit = deploymentDays, log
	})
	return f, log
}

func days(n int) *int { return &n }

var paceCoordinator = auth.Principal{UserID: "coord-1", Role: auth.RoleCoordinator, SessionID: "s1", RequestID: "r1"}

// A programme's rhythm is the coordinator's choice, else the deployment's
// (HAVEN_SELFHELP_LESSON_DAYS), else the content's, else none — and that is
// the rhythm lesson two of a client who finished lesson one on 2 November
// waits for.
func TestPaceComesFromCoordinatorDeploymentOrContent(t *testing.T) {
	for _, tt := range []struct {
		name                string
		content, deployment *int
		coordinator         *int
		want                int
		source              string
		defaultDays         int
		defaultSource       string
	}{
		{"nothing", nil, nil, nil, 0, PaceNone, 0, PaceNone},
		{"content", days(7), nil, nil, 7, PaceFromProgramme, 7, PaceFromProgramme},
		{"deployment over content", days(7), days(2), nil, 2, PaceFromDeployment, 2, PaceFromDeployment},
		{"deployment 0 over content", days(7), days(0), nil, 0, PaceFromDeployment, 0, PaceFromDeployment},
		{"coordinator over both", days(7), days(2), days(4), 4, PaceFromCoordinator, 2, PaceFromDeployment},
		{"coordinator 0 over content", days(7), nil, days(0), 0, PaceFromCoordinator, 7, PaceFromProgramme},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f, _ := newPaceFixture(t, tt.content, tt.deployment)
			if tt.coordinator != nil {
				if _, err := f.svc.SetPace(ctx, paceCoordinator, "demo", *tt.coordinator); err != nil {
					t.Fatal(err)
				}
			}
			pc, err := f.svc.Pace(ctx, "demo")
			if err != nil {
				t.Fatal(err)
			}
			if pc.Days != tt.want || pc.Source != tt.source || pc.DefaultDays != tt.defaultDays || pc.DefaultSource != tt.defaultSource || (pc.SetAt != nil) != (tt.coordinator != nil) {
				t.Errorf("pace %d from %s (default %d from %s, set at %v), want %d from %s (default %d from %s)",
					pc.Days, pc.Source, pc.DefaultDays, pc.DefaultSource, pc.SetAt, tt.want, tt.source, tt.defaultDays, tt.defaultSource)
			}
			if _, err := f.svc.Start(ctx, "u1", "demo"); err != nil {
				t.Fatal(err)
			}
			finishLessonSteps(t, f, "u1", "one")
			pr, err := f.svc.Progress(ctx, "u1", "demo")
			if err != nil {
				t.Fatal(err)
			}
			two := pr.Lessons[1]
			if tt.want == 0 {
				if two.State != LessonOpen || two.OpensAt != nil {
					t.Errorf("lesson two: %s opens %v, want open at once", two.State, two.OpensAt)
				}
				return
			}
			want := time.Date(2026, 11, 2+tt.want, 0, 0, 0, 0, brussels(t))
			if two.State != LessonLocked || two.OpensAt == nil || !two.OpensAt.Equal(want) {
				t.Errorf("lesson two: %s opens %v, want locked until %v", two.State, two.OpensAt, want)
			}
		})
	}
}

// SetPace is for coordinators, takes 0–60 days of a programme that exists,
// is audited, and applies at once to a client already waiting: lesson two,
// locked for a week by the content, opens when the coordinator sets 0, and
// locks again (it was not opened) when they set 3.
func TestSetPace(t *testing.T) {
	ctx := context.Background()
	f, log := newPaceFixture(t, days(7), nil)
	for _, tt := range []struct {
		name  string
		who   auth.Principal
		prog  string
		days  int
		check func(error) bool
	}{
		{"a clinician", auth.Principal{UserID: "c1", Role: auth.RoleClinician}, "demo", 3, func(err error) bool { return errors.Is(err, auth.ErrForbidden) }},
		{"a client", auth.Principal{UserID: "u1", Role: auth.RoleClient}, "demo", 3, func(err error) bool { return errors.Is(err, auth.ErrForbidden) }},
		{"a researcher", auth.Principal{UserID: "r1", Role: auth.RoleResearcher}, "demo", 3, func(err error) bool { return errors.Is(err, auth.ErrForbidden) }},
		{"no programme", paceCoordinator, "nope", 3, func(err error) bool { return errors.Is(err, ErrNotFound) }},
		{"negative", paceCoordinator, "demo", -1, isPaceInvalid},
		{"over 60", paceCoordinator, "demo", MaxLessonDays + 1, isPaceInvalid},
	} {
		if _, err := f.svc.SetPace(ctx, tt.who, tt.prog, tt.days); !tt.check(err) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if entries, _ := log.Find(ctx, audit.Filter{}); countAction(entries, audit.ActionPaceChange) != 0 {
		t.Fatalf("refused changes were audited as changes: %d", countAction(entries, audit.ActionPaceChange))
	}

	if _, err := f.svc.Start(ctx, "u1", "demo"); err != nil {
		t.Fatal(err)
	}
	finishLessonSteps(t, f, "u1", "one")
	if got := states(t, f, "u1"); got != "one:done two:locked" {
		t.Fatalf("under the content's week: %s", got)
	}
	pc, err := f.svc.SetPace(ctx, paceCoordinator, "demo", 0)
	if err != nil {
		t.Fatal(err)
	}
	if pc.Days != 0 || pc.Source != PaceFromCoordinator || pc.SetAt == nil || !pc.SetAt.Equal(f.clock.now()) {
		t.Errorf("after setting 0: %+v", pc)
	}
	if got := states(t, f, "u1"); got != "one:done two:open" {
		t.Errorf("after the coordinator set 0: %s, want two open", got)
	}
	if _, err := f.svc.SetPace(ctx, paceCoordinator, "demo", 3); err != nil {
		t.Fatal(err)
	}
	if got := states(t, f, "u1"); got != "one:done two:locked" {
		t.Errorf("after the coordinator set 3: %s, want two locked again", got)
	}
	entries, err := log.Find(ctx, audit.Filter{ActorID: paceCoordinator.UserID})
	if err != nil {
		t.Fatal(err)
	}
	var objects []string
	for _, e := range entries {
		if e.Action == audit.ActionPaceChange && e.ActorRole == string(auth.RoleCoordinator) && e.Outcome == audit.OutcomeSuccess && e.RequestID == "r1" {
			objects = append(objects, e.Object)
		}
	}
	slices.Sort(objects)
	if want := []string{"selfhelp_programme:demo:lesson_days:0", "selfhelp_programme:demo:lesson_days:3"}; !slices.Equal(objects, want) {
		t.Errorf("audited: %v, want %v", objects, want)
	}
}

func isPaceInvalid(err error) bool {
	var v *ValidationError
	return errors.As(err, &v) && v.Fields["lesson_days"] != ""
}

func countAction(entries []audit.Entry, action string) int {
	n := 0
	for _, e := range entries {
		if e.Action == action {
			n++
		}
	}
	return n
}
