package frontend

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/coaching"
)

// TestCoordinationWaitingListAndAssign: crisis answers first and marked,
// their alert acknowledged by a coordinator while nobody is assigned;
// assigning a chosen clinician, automatically, and within capacity.
func TestCoordinationWaitingListAndAssign(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	_, calm := e.client(t, "coord-calm", phq9(2, 2, 1, 1, 1, 1, 1, 1, 0), nil)
	_, crisis := e.client(t, "coord-crisis", phq9(2, 2, 2, 2, 1, 2, 1, 1, 1), nil)
	e.as(e.coordinatorToken)
	page := "/en/coordination"
	body := e.get(page)
	waiting := body[strings.Index(body, `id="waiting"`):]
	if i, j := strings.Index(waiting, "coord-crisis"), strings.Index(waiting, "coord-calm"); i < 0 || j < 0 || i > j {
		t.Fatalf("the crisis-flagged application is not first:\n%s", waiting)
	}
	if !strings.Contains(waiting, `class="tag tag--urgent">`+e.mustT("en", "coordination.crisis")) {
		t.Error("the crisis-flagged application is not marked")
	}
	if !strings.Contains(body, `id="alerts"`) || !strings.Contains(body, "/en/coordination/alerts/") {
		t.Fatal("no alert for the application without clinician")
	}
	// The coordinator acknowledges the alert; a note is needed.
	i := strings.Index(body, "/en/coordination/alerts/")
	action := body[i : i+len("/en/coordination/alerts/")+36]
	if code, _, body := e.submit(page, action, url.Values{"note": {""}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "error-summary") {
		t.Errorf("empty note: %d", code)
	}
	if code, loc, _ := e.submit(page, action, url.Values{"note": {"Phoned: safe tonight, GP tomorrow."}}); code != http.StatusSeeOther || loc != page+"?done=acknowledged" {
		t.Errorf("acknowledge: %d → %s", code, loc)
	}
	if body := e.get(page); strings.Contains(body, `id="alerts"`) {
		t.Error("the acknowledged alert is still shown")
	}
	// Assign without a choice, then to a chosen clinician.
	assign := "/en/coordination/applications/" + crisis.ID + "/assign"
	if code, _, body := e.submit(page, assign, url.Values{"how": {"chosen"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `href="#clinician-`+crisis.ID+`"`) {
		t.Errorf("assign without a clinician: %d", code)
	}
	code, loc, _ := e.submit(page, assign, url.Values{"how": {"chosen"}, "clinician_id": {e.bob.UserID}})
	if code != http.StatusSeeOther || loc != page+"?done=assigned#waiting" {
		t.Fatalf("assign: %d → %s", code, loc)
	}
	body = e.get(loc)
	if !strings.Contains(body, e.mustT("en", "coordination.done.assigned")) || !strings.Contains(body, e.mustT("en", "coordination.awaiting_consent")) {
		t.Errorf("after assigning:\n%s", body)
	}
	// Bob is full now (capacity 1): choosing him again is refused on the
	// row; automatically picks Alice.
	one := 1
	if _, err := e.auth.Staff.UpdateUser(ctx, e.coordinator, e.bob.UserID, auth.UserUpdate{Capacity: &one}); err != nil {
		t.Fatal(err)
	}
	calmAssign := "/en/coordination/applications/" + calm.ID + "/assign"
	code, _, body = e.submit(page, calmAssign, url.Values{"how": {"chosen"}, "clinician_id": {e.bob.UserID}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, e.mustT("en", "caseload.conflict.caseload_full")) {
		t.Errorf("assign to a full caseload: %d", code)
	}
	if code, _, _ := e.submit(page, calmAssign, url.Values{"how": {"auto"}}); code != http.StatusSeeOther {
		t.Fatalf("assign automatically: %d", code)
	}
	if c, err := e.site.Coaching.AssignedClinician(ctx, e.coordinator, calm.ID); err != nil || c == nil {
		t.Errorf("automatic assignment: %v", err)
	}
	ts, err := e.site.Coaching.WaitingList(ctx, e.coordinator)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ts {
		if w.Trajectory.ID == calm.ID && (w.Trajectory.ClinicianID == nil || *w.Trajectory.ClinicianID != e.alice.UserID) {
			t.Errorf("automatically assigned to %v, want Alice (the most free places)", w.Trajectory.ClinicianID)
		}
	}
	// An application that is no more: not found.
	if code, _, _ := e.submit(page, "/en/coordination/applications/00000000-0000-4000-8000-000000000000/assign", url.Values{"how": {"auto"}}); code != http.StatusNotFound {
		t.Errorf("assign an unknown application: %d", code)
	}
	// The clinician sees the intake before the client agrees, not the care.
	e.as(e.bobToken)
	rec := "/en/caseload/" + crisis.ID
	body = e.get(rec)
	if !strings.Contains(body, e.mustT("en", "caseload.record.not_agreed")) || strings.Contains(body, "/messages") {
		t.Errorf("a waiting client's record offers the care:\n%s", body)
	}
	if w := e.do(http.MethodGet, rec+"/messages", nil); w.Code != http.StatusNotFound {
		t.Errorf("messages before the client agreed: %d", w.Code)
	}
	if _, err := e.site.Coaching.Close(ctx, e.coordinator, calm.ID, coaching.Outcome{State: coaching.StateDroppedOut, Reason: coaching.ReasonNotReady}); err != nil {
		t.Fatal(err)
	}
}

// TestStaffHomeLinksToGuidedCare: the account home leads clinicians to
// their caseload and coordinators to the waiting list.
func TestStaffHomeLinksToGuidedCare(t *testing.T) {
	e := newCaseEnv(t)
	for _, c := range []struct{ token, href string }{{e.aliceToken, "/en/caseload"}, {e.coordinatorToken, "/en/coordination"}} {
		e.as(c.token)
		if body := e.get("/en/account"); !strings.Contains(body, `href="`+c.href+`"`) {
			t.Errorf("the account home does not link to %s", c.href)
		}
	}
}

// TestInvitationAsksForTheNameClientsSee: staff are not pseudonymous to
// clients — the invitation asks for a sign-in name, the name clients see
// and a profession, and never for a nickname or to hide one's real name.
func TestInvitationAsksForTheNameClientsSee(t *testing.T) {
	e := newAccountEnv(t)
	for _, l := range []string{"nl", "en"} {
		body := e.do(http.MethodGet, "/"+l+"/account/invitation?token=x", nil).Body.String()
		for _, bad := range []string{"real name", "echte naam", "Schuilnaam", "schuilnaam", "Nickname", "nickname</label>"} {
			if strings.Contains(body, bad) {
				t.Errorf("/%s invitation says %q", l, bad)
			}
		}
		for _, want := range []string{`name="display_name"`, `name="profession"`, `name="nickname"`} {
			if !strings.Contains(body, want) {
				t.Errorf("/%s invitation lacks %s", l, want)
			}
		}
	}
}
