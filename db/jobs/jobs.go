// Package jobs runs Haven's scheduled jobs. Each job is named, takes the
// time it runs for (so it can be tested), is idempotent at row level, can
// be run by hand (`haven run-job NAME`), and is claimed once per slot
// across replicas through the job_runs table. robfig/cron is kept behind
// this one file so it could be swapped.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/robfig/cron/v3"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ErrUnknownJob is returned for a job name that is not registered.
var ErrUnknownJob = errors.New("jobs: unknown job")

// Job is one scheduled task.
type Job struct {
	Name string
	// Schedule is a standard 5-field cron spec, in UTC.
	Schedule string
	Run      func(ctx context.Context, now time.Time) error
	// EveryReplica jobs run in every process without claiming a slot
	// (work on process-local state, such as flushing a buffer).
	EveryReplica bool
}

type run struct {
	Name       string `gorm:"primaryKey"`
	Slot       string `gorm:"primaryKey"`
	StartedAt  time.Time
	FinishedAt *time.Time
	Failed     bool
}

func (run) TableName() string { return "job_runs" }

// Runner holds the jobs and the database used to claim their slots.
type Runner struct {
	db   *gorm.DB
	log  *slog.Logger
	jobs map[string]Job
}

// New returns a runner for jobs.
func New(db *gorm.DB, log *slog.Logger, jobs ...Job) (*Runner, error) {
	r := &Runner{db: db, log: log, jobs: map[string]Job{}}
	for _, j := range jobs {
		if _, err := cron.ParseStandard(j.Schedule); err != nil {
			return nil, fmt.Errorf("jobs: %s: schedule %q: %w", j.Name, j.Schedule, err)
		}
		if _, dup := r.jobs[j.Name]; dup {
			return nil, fmt.Errorf("jobs: %s registered twice", j.Name)
		}
		r.jobs[j.Name] = j
	}
	return r, nil
}

// Names lists the registered jobs, sorted.
func (r *Runner) Names() []string {
	out := make([]string, 0, len(r.jobs))
	for n := range r.jobs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// RunSlot runs a job for the slot now falls in (the minute), unless another
// process has claimed that slot already; it reports whether it ran.
func (r *Runner) RunSlot(ctx context.Context, name string, now time.Time) (bool, error) {
	j, ok := r.jobs[name]
	if !ok {
		return false, fmt.Errorf("%w %q", ErrUnknownJob, name)
	}
	slot := now.UTC().Truncate(time.Minute).Format("2006-01-02T15:04")
	res := r.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&run{Name: name, Slot: slot, StartedAt: now.UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("jobs: claim %s/%s: %w", name, slot, res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	err := j.Run(ctx, now)
	done := time.Now().UTC()
	upd := r.db.WithContext(context.WithoutCancel(ctx)).Model(&run{}).Where("name = ? AND slot = ?", name, slot).
		Updates(map[string]any{"finished_at": done, "failed": err != nil})
	if err != nil {
		return true, fmt.Errorf("jobs: %s: %w", name, err)
	}
	if upd.Error != nil {
		return true, fmt.Errorf("jobs: record %s/%s: %w", name, slot, upd.Error)
	}
	return true, nil
}

// RunNow runs a job by hand, outside any schedule (no slot is claimed;
// jobs are idempotent, so running one again is safe).
func (r *Runner) RunNow(ctx context.Context, name string, now time.Time) error {
	j, ok := r.jobs[name]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownJob, name)
	}
	if err := j.Run(ctx, now); err != nil {
		return fmt.Errorf("jobs: %s: %w", name, err)
	}
	return nil
}

// Start schedules every job until ctx ends; the returned function waits
// for running jobs to finish.
func (r *Runner) Start(ctx context.Context) (wait func()) {
	c := cron.New(cron.WithLocation(time.UTC))
	for _, name := range r.Names() {
		j := r.jobs[name]
		_, _ = c.AddFunc(j.Schedule, func() { // the spec was checked in New
			if j.EveryReplica {
				if err := j.Run(ctx, time.Now()); err != nil {
					r.log.ErrorContext(ctx, "job failed", "job", j.Name, "error", err.Error())
				}
				return
			}
			ran, err := r.RunSlot(ctx, j.Name, time.Now())
			switch {
			case err != nil:
				r.log.ErrorContext(ctx, "job failed", "job", j.Name, "error", err.Error())
			case ran:
				r.log.InfoContext(ctx, "job ran", "job", j.Name)
			}
		})
	}
	c.Start()
	stopped := make(chan struct{})
	go func() {
		<-ctx.Done()
		<-c.Stop().Done()
		close(stopped)
	}()
	return func() { <-stopped }
}
