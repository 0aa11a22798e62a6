package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestEmbeddedPricesKeepTheirSource(t *testing.T) {
	// The header comments keep the source and the date the constants name.
	head := string(embeddedPricesCSV[:min(len(embeddedPricesCSV), 400)])
	for _, want := range []string{
		"# source: aws/karpenter-provider-aws 1d927085dd81a9df9301e613f371dac5b4d16bfe",
		"generated at " + EmbeddedPriceDate + "T",
		"for " + EmbeddedPriceRegion + ")",
	} {
		if !strings.Contains(head, want) {
			t.Errorf("ondemand-prices.csv header lacks %q", want)
		}
	}
}

func TestPrice(t *testing.T) {
	tests := []struct {
		typ string
		usd float64
	}{
		{"m5.large", 0.096}, // issue 14
		{"t3.medium", 0.0416},
		{"c6g.16xlarge", 2.176},
		{"c6g.4xlarge", 0.544},
		{"m4.large", 0.1},
		{"u7in-32tb.224xlarge", 360.98695},
	}
	for _, tc := range tests {
		got, err := Price(tc.typ, "us-east-1")
		if err != nil || got != tc.usd {
			t.Errorf("Price(%s, us-east-1) = %v, %v; want %v", tc.typ, got, err, tc.usd)
		}
	}

	_, err := Price("mac1.metal", "us-east-1") // in the catalogue, not priced
	var np *NoPriceError
	if !errors.As(err, &np) || err.Error() != `no price for instance type "mac1.metal" in us-east-1 on-demand Linux list prices of 2026-07-20 (embedded)` {
		t.Errorf("mac1.metal: %v", err)
	}
	_, err = Price("m5.large", "eu-west-1")
	var nr *NoRegionPricesError
	if !errors.As(err, &nr) || nr.Region != "eu-west-1" ||
		err.Error() != `no prices for region "eu-west-1": the embedded on-demand prices cover us-east-1 only; `+
			`give a price file (--prices FILE, CSV instance_type,usd_per_hour) for other regions, spot or discounts` {
		t.Errorf("eu-west-1: %v", err)
	}
}

func TestEmbeddedPriceCounts(t *testing.T) {
	p := EmbeddedPrices()
	if p.Len() != 1367 {
		t.Errorf("%d prices, want 1367", p.Len())
	}
	priced, unpriced := 0, 0
	for _, it := range All() {
		if _, err := p.Price(it.Name); err == nil {
			priced++
		} else {
			unpriced++
		}
	}
	// data/README.md: prices for 1353 of the 1391 types.
	if priced != 1353 || unpriced != 38 {
		t.Errorf("%d catalogue types priced, %d not; want 1353 and 38", priced, unpriced)
	}
	var outside []string
	for _, name := range p.Types() {
		if _, err := Lookup(name); err != nil {
			outside = append(outside, name)
		}
	}
	want := []string{"g2.2xlarge", "g2.8xlarge", "g3.16xlarge", "g3.4xlarge", "g3.8xlarge", "g3s.xlarge", "i3.metal",
		"p2.16xlarge", "p2.8xlarge", "p2.xlarge", "u-12tb1.112xlarge", "u-18tb1.112xlarge", "u-24tb1.112xlarge", "u-9tb1.112xlarge"}
	if !slices.Equal(outside, want) {
		t.Errorf("priced types outside the catalogue %q, want %q", outside, want)
	}
	if !slices.IsSorted(p.Types()) {
		t.Error("Types not sorted")
	}
}

func TestPricesFor(t *testing.T) {
	user, err := ParsePrices(strings.NewReader("m5.large,0.05\n"), "spot.csv")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := PricesFor("us-east-1", nil); err != nil || p != EmbeddedPrices() {
		t.Errorf("us-east-1 without a file: %v, %v", p, err)
	}
	// A user's table replaces the embedded one, in any region.
	for _, region := range []string{"us-east-1", "eu-west-1", "us-gov-west-1"} {
		p, err := PricesFor(region, user)
		if err != nil || p != user {
			t.Errorf("%s with a file: %v, %v", region, p, err)
			continue
		}
		if _, err := p.Price("m5.xlarge"); err == nil || err.Error() != `no price for instance type "m5.xlarge" in spot.csv` {
			t.Errorf("%s: m5.xlarge from the user's table: %v", region, err)
		}
	}
	var nr *NoRegionPricesError
	if _, err := PricesFor("ap-southeast-2", nil); !errors.As(err, &nr) {
		t.Errorf("ap-southeast-2 without a file: %v, want *NoRegionPricesError", err)
	}
	for _, bad := range []string{"", "US-EAST-1", "us east 1", "-us-east-1", "us-east-1-", "us_east_1", strings.Repeat("a", 33)} {
		if _, err := PricesFor(bad, user); err == nil || !strings.Contains(err.Error(), "is not a region name") {
			t.Errorf("region %q: %v", bad, err)
		}
	}
}

func TestPriceTableOver(t *testing.T) {
	user, err := ParsePrices(strings.NewReader("m5.large,0.05\nmy.custom,1.5\n"), "spot.csv")
	if err != nil {
		t.Fatal(err)
	}
	p := user.Over(EmbeddedPrices())
	for typ, want := range map[string]float64{"m5.large": 0.05, "my.custom": 1.5, "t3.medium": 0.0416} {
		if got, err := p.Price(typ); err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", typ, got, err, want)
		}
	}
	if p.Len() != 1368 {
		t.Errorf("%d prices, want 1367 + 1", p.Len())
	}
	if want := "spot.csv, then us-east-1 on-demand Linux list prices of 2026-07-20 (embedded)"; p.Source() != want {
		t.Errorf("source %q, want %q", p.Source(), want)
	}
	// Neither input changed.
	if got, _ := EmbeddedPrices().Price("m5.large"); got != 0.096 || user.Len() != 2 {
		t.Error("Over modified its inputs")
	}
}

func TestParsePrices(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]float64
	}{
		{"instance_type,usd_per_hour\nm5.large,0.096\n", map[string]float64{"m5.large": 0.096}},
		{"m5.large,0.096\nt3.medium,0.0416", map[string]float64{"m5.large": 0.096, "t3.medium": 0.0416}},
		{"\xef\xbb\xbf# spot prices, 2026-08-01\r\n\r\n instance_type , usd_per_hour \r\n\tm5.large ,\t.5\r\n# x\r\nc5.large,3.\r\nfree.type,0\r\n",
			map[string]float64{"m5.large": 0.5, "c5.large": 3, "free.type": 0}},
		{"m5.large,1000\n", map[string]float64{"m5.large": 1000}},
		{"m5.large,0000.0960000\n", map[string]float64{"m5.large": 0.096}},
	}
	for _, tc := range tests {
		p, err := ParsePrices(strings.NewReader(tc.in), "p.csv")
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if p.Len() != len(tc.want) || p.Source() != "p.csv" {
			t.Errorf("%q: %d prices from %q, want %d from p.csv", tc.in, p.Len(), p.Source(), len(tc.want))
		}
		for typ, usd := range tc.want {
			if got, err := p.Price(typ); err != nil || got != usd {
				t.Errorf("%q: %s = %v, %v; want %v", tc.in, typ, got, err, usd)
			}
		}
	}
}

func TestParsePricesErrors(t *testing.T) {
	tests := []struct{ in, err string }{
		{"", "p.csv:1: no prices: want lines instance_type,usd_per_hour"},
		{"# nothing\n\n", "p.csv:2: no prices: want lines instance_type,usd_per_hour"},
		{"instance_type,usd_per_hour\n", "p.csv:1: no prices: want lines instance_type,usd_per_hour"},
		{"type,price\nm5.large,0.096\n", `p.csv:1: field "usd_per_hour": "price" is not a price: want a plain decimal number of US dollars per hour such as 0.096 (a header line must read exactly instance_type,usd_per_hour)`},
		{"m5.large,0.096\ninstance_type,usd_per_hour\n", `p.csv:2: field "usd_per_hour": "usd_per_hour" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"m5.large\n", "p.csv:1: 1 fields, want 2 (instance_type,usd_per_hour)"},
		{"m5.large,0.096,us-east-1\n", "p.csv:1: 3 fields, want 2 (instance_type,usd_per_hour)"},
		{"m5.large,0.096\nm5.large,0.1\n", `p.csv:2: field "instance_type": "m5.large" has a price already (line 1)`},
		{",0.096\n", `p.csv:1: field "instance_type": empty instance type name`},
		{"m5 large,0.096\n", `p.csv:1: field "instance_type": instance type name "m5 large" contains spaces or non-printable characters`},
		{"m5.large,\n", `p.csv:1: field "usd_per_hour": empty price, want US dollars per hour (a header line must read exactly instance_type,usd_per_hour)`},
		{"a,1\nm5.large,-0.096\n", `p.csv:2: field "usd_per_hour": "-0.096" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"a,1\nm5.large,+1\n", `p.csv:2: field "usd_per_hour": "+1" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"a,1\nm5.large,1e2\n", `p.csv:2: field "usd_per_hour": "1e2" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"a,1\nm5.large,NaN\n", `p.csv:2: field "usd_per_hour": "NaN" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"a,1\nm5.large,Inf\n", `p.csv:2: field "usd_per_hour": "Inf" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"a,1\nm5.large,.\n", `p.csv:2: field "usd_per_hour": "." is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"a,1\nm5.large,1.2.3\n", `p.csv:2: field "usd_per_hour": "1.2.3" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"a,1\nm5.large,$0.096\n", `p.csv:2: field "usd_per_hour": "$0.096" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"a,1\nm5.large,0,096\n", "p.csv:2: 3 fields, want 2 (instance_type,usd_per_hour)"},
		{"a,1\nm5.large,9.6e-2\n", `p.csv:2: field "usd_per_hour": "9.6e-2" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"a,1\nm5.large,1000.01\n", `p.csv:2: field "usd_per_hour": 1000.01 $/h is above 1000 $/h: want US dollars per hour, not cents or a monthly price`},
		{"a,1\nm5.large,70.08\nx,1e400\n", `p.csv:3: field "usd_per_hour": "1e400" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"a,1\nm5.large," + strings.Repeat("0", 33) + "\n", `p.csv:2: field "usd_per_hour": "` + strings.Repeat("0", 33) + `" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
		{"a,1\n" + strings.Repeat("x", 1025) + ",1\n", "p.csv:2: line longer than 1024 bytes"},
		{"a,1\n" + strings.Repeat("x", 100000) + "\n", "p.csv:2: line longer than 1024 bytes"},
	}
	for _, tc := range tests {
		p, err := ParsePrices(strings.NewReader(tc.in), "p.csv")
		var fe *FileError
		if !errors.As(err, &fe) || p != nil {
			t.Errorf("%.60q: table %v, error %v (%T), want a *FileError", tc.in, p, err, err)
			continue
		}
		if err.Error() != tc.err {
			t.Errorf("%.60q:\n got %s\nwant %s", tc.in, err, tc.err)
		}
	}
}

func TestParsePricesCaps(t *testing.T) {
	var b strings.Builder
	for i := range MaxPriceRows + 1 {
		fmt.Fprintf(&b, "t%d,1\n", i)
	}
	_, err := ParsePrices(strings.NewReader(b.String()), "many.csv")
	if want := fmt.Sprintf("many.csv:%d: more than %d prices", MaxPriceRows+1, MaxPriceRows); err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	// Exactly MaxPriceRows rows (and a header) are fine.
	rows := strings.SplitAfter(b.String(), "\n")
	p, err := ParsePrices(strings.NewReader("instance_type,usd_per_hour\n"+strings.Join(rows[:MaxPriceRows], "")), "many.csv")
	if err != nil || p.Len() != MaxPriceRows {
		t.Errorf("%d rows: %v", MaxPriceRows, err)
	}

	b.Reset()
	for i := 0; b.Len() <= MaxPriceFileBytes; i++ {
		fmt.Fprintf(&b, "# padding line %d %s\n", i, strings.Repeat("x", 900))
	}
	if _, err := ParsePrices(strings.NewReader(b.String()), "big.csv"); err == nil || err.Error() != "big.csv: larger than 4194304 bytes" {
		t.Errorf("error %v, want the size cap", err)
	}
	// A file of exactly MaxPriceFileBytes is read.
	b.Reset()
	b.WriteString("m5.large,0.096\n")
	for left := MaxPriceFileBytes - b.Len(); left > 0; left = MaxPriceFileBytes - b.Len() {
		if n := min(left, 1000); n == 1 {
			b.WriteString("\n")
		} else {
			b.WriteString("#" + strings.Repeat("x", n-2) + "\n")
		}
	}
	if p, err := ParsePrices(strings.NewReader(b.String()), "exact.csv"); b.Len() != MaxPriceFileBytes || err != nil || p.Len() != 1 {
		t.Errorf("%d bytes: %v", b.Len(), err)
	}
}

func TestParseEmbeddedPricesErrors(t *testing.T) {
	const hdr = "region,instance_type,usd_per_hour\n"
	tests := []struct{ in, err string }{
		{"# c\n", "e.csv:1: no header line"},
		{"instance_type,usd_per_hour\n", `e.csv:1: header is "instance_type,usd_per_hour", want "region,instance_type,usd_per_hour"`},
		{hdr, "e.csv:1: no prices after the header"},
		{hdr + "eu-west-1,m5.large,0.1\n", `e.csv:2: field "region": "eu-west-1", want us-east-1`},
		{hdr + "us-east-1,m5.large\n", "e.csv:2: 2 fields, want 3 (region,instance_type,usd_per_hour)"},
		{hdr + "us-east-1,m5.large,x\n", `e.csv:2: field "usd_per_hour": "x" is not a price: want a plain decimal number of US dollars per hour such as 0.096`},
	}
	for _, tc := range tests {
		if _, err := parseEmbeddedPrices(strings.NewReader(tc.in), "e.csv"); err == nil || err.Error() != tc.err {
			t.Errorf("%q:\n got %v\nwant %s", tc.in, err, tc.err)
		}
	}
}

// formatPrices writes p as a price file that ParsePrices reads back.
func formatPrices(p *PriceTable) []byte {
	var b bytes.Buffer
	b.WriteString("instance_type,usd_per_hour\n")
	for _, name := range p.Types() {
		usd, _ := p.Price(name)
		fmt.Fprintf(&b, "%s,%s\n", name, strconv.FormatFloat(usd, 'f', -1, 64))
	}
	return b.Bytes()
}

func TestPricesRoundTripEmbedded(t *testing.T) {
	again, err := ParsePrices(bytes.NewReader(formatPrices(EmbeddedPrices())), "x")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(formatPrices(again), formatPrices(EmbeddedPrices())) {
		t.Error("format/parse round trip changed the embedded prices")
	}
}

func FuzzParsePrices(f *testing.F) {
	f.Add([]byte("instance_type,usd_per_hour\nm5.large,0.096\n"))
	f.Add([]byte("m5.large,0.096\r\nt3.medium,.0416\n# c\n\n"))
	f.Add([]byte("\xef\xbb\xbfm5.large , 3.\n"))
	f.Add([]byte("m5.large,1e2\n"))
	f.Add([]byte("m5.large,0.096\nm5.large,1\n"))
	f.Add([]byte("a,b,c\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePrices(bytes.NewReader(data), "f.csv")
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || p != nil || fe.File != "f.csv" || !strings.HasPrefix(err.Error(), "f.csv:") {
				t.Fatalf("table %v, error %v (%T)", p, err, err)
			}
			return
		}
		if p.Len() == 0 || p.Len() > MaxPriceRows {
			t.Fatalf("%d prices accepted", p.Len())
		}
		for _, name := range p.Types() {
			usd, err := p.Price(name)
			if err != nil || checkName(name) != nil || math.IsNaN(usd) || usd < 0 || usd > MaxUSDPerHour {
				t.Fatalf("invalid price accepted: %q %v %v", name, usd, err)
			}
		}
		again, err := ParsePrices(bytes.NewReader(formatPrices(p)), "f.csv")
		if err != nil || !bytes.Equal(formatPrices(again), formatPrices(p)) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
