package api_test

import (
	"testing"

	"github.com/haven-mh/haven/auth"
)

// TestGuidedCourseOverHTTP: the client's course over the API follows the
// same rule as the pages (modules/guided.go): the clinician's lesson
// order, and a feedback moment the client waits at until the clinician's
// feedback — shown as waiting_for_feedback with its due date.
func TestGuidedCourseOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{AccountFailures: 10000, SourceAttempts: 10000, SignupsPerSource: 10000})
	a.staff(auth.RoleCoordinator, "coord", "")
	coord := a.login("coord")
	drA, _ := a.staff(auth.RoleClinician, "dr-a", coord)
	_, anna := a.signUp("anna")
	id := a.assign(anna, coord, drA)
	dr := a.login("dr-a")
	base := "/api/v1/me/selfhelp/depression"

	if r := a.do("PUT", "/api/v1/trajectories/"+id+"/lessons/depression", dr, map[string]any{"lessons": []string{"understanding", "thoughts"}}); r.code/100 != 2 {
		t.Fatalf("assign lessons: %d %s", r.code, r.raw)
	}
	r := a.do("POST", base, anna, nil)
	if r.code != 200 || r.body["guided"] != true || len(strSlice(r.body["assigned_lessons"])) != 2 {
		t.Fatalf("start, guided: %d %s", r.code, r.raw)
	}
	r = a.do("GET", base+"/lessons/understanding", anna, nil)
	if r.code != 200 || r.body["waiting_for_feedback"] != nil {
		t.Fatalf("open lesson 1: %d %s", r.code, r.raw)
	}
	steps := r.obj("content")["steps"].([]any)
	moment := ""
	for _, s := range steps {
		st := s.(map[string]any)
		if st["feedback_moment"] == true {
			moment = st["id"].(string)
		}
	}
	if moment == "" {
		t.Fatalf("no step marked as the feedback moment: %s", r.raw)
	}
	var after string
	for i, s := range steps {
		id := s.(map[string]any)["id"].(string)
		if r := a.do("PUT", base+"/lessons/understanding/steps/"+id, anna, map[string]any{"values": map[string]any{}, "complete": true}); id == moment {
			if r.code != 200 || r.obj("waiting_for_feedback")["step"] != moment || r.obj("waiting_for_feedback")["due_by"] == nil {
				t.Fatalf("finishing the moment: %d %s", r.code, r.raw)
			}
			after = steps[i+1].(map[string]any)["id"].(string)
			break
		} else if r.code != 200 {
			t.Fatalf("step %s: %d %s", id, r.code, r.raw)
		}
	}
	if r := a.do("PUT", base+"/lessons/understanding/steps/"+after, anna, map[string]any{"values": map[string]any{}, "complete": true}); r.code != 409 || r.errorCode() != "waiting_for_feedback" {
		t.Errorf("the step after the moment: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", base, anna, nil); r.code != 200 || r.obj("waiting_for_feedback")["lesson"] != "understanding" {
		t.Errorf("progress while waiting: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", base+"/lessons/understanding", anna, nil); r.code != 200 || r.obj("waiting_for_feedback")["step"] != moment {
		t.Errorf("lesson while waiting: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", "/api/v1/trajectories/"+id+"/feedback", dr, map[string]any{"lesson": "understanding", "body": "Clear circle."}); r.code/100 != 2 {
		t.Fatalf("feedback: %d %s", r.code, r.raw)
	}
	if r := a.do("PUT", base+"/lessons/understanding/steps/"+after, anna, map[string]any{"values": map[string]any{}, "complete": true}); r.code != 200 {
		t.Errorf("the step after the moment, after feedback: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", base, anna, nil); r.code != 200 || r.body["waiting_for_feedback"] != nil {
		t.Errorf("progress after feedback: %d %s", r.code, r.raw)
	}
}
