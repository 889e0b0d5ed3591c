package modules

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// PlanItem is one activity in an activity planner: planned for a day and
// time, later marked done with a mood rating.
type PlanItem struct {
	ID       string `json:"id"`
	Activity string `json:"activity"`
	Day      string `json:"day"`            // YYYY-MM-DD
	Time     string `json:"time,omitempty"` // HH:MM
	Done     bool   `json:"done"`
	Mood     *int   `json:"mood,omitempty"` // 0–10, only when done
}

// Values are the answers to one step, by field id. Each value has the JSON
// shape of its field type: a string (text, single), a number (scale), a
// list of strings (multiple, checklist, list) or a list of PlanItem
// (planner).
type Values map[string]json.RawMessage

// NormalizeValues checks raw answers against the step's fields and returns
// them in canonical form. Partial answers are fine (work is saved as the
// client types); with complete set, required fields must be filled.
// Answers to fields the step does not have are rejected.
func NormalizeValues(step *Step, raw Values, complete bool) (Values, error) {
	verr := newValidationError()
	out := Values{}
	for id, v := range raw {
		f := step.Field(id)
		if f == nil {
			verr.Add("values."+id, "this step has no such field")
			continue
		}
		norm, empty, msg := normalizeField(f, v)
		if msg != "" {
			verr.Add("values."+id, msg)
			continue
		}
		if !empty {
			out[id] = norm
		}
	}
	if complete {
		for _, f := range step.Fields {
			if _, ok := out[f.ID]; f.Required && !ok {
				verr.Add("values."+f.ID, "this field is required")
			}
		}
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	return out, nil
}

// normalizeField returns the canonical JSON of one value, whether it is
// empty, or a message saying what is wrong.
func normalizeField(f *Field, raw json.RawMessage) (json.RawMessage, bool, string) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, true, ""
	}
	dec := func(v any) bool {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		return d.Decode(v) == nil
	}
	enc := func(v any) json.RawMessage {
		b, _ := json.Marshal(v)
		return b
	}
	switch f.Type {
	case FieldText:
		var s string
		if !dec(&s) {
			return nil, false, "must be text"
		}
		s = strings.TrimSpace(s)
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxTextLen {
			return nil, false, fmt.Sprintf("must be at most %d characters", MaxTextLen)
		}
		return enc(s), s == "", ""
	case FieldScale:
		var n int
		if !dec(&n) || n < ScaleMin || n > ScaleMax {
			return nil, false, fmt.Sprintf("must be a whole number from %d to %d", ScaleMin, ScaleMax)
		}
		return enc(n), false, ""
	case FieldSingle:
		var s string
		if !dec(&s) || f.Option(s) == nil {
			return nil, false, "must be one of the options"
		}
		return enc(s), false, ""
	case FieldMultiple, FieldChecklist:
		var ids []string
		if !dec(&ids) {
			return nil, false, "must be a list of options"
		}
		seen := map[string]bool{}
		var clean []string
		for _, id := range ids {
			if f.Option(id) == nil {
				return nil, false, fmt.Sprintf("%q is not one of the options", id)
			}
			if !seen[id] {
				seen[id] = true
				clean = append(clean, id)
			}
		}
		// Keep the options' own order, so equal answers are equal bytes.
		var ordered []string
		for _, o := range f.Options {
			if seen[o.ID] {
				ordered = append(ordered, o.ID)
			}
		}
		return enc(ordered), len(clean) == 0, ""
	case FieldList:
		var items []string
		if !dec(&items) {
			return nil, false, "must be a list of texts"
		}
		var clean []string
		for _, it := range items {
			it = strings.TrimSpace(it)
			if it == "" {
				continue
			}
			if !utf8.ValidString(it) || utf8.RuneCountInString(it) > MaxListItemLen {
				return nil, false, fmt.Sprintf("each item must be at most %d characters", MaxListItemLen)
			}
			clean = append(clean, it)
		}
		if len(clean) > MaxListItems {
			return nil, false, fmt.Sprintf("at most %d items", MaxListItems)
		}
		return enc(clean), len(clean) == 0, ""
	case FieldPlanner:
		var items []PlanItem
		if !dec(&items) {
			return nil, false, "must be a list of planned activities"
		}
		if len(items) > MaxPlannerItems {
			return nil, false, fmt.Sprintf("at most %d activities", MaxPlannerItems)
		}
		ids := map[string]bool{}
		for i := range items {
			it := &items[i]
			it.Activity = strings.TrimSpace(it.Activity)
			if it.Activity == "" || utf8.RuneCountInString(it.Activity) > MaxListItemLen {
				return nil, false, fmt.Sprintf("activity %d needs a description of at most %d characters", i+1, MaxListItemLen)
			}
			if _, err := time.Parse(time.DateOnly, it.Day); err != nil {
				return nil, false, fmt.Sprintf("activity %d needs a day written YYYY-MM-DD", i+1)
			}
			if it.Time != "" {
				if _, err := time.Parse("15:04", it.Time); err != nil {
					return nil, false, fmt.Sprintf("activity %d has a time that is not HH:MM", i+1)
				}
			}
			if it.Mood != nil && (*it.Mood < ScaleMin || *it.Mood > ScaleMax) {
				return nil, false, fmt.Sprintf("activity %d: mood must be from %d to %d", i+1, ScaleMin, ScaleMax)
			}
			if !it.Done {
				it.Mood = nil
			}
			if it.ID == "" || len(it.ID) > 32 || ids[it.ID] {
				it.ID = newItemID()
			}
			ids[it.ID] = true
		}
		return enc(items), len(items) == 0, ""
	}
	return nil, false, "unknown field type"
}

func newItemID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
