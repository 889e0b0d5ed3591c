package modules

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/haven-mh/haven/db/seal"
)

// Enrolment is one client's place in one programme.
type Enrolment struct {
	ID               string `gorm:"primaryKey"`
	UserID           string
	ProgrammeID      string
	ProgrammeVersion int
	StartedAt        time.Time
	LastActiveAt     time.Time
	CompletedAt      *time.Time
	CurrentLesson    string
	CurrentStep      string
	NudgeEmailSealed *string
	// NudgeLanguage is the language the client used when opting in to the
	// reminder e-mail (nil: from before it was kept; both languages).
	NudgeLanguage *string
}

// TableName is the table created by the migrations.
func (Enrolment) TableName() string { return "selfhelp_enrolments" }

// LessonState records when a lesson was opened and finished.
type LessonState struct {
	EnrolmentID string `gorm:"primaryKey"`
	LessonID    string `gorm:"primaryKey"`
	OpenedAt    time.Time
	CompletedAt *time.Time
}

// TableName is the table created by the migrations.
func (LessonState) TableName() string { return "selfhelp_lessons" }

// storedAnswer is a sealed step answer.
type storedAnswer struct {
	EnrolmentID      string `gorm:"primaryKey"`
	LessonID         string `gorm:"primaryKey"`
	StepID           string `gorm:"primaryKey"`
	Sealed           string
	KeyID            string
	ProgrammeVersion int
	UpdatedAt        time.Time
	CompletedAt      *time.Time
}

func (storedAnswer) TableName() string { return "selfhelp_answers" }

type storedDiaryEntry struct {
	UserID           string `gorm:"primaryKey"`
	Day              string `gorm:"primaryKey"`
	Mood             int
	NoteSealed       *string
	ActivitiesSealed *string
	KeyID            string
	UpdatedAt        time.Time
}

func (storedDiaryEntry) TableName() string { return "selfhelp_diary_entries" }

// Measurement is a questionnaire taken at one point of a programme. Its
// answers are sealed (AnswersSealed); rows from before the course kept its
// own answers point at an anonymous self-test submission instead
// (SubmissionID, empty otherwise).
type Measurement struct {
	EnrolmentID   string `gorm:"primaryKey"`
	PointID       string `gorm:"primaryKey"`
	SubmissionID  string
	Instrument    string
	Language      string
	AnswersSealed *string
	KeyID         *string
	Score         int
	Band          string
	Crisis        bool
	TakenAt       time.Time
}

// TableName is the table created by the migrations.
func (Measurement) TableName() string { return "selfhelp_measurements" }

// Nudge is a reminder for one lapse (a week without activity).
type Nudge struct {
	EnrolmentID string    `gorm:"primaryKey"`
	LapseSince  time.Time `gorm:"primaryKey"`
	CreatedAt   time.Time
	ShownAt     *time.Time
	// EmailedAt is when the job itself e-mailed the nudge, before the
	// e-mail went through the outbox (whose row now says whether it went
	// out); it is no longer set.
	EmailedAt *time.Time
}

// TableName is the table created by the migrations.
func (Nudge) TableName() string { return "selfhelp_nudges" }

// Event kinds counted by reports.
const (
	EventStarted         = "selfhelp_started"
	EventLessonCompleted = "lesson_completed"
	EventCourseCompleted = "course_completed"
	EventMeasurement     = "questionnaire_completed"
	// EventSafetySignal: a client newly chose an answer the content marks
	// as a safety signal (lesson only; no option, no answer). Kept with the
	// enrolment for the guided trajectory's clinician alert; erasure cuts
	// the link like every event's.
	EventSafetySignal = "safety_signal"
)

type event struct {
	ID          uint64 `gorm:"primaryKey"`
	Kind        string
	ProgrammeID string
	LessonID    *string
	EnrolmentID *string
	OccurredAt  time.Time
}

func (event) TableName() string { return "selfhelp_events" }

// Store persists self-help data. It is the only code in this package that
// touches the database.
type Store struct {
	db *gorm.DB
}

// NewStore returns a store on db.
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

// Tx runs fn in a transaction; inside it use only the store fn is given.
func (s *Store) Tx(ctx context.Context, fn func(st *Store) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return fn(&Store{db: tx}) })
}

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("modules: %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("modules: %s: %w", what, err)
}

// Enrolment returns the user's enrolment in a programme, or ErrNotFound.
func (s *Store) Enrolment(ctx context.Context, userID, programmeID string) (*Enrolment, error) {
	var e Enrolment
	if err := s.db.WithContext(ctx).Where("user_id = ? AND programme_id = ?", userID, programmeID).Take(&e).Error; err != nil {
		return nil, notFound(err, "enrolment")
	}
	return &e, nil
}

// Enrolments returns every enrolment of a user.
func (s *Store) Enrolments(ctx context.Context, userID string) ([]Enrolment, error) {
	var out []Enrolment
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("started_at").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("modules: list enrolments: %w", err)
	}
	return out, nil
}

// CreateEnrolment inserts e unless the user is already enrolled; it
// returns whether it inserted.
func (s *Store) CreateEnrolment(ctx context.Context, e *Enrolment) (bool, error) {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(e)
	if res.Error != nil {
		return false, fmt.Errorf("modules: create enrolment: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// UpdatePosition moves the client's bookmark and marks activity.
func (s *Store) UpdatePosition(ctx context.Context, id, lesson, step string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&Enrolment{ID: id}).
		Select("current_lesson", "current_step", "last_active_at").
		Updates(Enrolment{CurrentLesson: lesson, CurrentStep: step, LastActiveAt: now}).Error
	if err != nil {
		return fmt.Errorf("modules: update position: %w", err)
	}
	return nil
}

// Touch marks activity without moving the bookmark.
func (s *Store) Touch(ctx context.Context, id string, now time.Time) error {
	if err := s.db.WithContext(ctx).Model(&Enrolment{ID: id}).Update("last_active_at", now).Error; err != nil {
		return fmt.Errorf("modules: touch enrolment: %w", err)
	}
	return nil
}

// CompleteEnrolment sets completed_at once; it reports whether it did.
func (s *Store) CompleteEnrolment(ctx context.Context, id string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Enrolment{}).Where("id = ? AND completed_at IS NULL", id).Update("completed_at", now)
	if res.Error != nil {
		return false, fmt.Errorf("modules: complete enrolment: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SetNudgeEmail stores (or, with nil, removes) the sealed nudge address and
// the language of the e-mail.
func (s *Store) SetNudgeEmail(ctx context.Context, id string, sealed, lang *string) error {
	err := s.db.WithContext(ctx).Model(&Enrolment{ID: id}).
		Updates(map[string]any{"nudge_email_sealed": sealed, "nudge_language": lang}).Error
	if err != nil {
		return fmt.Errorf("modules: set nudge e-mail: %w", err)
	}
	return nil
}

// Lessons returns the lesson states of an enrolment.
func (s *Store) Lessons(ctx context.Context, enrolmentID string) ([]LessonState, error) {
	var out []LessonState
	if err := s.db.WithContext(ctx).Where("enrolment_id = ?", enrolmentID).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("modules: list lessons: %w", err)
	}
	return out, nil
}

// OpenLesson records the first opening of a lesson; it reports whether this
// was the first.
func (s *Store) OpenLesson(ctx context.Context, enrolmentID, lessonID string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&LessonState{EnrolmentID: enrolmentID, LessonID: lessonID, OpenedAt: now})
	if res.Error != nil {
		return false, fmt.Errorf("modules: open lesson: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CompleteLesson sets a lesson's completed_at once; it reports whether it did.
func (s *Store) CompleteLesson(ctx context.Context, enrolmentID, lessonID string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&LessonState{}).
		Where("enrolment_id = ? AND lesson_id = ? AND completed_at IS NULL", enrolmentID, lessonID).
		Update("completed_at", now)
	if res.Error != nil {
		return false, fmt.Errorf("modules: complete lesson: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SaveAnswer inserts or replaces the sealed answer to a step. A completed
// step stays completed when saved again.
func (s *Store) SaveAnswer(ctx context.Context, a *storedAnswer) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "enrolment_id"}, {Name: "lesson_id"}, {Name: "step_id"}},
		DoUpdates: clause.Assignments(map[string]any{
			"sealed":            a.Sealed,
			"key_id":            a.KeyID,
			"programme_version": a.ProgrammeVersion,
			"updated_at":        a.UpdatedAt,
			"completed_at":      gorm.Expr("COALESCE(selfhelp_answers.completed_at, ?)", a.CompletedAt),
		}),
	}).Create(a).Error
	if err != nil {
		return fmt.Errorf("modules: save answer: %w", err)
	}
	return nil
}

// Answers returns the sealed answers of an enrolment, optionally of one lesson.
func (s *Store) Answers(ctx context.Context, enrolmentID, lessonID string) ([]storedAnswer, error) {
	q := s.db.WithContext(ctx).Where("enrolment_id = ?", enrolmentID)
	if lessonID != "" {
		q = q.Where("lesson_id = ?", lessonID)
	}
	var out []storedAnswer
	if err := q.Order("lesson_id, step_id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("modules: list answers: %w", err)
	}
	return out, nil
}

// SaveDiary inserts or replaces the diary entry of a day.
func (s *Store) SaveDiary(ctx context.Context, e *storedDiaryEntry) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "day"}},
		DoUpdates: clause.AssignmentColumns([]string{"mood", "note_sealed", "activities_sealed", "key_id", "updated_at"}),
	}).Create(e).Error
	if err != nil {
		return fmt.Errorf("modules: save diary: %w", err)
	}
	return nil
}

// Diary returns the diary entries of a user between two days (inclusive).
func (s *Store) Diary(ctx context.Context, userID, from, to string) ([]storedDiaryEntry, error) {
	var out []storedDiaryEntry
	err := s.db.WithContext(ctx).Where("user_id = ? AND day >= ? AND day <= ?", userID, from, to).Order("day").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("modules: list diary: %w", err)
	}
	return out, nil
}

// DeleteDiary removes the entry of one day; ErrNotFound if there is none.
func (s *Store) DeleteDiary(ctx context.Context, userID, day string) error {
	res := s.db.WithContext(ctx).Where("user_id = ? AND day = ?", userID, day).Delete(&storedDiaryEntry{})
	if res.Error != nil {
		return fmt.Errorf("modules: delete diary entry: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("modules: diary entry %s: %w", day, ErrNotFound)
	}
	return nil
}

// SaveMeasurement records a questionnaire at a point; a point is taken once.
func (s *Store) SaveMeasurement(ctx context.Context, m *Measurement) (bool, error) {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(m)
	if res.Error != nil {
		return false, fmt.Errorf("modules: save measurement: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// LegacyMeasurements returns measurements still linked to a self-test
// submission (taken before the course kept its questionnaires itself).
func (s *Store) LegacyMeasurements(ctx context.Context) ([]Measurement, error) {
	var out []Measurement
	if err := s.db.WithContext(ctx).Where("submission_id <> ''").Limit(10000).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("modules: legacy measurements: %w", err)
	}
	return out, nil
}

// SetMeasurementAnswers stores a measurement's sealed answers.
func (s *Store) SetMeasurementAnswers(ctx context.Context, m *Measurement, sealed, keyID string) error {
	err := s.db.WithContext(ctx).Model(&Measurement{}).Where("enrolment_id = ? AND point_id = ?", m.EnrolmentID, m.PointID).
		Updates(map[string]any{"answers_sealed": sealed, "key_id": keyID}).Error
	if err != nil {
		return fmt.Errorf("modules: seal measurement: %w", err)
	}
	return nil
}

// UnlinkMeasurement forgets which self-test submission a measurement came
// from, once its answers are kept with the course.
func (s *Store) UnlinkMeasurement(ctx context.Context, m *Measurement) error {
	err := s.db.WithContext(ctx).Model(&Measurement{}).Where("enrolment_id = ? AND point_id = ?", m.EnrolmentID, m.PointID).
		Update("submission_id", "").Error
	if err != nil {
		return fmt.Errorf("modules: unlink measurement: %w", err)
	}
	return nil
}

// Measurements returns the measurements of an enrolment, oldest first.
func (s *Store) Measurements(ctx context.Context, enrolmentID string) ([]Measurement, error) {
	var out []Measurement
	if err := s.db.WithContext(ctx).Where("enrolment_id = ?", enrolmentID).Order("taken_at").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("modules: list measurements: %w", err)
	}
	return out, nil
}

// RecordEvent appends an anonymous event for reports.
func (s *Store) RecordEvent(ctx context.Context, kind, programmeID, lessonID, enrolmentID string, now time.Time) error {
	e := event{Kind: kind, ProgrammeID: programmeID, EnrolmentID: &enrolmentID, OccurredAt: now}
	if lessonID != "" {
		e.LessonID = &lessonID
	}
	if err := s.db.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("modules: record event: %w", err)
	}
	return nil
}

// EnrolmentEvents returns the events of one kind of an enrolment, oldest
// first.
func (s *Store) EnrolmentEvents(ctx context.Context, enrolmentID, kind string) ([]EventRecord, error) {
	var rows []event
	err := s.db.WithContext(ctx).Where("enrolment_id = ? AND kind = ?", enrolmentID, kind).Order("occurred_at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("modules: list events: %w", err)
	}
	out := make([]EventRecord, 0, len(rows))
	for _, r := range rows {
		rec := EventRecord{Kind: r.Kind, OccurredAt: r.OccurredAt}
		if r.LessonID != nil {
			rec.LessonID = *r.LessonID
		}
		out = append(out, rec)
	}
	return out, nil
}

// EventRecord is one event of an enrolment.
type EventRecord struct {
	Kind       string
	LessonID   string
	OccurredAt time.Time
}

// CountEvents counts events of a kind for a programme in [from, to).
func (s *Store) CountEvents(ctx context.Context, kind, programmeID string, from, to time.Time) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&event{}).
		Where("kind = ? AND programme_id = ? AND occurred_at >= ? AND occurred_at < ?", kind, programmeID, from, to).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("modules: count events: %w", err)
	}
	return n, nil
}

// LapsedEnrolments returns unfinished enrolments inactive since before cutoff.
func (s *Store) LapsedEnrolments(ctx context.Context, cutoff time.Time) ([]Enrolment, error) {
	var out []Enrolment
	err := s.db.WithContext(ctx).Where("completed_at IS NULL AND last_active_at < ?", cutoff).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("modules: list lapsed enrolments: %w", err)
	}
	return out, nil
}

// CreateNudge claims the nudge for one lapse; false when it already exists,
// so a lapse is never nudged twice, even by two replicas at once.
func (s *Store) CreateNudge(ctx context.Context, n *Nudge) (bool, error) {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(n)
	if res.Error != nil {
		return false, fmt.Errorf("modules: create nudge: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Conn is the store's connection — inside Tx, its transaction — for the
// notification outbox (db/outbox) to queue the reminder e-mail in the
// transaction that records the nudge.
func (s *Store) Conn(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// UnshownNudge returns the newest nudge not yet shown in the app, or nil.
func (s *Store) UnshownNudge(ctx context.Context, enrolmentID string) (*Nudge, error) {
	var n Nudge
	err := s.db.WithContext(ctx).Where("enrolment_id = ? AND shown_at IS NULL", enrolmentID).Order("lapse_since DESC").Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("modules: load nudge: %w", err)
	}
	return &n, nil
}

// MarkNudgesShown marks every unshown nudge of an enrolment as shown.
func (s *Store) MarkNudgesShown(ctx context.Context, enrolmentID string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&Nudge{}).Where("enrolment_id = ? AND shown_at IS NULL", enrolmentID).
		Update("shown_at", now).Error
	if err != nil {
		return fmt.Errorf("modules: mark nudge shown: %w", err)
	}
	return nil
}

// EraseUser removes every self-help row of a user, keeping the anonymous
// event counts (their link to the enrolment is cut).
func (s *Store) EraseUser(ctx context.Context, userID string) error {
	return s.Tx(ctx, func(st *Store) error {
		var ids []string
		if err := st.db.Model(&Enrolment{}).Where("user_id = ?", userID).Pluck("id", &ids).Error; err != nil {
			return fmt.Errorf("modules: erase: %w", err)
		}
		if len(ids) > 0 {
			for _, m := range []any{&storedAnswer{}, &LessonState{}, &Measurement{}, &Nudge{}} {
				if err := st.db.Where("enrolment_id IN ?", ids).Delete(m).Error; err != nil {
					return fmt.Errorf("modules: erase: %w", err)
				}
			}
			if err := st.db.Model(&event{}).Where("enrolment_id IN ?", ids).Update("enrolment_id", nil).Error; err != nil {
				return fmt.Errorf("modules: erase: %w", err)
			}
		}
		for _, m := range []any{&Enrolment{}, &storedDiaryEntry{}} {
			if err := st.db.Where("user_id = ?", userID).Delete(m).Error; err != nil {
				return fmt.Errorf("modules: erase: %w", err)
			}
		}
		return nil
	})
}

// SealedKeyIDs lists the encryption key ids the sealed values in the
// self-help tables were sealed with (answers, diary notes and activities,
// questionnaire answers, reminder addresses): at start-up Haven refuses to
// run without every one of them.
func (s *Store) SealedKeyIDs(ctx context.Context) ([]string, error) {
	q := s.db.WithContext(ctx)
	kid := func(col string) string { return seal.KeyIDSQL(s.db.Dialector.Name(), col) }
	queries := []*gorm.DB{
		q.Model(&storedAnswer{}).Distinct("key_id"),
		q.Model(&storedDiaryEntry{}).Distinct("key_id").Where("note_sealed IS NOT NULL OR activities_sealed IS NOT NULL"),
		q.Model(&Measurement{}).Distinct("key_id").Where("answers_sealed IS NOT NULL AND key_id IS NOT NULL"),
		q.Model(&Enrolment{}).Distinct(kid("nudge_email_sealed")).Where("nudge_email_sealed IS NOT NULL"),
	}
	seen := map[string]bool{}
	var out []string
	for _, qq := range queries {
		var ids []string
		if err := qq.Pluck("key_id", &ids).Error; err != nil {
			return nil, fmt.Errorf("modules: sealed key ids: %w", err)
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// Completion is one lesson a client finished.
type Completion struct {
	UserID      string
	ProgrammeID string
	LessonID    string
	CompletedAt time.Time
}

// Completions lists the finished lessons of several clients in one query
// (a clinician's caseload reads them for all clients at once).
func (s *Store) Completions(ctx context.Context, userIDs []string) ([]Completion, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	var rows []struct {
		UserID      string
		ProgrammeID string
		LessonID    string
		CompletedAt time.Time
	}
	err := s.db.WithContext(ctx).Table("selfhelp_lessons AS l").
		Select("e.user_id, e.programme_id, l.lesson_id, l.completed_at").
		Joins("JOIN selfhelp_enrolments AS e ON e.id = l.enrolment_id").
		Where("e.user_id IN ? AND l.completed_at IS NOT NULL", userIDs).
		Order("e.user_id, e.programme_id, l.lesson_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("modules: completions: %w", err)
	}
	out := make([]Completion, len(rows))
	for i, r := range rows {
		out[i] = Completion{UserID: r.UserID, ProgrammeID: r.ProgrammeID, LessonID: r.LessonID, CompletedAt: r.CompletedAt}
	}
	return out, nil
}

// CompletedSteps returns when each step of an enrolment was first
// completed, by "lesson/step" (no answer content is read).
func (s *Store) CompletedSteps(ctx context.Context, enrolmentID string) (map[string]time.Time, error) {
	var rows []struct {
		LessonID    string
		StepID      string
		CompletedAt time.Time
	}
	err := s.db.WithContext(ctx).Model(&storedAnswer{}).Select("lesson_id, step_id, completed_at").
		Where("enrolment_id = ? AND completed_at IS NOT NULL", enrolmentID).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("modules: completed steps: %w", err)
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.LessonID+"/"+r.StepID] = r.CompletedAt.UTC()
	}
	return out, nil
}

// StepCompletions lists when several clients first completed the given
// steps (any lesson), in one query, with their programme and lesson.
func (s *Store) StepCompletions(ctx context.Context, userIDs, stepIDs []string) ([]StepCompletion, error) {
	if len(userIDs) == 0 || len(stepIDs) == 0 {
		return nil, nil
	}
	var rows []StepCompletion
	err := s.db.WithContext(ctx).Table("selfhelp_answers AS a").
		Select("e.user_id, e.programme_id, a.lesson_id, a.step_id, a.completed_at").
		Joins("JOIN selfhelp_enrolments AS e ON e.id = a.enrolment_id").
		Where("e.user_id IN ? AND a.step_id IN ? AND a.completed_at IS NOT NULL", userIDs, stepIDs).
		Order("e.user_id, e.programme_id, a.lesson_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("modules: step completions: %w", err)
	}
	return rows, nil
}

// StepCompletion is one client's first completion of a step.
type StepCompletion struct {
	UserID      string
	ProgrammeID string
	LessonID    string
	StepID      string
	CompletedAt time.Time
}
