package reports

// Small-cell suppression for the report's breakdowns (profiles, outcomes)
// and for everything a researcher sees.
//
// A breakdown is a table of counts — categories (rows) by months (columns)
// — published with its row totals (a category over the whole range), its
// column totals (a month) and the grand total. Suppress hides:
//
//   - primary: every count n with 0 < n < Threshold (default 10), among the
//     cells and the totals that may be hidden;
//   - complementary: more counts, so that no hidden count can be worked
//     out from what is shown. Every row and every column, the totals row
//     and column included, is one linear equation (the cells add up to the
//     total); a hidden count is recoverable exactly when the equations pin
//     it down. Seen as a graph — one node per row and per column, one edge
//     per hidden count — that happens exactly when its edge lies on no
//     cycle (it is a bridge; a line with a single hidden count is the
//     simplest case). So Suppress repeats, until nothing changes: (1) in
//     every line with exactly one hidden count, hide one more; (2) for a
//     hidden count that lies on no cycle, hide a count that closes one
//     through it. The tests check the result by linear algebra over every
//     row and column at once, not only one line at a time.
//
// Across periods. Months are the columns and the row total is the sum over
// the months, so "subtracting the other months from the total" is exactly
// the row equation above: a category hidden in one month is hidden in at
// least one other month, or its total over the range is hidden too, and
// the same holds for any combination of rows and columns. A request for
// another range is another table; two overlapping ranges requested by the
// same reader could be differenced (January–June from January–July). That
// is not prevented here: readers who may not see exact counts should be
// given fixed periods (calendar months, quarters, years) by the caller.
//
// Which totals may be hidden. A coordinator sees each module's exact
// monthly counts elsewhere in the report, so for them the column totals
// are published facts: ColumnTotalsPublished makes Suppress treat them
// (and the grand total, their sum) as known and never hide them — hiding
// them here would protect nothing, and the protection of the cells is
// computed knowing them. For a researcher nothing is published exactly, so
// every total below the threshold is hidden too. Row totals (a category
// over the range) are always subject to suppression.
//
// Zeros. A 0 is published: it says that nobody is in a category, which
// discloses nothing about a person, and hiding every zero would hide most
// of a small service's tables. Zeros are not hidden as complements either,
// unless a line offers nothing else: a hidden cell a reader knows to be 0
// (some are structural: nobody under 18 in guided care) protects nothing,
// and complements of at least 1 also mean that no hidden count is pinned
// by the counts being non-negative — each can move by one along its cycle.
// With ColumnTotalsPublished, a month whose published total is small and
// whose people all fall in one category is disclosed by that total itself;
// Suppress still hides the cell, and a zero beside it, but the published
// total already said it.
//
// Complements are chosen to lose as little as possible: the smallest
// non-zero count first, then one whose other line already has a hidden
// count (so it closes a cycle instead of opening a new line), then the
// first in reading order — deterministic, so the same data always gives
// the same table.

import "slices"

// DefaultThreshold is the smallest count shown (cells of 1–9 are hidden).
const DefaultThreshold = 10

// SuppressOptions configure Suppress.
type SuppressOptions struct {
	// Threshold: counts n with 0 < n < Threshold are hidden. 0 (or less:
	// a mistake fails closed) means DefaultThreshold; 1 hides nothing.
	Threshold int
	// ColumnTotalsPublished: the column totals (and so the grand total)
	// are shown exactly elsewhere; they are never hidden and are known to
	// the reader when the cells are protected.
	ColumnTotalsPublished bool
}

func (o SuppressOptions) threshold() int {
	if o.Threshold <= 0 {
		return DefaultThreshold
	}
	return o.Threshold
}

// CountTable is a breakdown before suppression: Cells[i][j] counts row i in
// column j. The totals are computed from the cells.
type CountTable struct {
	Rows  []string
	Cols  []string
	Cells [][]int
}

// PublishedCount is a published count: N is nil when it is hidden.
type PublishedCount struct {
	N *int `json:"n"`
}

// Hidden reports whether the count is suppressed.
func (c PublishedCount) Hidden() bool { return c.N == nil }

// SuppressedTable is a CountTable as it may be published. A hidden count's
// value is not in it at all, so no page or export can show it by mistake.
type SuppressedTable struct {
	Rows      []string           `json:"rows"`
	Cols      []string           `json:"cols"`
	Cells     [][]PublishedCount `json:"cells"`
	RowTotals []PublishedCount   `json:"row_totals"`
	ColTotals []PublishedCount   `json:"col_totals"`
	Total     PublishedCount     `json:"total"`
	// Threshold is the smallest count shown, for the page's note.
	Threshold int `json:"threshold"`
}

// Suppress returns t with its small counts and their complements hidden
// (see the file comment).
func Suppress(t CountTable, o SuppressOptions) SuppressedTable {
	g := extend(t)
	hide := suppressionPattern(g, fixedTotals(len(t.Rows), len(t.Cols), o.ColumnTotalsPublished), o.threshold())
	R, C := len(t.Rows), len(t.Cols)
	count := func(i, j int) PublishedCount {
		if hide[i][j] {
			return PublishedCount{}
		}
		n := g[i][j]
		return PublishedCount{N: &n}
	}
	out := SuppressedTable{Rows: slices.Clone(t.Rows), Cols: slices.Clone(t.Cols), Threshold: o.threshold(),
		Cells: make([][]PublishedCount, R), RowTotals: make([]PublishedCount, R), ColTotals: make([]PublishedCount, C), Total: count(R, C)}
	for i := range R {
		out.Cells[i] = make([]PublishedCount, C)
		for j := range C {
			out.Cells[i][j] = count(i, j)
		}
		out.RowTotals[i] = count(i, C)
	}
	for j := range C {
		out.ColTotals[j] = count(R, j)
	}
	return out
}

// extend returns the (R+1)×(C+1) grid of t's cells with the row totals in
// the last column, the column totals in the last row and the grand total
// in the corner.
func extend(t CountTable) [][]int {
	R, C := len(t.Rows), len(t.Cols)
	g := make([][]int, R+1)
	for i := range g {
		g[i] = make([]int, C+1)
	}
	for i := range R {
		for j := range C {
			v := 0
			if i < len(t.Cells) && j < len(t.Cells[i]) {
				v = t.Cells[i][j]
			}
			g[i][j] = v
			g[i][C] += v
			g[R][j] += v
			g[R][C] += v
		}
	}
	return g
}

// fixedTotals marks the counts of the extended grid that are known to the
// reader and may not be hidden: the totals row (and the grand total) when
// the column totals are published.
func fixedTotals(R, C int, columnTotalsPublished bool) [][]bool {
	f := make([][]bool, R+1)
	for i := range f {
		f[i] = make([]bool, C+1)
	}
	if columnTotalsPublished {
		for j := range C + 1 {
			f[R][j] = true
		}
	}
	return f
}

// cell is a position in the extended grid.
type cell struct{ i, j int }

// suppressionPattern decides which counts of the extended grid g to hide:
// primary suppression, then complementary suppression until every line
// with a hidden count has two and every hidden count lies on a cycle of
// hidden counts (so no combination of the line equations recovers it).
// fixed counts are known and never hidden.
func suppressionPattern(g [][]int, fixed [][]bool, threshold int) [][]bool {
	R1, C1 := len(g), len(g[0])
	hide := make([][]bool, R1)
	for i := range g {
		hide[i] = make([]bool, C1)
		for j, v := range g[i] {
			hide[i][j] = !fixed[i][j] && v > 0 && v < threshold
		}
	}
	rowHidden := func(i int) int {
		n := 0
		for j := range C1 {
			if hide[i][j] {
				n++
			}
		}
		return n
	}
	colHidden := func(j int) int {
		n := 0
		for i := range R1 {
			if hide[i][j] {
				n++
			}
		}
		return n
	}
	// better reports whether a is a better complement than b.
	better := func(a, b cell) bool {
		va, vb := g[a.i][a.j], g[b.i][b.j]
		if (va == 0) != (vb == 0) {
			return vb == 0
		}
		if va != vb {
			return va < vb
		}
		ca := rowHidden(a.i) > 0 && colHidden(a.j) > 0
		cb := rowHidden(b.i) > 0 && colHidden(b.j) > 0
		if ca != cb {
			return ca
		}
		if a.i != b.i {
			return a.i < b.i
		}
		return a.j < b.j
	}
	pick := func(cands []cell) (cell, bool) {
		var best cell
		found := false
		for _, c := range cands {
			if hide[c.i][c.j] || fixed[c.i][c.j] {
				continue
			}
			if !found || better(c, best) {
				best, found = c, true
			}
		}
		return best, found
	}
	for {
		changed := false
		// (1) No line with a single hidden count.
		for i := range R1 {
			if rowHidden(i) == 1 {
				var cands []cell
				for j := range C1 {
					cands = append(cands, cell{i, j})
				}
				if c, ok := pick(cands); ok {
					hide[c.i][c.j], changed = true, true
				}
			}
		}
		for j := range C1 {
			if colHidden(j) == 1 {
				var cands []cell
				for i := range R1 {
					cands = append(cands, cell{i, j})
				}
				if c, ok := pick(cands); ok {
					hide[c.i][c.j], changed = true, true
				}
			}
		}
		if changed {
			continue
		}
		// (2) No hidden count outside every cycle: close one through the
		// first such bridge, joining the two sides it separates.
		for _, b := range bridges(hide) {
			rowSide, colSide := sides(hide, b)
			var cands []cell
			for i := range R1 {
				for j := range C1 {
					if (rowSide.rows[i] && colSide.cols[j]) || (colSide.rows[i] && rowSide.cols[j]) {
						cands = append(cands, cell{i, j})
					}
				}
			}
			if c, ok := pick(cands); ok {
				hide[c.i][c.j], changed = true, true
				break
			}
		}
		if !changed {
			return hide
		}
	}
}

// component is a set of row and column nodes.
type component struct{ rows, cols []bool }

// reach returns the nodes connected to a start node through hidden counts,
// leaving out the count skip.
func reachable(hide [][]bool, startRow, startCol int, skip cell) component {
	R1, C1 := len(hide), len(hide[0])
	c := component{rows: make([]bool, R1), cols: make([]bool, C1)}
	type node struct {
		row bool
		k   int
	}
	var queue []node
	if startRow >= 0 {
		c.rows[startRow] = true
		queue = append(queue, node{true, startRow})
	} else {
		c.cols[startCol] = true
		queue = append(queue, node{false, startCol})
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n.row {
			for j := range C1 {
				if hide[n.k][j] && (cell{n.k, j}) != skip && !c.cols[j] {
					c.cols[j] = true
					queue = append(queue, node{false, j})
				}
			}
			continue
		}
		for i := range R1 {
			if hide[i][n.k] && (cell{i, n.k}) != skip && !c.rows[i] {
				c.rows[i] = true
				queue = append(queue, node{true, i})
			}
		}
	}
	return c
}

// bridges lists the hidden counts that lie on no cycle of hidden counts,
// in reading order.
func bridges(hide [][]bool) []cell {
	var out []cell
	for i := range hide {
		for j := range hide[i] {
			if hide[i][j] && !reachable(hide, i, -1, cell{i, j}).cols[j] {
				out = append(out, cell{i, j})
			}
		}
	}
	return out
}

// sides splits the hidden counts' graph without the bridge b into the side
// of b's row and the side of b's column.
func sides(hide [][]bool, b cell) (rowSide, colSide component) {
	return reachable(hide, b.i, -1, b), reachable(hide, -1, b.j, b)
}
