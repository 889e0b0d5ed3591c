package audit

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// An anchor is the head of the chain (the newest entry's sequence number,
// MAC and key id) at one moment, kept outside the database. The keyed
// chain shows any change to the entries it holds, but not that the newest
// ones were deleted: what is left is a whole chain. An anchor shows it, and
// it also vouches for the unkeyed entries before it, since its MAC commits
// to every entry before it.
//
// The audit-anchor job (Log.Anchor) writes anchors to the structured log
// (message AnchorLogMessage, fields Anchor.Attrs) and appends them as JSON
// lines to an AnchorFile; ParseAnchors reads both back for Verify.
type Anchor struct {
	Seq        int64     `json:"seq"`
	MAC        string    `json:"mac"`
	KeyID      string    `json:"kid"`
	EntryAt    time.Time `json:"entry_at"`
	AnchoredAt time.Time `json:"anchored_at"`
	// Source says where the anchor was read ("file:line"), for messages.
	Source string `json:"-"`
}

// AnchorLogMessage is the message of the structured log line that carries
// an anchor.
const AnchorLogMessage = "audit anchor"

// Attrs are the anchor as structured log fields, under the names
// ParseAnchors reads back.
func (a Anchor) Attrs() []slog.Attr {
	return []slog.Attr{
		slog.Int64("seq", a.Seq), slog.String("mac", a.MAC), slog.String("kid", a.KeyID),
		slog.Time("entry_at", a.EntryAt), slog.Time("anchored_at", a.AnchoredAt),
	}
}

func (a Anchor) describe() string {
	s := fmt.Sprintf("the anchor of entry %d", a.Seq)
	if !a.AnchoredAt.IsZero() {
		s += " written " + a.AnchoredAt.UTC().Format(time.RFC3339)
	}
	if a.Source != "" {
		s += " (" + a.Source + ")"
	}
	return s
}

// Head returns the newest entry as an anchor (Seq 0 for an empty log).
func (l *Log) Head(ctx context.Context) (Anchor, error) {
	var e Entry
	err := l.db.WithContext(ctx).Order("seq DESC").Limit(1).Take(&e).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return Anchor{}, nil
	case err != nil:
		return Anchor{}, fmt.Errorf("audit: read chain head: %w", err)
	}
	return Anchor{Seq: e.Seq, MAC: e.Hash, KeyID: e.KeyID, EntryAt: e.At.UTC()}, nil
}

// Anchor appends the chain head to f unless it has not moved since f's
// last anchor, and returns it and whether it wrote it. Before writing it
// checks the chain against that last anchor: the anchored entry must still
// be there with its MAC, and every entry after it must link to it and
// check out under the keys. When not, it writes nothing and returns
// ErrTampered (or ErrUnknownKey), so a deletion between two runs raises
// the alarm at the next run.
func (l *Log) Anchor(ctx context.Context, f *AnchorFile, now time.Time) (Anchor, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	last, have, err := f.last()
	if err != nil {
		return Anchor{}, false, err
	}
	head, err := l.Head(ctx)
	if err != nil {
		return Anchor{}, false, err
	}
	if have {
		var e Entry
		err := l.db.WithContext(ctx).Where("seq = ?", last.Seq).Take(&e).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			return Anchor{}, false, fmt.Errorf("%w: entry %d is gone although %s records it; the log ends at entry %d", ErrTampered, last.Seq, last.describe(), head.Seq)
		case err != nil:
			return Anchor{}, false, fmt.Errorf("audit: anchor: %w", err)
		case e.Hash != last.MAC || e.KeyID != last.KeyID:
			return Anchor{}, false, fmt.Errorf("%w at entry %d: it differs from %s", ErrTampered, last.Seq, last.describe())
		}
		if head.Seq == last.Seq {
			return last, false, nil
		}
		var rep Report
		if _, err := l.walk(ctx, &rep, walk{after: last.Seq, upTo: head.Seq, prev: last.MAC}); err != nil {
			return Anchor{}, false, err
		}
	}
	if head.Seq == 0 {
		return Anchor{}, false, nil
	}
	head.AnchoredAt = now.UTC()
	if err := f.append(head); err != nil {
		return Anchor{}, false, err
	}
	return head, true, nil
}

// AnchorFile is an append-only file of anchors, one JSON object a line.
// It should live on other storage than the database (or be shipped away
// by the log pipeline), or whoever rewrites the database rewrites it too.
type AnchorFile struct {
	path string
	mu   sync.Mutex // one Anchor at a time in this process
}

// NewAnchorFile returns the anchor file at path; it is created at the
// first anchor.
func NewAnchorFile(path string) *AnchorFile { return &AnchorFile{path: path} }

// Path is the file's path.
func (f *AnchorFile) Path() string { return f.path }

// tailBytes is how much of the file's end last reads: many lines.
const tailBytes = 16 << 10

// last returns the file's last anchor, reading only its end. A torn last
// line (a crash in mid-write: no final newline) is passed over.
func (f *AnchorFile) last() (Anchor, bool, error) {
	fh, err := os.Open(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return Anchor{}, false, nil
	}
	if err != nil {
		return Anchor{}, false, fmt.Errorf("audit: anchor file: %w", err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return Anchor{}, false, fmt.Errorf("audit: anchor file: %w", err)
	}
	start := max(fi.Size()-tailBytes, 0)
	buf := make([]byte, fi.Size()-start)
	if _, err := fh.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return Anchor{}, false, fmt.Errorf("audit: anchor file: %w", err)
	}
	text := string(buf)
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		text = text[:i] // drop a torn last line, if any
	} else {
		text = ""
	}
	lines := strings.Split(text, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if i == 0 && start > 0 {
			break // may be the end of a line that starts before the tail
		}
		if strings.TrimSpace(lines[i]) == "" {
			continue
		}
		a, ok, err := parseAnchorLine(lines[i])
		if err != nil {
			return Anchor{}, false, fmt.Errorf("audit: anchor file %s: its last line: %w", f.path, err)
		}
		if ok {
			return a, true, nil
		}
	}
	return Anchor{}, false, nil
}

// append adds a as one line, with a single write, and syncs it to disk.
func (f *AnchorFile) append(a Anchor) error {
	line, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("audit: anchor: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return fmt.Errorf("audit: anchor file: %w", err)
	}
	fh, err := os.OpenFile(f.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: anchor file: %w", err)
	}
	fi, err := fh.Stat()
	if err == nil && fi.Size() > 0 {
		end := make([]byte, 1)
		if _, err = fh.ReadAt(end, fi.Size()-1); err == nil && end[0] != '\n' {
			line = append([]byte{'\n'}, line...) // after a torn line
		}
	}
	if err == nil {
		_, err = fh.Write(append(line, '\n'))
	}
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("audit: write anchor to %s: %w", f.path, err)
	}
	if fi != nil && fi.Size() == 0 {
		syncDir(filepath.Dir(f.path)) // a new file: make its name durable too
	}
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every file system syncs directories
		_ = d.Close()
	}
}

// ReadAnchorFile reads the anchors in the file at path (see ParseAnchors).
func ReadAnchorFile(path string) ([]Anchor, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audit: anchors: %w", err)
	}
	defer fh.Close()
	return ParseAnchors(fh, path)
}

// ParseAnchors reads anchors, one a line: the JSON lines of an anchor
// file, and the structured log lines of the audit-anchor job in either
// slog format (JSON, or text as `msg="audit anchor" seq=… mac=… kid=…`),
// so a log archive can serve as the anchor sink. Other log lines are
// skipped; any other line is an error naming name and the line number.
func ParseAnchors(r io.Reader, name string) ([]Anchor, error) {
	var out []Anchor
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		a, ok, err := parseAnchorLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("audit: anchors: %s:%d: %w", name, n, err)
		}
		if ok {
			a.Source = fmt.Sprintf("%s:%d", name, n)
			out = append(out, a)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("audit: anchors: %s: %w", name, err)
	}
	return out, nil
}

// parseAnchorLine reads one line; ok is false for a log line that is not
// an anchor.
func parseAnchorLine(line string) (Anchor, bool, error) {
	var a Anchor
	switch {
	case strings.HasPrefix(strings.TrimSpace(line), "{"):
		var v struct {
			Anchor
			Msg  *string   `json:"msg"`
			Time time.Time `json:"time"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			return a, false, errors.New("not an anchor (invalid JSON)")
		}
		if v.Msg != nil && *v.Msg != AnchorLogMessage {
			return a, false, nil
		}
		a = v.Anchor
		if a.AnchoredAt.IsZero() {
			a.AnchoredAt = v.Time
		}
	case strings.Contains(line, `msg="`+AnchorLogMessage+`"`):
		kv, err := logfmt(line)
		if err != nil {
			return a, false, err
		}
		seq, err := strconv.ParseInt(kv["seq"], 10, 64)
		if err != nil {
			return a, false, errors.New("not an anchor (no seq)")
		}
		a = Anchor{Seq: seq, MAC: kv["mac"], KeyID: kv["kid"]}
		a.EntryAt, _ = time.Parse(time.RFC3339Nano, kv["entry_at"])
		if a.AnchoredAt, _ = time.Parse(time.RFC3339Nano, kv["anchored_at"]); a.AnchoredAt.IsZero() {
			a.AnchoredAt, _ = time.Parse(time.RFC3339Nano, kv["time"])
		}
	case strings.Contains(line, "time=") && strings.Contains(line, "msg="):
		return a, false, nil // another text log line
	default:
		return a, false, errors.New("not an anchor")
	}
	if a.Seq < 1 {
		return a, false, errors.New("not an anchor (seq must be at least 1)")
	}
	if b, err := hex.DecodeString(a.MAC); err != nil || len(b) != 32 {
		return a, false, errors.New("not an anchor (mac must be 64 hex digits)")
	}
	if len(a.KeyID) > maxKeyID {
		return a, false, errors.New("not an anchor (kid too long)")
	}
	return a, true, nil
}

// logfmt splits a slog text line into its key=value pairs (values quoted
// as strconv.Quote does when they need it).
func logfmt(line string) (map[string]string, error) {
	kv := map[string]string{}
	s := line
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return kv, nil
		}
		eq := strings.IndexByte(s, '=')
		sp := strings.IndexByte(s, ' ')
		if eq < 0 || (sp >= 0 && sp < eq) {
			// A word without "=" (a prefix such as a syslog header): skip.
			if sp < 0 {
				return kv, nil
			}
			s = s[sp:]
			continue
		}
		key, rest := s[:eq], s[eq+1:]
		var val string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return nil, fmt.Errorf("not an anchor (bad quoting of %s)", key)
			}
			val, _ = strconv.Unquote(q)
			rest = rest[len(q):]
		} else if i := strings.IndexByte(rest, ' '); i >= 0 {
			val, rest = rest[:i], rest[i:]
		} else {
			val, rest = rest, ""
		}
		kv[key] = val
		s = rest
	}
}
