package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// PlanSection is one part of a client's plan: the field's label and what
// they wrote.
type PlanSection struct {
	Label string
	Items []string // list answers, one per item; a text answer is one item
}

// Plan is a client's downloadable plan, built from their own answers.
type Plan struct {
	Title    string
	Sections []PlanSection
}

// Plan builds the client's plan (for example the relapse-prevention plan)
// in lang from their saved answers. Sections they left empty are kept with
// no items, so the plan shows what is still to fill in.
func (s *Service) Plan(ctx context.Context, userID, programmeID, lang string) (*Plan, error) {
	p, err := s.lib.Programme(programmeID)
	if err != nil {
		return nil, err
	}
	if p.Plan == nil {
		return nil, fmt.Errorf("modules: programme %q has no plan: %w", programmeID, ErrNotFound)
	}
	if !p.HasLanguage(lang) {
		lang = p.Languages[0]
	}
	e, err := s.store.Enrolment(ctx, userID, programmeID)
	if err != nil {
		return nil, err
	}
	answers, err := s.answers(ctx, e, p.Plan.Lesson)
	if err != nil {
		return nil, err
	}
	byStep := map[string]Values{}
	for _, a := range answers {
		byStep[a.StepID] = a.Values
	}
	l := p.Lesson(p.Plan.Lesson)
	plan := &Plan{Title: p.Plan.Title.In(lang)}
	for _, ref := range p.Plan.Fields {
		stepID, fieldID, _ := strings.Cut(ref, "/")
		f := l.Step(stepID).Field(fieldID)
		sec := PlanSection{Label: f.Label.In(lang)}
		if raw, ok := byStep[stepID][fieldID]; ok {
			sec.Items = planItems(f, raw, lang)
		}
		plan.Sections = append(plan.Sections, sec)
	}
	return plan, nil
}

func planItems(f *Field, raw json.RawMessage, lang string) []string {
	switch f.Type {
	case FieldText, FieldSingle:
		var s string
		if json.Unmarshal(raw, &s) != nil || s == "" {
			return nil
		}
		if f.Type == FieldSingle {
			if o := f.Option(s); o != nil {
				s = o.Label.In(lang)
			}
		}
		return []string{s}
	case FieldScale:
		var n int
		if json.Unmarshal(raw, &n) != nil {
			return nil
		}
		return []string{fmt.Sprintf("%d / %d", n, ScaleMax)}
	case FieldList, FieldMultiple, FieldChecklist:
		var items []string
		if json.Unmarshal(raw, &items) != nil {
			return nil
		}
		if f.Type != FieldList {
			for i, id := range items {
				if o := f.Option(id); o != nil {
					items[i] = o.Label.In(lang)
				}
			}
		}
		return items
	case FieldPlanner:
		var plan []PlanItem
		if json.Unmarshal(raw, &plan) != nil {
			return nil
		}
		out := make([]string, 0, len(plan))
		for _, it := range plan {
			out = append(out, strings.TrimSpace(it.Day+" "+it.Time+" "+it.Activity))
		}
		return out
	}
	return nil
}

// Text renders the plan as plain text, for download.
func (pl *Plan) Text() string {
	var b strings.Builder
	b.WriteString(pl.Title + "\n" + strings.Repeat("=", len([]rune(pl.Title))) + "\n")
	for _, s := range pl.Sections {
		b.WriteString("\n" + s.Label + "\n")
		if len(s.Items) == 0 {
			b.WriteString("  -\n")
		}
		for _, it := range s.Items {
			b.WriteString("  - " + strings.ReplaceAll(it, "\n", "\n    ") + "\n")
		}
	}
	return b.String()
}
