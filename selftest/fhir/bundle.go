// Package fhir builds a client's questionnaire results as an HL7 FHIR R4
// Bundle: one QuestionnaireResponse per questionnaire answered (coded with
// the LOINC codes the instruments carry, selftest/instruments) and one
// Observation for its total score, about a pseudonymous Patient. Build is
// pure; Service gathers the results from the domains that keep them (the
// claimed self-tests, the course questionnaires, the guided trajectory's
// measurements) for the two use cases — a client's own download and their
// clinician's — and audits the clinician's.
//
// It lives under selftest because the instruments and their codes are the
// self-test's; it imports no other domain: modules and coaching hand their
// questionnaires over as selftest.Records through the interfaces Service
// declares.
package fhir

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/haven-mh/haven/selftest"
)

// ContentType is the media type of FHIR JSON.
const ContentType = "application/fhir+json"

// Bundle is a FHIR R4 Bundle of type collection.
type Bundle struct {
	ResourceType string  `json:"resourceType"`
	Type         string  `json:"type"`
	Timestamp    string  `json:"timestamp"`
	Entry        []Entry `json:"entry,omitempty"`
}

// Entry is one resource of the bundle, named by a urn:uuid.
type Entry struct {
	FullURL  string `json:"fullUrl"`
	Resource any    `json:"resource"`
}

// Patient is the subject: only a pseudonymous identifier (the account's
// random id), no name, e-mail or anything else.
type Patient struct {
	ResourceType string       `json:"resourceType"`
	Identifier   []Identifier `json:"identifier"`
}

// Identifier is a FHIR Identifier.
type Identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

// Reference points at another entry of the bundle.
type Reference struct {
	Reference string `json:"reference"`
}

// Coding is a FHIR Coding.
type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a FHIR CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// QuestionnaireResponse is one questionnaire answered.
type QuestionnaireResponse struct {
	ResourceType  string    `json:"resourceType"`
	Language      string    `json:"language,omitempty"`
	Questionnaire string    `json:"questionnaire"`
	Status        string    `json:"status"`
	Subject       Reference `json:"subject"`
	Authored      string    `json:"authored"`
	Item          []QRItem  `json:"item,omitempty"`
}

// QRItem is one answered question. R4's QuestionnaireResponse.item has no
// code element (Questionnaire.item has): the LOINC code of the question
// is its linkId, as in LOINC's own questionnaires (http://loinc.org/q/…).
type QRItem struct {
	LinkID string     `json:"linkId"`
	Text   string     `json:"text,omitempty"`
	Answer []QRAnswer `json:"answer"`
}

// QRAnswer is a coded answer (the LOINC answer code), or the value when
// the option has no code.
type QRAnswer struct {
	ValueCoding  *Coding `json:"valueCoding,omitempty"`
	ValueInteger *int    `json:"valueInteger,omitempty"`
}

// Observation is a questionnaire's total score.
type Observation struct {
	ResourceType      string            `json:"resourceType"`
	Status            string            `json:"status"`
	Category          []CodeableConcept `json:"category"`
	Code              CodeableConcept   `json:"code"`
	Subject           Reference         `json:"subject"`
	EffectiveDateTime string            `json:"effectiveDateTime"`
	ValueInteger      int               `json:"valueInteger"`
	Interpretation    []CodeableConcept `json:"interpretation,omitempty"`
	DerivedFrom       []Reference       `json:"derivedFrom"`
}

// Catalog finds an instrument (selftest.Catalog).
type Catalog interface {
	Instrument(id string) (*selftest.Instrument, error)
}

// namespace makes the bundle's urn:uuids: name-based (SHA-1) uuids of the
// record's source and id, so the same result has the same uuid in every
// download and a receiving system can tell a result it has from a new one.
var namespace = uuid.MustParse("5a0e6bd4-35d6-4c3e-9a2d-8f1f6f1c2b10")

func urn(parts ...string) string {
	name := ""
	for _, p := range parts {
		name += strconv.Itoa(len(p)) + ":" + p
	}
	return "urn:uuid:" + uuid.NewSHA1(namespace, []byte(name)).String()
}

// fhirTime is a FHIR dateTime/instant to the second, in UTC.
func fhirTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Build returns clientID's records as a collection Bundle made at now:
// the Patient first, then per record, oldest first, its
// QuestionnaireResponse and its total's Observation. Without records the
// bundle has no entries (not even the Patient). A record of an instrument
// the catalogue does not know is an error: it could not be coded, and an
// export must not leave a result out silently.
func Build(cat Catalog, clientID string, records []selftest.Record, now time.Time) (*Bundle, error) {
	b := &Bundle{ResourceType: "Bundle", Type: "collection", Timestamp: fhirTime(now)}
	if len(records) == 0 {
		return b, nil
	}
	recs := slices.Clone(records)
	slices.SortStableFunc(recs, func(a, b selftest.Record) int {
		return cmp.Or(a.TakenAt.Compare(b.TakenAt), cmp.Compare(a.Source, b.Source), cmp.Compare(a.ID, b.ID))
	})
	patient := "urn:uuid:" + clientID
	if _, err := uuid.Parse(clientID); err != nil {
		patient = urn("patient", clientID)
	}
	b.Entry = append(b.Entry, Entry{FullURL: patient, Resource: Patient{ResourceType: "Patient",
		Identifier: []Identifier{{System: "urn:ietf:rfc:3986", Value: patient}}}})
	subject := Reference{Reference: patient}
	for _, r := range recs {
		in, err := cat.Instrument(r.Instrument)
		if err != nil {
			return nil, fmt.Errorf("fhir: %s record %s: %w", r.Source, r.ID, err)
		}
		qrURL := urn(r.Source, r.ID, "QuestionnaireResponse")
		b.Entry = append(b.Entry, Entry{FullURL: qrURL, Resource: response(in, r, subject)},
			Entry{FullURL: urn(r.Source, r.ID, "Observation"), Resource: total(in, r, subject, qrURL)})
	}
	return b, nil
}

// response is the QuestionnaireResponse of r: the LOINC panel as the
// questionnaire, each answer coded, in the instrument's order.
func response(in *selftest.Instrument, r selftest.Record, subject Reference) QuestionnaireResponse {
	qr := QuestionnaireResponse{ResourceType: "QuestionnaireResponse", Status: "completed",
		Questionnaire: in.Codes.System + "/q/" + in.Codes.Panel, Subject: subject, Authored: fhirTime(r.TakenAt)}
	// The questions' texts and the language only when it is known which
	// language the questionnaire was answered in (the guided trajectory's
	// measurements do not keep it): never a text the client did not see.
	texts, inLang := in.Languages[r.Language]
	if inLang {
		qr.Language = r.Language
	}
	answered := map[string]int{}
	for _, a := range r.Answers {
		answered[a.Item] = a.Value
	}
	known := map[string]bool{}
	for _, it := range in.Items {
		known[it.ID] = true
		v, ok := answered[it.ID]
		if !ok {
			continue
		}
		item := QRItem{LinkID: cmp.Or(it.Code, it.ID), Answer: []QRAnswer{answer(in.Codes.System, in.ItemOptions(it), v)}}
		if inLang {
			item.Text = texts.Items[it.ID].Text
		}
		qr.Item = append(qr.Item, item)
	}
	// An answer to an item this version of the instrument no longer has
	// keeps its value under its own id rather than being left out.
	for _, a := range r.Answers {
		if !known[a.Item] {
			v := a.Value
			qr.Item = append(qr.Item, QRItem{LinkID: a.Item, Answer: []QRAnswer{{ValueInteger: &v}}})
		}
	}
	return qr
}

func answer(system string, opts []selftest.Option, v int) QRAnswer {
	for _, o := range opts {
		if o.Value == v && o.Code != "" {
			return QRAnswer{ValueCoding: &Coding{System: system, Code: o.Code}}
		}
	}
	return QRAnswer{ValueInteger: &v}
}

// total is the Observation of r's total score, derived from its response,
// with the severity band as its interpretation (the label in the language
// the questionnaire was answered in, else the instrument's default).
func total(in *selftest.Instrument, r selftest.Record, subject Reference, qrURL string) Observation {
	texts, _ := in.Text(r.Language)
	o := Observation{ResourceType: "Observation", Status: "final",
		Category: []CodeableConcept{{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/observation-category",
			Code: "survey", Display: "Survey"}}}},
		Code:    CodeableConcept{Coding: []Coding{{System: in.Codes.System, Code: in.Codes.Total}}, Text: in.Name + " total score"},
		Subject: subject, EffectiveDateTime: fhirTime(r.TakenAt), ValueInteger: r.Score,
		DerivedFrom: []Reference{{Reference: qrURL}}}
	if b, ok := texts.Bands[r.Band]; ok {
		o.Interpretation = []CodeableConcept{{Text: b.Label}}
	}
	return o
}
