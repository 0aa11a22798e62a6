package catalog

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ondemand-prices.csv: on-demand Linux list prices in us-east-1, from
// Karpenter's generated initial price table (source commit and date in the
// file's header comments).
//
//go:embed data/ondemand-prices.csv
var embeddedPricesCSV []byte

const pricesFile = "ondemand-prices.csv"

// The embedded table's region and the date its prices were generated.
const (
	EmbeddedPriceRegion = "us-east-1"
	EmbeddedPriceDate   = "2026-07-20"
)

// Limits on prices and price files.
const (
	// MaxUSDPerHour bounds a price: nearly three times the dearest type of
	// the embedded table (u7in-32tb.224xlarge, 360.99 $/h), so that most
	// prices given in cents or per month by mistake are refused.
	MaxUSDPerHour = 1000
	// MaxPriceFileBytes and MaxPriceFileLine cap a price file and its lines.
	MaxPriceFileBytes = 4 << 20
	MaxPriceFileLine  = 1024
	// MaxPriceRows caps the rows of a price file (the embedded table has
	// 1367).
	MaxPriceRows = 100000
)

// The columns of a user's price file, and of the embedded table.
var (
	priceColumns         = []string{"instance_type", "usd_per_hour"}
	embeddedPriceColumns = []string{"region", "instance_type", "usd_per_hour"}
)

// PriceTable maps instance types to hourly prices in US dollars, and says
// where they come from. It is immutable.
type PriceTable struct {
	source string
	prices map[string]float64 // instance type -> $/h
}

// Source describes where the prices come from, for summaries: the embedded
// table's region, kind and date, or the price file's name.
func (p *PriceTable) Source() string { return p.source }

// Len returns how many instance types have a price.
func (p *PriceTable) Len() int { return len(p.prices) }

// Types returns the instance types with a price, sorted.
func (p *PriceTable) Types() []string {
	out := make([]string, 0, len(p.prices))
	for name := range p.prices {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Price returns the hourly price of instanceType in US dollars, or a
// *NoPriceError.
func (p *PriceTable) Price(instanceType string) (float64, error) {
	usd, ok := p.prices[instanceType]
	if !ok {
		return 0, &NoPriceError{Type: instanceType, Source: p.source}
	}
	return usd, nil
}

// Over returns a table with p's prices and, for the types p lacks, base's:
// p extends base. Its source names both.
func (p *PriceTable) Over(base *PriceTable) *PriceTable {
	out := &PriceTable{source: p.source + ", then " + base.source, prices: make(map[string]float64, len(base.prices)+len(p.prices))}
	for name, usd := range base.prices {
		out.prices[name] = usd
	}
	for name, usd := range p.prices {
		out.prices[name] = usd
	}
	return out
}

// NoPriceError is returned for an instance type a price table has no price
// for.
type NoPriceError struct {
	Type   string
	Source string // the table's Source
}

func (e *NoPriceError) Error() string {
	return fmt.Sprintf("no price for instance type %q in %s", e.Type, e.Source)
}

// NoRegionPricesError is returned when prices are wanted for a region other
// than the embedded table's and no price file was given: ipamsim carries no
// other region's prices.
type NoRegionPricesError struct{ Region string }

func (e *NoRegionPricesError) Error() string {
	return fmt.Sprintf("no prices for region %q: the embedded on-demand prices cover %s only; "+
		"give a price file (--prices FILE, CSV instance_type,usd_per_hour) for other regions, spot or discounts",
		e.Region, EmbeddedPriceRegion)
}

var (
	embeddedPricesOnce  sync.Once
	embeddedPricesTable *PriceTable
)

// EmbeddedPrices returns the embedded us-east-1 on-demand Linux list prices
// (1367 types, 1353 of them in the instance table). A malformed embedded
// copy is a programming error (the package tests parse it) and panics.
func EmbeddedPrices() *PriceTable {
	embeddedPricesOnce.Do(func() {
		p, err := parseEmbeddedPrices(bytes.NewReader(embeddedPricesCSV), pricesFile)
		if err != nil {
			panic("github.com/ipamsim/ipamsim/ipam/catalog: embedded " + err.Error())
		}
		embeddedPricesTable = p
	})
	return embeddedPricesTable
}

// Price returns the embedded on-demand price of instanceType in region, in
// US dollars per hour. A region other than us-east-1 is a
// *NoRegionPricesError; a type without a price a *NoPriceError.
func Price(instanceType, region string) (float64, error) {
	if region != EmbeddedPriceRegion {
		return 0, &NoRegionPricesError{Region: region}
	}
	return EmbeddedPrices().Price(instanceType)
}

// PricesFor returns the price table to use in region: the user's table when
// one is given (it replaces the embedded prices entirely, so that a run never
// mixes a user's spot or discounted prices with list prices unnoticed; use
// user.Over(EmbeddedPrices()) to extend instead), else the embedded table for
// us-east-1, else a *NoRegionPricesError. region must be a plausible AWS
// region name (lower-case letters, digits and hyphens, at most 32 bytes).
func PricesFor(region string, user *PriceTable) (*PriceTable, error) {
	if err := checkRegion(region); err != nil {
		return nil, err
	}
	if user != nil {
		return user, nil
	}
	if region != EmbeddedPriceRegion {
		return nil, &NoRegionPricesError{Region: region}
	}
	return EmbeddedPrices(), nil
}

func checkRegion(region string) error {
	ok := region != "" && len(region) <= 32 && region[0] != '-' && region[len(region)-1] != '-'
	for _, r := range region {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("region %q is not a region name such as %s", region, EmbeddedPriceRegion)
	}
	return nil
}

// ParsePrices reads a user's price file: lines "instance_type,usd_per_hour"
// with an optional header line of exactly those two names first. file names
// it in errors. As in traces, a UTF-8 byte order mark is skipped, lines may
// end in "\r\n", blank lines and lines starting with '#' are ignored, spaces
// and tabs around fields are dropped and fields are not quoted.
//
// instance_type is a name without spaces or control characters, each at
// most once (it need not be in the catalogue: prices of other types are
// kept and unused); usd_per_hour is a plain decimal number (digits with an
// optional fraction; no sign, exponent, Inf or NaN) in [0, MaxUSDPerHour].
// The file holds at most MaxPriceFileBytes, lines at most MaxPriceFileLine
// bytes, and between 1 and MaxPriceRows prices. The first problem is
// returned as a *FileError naming the line and field.
func ParsePrices(r io.Reader, file string) (*PriceTable, error) {
	tr := newTableReader(r, file, MaxPriceFileLine, MaxPriceFileBytes)
	p := &PriceTable{source: file, prices: map[string]float64{}}
	first := map[string]int{}
	for lines := 0; ; lines++ {
		f, err := tr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if lines == 0 && slices.Equal(f, priceColumns) {
			continue // the optional header
		}
		if len(p.prices) >= MaxPriceRows {
			return nil, tr.errorf("", "more than %d prices", MaxPriceRows)
		}
		if len(f) != len(priceColumns) {
			return nil, tr.errorf("", "%d fields, want 2 (instance_type,usd_per_hour)", len(f))
		}
		if err := addPrice(tr, p, first, f[0], f[1], lines == 0); err != nil {
			return nil, err
		}
	}
	if len(p.prices) == 0 {
		return nil, &FileError{File: file, Line: max(tr.line, 1), Msg: "no prices: want lines instance_type,usd_per_hour"}
	}
	return p, nil
}

// parseEmbeddedPrices reads the embedded table: '#' comments, the header
// "region,instance_type,usd_per_hour", then rows that must all be in
// EmbeddedPriceRegion.
func parseEmbeddedPrices(r io.Reader, file string) (*PriceTable, error) {
	tr := newTableReader(r, file, MaxPriceFileLine, MaxPriceFileBytes)
	header, err := tr.next()
	if err == io.EOF {
		return nil, &FileError{File: file, Line: max(tr.line, 1), Msg: "no header line"}
	}
	if err != nil {
		return nil, err
	}
	if !slices.Equal(header, embeddedPriceColumns) {
		return nil, tr.errorf("", "header is %q, want %q", strings.Join(header, ","), strings.Join(embeddedPriceColumns, ","))
	}
	p := &PriceTable{
		source: fmt.Sprintf("%s on-demand Linux list prices of %s (embedded)", EmbeddedPriceRegion, EmbeddedPriceDate),
		prices: map[string]float64{},
	}
	first := map[string]int{}
	for {
		f, err := tr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(f) != len(embeddedPriceColumns) {
			return nil, tr.errorf("", "%d fields, want 3 (%s)", len(f), strings.Join(embeddedPriceColumns, ","))
		}
		if f[0] != EmbeddedPriceRegion {
			return nil, tr.errorf("region", "%q, want %s", f[0], EmbeddedPriceRegion)
		}
		if err := addPrice(tr, p, first, f[1], f[2], false); err != nil {
			return nil, err
		}
	}
	if len(p.prices) == 0 {
		return nil, tr.errorf("", "no prices after the header")
	}
	return p, nil
}

// addPrice checks one instance type and price and adds them to p. first maps
// each type to the line it was first seen on. firstRow adds a hint, for a
// first row whose price is not a number, that a header must be exact.
func addPrice(tr *tableReader, p *PriceTable, first map[string]int, name, price string, firstRow bool) error {
	if err := checkName(name); err != nil {
		return tr.errorf("instance_type", "%v", err)
	}
	if prev, dup := first[name]; dup {
		return tr.errorf("instance_type", "%q has a price already (line %d)", name, prev)
	}
	usd, err := parseUSD(price)
	if err != nil {
		if firstRow {
			return tr.errorf("usd_per_hour", "%v (a header line must read exactly %s)", err, strings.Join(priceColumns, ","))
		}
		return tr.errorf("usd_per_hour", "%v", err)
	}
	first[name] = tr.line
	p.prices[name] = usd
	return nil
}

// parseUSD parses a plain decimal price, digits with an optional fraction
// ("0.096", "12", ".5", "3."), in [0, MaxUSDPerHour].
func parseUSD(s string) (float64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty price, want US dollars per hour")
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(s) > 32 || whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("%q is not a price: want a plain decimal number of US dollars per hour such as 0.096", s)
	}
	usd, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(usd) || math.IsInf(usd, 0) { // unreachable after the checks above, kept for safety
		return 0, fmt.Errorf("%q is not a price", s)
	}
	if usd > MaxUSDPerHour {
		return 0, fmt.Errorf("%s $/h is above %d $/h: want US dollars per hour, not cents or a monthly price", s, MaxUSDPerHour)
	}
	return usd, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
