package modules

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTakeMeasurementEnrolsScoresAndSeals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Not enrolled yet: the start questionnaire comes before lesson 1, so
	// taking it enrols (one rule for the API and the web pages).
	if _, err := f.svc.Progress(ctx, "u1", "demo"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("precondition: not enrolled, got %v", err)
	}
	if _, err := f.svc.TakeMeasurement(ctx, "u1", "demo", "end", "nl", phq(0, 0, 0, 0, 0, 0, 0, 0, 0)); !errors.Is(err, ErrNotFound) {
		t.Errorf("the end questionnaire is not due before the course is done: %v", err)
	}
	out, err := f.svc.TakeMeasurement(ctx, "u1", "demo", "start", "nl", phq(0, 0, 0, 0, 0, 0, 0, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	if !out.Crisis || out.Score != 2 || out.Outcome.Advice[0] != "crisis" {
		t.Errorf("an item-9 answer raises the crisis flag whatever the total: %+v", out.Scored)
	}
	pr, err := f.svc.Progress(ctx, "u1", "demo")
	if err != nil || pr.Measures[0].Taken == nil || pr.Measures[0].Due {
		t.Fatalf("enrolled and taken: %+v, %v", pr, err)
	}
	// Answers are sealed at rest; the owner reads the result back.
	var sealed string
	if err := f.store.db.Raw("SELECT answers_sealed FROM selfhelp_measurements").Scan(&sealed).Error; err != nil {
		t.Fatal(err)
	}
	if sealed == "" || strings.Contains(sealed, "phq9_9") {
		t.Errorf("questionnaire answers not sealed: %q", sealed)
	}
	back, err := f.svc.MeasurementResult(ctx, "u1", "demo", "start")
	if err != nil || back.Score != 2 || !back.Crisis || back.Instrument.ID != "phq9" {
		t.Errorf("result read back: %+v, %v", back, err)
	}
	if _, err := f.svc.MeasurementResult(ctx, "u2", "demo", "start"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another client's result: %v", err)
	}
	// Invalid answers name the item; nothing is recorded.
	var verr *ValidationError
	if _, err := f.svc.TakeMeasurement(ctx, "u2", "demo", "start", "nl", phq(0, 0, 7)); !errors.As(err, &verr) || verr.Fields["answers.phq9_3"] == "" {
		t.Errorf("invalid answers: %v", err)
	}
	ex, err := f.svc.ExportUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if ms := ex.(Export).Enrolments[0].Measurements; len(ms) != 1 || len(ms[0].Answers) != 9 || !ms[0].Crisis {
		t.Errorf("export carries the questionnaire: %+v", ms)
	}
}

func TestDiaryDayIsTheDeploymentsDay(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// 23:30 UTC on 1 December is 00:30 on 2 December in Brussels.
	f.clock.t = time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)
	if got := f.svc.Today().Format(time.DateOnly); got != "2026-12-02" {
		t.Fatalf("Today = %s, want 2026-12-02", got)
	}
	if _, err := f.svc.SaveDiary(ctx, "u1", DiaryEntry{Day: "2026-12-02", Mood: 5}); err != nil {
		t.Errorf("today in Brussels is not the future: %v", err)
	}
	if _, err := f.svc.SaveDiary(ctx, "u1", DiaryEntry{Day: "2026-12-04", Mood: 5}); err == nil {
		t.Error("the day after tomorrow is the future")
	}
}
