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
		Store: selftest.NewStore(nil), Sealer: testSealer(t), Audit: &memoryAudit{}, Now: time.Now})
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
	svc, err := selftest.NewService(selftest.Options{Catalog: catalog, Advice: advice, Crisis: crisis, Store: selftest.NewStore(nil), Sealer: testSealer(t), Audit: &memoryAudit{}, Now: time.Now})
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

// TestResultYouthLines: a visitor who said they are under 18 sees the lines
// for young people (Awel 102 in Belgium, De Kindertelefoon 0800-0432 in the
// Netherlands) beside the adult crisis lines, or on their own without a
// crisis answer; an adult's result has none.
func TestResultYouthLines(t *testing.T) {
	catalog, _ := selftest.LoadCatalog()
	advice, _ := selftest.LoadAdvice()
	crisis, err := selftest.LoadCrisisContacts("")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := selftest.NewService(selftest.Options{Catalog: catalog, Advice: advice, Crisis: crisis, Store: selftest.NewStore(nil), Sealer: testSealer(t), Audit: &memoryAudit{}, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	names := func(lines []selftest.CrisisLineText) string {
		var out []string
		for _, l := range lines {
			out = append(out, l.Country+":"+l.Name+":"+strings.Join(l.Phones, "/"))
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name          string
		item9         int
		ageBand       string
		country       string
		adult, youth  string // the crisis help's lines
		youthHelpOnly string // YouthHelp's lines, without a crisis
	}{
		{"under 18, crisis, no country", 1, "under_18", "", "BE:Zelfmoordlijn 1813:1813,NL:113 Zelfmoordpreventie:113/0800-0113", "BE:Awel:102,NL:De Kindertelefoon:0800-0432", ""},
		{"under 18, crisis, Belgium", 2, "under_18", "BE", "BE:Zelfmoordlijn 1813:1813", "BE:Awel:102", ""},
		{"under 18, crisis, the Netherlands", 1, "under_18", "NL", "NL:113 Zelfmoordpreventie:113/0800-0113", "NL:De Kindertelefoon:0800-0432", ""},
		{"adult, crisis", 1, "18_24", "", "BE:Zelfmoordlijn 1813:1813,NL:113 Zelfmoordpreventie:113/0800-0113", "", ""},
		{"no age given, crisis", 1, "", "", "BE:Zelfmoordlijn 1813:1813,NL:113 Zelfmoordpreventie:113/0800-0113", "", ""},
		{"under 18, no crisis", 0, "under_18", "NL", "", "", "NL:De Kindertelefoon:0800-0432"},
		{"adult, no crisis", 0, "25_34", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := svc.Evaluate("phq9", "en", phqAnswers(1, 1, 0, 0, 0, 0, 0, 0, tt.item9))
			if err != nil {
				t.Fatal(err)
			}
			out.AgeBand = tt.ageBand
			for _, l := range []string{"en", "nl"} {
				r := svc.Result(out, l, tt.country)
				var adult, youth, only string
				if r.CrisisHelp != nil {
					adult, youth = names(r.CrisisHelp.Lines()), names(r.CrisisHelp.YouthLines())
					for _, line := range r.CrisisHelp.YouthLines() {
						if line.Text == "" || line.URL == "" {
							t.Errorf("youth line %+v lacks text or website", line)
						}
					}
				}
				if r.YouthHelp != nil {
					if len(r.YouthHelp.Lines()) > 0 {
						t.Errorf("YouthHelp carries adult lines")
					}
					only = names(r.YouthHelp.YouthLines())
				}
				if adult != tt.adult || youth != tt.youth || only != tt.youthHelpOnly {
					t.Errorf("%s: crisis lines %q youth %q youth help %q; want %q %q %q", l, adult, youth, only, tt.adult, tt.youth, tt.youthHelpOnly)
				}
			}
		})
	}
	if got := crisis.Countries[0].Youth[0].LineText("nl"); !strings.Contains(got, "1813") {
		t.Errorf("Awel's text must point to 1813 for suicidal thoughts: %q", got)
	}
	if got := crisis.Countries[1].Youth[0].LineText("en"); !strings.Contains(got, "113") {
		t.Errorf("De Kindertelefoon's text must point to 113 for suicidal thoughts: %q", got)
	}
}
