// Package reports is Haven's read model for the organisation's funders:
// per calendar month and in total, what reached whom across the modules —
// visits and self-tests, self-help, guided care — and the funnel between
// them. It reads the tables the other domains own (selftest_submissions,
// selfhelp_events, coaching_trajectories, visit_days) and writes none; the
// store is its only code touching the database.
//
// Totals are computed from the months, never stored or counted apart, so a
// total always equals the sum of its months. Medians are the exception
// that cannot be summed: a total's median is the median over all the
// people of the range (each month's values pooled), and its n is the sum
// of the months' n.
//
// Everything here is an exact count for coordinators. Breakdowns by
// profile and outcomes (profile.go, outcomes.go) and anything a researcher
// sees suppress small cells (suppress.go); they plug into Report beside
// these sections.
package reports

import (
	"slices"
	"time"
)

// Report is the monthly report for a range of months.
type Report struct {
	From Month `json:"from"`
	To   Month `json:"to"`
	// TimeZone is where the months begin and end (HAVEN_TIMEZONE).
	TimeZone    string    `json:"time_zone"`
	GeneratedAt time.Time `json:"generated_at"`
	// Audience is who the report was built for: a researcher's has no
	// exact figures (Months empty, Total nil) but Series.
	Audience Audience `json:"audience"`
	// Months are the range's months in order, empty months included.
	Months []Figures `json:"months"`
	// Total is computed from Months (totals are never stored).
	Total *Figures `json:"total"`
	// ReplyTargetDays is the clinicians' reply target in working days
	// (Guidance.Replies).
	ReplyTargetDays int `json:"reply_target_days"`
	// Series are a researcher's counts, every one suppressed (nil for a
	// coordinator).
	Series *SeriesSection `json:"series"`

	// Profile is the profile of help-seekers per module (profile.go) and
	// Outcomes the PHQ-9 before and after (outcomes.go): breakdowns with
	// their own small-cell suppression, by the same months. Nil when the
	// service was built without statistics.
	Profile  *ProfileSection `json:"profile"`
	Outcomes *OutcomeSection `json:"outcomes"`
}

// Figures are one month's figures, or the range's total (Month empty).
type Figures struct {
	Month    string   `json:"month,omitempty"`
	Reach    Reach    `json:"reach"`
	Selfhelp Selfhelp `json:"selfhelp"`
	Guidance Guidance `json:"guidance"`
	// Funnel is visitors → self-tests → self-help starters → applicants
	// → entrants → completers of the same month (not a cohort followed
	// over time: anonymous visitors and self-tests cannot be followed).
	Funnel []Step `json:"funnel"`
}

// Reach is the info module's and the self-test's reach.
type Reach struct {
	PageViews int64 `json:"page_views"`
	// VisitorDays adds up each day's unique visitors: a person who comes
	// back on another day counts again (visitors are never followed across
	// days). Days not yet closed (today) are not in it.
	VisitorDays int64 `json:"visitor_days"`
	// SelfTests are the anonymous self-tests completed, SelfTestsCrisis
	// those that raised the crisis flag.
	SelfTests       int64             `json:"selftests"`
	SelfTestsCrisis int64             `json:"selftests_crisis"`
	Instruments     []InstrumentCount `json:"instruments"`
}

// InstrumentCount are one instrument's self-tests, per severity band.
type InstrumentCount struct {
	Instrument string  `json:"instrument"`
	Completed  int64   `json:"completed"`
	Crisis     int64   `json:"crisis"`
	Bands      []Count `json:"bands"`
}

// Count is a number of something named by Key (a band, a reason).
type Count struct {
	Key string `json:"key"`
	N   int64  `json:"n"`
}

// Median is a median and the number of people it rests on; Value is nil
// when there is nobody.
type Median struct {
	Value *float64 `json:"value"`
	N     int64    `json:"n"`
}

// Selfhelp is the self-help module.
type Selfhelp struct {
	// Starters opened the course's first lesson in the month (the
	// selfhelp_started event; enrolling without opening a lesson is not
	// starting).
	Starters         int64 `json:"starters"`
	LessonsCompleted int64 `json:"lessons_completed"`
	CoursesCompleted int64 `json:"courses_completed"`
	// Lapses: clients who stayed away a week and were nudged (once per
	// lapse) in the month; Returns: nudged clients who came back and saw
	// their nudge in the month. An erased client's nudges go with their
	// account.
	Lapses  int64 `json:"lapses"`
	Returns int64 `json:"returns"`
	// LessonsPerStarter: the median number of lessons the month's starters
	// completed by the end of the report's range (so a past range's report
	// does not change later). Starters whose account was erased are left
	// out: erasure cuts the link between their events.
	LessonsPerStarter Median `json:"lessons_per_starter"`
}

// Guidance is the guided trajectory.
type Guidance struct {
	// Applications are trajectories applied for in the month.
	Applications int64 `json:"applications"`
	// Entrants are trajectories started in the month (the client agreed
	// to their clinician).
	Entrants int64 `json:"entrants"`
	// Completed are trajectories that ended completed in the month.
	Completed int64 `json:"completed"`
	// EarlyExits ended in the month as dropped out, or ended by the
	// no-contact job; ExitsByReason splits them by the dropout taxonomy
	// (every reason listed, "unknown" when none was recorded).
	EarlyExits    int64   `json:"early_exits"`
	ExitsByReason []Count `json:"exits_by_reason"`
	// Referrals ended in the month referred elsewhere, by reason.
	Referrals         int64   `json:"referrals"`
	ReferralsByReason []Count `json:"referrals_by_reason"`
	// Withdrawn: applications the client withdrew before starting.
	Withdrawn int64 `json:"withdrawn"`
	// Extensions granted in the month.
	Extensions int64 `json:"extensions"`
	// DaysToStart: for the month's entrants, days from application to
	// start. DaysToFirstContact: for trajectories whose first contact was
	// in the month, days from application to that contact.
	DaysToStart        Median `json:"days_to_start"`
	DaysToFirstContact Median `json:"days_to_first_contact"`
	// DaysFromSelftest: for the clients whose first application after a
	// self-test they claimed into their account was in the month, days
	// from the earliest such self-test to that application. Anonymous
	// self-tests never claimed cannot be linked to anyone and are not in
	// it.
	DaysFromSelftest Median `json:"days_from_selftest"`
	// For the trajectories that ended in the month after they had started
	// (completed, dropped out, referred): the days from start to end, and
	// the messages each way (from the client, from the clinician) kept at
	// the end.
	DaysInCare            Median `json:"days_in_care"`
	MessagesFromClient    Median `json:"messages_from_client"`
	MessagesFromClinician Median `json:"messages_from_clinician"`
	// Replies are the clinicians' reply times against their target.
	Replies Replies `json:"replies"`
}

// Replies are the clients' waits for a reply that began in the month
// (coaching.Waits: from a client's first message after the clinician's
// last, to the clinician's next message), against the clinician's target
// of Report.ReplyTargetDays working days (coaching.LateReply). Waits =
// InTarget + Late + Overdue + Open.
type Replies struct {
	Waits int64 `json:"waits"`
	// InTarget and Late were answered within and after the target.
	InTarget int64 `json:"in_target"`
	Late     int64 `json:"late"`
	// Overdue and Open have no reply yet: past the target now, or not yet.
	Overdue int64 `json:"overdue"`
	Open    int64 `json:"open"`
	// HoursToReply is over the answered waits (calendar hours).
	HoursToReply Median `json:"hours_to_reply"`
}

// Step is one step of the funnel; Share is N divided by the previous
// step's N (nil for the first step, and when the previous is 0).
type Step struct {
	Step  string   `json:"step"`
	N     int64    `json:"n"`
	Share *float64 `json:"share"`
}

// The funnel's steps.
const (
	StepVisitors   = "visitor_days"
	StepSelfTests  = "selftests"
	StepStarters   = "selfhelp_starters"
	StepApplicants = "applicants"
	StepEntrants   = "entrants"
	StepCompleters = "completers"
)

// FunnelSteps lists the funnel's steps in order.
var FunnelSteps = []string{StepVisitors, StepSelfTests, StepStarters, StepApplicants, StepEntrants, StepCompleters}

func funnel(f *Figures) []Step {
	ns := []int64{f.Reach.VisitorDays, f.Reach.SelfTests, f.Selfhelp.Starters, f.Guidance.Applications, f.Guidance.Entrants, f.Guidance.Completed}
	out := make([]Step, len(ns))
	for i, n := range ns {
		out[i] = Step{Step: FunnelSteps[i], N: n}
		if i > 0 && ns[i-1] > 0 {
			out[i].Share = ratio(n, ns[i-1])
		}
	}
	return out
}

// ratio is a/b rounded to three decimals.
func ratio(a, b int64) *float64 {
	r := float64(int64(float64(a)/float64(b)*1000+0.5)) / 1000
	return &r
}

// median of xs (days), rounded to one decimal; xs is sorted in place.
func median(xs []float64) Median {
	m := Median{N: int64(len(xs))}
	if v, ok := MedianOf(xs); ok {
		v = float64(int64(v*10+0.5)) / 10
		m.Value = &v
	}
	return m
}

// addCounts adds b's counts to a's, key by key (both list the same keys
// in the same order: every month of a report lists every key).
func addCounts(a, b []Count) []Count {
	out := slices.Clone(a)
	for _, c := range b {
		i := slices.IndexFunc(out, func(x Count) bool { return x.Key == c.Key })
		if i < 0 {
			out = append(out, c)
			continue
		}
		out[i].N += c.N
	}
	return out
}

// total sums the months' counts. Medians are not in it: the caller pools
// the months' values.
func total(months []Figures) Figures {
	var t Figures
	for _, m := range months {
		t.Reach.PageViews += m.Reach.PageViews
		t.Reach.VisitorDays += m.Reach.VisitorDays
		t.Reach.SelfTests += m.Reach.SelfTests
		t.Reach.SelfTestsCrisis += m.Reach.SelfTestsCrisis
		for _, in := range m.Reach.Instruments {
			i := slices.IndexFunc(t.Reach.Instruments, func(x InstrumentCount) bool { return x.Instrument == in.Instrument })
			if i < 0 {
				t.Reach.Instruments = append(t.Reach.Instruments, InstrumentCount{Instrument: in.Instrument})
				i = len(t.Reach.Instruments) - 1
			}
			ti := &t.Reach.Instruments[i]
			ti.Completed += in.Completed
			ti.Crisis += in.Crisis
			ti.Bands = addCounts(ti.Bands, in.Bands)
		}
		t.Selfhelp.Starters += m.Selfhelp.Starters
		t.Selfhelp.LessonsCompleted += m.Selfhelp.LessonsCompleted
		t.Selfhelp.CoursesCompleted += m.Selfhelp.CoursesCompleted
		t.Selfhelp.Lapses += m.Selfhelp.Lapses
		t.Selfhelp.Returns += m.Selfhelp.Returns
		g := &t.Guidance
		g.Applications += m.Guidance.Applications
		g.Entrants += m.Guidance.Entrants
		g.Completed += m.Guidance.Completed
		g.EarlyExits += m.Guidance.EarlyExits
		g.ExitsByReason = addCounts(g.ExitsByReason, m.Guidance.ExitsByReason)
		g.Referrals += m.Guidance.Referrals
		g.ReferralsByReason = addCounts(g.ReferralsByReason, m.Guidance.ReferralsByReason)
		g.Withdrawn += m.Guidance.Withdrawn
		g.Extensions += m.Guidance.Extensions
		g.Replies.Waits += m.Guidance.Replies.Waits
		g.Replies.InTarget += m.Guidance.Replies.InTarget
		g.Replies.Late += m.Guidance.Replies.Late
		g.Replies.Overdue += m.Guidance.Replies.Overdue
		g.Replies.Open += m.Guidance.Replies.Open
	}
	if t.Reach.Instruments == nil {
		t.Reach.Instruments = []InstrumentCount{}
	}
	t.Funnel = funnel(&t)
	return t
}
