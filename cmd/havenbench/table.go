package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/haven-mh/haven/bench"
)

func msf(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

// printPhase prints one phase as a table. The ratio column compares
// throughput with the row's reference: the baseline row of the same
// round (or the same concurrency), or /healthz of the same round.
func printPhase(w io.Writer, p phase) {
	fmt.Fprintf(w, "\n%s\n", p.Title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\ttarget\tmode\tn\tthroughput/s\tp50 ms\tp95 ms\tp99 ms\terrors\tratio\t")
	var ref float64
	var refP99 time.Duration
	for _, r := range p.Results {
		mode := fmt.Sprintf("closed %d", r.Workers)
		switch r.Mode {
		case "open":
			mode = fmt.Sprintf("open %.0f/s", r.Rate)
		case "share":
			mode = "share of the mix"
		}
		isRef := r.Target == "baseline" || strings.HasPrefix(r.Name, "healthz") || strings.HasPrefix(r.Name, "submit alone")
		ratio := ""
		switch {
		case isRef:
			ref, refP99 = r.Throughput(), r.Latencies.P99
			ratio = "1.00"
		case strings.HasPrefix(r.Name, "submit + report"):
			ratio = fmt.Sprintf("p99 %.2f×", bench.Ratio(float64(r.Latencies.P99), float64(refP99)))
		case r.Mode == "open" && strings.HasPrefix(r.Name, "steady"):
			ratio = fmt.Sprintf("p99 %.2f×", bench.Ratio(float64(r.Latencies.P99), float64(refP99)))
		case ref == 0 && p.RefTP > 0 && r.Mode == "open":
			ratio = fmt.Sprintf("rate %.2f×", r.Rate/p.RefTP)
		case r.Mode == "share":
		case ref == 0 && p.RefTP > 0:
			ratio = fmt.Sprintf("%.2f", bench.Ratio(r.Throughput(), p.RefTP))
		case ref > 0 && r.Mode == "closed":
			ratio = fmt.Sprintf("%.2f", bench.Ratio(r.Throughput(), ref))
		}
		errs := fmt.Sprint(r.Errors)
		if r.Errors > 0 {
			errs += " (" + trunc(r.FirstErr, 60) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t\n", r.Name, r.Target, mode, r.Sent, r.Throughput(),
			msf(r.Latencies.P50), msf(r.Latencies.P95), msf(r.Latencies.P99), errs, ratio)
	}
	tw.Flush()
}

func printTargets(w io.Writer, rep *report) {
	fmt.Fprintln(w, "\nTargets (issue 13), from this run:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range rep.Targets {
		mark := "MET"
		switch {
		case t.Info:
			mark = "-"
		case !t.Met:
			mark = "not met"
		}
		fmt.Fprintf(tw, "  %s\t%.2f\t%s\t%s\n", t.Name, t.Value, t.Goal, mark)
	}
	tw.Flush()
	if len(rep.RSSMaxMB) > 0 {
		fmt.Fprintf(w, "  max RSS: %v MB\n", rep.RSSMaxMB)
	}
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
