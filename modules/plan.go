package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/haven-mh/haven/selftest"
)

// PlanSection is one part of a client's plan: the field's label and what
// they wrote.
type PlanSection struct {
	Label string
	Items []string // list answers, one per item; a text answer is one item
}

// Plan is a client's downloadable plan, built from their own answers, and
// closed by the crisis lines in the same language.
type Plan struct {
	Title    string
	Sections []PlanSection
	Crisis   PlanCrisis
}

// PlanCrisis is the crisis help printed in a plan: its headings, and every
// configured country's lines (the deployment's own first) with those for
// young people.
type PlanCrisis struct {
	Title     string
	Emergency string // the heading before the emergency number
	Youth     string // the heading of the lines for young people
	Help      *selftest.CrisisHelp
	// CountryNames are the countries' names in the plan's language, by code.
	CountryNames map[string]string
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
	plan := &Plan{Title: p.Plan.Title.In(lang), Crisis: PlanCrisis{Title: p.Plan.Crisis.Title.In(lang),
		Emergency: p.Plan.Crisis.Emergency.In(lang), Youth: p.Plan.Crisis.Youth.In(lang),
		Help: s.crisis.CrisisHelpForAll(lang, ""), CountryNames: map[string]string{}}}
	namer := display.Regions(language.Make(lang))
	for _, c := range plan.Crisis.Help.Countries {
		plan.Crisis.CountryNames[c.Code] = c.Code
		if r, err := language.ParseRegion(c.Code); err == nil && namer.Name(r) != "" {
			plan.Crisis.CountryNames[c.Code] = namer.Name(r)
		}
	}
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
	if c := pl.Crisis; c.Help != nil {
		b.WriteString("\n\n" + c.Title + "\n" + strings.Repeat("=", len([]rune(c.Title))) + "\n")
		b.WriteString("\n" + c.Emergency + " " + c.Help.Emergency + "\n")
		line := func(l selftest.CrisisLineText) {
			b.WriteString("  - " + l.Name + ": " + strings.Join(l.Phones, ", "))
			if l.URL != "" {
				b.WriteString(" (" + l.URL + ")")
			}
			b.WriteString("\n")
			if l.Text != "" {
				b.WriteString("    " + l.Text + "\n")
			}
		}
		for _, country := range c.Help.Countries {
			b.WriteString("\n" + c.CountryNames[country.Code] + "\n")
			for _, l := range country.Lines {
				line(l)
			}
			if len(country.Youth) > 0 {
				b.WriteString("  " + c.Youth + ":\n")
				for _, l := range country.Youth {
					line(l)
				}
			}
		}
	}
	return b.String()
}
