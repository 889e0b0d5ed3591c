package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DiaryEntry is one day of the mood diary.
type DiaryEntry struct {
	Day        string   `json:"day"`
	Mood       int      `json:"mood"`
	Note       string   `json:"note,omitempty"`
	Activities []string `json:"activities,omitempty"`
}

func diaryContext(userID, day, part string) string {
	return "selfhelp-diary:" + userID + ":" + day + ":" + part
}

// SaveDiary saves the entry of one day (replacing an earlier one). The day
// may not be in the future nor more than a year back.
func (s *Service) SaveDiary(ctx context.Context, userID string, in DiaryEntry) (*DiaryEntry, error) {
	verr := newValidationError()
	day, err := time.Parse(time.DateOnly, in.Day)
	today := s.Today()
	switch {
	case err != nil:
		verr.Add("day", "must be a date written YYYY-MM-DD")
	case day.After(today.Add(24 * time.Hour)):
		verr.Add("day", "cannot be in the future")
	case day.Before(today.AddDate(-1, 0, 0)):
		verr.Add("day", "cannot be more than a year ago")
	}
	if in.Mood < ScaleMin || in.Mood > ScaleMax {
		verr.Add("mood", fmt.Sprintf("must be a whole number from %d to %d", ScaleMin, ScaleMax))
	}
	in.Note = strings.TrimSpace(in.Note)
	if len([]rune(in.Note)) > MaxTextLen {
		verr.Add("note", fmt.Sprintf("must be at most %d characters", MaxTextLen))
	}
	var acts []string
	for _, a := range in.Activities {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(acts, a) {
			acts = append(acts, a)
		}
		if len([]rune(a)) > MaxListItemLen {
			verr.Add("activities", fmt.Sprintf("each activity must be at most %d characters", MaxListItemLen))
		}
	}
	if len(acts) > MaxListItems {
		verr.Add("activities", fmt.Sprintf("at most %d activities", MaxListItems))
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	in.Activities = acts
	row := &storedDiaryEntry{UserID: userID, Day: in.Day, Mood: in.Mood, KeyID: s.sealer.CurrentKeyID(), UpdatedAt: s.now().UTC()}
	if in.Note != "" {
		sealed, err := s.sealer.Seal([]byte(in.Note), diaryContext(userID, in.Day, "note"))
		if err != nil {
			return nil, err
		}
		row.NoteSealed = &sealed
	}
	if len(acts) > 0 {
		b, _ := json.Marshal(acts)
		sealed, err := s.sealer.Seal(b, diaryContext(userID, in.Day, "activities"))
		if err != nil {
			return nil, err
		}
		row.ActivitiesSealed = &sealed
	}
	if err := s.store.SaveDiary(ctx, row); err != nil {
		return nil, err
	}
	return &in, nil
}

// Diary returns the entries from day from to day to (inclusive), oldest first.
func (s *Service) Diary(ctx context.Context, userID string, from, to time.Time) ([]DiaryEntry, error) {
	rows, err := s.store.Diary(ctx, userID, from.Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	out := make([]DiaryEntry, 0, len(rows))
	for _, r := range rows {
		e := DiaryEntry{Day: r.Day, Mood: r.Mood}
		if r.NoteSealed != nil {
			b, err := s.sealer.Open(*r.NoteSealed, diaryContext(userID, r.Day, "note"))
			if err != nil {
				return nil, fmt.Errorf("modules: open diary note %s: %w", r.Day, err)
			}
			e.Note = string(b)
		}
		if r.ActivitiesSealed != nil {
			b, err := s.sealer.Open(*r.ActivitiesSealed, diaryContext(userID, r.Day, "activities"))
			if err != nil {
				return nil, fmt.Errorf("modules: open diary activities %s: %w", r.Day, err)
			}
			if err := json.Unmarshal(b, &e.Activities); err != nil {
				return nil, fmt.Errorf("modules: decode diary activities %s: %w", r.Day, err)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// DeleteDiary removes one day's entry.
func (s *Service) DeleteDiary(ctx context.Context, userID, day string) error {
	return s.store.DeleteDiary(ctx, userID, day)
}
