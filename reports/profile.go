package reports

// Profiles: who seeks help, per module, per month — from what Haven
// actually stores, and nothing else:
//
//   - self-test: every anonymous self-test of the month (a person who takes
//     two counts twice: nothing links them). Age band, gender, region and
//     help sought before are the optional profile answers stored with the
//     submission (selftest.Profile); severity is the self-test's own
//     instrument and band ("phq9:moderate", "gad7:mild").
//   - self-help: every enrolment started in the month (one per person and
//     course). Severity at start is the band of the course's first
//     questionnaire (the PHQ-9 at point "start"); not taken yet counts as
//     not answered.
//   - guidance: every application (trajectory applied for) in the month.
//     Severity at start is the intake PHQ-9's band, which every
//     application has.
//
// For self-help and guidance, age band, gender, region and help sought
// before come from the self-tests the person claimed to their account (the
// only place Haven asks them): per question, the latest claimed self-test
// taken at or before the start (or the application) that answered it.
// Someone who never claimed a self-test, or skipped the question, counts as
// not answered. The intake's "care elsewhere" (GP, psychologist,
// medication) is not used for "help sought before": it is sealed clinical
// text for the clinician, and a report reading it would unseal every
// client's intake.
//
// Each question is one table — its answers (and "not_answered") by month,
// with totals — suppressed as suppress.go describes, so the share that did
// not answer is shown only when its count is.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/selftest"
)

// The profile questions, in the order pages show them. The first four are
// the self-test's profile questions (selftest.ProfileQuestions ids).
const (
	QuestionAgeBand          = "age_band"
	QuestionGender           = "gender"
	QuestionRegion           = "region"
	QuestionSeverity         = "severity_at_start"
	QuestionSoughtHelpBefore = "sought_help_before"
)

// ProfileQuestionOrder lists them.
var ProfileQuestionOrder = []string{QuestionAgeBand, QuestionGender, QuestionRegion, QuestionSeverity, QuestionSoughtHelpBefore}

// NotAnswered is the row of the people who did not answer a question.
const NotAnswered = "not_answered"

// The modules profiled.
const (
	ProfileSelftest = "selftest"
	ProfileSelfhelp = "selfhelp"
	ProfileGuidance = "guidance"
)

// Periods are the columns of the breakdowns: period i is
// [Bounds[i], Bounds[i+1]) and is called Labels[i] ("2026-03").
type Periods struct {
	Labels []string
	Bounds []time.Time
}

func (p Periods) from() time.Time { return p.Bounds[0] }
func (p Periods) to() time.Time   { return p.Bounds[len(p.Bounds)-1] }

func (p Periods) valid() bool {
	if len(p.Labels) == 0 || len(p.Bounds) != len(p.Labels)+1 {
		return false
	}
	for i := 1; i < len(p.Bounds); i++ {
		if !p.Bounds[i-1].Before(p.Bounds[i]) {
			return false
		}
	}
	return true
}

// MonthlyPeriods are the calendar months in loc from the month holding
// first to the month holding last, both included, labelled YYYY-MM, with
// their first instants in UTC.
func MonthlyPeriods(first, last time.Time, loc *time.Location) Periods {
	f, l := first.In(loc), last.In(loc)
	m := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, loc)
	end := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, 1, 0)
	var p Periods
	for ; m.Before(end); m = m.AddDate(0, 1, 0) {
		p.Labels = append(p.Labels, m.Format("2006-01"))
		p.Bounds = append(p.Bounds, m.UTC())
	}
	p.Bounds = append(p.Bounds, end.UTC())
	return p
}

// ErrPeriods is returned for periods that are empty or not in order.
var ErrPeriods = errors.New("reports: periods must be at least one, in order")

// SeverityScale is an instrument's bands, mildest first: the rows of the
// severity table.
type SeverityScale struct {
	Instrument string
	Bands      []string
}

// StatsOptions build a StatsService.
type StatsOptions struct {
	DB *gorm.DB
	// Now is the clock: which follow-ups are due.
	Now func() time.Time
	// Location is the deployment's time zone (where a follow-up three
	// months after the end falls).
	Location *time.Location
	// Severity lists the instruments and their bands (the self-test
	// catalogue's); values not listed still get a row, after these.
	Severity []SeverityScale
	// Criteria of reliable change and recovery (zero: PHQ9Criteria).
	Criteria ChangeCriteria
	// SelfhelpStart and SelfhelpEnd are the course questionnaire's first
	// and last points (zero: "start" and "end", modules/content).
	SelfhelpStart, SelfhelpEnd string
}

// StatsService computes the profile and outcome figures.
type StatsService struct {
	store      *statsStore
	now        func() time.Time
	loc        *time.Location
	severity   []SeverityScale
	criteria   ChangeCriteria
	start, end string
}

// NewStatsService returns a StatsService.
func NewStatsService(o StatsOptions) (*StatsService, error) {
	if o.DB == nil {
		return nil, errors.New("reports: a database is required")
	}
	if o.Location == nil {
		return nil, errors.New("reports: a time zone is required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Criteria == (ChangeCriteria{}) {
		o.Criteria = PHQ9Criteria
	}
	if o.SelfhelpStart == "" {
		o.SelfhelpStart = "start"
	}
	if o.SelfhelpEnd == "" {
		o.SelfhelpEnd = "end"
	}
	return &StatsService{store: &statsStore{db: o.DB}, now: o.Now, loc: o.Location, severity: o.Severity,
		criteria: o.Criteria, start: o.SelfhelpStart, end: o.SelfhelpEnd}, nil
}

// ProfileSection is the profile of the people of each module.
type ProfileSection struct {
	Modules []ModuleProfile `json:"modules"`
}

// ModuleProfile is one module's profile: one breakdown per question.
type ModuleProfile struct {
	Module string `json:"module"`
	// Unit is what is counted: "self_tests", "enrolments", "applications".
	Unit       string      `json:"unit"`
	Breakdowns []Breakdown `json:"breakdowns"`
}

// Breakdown is one question's answers by period, suppressed.
type Breakdown struct {
	Question string          `json:"question"`
	Table    SuppressedTable `json:"table"`
	// NotAnsweredShare is the share of the total that did not answer, nil
	// when its count or the total is hidden.
	NotAnsweredShare *float64 `json:"not_answered_share"`
}

// answers are the rows of a question, in display order.
func (s *StatsService) answers(question string) []string {
	for _, pq := range selftest.ProfileQuestions() {
		if pq.ID == question {
			return pq.Values
		}
	}
	var out []string
	for _, sc := range s.severity {
		for _, b := range sc.Bands {
			out = append(out, sc.Instrument+":"+b)
		}
	}
	return out
}

// Profiles returns the profile of each module over the periods, every
// table suppressed under opt (opt.ColumnTotalsPublished when the reader
// sees each module's monthly counts exactly elsewhere: a coordinator).
// Guidance's severity only has PHQ-9 rows; the self-test's has every
// instrument's.
func (s *StatsService) Profiles(ctx context.Context, p Periods, opt SuppressOptions) (*ProfileSection, error) {
	if !p.valid() {
		return nil, ErrPeriods
	}
	out := &ProfileSection{}
	modules := []struct {
		id, unit string
		rows     func() ([]profileRow, error)
	}{
		{ProfileSelftest, "self_tests", func() ([]profileRow, error) { return s.store.selftestProfiles(ctx, p, s.loc) }},
		{ProfileSelfhelp, "enrolments", func() ([]profileRow, error) {
			raw := func(ctx context.Context, p Periods) ([]profileRow, error) {
				return s.store.selfhelpProfiles(ctx, p, s.start)
			}
			if s.start != selfhelpStartPoint { // the rollup's severity is the default point's
				return raw(ctx, p)
			}
			return s.store.rolledProfiles(ctx, p, s.loc, sourceSelfhelpPeople, metricSelfhelpProfile, false, raw)
		}},
		{ProfileGuidance, "applications", func() ([]profileRow, error) {
			return s.store.rolledProfiles(ctx, p, s.loc, sourceGuidancePeople, metricGuidanceProfile, false, s.store.guidanceProfiles)
		}},
	}
	for _, m := range modules {
		rows, err := m.rows()
		if err != nil {
			return nil, err
		}
		mp := ModuleProfile{Module: m.id, Unit: m.unit}
		for _, q := range ProfileQuestionOrder {
			rowNames := s.answers(q)
			if m.id != ProfileSelftest && q == QuestionSeverity {
				rowNames = slices.DeleteFunc(slices.Clone(rowNames), func(r string) bool { return !strings.HasPrefix(r, "phq9:") })
			}
			t := breakdownTable(p, rowNames, countsOf(rows, q))
			b := Breakdown{Question: q, Table: Suppress(t, opt)}
			b.NotAnsweredShare = shareOf(b.Table.RowTotals[len(b.Table.Rows)-1], b.Table.Total)
			mp.Breakdowns = append(mp.Breakdowns, b)
		}
		out.Modules = append(out.Modules, mp)
	}
	return out, nil
}

// countsOf sums the rows by period and their answer to question.
func countsOf(rows []profileRow, question string) []valueCount {
	out := make([]valueCount, 0, len(rows))
	for _, r := range rows {
		if r.Only != "" && r.Only != question {
			continue
		}
		v := map[string]*string{QuestionAgeBand: r.AgeBand, QuestionGender: r.Gender, QuestionRegion: r.Region,
			QuestionSoughtHelpBefore: r.SoughtHelpBefore, QuestionSeverity: r.Severity}[question]
		out = append(out, valueCount{Period: r.Period, Value: v, N: r.N})
	}
	return out
}

// breakdownTable lays counts out as rows (the answers given, any value not
// among them after them in sorted order, and NotAnswered last) by period.
func breakdownTable(p Periods, answers []string, rows []valueCount) CountTable {
	names := slices.Clone(answers)
	var extra []string
	for _, r := range rows {
		if r.Value != nil && !slices.Contains(names, *r.Value) && !slices.Contains(extra, *r.Value) {
			extra = append(extra, *r.Value)
		}
	}
	slices.Sort(extra)
	names = append(append(names, extra...), NotAnswered)
	t := CountTable{Rows: names, Cols: slices.Clone(p.Labels), Cells: make([][]int, len(names))}
	for i := range t.Cells {
		t.Cells[i] = make([]int, len(p.Labels))
	}
	for _, r := range rows {
		i := len(names) - 1
		if r.Value != nil {
			i = slices.Index(names, *r.Value)
		}
		if r.Period >= 0 && r.Period < len(p.Labels) {
			t.Cells[i][r.Period] += r.N
		}
	}
	return t
}

// shareOf is part/whole when both are shown and whole is not zero.
func shareOf(part, whole PublishedCount) *float64 {
	if part.Hidden() || whole.Hidden() || *whole.N == 0 {
		return nil
	}
	return num(float64(*part.N) / float64(*whole.N))
}
