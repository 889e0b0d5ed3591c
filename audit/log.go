package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// lockKey is the PostgreSQL advisory lock that serialises appends, so the
// chain stays linear when several Haven processes write at once. (On SQLite
// the immediate write transaction does the same.)
const lockKey = 0x41554454 // "AUDT"

// Log appends to and reads the audit log. It is the only code that touches
// the audit_entries table.
type Log struct {
	db  *gorm.DB
	now func() time.Time
	dir Directory
	loc *time.Location
}

// Directory names the people in the log (auth's store): a nickname per
// user id, none for an erased account.
type Directory interface {
	DisplayNames(ctx context.Context, ids []string) (map[string]string, error)
}

// Options are what a Log is built from.
type Options struct {
	Now func() time.Time
	// Directory names actors in a client's access log; nil shows none.
	Directory Directory
	// Location is the deployment's time zone: a searched date is a day there.
	Location *time.Location
}

// NewLog returns the audit log on db.
func NewLog(db *gorm.DB, o Options) *Log {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	return &Log{db: db, now: o.Now, dir: o.Directory, loc: o.Location}
}

// Append records e at the end of the chain. Callers fail closed: when the
// entry cannot be written, the audited action must not go ahead.
func (l *Log) Append(ctx context.Context, e Entry) error {
	if e.Action == "" || e.Outcome == "" {
		return errors.New("audit: an entry needs an action and an outcome")
	}
	return l.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", lockKey).Error; err != nil {
				return fmt.Errorf("audit: lock: %w", err)
			}
		}
		var last Entry
		err := tx.Order("seq DESC").Limit(1).Take(&last).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			e.Seq, e.PrevHash = 1, genesis
		case err != nil:
			return fmt.Errorf("audit: read chain head: %w", err)
		default:
			e.Seq, e.PrevHash = last.Seq+1, last.Hash
		}
		// Microseconds: what PostgreSQL keeps, so the hash survives the
		// round trip.
		e.At = l.now().UTC().Truncate(time.Microsecond)
		e.Hash = computeHash(&e)
		if err := tx.Create(&e).Error; err != nil {
			return fmt.Errorf("audit: append: %w", err)
		}
		return nil
	})
}

// Filter selects entries for a search. Zero fields do not filter.
type Filter struct {
	SubjectID string
	ActorID   string
	From, To  time.Time // [From, To)
	// Before pages backwards: only entries with Seq < Before.
	Before int64
	// ExcludeActor leaves out the entries the subject caused themselves
	// (for a client's own view of who looked at their record).
	ExcludeActor string
	Limit        int
}

// Find returns matching entries, newest first, at most Limit (default
// 50, at most 500). It writes no entry of its own: the use cases that show
// entries to people (Search, AccessLog) do.
func (l *Log) Find(ctx context.Context, f Filter) ([]Entry, error) {
	q := l.db.WithContext(ctx).Model(&Entry{})
	if f.SubjectID != "" {
		q = q.Where("subject_id = ?", f.SubjectID)
	}
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.ExcludeActor != "" {
		q = q.Where("(actor_id IS NULL OR actor_id <> ?)", f.ExcludeActor)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	if f.Before > 0 {
		q = q.Where("seq < ?", f.Before)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	var out []Entry
	if err := q.Order("seq DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("audit: search: %w", err)
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}

// Report is the result of Verify.
type Report struct {
	Entries int64
	// FirstBad is the Seq of the first entry that does not check out, or 0.
	FirstBad int64
	Reason   string
}

// Verify walks the whole chain in order and checks every hash and link. It
// returns ErrTampered (wrapped, with the first bad entry) when the chain is
// broken.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	var rep Report
	prev := genesis
	var want int64 = 1
	const batch = 1000
	var after int64
	for {
		var rows []Entry
		if err := l.db.WithContext(ctx).Where("seq > ?", after).Order("seq").Limit(batch).Find(&rows).Error; err != nil {
			return rep, fmt.Errorf("audit: verify: %w", err)
		}
		for i := range rows {
			e := &rows[i]
			switch {
			case e.Seq != want:
				rep.FirstBad, rep.Reason = want, fmt.Sprintf("entry %d is missing", want)
			case e.PrevHash != prev:
				rep.FirstBad, rep.Reason = e.Seq, "does not link to the entry before it"
			case computeHash(e) != e.Hash:
				rep.FirstBad, rep.Reason = e.Seq, "its content does not match its hash"
			}
			if rep.FirstBad != 0 {
				return rep, fmt.Errorf("%w at entry %d: %s", ErrTampered, rep.FirstBad, rep.Reason)
			}
			rep.Entries++
			prev, want, after = e.Hash, e.Seq+1, e.Seq
		}
		if len(rows) < batch {
			return rep, nil
		}
	}
}
