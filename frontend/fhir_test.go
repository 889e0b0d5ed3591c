package frontend

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/haven-mh/haven/audit"
)

// TestFHIRDownloads: the client downloads their questionnaire results as a
// FHIR file from Your data, their clinician from the record; another
// clinician finds nothing, and staff are not offered the client's link.
func TestFHIRDownloads(t *testing.T) {
	e := newCaseEnv(t)
	client, tr, token := e.clientSession(t, "fhir-client", phq9(2, 2, 2, 1, 1, 2, 1, 1, 0), &e.alice)
	isFHIRFile := func(t *testing.T, path string) string {
		t.Helper()
		w := e.do(http.MethodGet, path, nil)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/fhir+json") ||
			!strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment;") {
			t.Fatalf("GET %s: %d %v", path, w.Code, w.Header())
		}
		body := w.Body.String()
		if !strings.Contains(body, `"resourceType": "Bundle"`) || !strings.Contains(body, "http://loinc.org/q/44249-1") || strings.Contains(body, "fhir-client") {
			t.Errorf("GET %s: not the client's pseudonymous bundle with the intake's PHQ-9:\n%s", path, body)
		}
		return body
	}

	e.as(token)
	for lang, text := range map[string]string{"en": "Download your questionnaire results", "nl": "Download de resultaten van je vragenlijsten"} {
		w := e.do(http.MethodGet, "/"+lang+"/account/data", nil)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `href="/`+lang+`/account/data/fhir"`) || !strings.Contains(w.Body.String(), text) {
			t.Errorf("%s data page does not offer the FHIR file: %d", lang, w.Code)
		}
	}
	isFHIRFile(t, "/en/account/data/fhir")

	e.as(e.aliceToken)
	record := "/en/caseload/" + tr.ID
	if w := e.do(http.MethodGet, record, nil); !strings.Contains(w.Body.String(), `href="`+record+`/fhir"`) {
		t.Errorf("the record does not offer the FHIR file")
	}
	if w := e.do(http.MethodGet, "/en/account/data", nil); strings.Contains(w.Body.String(), "/account/data/fhir") {
		t.Error("a clinician's own data page offers a client's FHIR file")
	}
	isFHIRFile(t, record+"/fhir")

	e.as(e.bobToken)
	if w := e.do(http.MethodGet, record+"/fhir", nil); w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "loinc") {
		t.Errorf("another clinician: %d", w.Code)
	}

	entries, err := e.site.Audit.Find(context.Background(), audit.Filter{SubjectID: client.UserID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var alice, bob bool
	for _, en := range entries {
		switch {
		case *en.ActorID == e.alice.UserID && en.Object == "trajectory:"+tr.ID+":fhir" && en.Outcome == audit.OutcomeSuccess:
			alice = true
		case *en.ActorID == e.bob.UserID && en.Outcome == audit.OutcomeDenied:
			bob = true
		}
	}
	if !alice || !bob {
		t.Errorf("audit: the clinician's download %v, the other's attempt %v", alice, bob)
	}
}
