package selftest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

const validInstrument = `id: mini
version: "1"
name: MINI-2
codes: {system: http://loinc.org, panel: "1-1", total: "2-2"}
default_language: en
scoring: {rule: sum}
reliable_change: 1
options:
  - {value: 0}
  - {value: 1}
items:
  - {id: mini_1, scored: true, required: true}
  - {id: mini_2, scored: true, required: true}
bands:
  - {id: low, min: 0, max: 0, advice: [self_help]}
  - {id: high, min: 1, max: 2, advice: [guided, gp]}
safety:
  - {item: mini_2, min_value: 1, flag: crisis}
languages:
  en:
    title: Mini
    description: Two questions.
    stem: How often?
    notice: Notice.
    source: Test fixture.
    options: ["No", "Yes"]
    items:
      mini_1: {text: One}
      mini_2: {text: Two}
    bands:
      low: {label: Low, meaning: Low.}
      high: {label: High, meaning: High.}
`

func TestLoadCatalogShippedInstruments(t *testing.T) {
	c := mustCatalog(t)
	want := map[string]struct {
		items int
		panel string
	}{"phq9": {10, "44249-1"}, "gad7": {8, "69737-5"}}
	if len(c.Instruments()) != len(want) {
		t.Fatalf("got %d instruments, want %d", len(c.Instruments()), len(want))
	}
	for id, w := range want {
		in, err := c.Instrument(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Items) != w.items || in.Codes.Panel != w.panel {
			t.Errorf("%s: %d items panel %s, want %d %s", id, len(in.Items), in.Codes.Panel, w.items, w.panel)
		}
		for _, l := range []string{"en", "nl"} {
			if _, ok := in.Languages[l]; !ok {
				t.Errorf("%s has no %s texts", id, l)
			}
		}
		if !strings.Contains(in.Languages["en"].Notice, "Pfizer") {
			t.Errorf("%s: the PHQ family notice is missing", id)
		}
	}
	phq, _ := c.Instrument("phq9")
	if phq.Codes.Total != "44261-6" {
		t.Errorf("PHQ-9 total code %q", phq.Codes.Total)
	}
	if got := phq.Languages["nl"].Options; strings.Join(got, "/") != "Helemaal niet/Meerdere dagen/Meer dan de helft van de dagen/Bijna elke dag" {
		t.Errorf("Dutch options = %v", got)
	}
}

func TestLoadCatalogFSErrors(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(string) string
		wantErr []string
	}{
		{"valid", func(s string) string { return s }, nil},
		{"unknown field names the line", func(s string) string {
			return strings.Replace(s, "name: MINI-2\n", "name: MINI-2\ncolour: blue\n", 1)
		}, []string{"mini.yaml", "line 4", "colour"}},
		{"syntax error names the line", func(s string) string {
			return strings.Replace(s, "scoring: {rule: sum}", "scoring: {rule: sum", 1)
		}, []string{"mini.yaml", "line"}},
		{"gap between bands", func(s string) string {
			return strings.Replace(s, "{id: high, min: 1,", "{id: high, min: 2,", 1)
		}, []string{"mini.yaml", `band "high" starts at 2, want 1`}},
		{"bands stop short of the maximum", func(s string) string {
			return strings.Replace(s, "min: 1, max: 2", "min: 1, max: 1", 1)
		}, []string{"bands end at 1 but the maximum score is 2"}},
		{"missing translation of an item", func(s string) string {
			return strings.Replace(s, "      mini_2: {text: Two}\n", "", 1)
		}, []string{"languages.en", `item "mini_2" has no text`}},
		{"missing band text", func(s string) string {
			return strings.Replace(s, "      high: {label: High, meaning: High.}\n", "", 1)
		}, []string{`band "high"`}},
		{"safety rule on unknown item", func(s string) string {
			return strings.Replace(s, "{item: mini_2,", "{item: mini_9,", 1)
		}, []string{`unknown item "mini_9"`}},
		{"duplicate item id", func(s string) string {
			return strings.Replace(s, "{id: mini_2, scored", "{id: mini_1, scored", 1)
		}, []string{`duplicate id "mini_1"`}},
		{"unknown advice", func(s string) string {
			return strings.Replace(s, "advice: [self_help]", "advice: [pills]", 1)
		}, []string{`unknown advice "pills"`}},
		{"urgent advice the band does not give", func(s string) string {
			return strings.Replace(s, "advice: [guided, gp]}", "advice: [guided, gp], urgent: [self_help]}", 1)
		}, []string{`band "high": urgent "self_help"`}},
		{"urgent advice not listed first", func(s string) string {
			return strings.Replace(s, "advice: [guided, gp]}", "advice: [guided, gp], urgent: [gp]}", 1)
		}, []string{`band "high": urgent "gp" must be one of its advice, listed first`}},
		{"urgent advice listed first", func(s string) string {
			return strings.Replace(s, "advice: [guided, gp]}", "advice: [gp, guided], urgent: [gp]}", 1)
		}, nil},
		{"no reliable change", func(s string) string {
			return strings.Replace(s, "reliable_change: 1\n", "", 1)
		}, []string{"reliable_change 0 must be between 1 and the maximum score 2"}},
		{"id differs from file name", func(s string) string {
			return strings.Replace(s, "id: mini\n", "id: other\n", 1)
		}, []string{`id "other" does not match the file name`}},
		{"wrong option label count", func(s string) string {
			return strings.Replace(s, `options: ["No", "Yes"]`, `options: ["No"]`, 1)
		}, []string{"1 option labels for 2 options"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"mini.yaml": {Data: []byte(tt.mutate(validInstrument))}}
			c, err := LoadCatalogFS(fsys)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("valid fixture failed: %v", err)
				}
				if _, err := c.Instrument("mini"); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("broken fixture loaded without error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestCrisisContacts(t *testing.T) {
	cc, err := LoadCrisisContacts("")
	if err != nil {
		t.Fatal(err)
	}
	if cc.Emergency != "112" {
		t.Errorf("emergency = %q", cc.Emergency)
	}
	be := cc.For("be")
	if len(be) != 1 || be[0].Phones[0] != "1813" || be[0].Country != "BE" {
		t.Errorf("BE lines = %+v", be)
	}
	nl := cc.For("NL")
	if len(nl) != 1 || !strings.Contains(strings.Join(nl[0].Phones, ","), "0800-0113") {
		t.Errorf("NL lines = %+v", nl)
	}
	if all := cc.For(""); len(all) != 2 {
		t.Errorf("unknown country must show every line, got %d", len(all))
	}
	if got := TelURI("0800-0113"); got != "tel:08000113" {
		t.Errorf("TelURI = %q", got)
	}
	if got := nl[0].LineText("nl"); !strings.Contains(got, "Bel") {
		t.Errorf("Dutch text = %q", got)
	}

	dir := t.TempDir()
	custom := filepath.Join(dir, "crisis.yaml")
	if err := os.WriteFile(custom, []byte("emergency: \"911\"\ncountries:\n  - code: US\n    lines:\n      - name: 988 Lifeline\n        phones: [\"988\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cc, err = LoadCrisisContacts(custom)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Emergency != "911" || cc.For("US")[0].Name != "988 Lifeline" {
		t.Errorf("custom contacts not loaded: %+v", cc)
	}
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("emergency: \"112\"\ncountries:\n  - code: be\n    lines: []\n"), 0o600)
	if _, err := LoadCrisisContacts(bad); err == nil || !strings.Contains(err.Error(), "upper-case") {
		t.Errorf("lower-case country code accepted: %v", err)
	}
	badYouth := filepath.Join(dir, "bad-youth.yaml")
	_ = os.WriteFile(badYouth, []byte("emergency: \"112\"\ncountries:\n  - code: BE\n    lines: [{name: A, phones: [\"1\"]}]\n    youth: [{name: Awel}]\n"), 0o600)
	if _, err := LoadCrisisContacts(badYouth); err == nil || !strings.Contains(err.Error(), "countries[0].youth[0]: name and phones are required") {
		t.Errorf("a youth line without phones accepted: %v", err)
	}
	if _, err := LoadCrisisContacts(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestLoadAdvice(t *testing.T) {
	a, err := LoadAdvice()
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{AdviceSelfHelp, AdviceGuided, AdviceGP, AdviceCrisis} {
		for _, l := range []string{"en", "nl"} {
			if a.Text(code, l, false).Title == "" {
				t.Errorf("%s/%s has no title", code, l)
			}
		}
	}
	if !strings.Contains(a.Text(AdviceCrisis, "en", false).Text, "112") {
		t.Error("crisis advice must mention the emergency number")
	}
	for _, l := range []string{"en", "nl"} {
		if !a.HasUrgent(AdviceGP) || a.Text(AdviceGP, l, true) == a.Text(AdviceGP, l, false) {
			t.Errorf("the GP step needs its own urgent text in %s", l)
		}
	}
	if !strings.Contains(a.Text(AdviceGP, "en", true).Text, "today") || !strings.Contains(a.Text(AdviceGP, "nl", true).Text, "vandaag") {
		t.Error("the urgent GP step must say when: today")
	}
}

// TestGAD7Wording pins the English GAD-7 items to the LOINC item texts of
// panel 69737-5 (Regenstrief, in HL7's PCO guide), which carry Pfizer's
// notice, and the form's unscored difficulty question (LOINC 69722-7, the
// PHQ family's difficulty item) with its answers.
func TestGAD7Wording(t *testing.T) {
	gad, err := mustCatalog(t).Instrument("gad7")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, code, text string }{
		{"gad7_1", "69725-0", "Feeling nervous, anxious or on edge"},
		{"gad7_2", "68509-9", "Not being able to stop or control worrying"},
		{"gad7_3", "69733-4", "Worrying too much about different things"},
		{"gad7_4", "69734-2", "Trouble relaxing"},
		{"gad7_5", "69735-9", "Being so restless that it is hard to sit still"},
		{"gad7_6", "69689-8", "Becoming easily annoyed or irritable"},
		{"gad7_7", "69736-7", "Feeling afraid as if something awful might happen"},
		{"gad7_difficulty", "69722-7", "If you checked off any problems, how difficult have these made it for you to do your work, take care of things at home, or get along with other people?"},
	}
	if len(gad.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(gad.Items), len(want))
	}
	en := gad.Languages["en"]
	for i, w := range want {
		it := gad.Items[i]
		if it.ID != w.id || it.Code != w.code || en.Items[it.ID].Text != w.text {
			t.Errorf("item %d = %s %s %q, want %s %s %q", i+1, it.ID, it.Code, en.Items[it.ID].Text, w.id, w.code, w.text)
		}
	}
	diff := gad.Items[7]
	if diff.Scored || diff.Required {
		t.Errorf("the difficulty question must be unscored and optional: %+v", diff)
	}
	var codes []string
	for _, o := range gad.ItemOptions(diff) {
		codes = append(codes, o.Code)
	}
	if got := strings.Join(codes, " "); got != "LA6572-7 LA6573-5 LA6575-0 LA6574-3" {
		t.Errorf("difficulty answer codes %s", got)
	}
	if got := strings.Join(en.Items["gad7_difficulty"].Options, "/"); got != "Not difficult at all/Somewhat difficult/Very difficult/Extremely difficult" {
		t.Errorf("English difficulty answers %s", got)
	}
	phq, _ := mustCatalog(t).Instrument("phq9")
	nl := gad.Languages["nl"].Items["gad7_difficulty"]
	if pnl := phq.Languages["nl"].Items["phq9_difficulty"]; nl.Text != pnl.Text || strings.Join(nl.Options, "/") != strings.Join(pnl.Options, "/") {
		t.Errorf("Dutch difficulty question %+v differs from the PHQ-9's %+v", nl, pnl)
	}
	if gad.MaxScore() != 21 || gad.Version == "1" {
		t.Errorf("max score %d (the difficulty question is unscored), version %s (the wording changed: bump it)", gad.MaxScore(), gad.Version)
	}
}
