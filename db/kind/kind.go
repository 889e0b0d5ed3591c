// Package kind names the kinds of failure every Haven domain reports —
// invalid fields, not found, conflict — as small types with behaviour
// methods. Domains return them (wrapped with context as they like); the two
// transports match the behaviour with errors.As and map each kind to one
// status, once, whatever the domain:
//
//	FieldErrors() map[string]string   422, naming each invalid field
//	NotFound() bool                   404
//	ConflictCode() string             409 with that stable error code
//	Unavailable() bool                503 unavailable, with Retry-After
//
// It sits under db/ because it is the bottom layer every domain already
// builds on; it imports nothing of Haven's.
package kind

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Invalid names each invalid input field. Field keys are paths in the
// request ("answers.phq9_3", "values.planner[2].day").
type Invalid struct {
	// Domain prefixes the message ("selftest", "modules", "auth").
	Domain string
	Fields map[string]string
}

// NewInvalid returns an empty Invalid for domain; add fields with Add and
// return it with OrNil.
func NewInvalid(domain string) *Invalid { return &Invalid{Domain: domain, Fields: map[string]string{}} }

// Field returns an Invalid with one field.
func Field(domain, field, msg string) *Invalid {
	e := NewInvalid(domain)
	e.Add(field, msg)
	return e
}

func (e *Invalid) Error() string {
	// fmt prints a map with its keys sorted, so the message is stable.
	return e.Domain + ": invalid input: " + strings.TrimSuffix(strings.TrimPrefix(fmt.Sprint(e.Fields), "map["), "]")
}

// FieldErrors is the kind's behaviour: the message per invalid field.
func (e *Invalid) FieldErrors() map[string]string { return e.Fields }

// Add records msg for field, keeping the first message per field.
func (e *Invalid) Add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
}

// OrNil returns e when it names a field, else nil.
func (e *Invalid) OrNil() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// NotFoundError is a "no such thing" (or "not yours": never say which).
// Declare one sentinel per domain and wrap it with context.
type NotFoundError string

func (e NotFoundError) Error() string { return string(e) }

// NotFound is the kind's behaviour.
func (NotFoundError) NotFound() bool { return true }

// Conflict is a request that contradicts the current state: a taken
// nickname, a full caseload, a locked lesson, a transition the state does
// not allow. Code is the stable error code clients switch on ("conflict",
// "lesson_locked", …); Field, when set, names the input at fault.
type Conflict struct {
	Domain  string
	Code    string
	Field   string
	Message string
}

func (e *Conflict) Error() string {
	if e.Field != "" {
		return e.Domain + ": conflict: " + e.Field + ": " + e.Message
	}
	return e.Domain + ": " + e.Code + ": " + e.Message
}

// ConflictCode is the kind's behaviour.
func (e *Conflict) ConflictCode() string { return e.Code }

// Unavailable is a failure of what Haven depends on rather than of the
// request: the database is unreachable, stalled, full or read-only, or the
// request's deadline passed while waiting for it. Nothing is wrong with the
// request and it may succeed later, so the transports answer 503 with
// Retry-After (never 500, which says "our bug"). The db package wraps the
// driver errors that mean this (db/unavailable.go); IsUnavailable also
// recognises a passed deadline from anywhere.
type Unavailable struct {
	Err error
}

func (e *Unavailable) Error() string { return "unavailable: " + e.Err.Error() }

func (e *Unavailable) Unwrap() error { return e.Err }

// Unavailable is the kind's behaviour.
func (e *Unavailable) Unavailable() bool { return true }

// RetryAfterUnavailable is the Retry-After, in seconds, of an answer to an
// Unavailable failure: long enough for a restarted database or a failover,
// short enough that a person waiting retries soon.
const RetryAfterUnavailable = 5

// IsUnavailable reports whether err is an Unavailable failure: an error
// with the Unavailable() behaviour, or a deadline that passed (the
// request's own, wherever it surfaced).
func IsUnavailable(err error) bool {
	var u interface{ Unavailable() bool }
	if errors.As(err, &u) && u.Unavailable() {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}
