package frontend

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"github.com/haven-mh/haven/api/lang"
)

// missingMark surrounds a message id that has no text, so that a missing
// translation is visible on the page and easy to find in tests.
const missingMark = "⟦"

// catalogues holds the visible texts of the site, one go-i18n localizer per
// supported language. The files are flat YAML maps of message id to text
// (go-i18n template syntax for arguments, e.g. "{{.N}}").
type catalogues struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	keys       map[string]map[string]bool // lang → ids
}

// loadCatalogues parses locales/<lang>.yaml for every supported language and
// checks that every file has exactly the same ids, none of them empty.
func loadCatalogues(fsys fs.FS) (*catalogues, error) {
	c := &catalogues{
		bundle:     i18n.NewBundle(language.English),
		localizers: map[string]*i18n.Localizer{},
		keys:       map[string]map[string]bool{},
	}
	for _, l := range lang.Supported {
		name := "locales/" + l + ".yaml"
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("frontend: message catalogue: %w", err)
		}
		var flat map[string]string
		if err := yaml.Unmarshal(raw, &flat); err != nil {
			return nil, fmt.Errorf("frontend: message catalogue %s: %w (ids are flat: `page.key: text`)", name, err)
		}
		c.keys[l] = map[string]bool{}
		tag := language.MustParse(l)
		for id, text := range flat {
			if strings.TrimSpace(text) == "" {
				return nil, fmt.Errorf("frontend: message catalogue %s: %q is empty", name, id)
			}
			c.keys[l][id] = true
			if err := c.bundle.AddMessages(tag, &i18n.Message{ID: id, Other: text}); err != nil {
				return nil, fmt.Errorf("frontend: message catalogue %s: %q: %w", name, id, err)
			}
		}
		c.localizers[l] = i18n.NewLocalizer(c.bundle, l)
	}
	var errs []error
	for _, a := range lang.Supported {
		for _, b := range lang.Supported {
			if a == b {
				continue
			}
			var missing []string
			for id := range c.keys[a] {
				if !c.keys[b][id] {
					missing = append(missing, id)
				}
			}
			if len(missing) > 0 {
				sort.Strings(missing)
				errs = append(errs, fmt.Errorf("frontend: message catalogue locales/%s.yaml lacks %s (present in %s.yaml)", b, strings.Join(missing, ", "), a))
			}
		}
	}
	return c, errors.Join(errs...)
}

// has reports whether id exists in every language.
func (c *catalogues) has(id string) bool {
	for _, l := range lang.Supported {
		if !c.keys[l][id] {
			return false
		}
	}
	return true
}

// translate returns the text of id in lang with args (name, value pairs)
// filled in. A missing id comes back marked, and ok is false.
func (c *catalogues) translate(l, id string, args ...any) (string, bool) {
	loc, found := c.localizers[l]
	if !found {
		return missingMark + id + "⟧", false
	}
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			data[name] = args[i+1]
		}
	}
	out, tag, err := loc.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil || tag.String() != l {
		return missingMark + id + "⟧", false
	}
	return out, true
}

// templateKey finds the literal message ids used in templates: {{.T "id"}},
// {{$.T "id" …}}.
var templateKey = regexp.MustCompile(`\.T\s+"([^"]+)"`)

// checkTemplateKeys makes sure every message id a template names exists in
// every catalogue, naming the template file and line of the first that
// does not.
func (c *catalogues) checkTemplateKeys(fsys fs.FS, names []string) error {
	var errs []error
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(raw), "\n") {
			for _, m := range templateKey.FindAllStringSubmatch(line, -1) {
				if !c.has(m[1]) {
					errs = append(errs, fmt.Errorf("frontend: %s:%d: message %q is not in every catalogue", name, i+1, m[1]))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// checkKeys makes sure ids built at run time (profile labels and values)
// exist.
func (c *catalogues) checkKeys(ids []string) error {
	var missing []string
	for _, id := range ids {
		if !c.has(id) && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("frontend: message catalogues lack %s", strings.Join(missing, ", "))
	}
	return nil
}
