package reports

// This file holds the pure statistics of the outcome figures: the paired
// pre/post summary of a questionnaire (PHQ-9 at start and at end), its
// standardised mean change as Hedges' g with a 95% confidence interval,
// reliable change and recovery, and medians. Nothing here touches the
// database; outcomes.go feeds it.
//
// Sign convention: a change is post minus pre, so with the PHQ-9 (higher is
// worse) a negative mean change and a negative g are an improvement — the
// same sign as coaching.Trend.Change.

import (
	"math"
	"slices"
	"time"
)

// z975 is the 97.5th percentile of the standard normal distribution, for
// two-sided 95% confidence intervals.
const z975 = 1.959963984540054

// Pair is one person's score at the start (Pre) and at the end (Post).
type Pair struct {
	Pre, Post float64
}

// ChangeCriteria are the clinical thresholds applied to each pair.
type ChangeCriteria struct {
	// Reliable is the change that is more than measurement error: a
	// change of at least this many points either way is a reliable
	// improvement or deterioration (PHQ-9: 6).
	Reliable float64
	// Cutoff is the caseness threshold: a person is a case at a score of
	// Cutoff or more, and recovers when they go from a case to under it
	// (PHQ-9: 10).
	Cutoff float64
}

// PHQ9Criteria are the PHQ-9's: a reliable change of 6 points (as
// coaching.ReliableChange and modules' advice use) and caseness at 10.
var PHQ9Criteria = ChangeCriteria{Reliable: 6, Cutoff: 10}

// Why a statistic could not be computed. The codes are stable: the JSON
// carries them in place of a number (never NaN or Inf, which JSON cannot
// carry), and the pages translate them.
const (
	NotComputableTooFew     = "too_few_pairs"         // n < 2 for an SD; n < 3 for g (its correction J is 0 at n = 2)
	NotComputableNoPreSD    = "no_variation_at_start" // every pre score equal: there is no SD to standardise by
	NotComputableNoPostSD   = "no_variation_at_end"   // every post score equal: no pre/post correlation, so no CI
	NotComputableSuppressed = "suppressed"            // fewer people than the suppression threshold (outcomes.go)
)

// EffectSize is a standardised mean change, Hedges' g for paired data,
// with its 95% confidence interval. A nil number is not computable; Reason
// then says why.
//
// The estimator standardises the mean change by the SD of the pre scores
// (Becker 1988's "raw-score" metric, Morris & DeShon 2002; metafor's
// measure "SMCR"), which keeps g comparable with between-group effect
// sizes and unaffected by how the treatment changed the spread:
//
//	d = (mean(post) − mean(pre)) / SD(pre)
//	J = 1 − 3 / (4(n − 1) − 1)                  (Hedges' small-sample correction, df = n − 1)
//	g = J · d
//	var(g) = 2(1 − r) / n + g² / (2n)           (Becker 1988; as metafor's escalc computes it for SMCR)
//	95% CI = g ± 1.959964 · √var(g)
//
// with r the Pearson correlation of the pre and post scores. The variance
// is the large-sample approximation; plugging g (rather than d) into it is
// what metafor does, and differs from J²·(2(1 − r)/n + d²/(2n)) only in
// terms of order 1/n².
type EffectSize struct {
	G      *float64 `json:"g"`
	CILow  *float64 `json:"ci_low"`
	CIHigh *float64 `json:"ci_high"`
	// Reason is set when G or the interval is not computable.
	Reason string `json:"not_computable,omitempty"`
}

// HedgesCorrection is J = 1 − 3/(4·df − 1) for df = n − 1 degrees of
// freedom; 0 when n < 3 (where the correction would be 0 or negative).
func HedgesCorrection(n int) float64 {
	if n < 3 {
		return 0
	}
	return 1 - 3/(4*float64(n-1)-1)
}

// StandardisedChange computes Hedges' g and its 95% CI from summary
// figures: n pairs, the mean change (post − pre), the SD of the pre scores
// and the pre/post correlation r (NaN when unknown: g without a CI).
func StandardisedChange(n int, meanChange, sdPre, r float64) EffectSize {
	switch {
	case n < 3:
		return EffectSize{Reason: NotComputableTooFew}
	case !(sdPre > 0) || math.IsInf(sdPre, 0):
		return EffectSize{Reason: NotComputableNoPreSD}
	}
	g := HedgesCorrection(n) * meanChange / sdPre
	es := EffectSize{G: num(g)}
	if math.IsNaN(r) || r < -1 || r > 1 {
		es.Reason = NotComputableNoPostSD
		return es
	}
	nf := float64(n)
	se := math.Sqrt(2*(1-r)/nf + g*g/(2*nf))
	es.CILow, es.CIHigh = num(g-z975*se), num(g+z975*se)
	return es
}

// PairedSummary describes n pre/post pairs. Figures that need more pairs
// or some variation are nil (JSON null), never NaN.
type PairedSummary struct {
	N          int      `json:"n"`
	MeanPre    *float64 `json:"mean_pre"`
	MeanPost   *float64 `json:"mean_post"`
	MeanChange *float64 `json:"mean_change"`
	SDPre      *float64 `json:"sd_pre"`
	SDPost     *float64 `json:"sd_post"`
	SDChange   *float64 `json:"sd_change"`
	// R is the Pearson correlation of pre and post.
	R      *float64   `json:"r"`
	Effect EffectSize `json:"effect"`
	// Reliable change: at least Reliable points better (lower) or worse.
	ReliablyImproved     int `json:"reliably_improved"`
	ReliablyDeteriorated int `json:"reliably_deteriorated"`
	NoReliableChange     int `json:"no_reliable_change"`
	// CasesAtStart scored Cutoff or more at the start; of them, Recovered
	// ended under Cutoff, and ReliablyRecovered also improved reliably
	// (Jacobson & Truax 1991's "recovered").
	CasesAtStart      int `json:"cases_at_start"`
	Recovered         int `json:"recovered"`
	ReliablyRecovered int `json:"reliably_recovered"`
}

// PairChange is how one pair moved against the criteria.
type PairChange struct {
	Improved, Deteriorated, Case, Recovered bool
}

// Classify applies c to one pair: a reliable improvement is a fall of at
// least c.Reliable points, a reliable deterioration a rise of at least as
// much; a case starts at c.Cutoff or more and recovers by ending under it.
func (c ChangeCriteria) Classify(p Pair) PairChange {
	d := p.Post - p.Pre
	ch := PairChange{Improved: d <= -c.Reliable, Deteriorated: d >= c.Reliable, Case: p.Pre >= c.Cutoff}
	ch.Recovered = ch.Case && p.Post < c.Cutoff
	return ch
}

// Paired summarises pairs: means, SDs (with n − 1), the correlation, the
// effect size and the counts of reliable change and recovery under c.
func Paired(pairs []Pair, c ChangeCriteria) PairedSummary {
	s := PairedSummary{N: len(pairs)}
	for _, p := range pairs {
		ch := c.Classify(p)
		switch {
		case ch.Improved:
			s.ReliablyImproved++
		case ch.Deteriorated:
			s.ReliablyDeteriorated++
		default:
			s.NoReliableChange++
		}
		if ch.Case {
			s.CasesAtStart++
		}
		if ch.Recovered {
			s.Recovered++
			if ch.Improved {
				s.ReliablyRecovered++
			}
		}
	}
	if s.N == 0 {
		s.Effect = EffectSize{Reason: NotComputableTooFew}
		return s
	}
	n := float64(s.N)
	var sumPre, sumPost float64
	for _, p := range pairs {
		sumPre += p.Pre
		sumPost += p.Post
	}
	mPre, mPost := sumPre/n, sumPost/n
	s.MeanPre, s.MeanPost, s.MeanChange = num(mPre), num(mPost), num(mPost-mPre)
	if s.N < 2 {
		s.Effect = EffectSize{Reason: NotComputableTooFew}
		return s
	}
	var ssPre, ssPost, ssChange, sp float64
	for _, p := range pairs {
		a, b := p.Pre-mPre, p.Post-mPost
		ssPre += a * a
		ssPost += b * b
		sp += a * b
		ssChange += (b - a) * (b - a)
	}
	sdPre, sdPost := math.Sqrt(ssPre/(n-1)), math.Sqrt(ssPost/(n-1))
	s.SDPre, s.SDPost, s.SDChange = num(sdPre), num(sdPost), num(math.Sqrt(ssChange/(n-1)))
	r := math.NaN()
	if ssPre > 0 && ssPost > 0 {
		r = sp / math.Sqrt(ssPre*ssPost)
		s.R = num(r)
	}
	s.Effect = StandardisedChange(s.N, mPost-mPre, sdPre, r)
	return s
}

// num returns a pointer to x, or nil when x is not a finite number, so no
// NaN or Inf ever reaches JSON.
func num(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// MedianOf returns the median of xs (the mean of the middle two when their
// number is even), or false when xs is empty. xs is not changed.
func MedianOf(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m], true
	}
	return (s[m-1] + s[m]) / 2, true
}

// MedianDuration is MedianOf for durations (the middle two averaged,
// rounded down to the nanosecond), or false when ds is empty.
func MedianDuration(ds []time.Duration) (time.Duration, bool) {
	if len(ds) == 0 {
		return 0, false
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m], true
	}
	return s[m-1] + (s[m]-s[m-1])/2, true
}
