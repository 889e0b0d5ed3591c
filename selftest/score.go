package selftest

import (
	"fmt"
	"slices"
)

// Answer is the value chosen for one item.
type Answer struct {
	Item  string `json:"item"`
	Value int    `json:"value"`
}

// Scored is the outcome of scoring one complete set of answers.
type Scored struct {
	Score    int
	MaxScore int
	Band     string
	// Advice lists the next steps in the order they should be shown. When
	// Crisis is set it starts with AdviceCrisis, then AdviceGP (see advise).
	Advice []string
	// Urgent lists the steps of Advice to take without delay.
	Urgent []string
	Crisis bool
}

// IsUrgent reports whether the step with advice code is urgent.
func (s Scored) IsUrgent(code string) bool { return slices.Contains(s.Urgent, code) }

// AnswerField is the validation field key for an item's answer.
func AnswerField(itemID string) string { return "answers." + itemID }

// Score validates answers against the instrument and scores them. It is a
// pure function: every required item must be answered exactly once with one
// of its options; optional items may be left out; unknown items are
// rejected. Problems come back as a *ValidationError naming each item.
func Score(in *Instrument, answers []Answer) (Scored, error) {
	verr := newValidationError()
	given := make(map[string]int, len(answers))
	for i, a := range answers {
		it, ok := in.item(a.Item)
		if !ok {
			verr.Add(fmt.Sprintf("answers[%d]", i), fmt.Sprintf("unknown item %q", a.Item))
			continue
		}
		if _, dup := given[a.Item]; dup {
			verr.Add(AnswerField(a.Item), fmt.Sprintf("item %q is answered more than once", a.Item))
			continue
		}
		if !validOption(in.ItemOptions(it), a.Value) {
			verr.Add(AnswerField(a.Item), fmt.Sprintf("value %d is not one of the options of item %q", a.Value, a.Item))
		}
		given[a.Item] = a.Value
	}
	for _, it := range in.Items {
		if _, ok := given[it.ID]; !ok && it.Required {
			verr.Add(AnswerField(it.ID), fmt.Sprintf("item %q must be answered", it.ID))
		}
	}
	if err := verr.OrNil(); err != nil {
		return Scored{}, err
	}

	total := 0
	for _, it := range in.Items {
		if it.Scored {
			total += given[it.ID]
		}
	}
	res := Scored{Score: total, MaxScore: in.MaxScore()}
	for _, b := range in.Bands {
		if total >= b.Min && total <= b.Max {
			res.Band = b.ID
			break
		}
	}
	for _, r := range in.Safety {
		if v, ok := given[r.Item]; ok && v >= r.MinValue && r.Flag == FlagCrisis {
			res.Crisis = true
		}
	}
	res.Advice, res.Urgent = advise(in, res.Band, res.Crisis)
	return res, nil
}

// advise is the one rule that orders the next steps, for a fresh score and
// for a stored one alike (the self-test, the API and the course
// questionnaires all come through here):
//
//   - the band's steps, in the instrument file's order, and its urgent ones
//     (the PHQ-9's 20–27 band: the GP first and urgently, then guided help);
//   - after a crisis answer, crisis help first and the GP right after it,
//     urgently, whatever the band: crisis lines alone, or beside "start the
//     self-help course", are not enough when someone thinks of death or
//     self-harm — a doctor should see them soon. The band's other steps
//     follow.
func advise(in *Instrument, band string, crisis bool) (advice, urgent []string) {
	for _, b := range in.Bands {
		if b.ID == band {
			advice = append(advice, b.Advice...)
			urgent = append(urgent, b.Urgent...)
		}
	}
	if crisis {
		rest := slices.DeleteFunc(advice, func(code string) bool { return code == AdviceGP })
		advice = append([]string{AdviceCrisis, AdviceGP}, rest...)
		if !slices.Contains(urgent, AdviceGP) {
			urgent = append(urgent, AdviceGP)
		}
	}
	return advice, urgent
}

func validOption(opts []Option, v int) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// Rescore rebuilds the scoring of a stored result: its score, band and
// crisis flag as they were given, with the advice for that band from
// today's instrument file and today's rules.
func Rescore(in *Instrument, score int, band string, crisis bool) Scored {
	res := Scored{Score: score, MaxScore: in.MaxScore(), Band: band, Crisis: crisis}
	res.Advice, res.Urgent = advise(in, band, crisis)
	return res
}
