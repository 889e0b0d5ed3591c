package kind_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/haven-mh/haven/db/kind"
)

func TestKindsSurviveWrapping(t *testing.T) {
	var (
		fe interface{ FieldErrors() map[string]string }
		nf interface{ NotFound() bool }
		cf interface{ ConflictCode() string }
	)
	inv := kind.NewInvalid("modules")
	if inv.OrNil() != nil {
		t.Fatal("an Invalid without fields must be nil")
	}
	inv.Add("values.planner[2].day", "must be a date")
	inv.Add("values.planner[2].day", "second message is dropped")
	inv.Add("mood", "must be 0–10")
	err := fmt.Errorf("save step: %w", inv.OrNil())
	if !errors.As(err, &fe) || len(fe.FieldErrors()) != 2 || fe.FieldErrors()["values.planner[2].day"] != "must be a date" {
		t.Fatalf("FieldErrors through wrapping: %v", err)
	}
	if got, want := inv.Error(), "modules: invalid input: mood:must be 0–10 values.planner[2].day:must be a date"; got != want {
		t.Errorf("Error() = %q, want %q (sorted keys)", got, want)
	}
	sentinel := kind.NotFoundError("selftest: not found")
	err = fmt.Errorf("submission x: %w", sentinel)
	if !errors.As(err, &nf) || !nf.NotFound() || !errors.Is(err, sentinel) {
		t.Errorf("NotFound through wrapping: %v", err)
	}
	if errors.As(err, &fe) || errors.As(err, &cf) {
		t.Error("a not-found error has no other kind")
	}
	locked := &kind.Conflict{Domain: "modules", Code: "lesson_locked", Message: "locked"}
	err = fmt.Errorf("lesson 3: %w", locked)
	if !errors.As(err, &cf) || cf.ConflictCode() != "lesson_locked" || !errors.Is(err, locked) {
		t.Errorf("Conflict through wrapping: %v", err)
	}
	if got := (&kind.Conflict{Domain: "auth", Code: "conflict", Field: "nickname", Message: "is taken"}).Error(); got != "auth: conflict: nickname: is taken" {
		t.Errorf("field conflict message %q", got)
	}
}
