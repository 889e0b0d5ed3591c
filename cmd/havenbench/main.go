// Command havenbench is Haven's load harness (`make bench-load`): it
// starts Haven (on PostgreSQL and on SQLite) and the baseline
// (bench/baseline: net/http + pgx, the same self-test row) on free ports
// with fresh databases, fills Haven with `haven demo` and a few self-help
// clients made through the API, then measures — rounds alternating
// between Haven and the baseline — and prints a table per phase and
// writes a JSON file. Every figure is a ratio to the baseline or to
// Haven's own /healthz measured in the same run.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/haven-mh/haven/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "havenbench:", err)
		os.Exit(1)
	}
}

type config struct {
	havenBin, baseBin    string
	pgAdmin              string
	havenDB, baseDB      string
	sqlite               bool
	rounds               int
	phase, short         time.Duration
	workers              int
	clients              int
	out, logDir          string
	sweep                []int
	capacityP99          time.Duration
	mixFractions         []float64
	reportBesideRateFrac float64
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("havenbench", flag.ContinueOnError)
	var c config
	fs.StringVar(&c.havenBin, "haven", "bin/bench/haven", "haven binary")
	fs.StringVar(&c.baseBin, "baseline", "bin/bench/baseline", "baseline binary")
	fs.StringVar(&c.pgAdmin, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL URL of a database to connect to for creating the two databases")
	fs.StringVar(&c.havenDB, "haven-db", "haven_bench", "Haven's database (dropped and created; must start with haven_)")
	fs.StringVar(&c.baseDB, "baseline-db", "haven_bench_base", "the baseline's database (dropped and created; must start with haven_)")
	fs.BoolVar(&c.sqlite, "sqlite", true, "also measure Haven on SQLite")
	fs.IntVar(&c.rounds, "rounds", 3, "rounds of each alternating comparison")
	fs.DurationVar(&c.phase, "phase", 5*time.Second, "length of a main measurement")
	fs.DurationVar(&c.short, "short", 3*time.Second, "length of a secondary measurement (sweep, endpoints, capacity steps)")
	fs.IntVar(&c.workers, "workers", 16, "workers of the flat-out (closed) measurements")
	fs.IntVar(&c.clients, "clients", 12, "self-help clients to sign up in Haven")
	fs.StringVar(&c.out, "out", "bench-load.json", "JSON results file")
	fs.StringVar(&c.logDir, "logs", "", "directory for the servers' logs (default: a temporary one)")
	fs.DurationVar(&c.capacityP99, "capacity-p99", 50*time.Millisecond, "the mixed profile's capacity is the highest rate with p99 below this and no errors")
	sweep := fs.String("sweep", "4,8,16,32,64", "concurrency sweep")
	fracs := fs.String("mix-steps", "0.02,0.05,0.1,0.2,0.35,0.5,0.65,0.8,1.0", "mixed-profile rates, as fractions of the baseline's flat-out submit throughput")
	fs.Float64Var(&c.reportBesideRateFrac, "report-rate", 0.25, "submit rate (fraction of the baseline's flat out) under which the report runs beside")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, s := range strings.Split(*sweep, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err == nil && n > 0 {
			c.sweep = append(c.sweep, n)
		}
	}
	for _, s := range strings.Split(*fracs, ",") {
		var f float64
		if _, err := fmt.Sscan(strings.TrimSpace(s), &f); err == nil && f > 0 {
			c.mixFractions = append(c.mixFractions, f)
		}
	}
	if c.logDir == "" {
		d, err := os.MkdirTemp("", "havenbench-")
		if err != nil {
			return err
		}
		c.logDir = d
	} else if err := os.MkdirAll(c.logDir, 0o700); err != nil {
		return err
	}
	return measure(ctx, c, stdout)
}

// report is the JSON file.
type report struct {
	Started  time.Time          `json:"started"`
	Machine  map[string]string  `json:"machine"`
	Postgres map[string]string  `json:"postgres"`
	Command  string             `json:"command"`
	Phases   []phase            `json:"phases"`
	RSSMaxMB map[string]float64 `json:"rss_max_mb"`
	Targets  []target           `json:"targets"`
}

type phase struct {
	Title   string         `json:"title"`
	Results []bench.Result `json:"results"`
	Ref     string         `json:"ref"` // what the ratio column compares with
	// RefTP, when the phase has no reference row of its own: throughput
	// (closed rows) or rate (open rows) ratios are to it.
	RefTP float64 `json:"ref_throughput,omitempty"`
}

type target struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Goal  string  `json:"goal"`
	Met   bool    `json:"met"`
	Info  bool    `json:"info,omitempty"` // a figure beside the targets, with no goal
}

func machine() map[string]string {
	m := map[string]string{"go": runtime.Version(), "cpus": fmt.Sprint(runtime.NumCPU()), "gomaxprocs": fmt.Sprint(runtime.GOMAXPROCS(0))}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				m["cpu"] = strings.TrimSpace(l[strings.Index(l, ":")+1:])
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m["memory"] = strings.Join(strings.Fields(strings.SplitN(string(b), "\n", 2)[0])[1:], " ")
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m["loadavg_at_start"] = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m["kernel"] = strings.TrimSpace(string(b))
	}
	return m
}

func measure(ctx context.Context, c config, stdout io.Writer) error {
	rep := &report{Started: time.Now().UTC(), Machine: machine(), Command: strings.Join(os.Args, " "), RSSMaxMB: map[string]float64{}}
	if out, err := exec.CommandContext(ctx, c.havenBin, "version").Output(); err == nil {
		rep.Machine["haven_version"] = strings.TrimSpace(string(out))
	}
	fmt.Fprintf(stdout, "havenbench: %s, %s CPUs, load %s; logs in %s\n", rep.Machine["cpu"], rep.Machine["cpus"], rep.Machine["loadavg_at_start"], c.logDir)

	// Fresh databases; the servers.
	for _, db := range []string{c.havenDB, c.baseDB} {
		if err := freshDatabase(ctx, c.pgAdmin, db); err != nil {
			return err
		}
	}
	rep.Postgres = pgSettings(ctx, dbURL(c.pgAdmin, c.baseDB))
	fmt.Fprintf(stdout, "PostgreSQL %s, synchronous_commit=%s, fsync=%s, shared_buffers=%s, max_connections=%s\n",
		rep.Postgres["server_version"], rep.Postgres["synchronous_commit"], rep.Postgres["fsync"], rep.Postgres["shared_buffers"], rep.Postgres["max_connections"])
	base, err := start(ctx, "baseline", c.baseBin, nil, []string{"DATABASE_URL=" + dbURL(c.pgAdmin, c.baseDB)}, "/healthz", filepath.Join(c.logDir, "baseline.log"))
	if err != nil {
		return err
	}
	defer base.stop()

	havenEnv := func(extra ...string) []string {
		return append([]string{
			"HAVEN_ENCRYPTION_KEYS=" + key("k1"), "HAVEN_AUDIT_KEY=" + key("a1"), "HAVEN_JWT_KEYS=" + key("j1"),
			"HAVEN_TRUSTED_PROXIES=127.0.0.1", "HAVEN_ACCESS_TOKEN_TTL=15m", "HAVEN_LOG_LEVEL=warn",
			"HAVEN_SHUTDOWN_DRAIN=0s", "HAVEN_DEFAULT_LANGUAGE=en",
		}, extra...)
	}
	var havens []*haven
	startHaven := func(name string, env []string) error {
		fmt.Fprintf(stdout, "%s: haven demo …\n", name)
		out, err := runDemo(ctx, c.havenBin, env)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		accts, err := parseDemo(out)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		p, err := start(ctx, name, c.havenBin, []string{"serve"}, env, "/readyz", filepath.Join(c.logDir, name+".log"))
		if err != nil {
			return err
		}
		hv := &haven{proc: p, hc: newHTTP()}
		havens = append(havens, hv)
		fmt.Fprintf(stdout, "%s: signing in the demo's people and signing up %d self-help clients …\n", name, c.clients)
		if err := hv.setup(ctx, accts, c.clients); err != nil {
			return fmt.Errorf("%s: set-up: %w", name, err)
		}
		return nil
	}
	defer func() {
		for _, hv := range havens {
			hv.stop()
		}
	}()
	pgDir := filepath.Join(c.logDir, "pg-data") // the audit anchor file
	if err := os.MkdirAll(pgDir, 0o700); err != nil {
		return err
	}
	if err := startHaven("haven-pg", havenEnv("DATABASE_URL="+dbURL(c.pgAdmin, c.havenDB), "HAVEN_DATA_DIR="+pgDir)); err != nil {
		return err
	}
	if c.sqlite {
		dir := filepath.Join(c.logDir, "sqlite")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if err := startHaven("haven-sqlite", havenEnv("DATABASE_URL=", "HAVEN_DATA_DIR="+dir)); err != nil {
			return err
		}
	}
	pg := havens[0]
	hc := newHTTP()
	baseSubmit := func(ctx context.Context) error {
		r, err := hc.do(ctx, "POST", base.base+"/submit", phq9("en"), "Content-Type", "application/json")
		return expect(r, err, 201)
	}
	baseHealthz := func(ctx context.Context) error {
		r, err := hc.do(ctx, "GET", base.base+"/healthz", nil)
		return expect(r, err, 200)
	}
	_ = baseHealthz
	// Warm up: connections, caches, JIT-free but pools and page cache.
	for _, hv := range havens {
		bench.Closed(ctx, "warm-up", hv.name, 4, time.Second, mixed(hv.mix()))
	}
	bench.Closed(ctx, "warm-up", "baseline", 4, time.Second, baseSubmit)

	print := func(p phase) {
		rep.Phases = append(rep.Phases, p)
		printPhase(stdout, p)
	}

	// 1. Self-test submit flat out, rounds alternating.
	fmt.Fprintf(stdout, "\n[1] self-test submit flat out: %d workers, %s per round, %d rounds …\n", c.workers, c.phase, c.rounds)
	flat := phase{Title: fmt.Sprintf("Self-test submit, flat out (%d workers), rounds alternating", c.workers), Ref: "baseline (same round)"}
	var baseTP, pgTP, sqTP, webTP []float64
	for r := range c.rounds {
		b := bench.Closed(ctx, fmt.Sprintf("submit r%d", r+1), "baseline", c.workers, c.phase, baseSubmit)
		flat.Results = append(flat.Results, b)
		baseTP = append(baseTP, b.Throughput())
		for _, hv := range havens {
			res := bench.Closed(ctx, fmt.Sprintf("submit r%d", r+1), hv.name, c.workers, c.phase, hv.submitAPI)
			flat.Results = append(flat.Results, res)
			if hv == pg {
				pgTP = append(pgTP, res.Throughput())
			} else {
				sqTP = append(sqTP, res.Throughput())
			}
		}
		// The person's path beside it: the web form's post.
		res := bench.Closed(ctx, fmt.Sprintf("web submit r%d", r+1), pg.name, c.workers, c.phase, pg.webSubmit)
		flat.Results = append(flat.Results, res)
		webTP = append(webTP, res.Throughput())
	}
	print(flat)
	baseFlat := median(baseTP)
	rep.add("submit flat out, Haven PG / baseline (median of rounds)", bench.Ratio(median(pgTP), baseFlat), ">= 0.60 (stretch 0.75)", 0.60)
	rep.info("submit flat out, Haven PG web form / baseline (median of rounds)", bench.Ratio(median(webTP), baseFlat), "the person's path")
	if len(sqTP) > 0 {
		rep.add("submit flat out, Haven SQLite / baseline PG (median of rounds)", bench.Ratio(median(sqTP), baseFlat), ">= 0.60 (stretch 0.75)", 0.60)
	}

	// 2. Steady at half the baseline's flat out.
	half := baseFlat / 2
	fmt.Fprintf(stdout, "\n[2] self-test submit at a steady %.0f/s (half the baseline's flat out), %s per round …\n", half, c.phase)
	steady := phase{Title: fmt.Sprintf("Self-test submit, open model at %.0f/s (half the baseline's flat out), latency from the intended send time", half), Ref: "baseline p99 (same round)"}
	var baseP99, pgP99, sqP99 []float64
	pgErrs, sqErrs := 0, 0
	for r := range c.rounds {
		b := bench.Open(ctx, fmt.Sprintf("steady r%d", r+1), "baseline", bench.OpenConfig{Rate: half, Duration: c.phase}, baseSubmit)
		steady.Results = append(steady.Results, b)
		baseP99 = append(baseP99, float64(b.Latencies.P99))
		for _, hv := range havens {
			res := bench.Open(ctx, fmt.Sprintf("steady r%d", r+1), hv.name, bench.OpenConfig{Rate: half, Duration: c.phase}, hv.submitAPI)
			steady.Results = append(steady.Results, res)
			if hv == pg {
				pgP99, pgErrs = append(pgP99, float64(res.Latencies.P99)), pgErrs+res.Errors
			} else {
				sqP99, sqErrs = append(sqP99, float64(res.Latencies.P99)), sqErrs+res.Errors
			}
		}
	}
	print(steady)
	rep.add("steady half rate, Haven PG p99 / baseline p99 (median)", bench.Ratio(median(pgP99), median(baseP99)), "<= 2.0", -2.0)
	rep.add("steady half rate, Haven PG errors", float64(pgErrs), "0", -0)
	if len(sqP99) > 0 {
		rep.add("steady half rate, Haven SQLite p99 / baseline p99 (median)", bench.Ratio(median(sqP99), median(baseP99)), "<= 2.0", -2.0)
		rep.add("steady half rate, Haven SQLite errors", float64(sqErrs), "0", -0)
	}

	// 3. Concurrency sweep: up and down again (drift on a shared machine
	// cancels out), the mean of the two passes per level.
	fmt.Fprintf(stdout, "\n[3] concurrency sweep %v up and down, %s each …\n", c.sweep, c.short)
	sw := phase{Title: "Self-test submit flat out, concurrency sweep (up, then down)", Ref: "baseline at the same concurrency, same pass"}
	levels := append(append([]int(nil), c.sweep...), reversed(c.sweep)...)
	tpAt := map[string]map[int][]float64{}
	for _, n := range levels {
		targets := []struct {
			name string
			op   bench.Op
		}{{"baseline", baseSubmit}}
		for _, hv := range havens {
			targets = append(targets, struct {
				name string
				op   bench.Op
			}{hv.name, hv.submitAPI})
		}
		for _, t := range targets {
			res := bench.Closed(ctx, fmt.Sprintf("submit c=%d", n), t.name, n, c.short, t.op)
			sw.Results = append(sw.Results, res)
			if tpAt[t.name] == nil {
				tpAt[t.name] = map[int][]float64{}
			}
			tpAt[t.name][n] = append(tpAt[t.name][n], res.Throughput())
		}
	}
	print(sw)
	if len(c.sweep) > 1 {
		for _, name := range append([]string{"baseline"}, pg.name) {
			first, lowest, last := mean(tpAt[name][c.sweep[0]]), 0.0, mean(tpAt[name][c.sweep[len(c.sweep)-1]])
			for _, n := range c.sweep[1:] {
				if m := mean(tpAt[name][n]); lowest == 0 || m < lowest {
					lowest = m
				}
			}
			if name == "baseline" {
				rep.info(fmt.Sprintf("sweep, baseline: lowest throughput above c=%d / at c=%d (c=%d: %.2f)", c.sweep[0], c.sweep[0],
					c.sweep[len(c.sweep)-1], bench.Ratio(last, first)), bench.Ratio(lowest, first), "the machine's own curve")
				continue
			}
			rep.add(fmt.Sprintf("sweep, %s: lowest throughput above c=%d / at c=%d (c=%d: %.2f)", name, c.sweep[0], c.sweep[0],
				c.sweep[len(c.sweep)-1], bench.Ratio(last, first)), bench.Ratio(lowest, first), ">= 0.95 (does not fall)", 0.95)
		}
	}

	// 4. Pages and endpoints against /healthz, rounds alternating.
	fmt.Fprintf(stdout, "\n[4] endpoints flat out (%d workers), %s each, %d rounds …\n", c.workers/2, c.short, c.rounds)
	eps := phase{Title: fmt.Sprintf("Haven PG endpoints flat out (%d workers), rounds alternating", c.workers/2), Ref: "Haven /healthz (same round)"}
	type ep struct {
		name string
		op   bench.Op
		goal float64
	}
	endpoints := []ep{{"selftest-form", pg.selftestForm, 0.40}, {"web-step-save", pg.webStepSave, 0.30}, {"web-autosave", pg.webAutosave, 0},
		{"api-step-save", pg.apiStepSave, 0.30}, {"me", pg.me, 0.50}}
	tp := map[string][]float64{}
	for r := range c.rounds {
		h := bench.Closed(ctx, fmt.Sprintf("healthz r%d", r+1), pg.name, c.workers/2, c.short, pg.healthz)
		eps.Results = append(eps.Results, h)
		for _, e := range endpoints {
			res := bench.Closed(ctx, fmt.Sprintf("%s r%d", e.name, r+1), pg.name, c.workers/2, c.short, e.op)
			eps.Results = append(eps.Results, res)
			tp[e.name] = append(tp[e.name], bench.Ratio(res.Throughput(), h.Throughput()))
		}
	}
	print(eps)
	for _, e := range endpoints {
		if e.goal > 0 {
			rep.add(e.name+" / healthz (median of rounds)", median(tp[e.name]), fmt.Sprintf(">= %.2f", e.goal), e.goal)
		}
	}
	var hz []float64
	for _, r := range eps.Results {
		if strings.HasPrefix(r.Name, "healthz") {
			hz = append(hz, r.Throughput())
		}
	}
	others := phase{Title: fmt.Sprintf("Haven PG guided care and the report, flat out (%d workers), one round", c.workers/4),
		Ref: "Haven /healthz (the endpoints' rounds, median)", RefTP: median(hz)}
	for _, e := range []ep{{"client-read-messages", pg.clientReadMessages, 0}, {"client-send-message", pg.clientSendMessage, 0},
		{"clinician-dashboard", pg.dashboard, 0}, {"clinician-read-messages", pg.clinicianReadMessages, 0},
		{"clinician-send-message", pg.clinicianSendMessage, 0}, {"monthly-report", pg.monthlyReport, 0}} {
		others.Results = append(others.Results, bench.Closed(ctx, e.name, pg.name, max(c.workers/4, 1), c.short, e.op))
	}
	print(others)

	// 5. The mixed national profile: capacity search, with RSS sampled.
	fmt.Fprintf(stdout, "\n[5] mixed profile, open model at %v × the baseline's flat out, %s each …\n", c.mixFractions, c.phase)
	for _, hv := range havens {
		mp := phase{Title: fmt.Sprintf("%s: mixed national profile, open model (capacity: highest rate with p99 < %s and no errors)", hv.name, c.capacityP99), Ref: "rate / baseline flat-out submit", RefTP: baseFlat}
		stopRSS := sampleRSS(hv.pid(), rep.RSSMaxMB, hv.name)
		capacity := 0.0
		var split phase // the last step, scenario by scenario
		for _, f := range c.mixFractions {
			rate := f * baseFlat
			sp := bench.NewSplit()
			shares := hv.mix()
			for i := range shares {
				shares[i].op = sp.Wrap(shares[i].name, shares[i].op)
			}
			res := bench.Open(ctx, fmt.Sprintf("mixed %.2fx", f), hv.name, bench.OpenConfig{Rate: rate, Duration: c.phase}, mixed(shares))
			mp.Results = append(mp.Results, res)
			split = phase{Title: fmt.Sprintf("%s: the mixed profile's last step (%.0f/s), scenario by scenario, latency from the intended send time", hv.name, rate),
				Results: sp.Results(hv.name, c.phase)}
			if res.Errors > 0 || res.Latencies.P99 >= c.capacityP99 {
				break
			}
			capacity = rate
		}
		stopRSS()
		print(mp)
		print(split)
		if capacity == 0 {
			fmt.Fprintf(stdout, "%s: mixed capacity below the lowest step (%.0f/s)\n", hv.name, c.mixFractions[0]*baseFlat)
		}
		rep.add(hv.name+": mixed capacity / baseline flat out", bench.Ratio(capacity, baseFlat), ">= 0.60", 0.60)
		rep.add(hv.name+": max RSS under the mixed profile, MB", rep.RSSMaxMB[hv.name], "<= 150", -150)
	}

	// 6. The report beside submissions.
	rate := c.reportBesideRateFrac * baseFlat
	fmt.Fprintf(stdout, "\n[6] submit at %.0f/s without and with the monthly report running beside (one coordinator, back to back), %d rounds …\n", rate, c.rounds)
	rb := phase{Title: fmt.Sprintf("Haven PG: self-test submit at %.0f/s, alone and with the monthly report beside", rate), Ref: "submit p99 alone (same round)"}
	var alone, beside []float64
	for r := range c.rounds {
		a := bench.Open(ctx, fmt.Sprintf("submit alone r%d", r+1), pg.name, bench.OpenConfig{Rate: rate, Duration: c.phase}, pg.submitAPI)
		done := make(chan bench.Result, 1)
		go func() { done <- bench.Closed(ctx, "report beside", pg.name, 1, c.phase, pg.monthlyReport) }()
		b := bench.Open(ctx, fmt.Sprintf("submit + report r%d", r+1), pg.name, bench.OpenConfig{Rate: rate, Duration: c.phase}, pg.submitAPI)
		rres := <-done
		rres.Name = fmt.Sprintf("report beside r%d", r+1)
		rb.Results = append(rb.Results, a, b, rres)
		alone, beside = append(alone, float64(a.Latencies.P99)), append(beside, float64(b.Latencies.P99))
	}
	print(rb)
	rep.add("submit p99 with the report beside / alone (median)", bench.Ratio(median(beside), median(alone)), "<= 2.0", -2.0)

	rep.Machine["loadavg_at_end"] = func() string { b, _ := os.ReadFile("/proc/loadavg"); return strings.TrimSpace(string(b)) }()
	printTargets(stdout, rep)
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(c.out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nJSON: %s; load average at the end %s\n", c.out, rep.Machine["loadavg_at_end"])
	return nil
}

// add records a target: goal > 0 means value ≥ goal; goal ≤ 0 means
// value ≤ -goal.
func (r *report) add(name string, v float64, goal string, g float64) {
	met := v >= g
	if g <= 0 {
		met = v <= -g
	}
	r.Targets = append(r.Targets, target{Name: name, Value: v, Goal: goal, Met: met})
}

// info records a figure shown with the targets that has no goal.
func (r *report) info(name string, v float64, note string) {
	r.Targets = append(r.Targets, target{Name: name, Value: v, Goal: note, Info: true})
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t / float64(len(xs))
}

func reversed(xs []int) []int {
	out := make([]int, 0, len(xs))
	for i := len(xs) - 1; i >= 0; i-- {
		out = append(out, xs[i])
	}
	return out
}

// sampleRSS samples pid's RSS every 100 ms into max[name] until stopped.
func sampleRSS(pid int, maxMB map[string]float64, name string) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if v := rssMB(pid); v > maxMB[name] {
				maxMB[name] = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}
