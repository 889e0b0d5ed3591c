// Package e2e runs Haven's visitor site in headless Chromium against the
// real haven binary: keyboard-only self-tests in both languages, the same
// without JavaScript, and an axe-core accessibility audit of every page
// with screenshots at phone and desktop widths.
//
// It needs Chromium ($HAVEN_CHROMIUM or /usr/bin/chromium) and axe-core
// (`npm ci --prefix frontend/e2e`). Without them the tests skip, or fail
// when $CI is set. Screenshots go to $HAVEN_TEST_OUTPUT/screenshots, by
// default test-output/screenshots at the repository root. -short skips the
// suite.
package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var (
	baseURL    string // the haven server
	skipReason string
	axeSource  string
	outDir     string
	browserCtx context.Context
	// havenBin and havenEnv run the binary's other commands (admin create)
	// against the server's database.
	havenBin string
	havenEnv []string
	// havenDataDir is the server's data directory (its SQLite database and
	// generated keys): a test can build the domain services on the same
	// database to set up what it needs (guidedcare_test.go).
	havenDataDir string
)

func TestMain(m *testing.M) {
	flag.Parse()
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	code, err := runTests(m)
	// Outside CI a missing browser or npm package skips every test (in CI
	// need fails them): say so in one line. (`make test` says it too, as
	// `go test ./...` shows a passing package's output only with -v.)
	if skipReason != "" && !testing.Short() && os.Getenv("CI") == "" {
		fmt.Println("e2e: browser tests SKIPPED: " + skipReason + "; run `make e2e-deps`, then `make test`")
	}
	return code, err
}

func runTests(m *testing.M) (int, error) {
	if testing.Short() {
		skipReason = "-short: the browser tests are skipped"
		return m.Run(), nil
	}
	chromium := os.Getenv("HAVEN_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		skipReason = fmt.Sprintf("Chromium not found at %s (set HAVEN_CHROMIUM, or apt-get install chromium)", chromium)
		return m.Run(), nil
	}
	axe, err := os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		skipReason = "axe-core not installed: run `npm ci --prefix frontend/e2e`"
		return m.Run(), nil
	}
	axeSource = string(axe)

	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return 0, err
	}
	outDir = os.Getenv("HAVEN_TEST_OUTPUT")
	if outDir == "" {
		outDir = filepath.Join(root, "test-output")
	}
	// Created once, before any test (they run in parallel) writes into it.
	if err := os.MkdirAll(filepath.Join(outDir, "screenshots"), 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp("", "haven-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)

	// The real binary, as it is deployed.
	bin := filepath.Join(tmp, "haven")
	build := exec.Command("go", "build", "-o", bin, "./cmd/haven")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return 0, fmt.Errorf("build haven: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return 0, err
	}
	baseURL = "http://" + addr
	srv := exec.Command(bin, "serve")
	srv.Env = append(cleanEnv(),
		"HAVEN_ADDR="+addr,
		"HAVEN_DATA_DIR="+filepath.Join(tmp, "data"),
		"HAVEN_LOG_LEVEL=warn",
		"HAVEN_DEFAULT_LANGUAGE=nl",
		// As behind a reverse proxy: the account tests give each browser
		// context its own X-Forwarded-For, so the per-source sign-up
		// limit counts each like a different visitor (fromSource).
		"HAVEN_TRUSTED_PROXIES=127.0.0.1",
		// Lessons open at once: the journeys here run on the real clock
		// and do several lessons in a row. The course's own rhythm (a week)
		// is tested with a moved clock (TestPacingInTheBrowser).
		"HAVEN_SELFHELP_LESSON_DAYS=0",
	)
	havenBin, havenEnv, havenDataDir = bin, srv.Env, filepath.Join(tmp, "data")
	srv.Stdout, srv.Stderr = os.Stderr, os.Stderr
	if err := srv.Start(); err != nil {
		return 0, fmt.Errorf("start haven: %w", err)
	}
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = srv.Process.Kill()
		}
	}()
	if err := waitReady(baseURL+"/readyz", 30*time.Second); err != nil {
		return 0, err
	}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "en-GB"),
		chromedp.UserDataDir(filepath.Join(tmp, "chromium")),
	)
	defer cancelAlloc()
	var cancelBrowser context.CancelFunc
	browserCtx, cancelBrowser = chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browserCtx); err != nil {
		return 0, fmt.Errorf("start chromium: %w", err)
	}
	return m.Run(), nil
}

// need skips (or, in CI, fails) a test when the browser or axe is missing.
func need(t *testing.T) {
	t.Helper()
	if skipReason == "" {
		return
	}
	if os.Getenv("CI") != "" && !testing.Short() {
		t.Fatal(skipReason)
	}
	t.Skip(skipReason)
}

// cleanEnv is the environment without Haven's and the database's own
// variables, so the server always runs on its own SQLite file.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "HAVEN_") || strings.HasPrefix(kv, "DATABASE_URL=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("haven did not become ready at " + url)
}

// newTab opens a tab in the shared browser, closed at the end of the test.
func newTab(t *testing.T) context.Context {
	t.Helper()
	return newTabWithin(t, 90*time.Second)
}

// newTabWithin is newTab with a time budget of its own, for a tab that
// visits many pages (the audit grows with the site: its budget is per page,
// so a slower machine or a longer list does not fail it for want of time).
func newTabWithin(t *testing.T, budget time.Duration) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, budget)
	t.Cleanup(cancelT)
	return ctx
}
