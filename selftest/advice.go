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
	for _, code := range []string{AdviceSelfHelp, AdviceGuided, AdviceGP, AdviceCrisis} {
		e, ok := entries[code]
		if !ok || e.Path == "" || e.EN.Title == "" || e.EN.Text == "" || e.NL.Title == "" || e.NL.Text == "" {
			return nil, fmt.Errorf("selftest: advice.yaml: %q needs a path and a title and text in en and nl", code)
		}
	}
	return &AdviceCatalog{entries: entries}, nil
}

// Text returns the advice text in lang (English when lang is not "nl").
func (a *AdviceCatalog) Text(code, lang string) AdviceText {
	e := a.entries[code]
	if lang == "nl" {
		return e.NL
	}
	return e.EN
}

// Path returns the site path (without language prefix) the advice leads to.
func (a *AdviceCatalog) Path(code string) string { return a.entries[code].Path }
