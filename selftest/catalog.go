package selftest

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed instruments/*.yaml
var embedded embed.FS

// Catalog is the set of instruments a deployment offers. It is immutable
// after loading and safe for concurrent use.
type Catalog struct {
	byID  map[string]*Instrument
	order []string
}

// LoadCatalog loads the instruments shipped with Haven.
func LoadCatalog() (*Catalog, error) {
	sub, err := fs.Sub(embedded, "instruments")
	if err != nil {
		return nil, fmt.Errorf("selftest: instruments: %w", err)
	}
	return LoadCatalogFS(sub)
}

// LoadCatalogFS loads every *.yaml file at the root of fsys. A file that does
// not parse, has an unknown field or is inconsistent fails the whole load,
// naming the file (and the line, where the YAML decoder knows it).
func LoadCatalogFS(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("selftest: list instruments: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("selftest: no instrument files found")
	}
	sort.Strings(names)
	c := &Catalog{byID: map[string]*Instrument{}}
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("selftest: read %s: %w", name, err)
		}
		in, err := parseInstrument(raw)
		if err != nil {
			return nil, fmt.Errorf("selftest: instrument file %s: %w", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".yaml"); in.ID != want {
			return nil, fmt.Errorf("selftest: instrument file %s: id %q does not match the file name", name, in.ID)
		}
		if _, dup := c.byID[in.ID]; dup {
			return nil, fmt.Errorf("selftest: instrument file %s: duplicate id %q", name, in.ID)
		}
		c.byID[in.ID] = in
		c.order = append(c.order, in.ID)
	}
	sort.SliceStable(c.order, func(i, j int) bool {
		a, b := c.byID[c.order[i]].ListOrder, c.byID[c.order[j]].ListOrder
		if (a == 0) != (b == 0) {
			return b == 0
		}
		return a < b
	})
	return c, nil
}

func parseInstrument(raw []byte) (*Instrument, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var in Instrument
	if err := dec.Decode(&in); err != nil {
		return nil, err // yaml errors carry "line N"
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	return &in, nil
}

// Instruments returns every instrument in list order (by purpose: the
// instruments' list_order, then id).
func (c *Catalog) Instruments() []*Instrument {
	out := make([]*Instrument, 0, len(c.order))
	for _, id := range c.order {
		out = append(out, c.byID[id])
	}
	return out
}

// Instrument returns the instrument with the given id, or ErrNotFound.
func (c *Catalog) Instrument(id string) (*Instrument, error) {
	in, ok := c.byID[id]
	if !ok {
		return nil, fmt.Errorf("selftest: instrument %q: %w", id, ErrNotFound)
	}
	return in, nil
}
