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
// Answers to fields the step does not have are rejected. Each problem is
// keyed by its path: "values.<field>", or for one row of a planner
// "values.<field>[<row>].<activity|day|time|mood>" (rows count from 0), so
// a page can point at the very input.
func NormalizeValues(step *Step, raw Values, complete bool) (Values, error) {
	verr := newValidationError()
	out := Values{}
	for id, v := range raw {
		key := "values." + id
		f := step.Field(id)
		if f == nil {
			verr.Add(key, "this step has no such field")
			continue
		}
		norm, empty := normalizeField(f, v, func(sub, msg string) { verr.Add(key+sub, msg) })
		if !empty && norm != nil {
			out[id] = norm
		}
	}
	if complete {
		for _, f := range step.Fields {
			if _, ok := out[f.ID]; f.Required && !ok && verr.Fields["values."+f.ID] == "" {
				verr.Add("values."+f.ID, "this field is required")
			}
		}
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	return out, nil
}

// problem reports what is wrong with a value: sub is "" for the value as a
// whole, or the path inside it ("[2].day").
type problem func(sub, msg string)

// normalizeField returns the canonical JSON of one value and whether it is
// empty; problems go to bad (and the JSON is then nil).
func normalizeField(f *Field, raw json.RawMessage, bad problem) (json.RawMessage, bool) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, true
	}
	dec := func(v any) bool {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		return d.Decode(v) == nil
	}
	switch f.Type {
	case FieldText:
		return normalizeText(dec, bad)
	case FieldScale:
		var n int
		if !dec(&n) || n < ScaleMin || n > ScaleMax {
			bad("", fmt.Sprintf("must be a whole number from %d to %d", ScaleMin, ScaleMax))
			return nil, false
		}
		return encode(n), false
	case FieldSingle:
		var id string
		if !dec(&id) || f.Option(id) == nil {
			bad("", "must be one of the options")
			return nil, false
		}
		return encode(id), false
	case FieldMultiple, FieldChecklist:
		return normalizeChoices(f, dec, bad)
	case FieldList:
		return normalizeList(dec, bad)
	case FieldPlanner:
		return normalizePlanner(dec, bad)
	}
	bad("", "unknown field type")
	return nil, false
}

func encode(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func normalizeText(dec func(any) bool, bad problem) (json.RawMessage, bool) {
	var s string
	if !dec(&s) {
		bad("", "must be text")
		return nil, false
	}
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxTextLen {
		bad("", fmt.Sprintf("must be at most %d characters", MaxTextLen))
		return nil, false
	}
	return encode(s), s == ""
}

// normalizeChoices keeps the chosen options once each, in the options' own
// order, so equal answers are equal bytes.
func normalizeChoices(f *Field, dec func(any) bool, bad problem) (json.RawMessage, bool) {
	var ids []string
	if !dec(&ids) {
		bad("", "must be a list of options")
		return nil, false
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if f.Option(id) == nil {
			bad("", fmt.Sprintf("%q is not one of the options", id))
			return nil, false
		}
		seen[id] = true
	}
	var ordered []string
	for _, o := range f.Options {
		if seen[o.ID] {
			ordered = append(ordered, o.ID)
		}
	}
	return encode(ordered), len(ordered) == 0
}

func normalizeList(dec func(any) bool, bad problem) (json.RawMessage, bool) {
	var items []string
	if !dec(&items) {
		bad("", "must be a list of texts")
		return nil, false
	}
	var clean []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it == "" {
			continue
		}
		if !utf8.ValidString(it) || utf8.RuneCountInString(it) > MaxListItemLen {
			bad("", fmt.Sprintf("each item must be at most %d characters", MaxListItemLen))
			return nil, false
		}
		clean = append(clean, it)
	}
	if len(clean) > MaxListItems {
		bad("", fmt.Sprintf("at most %d items", MaxListItems))
		return nil, false
	}
	return encode(clean), len(clean) == 0
}

// normalizePlanner checks every row and reports each row's problems by
// row and input.
func normalizePlanner(dec func(any) bool, bad problem) (json.RawMessage, bool) {
	var items []PlanItem
	if !dec(&items) {
		bad("", "must be a list of planned activities")
		return nil, false
	}
	if len(items) > MaxPlannerItems {
		bad("", fmt.Sprintf("at most %d activities", MaxPlannerItems))
		return nil, false
	}
	ok := true
	ids := map[string]bool{}
	for i := range items {
		row := func(input, msg string) { bad(fmt.Sprintf("[%d].%s", i, input), msg); ok = false }
		it := &items[i]
		it.Activity = strings.TrimSpace(it.Activity)
		if it.Activity == "" || utf8.RuneCountInString(it.Activity) > MaxListItemLen {
			row("activity", fmt.Sprintf("needs a description of at most %d characters", MaxListItemLen))
		}
		if _, err := time.Parse(time.DateOnly, it.Day); err != nil {
			row("day", "needs a day written YYYY-MM-DD")
		}
		if it.Time != "" {
			if _, err := time.Parse("15:04", it.Time); err != nil {
				row("time", "must be a time written HH:MM")
			}
		}
		if it.Mood != nil && (*it.Mood < ScaleMin || *it.Mood > ScaleMax) {
			row("mood", fmt.Sprintf("must be from %d to %d", ScaleMin, ScaleMax))
		}
		if !it.Done {
			it.Mood = nil
		}
		if it.ID == "" || len(it.ID) > 32 || ids[it.ID] {
			it.ID = newItemID()
		}
		ids[it.ID] = true
	}
	if !ok {
		return nil, false
	}
	return encode(items), len(items) == 0
}

func newItemID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
