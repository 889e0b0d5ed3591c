package selftest

import (
	"slices"
	"strings"
	"time"
)

// Result is a scored questionnaire as a person reads it, in one language:
// the score and its band, what the band means, the next steps and — when
// the crisis flag is raised — crisis help before anything else. The JSON
// API and the web pages both show exactly this; they only choose the
// wire format and the page layout.
type Result struct {
	ID           string
	InstrumentID string
	Version      string
	// Language is the language of the texts (the instrument's default when
	// the asked language is not available).
	Language  string
	Title     string
	Score     int
	MaxScore  int
	Band      BandText
	Bands     []BandText
	Crisis    bool
	CreatedAt time.Time
	// Crisis help, set when Crisis is: the crisis step's text and the lines
	// (with the lines for young people beside them when the visitor said
	// they are under 18).
	CrisisStep *Step
	CrisisHelp *CrisisHelp
	// YouthHelp is set for a visitor under 18 whose result has no crisis
	// help: the lines for children and young people (Countries[].Youth).
	YouthHelp *CrisisHelp
	// Steps are the next steps after crisis help, in order.
	Steps []Step
	// Notice is the instrument's required notice; NoticeLang is its language
	// when that differs from Language (a notice published in English only).
	Notice     string
	NoticeLang string
	Codes      Codes
}

// BandText is a severity band in one language.
type BandText struct {
	ID      string
	Min     int
	Max     int
	Label   string
	Meaning string
	Current bool
}

// Step is one next step: its advice code, text, and the site path it
// leads to (without a language prefix). Urgent steps (the GP after a crisis
// answer or with a severe score) are to be taken without delay: both
// transports mark them, and their text says so.
type Step struct {
	Code   string
	Title  string
	Text   string
	Path   string
	Urgent bool
}

// Result localises an outcome for a person reading lang, who said they are
// in country ("" when they did not say).
func (s *Service) Result(o *Outcome, lang, country string) *Result {
	in := o.Instrument
	youth := o.AgeBand == AgeUnder18
	t, used := in.Text(lang)
	en, _ := in.Text("en")
	r := &Result{
		ID: o.ID, InstrumentID: in.ID, Version: in.Version, Language: used, Title: t.Title,
		Score: o.Score, MaxScore: o.MaxScore, Crisis: o.Crisis, CreatedAt: o.CreatedAt,
		Notice: t.Notice, Codes: in.Codes,
	}
	if used != "en" && t.Notice == en.Notice {
		r.NoticeLang = "en" // the notice exists in English only
	}
	for _, b := range in.Bands {
		bt := BandText{ID: b.ID, Min: b.Min, Max: b.Max, Label: t.Bands[b.ID].Label, Meaning: t.Bands[b.ID].Meaning, Current: b.ID == o.Band}
		if bt.Current {
			r.Band = bt
		}
		r.Bands = append(r.Bands, bt)
	}
	for _, code := range o.Advice {
		st := s.Step(code, used, o.IsUrgent(code))
		if code == AdviceCrisis {
			r.CrisisStep = &st
			r.CrisisHelp = s.crisisHelp(used, country, youth)
			continue
		}
		r.Steps = append(r.Steps, st)
	}
	if youth && r.CrisisHelp == nil {
		h := s.crisisHelp(used, country, true)
		for i := range h.Countries {
			h.Countries[i].Lines = nil
		}
		if len(h.YouthLines()) > 0 { // a deployment may configure none
			r.YouthHelp = h
		}
	}
	return r
}

// Step is one next step in lang: advice code's title, text and page, the
// urgent wording when urgent.
func (s *Service) Step(code, lang string, urgent bool) Step {
	a := s.advice.Text(code, lang, urgent)
	return Step{Code: code, Title: a.Title, Text: a.Text, Path: s.advice.Path(code), Urgent: urgent}
}

// CrisisHelp is the crisis help to show: the emergency number and the
// crisis lines, grouped by country.
type CrisisHelp struct {
	Emergency string
	Countries []CrisisCountryLines
}

// CrisisCountryLines are one country's lines in one language; Youth are
// its lines for children and young people, when asked for.
type CrisisCountryLines struct {
	Code  string
	Lines []CrisisLineText
	Youth []CrisisLineText
}

// CrisisLineText is one crisis line in one language.
type CrisisLineText struct {
	Country string
	Name    string
	Phones  []string
	URL     string
	Text    string
}

// Lines returns every line, in order.
func (h *CrisisHelp) Lines() []CrisisLineText {
	var out []CrisisLineText
	for _, c := range h.Countries {
		out = append(out, c.Lines...)
	}
	return out
}

// YouthLines returns every line for young people, in order.
func (h *CrisisHelp) YouthLines() []CrisisLineText {
	var out []CrisisLineText
	for _, c := range h.Countries {
		out = append(out, c.Youth...)
	}
	return out
}

// CrisisHelp returns the crisis help for a person reading lang. When they
// said where they are (country) they get that country's lines; otherwise
// every configured country's, the deployment's default country first, so
// nobody is ever shown no line at all.
func (s *Service) CrisisHelp(lang, country string) *CrisisHelp {
	return s.crisisHelp(lang, country, false)
}

// CrisisHelpForAll is the crisis help with the lines for children and young
// people beside the others: for the crisis page, which anyone may open.
func (s *Service) CrisisHelpForAll(lang, country string) *CrisisHelp {
	return s.crisisHelp(lang, country, true)
}

func (s *Service) crisisHelp(lang, country string, youth bool) *CrisisHelp {
	country = strings.ToUpper(country)
	h := &CrisisHelp{Emergency: s.crisis.Emergency}
	only := country != "" && s.crisis.HasCountry(country)
	for _, cc := range s.crisis.Countries {
		if only && cc.Code != country {
			continue
		}
		cl := CrisisCountryLines{Code: cc.Code}
		for _, l := range cc.Lines {
			cl.Lines = append(cl.Lines, CrisisLineText{Country: cc.Code, Name: l.Name, Phones: l.Phones, URL: l.URL, Text: l.LineText(lang)})
		}
		if youth {
			for _, l := range cc.Youth {
				cl.Youth = append(cl.Youth, CrisisLineText{Country: cc.Code, Name: l.Name, Phones: l.Phones, URL: l.URL, Text: l.LineText(lang)})
			}
		}
		h.Countries = append(h.Countries, cl)
	}
	if s.defaultCountry != "" {
		slices.SortStableFunc(h.Countries, func(a, b CrisisCountryLines) int {
			switch {
			case a.Code == s.defaultCountry && b.Code != s.defaultCountry:
				return -1
			case b.Code == s.defaultCountry && a.Code != s.defaultCountry:
				return 1
			}
			return 0
		})
	}
	return h
}
