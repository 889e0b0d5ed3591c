package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
)

// faultServer is the real handler (API and web) on services whose
// database a test can make fail, with short deadlines.
type faultServer struct {
	t       *testing.T
	handler http.Handler
}

const (
	faultRequestTimeout = time.Second
	faultReadyTimeout   = 300 * time.Millisecond
)

func newFaultServer(t *testing.T, d *db.DB) *faultServer {
	t.Helper()
	svcs := wiretest.NewOn(t, d)
	cfg := config{DefaultLanguage: "en", MaxBodyBytes: 64 << 10,
		Faults: faultConfig{RequestTimeout: faultRequestTimeout, ReadyTimeout: faultReadyTimeout}}
	h, err := newHandler(cfg, svcs, &readiness{db: d}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return &faultServer{t: t, handler: h}
}

func phq9JSON() string {
	var answers []string
	for i := 1; i <= 9; i++ {
		answers = append(answers, fmt.Sprintf(`{"item":"phq9_%d","value":1}`, i))
	}
	return `{"language":"en","answers":[` + strings.Join(answers, ",") + `]}`
}

func phq9Form() string {
	f := url.Values{}
	for i := 1; i <= 9; i++ {
		f.Set(fmt.Sprintf("phq9_%d", i), "1")
	}
	return f.Encode()
}

// the requests every fault is tried with: the API's self-test submit,
// the web's self-test form, and /readyz.
type faultRequest struct {
	name, method, path, ctype, body string
	ok                              int
	within                          time.Duration
}

var faultRequests = []faultRequest{
	{"api submit", "POST", "/api/v1/selftest/instruments/phq9/submissions", "application/json", phq9JSON(), http.StatusCreated, faultRequestTimeout},
	{"web submit", "POST", "/en/selftest/phq9", "application/x-www-form-urlencoded", phq9Form(), http.StatusSeeOther, faultRequestTimeout},
	{"readyz", "GET", "/readyz", "", "", http.StatusOK, faultReadyTimeout},
}

func (f *faultServer) do(r faultRequest) (*httptest.ResponseRecorder, time.Duration) {
	var req *http.Request
	if r.body != "" {
		req = httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
		req.Header.Set("Content-Type", r.ctype)
	} else {
		req = httptest.NewRequest(r.method, r.path, nil)
	}
	w := httptest.NewRecorder()
	start := time.Now()
	f.handler.ServeHTTP(w, req)
	return w, time.Since(start)
}

// expectUnavailable checks every request answers 503 unavailable with
// Retry-After — JSON for the API and /readyz, the friendly page for the
// web — within its deadline (plus scheduling slack), never 500.
func (f *faultServer) expectUnavailable(fault string) {
	f.t.Helper()
	for _, r := range faultRequests {
		w, took := f.do(r)
		if w.Code != http.StatusServiceUnavailable {
			f.t.Errorf("%s, %s: %d after %v, want 503\n%.300s", fault, r.name, w.Code, took, w.Body.String())
			continue
		}
		if took > r.within+time.Second {
			f.t.Errorf("%s, %s: answered after %v, want within its %v deadline", fault, r.name, took, r.within)
		}
		if w.Header().Get("Retry-After") == "" {
			f.t.Errorf("%s, %s: 503 without Retry-After", fault, r.name)
		}
		if strings.HasPrefix(r.path, "/en/") {
			if !strings.Contains(w.Body.String(), "<html lang=\"en\"") || !strings.Contains(w.Body.String(), "try again") {
				f.t.Errorf("%s, %s: not the friendly 503 page:\n%.300s", fault, r.name, w.Body.String())
			}
			continue
		}
		var body struct {
			Error struct{ Code, Message, RequestID string } `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code != "unavailable" || body.Error.Message == "" {
			f.t.Errorf("%s, %s: not the JSON error shape with code unavailable: %s", fault, r.name, w.Body.String())
		}
	}
}

func (f *faultServer) expectWorking(when string) {
	f.t.Helper()
	for _, r := range faultRequests {
		// A pool may need a moment to replace connections a cut closed.
		var w *httptest.ResponseRecorder
		for range 20 {
			if w, _ = f.do(r); w.Code == r.ok {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if w.Code != r.ok {
			f.t.Errorf("%s, %s: %d, want %d\n%.300s", when, r.name, w.Code, r.ok, w.Body.String())
		}
	}
}

// TestPostgresFaultsAnswer503InTime runs the API, the web and /readyz on
// PostgreSQL through a proxy that stalls, cuts and slows the connection:
// each fault answers 503 unavailable with Retry-After within the request's
// (or /readyz's) deadline, and each recovery answers normally again.
// Before deadlines, a stalled database hung every request for the whole
// stall and /readyz hung, then answered 200; a cut answered 500.
func TestPostgresFaultsAnswer503InTime(t *testing.T) {
	base := dbtest.PostgresBase(t)
	d, proxy := dbtest.OpenPostgresVia(t, base, db.Config{MaxOpenConns: 4, ConnectTimeout: time.Second})
	f := newFaultServer(t, d)
	f.expectWorking("before any fault")

	proxy.Stall()
	f.expectUnavailable("database stalled")
	proxy.Restore()
	f.expectWorking("after the stall")

	// A signed-in visitor: the session check needs the database.
	signup := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/auth/signup", strings.NewReader(`{"nickname":"outage","password":"lange zin als wachtwoord"}`))
	req.Header.Set("Content-Type", "application/json")
	f.handler.ServeHTTP(signup, req)
	var out struct {
		Session struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		} `json:"session"`
	}
	if err := json.Unmarshal(signup.Body.Bytes(), &out); err != nil || out.Session.AccessToken == "" {
		t.Fatalf("sign-up: %d %s", signup.Code, signup.Body.String())
	}
	account := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/en/account", nil)
		req.AddCookie(&http.Cookie{Name: "__Host-haven_access", Value: out.Session.AccessToken})
		req.AddCookie(&http.Cookie{Name: "__Host-haven_refresh", Value: out.Session.RefreshToken})
		w := httptest.NewRecorder()
		f.handler.ServeHTTP(w, req)
		return w
	}

	proxy.Cut()
	f.expectUnavailable("database cut")
	if w := account(); w.Code != http.StatusServiceUnavailable || len(w.Result().Cookies()) > 0 {
		t.Errorf("a signed-in page with the database cut: %d, cookies %v; want 503 and the session kept", w.Code, w.Result().Cookies())
	}
	proxy.Restore()
	f.expectWorking("after the cut")
	if w := account(); w.Code != http.StatusOK {
		t.Errorf("the signed-in page after the cut: %d", w.Code)
	}

	// Two seconds per round trip: the requests would queue behind the pool
	// for far longer than their deadline.
	proxy.Slow(2 * time.Second)
	f.expectUnavailable("database slow")
	proxy.Restore()
	f.expectWorking("after the slowness")
}

// TestSQLiteStallAnswers503InTime: on SQLite a writer that holds the write
// lock stalls every other write (for the 10 s busy timeout) and /readyz's
// lock probe; both answer 503 within their deadlines instead.
func TestSQLiteStallAnswers503InTime(t *testing.T) {
	d := dbtest.OpenSQLite(t)
	dbtest.Migrated(t, d)
	f := newFaultServer(t, d)
	f.expectWorking("before any fault")
	sqlDB, _ := d.DB.DB()
	ctx := context.Background()
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	f.expectUnavailable("write lock held")
	_ = tx.Rollback()
	_ = conn.Close()
	f.expectWorking("after the lock is released")
}

// TestSQLiteCheckpointJob: the scheduled sqlite-checkpoint job empties the
// write-ahead log that self-test submissions filled (it only shrank at
// shutdown before).
func TestSQLiteCheckpointJob(t *testing.T) {
	d := dbtest.Migrated(t, dbtest.OpenSQLite(t))
	svcs := wiretest.NewOn(t, d)
	runner, err := svcs.Jobs(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	f := newFaultServer(t, d)
	for range 50 {
		if w, _ := f.do(faultRequests[0]); w.Code != http.StatusCreated {
			t.Fatalf("submit: %d %s", w.Code, w.Body.String())
		}
	}
	wal := d.Path + "-wal"
	if fi, err := os.Stat(wal); err != nil || fi.Size() == 0 {
		t.Fatalf("no write-ahead log to checkpoint: %v", err)
	}
	if err := runner.RunNow(context.Background(), "sqlite-checkpoint", time.Now()); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(wal); err != nil || fi.Size() != 0 {
		t.Errorf("write-ahead log after the job: %d bytes (%v), want 0", fi.Size(), err)
	}
}

// TestLostCommitAckIsNotDuplicated: the database commits a self-test but
// its acknowledgement is lost (the proxy cuts the connection as the COMMIT's
// answer comes back). The client sees 503 for a submission that is stored.
// Without a key its retry stores it a second time (the fault this guards
// against); with an Idempotency-Key the retry gets the stored result, and
// nothing more is stored.
func TestLostCommitAckIsNotDuplicated(t *testing.T) {
	base := dbtest.PostgresBase(t)
	d, proxy := dbtest.OpenPostgresVia(t, base, db.Config{MaxOpenConns: 4, ConnectTimeout: time.Second})
	f := newFaultServer(t, d)
	submit := func(key string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/v1/selftest/instruments/phq9/submissions", strings.NewReader(phq9JSON()))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		w := httptest.NewRecorder()
		f.handler.ServeHTTP(w, req)
		return w
	}
	stored := func() int64 {
		var n int64
		for range 20 { // the pool replaces the connections the cut closed
			if err := d.Table("selftest_submissions").Count(&n).Error; err == nil {
				return n
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatal("the database did not come back")
		return 0
	}

	// Without a key a submit is one statement (selftest's CTE), which
	// commits by itself: its answer is what gets lost.
	proxy.LoseNextAckOf("insert into selftest_claims")
	if w := submit(""); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("commit acknowledgement lost: %d %s, want 503", w.Code, w.Body.String())
	}
	proxy.Restore()
	if n := stored(); n != 1 {
		t.Fatalf("%d stored; the fault should leave the unacknowledged submission stored", n)
	}
	if w := submit(""); w.Code != http.StatusCreated {
		t.Fatal(w.Code)
	}
	if n := stored(); n != 2 {
		t.Fatalf("without a key the retry stored %d in all, want the duplicate (2)", n)
	}

	proxy.LoseNextCommitAck()
	if w := submit("retry-after-a-lost-ack"); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("with a key, commit acknowledgement lost: %d %s, want 503 with Retry-After", w.Code, w.Body.String())
	}
	proxy.Restore()
	if n := stored(); n != 3 {
		t.Fatalf("%d stored, want 3", n)
	}
	w := submit("retry-after-a-lost-ack")
	if w.Code != http.StatusCreated || w.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry with the key: %d %v %s, want the stored result replayed", w.Code, w.Header(), w.Body.String())
	}
	if n := stored(); n != 3 {
		t.Errorf("the retry with the key stored %d in all, want 3 (no duplicate)", n)
	}
}

// TestSQLiteFullDiskAnswers503: when the disk is full, writes answer 503
// unavailable with Retry-After (they answered 500), and /readyz fails once
// the data directory's free space is below HAVEN_SQLITE_MIN_FREE_MB (it
// answered 200). SQLite's max_page_count gives the very error a full file
// system gives (SQLITE_FULL); the free-space floor is set above what the
// test machine has.
func TestSQLiteFullDiskAnswers503(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := db.Open(ctx, db.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	dbtest.Migrated(t, d)
	f := newFaultServer(t, d)
	f.expectWorking("before the disk fills")
	sqlDB, _ := d.DB.DB()
	sqlDB.SetMaxOpenConns(1) // the pragma below is per connection
	var pages int
	if err := d.Raw("PRAGMA page_count").Scan(&pages).Error; err != nil {
		t.Fatal(err)
	}
	if err := d.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages)).Error; err != nil {
		t.Fatal(err)
	}
	// Submit until the pages the file has are used up: the first write
	// that needs another page meets the full disk.
	for _, r := range faultRequests[:2] {
		var w *httptest.ResponseRecorder
		for range 2000 {
			if w, _ = f.do(r); w.Code != r.ok {
				break
			}
		}
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("disk full, %s: %d %.200s, want 503 with Retry-After", r.name, w.Code, w.Body.String())
		}
	}

	full, err := db.Open(ctx, db.Config{DataDir: dir, MinFreeBytes: 1 << 62})
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	h, err := newHandler(config{DefaultLanguage: "en", MaxBodyBytes: 64 << 10, Faults: faultConfig{ReadyTimeout: time.Second}},
		wiretest.NewOn(t, d), &readiness{db: full}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz below the free-space floor: %d %s", w.Code, w.Body.String())
	}
}

// TestWebSelftestFormPostsOnce: the self-test form carries a key made when
// it is shown; the same form sent twice (a double click, or again after
// the 503 page) leads to the first result and stores one self-test, while
// the form sent again with a changed answer is a new self-test.
func TestWebSelftestFormPostsOnce(t *testing.T) {
	d := dbtest.Open(t)
	f := newFaultServer(t, d)
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, httptest.NewRequest("GET", "/en/selftest/phq9", nil))
	m := regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`).FindStringSubmatch(w.Body.String())
	if w.Code != 200 || m == nil {
		t.Fatalf("the form carries no key: %d", w.Code)
	}
	post := func(value string) string {
		form := url.Values{"idempotency_key": {m[1]}}
		for i := 1; i <= 9; i++ {
			form.Set(fmt.Sprintf("phq9_%d", i), value)
		}
		req := httptest.NewRequest("POST", "/en/selftest/phq9", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		f.handler.ServeHTTP(w, req)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("post: %d %.300s", w.Code, w.Body.String())
		}
		return w.Header().Get("Location")
	}
	stored := func() int64 {
		var n int64
		if err := d.Table("selftest_submissions").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	first, again := post("1"), post("1")
	if first != again || !strings.Contains(first, "/en/selftest/result/") || stored() != 1 {
		t.Errorf("the form sent twice: %s then %s, %d stored; want the first result and 1", first, again, stored())
	}
	if changed := post("2"); changed == first || stored() != 2 {
		t.Errorf("the form sent with other answers: %s, %d stored; want a new result", changed, stored())
	}
}
