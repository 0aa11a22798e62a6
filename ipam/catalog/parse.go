package catalog

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The columns of instance-limits.csv, in order. The header line must match
// them exactly.
var columns = []string{
	"instance_type",
	"max_enis",
	"ipv4_per_eni",
	"default_network_card_index",
	"num_network_cards",
	"network_card_max_enis",
	"hypervisor",
	"is_bare_metal",
}

const (
	colName = iota
	colMaxENIs
	colIPv4PerENI
	colDefaultCard
	colNumCards
	colCardMaxENIs
	colHypervisor
	colBareMetal
)

// Bounds on the numbers accepted from the table (and by Custom). They are far
// above any real instance type (the largest have 15 ENIs on a card, 64
// addresses per ENI and 32 network cards) and keep every max-pods product
// (enis*(L-1)*16) well inside a 32-bit int.
const (
	maxCount = 4096 // ENIs per card, IPv4 addresses per ENI
	maxCards = 1024 // network cards per instance
)

// Hypervisor values as they appear in the table.
const (
	HypervisorNitro   = "nitro"
	HypervisorXen     = "xen"
	HypervisorUnknown = "unknown"
)

// parseError is a problem in the catalogue CSV, located by line (1-based)
// and, where it concerns one value, by column name.
type parseError struct {
	Line  int
	Field string // column name; "" when the problem is not about one field
	Err   error
}

func (e *parseError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("instance-limits.csv: line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("instance-limits.csv: line %d, field %s: %v", e.Line, e.Field, e.Err)
}

func (e *parseError) Unwrap() error { return e.Err }

// parseCatalog reads an instance-limits CSV (header line plus one record per
// instance type) and returns its types sorted by name. Every value is
// checked; the first problem found is returned as a *parseError naming the
// line and the column.
func parseCatalog(r io.Reader) ([]InstanceType, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // the field count is checked below, with a clearer message
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err == io.EOF {
		return nil, &parseError{Line: 1, Err: errors.New("empty file, want a header line")}
	}
	if err != nil {
		return nil, csvError(err)
	}
	if !slices.Equal(header, columns) {
		line, _ := cr.FieldPos(0)
		return nil, &parseError{Line: line, Err: fmt.Errorf("header is %q, want %q",
			strings.Join(header, ","), strings.Join(columns, ","))}
	}

	lastLine, _ := cr.FieldPos(0)
	var types []InstanceType
	firstLine := make(map[string]int) // name -> line, to report duplicates
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		t, err := parseRecord(cr, rec)
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(colName)
		if prev, dup := firstLine[t.Name]; dup {
			return nil, &parseError{Line: line, Field: columns[colName],
				Err: fmt.Errorf("duplicate instance type %q (first on line %d)", t.Name, prev)}
		}
		firstLine[t.Name] = line
		lastLine = line
		types = append(types, t)
	}
	if len(types) == 0 {
		return nil, &parseError{Line: lastLine, Err: errors.New("no instance types after the header")}
	}
	slices.SortFunc(types, func(a, b InstanceType) int { return strings.Compare(a.Name, b.Name) })
	return types, nil
}

// csvError converts an encoding/csv syntax error into a *parseError.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &parseError{Line: pe.Line, Err: fmt.Errorf("column %d: %w", pe.Column, pe.Err)}
	}
	return &parseError{Err: err}
}

// parseRecord validates one data record. cr locates its fields.
func parseRecord(cr *csv.Reader, rec []string) (InstanceType, error) {
	fail := func(col int, format string, args ...any) (InstanceType, error) {
		line, _ := cr.FieldPos(col)
		return InstanceType{}, &parseError{Line: line, Field: columns[col], Err: fmt.Errorf(format, args...)}
	}
	if len(rec) != len(columns) {
		line, _ := cr.FieldPos(0)
		return InstanceType{}, &parseError{Line: line,
			Err: fmt.Errorf("%d fields, want %d (%s)", len(rec), len(columns), strings.Join(columns, ","))}
	}

	var t InstanceType
	var err error

	t.Name = rec[colName]
	if err := checkName(t.Name); err != nil {
		return fail(colName, "%v", err)
	}
	if t.MaxENIs, err = parseCount(rec[colMaxENIs], 1, maxCount); err != nil {
		return fail(colMaxENIs, "%v", err)
	}
	if t.IPv4PerENI, err = parseCount(rec[colIPv4PerENI], 2, maxCount); err != nil {
		return fail(colIPv4PerENI, "%v", err)
	}
	if t.NetworkCards, err = parseCount(rec[colNumCards], 1, maxCards); err != nil {
		return fail(colNumCards, "%v", err)
	}
	if t.DefaultNetworkCard, err = parseCount(rec[colDefaultCard], 0, t.NetworkCards-1); err != nil {
		return fail(colDefaultCard, "%v (the instance has %d network cards)", err, t.NetworkCards)
	}
	if t.CardMaxENIs, err = parseCardMaxENIs(rec[colCardMaxENIs], t.NetworkCards); err != nil {
		return fail(colCardMaxENIs, "%v", err)
	}
	if got := t.CardMaxENIs[t.DefaultNetworkCard]; got != t.MaxENIs {
		return fail(colCardMaxENIs, "default network card %d has %d ENIs, but max_enis is %d",
			t.DefaultNetworkCard, got, t.MaxENIs)
	}
	switch h := rec[colHypervisor]; h {
	case HypervisorNitro, HypervisorXen, HypervisorUnknown:
		t.Hypervisor = h
	default:
		return fail(colHypervisor, "%q is not one of nitro, xen, unknown", h)
	}
	switch b := rec[colBareMetal]; b {
	case "true":
		t.BareMetal = true
	case "false":
		t.BareMetal = false
	default:
		return fail(colBareMetal, "%q is not true or false", b)
	}
	return t, nil
}

// checkName accepts a non-empty instance-type name made of printable,
// non-space characters (names are printed as "NAME MAXPODS").
func checkName(name string) error {
	if name == "" {
		return errors.New("empty instance type name")
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("instance type name %q is not valid UTF-8", name)
	}
	if strings.ContainsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) {
		return fmt.Errorf("instance type name %q contains spaces or non-printable characters", name)
	}
	return nil
}

// parseCount parses an unsigned decimal integer in [lo, hi]. Signs, spaces
// and other decorations are rejected.
func parseCount(s string, lo, hi int) (int, error) {
	if s == "" {
		return 0, errors.New("empty value, want an integer")
	}
	if len(s) > 9 || strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return 0, fmt.Errorf("%q is not a non-negative integer below %d", s, hi+1)
	}
	n, err := strconv.Atoi(s)
	if err != nil { // unreachable after the checks above, kept for safety
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is out of range [%d, %d]", n, lo, hi)
	}
	return n, nil
}

// parseCardMaxENIs parses "card:max;card:max;..." listing every card in
// [0, cards) exactly once, in any order, and returns the maxima indexed by
// card number.
func parseCardMaxENIs(s string, cards int) ([]int, error) {
	entries := strings.Split(s, ";")
	if len(entries) != cards {
		return nil, fmt.Errorf("%q lists %d network cards, want %d (num_network_cards)", s, len(entries), cards)
	}
	out := make([]int, cards)
	seen := make([]bool, cards)
	for _, e := range entries {
		idx, limit, ok := strings.Cut(e, ":")
		if !ok {
			return nil, fmt.Errorf("entry %q is not card:max_enis", e)
		}
		card, err := parseCount(idx, 0, cards-1)
		if err != nil {
			return nil, fmt.Errorf("entry %q: card index: %v", e, err)
		}
		if seen[card] {
			return nil, fmt.Errorf("entry %q: network card %d listed twice", e, card)
		}
		seen[card] = true
		if out[card], err = parseCount(limit, 1, maxCount); err != nil {
			return nil, fmt.Errorf("entry %q: max ENIs: %v", e, err)
		}
	}
	return out, nil
}
