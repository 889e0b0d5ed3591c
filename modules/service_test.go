package modules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/selftest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	svc   *Service
	store *Store
	clock *clock
}

func newFixture(t *testing.T) *fixture { t.Helper(); return newFixtureWith(t, nil) }

// newFixtureWith is newFixture with its options changed by opt; the
// fixture's deployment sends e-mail unless opt says otherwise.
func newFixtureWith(t *testing.T, opt func(*Options)) *fixture {
	t.Helper()
	return newFixtureFS(t, fixtureFS(), func(o *Options, _ *gorm.DB) {
		o.MailConfigured = true
		if opt != nil {
			opt(o)
		}
	})
}

// newFixtureFS is the course service on the content fsys, a fresh
// database and the fixture's clock (2 November 2026, 09:00 UTC); opt
// changes the options, given the database for services built on it.
func newFixtureFS(t *testing.T, fsys fstest.MapFS, opt func(o *Options, d *gorm.DB)) *fixture {
	t.Helper()
	lib, err := LoadLibraryFS(fsys, knownPHQ)
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
	o := Options{Library: lib, Store: store, Sealer: sealer, Scorer: scorer, Crisis: scorer, Now: c.now, Location: brussels(t)}
	if opt != nil {
		opt(&o, database.DB)
	}
	svc, err := NewService(o)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: store, clock: c}
}

// newScorer is the real self-test service, which scores the course's
// questionnaires.
func newScorer(t testing.TB, db *gorm.DB, now func() time.Time) *selftest.Service {
	t.Helper()
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	advice, _ := selftest.LoadAdvice()
	crisis, _ := selftest.LoadCrisisContacts("")
	log, err := audit.NewLog(db, audit.Options{Keys: []audit.Key{{ID: "a1", Secret: bytes.Repeat([]byte{6}, 32)}}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := selftest.NewService(selftest.Options{Catalog: catalog, Advice: advice, Crisis: crisis, Store: selftest.NewStore(db), Sealer: testSealer(t), Audit: log, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func brussels(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// phq is a PHQ-9 with these answers to items 1–9.
func phq(values ...int) []selftest.Answer {
	out := make([]selftest.Answer, len(values))
	for i, v := range values {
		out[i] = selftest.Answer{Item: "phq9_" + string(rune('1'+i)), Value: v}
	}
	return out
}

func raw(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func TestEveryExerciseTypeRoundTrips(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	mood := 6
	tests := []struct {
		field string
		in    any
		want  string
	}{
		{"story", "  I stayed in bed.  ", `"I stayed in bed."`},
		{"mood", 7, `7`},
		{"pick", "b", `"b"`},
		{"several", []string{"z", "x", "x"}, `["x","z"]`},
		{"tasks", []string{"call"}, `["call"]`},
		{"pleasant", []string{"walk the dog", " ", "music"}, `["walk the dog","music"]`},
		{"plan", []PlanItem{{ID: "p1", Activity: "Walk", Day: "2026-11-03", Time: "10:30", Done: true, Mood: &mood}},
			`[{"id":"p1","activity":"Walk","day":"2026-11-03","time":"10:30","done":true,"mood":6}]`},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			if _, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "all-fields", Values{tt.field: raw(tt.in)}, false); err != nil {
				t.Fatalf("save: %v", err)
			}
			v, err := f.svc.OpenLesson(ctx, "u1", "demo", "one")
			if err != nil {
				t.Fatal(err)
			}
			got := string(v.Answers["all-fields"].Values[tt.field])
			if got != tt.want {
				t.Errorf("saved %s, read back %s, want %s", raw(tt.in), got, tt.want)
			}
		})
	}
}

func TestAnswerValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		values   Values
		complete bool
		field    string
	}{
		{"scale above 10", Values{"mood": raw(11)}, false, "values.mood"},
		{"scale not a number", Values{"mood": raw("high")}, false, "values.mood"},
		{"unknown option", Values{"pick": raw("d")}, false, "values.pick"},
		{"unknown option in multiple", Values{"several": raw([]string{"x", "q"})}, false, "values.several"},
		{"text too long", Values{"story": raw(strings.Repeat("a", MaxTextLen+1))}, false, "values.story"},
		{"unknown field", Values{"nope": raw("x")}, false, "values.nope"},
		{"planner bad day", Values{"plan": raw([]map[string]any{{"activity": "x", "day": "tomorrow"}})}, false, "values.plan[0].day"},
		{"planner bad time", Values{"plan": raw([]map[string]any{{"activity": "x", "day": "2026-11-03", "time": "25:00"}})}, false, "values.plan[0].time"},
		{"planner names the row", Values{"plan": raw([]map[string]any{{"activity": "a", "day": "2026-11-03"}, {"activity": "b", "day": "2026-11-04"},
			{"activity": " ", "day": "2026-11-05"}})}, false, "values.plan[2].activity"},
		{"planner mood out of range", Values{"plan": raw([]map[string]any{{"activity": "x", "day": "2026-11-03", "done": true, "mood": 11}})}, false, "values.plan[0].mood"},
		{"planner unknown key", Values{"plan": raw([]map[string]any{{"activity": "x", "day": "2026-11-03", "where": "park"}})}, false, "values.plan"},
		{"empty list does not fill a required field", Values{"pleasant": raw(make([]string, 0))}, true, "values.story"},
		{"required missing on complete", Values{"mood": raw(3)}, true, "values.story"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "all-fields", tt.values, tt.complete)
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("want ValidationError, got %v", err)
			}
			if _, ok := verr.Fields[tt.field]; !ok {
				t.Errorf("field %s not named: %v", tt.field, verr.Fields)
			}
		})
	}
	// Partial saves are fine: the client's work is kept as they type.
	if _, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "all-fields", Values{"mood": raw(3)}, false); err != nil {
		t.Errorf("partial save rejected: %v", err)
	}
}

func TestAnswersAreEncryptedAndPrivate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.OpenLesson(ctx, "owner", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	secret := "I feel worthless since my divorce"
	if _, err := f.svc.SaveStep(ctx, "owner", "demo", "one", "all-fields", Values{"story": raw(secret)}, false); err != nil {
		t.Fatal(err)
	}
	var rows []storedAnswer
	if err := f.store.db.Find(&rows).Error; err != nil || len(rows) != 1 {
		t.Fatalf("rows %v %v", rows, err)
	}
	if strings.Contains(rows[0].Sealed, "worthless") || rows[0].KeyID != "k1" || !strings.HasPrefix(rows[0].Sealed, "k1:") {
		t.Errorf("answer stored in the clear or without key id: %+v", rows[0])
	}
	got, err := f.svc.Answers(ctx, "owner", "demo")
	if err != nil || len(got) != 1 || !strings.Contains(string(got[0].Values["story"]), "worthless") {
		t.Errorf("owner reads %v %v", got, err)
	}
	if _, err := f.svc.Answers(ctx, "stranger", "demo"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another client: want ErrNotFound, got %v", err)
	}
	if _, err := f.svc.SaveStep(ctx, "stranger", "demo", "one", "all-fields", Values{"story": raw("x")}, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("another client saving: want ErrNotFound, got %v", err)
	}
	// A sealed answer moved to another enrolment does not open.
	if _, err := f.svc.OpenLesson(ctx, "thief", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	thief, _ := f.store.Enrolment(ctx, "thief", "demo")
	stolen := rows[0]
	stolen.EnrolmentID = thief.ID
	if err := f.store.db.Create(&stolen).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Answers(ctx, "thief", "demo"); !errors.Is(err, seal.ErrCorrupt) {
		t.Errorf("copied ciphertext opened for another enrolment: %v", err)
	}
}

func TestProgressUnlockResumeHomeworkAndEvents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pr, err := f.svc.Start(ctx, "u1", "demo")
	if err != nil {
		t.Fatal(err)
	}
	if pr.Lessons[0].State != LessonOpen || pr.Lessons[1].State != LessonLocked {
		t.Fatalf("states %s %s", pr.Lessons[0].State, pr.Lessons[1].State)
	}
	if !pr.Measures[0].Due || pr.Measures[1].Due {
		t.Errorf("start measurement due %v, end due %v", pr.Measures[0].Due, pr.Measures[1].Due)
	}
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "two"); !errors.Is(err, ErrLocked) {
		t.Fatalf("lesson two before one: %v", err)
	}
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	// Save mid-step: resume must point exactly there.
	if _, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "intro", nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "all-fields", Values{"mood": raw(4)}, false); err != nil {
		t.Fatal(err)
	}
	pr, _ = f.svc.Progress(ctx, "u1", "demo")
	if pr.ResumeLesson != "one" || pr.ResumeStep != "all-fields" {
		t.Errorf("resume at %s/%s, want one/all-fields", pr.ResumeLesson, pr.ResumeStep)
	}
	res, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "all-fields", Values{"story": raw("ok")}, true)
	if err != nil || res.NextStep != "homework" {
		t.Fatalf("complete exercise: %+v %v", res, err)
	}
	res, err = f.svc.SaveStep(ctx, "u1", "demo", "one", "homework", Values{"how": raw("I walked twice")}, true)
	if err != nil || !res.LessonCompleted || res.CourseCompleted || res.NextLesson != "two" || res.NextStep != "welcome" {
		t.Fatalf("finish lesson one: %+v %v", res, err)
	}
	pr, _ = f.svc.Progress(ctx, "u1", "demo")
	if pr.Lessons[0].State != LessonDone || pr.Lessons[1].State != LessonOpen || pr.ResumeLesson != "two" || pr.ResumeStep != "welcome" {
		t.Errorf("after lesson one: %s %s resume %s/%s", pr.Lessons[0].State, pr.Lessons[1].State, pr.ResumeLesson, pr.ResumeStep)
	}
	v, err := f.svc.OpenLesson(ctx, "u1", "demo", "two")
	if err != nil {
		t.Fatal(err)
	}
	if v.CarriedHomework == nil || v.CarriedHomework.Step.ID != "homework" || v.CarriedHomework.Answer == nil ||
		string(v.CarriedHomework.Answer.Values["how"]) != `"I walked twice"` {
		t.Errorf("homework not carried over: %+v", v.CarriedHomework)
	}
	if _, err := f.svc.SaveStep(ctx, "u1", "demo", "two", "welcome", nil, true); err != nil {
		t.Fatal(err)
	}
	res, err = f.svc.SaveStep(ctx, "u1", "demo", "two", "reflect", Values{"learned": raw("a lot")}, true)
	if err != nil || !res.LessonCompleted || !res.CourseCompleted {
		t.Fatalf("finish course: %+v %v", res, err)
	}
	// Finishing again does not count twice.
	if res, err = f.svc.SaveStep(ctx, "u1", "demo", "two", "reflect", Values{"learned": raw("more")}, true); err != nil || res.CourseCompleted || res.LessonCompleted {
		t.Errorf("second finish: %+v %v", res, err)
	}
	from, to := f.clock.now().Add(-time.Hour), f.clock.now().Add(time.Hour)
	for kind, want := range map[string]int64{EventStarted: 1, EventLessonCompleted: 2, EventCourseCompleted: 1} {
		if n, err := f.store.CountEvents(ctx, kind, "demo", from, to); err != nil || n != want {
			t.Errorf("%s events = %d (%v), want %d", kind, n, err, want)
		}
	}
	pr, _ = f.svc.Progress(ctx, "u1", "demo")
	if pr.Enrolment.CompletedAt == nil || !pr.Measures[1].Due {
		t.Errorf("course not completed or end measurement not due: %+v", pr.Measures)
	}
	out, err := f.svc.TakeMeasurement(ctx, "u1", "demo", "end", "nl", phq(1, 1, 1, 1, 1, 1, 0, 0, 0))
	if err != nil || out.Score != 6 || out.Band != "mild" || out.Crisis {
		t.Fatalf("take end questionnaire: %+v, %v", out, err)
	}
	if _, err := f.svc.TakeMeasurement(ctx, "u1", "demo", "end", "nl", phq(1, 1, 1, 1, 1, 0, 0, 0, 0)); !errors.Is(err, ErrNotFound) {
		t.Errorf("a point is taken once: %v", err)
	}
	if n, _ := f.store.CountEvents(ctx, EventMeasurement, "demo", from, to); n != 1 {
		t.Errorf("measurement events = %d", n)
	}
}

func TestOpenProgrammeUnlocksEverything(t *testing.T) {
	f := newFixture(t)
	lib, _ := LoadLibraryFS(fixtureFS(), knownPHQ)
	p, _ := lib.Programme("demo")
	p.Unlock = UnlockOpen
	f.svc.lib = lib
	if _, err := f.svc.OpenLesson(context.Background(), "u1", "demo", "two"); err != nil {
		t.Errorf("open programme: %v", err)
	}
}

// fakeQueue keeps the reminder e-mails queued, with their addresses
// opened.
type fakeQueue struct {
	sealer      *seal.Sealer
	sent, langs []string
}

func (m *fakeQueue) QueueNudge(_ context.Context, _ *Store, n NudgeMail) error {
	addr, err := m.sealer.Open(n.AddressSealed, n.AddressContext)
	if err != nil {
		return err
	}
	m.sent = append(m.sent, string(addr))
	m.langs = append(m.langs, n.Language)
	return nil
}

func TestNudgesOncePerLapse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.OpenLesson(ctx, "quiet", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.OpenLesson(ctx, "mailme", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetNudgeEmail(ctx, "mailme", "demo", "not-an-address", "en"); err == nil {
		t.Error("bad address accepted")
	}
	if err := f.svc.SetNudgeEmail(ctx, "mailme", "demo", "me@example.org", "en"); err != nil {
		t.Fatal(err)
	}
	e, _ := f.store.Enrolment(ctx, "mailme", "demo")
	if e.NudgeEmailSealed == nil || strings.Contains(*e.NudgeEmailSealed, "example.org") {
		t.Errorf("nudge address not sealed: %v", e.NudgeEmailSealed)
	}
	m := &fakeQueue{sealer: f.svc.sealer}
	if n, err := f.svc.RunNudges(ctx, f.clock.now().Add(6*24*time.Hour), m); err != nil || n != 0 {
		t.Fatalf("after 6 days: %d %v", n, err)
	}
	later := f.clock.now().Add(8 * 24 * time.Hour)
	for range 3 { // the job may run many times; one lapse, one nudge
		if _, err := f.svc.RunNudges(ctx, later, m); err != nil {
			t.Fatal(err)
		}
	}
	if len(m.sent) != 1 || m.sent[0] != "me@example.org" || m.langs[0] != "en" {
		t.Errorf("e-mails sent: %v in %v (the language the client opted in with)", m.sent, m.langs)
	}
	f.clock.add(8 * 24 * time.Hour)
	// Reading progress (opening a lesson first, say) leaves the nudge for
	// the page that shows it; once acknowledged it is gone.
	if _, err := f.svc.OpenLesson(ctx, "quiet", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	pr, _ := f.svc.Progress(ctx, "quiet", "demo")
	if pr.Nudge == nil {
		t.Fatal("in-app nudge not shown on return")
	}
	if err := f.svc.AckNudge(ctx, pr); err != nil {
		t.Fatal(err)
	}
	pr, _ = f.svc.Progress(ctx, "quiet", "demo")
	if pr.Nudge != nil {
		t.Error("in-app nudge shown twice")
	}
	// Coming back ends the lapse; a new week away is a new lapse.
	if _, err := f.svc.OpenLesson(ctx, "mailme", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RunNudges(ctx, f.clock.now().Add(8*24*time.Hour), m); err != nil {
		t.Fatal(err)
	}
	if len(m.sent) != 2 {
		t.Errorf("second lapse: %d e-mails, want 2", len(m.sent))
	}
	// Opting in again from a Dutch page writes the e-mail in Dutch; a
	// language the course lacks falls back to its first.
	if err := f.svc.SetNudgeEmail(ctx, "mailme", "demo", "me@example.org", "nl"); err != nil {
		t.Fatal(err)
	}
	if e, _ := f.store.Enrolment(ctx, "mailme", "demo"); e.NudgeLanguage == nil || *e.NudgeLanguage != "nl" {
		t.Errorf("language kept %v, want nl", e.NudgeLanguage)
	}
	if err := f.svc.SetNudgeEmail(ctx, "mailme", "demo", "me@example.org", "fr"); err != nil {
		t.Fatal(err)
	}
	if e, _ := f.store.Enrolment(ctx, "mailme", "demo"); e.NudgeLanguage == nil || *e.NudgeLanguage != "nl" {
		t.Errorf("an unknown language kept as %v, want the programme's first, nl", e.NudgeLanguage)
	}
	f.clock.add(9 * 24 * time.Hour) // back after the second lapse, then away again
	if _, err := f.svc.OpenLesson(ctx, "mailme", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RunNudges(ctx, f.clock.now().Add(8*24*time.Hour), m); err != nil {
		t.Fatal(err)
	}
	if len(m.langs) != 3 || m.langs[2] != "nl" {
		t.Errorf("third lapse in %v, want nl", m.langs)
	}
	if err := f.svc.SetNudgeEmail(ctx, "mailme", "demo", "", ""); err != nil {
		t.Fatal(err)
	}
	if e, _ := f.store.Enrolment(ctx, "mailme", "demo"); e.NudgeEmailSealed != nil || e.NudgeLanguage != nil {
		t.Error("address (or its language) not removed")
	}
}

// TestNudgeEmailNeedsMail: a deployment that sends no e-mail takes no
// reminder address (nothing would ever use it), whichever transport asks;
// removing one stays allowed.
func TestNudgeEmailNeedsMail(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		mail    bool
		address string
		want    string // "", "invalid" or "no mail"
		stored  bool
	}{
		{"mail, an address", true, "me@example.org", "", true},
		{"mail, removed", true, "", "", false},
		{"no mail, an address", false, "me@example.org", "no mail", false},
		{"no mail, a bad address", false, "not-an-address", "invalid", false},
		{"no mail, removed", false, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureWith(t, func(o *Options) { o.MailConfigured = tc.mail })
			if _, err := f.svc.Start(ctx, "mailme", "demo"); err != nil {
				t.Fatal(err)
			}
			err := f.svc.SetNudgeEmail(ctx, "mailme", "demo", tc.address, "en")
			var verr *ValidationError
			got := ""
			switch {
			case errors.Is(err, ErrMailNotConfigured):
				got = "no mail"
			case errors.As(err, &verr):
				got = "invalid"
			case err != nil:
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("SetNudgeEmail: %v, want %q", err, tc.want)
			}
			if e, _ := f.store.Enrolment(ctx, "mailme", "demo"); (e.NudgeEmailSealed != nil) != tc.stored {
				t.Errorf("address stored: %v, want %v", e.NudgeEmailSealed != nil, tc.stored)
			}
		})
	}
}

func TestDiary(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	today := f.clock.now().Format(time.DateOnly)
	if _, err := f.svc.SaveDiary(ctx, "u1", DiaryEntry{Day: today, Mood: 3, Note: "Bad night", Activities: []string{"walk", "walk", " "}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveDiary(ctx, "u1", DiaryEntry{Day: today, Mood: 5}); err != nil {
		t.Fatal(err) // replaces the day
	}
	yesterday := f.clock.now().AddDate(0, 0, -1).Format(time.DateOnly)
	if _, err := f.svc.SaveDiary(ctx, "u1", DiaryEntry{Day: yesterday, Mood: 2, Note: "Stayed in", Activities: []string{"tv"}}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Diary(ctx, "u1", f.clock.now().AddDate(0, 0, -7), f.clock.now())
	if err != nil || len(got) != 2 || got[0].Note != "Stayed in" || got[0].Activities[0] != "tv" || got[1].Mood != 5 || got[1].Note != "" {
		t.Fatalf("diary %+v %v", got, err)
	}
	var rows []storedDiaryEntry
	f.store.db.Find(&rows)
	for _, r := range rows {
		if r.NoteSealed != nil && strings.Contains(*r.NoteSealed, "Stayed") {
			t.Error("diary note stored in the clear")
		}
	}
	if other, _ := f.svc.Diary(ctx, "u2", f.clock.now().AddDate(0, 0, -7), f.clock.now()); len(other) != 0 {
		t.Error("another client sees the diary")
	}
	bad := []DiaryEntry{
		{Day: "27-11-2026", Mood: 3},
		{Day: today, Mood: 11},
		{Day: f.clock.now().AddDate(0, 0, 3).Format(time.DateOnly), Mood: 3},
		{Day: f.clock.now().AddDate(-2, 0, 0).Format(time.DateOnly), Mood: 3},
	}
	for _, b := range bad {
		var verr *ValidationError
		if _, err := f.svc.SaveDiary(ctx, "u1", b); !errors.As(err, &verr) {
			t.Errorf("%+v accepted: %v", b, err)
		}
	}
	if err := f.svc.DeleteDiary(ctx, "u1", yesterday); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteDiary(ctx, "u1", yesterday); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestEraseUserKeepsAnonymousCounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.OpenLesson(ctx, "gone", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveStep(ctx, "gone", "demo", "one", "all-fields", Values{"story": raw("x")}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveDiary(ctx, "gone", DiaryEntry{Day: f.clock.now().Format(time.DateOnly), Mood: 4, Note: "n"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.EraseUser(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	for table, model := range map[string]any{"enrolments": &Enrolment{}, "answers": &storedAnswer{}, "lessons": &LessonState{}, "diary": &storedDiaryEntry{}} {
		var n int64
		f.store.db.Model(model).Count(&n)
		if n != 0 {
			t.Errorf("%s: %d rows remain", table, n)
		}
	}
	if n, _ := f.store.CountEvents(ctx, EventStarted, "demo", time.Time{}, f.clock.now().Add(time.Hour)); n != 1 {
		t.Errorf("anonymous start count lost: %d", n)
	}
	var linked int64
	f.store.db.Model(&event{}).Where("enrolment_id IS NOT NULL").Count(&linked)
	if linked != 0 {
		t.Errorf("%d events still linked to the erased enrolment", linked)
	}
}

func TestPlan(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Plan(ctx, "u1", "demo", "en"); !errors.Is(err, ErrNotFound) {
		t.Errorf("plan before enrolling: %v", err)
	}
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	vals := Values{"pleasant": raw([]string{"walk", "call Anna"}), "several": raw([]string{"y"})}
	if _, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "all-fields", vals, false); err != nil {
		t.Fatal(err)
	}
	plan, err := f.svc.Plan(ctx, "u1", "demo", "nl")
	if err != nil {
		t.Fatal(err)
	}
	if plan.Title != "Mijn plan" || len(plan.Sections) != 3 {
		t.Fatalf("plan %+v", plan)
	}
	if got := plan.Sections[0]; got.Label != "Leuk" || strings.Join(got.Items, ",") != "walk,call Anna" {
		t.Errorf("list section %+v", got)
	}
	if got := plan.Sections[1]; len(got.Items) != 0 {
		t.Errorf("unanswered section %+v", got)
	}
	if got := plan.Sections[2]; strings.Join(got.Items, ",") != "Y" {
		t.Errorf("choices shown as labels: %+v", got)
	}
	text := plan.Text()
	for _, want := range []string{"Mijn plan", "  - call Anna", "Verhaal\n  -\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

// TestPlanEndsWithCrisisLines: the downloaded plan closes with the
// deployment's crisis lines (and those for young people) in the reader's
// language, after the client's own sections.
func TestPlanEndsWithCrisisLines(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang string
		want []string
	}{
		{"nl", []string{"Hulp nodig?\n===========\n", "In gevaar? Bel 112\n", "\nBelgië\n  - Zelfmoordlijn 1813: 1813 (https://www.zelfmoord1813.be)\n    Bel gratis 1813, dag en nacht",
			"\nNederland\n  - 113 Zelfmoordpreventie: 113, 0800-0113 (https://www.113.nl)\n    Bel gratis 113 of 0800-0113",
			"  Voor jongeren:\n  - Awel: 102 (https://www.awel.be)\n    Voor kinderen en jongeren", "  - De Kindertelefoon: 0800-0432"}},
		{"en", []string{"Need help now?\n==============\n", "In danger? Call 112\n", "\nBelgium\n  - Zelfmoordlijn 1813: 1813", "    Call 1813 for free, day and night",
			"\nNetherlands\n  - 113 Zelfmoordpreventie: 113, 0800-0113", "    Call 113 or 0800-0113 for free", "  For young people:\n  - Awel: 102"}},
	}
	for _, tt := range tests {
		plan, err := f.svc.Plan(ctx, "u1", "demo", tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		text := plan.Text()
		for _, want := range tt.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text lacks %q:\n%s", tt.lang, want, text)
			}
		}
		if strings.Index(text, "Verhaal") > strings.Index(text, "112") && tt.lang == "nl" {
			t.Errorf("%s: the crisis lines come before the plan", tt.lang)
		}
	}
}

func TestExportKeepsRemovedSteps(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.OpenLesson(ctx, "u1", "demo", "one"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveStep(ctx, "u1", "demo", "one", "all-fields", Values{"story": raw("kept")}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveDiary(ctx, "u1", DiaryEntry{Day: f.clock.now().Format(time.DateOnly), Mood: 6, Note: "ok"}); err != nil {
		t.Fatal(err)
	}
	// A new version of the content drops the step; the answer stays readable.
	fsys := fixtureFS()
	lesson := strings.Replace(string(fsys["demo/lessons/one.yaml"].Data), "- id: all-fields", "- id: renamed-fields", 1)
	fsys["demo/lessons/one.yaml"].Data = []byte(lesson)
	fsys["demo/programme.yaml"].Data = []byte(strings.Replace(strings.Replace(string(fsys["demo/programme.yaml"].Data),
		"version: 1", "version: 2", 1), "all-fields/", "renamed-fields/", -1))
	lib, err := LoadLibraryFS(fsys, knownPHQ)
	if err != nil {
		t.Fatal(err)
	}
	f.svc.lib = lib
	exp, err := f.svc.ExportUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	ex := exp.(Export)
	if len(ex.Enrolments) != 1 || len(ex.Enrolments[0].Answers) != 1 || !ex.Enrolments[0].Answers[0].Removed ||
		string(ex.Enrolments[0].Answers[0].Values["story"]) != `"kept"` || len(ex.Diary) != 1 || ex.Diary[0].Note != "ok" {
		t.Errorf("export %+v", ex)
	}
	pr, err := f.svc.Progress(ctx, "u1", "demo")
	if err != nil || pr.ResumeLesson != "one" || pr.ResumeStep != "intro" {
		t.Errorf("resume after the bookmarked step was removed: %+v %v", pr, err)
	}
}

func testSealer(t testing.TB) *seal.Sealer {
	t.Helper()
	s, err := seal.New([]seal.Key{{ID: "k2", Secret: bytes.Repeat([]byte{4}, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
