package selftest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrNotFound is returned when an instrument or submission does not exist.
var ErrNotFound = errors.New("not found")

// ValidationError lists what is wrong with a submission, per field. Field
// keys name the answer ("answers.phq9_3") or the profile field
// ("profile.age_band").
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
	return "selftest: invalid submission: " + strings.Join(parts, "; ")
}

func (e *ValidationError) add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, exists := e.Fields[field]; !exists {
		e.Fields[field] = msg
	}
}

func (e *ValidationError) orNil() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}
