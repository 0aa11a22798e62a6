package promexport

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ipamsim/ipamsim/sim"
)

// A backfill (ipamsim run --openmetrics-file) is every metric a run exports, sampled
// every --sample-interval of simulated time and dated from --start-time, in
// the OpenMetrics text format that `promtool tsdb create-blocks-from
// openmetrics` reads. The series it creates must be the ones a live scrape
// creates (the Prometheus text format, as aws-node serves it), so that the
// same dashboards and queries work on both:
//
//   - A counter's samples must end in _total in OpenMetrics, and the family is
//     named without it. ipamsim_ counters already end in _total, so they are
//     written as counters and keep their names. aws-node's counters do not
//     (awscni_add_ip_req_count, awscni_ec2api_req_count,
//     awscni_no_available_ip_addresses, …): as counters they would have to be
//     renamed …_total, a series a live scrape never has. They are written as
//     `unknown` families instead, which OpenMetrics allows for any metric and
//     which keeps the sample name exactly aws-node's. Prometheus stores no type
//     with a sample, so rate() and increase() work on them as on the live ones.
//   - Histograms and summaries keep their _bucket/_count/_sum series; le values
//     are spelled as the text format spells them ("0.1", "1", "+Inf").
//   - Timestamps are seconds since the epoch with millisecond precision, as
//     OpenMetrics requires; every family appears once, with its # HELP and
//     # TYPE, then each series' samples in time order; # EOF ends the file.

// Backfill keeps every sample of every series of a run, in memory (about 16
// bytes per sample and series), until the run ends and the file is written:
// OpenMetrics does not allow a family's samples to be interleaved with others.
type Backfill struct {
	startMS int64 // Unix milliseconds of simulated time 0
	fams    map[string]*omFamily
	lastTS  int64
	samples int
	err     error
}

type omFamily struct {
	name, help string
	typ        dto.MetricType
	series     map[string]*omSeries
}

// omSeries is one label set's samples: per timestamp, one value (counter,
// gauge, untyped), or the quantiles then count and sum (summary), or the
// cumulative bucket counts then count and sum (histogram).
type omSeries struct {
	labels string    // name="value",… OpenMetrics-escaped, in the registry's order
	bounds []float64 // histogram upper bounds (+Inf excluded) or summary quantiles
	ts     []int64
	vals   []float64
}

func (s *omSeries) stride() int {
	if s.bounds == nil {
		return 1
	}
	return len(s.bounds) + 2
}

// NewBackfill returns an empty backfill whose simulated time 0 is start.
func NewBackfill(start time.Time) *Backfill {
	return &Backfill{startMS: start.UnixMilli(), fams: map[string]*omFamily{}}
}

// Sample gathers reg at simulated time now. A sample at the same millisecond
// as the previous one replaces it (the end of a run that falls on a sampling
// tick). The first error is kept (Err) and ends the sampling.
func (r *Backfill) Sample(now sim.Time, reg prometheus.Gatherer) {
	if r.err != nil {
		return
	}
	mfs, err := reg.Gather()
	if err != nil {
		r.err = fmt.Errorf("gathering at %s: %w", time.Duration(now), err)
		return
	}
	ts := r.startMS + int64(now/sim.Millisecond)
	replace := r.samples > 0 && ts == r.lastTS
	r.samples++
	r.lastTS = ts
	for _, mf := range mfs {
		f := r.fams[mf.GetName()]
		if f == nil {
			f = &omFamily{name: mf.GetName(), help: mf.GetHelp(), typ: mf.GetType(), series: map[string]*omSeries{}}
			r.fams[f.name] = f
		}
		if f.typ != mf.GetType() {
			r.err = fmt.Errorf("%s changed type from %s to %s", f.name, f.typ, mf.GetType())
			return
		}
		for _, m := range mf.Metric {
			key := omLabels(m.Label)
			s := f.series[key]
			vals, bounds := omValues(f.typ, m)
			if s == nil {
				s = &omSeries{labels: key, bounds: bounds}
				f.series[key] = s
			} else if !slices.Equal(s.bounds, bounds) {
				r.err = fmt.Errorf("%s{%s} changed its buckets or quantiles", f.name, key)
				return
			}
			if n := len(s.ts); replace && n > 0 && s.ts[n-1] == ts {
				copy(s.vals[(n-1)*s.stride():], vals)
				continue
			}
			s.ts = append(s.ts, ts)
			s.vals = append(s.vals, vals...)
		}
	}
}

// Thin keeps only the samples at multiples of every of simulated time (a
// run's sampling interval, doubled: replay.Options.OnCoarsen), in place.
func (r *Backfill) Thin(every sim.Time) {
	step := int64(every / sim.Millisecond)
	if step <= 0 {
		return
	}
	for _, f := range r.fams {
		for _, s := range f.series {
			w, st := 0, s.stride()
			for i, ts := range s.ts {
				if (ts-r.startMS)%step != 0 {
					continue
				}
				s.ts[w] = ts
				copy(s.vals[w*st:(w+1)*st], s.vals[i*st:(i+1)*st])
				w++
			}
			s.ts, s.vals = s.ts[:w], s.vals[:w*st]
		}
	}
}

// omValues flattens one metric's values (see omSeries).
func omValues(typ dto.MetricType, m *dto.Metric) (vals, bounds []float64) {
	switch typ {
	case dto.MetricType_COUNTER:
		return []float64{m.GetCounter().GetValue()}, nil
	case dto.MetricType_GAUGE:
		return []float64{m.GetGauge().GetValue()}, nil
	case dto.MetricType_SUMMARY:
		s := m.GetSummary()
		bounds = []float64{}
		for _, q := range s.Quantile {
			bounds = append(bounds, q.GetQuantile())
			vals = append(vals, q.GetValue())
		}
		return append(vals, float64(s.GetSampleCount()), s.GetSampleSum()), bounds
	case dto.MetricType_HISTOGRAM:
		h := m.GetHistogram()
		bounds = []float64{}
		for _, b := range h.Bucket {
			if math.IsInf(b.GetUpperBound(), +1) {
				continue
			}
			bounds = append(bounds, b.GetUpperBound())
			vals = append(vals, float64(b.GetCumulativeCount()))
		}
		return append(vals, float64(h.GetSampleCount()), h.GetSampleSum()), bounds
	}
	return []float64{m.GetUntyped().GetValue()}, nil
}

// Err is the error that ended the sampling, if any.
func (r *Backfill) Err() error { return r.err }

// WriteOpenMetrics writes the backfill in the OpenMetrics text format, or the
// sampling's error.
func (r *Backfill) WriteOpenMetrics(out io.Writer) error {
	if r.err != nil {
		return r.err
	}
	w := bufio.NewWriterSize(out, 256<<10)
	r.writeTo(w)
	return w.Flush()
}

func (r *Backfill) writeTo(w *bufio.Writer) {
	names := make([]string, 0, len(r.fams))
	for n := range r.fams {
		names = append(names, n)
	}
	slices.Sort(names)
	var line []byte
	for _, name := range names {
		f := r.fams[name]
		family, typ := omFamilyType(f)
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", family, omEscape(f.help), family, typ)
		keys := make([]string, 0, len(f.series))
		for k := range f.series {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			s := f.series[k]
			st := s.stride()
			for i, ts := range s.ts {
				v := s.vals[i*st : (i+1)*st]
				switch f.typ {
				case dto.MetricType_HISTOGRAM:
					for j, b := range s.bounds {
						line = omLine(line[:0], name+"_bucket", s.labels, "le", omFloat(b), v[j], ts)
						w.Write(line)
					}
					line = omLine(line[:0], name+"_bucket", s.labels, "le", "+Inf", v[st-2], ts)
					w.Write(line)
					w.Write(omLine(line[:0], name+"_count", s.labels, "", "", v[st-2], ts))
					w.Write(omLine(line[:0], name+"_sum", s.labels, "", "", v[st-1], ts))
				case dto.MetricType_SUMMARY:
					for j, q := range s.bounds {
						w.Write(omLine(line[:0], name, s.labels, "quantile", omFloat(q), v[j], ts))
					}
					w.Write(omLine(line[:0], name+"_count", s.labels, "", "", v[st-2], ts))
					w.Write(omLine(line[:0], name+"_sum", s.labels, "", "", v[st-1], ts))
				default:
					// The sample keeps the registry's name: family+"_total"
					// for counters, the family's own name otherwise.
					w.Write(omLine(line[:0], name, s.labels, "", "", v[0], ts))
				}
			}
		}
	}
	w.WriteString("# EOF\n")
}

// omFamilyType is a family's OpenMetrics name and type (see the top of the
// file for why aws-node's counters are `unknown`).
func omFamilyType(f *omFamily) (family, typ string) {
	switch f.typ {
	case dto.MetricType_COUNTER:
		if base, ok := strings.CutSuffix(f.name, "_total"); ok {
			return base, "counter"
		}
		return f.name, "unknown"
	case dto.MetricType_GAUGE:
		return f.name, "gauge"
	case dto.MetricType_SUMMARY:
		return f.name, "summary"
	case dto.MetricType_HISTOGRAM:
		return f.name, "histogram"
	}
	return f.name, "unknown"
}

// omLine appends one sample line: name{labels,extra="value"} v timestamp.
func omLine(b []byte, name, labels, extra, extraVal string, v float64, ts int64) []byte {
	b = append(b, name...)
	if labels != "" || extra != "" {
		b = append(b, '{')
		b = append(b, labels...)
		if extra != "" {
			if labels != "" {
				b = append(b, ',')
			}
			b = append(b, extra...)
			b = append(b, `="`...)
			b = append(b, extraVal...)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = append(b, omFloat(v)...)
	b = append(b, ' ')
	b = omTimestamp(b, ts)
	return append(b, '\n')
}

// omTimestamp appends Unix milliseconds as seconds with three decimals.
func omTimestamp(b []byte, ms int64) []byte {
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, '.')
	frac := ms % 1000
	b = append(b, byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	return b
}

// omFloat spells a value as the Prometheus text format does.
func omFloat(v float64) string {
	switch {
	case math.IsInf(v, +1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// omLabels spells a label set as name="value" pairs.
func omLabels(ls []*dto.LabelPair) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.GetName())
		b.WriteString(`="`)
		b.WriteString(omEscape(l.GetValue()))
		b.WriteByte('"')
	}
	return b.String()
}

// omEscape escapes a label value or help text: backslash, newline and (in
// both, as OpenMetrics requires) double quote.
func omEscape(s string) string {
	if !strings.ContainsAny(s, "\\\n\"") {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}
