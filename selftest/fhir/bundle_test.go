package fhir_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/selftest"
	"github.com/haven-mh/haven/selftest/fhir"
	"github.com/haven-mh/haven/selftest/fhir/fhirtest"
)

const clientID = "3f1c9a52-7c1e-4a51-9d35-0d8a7b6c5e41"

var when = time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC) // the night summer time starts in Brussels

func catalog(t testing.TB) *selftest.Catalog {
	t.Helper()
	c, err := selftest.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// allAnswers answers every item of in, walking through its options from
// seed, and scores them with the self-test's own rule.
func allAnswers(t testing.TB, in *selftest.Instrument, seed int) ([]selftest.Answer, selftest.Scored) {
	t.Helper()
	var out []selftest.Answer
	for i, it := range in.Items {
		opts := in.ItemOptions(it)
		out = append(out, selftest.Answer{Item: it.ID, Value: opts[(i+seed)%len(opts)].Value})
	}
	sc, err := selftest.Score(in, out)
	if err != nil {
		t.Fatal(err)
	}
	return out, sc
}

// everyRecord is a record of every instrument from every source, in both
// languages, with and without answers kept.
func everyRecord(t testing.TB) []selftest.Record {
	t.Helper()
	var out []selftest.Record
	for i, in := range catalog(t).Instruments() {
		for j, src := range []string{selftest.SourceSelftest, selftest.SourceSelfhelp, selftest.SourceCoaching} {
			answers, sc := allAnswers(t, in, i+j)
			lang := []string{"nl", "en"}[j%2]
			at := when.Add(time.Duration(i*10+j) * time.Hour)
			out = append(out,
				selftest.Record{Source: src, ID: fmt.Sprintf("%s-%s-full", in.ID, src), Point: "start", Instrument: in.ID, Language: lang,
					Answers: answers, Score: sc.Score, Band: sc.Band, Crisis: sc.Crisis, TakenAt: at},
				// Kept without answers: a course questionnaire from before
				// the course kept them, an intake that took a self-test.
				selftest.Record{Source: src, ID: fmt.Sprintf("%s-%s-score-only", in.ID, src), Point: "intake", Instrument: in.ID,
					Score: 3, Band: in.Bands[0].ID, TakenAt: at.Add(time.Minute)})
		}
	}
	return out
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// generic is a bundle as a receiving system reads it.
type generic struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Timestamp    string `json:"timestamp"`
	Entry        []struct {
		FullURL  string         `json:"fullUrl"`
		Resource map[string]any `json:"resource"`
	} `json:"entry"`
}

func TestBuildCodesEveryResultWithLOINC(t *testing.T) {
	cat := catalog(t)
	phq, err := cat.Instrument("phq9")
	if err != nil {
		t.Fatal(err)
	}
	// The codes the export relies on, as the instrument files carry them.
	if phq.Codes.Panel != "44249-1" || phq.Codes.Total != "44261-6" || phq.Items[8].Code != "44260-8" {
		t.Fatalf("PHQ-9 codes changed: %+v, item 9 %s", phq.Codes, phq.Items[8].Code)
	}
	gad, err := cat.Instrument("gad7")
	if err != nil {
		t.Fatal(err)
	}
	if gad.Codes.Panel != "69737-5" || gad.Codes.Total != "70274-6" {
		t.Fatalf("GAD-7 codes changed: %+v", gad.Codes)
	}

	records := everyRecord(t)
	b, err := fhir.Build(cat, clientID, records, when)
	if err != nil {
		t.Fatal(err)
	}
	raw := marshal(t, b)
	again, err := fhir.Build(cat, clientID, records, when)
	if err != nil {
		t.Fatal(err)
	}
	if string(marshal(t, again)) != string(raw) {
		t.Error("two builds of the same results differ: the urn:uuids must be stable")
	}
	for _, secret := range []string{"nickname", "email", "name", "telecom", "address", "birthDate"} {
		if strings.Contains(string(raw), `"`+secret+`"`) {
			t.Errorf("the bundle has a %q element; the Patient carries the pseudonymous id only", secret)
		}
	}
	var g generic
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if g.ResourceType != "Bundle" || g.Type != "collection" || g.Timestamp != "2026-03-29T01:30:00Z" {
		t.Errorf("bundle = %s %s %s", g.ResourceType, g.Type, g.Timestamp)
	}
	if want := 1 + 2*len(records); len(g.Entry) != want {
		t.Fatalf("%d entries, want %d (the Patient, then a response and a total per result)", len(g.Entry), want)
	}
	patient := g.Entry[0]
	if patient.Resource["resourceType"] != "Patient" || patient.FullURL != "urn:uuid:"+clientID || len(patient.Resource) != 2 {
		t.Errorf("patient = %s %v", patient.FullURL, patient.Resource)
	}
	seen := map[string]bool{}
	for _, e := range g.Entry {
		if !strings.HasPrefix(e.FullURL, "urn:uuid:") || seen[e.FullURL] {
			t.Errorf("fullUrl %q is not a new urn:uuid", e.FullURL)
		}
		seen[e.FullURL] = true
	}
	// Oldest first; each response followed by its total.
	byID := map[string]selftest.Record{}
	for _, r := range records {
		byID[r.ID] = r
	}
	last := ""
	for i := 1; i < len(g.Entry); i += 2 {
		qr, obs := g.Entry[i].Resource, g.Entry[i+1].Resource
		if qr["resourceType"] != "QuestionnaireResponse" || obs["resourceType"] != "Observation" {
			t.Fatalf("entries %d, %d: %v, %v", i, i+1, qr["resourceType"], obs["resourceType"])
		}
		if a := qr["authored"].(string); a < last {
			t.Errorf("entry %d authored %s before the one before (%s)", i, a, last)
		} else {
			last = a
		}
		var in *selftest.Instrument
		for _, cand := range cat.Instruments() {
			if qr["questionnaire"] == "http://loinc.org/q/"+cand.Codes.Panel {
				in = cand
			}
		}
		if in == nil {
			t.Fatalf("entry %d: questionnaire %v is no LOINC panel of the catalogue", i, qr["questionnaire"])
		}
		if qr["status"] != "completed" || qr["subject"].(map[string]any)["reference"] != patient.FullURL {
			t.Errorf("entry %d: status %v, subject %v", i, qr["status"], qr["subject"])
		}
		items, _ := qr["item"].([]any)
		if len(items) != 0 && len(items) != len(in.Items) {
			t.Errorf("entry %d: %d items, want all %d or none", i, len(items), len(in.Items))
		}
		for k, raw := range items {
			it := raw.(map[string]any)
			if it["linkId"] != in.Items[k].Code {
				t.Errorf("entry %d item %d: linkId %v, want the LOINC code %s", i, k, it["linkId"], in.Items[k].Code)
			}
			coding := it["answer"].([]any)[0].(map[string]any)["valueCoding"].(map[string]any)
			if coding["system"] != "http://loinc.org" || !strings.HasPrefix(coding["code"].(string), "LA") {
				t.Errorf("entry %d item %d: answer %v is not a LOINC answer code", i, k, coding)
			}
		}
		code := obs["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)
		if code["system"] != "http://loinc.org" || code["code"] != in.Codes.Total {
			t.Errorf("entry %d: total coded %v, want LOINC %s", i+1, code, in.Codes.Total)
		}
		cat := obs["category"].([]any)[0].(map[string]any)["coding"].([]any)[0].(map[string]any)
		if cat["code"] != "survey" || obs["status"] != "final" || obs["effectiveDateTime"] != qr["authored"] {
			t.Errorf("entry %d: category %v, status %v, effective %v", i+1, cat, obs["status"], obs["effectiveDateTime"])
		}
		if obs["derivedFrom"].([]any)[0].(map[string]any)["reference"] != g.Entry[i].FullURL {
			t.Errorf("entry %d: derivedFrom %v, want its response %s", i+1, obs["derivedFrom"], g.Entry[i].FullURL)
		}
		if _, ok := obs["valueInteger"].(float64); !ok {
			t.Errorf("entry %d: no valueInteger: %v", i+1, obs)
		}
	}
}

// TestBuildPHQ9InDetail pins one result exactly: a PHQ-9 with a crisis
// answer, in Dutch.
func TestBuildPHQ9InDetail(t *testing.T) {
	cat := catalog(t)
	values := []int{3, 2, 1, 0, 3, 2, 1, 0, 1}
	var answers []selftest.Answer
	for i, v := range values {
		answers = append(answers, selftest.Answer{Item: fmt.Sprintf("phq9_%d", i+1), Value: v})
	}
	answers = append(answers, selftest.Answer{Item: "phq9_difficulty", Value: 2}, selftest.Answer{Item: "phq9_gone", Value: 1})
	b, err := fhir.Build(cat, clientID, []selftest.Record{{Source: selftest.SourceSelftest, ID: "s1", Instrument: "phq9", Language: "nl",
		Answers: answers, Score: 13, Band: "moderate", Crisis: true, TakenAt: when}}, when)
	if err != nil {
		t.Fatal(err)
	}
	qr := b.Entry[1].Resource.(fhir.QuestionnaireResponse)
	if qr.Language != "nl" || qr.Questionnaire != "http://loinc.org/q/44249-1" || qr.Authored != "2026-03-29T01:30:00Z" {
		t.Errorf("response = %+v", qr)
	}
	if len(qr.Item) != 11 {
		t.Fatalf("%d items, want 9, the difficulty question and the unknown one", len(qr.Item))
	}
	nine := qr.Item[8]
	if nine.LinkID != "44260-8" || nine.Answer[0].ValueCoding.Code != "LA6569-3" || !strings.HasPrefix(nine.Text, "Gedachten") {
		t.Errorf("item 9 = %+v %+v", nine, nine.Answer[0].ValueCoding)
	}
	if d := qr.Item[9]; d.LinkID != "69722-7" || d.Answer[0].ValueCoding.Code != "LA6575-0" {
		t.Errorf("difficulty = %+v %+v (value 2 is LA6575-0, Very difficult)", d, d.Answer[0].ValueCoding)
	}
	if u := qr.Item[10]; u.LinkID != "phq9_gone" || u.Answer[0].ValueInteger == nil || *u.Answer[0].ValueInteger != 1 {
		t.Errorf("an answer to an item the instrument no longer has = %+v", u)
	}
	obs := b.Entry[2].Resource.(fhir.Observation)
	if obs.ValueInteger != 13 || obs.Code.Coding[0].Code != "44261-6" || len(obs.Interpretation) != 1 || obs.Interpretation[0].Text != "Matig" {
		t.Errorf("total = %+v", obs)
	}
}

// TestBuildWithoutKnownLanguage: the trajectory's measurements do not
// keep the language they were answered in, so the response claims none
// and shows no question texts.
func TestBuildWithoutKnownLanguage(t *testing.T) {
	cat := catalog(t)
	in, err := cat.Instrument("gad7")
	if err != nil {
		t.Fatal(err)
	}
	answers, sc := allAnswers(t, in, 2)
	b, err := fhir.Build(cat, clientID, []selftest.Record{{Source: selftest.SourceCoaching, ID: "t:intake:gad7", Instrument: "gad7",
		Answers: answers, Score: sc.Score, Band: sc.Band, TakenAt: when}}, when)
	if err != nil {
		t.Fatal(err)
	}
	qr := b.Entry[1].Resource.(fhir.QuestionnaireResponse)
	if qr.Language != "" || len(qr.Item) != len(in.Items) {
		t.Fatalf("response = %+v", qr)
	}
	for _, it := range qr.Item {
		if it.Text != "" {
			t.Errorf("item %s shows a text in a language the client may not have seen: %q", it.LinkID, it.Text)
		}
	}
	if obs := b.Entry[2].Resource.(fhir.Observation); len(obs.Interpretation) != 1 || obs.Interpretation[0].Text == "" {
		t.Errorf("the total has no band: %+v", obs)
	}
}

func TestBuildRefusesAnUnknownInstrument(t *testing.T) {
	_, err := fhir.Build(catalog(t), clientID, []selftest.Record{{Source: selftest.SourceSelftest, ID: "x", Instrument: "k10", TakenAt: when}}, when)
	if err == nil {
		t.Fatal("a result that cannot be coded was left out or guessed instead of refused")
	}
}

// TestBundlesValidateAgainstTheFHIRR4Schema checks the bundles Haven
// exports — every instrument, from every source, with and without
// answers, and with no results at all — against HL7's FHIR R4 JSON schema.
func TestBundlesValidateAgainstTheFHIRR4Schema(t *testing.T) {
	fhirtest.Schema(t) // skip (or, in CI, fail) before building anything
	cat := catalog(t)
	all := everyRecord(t)
	cases := map[string][]selftest.Record{"empty": nil, "everything": all}
	for _, r := range all {
		cases[r.ID] = []selftest.Record{r}
	}
	for name, records := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := fhir.Build(cat, clientID, records, when)
			if err != nil {
				t.Fatal(err)
			}
			if err := fhirtest.Validate(t, marshal(t, b)); err != nil {
				t.Errorf("the bundle breaks the FHIR R4 schema: %v", err)
			}
		})
	}
	// A pseudonymous id that is not a uuid still gives a valid bundle.
	b, err := fhir.Build(cat, "erased", all[:1], when)
	if err != nil {
		t.Fatal(err)
	}
	if err := fhirtest.Validate(t, marshal(t, b)); err != nil {
		t.Errorf("bundle for a non-uuid id: %v", err)
	}
}

// TestTheSchemaRejectsBrokenResources makes sure the validation can fail:
// a bundle broken in one place each time is refused.
func TestTheSchemaRejectsBrokenResources(t *testing.T) {
	fhirtest.Schema(t)
	cat := catalog(t)
	in, err := cat.Instrument("phq9")
	if err != nil {
		t.Fatal(err)
	}
	answers, sc := allAnswers(t, in, 1)
	b, err := fhir.Build(cat, clientID, []selftest.Record{{Source: selftest.SourceSelfhelp, ID: "e:start", Instrument: "phq9", Language: "en",
		Answers: answers, Score: sc.Score, Band: sc.Band, TakenAt: when}}, when)
	if err != nil {
		t.Fatal(err)
	}
	good := marshal(t, b)
	if err := fhirtest.Validate(t, good); err != nil {
		t.Fatalf("the unbroken bundle fails: %v", err)
	}
	breaks := map[string]func(g map[string]any){
		// What the issue first asked for: R4's QuestionnaireResponse.item
		// has no code element.
		"item with a code": func(g map[string]any) {
			item(g)["code"] = []any{map[string]any{"system": "http://loinc.org", "code": "44250-9"}}
		},
		"unknown response status": func(g map[string]any) { resource(g, 1)["status"] = "done" },
		"total as a string":       func(g map[string]any) { resource(g, 2)["valueInteger"] = "12" },
		"impossible date":         func(g map[string]any) { resource(g, 1)["authored"] = "2026-13-01T00:00:00Z" },
		"time without zone":       func(g map[string]any) { resource(g, 2)["effectiveDateTime"] = "2026-03-29T01:30:00" },
		"unknown bundle type":     func(g map[string]any) { g["type"] = "heap" },
		"unknown resource type":   func(g map[string]any) { resource(g, 0)["resourceType"] = "Pseudonym" },
		"patient with a nickname": func(g map[string]any) { resource(g, 0)["nickname"] = "zon" },
		"answer not a list":       func(g map[string]any) { item(g)["answer"] = "LA6568-5" },
	}
	for name, mutate := range breaks {
		t.Run(name, func(t *testing.T) {
			var g map[string]any
			if err := json.Unmarshal(good, &g); err != nil {
				t.Fatal(err)
			}
			mutate(g)
			if err := fhirtest.Validate(t, marshal(t, g)); err == nil {
				t.Error("the broken bundle passed the schema")
			}
		})
	}
}

func resource(g map[string]any, i int) map[string]any {
	return g["entry"].([]any)[i].(map[string]any)["resource"].(map[string]any)
}

func item(g map[string]any) map[string]any {
	return resource(g, 1)["item"].([]any)[0].(map[string]any)
}
