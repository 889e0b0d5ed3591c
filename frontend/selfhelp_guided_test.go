package frontend

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestGuidedCoursePages: a client in a running trajectory follows their
// clinician's lesson order, and passes lesson 1's feedback moment only
// after the clinician's feedback: the page says feedback is coming and by
// when (instead of the next step), then shows the feedback and opens the
// next step. The rule is the domain's (modules/guided.go).
func TestGuidedCoursePages(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	client, tr, token := e.clientSession(t, "guided-course", phq9(1, 1, 1, 1, 1, 1, 1, 1, 0), &e.alice)
	cs := e.site.Coaching
	p := e.site.programme()
	first, second, third := p.Lessons[0], p.Lessons[1], p.Lessons[2]
	if err := cs.AssignLessons(ctx, e.alice, tr.ID, p.ID, []string{first.ID, third.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.site.Selfhelp.Start(ctx, client.UserID, p.ID); err != nil {
		t.Fatal(err)
	}
	e.as(token)
	stepURL := func(l, st string) string { return "/en/selfhelp/lesson/" + l + "/" + st }

	if body := e.get("/en/selfhelp"); !strings.Contains(body, e.mustT("en", "selfhelp.guided_order")) {
		t.Errorf("the course page does not say the clinician chose the order:\n%s", body)
	}
	if w := e.do(http.MethodGet, stepURL(second.ID, second.Steps[0].ID), nil); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), e.mustT("en", "selfhelp.locked.guided")) {
		t.Errorf("a lesson the clinician did not choose: %d, want 409 saying the clinician chose:\n%s", w.Code, w.Body.String())
	}

	// Up to the feedback moment, then finish it with the form.
	moment := first.FeedbackMoment()
	mi := first.StepIndex(moment.ID)
	next := first.Steps[mi+1]
	completeSteps(t, e.site, client.UserID, first, mi)
	page := stepURL(first.ID, moment.ID)
	code, loc, _ := e.submit(page, page, url.Values{"action": {"next"}})
	if code != http.StatusSeeOther || loc != stepURL(first.ID, next.ID) {
		t.Fatalf("finishing the moment: %d → %s", code, loc)
	}
	pr, err := e.site.Selfhelp.Progress(ctx, client.UserID, p.ID)
	if err != nil || pr.Waiting == nil {
		t.Fatalf("not waiting after the moment: %+v, %v", pr, err)
	}
	by := pr.Waiting.By.In(cs.Config().Location)
	date := strconv.Itoa(by.Day()) + " " + strings.Fields(e.mustT("en", "date.months_long"))[by.Month()-1] + " " + strconv.Itoa(by.Year())
	for _, target := range []string{loc, "/en/selfhelp"} {
		body := e.get(target)
		if !strings.Contains(body, e.mustT("en", "selfhelp.waiting.title")) || !strings.Contains(body, date) {
			t.Errorf("%s: no waiting notice with the date %s:\n%s", target, date, body)
		}
		if strings.Contains(body, `class="step-form"`) && target == loc {
			t.Errorf("%s: the next step's form is shown while waiting", target)
		}
	}
	if w := e.post(page, loc, url.Values{"action": {"next"}}); w.Code != http.StatusConflict {
		t.Errorf("saving the step after the moment while waiting: %d, want 409", w.Code)
	}

	// The clinician's feedback: the next step opens, with it.
	if _, err := cs.GiveFeedback(ctx, e.alice, tr.ID, first.ID, "Your circle shows the evenings clearly."); err != nil {
		t.Fatal(err)
	}
	body := e.get(loc)
	if !strings.Contains(body, "Your circle shows the evenings clearly.") || strings.Contains(body, e.mustT("en", "selfhelp.waiting.title")) {
		t.Errorf("after the feedback, the next step with the feedback:\n%s", body)
	}
	// The rest of lesson 1 leads to the clinician's next lesson.
	completeSteps(t, e.site, client.UserID, first, len(first.Steps))
	if w := e.do(http.MethodGet, stepURL(third.ID, third.Steps[0].ID), nil); w.Code != http.StatusOK {
		t.Errorf("the clinician's second lesson: %d, want 200", w.Code)
	}
	if w := e.do(http.MethodGet, stepURL(second.ID, second.Steps[0].ID), nil); w.Code != http.StatusConflict {
		t.Errorf("the course's second lesson, not chosen: %d, want 409", w.Code)
	}
	// The last of the clinician's lessons: not "the course is finished".
	completeSteps(t, e.site, client.UserID, third, len(third.Steps)-1)
	last := third.Steps[len(third.Steps)-1]
	page = stepURL(third.ID, last.ID)
	code, loc, _ = e.submit(page, page, url.Values{"action": {"continue"}})
	if code != http.StatusSeeOther {
		t.Fatalf("the last chosen lesson's last step: %d → %s", code, loc)
	}
	body = e.get(loc)
	if !strings.Contains(body, e.mustT("en", "selfhelp.notice.guided_done")) || strings.Contains(body, e.mustT("en", "selfhelp.notice.finished")) {
		t.Errorf("after the clinician's last lesson (%s):\n%s", loc, body)
	}
}
