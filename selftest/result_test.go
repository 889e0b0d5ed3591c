package selftest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/selftest"
)

func TestResultIsCompleteAndLocalised(t *testing.T) {
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	advice, _ := selftest.LoadAdvice()
	crisis, _ := selftest.LoadCrisisContacts("")
	svc, err := selftest.NewService(selftest.Options{Catalog: catalog, Advice: advice, Crisis: crisis, DefaultCountry: "nl",
		Store: selftest.NewStore(nil), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	// Low total, item 9 answered: crisis help whatever the score.
	out, err := svc.Evaluate("phq9", "nl", phqAnswers(0, 0, 0, 0, 0, 0, 0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, lang, country string
		wantCountries       []string
		wantLang            string
	}{
		{"no country: every country, the default first", "nl", "", []string{"NL", "BE"}, "nl"},
		{"a country said: only its lines", "en", "be", []string{"BE"}, "en"},
		{"an unknown country: every country", "en", "FR", []string{"NL", "BE"}, "en"},
		{"a language without texts: the instrument's default", "fr", "", []string{"NL", "BE"}, "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := svc.Result(out, tt.lang, tt.country)
			if r.Language != tt.wantLang || !r.Crisis || r.Score != 1 || r.Band.ID == "" || !r.Band.Current {
				t.Fatalf("result %+v", r)
			}
			if r.CrisisStep == nil || r.CrisisStep.Code != selftest.AdviceCrisis || r.CrisisHelp == nil || r.CrisisHelp.Emergency != "112" {
				t.Fatalf("crisis help missing: %+v", r)
			}
			var got []string
			for _, c := range r.CrisisHelp.Countries {
				got = append(got, c.Code)
				for _, l := range c.Lines {
					if l.Text == "" || len(l.Phones) == 0 {
						t.Errorf("line %+v lacks text or phones", l)
					}
				}
			}
			if len(got) != len(tt.wantCountries) || got[0] != tt.wantCountries[0] {
				t.Errorf("countries %v, want %v", got, tt.wantCountries)
			}
			for _, st := range r.Steps {
				if st.Code == selftest.AdviceCrisis || st.Path == "" || st.Title == "" {
					t.Errorf("step %+v", st)
				}
			}
			if len(r.Bands) != len(out.Instrument.Bands) {
				t.Errorf("bands %d", len(r.Bands))
			}
		})
	}
	if got := svc.Result(out, "nl", "").NoticeLang; got != "en" {
		t.Errorf("the PHQ notice exists in English only; NoticeLang = %q", got)
	}
}

// TestResultSteps: the localised result both transports show puts crisis
// help apart and lists the GP, marked urgent with its urgent text, before
// the other steps after a crisis answer or with a PHQ-9 of 20 or more.
func TestResultSteps(t *testing.T) {
	catalog, _ := selftest.LoadCatalog()
	advice, _ := selftest.LoadAdvice()
	crisis, _ := selftest.LoadCrisisContacts("")
	svc, err := selftest.NewService(selftest.Options{Catalog: catalog, Advice: advice, Crisis: crisis, Store: selftest.NewStore(nil), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		answers []int
		crisis  bool
		steps   []string // codes, "!" marks urgent
	}{
		{"crisis, total 1", []int{0, 0, 0, 0, 0, 0, 0, 0, 1}, true, []string{"!gp", "self_help"}},
		{"mild", []int{1, 1, 1, 1, 1, 0, 0, 0, 0}, false, []string{"self_help"}},
		{"moderate", []int{2, 2, 2, 2, 2, 0, 0, 0, 0}, false, []string{"guided", "gp"}},
		{"severe, 21", []int{3, 3, 3, 3, 3, 3, 3, 0, 0}, false, []string{"!gp", "guided"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := svc.Evaluate("phq9", "en", phqAnswers(tt.answers...))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range []string{"en", "nl"} {
				r := svc.Result(out, l, "")
				if (r.CrisisStep != nil) != tt.crisis || (r.CrisisHelp != nil) != tt.crisis {
					t.Fatalf("%s: crisis step %v help %v, want %v", l, r.CrisisStep, r.CrisisHelp, tt.crisis)
				}
				var got []string
				for _, st := range r.Steps {
					code := st.Code
					if st.Urgent {
						code = "!" + code
						if want := advice.Text(st.Code, l, true); st.Title != want.Title || st.Text != want.Text {
							t.Errorf("%s: urgent step %s has the plain text %q", l, st.Code, st.Title)
						}
					}
					got = append(got, code)
				}
				if strings.Join(got, ",") != strings.Join(tt.steps, ",") {
					t.Errorf("%s: steps %v, want %v", l, got, tt.steps)
				}
			}
		})
	}
}
