package selftest

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed crisis.yaml
var defaultCrisis []byte

// CrisisContacts are the crisis lines of a deployment, per country, and the
// emergency number that applies everywhere.
type CrisisContacts struct {
	Emergency string          `yaml:"emergency"`
	Countries []CrisisCountry `yaml:"countries"`
}

// CrisisCountry groups the crisis lines of one country (ISO 3166-1 alpha-2).
// Youth are the optional lines for children and young people, shown beside
// the others to a visitor who said they are under 18 (and on the crisis
// page, for anyone).
type CrisisCountry struct {
	Code  string       `yaml:"code"`
	Lines []CrisisLine `yaml:"lines"`
	Youth []CrisisLine `yaml:"youth"`
}

// CrisisLine is one crisis service.
type CrisisLine struct {
	Country string            `yaml:"-"`
	Name    string            `yaml:"name"`
	Phones  []string          `yaml:"phones"`
	URL     string            `yaml:"url"`
	Text    map[string]string `yaml:"text"`
}

// TelURI turns a displayed phone number into a tel: URI.
func TelURI(phone string) string {
	return "tel:" + strings.NewReplacer("-", "", " ", "").Replace(phone)
}

// LoadCrisisContacts reads crisis contacts from path, or the defaults shipped
// with Haven (Belgium and the Netherlands) when path is empty.
func LoadCrisisContacts(path string) (*CrisisContacts, error) {
	raw := defaultCrisis
	name := "built-in crisis.yaml"
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("selftest: crisis contacts: %w", err)
		}
		raw, name = b, path
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var cc CrisisContacts
	if err := dec.Decode(&cc); err != nil {
		return nil, fmt.Errorf("selftest: crisis contacts %s: %w", name, err)
	}
	if cc.Emergency == "" || len(cc.Countries) == 0 {
		return nil, fmt.Errorf("selftest: crisis contacts %s: emergency and at least one country are required", name)
	}
	for i, c := range cc.Countries {
		if len(c.Code) != 2 || strings.ToUpper(c.Code) != c.Code {
			return nil, fmt.Errorf("selftest: crisis contacts %s: countries[%d]: code %q is not an upper-case ISO country code", name, i, c.Code)
		}
		for j, l := range c.Lines {
			if l.Name == "" || len(l.Phones) == 0 {
				return nil, fmt.Errorf("selftest: crisis contacts %s: countries[%d].lines[%d]: name and phones are required", name, i, j)
			}
			cc.Countries[i].Lines[j].Country = c.Code
		}
		for j, l := range c.Youth {
			if l.Name == "" || len(l.Phones) == 0 {
				return nil, fmt.Errorf("selftest: crisis contacts %s: countries[%d].youth[%d]: name and phones are required", name, i, j)
			}
			cc.Countries[i].Youth[j].Country = c.Code
		}
	}
	return &cc, nil
}

// For returns the crisis lines for a country. When the country is unknown or
// empty it returns the lines of every configured country, so a visitor never
// sees no help at all.
func (cc *CrisisContacts) For(country string) []CrisisLine {
	country = strings.ToUpper(country)
	for _, c := range cc.Countries {
		if c.Code == country {
			return c.Lines
		}
	}
	var all []CrisisLine
	for _, c := range cc.Countries {
		all = append(all, c.Lines...)
	}
	return all
}

// HasCountry reports whether the deployment has crisis lines for country.
func (cc *CrisisContacts) HasCountry(country string) bool {
	for _, c := range cc.Countries {
		if c.Code == strings.ToUpper(country) {
			return true
		}
	}
	return false
}

// LineText returns a line's description in lang, falling back to English,
// then to any language.
func (l CrisisLine) LineText(lang string) string {
	if t, ok := l.Text[lang]; ok {
		return t
	}
	if t, ok := l.Text["en"]; ok {
		return t
	}
	for _, t := range l.Text {
		return t
	}
	return ""
}
