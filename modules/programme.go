// Package modules holds Haven's self-help programmes: content loaded from
// YAML files, the client's saved work (encrypted), progress, the mood diary,
// measured outcomes and the nudges that keep people going.
package modules

import (
	"regexp"
	"slices"
)

// Unlock modes of a programme.
const (
	UnlockSequential = "sequential"
	UnlockOpen       = "open"
)

// Step types.
const (
	StepText     = "text"
	StepExercise = "exercise"
	StepHomework = "homework"
)

// Field types of an exercise.
const (
	FieldText      = "text"
	FieldScale     = "scale"
	FieldSingle    = "single"
	FieldMultiple  = "multiple"
	FieldChecklist = "checklist"
	FieldList      = "list"
	FieldPlanner   = "planner"
)

// FieldTypes lists every field type, in documentation order.
var FieldTypes = []string{FieldText, FieldScale, FieldSingle, FieldMultiple, FieldChecklist, FieldList, FieldPlanner}

// Limits on answers, so one client cannot fill the database.
const (
	MaxTextLen      = 5000
	MaxListItems    = 50
	MaxListItemLen  = 200
	MaxPlannerItems = 50
	ScaleMin        = 0
	ScaleMax        = 10
)

var validID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Text is a string in every language of the programme.
type Text map[string]string

// In returns the text in lang.
func (t Text) In(lang string) string { return t[lang] }

// Programme is one self-paced course.
type Programme struct {
	ID        string    `yaml:"id"`
	Version   int       `yaml:"version"`
	Languages []string  `yaml:"languages"`
	Unlock    string    `yaml:"unlock"`
	Title     Text      `yaml:"title"`
	Summary   Text      `yaml:"summary"`
	LessonIDs []string  `yaml:"lessons"`
	Measures  *Measures `yaml:"measures"`
	Plan      *PlanSpec `yaml:"plan"`
	// LessonDays is the programme's own pace (pacing.go): a lesson opens
	// this many days after the one before was finished; nil or 0 at once.
	LessonDays *int `yaml:"lesson_days"`

	Lessons []*Lesson `yaml:"-"`
	// Images holds the bytes of every image the lessons use, by src.
	Images map[string][]byte `yaml:"-"`
}

// Measures says which questionnaire is offered during the course, and when,
// and what the course says when its questionnaires show that it is not
// enough on its own (advice.go).
type Measures struct {
	Instrument string         `yaml:"instrument"`
	Points     []MeasurePoint `yaml:"points"`
	Advice     MeasuresAdvice `yaml:"advice"`
}

// MeasuresAdvice holds the course's texts for its questionnaire advice.
type MeasuresAdvice struct {
	// NotEnough: a questionnaire with a severe score or a crisis answer.
	NotEnough AdviceText `yaml:"not_enough"`
	// Worsened: a reliable rise between two questionnaires.
	Worsened AdviceText `yaml:"worsened"`
}

// AdviceText is a title and a text in every language of the programme.
type AdviceText struct {
	Title Text `yaml:"title"`
	Text  Text `yaml:"text"`
}

// MeasurePoint is one moment a questionnaire is offered: before a lesson
// is opened, or after one is finished.
type MeasurePoint struct {
	ID     string `yaml:"id"`
	Before string `yaml:"before"`
	After  string `yaml:"after"`
}

// PlanSpec names the answers that make up a downloadable plan (such as a
// relapse-prevention plan), as "step-id/field-id" of one lesson.
type PlanSpec struct {
	Lesson string   `yaml:"lesson"`
	Title  Text     `yaml:"title"`
	Fields []string `yaml:"fields"`
	// Crisis holds the headings of the crisis lines printed at the end of
	// the plan (the lines themselves are the deployment's, selftest).
	Crisis PlanCrisisText `yaml:"crisis"`
}

// PlanCrisisText are the plan's headings for the crisis lines.
type PlanCrisisText struct {
	Title     Text `yaml:"title"`     // "Need help now?"
	Emergency Text `yaml:"emergency"` // "In immediate danger? Call" (the number follows)
	Youth     Text `yaml:"youth"`     // "For children and young people"
}

// Lesson is an ordered list of steps.
type Lesson struct {
	ID      string  `yaml:"id"`
	Title   Text    `yaml:"title"`
	Summary Text    `yaml:"summary"`
	Minutes int     `yaml:"minutes"`
	Steps   []*Step `yaml:"steps"`

	// Number is the lesson's 1-based position in the programme.
	Number int `yaml:"-"`
}

// Step is a text, an exercise or the closing homework of a lesson.
type Step struct {
	ID     string   `yaml:"id"`
	Type   string   `yaml:"type"`
	Title  Text     `yaml:"title"`
	Body   Text     `yaml:"body"`
	Image  *Image   `yaml:"image"`
	Fields []*Field `yaml:"fields"`
	// FeedbackMoment marks the step after which a client in a running
	// guided trajectory waits for their clinician's feedback on the
	// lesson (guided.go); it has no effect on the self-paced course.
	FeedbackMoment bool `yaml:"feedback_moment"`
}

// Image is an illustration of a text step.
type Image struct {
	Src string `yaml:"src"`
	Alt Text   `yaml:"alt"`
}

// Field is one input of an exercise.
type Field struct {
	ID        string    `yaml:"id"`
	Type      string    `yaml:"type"`
	Label     Text      `yaml:"label"`
	Help      Text      `yaml:"help"`
	Required  bool      `yaml:"required"`
	Rows      int       `yaml:"rows"`
	MinLabel  Text      `yaml:"min_label"`
	MaxLabel  Text      `yaml:"max_label"`
	Options   []*Option `yaml:"options"`
	ItemLabel Text      `yaml:"item_label"`
	// Safety marks a scale field as a safety signal (safety.go).
	Safety *FieldSafety `yaml:"safety"`
}

// Option is a choice of a single, multiple or checklist field. Safety,
// when set, is the safety signal choosing it raises (safety.go).
type Option struct {
	ID     string `yaml:"id"`
	Label  Text   `yaml:"label"`
	Safety string `yaml:"safety"`
}

// HasLanguage reports whether the programme is written in lang.
func (p *Programme) HasLanguage(lang string) bool { return slices.Contains(p.Languages, lang) }

// Lesson returns the lesson with id, or nil.
func (p *Programme) Lesson(id string) *Lesson {
	for _, l := range p.Lessons {
		if l.ID == id {
			return l
		}
	}
	return nil
}

// Next returns the lesson after l, or nil after the last.
func (p *Programme) Next(l *Lesson) *Lesson {
	if l.Number < len(p.Lessons) {
		return p.Lessons[l.Number]
	}
	return nil
}

// Previous returns the lesson before l, or nil before the first.
func (p *Programme) Previous(l *Lesson) *Lesson {
	if l.Number > 1 {
		return p.Lessons[l.Number-2]
	}
	return nil
}

// Step returns the step with id, or nil.
func (l *Lesson) Step(id string) *Step {
	for _, s := range l.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// FeedbackMoment returns the lesson's feedback moment, or nil.
func (l *Lesson) FeedbackMoment() *Step {
	for _, s := range l.Steps {
		if s.FeedbackMoment {
			return s
		}
	}
	return nil
}

// StepIndex returns the 0-based position of the step with id, or -1.
func (l *Lesson) StepIndex(id string) int {
	for i, s := range l.Steps {
		if s.ID == id {
			return i
		}
	}
	return -1
}

// Homework returns the lesson's homework step, or nil.
func (l *Lesson) Homework() *Step {
	if n := len(l.Steps); n > 0 && l.Steps[n-1].Type == StepHomework {
		return l.Steps[n-1]
	}
	return nil
}

// Field returns the field with id, or nil.
func (s *Step) Field(id string) *Field {
	for _, f := range s.Fields {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// Option returns the option with id, or nil.
func (f *Field) Option(id string) *Option {
	for _, o := range f.Options {
		if o.ID == id {
			return o
		}
	}
	return nil
}
