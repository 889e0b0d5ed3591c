package reports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db/kind"
)

// MaxMonths is the longest range a report covers (ten years).
const MaxMonths = 120

// DefaultMonths is the range when none is asked for: the last twelve
// months, the current one included.
const DefaultMonths = 12

// Instrument is a self-test instrument and its severity bands, mildest
// first: every month lists them all, zeros included.
type Instrument struct {
	ID    string
	Bands []string
}

// Options build a Service.
type Options struct {
	Store *Store
	// Location is where months begin and end (HAVEN_TIMEZONE).
	Location *time.Location
	// Instruments are the self-tests, in the order reports show them.
	Instruments []Instrument
	Now         func() time.Time
	// Stats computes the profile and outcome sections; without it the
	// report has none.
	Stats *StatsService
	// MinCell is the suppression threshold of those sections: counts of
	// 1 to MinCell−1 are hidden (HAVEN_REPORT_MIN_CELL; 0 means
	// DefaultThreshold).
	MinCell int
	// ResponseDays is the clinicians' reply target in working days
	// (coaching's; 0 means 3, coaching's default).
	ResponseDays int
}

// Service builds the reports.
type Service struct {
	store       *Store
	loc         *time.Location
	instruments []Instrument
	now         func() time.Time
	stats       *StatsService
	minCell     int
	replyDays   int
}

// NewService returns a Service.
func NewService(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("reports: a store is required")
	}
	if o.Location == nil {
		return nil, errors.New("reports: a time zone is required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MinCell < 0 {
		return nil, errors.New("reports: the smallest cell shown must not be negative")
	}
	if o.MinCell == 0 {
		o.MinCell = DefaultThreshold
	}
	if o.ResponseDays <= 0 {
		o.ResponseDays = 3
	}
	return &Service{store: o.Store, loc: o.Location, instruments: o.Instruments, now: o.Now, stats: o.Stats, minCell: o.MinCell, replyDays: o.ResponseDays}, nil
}

// Location is the time zone of the report's months.
func (s *Service) Location() *time.Location { return s.loc }

// Range reads a range of months as people write it ("2026-01"), for both
// transports and the command: an empty to is the current month, an empty
// from the twelfth month before to. A month that is not YYYY-MM, a range
// that ends before it begins or one longer than MaxMonths is a field
// error (kind.Invalid). For a researcher the range is one closed calendar
// quarter (ResearchPeriod), by default the last one.
func (s *Service) Range(aud Audience, from, to string) (Month, Month, error) {
	if aud != AudienceCoordinator && from == "" && to == "" {
		f, t := s.LastClosedQuarter()
		return f, t, nil
	}
	verr := kind.NewInvalid("reports")
	var f, t Month
	var err error
	if to == "" {
		t = MonthOf(s.now(), s.loc)
	} else if t, err = ParseMonth(to); err != nil {
		verr.Add("to", "must be a month written YYYY-MM, from 2000")
	}
	if from == "" {
		f = t.Add(1 - DefaultMonths)
	} else if f, err = ParseMonth(from); err != nil {
		verr.Add("from", "must be a month written YYYY-MM, from 2000")
	}
	if err := verr.OrNil(); err != nil {
		return f, t, err
	}
	switch {
	case t.Before(f):
		verr.Add("to", "must not be before from")
	case monthsBetween(f, t) > MaxMonths:
		verr.Add("to", "a report covers at most 120 months")
	}
	if err := verr.OrNil(); err != nil || aud == AudienceCoordinator {
		return f, t, err
	}
	return f, t, s.ResearchPeriod(f, t)
}

// Monthly is the report for the months from..to (both included): each
// month's figures, empty months included, and the total computed from
// them. It runs a fixed number of queries whatever the range, under the
// caller's deadline.
//
// aud decides how much of it is exact (see Audience): a researcher's
// report has every count suppressed.
func (s *Service) Monthly(ctx context.Context, from, to Month, aud Audience) (*Report, error) {
	if to.Before(from) || monthsBetween(from, to) > MaxMonths {
		return nil, kind.Field("reports", "to", "must not be before from, and at most 120 months after it")
	}
	if aud != AudienceCoordinator {
		aud = AudienceResearcher // fail closed
		if err := s.ResearchPeriod(from, to); err != nil {
			return nil, err
		}
	}
	b := newBuckets(from, to, s.loc)
	r := &Report{From: from, To: to, TimeZone: s.loc.String(), GeneratedAt: s.now().UTC(), Audience: aud, Months: make([]Figures, len(b.months)), ReplyTargetDays: s.replyDays}
	for i, m := range b.months {
		r.Months[i] = s.empty(m.String())
	}
	pl := newPools(len(b.months))
	for _, step := range []func(context.Context, buckets, *Report, *pools) error{s.reach, s.selfhelp, s.guidance, s.replies} {
		if err := step(ctx, b, r, pl); err != nil {
			return nil, err
		}
	}
	for i := range r.Months {
		m := &r.Months[i]
		m.Selfhelp.LessonsPerStarter = median(slices.Clone(pl.lessons[i]))
		m.Guidance.DaysToStart = median(slices.Clone(pl.toStart[i]))
		m.Guidance.DaysToFirstContact = median(slices.Clone(pl.toContact[i]))
		m.Guidance.DaysFromSelftest = median(slices.Clone(pl.fromSelftest[i]))
		m.Guidance.DaysInCare = median(slices.Clone(pl.inCare[i]))
		m.Guidance.MessagesFromClient = median(slices.Clone(pl.fromClient[i]))
		m.Guidance.MessagesFromClinician = median(slices.Clone(pl.fromClinician[i]))
		m.Guidance.Replies.HoursToReply = median(slices.Clone(pl.toReply[i]))
		m.Funnel = funnel(m)
	}
	t := total(r.Months)
	r.Total = &t
	r.Total.Selfhelp.LessonsPerStarter = median(slices.Concat(pl.lessons...))
	r.Total.Guidance.DaysToStart = median(slices.Concat(pl.toStart...))
	r.Total.Guidance.DaysToFirstContact = median(slices.Concat(pl.toContact...))
	r.Total.Guidance.DaysFromSelftest = median(slices.Concat(pl.fromSelftest...))
	r.Total.Guidance.DaysInCare = median(slices.Concat(pl.inCare...))
	r.Total.Guidance.MessagesFromClient = median(slices.Concat(pl.fromClient...))
	r.Total.Guidance.MessagesFromClinician = median(slices.Concat(pl.fromClinician...))
	r.Total.Guidance.Replies.HoursToReply = median(slices.Concat(pl.toReply...))
	opt := SuppressOptions{Threshold: s.minCell, ColumnTotalsPublished: aud == AudienceCoordinator}
	if err := s.breakdowns(ctx, b, r, opt); err != nil {
		return nil, err
	}
	if aud == AudienceResearcher {
		forResearchers(r, SuppressOptions{Threshold: s.minCell})
	}
	return r, nil
}

// MinCell is the smallest count the breakdowns show.
func (s *Service) MinCell() int { return s.minCell }

// breakdowns adds the profile and outcome sections over the report's
// months. A coordinator sees each module's exact monthly counts in the
// report itself, so for them the profile tables treat their column totals
// as published (opt; outcome tables never do: see outcomes.go).
func (s *Service) breakdowns(ctx context.Context, b buckets, r *Report, opt SuppressOptions) error {
	if s.stats == nil {
		return nil
	}
	p := Periods{Bounds: b.bounds}
	for _, m := range b.months {
		p.Labels = append(p.Labels, m.String())
	}
	var err error
	if r.Profile, err = s.stats.Profiles(ctx, p, opt); err != nil {
		return fmt.Errorf("reports: profiles: %w", err)
	}
	if r.Outcomes, err = s.stats.Outcomes(ctx, p, opt); err != nil {
		return fmt.Errorf("reports: outcomes: %w", err)
	}
	return nil
}

// pools are each month's per-person values behind the medians.
type pools struct {
	lessons, toStart, toContact, fromSelftest, inCare, fromClient, fromClinician, toReply [][]float64
}

func newPools(n int) *pools {
	return &pools{lessons: make([][]float64, n), toStart: make([][]float64, n), toContact: make([][]float64, n), fromSelftest: make([][]float64, n),
		inCare: make([][]float64, n), fromClient: make([][]float64, n), fromClinician: make([][]float64, n), toReply: make([][]float64, n)}
}

// empty is a month with every key listed and nothing counted.
func (s *Service) empty(month string) Figures {
	f := Figures{Month: month}
	f.Reach.Instruments = make([]InstrumentCount, 0, len(s.instruments))
	for _, in := range s.instruments {
		ic := InstrumentCount{Instrument: in.ID, Bands: make([]Count, 0, len(in.Bands))}
		for _, band := range in.Bands {
			ic.Bands = append(ic.Bands, Count{Key: band})
		}
		f.Reach.Instruments = append(f.Reach.Instruments, ic)
	}
	for _, r := range coaching.EndReasons {
		if r.Referral() {
			f.Guidance.ReferralsByReason = append(f.Guidance.ReferralsByReason, Count{Key: string(r)})
		} else {
			f.Guidance.ExitsByReason = append(f.Guidance.ExitsByReason, Count{Key: string(r)})
		}
	}
	f.Guidance.ExitsByReason = append(f.Guidance.ExitsByReason, Count{Key: ReasonUnknown})
	f.Guidance.ReferralsByReason = append(f.Guidance.ReferralsByReason, Count{Key: ReasonUnknown})
	return f
}

// addReason counts n for reason in cs, or under ReasonUnknown when the
// reason is none of cs's (none recorded, or not in the taxonomy), so every
// month lists the same reasons.
func addReason(cs []Count, reason *string, n int64) {
	i := slices.IndexFunc(cs, func(c Count) bool { return reason != nil && c.Key == *reason })
	if i < 0 {
		i = slices.IndexFunc(cs, func(c Count) bool { return c.Key == ReasonUnknown })
	}
	cs[i].N += n
}

// ReasonUnknown counts exits and referrals without a recorded reason (or
// one outside the taxonomy).
const ReasonUnknown = "unknown"

func (s *Service) reach(ctx context.Context, b buckets, r *Report, _ *pools) error {
	days, err := s.store.visitDays(ctx, b)
	if err != nil {
		return err
	}
	for _, d := range days {
		i := b.dayIndex(d.Day)
		if i < 0 {
			continue
		}
		r.Months[i].Reach.PageViews += d.PageViews
		if d.UniqueVisitors != nil {
			r.Months[i].Reach.VisitorDays += *d.UniqueVisitors
		}
	}
	rows, err := s.store.selftests(ctx, b)
	if err != nil {
		return err
	}
	// Instruments or bands no longer in the catalogue (an older version)
	// are listed after the known ones, in every month.
	for _, row := range rows {
		for i := range r.Months {
			ic := instrument(&r.Months[i].Reach, row.InstrumentID)
			if !slices.ContainsFunc(ic.Bands, func(c Count) bool { return c.Key == row.Band }) {
				ic.Bands = append(ic.Bands, Count{Key: row.Band})
			}
		}
	}
	for _, row := range rows {
		if row.Bucket < 0 || row.Bucket >= len(r.Months) {
			continue
		}
		rc := &r.Months[row.Bucket].Reach
		rc.SelfTests += row.N
		rc.SelfTestsCrisis += row.Crisis
		ic := instrument(rc, row.InstrumentID)
		ic.Completed += row.N
		ic.Crisis += row.Crisis
		for j := range ic.Bands {
			if ic.Bands[j].Key == row.Band {
				ic.Bands[j].N += row.N
			}
		}
	}
	return nil
}

// instrument is rc's count for id, added at the end when missing.
func instrument(rc *Reach, id string) *InstrumentCount {
	i := slices.IndexFunc(rc.Instruments, func(x InstrumentCount) bool { return x.Instrument == id })
	if i < 0 {
		rc.Instruments = append(rc.Instruments, InstrumentCount{Instrument: id, Bands: []Count{}})
		i = len(rc.Instruments) - 1
	}
	return &rc.Instruments[i]
}

func (s *Service) selfhelp(ctx context.Context, b buckets, r *Report, p *pools) error {
	rows, err := s.store.events(ctx, b)
	if err != nil {
		return err
	}
	for _, row := range rows {
		if row.Bucket < 0 || row.Bucket >= len(r.Months) {
			continue
		}
		sh := &r.Months[row.Bucket].Selfhelp
		switch row.Kind {
		case eventStarted:
			sh.Starters += row.N
		case eventLesson:
			sh.LessonsCompleted += row.N
		case eventCourse:
			sh.CoursesCompleted += row.N
		}
	}
	for _, c := range []struct {
		col string
		add func(sh *Selfhelp, n int64)
	}{
		{colNudged, func(sh *Selfhelp, n int64) { sh.Lapses += n }},
		{colShown, func(sh *Selfhelp, n int64) { sh.Returns += n }},
	} {
		rows, err := s.store.nudges(ctx, c.col, b)
		if err != nil {
			return err
		}
		for _, row := range rows {
			if row.Bucket >= 0 && row.Bucket < len(r.Months) {
				c.add(&r.Months[row.Bucket].Selfhelp, row.N)
			}
		}
	}
	starters, err := s.store.starters(ctx, b)
	if err != nil {
		return err
	}
	done, err := s.store.lessonsDone(ctx, b)
	if err != nil {
		return err
	}
	lessons := make(map[string]int64, len(done))
	for _, d := range done {
		lessons[d.EnrolmentID] = d.Lessons
	}
	for _, row := range starters {
		if row.Bucket >= 0 && row.Bucket < len(r.Months) {
			p.lessons[row.Bucket] = append(p.lessons[row.Bucket], float64(lessons[row.EnrolmentID]))
		}
	}
	return nil
}

func (s *Service) guidance(ctx context.Context, b buckets, r *Report, p *pools) error {
	for _, c := range []struct {
		col string
		add func(g *Guidance, n int64)
	}{
		{colApplied, func(g *Guidance, n int64) { g.Applications += n }},
		{colExtended, func(g *Guidance, n int64) { g.Extensions += n }},
	} {
		rows, err := s.store.trajectories(ctx, c.col, b)
		if err != nil {
			return err
		}
		for _, row := range rows {
			if row.Bucket >= 0 && row.Bucket < len(r.Months) {
				c.add(&r.Months[row.Bucket].Guidance, row.N)
			}
		}
	}
	ends, err := s.store.ends(ctx, b)
	if err != nil {
		return err
	}
	for _, row := range ends {
		if row.Bucket < 0 || row.Bucket >= len(r.Months) {
			continue
		}
		g := &r.Months[row.Bucket].Guidance
		switch coaching.State(row.State) {
		case coaching.StateCompleted:
			g.Completed += row.N
		case coaching.StateReferred:
			g.Referrals += row.N
			addReason(g.ReferralsByReason, row.EndReason, row.N)
		case coaching.StateWithdrawn:
			g.Withdrawn += row.N
		case coaching.StateDroppedOut, coaching.StateNoContact:
			g.EarlyExits += row.N
			addReason(g.ExitsByReason, row.EndReason, row.N)
		}
	}
	for _, c := range []struct {
		col   string
		count bool
		pool  [][]float64
	}{
		{colStarted, true, p.toStart},
		{colFirstContact, false, p.toContact},
	} {
		rows, err := s.store.spans(ctx, c.col, b)
		if err != nil {
			return err
		}
		for _, row := range rows {
			i := b.index(row.At.Time)
			if i < 0 {
				continue
			}
			if c.count {
				r.Months[i].Guidance.Entrants++
			}
			c.pool[i] = append(c.pool[i], row.At.Sub(row.AppliedAt.Time).Hours()/24)
		}
	}
	// From a claimed self-test to the application: the row's AppliedAt is
	// the self-test, At the application.
	linked, err := s.store.selftestToApplication(ctx, b)
	if err != nil {
		return err
	}
	for _, row := range linked {
		if i := b.index(row.At.Time); i >= 0 {
			p.fromSelftest[i] = append(p.fromSelftest[i], row.At.Sub(row.AppliedAt.Time).Hours()/24)
		}
	}
	ended, err := s.store.endedInCare(ctx, b)
	if err != nil {
		return err
	}
	for _, row := range ended {
		if i := b.index(row.EndedAt.Time); i >= 0 {
			p.inCare[i] = append(p.inCare[i], row.EndedAt.Sub(row.StartedAt.Time).Hours()/24)
			p.fromClient[i] = append(p.fromClient[i], float64(row.In))
			p.fromClinician[i] = append(p.fromClinician[i], float64(row.Out))
		}
	}
	return nil
}

// replies counts the clients' waits for a reply that began in each month
// (coaching.Waits over each conversation from the range's start; a wait
// that began before it belongs to an earlier month) and how each ended
// against the reply target (coaching.LateReply), now for the waits not
// answered yet.
func (s *Service) replies(ctx context.Context, b buckets, r *Report, p *pools) error {
	rows, err := s.store.conversations(ctx, b)
	if err != nil {
		return err
	}
	now := s.now()
	add := func(msgs []coaching.MessageAt) {
		for _, w := range coaching.Waits(msgs) {
			i := b.index(w.Since)
			if i < 0 {
				continue
			}
			g := &r.Months[i].Guidance.Replies
			g.Waits++
			switch {
			case w.Reply == nil && coaching.LateReply(w.Since, now, s.replyDays, s.loc):
				g.Overdue++
			case w.Reply == nil:
				g.Open++
			case coaching.LateReply(w.Since, *w.Reply, s.replyDays, s.loc):
				g.Late++
			default:
				g.InTarget++
			}
			if w.Reply != nil {
				p.toReply[i] = append(p.toReply[i], w.Reply.Sub(w.Since).Hours())
			}
		}
	}
	var msgs []coaching.MessageAt
	for i, row := range rows {
		if i == 0 || row.TrajectoryID != rows[i-1].TrajectoryID {
			add(msgs)
			msgs = msgs[:0]
			if row.Prev != nil && *row.Prev == coaching.FromClient {
				// The conversation was already waiting at the range's
				// start: that wait is an earlier month's.
				msgs = append(msgs, coaching.MessageAt{Role: coaching.FromClient, At: b.from().Add(-time.Nanosecond)})
			}
		}
		msgs = append(msgs, coaching.MessageAt{Role: row.SenderRole, At: row.CreatedAt.Time})
	}
	add(msgs)
	return nil
}
