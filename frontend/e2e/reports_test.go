package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haven-mh/haven/selftest"
)

// The coordinators' monthly report in the browser: the page with its
// tables and SVG charts, and its form with an error, audited with axe at
// both widths in both languages (screenshots too). A few anonymous
// self-tests are made through the services first, so the charts have bars.
func TestReportsPage(t *testing.T) {
	need(t)
	g := openGuidedCare(t)
	coordNick, _ := g.coordinator(t)
	for i := range 3 {
		var answers []selftest.Answer
		for item := 1; item <= 9; item++ {
			answers = append(answers, selftest.Answer{Item: fmt.Sprintf("phq9_%d", item), Value: (i + item) % 4 % 2})
		}
		if _, err := g.svcs.Selftest.Submit(context.Background(), selftest.SubmitInput{InstrumentID: "phq9", Language: "en", Answers: answers}); err != nil {
			t.Fatal(err)
		}
	}

	ctx := staffTab(t)
	recordCSP(t, ctx)
	fromSource(t, ctx, "192.0.2.43")
	staffSignIn(t, ctx, coordNick)
	do(t, ctx, chromedp.Navigate(baseURL+"/en/reports"))
	body := mainText(t, ctx)
	for _, want := range []string{"Monthly report", "Reach: visits and self-tests", "From visit to completed care", "Total",
		// The breakdowns: three self-tests this month are hidden in the
		// profile, and the outcomes are listed.
		"Profile: self-tests", "“hidden”: fewer than 10 people", "Outcomes: PHQ-9 before and after", "Guided care: intake to end"} {
		if !strings.Contains(body, want) {
			t.Errorf("the report lacks %q:\n%s", want, body)
		}
	}
	if n := evalString(t, ctx, `String(document.querySelectorAll('svg[role=img] .chart__bar').length)`); n == "0" {
		t.Error("no bars drawn")
	}
	for _, lang := range []string{"en", "nl"} {
		u := baseURL + "/" + lang + "/reports"
		audit(t, ctx, lang, []auditPage{
			{name: "reports", url: u},
			{name: "reports-error", url: u + "?from=2026-13&to=2026-01"},
		})
	}
}
