package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haven-mh/haven/auth"
)

// TestGuidedCourseFeedbackMoment: in the browser, a client in a running
// trajectory follows their clinician's lesson order, and passes lesson 1's
// feedback moment only after the clinician's feedback: finishing the
// exercise leads to "your clinician's feedback comes first" with the due
// date; once the clinician has written, the next step opens with the
// feedback in it. The clinician's side goes through the domain services on
// the server's database.
func TestGuidedCourseFeedbackMoment(t *testing.T) {
	need(t)
	g := openGuidedCare(t)
	bg := context.Background()
	_, coord := g.coordinator(t)
	_, clinID := g.clinician(t, coord, "Sara Maes")
	clinician := auth.Principal{UserID: clinID, Role: auth.RoleClinician, RequestID: "e2e-guided"}
	nick, client, tr := g.client(t, "noor", []int{2, 1, 2, 1, 1, 1, 1, 1, 0}, coord, clinID)
	p := g.svcs.Selfhelp.Library().Programmes()[0]
	first, second, third := p.Lessons[0], p.Lessons[1], p.Lessons[2]
	if err := g.svcs.Coaching.AssignLessons(bg, clinician, tr.ID, p.ID, []string{first.ID, third.ID}); err != nil {
		t.Fatal(err)
	}
	moment := first.FeedbackMoment()
	if moment == nil {
		t.Fatal("lesson 1 has no feedback moment")
	}
	next := first.Steps[first.StepIndex(moment.ID)+1]
	if _, err := g.svcs.Selfhelp.Start(bg, client.UserID, p.ID); err != nil {
		t.Fatal(err)
	}

	ctx := staffTab(t)
	recordCSP(t, ctx)
	fromSource(t, ctx, "192.0.2.57")
	do(t, ctx, chromedp.Navigate(baseURL+"/en/account/login?next=%2Fselfhelp"))
	signIn(t, ctx, nick, guidedPassword)
	waitPath(t, ctx, "^/en/selfhelp$")
	if body := mainText(t, ctx); !strings.Contains(body, "Your clinician has chosen the lessons you follow") {
		t.Errorf("the course page does not say the clinician chose the lessons:\n%s", body)
	}
	// The course's lesson 2 is not among the clinician's: locked.
	do(t, ctx, chromedp.Navigate(baseURL+"/en/selfhelp/lesson/"+second.ID+"/"+second.Steps[0].ID))
	if body := mainText(t, ctx); !strings.Contains(body, "This lesson is not open yet") {
		t.Errorf("lesson 2, not chosen:\n%s", body)
	}

	// Lesson 1 in the browser, step by step, up to and through the moment.
	do(t, ctx, chromedp.Navigate(baseURL+"/en/selfhelp/lesson/"+first.ID+"/"+first.Steps[0].ID))
	for _, st := range first.Steps[:first.StepIndex(moment.ID)+1] {
		waitPath(t, ctx, "^/en/selfhelp/lesson/"+first.ID+"/"+st.ID+"$")
		submitForm(t, ctx, nil, `button[name="action"][value="continue"]`, "^/en/selfhelp/lesson/"+first.ID+"/")
	}
	waitPath(t, ctx, "^/en/selfhelp/lesson/"+first.ID+"/"+next.ID+"$")
	body := mainText(t, ctx)
	if !strings.Contains(body, "Your clinician's feedback comes first") || !regexp.MustCompile(`by \d{1,2} [A-Z][a-z]+ 20\d\d`).MatchString(body) {
		t.Fatalf("after the feedback moment, no waiting page with the due date:\n%s", body)
	}
	if n := evalString(t, ctx, `String(document.querySelectorAll('button[name="action"]').length)`); n != "0" {
		t.Errorf("the next step's form is shown while waiting (%s buttons)", n)
	}
	shot(t, ctx, "en-guided-course-waiting-375")
	for _, lang := range []string{"en", "nl"} {
		audit(t, ctx, lang, []auditPage{
			{name: "selfhelp-waiting", url: baseURL + "/" + lang + "/selfhelp/lesson/" + first.ID + "/" + next.ID},
			{name: "selfhelp-course-waiting", url: baseURL + "/" + lang + "/selfhelp"},
		})
	}
	do(t, ctx, chromedp.Navigate(baseURL+"/en/selfhelp"))
	if body := mainText(t, ctx); !strings.Contains(body, "Your clinician's feedback comes first") {
		t.Errorf("the course page does not say the client waits for feedback:\n%s", body)
	}

	// The clinician writes; the next step opens with the feedback.
	if _, err := g.svcs.Coaching.GiveFeedback(bg, clinician, tr.ID, first.ID, "Your circle shows how the evenings pull you down. Well seen."); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(baseURL+"/en/selfhelp/lesson/"+first.ID+"/"+next.ID))
	body = mainText(t, ctx)
	if strings.Contains(body, "Your clinician's feedback comes first") || !strings.Contains(body, "Well seen.") {
		t.Fatalf("after the feedback, the next step with the feedback:\n%s", body)
	}
	// The rest of lesson 1 leads to the clinician's next lesson (3).
	for _, st := range first.Steps[first.StepIndex(next.ID):] {
		waitPath(t, ctx, "^/en/selfhelp/lesson/"+first.ID+"/"+st.ID+"$")
		submitForm(t, ctx, nil, `button[name="action"][value="continue"]`, "^/en/selfhelp")
	}
	waitPath(t, ctx, "^/en/selfhelp/lesson/"+third.ID+"/"+third.Steps[0].ID+"$")
	shot(t, ctx, "en-guided-course-next-lesson-375")
}
