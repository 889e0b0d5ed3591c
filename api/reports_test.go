package api_test

import (
	"strings"
	"testing"

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
			!strings.HasPrefix(lines[len(lines)-1], "total,funnel,share,completers,") {
			t.Errorf("csv: %s … %s", lines[:2], lines[len(lines)-1])
		}
	}
	if r := a.doHeaders("GET", "/api/v1/reports/monthly?from=2026-01&to=2026-02", token, nil, map[string]string{"Accept": "application/json, text/csv"}); !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("JSON first in Accept: %v", r.header)
	}
}
