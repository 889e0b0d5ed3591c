package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// pattern renders which counts of a suppressed table are hidden, as rows of
// the extended grid: "." shown, "x" hidden; the last column is the row
// totals, the last row the column totals.
func pattern(s SuppressedTable) string {
	var b strings.Builder
	line := func(cs []PublishedCount, total PublishedCount) {
		for _, c := range cs {
			b.WriteString(map[bool]string{true: "x", false: "."}[c.Hidden()])
		}
		b.WriteString("|" + map[bool]string{true: "x", false: "."}[total.Hidden()] + "\n")
	}
	for i := range s.Cells {
		line(s.Cells[i], s.RowTotals[i])
	}
	line(s.ColTotals, s.Total)
	return b.String()
}

// TestSuppressByHand: small tables whose suppression is worked out by hand.
func TestSuppressByHand(t *testing.T) {
	for _, c := range []struct {
		name  string
		cells [][]int
		opt   SuppressOptions
		want  string
	}{
		{
			// Nothing small: all shown, zeros included.
			name:  "nothing to hide",
			cells: [][]int{{12, 0, 30}, {25, 40, 11}},
			opt:   SuppressOptions{ColumnTotalsPublished: true},
			want:  "...|.\n...|.\n...|.\n",
		},
		{
			// A: 20 3 15 (38); B: 30 25 40 (95); months published.
			// Primary: A/m2 = 3. Row A has one hidden: the smallest other
			// is A/m3 = 15 (before the total 38). Column m2 has one: B/m2
			// = 25 is its only other cell (its total is published); column
			// m3: B/m3 = 40. Row B now has two; A/m2, A/m3, B/m2, B/m3 make
			// a cycle. Subtracting A's other months from A's total leaves
			// A/m2 + A/m3 = 18, not A/m2.
			name:  "a category small in one month is hidden in a second month",
			cells: [][]int{{20, 3, 15}, {30, 25, 40}},
			opt:   SuppressOptions{ColumnTotalsPublished: true},
			want:  ".xx|.\n.xx|.\n...|.\n",
		},
		{
			// The same table for a researcher: nothing else is small, the
			// same pattern follows (totals are not smaller than cells).
			name:  "researcher, same table",
			cells: [][]int{{20, 3, 15}, {30, 25, 40}},
			opt:   SuppressOptions{},
			want:  ".xx|.\n.xx|.\n...|.\n",
		},
		{
			// One month only (row totals equal the cells): A = 4, B = 30,
			// C = 20, month published (54). A/m1 is hidden; row A's only
			// other count is its total (4, primary anyway); column m1 needs
			// a second: C = 20 (smaller than B = 30); row C then needs its
			// total 20; the totals column has A's and C's. Cycle: A/m1,
			// A/total, C/total, C/m1.
			name:  "one month",
			cells: [][]int{{4}, {30}, {20}},
			opt:   SuppressOptions{ColumnTotalsPublished: true},
			want:  "x|x\n.|.\nx|x\n.|.\n",
		},
		{
			// A row total under the threshold: A = 0 0 6 (6). A/m3 and A's
			// total are primary. Column m3: B/m3 = 12 is its only other
			// cell (the month is published); the totals column: B's total
			// 45. Row B has two; A m3 B total A is a cycle.
			name:  "small row total",
			cells: [][]int{{0, 0, 6}, {11, 22, 12}},
			opt:   SuppressOptions{ColumnTotalsPublished: true},
			want:  "..x|x\n..x|x\n...|.\n",
		},
		{
			// A = 5 20, B = 0 30, months published (5, 50). A/m1 primary;
			// row A: A/m2 = 20 (before the total 25); column m1 offers only
			// B/m1 = 0: a zero, forced; column m2: B/m2 = 30. The month's
			// total says A/m1 + B/m1 = 5, not which.
			name:  "zero forced as complement",
			cells: [][]int{{5, 20}, {0, 30}},
			opt:   SuppressOptions{ColumnTotalsPublished: true},
			want:  "xx|.\nxx|.\n..|.\n",
		},
		{
			// A researcher's month total of 7 (3 + 4) is primary with its
			// cells. Row A: A/m1 = 12 (before A's total 15); row B: B/m1 =
			// 13 (before 17); the totals row: month 1's total 25 (before
			// the grand total 32). Every line has two or none.
			name:  "researcher: small month total",
			cells: [][]int{{12, 3}, {13, 4}},
			opt:   SuppressOptions{},
			want:  "xx|.\nxx|.\nxx|.\n",
		},
		{
			name:  "a negative threshold is the default",
			cells: [][]int{{12, 9}, {30, 31}},
			opt:   SuppressOptions{Threshold: -1, ColumnTotalsPublished: true},
			want:  "xx|.\nxx|.\n..|.\n",
		},
		{
			name:  "threshold 1 hides nothing",
			cells: [][]int{{1, 2}, {3, 0}},
			opt:   SuppressOptions{Threshold: 1},
			want:  "..|.\n..|.\n..|.\n",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab := CountTable{Cells: c.cells}
			for i := range c.cells {
				tab.Rows = append(tab.Rows, fmt.Sprint("r", i))
			}
			for j := range c.cells[0] {
				tab.Cols = append(tab.Cols, fmt.Sprint("c", j))
			}
			s := Suppress(tab, c.opt)
			if got := pattern(s); got != c.want {
				t.Errorf("pattern\n%s\nwant\n%s", got, c.want)
			}
			auditTable(t, extend(tab), s, c.opt)
		})
	}
}

// TestSuppressedJSONHasNoHiddenValue: a hidden count is null in JSON and
// its value is nowhere in the output.
func TestSuppressedJSONHasNoHiddenValue(t *testing.T) {
	s := Suppress(CountTable{Rows: []string{"a", "b"}, Cols: []string{"2026-01", "2026-02"}, Cells: [][]int{{7, 31}, {23, 29}}},
		SuppressOptions{ColumnTotalsPublished: true})
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	// 7 is hidden, with 31, 23 and 29 as its cycle; the totals stay.
	want := `{"rows":["a","b"],"cols":["2026-01","2026-02"],"cells":[[{"n":null},{"n":null}],[{"n":null},{"n":null}]],"row_totals":[{"n":38},{"n":52}],"col_totals":[{"n":30},{"n":60}],"total":{"n":90},"threshold":10}`
	if string(b) != want {
		t.Errorf("json\n%s\nwant\n%s", b, want)
	}
}

// TestSuppressProtectsEveryHiddenCount is a property test: on many random
// tables with many small counts and zeros, for both audiences, every
// hidden count resists every attack auditTable tries.
func TestSuppressProtectsEveryHiddenCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 2026))
	tables := 400
	if testing.Short() {
		tables = 150
	}
	for k := range tables {
		R, C := 2+rng.IntN(6), 1+rng.IntN(10)
		tab := CountTable{Rows: make([]string, R), Cols: make([]string, C), Cells: make([][]int, R)}
		for i := range R {
			tab.Cells[i] = make([]int, C)
			for j := range C {
				switch p := rng.Float64(); {
				case p < 0.12:
					tab.Cells[i][j] = 0
				case p < 0.45:
					tab.Cells[i][j] = 1 + rng.IntN(9)
				default:
					tab.Cells[i][j] = 10 + rng.IntN(60)
				}
			}
		}
		for _, opt := range []SuppressOptions{{ColumnTotalsPublished: true}, {}, {Threshold: 5}} {
			s := Suppress(tab, opt)
			ok := t.Run(fmt.Sprintf("table%d/%+v", k, opt), func(t *testing.T) { auditTable(t, extend(tab), s, opt) })
			if !ok {
				t.Logf("cells %v", tab.Cells)
				return
			}
		}
	}
}

// auditTable attacks the published table s of the extended grid g (cells,
// row totals in the last column, column totals in the last row):
//
//  1. every count below the threshold (other than 0) is hidden, and every
//     count shown equals the truth;
//  2. one line at a time: no row or column has exactly one hidden count
//     (it would be its total minus the others);
//  3. all lines at once: no hidden count is a linear combination of the
//     row and column equations (Gaussian elimination over every line);
//  4. with non-negativity: for every hidden count, build a second table,
//     non-negative and consistent with everything shown, that differs from
//     the truth in that count — so no reasoning at all can recover it.
func auditTable(t *testing.T, g [][]int, s SuppressedTable, opt SuppressOptions) {
	t.Helper()
	R, C := len(g)-1, len(g[0])-1
	hidden := make([][]bool, R+1)
	for i := range hidden {
		hidden[i] = make([]bool, C+1)
	}
	get := func(i, j int) PublishedCount {
		switch {
		case i < R && j < C:
			return s.Cells[i][j]
		case i < R:
			return s.RowTotals[i]
		case j < C:
			return s.ColTotals[j]
		}
		return s.Total
	}
	var unknowns []cell
	index := map[cell]int{}
	for i := range R + 1 {
		for j := range C + 1 {
			c := get(i, j)
			if c.Hidden() {
				hidden[i][j] = true
				index[cell{i, j}] = len(unknowns)
				unknowns = append(unknowns, cell{i, j})
				continue
			}
			if *c.N != g[i][j] {
				t.Fatalf("(%d,%d) shows %d, truth %d", i, j, *c.N, g[i][j])
			}
			if g[i][j] > 0 && g[i][j] < s.Threshold && !(opt.ColumnTotalsPublished && i == R) {
				t.Errorf("(%d,%d) = %d is shown below the threshold %d", i, j, g[i][j], s.Threshold)
			}
		}
	}
	// The line equations: row i: Σ cells − row total = 0 (rows 0..R, the
	// last being the totals row); column j likewise.
	type term struct {
		c    cell
		sign float64
	}
	var lines [][]term
	for i := range R + 1 {
		var l []term
		for j := range C + 1 {
			l = append(l, term{cell{i, j}, map[bool]float64{true: -1, false: 1}[j == C]})
		}
		lines = append(lines, l)
	}
	for j := range C + 1 {
		var l []term
		for i := range R + 1 {
			l = append(l, term{cell{i, j}, map[bool]float64{true: -1, false: 1}[i == R]})
		}
		lines = append(lines, l)
	}
	// 2. One line at a time.
	for k, l := range lines {
		n := 0
		for _, tm := range l {
			if hidden[tm.c.i][tm.c.j] {
				n++
			}
		}
		if n == 1 {
			t.Errorf("line %d has a single hidden count: recoverable from its total", k)
		}
	}
	if len(unknowns) == 0 {
		return
	}
	// 3. Every line at once: reduce the system over the hidden counts to
	// reduced row echelon form; a hidden count is determined when its unit
	// vector lies in the row space.
	var rows [][]float64
	for _, l := range lines {
		r := make([]float64, len(unknowns))
		nz := false
		for _, tm := range l {
			if k, ok := index[tm.c]; ok {
				r[k], nz = tm.sign, true
			}
		}
		if nz {
			rows = append(rows, r)
		}
	}
	rref, pivots := reduce(rows)
	for k, u := range unknowns {
		v := make([]float64, len(unknowns))
		v[k] = 1
		for p, col := range pivots {
			if f := v[col]; f != 0 {
				for m := range v {
					v[m] -= f * rref[p][m]
				}
			}
		}
		zero := true
		for _, x := range v {
			if math.Abs(x) > 1e-9 {
				zero = false
			}
		}
		if zero {
			t.Errorf("hidden (%d,%d) = %d is determined by the row and column equations", u.i, u.j, g[u.i][u.j])
		}
	}
	// 4. A second, non-negative table that agrees on everything shown.
	for _, u := range unknowns {
		cyc := cycleThrough(hidden, u)
		if cyc == nil {
			t.Errorf("hidden (%d,%d) lies on no cycle", u.i, u.j)
			continue
		}
		// Move along the cycle: within each line the two moved counts
		// keep the line's equation (same sign: opposite moves).
		sign := func(c cell, row bool) float64 {
			if (row && c.j == C) || (!row && c.i == R) {
				return -1
			}
			return 1
		}
		delta := map[cell]float64{cyc[0]: 1}
		for m := 1; m < len(cyc); m++ {
			a, b := cyc[m-1], cyc[m]
			row := a.i == b.i
			delta[b] = -sign(a, row) * delta[a] / sign(b, row)
		}
		found := false
		for _, step := range []float64{1, -1} {
			alt := make([][]float64, R+1)
			for i := range alt {
				alt[i] = make([]float64, C+1)
				for j := range alt[i] {
					alt[i][j] = float64(g[i][j]) + step*delta[cell{i, j}]
				}
			}
			if consistent(alt) && nonNegative(alt) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("hidden (%d,%d) = %d: no other non-negative table fits what is shown (cycle %v)", u.i, u.j, g[u.i][u.j], cyc)
		}
	}
}

// reduce returns the reduced row echelon form of m and its pivot columns.
func reduce(m [][]float64) ([][]float64, []int) {
	if len(m) == 0 {
		return nil, nil
	}
	cols := len(m[0])
	var pivots []int
	r := 0
	for c := 0; c < cols && r < len(m); c++ {
		best := r
		for i := r; i < len(m); i++ {
			if math.Abs(m[i][c]) > math.Abs(m[best][c]) {
				best = i
			}
		}
		if math.Abs(m[best][c]) < 1e-9 {
			continue
		}
		m[r], m[best] = m[best], m[r]
		f := m[r][c]
		for k := range m[r] {
			m[r][k] /= f
		}
		for i := range m {
			if i != r && m[i][c] != 0 {
				f := m[i][c]
				for k := range m[i] {
					m[i][k] -= f * m[r][k]
				}
			}
		}
		pivots = append(pivots, c)
		r++
	}
	return m[:r], pivots
}

// cycleThrough returns a cycle of hidden counts starting with u and
// alternating between shared rows and shared columns, or nil.
func cycleThrough(hidden [][]bool, u cell) []cell {
	// Breadth-first from u's column back to u's row without u.
	type node struct {
		row bool
		k   int
	}
	prev := map[node]cell{}
	seen := map[node]bool{{false, u.j}: true}
	queue := []node{{false, u.j}}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n.row && n.k == u.i {
			var path []cell
			for n != (node{false, u.j}) {
				c := prev[n]
				path = append(path, c)
				if n.row {
					n = node{false, c.j}
				} else {
					n = node{true, c.i}
				}
			}
			// path runs from u's row back to u's column; the cycle goes
			// u, then from its column onwards.
			cyc := []cell{u}
			for i := len(path) - 1; i >= 0; i-- {
				cyc = append(cyc, path[i])
			}
			return cyc
		}
		if n.row {
			for j := range hidden[n.k] {
				c := cell{n.k, j}
				if hidden[n.k][j] && c != u && !seen[node{false, j}] {
					seen[node{false, j}], prev[node{false, j}] = true, c
					queue = append(queue, node{false, j})
				}
			}
			continue
		}
		for i := range hidden {
			c := cell{i, n.k}
			if hidden[i][n.k] && c != u && !seen[node{true, i}] {
				seen[node{true, i}], prev[node{true, i}] = true, c
				queue = append(queue, node{true, i})
			}
		}
	}
	return nil
}

// consistent reports whether every row and column of the extended grid
// adds up to its total.
func consistent(g [][]float64) bool {
	R, C := len(g)-1, len(g[0])-1
	for i := range R + 1 {
		s := 0.0
		for j := range C {
			s += g[i][j]
		}
		if s != g[i][C] {
			return false
		}
	}
	for j := range C + 1 {
		s := 0.0
		for i := range R {
			s += g[i][j]
		}
		if s != g[R][j] {
			return false
		}
	}
	return true
}

func nonNegative(g [][]float64) bool {
	for _, r := range g {
		for _, x := range r {
			if x < 0 {
				return false
			}
		}
	}
	return true
}

// BenchmarkSuppressRegions is the largest breakdown: 21 regions by 18
// months, in a service where a third of the counts are small, and in a
// tiny one where most are.
func BenchmarkSuppressRegions(b *testing.B) {
	for _, share := range []float64{0.33, 0.9} {
		b.Run(fmt.Sprint("small", share), func(b *testing.B) { benchmarkSuppress(b, share) })
	}
}

func benchmarkSuppress(b *testing.B, smallShare float64) {
	rng := rand.New(rand.NewPCG(7, 18))
	tab := CountTable{Rows: make([]string, 21), Cols: make([]string, 18), Cells: make([][]int, 21)}
	for i := range tab.Cells {
		tab.Cells[i] = make([]int, 18)
		for j := range tab.Cells[i] {
			if rng.Float64() < smallShare {
				tab.Cells[i][j] = rng.IntN(10)
			} else {
				tab.Cells[i][j] = 10 + rng.IntN(200)
			}
		}
	}
	for b.Loop() {
		Suppress(tab, SuppressOptions{ColumnTotalsPublished: true})
	}
}
