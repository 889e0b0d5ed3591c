package audit_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
)

// Test keys: k1 and k2 stand for a key and its successor.
var (
	k1 = audit.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")}
	k2 = audit.Key{ID: "k2", Secret: []byte("fedcba9876543210fedcba9876543210")}
)

func newLog(t *testing.T) (*audit.Log, *db.DB) {
	t.Helper()
	d := dbtest.Open(t)
	return logWith(t, d, k1), d
}

// logWith is the audit log on d with keys, on a clock that ticks a second
// per entry.
func logWith(t *testing.T, d *db.DB, keys ...audit.Key) *audit.Log {
	t.Helper()
	now := time.Date(2026, 11, 3, 9, 0, 0, 123456789, time.UTC)
	clock := func() time.Time { now = now.Add(time.Second); return now }
	l, err := audit.NewLog(d.DB, audit.Options{Keys: keys, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func fill(t *testing.T, l *audit.Log, n int) {
	t.Helper()
	for i := range n {
		e := audit.Entry{ActorID: audit.Str("staff-1"), ActorRole: "clinician", SessionID: audit.Str("s-1"),
			SubjectID: audit.Str("client-1"), Action: audit.ActionClientRead, Object: "GET /api/v1/clients/:id",
			RequestID: "req-" + string(rune('a'+i)), Outcome: audit.OutcomeSuccess}
		if i%2 == 1 {
			e.SubjectID = audit.Str("client-2")
		}
		if err := l.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// dropGuards removes the append-only triggers and the rule that entries
// be keyed, as someone with full database rights could, so the test can
// tamper like they would.
func dropGuards(t *testing.T, d *db.DB) {
	t.Helper()
	stmts := []string{"DROP TRIGGER audit_entries_no_update", "DROP TRIGGER audit_entries_no_delete", "DROP TRIGGER audit_entries_keyed"}
	if d.Dialect == db.Postgres {
		stmts = []string{"DROP TRIGGER audit_entries_no_update ON audit_entries", "ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_keyed"}
	}
	for _, s := range stmts {
		if err := d.Exec(s).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func TestChainVerifies(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	rep, err := l.Verify(ctx)
	if err != nil || rep.Entries != 0 {
		t.Fatalf("empty log: %+v, %v", rep, err)
	}
	fill(t, l, 7)
	rep, err = l.Verify(ctx)
	if err != nil || rep.Entries != 7 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
	got, err := l.Find(ctx, audit.Filter{SubjectID: "client-2"})
	if err != nil || len(got) != 3 || got[0].Seq != 6 {
		t.Fatalf("Search by subject: %d entries, %v", len(got), err)
	}
	got, err = l.Find(ctx, audit.Filter{Before: 3, Limit: 10})
	if err != nil || len(got) != 2 {
		t.Fatalf("Search before 3: %d entries, %v", len(got), err)
	}
}

func TestAppendOnlyIsEnforcedByTheDatabase(t *testing.T) {
	l, d := newLog(t)
	fill(t, l, 2)
	if err := d.Exec("UPDATE audit_entries SET outcome = 'failure' WHERE seq = 1").Error; err == nil {
		t.Error("UPDATE of an audit entry succeeded")
	}
	if err := d.Exec("DELETE FROM audit_entries WHERE seq = 2").Error; err == nil {
		t.Error("DELETE of an audit entry succeeded")
	}
	// An entry without a key id, as a replica still running the unkeyed
	// version would write: refused, so it fails closed.
	unkeyed := audit.Entry{Seq: 3, At: time.Now().UTC(), ActorRole: "clinician", Action: audit.ActionClientRead,
		Object: "x", RequestID: "r", Outcome: audit.OutcomeSuccess, PrevHash: "p", Hash: "h"}
	if err := d.Create(&unkeyed).Error; err == nil {
		t.Error("INSERT of an unkeyed entry succeeded")
	}
}

func TestTamperingIsDetected(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		firstAt int64
	}{
		{"changed outcome", "UPDATE audit_entries SET outcome = 'denied' WHERE seq = 3", 3},
		{"changed subject", "UPDATE audit_entries SET subject_id = 'someone-else' WHERE seq = 4", 4},
		{"removed actor", "UPDATE audit_entries SET actor_id = NULL WHERE seq = 2", 2},
		{"deleted row", "DELETE FROM audit_entries WHERE seq = 3", 3},
		{"changed time", "UPDATE audit_entries SET at = at + INTERVAL '1 hour' WHERE seq = 5", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, d := newLog(t)
			fill(t, l, 6)
			dropGuards(t, d)
			sql := tt.sql
			if d.Dialect == db.SQLite && tt.name == "changed time" {
				sql = "UPDATE audit_entries SET at = datetime(at, '+1 hour') WHERE seq = 5"
			}
			if err := d.Exec(sql).Error; err != nil {
				t.Fatal(err)
			}
			rep, err := l.Verify(context.Background())
			if !errors.Is(err, audit.ErrTampered) || rep.FirstBad != tt.firstAt {
				t.Fatalf("Verify = %+v, %v; want tampering at %d", rep, err, tt.firstAt)
			}
		})
	}
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			var err error
			for j := 0; j < 5 && err == nil; j++ {
				err = l.Append(ctx, audit.Entry{ActorRole: "clinician", Action: audit.ActionClientRead, Object: "x", RequestID: string(rune('a' + i)), Outcome: audit.OutcomeSuccess})
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	rep, err := l.Verify(ctx)
	if err != nil || rep.Entries != 40 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
}

// Even an attacker who has the key, changes a row and recomputes its MAC
// breaks the link from the next row.
func TestRehashedRowIsDetectedByItsSuccessor(t *testing.T) {
	l, d := newLog(t)
	fill(t, l, 4)
	dropGuards(t, d)
	var e audit.Entry
	if err := d.Where("seq = 2").Take(&e).Error; err != nil {
		t.Fatal(err)
	}
	e.Outcome = audit.OutcomeDenied
	e.At = e.At.UTC()
	e.Hash = audit.ComputeMAC(k1.Secret, &e)
	if err := d.Model(&audit.Entry{}).Where("seq = 2").Updates(map[string]any{"outcome": e.Outcome, "hash": e.Hash}).Error; err != nil {
		t.Fatal(err)
	}
	rep, err := l.Verify(context.Background())
	if !errors.Is(err, audit.ErrTampered) || rep.FirstBad != 3 {
		t.Fatalf("Verify = %+v, %v; want the break at 3", rep, err)
	}
}

// rewriteHistory plays the attacker of issue 9, who has the database
// owner's rights: delete entry gone, renumber every later entry one down,
// and re-create every entry from seq from (≤ gone) on with forge, which
// gives it a new hash (and may change its key id), linked to the one
// before, so the chain is whole again.
func rewriteHistory(t *testing.T, d *db.DB, gone, from int64, forge func(*audit.Entry)) {
	t.Helper()
	var rows []audit.Entry
	if err := d.Where("seq >= ?", from-1).Order("seq").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if err := d.Exec("DELETE FROM audit_entries WHERE seq >= ?", from).Error; err != nil {
		t.Fatal(err)
	}
	link := "0000000000000000000000000000000000000000000000000000000000000000"
	if from > 1 {
		link, rows = rows[0].Hash, rows[1:]
	}
	for _, e := range rows {
		switch {
		case e.Seq == gone:
			continue
		case e.Seq > gone:
			e.Seq--
		}
		e.At = e.At.UTC()
		e.PrevHash = link
		forge(&e)
		link = e.Hash
		if err := d.Create(&e).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// plainSHA256 forges an entry's hash the way the unkeyed chain computed it.
func plainSHA256(e *audit.Entry) { e.Hash = audit.ComputeHash(e) }

// TestRewrittenHistoryIsDetected is the attack from issue 9: delete an
// entry in the middle, renumber the later ones and recompute every hash
// with plain SHA-256, as the unkeyed chain did.
func TestRewrittenHistoryIsDetected(t *testing.T) {
	l, d := newLog(t)
	fill(t, l, 6)
	dropGuards(t, d)
	rewriteHistory(t, d, 3, 3, plainSHA256)
	rep, err := l.Verify(context.Background())
	if !errors.Is(err, audit.ErrTampered) || rep.FirstBad != 3 {
		t.Fatalf("Verify = %+v, %v; want the rewritten history detected at 3", rep, err)
	}
}

// TestRewrittenHistoryWithoutTheKeyIsDetected is the same attack by
// someone who knows how the chain is built but not the key: whatever they
// put in place of the MACs, the entries do not check out.
func TestRewrittenHistoryWithoutTheKeyIsDetected(t *testing.T) {
	guess := []byte("an attacker's own 32-byte key!!!")
	tests := []struct {
		name   string
		forge  func(*audit.Entry)
		reason string
	}{
		{"HMAC under a key of their own, same key id", func(e *audit.Entry) { e.Hash = audit.ComputeMAC(guess, e) }, "does not match its MAC"},
		{"HMAC under a key of their own, new key id", func(e *audit.Entry) { e.KeyID = "k9"; e.Hash = audit.ComputeMAC(guess, e) }, `key id "k9"`},
		{"unkeyed SHA-256 with the key id removed", func(e *audit.Entry) { e.KeyID = ""; e.Hash = audit.ComputeHash(e) }, "an unkeyed entry where only keyed ones may be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, d := newLog(t)
			fill(t, l, 6)
			dropGuards(t, d)
			rewriteHistory(t, d, 3, 3, tt.forge)
			rep, err := l.Verify(context.Background())
			if err == nil || rep.FirstBad != 3 || !strings.Contains(rep.Reason, tt.reason) {
				t.Fatalf("Verify = %+v, %v; want a failure at 3 saying %q", rep, err, tt.reason)
			}
		})
	}
}

// TestKeyRotation: entries under k1, then under k2 with k1 still
// configured, verify; without k1 verification names it, and a log whose
// newest key is missing refuses to be used (CheckKeys).
func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	fill(t, logWith(t, d, k1), 3)
	rotated := logWith(t, d, k2, k1)
	if err := rotated.CheckKeys(ctx); err != nil {
		t.Fatalf("CheckKeys after rotation: %v", err)
	}
	fill(t, rotated, 3)
	rep, err := rotated.Verify(ctx)
	if err != nil || rep.Entries != 6 || !slices.Equal(rep.KeyIDs, []string{"k1", "k2"}) {
		t.Fatalf("Verify with both keys = %+v, %v", rep, err)
	}
	var kids []string
	d.Model(&audit.Entry{}).Order("seq").Pluck("key_id", &kids)
	if !slices.Equal(kids, []string{"k1", "k1", "k1", "k2", "k2", "k2"}) {
		t.Errorf("key ids stored: %v", kids)
	}

	withoutK1 := logWith(t, d, k2)
	rep, err = withoutK1.Verify(ctx)
	if !errors.Is(err, audit.ErrUnknownKey) || rep.FirstBad != 1 || !strings.Contains(err.Error(), `"k1"`) {
		t.Errorf("Verify without k1 = %+v, %v; want entry 1 naming k1", rep, err)
	}
	if err := withoutK1.CheckKeys(ctx); err != nil {
		t.Errorf("CheckKeys with the newest key: %v", err)
	}
	err = logWith(t, d, k1).CheckKeys(ctx)
	if !errors.Is(err, audit.ErrUnknownKey) || !strings.Contains(err.Error(), `"k2"`) {
		t.Errorf("CheckKeys without the newest key = %v; want it named", err)
	}
	if kid, err := audit.NewestKeyID(ctx, d.DB); kid != "k2" || err != nil {
		t.Errorf("NewestKeyID = %q, %v", kid, err)
	}
}

func TestNewLogRejectsBadKeys(t *testing.T) {
	tests := map[string][]audit.Key{
		"no keys":      nil,
		"short secret": {{ID: "k1", Secret: []byte("too short")}},
		"empty id":     {{ID: "", Secret: k1.Secret}},
		"long id":      {{ID: strings.Repeat("k", 33), Secret: k1.Secret}},
		"duplicate id": {k1, {ID: "k1", Secret: k2.Secret}},
	}
	for name, keys := range tests {
		if _, err := audit.NewLog(nil, audit.Options{Keys: keys, Now: time.Now}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestLegacyEntriesBeforeTheKeyedChain upgrades a log written by the
// unkeyed version: its entries keep their SHA-256 hashes, and the keyed
// chain continues from the last of them.
func TestLegacyEntriesBeforeTheKeyedChain(t *testing.T) {
	ctx := context.Background()
	d := dbtest.OpenUnmigrated(t)
	if err := db.Migrator(ctx, d).MigrateTo("0012_visits"); err != nil {
		t.Fatal(err)
	}
	writeLegacy(t, d, 3)
	dbtest.Migrated(t, d)
	l := logWith(t, d, k1)
	if err := l.CheckKeys(ctx); err != nil {
		t.Fatalf("CheckKeys on a legacy log: %v", err)
	}
	fill(t, l, 2)
	// Nothing outside the database vouches for the unkeyed entries yet.
	rep, err := l.Verify(ctx)
	if !errors.Is(err, audit.ErrTampered) || rep.FirstBad != 1 {
		t.Fatalf("Verify without an anchor = %+v, %v; want entry 1 refused", rep, err)
	}
	// The first anchor, taken after the upgrade, does.
	f := audit.NewAnchorFile(filepath.Join(t.TempDir(), "anchors"))
	if _, wrote, err := l.Anchor(ctx, f, time.Now()); err != nil || !wrote {
		t.Fatalf("Anchor = %v, %v", wrote, err)
	}
	anchors := readAnchors(t, f)
	rep, err = l.Verify(ctx, anchors...)
	if err != nil || rep.Entries != 5 || rep.Legacy != 3 || rep.Anchors != 1 {
		t.Fatalf("Verify = %+v, %v; want 5 entries, 3 of them legacy, 1 anchor", rep, err)
	}
	// Unkeyed entries after it are not accepted, even before any keyed one.
	d2 := dbtest.OpenUnmigrated(t)
	if err := db.Migrator(ctx, d2).MigrateTo("0012_visits"); err != nil {
		t.Fatal(err)
	}
	writeLegacy(t, d2, 4)
	dbtest.Migrated(t, d2)
	l2 := logWith(t, d2, k1)
	rep, err = l2.Verify(ctx, audit.Anchor{Seq: 2, MAC: legacyHashAt(t, d2, 2)})
	if !errors.Is(err, audit.ErrTampered) || rep.FirstBad != 3 {
		t.Fatalf("Verify with unkeyed entries after the anchor = %+v, %v; want entry 3 refused", rep, err)
	}
}

func legacyHashAt(t *testing.T, d *db.DB, seq int64) string {
	t.Helper()
	var e audit.Entry
	if err := d.Where("seq = ?", seq).Take(&e).Error; err != nil {
		t.Fatal(err)
	}
	return e.Hash
}

// writeLegacy appends n entries as the unkeyed version did, to a table
// without the key_id column.
func writeLegacy(t *testing.T, d *db.DB, n int) {
	t.Helper()
	prev := "0000000000000000000000000000000000000000000000000000000000000000"
	at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	for i := range n {
		e := audit.Entry{Seq: int64(i + 1), At: at.Add(time.Duration(i) * time.Minute), ActorID: audit.Str("staff-1"),
			ActorRole: "clinician", SubjectID: audit.Str("client-1"), Action: audit.ActionClientRead, Object: "GET /x",
			RequestID: "legacy", Outcome: audit.OutcomeSuccess, PrevHash: prev}
		e.Hash = audit.ComputeHash(&e)
		prev = e.Hash
		if err := d.Omit("KeyID").Create(&e).Error; err != nil {
			t.Fatal(err)
		}
	}
}
