package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/selftest"
)

// The coordinators' monthly report in the browser: the page with its
// tables and SVG charts, and its form with an error, audited with axe at
// both widths in both languages (screenshots too). A few anonymous
// self-tests are made through the services first, so the charts have bars.
func TestReportsPage(t *testing.T) {
	need(t)
	g := openGuidedCare(t)
	coordNick, coord := g.coordinator(t)
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

	// A researcher's page: no exact table or chart, every count hidden
	// below 10 (the three self-tests too), audited likewise.
	link, err := g.svcs.Auth.Staff.Invite(context.Background(), coord, auth.RoleResearcher, 0)
	if err != nil {
		t.Fatal(err)
	}
	resNick := uniqueNick("res")
	if _, err := g.svcs.Auth.Staff.AcceptInvitation(context.Background(), guidedMeta, link.Token, resNick, guidedPassword, auth.StaffProfile{DisplayName: "Onderzoeker"}); err != nil {
		t.Fatal(err)
	}
	rctx := staffTab(t)
	recordCSP(t, rctx)
	fromSource(t, rctx, "192.0.2.44")
	// Researchers are not asked for a second factor.
	do(t, rctx, chromedp.Navigate(baseURL+"/en/account/login"))
	if err := fill(rctx, [][2]string{{"#nickname", resNick}, {"#password", guidedPassword}}, `button[type="submit"]`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, rctx, `location.pathname === '/en/account'`)
	do(t, rctx, chromedp.Navigate(baseURL+"/en/reports"))
	body = mainText(t, rctx)
	if !strings.Contains(body, "For researchers every number is shown only from 10") || !strings.Contains(body, "Self-tests: PHQ-9 by result") {
		t.Errorf("the researcher's report:\n%s", body)
	}
	if n := evalString(t, rctx, `String(document.querySelectorAll('svg[role=img]').length)`); n != "0" {
		t.Errorf("%s charts of exact counts for a researcher", n)
	}
	for _, lang := range []string{"en", "nl"} {
		audit(t, rctx, lang, []auditPage{{name: "reports-researcher", url: baseURL + "/" + lang + "/reports"}})
	}
}
