package modules

import (
	"context"
	"time"

	"github.com/haven-mh/haven/selftest"
)

// Export is everything self-help keeps about one client, for the GDPR
// download: courses, every saved answer (also to steps since removed from
// the content), questionnaire scores and the whole mood diary, decrypted.
type Export struct {
	Enrolments []EnrolmentExport `json:"enrolments"`
	Diary      []DiaryEntry      `json:"diary"`
}

// EnrolmentExport is one course's data.
type EnrolmentExport struct {
	Programme        string          `json:"programme"`
	ProgrammeVersion int             `json:"programme_version"`
	StartedAt        time.Time       `json:"started_at"`
	LastActiveAt     time.Time       `json:"last_active_at"`
	CompletedAt      *time.Time      `json:"completed_at,omitempty"`
	Lessons          []LessonExport  `json:"lessons"`
	Answers          []AnswerExport  `json:"answers"`
	Measurements     []MeasureExport `json:"measurements"`
	// SafetySignals are the moments an answer the course marks as a safety
	// signal was chosen (crisis help was shown), by lesson.
	SafetySignals []SafetySignalExport `json:"safety_signals"`
	NudgeEmail    string               `json:"nudge_email,omitempty"`
	NudgeLanguage string               `json:"nudge_language,omitempty"`
}

// SafetySignalExport is one safety signal: where and when.
type SafetySignalExport struct {
	Lesson     string    `json:"lesson"`
	OccurredAt time.Time `json:"occurred_at"`
}

// LessonExport is when a lesson was opened and finished.
type LessonExport struct {
	Lesson      string     `json:"lesson"`
	OpenedAt    time.Time  `json:"opened_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// AnswerExport is one saved step.
type AnswerExport struct {
	Lesson      string     `json:"lesson"`
	Step        string     `json:"step"`
	Values      Values     `json:"values"`
	UpdatedAt   time.Time  `json:"updated_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Removed     bool       `json:"removed_from_course,omitempty"`
}

// MeasureExport is one questionnaire taken during the course.
type MeasureExport struct {
	Point      string            `json:"point"`
	Instrument string            `json:"instrument"`
	Answers    []selftest.Answer `json:"answers,omitempty"`
	Score      int               `json:"score"`
	Band       string            `json:"band"`
	Crisis     bool              `json:"crisis"`
	TakenAt    time.Time         `json:"taken_at"`
}

// DataName names self-help's part of the account export.
func (s *Service) DataName() string { return "selfhelp" }

// ExportUser gathers the client's self-help data.
func (s *Service) ExportUser(ctx context.Context, userID string) (any, error) {
	enrolments, err := s.store.Enrolments(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := Export{Enrolments: []EnrolmentExport{}}
	for i := range enrolments {
		e := &enrolments[i]
		ex := EnrolmentExport{Programme: e.ProgrammeID, ProgrammeVersion: e.ProgrammeVersion, StartedAt: e.StartedAt,
			LastActiveAt: e.LastActiveAt, CompletedAt: e.CompletedAt, Lessons: []LessonExport{}, Answers: []AnswerExport{},
			Measurements: []MeasureExport{}}
		lessons, err := s.store.Lessons(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		for _, l := range lessons {
			ex.Lessons = append(ex.Lessons, LessonExport{Lesson: l.LessonID, OpenedAt: l.OpenedAt, CompletedAt: l.CompletedAt})
		}
		answers, err := s.answers(ctx, e, "")
		if err != nil {
			return nil, err
		}
		for _, a := range answers {
			ex.Answers = append(ex.Answers, AnswerExport{Lesson: a.LessonID, Step: a.StepID, Values: a.Values,
				UpdatedAt: a.UpdatedAt, CompletedAt: a.CompletedAt, Removed: a.Removed})
		}
		ms, err := s.store.Measurements(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		for i := range ms {
			m := &ms[i]
			answers, err := s.measurementAnswers(m)
			if err != nil {
				return nil, err
			}
			ex.Measurements = append(ex.Measurements, MeasureExport{Point: m.PointID, Instrument: m.Instrument, Answers: answers,
				Score: m.Score, Band: m.Band, Crisis: m.Crisis, TakenAt: m.TakenAt})
		}
		signals, err := s.store.EnrolmentEvents(ctx, e.ID, EventSafetySignal)
		if err != nil {
			return nil, err
		}
		ex.SafetySignals = []SafetySignalExport{}
		for _, ev := range signals {
			ex.SafetySignals = append(ex.SafetySignals, SafetySignalExport{Lesson: ev.LessonID, OccurredAt: ev.OccurredAt})
		}
		if e.NudgeEmailSealed != nil {
			addr, err := s.sealer.Open(*e.NudgeEmailSealed, "selfhelp-nudge-email:"+e.ID)
			if err != nil {
				return nil, err
			}
			ex.NudgeEmail = string(addr)
		}
		if e.NudgeLanguage != nil {
			ex.NudgeLanguage = *e.NudgeLanguage
		}
		out.Enrolments = append(out.Enrolments, ex)
	}
	diary, err := s.Diary(ctx, userID, time.Time{}, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, err
	}
	out.Diary = diary
	return out, nil
}
