package frontend

import (
	"bytes"
	"sync"

	"github.com/haven-mh/haven/selftest"
)

// formCache keeps the empty self-test form as rendered for a visitor
// without a session, per language and instrument. Nothing else on that page
// changes per request but the idempotency key, so the page is rendered once
// with a random marker as its key, split there, and each request joins the
// two halves around its own key: no template runs (BenchmarkPages,
// selftest-form). Pages with a session header, answers or errors are
// rendered as before.
type formCache struct {
	pages sync.Map // lang + "/" + instrument id → *cachedForm
}

// cachedForm is the page around its idempotency key.
type cachedForm struct {
	before, after []byte
}

// with returns the page with key in its place.
func (f *cachedForm) with(key string) []byte {
	out := make([]byte, 0, len(f.before)+len(key)+len(f.after))
	out = append(out, f.before...)
	out = append(out, key...)
	return append(out, f.after...)
}

// page returns the cached form for v's language and in, rendering it the
// first time; false when it cannot be cached (a render failure, or a
// marker that is not exactly once in the page), and the caller renders.
func (fc *formCache) page(s *Site, v *view, in *selftest.Instrument) (*cachedForm, bool) {
	key := v.Lang + "/" + in.ID
	if p, ok := fc.pages.Load(key); ok {
		return p.(*cachedForm), true
	}
	f := s.buildForm(v, in, nil, nil, true)
	marker := formIdempotencyKey(nil) // 32 random hex digits
	f.IdempotencyKey = marker
	v.Data = f
	var buf bytes.Buffer
	if err := s.pages["selftest_form"].ExecuteTemplate(&buf, "layout", v); err != nil || len(v.missing) > 0 {
		return nil, false
	}
	parts := bytes.Split(buf.Bytes(), []byte(marker))
	if len(parts) != 2 {
		return nil, false
	}
	p, _ := fc.pages.LoadOrStore(key, &cachedForm{before: parts[0], after: parts[1]})
	return p.(*cachedForm), true
}
