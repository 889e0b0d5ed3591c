package modules

import "time"

// Pacing: in a sequential programme each lesson opens when the one before
// is finished — and, with a pace (Options.LessonGapDays, HAVEN_SELFHELP_
// LESSON_DAYS), only that many days later, at midnight in the deployment's
// time zone, so a lesson that builds on days of diary keeping ("last
// week …") does not open the minute the one before ends. A lesson already
// opened stays open. progress (service.go) applies it, so the course page,
// OpenLesson and SaveStep all follow the same rule.

// paceOpens is when the lesson after one finished at done opens under the
// programme's pace, or nil when it opens at once (no pace, an open
// programme, or the first lesson).
func (s *Service) paceOpens(p *Programme, done *time.Time) *time.Time {
	if s.gapDays == 0 || p.Unlock != UnlockSequential || done == nil {
		return nil
	}
	y, m, d := done.In(s.loc).Date()
	at := time.Date(y, m, d+s.gapDays, 0, 0, 0, 0, s.loc)
	return &at
}
