package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/db"
)

// demoCoordinator is the demo's first account: its presence tells a
// database that holds the demonstration from one that holds anything else.
const demoCoordinator = "demo-coordinator"

// demoRefused is `haven demo` declining a database; it exits with 3.
type demoRefused struct{ msg string }

func (e *demoRefused) Error() string { return e.msg }

// ExitCode sets the process's exit status (main).
func (e *demoRefused) ExitCode() int { return 3 }

// demoTables are the tables whose rows mean the database is in use: any
// account, audit entry, self-test, self-help enrolment, trajectory or
// counted visit. A production database always has some (its first
// coordinator, their audit entry), and a database with anonymous
// self-tests or visits only would have its figures mixed with made-up ones.
var demoTables = []struct{ table, one, many string }{
	{"users", "account", "accounts"},
	{"audit_entries", "audit log entry", "audit log entries"},
	{"selftest_submissions", "self-test result", "self-test results"},
	{"selfhelp_enrolments", "self-help enrolment", "self-help enrolments"},
	{"coaching_trajectories", "guided trajectory", "guided trajectories"},
	{"visit_days", "day of page views", "days of page views"},
	{"visitor_hashes", "visitor being counted", "visitors being counted"},
}

// demoGuard refuses any database that holds something: the demo fills
// only an empty one, so it never mixes made-up people with real ones nor
// runs twice on one database. It only reads (row counts) before the demo
// writes anything.
func demoGuard(ctx context.Context, database *db.DB, svcs *wire.Services) error {
	found, err := databaseInUse(ctx, database)
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return nil
	}
	users, err := svcs.Auth.Staff.Users(ctx, nil)
	if err != nil {
		return err
	}
	demoOnly := len(users) > 0
	hasDemo := false
	for _, u := range users {
		name := u.User.Name()
		hasDemo = hasDemo || name == demoCoordinator && u.User.Role == auth.RoleCoordinator
		demoOnly = demoOnly && strings.HasPrefix(name, "demo-")
	}
	if hasDemo && demoOnly {
		return &demoRefused{"demo: this database already holds the demonstration (or part of it, if a run failed); nothing was changed.\n" +
			"Its passwords were shown when it was made. To start again, use an empty database: " + demoFresh}
	}
	return &demoRefused{fmt.Sprintf("demo: refusing to run: this database is in use (%s); nothing was changed.\n"+
		"The demonstration fills only an empty database, so it never mixes made-up people with real ones: never run it\n"+
		"against a production database. Use an empty one: %s", strings.Join(found, ", "), demoFresh)}
}

// databaseInUse says what the database holds of demoTables ("3
// accounts"), nothing when it is empty: `haven demo` and `haven demo-data`
// fill only an empty database.
func databaseInUse(ctx context.Context, database *db.DB) ([]string, error) {
	var found []string
	for _, t := range demoTables {
		var n int64
		if err := database.WithContext(ctx).Table(t.table).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("demo: check whether the database is empty (%s): %w", t.table, err)
		}
		switch {
		case n == 1:
			found = append(found, "1 "+t.one)
		case n > 1:
			found = append(found, fmt.Sprintf("%d %s", n, t.many))
		}
	}
	return found, nil
}

// demoFresh says how to get an empty database for the demo.
const demoFresh = "`make demo` (a new SQLite database in data/demo each time, then the site on it),\n" +
	"or, with DATABASE_URL unset, HAVEN_DATA_DIR=/tmp/haven-demo haven demo (and the same HAVEN_DATA_DIR for haven serve),\n" +
	"or a new PostgreSQL database."
