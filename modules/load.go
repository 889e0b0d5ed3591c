package modules

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed all:content
var embedded embed.FS

// ContentError is a problem in a content file, with the file and line.
type ContentError struct {
	File string
	Line int
	Msg  string
}

func (e *ContentError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("modules: content %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("modules: content %s: %s", e.File, e.Msg)
}

// Library is every programme Haven offers. It is immutable after loading.
type Library struct {
	programmes []*Programme
}

// LoadLibrary loads the programmes shipped in the binary. knownInstrument
// reports whether a questionnaire id exists (for the measures block).
func LoadLibrary(knownInstrument func(id string) bool) (*Library, error) {
	sub, err := fs.Sub(embedded, "content")
	if err != nil {
		return nil, fmt.Errorf("modules: content: %w", err)
	}
	return LoadLibraryFS(sub, knownInstrument)
}

// LoadLibraryFS loads every programme folder at the root of fsys (a folder
// holding a programme.yaml).
func LoadLibraryFS(fsys fs.FS, knownInstrument func(id string) bool) (*Library, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("modules: read content: %w", err)
	}
	lib := &Library{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := fs.Stat(fsys, path.Join(e.Name(), "programme.yaml")); err != nil {
			continue
		}
		p, err := loadProgramme(fsys, e.Name(), knownInstrument)
		if err != nil {
			return nil, err
		}
		lib.programmes = append(lib.programmes, p)
	}
	if len(lib.programmes) == 0 {
		return nil, errors.New("modules: no programme found in the content folder")
	}
	return lib, nil
}

// Programmes returns every programme, sorted by id.
func (l *Library) Programmes() []*Programme { return l.programmes }

// step returns a programme, lesson and step by their ids, or ErrNotFound.
func (l *Library) step(programmeID, lessonID, stepID string) (*Programme, *Lesson, *Step, error) {
	p, err := l.Programme(programmeID)
	if err != nil {
		return nil, nil, nil, err
	}
	ls := p.Lesson(lessonID)
	if ls == nil {
		return nil, nil, nil, fmt.Errorf("modules: lesson %q: %w", lessonID, ErrNotFound)
	}
	st := ls.Step(stepID)
	if st == nil {
		return nil, nil, nil, fmt.Errorf("modules: step %q: %w", stepID, ErrNotFound)
	}
	return p, ls, st, nil
}

// Programme returns the programme with id, or ErrNotFound.
func (l *Library) Programme(id string) (*Programme, error) {
	for _, p := range l.programmes {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, fmt.Errorf("modules: programme %q: %w", id, ErrNotFound)
}

// doc is one parsed YAML file, kept as a node tree so that semantic errors
// can name the line they are on.
type doc struct {
	file string
	root *yaml.Node
}

func parseFile(fsys fs.FS, file string, into any) (*doc, error) {
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, &ContentError{File: file, Msg: err.Error()}
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		return nil, yamlError(file, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, yamlError(file, err)
	}
	return &doc{file: file, root: &root}, nil
}

// yamlError turns "yaml: line 12: …" into a ContentError with the line.
func yamlError(file string, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	line := 0
	if strings.HasPrefix(msg, "line ") {
		rest := strings.TrimPrefix(msg, "line ")
		if i := strings.Index(rest, ":"); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line, msg = n, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return &ContentError{File: file, Line: line, Msg: msg}
}

// at returns a ContentError on the line of the node at path, a sequence of
// mapping keys and sequence indexes ("steps", 3, "fields", 0, "id").
func (d *doc) at(msg string, path ...any) error {
	return &ContentError{File: d.file, Line: d.line(path...), Msg: msg}
}

func (d *doc) line(path ...any) int {
	n := d.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	best := n.Line
	for _, p := range path {
		var next *yaml.Node
		switch k := p.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
						best = n.Content[i].Line
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
			}
		}
		if next == nil {
			return best
		}
		n = next
		best = n.Line
	}
	return best
}

func loadProgramme(fsys fs.FS, dir string, knownInstrument func(string) bool) (*Programme, error) {
	var p Programme
	d, err := parseFile(fsys, path.Join(dir, "programme.yaml"), &p)
	if err != nil {
		return nil, err
	}
	if p.ID != dir {
		return nil, d.at(fmt.Sprintf("id %q does not match the folder name %q", p.ID, dir), "id")
	}
	if p.Version < 1 {
		return nil, d.at("version must be a positive number", "version")
	}
	if len(p.Languages) == 0 {
		return nil, d.at("languages must list at least one language", "languages")
	}
	switch p.Unlock {
	case UnlockSequential, UnlockOpen:
	case "":
		p.Unlock = UnlockSequential
	default:
		return nil, d.at(fmt.Sprintf("unlock %q must be %q or %q", p.Unlock, UnlockSequential, UnlockOpen), "unlock")
	}
	if p.LessonDays != nil && (*p.LessonDays < 0 || *p.LessonDays > MaxLessonDays) {
		return nil, d.at(fmt.Sprintf("lesson_days must be a whole number of days from 0 to %d", MaxLessonDays), "lesson_days")
	}
	v := &validator{doc: d, langs: p.Languages}
	v.text(p.Title, true, "title")
	v.text(p.Summary, true, "summary")
	if v.err != nil {
		return nil, v.err
	}
	if len(p.LessonIDs) == 0 {
		return nil, d.at("lessons must list at least one lesson", "lessons")
	}
	p.Images = map[string][]byte{}
	seen := map[string]bool{}
	for i, id := range p.LessonIDs {
		if seen[id] {
			return nil, d.at(fmt.Sprintf("lesson %q is listed twice", id), "lessons", i)
		}
		seen[id] = true
		file := path.Join(dir, "lessons", id+".yaml")
		if _, err := fs.Stat(fsys, file); err != nil {
			return nil, d.at(fmt.Sprintf("lesson %q has no file %s", id, file), "lessons", i)
		}
		l, err := loadLesson(fsys, dir, file, id, p.Languages, p.Images)
		if err != nil {
			return nil, err
		}
		l.Number = i + 1
		p.Lessons = append(p.Lessons, l)
	}
	files, _ := fs.Glob(fsys, path.Join(dir, "lessons", "*.yaml"))
	sort.Strings(files)
	for _, f := range files {
		if id := strings.TrimSuffix(path.Base(f), ".yaml"); !seen[id] {
			return nil, &ContentError{File: f, Msg: fmt.Sprintf("lesson %q is not listed in %s/programme.yaml", id, dir)}
		}
	}
	if p.Measures != nil {
		if err := validateMeasures(d, &p, knownInstrument); err != nil {
			return nil, err
		}
	}
	if p.Plan != nil {
		if err := validatePlan(d, &p); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

func validateMeasures(d *doc, p *Programme, knownInstrument func(string) bool) error {
	m := p.Measures
	if knownInstrument != nil && !knownInstrument(m.Instrument) {
		return d.at(fmt.Sprintf("measures: unknown questionnaire %q", m.Instrument), "measures", "instrument")
	}
	ids := map[string]bool{}
	for i, pt := range m.Points {
		if !validID.MatchString(pt.ID) || ids[pt.ID] {
			return d.at(fmt.Sprintf("measures: point id %q is missing, malformed or duplicate", pt.ID), "measures", "points", i)
		}
		ids[pt.ID] = true
		if (pt.Before == "") == (pt.After == "") {
			return d.at(fmt.Sprintf("measures: point %q needs exactly one of before or after", pt.ID), "measures", "points", i)
		}
		ref := pt.Before + pt.After
		if p.Lesson(ref) == nil {
			return d.at(fmt.Sprintf("measures: point %q refers to unknown lesson %q", pt.ID, ref), "measures", "points", i)
		}
	}
	// The advice is a safety message: every programme with questionnaires
	// must say it, in every language.
	v := &validator{doc: d, langs: p.Languages}
	v.text(m.Advice.NotEnough.Title, true, "measures", "advice", "not_enough", "title")
	v.text(m.Advice.NotEnough.Text, true, "measures", "advice", "not_enough", "text")
	v.text(m.Advice.Worsened.Title, true, "measures", "advice", "worsened", "title")
	v.text(m.Advice.Worsened.Text, true, "measures", "advice", "worsened", "text")
	return v.err
}

func validatePlan(d *doc, p *Programme) error {
	l := p.Lesson(p.Plan.Lesson)
	if l == nil {
		return d.at(fmt.Sprintf("plan: unknown lesson %q", p.Plan.Lesson), "plan", "lesson")
	}
	v := &validator{doc: d, langs: p.Languages}
	v.text(p.Plan.Title, true, "plan", "title")
	v.text(p.Plan.Crisis.Title, true, "plan", "crisis", "title")
	v.text(p.Plan.Crisis.Emergency, true, "plan", "crisis", "emergency")
	v.text(p.Plan.Crisis.Youth, true, "plan", "crisis", "youth")
	if v.err != nil {
		return v.err
	}
	if len(p.Plan.Fields) == 0 {
		return d.at("plan: list at least one step-id/field-id", "plan", "fields")
	}
	for i, ref := range p.Plan.Fields {
		stepID, fieldID, _ := strings.Cut(ref, "/")
		s := l.Step(stepID)
		if s == nil || s.Field(fieldID) == nil {
			return d.at(fmt.Sprintf("plan: %q is not a step-id/field-id of lesson %q", ref, l.ID), "plan", "fields", i)
		}
	}
	return nil
}

func loadLesson(fsys fs.FS, dir, file, id string, langs []string, images map[string][]byte) (*Lesson, error) {
	var l Lesson
	d, err := parseFile(fsys, file, &l)
	if err != nil {
		return nil, err
	}
	if l.ID != id {
		return nil, d.at(fmt.Sprintf("id %q does not match the file name", l.ID), "id")
	}
	v := &validator{doc: d, langs: langs}
	v.text(l.Title, true, "title")
	v.text(l.Summary, true, "summary")
	if l.Minutes < 1 || l.Minutes > 90 {
		v.fail("minutes must be between 1 and 90", "minutes")
	}
	if len(l.Steps) == 0 {
		v.fail("a lesson needs at least one step", "steps")
	}
	stepIDs := map[string]bool{}
	for i, s := range l.Steps {
		if v.err != nil {
			break
		}
		at := []any{"steps", i}
		if !validID.MatchString(s.ID) {
			v.fail(fmt.Sprintf("step id %q must be lower-case letters, digits and hyphens", s.ID), append(at, "id")...)
			break
		}
		if stepIDs[s.ID] {
			v.fail(fmt.Sprintf("duplicate step id %q", s.ID), append(at, "id")...)
			break
		}
		stepIDs[s.ID] = true
		v.text(s.Title, s.Type != StepText, append(at, "title")...)
		v.text(s.Body, s.Type == StepText, append(at, "body")...)
		switch s.Type {
		case StepText:
			if len(s.Fields) > 0 {
				v.fail("a text step has no fields", append(at, "fields")...)
			}
		case StepExercise:
			if len(s.Fields) == 0 {
				v.fail("an exercise needs at least one field", append(at, "fields")...)
			}
		case StepHomework:
			if i != len(l.Steps)-1 {
				v.fail("homework must be the last step of a lesson", append(at, "type")...)
			}
		default:
			v.fail(fmt.Sprintf("unknown step type %q (text, exercise or homework)", s.Type), append(at, "type")...)
		}
		if s.FeedbackMoment {
			switch {
			case len(s.Fields) == 0:
				v.fail("a feedback moment is a step with fields: the clinician gives feedback on what the client wrote", append(at, "feedback_moment")...)
			case i == len(l.Steps)-1:
				v.fail("a feedback moment cannot be a lesson's last step: the client waits before the step after it", append(at, "feedback_moment")...)
			case l.FeedbackMoment() != s:
				v.fail("a lesson has at most one feedback moment", append(at, "feedback_moment")...)
			}
		}
		if s.Image != nil {
			if s.Type != StepText {
				v.fail("only text steps have images", append(at, "image")...)
			} else {
				src := path.Clean(s.Image.Src)
				b, err := fs.ReadFile(fsys, path.Join(dir, src))
				if err != nil || !strings.HasPrefix(src, "images/") {
					v.fail(fmt.Sprintf("image %q not found in %s/images", s.Image.Src, dir), append(at, "image", "src")...)
				} else {
					images[src] = b
					s.Image.Src = src
				}
				v.text(s.Image.Alt, true, append(at, "image", "alt")...)
			}
		}
		fieldIDs := map[string]bool{}
		for j, f := range s.Fields {
			fat := append(append([]any{}, at...), "fields", j)
			if !validID.MatchString(f.ID) || fieldIDs[f.ID] {
				v.fail(fmt.Sprintf("field id %q is malformed or duplicate", f.ID), append(fat, "id")...)
				break
			}
			fieldIDs[f.ID] = true
			v.field(f, fat)
		}
	}
	if v.err != nil {
		return nil, v.err
	}
	return &l, nil
}

// validator collects the first content error of a file.
type validator struct {
	doc   *doc
	langs []string
	err   error
}

func (v *validator) fail(msg string, path ...any) {
	if v.err == nil {
		v.err = v.doc.at(msg, path...)
	}
}

// text checks that a translated text has every language and no other.
func (v *validator) text(t Text, required bool, path ...any) {
	if len(t) == 0 {
		if required {
			v.fail("missing text", path...)
		}
		return
	}
	for _, l := range v.langs {
		if strings.TrimSpace(t[l]) == "" {
			v.fail(fmt.Sprintf("missing translation %q", l), path...)
			return
		}
	}
	for l := range t {
		if !slices.Contains(v.langs, l) {
			v.fail(fmt.Sprintf("language %q is not one of the programme's languages %v", l, v.langs), append(path, l)...)
			return
		}
	}
}

func (v *validator) field(f *Field, at []any) {
	sub := func(k string) []any { return append(append([]any{}, at...), k) }
	if !slices.Contains(FieldTypes, f.Type) {
		v.fail(fmt.Sprintf("unknown field type %q (one of %s)", f.Type, strings.Join(FieldTypes, ", ")), sub("type")...)
		return
	}
	v.text(f.Label, true, sub("label")...)
	v.text(f.Help, false, sub("help")...)
	choice := f.Type == FieldSingle || f.Type == FieldMultiple || f.Type == FieldChecklist
	switch {
	case choice && (len(f.Options) < 1 || len(f.Options) > 20):
		v.fail("a choice field needs 1 to 20 options", sub("options")...)
	case !choice && len(f.Options) > 0:
		v.fail(fmt.Sprintf("a %s field has no options", f.Type), sub("options")...)
	case f.Type != FieldScale && (len(f.MinLabel) > 0 || len(f.MaxLabel) > 0):
		v.fail("min_label and max_label belong to scale fields", sub("min_label")...)
	case f.Type != FieldList && len(f.ItemLabel) > 0:
		v.fail("item_label belongs to list fields", sub("item_label")...)
	case f.Type != FieldText && f.Rows != 0:
		v.fail("rows belongs to text fields", sub("rows")...)
	case f.Type == FieldText && f.Rows != 0 && (f.Rows < 2 || f.Rows > 12):
		v.fail("rows must be between 2 and 12", sub("rows")...)
	}
	v.text(f.MinLabel, false, sub("min_label")...)
	v.text(f.MaxLabel, false, sub("max_label")...)
	v.text(f.ItemLabel, false, sub("item_label")...)
	ids := map[string]bool{}
	for k, o := range f.Options {
		oat := append(sub("options"), k)
		if !validID.MatchString(o.ID) || ids[o.ID] {
			v.fail(fmt.Sprintf("option id %q is malformed or duplicate", o.ID), oat...)
			return
		}
		ids[o.ID] = true
		v.text(o.Label, true, append(oat, "label")...)
	}
	v.safety(f, at)
}
