package audit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/jobs"
)

func readAnchors(t *testing.T, f *audit.AnchorFile) []audit.Anchor {
	t.Helper()
	anchors, err := audit.ReadAnchorFile(f.Path())
	if err != nil {
		t.Fatal(err)
	}
	return anchors
}

func anchorLines(t *testing.T, f *audit.AnchorFile) int {
	t.Helper()
	b, err := os.ReadFile(f.Path())
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// TestDeletingTheNewestEntries: the chain left after deleting the newest
// entries is whole, so without an anchor nothing can show it (Verify
// passes, as this test records); with an anchor of the old head, Verify
// fails, and so does the next anchor run.
func TestDeletingTheNewestEntries(t *testing.T) {
	ctx := context.Background()
	l, d := newLog(t)
	fill(t, l, 6)
	f := audit.NewAnchorFile(filepath.Join(t.TempDir(), "audit-anchor.log"))
	if _, _, err := l.Anchor(ctx, f, time.Now()); err != nil {
		t.Fatal(err)
	}
	dropGuards(t, d)
	if err := d.Exec("DELETE FROM audit_entries WHERE seq >= 5").Error; err != nil {
		t.Fatal(err)
	}
	rep, err := l.Verify(ctx)
	if err != nil || rep.Entries != 4 {
		t.Fatalf("Verify without anchors = %+v, %v: a cut chain is whole, so only an anchor can show the cut", rep, err)
	}
	rep, err = l.Verify(ctx, readAnchors(t, f)...)
	if !errors.Is(err, audit.ErrTampered) || rep.FirstBad != 5 || !strings.Contains(rep.Reason, "ends at entry 4") || !strings.Contains(rep.Reason, "records entry 6") {
		t.Fatalf("Verify with the anchor = %+v, %v; want the cut after 4 shown", rep, err)
	}
	if _, wrote, err := l.Anchor(ctx, f, time.Now()); !errors.Is(err, audit.ErrTampered) || wrote {
		t.Errorf("Anchor after the cut = %v, %v; want ErrTampered and nothing written", wrote, err)
	}

	// The log goes on after the cut: new entries 5 and 6 take the deleted
	// ones' places, but not their MACs.
	fill(t, l, 3)
	rep, err = l.Verify(ctx, readAnchors(t, f)...)
	if !errors.Is(err, audit.ErrTampered) || rep.FirstBad != 6 || !strings.Contains(rep.Reason, "differs from the anchor of entry 6") {
		t.Fatalf("Verify after the log went on = %+v, %v; want entry 6 to differ from its anchor", rep, err)
	}
}

// TestRewritingTheWholeLogAsLegacy: someone without the key recomputes
// every entry as an unkeyed one (the hashes of the version before keys).
// Verify refuses unkeyed entries no anchor vouches for, and an anchor
// from before the rewrite disagrees with it.
func TestRewritingTheWholeLogAsLegacy(t *testing.T) {
	ctx := context.Background()
	l, d := newLog(t)
	fill(t, l, 6)
	f := audit.NewAnchorFile(filepath.Join(t.TempDir(), "audit-anchor.log"))
	if _, _, err := l.Anchor(ctx, f, time.Now()); err != nil {
		t.Fatal(err)
	}
	dropGuards(t, d)
	rewriteHistory(t, d, 3, 1, func(e *audit.Entry) { e.KeyID = ""; e.Hash = audit.ComputeHash(e) })
	rep, err := l.Verify(ctx)
	if !errors.Is(err, audit.ErrTampered) || rep.FirstBad != 1 || !strings.Contains(rep.Reason, "unkeyed") {
		t.Errorf("Verify without anchors = %+v, %v; want entry 1 refused as unkeyed", rep, err)
	}
	rep, err = l.Verify(ctx, readAnchors(t, f)...)
	if !errors.Is(err, audit.ErrTampered) {
		t.Errorf("Verify with the anchor = %+v, %v; want the rewrite shown", rep, err)
	}
	if _, _, err := l.Anchor(ctx, f, time.Now()); !errors.Is(err, audit.ErrTampered) {
		t.Errorf("Anchor after the rewrite = %v; want ErrTampered", err)
	}
}

// TestAnchorJob: one line per moved head, none while it stands still or
// the log is empty; the file is private; a change between two runs stops
// the next one.
func TestAnchorJob(t *testing.T) {
	ctx := context.Background()
	l, d := newLog(t)
	f := audit.NewAnchorFile(filepath.Join(t.TempDir(), "sub", "audit-anchor.log"))
	now := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	if _, wrote, err := l.Anchor(ctx, f, now); err != nil || wrote || anchorLines(t, f) != 0 {
		t.Fatalf("empty log: wrote %v, %v, %d lines", wrote, err, anchorLines(t, f))
	}
	fill(t, l, 3)
	a, wrote, err := l.Anchor(ctx, f, now)
	if err != nil || !wrote || a.Seq != 3 || a.KeyID != "k1" || len(a.MAC) != 64 {
		t.Fatalf("first anchor = %+v, %v, %v", a, wrote, err)
	}
	for range 2 {
		if _, wrote, err := l.Anchor(ctx, f, now.Add(5*time.Minute)); err != nil || wrote {
			t.Fatalf("unchanged head: wrote %v, %v", wrote, err)
		}
	}
	fill(t, l, 2)
	if a, wrote, err := l.Anchor(ctx, f, now.Add(10*time.Minute)); err != nil || !wrote || a.Seq != 5 {
		t.Fatalf("moved head = %+v, %v, %v", a, wrote, err)
	}
	anchors := readAnchors(t, f)
	if len(anchors) != 2 || anchors[0].Seq != 3 || anchors[1].Seq != 5 || !anchors[1].AnchoredAt.Equal(now.Add(10*time.Minute)) {
		t.Fatalf("anchors = %+v", anchors)
	}
	if fi, err := os.Stat(f.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("anchor file: %v, %v; want mode 0600", fi, err)
	}
	if rep, err := l.Verify(ctx, anchors...); err != nil || rep.Anchors != 2 || rep.AnchoredSeq != 5 {
		t.Errorf("Verify = %+v, %v", rep, err)
	}

	// An entry after the last anchor is changed: the next run refuses.
	fill(t, l, 1)
	dropGuards(t, d)
	if err := d.Exec("UPDATE audit_entries SET outcome = 'denied' WHERE seq = 6").Error; err != nil {
		t.Fatal(err)
	}
	if _, wrote, err := l.Anchor(ctx, f, now.Add(15*time.Minute)); !errors.Is(err, audit.ErrTampered) || wrote {
		t.Errorf("Anchor over a changed entry = %v, %v; want ErrTampered", wrote, err)
	}
	if anchorLines(t, f) != 2 {
		t.Errorf("%d lines after a refused run, want 2", anchorLines(t, f))
	}
}

// TestAnchorJobRunsOncePerSlot: two replicas (runners with their own
// anchor file handles on one database and one file) run the job for the
// same slot at once: one line. Two runs at once in one process: one line.
func TestAnchorJobRunsOncePerSlot(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	l := logWith(t, d, k1)
	fill(t, l, 4)
	path := filepath.Join(t.TempDir(), "audit-anchor.log")
	replica := func() *jobs.Runner {
		f := audit.NewAnchorFile(path)
		r, err := jobs.New(d.DB, slog.New(slog.DiscardHandler), jobs.Job{Name: "audit-anchor", Schedule: "*/5 * * * *",
			Run: func(ctx context.Context, now time.Time) error { _, _, err := l.Anchor(ctx, f, now); return err }})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := replica(), replica()
	slot := time.Date(2026, 11, 3, 10, 5, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for _, r := range []*jobs.Runner{a, b} {
		wg.Go(func() {
			if _, err := r.RunSlot(ctx, "audit-anchor", slot); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	f := audit.NewAnchorFile(path)
	if n := anchorLines(t, f); n != 1 {
		t.Fatalf("%d lines after two replicas ran one slot, want 1", n)
	}

	fill(t, l, 1)
	for range 4 {
		wg.Go(func() {
			if _, _, err := l.Anchor(ctx, f, slot); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := anchorLines(t, f); n != 2 {
		t.Fatalf("%d lines after four simultaneous runs on a moved head, want 2", n)
	}
}

// TestAnchorsFromTheLog: the job's structured log lines, in either slog
// format, read back as anchors, so a log archive is an anchor sink too;
// other log lines are skipped and anything else is refused with its line.
func TestAnchorsFromTheLog(t *testing.T) {
	a := audit.Anchor{Seq: 42, MAC: strings.Repeat("ab", 32), KeyID: "k 1", EntryAt: time.Date(2026, 11, 3, 9, 0, 0, 5000, time.UTC),
		AnchoredAt: time.Date(2026, 11, 3, 9, 5, 0, 0, time.UTC)}
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			log := slog.New(h(&b))
			log.Info("haven listening", "addr", ":8080")
			log.LogAttrs(context.Background(), slog.LevelInfo, audit.AnchorLogMessage, a.Attrs()...)
			log.Info("job ran", "job", "audit-anchor")
			got, err := audit.ParseAnchors(&b, "haven.log")
			if err != nil || len(got) != 1 {
				t.Fatalf("ParseAnchors = %+v, %v", got, err)
			}
			if g := got[0]; g.Seq != a.Seq || g.MAC != a.MAC || g.KeyID != a.KeyID || g.Source != "haven.log:2" || !g.AnchoredAt.Equal(a.AnchoredAt) {
				t.Errorf("anchor = %+v, want %+v", g, a)
			}
		})
	}
	for _, bad := range []string{
		"seq 42 mac abab",
		`{"seq": 42, "mac": "xyz", "kid": "k1"}`,
		`{"seq": 0, "mac": "` + strings.Repeat("ab", 32) + `"}`,
		`{"seq": 42, "mac": "` + strings.Repeat("ab", 32),
	} {
		_, err := audit.ParseAnchors(strings.NewReader("\n"+bad+"\n"), "anchors")
		if err == nil || !strings.Contains(err.Error(), "anchors:2") {
			t.Errorf("%q: err = %v, want one naming anchors:2", bad, err)
		}
	}
}

// TestAnchorFileSurvivesATornLine: a line cut short by a crash is passed
// over by the job, which starts its next line on a new line; Verify
// points at the torn line.
func TestAnchorFileSurvivesATornLine(t *testing.T) {
	ctx := context.Background()
	l, _ := newLog(t)
	fill(t, l, 2)
	f := audit.NewAnchorFile(filepath.Join(t.TempDir(), "audit-anchor.log"))
	if _, _, err := l.Anchor(ctx, f, time.Now()); err != nil {
		t.Fatal(err)
	}
	fh, err := os.OpenFile(f.Path(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fh.WriteString(`{"seq":3,"mac":"ab`)
	_ = fh.Close()
	fill(t, l, 1)
	if a, wrote, err := l.Anchor(ctx, f, time.Now()); err != nil || !wrote || a.Seq != 3 {
		t.Fatalf("Anchor after a torn line = %+v, %v, %v", a, wrote, err)
	}
	_, err = audit.ReadAnchorFile(f.Path())
	if err == nil || !strings.Contains(err.Error(), "audit-anchor.log:2") {
		t.Errorf("ReadAnchorFile = %v; want the torn line 2 named", err)
	}
}
