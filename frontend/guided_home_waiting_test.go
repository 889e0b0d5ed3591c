package frontend

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestGuidedHomeShowsFeedbackWait: the client's guided home page says,
// as the course page does, that they wait for their clinician's feedback
// at a feedback moment — only while they wait: not before the course is
// started, not before the moment, not once the feedback is given.
func TestGuidedHomeShowsFeedbackWait(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	client, tr, token := e.clientSession(t, "guided-home-wait", phq9(1, 1, 1, 1, 1, 1, 1, 1, 0), &e.alice)
	cs := e.site.Coaching
	p := e.site.programme()
	first := p.Lessons[0]
	moment := first.FeedbackMoment()
	mi := first.StepIndex(moment.ID)
	e.as(token)
	title, back := e.mustT("en", "selfhelp.waiting.title"), `href="/en/selfhelp/lesson/`+first.ID+`/`+moment.ID+`"`
	for _, tc := range []struct {
		name string
		do   func(t *testing.T)
		want bool
	}{
		{"the course not started", func(*testing.T) {}, false},
		{"before the feedback moment", func(t *testing.T) {
			if _, err := e.site.Selfhelp.Start(ctx, client.UserID, p.ID); err != nil {
				t.Fatal(err)
			}
			completeSteps(t, e.site, client.UserID, first, mi)
		}, false},
		{"waiting for feedback", func(t *testing.T) {
			page := "/en/selfhelp/lesson/" + first.ID + "/" + moment.ID
			if code, loc, _ := e.submit(page, page, url.Values{"action": {"next"}}); code != http.StatusSeeOther {
				t.Fatalf("finishing the moment: %d → %s", code, loc)
			}
		}, true},
		{"the feedback given", func(t *testing.T) {
			if _, err := cs.GiveFeedback(ctx, e.alice, tr.ID, first.ID, "Well done."); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.do(t)
			w := e.do(http.MethodGet, "/en/guided/mine", nil)
			body := w.Body.String()
			if w.Code != http.StatusOK {
				t.Fatalf("/en/guided/mine: %d\n%s", w.Code, body)
			}
			if got := strings.Contains(body, title) && strings.Contains(body, back); got != tc.want {
				t.Errorf("the waiting notice shown: %v, want %v\n%s", got, tc.want, body)
			}
		})
	}
}
