package modules

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Domain errors; the API and the web pages map them to statuses.
var (
	// ErrNotFound: no such programme, lesson, step or entry — or one that
	// belongs to someone else (never reveal which).
	ErrNotFound = errors.New("not found")
	// ErrLocked: the lesson does not open until the previous one is done.
	ErrLocked = errors.New("lesson locked")
)

// ValidationError names each invalid field of an answer or diary entry.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %s", k, e.Fields[k]))
	}
	return "modules: invalid input: " + strings.Join(parts, "; ")
}

func (e *ValidationError) add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
}

func (e *ValidationError) orNil() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}
