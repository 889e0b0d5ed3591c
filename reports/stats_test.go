package reports

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func near(got *float64, want, tol float64) bool {
	return got != nil && math.Abs(*got-want) <= tol
}

func show(p *float64) string {
	if p == nil {
		return "nil"
	}
	b, _ := json.Marshal(*p)
	return string(b)
}

// TestStandardisedChangeMorris2008 checks g and its variance against a
// published worked example: the five studies of Morris (2008), "Estimating
// effect sizes from pretest-posttest-control group designs", Organizational
// Research Methods 11(2), 364–386, Table 2 (pre and post means, pre SD, n
// and the pre/post correlation of a treatment and a control group).
//
//   - Morris (2008) publishes, on page 368 (Table 1 of the paper as the
//     metafor test cites it), the difference of the two groups' bias-corrected
//     raw-score standardised mean changes (his d_ppc1, Becker 1988):
//     0.74, 0.95, 1.81, 1.15, 0.51 — we must match them to two decimals.
//   - The per-group g and var(g) are not in the paper; metafor's analysis
//     example of the paper (metafor-project.org, analyses:morris2008, and
//     its test tests/testthat/test_analysis_example_morris2008.r) publishes
//     them to four decimals from escalc(measure = "SMCR"): treatment g
//     0.5056, 1.0481, 1.8054, 1.4181, 0.0801 with var 0.0594, 0.0254,
//     0.2322, 0.1225, 0.0802; control g −0.2365, 0.0958, 0.0000, 0.2667,
//     −0.4250 with var 0.0544, 0.0173, 0.0511, 0.0232, 0.0864. metafor's J
//     is the exact gamma-function form; ours is the usual approximation
//     1 − 3/(4(n − 1) − 1), which is larger by at most 0.0006 for n ≥ 9
//     (n = 9: 0.90323 against 0.90270), so g may differ in the third
//     decimal where d is large (study 3: d = 2, g = 1.80645 against
//     1.8054): we allow 0.0015 for g and 0.0005 for its variance.
func TestStandardisedChangeMorris2008(t *testing.T) {
	type group struct {
		pre, post, sdPre float64
		n                int
		r                float64
		g, v             float64 // metafor's published SMCR and its variance
	}
	studies := []struct {
		treat, ctrl group
		dppc1       float64 // Morris (2008), published to two decimals
	}{
		{group{30.6, 38.5, 15.0, 20, .47, 0.5056, 0.0594}, group{23.1, 19.7, 13.8, 20, .47, -0.2365, 0.0544}, 0.74},
		{group{23.5, 26.8, 3.1, 50, .64, 1.0481, 0.0254}, group{24.9, 25.3, 4.1, 42, .64, 0.0958, 0.0173}, 0.95},
		{group{0.5, 0.7, 0.1, 9, .77, 1.8054, 0.2322}, group{0.6, 0.6, 0.2, 9, .77, 0.0000, 0.0511}, 1.81},
		{group{53.4, 75.9, 14.5, 10, .89, 1.4181, 0.1225}, group{55.7, 60.7, 17.3, 11, .89, 0.2667, 0.0232}, 1.15},
		{group{35.6, 36.0, 4.7, 14, .44, 0.0801, 0.0802}, group{34.8, 33.4, 3.1, 14, .44, -0.4250, 0.0864}, 0.51},
	}
	for i, st := range studies {
		var gs [2]float64
		for j, gr := range []group{st.treat, st.ctrl} {
			es := StandardisedChange(gr.n, gr.post-gr.pre, gr.sdPre, gr.r)
			if es.Reason != "" || !near(es.G, gr.g, 0.0015) {
				t.Fatalf("study %d group %d: g = %s (%s), metafor %.4f", i+1, j, show(es.G), es.Reason, gr.g)
			}
			gs[j] = *es.G
			// The CI is g ± z·√var: recover var from its half-width.
			half := (*es.CIHigh - *es.CILow) / 2
			v := (half / z975) * (half / z975)
			if math.Abs(v-gr.v) > 0.0005 {
				t.Errorf("study %d group %d: var(g) = %.5f, metafor %.4f", i+1, j, v, gr.v)
			}
			if math.Abs((*es.CIHigh+*es.CILow)/2-*es.G) > 1e-12 {
				t.Errorf("study %d group %d: CI [%v, %v] not centred on g %v", i+1, j, *es.CILow, *es.CIHigh, *es.G)
			}
		}
		if got := math.Round((gs[0]-gs[1])*100) / 100; got != st.dppc1 {
			t.Errorf("study %d: g(treatment) − g(control) = %.4f → %.2f, Morris (2008) publishes %.2f", i+1, gs[0]-gs[1], got, st.dppc1)
		}
	}
}

// TestPairedByHand checks Paired on four pairs computed by hand (not a
// published example; every step is written out):
//
//	pre  10 14 18 22    mean 16,    deviations −6 −2 2 6,            SS = 36+4+4+36 = 80
//	post  4 12 11 20    mean 11.75, deviations −7.75 .25 −.75 8.25,  SS = 60.0625+.0625+.5625+68.0625 = 128.75
//	change −6 −2 −7 −2: mean −4.25, deviations −1.75 2.25 −2.75 2.25, SS = 3.0625+5.0625+7.5625+5.0625 = 20.75
//	SD pre = √(80/3) = 5.163978; SD post = √(128.75/3) = 6.551081; SD change = √(20.75/3) = 2.629956
//	SP = (−6)(−7.75) + (−2)(.25) + (2)(−.75) + (6)(8.25) = 46.5 − .5 − 1.5 + 49.5 = 94
//	r = 94 / √(80 · 128.75) = 94 / 101.488916 = 0.926210
//	d = −4.25 / 5.163978 = −0.823009; J = 1 − 3/(4·3 − 1) = 8/11 = 0.727273; g = −0.598552
//	var = 2(1 − 0.926210)/4 + 0.598552²/8 = 0.036895 + 0.044783 = 0.081678; SE = 0.285794
//	CI = −0.598552 ± 1.959964 · 0.285794 = [−1.158698, −0.038406]
//
// Reliable change (6 points): −6 and −7 improved, none deteriorated, two
// unchanged. All four start at 10 or more (cases); only 10 → 4 ends under
// 10: one recovered, and reliably so.
func TestPairedByHand(t *testing.T) {
	s := Paired([]Pair{{10, 4}, {14, 12}, {18, 11}, {22, 20}}, PHQ9Criteria)
	const tol = 5e-6
	for _, c := range []struct {
		name string
		got  *float64
		want float64
	}{
		{"mean pre", s.MeanPre, 16}, {"mean post", s.MeanPost, 11.75}, {"mean change", s.MeanChange, -4.25},
		{"sd pre", s.SDPre, 5.163978}, {"sd post", s.SDPost, 6.551081}, {"sd change", s.SDChange, 2.629956},
		{"r", s.R, 0.926210}, {"g", s.Effect.G, -0.598552}, {"ci low", s.Effect.CILow, -1.158698}, {"ci high", s.Effect.CIHigh, -0.038406},
	} {
		if !near(c.got, c.want, tol) {
			t.Errorf("%s = %s, want %v", c.name, show(c.got), c.want)
		}
	}
	if s.N != 4 || s.ReliablyImproved != 2 || s.ReliablyDeteriorated != 0 || s.NoReliableChange != 2 ||
		s.CasesAtStart != 4 || s.Recovered != 1 || s.ReliablyRecovered != 1 || s.Effect.Reason != "" {
		t.Errorf("counts: %+v", s)
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		pre, post float64
		want      PairChange
	}{
		{10, 4, PairChange{Improved: true, Case: true, Recovered: true}},
		{10, 5, PairChange{Case: true, Recovered: true}}, // recovered without reliable change
		{9, 15, PairChange{Deteriorated: true}},          // exactly 6 up
		{9, 14, PairChange{}},                            // 5 up: within measurement error
		{20, 14, PairChange{Improved: true, Case: true}}, // 6 down but still a case
		{9, 3, PairChange{Improved: true}},               // not a case at start: cannot recover
		{10, 10, PairChange{Case: true}},
	} {
		if got := PHQ9Criteria.Classify(Pair{c.pre, c.post}); got != c.want {
			t.Errorf("%v → %v: %+v, want %+v", c.pre, c.post, got, c.want)
		}
	}
}

// TestPairedNotComputable: too few pairs or no variation give no g, with
// a reason, and the JSON has nulls — never NaN, which would not even encode.
func TestPairedNotComputable(t *testing.T) {
	for _, c := range []struct {
		name   string
		pairs  []Pair
		reason string
		hasG   bool
		hasSD  bool
	}{
		{"none", nil, NotComputableTooFew, false, false},
		{"one", []Pair{{12, 6}}, NotComputableTooFew, false, false},
		{"two: J is 0", []Pair{{12, 6}, {15, 9}}, NotComputableTooFew, false, true},
		{"equal pre scores", []Pair{{12, 6}, {12, 9}, {12, 3}}, NotComputableNoPreSD, false, true},
		{"equal post scores: g without CI", []Pair{{12, 5}, {15, 5}, {18, 5}}, NotComputableNoPostSD, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := Paired(c.pairs, PHQ9Criteria)
			if s.Effect.Reason != c.reason || (s.Effect.G != nil) != c.hasG || (s.SDPre != nil) != c.hasSD {
				t.Errorf("effect %+v, sd %s; want reason %q, g %v, sd %v", s.Effect, show(s.SDPre), c.reason, c.hasG, c.hasSD)
			}
			if s.Effect.CILow != nil || s.Effect.CIHigh != nil {
				t.Errorf("a CI without its inputs: %+v", s.Effect)
			}
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatalf("json: %v", err)
			}
			if strings.Contains(string(b), "NaN") || !strings.Contains(string(b), `"ci_low":null`) {
				t.Errorf("json %s", b)
			}
		})
	}
	if es := StandardisedChange(10, -3, 0, 0.5); es.G != nil || es.Reason != NotComputableNoPreSD {
		t.Errorf("zero SD: %+v", es)
	}
	if es := StandardisedChange(10, -3, math.NaN(), 0.5); es.G != nil || es.Reason != NotComputableNoPreSD {
		t.Errorf("NaN SD: %+v", es)
	}
	if HedgesCorrection(2) != 0 || HedgesCorrection(3) != 1-3.0/7 {
		t.Errorf("J(2) = %v, J(3) = %v", HedgesCorrection(2), HedgesCorrection(3))
	}
}

func TestMedians(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
		ok   bool
	}{
		{nil, 0, false}, {[]float64{3}, 3, true}, {[]float64{5, 1, 3}, 3, true}, {[]float64{4, 1, 3, 2}, 2.5, true},
	} {
		in := append([]float64(nil), c.xs...)
		got, ok := MedianOf(in)
		if got != c.want || ok != c.ok {
			t.Errorf("MedianOf(%v) = %v, %v", c.xs, got, ok)
		}
		for i := range in {
			if in[i] != c.xs[i] {
				t.Errorf("MedianOf sorted its argument: %v", in)
			}
		}
	}
	if d, ok := MedianDuration([]time.Duration{3 * time.Hour, time.Hour, 2 * time.Hour, 4 * time.Hour}); !ok || d != 150*time.Minute {
		t.Errorf("MedianDuration = %v, %v", d, ok)
	}
	if _, ok := MedianDuration(nil); ok {
		t.Error("MedianDuration(nil) ok")
	}
}
