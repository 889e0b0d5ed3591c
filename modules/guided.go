package modules

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Guidance is a clinician guiding a client's course: the guided trajectory
// (coaching) implements it through a relay in cmd/haven/wire, so modules
// never imports coaching. Without it (or outside a running trajectory) the
// course is self-paced.
type Guidance interface {
	// Course is the guided trajectory's say over clientID's course in
	// programmeID, in one call: whether a trajectory runs, the lessons
	// the clinician set (in order) and when they last gave feedback on
	// each lesson. Outside a running trajectory it is the zero value, at
	// the cost of one lookup — the case of every self-help client.
	Course(ctx context.Context, clientID, programmeID string) (CourseGuidance, error)
}

// CourseGuidance is the guided trajectory's answer about one course.
type CourseGuidance struct {
	// Running is set while a trajectory runs; it began at Started.
	Running bool
	Started time.Time
	// Assigned is the lessons the clinician set, in their order.
	Assigned []string
	// LastFeedback is, by lesson, when the clinician last gave feedback
	// on it in this trajectory.
	LastFeedback map[string]time.Time
	// DueBy is when the clinician's feedback on a moment finished at
	// since is due (the trajectory's response target).
	DueBy func(since time.Time) time.Time
}

// Guided reports whether a clinician guides the course: a trajectory runs
// with lessons set.
func (g CourseGuidance) Guided() bool { return g.Running && len(g.Assigned) > 0 }

// Pending is the rule of a feedback moment: inside a running trajectory, a
// client who finished the moment of lessonID at since continues past it
// only once their clinician has given feedback on that lesson since.
// Outside a trajectory, or for a moment finished before it began (the
// self-paced course did not wait then, and coaching's list of feedback
// due leaves it out the same way), nothing waits.
func (g CourseGuidance) Pending(lessonID string, since time.Time) FeedbackWait {
	if !g.Running || since.Before(g.Started) {
		return FeedbackWait{}
	}
	if last, ok := g.LastFeedback[lessonID]; ok && !last.Before(since) {
		return FeedbackWait{}
	}
	w := FeedbackWait{Pending: true}
	if g.DueBy != nil {
		w.By = g.DueBy(since)
	}
	return w
}

// FeedbackWait is the guidance's answer about one feedback moment.
type FeedbackWait struct {
	Pending bool
	By      time.Time // when the clinician's feedback is due
}

// guide applies the clinician's order to computed lesson states, in a
// trajectory that runs with lessons set (pr.Guided). The rule, the same
// for the pages and the API:
//   - the assigned lessons open one at a time, in the clinician's order:
//     the next assigned lesson opens once the previous assigned one is
//     finished (and its feedback moment, if any, has had its feedback);
//   - a lesson the client has opened stays theirs to read and finish
//     (in progress or done), assigned or not;
//   - every other lesson is locked while the clinician guides the course.
//
// Outside a trajectory this is not called: the programme's own unlocking
// (sequential or open) applies.
func guide(pr *Progress) {
	next := ""
	for _, id := range pr.Assigned {
		lp := pr.lesson(id)
		if lp == nil { // removed from the content since
			continue
		}
		if lp.State == LessonDone && lp.Waiting == nil {
			continue
		}
		if lp.State != LessonDone {
			next = id
		}
		break // the lesson to work on, or one waiting for feedback
	}
	for i := range pr.Lessons {
		lp := &pr.Lessons[i]
		if lp.OpenedAt != nil {
			continue
		}
		lp.OpensAt = nil // the clinician decides, not the programme's pace
		if lp.Lesson.ID == next {
			lp.State = LessonOpen
		} else {
			lp.State = LessonLocked
		}
	}
	// Resume where the clinician's order leads when the bookmark points
	// at a lesson that is not (or no longer) open.
	if lp := pr.lesson(pr.ResumeLesson); (lp == nil || lp.State == LessonLocked) && next != "" {
		pr.ResumeLesson, pr.ResumeStep = next, pr.Programme.Lesson(next).Steps[0].ID
	}
}

// lesson returns a lesson's progress, or nil.
func (pr *Progress) lesson(id string) *LessonProgress {
	for i := range pr.Lessons {
		if pr.Lessons[i].Lesson.ID == id {
			return &pr.Lessons[i]
		}
	}
	return nil
}

// nextLesson is the lesson after l: the programme's next one, or in a
// guided course the first assigned lesson, in the clinician's order, that
// is not done; nil when there is none.
func (pr *Progress) nextLesson(l *Lesson) *Lesson {
	if !pr.Guided {
		return pr.Programme.Next(l)
	}
	for _, id := range pr.Assigned {
		if lp := pr.lesson(id); lp != nil && id != l.ID && lp.State != LessonDone {
			return lp.Lesson
		}
	}
	return nil
}

// course asks the guidance about the client's course, once per read (the
// zero value without a guidance). Lessons the clinician set that are no
// longer in the content are left out.
func (s *Service) course(ctx context.Context, userID string, p *Programme) (CourseGuidance, error) {
	if s.guidance == nil {
		return CourseGuidance{}, nil
	}
	g, err := s.guidance.Course(ctx, userID, p.ID)
	if err != nil {
		return CourseGuidance{}, fmt.Errorf("modules: course guidance: %w", err)
	}
	g.Assigned = slices.DeleteFunc(slices.Clone(g.Assigned), func(id string) bool { return p.Lesson(id) == nil })
	return g, nil
}

// Waiting is a feedback moment the client finished and waits at: the
// steps after it, and the lessons after its lesson, open once the
// clinician has given feedback on the lesson.
type Waiting struct {
	LessonID string
	StepID   string
	Since    time.Time // when the client finished the step
	By       time.Time // when the feedback is due
}

// Blocks reports whether the client, waiting at w, may not yet go to
// stepID of lesson l: a step after the feedback moment of w's lesson.
func (w *Waiting) Blocks(l *Lesson, stepID string) bool {
	return w != nil && w.LessonID == l.ID && l.StepIndex(stepID) > l.StepIndex(w.StepID)
}

// feedbackWaits returns, by lesson, the feedback moment the client waits at: a
// moment step they finished on which their clinician has given no
// feedback since (CourseGuidance.Pending). Outside a running trajectory,
// or with no moments in the programme, none — without a query.
func feedbackWaits(ctx context.Context, st *Store, p *Programme, e *Enrolment, g CourseGuidance) (map[string]*Waiting, error) {
	if !g.Running || !slices.ContainsFunc(p.Lessons, func(l *Lesson) bool { return l.FeedbackMoment() != nil }) {
		return nil, nil
	}
	done, err := st.CompletedSteps(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	out := map[string]*Waiting{}
	for _, l := range p.Lessons {
		m := l.FeedbackMoment()
		if m == nil {
			continue
		}
		at, ok := done[l.ID+"/"+m.ID]
		if !ok {
			continue
		}
		if w := g.Pending(l.ID, at); w.Pending {
			out[l.ID] = &Waiting{LessonID: l.ID, StepID: m.ID, Since: at, By: w.By}
		}
	}
	return out, nil
}

// MomentsFinished lists the feedback moments several clients finished
// (when they first finished each), in one query whatever their number:
// for a clinician's list of feedback due.
func (s *Service) MomentsFinished(ctx context.Context, userIDs []string) ([]Completion, error) {
	moment := map[string]bool{} // programme, lesson, step
	var steps []string
	for _, p := range s.lib.Programmes() {
		for _, l := range p.Lessons {
			if m := l.FeedbackMoment(); m != nil {
				moment[p.ID+"\x00"+l.ID+"\x00"+m.ID] = true
				steps = append(steps, m.ID)
			}
		}
	}
	rows, err := s.store.StepCompletions(ctx, userIDs, steps)
	if err != nil {
		return nil, err
	}
	var out []Completion
	for _, r := range rows {
		if moment[r.ProgrammeID+"\x00"+r.LessonID+"\x00"+r.StepID] {
			out = append(out, Completion{UserID: r.UserID, ProgrammeID: r.ProgrammeID, LessonID: r.LessonID, CompletedAt: r.CompletedAt.UTC()})
		}
	}
	return out, nil
}
