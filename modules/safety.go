package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// SafetyCrisis is the one safety signal content can mark today: an answer
// that calls for crisis help at once (such as ticking "thoughts of death or
// suicide").
const SafetyCrisis = "crisis"

// SafetySignals lists the signals content may use.
var SafetySignals = []string{SafetyCrisis}

// FieldSafety marks a scale field as a safety signal: a value at or below
// AtMost, or at or above AtLeast (exactly one is set), raises Signal. Only
// scale fields take it: choice fields mark their options instead, and free
// text is never read for signals — matching words is unreliable both ways
// (a missed signal reassures falsely, a false one alarms), and Haven does
// not process the content of what people write beyond keeping it for them.
type FieldSafety struct {
	Signal  string `yaml:"signal"`
	AtMost  *int   `yaml:"at_most"`
	AtLeast *int   `yaml:"at_least"`
}

// SafetySignal is one signal an answer holds: the field, and the option for
// a choice field.
type SafetySignal struct {
	Signal string
	Field  string
	Option string
}

// HasSafety reports whether any field or option of the step is marked.
func (s *Step) HasSafety() bool {
	for _, f := range s.Fields {
		if f.Safety != nil {
			return true
		}
		for _, o := range f.Options {
			if o.Safety != "" {
				return true
			}
		}
	}
	return false
}

// safetySignals returns the signals in a step's normalised answer, in field
// order.
func safetySignals(step *Step, values Values) []SafetySignal {
	var out []SafetySignal
	for _, f := range step.Fields {
		raw, ok := values[f.ID]
		if !ok {
			continue
		}
		switch f.Type {
		case FieldSingle:
			var id string
			if json.Unmarshal(raw, &id) == nil {
				if o := f.Option(id); o != nil && o.Safety != "" {
					out = append(out, SafetySignal{Signal: o.Safety, Field: f.ID, Option: o.ID})
				}
			}
		case FieldMultiple, FieldChecklist:
			var ids []string
			if json.Unmarshal(raw, &ids) == nil {
				for _, o := range f.Options { // in the content's order
					if o.Safety != "" && slices.Contains(ids, o.ID) {
						out = append(out, SafetySignal{Signal: o.Safety, Field: f.ID, Option: o.ID})
					}
				}
			}
		case FieldScale:
			var n int
			if f.Safety != nil && json.Unmarshal(raw, &n) == nil &&
				((f.Safety.AtMost != nil && n <= *f.Safety.AtMost) || (f.Safety.AtLeast != nil && n >= *f.Safety.AtLeast)) {
				out = append(out, SafetySignal{Signal: f.Safety.Signal, Field: f.ID})
			}
		}
	}
	return out
}

// newSignals returns the signals of now that were not in before.
func newSignals(now, before []SafetySignal) []SafetySignal {
	var out []SafetySignal
	for _, s := range now {
		if !slices.Contains(before, s) {
			out = append(out, s)
		}
	}
	return out
}

// safety checks a field's safety marks (validator.field calls it).
func (v *validator) safety(f *Field, at []any) {
	sub := func(k ...any) []any { return append(append([]any{}, at...), k...) }
	for k, o := range f.Options {
		if o.Safety != "" && !slices.Contains(SafetySignals, o.Safety) {
			v.fail(fmt.Sprintf("option %q: unknown safety signal %q (one of %v)", o.ID, o.Safety, SafetySignals), sub("options", k, "safety")...)
			return
		}
	}
	s := f.Safety
	if s == nil {
		return
	}
	switch {
	case f.Type != FieldScale:
		v.fail(fmt.Sprintf("a %s field cannot be a safety signal: mark the options of a choice field, or a scale with at_most or at_least; free text is not read for signals", f.Type), sub("safety")...)
	case !slices.Contains(SafetySignals, s.Signal):
		v.fail(fmt.Sprintf("unknown safety signal %q (one of %v)", s.Signal, SafetySignals), sub("safety", "signal")...)
	case (s.AtMost == nil) == (s.AtLeast == nil):
		v.fail("safety needs exactly one of at_most or at_least", sub("safety")...)
	case s.AtMost != nil && (*s.AtMost < ScaleMin || *s.AtMost >= ScaleMax):
		v.fail(fmt.Sprintf("safety at_most must be from %d to %d", ScaleMin, ScaleMax-1), sub("safety", "at_most")...)
	case s.AtLeast != nil && (*s.AtLeast <= ScaleMin || *s.AtLeast > ScaleMax):
		v.fail(fmt.Sprintf("safety at_least must be from %d to %d", ScaleMin+1, ScaleMax), sub("safety", "at_least")...)
	}
}

// CrisisAlerter is told when a client gives a crisis answer in the course
// — a new safety signal in a lesson, or a crisis answer in a course
// questionnaire (the PHQ-9's item 9 above 0) — so that a clinician guiding
// them hears of it at once. The guided trajectory (coaching) implements it
// through an adapter in cmd/haven/wire: modules never imports coaching.
// It is told before the answer is saved: a failed save may leave an alert
// for an answer the client gave but could not keep, never a kept crisis
// answer without an alert.
type CrisisAlerter interface {
	CourseCrisis(ctx context.Context, userID string) error
}

// raiseCrisis tells the alerter, if there is one.
func (s *Service) raiseCrisis(ctx context.Context, userID string) error {
	if s.alert == nil {
		return nil
	}
	if err := s.alert.CourseCrisis(ctx, userID); err != nil {
		return fmt.Errorf("modules: crisis alert: %w", err)
	}
	return nil
}
