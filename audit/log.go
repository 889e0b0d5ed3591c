package audit

import (
	"context"
	"crypto/hmac"
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
	db      *gorm.DB
	now     func() time.Time
	dir     Directory
	loc     *time.Location
	current string            // key id new entries are MACed with
	keys    map[string][]byte // every key that verifies
}

// Directory names the people in the log (auth's store): a nickname per
// user id, none for an erased account.
type Directory interface {
	DisplayNames(ctx context.Context, ids []string) (map[string]string, error)
}

// Options are what a Log is built from.
type Options struct {
	// Keys MAC the chain: Keys[0] MACs new entries; every key verifies, so
	// keys rotate: put the new key first and keep the old ones for as long
	// as entries they MACed are in the log (that is, always).
	Keys []Key
	Now  func() time.Time
	// Directory names actors in a client's access log; nil shows none.
	Directory Directory
	// Location is the deployment's time zone: a searched date is a day there.
	Location *time.Location
}

// NewLog returns the audit log on db.
func NewLog(db *gorm.DB, o Options) (*Log, error) {
	if len(o.Keys) == 0 {
		return nil, errors.New("audit: no key to MAC the chain with")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	l := &Log{db: db, now: o.Now, dir: o.Directory, loc: o.Location, current: o.Keys[0].ID, keys: make(map[string][]byte, len(o.Keys))}
	for _, k := range o.Keys {
		switch {
		case k.ID == "" || len(k.ID) > maxKeyID:
			return nil, fmt.Errorf("audit: a key id must be 1 to %d bytes, got %q", maxKeyID, k.ID)
		case len(k.Secret) < MinKeyBytes:
			return nil, fmt.Errorf("audit: key %q must be at least %d bytes, got %d", k.ID, MinKeyBytes, len(k.Secret))
		}
		if _, dup := l.keys[k.ID]; dup {
			return nil, fmt.Errorf("audit: key id %q appears twice", k.ID)
		}
		l.keys[k.ID] = append([]byte(nil), k.Secret...)
	}
	return l, nil
}

// NewestKeyID returns the key id of the newest keyed entry in db, or ""
// when no entry is keyed. It needs no key, so it can tell, before a key is
// generated, that one was lost.
func NewestKeyID(ctx context.Context, db *gorm.DB) (string, error) {
	var ids []string
	err := db.WithContext(ctx).Model(&Entry{}).Where("key_id <> ''").Order("seq DESC").Limit(1).Pluck("key_id", &ids).Error
	if err != nil {
		return "", fmt.Errorf("audit: read the newest key id: %w", err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// CheckKeys fails, naming the key id, when the newest keyed entry was
// MACed with a key this log lacks: the key was lost or left out of the
// configuration, and Haven should not start rather than go on writing a
// chain nobody can verify.
func (l *Log) CheckKeys(ctx context.Context) error {
	kid, err := NewestKeyID(ctx, l.db)
	if err != nil {
		return err
	}
	if _, ok := l.keys[kid]; kid != "" && !ok {
		return fmt.Errorf("%w: the newest audit entries are MACed with key id %q, which is not configured; restore that key (new keys go in front of it, old ones stay)", ErrUnknownKey, kid)
	}
	return nil
}

// Append records e at the end of the chain. Callers fail closed: when the
// entry cannot be written, the audited action must not go ahead.
func (l *Log) Append(ctx context.Context, e Entry) error {
	return l.AppendAll(ctx, []Entry{e})
}

// AppendAll records entries at the end of the chain, in order, in one
// transaction: one access that concerns several clients (a list of them)
// is one entry per client, so each finds it in their own access log.
func (l *Log) AppendAll(ctx context.Context, entries []Entry) error {
	for _, e := range entries {
		if e.Action == "" || e.Outcome == "" {
			return errors.New("audit: an entry needs an action and an outcome")
		}
	}
	if len(entries) == 0 {
		return nil
	}
	return l.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", lockKey).Error; err != nil {
				return fmt.Errorf("audit: lock: %w", err)
			}
		}
		var last Entry
		seq, prev := int64(0), genesis
		err := tx.Order("seq DESC").Limit(1).Take(&last).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
		case err != nil:
			return fmt.Errorf("audit: read chain head: %w", err)
		default:
			seq, prev = last.Seq, last.Hash
		}
		// Microseconds: what PostgreSQL keeps, so the MAC survives the
		// round trip.
		at := l.now().UTC().Truncate(time.Microsecond)
		rows := make([]Entry, len(entries))
		for i, e := range entries {
			seq++
			e.Seq, e.PrevHash, e.At, e.KeyID = seq, prev, at, l.current
			e.Hash = computeMAC(l.keys[l.current], &e)
			rows[i], prev = e, e.Hash
		}
		if err := tx.CreateInBatches(rows, 200).Error; err != nil {
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
	// Entries is how many entries were checked; Legacy how many of them
	// are unkeyed entries from before the chain was keyed.
	Entries, Legacy int64
	// KeyIDs lists the key ids the entries were MACed with, in order of
	// first use.
	KeyIDs []string
	// Anchors is how many anchors were checked; AnchoredSeq the largest
	// sequence number among them.
	Anchors     int
	AnchoredSeq int64
	// FirstBad is the Seq of the first entry that does not check out, or 0.
	FirstBad int64
	Reason   string
}

// Verify walks the whole chain in order and checks every MAC and link, and
// every anchor: the entry an anchor names must exist with exactly its MAC
// and key id, so the table may not end before the newest anchor. It
// returns ErrTampered (wrapped, with the first bad entry) when the chain
// is broken or disagrees with an anchor, and ErrUnknownKey when an entry
// names a key this log lacks.
//
// Unkeyed (legacy) entries are accepted only before the first keyed entry
// and at or before the earliest anchor, which vouches for them: without
// anchors, an unkeyed entry fails.
func (l *Log) Verify(ctx context.Context, anchors ...Anchor) (Report, error) {
	rep := Report{Anchors: len(anchors)}
	w := walk{prev: genesis, anchors: map[int64][]Anchor{}}
	var newest Anchor
	for i, a := range anchors {
		w.anchors[a.Seq] = append(w.anchors[a.Seq], a)
		if i == 0 || a.Seq < w.legacyUpTo {
			w.legacyUpTo = a.Seq
		}
		if a.Seq > newest.Seq {
			newest = a
		}
	}
	rep.AnchoredSeq = newest.Seq
	last, err := l.walk(ctx, &rep, w)
	if err != nil {
		return rep, err
	}
	if newest.Seq > last {
		rep.FirstBad = last + 1
		rep.Reason = fmt.Sprintf("the log ends at entry %d but %s records entry %d: the newest entries were deleted", last, newest.describe(), newest.Seq)
		return rep, fmt.Errorf("%w at entry %d: %s", ErrTampered, rep.FirstBad, rep.Reason)
	}
	return rep, nil
}

// walk is one pass over part of the chain: the entries after seq after
// (whose MAC is prev), up to seq upTo (0: to the end).
type walk struct {
	after, upTo int64
	prev        string
	// legacyUpTo allows unkeyed entries up to this seq, before the first
	// keyed one.
	legacyUpTo int64
	// anchors by seq: the entry there must have their MAC and key id.
	anchors map[int64][]Anchor
}

// walk returns the seq of the last entry it checked.
func (l *Log) walk(ctx context.Context, rep *Report, w walk) (int64, error) {
	prev, want, after := w.prev, w.after+1, w.after
	keyed := false
	seen := map[string]bool{}
	const batch = 1000
	for {
		var rows []Entry
		q := l.db.WithContext(ctx).Where("seq > ?", after)
		if w.upTo > 0 {
			q = q.Where("seq <= ?", w.upTo)
		}
		if err := q.Order("seq").Limit(batch).Find(&rows).Error; err != nil {
			return after, fmt.Errorf("audit: verify: %w", err)
		}
		for i := range rows {
			e := &rows[i]
			bad := l.check(e, want, prev, keyed || e.Seq > w.legacyUpTo)
			for _, a := range w.anchors[e.Seq] {
				if bad == nil && (a.MAC != e.Hash || a.KeyID != e.KeyID) {
					bad = &badEntry{ErrTampered, e.Seq, fmt.Sprintf("it differs from %s", a.describe())}
				}
			}
			if bad != nil {
				rep.FirstBad, rep.Reason = bad.seq, bad.reason
				return after, fmt.Errorf("%w at entry %d: %s", bad.kind, bad.seq, bad.reason)
			}
			if e.KeyID == "" {
				rep.Legacy++
			} else {
				keyed = true
				if !seen[e.KeyID] {
					seen[e.KeyID] = true
					rep.KeyIDs = append(rep.KeyIDs, e.KeyID)
				}
			}
			rep.Entries++
			prev, want, after = e.Hash, e.Seq+1, e.Seq
		}
		if len(rows) < batch {
			return after, nil
		}
	}
}

// badEntry says why an entry does not check out.
type badEntry struct {
	kind   error
	seq    int64
	reason string
}

// check checks one entry: its place (want), its link (prev) and its MAC,
// or, for an unkeyed entry, that one is allowed here (noLegacy false) and
// its hash.
func (l *Log) check(e *Entry, want int64, prev string, noLegacy bool) *badEntry {
	switch {
	case e.Seq != want:
		return &badEntry{ErrTampered, want, fmt.Sprintf("entry %d is missing", want)}
	case e.PrevHash != prev:
		return &badEntry{ErrTampered, e.Seq, "does not link to the entry before it"}
	case e.KeyID == "" && noLegacy:
		return &badEntry{ErrTampered, e.Seq, "an unkeyed entry where only keyed ones may be (unkeyed entries from before the chain was keyed are accepted only before the first keyed entry and at or before the earliest anchor, which vouches for them)"}
	case e.KeyID == "":
		if computeHash(e) != e.Hash {
			return &badEntry{ErrTampered, e.Seq, "its content does not match its hash"}
		}
		return nil
	}
	key, ok := l.keys[e.KeyID]
	if !ok {
		return &badEntry{ErrUnknownKey, e.Seq, fmt.Sprintf("it is MACed with key id %q, which is not configured", e.KeyID)}
	}
	if !hmac.Equal([]byte(computeMAC(key, e)), []byte(e.Hash)) {
		return &badEntry{ErrTampered, e.Seq, "its content does not match its MAC"}
	}
	return nil
}
