package selftest

import (
	"bytes"
	_ "embed"
	"fmt"

	"go.yaml.in/yaml/v3"
)

//go:embed advice.yaml
var adviceYAML []byte

// AdviceText is the text of one next step in one language.
type AdviceText struct {
	Title string `yaml:"title"`
	Text  string `yaml:"text"`
}

type adviceEntry struct {
	Path string     `yaml:"path"`
	EN   AdviceText `yaml:"en"`
	NL   AdviceText `yaml:"nl"`
	// Urgent holds the texts shown when the step is urgent, if it can be.
	Urgent *struct {
		EN AdviceText `yaml:"en"`
		NL AdviceText `yaml:"nl"`
	} `yaml:"urgent"`
}

// AdviceCatalog holds the texts of every advice code.
type AdviceCatalog struct {
	entries map[string]adviceEntry
}

// LoadAdvice loads the built-in advice texts and checks that every advice
// code has a title and text in every language.
func LoadAdvice() (*AdviceCatalog, error) {
	dec := yaml.NewDecoder(bytes.NewReader(adviceYAML))
	dec.KnownFields(true)
	var entries map[string]adviceEntry
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("selftest: advice.yaml: %w", err)
	}
	complete := func(en, nl AdviceText) bool {
		return en.Title != "" && en.Text != "" && nl.Title != "" && nl.Text != ""
	}
	for _, code := range []string{AdviceSelfHelp, AdviceGuided, AdviceGP, AdviceCrisis} {
		e, ok := entries[code]
		if !ok || e.Path == "" || !complete(e.EN, e.NL) {
			return nil, fmt.Errorf("selftest: advice.yaml: %q needs a path and a title and text in en and nl", code)
		}
		if e.Urgent != nil && !complete(e.Urgent.EN, e.Urgent.NL) {
			return nil, fmt.Errorf("selftest: advice.yaml: %q: urgent needs a title and text in en and nl", code)
		}
	}
	// The crisis rule makes the GP step urgent (score.go advise).
	if entries[AdviceGP].Urgent == nil {
		return nil, fmt.Errorf("selftest: advice.yaml: %q needs urgent texts", AdviceGP)
	}
	return &AdviceCatalog{entries: entries}, nil
}

// HasUrgent reports whether the advice code has texts for an urgent step.
func (a *AdviceCatalog) HasUrgent(code string) bool { return a.entries[code].Urgent != nil }

// Text returns the advice text in lang (English when lang is not "nl"); the
// urgent wording when urgent is set and the code has one.
func (a *AdviceCatalog) Text(code, lang string, urgent bool) AdviceText {
	e := a.entries[code]
	en, nl := e.EN, e.NL
	if urgent && e.Urgent != nil {
		en, nl = e.Urgent.EN, e.Urgent.NL
	}
	if lang == "nl" {
		return nl
	}
	return en
}

// Path returns the site path (without language prefix) the advice leads to.
func (a *AdviceCatalog) Path(code string) string { return a.entries[code].Path }
