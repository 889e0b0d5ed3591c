package selftest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func mustCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := LoadCatalog()
	if err != nil {
		t.Fatalf("LoadCatalog: %v", err)
	}
	return c
}

// answersSumming returns answers to every scored item of in that add up to
// total (filling items in order with the highest value first) and sets the
// items named in fixed to the given values.
func answersSumming(t testing.TB, in *Instrument, total int, fixed map[string]int) []Answer {
	t.Helper()
	remaining := total
	for _, v := range fixed {
		remaining -= v
	}
	var out []Answer
	for _, it := range in.Items {
		if v, ok := fixed[it.ID]; ok {
			out = append(out, Answer{Item: it.ID, Value: v})
			continue
		}
		if !it.Scored {
			continue
		}
		v := min(remaining, 3)
		remaining -= v
		out = append(out, Answer{Item: it.ID, Value: v})
	}
	if remaining != 0 {
		t.Fatalf("cannot reach total %d", total)
	}
	return out
}

func TestScoreBandBoundaries(t *testing.T) {
	c := mustCatalog(t)
	tests := []struct {
		instrument string
		total      int
		band       string
		advice     []string
	}{
		{"phq9", 0, "minimal", []string{AdviceSelfHelp}},
		{"phq9", 4, "minimal", []string{AdviceSelfHelp}},
		{"phq9", 5, "mild", []string{AdviceSelfHelp}},
		{"phq9", 9, "mild", []string{AdviceSelfHelp}},
		{"phq9", 10, "moderate", []string{AdviceGuided, AdviceGP}},
		{"phq9", 14, "moderate", []string{AdviceGuided, AdviceGP}},
		{"phq9", 15, "moderately_severe", []string{AdviceGuided, AdviceGP}},
		{"phq9", 19, "moderately_severe", []string{AdviceGuided, AdviceGP}},
		{"phq9", 20, "severe", []string{AdviceGP, AdviceGuided}},
		{"phq9", 27, "severe", []string{AdviceGP, AdviceGuided}},
		{"gad7", 0, "minimal", []string{AdviceSelfHelp}},
		{"gad7", 4, "minimal", []string{AdviceSelfHelp}},
		{"gad7", 5, "mild", []string{AdviceSelfHelp}},
		{"gad7", 9, "mild", []string{AdviceSelfHelp}},
		{"gad7", 10, "moderate", []string{AdviceGuided, AdviceGP}},
		{"gad7", 14, "moderate", []string{AdviceGuided, AdviceGP}},
		{"gad7", 15, "severe", []string{AdviceGuided, AdviceGP}},
		{"gad7", 21, "severe", []string{AdviceGuided, AdviceGP}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.instrument, tt.total), func(t *testing.T) {
			in, err := c.Instrument(tt.instrument)
			if err != nil {
				t.Fatal(err)
			}
			// Keep item 9 at 0 so the crisis rule stays out of the way.
			fixed := map[string]int{}
			if tt.instrument == "phq9" && tt.total < 27 {
				fixed["phq9_9"] = 0
			}
			res, err := Score(in, answersSumming(t, in, tt.total, fixed))
			if err != nil {
				t.Fatalf("Score: %v", err)
			}
			advice := res.Advice
			if res.Crisis { // crisis help and the GP first (TestAdviceRules)
				advice = advice[2:]
				if tt.total == 27 {
					advice = append([]string{AdviceGP}, advice...)
				}
			}
			if res.Score != tt.total || res.Band != tt.band || !slices.Equal(advice, tt.advice) {
				t.Errorf("got score %d band %q advice %v, want %d %q %v", res.Score, res.Band, res.Advice, tt.total, tt.band, tt.advice)
			}
			if tt.total == 27 {
				if !res.Crisis || res.Advice[0] != AdviceCrisis {
					t.Errorf("27 includes item 9 = 3: want crisis first, got %+v", res)
				}
			} else if res.Crisis {
				t.Errorf("crisis set without a crisis answer")
			}
		})
	}
}

func TestScoreMaxScores(t *testing.T) {
	c := mustCatalog(t)
	for id, want := range map[string]int{"phq9": 27, "gad7": 21} {
		in, _ := c.Instrument(id)
		if got := in.MaxScore(); got != want {
			t.Errorf("%s max score = %d, want %d", id, got, want)
		}
	}
}

func TestScoreCrisisWhateverTheTotal(t *testing.T) {
	c := mustCatalog(t)
	in, _ := c.Instrument("phq9")
	for _, v := range []int{1, 2, 3} {
		t.Run(fmt.Sprint("item9=", v), func(t *testing.T) {
			res, err := Score(in, answersSumming(t, in, v, map[string]int{"phq9_9": v}))
			if err != nil {
				t.Fatal(err)
			}
			if !res.Crisis {
				t.Fatalf("item 9 = %d with total %d: crisis not set", v, res.Score)
			}
			if res.Band != "minimal" || res.Advice[0] != AdviceCrisis || !slices.Contains(res.Advice, AdviceSelfHelp) || !slices.Contains(res.Advice, AdviceGP) {
				t.Errorf("want minimal band with crisis advice first, got %+v", res)
			}
		})
	}
	res, err := Score(in, answersSumming(t, in, 24, map[string]int{"phq9_9": 0}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Crisis {
		t.Error("item 9 = 0 must not raise the crisis flag, even with a severe total")
	}
	gad, _ := c.Instrument("gad7")
	res, err = Score(gad, answersSumming(t, gad, 21, nil))
	if err != nil || res.Crisis {
		t.Errorf("GAD-7 has no crisis rule: %+v %v", res, err)
	}
}

// TestAdviceRules pins the order of the next steps and which are urgent:
// a crisis answer gives crisis help, then the GP (urgent), whatever the
// total; a PHQ-9 of 20–27 puts the GP first and urgent, before guided help.
// Stored results (Rescore) follow the same rule.
func TestAdviceRules(t *testing.T) {
	c := mustCatalog(t)
	tests := []struct {
		name       string
		instrument string
		total      int
		item9      int
		advice     []string
		urgent     []string
	}{
		{"minimal, no crisis", "phq9", 3, 0, []string{AdviceSelfHelp}, nil},
		{"crisis with a low total: crisis, GP, self-help", "phq9", 1, 1, []string{AdviceCrisis, AdviceGP, AdviceSelfHelp}, []string{AdviceGP}},
		{"crisis with a mild total", "phq9", 8, 2, []string{AdviceCrisis, AdviceGP, AdviceSelfHelp}, []string{AdviceGP}},
		{"moderate, no crisis", "phq9", 12, 0, []string{AdviceGuided, AdviceGP}, nil},
		{"crisis with a moderate total: the GP before guided help", "phq9", 12, 1, []string{AdviceCrisis, AdviceGP, AdviceGuided}, []string{AdviceGP}},
		{"19, no crisis: not yet the severe rule", "phq9", 19, 0, []string{AdviceGuided, AdviceGP}, nil},
		{"20: the GP first and urgent", "phq9", 20, 0, []string{AdviceGP, AdviceGuided}, []string{AdviceGP}},
		{"24 with a crisis answer", "phq9", 24, 3, []string{AdviceCrisis, AdviceGP, AdviceGuided}, []string{AdviceGP}},
		{"27", "phq9", 27, 3, []string{AdviceCrisis, AdviceGP, AdviceGuided}, []string{AdviceGP}},
		{"GAD-7 severe keeps its order", "gad7", 21, -1, []string{AdviceGuided, AdviceGP}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, _ := c.Instrument(tt.instrument)
			fixed := map[string]int{}
			if tt.item9 >= 0 {
				fixed["phq9_9"] = tt.item9
			}
			res, err := Score(in, answersSumming(t, in, tt.total, fixed))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Advice, tt.advice) || !slices.Equal(res.Urgent, tt.urgent) {
				t.Errorf("advice %v urgent %v, want %v urgent %v", res.Advice, res.Urgent, tt.advice, tt.urgent)
			}
			re := Rescore(in, res.Score, res.Band, res.Crisis)
			if !slices.Equal(re.Advice, tt.advice) || !slices.Equal(re.Urgent, tt.urgent) {
				t.Errorf("rescored: advice %v urgent %v, want %v urgent %v", re.Advice, re.Urgent, tt.advice, tt.urgent)
			}
		})
	}
}

func TestScoreUnscoredItemIgnored(t *testing.T) {
	in, _ := mustCatalog(t).Instrument("phq9")
	answers := answersSumming(t, in, 3, map[string]int{"phq9_9": 0})
	with, err := Score(in, append(answers, Answer{Item: "phq9_difficulty", Value: 3}))
	if err != nil {
		t.Fatal(err)
	}
	if with.Score != 3 {
		t.Errorf("difficulty item counted: score %d, want 3", with.Score)
	}
}

func TestScoreValidation(t *testing.T) {
	in, _ := mustCatalog(t).Instrument("phq9")
	full := func() []Answer { return answersSumming(t, in, 0, nil) }
	tests := []struct {
		name    string
		answers []Answer
		fields  []string
	}{
		{"missing item", full()[1:], []string{"answers.phq9_1"}},
		{"no answers at all", nil, []string{"answers.phq9_1", "answers.phq9_9"}},
		{"duplicate", append(full(), Answer{Item: "phq9_4", Value: 0}), []string{"answers.phq9_4"}},
		{"value above range", func() []Answer { a := full(); a[2].Value = 4; return a }(), []string{"answers.phq9_3"}},
		{"negative value", func() []Answer { a := full(); a[8].Value = -1; return a }(), []string{"answers.phq9_9"}},
		{"unknown item", append(full(), Answer{Item: "phq9_10", Value: 0}), []string{"answers[9]"}},
		{"optional item out of range", append(full(), Answer{Item: "phq9_difficulty", Value: 7}), []string{"answers.phq9_difficulty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Score(in, tt.answers)
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("want *ValidationError, got %v", err)
			}
			for _, f := range tt.fields {
				if _, ok := verr.Fields[f]; !ok {
					t.Errorf("field %q not named; fields: %v", f, verr.Fields)
				}
			}
		})
	}
}

func TestProfileValidation(t *testing.T) {
	tests := []struct {
		name  string
		p     Profile
		field string
	}{
		{"all skipped", Profile{}, ""},
		{"all given", Profile{AgeBand: "25_34", Gender: "woman", Region: "be_limburg", SoughtHelpBefore: "no"}, ""},
		{"bad age band", Profile{AgeBand: "31"}, "profile.age_band"},
		{"bad gender", Profile{Gender: "x"}, "profile.gender"},
		{"bad region", Profile{Region: "Gent"}, "profile.region"},
		{"bad yes/no", Profile{SoughtHelpBefore: "maybe"}, "profile.sought_help_before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verr := newValidationError()
			tt.p.validate(verr)
			if tt.field == "" && len(verr.Fields) > 0 {
				t.Errorf("unexpected errors %v", verr.Fields)
			}
			if tt.field != "" {
				if _, ok := verr.Fields[tt.field]; !ok {
					t.Errorf("want error on %s, got %v", tt.field, verr.Fields)
				}
			}
		})
	}
}
