package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/jobs"
)

func TestRunSlotClaimsOncePerSlot(t *testing.T) {
	d := dbtest.Open(t)
	var runs atomic.Int32
	job := jobs.Job{Name: "count", Schedule: "*/5 * * * *", Run: func(context.Context, time.Time) error { runs.Add(1); return nil }}
	// Two runners on one database stand for two replicas.
	a, err := jobs.New(d.DB, slog.New(slog.DiscardHandler), job)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := jobs.New(d.DB, slog.New(slog.DiscardHandler), job)
	now := time.Date(2026, 11, 27, 10, 5, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for _, r := range []*jobs.Runner{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.RunSlot(context.Background(), "count", now.Add(10*time.Second)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if runs.Load() != 1 {
		t.Fatalf("slot ran %d times, want 1", runs.Load())
	}
	if ran, err := a.RunSlot(context.Background(), "count", now.Add(5*time.Minute)); err != nil || !ran {
		t.Errorf("next slot: ran %v, %v", ran, err)
	}
	if err := a.RunNow(context.Background(), "count", now); err != nil || runs.Load() != 3 {
		t.Errorf("RunNow: %v, runs %d", err, runs.Load())
	}
	if _, err := a.RunSlot(context.Background(), "nope", now); !errors.Is(err, jobs.ErrUnknownJob) {
		t.Errorf("unknown job: %v", err)
	}
}

func TestRunSlotRecordsFailure(t *testing.T) {
	d := dbtest.Open(t)
	r, _ := jobs.New(d.DB, slog.New(slog.DiscardHandler), jobs.Job{Name: "fail", Schedule: "@hourly",
		Run: func(context.Context, time.Time) error { return errors.New("smtp down") }})
	if _, err := r.RunSlot(context.Background(), "fail", time.Now()); err == nil {
		t.Fatal("want the job's error")
	}
	var failed int64
	d.Table("job_runs").Where("name = ? AND failed", "fail").Count(&failed)
	if failed != 1 {
		t.Errorf("failure not recorded")
	}
}

func TestNewRejectsBadSchedules(t *testing.T) {
	noop := func(context.Context, time.Time) error { return nil }
	if _, err := jobs.New(nil, nil, jobs.Job{Name: "x", Schedule: "every day", Run: noop}); err == nil {
		t.Error("bad schedule accepted")
	}
	if _, err := jobs.New(nil, nil, jobs.Job{Name: "x", Schedule: "@daily", Run: noop}, jobs.Job{Name: "x", Schedule: "@daily", Run: noop}); err == nil {
		t.Error("duplicate name accepted")
	}
}
