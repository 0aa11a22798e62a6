package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
)

// Scenario is a named what-if question with the node, settings and workload
// that answer it: a shipped one or a .scn file (see the package
// documentation).
type Scenario struct {
	Name, Question string
	InstanceType   string // EC2 instance type of the node (checked by the caller)
	MaxPods        int    // 0 = the figure MaxPodsFrom gives
	// MaxPodsFrom is the rule for max pods ("" = eks: what an EKS managed
	// node group sets, catalog.NodeMaxPods), for the node or every group.
	MaxPodsFrom string
	Settings    []string      // base KEY=VALUE, applied in order
	EC2         string        // "" = the run's default; else "default" or "zero"
	Drain       time.Duration // 0 = the run's default
	WarmUp      time.Duration // the node (every node) boots this long before trace time 0; 0 = a cold node
	Variants    []Variant
	// A cluster scenario has subnets and node groups instead of one node
	// (docs/scenarios.md "Clusters").
	Subnets   []ClusterSubnet
	Groups    []ClusterGroup
	Placement string // "" = least-allocated
	Source    string // "builtin" or the file's path
	Text      string // the file's text, for `ipamsim scenarios show`

	file      string         // the name errors use
	workloads []workloadSpec // in file order
	settingAt []int          // line of each Settings entry
	traces    fs.FS          // where trace paths resolve; nil: the OS, relative to file's directory
}

// Variant is a named run of a scenario with extra settings on top of the
// base settings.
type Variant struct {
	Name     string
	Settings []string // KEY=VALUE, applied after the scenario's Settings
	line     int
}

// workloadSpec is one "workload:" line.
type workloadSpec struct {
	line int
	kind string   // generator kind; "" for a trace file
	args []string // generator flags
	path string   // trace file, as written
}

// MaxDuration bounds the durations a scenario gives (drain:, a group's join=,
// stagger=, leave=, boot-delay=): far beyond any question a scenario asks,
// and short enough that simulated time cannot overflow.
const MaxDuration = 1000 * time.Hour

// MaxMaxPods bounds a max-pods value (max-pods:, a group's max-pods= and
// daemonset-pods=): far above any instance type's eni-max-pods.txt figure.
const MaxMaxPods = 1_000_000

// BaseName is the name of a scenario's run without a variant, as comparison
// tables label it.
const BaseName = "base"

// Workload returns the scenario's trace: its workloads merged in time order,
// generators seeded from seed (unless a workload gives --seed). Each call
// returns a fresh reader. Trace files are opened lazily and closed when the
// reader returns io.EOF or an error; the reader also implements io.Closer
// for callers that stop early.
func (s *Scenario) Workload(seed uint64) (Reader, error) {
	rs := make([]Reader, 0, len(s.workloads))
	w := &workloadReader{}
	for _, wl := range s.workloads {
		if wl.kind != "" {
			r, err := GenFromArgs(wl.kind, wl.args, seed)
			if err != nil {
				w.Close()
				return nil, s.errorf(wl.line, "workload", "gen %s: %v", wl.kind, err)
			}
			rs = append(rs, r)
			continue
		}
		lt := &lazyTrace{sc: s, wl: wl}
		w.closers = append(w.closers, lt)
		rs = append(rs, lt)
	}
	var r Reader
	if len(rs) == 1 {
		r = rs[0]
	} else {
		r = Merge(rs...)
	}
	if len(w.closers) == 0 {
		return r, nil
	}
	w.r = r
	return w, nil
}

// TraceFiles returns the paths of the trace files the scenario's workload
// lines name, as the OS resolves them (none for a shipped scenario), so
// that a command can keep its outputs off them.
func (s *Scenario) TraceFiles() []string {
	if s.traces != nil {
		return nil
	}
	var out []string
	for _, wl := range s.workloads {
		if wl.kind == "" {
			if p, err := s.tracePath(wl.path); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// RunNames returns the names of the scenario's runs: BaseName, then its
// variants in file order.
func (s *Scenario) RunNames() []string {
	names := []string{BaseName}
	for _, v := range s.Variants {
		names = append(names, v.Name)
	}
	return names
}

// ApplySettings applies the scenario's base settings and then, unless
// variant is "" or BaseName, the named variant's settings to dst.
func (s *Scenario) ApplySettings(dst *ipam.Settings, variant string) error {
	apply := func(kvs []string, line func(i int) int) error {
		for i, kv := range kvs {
			src := fmt.Sprintf("%s:%d", s.file, line(i))
			k, v, err := ipam.ParseAssignment(src, kv)
			if err != nil {
				return err
			}
			if err := dst.Set(src, k, v); err != nil {
				return err
			}
		}
		return nil
	}
	if err := apply(s.Settings, func(i int) int { return lineAt(s.settingAt, i) }); err != nil {
		return err
	}
	if variant == "" || variant == BaseName {
		return nil
	}
	for _, v := range s.Variants {
		if v.Name == variant {
			return apply(v.Settings, func(int) int { return v.line })
		}
	}
	names := make([]string, len(s.Variants))
	for i, v := range s.Variants {
		names[i] = v.Name
	}
	return fmt.Errorf("scenario %s has no variant %q (variants: %s)", s.Name, variant, strings.Join(append([]string{BaseName}, names...), ", "))
}

func lineAt(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 0
}

func (s *Scenario) errorf(line int, key, format string, a ...any) *ParseError {
	return &ParseError{File: s.file, Line: line, Field: key, Msg: fmt.Sprintf(format, a...)}
}

// clone returns a copy of s that shares nothing mutable with it.
func (s *Scenario) clone() *Scenario {
	c := *s
	c.Settings = append([]string(nil), s.Settings...)
	c.settingAt = append([]int(nil), s.settingAt...)
	c.Subnets = append([]ClusterSubnet(nil), s.Subnets...)
	c.Groups = append([]ClusterGroup(nil), s.Groups...)
	c.Variants = nil
	for _, v := range s.Variants {
		v.Settings = append([]string(nil), v.Settings...)
		c.Variants = append(c.Variants, v)
	}
	return &c
}

// ParseScenario parses the scenario file text; file names it in errors and
// is the directory trace paths are relative to. Every generator's flags and
// every setting are checked, and every trace file must exist; the instance
// type is checked by the caller.
func ParseScenario(file string, text []byte) (*Scenario, error) {
	s, err := parseScenario(file, text, nil)
	if err != nil {
		return nil, err
	}
	s.Source = file
	return s, nil
}

var (
	nameKeys = map[string]bool{
		"name": true, "question": true, "instance-type": true, "max-pods": true, "max-pods-from": true,
		"set": true, "ec2": true, "drain": true, "warm-up": true, "workload": true, "variant": true,
		"subnet": true, "group": true, "placement": true,
	}
	repeatable = map[string]bool{"set": true, "workload": true, "variant": true, "subnet": true, "group": true}
)

// parseScenario parses text; traces, if not nil, is where trace paths
// resolve (slash-separated, relative to its root).
func parseScenario(file string, text []byte, traces fs.FS) (*Scenario, error) {
	s := &Scenario{file: file, Text: string(text), traces: traces}
	settings := ipam.DefaultSettings()
	seen := map[string]int{}
	lines := strings.Split(string(bytes.TrimPrefix(text, utf8BOM)), "\n")
	if len(lines) > 1 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, raw := range lines {
		n := i + 1
		if len(raw) > MaxLineLen {
			return nil, s.errorf(n, "", "line is longer than %d bytes", MaxLineLen)
		}
		line := strings.TrimSpace(stripComment(strings.TrimSuffix(raw, "\r")))
		if line == "" {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			return nil, s.errorf(n, "", "want \"key: value\", got %q", clip(line))
		}
		if !nameKeys[key] {
			return nil, s.errorf(n, key, "unknown key (want one of name, question, instance-type, max-pods, max-pods-from, set, ec2, drain, warm-up, workload, variant, subnet, group, placement)")
		}
		if first, dup := seen[key]; dup && !repeatable[key] {
			return nil, s.errorf(n, key, "given twice (first at line %d)", first)
		}
		seen[key] = n
		if value == "" {
			return nil, s.errorf(n, key, "missing value")
		}
		switch key {
		case "name":
			if err := checkScenarioName(value); err != nil {
				return nil, s.errorf(n, key, "%v", err)
			}
			s.Name = value
		case "question":
			s.Question = value
		case "instance-type":
			if strings.ContainsAny(value, " \t") {
				return nil, s.errorf(n, key, "%q is not an instance type", clip(value))
			}
			s.InstanceType = value
		case "max-pods":
			v, err := strconv.Atoi(value)
			if err != nil || v <= 0 || v > MaxMaxPods {
				return nil, s.errorf(n, key, "%q is not a whole number from 1 to %d", clip(value), MaxMaxPods)
			}
			s.MaxPods = v
		case "max-pods-from":
			if _, err := catalog.ParseMaxPodsFrom(value); err != nil {
				return nil, s.errorf(n, key, "%q: want %s", clip(value), strings.Join(catalog.MaxPodsFromNames, ", "))
			}
			s.MaxPodsFrom = value
		case "ec2":
			if value != "default" && value != "zero" {
				return nil, s.errorf(n, key, "%q: want default or zero", clip(value))
			}
			s.EC2 = value
		case "drain":
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 || d > MaxDuration {
				return nil, s.errorf(n, key, "%q is not a duration > 0 and <= %s such as 10m", clip(value), MaxDuration)
			}
			s.Drain = d
		case "warm-up":
			d, err := time.ParseDuration(value)
			if err != nil || d < 0 || d > MaxDuration {
				return nil, s.errorf(n, key, "%q is not a duration >= 0 and <= %s such as 5m", clip(value), MaxDuration)
			}
			s.WarmUp = d
		case "set":
			for _, kv := range strings.Fields(value) {
				if err := setOne(&settings, kv); err != nil {
					return nil, s.errorf(n, key, "%v", err)
				}
				s.Settings = append(s.Settings, kv)
				s.settingAt = append(s.settingAt, n)
			}
		case "workload":
			wl, err := s.parseWorkload(n, value)
			if err != nil {
				return nil, err
			}
			s.workloads = append(s.workloads, wl)
		case "subnet":
			sn, err := parseClusterSubnet(value)
			if err != nil {
				return nil, s.errorf(n, key, "%v", err)
			}
			sn.line = n
			s.Subnets = append(s.Subnets, sn)
		case "group":
			g, err := parseClusterGroup(value)
			if err != nil {
				return nil, s.errorf(n, key, "%v", err)
			}
			g.line = n
			s.Groups = append(s.Groups, g)
		case "placement":
			if value != "least-allocated" && value != "most-allocated" && value != "round-robin" {
				return nil, s.errorf(n, key, "%q: want least-allocated, most-allocated or round-robin", clip(value))
			}
			s.Placement = value
		case "variant":
			f := strings.Fields(value)
			name := f[0]
			if err := checkScenarioName(name); err != nil {
				return nil, s.errorf(n, key, "variant name: %v", err)
			}
			if name == BaseName {
				return nil, s.errorf(n, key, "%q names the run without a variant; choose another name", BaseName)
			}
			for _, v := range s.Variants {
				if v.Name == name {
					return nil, s.errorf(n, key, "variant %q given twice (first at line %d)", name, v.line)
				}
			}
			if len(f) == 1 {
				return nil, s.errorf(n, key, "variant %q sets nothing: want NAME KEY=VALUE...", name)
			}
			s.Variants = append(s.Variants, Variant{Name: name, Settings: f[1:], line: n})
		}
	}
	end := max(len(lines), 1)
	required := []string{"name", "question", "instance-type", "workload"}
	if len(s.Groups) > 0 || len(s.Subnets) > 0 {
		// A cluster scenario: node groups name their own instance types.
		required = []string{"name", "question", "subnet", "group", "workload"}
		if err := s.checkCluster(settings); err != nil {
			return nil, err
		}
		// Nothing the run would ignore: a cluster's nodes are its groups'.
		if n, ok := seen["instance-type"]; ok {
			return nil, s.errorf(n, "instance-type", "a cluster scenario's groups name their instance types (group type=)")
		}
		if n, ok := seen["max-pods"]; ok {
			return nil, s.errorf(n, "max-pods", "a cluster scenario's groups set their max pods (group max-pods=)")
		}
	} else if s.Placement != "" {
		return nil, s.errorf(seen["placement"], "placement", "placement needs a cluster (subnet and group lines)")
	}
	for _, k := range required {
		if _, ok := seen[k]; !ok {
			return nil, s.errorf(end, k, "missing (every scenario needs name, question, instance-type and at least one workload; a cluster scenario needs subnet and group lines instead of instance-type)")
		}
	}
	// Variants apply on top of the base settings, wherever the set lines are.
	for _, v := range s.Variants {
		vs := settings
		for _, kv := range v.Settings {
			if err := setOne(&vs, kv); err != nil {
				return nil, s.errorf(v.line, "variant", "%s: %v", v.Name, err)
			}
		}
	}
	return s, nil
}

// setOne applies one KEY=VALUE to st, with upstream's parsing.
func setOne(st *ipam.Settings, kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", clip(kv))
	}
	if err := st.Set("", k, v); err != nil {
		var se *ipam.SettingError
		if errors.As(err, &se) {
			return fmt.Errorf("%s=%q: %s", se.Key, clip(se.Value), se.Msg)
		}
		return err
	}
	return nil
}

func (s *Scenario) parseWorkload(n int, value string) (workloadSpec, error) {
	how, rest := value, ""
	if i := strings.IndexAny(value, " \t"); i >= 0 {
		how, rest = value[:i], strings.TrimSpace(value[i:])
	}
	switch how {
	case "gen":
		f := strings.Fields(rest)
		if len(f) == 0 {
			return workloadSpec{}, s.errorf(n, "workload", "gen: missing KIND (one of %s)", strings.Join(GenKinds, ", "))
		}
		if err := checkGenArgs(f[0], f[1:]); err != nil {
			return workloadSpec{}, s.errorf(n, "workload", "gen %s: %v", clip(f[0]), err)
		}
		return workloadSpec{line: n, kind: f[0], args: f[1:]}, nil
	case "trace":
		if rest == "" {
			return workloadSpec{}, s.errorf(n, "workload", "trace: missing PATH")
		}
		wl := workloadSpec{line: n, path: rest}
		if err := s.statTrace(wl.path); err != nil {
			return workloadSpec{}, s.errorf(n, "workload", "trace: %v", err)
		}
		return wl, nil
	}
	return workloadSpec{}, s.errorf(n, "workload", "%q: want \"gen KIND FLAGS...\" or \"trace PATH\"", clip(how))
}

// tracePath resolves a trace path as written: for the OS, relative to the
// scenario file's directory; for an fs.FS, a clean slash path inside it.
func (s *Scenario) tracePath(p string) (string, error) {
	if s.traces == nil {
		if filepath.IsAbs(p) {
			return p, nil
		}
		return filepath.Join(filepath.Dir(s.file), filepath.FromSlash(p)), nil
	}
	c := path.Clean(p)
	if !fs.ValidPath(c) {
		return "", fmt.Errorf("%q: a shipped scenario's trace must be a relative path inside it", clip(p))
	}
	return c, nil
}

func (s *Scenario) statTrace(p string) error {
	name, err := s.tracePath(p)
	if err != nil {
		return err
	}
	var fi fs.FileInfo
	if s.traces == nil {
		fi, err = os.Stat(name)
	} else {
		fi, err = fs.Stat(s.traces, name)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: no such file", name)
		}
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory", name)
	}
	return nil
}

func (s *Scenario) openTrace(p string) (io.ReadCloser, string, error) {
	name, err := s.tracePath(p)
	if err != nil {
		return nil, "", err
	}
	if s.traces == nil {
		f, err := os.Open(name)
		return f, name, err
	}
	f, err := s.traces.Open(name)
	return f, name, err
}

// stripComment cuts a trailing comment: a '#' at the start of the line, or
// after white space and before white space or the end of the line.
func stripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] != '#' {
			continue
		}
		before := i == 0 || line[i-1] == ' ' || line[i-1] == '\t'
		if i == 0 || strings.TrimSpace(line[:i]) == "" {
			return ""
		}
		after := i+1 == len(line) || line[i+1] == ' ' || line[i+1] == '\t'
		if before && after {
			return line[:i]
		}
	}
	return line
}

// checkScenarioName accepts [a-z0-9][a-z0-9._-]*, at most 64 bytes.
func checkScenarioName(name string) error {
	ok := name != "" && len(name) <= 64
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '-' || c == '_' || c == '.'):
		default:
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("%q: want lower-case letters, digits, '-', '_' or '.', starting with a letter or digit", clip(name))
	}
	return nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// lazyTrace is a trace-file workload: it opens the file at the first Next
// and closes it at io.EOF or the first error.
type lazyTrace struct {
	sc     *Scenario
	wl     workloadSpec
	name   string // the file's path, once opened
	r      Reader
	f      io.Closer
	err    error
	opened bool
}

func (t *lazyTrace) Next() (Event, error) {
	if t.err != nil {
		return Event{}, t.err
	}
	if !t.opened {
		t.opened = true
		if err := t.open(); err != nil {
			t.fail(err)
			return Event{}, t.err
		}
	}
	ev, err := t.r.Next()
	if err != nil {
		t.fail(err)
	}
	return ev, err
}

func (t *lazyTrace) fail(err error) {
	t.err = err
	t.Close()
}

func (t *lazyTrace) open() error {
	f, name, err := t.sc.openTrace(t.wl.path)
	if err != nil {
		return t.sc.errorf(t.wl.line, "workload", "trace: %v", err)
	}
	t.f = f
	tr, err := NewTrace(f, name, nil, TraceOptions{})
	if err != nil {
		return err
	}
	t.r, t.name = tr, name
	if tr.Format == FormatK8sAudit {
		t.Close() // imported whole
	}
	return nil
}

// TraceName returns the trace file's name (NamedReader).
func (t *lazyTrace) TraceName() string { return t.name }

// Close closes the trace file if it is open.
func (t *lazyTrace) Close() error {
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}

// workloadReader is a scenario's workload that holds trace files: it closes
// them at io.EOF or an error, or when Close is called.
type workloadReader struct {
	r       Reader
	closers []io.Closer
}

func (w *workloadReader) Next() (Event, error) {
	ev, err := w.r.Next()
	if err != nil {
		w.Close()
	}
	return ev, err
}

// TraceName returns the name of the trace file the last event came from, ""
// for a generated one (NamedReader).
func (w *workloadReader) TraceName() string { return TraceName(w.r) }

// Close closes every trace file still open.
func (w *workloadReader) Close() error {
	var first error
	for _, c := range w.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
