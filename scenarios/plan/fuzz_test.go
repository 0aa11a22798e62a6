package plan

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// FuzzReadDocument: any input is read or refused with an error, never a
// panic; a document that reads writes back to one that reads the same.
func FuzzReadDocument(f *testing.F) {
	w, err := sweep.BytesWorkload("t.csv", []byte("at,op,pod\n1,add,a\n2,add,b\n300,del,a\n"))
	if err != nil {
		f.Fatal(err)
	}
	pl, err := Build(Spec{Workload: w, Subnets: slash24, Candidates: []string{"m5.large", "t3.medium"}, Seed: 1,
		Prices: catalog.EmbeddedPrices(), Objective: Objective{MaxP99Wait: 5e9, MinFreeAddresses: 3}})
	if err != nil {
		f.Fatal(err)
	}
	for _, sh := range []sweep.Shard{{}, {Index: 1, Count: 2}} {
		d, err := pl.Run(1, sh)
		if err != nil {
			f.Fatal(err)
		}
		var b bytes.Buffer
		d.WriteJSON(&b)
		f.Add(b.Bytes())
	}
	f.Add([]byte(`{"format":"ipamsim-plan/1","points_total":-1}`))
	f.Add([]byte(`{"format":"ipamsim-plan/1","objective":{"max_p99_wait":"-5s"}}`))
	f.Add([]byte(`{"format":"ipamsim-plan/1","grid":{"settings":[],"instance_types":["m5.large"],"assign_orders":["first-fit"],"repetitions":1},"points_total":1,"rows":[{}],"points":[{"index":7}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ReadDocument(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := d.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		d2, err := ReadDocument(&b, "again.json")
		if err != nil {
			t.Fatalf("a document that read does not read back: %v", err)
		}
		if len(d2.Candidates) != len(d.Candidates) || d2.Complete() != d.Complete() {
			t.Fatal("the document reads back differently")
		}
		var text bytes.Buffer
		if err := d.WriteText(&text); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzExpandCandidates: any --instance-types argument expands to known,
// priced types with resource data, each once, or is refused with an input
// error.
func FuzzExpandCandidates(f *testing.F) {
	for _, s := range []string{"m5.large", "m6i.*", "m5.large,c5.*", "[", "*", "m5.?large", ",", "x*y,", "m5.large,m5.large"} {
		f.Add(s)
	}
	p := catalog.EmbeddedPrices()
	f.Fuzz(func(t *testing.T, arg string) {
		got, err := ExpandCandidates([]string{arg}, p)
		if err != nil {
			var pe *Error
			var ue *catalog.UnknownTypeError
			if !errors.As(err, &pe) && !errors.As(err, &ue) {
				t.Fatalf("%q: error %T %v", arg, err, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, name := range got {
			it, err := catalog.Lookup(name)
			if err != nil || !it.HasResources || seen[name] {
				t.Fatalf("%q gave %q (known %v, resources %v, twice %v)", arg, name, err == nil, it.HasResources, seen[name])
			}
			if _, err := p.Price(name); err != nil {
				t.Fatalf("%q gave %q without a price", arg, name)
			}
			seen[name] = true
		}
		if len(got) == 0 || len(got) > MaxCandidates || strings.TrimSpace(arg) == "" {
			t.Fatalf("%q gave %d candidates", arg, len(got))
		}
	})
}
