package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/reports"
)

// BenchmarkSubmitBesideReports measures the anonymous self-test submit
// (POST /api/v1/selftest/instruments/phq9/submissions through the router)
// alone, the baseline, and while a coordinator's 18-month monthly report
// (GET /api/v1/reports/monthly) runs in a loop beside it, over 30,000
// self-tests and 30,000 self-help events not rolled up (the report's most
// expensive case: every month counted from the raw rows). The second
// reports its time per submit as a multiple of the first's (x-alone), and
// how many reports ran meanwhile (reports/op); the third is the second
// once the closed months are rolled up (the reports-rollup job).
func BenchmarkSubmitBesideReports(b *testing.B) {
	a := newAcctAPI(b, auth.ThrottleConfig{})
	coordID, _ := a.staff(auth.RoleCoordinator, "coordinator", "")
	_ = coordID
	token := a.login("coordinator")
	now := time.Now().UTC()
	const rows = 30000
	span := 540 * 24 * time.Hour
	bands := []string{"minimal", "mild", "moderate", "moderately_severe", "severe"}
	var subs, events []map[string]any
	for i := range rows {
		at := now.Add(-span + span/rows*time.Duration(i))
		subs = append(subs, map[string]any{"id": fmt.Sprintf("bench-%07d", i), "instrument_id": "phq9", "instrument_version": "1",
			"language": "nl", "answers": "[]", "score": i % 28, "band": bands[i%5], "crisis": i%17 == 0, "age_band": "25_34",
			"gender": nil, "region": "be_antwerp", "sought_help_before": "yes", "created_at": at})
		events = append(events, map[string]any{"kind": "lesson_completed", "programme_id": "depression", "lesson_id": "activation",
			"enrolment_id": fmt.Sprintf("e%05d", i%5000), "occurred_at": at})
	}
	for table, rs := range map[string][]map[string]any{"selftest_submissions": subs, "selfhelp_events": events} {
		if err := a.db.Table(table).CreateInBatches(rs, 500).Error; err != nil {
			b.Fatal(err)
		}
	}
	body, _ := json.Marshal(phq9Body("nl", 1, 1, 2, 1, 0, 1, 0, 1, 0))
	submit := func(b *testing.B) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/selftest/instruments/phq9/submissions", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		a.engine.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated && rec.Code != http.StatusOK {
			b.Fatalf("submit: %d %s", rec.Code, rec.Body.String())
		}
	}
	from := now.AddDate(0, -17, 0).Format("2006-01")
	report := func() int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/reports/monthly?from="+from, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		a.engine.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := report(); code != http.StatusOK {
		b.Fatalf("report: %d", code)
	}
	var alone float64
	b.Run("submit-alone", func(b *testing.B) {
		for b.Loop() {
			submit(b)
		}
		alone = float64(b.Elapsed()) / float64(b.N)
	})
	beside := func(b *testing.B) {
		var stop atomic.Bool
		var reports atomic.Int64
		var failed atomic.Int64
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if report() != http.StatusOK {
					failed.Add(1)
				}
				reports.Add(1)
			}
		}()
		for b.Loop() {
			submit(b)
		}
		b.StopTimer()
		stop.Store(true)
		wg.Wait()
		if failed.Load() > 0 {
			b.Errorf("%d reports failed", failed.Load())
		}
		per := float64(b.Elapsed()) / float64(b.N)
		if alone > 0 {
			b.ReportMetric(per/alone, "x-alone")
		}
		b.ReportMetric(float64(reports.Load())/float64(b.N), "reports/op")
	}
	b.Run("submit-beside-reports", beside)
	// Then with the closed months rolled up (the reports-rollup job), as
	// a deployment runs: only the current month is counted raw.
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		b.Fatal(err)
	}
	rollup, err := reports.NewRollup(a.db.DB, loc)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := rollup.Run(context.Background(), time.Now()); err != nil {
		b.Fatal(err)
	}
	b.Run("submit-beside-rolled-up-reports", beside)
}
