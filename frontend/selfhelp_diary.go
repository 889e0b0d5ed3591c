package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/modules"
)

// The mood diary: one entry a day (mood 0–10, a note, activities), the
// recent entries, and a chart of the last four weeks drawn on the server as
// SVG, with the same data as a table.

// diaryDays is how far back the chart and the list go.
const diaryDays = 28

// diaryActivityInputs is how many activity inputs the form offers beyond
// the ones already filled in.
const diaryActivityInputs = 3

func parseDay(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

type diaryPageView struct {
	CSRF       string
	Notice     string
	Editing    bool // the day has an entry already
	Day        string
	DayLabel   string
	Today      string
	Mood       string
	Moods      []optionView
	Note       string
	Activities []listItemView
	DayError   string
	MoodError  string
	NoteError  string
	ActError   string
	Entries    []diaryRow
	Chart      *chartView
	HasEntries bool
	MaxNote    int
}

type diaryRow struct {
	Day        string
	Label      string
	Mood       int
	Note       string
	Activities string
	EditHref   string
	EditLabel  string
}

func (s *Site) diaryPage(c *gin.Context) {
	v := s.selfhelpView(c, "selfhelp.diary.title", "/selfhelp/diary")
	who := signedIn(c)
	day := s.Selfhelp.Today().Format(time.DateOnly)
	if d := c.Query("day"); d != "" {
		if !validDay(d) {
			s.notFound(c, http.StatusNotFound)
			return
		}
		day = d
	}
	var entry modules.DiaryEntry
	d, _ := parseDay(day)
	got, err := s.Selfhelp.Diary(c.Request.Context(), who.UserID, d, d)
	if err != nil {
		s.selfhelpError(c, v, err)
		return
	}
	dv := diaryPageView{Day: day}
	if len(got) == 1 {
		entry, dv.Editing = got[0], true
		dv.Mood = strconv.Itoa(entry.Mood)
		dv.Note = entry.Note
	}
	switch c.Query("notice") {
	case "saved":
		dv.Notice = v.T("selfhelp.diary.saved")
	case "deleted":
		dv.Notice = v.T("selfhelp.diary.deleted")
	}
	s.renderDiary(c, http.StatusOK, v, who.UserID, dv, entry.Activities)
}

func (s *Site) renderDiary(c *gin.Context, status int, v *view, userID string, dv diaryPageView, activities []string) {
	dv.CSRF = csrfToken(c)
	dv.Today = s.Selfhelp.Today().Format(time.DateOnly)
	dv.MaxNote = modules.MaxTextLen
	if d, err := parseDay(dv.Day); err == nil {
		dv.DayLabel = s.dayLabel(v, d)
	}
	for n := modules.ScaleMin; n <= modules.ScaleMax; n++ {
		val := strconv.Itoa(n)
		dv.Moods = append(dv.Moods, optionView{ID: "mood-" + val, Value: val, Label: val, Checked: dv.Mood == val})
	}
	acts := append(append([]string{}, activities...), make([]string, diaryActivityInputs)...)
	for i, a := range acts[:min(len(acts), modules.MaxListItems)] {
		dv.Activities = append(dv.Activities, listItemView{ID: "activity-" + strconv.Itoa(i), N: i + 1, Value: a})
	}
	for _, e := range []struct{ msg, href string }{{dv.DayError, "#day"}, {dv.MoodError, "#mood-0"}, {dv.NoteError, "#note"}, {dv.ActError, "#activity-0"}} {
		if e.msg != "" {
			v.Errors = append(v.Errors, errorLink{Href: e.href, Text: e.msg})
		}
	}
	to := s.Selfhelp.Today()
	from := to.AddDate(0, 0, -(diaryDays - 1))
	entries, err := s.Selfhelp.Diary(c.Request.Context(), userID, from, to)
	if err != nil {
		s.selfhelpError(c, v, err)
		return
	}
	dv.HasEntries = len(entries) > 0
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		d, _ := parseDay(e.Day)
		label := s.dayLabel(v, d)
		dv.Entries = append(dv.Entries, diaryRow{Day: e.Day, Label: label, Mood: e.Mood, Note: e.Note,
			Activities: strings.Join(e.Activities, ", "), EditHref: v.Href("/selfhelp/diary") + "?day=" + e.Day + "#entry",
			EditLabel: v.T("selfhelp.diary.edit", "Day", label)})
	}
	dv.Chart = s.moodChart(v, from, entries)
	v.Data = dv
	s.render(c, status, "selfhelp_diary", v)
}

func (s *Site) diarySubmit(c *gin.Context) {
	v := s.selfhelpView(c, "selfhelp.diary.title", "/selfhelp/diary")
	who := signedIn(c)
	form := c.Request.PostForm
	dv := diaryPageView{Day: strings.TrimSpace(form.Get("day")), Mood: form.Get("mood"), Note: form.Get("note"), Editing: form.Get("editing") != ""}
	var acts []string
	for _, a := range form["activity"] {
		if a = strings.TrimSpace(a); a != "" {
			acts = append(acts, a)
		}
	}
	mood, err := strconv.Atoi(dv.Mood)
	if err != nil {
		dv.MoodError = v.T("selfhelp.diary.error_mood")
	}
	if !validDay(dv.Day) {
		dv.DayError = v.T("selfhelp.diary.error_day")
	}
	if dv.MoodError == "" && dv.DayError == "" {
		_, err = s.Selfhelp.SaveDiary(c.Request.Context(), who.UserID, modules.DiaryEntry{Day: dv.Day, Mood: mood, Note: dv.Note, Activities: acts})
		var verr *modules.ValidationError
		switch {
		case errors.As(err, &verr):
			for k := range verr.Fields {
				switch k {
				case "day":
					dv.DayError = v.T("selfhelp.diary.error_day_range")
				case "mood":
					dv.MoodError = v.T("selfhelp.diary.error_mood")
				case "note":
					dv.NoteError = v.T("selfhelp.error.text", "Max", modules.MaxTextLen)
				default:
					dv.ActError = v.T("selfhelp.error.list", "Max", modules.MaxListItemLen, "Items", modules.MaxListItems)
				}
			}
		case err != nil:
			s.selfhelpError(c, v, err)
			return
		default:
			redirect(c, http.StatusSeeOther, v.Href("/selfhelp/diary")+"?day="+dv.Day+"&notice=saved")
			return
		}
	}
	s.renderDiary(c, http.StatusUnprocessableEntity, v, who.UserID, dv, acts)
}

func (s *Site) diaryDelete(c *gin.Context) {
	v := s.selfhelpView(c, "selfhelp.diary.title", "/selfhelp/diary")
	who := signedIn(c)
	day := c.PostForm("day")
	if !validDay(day) {
		s.notFound(c, http.StatusNotFound)
		return
	}
	// A second step, without JavaScript: the first post asks to confirm.
	if c.PostForm("confirm") != "yes" {
		d, _ := time.Parse(time.DateOnly, day)
		label := s.dayLabel(v, d)
		v.Title = v.T("selfhelp.diary.confirm_title", "Day", label)
		v.NoIndex = true
		c.Header("Cache-Control", "no-store")
		v.Data = messagePage{Heading: v.Title, Paragraphs: []string{v.T("selfhelp.diary.confirm_text")},
			Confirm: &confirmForm{Action: v.Href("/selfhelp/diary/delete"), CSRF: csrfToken(c), Hidden: map[string]string{"day": day, "confirm": "yes"},
				Submit: v.T("selfhelp.diary.confirm_submit"), CancelHref: v.Href("/selfhelp/diary") + "?day=" + day + "#entry", CancelText: v.T("selfhelp.diary.confirm_cancel")}}
		s.render(c, http.StatusOK, "account_message", v)
		return
	}
	if err := s.Selfhelp.DeleteDiary(c.Request.Context(), who.UserID, day); err != nil && !errors.Is(err, modules.ErrNotFound) {
		s.selfhelpError(c, v, err)
		return
	}
	redirect(c, http.StatusSeeOther, v.Href("/selfhelp/diary")+"?notice=deleted")
}

// Dates in the page's language: month and weekday names come from the
// catalogues ("date.months", "date.weekdays": space-separated lists).

func monthName(v *view, m time.Month) string {
	names := strings.Fields(v.T("date.months"))
	if len(names) != 12 {
		return strconv.Itoa(int(m))
	}
	return names[m-1]
}

func weekdayName(v *view, d time.Weekday) string {
	names := strings.Fields(v.T("date.weekdays")) // Sunday first
	if len(names) != 7 {
		return ""
	}
	return names[d]
}

// dayLabel is "Mon 23 Nov".
func (s *Site) dayLabel(v *view, d time.Time) string {
	return weekdayName(v, d.Weekday()) + " " + strconv.Itoa(d.Day()) + " " + monthName(v, d.Month())
}

// chartView is an SVG line chart of mood over days, drawn on the server.
type chartView struct {
	Title   string
	Desc    string
	Width   int
	Height  int
	Left    int
	Right   int
	Top     int
	Bottom  int
	YLabelX int
	XLabelY int
	Line    string // the polyline's points
	Dots    []chartDot
	YTicks  []chartTick
	XTicks  []chartTick
	Caption string
}

type chartDot struct {
	X, Y  string
	Label string
}

type chartTick struct {
	X, Y  string
	Label string
}

func fmtCoord(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// moodChart draws the entries from day from over diaryDays days; nil when
// there are none.
func (s *Site) moodChart(v *view, from time.Time, entries []modules.DiaryEntry) *chartView {
	if len(entries) == 0 {
		return nil
	}
	// Small enough that its 12-unit labels stay readable on a phone.
	ch := &chartView{Width: 360, Height: 200, Left: 28, Right: 352, Top: 10, Bottom: 170, YLabelX: 22, XLabelY: 190}
	x := func(d time.Time) float64 {
		i := d.Sub(from).Hours() / 24
		return float64(ch.Left) + 10 + i*float64(ch.Right-ch.Left-20)/float64(diaryDays-1)
	}
	y := func(m int) float64 {
		return float64(ch.Bottom) - float64(m-modules.ScaleMin)*float64(ch.Bottom-ch.Top)/float64(modules.ScaleMax-modules.ScaleMin)
	}
	for _, m := range []int{0, 5, 10} {
		ch.YTicks = append(ch.YTicks, chartTick{Y: fmtCoord(y(m)), Label: strconv.Itoa(m)})
	}
	for i := 0; i < diaryDays; i += 7 {
		d := from.AddDate(0, 0, i)
		ch.XTicks = append(ch.XTicks, chartTick{X: fmtCoord(x(d)), Label: strconv.Itoa(d.Day()) + " " + monthName(v, d.Month())})
	}
	var pts []string
	lo, hi, sum := modules.ScaleMax, modules.ScaleMin, 0
	for _, e := range entries {
		d, err := parseDay(e.Day)
		if err != nil {
			continue
		}
		px, py := fmtCoord(x(d)), fmtCoord(y(e.Mood))
		pts = append(pts, px+","+py)
		ch.Dots = append(ch.Dots, chartDot{X: px, Y: py, Label: v.T("selfhelp.diary.chart_point", "Day", s.dayLabel(v, d), "Mood", e.Mood)})
		lo, hi, sum = min(lo, e.Mood), max(hi, e.Mood), sum+e.Mood
	}
	ch.Line = strings.Join(pts, " ")
	to := from.AddDate(0, 0, diaryDays-1)
	ch.Title = v.T("selfhelp.diary.chart_title", "From", s.longDate(v, from), "To", s.longDate(v, to))
	ch.Desc = v.T("selfhelp.diary.chart_desc", "N", len(entries), "Low", lo, "High", hi,
		"Average", strings.Replace(fmt.Sprintf("%.1f", float64(sum)/float64(len(entries))), ".", v.T("date.decimal_point"), 1))
	return ch
}
