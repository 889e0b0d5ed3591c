package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	getenv := env(t, "HAVEN_ENCRYPTION_KEYS", testEncryptionKey)
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"report", "-from", "2026-01", "-to", "2026-02"}, getenv, &out, &errOut); err == nil || !strings.Contains(err.Error(), "haven migrate") {
		t.Errorf("report on an unmigrated database: %v", err)
	}
	if err := run(ctx, []string{"migrate"}, getenv, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args  []string
		check func(string) bool
	}{
		{[]string{"report", "--from", "2026-01", "--to", "2026-03", "--format", "json"}, func(s string) bool {
			var r struct {
				From   string `json:"from"`
				Months []struct {
					Month string `json:"month"`
				} `json:"months"`
			}
			return json.Unmarshal([]byte(s), &r) == nil && r.From == "2026-01" && len(r.Months) == 3 && r.Months[2].Month == "2026-03"
		}},
		{[]string{"report", "-from", "2026-01", "-to", "2026-02", "-format", "csv"}, func(s string) bool {
			return strings.HasPrefix(s, "month,module,figure,key,value\n2026-01,info,page_views,,0\n") && strings.Contains(s, "\ntotal,guidance,applications,,0\n")
		}},
		{[]string{"report", "-for", "researcher"}, func(s string) bool {
			return strings.Contains(s, "For researchers: one closed calendar quarter") && strings.Contains(s, "### funnel: steps")
		}},
		{[]string{"report", "-from", "2026-01", "-to", "2026-02"}, func(s string) bool {
			return strings.HasPrefix(s, "# Haven report 2026-01 – 2026-02") && strings.Contains(s, "| module | figure | key | 2026-01 | 2026-02 | total |") &&
				strings.Contains(s, "| guidance | early_exits | disappeared | 0 | 0 | 0 |")
		}},
	}
	for _, tt := range tests {
		out.Reset()
		if err := run(ctx, tt.args, getenv, &out, &errOut); err != nil || !tt.check(out.String()) {
			t.Errorf("%v: %v\n%s", tt.args, err, out.String())
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "-from", "2026-13"}, "-from must be a month written YYYY-MM"},
		{[]string{"report", "-from", "2026-03", "-to", "2026-01"}, "-to must not be before from"},
		{[]string{"report", "-format", "pdf"}, "-format must be one of json, csv, md"},
		{[]string{"report", "-for", "clinician"}, "-for must be coordinator or researcher"},
		{[]string{"report", "-for", "researcher", "-from", "2026-01", "-to", "2026-02"}, "-to a researcher's report covers one calendar quarter"},
		{[]string{"report", "-since", "2026-01"}, "flag provided but not defined"},
	} {
		out.Reset()
		err := run(ctx, tt.args, getenv, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tt.want) || out.Len() != 0 {
			t.Errorf("%v: err = %v, out %q; want %q", tt.args, err, out.String(), tt.want)
		}
	}
}
