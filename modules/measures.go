package modules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/selftest"
)

// TakeMeasurement is the course questionnaire at one measurement point:
// the client answers the programme's instrument, it is scored by the
// self-test rules (so a crisis answer raises the crisis flag whatever the
// total), and kept with the course, its answers sealed. Taking the first
// one enrols a client who has not opened a lesson yet (it comes before
// lesson 1). A point that is not due — not reached yet, or taken already —
// is ErrNotFound. Checking, scoring and recording happen in one
// transaction, so a double submit cannot record twice.
//
// The result carries the course's advice (advice.go) over every
// questionnaire taken so far, this one included.
func (s *Service) TakeMeasurement(ctx context.Context, userID, programmeID, pointID, lang string, answers []selftest.Answer) (*MeasurementOutcome, error) {
	p, err := s.lib.Programme(programmeID)
	if err != nil {
		return nil, err
	}
	if p.Measures == nil {
		return nil, fmt.Errorf("modules: %s has no questionnaires: %w", p.ID, ErrNotFound)
	}
	if !p.HasLanguage(lang) {
		lang = p.Languages[0]
	}
	out, err := s.scorer.Evaluate(p.Measures.Instrument, lang, answers)
	if err != nil {
		return nil, err
	}
	if out.Crisis {
		if err := s.raiseCrisis(ctx, userID); err != nil {
			return nil, err
		}
	}
	plain, err := json.Marshal(answers)
	if err != nil {
		return nil, fmt.Errorf("modules: encode questionnaire: %w", err)
	}
	now := s.now().UTC()
	var taken []Measurement
	err = s.store.Tx(ctx, func(st *Store) error {
		e, err := s.enrol(ctx, st, p, userID, now)
		if err != nil {
			return err
		}
		pr, err := s.progress(ctx, st, p, e, true)
		if err != nil {
			return err
		}
		if !pointDue(pr, pointID) {
			return fmt.Errorf("modules: questionnaire %q is not due: %w", pointID, ErrNotFound)
		}
		sealed, err := s.sealer.Seal(plain, measurementContext(e.ID, pointID))
		if err != nil {
			return err
		}
		keyID := seal.KeyID(sealed)
		saved, err := st.SaveMeasurement(ctx, &Measurement{EnrolmentID: e.ID, PointID: pointID, Instrument: out.Instrument.ID,
			Language: out.Language, AnswersSealed: &sealed, KeyID: &keyID, Score: out.Score, Band: out.Band, Crisis: out.Crisis, TakenAt: now})
		if err != nil {
			return err
		}
		if !saved { // taken a moment ago by a concurrent submit
			return fmt.Errorf("modules: questionnaire %q was taken already: %w", pointID, ErrNotFound)
		}
		if err := st.RecordEvent(ctx, EventMeasurement, p.ID, "", e.ID, now); err != nil {
			return err
		}
		if taken, err = st.Measurements(ctx, e.ID); err != nil {
			return err
		}
		return st.Touch(ctx, e.ID, now)
	})
	if err != nil {
		return nil, err
	}
	out.CreatedAt = now
	advice, err := s.adviceFor(p, taken)
	if err != nil {
		return nil, err
	}
	return &MeasurementOutcome{Outcome: out, Advice: advice}, nil
}

// MeasurementOutcome is a course questionnaire's result: the self-test's
// outcome, and what the course's questionnaires so far say about the
// course (nil when nothing).
type MeasurementOutcome struct {
	*selftest.Outcome
	Advice *CourseAdvice
}

// MeasurementResult returns the outcome of a questionnaire the client took
// at a point, with the course's advice as it stands, or ErrNotFound.
func (s *Service) MeasurementResult(ctx context.Context, userID, programmeID, pointID string) (*MeasurementOutcome, error) {
	p, err := s.lib.Programme(programmeID)
	if err != nil {
		return nil, err
	}
	e, err := s.store.Enrolment(ctx, userID, programmeID)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.Measurements(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.PointID != pointID {
			continue
		}
		out, err := s.scorer.Restore(m.Instrument, m.Language, m.Score, m.Band, m.Crisis, m.TakenAt)
		if err != nil {
			return nil, err
		}
		advice, err := s.adviceFor(p, ms)
		if err != nil {
			return nil, err
		}
		return &MeasurementOutcome{Outcome: out, Advice: advice}, nil
	}
	return nil, fmt.Errorf("modules: questionnaire %q not taken: %w", pointID, ErrNotFound)
}

func pointDue(pr *Progress, pointID string) bool {
	for _, m := range pr.Measures {
		if m.Point.ID == pointID {
			return m.Due
		}
	}
	return false
}

func measurementContext(enrolmentID, pointID string) string {
	return "selfhelp-measurement:" + enrolmentID + ":" + pointID
}

// measurementAnswers opens the sealed answers of a measurement (nil for a
// measurement taken before answers were kept with the course).
func (s *Service) measurementAnswers(m *Measurement) ([]selftest.Answer, error) {
	if m.AnswersSealed == nil {
		return nil, nil
	}
	plain, err := s.sealer.Open(*m.AnswersSealed, measurementContext(m.EnrolmentID, m.PointID))
	if err != nil {
		return nil, fmt.Errorf("modules: open questionnaire %s: %w", m.PointID, err)
	}
	var out []selftest.Answer
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, fmt.Errorf("modules: decode questionnaire %s: %w", m.PointID, err)
	}
	return out, nil
}

// LegacyAnswers hands over the answers of course questionnaires taken
// before the course kept them itself (selftest.Service satisfies it).
type LegacyAnswers interface {
	SubmissionAnswers(ctx context.Context, submissionID string) ([]selftest.Answer, error)
	ForgetAnswers(ctx context.Context, submissionID string) error
}

// SealLegacyMeasurements moves the answers of course questionnaires taken
// before the course kept them (they sat, readable, in an anonymous
// self-test row linked to the client) into the course, sealed. It is run
// at start-up, is idempotent, and returns how many it moved.
func (s *Service) SealLegacyMeasurements(ctx context.Context, from LegacyAnswers) (int, error) {
	legacy, err := s.store.LegacyMeasurements(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range legacy {
		m := &legacy[i]
		if m.AnswersSealed == nil {
			answers, err := from.SubmissionAnswers(ctx, m.SubmissionID)
			if err != nil && !errors.Is(err, selftest.ErrNotFound) {
				return n, err
			}
			plain, err := json.Marshal(answers)
			if err != nil {
				return n, fmt.Errorf("modules: encode questionnaire: %w", err)
			}
			sealed, err := s.sealer.Seal(plain, measurementContext(m.EnrolmentID, m.PointID))
			if err != nil {
				return n, err
			}
			if err := s.store.SetMeasurementAnswers(ctx, m, sealed, seal.KeyID(sealed)); err != nil {
				return n, err
			}
		}
		if err := from.ForgetAnswers(ctx, m.SubmissionID); err != nil {
			return n, err
		}
		if err := s.store.UnlinkMeasurement(ctx, m); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// QuestionnaireRecords returns every course questionnaire a client took,
// in every course, with its answers where the course keeps them, oldest
// first within each course (for the FHIR export).
func (s *Service) QuestionnaireRecords(ctx context.Context, userID string) ([]selftest.Record, error) {
	enrolments, err := s.store.Enrolments(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []selftest.Record
	for i := range enrolments {
		e := &enrolments[i]
		ms, err := s.store.Measurements(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		for j := range ms {
			m := &ms[j]
			answers, err := s.measurementAnswers(m)
			if err != nil {
				return nil, err
			}
			out = append(out, selftest.Record{Source: selftest.SourceSelfhelp, ID: e.ID + ":" + m.PointID, Point: m.PointID,
				Instrument: m.Instrument, Language: m.Language, Answers: answers, Score: m.Score, Band: m.Band, Crisis: m.Crisis,
				TakenAt: m.TakenAt.UTC()})
		}
	}
	return out, nil
}
