package api_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
)

func TestMonthlyReportAPI(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{})
	a.staff(auth.RoleCoordinator, "coordinator", "")
	token := a.login("coordinator")

	r := a.do("GET", "/api/v1/reports/monthly?from=2026-01&to=2026-03", token, nil)
	if r.code != 200 {
		t.Fatalf("report: %d %s", r.code, r.raw)
	}
	months, _ := r.body["months"].([]any)
	if len(months) != 3 || r.str("from") != "2026-01" || r.str("to") != "2026-03" || r.obj("total") == nil {
		t.Errorf("report: %s", r.raw)
	}
	if r := a.do("GET", "/api/v1/reports/monthly", token, nil); r.code != 200 || len(r.body["months"].([]any)) != 12 {
		t.Errorf("default range: %d %s", r.code, r.raw)
	}

	bad := []struct {
		query, field string
	}{
		{"from=2026-13&to=2026-03", "from"},
		{"from=2026-1&to=2026-03", "from"},
		{"from=2026-01&to=March", "to"},
		{"from=2026-04&to=2026-03", "to"},
		{"from=2000-01&to=2026-03", "to"},
		{"from=2026-01&to=2026-03&format=xml", "format"},
	}
	for _, tt := range bad {
		r := a.do("GET", "/api/v1/reports/monthly?"+tt.query, token, nil)
		if r.code != 422 || r.errorCode() != "validation_failed" || r.errorFields()[tt.field] == nil {
			t.Errorf("%s: %d %s, want 422 naming %s", tt.query, r.code, r.raw, tt.field)
		}
	}

	for _, tt := range []struct {
		query  string
		header map[string]string
	}{
		{"&format=csv", nil},
		{"", map[string]string{"Accept": "text/csv"}},
	} {
		r := a.doHeaders("GET", "/api/v1/reports/monthly?from=2026-01&to=2026-02"+tt.query, token, nil, tt.header)
		if r.code != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(r.header.Get("Content-Disposition"), "haven-report-2026-01-2026-02.csv") {
			t.Fatalf("csv %s %v: %d %v", tt.query, tt.header, r.code, r.header)
		}
		lines := strings.Split(strings.TrimSpace(r.raw), "\n")
		if lines[0] != "month,module,figure,key,value" || !strings.HasPrefix(lines[1], "2026-01,info,page_views,,0") ||
			!slices.Contains(lines, "total,funnel,share,completers,") ||
			!slices.Contains(lines, "2026-02,profile_selftest,age_band,18_24,0") ||
			lines[len(lines)-1] != "total,outcome_guidance,intake_to_followup12_hedges_g_ci_high,," {
			t.Errorf("csv: %s … %s", lines[:2], lines[len(lines)-1])
		}
	}
	if r := a.doHeaders("GET", "/api/v1/reports/monthly?from=2026-01&to=2026-02", token, nil, map[string]string{"Accept": "application/json, text/csv"}); !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("JSON first in Accept: %v", r.header)
	}
}

// TestMonthlyReportBreakdownsAPI: one self-test with a profile this month
// shows in the profile's self-test column total (a coordinator sees the
// exact monthly count) while its age band, a count of 1, is hidden (null);
// the outcome comparisons are all there, their statistics withheld.
func TestMonthlyReportBreakdownsAPI(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{})
	a.staff(auth.RoleCoordinator, "coordinator", "")
	token := a.login("coordinator")
	body := phq9Body("en", 1, 1, 1, 1, 1, 1, 1, 1, 0)
	body["profile"] = map[string]any{"age_band": "18_24"}
	if r := a.do("POST", "/api/v1/selftest/instruments/phq9/submissions", "", body); r.code != 201 {
		t.Fatalf("self-test: %d %s", r.code, r.raw)
	}

	r := a.do("GET", "/api/v1/reports/monthly", token, nil)
	if r.code != 200 {
		t.Fatalf("report: %d %s", r.code, r.raw)
	}
	var rep struct {
		Profile struct {
			Modules []struct {
				Module     string
				Breakdowns []struct {
					Question string
					Table    struct {
						Rows      []string
						Cells     [][]struct{ N *int }
						ColTotals []struct{ N *int } `json:"col_totals"`
						Threshold int
					}
				}
			}
		}
		Outcomes struct {
			Selfhelp, Guidance []struct {
				From, To      string
				Stats         any
				NotComputable string `json:"not_computable"`
			}
		}
	}
	if err := json.Unmarshal([]byte(r.raw), &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range rep.Profile.Modules {
		for _, b := range m.Breakdowns {
			if m.Module != "selftest" || b.Question != "age_band" {
				continue
			}
			found = true
			last := len(b.Table.ColTotals) - 1
			if n := b.Table.ColTotals[last].N; n == nil || *n != 1 {
				t.Errorf("this month's self-tests: %v, want 1 (published)", n)
			}
			row := slices.Index(b.Table.Rows, "18_24")
			if row < 0 || b.Table.Cells[row][last].N != nil || b.Table.Threshold != 10 {
				t.Errorf("18_24 this month: rows %v, threshold %d, want the cell hidden", b.Table.Rows, b.Table.Threshold)
			}
		}
	}
	if !found {
		t.Errorf("no self-test age band breakdown: %s", r.raw)
	}
	var tos []string
	for _, c := range rep.Outcomes.Guidance {
		tos = append(tos, c.From+">"+c.To)
		if c.Stats != nil || c.NotComputable == "" {
			t.Errorf("%s: stats %v without people", c.To, c.Stats)
		}
	}
	if strings.Join(tos, ",") != "intake>end,intake>followup3,intake>followup12" || len(rep.Outcomes.Selfhelp) != 1 {
		t.Errorf("outcome comparisons: guidance %v, self-help %d", tos, len(rep.Outcomes.Selfhelp))
	}
}

// TestMonthlyReportResearcherAPI: a researcher gets the report of the last
// closed quarter with no exact figure: the quarter's one self-test is
// hidden in its series; any other range is refused with the rule.
func TestMonthlyReportResearcherAPI(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{})
	a.staff(auth.RoleCoordinator, "coordinator", "")
	a.staff(auth.RoleResearcher, "researcher", a.login("coordinator"))
	token := a.login("researcher")
	if r := a.do("POST", "/api/v1/selftest/instruments/phq9/submissions", "", phq9Body("en", 1, 1, 1, 1, 1, 1, 1, 1, 0)); r.code != 201 {
		t.Fatalf("self-test: %d %s", r.code, r.raw)
	}
	// Taken in the last quarter that has ended, in its middle month.
	quarter := lastClosedQuarter(t, a.clock.Now())
	if err := a.db.DB.Exec("UPDATE selftest_submissions SET created_at = ?", quarter.AddDate(0, 1, 10)).Error; err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct{ from, to, field string }{
		{quarter.AddDate(0, 1, 0).Format("2006-01"), quarter.AddDate(0, 2, 0).Format("2006-01"), "from"},
		{quarter.Format("2006-01"), quarter.AddDate(0, 5, 0).Format("2006-01"), "to"},
		{quarter.AddDate(0, 3, 0).Format("2006-01"), quarter.AddDate(0, 5, 0).Format("2006-01"), "to"},
	} {
		r := a.do("GET", "/api/v1/reports/monthly?from="+q.from+"&to="+q.to, token, nil)
		if r.code != 422 || !strings.Contains(r.raw, `"`+q.field+`":"a researcher's report covers`) {
			t.Errorf("researcher asks %s–%s: %d %s, want 422 on %s", q.from, q.to, r.code, r.raw, q.field)
		}
	}
	r := a.do("GET", "/api/v1/reports/monthly", token, nil)
	if r.code != 200 {
		t.Fatalf("report: %d %s", r.code, r.raw)
	}
	var rep struct {
		Audience string
		Months   []any
		Total    any
		Series   struct {
			Series []struct {
				Module, Figure string
				Table          struct {
					Rows      []string
					Cells     [][]struct{ N *int }
					ColTotals []struct{ N *int } `json:"col_totals"`
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(r.raw), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Audience != "researcher" || len(rep.Months) != 0 || rep.Total != nil {
		t.Errorf("audience %q, %d months, total %v", rep.Audience, len(rep.Months), rep.Total)
	}
	found := false
	for _, s := range rep.Series.Series {
		if s.Figure != "band:phq9" {
			continue
		}
		found = true
		mild := slices.Index(s.Table.Rows, "mild")
		if mild < 0 || len(s.Table.ColTotals) != 3 || s.Table.Cells[mild][1].N != nil || s.Table.ColTotals[1].N != nil {
			t.Errorf("the quarter's mild PHQ-9 or its month's total is shown: %+v", s.Table)
		}
	}
	if !found {
		t.Errorf("no PHQ-9 band series: %s", r.raw)
	}
	csv := a.do("GET", "/api/v1/reports/monthly?format=csv", token, nil)
	if csv.code != 200 || strings.Contains(csv.raw, ",info,page_views,,") || !strings.Contains(csv.raw, ",selftest,band:phq9,mild,suppressed\n") {
		t.Errorf("researcher's CSV: %d\n%s", csv.code, csv.raw)
	}
}

// lastClosedQuarter is the first instant of the last calendar quarter that
// has ended at now, in Brussels (the tests' report zone), worked out
// apart from the reports package.
func lastClosedQuarter(t *testing.T, now time.Time) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	n := now.In(loc)
	start := time.Date(n.Year(), n.Month()-(n.Month()-1)%3, 1, 0, 0, 0, 0, loc)
	return start.AddDate(0, -3, 0)
}
