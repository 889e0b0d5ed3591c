package frontend

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/reports"
	"github.com/haven-mh/haven/selftest"
)

func TestReportsPage(t *testing.T) {
	e := newAccountEnv(t)
	e.jar[cookieAccess] = staffSession(t, e.auth, auth.RoleCoordinator, "rapport")
	// One self-test this month, so a bar and a count show.
	answers := []selftest.Answer{}
	for i := 1; i <= 9; i++ {
		answers = append(answers, selftest.Answer{Item: "phq9_" + string(rune('0'+i)), Value: 1})
	}
	if _, err := e.site.Selftest.Submit(context.Background(), selftest.SubmitInput{InstrumentID: "phq9", Language: "nl", Answers: answers}); err != nil {
		t.Fatal(err)
	}
	month := time.Now().In(e.site.Reports.Location()).Format("2006-01")
	tests := []struct {
		lang  string
		wants []string
	}{
		{"nl", []string{"<h1>Maandrapport</h1>", "Bereik: bezoeken en zelftests", "Zelftests: PHQ-9 per uitslag", "Begeleide hulp: waarom mensen vroeger stopten",
			"Reageerde niet meer tijdens het traject, zonder reden", "Van bezoek tot afgeronde hulp", "Bezoekersdagen tellen de unieke bezoekers",
			"<th scope=\"row\">Totaal</th>", "tijdzone Europe/Brussels",
			// The self-test's profile: one PHQ-9 of "mild" this month, hidden,
			// its month's total published; the outcomes' rows.
			"Profiel: zelftests", `<caption class="table__caption" id="profile-selftest-severity_at_start-caption">Ernst bij de start</caption>`, `<th scope="row">PHQ-9: Licht</th>`,
			`">verborgen</td>`, "‘verborgen’: minder dan 10 mensen", "Resultaten: PHQ-9 voor en na",
			`<th scope="row">Begeleide hulp: intake tot einde</th>`, `<th scope="col">Hedges&#39; g (95 %-BI)</th>`, ">te weinig mensen</td>"}},
		{"en", []string{"<h1>Monthly report</h1>", "Reach: visits and self-tests", "Self-tests: PHQ-9 by result", "Guided care: why people left early",
			"Stopped responding during the trajectory", "From visit to completed care", "someone who comes back on another day counts again",
			"<th scope=\"row\">Total</th>", "time zone Europe/Brussels",
			"Profile: self-tests", `<caption class="table__caption" id="profile-selftest-severity_at_start-caption">Severity at the start</caption>`, `<th scope="row">PHQ-9: Mild</th>`,
			`">hidden</td>`, "“hidden”: fewer than 10 people", "Outcomes: PHQ-9 before and after",
			`<th scope="row">Guided care: intake to end</th>`, `<th scope="col">Hedges&#39; g (95 % CI)</th>`, ">too few people</td>"}},
	}
	for _, tt := range tests {
		w := e.do("GET", "/"+tt.lang+"/reports", nil)
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tt.lang, w.Code, body)
		}
		for _, want := range tt.wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s: no %q", tt.lang, want)
			}
		}
		// Twelve months and the total in each table; six charts, each
		// named for assistive technology; no script, no inline style.
		if n := strings.Count(body, `<th scope="row">`+month+`</th>`); n < 8 {
			t.Errorf("%s: the current month is in %d tables", tt.lang, n)
		}
		if n := strings.Count(body, `role="img" aria-labelledby="chart-`); n != 6 {
			t.Errorf("%s: %d charts", tt.lang, n)
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, "style=") || strings.Contains(body, "<style") {
			t.Errorf("%s: inline script or style", tt.lang)
		}
		if strings.Contains(body, missingMark) {
			t.Errorf("%s: a message is missing", tt.lang)
		}
		// The self-test's severity row this month: hidden (1 < 10), and
		// the month's column total beside it published.
		sev := body[strings.Index(body, `id="profile-selftest-severity_at_start"`):]
		sev = sev[:strings.Index(sev, "</table>")]
		mild := sev[strings.Index(sev, `<th scope="row">PHQ-9: `+map[string]string{"nl": "Licht", "en": "Mild"}[tt.lang]+`</th>`):]
		mild = mild[:strings.Index(mild, "</tr>")]
		if !strings.HasSuffix(mild, `<td data-label="`+month+`">`+map[string]string{"nl": "verborgen", "en": "hidden"}[tt.lang]+`</td><td data-label="`+
			map[string]string{"nl": "Totaal", "en": "Total"}[tt.lang]+`">`+map[string]string{"nl": "verborgen", "en": "hidden"}[tt.lang]+`</td>`) ||
			!strings.Contains(sev, `<td data-label="`+month+`">1</td>`) {
			t.Errorf("%s: severity this month: %s", tt.lang, mild)
		}
		if !regexp.MustCompile(`<td data-label="[^"]+">1</td>`).MatchString(body) {
			t.Errorf("%s: the self-test is not counted", tt.lang)
		}
		if !strings.Contains(body, `href="/`+tt.lang+`/reports/csv?from=`) {
			t.Errorf("%s: no CSV link", tt.lang)
		}
	}

	w := e.do("GET", "/en/reports?from=2026-01&to=2026-03", nil)
	if body := w.Body.String(); w.Code != 200 || strings.Count(body, `<th scope="row">2026-02</th>`) < 8 || strings.Contains(body, `<th scope="row">2025-12</th>`) ||
		!strings.Contains(body, `value="2026-01"`) {
		t.Errorf("a chosen range: %d", w.Code)
	}

	for _, tt := range []struct{ query, field, message string }{
		{"from=2026-13&to=2026-03", "from", "Enter the first month"},
		{"from=2026-04&to=2026-03", "to", "Enter the last month"},
	} {
		w := e.do("GET", "/en/reports?"+tt.query, nil)
		body := w.Body.String()
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#`+tt.field+`"`) || !strings.Contains(body, tt.message) ||
			!strings.Contains(body, `id="`+tt.field+`-error"`) || strings.Contains(body, "report-table") {
			t.Errorf("%s: %d", tt.query, w.Code)
		}
	}

	w = e.do("GET", "/nl/reports/csv?from=2026-01&to=2026-02", nil)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") || !strings.HasPrefix(w.Body.String(), "month,module,figure,key,value\n") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "haven-report-2026-01-2026-02.csv") {
		t.Errorf("csv: %d %v", w.Code, w.Header())
	}
	if w := e.do("GET", "/nl/reports/csv?from=x%0D%0ASet-Cookie:%20a", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/nl/reports?from=x%0D%0ASet-Cookie%3A+a&to=" {
		t.Errorf("csv with a bad month: %d %s", w.Code, w.Header().Get("Location"))
	}

	// The coordinator's home offers it; it is not offered to others.
	if body := e.do("GET", "/en/account", nil).Body.String(); !strings.Contains(body, `href="/en/reports"`) {
		t.Error("the coordinator's home does not link to the report")
	}
	e.jar[cookieAccess] = staffSession(t, e.auth, auth.RoleClinician, "geen-rapport")
	if body := e.do("GET", "/en/account", nil).Body.String(); strings.Contains(body, `/reports"`) {
		t.Error("a clinician's home links to the report")
	}
}

// TestReportsPageResearcher: a researcher's page shows the last closed
// quarter and has no exact table: every count is a suppressed series, so
// the quarter's one self-test is hidden, with the explanation, in both
// languages; another range than one closed quarter is refused with the
// rule.
func TestReportsPageResearcher(t *testing.T) {
	e := newAccountEnv(t)
	e.jar[cookieAccess] = staffSession(t, e.auth, auth.RoleResearcher, "onderzoek")
	answers := []selftest.Answer{}
	for i := 1; i <= 9; i++ {
		answers = append(answers, selftest.Answer{Item: "phq9_" + string(rune('0'+i)), Value: 1})
	}
	if _, err := e.site.Selftest.Submit(context.Background(), selftest.SubmitInput{InstrumentID: "phq9", Language: "nl", Answers: answers}); err != nil {
		t.Fatal(err)
	}
	first, last := e.site.Reports.LastClosedQuarter()
	month := first.String()
	// Taken in the middle of the quarter's first month.
	if err := e.db.DB.Exec("UPDATE selftest_submissions SET created_at = ?", first.Start(e.site.Reports.Location()).AddDate(0, 0, 14)).Error; err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, hidden string
		wants        []string
	}{
		{"nl", "verborgen", []string{"Voor onderzoekers staat elk aantal er pas vanaf 10", `<caption class="table__caption" id="series-reach-band-phq9-caption">Zelftests: PHQ-9 per uitslag</caption>`,
			`<th scope="row">Licht</th>`, "‘verborgen’: minder dan 10 mensen", "Profiel: zelftests", "Resultaten: PHQ-9 voor en na"}},
		{"en", "hidden", []string{"For researchers every number is shown only from 10", `<caption class="table__caption" id="series-reach-band-phq9-caption">Self-tests: PHQ-9 by result</caption>`,
			`<th scope="row">Mild</th>`, "“hidden”: fewer than 10 people", "Profile: self-tests", "Outcomes: PHQ-9 before and after"}},
	}
	for _, tt := range tests {
		w := e.do("GET", "/"+tt.lang+"/reports", nil)
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tt.lang, w.Code, body)
		}
		for _, want := range tt.wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s: no %q", tt.lang, want)
			}
		}
		if strings.Contains(body, missingMark) || strings.Contains(body, `id="reach"`) || strings.Contains(body, "chart-") {
			t.Errorf("%s: a missing message, or an exact table or chart", tt.lang)
		}
		band := body[strings.Index(body, `id="series-reach-band-phq9"`):]
		band = band[:strings.Index(band, "</table>")]
		if !strings.Contains(band, `<td data-label="`+month+`">`+tt.hidden+`</td>`) || strings.Contains(band, `">1</td>`) {
			t.Errorf("%s: this month's self-test is not hidden:\n%s", tt.lang, band)
		}
	}
	if body := e.do("GET", "/en/account", nil).Body.String(); !strings.Contains(body, `href="/en/reports"`) {
		t.Error("the researcher's home does not link to the report")
	}
	body := e.do("GET", "/en/reports", nil).Body.String()
	if !strings.Contains(body, `value="`+first.String()+`"`) || !strings.Contains(body, `value="`+last.String()+`"`) || !strings.Contains(body, "From visit to completed care") {
		t.Errorf("the researcher's default: not the last closed quarter %s–%s with its funnel", first, last)
	}
	current := reports.MonthOf(time.Now(), e.site.Reports.Location())
	for _, q := range []struct{ from, to, want string }{
		{first.Add(1).String(), last.String(), "Enter the first month of a quarter"},
		{first.String(), last.Add(-1).String(), "Enter the last month of the same quarter"},
		{first.Add(-3).String(), last.String(), "Enter the last month of the same quarter"},
		{last.Add(1).String(), last.Add(3).String(), "of a quarter that has ended"},
		{current.String(), current.String(), "Enter the"},
	} {
		w := e.do("GET", "/en/reports?from="+q.from+"&to="+q.to, nil)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), q.want) {
			t.Errorf("researcher asks %s–%s: %d, want 422 with %q", q.from, q.to, w.Code, q.want)
		}
	}
	w := e.do("GET", "/en/reports/csv", nil)
	if w.Code != 200 || strings.Contains(w.Body.String(), ",info,page_views,,") || !strings.Contains(w.Body.String(), ",selftest,band:phq9,mild,suppressed\n") {
		t.Errorf("researcher's CSV: %d", w.Code)
	}
}
