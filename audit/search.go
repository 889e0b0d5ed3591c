package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/haven-mh/haven/db/kind"
)

// Actor is who asks something of the log, for the entry the log writes
// about that question.
type Actor struct {
	UserID    string
	Role      string
	SessionID string
	RequestID string
}

// Query is a search as a person types it. Every field is optional:
//
//	Client, User   a user id: entries about that client / by that user
//	From, To       a date (2026-01-31) or an RFC 3339 time; a date is a
//	               whole day in the deployment's time zone, so To is
//	               inclusive for a date and exclusive for a time
//	Before         an entry number: page backwards from it
//	Limit          how many entries, 1–500 (default 100)
type Query struct {
	Client, User, From, To, Before, Limit string
}

// DefaultLimit is how many entries a search returns when Limit is empty.
const DefaultLimit = 100

// filter checks q and turns it into a Filter, naming every invalid field.
func (l *Log) filter(q Query) (Filter, error) {
	verr := kind.NewInvalid("audit")
	f := Filter{SubjectID: strings.TrimSpace(q.Client), ActorID: strings.TrimSpace(q.User), Limit: DefaultLimit}
	for name, id := range map[string]string{"client": f.SubjectID, "user": f.ActorID} {
		if len(id) > 36 {
			verr.Add(name, "must be a user id")
		}
	}
	var ok bool
	if f.From, ok = l.parseTime(q.From, false); !ok {
		verr.Add("from", "must be a date (2026-01-31) or an RFC 3339 time")
	}
	if f.To, ok = l.parseTime(q.To, true); !ok {
		verr.Add("to", "must be a date (2026-01-31) or an RFC 3339 time")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		verr.Add("to", "must be after from")
	}
	if q.Before != "" {
		n, err := strconv.ParseInt(q.Before, 10, 64)
		if err != nil || n < 1 {
			verr.Add("before", "must be a positive entry number")
		}
		f.Before = n
	}
	if q.Limit != "" {
		n, err := strconv.Atoi(q.Limit)
		if err != nil || n < 1 || n > 500 {
			verr.Add("limit", "must be between 1 and 500")
		}
		f.Limit = n
	}
	return f, verr.OrNil()
}

// parseTime reads a date or an RFC 3339 time. A date is the start of that
// day in the deployment's time zone — or, as the end of a range, the start
// of the next day, so the whole day is included.
func (l *Log) parseTime(v string, end bool) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	d, err := time.ParseInLocation(time.DateOnly, v, l.loc)
	if err != nil {
		return time.Time{}, false
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, true
}

// Search is a coordinator's search of the log. The search itself is written
// to the log first (who searched, for whose record); when that entry
// cannot be written nothing is shown.
func (l *Log) Search(ctx context.Context, actor Actor, q Query) ([]Entry, error) {
	f, err := l.filter(q)
	if err != nil {
		return nil, err
	}
	e := actor.entry(ActionAuditSearch, "audit_entries")
	e.SubjectID = Str(f.SubjectID)
	if err := l.Append(ctx, e); err != nil {
		return nil, err
	}
	return l.Find(ctx, f)
}

// Access is one line of a client's access log: who did what to their
// record, and when.
type Access struct {
	Seq       int64
	At        time.Time
	ActorRole string
	// ActorName is the actor's nickname, "" for the system or an erased
	// account.
	ActorName string
	// System is set for entries without a person behind them.
	System  bool
	Action  string
	Outcome string
}

// AccessLog is the view NEN 7513 gives patients: who looked at or changed
// my record, and when (the client's own actions left out). Only From, To,
// Before and Limit of q apply. Reading it is written to the log too.
func (l *Log) AccessLog(ctx context.Context, actor Actor, q Query) ([]Access, error) {
	q.Client, q.User = "", ""
	f, err := l.filter(q)
	if err != nil {
		return nil, err
	}
	f.SubjectID, f.ExcludeActor = actor.UserID, actor.UserID
	e := actor.entry(ActionAccessLogViewed, "audit_entries")
	e.SubjectID = Str(actor.UserID)
	if err := l.Append(ctx, e); err != nil {
		return nil, err
	}
	entries, err := l.Find(ctx, f)
	if err != nil {
		return nil, err
	}
	names, err := l.names(ctx, entries)
	if err != nil {
		return nil, err
	}
	out := make([]Access, 0, len(entries))
	for _, en := range entries {
		a := Access{Seq: en.Seq, At: en.At, ActorRole: en.ActorRole, Action: en.Action, Outcome: en.Outcome, System: en.ActorID == nil}
		if en.ActorID != nil {
			a.ActorName = names[*en.ActorID]
		}
		out = append(out, a)
	}
	return out, nil
}

// names looks up every actor of entries at once.
func (l *Log) names(ctx context.Context, entries []Entry) (map[string]string, error) {
	if l.dir == nil {
		return map[string]string{}, nil
	}
	seen := map[string]bool{}
	var ids []string
	for _, e := range entries {
		if e.ActorID != nil && !seen[*e.ActorID] {
			seen[*e.ActorID] = true
			ids = append(ids, *e.ActorID)
		}
	}
	names, err := l.dir.DisplayNames(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("audit: actor names: %w", err)
	}
	return names, nil
}

func (a Actor) entry(action, object string) Entry {
	return Entry{ActorID: Str(a.UserID), ActorRole: a.Role, SessionID: Str(a.SessionID), Action: action, Object: object,
		RequestID: a.RequestID, Outcome: OutcomeSuccess}
}
