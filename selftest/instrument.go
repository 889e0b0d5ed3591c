// Package selftest holds the anonymous screening self-test: instruments as
// data, pure scoring, crisis rules, advice routing and anonymous storage.
package selftest

import (
	"fmt"
	"sort"
)

// Advice codes route a visitor to the next step. They are data: each band of
// an instrument lists the advice codes that apply to it.
const (
	AdviceSelfHelp = "self_help"
	AdviceGuided   = "guided"
	AdviceGP       = "gp"
	AdviceCrisis   = "crisis"
)

// FlagCrisis is the safety flag an item rule can raise.
const FlagCrisis = "crisis"

// Instrument is a validated questionnaire, loaded from a YAML file.
type Instrument struct {
	ID              string `yaml:"id"`
	Version         string `yaml:"version"`
	Name            string `yaml:"name"`
	Codes           Codes  `yaml:"codes"`
	DefaultLanguage string `yaml:"default_language"`
	// ListOrder places the instrument in the self-test list: by purpose,
	// the site's main concern (low mood) first. Instruments without one
	// come last, by id.
	ListOrder int     `yaml:"list_order"`
	Scoring   Scoring `yaml:"scoring"`
	// ReliableChange is the smallest change of the total that is more than
	// measurement error (the reliable change index): a rise this large
	// between two questionnaires is a reliable worsening.
	ReliableChange int                  `yaml:"reliable_change"`
	Options        []Option             `yaml:"options"`
	Items          []Item               `yaml:"items"`
	Bands          []Band               `yaml:"bands"`
	Safety         []SafetyRule         `yaml:"safety"`
	Languages      map[string]*Language `yaml:"languages"`
}

// Codes are the standard terminology codes of an instrument (LOINC).
type Codes struct {
	System string `yaml:"system"`
	Panel  string `yaml:"panel"`
	Total  string `yaml:"total"`
}

// Scoring names the scoring rule. Only "sum" exists today.
type Scoring struct {
	Rule string `yaml:"rule"`
}

// Option is one answer option with its value.
type Option struct {
	Value int    `yaml:"value"`
	Code  string `yaml:"code"`
}

// Item is one question.
type Item struct {
	ID       string   `yaml:"id"`
	Code     string   `yaml:"code"`
	Scored   bool     `yaml:"scored"`
	Required bool     `yaml:"required"`
	Options  []Option `yaml:"options"` // overrides Instrument.Options when set
}

// Band is a severity band, inclusive on both ends, with its next steps in
// order. Urgent names the steps to take without delay; they come first.
type Band struct {
	ID     string   `yaml:"id"`
	Min    int      `yaml:"min"`
	Max    int      `yaml:"max"`
	Advice []string `yaml:"advice"`
	Urgent []string `yaml:"urgent"`
}

// SafetyRule raises Flag when the answer to Item is at least MinValue.
type SafetyRule struct {
	Item     string `yaml:"item"`
	MinValue int    `yaml:"min_value"`
	Flag     string `yaml:"flag"`
}

// Language holds every visible text of an instrument in one language.
type Language struct {
	Title       string                  `yaml:"title"`
	Description string                  `yaml:"description"`
	Stem        string                  `yaml:"stem"`
	Notice      string                  `yaml:"notice"`
	Source      string                  `yaml:"source"`
	Options     []string                `yaml:"options"`
	Items       map[string]LanguageItem `yaml:"items"`
	Bands       map[string]LanguageBand `yaml:"bands"`
}

// LanguageItem is an item's text, and its option labels when the item has
// its own scale.
type LanguageItem struct {
	Text    string   `yaml:"text"`
	Options []string `yaml:"options"`
}

// LanguageBand is a band's label and plain-language meaning.
type LanguageBand struct {
	Label   string `yaml:"label"`
	Meaning string `yaml:"meaning"`
}

// ItemOptions returns the answer options of an item.
func (in *Instrument) ItemOptions(it Item) []Option {
	if len(it.Options) > 0 {
		return it.Options
	}
	return in.Options
}

// item returns the item with the given id.
func (in *Instrument) item(id string) (Item, bool) {
	for _, it := range in.Items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// MaxScore is the highest total the instrument can produce.
func (in *Instrument) MaxScore() int {
	total := 0
	for _, it := range in.Items {
		if !it.Scored {
			continue
		}
		best := 0
		for _, o := range in.ItemOptions(it) {
			best = max(best, o.Value)
		}
		total += best
	}
	return total
}

// Languages returns the language codes the instrument is available in, sorted.
func (in *Instrument) LanguageCodes() []string {
	out := make([]string, 0, len(in.Languages))
	for code := range in.Languages {
		out = append(out, code)
	}
	sort.Strings(out)
	return out
}

// Text returns the instrument's texts in lang, or in its default language when
// lang is not available, together with the language actually used.
func (in *Instrument) Text(lang string) (*Language, string) {
	if l, ok := in.Languages[lang]; ok {
		return l, lang
	}
	return in.Languages[in.DefaultLanguage], in.DefaultLanguage
}

// validate checks the instrument's internal consistency: every reference
// resolves, bands cover the whole score range without gaps or overlaps, and
// every language has every text.
func (in *Instrument) validate() error {
	if in.ID == "" || in.Version == "" || in.Name == "" {
		return fmt.Errorf("id, version and name are required")
	}
	if in.Scoring.Rule != "sum" {
		return fmt.Errorf("scoring.rule %q is not supported (want \"sum\")", in.Scoring.Rule)
	}
	if len(in.Items) == 0 {
		return fmt.Errorf("no items")
	}
	seen := map[string]bool{}
	for i, it := range in.Items {
		if it.ID == "" {
			return fmt.Errorf("items[%d]: id is required", i)
		}
		if seen[it.ID] {
			return fmt.Errorf("items[%d]: duplicate id %q", i, it.ID)
		}
		seen[it.ID] = true
		opts := in.ItemOptions(it)
		if len(opts) == 0 {
			return fmt.Errorf("item %q has no options", it.ID)
		}
		values := map[int]bool{}
		for _, o := range opts {
			if values[o.Value] {
				return fmt.Errorf("item %q: duplicate option value %d", it.ID, o.Value)
			}
			values[o.Value] = true
		}
	}
	if len(in.Bands) == 0 {
		return fmt.Errorf("no bands")
	}
	bands := append([]Band(nil), in.Bands...)
	sort.Slice(bands, func(i, j int) bool { return bands[i].Min < bands[j].Min })
	next := 0
	for _, b := range bands {
		if b.Min != next {
			return fmt.Errorf("band %q starts at %d, want %d (bands must cover the range without gaps or overlaps)", b.ID, b.Min, next)
		}
		if b.Max < b.Min {
			return fmt.Errorf("band %q: max %d below min %d", b.ID, b.Max, b.Min)
		}
		for _, a := range b.Advice {
			switch a {
			case AdviceSelfHelp, AdviceGuided, AdviceGP:
			default:
				return fmt.Errorf("band %q: unknown advice %q", b.ID, a)
			}
		}
		for i, u := range b.Urgent {
			if i >= len(b.Advice) || b.Advice[i] != u {
				return fmt.Errorf("band %q: urgent %q must be one of its advice, listed first in the same order", b.ID, u)
			}
		}
		next = b.Max + 1
	}
	if maxScore := in.MaxScore(); next-1 != maxScore {
		return fmt.Errorf("bands end at %d but the maximum score is %d", next-1, maxScore)
	}
	if in.ReliableChange < 1 || in.ReliableChange > in.MaxScore() {
		return fmt.Errorf("reliable_change %d must be between 1 and the maximum score %d", in.ReliableChange, in.MaxScore())
	}
	for i, r := range in.Safety {
		if _, ok := in.item(r.Item); !ok {
			return fmt.Errorf("safety[%d]: unknown item %q", i, r.Item)
		}
		if r.Flag != FlagCrisis {
			return fmt.Errorf("safety[%d]: unknown flag %q", i, r.Flag)
		}
	}
	if _, ok := in.Languages[in.DefaultLanguage]; !ok {
		return fmt.Errorf("default_language %q has no texts", in.DefaultLanguage)
	}
	for _, code := range in.LanguageCodes() {
		if err := in.validateLanguage(code, in.Languages[code]); err != nil {
			return fmt.Errorf("languages.%s: %w", code, err)
		}
	}
	return nil
}

func (in *Instrument) validateLanguage(code string, l *Language) error {
	if l == nil {
		return fmt.Errorf("empty")
	}
	if l.Title == "" || l.Stem == "" || l.Notice == "" || l.Source == "" {
		return fmt.Errorf("title, stem, notice and source are required")
	}
	if len(l.Options) != len(in.Options) {
		return fmt.Errorf("%d option labels for %d options", len(l.Options), len(in.Options))
	}
	for _, it := range in.Items {
		t, ok := l.Items[it.ID]
		if !ok || t.Text == "" {
			return fmt.Errorf("item %q has no text", it.ID)
		}
		if len(it.Options) > 0 && len(t.Options) != len(it.Options) {
			return fmt.Errorf("item %q: %d option labels for %d options", it.ID, len(t.Options), len(it.Options))
		}
		if len(it.Options) == 0 && len(t.Options) > 0 {
			return fmt.Errorf("item %q: option labels given but the item uses the default scale", it.ID)
		}
	}
	for id := range l.Items {
		if _, ok := in.item(id); !ok {
			return fmt.Errorf("text for unknown item %q", id)
		}
	}
	for _, b := range in.Bands {
		t, ok := l.Bands[b.ID]
		if !ok || t.Label == "" || t.Meaning == "" {
			return fmt.Errorf("band %q has no label or meaning", b.ID)
		}
	}
	if len(l.Bands) != len(in.Bands) {
		return fmt.Errorf("texts for %d bands, want %d", len(l.Bands), len(in.Bands))
	}
	return nil
}
