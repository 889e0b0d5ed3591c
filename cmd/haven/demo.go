package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/db"
)

// `haven demo` fills an empty database with a made-up organisation — a
// coordinator, two clinicians, clients in every state of the guided
// trajectory, anonymous self-tests, self-help work and visits — so that a
// newcomer can sign in as anyone and look around. Everything is made
// through the domain services, as the people would have made it, on a
// clock that walks through the last months (wire.Config.Now): the rules
// of the real code decide every state, nothing is inserted behind them.
//
// It refuses a database that holds anything already (demoGuard), prints
// the sign-in of every role with passwords generated for this run, and
// enrols the staff's second factor with a secret it prints.

// demoCommand is `haven demo`.
func demoCommand(ctx context.Context, cfg config, database *db.DB, log *slog.Logger, stdout io.Writer) error {
	return fillDemo(ctx, cfg.Wire, database, log, stdout, describeDatabase(cfg, database))
}

// fillDemo checks that the database is empty, plays the demonstration on
// services built from wcfg with the demo's clock, and prints the sign-ins;
// where names the database in the printout.
func fillDemo(ctx context.Context, wcfg wire.Config, database *db.DB, log *slog.Logger, stdout io.Writer, where string) error {
	clock := &demoClock{}
	wcfg.Now = clock.Now
	svcs, err := wire.New(ctx, wcfg, database, log)
	if err != nil {
		return err
	}
	if err := demoGuard(ctx, database, svcs); err != nil {
		return err
	}
	d := newDemo(svcs, clock, time.Now().UTC().Truncate(time.Minute), wcfg.Location)
	d.plan()
	if err := d.run(ctx); err != nil {
		return fmt.Errorf("demo: %w\nThe database now holds part of the demonstration; start again on an empty one", err)
	}
	clock.Live()
	d.print(stdout, where, wcfg.PublicURL)
	return nil
}

// demoClock is the services' clock during the demo: set to each event's
// time in turn, then back to the real time.
type demoClock struct {
	mu   sync.Mutex
	t    time.Time
	live bool
}

func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live || c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *demoClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t, c.live = t, false }

func (c *demoClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func (c *demoClock) Live() { c.mu.Lock(); defer c.mu.Unlock(); c.live = true }

// demo is the demonstration being built: its people and its timeline.
type demo struct {
	svcs  *wire.Services
	clock *demoClock
	// now is when the demo runs: every event is before it.
	now    time.Time
	loc    *time.Location
	events []demoEvent

	coordinator, sofie, daan *demoPerson
	staff                    []*demoPerson
	clients                  []*demoPerson
}

// demoEvent is one thing someone does at a time.
type demoEvent struct {
	at   time.Time
	what string
	do   func(ctx context.Context) error
}

func newDemo(svcs *wire.Services, clock *demoClock, now time.Time, loc *time.Location) *demo {
	if loc == nil {
		loc = time.UTC
	}
	return &demo{svcs: svcs, clock: clock, now: now, loc: loc}
}

// on schedules what at a time before now.
func (d *demo) on(at time.Time, what string, do func(ctx context.Context) error) {
	if !at.Before(d.now) {
		panic(fmt.Sprintf("demo: %q is planned at %s, not before now (%s)", what, at, d.now))
	}
	d.events = append(d.events, demoEvent{at: at.UTC(), what: what, do: do})
}

// day is hh:mm local time, n days before today.
func (d *demo) day(n int, hm string) time.Time {
	t, err := time.Parse("15:04", hm)
	if err != nil {
		panic(err)
	}
	y, m, dd := d.now.In(d.loc).Date()
	return time.Date(y, m, dd-n, t.Hour(), t.Minute(), 0, 0, d.loc).UTC()
}

// ago is d before now.
func (d *demo) ago(dur time.Duration) time.Time { return d.now.Add(-dur) }

// run plays the timeline in order, the clock at each event's time.
func (d *demo) run(ctx context.Context) error {
	sort.SliceStable(d.events, func(i, j int) bool { return d.events[i].at.Before(d.events[j].at) })
	for _, e := range d.events {
		if err := ctx.Err(); err != nil {
			return err
		}
		d.clock.Set(e.at)
		if err := e.do(ctx); err != nil {
			return fmt.Errorf("%s (%s): %w", e.what, e.at.In(d.loc).Format("2006-01-02 15:04"), err)
		}
	}
	return nil
}

// demoPerson is one account of the demo and what to look at as them.
type demoPerson struct {
	Nickname string
	Password string
	Role     auth.Role
	ID       string
	// P acts for them in the services (the session they signed in with).
	P    auth.Principal
	Meta auth.Meta
	// Staff: their name and profession as clients see them, capacity, the
	// TOTP secret and recovery codes of their second factor.
	DisplayName, Profession string
	Capacity                int
	TOTPSecret              string
	RecoveryCodes           []string
	// Clients: the trajectory the story is about, its expected state, and
	// what a newcomer finds when signed in as them.
	Trajectory string
	Expect     string
	Story      string
	Language   string
	selftestID string
	// waitingAt is the lesson whose feedback moment the client waits at
	// in their trajectory; they finish it at their next lesson action,
	// once the clinician has given feedback.
	waitingAt string
}

func (d *demo) person(nick string, role auth.Role) *demoPerson {
	p := &demoPerson{Nickname: nick, Password: demoPassword(), Role: role, Language: "en",
		Meta: auth.Meta{RequestID: "demo", Source: "demo:" + nick}}
	if role.Staff() {
		d.staff = append(d.staff, p)
	} else {
		d.clients = append(d.clients, p)
	}
	return p
}

// demoPassword is a random password for one run: 16 characters of
// Crockford's base32 (80 bits) in groups of four, easy to type.
func demoPassword() string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

// describeDatabase names the database for the printout, without secrets.
func describeDatabase(cfg config, database *db.DB) string {
	if database.Dialect == db.SQLite {
		return "SQLite, " + filepath.Join(cfg.DataDir, "haven.db")
	}
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		return "PostgreSQL"
	}
	return "PostgreSQL, database " + strings.TrimPrefix(u.Path, "/") + " on " + u.Host
}

// print tells the newcomer how to sign in as each role, and what each
// person's story is.
func (d *demo) print(w io.Writer, database, publicURL string) {
	if publicURL == "" {
		publicURL = "http://localhost:8080"
	}
	fmt.Fprintf(w, `Haven demonstration created in %s.
A made-up organisation: every person, message and answer in it is fictional.
Never use this database for real people; delete it when you are done.

Start the site with `+"`haven serve`"+` and sign in at %s/en/account/login
(Dutch: %s/nl/account/login). The passwords below were generated for this run
and are shown only now.

Staff sign in with a password, then a six-digit code from an authenticator app
(TOTP): add the account's secret to an app such as Aegis, FreeOTP or Google
Authenticator, or run `+"`oathtool --totp -b SECRET`"+`. A recovery code (each works
once) may be typed instead of a code.

`, database, publicURL, publicURL)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tNICKNAME\tPASSWORD\tTOTP SECRET\tWHO")
	for _, s := range d.staff {
		who := s.DisplayName
		if s.Profession != "" {
			who += ", " + s.Profession
		}
		if s.Role == auth.RoleClinician {
			who += fmt.Sprintf(", capacity %d", s.Capacity)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Role, s.Nickname, s.Password, s.TOTPSecret, who)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\nRecovery codes (four of each one's ten):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range d.staff {
		fmt.Fprintf(tw, "  %s\t%s\n", s.Nickname, strings.Join(s.RecoveryCodes[:min(4, len(s.RecoveryCodes))], "  "))
	}
	_ = tw.Flush()
	fmt.Fprint(w, "\nClients sign in with a password only. Each is at another point of the guided trajectory;\ntheir clinician and the coordinator see the same story from the other side.\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NICKNAME\tPASSWORD\tSTATE\tWHAT TO LOOK AT")
	for _, c := range d.clients {
		state := c.Expect
		if state == "" {
			state = "self-help only"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Nickname, c.Password, state, c.Story)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nAlso made up, for the figures: %d anonymous self-tests over the last three months and the page\nviews of the last %d days.\n", demoSelftests, demoVisitDays)
}
