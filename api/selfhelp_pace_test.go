package api_test

import (
	"context"
	"testing"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// A coordinator sees the course's rhythm (the shipped course's week, from
// its content) and changes it; bad values are 422 naming lesson_days, an
// unknown programme 404; the change is audited. Every answer is checked
// against the OpenAPI document.
func TestProgrammePaceOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{})
	coordID, _ := a.staff(auth.RoleCoordinator, "coordinator", "")
	coord := a.login("coordinator")
	const path = "/api/v1/selfhelp/programmes/depression/pace"

	r := a.do("GET", path, coord, nil)
	if r.code != 200 || r.body["lesson_days"] != 7.0 || r.body["source"] != "programme" || r.body["default_source"] != "programme" || r.body["set_at"] != nil {
		t.Fatalf("default pace: %d %s", r.code, r.raw)
	}
	for _, tc := range []struct {
		name string
		body any
		code int
	}{
		{"no days", map[string]any{}, 422},
		{"negative", map[string]any{"lesson_days": -1}, 422},
		{"too many", map[string]any{"lesson_days": 61}, 422},
		{"not a number", []byte(`{"lesson_days": "seven"}`), 400},
		{"unknown field", map[string]any{"lesson_days": 3, "weeks": 1}, 400},
	} {
		r := a.do("PUT", path, coord, tc.body)
		if r.code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.name, r.code, r.raw, tc.code)
		}
		if tc.name != "unknown field" && r.errorFields()["lesson_days"] == nil {
			t.Errorf("%s: %s does not name lesson_days", tc.name, r.raw)
		}
	}
	if r := a.do("PUT", "/api/v1/selfhelp/programmes/nope/pace", coord, map[string]any{"lesson_days": 3}); r.code != 404 {
		t.Errorf("unknown programme: %d %s", r.code, r.raw)
	}
	r = a.do("PUT", path, coord, map[string]any{"lesson_days": 3})
	if r.code != 200 || r.body["lesson_days"] != 3.0 || r.body["source"] != "coordinator" || r.body["default_lesson_days"] != 7.0 || r.str("set_at") == "" {
		t.Fatalf("set: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", path, coord, nil); r.body["lesson_days"] != 3.0 || r.body["source"] != "coordinator" {
		t.Errorf("after setting: %s", r.raw)
	}
	entries, err := a.audit.Find(context.Background(), audit.Filter{ActorID: coordID})
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, e := range entries {
		if e.Action == audit.ActionPaceChange {
			changes = append(changes, e.Object)
		}
	}
	if len(changes) != 1 || changes[0] != "selfhelp_programme:depression:lesson_days:3" {
		t.Errorf("audited pace changes: %v, want the one that was made", changes)
	}
}
