package coaching

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// PendingFeedback is a lesson a client finished during their trajectory
// that their clinician has not given feedback on since.
type PendingFeedback struct {
	TrajectoryID string
	ClientID     string
	ClientName   string
	ProgrammeID  string
	LessonID     string
	CompletedAt  time.Time
	// By is when the feedback is due: the response target in working days
	// after the lesson was finished; Overdue once that has passed.
	By      time.Time
	Overdue bool
}

// PendingFeedback lists, for a clinician, the lessons their clients
// finished during a running trajectory without feedback after it, the
// longest waiting first. It reads each client's course progress, so each
// listed client gets an audit entry, as on the dashboard. It runs a fixed
// number of queries whatever the caseload's size.
func (s *Service) PendingFeedback(ctx context.Context, p auth.Principal) ([]PendingFeedback, error) {
	if p.Role != auth.RoleClinician {
		return nil, auth.ErrForbidden
	}
	all, err := s.store.caseload(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	var ts []Trajectory
	for _, t := range all {
		if t.State == StateActive && t.ConsentAt != nil && t.StartedAt != nil {
			ts = append(ts, t)
		}
	}
	out := []PendingFeedback{}
	if len(ts) == 0 {
		return out, nil
	}
	entries := make([]audit.Entry, 0, len(ts))
	clients := make([]string, 0, len(ts))
	for _, t := range ts {
		e := listEntry(p, t.ClientID)
		e.Object = "feedback_pending"
		entries = append(entries, e)
		clients = append(clients, t.ClientID)
	}
	if err := s.audit.AppendAll(ctx, entries); err != nil {
		return nil, fmt.Errorf("coaching: audit: %w", err)
	}
	names, err := s.people.DisplayNames(ctx, clients)
	if err != nil {
		return nil, err
	}
	given, err := s.store.lastFeedback(ctx, trajectoryIDs(ts))
	if err != nil {
		return nil, err
	}
	// Every client's finished lessons in one query, not one per client and
	// programme: a fixed number of queries whatever the caseload.
	done, err := s.course.Completions(ctx, clients)
	if err != nil {
		return nil, err
	}
	finished := make(map[string]time.Time, len(done)) // user, programme, lesson
	for _, d := range done {
		finished[d.UserID+"\x00"+d.ProgrammeID+"\x00"+d.LessonID] = d.CompletedAt
	}
	// A feedback moment the client finished is due like a finished lesson
	// (the client waits at it); the lesson's own completion, later, only
	// when no feedback came after it.
	moments, err := s.course.MomentsFinished(ctx, clients)
	if err != nil {
		return nil, err
	}
	momentAt := make(map[string]time.Time, len(moments))
	for _, m := range moments {
		momentAt[m.UserID+"\x00"+m.ProgrammeID+"\x00"+m.LessonID] = m.CompletedAt
	}
	now := s.now().UTC()
	for _, t := range ts {
		for _, prog := range s.course.Library().Programmes() {
			for _, l := range prog.Lessons {
				key := t.ClientID + "\x00" + prog.ID + "\x00" + l.ID
				at, ok := finished[key]
				if m, waits := momentAt[key]; waits && !m.Before(*t.StartedAt) {
					if last, given := given[t.ID+"\x00"+l.ID]; !given || last.Before(m) {
						at, ok = m, true // no feedback since the moment: due from it
					}
				}
				if !ok || at.Before(*t.StartedAt) {
					continue
				}
				if last, ok := given[t.ID+"\x00"+l.ID]; ok && !last.Before(at) {
					continue
				}
				by := s.addWorkingDays(at, s.cfg.ResponseDays)
				out = append(out, PendingFeedback{TrajectoryID: t.ID, ClientID: t.ClientID, ClientName: names[t.ClientID],
					ProgrammeID: prog.ID, LessonID: l.ID, CompletedAt: at.UTC(), By: by, Overdue: now.After(by)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CompletedAt.Before(out[j].CompletedAt) })
	return out, nil
}

// lastFeedback returns, per trajectory and lesson (keyed "trajectory\x00lesson"),
// when feedback was last given.
func (s *Store) lastFeedback(ctx context.Context, ids []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		TrajectoryID string
		LessonID     string
		Last         scanTime
	}
	if err := s.q(ctx).Model(&feedback{}).Select("trajectory_id, lesson_id, MAX(created_at) AS last").
		Where("trajectory_id IN ?", ids).Group("trajectory_id, lesson_id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("coaching: feedback given: %w", err)
	}
	for _, r := range rows {
		out[r.TrajectoryID+"\x00"+r.LessonID] = r.Last.Time
	}
	return out, nil
}
