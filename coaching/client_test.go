package coaching_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/selftest"
)

// The client's pages' methods, through a trajectory's life: the
// application form, the home page in each state, the conversation with
// its unread count, feedback, and one questionnaire of the monitoring.

type people struct {
	svcs                      *wire.Services
	client, other, coord, doc auth.Principal
}

func newPeople(t *testing.T, clock *wiretest.Clock) *people {
	t.Helper()
	ctx := context.Background()
	svcs := wiretest.New(t, wiretest.WithClock(clock.Now))
	pp := &people{svcs: svcs}
	meta := auth.Meta{RequestID: "client-test", Source: "192.0.2.1"}
	for i, p := range []*auth.Principal{&pp.client, &pp.other} {
		res, err := svcs.Auth.Sessions.SignUp(ctx, meta, fmt.Sprintf("client-%d", i), "lange zin als wachtwoord")
		if err != nil {
			t.Fatal(err)
		}
		*p = auth.Principal{UserID: res.User.ID, Role: auth.RoleClient}
	}
	admin, err := svcs.Auth.Staff.CreateAdmin(ctx, "coordinator", "lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	pp.coord = auth.Principal{UserID: admin.ID, Role: auth.RoleCoordinator}
	link, err := svcs.Auth.Staff.Invite(ctx, pp.coord, auth.RoleClinician, 5)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := svcs.Auth.Staff.AcceptInvitation(ctx, meta, link.Token, "dr-login", "lange zin als wachtwoord",
		auth.StaffProfile{DisplayName: "Dr. An Jansen", Profession: "psychologist"})
	if err != nil {
		t.Fatal(err)
	}
	pp.doc = auth.Principal{UserID: doc.ID, Role: auth.RoleClinician}
	return pp
}

func phq9(values ...int) []selftest.Answer {
	out := make([]selftest.Answer, len(values))
	for i, v := range values {
		out[i] = selftest.Answer{Item: fmt.Sprintf("phq9_%d", i+1), Value: v}
	}
	return out
}

func TestClientPagesThroughATrajectory(t *testing.T) {
	ctx := context.Background()
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	pp := newPeople(t, clock)
	cs := pp.svcs.Coaching

	form, err := cs.ApplicationForm(ctx, pp.client)
	if err != nil || len(form.Selftests) != 0 || form.Days != 14 {
		t.Fatalf("ApplicationForm = %+v, %v", form, err)
	}
	if _, err := cs.ApplicationForm(ctx, pp.doc); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a clinician's application form: %v", err)
	}
	home, err := cs.ClientHome(ctx, pp.client)
	if err != nil || home.Trajectory != nil {
		t.Fatalf("ClientHome before applying = %+v, %v", home, err)
	}

	tr, _, err := cs.Apply(ctx, pp.client, coaching.Application{Language: "en", PHQ9: phq9(2, 2, 1, 1, 1, 1, 1, 1, 0),
		Hopes: "Sleep better", Reachable: "Evenings"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ApplicationForm(ctx, pp.client); !errors.Is(err, coaching.ErrOpenTrajectory) {
		t.Errorf("application form with an application going: %v", err)
	}
	home, err = cs.ClientHome(ctx, pp.client)
	if err != nil || home.Trajectory == nil || home.Trajectory.State != coaching.StateApplied || home.Place == nil ||
		home.Place.Position != 1 || home.Place.Waiting != 1 || home.Clinician != nil {
		t.Fatalf("ClientHome applied = %+v, %v", home, err)
	}
	if len(home.Schedule) != 1 || home.Schedule[0].Point != coaching.PointIntake || home.Schedule[0].Taken == nil {
		t.Errorf("schedule after applying: %+v", home.Schedule)
	}

	if _, err := cs.Assign(ctx, pp.coord, tr.ID, pp.doc.UserID); err != nil {
		t.Fatal(err)
	}
	home, err = cs.ClientHome(ctx, pp.client)
	if err != nil || home.Trajectory.State != coaching.StateWaiting || home.Place != nil || home.Clinician == nil ||
		home.Clinician.Name != "Dr. An Jansen" || home.Clinician.Profession != "psychologist" {
		t.Fatalf("ClientHome waiting = %+v (%+v), %v", home, home.Clinician, err)
	}
	// The clinician sees nothing of the care before the client agrees.
	if _, err := cs.Conversation(ctx, pp.doc, tr.ID); !errors.Is(err, coaching.ErrNotFound) {
		t.Errorf("the clinician's conversation before consent: %v", err)
	}
	if _, err := cs.Consent(ctx, pp.client, tr.ID); err != nil {
		t.Fatal(err)
	}

	clock.Add(time.Hour)
	if _, _, err := cs.Send(ctx, pp.doc, tr.ID, "Welcome. How was your week?", "k1"); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.GiveFeedback(ctx, pp.doc, tr.ID, "understanding", "Well done on the first lesson."); err != nil {
		t.Fatal(err)
	}
	home, err = cs.ClientHome(ctx, pp.client)
	if err != nil || home.Trajectory.State != coaching.StateActive || home.Unread != 1 || len(home.Feedback) != 1 ||
		home.Feedback[0].ReadAt != nil || home.Feedback[0].ClinicianName != "Dr. An Jansen" {
		t.Fatalf("ClientHome active = %+v, %v", home, err)
	}
	conv, err := cs.Conversation(ctx, pp.client, tr.ID)
	if err != nil || conv.With != "Dr. An Jansen" || len(conv.Messages) != 1 || conv.Messages[0].ReadAt != nil ||
		conv.Messages[0].From != coaching.FromClinician || conv.Messages[0].SenderName != "Dr. An Jansen" {
		t.Fatalf("Conversation = %+v, %v", conv, err)
	}
	home, _ = cs.ClientHome(ctx, pp.client)
	if home.Unread != 0 || home.Feedback[0].ReadAt == nil {
		t.Errorf("read once, still unread: %d messages, feedback read at %v", home.Unread, home.Feedback[0].ReadAt)
	}
	if _, _, err := cs.Send(ctx, pp.client, tr.ID, "Better, thank you.", "k2"); err != nil {
		t.Fatal(err)
	}
	conv, err = cs.Conversation(ctx, pp.doc, tr.ID)
	if err != nil || conv.With != "client-0" || len(conv.Messages) != 2 {
		t.Fatalf("the clinician's conversation = %+v, %v", conv, err)
	}
	if _, err := cs.Conversation(ctx, pp.other, tr.ID); !errors.Is(err, coaching.ErrNotFound) {
		t.Errorf("another client's conversation: %v", err)
	}

	// The week-6 questionnaire opens on its day, once.
	q, err := cs.Questionnaire(ctx, pp.client, tr.ID, coaching.PointWeek6, "phq9")
	if err != nil || q.Open || q.Taken != nil {
		t.Fatalf("week 6 before its day = %+v, %v", q, err)
	}
	clock.Add(42 * 24 * time.Hour)
	if q, err = cs.Questionnaire(ctx, pp.client, tr.ID, coaching.PointWeek6, "phq9"); err != nil || !q.Open {
		t.Fatalf("week 6 on its day = %+v, %v", q, err)
	}
	if _, err := cs.TakeMeasurement(ctx, pp.client, tr.ID, coaching.PointWeek6, "phq9", "en", phq9(1, 1, 1, 1, 1, 0, 0, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if q, err = cs.Questionnaire(ctx, pp.client, tr.ID, coaching.PointWeek6, "phq9"); err != nil || q.Open || q.Taken == nil || q.Taken.Score != 5 {
		t.Fatalf("week 6 taken = %+v, %v", q, err)
	}
	for _, c := range []struct{ point, instrument string }{{coaching.PointFollowUp3, "phq9"}, {coaching.PointWeek6, "gad7"}, {"nonsense", "phq9"}} {
		if _, err := cs.Questionnaire(ctx, pp.client, tr.ID, c.point, c.instrument); !errors.Is(err, coaching.ErrNotFound) {
			t.Errorf("Questionnaire(%s, %s): %v", c.point, c.instrument, err)
		}
	}
	if _, err := cs.Questionnaire(ctx, pp.other, tr.ID, coaching.PointWeek6, "phq9"); !errors.Is(err, coaching.ErrNotFound) {
		t.Errorf("another client's questionnaire: %v", err)
	}

	// Ended: the home shows the latest trajectory, and a new application
	// may follow.
	if _, err := cs.Close(ctx, pp.doc, tr.ID, coaching.Outcome{State: coaching.StateCompleted}); err != nil {
		t.Fatal(err)
	}
	home, err = cs.ClientHome(ctx, pp.client)
	if err != nil || home.Trajectory.State != coaching.StateCompleted || home.Trajectory.EndMessagesIn != 1 || home.Trajectory.EndMessagesOut != 1 {
		t.Fatalf("ClientHome completed = %+v, %v", home.Trajectory, err)
	}
	if form, err := cs.ApplicationForm(ctx, pp.client); err != nil || form == nil {
		t.Errorf("application form after the end: %v", err)
	}
}

// A client who tries another client's trajectory finds nothing (404), and
// the attempt is in the owner's audit trail as denied — also for the
// changes that run in a transaction (on SQLite the audit log could not be
// written while it is open: the request hung, then failed).
func TestAnotherClientsTrajectoryIsNotFoundAndAudited(t *testing.T) {
	ctx := context.Background()
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	pp := newPeople(t, clock)
	cs := pp.svcs.Coaching
	tr, _, err := cs.Apply(ctx, pp.client, coaching.Application{Language: "en", PHQ9: phq9(1, 1, 1, 1, 1, 1, 1, 1, 0),
		Hopes: "Rest", Reachable: "Mornings"})
	if err != nil {
		t.Fatal(err)
	}
	attempts := map[string]func() error{
		"withdraw": func() error { _, err := cs.Withdraw(ctx, pp.other, tr.ID); return err },
		"consent":  func() error { _, err := cs.Consent(ctx, pp.other, tr.ID); return err },
		"questionnaire": func() error {
			_, err := cs.TakeMeasurement(ctx, pp.other, tr.ID, coaching.PointIntake, "phq9", "en", phq9(0, 0, 0, 0, 0, 0, 0, 0, 0))
			return err
		},
		"send": func() error { _, _, err := cs.Send(ctx, pp.other, tr.ID, "hello", "k"); return err },
		"home": func() error { _, err := cs.Conversation(ctx, pp.other, tr.ID); return err },
		"schedule": func() error {
			_, err := cs.Questionnaire(ctx, pp.other, tr.ID, coaching.PointIntake, "phq9")
			return err
		},
	}
	for name, try := range attempts {
		if err := try(); !errors.Is(err, coaching.ErrNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	entries, err := pp.svcs.Audit.Search(ctx, pp.coord.Actor(), audit.Query{Client: pp.client.UserID})
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, e := range entries {
		if e.Outcome == audit.OutcomeDenied && e.ActorID != nil && *e.ActorID == pp.other.UserID {
			denied++
		}
	}
	if denied < len(attempts) {
		t.Errorf("%d denied attempts audited, want %d", denied, len(attempts))
	}
}

// Reading one lesson's feedback (in the lesson) leaves the other lessons'
// feedback new for the home page.
func TestOneLessonsFeedbackIsReadAlone(t *testing.T) {
	ctx := context.Background()
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	pp := newPeople(t, clock)
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
	for _, l := range []string{"understanding", "activation"} {
		if _, err := cs.GiveFeedback(ctx, pp.doc, tr.ID, l, "Feedback on "+l); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := cs.ClientFeedback(ctx, pp.client, "activation")
	if err != nil || len(fs) != 1 || fs[0].LessonID != "activation" || fs[0].ReadAt != nil {
		t.Fatalf("ClientFeedback(activation) = %+v, %v", fs, err)
	}
	home, err := cs.ClientHome(ctx, pp.client)
	if err != nil || len(home.Feedback) != 2 {
		t.Fatalf("ClientHome feedback = %+v, %v", home, err)
	}
	for _, f := range home.Feedback {
		if (f.ReadAt == nil) != (f.LessonID == "understanding") {
			t.Errorf("lesson %s read at %v", f.LessonID, f.ReadAt)
		}
	}
}
