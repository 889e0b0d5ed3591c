package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/selftest/fhir/fhirtest"
)

// TestFHIRExportOverHTTP follows a client's questionnaires from every
// source into the FHIR bundle — two claimed self-tests (PHQ-9, GAD-7), the
// course's start questionnaire and the trajectory's intake — as the client
// and their clinician download it; another clinician is not found, and
// every staff download, granted or denied, is in the audit log.
func TestFHIRExportOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{})
	_, coord := a.staff(auth.RoleCoordinator, "coord", "")
	ownerID, owner := a.staff(auth.RoleClinician, "dr-own", coord)
	otherID, other := a.staff(auth.RoleClinician, "dr-other", coord)
	clientID, clientToken := a.signUp("Zeldzame-Bijnaam")

	// Nothing yet: a bundle without entries, still valid FHIR.
	empty := a.do("GET", "/api/v1/me/fhir", clientToken, nil)
	if empty.code != 200 || !strings.HasPrefix(empty.header.Get("Content-Type"), "application/fhir+json") ||
		!strings.HasPrefix(empty.header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("empty export: %d %v %s", empty.code, empty.header, empty.raw)
	}
	if b := decodeBundle(t, empty.raw); len(b.Entry) != 0 {
		t.Errorf("a client without results gets %d entries", len(b.Entry))
	}
	if err := fhirtest.Validate(t, []byte(empty.raw)); err != nil {
		t.Errorf("the empty bundle breaks the FHIR R4 schema: %v", err)
	}

	// Two self-tests, claimed into the account.
	gad := []map[string]any{}
	for i, v := range []int{2, 1, 2, 1, 0, 1, 2} {
		gad = append(gad, map[string]any{"item": fmt.Sprintf("gad7_%d", i+1), "value": v})
	}
	for _, s := range []struct {
		instrument string
		answers    []map[string]any
	}{{"phq9", acctAnswers(2, 2, 1, 1, 1, 1, 1, 1, 0)}, {"gad7", gad}} {
		sub := a.do("POST", "/api/v1/selftest/instruments/"+s.instrument+"/submissions", "", map[string]any{"language": "en", "answers": s.answers})
		if sub.code != 201 {
			t.Fatalf("submit %s: %d %s", s.instrument, sub.code, sub.raw)
		}
		if c := a.do("POST", "/api/v1/me/selftests/claim", clientToken, map[string]any{"claim_token": sub.str("claim_token")}); c.code != 201 {
			t.Fatalf("claim %s: %d %s", s.instrument, c.code, c.raw)
		}
	}
	// The course's start questionnaire.
	if r := a.do("POST", "/api/v1/me/selfhelp/depression/measurements/start", clientToken, map[string]any{"answers": acctAnswers(1, 1, 1, 1, 1, 1, 1, 1, 0)}); r.code != 201 {
		t.Fatalf("course questionnaire: %d %s", r.code, r.raw)
	}
	// Guided care with dr-own: the intake's PHQ-9.
	tid := a.assign(clientToken, coord, ownerID)

	mine := a.do("GET", "/api/v1/me/fhir", clientToken, nil)
	if mine.code != 200 {
		t.Fatalf("client export: %d %s", mine.code, mine.raw)
	}
	if err := fhirtest.Validate(t, []byte(mine.raw)); err != nil {
		t.Errorf("the client's bundle breaks the FHIR R4 schema: %v", err)
	}
	if got := panels(decodeBundle(t, mine.raw)); got != "44249-1 44249-1 44249-1 69737-5" {
		t.Errorf("client's responses by LOINC panel = %q, want three PHQ-9s (self-test, course, intake) and a GAD-7", got)
	}
	for _, personal := range []string{"Zeldzame-Bijnaam", "dr-own"} {
		if strings.Contains(mine.raw, personal) {
			t.Errorf("the bundle names %q", personal)
		}
	}

	theirs := a.do("GET", "/api/v1/trajectories/"+tid+"/fhir", owner, nil)
	if theirs.code != 200 || !strings.HasPrefix(theirs.header.Get("Content-Type"), "application/fhir+json") {
		t.Fatalf("clinician export: %d %s", theirs.code, theirs.raw)
	}
	if err := fhirtest.Validate(t, []byte(theirs.raw)); err != nil {
		t.Errorf("the clinician's bundle breaks the FHIR R4 schema: %v", err)
	}
	if got := panels(decodeBundle(t, theirs.raw)); got != "44249-1 44249-1 44249-1 69737-5" {
		t.Errorf("clinician's responses = %q", got)
	}
	if r := a.do("GET", "/api/v1/trajectories/"+tid+"/fhir", other, nil); r.code != 404 {
		t.Errorf("another clinician: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/trajectories/00000000-0000-4000-8000-000000000000/fhir", owner, nil); r.code != 404 {
		t.Errorf("an unknown trajectory: %d %s", r.code, r.raw)
	}

	entries, err := a.audit.Find(context.Background(), audit.Filter{SubjectID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	var granted, denied, own int
	for _, e := range entries {
		switch {
		case e.Action == audit.ActionClientRead && e.Object == "trajectory:"+tid+":fhir" && *e.ActorID == ownerID:
			if e.Outcome != audit.OutcomeSuccess || e.SessionID == nil || e.RequestID == "" || e.ActorRole != string(auth.RoleClinician) {
				t.Errorf("the clinician's download entry: %+v", e)
			}
			granted++
		case e.Outcome == audit.OutcomeDenied && *e.ActorID == otherID:
			denied++
		case e.Action == audit.ActionAccountExport && e.Object == "fhir:questionnaires" && *e.ActorID == clientID:
			own++
		}
	}
	if granted != 1 || denied != 1 || own != 2 {
		t.Errorf("audit: %d clinician downloads (want 1), %d denied (want 1), %d own downloads (want 2)", granted, denied, own)
	}
}

type bundleJSON struct {
	Entry []struct {
		Resource map[string]any `json:"resource"`
	} `json:"entry"`
}

func decodeBundle(t *testing.T, raw string) bundleJSON {
	t.Helper()
	var b bundleJSON
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// panels lists the LOINC panels of the bundle's responses, sorted.
func panels(b bundleJSON) string {
	var out []string
	for _, e := range b.Entry {
		if e.Resource["resourceType"] == "QuestionnaireResponse" {
			out = append(out, strings.TrimPrefix(e.Resource["questionnaire"].(string), "http://loinc.org/q/"))
		}
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}
