package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/reports"
	"github.com/haven-mh/haven/selftest"
)

// `haven demo-data` fills an empty database with the volumes of a national
// service — by default 18 months of 5 million page views, 500,000
// anonymous self-tests, 100,000 self-help starters and 50,000 guided
// trajectories — quickly (PostgreSQL COPY, SQLite multi-row INSERTs), to
// measure the monthly report at scale. Unlike `haven demo` it does not go
// through the services (millions of audited requests would take hours):
// it writes the rows the domains write, in their tables and columns, with
// the values their rules produce — scores and bands by the instruments'
// own scoring (selftest.Score), the self-help course's lessons and
// questionnaire points, the trajectory's states, the dropout taxonomy and
// the planned end of coaching.PlannedEnd — and seals what the domains seal
// with the configured keys (HAVEN_ENCRYPTION_KEYS), in the domains'
// sealing contexts. It writes what the report reads and what those rows
// point at (the clients and clinicians) and the guided conversations
// (messages, for the replies against their target), not the rest of a
// person's work: no lesson answers, diary, contacts, transitions or audit
// entries. Its people cannot sign in (no password).

// demoDataOptions are `haven demo-data`'s flags.
type demoDataOptions struct {
	Months       int
	To           string // last month, YYYY-MM; empty: the current month
	PageViews    int
	SelfTests    int
	Starters     int
	Trajectories int
	Scale        float64
	Seed         uint64
}

// The national volumes of the issue: the defaults.
const (
	defaultDataMonths       = 18
	defaultDataPageViews    = 5_000_000
	defaultDataSelfTests    = 500_000
	defaultDataStarters     = 100_000
	defaultDataTrajectories = 50_000
)

// scaled is n times the scale factor, rounded.
func (o demoDataOptions) scaled(n int) int { return int(math.Round(float64(n) * o.Scale)) }

func (o demoDataOptions) check() error {
	switch {
	case o.Months < 1 || o.Months > reports.MaxMonths:
		return fmt.Errorf("demo-data: -months must be 1 to %d", reports.MaxMonths)
	case o.Scale <= 0 || o.Scale > 10:
		return errors.New("demo-data: -scale must be above 0 and at most 10")
	case o.PageViews < 0 || o.SelfTests < 0 || o.Starters < 0 || o.Trajectories < 0:
		return errors.New("demo-data: volumes must not be negative")
	}
	if o.To != "" {
		if _, err := reports.ParseMonth(o.To); err != nil {
			return fmt.Errorf("demo-data: -to: %w", err)
		}
	}
	return nil
}

// demoDataCommand is `haven demo-data`.
func demoDataCommand(ctx context.Context, cfg config, database *db.DB, log *slog.Logger, o demoDataOptions, stdout io.Writer) error {
	svcs, err := wire.New(ctx, cfg.Wire, database, log)
	if err != nil {
		return err
	}
	found, err := databaseInUse(ctx, database)
	if err != nil {
		return err
	}
	if len(found) > 0 {
		return &demoRefused{fmt.Sprintf("demo-data: refusing to run: this database is in use (%s); nothing was changed.\n"+
			"Generated volumes go only into an empty database, so they never mix with real figures: never run it\n"+
			"against a production database. Use a new PostgreSQL database, or HAVEN_DATA_DIR=/tmp/haven-data for SQLite.",
			strings.Join(found, ", "))}
	}
	g, err := newDataGen(svcs, o, time.Now())
	if err != nil {
		return err
	}
	began := time.Now()
	w := newBulkWriter(database)
	if err := g.run(ctx, w); err != nil {
		return fmt.Errorf("%w\nThe database now holds part of the data; start again on an empty one", err)
	}
	fmt.Fprintf(stdout, "demo-data: %s to %s (%s) in %s into %s\n", g.months[0], g.months[len(g.months)-1], g.loc,
		time.Since(began).Round(time.Millisecond), describeDatabase(cfg, database))
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, t := range slices.Sorted(maps.Keys(w.rows)) {
		fmt.Fprintf(tw, "%s\t%d\t\n", t, w.rows[t])
	}
	fmt.Fprintf(tw, "page views (in visit_days)\t%d\t\n", g.pageViews)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Its people cannot sign in. Roll up its closed months: haven run-job reports-rollup\nSee the report: haven report -from %s -to %s\n",
		g.months[0], g.months[len(g.months)-1])
	return nil
}

// dataGen makes the rows, month by month, from one seeded generator: the
// same flags and seed make the same data (ids included) on the same day.
type dataGen struct {
	o       demoDataOptions
	rng     *rand.Rand
	ids     *rand.ChaCha8
	loc     *time.Location
	now     time.Time
	months  []reports.Month
	bounds  []time.Time // the months' first instants (UTC) and the end of the last
	weights []float64   // each month's share of the volumes
	phq9    *selftest.Instrument
	gad7    *selftest.Instrument
	prog    *modules.Programme
	sealer  *seal.Sealer
	macKey  []byte // the coaching messages' MAC key (coaching.Service)

	clinicians []string
	// formerStarters are earlier self-help starters who may apply for
	// guided care later: people who appear in several months.
	formerStarters []string
	users          int
	pageViews      int64
}

func newDataGen(svcs *wire.Services, o demoDataOptions, now time.Time) (*dataGen, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	g := &dataGen{o: o, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), loc: svcs.Location, now: now.UTC(), sealer: svcs.Sealer,
		macKey: svcs.Sealer.Derive("coaching message mac")}
	var seed [32]byte
	seed[0], seed[1] = byte(o.Seed), byte(o.Seed>>8)
	g.ids = rand.NewChaCha8(seed)
	var err error
	if g.phq9, err = svcs.Selftest.Catalog().Instrument("phq9"); err != nil {
		return nil, fmt.Errorf("demo-data: %w", err)
	}
	if g.gad7, err = svcs.Selftest.Catalog().Instrument("gad7"); err != nil {
		return nil, fmt.Errorf("demo-data: %w", err)
	}
	if g.prog, err = svcs.Selfhelp.Library().Programme("depression"); err != nil {
		return nil, fmt.Errorf("demo-data: %w", err)
	}
	last := reports.MonthOf(g.now, g.loc)
	if o.To != "" {
		to, _ := reports.ParseMonth(o.To)
		if last.Before(to) {
			return nil, errors.New("demo-data: -to must not be after the current month")
		}
		last = to
	}
	first := last.Add(1 - o.Months)
	for i := range o.Months {
		m := first.Add(i)
		g.months = append(g.months, m)
		g.bounds = append(g.bounds, m.Start(g.loc).UTC())
	}
	g.bounds = append(g.bounds, last.Add(1).Start(g.loc).UTC())
	for i, m := range g.months {
		w := g.season(m) * g.growth(float64(i)/float64(max(1, o.Months-1)))
		span := g.bounds[i+1].Sub(g.bounds[i])
		if lived := g.now.Sub(g.bounds[i]); lived < span { // the current month, so far
			w *= max(0, float64(lived)/float64(span))
		}
		g.weights = append(g.weights, w)
	}
	return g, nil
}

// season: more help is sought in winter than in summer (peak in January,
// low in July), a little more in September and October.
func (g *dataGen) season(m reports.Month) float64 {
	x := 2 * math.Pi * float64(m.Month-1) / 12
	bump := 0.0
	if m.Month == time.September || m.Month == time.October {
		bump = 0.08
	}
	return 1 + 0.22*math.Cos(x) + bump
}

// growth: a national service grows, from 70 % to 130 % of its mean over
// the range (f from 0 to 1).
func (g *dataGen) growth(f float64) float64 { return 0.7 + 0.6*f }

// weekday: people seek help on Mondays more than at weekends.
var weekdayWeight = [7]float64{0.8, 1.2, 1.1, 1.05, 1.0, 0.9, 0.7} // Sunday first

// hourWeight: evenings more than nights.
var hourWeight = [24]float64{0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.5, 0.7, 0.8, 0.8, 0.8,
	0.85, 0.8, 0.8, 0.8, 0.85, 0.9, 1, 1, 1, 0.95, 0.8, 0.5}

// split divides total over weights exactly (largest remainders).
func split(total int, weights []float64) []int {
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	out := make([]int, len(weights))
	if sum == 0 || total == 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		x := float64(total) * w / sum
		out[i] = int(x)
		given += out[i]
		rems[i] = rem{i, x - float64(out[i])}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// instant is a moment in month i, by weekday and hour, before now.
func (g *dataGen) instant(i int) time.Time {
	from, to := g.bounds[i], g.bounds[i+1]
	if g.now.Before(to) {
		to = g.now
	}
	span := to.Sub(from)
	for {
		t := from.Add(time.Duration(g.rng.Int64N(int64(span))))
		l := t.In(g.loc)
		if g.rng.Float64()*1.2 < weekdayWeight[l.Weekday()]*hourWeight[l.Hour()] {
			return t
		}
	}
}

func (g *dataGen) id() string {
	u, err := uuid.NewRandomFromReader(g.ids)
	if err != nil {
		panic(err) // ChaCha8 never fails to read
	}
	return u.String()
}

func (g *dataGen) hex(n int) string {
	b := make([]byte, n)
	_, _ = g.ids.Read(b)
	return hex.EncodeToString(b)
}

// days is a duration of d days.
func days(d float64) time.Duration { return time.Duration(d * 24 * float64(time.Hour)) }

// between is a uniform duration of lo to hi days.
func (g *dataGen) between(lo, hi float64) time.Duration { return days(lo + g.rng.Float64()*(hi-lo)) }

func (g *dataGen) chance(p float64) bool { return g.rng.Float64() < p }

// pick chooses among values by weight; weights need not sum to 1.
func (g *dataGen) pick(values []string, weights []float64) string {
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	x := g.rng.Float64() * sum
	for i, w := range weights {
		if x < w {
			return values[i]
		}
		x -= w
	}
	return values[len(values)-1]
}

// answer is a profile answer, or nil (skipped) with probability skip.
func (g *dataGen) answer(skip float64, values []string, weights []float64) *string {
	if g.chance(skip) {
		return nil
	}
	v := g.pick(values, weights)
	return &v
}

// target is a total around mean, within the instrument's range.
func (g *dataGen) target(in *selftest.Instrument, mean, sd float64) int {
	return max(0, min(in.MaxScore(), int(math.Round(g.rng.NormFloat64()*sd+mean))))
}

// answers are a complete set of answers to in whose total is near target;
// a safety item (PHQ-9 item 9) is answered above 0 more often the higher
// the total. The score, band and crisis flag then come from the
// instrument's own scoring.
func (g *dataGen) answers(in *selftest.Instrument, target int) ([]selftest.Answer, selftest.Scored, error) {
	safety := map[string]bool{}
	for _, s := range in.Safety {
		safety[s.Item] = true
	}
	values := map[string]int{}
	maxOf := map[string]int{}
	var scored []string
	for _, it := range in.Items {
		opts := it.Options
		if len(opts) == 0 {
			opts = in.Options
		}
		hi := 0
		for _, o := range opts {
			hi = max(hi, o.Value)
		}
		maxOf[it.ID] = hi
		if it.Scored && !safety[it.ID] {
			scored = append(scored, it.ID)
		}
	}
	for _, it := range in.Items {
		if safety[it.ID] && g.chance(0.02+0.3*float64(target)/float64(max(1, in.MaxScore()))) {
			values[it.ID] = 1 + g.rng.IntN(max(1, maxOf[it.ID]))
			target -= values[it.ID]
		}
	}
	for n := 0; n < target && len(scored) > 0; n++ {
		id := scored[g.rng.IntN(len(scored))]
		if values[id] < maxOf[id] {
			values[id]++
		}
	}
	var out []selftest.Answer
	for _, it := range in.Items {
		v := values[it.ID]
		if !it.Scored && !safety[it.ID] {
			if !it.Required && g.chance(0.4) {
				continue
			}
			v = g.rng.IntN(maxOf[it.ID] + 1)
		}
		out = append(out, selftest.Answer{Item: it.ID, Value: v})
	}
	res, err := selftest.Score(in, out)
	return out, res, err
}

// seal seals text under the domains' context, with the configured key.
func (g *dataGen) seal(text, context string) (*string, error) {
	s, err := g.sealer.Seal([]byte(text), context)
	if err != nil {
		return nil, fmt.Errorf("demo-data: seal: %w", err)
	}
	return &s, nil
}

func ptr[T any](v T) *T { return &v }

// batch holds one month's rows until they are written.
type batch map[string][][]any

// The columns written, per table.
var dataColumns = map[string][]string{
	"visit_days": {"day", "page_views", "unique_visitors"},
	"selftest_submissions": {"id", "instrument_id", "instrument_version", "language", "answers", "score", "band", "crisis",
		"age_band", "gender", "region", "sought_help_before", "created_at"},
	"selftest_claims": {"submission_id", "token_hash", "expires_at", "user_id", "claimed_at", "answers_sealed"},
	"users": {"id", "role", "status", "nickname", "nickname_key", "capacity", "totp_last_step", "display_name", "profession",
		"created_at", "updated_at"},
	"selfhelp_enrolments": {"id", "user_id", "programme_id", "programme_version", "started_at", "last_active_at", "completed_at",
		"current_lesson", "current_step"},
	"selfhelp_events": {"kind", "programme_id", "lesson_id", "enrolment_id", "occurred_at"},
	"selfhelp_measurements": {"enrolment_id", "point_id", "submission_id", "score", "band", "taken_at", "instrument", "language",
		"crisis", "answers_sealed", "key_id"},
	"selfhelp_nudges": {"enrolment_id", "lapse_since", "created_at", "shown_at", "emailed_at"},
	"coaching_trajectories": {"id", "client_id", "clinician_id", "state", "intake_score", "intake_band", "intake_crisis",
		"intake_anxiety", "intake_sealed", "applied_at", "assigned_at", "consent_at", "started_at", "planned_end", "extended_at",
		"extension_sealed", "first_contact_at", "ended_at", "end_reason", "end_note_sealed", "ended_by", "end_lessons_completed",
		"end_messages_in", "end_messages_out", "end_contacts", "last_client_activity_at", "updated_at"},
	"coaching_measurements": {"trajectory_id", "point", "instrument", "score", "band", "crisis", "answers_sealed", "key_id", "taken_at"},
	"coaching_messages":     {"id", "trajectory_id", "sender_id", "sender_role", "body_sealed", "key_id", "body_mac", "created_at", "read_at"},
}

// dataTableOrder is the order in which a month's tables are written.
var dataTableOrder = []string{"users", "selftest_submissions", "selftest_claims", "selfhelp_enrolments", "selfhelp_events",
	"selfhelp_measurements", "selfhelp_nudges", "coaching_trajectories", "coaching_measurements", "coaching_messages", "visit_days"}

func (b batch) add(table string, row ...any) {
	if len(row) != len(dataColumns[table]) {
		panic(fmt.Sprintf("demo-data: %s: %d values for %d columns", table, len(row), len(dataColumns[table])))
	}
	b[table] = append(b[table], row)
}

func (b batch) write(ctx context.Context, w *bulkWriter) error {
	for _, t := range dataTableOrder {
		if err := w.write(ctx, t, dataColumns[t], b[t]); err != nil {
			return err
		}
	}
	return nil
}

// run generates and writes every month.
func (g *dataGen) run(ctx context.Context, w *bulkWriter) error {
	b := batch{}
	g.addClinicians(b)
	g.addVisitDays(b)
	if err := b.write(ctx, w); err != nil {
		return err
	}
	selftests := split(g.o.scaled(g.o.SelfTests), g.weights)
	starters := split(g.o.scaled(g.o.Starters), g.weights)
	trajectories := split(g.o.scaled(g.o.Trajectories), g.weights)
	for i := range g.months {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := batch{}
		// Claimed self-tests are among the month's: they are made with
		// the people who claim them, the rest are anonymous.
		left := selftests[i]
		for range starters[i] {
			if err := g.addStarter(b, i, &left); err != nil {
				return err
			}
		}
		for range trajectories[i] {
			if err := g.addTrajectory(b, i, &left); err != nil {
				return err
			}
		}
		for range left {
			if _, err := g.addSelftest(b, i, g.instant(i), nil); err != nil {
				return err
			}
		}
		if err := b.write(ctx, w); err != nil {
			return err
		}
	}
	return nil
}

// addClinicians adds the staff who guide the trajectories: one for about
// every 25 trajectories running at once.
func (g *dataGen) addClinicians(b batch) {
	n := max(2, g.o.scaled(g.o.Trajectories)/g.o.Months*3/25)
	professions := []string{"Psychologist", "Psychotherapist", "Mental-health nurse"}
	for k := range n {
		id := g.id()
		nick := fmt.Sprintf("data-clinician-%04d", k+1)
		at := g.bounds[0].Add(-days(30))
		b.add("users", id, auth.RoleClinician, auth.StatusActive, nick, nick, 25, 0, ptr(fmt.Sprintf("Clinician %d", k+1)),
			ptr(professions[k%len(professions)]), at, at)
		g.clinicians = append(g.clinicians, id)
	}
}

// addVisitDays adds the closed days of the range (every day before
// today): page views and visitor-days, by season, growth and weekday.
func (g *dataGen) addVisitDays(b batch) {
	today := g.now.In(g.loc).Format(time.DateOnly)
	type day struct {
		name string
		w    float64
	}
	var ds []day
	first, end := g.months[0].Start(g.loc), g.months[len(g.months)-1].Add(1).Start(g.loc)
	total := end.Sub(first).Hours() / 24
	for d := first; d.Before(end); d = d.AddDate(0, 0, 1) {
		name := d.Format(time.DateOnly)
		if name >= today {
			break
		}
		f := d.Sub(first).Hours() / 24 / total
		ds = append(ds, day{name, g.season(reports.MonthOf(d, g.loc)) * g.growth(f) * weekdayWeight[d.Weekday()]})
	}
	ws := make([]float64, len(ds))
	for i, d := range ds {
		ws[i] = d.w
	}
	for i, n := range split(g.o.scaled(g.o.PageViews), ws) {
		unique := int64(float64(n) * (0.3 + 0.08*g.rng.Float64()))
		b.add("visit_days", ds[i].name, int64(n), &unique)
		g.pageViews += int64(n)
	}
}

// Profile answers, by how often each is given, and how often the
// question is skipped.
var (
	ageWeights    = []float64{0.06, 0.2, 0.24, 0.18, 0.14, 0.1, 0.08}
	genderWeights = []float64{0.6, 0.33, 0.04, 0.03}
	regionWeights = func() []float64 {
		ws := make([]float64, len(selftest.Regions))
		for i, r := range selftest.Regions {
			switch {
			case r == "be_antwerp":
				ws[i] = 0.2
			case r == "be_east_flanders":
				ws[i] = 0.17
			case r == "be_west_flanders":
				ws[i] = 0.13
			case r == "be_flemish_brabant":
				ws[i] = 0.12
			case r == "be_limburg":
				ws[i] = 0.09
			case r == "be_brussels":
				ws[i] = 0.08
			case r == "be_wallonia":
				ws[i] = 0.03
			case r == "other":
				ws[i] = 0.06
			default: // the Netherlands
				ws[i] = 0.01
			}
		}
		return ws
	}()
)

func (g *dataGen) language() string {
	if g.chance(0.82) {
		return "nl"
	}
	return "en"
}

// addSelftest adds an anonymous self-test taken at at; claimer, when
// set, claims it at once (its answers then move, sealed, to the claim, as
// selftest.Store.ClaimSubmission does). It returns the submission's id.
func (g *dataGen) addSelftest(b batch, month int, at time.Time, claimer *string) (string, error) {
	in, mean, sd := g.phq9, 11.0, 6.0
	if claimer == nil && g.chance(0.35) {
		in, mean, sd = g.gad7, 9, 5
	}
	answers, res, err := g.answers(in, g.target(in, mean, sd))
	if err != nil {
		return "", fmt.Errorf("demo-data: score %s: %w", in.ID, err)
	}
	plain, _ := json.Marshal(answers)
	id := g.id()
	stored := string(plain)
	if claimer != nil {
		sealed, err := g.seal(stored, "selftest-claim:"+id)
		if err != nil {
			return "", err
		}
		claimedAt := at.Add(g.between(0.002, 0.05))
		b.add("selftest_claims", id, g.hex(32), at.Add(24*time.Hour), claimer, claimedAt, sealed)
		stored = ""
	}
	b.add("selftest_submissions", id, in.ID, in.Version, g.language(), stored, res.Score, res.Band, res.Crisis,
		g.answer(0.15, selftest.AgeBands, ageWeights), g.answer(0.12, selftest.Genders, genderWeights),
		g.answer(0.25, selftest.Regions, regionWeights), g.answer(0.3, selftest.YesNo, []float64{0.45, 0.55}), at)
	return id, nil
}

// addClient adds a client account made at at.
func (g *dataGen) addClient(b batch, at time.Time) string {
	g.users++
	id, nick := g.id(), fmt.Sprintf("data-client-%07d", g.users)
	b.add("users", id, auth.RoleClient, auth.StatusActive, nick, nick, 0, 0, nil, nil, at, at)
	return id
}

// claimBefore adds, when a self-test of the month is left to claim, one
// the client took shortly before start (in the same month) and claimed.
func (g *dataGen) claimBefore(b batch, month int, start time.Time, client string, left *int) error {
	if *left <= 0 {
		return nil
	}
	at := start.Add(-g.between(0.01, 2))
	if at.Before(g.bounds[month]) {
		at = g.bounds[month].Add(g.between(0, 0.01))
		if !at.Before(start) {
			return nil
		}
	}
	*left--
	_, err := g.addSelftest(b, month, at, &client)
	return err
}

// measurement scores a PHQ-9 near target, sealed under context.
func (g *dataGen) measurement(target int, context string) (selftest.Scored, *string, string, error) {
	answers, res, err := g.answers(g.phq9, max(0, min(27, target)))
	if err != nil {
		return res, nil, "", fmt.Errorf("demo-data: score phq9: %w", err)
	}
	plain, _ := json.Marshal(answers)
	sealed, err := g.seal(string(plain), context)
	if err != nil {
		return res, nil, "", err
	}
	return res, sealed, seal.KeyID(*sealed), nil
}

// lessonsReached: how far starters get (0 to all 7 lessons).
var lessonsReached = []float64{0.24, 0.2, 0.14, 0.1, 0.08, 0.07, 0.05, 0.12}

// addStarter adds a client who starts the self-help course in month i,
// with the lessons they complete, the course questionnaires they take,
// the nudges after a lapse and their returns.
func (g *dataGen) addStarter(b batch, i int, left *int) error {
	start := g.instant(i)
	client := g.addClient(b, start.Add(-g.between(0.001, 0.1)))
	if g.chance(0.55) {
		if err := g.claimBefore(b, i, start, client, left); err != nil {
			return err
		}
	}
	p := g.prog
	e := g.id()
	lang := g.language()
	ev := func(kind string, lesson *string, at time.Time) {
		b.add("selfhelp_events", kind, p.ID, lesson, &e, at)
	}
	ev(modules.EventStarted, nil, start)
	level := float64(g.target(g.phq9, 13, 5))
	measure := func(point string, target float64, at time.Time) error {
		res, sealed, kid, err := g.measurement(int(math.Round(target)), "selfhelp-measurement:"+e+":"+point)
		if err != nil {
			return err
		}
		b.add("selfhelp_measurements", e, point, "", res.Score, res.Band, at, g.phq9.ID, lang, res.Crisis, sealed, &kid)
		ev(modules.EventMeasurement, nil, at)
		return nil
	}
	last := start
	if g.chance(0.85) {
		last = start.Add(g.between(0.002, 0.01))
		if err := measure("start", level, last); err != nil {
			return err
		}
	}
	reach := 0
	for x, r := 0.0, g.rng.Float64(); reach < len(lessonsReached)-1; reach++ {
		if x += lessonsReached[reach]; r < x {
			break
		}
	}
	reach = min(reach, len(p.LessonIDs))
	done := 0
	for k := range reach {
		at := last.Add(g.between(1.5, 9))
		if !at.Before(g.now) {
			break
		}
		last, done = at, k+1
		lesson := p.LessonIDs[k]
		ev(modules.EventLessonCompleted, &lesson, at)
		if lesson == "challenging" && g.chance(0.7) {
			last = last.Add(g.between(0.002, 0.02))
			if err := measure("middle", level-2.5+g.rng.NormFloat64()*3, last); err != nil {
				return err
			}
		}
	}
	var completed *time.Time
	if done == len(p.LessonIDs) {
		completed = ptr(last)
		ev(modules.EventCourseCompleted, nil, last)
		if at := last.Add(g.between(0.002, 0.02)); g.chance(0.8) && at.Before(g.now) {
			last = at
			if err := measure("end", level-5.5+g.rng.NormFloat64()*5, last); err != nil {
				return err
			}
		}
	} else if lapse := last.Add(7*24*time.Hour + g.between(0, 0.04)); lapse.Before(g.now) && g.chance(0.8) {
		var shown, emailed *time.Time
		if at := lapse.Add(g.between(0.5, 14)); g.chance(0.35) && at.Before(g.now) {
			shown = &at
		}
		if g.chance(0.2) {
			emailed = ptr(lapse.Add(time.Minute))
		}
		b.add("selfhelp_nudges", e, last, lapse, shown, emailed)
	}
	lesson := p.Lessons[min(done, len(p.Lessons)-1)]
	b.add("selfhelp_enrolments", e, client, p.ID, p.Version, start, last, completed, lesson.ID, lesson.Steps[0].ID)
	if done < len(p.LessonIDs) && g.chance(0.3) {
		g.formerStarters = append(g.formerStarters, client)
	}
	return nil
}

// Early exits by reason (the dropout taxonomy), and referrals by reason.
var (
	dropReasons = []string{string(coaching.ReasonDisappeared), string(coaching.ReasonHelpedEnough), string(coaching.ReasonNotSuitable),
		string(coaching.ReasonNotReady), string(coaching.ReasonPractical), string(coaching.ReasonOther)}
	dropWeights     = []float64{0.4, 0.2, 0.15, 0.1, 0.1, 0.05}
	referralReasons = []string{string(coaching.ReasonReferredOutpatient), string(coaching.ReasonReferredAdmission), string(coaching.ReasonReferredCrisis)}
	referralWeights = []float64{0.6, 0.15, 0.25}
)

// addTrajectory adds an application for guided care in month i and what
// became of it by now: withdrawn, ended by the no-contact job, or started
// and then completed (some extended), dropped out or referred — or still
// applied, waiting or active when its next step lies after now.
func (g *dataGen) addTrajectory(b batch, i int, left *int) error {
	applied := g.instant(i)
	var client string
	if n := len(g.formerStarters); n > 0 && g.chance(0.3) {
		k := g.rng.IntN(n)
		client = g.formerStarters[k]
		g.formerStarters = slices.Delete(g.formerStarters, k, k+1)
	} else {
		client = g.addClient(b, applied.Add(-g.between(0.001, 0.05)))
		if g.chance(0.6) {
			if err := g.claimBefore(b, i, applied, client, left); err != nil {
				return err
			}
		}
	}
	id := g.id()
	lang := g.language()
	intakeRes, intakeSealed, intakeKey, err := g.measurement(g.target(g.phq9, 15, 5), "coaching:measurement:"+id+":"+coaching.PointIntake+":phq9")
	if err != nil {
		return err
	}
	intake, _ := json.Marshal(coaching.Intake{Hopes: "Feel more like myself again.", Reachable: "Weekday evenings", CareElsewhere: []string{}, Language: lang})
	sealedIntake, err := g.seal(string(intake), "coaching:intake:"+id)
	if err != nil {
		return err
	}
	b.add("coaching_measurements", id, coaching.PointIntake, g.phq9.ID, intakeRes.Score, intakeRes.Band, intakeRes.Crisis, *intakeSealed, intakeKey, applied)

	wait := g.between(1, 21)
	if intakeRes.Crisis {
		wait = g.between(0.1, 3)
	}
	before := func(t time.Time) *time.Time { // t, when it has happened
		if t.Before(g.now) {
			return &t
		}
		return nil
	}
	var assigned, consent, started, planned, extended, firstContact, ended *time.Time
	var clinician, reason, endedBy, extension, note *string
	state := coaching.StateApplied
	var in, out, contacts, lessons int
	switch r := g.rng.Float64(); {
	case r < 0.05: // withdrawn before a clinician was assigned
		if ended = before(applied.Add(g.between(0.5, wait.Hours()/24))); ended != nil {
			state, endedBy = coaching.StateWithdrawn, ptr(coaching.EndedByClient)
		}
	case r < 0.09: // assigned, never reached: ended by the job after 28 days
		clinician = &g.clinicians[g.rng.IntN(len(g.clinicians))]
		if assigned = before(applied.Add(wait)); assigned != nil {
			state = coaching.StateWaiting
		}
		if ended = before(applied.Add(28*24*time.Hour + g.between(0, 0.04))); ended != nil {
			state, endedBy, reason = coaching.StateNoContact, ptr(coaching.EndedBySystem), ptr(string(coaching.ReasonNoContactAfterSignup))
		}
	default:
		clinician = &g.clinicians[g.rng.IntN(len(g.clinicians))]
		assigned = before(applied.Add(wait))
		if assigned == nil {
			clinician = nil
			break
		}
		state = coaching.StateWaiting
		if consent = before(assigned.Add(g.between(0.05, 3))); consent == nil {
			break
		}
		state, started = coaching.StateActive, consent
		planned = ptr(coaching.PlannedEnd(*started, 3))
		firstContact = before(started.Add(g.between(0.1, 5)))
		var end time.Time
		var final coaching.State
		switch o := g.rng.Float64(); {
		case o < 0.6:
			final = coaching.StateCompleted
			if g.chance(0.12) {
				if extended = before(started.Add(g.between(75, 88))); extended != nil {
					planned = ptr(coaching.PlannedEnd(*planned, 1))
					if extension, err = g.seal("More time for relapse prevention.", "coaching:extension:"+id); err != nil {
						return err
					}
				}
			}
			end = planned.Add(-g.between(0, 5))
		case o < 0.88:
			final = coaching.StateDroppedOut
			reason = ptr(g.pick(dropReasons, dropWeights))
			end = started.Add(g.between(7, 70))
		default:
			final = coaching.StateReferred
			reason = ptr(g.pick(referralReasons, referralWeights))
			end = started.Add(g.between(14, 80))
		}
		if ended = before(end); ended == nil {
			reason = nil
			break
		}
		state = final
		endedBy = ptr(coaching.EndedByClinician)
		if final == coaching.StateDroppedOut && *reason != string(coaching.ReasonDisappeared) && g.chance(0.6) {
			endedBy = ptr(coaching.EndedByClient)
		}
		if reason != nil && coaching.EndReason(*reason).NeedsNote() {
			if note, err = g.seal("Moved abroad.", "coaching:end:"+id); err != nil {
				return err
			}
		}
		weeks := ended.Sub(*started).Hours() / 24 / 7
		contacts = int(weeks/3) + g.rng.IntN(2)
		lessons = min(7, int(weeks/2))
		if final == coaching.StateCompleted {
			if err := g.followUps(b, id, intakeRes.Score, *ended); err != nil {
				return err
			}
		}
	}
	if started != nil {
		end := g.now
		if ended != nil {
			end = *ended
		}
		var err error
		if in, out, err = g.addMessages(b, id, client, *clinician, *started, end); err != nil {
			return err
		}
		if ended == nil {
			in, out = 0, 0 // counted at the end
		}
	}
	activity := applied
	for _, t := range []*time.Time{consent, firstContact, ended} {
		if t != nil && t.After(activity) {
			activity = *t
		}
	}
	b.add("coaching_trajectories", id, client, clinician, string(state), intakeRes.Score, intakeRes.Band, intakeRes.Crisis,
		g.chance(0.4), *sealedIntake, applied, assigned, consent, started, planned, extended, extension, firstContact, ended,
		reason, note, endedBy, lessons, in, out, contacts, activity, activity)
	return nil
}

// addMessages adds the conversation of a trajectory from start to end:
// the client writes every few days, the clinician mostly answers within
// the target of three working days, sometimes later, and the last message
// may wait for its answer. Bodies are sealed, with the domain's MAC. It
// returns the messages each way.
func (g *dataGen) addMessages(b batch, id, client, clinician string, start, end time.Time) (in, out int, err error) {
	bodies := [2]string{"How are you doing this week?", "Thank you, a little better."}
	add := func(from, role string, at time.Time) error {
		mid := g.id()
		body := bodies[0]
		if role == coaching.FromClient {
			body = bodies[1]
		}
		sealed, err := g.seal(body, "coaching:message:"+mid)
		if err != nil {
			return err
		}
		mac := hmac.New(sha256.New, g.macKey)
		mac.Write([]byte(id))
		mac.Write([]byte{0})
		mac.Write([]byte(body))
		var read *time.Time
		if r := at.Add(g.between(0.05, 2)); r.Before(g.now) {
			read = &r
		}
		b.add("coaching_messages", mid, id, from, role, *sealed, seal.KeyID(*sealed), hex.EncodeToString(mac.Sum(nil)), at, read)
		return nil
	}
	t := start.Add(g.between(0.1, 2))
	for t.Before(end) {
		if err := add(client, coaching.FromClient, t); err != nil {
			return in, out, err
		}
		in++
		reply := t.Add(g.between(0.05, 3))
		if g.chance(0.2) {
			reply = t.Add(g.between(3, 8)) // late
		}
		if !reply.Before(end) {
			break
		}
		if err := add(clinician, coaching.FromClinician, reply); err != nil {
			return in, out, err
		}
		out++
		if g.chance(0.3) { // a second message before the client answers
			if extra := reply.Add(g.between(0.5, 3)); extra.Before(end) {
				if err := add(clinician, coaching.FromClinician, extra); err != nil {
					return in, out, err
				}
				out++
				reply = extra
			}
		}
		t = reply.Add(g.between(1, 8))
	}
	return in, out, nil
}

// followUps adds the end questionnaire of a completed trajectory and the
// follow-ups 3 and 12 months after it, those taken by now.
func (g *dataGen) followUps(b batch, id string, intake int, ended time.Time) error {
	level := float64(intake) - 6 + g.rng.NormFloat64()*5
	points := []struct {
		point string
		at    time.Time
		p     float64
		drift float64
	}{
		{coaching.PointEnd, ended.Add(-g.between(0, 2)), 0.85, 0},
		{coaching.PointFollowUp3, ended.AddDate(0, 3, 0).Add(g.between(0, 14)), 0.65, 0.5},
		{coaching.PointFollowUp12, ended.AddDate(0, 12, 0).Add(g.between(0, 14)), 0.45, 1},
	}
	for _, pt := range points {
		if !pt.at.Before(g.now) || !g.chance(pt.p) {
			continue
		}
		res, sealed, kid, err := g.measurement(int(math.Round(level+pt.drift+g.rng.NormFloat64()*2)),
			"coaching:measurement:"+id+":"+pt.point+":phq9")
		if err != nil {
			return err
		}
		b.add("coaching_measurements", id, pt.point, g.phq9.ID, res.Score, res.Band, res.Crisis, *sealed, kid, pt.at)
	}
	return nil
}
