package api_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// The guided trajectory over HTTP, as its client, clinicians and a
// coordinator use it: every response is validated against openapi.yaml
// by the harness (authz_matrix_test.go).

func (r acctResponse) list(key string) []map[string]any {
	var out []map[string]any
	for _, x := range r.body[key].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func (r acctResponse) num(key string) float64 {
	f, _ := r.body[key].(float64)
	return f
}

// TestTrajectoryOverHTTP walks a trajectory from application to a
// completed end: waiting place, assignment, consent, messages both ways
// with a retried send, lessons and feedback, a contact, the week-6
// questionnaire, an extension and the close; then another one assigned
// automatically and ended as dropped out with a reason.
func TestTrajectoryOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{AccountFailures: 10000, SourceAttempts: 10000, SignupsPerSource: 10000})
	coordID, _ := a.staff(auth.RoleCoordinator, "coord", "")
	coord := a.login("coord")
	drA, _ := a.staff(auth.RoleClinician, "dr-a", coord)
	drB, _ := a.staff(auth.RoleClinician, "dr-b", coord)
	annaID, anna := a.signUp("anna")

	// Apply with the intake's PHQ-9 (score 10: moderate).
	r := a.do("POST", "/api/v1/trajectories", anna, map[string]any{"language": "en", "phq9": acctAnswers(1, 1, 1, 1, 1, 2, 1, 2, 0),
		"hopes": "  to sleep and work again ", "reachable": "weekday evenings", "care_elsewhere": []string{"medication", "gp", "gp"},
		"email": "anna@example.org"})
	if r.code != 201 || r.str("trajectory", "state") != "applied" || r.obj("intake")["score"] != 10.0 || r.obj("intake")["crisis"] != false ||
		r.obj("intake", "band")["id"] == nil || r.obj("intake")["crisis_help"] != nil || r.obj("trajectory")["notifications"] != true {
		t.Fatalf("apply: %d %s", r.code, r.raw)
	}
	id := r.str("trajectory", "id")
	traj := "/api/v1/trajectories/" + id
	if loc := r.header.Get("Location"); loc != traj {
		t.Errorf("Location %q", loc)
	}
	if r := a.do("POST", "/api/v1/trajectories", anna, map[string]any{"phq9": acctAnswers(0, 0, 0, 0, 0, 0, 0, 0, 0), "hopes": "x", "reachable": "y"}); r.code != 409 || r.errorCode() != "trajectory_open" {
		t.Errorf("a second application: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/trajectories/current", anna, nil); r.code != 200 || r.str("id") != id {
		t.Errorf("current: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", traj+"/place", anna, nil); r.code != 200 || r.num("position") != 1 || r.num("waiting") != 1 {
		t.Errorf("place: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", traj+"/clinician", anna, nil); r.code != 404 {
		t.Errorf("clinician before assignment: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", traj+"/intake", anna, nil); r.code != 200 || r.str("hopes") != "to sleep and work again" ||
		strings.Join(strSlice(r.body["care_elsewhere"]), ",") != "gp,medication" {
		t.Errorf("intake: %d %s", r.code, r.raw)
	}

	// The coordinator sees the application and assigns dr-a.
	r = a.do("GET", "/api/v1/waiting-list", coord, nil)
	if apps := r.list("applications"); r.code != 200 || len(apps) != 1 || apps[0]["client_name"] != "anna" {
		t.Fatalf("waiting list: %d %s", r.code, r.raw)
	}
	listed, err := a.audit.Find(context.Background(), audit.Filter{SubjectID: annaID, ActorID: coordID})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) == 0 || listed[0].Action != audit.ActionClientList || listed[0].Object != "waiting_list" {
		t.Errorf("the waiting list is not in the client's access log: %+v", listed)
	}
	if r := a.do("GET", "/api/v1/clinicians", coord, nil); r.code != 200 || len(r.list("clinicians")) != 2 {
		t.Errorf("clinicians: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", traj+"/assignment", coord, map[string]any{"clinician_id": drA}); r.code != 200 || r.str("state") != "waiting" || r.str("clinician_id") != drA {
		t.Fatalf("assign: %d %s", r.code, r.raw)
	}
	drAToken := a.login("dr-a")
	// Assigned, not yet agreed: dr-a reads the application, not the care.
	if r := a.do("GET", traj+"/intake", drAToken, nil); r.code != 200 {
		t.Errorf("clinician reads the intake before consent: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", traj+"/messages", drAToken, nil); r.code != 404 {
		t.Errorf("clinician reads messages before consent: %d %s", r.code, r.raw)
	}
	r = a.do("GET", traj+"/clinician", anna, nil)
	if r.code != 200 || r.str("name") != "Dr. dr-a" || r.str("profession") != "psychologist" || len(strSlice(r.body["sees"])) != 4 {
		t.Fatalf("who is my clinician: %d %s", r.code, r.raw)
	}
	r = a.do("POST", traj+"/consent", anna, nil)
	if r.code != 200 || r.str("state") != "active" || r.str("started_at") == "" || r.str("planned_end") == "" {
		t.Fatalf("consent: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", traj+"/consent", anna, nil); r.code != 409 || r.errorCode() != "invalid_transition" ||
		!strings.Contains(r.str("error", "message"), "active") {
		t.Errorf("consent twice: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", traj+"/withdraw", anna, nil); r.code != 409 {
		t.Errorf("withdraw a running trajectory: %d %s", r.code, r.raw)
	}

	// Messages both ways; a retried send returns the first message.
	key := map[string]string{"Idempotency-Key": "b1a2c3d4-0001"}
	first := a.doHeaders("POST", traj+"/messages", anna, map[string]any{"body": "I slept badly again."}, key)
	if first.code != 201 || first.str("from") != "client" || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("send: %d %s", first.code, first.raw)
	}
	retry := a.doHeaders("POST", traj+"/messages", anna, map[string]any{"body": "I slept badly again."}, key)
	if retry.code != 201 || retry.str("id") != first.str("id") || retry.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retried send: %d %v %s", retry.code, retry.header, retry.raw)
	}
	if r := a.doHeaders("POST", traj+"/messages", anna, map[string]any{"body": "Something else."}, key); r.code != 409 || r.errorCode() != "idempotency_key_reused" {
		t.Errorf("key reused for another body: %d %s", r.code, r.raw)
	}
	if r := a.doHeaders("POST", traj+"/messages", anna, map[string]any{"body": "x"}, map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}); r.code != 422 || r.errorFields()["idempotency_key"] == nil {
		t.Errorf("a key too long: %d %s", r.code, r.raw)
	}
	r = a.do("GET", traj+"/messages", drAToken, nil)
	if ms := r.list("messages"); r.code != 200 || len(ms) != 1 || ms[0]["body"] != "I slept badly again." || ms[0]["sender_name"] != "anna" {
		t.Fatalf("clinician reads: %d %s", r.code, r.raw)
	}
	a.clock.Add(time.Minute)
	if r := a.doHeaders("POST", traj+"/messages", drAToken, map[string]any{"body": "Let's look at your evenings."}, map[string]string{"Idempotency-Key": "dr-a-1"}); r.code != 201 || r.str("from") != "clinician" {
		t.Fatalf("clinician sends: %d %s", r.code, r.raw)
	}
	anna, drAToken = a.login("anna"), a.login("dr-a")
	r = a.do("GET", traj+"/messages", anna, nil)
	if ms := r.list("messages"); len(ms) != 2 || ms[0]["read_at"] == nil || ms[1]["from"] != "clinician" {
		t.Errorf("client reads (her message read by dr-a): %s", r.raw)
	}
	if ms := a.do("GET", traj+"/messages", drAToken, nil).list("messages"); ms[1]["read_at"] == nil {
		t.Errorf("read receipt of dr-a's message missing: %v", ms)
	}

	// Lessons set by dr-a; anna finishes the first; feedback on it.
	if r := a.do("PUT", traj+"/lessons/depression", drAToken, map[string]any{"lessons": []string{"understanding", "activation"}}); r.code != 204 {
		t.Fatalf("assign lessons: %d %s", r.code, r.raw)
	}
	if r := a.do("PUT", traj+"/lessons/depression", drAToken, map[string]any{}); r.code != 422 {
		t.Errorf("lessons missing: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", "/api/v1/me/selfhelp/depression", anna, nil); r.code != 200 {
		t.Fatalf("start course: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/me/selfhelp/depression/lessons/understanding", anna, nil); r.code != 200 {
		t.Fatalf("open lesson: %d %s", r.code, r.raw)
	}
	// my-circle is lesson 1's feedback moment: in guided care the client
	// goes on after it once dr-a has given feedback on the lesson.
	steps := []string{"welcome", "what-is-depression", "complaints", "vicious-circle", "my-circle", "mood-diary", "starting-point", "more-help", "homework"}
	for i, step := range steps {
		if step == "mood-diary" {
			if r := a.do("PUT", "/api/v1/me/selfhelp/depression/lessons/understanding/steps/"+step, anna, map[string]any{"values": map[string]any{}, "complete": true}); r.code != 409 || r.errorCode() != "waiting_for_feedback" {
				t.Fatalf("step %s before the feedback: %d %s", step, r.code, r.raw)
			}
			if r := a.do("POST", traj+"/feedback", drAToken, map[string]any{"lesson": "understanding", "body": "Your circle is clear."}); r.code != 201 {
				t.Fatalf("feedback on the moment: %d %s", r.code, r.raw)
			}
			a.clock.Add(time.Minute)
		}
		if r := a.do("PUT", "/api/v1/me/selfhelp/depression/lessons/understanding/steps/"+step, anna, map[string]any{"values": map[string]any{}, "complete": true}); r.code != 200 {
			t.Fatalf("step %d %s: %d %s", i, step, r.code, r.raw)
		}
	}
	r = a.do("GET", "/api/v1/caseload/pending-feedback", drAToken, nil)
	if p := r.list("pending"); r.code != 200 || len(p) != 1 || p[0]["lesson"] != "understanding" || p[0]["trajectory_id"] != id || p[0]["overdue"] != false {
		t.Errorf("pending feedback: %d %s", r.code, r.raw)
	}
	r = a.do("GET", traj+"/work/depression", drAToken, nil)
	if r.code != 200 || strings.Join(strSlice(r.body["assigned"]), ",") != "understanding,activation" || r.obj("progress")["programme"] != "depression" {
		t.Errorf("work: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", traj+"/feedback", drAToken, map[string]any{"lesson": "understanding", "body": "Well done on the circle."}); r.code != 201 || r.str("lesson") != "understanding" {
		t.Fatalf("feedback: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", traj+"/feedback", drAToken, map[string]any{"lesson": "no-such-lesson", "body": "x"}); r.code != 422 {
		t.Errorf("feedback on an unknown lesson: %d %s", r.code, r.raw)
	}
	if p := a.do("GET", "/api/v1/caseload/pending-feedback", drAToken, nil).list("pending"); len(p) != 0 {
		t.Errorf("pending after feedback: %v", p)
	}
	r = a.do("GET", traj+"/feedback?lesson=understanding", anna, nil)
	if fs := r.list("feedback"); r.code != 200 || len(fs) != 2 || fs[0]["body"] != "Well done on the circle." || fs[0]["clinician_name"] == nil {
		t.Errorf("client reads feedback: %d %s", r.code, r.raw)
	}

	// A contact: the note is the clinician's.
	at := a.clock.Now().UTC().Format(time.RFC3339)
	if r := a.do("POST", traj+"/contacts", drAToken, map[string]any{"mode": "video", "occurred_at": at, "minutes": 45, "note": "talked about sleep"}); r.code != 201 || r.str("mode") != "video" {
		t.Fatalf("contact: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", traj+"/contacts", drAToken, map[string]any{"mode": "video", "occurred_at": "yesterday", "minutes": 45}); r.code != 422 || r.errorFields()["occurred_at"] == nil {
		t.Errorf("a bad time: %d %s", r.code, r.raw)
	}
	if cs := a.do("GET", traj+"/contacts", drAToken, nil).list("contacts"); len(cs) != 1 || cs[0]["note"] != "talked about sleep" {
		t.Errorf("clinician's contacts: %v", cs)
	}
	if cs := a.do("GET", traj+"/contacts", anna, nil).list("contacts"); len(cs) != 1 || cs[0]["note"] != nil {
		t.Errorf("client's contacts show the note: %v", cs)
	}

	// Another client waits now; the median wait of the last 30 days is known.
	bobID, bob := a.signUp("bob")
	_ = bobID
	sub := a.do("POST", "/api/v1/selftest/instruments/phq9/submissions", "", map[string]any{"language": "nl", "answers": acctAnswers(2, 2, 1, 1, 1, 1, 1, 1, 0)})
	if c := a.do("POST", "/api/v1/me/selftests/claim", bob, map[string]any{"claim_token": sub.str("claim_token")}); c.code != 201 {
		t.Fatalf("claim: %d %s", c.code, c.raw)
	}
	r = a.do("GET", "/api/v1/trajectories/recent-selftests", bob, nil)
	if s := r.list("submissions"); r.code != 200 || len(s) != 1 || s[0]["id"] != sub.str("id") {
		t.Fatalf("recent self-tests: %d %s", r.code, r.raw)
	}
	r = a.do("POST", "/api/v1/trajectories", bob, map[string]any{"selftest_id": sub.str("id"), "hopes": "less worry", "reachable": "mornings"})
	if r.code != 201 || r.obj("trajectory", "intake")["score"] != 10.0 || r.str("intake", "point") != "intake" {
		t.Fatalf("apply with a self-test: %d %s", r.code, r.raw)
	}
	bobTraj := "/api/v1/trajectories/" + r.str("trajectory", "id")
	if r := a.do("GET", bobTraj+"/place", bob, nil); r.code != 200 || r.num("position") != 1 || r.body["median_wait_days"] == nil {
		t.Errorf("place with a median wait: %d %s", r.code, r.raw)
	}

	// Not yours: another clinician and another client get 404, and the
	// clinician's attempt is in the audit log.
	drBToken := a.login("dr-b")
	for _, path := range []string{traj, traj + "/messages", traj + "/intake", traj + "/trend"} {
		if r := a.do("GET", path, drBToken, nil); r.code != 404 {
			t.Errorf("another clinician GET %s: %d %s", path, r.code, r.raw)
		}
		if r := a.do("GET", path, bob, nil); r.code != 404 {
			t.Errorf("another client GET %s: %d %s", path, r.code, r.raw)
		}
	}
	if r := a.doHeaders("POST", traj+"/messages", drBToken, map[string]any{"body": "hello"}, nil); r.code != 404 {
		t.Errorf("another clinician sends: %d %s", r.code, r.raw)
	}
	entries, err := a.audit.Find(context.Background(), audit.Filter{SubjectID: annaID, ActorID: drB})
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, e := range entries {
		if e.Outcome == audit.OutcomeDenied && e.Object == "trajectory:"+id {
			denied++
		}
	}
	if denied != 5 {
		t.Errorf("denied attempts of dr-b in the audit log: %d, want 5: %+v", denied, entries)
	}
	entries, err = a.audit.Find(context.Background(), audit.Filter{SubjectID: annaID, ActorID: drA})
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]bool{}
	for _, e := range entries {
		if e.Outcome == audit.OutcomeSuccess && e.Action == audit.ActionClientRead {
			reads[e.Object] = true
		}
	}
	for _, obj := range []string{"trajectory:" + id + ":intake", "trajectory:" + id + ":messages", "trajectory:" + id + ":course:depression", "trajectory:" + id + ":contacts"} {
		if !reads[obj] {
			t.Errorf("dr-a's read of %s is not audited: %v", obj, reads)
		}
	}

	// Six weeks later: the week-6 questionnaire is due.
	a.clock.Add(43 * 24 * time.Hour)
	anna = a.login("anna")
	drAToken = a.login("dr-a")
	r = a.do("GET", traj+"/questionnaires", anna, nil)
	due := false
	for _, q := range r.list("questionnaires") {
		if q["point"] == "week6" && q["taken"] == nil {
			due = true
		}
	}
	if r.code != 200 || !due {
		t.Fatalf("questionnaires: %d %s", r.code, r.raw)
	}
	r = a.do("POST", traj+"/questionnaires/week6/phq9", anna, map[string]any{"answers": acctAnswers(0, 1, 0, 0, 1, 0, 0, 0, 0)})
	if r.code != 201 || r.num("score") != 2 || r.body["crisis"] != false || r.body["crisis_help"] != nil {
		t.Fatalf("week 6: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", traj+"/questionnaires/week6/phq9", anna, map[string]any{"answers": acctAnswers(0, 1, 0, 0, 1, 0, 0, 0, 0)}); r.code != 404 {
		t.Errorf("taken twice: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", traj+"/questionnaires/week6/phq9", anna, map[string]any{"answers": []map[string]any{{"item": "phq9_1"}}}); r.code != 422 {
		t.Errorf("an answer without a value: %d %s", r.code, r.raw)
	}
	r = a.do("GET", traj+"/trend", drAToken, nil)
	if r.code != 200 || r.num("change") != -8 || r.body["reliably_better"] != true || r.body["recovered"] != true || len(r.list("scores")) != 2 {
		t.Errorf("trend: %d %s", r.code, r.raw)
	}

	// One extension, then the end.
	planned, _ := time.Parse(time.RFC3339, a.do("GET", "/api/v1/trajectories/current", anna, nil).str("planned_end"))
	until := planned.AddDate(0, 0, 14).Format(time.RFC3339)
	if r := a.do("POST", traj+"/extension", drAToken, map[string]any{"until": until, "reason": "exams"}); r.code != 200 || r.str("extended_at") == "" {
		t.Fatalf("extend: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", traj+"/extension", drAToken, map[string]any{"until": until, "reason": "again"}); r.code != 409 || r.errorCode() != "already_extended" {
		t.Errorf("a second extension: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", traj+"/close", drAToken, map[string]any{"state": "completed", "reason": "helped_enough"}); r.code != 422 || r.errorFields()["reason"] == nil {
		t.Errorf("completed with a reason: %d %s", r.code, r.raw)
	}
	r = a.do("POST", traj+"/close", drAToken, map[string]any{"state": "completed", "note": "good progress"})
	if r.code != 200 || r.str("state") != "completed" || r.str("ended_by") != "clinician" ||
		r.obj("reached")["messages_from_client"] != 1.0 || r.obj("reached")["messages_from_clinician"] != 1.0 ||
		r.obj("reached")["contacts"] != 1.0 || r.obj("reached")["lessons_completed"] != 1.0 {
		t.Fatalf("close: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/trajectories/current", anna, nil); r.code != 404 {
		t.Errorf("current after the end: %d %s", r.code, r.raw)
	}
	r = a.do("GET", traj, anna, nil)
	var events []string
	for _, h := range r.list("history") {
		events = append(events, h["event"].(string))
	}
	if got := strings.Join(events, ","); r.code != 200 || got != "apply,assign,consent,extend,complete" {
		t.Errorf("history: %s (%s)", got, r.raw)
	}
	if l := a.do("GET", "/api/v1/trajectories", anna, nil).list("trajectories"); len(l) != 1 || l[0]["state"] != "completed" {
		t.Errorf("my trajectories: %v", l)
	}

	// Bob: assigned automatically (dr-b has the most free places), then
	// dropped out with a reason from the taxonomy.
	coord = a.login("coord")
	bob = a.login("bob")
	if r := a.do("POST", bobTraj+"/assignment", coord, map[string]any{}); r.code != 200 || r.str("clinician_id") != drB {
		t.Fatalf("automatic assignment: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", bobTraj+"/consent", bob, nil); r.code != 200 {
		t.Fatalf("bob's consent: %d %s", r.code, r.raw)
	}
	drBToken = a.login("dr-b")
	if r := a.do("POST", bobTraj+"/close", drBToken, map[string]any{"state": "dropped_out"}); r.code != 422 || r.errorFields()["reason"] == nil {
		t.Errorf("dropped out without a reason: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", bobTraj+"/close", drBToken, map[string]any{"state": "dropped_out", "reason": "referred_crisis"}); r.code != 422 {
		t.Errorf("a referral reason for a dropout: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", bobTraj+"/close", drBToken, map[string]any{"state": "dropped_out", "reason": "other", "note": "  "}); r.code != 422 || r.errorFields()["note"] == nil {
		t.Errorf("other without a note: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", bobTraj+"/close", bob, map[string]any{"state": "dropped_out", "reason": "disappeared"}); r.code != 422 || r.errorFields()["reason"] == nil {
		t.Errorf("a client says they disappeared: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", bobTraj+"/close", coord, map[string]any{"state": "dropped_out", "reason": "other", "note": "moved abroad"}); r.code != 403 {
		t.Errorf("a coordinator ends a running trajectory: %d %s", r.code, r.raw)
	}
	r = a.do("POST", bobTraj+"/close", drBToken, map[string]any{"state": "dropped_out", "reason": "not_suitable", "note": "prefers face to face"})
	if r.code != 200 || r.str("state") != "dropped_out" || r.str("end_reason") != "not_suitable" || r.str("ended_by") != "clinician" {
		t.Fatalf("dropped out: %d %s", r.code, r.raw)
	}
	r = a.do("POST", bobTraj+"/close", drBToken, map[string]any{"state": "completed"})
	if msg := r.str("error", "message"); r.code != 409 || r.errorCode() != "invalid_transition" || !strings.Contains(msg, "dropped_out") || !strings.Contains(msg, "completed") {
		t.Errorf("closing twice: %d %s", r.code, r.raw)
	}
	if r := a.doHeaders("POST", bobTraj+"/messages", bob, map[string]any{"body": "still there?"}, nil); r.code != 409 {
		t.Errorf("a message after the end: %d %s", r.code, r.raw)
	}
}

// TestTrajectoryCrisisOverHTTP: an item-9 answer in the intake or in a
// questionnaire of the trajectory brings crisis help in the answer and
// an urgent alert — for the coordinators while no clinician is assigned,
// at the top of the clinician's dashboard after — which stays until
// acknowledged with a note.
func TestTrajectoryCrisisOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{AccountFailures: 10000, SourceAttempts: 10000, SignupsPerSource: 10000})
	a.staff(auth.RoleCoordinator, "coord", "")
	coord := a.login("coord")
	drA, _ := a.staff(auth.RoleClinician, "dr-a", coord)
	_, early := a.signUp("early")
	earlyID := a.assign(early, coord, drA) // on the caseload first, without alerts
	_ = earlyID

	// Dan's intake answers item 9: crisis help at once; the coordinators
	// see the application first, with an alert.
	_, dan := a.signUp("dan")
	_, eve := a.signUp("eve")
	if r := a.do("POST", "/api/v1/trajectories", eve, map[string]any{"phq9": acctAnswers(1, 1, 1, 1, 1, 1, 1, 1, 0), "hopes": "x", "reachable": "y"}); r.code != 201 {
		t.Fatalf("eve applies: %d %s", r.code, r.raw)
	}
	r := a.do("POST", "/api/v1/trajectories", dan, map[string]any{"language": "nl", "phq9": acctAnswers(2, 2, 2, 1, 1, 1, 1, 1, 1), "hopes": "x", "reachable": "y"})
	if r.code != 201 || r.obj("intake")["crisis"] != true || len(r.obj("intake", "crisis_help")["lines"].([]any)) == 0 {
		t.Fatalf("crisis intake: %d %s", r.code, r.raw)
	}
	danTraj := "/api/v1/trajectories/" + r.str("trajectory", "id")
	if r := a.do("GET", danTraj+"/place", dan, nil); r.num("position") != 1 {
		t.Errorf("a crisis application goes first: %s", r.raw)
	}
	r = a.do("GET", "/api/v1/waiting-list", coord, nil)
	if apps := r.list("applications"); len(apps) != 2 || apps[0]["client_name"] != "dan" || apps[0]["crisis"] != true {
		t.Errorf("waiting list, crisis first: %s", r.raw)
	}
	r = a.do("GET", "/api/v1/overview", coord, nil)
	alerts := r.list("alerts")
	if r.code != 200 || len(alerts) != 1 || alerts[0]["source"] != "intake" {
		t.Fatalf("overview alerts: %d %s", r.code, r.raw)
	}
	drAToken := a.login("dr-a")
	if r := a.do("POST", "/api/v1/alerts/"+alerts[0]["id"].(string)+"/acknowledgement", drAToken, map[string]any{"note": "not mine"}); r.code != 404 {
		t.Errorf("a clinician acknowledges an alert of an application not theirs: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", "/api/v1/alerts/"+alerts[0]["id"].(string)+"/acknowledgement", coord, map[string]any{"note": "called the client, safety plan made"}); r.code != 204 {
		t.Fatalf("coordinator acknowledges: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/overview", coord, nil); len(r.list("alerts")) != 0 {
		t.Errorf("alert stays after acknowledgement: %s", r.raw)
	}

	// Dan in a running trajectory: a week-6 answer on item 9 shows crisis
	// help and puts an alert on top of dr-a's dashboard.
	if r := a.do("POST", danTraj+"/assignment", coord, map[string]any{"clinician_id": drA}); r.code != 200 {
		t.Fatalf("assign: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", danTraj+"/consent", dan, nil); r.code != 200 {
		t.Fatalf("consent: %d %s", r.code, r.raw)
	}
	a.clock.Add(43 * 24 * time.Hour)
	dan = a.login("dan")
	r = a.do("POST", danTraj+"/questionnaires/week6/phq9", dan, map[string]any{"language": "en", "answers": acctAnswers(1, 1, 1, 1, 1, 1, 1, 1, 2)})
	if r.code != 201 || r.body["crisis"] != true || r.obj("crisis_help")["emergency"] == nil || len(r.obj("crisis_help")["lines"].([]any)) == 0 {
		t.Fatalf("crisis questionnaire: %d %s", r.code, r.raw)
	}
	drAToken, coord = a.login("dr-a"), a.login("coord")
	r = a.do("GET", "/api/v1/caseload", drAToken, nil)
	rows := r.list("caseload")
	if r.code != 200 || len(rows) != 2 {
		t.Fatalf("dashboard: %d %s", r.code, r.raw)
	}
	top := rows[0]
	topAlerts := top["alerts"].([]any)
	if top["client_name"] != "dan" || len(topAlerts) != 1 || topAlerts[0].(map[string]any)["source"] != "questionnaire" ||
		topAlerts[0].(map[string]any)["kind"] != "crisis" {
		t.Fatalf("the alert is not on top of the dashboard: %s", r.raw)
	}
	if rows[1]["days_left"] == nil || len(rows[1]["alerts"].([]any)) != 0 {
		t.Errorf("second row: %v", rows[1])
	}
	alertID := topAlerts[0].(map[string]any)["id"].(string)
	if r := a.do("POST", "/api/v1/alerts/"+alertID+"/acknowledgement", drAToken, map[string]any{"note": " "}); r.code != 422 {
		t.Errorf("acknowledgement without a note: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", "/api/v1/alerts/"+alertID+"/acknowledgement", coord, map[string]any{"note": "seen"}); r.code != 404 {
		t.Errorf("a coordinator acknowledges the clinician's alert: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", "/api/v1/alerts/"+alertID+"/acknowledgement", drAToken, map[string]any{"note": "called Dan; safe tonight, appointment tomorrow"}); r.code != 204 {
		t.Fatalf("acknowledge: %d %s", r.code, r.raw)
	}
	if r := a.do("POST", "/api/v1/alerts/"+alertID+"/acknowledgement", drAToken, map[string]any{"note": "again"}); r.code != 404 {
		t.Errorf("acknowledged twice: %d %s", r.code, r.raw)
	}
	for _, row := range a.do("GET", "/api/v1/caseload", drAToken, nil).list("caseload") {
		if len(row["alerts"].([]any)) != 0 {
			t.Errorf("alert stays after acknowledgement: %v", row)
		}
	}

	// Eve withdraws her application.
	r = a.do("GET", "/api/v1/trajectories/current", a.login("eve"), nil)
	if w := a.do("POST", "/api/v1/trajectories/"+r.str("id")+"/withdraw", a.login("eve"), nil); w.code != 200 || w.str("state") != "withdrawn" || w.str("ended_by") != "client" {
		t.Errorf("withdraw: %d %s", w.code, w.raw)
	}
}

// TestTrajectoryBadInputOverHTTP: bad input is a 4xx with the error body,
// never a 500.
func TestTrajectoryBadInputOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{})
	a.staff(auth.RoleCoordinator, "coord", "")
	coord := a.login("coord")
	drA, _ := a.staff(auth.RoleClinician, "dr-a", coord)
	_, client := a.signUp("cliënt")
	traj := "/api/v1/trajectories/" + a.assign(client, coord, drA)
	drAToken := a.login("dr-a")
	cases := []struct {
		method, path, token string
		body                any
		code                int
		field               string
	}{
		{"POST", "/api/v1/trajectories", client, `{"hopes":`, 400, ""},
		{"POST", "/api/v1/trajectories", client, map[string]any{"hopes": "x", "reachable": "y", "phq9": []map[string]any{{"item": "phq9_1"}}}, 422, "phq9[0].value"},
		{"POST", "/api/v1/trajectories", client, map[string]any{"hopes": "x", "reachable": "y", "selftest_id": "nope", "email": "not an address", "care_elsewhere": []string{"shaman"}}, 422, "email"},
		{"POST", "/api/v1/trajectories", client, map[string]any{"hopes": "x", "unknown": true}, 400, "unknown"},
		{"GET", "/api/v1/trajectories/" + strings.Repeat("9", 300), client, nil, 404, ""},
		{"GET", "/api/v1/trajectories/00000000-0000-0000-0000-000000000000/messages", drAToken, nil, 404, ""},
		{"POST", traj + "/questionnaires/nowhere/phq9", client, map[string]any{"answers": acctAnswers(0, 0, 0, 0, 0, 0, 0, 0, 0)}, 404, ""},
		{"POST", traj + "/questionnaires/week6/bdi", client, map[string]any{"answers": acctAnswers(0, 0, 0, 0, 0, 0, 0, 0, 0)}, 404, ""},
		{"GET", traj + "/diary?from=monday", drAToken, nil, 422, "from"},
		{"GET", traj + "/work/no-such-programme", drAToken, nil, 404, ""},
		{"PUT", traj + "/lessons/no-such-programme", drAToken, map[string]any{"lessons": []string{}}, 422, "programme"},
		{"POST", traj + "/extension", drAToken, map[string]any{"until": "2020-01-01T00:00:00Z", "reason": "x"}, 422, "until"},
		{"POST", traj + "/contacts", drAToken, map[string]any{"mode": "phone", "occurred_at": "2999-01-01T00:00:00Z", "minutes": 9999}, 422, "minutes"},
		{"POST", traj + "/assignment", coord, map[string]any{"clinician_id": 7}, 400, "clinician_id"},
		{"POST", "/api/v1/alerts/nope/acknowledgement", drAToken, map[string]any{"note": "x"}, 404, ""},
		{"POST", traj + "/messages", client, map[string]any{"body": strings.Repeat("x", 5001)}, 422, "body"},
	}
	for _, c := range cases {
		var r acctResponse
		if s, ok := c.body.(string); ok {
			r = a.do(c.method, c.path, c.token, []byte(s))
		} else {
			r = a.do(c.method, c.path, c.token, c.body)
		}
		if r.code != c.code || r.errorCode() == "" || (c.field != "" && r.errorFields()[c.field] == nil) {
			t.Errorf("%s %s %v: %d %s (want %d naming %q)", c.method, c.path, c.body, r.code, r.raw, c.code, c.field)
		}
	}
}

// TestMessageRetriesOverHTTP: concurrent retries of one send (the same
// Idempotency-Key and body) all answer the one message first sent.
func TestMessageRetriesOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{})
	a.staff(auth.RoleCoordinator, "coord", "")
	coord := a.login("coord")
	drA, _ := a.staff(auth.RoleClinician, "dr-a", coord)
	_, client := a.signUp("cliënt")
	traj := "/api/v1/trajectories/" + a.assign(client, coord, drA)
	const n = 12
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := a.doHeaders("POST", traj+"/messages", client, map[string]any{"body": "one message"}, map[string]string{"Idempotency-Key": "retry-me"})
			if r.code != 201 {
				t.Errorf("send: %d %s", r.code, r.raw)
			}
			ids <- r.str("id")
		}()
	}
	wg.Wait()
	close(ids)
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		}
		if id != first || id == "" {
			t.Errorf("retries answered different messages: %q and %q", first, id)
		}
	}
	if ms := a.do("GET", traj+"/messages", client, nil).list("messages"); len(ms) != 1 {
		t.Errorf("%d messages after %d retries of one send", len(ms), n)
	}
}

func strSlice(v any) []string {
	var out []string
	xs, _ := v.([]any)
	for _, x := range xs {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestEndReasonsOverHTTP: the taxonomy's codes with labels in the language
// asked for, ?lang= first, then Accept-Language.
func TestEndReasonsOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{AccountFailures: 10000, SourceAttempts: 10000, SignupsPerSource: 10000})
	_, tok := a.signUp("rita")
	tests := []struct {
		path, accept, wantLang, wantHelped string
	}{
		{"/api/v1/trajectories/end-reasons?lang=en", "nl", "en", "Stopped early: feels helped enough"},
		{"/api/v1/trajectories/end-reasons?lang=nl", "en", "nl", "Vroeger gestopt: voelt zich genoeg geholpen"},
		{"/api/v1/trajectories/end-reasons", "en-GB,en;q=0.9", "en", "Stopped early: feels helped enough"},
	}
	for _, tt := range tests {
		r := a.doHeaders("GET", tt.path, tok, nil, map[string]string{"Accept-Language": tt.accept})
		reasons := r.list("reasons")
		if r.code != 200 || r.str("language") != tt.wantLang || len(reasons) != 10 {
			t.Fatalf("%s: %d %s", tt.path, r.code, r.raw)
		}
		byCode := map[string]map[string]any{}
		for _, x := range reasons {
			byCode[x["code"].(string)] = x
		}
		if got := byCode["helped_enough"]; got["label"] != tt.wantHelped || got["outcome"] != "dropped_out" || got["client_may_give"] != true || got["note_required"] != false {
			t.Errorf("%s: helped_enough %v", tt.path, got)
		}
		if got := byCode["other"]; got["note_required"] != true {
			t.Errorf("%s: other %v", tt.path, got)
		}
		if got := byCode["referred_crisis"]; got["outcome"] != "referred" || got["client_may_give"] != false {
			t.Errorf("%s: referred_crisis %v", tt.path, got)
		}
	}
}
