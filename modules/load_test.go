package modules

import (
	"strings"
	"testing"
	"testing/fstest"
)

const fixtureProgramme = `id: demo
version: 1
languages: [nl, en]
unlock: sequential
title: {nl: Demo, en: Demo}
summary: {nl: Een demo., en: A demo.}
lessons: [one, two]
measures:
  instrument: phq9
  points:
    - {id: start, before: one}
    - {id: end, after: two}
  advice:
    not_enough: {title: {nl: Niet genoeg, en: Not enough}, text: {nl: Ga naar je huisarts., en: See your GP.}}
    worsened: {title: {nl: Erger, en: Worse}, text: {nl: Je scores stegen., en: Your scores rose.}}
plan:
  lesson: one
  title: {nl: Mijn plan, en: My plan}
  fields: [all-fields/pleasant, all-fields/story, all-fields/several]
  crisis: {title: {nl: "Hulp nodig?", en: "Need help now?"}, emergency: {nl: "In gevaar? Bel", en: "In danger? Call"}, youth: {nl: Voor jongeren, en: For young people}}
`

const fixtureLessonOne = `id: one
title: {nl: Een, en: One}
summary: {nl: Eerste., en: First.}
minutes: 15
steps:
  - id: intro
    type: text
    body: {nl: "Hallo", en: "Hello"}
    image:
      src: images/circle.svg
      alt: {nl: Cirkel, en: Circle}
  - id: all-fields
    type: exercise
    title: {nl: Oefening, en: Exercise}
    body: {nl: Doe dit., en: Do this.}
    fields:
      - {id: story, type: text, rows: 4, required: true, label: {nl: Verhaal, en: Story}}
      - {id: mood, type: scale, label: {nl: Stemming, en: Mood}, min_label: {nl: Slecht, en: Bad}, max_label: {nl: Goed, en: Good}, safety: {signal: crisis, at_most: 1}}
      - id: pick
        type: single
        label: {nl: Kies, en: Pick}
        options:
          - {id: a, label: {nl: A, en: A}}
          - {id: b, label: {nl: B, en: B}}
          - {id: c, label: {nl: C, en: C}, safety: crisis}
      - id: several
        type: multiple
        label: {nl: Meerdere, en: Several}
        options:
          - {id: x, label: {nl: X, en: X}}
          - {id: y, label: {nl: Y, en: Y}}
          - {id: z, label: {nl: Z, en: Z}}
      - id: tasks
        type: checklist
        label: {nl: Lijst, en: Checklist}
        options:
          - {id: walk, label: {nl: Wandelen, en: Walk}}
          - {id: call, label: {nl: Bellen, en: Call}}
          - {id: unsafe, label: {nl: Onveilig, en: Unsafe}, safety: crisis}
      - {id: pleasant, type: list, label: {nl: Leuk, en: Pleasant}, item_label: {nl: Activiteit, en: Activity}}
      - {id: plan, type: planner, label: {nl: Plan, en: Plan}}
  - id: homework
    type: homework
    title: {nl: Huiswerk, en: Homework}
    body: {nl: Oefen., en: Practise.}
    fields:
      - {id: how, type: text, label: {nl: "Hoe ging het?", en: "How did it go?"}}
`

const fixtureLessonTwo = `id: two
title: {nl: Twee, en: Two}
summary: {nl: Tweede., en: Second.}
minutes: 20
steps:
  - id: welcome
    type: text
    body: {nl: "Welkom terug", en: "Welcome back"}
  - id: reflect
    type: exercise
    title: {nl: Terugblik, en: Looking back}
    fields:
      - {id: learned, type: text, label: {nl: Geleerd, en: Learned}}
`

func fixtureFS() fstest.MapFS {
	return fstest.MapFS{
		"demo/programme.yaml":    {Data: []byte(fixtureProgramme)},
		"demo/lessons/one.yaml":  {Data: []byte(fixtureLessonOne)},
		"demo/lessons/two.yaml":  {Data: []byte(fixtureLessonTwo)},
		"demo/images/circle.svg": {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		"README.md":              {Data: []byte("not a programme")},
		"other-folder/notes.txt": {Data: []byte("ignored: no programme.yaml")},
	}
}

func knownPHQ(id string) bool { return id == "phq9" }

func TestLoadShippedProgrammes(t *testing.T) {
	lib, err := LoadLibrary(knownPHQ)
	if err != nil {
		t.Fatalf("shipped content does not load: %v", err)
	}
	p, err := lib.Programme("depression")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.Lessons); n < 6 || n > 8 {
		t.Errorf("depression course has %d lessons, want 6–8", n)
	}
	// Each lesson's homework is a week of diary keeping or practice.
	if p.LessonDays == nil || *p.LessonDays != 7 {
		t.Errorf("depression course's rhythm: %v, want a lesson a week (lesson_days: 7)", p.LessonDays)
	}
	for _, l := range p.Lessons {
		exercises := 0
		for _, s := range l.Steps {
			if s.Type == StepExercise {
				exercises++
			}
		}
		if exercises == 0 || l.Homework() == nil {
			t.Errorf("lesson %s: %d exercises, homework %v; every lesson needs both", l.ID, exercises, l.Homework() != nil)
		}
		if l.Minutes < 15 || l.Minutes > 30 {
			t.Errorf("lesson %s takes %d minutes, want 15–30", l.ID, l.Minutes)
		}
	}
	seen := map[string]bool{}
	for _, l := range p.Lessons {
		for _, s := range l.Steps {
			for _, f := range s.Fields {
				seen[f.Type] = true
			}
		}
	}
	// The safety signals the course marks: ticking "thoughts of death or
	// suicide" among the complaints of lesson 1, and nothing else.
	var marked []string
	for _, l := range p.Lessons {
		for _, s := range l.Steps {
			for _, f := range s.Fields {
				if f.Safety != nil {
					marked = append(marked, l.ID+"/"+s.ID+"/"+f.ID)
				}
				for _, o := range f.Options {
					if o.Safety != "" {
						marked = append(marked, l.ID+"/"+s.ID+"/"+f.ID+"/"+o.ID+":"+o.Safety)
					}
				}
			}
		}
	}
	if strings.Join(marked, ",") != "understanding/complaints/recognised/death-thoughts:crisis" {
		t.Errorf("safety signals in the course: %v", marked)
	}
	for _, ft := range FieldTypes {
		if !seen[ft] {
			t.Errorf("the course uses no %s field", ft)
		}
	}
}

func TestLoadFixture(t *testing.T) {
	lib, err := LoadLibraryFS(fixtureFS(), knownPHQ)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := lib.Programme("demo")
	if len(p.Lessons) != 2 || p.Lessons[1].Number != 2 || p.Next(p.Lessons[0]) != p.Lessons[1] {
		t.Fatalf("lessons %+v", p.Lessons)
	}
	if string(p.Images["images/circle.svg"]) == "" {
		t.Error("image bytes not loaded")
	}
	if p.Lessons[0].Homework() == nil || p.Lessons[1].Homework() != nil {
		t.Error("homework detection wrong")
	}
}

func TestLoadBrokenContent(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		mutate func(string) string
		want   []string
	}{
		{"unknown field names file and line", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "minutes: 15\n", "minutes: 15\ncolour: red\n", 1)
		}, []string{"demo/lessons/one.yaml:5", "colour"}},
		{"duplicate step id", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "- id: all-fields", "- id: intro", 1)
		}, []string{"demo/lessons/one.yaml:12", `duplicate step id "intro"`}},
		{"duplicate option id", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "{id: b, label", "{id: a, label", 1)
		}, []string{"demo/lessons/one.yaml:24", `option id "a"`}},
		{"missing translation", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "label: {nl: Verhaal, en: Story}", "label: {nl: Verhaal}", 1)
		}, []string{"demo/lessons/one.yaml:17", `missing translation "en"`}},
		{"extra language", "demo/lessons/two.yaml", func(s string) string {
			return strings.Replace(s, `{nl: "Welkom terug", en: "Welcome back"}`, `{nl: "Welkom terug", en: "Welcome back", fr: "Bon retour"}`, 1)
		}, []string{"demo/lessons/two.yaml:8", `language "fr"`}},
		{"feedback moment on a text step", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "  - id: intro\n    type: text\n", "  - id: intro\n    type: text\n    feedback_moment: true\n", 1)
		}, []string{"demo/lessons/one.yaml", "a feedback moment is a step with fields"}},
		{"feedback moment as the last step", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "  - id: homework\n    type: homework\n", "  - id: homework\n    type: homework\n    feedback_moment: true\n", 1)
		}, []string{"demo/lessons/one.yaml", "cannot be a lesson's last step"}},
		{"broken lesson reference", "demo/programme.yaml", func(s string) string {
			return strings.Replace(s, "lessons: [one, two]", "lessons: [one, three]", 1)
		}, []string{"demo/programme.yaml:7", `lesson "three" has no file`}},
		{"lesson file not listed", "demo/programme.yaml", func(s string) string {
			return strings.Replace(strings.Replace(s, "lessons: [one, two]", "lessons: [one]", 1), "{id: end, after: two}", "{id: end, after: one}", 1)
		}, []string{"demo/lessons/two.yaml", "not listed"}},
		{"broken measure reference", "demo/programme.yaml", func(s string) string {
			return strings.Replace(s, "after: two", "after: nine", 1)
		}, []string{"demo/programme.yaml:12", `unknown lesson "nine"`}},
		{"unknown questionnaire", "demo/programme.yaml", func(s string) string {
			return strings.Replace(s, "instrument: phq9", "instrument: bdi", 1)
		}, []string{"demo/programme.yaml:9", `unknown questionnaire "bdi"`}},
		{"broken image reference", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "images/circle.svg", "images/square.svg", 1)
		}, []string{"demo/lessons/one.yaml:10", "square.svg"}},
		{"homework not last", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "  - id: intro\n    type: text", "  - id: intro\n    type: homework\n    title: {nl: H, en: H}", 1)
		}, []string{"homework must be the last step"}},
		{"unknown field type", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "type: planner", "type: slider", 1)
		}, []string{"demo/lessons/one.yaml:41", `unknown field type "slider"`}},
		{"options on a text field", "demo/lessons/two.yaml", func(s string) string {
			return strings.Replace(s, "{id: learned, type: text,", "{id: learned, type: text, options: [{id: a, label: {nl: A, en: A}}],", 1)
		}, []string{"a text field has no options"}},
		{"id differs from file name", "demo/lessons/two.yaml", func(s string) string {
			return strings.Replace(s, "id: two", "id: deux", 1)
		}, []string{`id "deux" does not match the file name`}},
		{"broken plan reference", "demo/programme.yaml", func(s string) string {
			return strings.Replace(s, "all-fields/story", "all-fields/stroy", 1)
		}, []string{"demo/programme.yaml:19", `plan: "all-fields/stroy"`}},
		{"unknown safety signal on an option", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "label: {nl: C, en: C}, safety: crisis}", "label: {nl: C, en: C}, safety: sad}", 1)
		}, []string{"demo/lessons/one.yaml:25", `option "c": unknown safety signal "sad"`}},
		{"safety on a text field", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "{id: story, type: text, rows: 4,", "{id: story, type: text, safety: {signal: crisis, at_most: 1}, rows: 4,", 1)
		}, []string{"demo/lessons/one.yaml:17", "a text field cannot be a safety signal", "free text is not read"}},
		{"safety on a scale with both bounds", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "safety: {signal: crisis, at_most: 1}", "safety: {signal: crisis, at_most: 1, at_least: 9}", 1)
		}, []string{"demo/lessons/one.yaml:18", "exactly one of at_most or at_least"}},
		{"safety on a scale out of range", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "safety: {signal: crisis, at_most: 1}", "safety: {signal: crisis, at_most: 10}", 1)
		}, []string{"demo/lessons/one.yaml:18", "at_most must be from 0 to 9"}},
		{"unknown safety signal on a scale", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "safety: {signal: crisis, at_most: 1}", "safety: {signal: alarm, at_most: 1}", 1)
		}, []string{"demo/lessons/one.yaml:18", `unknown safety signal "alarm"`}},
		{"unknown key in a safety mark", "demo/lessons/one.yaml", func(s string) string {
			return strings.Replace(s, "safety: {signal: crisis, at_most: 1}", "safety: {signal: crisis, at_most: 1, level: high}", 1)
		}, []string{"demo/lessons/one.yaml:18", "level"}},
		{"plan without crisis headings", "demo/programme.yaml", func(s string) string {
			return strings.Replace(s, "youth: {nl: Voor jongeren, en: For young people}", "youth: {nl: Voor jongeren}", 1)
		}, []string{"demo/programme.yaml:20", `missing translation "en"`}},
		{"course advice without a translation", "demo/programme.yaml", func(s string) string {
			return strings.Replace(s, "text: {nl: Je scores stegen., en: Your scores rose.}", "text: {nl: Je scores stegen.}", 1)
		}, []string{"demo/programme.yaml:15", `missing translation "en"`}},
		{"questionnaires without their advice", "demo/programme.yaml", func(s string) string {
			i := strings.Index(s, "  advice:\n")
			j := strings.Index(s, "plan:\n")
			return s[:i] + s[j:]
		}, []string{"demo/programme.yaml:9", "missing text"}},
		{"bad unlock", "demo/programme.yaml", func(s string) string {
			return strings.Replace(s, "unlock: sequential", "unlock: weekly", 1)
		}, []string{`unlock "weekly"`}},
		{"pace too long", "demo/programme.yaml", func(s string) string {
			return strings.Replace(s, "unlock: sequential\n", "unlock: sequential\nlesson_days: 61\n", 1)
		}, []string{"demo/programme.yaml:5", "lesson_days must be a whole number of days from 0 to 60"}},
		{"yaml syntax", "demo/lessons/two.yaml", func(s string) string {
			return strings.Replace(s, "minutes: 20", "minutes: [20", 1)
		}, []string{"demo/lessons/two.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fixtureFS()
			fsys[tt.file] = &fstest.MapFile{Data: []byte(tt.mutate(string(fsys[tt.file].Data)))}
			_, err := LoadLibraryFS(fsys, knownPHQ)
			if err == nil {
				t.Fatal("broken content loaded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
