package modules

import (
	"cmp"
	"slices"

	"github.com/haven-mh/haven/selftest"
)

// Reasons the course's questionnaires give for saying that the course alone
// is not enough.
const (
	// AdviceNotEnough: a questionnaire scored with an urgent GP step — a
	// severe score (a PHQ-9 of 20 or more) or a crisis answer.
	AdviceNotEnough = "not_enough"
	// AdviceWorsened: the score rose by the instrument's reliable change
	// (6 points on the PHQ-9) or more between two questionnaires.
	AdviceWorsened = "worsened"
)

// CourseAdvice is what the course's questionnaires say about the course
// itself: that on its own it is not enough now, why, and the steps to take
// (the GP, and guided help). Both transports show it with a questionnaire's
// result and on the course page. Nil when the questionnaires give no reason.
type CourseAdvice struct {
	// Reasons are AdviceNotEnough and AdviceWorsened, in that order, each at
	// most once.
	Reasons []string
	// Worsened is the largest reliable rise, when there is one.
	Worsened *Worsening
	// Messages are the programme's texts for the reasons, in order.
	Messages []AdviceText
	// Steps: the GP (urgent when a questionnaire asked for the GP urgently),
	// then guided help.
	Steps []AdviceStep
}

// Worsening is a rise between two questionnaires of the course.
type Worsening struct {
	FromPoint string
	ToPoint   string
	From      int
	To        int
}

// AdviceStep is a next step by its self-test advice code (selftest.Service
// Step gives its text in a language).
type AdviceStep struct {
	Code   string
	Urgent bool
}

// takenOutcome is a questionnaire taken at a point, scored by today's rules.
type takenOutcome struct {
	point string
	out   *selftest.Outcome
}

// courseAdvice is the one rule, for the questionnaire just taken and the
// course page alike: the course alone is not enough when any questionnaire
// of the course asks for the GP urgently (a PHQ-9 of 20 or more, or a
// crisis answer: the self-test's own rule, so the two never disagree), or
// when the score rose by the instrument's reliable change or more between
// any two of them (oldest first). taken is in the order the questionnaires
// were taken.
func courseAdvice(p *Programme, taken []takenOutcome) *CourseAdvice {
	a := &CourseAdvice{}
	urgent := false
	for _, t := range taken {
		if t.out.IsUrgent(selftest.AdviceGP) {
			urgent = true
		}
	}
	if urgent {
		a.Reasons = append(a.Reasons, AdviceNotEnough)
		a.Messages = append(a.Messages, p.Measures.Advice.NotEnough)
	}
	for i, earlier := range taken {
		for _, later := range taken[i+1:] {
			if earlier.out.Instrument.ID != later.out.Instrument.ID {
				continue
			}
			rise := later.out.Score - earlier.out.Score
			if rise < later.out.Instrument.ReliableChange {
				continue
			}
			if a.Worsened == nil || rise >= a.Worsened.To-a.Worsened.From {
				a.Worsened = &Worsening{FromPoint: earlier.point, ToPoint: later.point, From: earlier.out.Score, To: later.out.Score}
			}
		}
	}
	if a.Worsened != nil {
		a.Reasons = append(a.Reasons, AdviceWorsened)
		a.Messages = append(a.Messages, p.Measures.Advice.Worsened)
	}
	if len(a.Reasons) == 0 {
		return nil
	}
	a.Steps = []AdviceStep{{Code: selftest.AdviceGP, Urgent: urgent}, {Code: selftest.AdviceGuided}}
	return a
}

// adviceFor scores an enrolment's questionnaires by today's rules and
// returns the course advice (nil when none). They are compared in the
// programme's order of points (start, middle, end), which is the order
// they can be taken in; a point since removed from the content keeps its
// place in time after them.
func (s *Service) adviceFor(p *Programme, ms []Measurement) (*CourseAdvice, error) {
	order := func(id string) int {
		for i, pt := range p.Measures.Points {
			if pt.ID == id {
				return i
			}
		}
		return len(p.Measures.Points)
	}
	ms = slices.Clone(ms)
	slices.SortStableFunc(ms, func(a, b Measurement) int { return cmp.Compare(order(a.PointID), order(b.PointID)) })
	taken := make([]takenOutcome, 0, len(ms))
	for _, m := range ms {
		instrument := m.Instrument
		if instrument == "" { // a row from before the course kept its own questionnaires
			instrument = p.Measures.Instrument
		}
		out, err := s.scorer.Restore(instrument, m.Language, m.Score, m.Band, m.Crisis, m.TakenAt)
		if err != nil {
			return nil, err
		}
		taken = append(taken, takenOutcome{point: m.PointID, out: out})
	}
	return courseAdvice(p, taken), nil
}
