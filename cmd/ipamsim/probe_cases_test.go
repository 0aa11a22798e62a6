//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// The probe's cases (probe_test.go), by the classes of issue 12.

// bad is an input error: exit 2 with stderr naming msg.
func bad(class, name string, msg []string, args ...string) probeCase {
	return probeCase{class: class, name: name, args: args, code: 2, msg: msg}
}

func ok(class, name string, outputs []string, args ...string) probeCase {
	return probeCase{class: class, name: name, args: args, outputs: outputs}
}

func withFile(name, body string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func withFIFO(name string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func withSymlink(name, target string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

func all(fs ...func(t *testing.T, dir string)) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		for _, f := range fs {
			f(t, dir)
		}
	}
}

func pending(branch string, c probeCase) probeCase { c.pending = branch; return c }

func setup(c probeCase, s func(t *testing.T, dir string)) probeCase { c.setup = s; return c }

// scn is a scenario file case: the file f.scn with body, run with
// `run --scenario f.scn`, failing with exit 2 at f.scn:line.
func scn(name, body string, line int, field string) probeCase {
	msg := []string{fmt.Sprintf("f.scn:%d", line)}
	if field != "" {
		msg = append(msg, field)
	}
	c := bad("unclear", "scenario "+name, msg, "run", "--scenario", "f.scn")
	c.setup = withFile("f.scn", body)
	return c
}

const scnHead = "name: f\nquestion: q?\n"

func probeCases() []probeCase {
	var cs []probeCase
	add := func(c ...probeCase) { cs = append(cs, c...) }
	m := func(s ...string) []string { return s }
	run := func(a ...string) []string { return append([]string{"run"}, a...) }
	tr := func(a ...string) []string { return append([]string{"run", "--trace", "trace.csv"}, a...) }

	// ---- valid inputs: exit 0, their outputs written.
	add(
		ok("valid", "run default", nil, "run"),
		ok("valid", "run trace all outputs", m("t.csv", "m.prom", "r.html", "o.om", "p.csv"), tr("--timeline", "t.csv", "--metrics-file", "m.prom", "--report", "r.html", "--openmetrics-file", "o.om", "--pods", "p.csv")...),
		ok("valid", "cluster pods", m("p.csv"), "run", "--scenario", "c.scn", "--pods", "p.csv"),
		ok("valid", "run scenario variants", nil, "run", "--scenario", "s.scn"),
		ok("valid", "run cluster series", m("series.csv", "m.prom"), "run", "--scenario", "c.scn", "--series", "series.csv", "--metrics-file", "m.prom"),
		ok("valid", "run env file", nil, tr("--env-file", "node.env")...),
		ok("valid", "compare out", m("cmp.txt", "cmp.html"), "compare", "--trace", "trace.csv", "--policies", "vpc-cni,static", "--out", "cmp.txt", "--report", "cmp.html"),
		ok("valid", "sweep outputs", m("sw.json", "sw.csv", "sw.html"), "sweep", "--scenario", "s.scn", "--grid", "WARM_IP_TARGET=1,2", "--workers", "1", "--out-json", "sw.json", "--out-csv", "sw.csv", "--report", "sw.html"),
		ok("valid", "sweep merge", m("merged.json"), "sweep", "merge", "--out-json", "merged.json", "sweep.json"),
		ok("valid", "recommend from", m("rec.html"), "recommend", "--from", "sweep.json", "--max-p99-wait", "1h", "--report", "rec.html"),
		ok("valid", "maxpods", nil, "maxpods", "m5.large"),
		ok("valid", "trace gen", m("g.csv"), "trace", "gen", "churn", "--duration", "1m", "-o", "g.csv"),
		ok("valid", "trace gen stdout", nil, "trace", "gen", "churn", "--duration", "1m", "-o", "-"),
		ok("valid", "trace convert", m("conv.csv"), "trace", "convert", "trace.csv", "-o", "conv.csv"),
		ok("valid", "scenarios show", nil, "scenarios", "show", "default"),
		ok("valid", "version", nil, "version"),
		ok("valid", "plan report", m("p.html"), "plan", "--instance-types", "m5.large", "--trace", "trace.csv", "--subnet", "10.0.0.0/24", "--report", "p.html"),
		setup(ok("valid", "env file with BOM", nil, tr("--env-file", "bom.env")...), withFile("bom.env", "\ufeffWARM_IP_TARGET=2\n")),
		setup(ok("valid", "output through symlink", m("out/real.csv"), tr("--timeline", "link.csv")...),
			all(withFile("out/real.csv", "old\n"), withSymlink("link.csv", "out/real.csv"))),
		setup(ok("valid", "output through dangling symlink", m("out/new.csv"), tr("--timeline", "link.csv")...),
			all(withFile("out/keep", ""), withSymlink("link.csv", "out/new.csv"))),
		ok("valid", "enis and ipv4 per eni in range", nil, tr("--enis", "4", "--ipv4-per-eni", "15", "--max-pods", "58")...),
		ok("valid", "sweep one shard of a million points", nil, "sweep", "--scenario", "s.scn", "--grid", "WARM_IP_TARGET=0..999999", "--shard", "0/1000000", "--workers", "1"),
	)
	// The symlink cases must leave the link a link.
	for i := range cs {
		if strings.HasPrefix(cs[i].name, "output through") {
			cs[i].check = func(dir string) error {
				fi, err := os.Lstat(filepath.Join(dir, "link.csv"))
				if err != nil || fi.Mode()&os.ModeSymlink == 0 {
					return errors.New("link.csv is no longer a symlink")
				}
				return nil
			}
		}
	}

	// ---- panics (issue 12's examples, and more numbers at their edges).
	add(
		setup(bad("panic", "trace at overflowing time", m("big.csv:2", "at"), "run", "--trace", "big.csv"),
			withFile("big.csv", "at,op,pod\n9223372033,add,a\n")),
		bad("panic", "enis 1e11", m("--enis"), tr("--enis", "100000000000")...),
		bad("panic", "ipv4-per-eni 1e11", m("--ipv4-per-eni"), tr("--ipv4-per-eni", "100000000000")...),
		bad("panic", "max-pods 1e11", m("--max-pods"), tr("--max-pods", "100000000000")...),
		bad("panic", "max-pods overflow", m("--max-pods"), tr("--max-pods", "99999999999999999999")...),
		scn("group stagger 1500000h", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=2 subnets=n stagger=1500000h\nworkload: gen churn\n", 4, "stagger"),
		scn("group count overflow", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=99999999999999999999 subnets=n\nworkload: gen churn\n", 4, "count"),
		scn("max-pods overflow", scnHead+"instance-type: m5.large\nmax-pods: 99999999999999999999\nworkload: gen churn\n", 4, "max-pods"),
		scn("max-pods 1e11", scnHead+"instance-type: m5.large\nmax-pods: 100000000000\nworkload: gen churn\n", 4, "max-pods"),
		bad("panic", "warm-up negative", m("--warm-up"), tr("--warm-up", "-5m")...),
		bad("panic", "warm-up 1e6h", m("--warm-up"), tr("--warm-up", "1000000h")...),
		ok("valid", "warm-up with pods", m("p.csv"), tr("--warm-up", "5m", "--pods", "p.csv")...),
		scn("warm-up bad", scnHead+"instance-type: m5.large\nwarm-up: soon\nworkload: gen churn\n", 4, "warm-up"),
		bad("panic", "max-pods-from unknown", m("--max-pods-from", "eks"), tr("--max-pods-from", "bottlerocket")...),
		bad("panic", "maxpods max-pods-from unknown", m("--max-pods-from"), "maxpods", "--max-pods-from", "al2", "m5.large"),
		scn("max-pods-from unknown", scnHead+"instance-type: m5.large\nmax-pods-from: al2\nworkload: gen churn\n", 4, "max-pods-from"),
		bad("panic", "WARM_ENI_TARGET max int", m("WARM_ENI_TARGET"), tr("--set", "WARM_ENI_TARGET=9223372036854775807")...),
		bad("panic", "WARM_IP_TARGET max int", m("WARM_IP_TARGET"), tr("--set", "WARM_IP_TARGET=9223372036854775807")...),
		bad("panic", "MINIMUM_IP_TARGET max int", m("MINIMUM_IP_TARGET"), tr("--set", "MINIMUM_IP_TARGET=9223372036854775807")...),
		bad("panic", "WARM_PREFIX_TARGET max int", m("WARM_PREFIX_TARGET"), tr("--set", "WARM_PREFIX_TARGET=9223372036854775807")...),
		bad("panic", "MAX_ENI max int", m("MAX_ENI"), tr("--set", "MAX_ENI=9223372036854775807")...),
		bad("panic", "seed negative", m("--seed"), tr("--seed", "-1")...),
		bad("panic", "seed overflow", m("--seed"), tr("--seed", "18446744073709551616")...),
		bad("panic", "sweep repetitions 1e12", m("--repetitions"), "sweep", "--scenario", "s.scn", "--repetitions", "1000000000000"),
		bad("panic", "sweep workers 1e9", m("--workers"), "sweep", "--scenario", "s.scn", "--workers", "1000000000"),
		bad("panic", "sweep shard huge count", m("--shard"), "sweep", "--scenario", "s.scn", "--shard", "0/99999999999999999999"),
		bad("panic", "sweep shard-count huge", m("--shard-count"), "sweep", "--scenario", "s.scn", "--shard-count", "1000000000000"),
		bad("panic", "sweep max-pods 1e11", m("--max-pods"), "sweep", "--scenario", "s.scn", "--max-pods", "100000000000"),
		bad("panic", "maxpods max-eni huge", m("--max-eni"), "maxpods", "--max-eni", "99999999999999999999"),
		bad("panic", "maxpods max-eni 1e11", m("--max-eni"), "maxpods", "--max-eni", "100000000000"),
		bad("panic", "maxpods cap 1e11", m("--max-pods-cap"), "maxpods", "--max-pods-cap", "100000000000"),
		bad("panic", "convert grace 1e12s", m("--grace-period"), "trace", "convert", "--from", "k8s-audit", "--grace-period", "277777777h", "trace.csv"),
		bad("panic", "custom type 4096x4096 in a /8", m("--subnet"), "run", "--trace", "trace.csv", "--instance-type", "x9.huge", "--enis", "4096", "--ipv4-per-eni", "4096", "--subnet", "10.0.0.0/8", "--set", "WARM_IP_TARGET=16000000"),
		bad("panic", "set with empty key", m("--set"), tr("--set", "=5")...),
		bad("panic", "set without value", m("--set"), tr("--set", "WARM_IP_TARGET")...),
		bad("panic", "policy-set with empty key", m("--policy-set"), tr("--policy", "terway", "--policy-set", "=1")...),
		bad("panic", "unknown policy", m("--policy"), tr("--policy", "nope")...),
		bad("panic", "variant of a trace", m("--variant"), tr("--variant", "x")...),
		bad("panic", "unknown variant", m("--variant"), "run", "--scenario", "s.scn", "--variant", "nope"),
		bad("panic", "cluster with timeline", m("--timeline"), "run", "--scenario", "c.scn", "--timeline", "t.csv"),
		bad("panic", "cluster with report", m("--report"), "run", "--scenario", "c.scn", "--report", "r.html"),
		bad("panic", "trace from empty stdin", m("<stdin>"), "run", "--trace", "-"),
		bad("panic", "compare cluster", m("c.scn"), "compare", "--scenario", "c.scn"),
		bad("panic", "sweep empty instance type", m("--instance-types"), "sweep", "--scenario", "s.scn", "--instance-types", ","),
		bad("panic", "unknown instance type", m("--instance-type"), tr("--instance-type", "m99.huge")...),
		bad("panic", "run positional", m("unexpected argument"), "run", "extra"),
		bad("panic", "unknown command", m("unknown command"), "nope"),
		bad("panic", "trace without subcommand", m("trace"), "trace"),
		bad("panic", "trace gen unknown kind", m("unknown kind"), "trace", "gen", "nope"),
		bad("panic", "scenarios show unknown", m("nope"), "scenarios", "show", "nope"),
		bad("panic", "ui bad addr", m("--addr"), "ui", "--addr", "nonsense"),
		bad("panic", "ui remote addr", m("--addr"), "ui", "--addr", "0.0.0.0:0"),
		bad("panic", "version extra", m("unexpected argument"), "version", "x"),
		bad("panic", "start-time garbage", m("--start-time"), tr("--openmetrics-file", "o.om", "--start-time", "yesterday")...),
	)

	// ---- hangs.
	add(
		bad("hang", "terway jitter NaN", m("--policy-set", "NaN"), tr("--policy", "terway", "--policy-set", "idle_ip_reclaim_jitter_factor=NaN")...),
		bad("hang", "terway jitter Inf", m("--policy-set", "Inf"), tr("--policy", "terway", "--policy-set", "idle_ip_reclaim_jitter_factor=+Inf")...),
		bad("hang", "compare policy-set NaN", m("--policy-set"), "compare", "--trace", "trace.csv", "--policies", "terway", "--policy-set", "terway.idle_ip_reclaim_jitter_factor=NaN"),
		bad("hang", "sweep policy-set NaN", m("--policy-set"), "sweep", "--scenario", "s.scn", "--policies", "terway", "--policy-set", "terway.idle_ip_reclaim_jitter_factor=NaN"),
		bad("hang", "env-file /dev/zero", m("--env-file"), tr("--env-file", "/dev/zero")...),
		setup(bad("hang", "env-file FIFO", m("--env-file", "not a regular file"), tr("--env-file", "fifo")...), withFIFO("fifo")),
		setup(bad("hang", "env-file huge line", m("--env-file"), tr("--env-file", "big.env")...), withFile("big.env", strings.Repeat("A", 2<<20))),
		bad("hang", "scenario /dev/zero", m("/dev/zero"), "run", "--scenario", "/dev/zero"),
		setup(bad("hang", "scenario FIFO", m("fifo", "not a regular file"), "run", "--scenario", "fifo"), withFIFO("fifo")),
		setup(bad("hang", "scenario huge", m("big.scn"), "run", "--scenario", "big.scn"), withFile("big.scn", strings.Repeat("# comment\n", 300000))),
		setup(bad("hang", "scenario long line", m("long.scn:1"), "run", "--scenario", "long.scn"), withFile("long.scn", "question: "+strings.Repeat("x", 100000)+"\n")),
		setup(bad("hang", "sweep scenario FIFO", m("fifo"), "sweep", "--scenario", "fifo"), withFIFO("fifo")),
		setup(bad("hang", "compare scenario FIFO", m("fifo"), "compare", "--scenario", "fifo"), withFIFO("fifo")),
		setup(bad("hang", "ui scenario FIFO", m("fifo"), "ui", "--scenario", "fifo"), withFIFO("fifo")),
		setup(bad("hang", "sweep merge FIFO", m("fifo"), "sweep", "merge", "fifo"), withFIFO("fifo")),
		setup(bad("hang", "recommend from FIFO", m("fifo"), "recommend", "--from", "fifo", "--max-p99-wait", "1s"), withFIFO("fifo")),
		bad("hang", "sweep merge /dev/zero", m("/dev/zero"), "sweep", "merge", "/dev/zero"),
		bad("hang", "trace /dev/zero", m("/dev/zero"), "run", "--trace", "/dev/zero"),
		bad("hang", "diurnal step 1ns", m("--step"), "trace", "gen", "diurnal", "--step", "1ns"),
		bad("hang", "churn absurd rate", m("--rate"), "trace", "gen", "churn", "--rate", "1e9", "--duration", "1000h"),
		bad("hang", "cronjob period 1ns", m("--period"), "trace", "gen", "cronjob", "--period", "1ns"),
		bad("hang", "sweep range overflow", m("--grid"), "sweep", "--scenario", "s.scn", "--grid", "WARM_IP_TARGET=0..9223372036854775807"),
		bad("hang", "sweep range overflow with step", m("--grid"), "sweep", "--scenario", "s.scn", "--grid", "WARM_IP_TARGET=-9223372036854775808..9223372036854775807:2"),
		bad("hang", "sweep two million-value axes", m("--grid"), "sweep", "--scenario", "s.scn", "--grid", "WARM_IP_TARGET=0..999999", "--grid", "MINIMUM_IP_TARGET=0..999999"),
		bad("hang", "sweep million values same setting", m("--grid", "same setting"), "sweep", "--scenario", "s.scn", "--grid", "WARM_IP_TARGET=-999999..0"),
		bad("hang", "speed tiny", m("--speed"), tr("--metrics-addr", "127.0.0.1:0", "--speed", "1e-300")...),
		bad("hang", "speed NaN", m("--speed"), tr("--metrics-addr", "127.0.0.1:0", "--speed", "NaN")...),
		bad("hang", "sample-every 1ns", m("--sample-every"), "run", "--scenario", "c.scn", "--sample-every", "1ns"),
		bad("hang", "sample-interval 1ns", m("--sample-interval"), tr("--report", "r.html", "--sample-interval", "1ns")...),
		bad("hang", "compare sample-interval 1ns", m("--sample-interval"), "compare", "--trace", "trace.csv", "--report", "r.html", "--sample-interval", "1ns"),
	)

	// ---- resources: memory stays bounded on long runs.
	longTrace := withFile("long.csv", "at,op,pod\n0,add,a\n2592000,del,a\n") // 30 days
	add(
		setup(ok("resource", "openmetrics on a 30-day run", m("o.om"), "run", "--trace", "long.csv", "--openmetrics-file", "o.om", "--sample-interval", "1s"), longTrace),
		setup(ok("resource", "report on a 30-day run", m("r.html"), "run", "--trace", "long.csv", "--report", "r.html", "--sample-interval", "1ms"), longTrace),
		setup(ok("resource", "compare report on a 30-day run", m("r.html"), "compare", "--trace", "long.csv", "--policies", "vpc-cni", "--report", "r.html", "--sample-interval", "1ms"), longTrace),
		setup(ok("resource", "cluster series on a long drain", m("s.csv"), "run", "--scenario", "c.scn", "--drain", "720h", "--series", "s.csv", "--sample-every", "1ms"), longTrace),
		scn("group of a million nodes", scnHead+"subnet: n 10.0.0.0/16\ngroup: g type=m5.large count=1000000 subnets=n\nworkload: gen churn\n", 4, "1000000 nodes"),
		scn("autoscale of a million nodes", scnHead+"subnet: n 10.0.0.0/16\ngroup: g type=m5.large count=1 autoscale-max=1000000 subnets=n\nworkload: gen churn\n", 4, "1000000 nodes"),
		bad("resource", "subnet /8", m("--subnet"), tr("--subnet", "10.0.0.0/8")...),
		bad("resource", "subnet /0", m("--subnet"), tr("--subnet", "0.0.0.0/0")...),
		scn("subnet /8", scnHead+"subnet: n 10.0.0.0/8\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "subnet"),
		scn("daemonset pods huge", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n daemonset-pods=100000000000\nworkload: gen churn\n", 4, "daemonset-pods"),
		scn("autoscale-max huge", scnHead+"subnet: n 10.0.0.0/16\ngroup: g type=m5.large count=1 subnets=n autoscale-max=99999999999999999999\nworkload: gen churn\n", 4, "autoscale-max"),
		scn("foreign-every huge", scnHead+"subnet: n 10.0.0.0/24 foreign-every=99999999999999999999\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "foreign-every"),
	)

	// ---- silently wrong: refused with the flag or line named.
	add(
		bad("silent", "drain 2562047h", m("--drain"), tr("--drain", "2562047h")...),
		bad("silent", "compare drain 2562047h", m("--drain"), "compare", "--trace", "trace.csv", "--drain", "2562047h"),
		bad("silent", "sweep drain 2562047h", m("--drain"), "sweep", "--scenario", "s.scn", "--drain", "2562047h"),
		bad("silent", "drain negative", m("--drain"), tr("--drain", "-1s")...),
		bad("silent", "cooldown wraps", m("IP_COOLDOWN_PERIOD"), tr("--set", "IP_COOLDOWN_PERIOD=9223372037")...),
		bad("silent", "cooldown max int", m("IP_COOLDOWN_PERIOD"), tr("--set", "IP_COOLDOWN_PERIOD=9223372036854775807")...),
		bad("silent", "cooldown 1001h", m("IP_COOLDOWN_PERIOD"), tr("--set", "IP_COOLDOWN_PERIOD=3603600")...),
		setup(bad("silent", "env cooldown wraps", m("w.env:1", "IP_COOLDOWN_PERIOD"), tr("--env-file", "w.env")...), withFile("w.env", "IP_COOLDOWN_PERIOD=9223372037\n")),
		bad("silent", "subnet host bits", m("--subnet", "10.0.0.1/16"), tr("--subnet", "10.0.0.1/16")...),
		bad("silent", "subnet IPv6", m("--subnet"), tr("--subnet", "fd00::/64")...),
		scn("subnet host bits", scnHead+"subnet: n 10.0.0.1/24\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "10.0.0.1/24"),
		scn("reserve host bits", scnHead+"subnet: n 10.0.0.0/24 reserve=10.0.0.17/28\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "reserve"),
		scn("overlapping subnets", scnHead+"subnet: a 10.0.0.0/24\nsubnet: b 10.0.0.128/25\ngroup: g type=m5.large count=1 subnets=a,b\nworkload: gen churn\n", 4, "overlaps"),
		scn("same subnet twice", scnHead+"subnet: a 10.0.0.0/24\nsubnet: b 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=a,b\nworkload: gen churn\n", 4, "overlaps"),
		scn("overlapping reserves", scnHead+"subnet: a 10.0.0.0/24 reserve=10.0.0.0/26 reserve=10.0.0.16/28\ngroup: g type=m5.large count=1 subnets=a\nworkload: gen churn\n", 3, "reserve"),
		bad("silent", "enis 0", m("--enis"), tr("--enis", "0")...),
		bad("silent", "ipv4-per-eni 0", m("--ipv4-per-eni"), tr("--ipv4-per-eni", "0")...),
		bad("silent", "max-pods 0", m("--max-pods"), tr("--max-pods", "0")...),
		bad("silent", "enis -1", m("--enis"), tr("--enis", "-1")...),
		bad("silent", "ipv4-per-eni 1", m("--ipv4-per-eni"), tr("--ipv4-per-eni", "1")...),
		bad("silent", "sweep max-pods 0", m("--max-pods"), "sweep", "--scenario", "s.scn", "--max-pods", "0"),
		bad("silent", "cluster enis 0", m("--enis"), "run", "--scenario", "c.scn", "--enis", "0"),
		setup(bad("silent", "recommend from negative p99", m("neg.json", "p99"), "recommend", "--from", "neg.json", "--max-p99-wait", "1s"), negativeP99),
		setup(bad("silent", "sweep merge negative p99", m("neg.json", "p99"), "sweep", "merge", "neg.json"), negativeP99),
		bad("silent", "compare empty policy item", m("--policies"), "compare", "--trace", "trace.csv", "--policies", "vpc-cni,"),
		bad("silent", "compare only commas", m("--policies"), "compare", "--trace", "trace.csv", "--policies", ",,"),
		bad("silent", "sweep empty policy item", m("--policies"), "sweep", "--scenario", "s.scn", "--policies", "vpc-cni,"),
		setup(bad("silent", "pod with unbalanced quote", m("q.csv:2", "pod"), "run", "--trace", "q.csv"), withFile("q.csv", "at,op,pod\n0,add,\"a\n1,add,b\n")),
		bad("silent", "kubelet-jitter NaN", m("--kubelet-jitter"), tr("--kubelet-jitter", "NaN")...),
		bad("silent", "kubelet-jitter Inf", m("--kubelet-jitter"), tr("--kubelet-jitter", "Inf")...),
		bad("silent", "kubelet-jitter -Inf", m("--kubelet-jitter"), tr("--kubelet-jitter", "-Inf")...),
		bad("silent", "kubelet-jitter 11", m("--kubelet-jitter"), tr("--kubelet-jitter", "11")...),
		bad("silent", "speed Inf", m("--speed"), tr("--metrics-addr", "127.0.0.1:0", "--speed", "+Inf")...),
		bad("silent", "speed negative", m("--speed"), tr("--metrics-addr", "127.0.0.1:0", "--speed", "-1")...),
		bad("silent", "exit-after negative", m("--exit-after"), tr("--metrics-addr", "127.0.0.1:0", "--exit-after", "-1s")...),
		bad("silent", "speed without metrics-addr", m("--speed"), tr("--speed", "2")...),
		bad("silent", "ec2 calls per hour NaN", m("--max-ec2-calls-per-hour"), "recommend", "--from", "sweep.json", "--max-p99-wait", "1s", "--max-ec2-calls-per-hour", "NaN"),
		bad("silent", "ec2 calls per hour Inf", m("--max-ec2-calls-per-hour"), "recommend", "--from", "sweep.json", "--max-p99-wait", "1s", "--max-ec2-calls-per-hour", "+Inf"),
		bad("silent", "ec2 calls per hour 0", m("--max-ec2-calls-per-hour"), "recommend", "--from", "sweep.json", "--max-p99-wait", "1s", "--max-ec2-calls-per-hour", "0"),
		bad("silent", "max-p99-wait negative", m("--max-p99-wait"), "recommend", "--from", "sweep.json", "--max-p99-wait", "-1s"),
		bad("silent", "max-p99-wait overflow", m("--max-p99-wait"), "recommend", "--from", "sweep.json", "--max-p99-wait", "9999999999h"),
		bad("silent", "sweep repetitions 0", m("--repetitions"), "sweep", "--scenario", "s.scn", "--repetitions", "0"),
		bad("silent", "sweep workers 0", m("--workers"), "sweep", "--scenario", "s.scn", "--workers", "0"),
		bad("silent", "sweep shard 1/1", m("--shard"), "sweep", "--scenario", "s.scn", "--shard", "1/1"),
		bad("silent", "sweep shard 0/0", m("--shard"), "sweep", "--scenario", "s.scn", "--shard", "0/0"),
		bad("silent", "sweep shard negative", m("--shard"), "sweep", "--scenario", "s.scn", "--shard", "-1/2"),
		bad("silent", "sweep shard-count 0", m("--shard-count"), "sweep", "--scenario", "s.scn", "--shard-count", "0"),
		bad("silent", "sweep grid with set", m("--grid"), "sweep", "--scenario", "s.scn", "--grid", "WARM_IP_TARGET=1,2", "--set", "WARM_IP_TARGET=3"),
		bad("silent", "maxpods max-eni negative", m("--max-eni"), "maxpods", "--max-eni", "-1"),
		bad("silent", "maxpods cap negative", m("--max-pods-cap"), "maxpods", "--max-pods-cap", "-1"),
		bad("silent", "convert grace negative", m("--grace-period"), "trace", "convert", "--from", "k8s-audit", "--grace-period", "-1s", "trace.csv"),
		bad("silent", "convert grace on csv", m("--grace-period"), "trace", "convert", "--from", "csv", "--grace-period", "1s", "trace.csv"),
		bad("silent", "gen rate NaN", m("--rate"), "trace", "gen", "churn", "--rate", "NaN"),
		bad("silent", "gen rate negative", m("--rate"), "trace", "gen", "churn", "--rate", "-1"),
		bad("silent", "gen replicas negative", m("--replicas"), "trace", "gen", "deploy", "--replicas", "-1"),
		bad("silent", "gen sigma Inf", m("--lifetime-sigma"), "trace", "gen", "churn", "--lifetime-dist", "lognormal", "--lifetime-sigma", "Inf"),
		bad("silent", "gen format json", m("--format"), "trace", "gen", "churn", "--format", "json"),
		bad("silent", "sample-every with a node", m("--sample-every"), tr("--sample-every", "1s")...),
		bad("silent", "series with a node", m("--series"), tr("--series", "s.csv")...),
		bad("silent", "policy-set without policy", m("--policy-set"), tr("--policy-set", "a=1")...),
		bad("silent", "strict entrypoint refusal", m("--strict-entrypoint"), tr("--strict-entrypoint", "--set", "ENABLE_PREFIX_DELEGATION=true")...),
		bad("silent", "IPv6 mode", m("ENABLE_IPv6"), tr("--set", "ENABLE_IPv6=true")...),
		bad("silent", "setting typo", m("WARM_IP_TARGT", "did you mean"), tr("--set", "WARM_IP_TARGT=2")...),
		bad("silent", "setting not a number", m("WARM_IP_TARGET"), tr("--set", "WARM_IP_TARGET=two")...),
		bad("silent", "setting float", m("WARM_IP_TARGET"), tr("--set", "WARM_IP_TARGET=1.5")...),
		bad("silent", "setting bool garbage", m("ENABLE_PREFIX_DELEGATION"), tr("--set", "ENABLE_PREFIX_DELEGATION=maybe")...),
		bad("silent", "instance type with enis only", m("x9.huge"), tr("--instance-type", "x9.huge", "--enis", "3")...),
	)
	for _, v := range []string{"-1", "9223372037", "3603601"} {
		add(bad("silent", "cooldown in grid "+v, m("--grid"), "sweep", "--scenario", "s.scn", "--grid", "IP_COOLDOWN_PERIOD=1,"+v))
	}
	for _, kv := range []string{"WARM_ENI_TARGET=2147483648", "MAX_ENI=2147483648", "WARM_IP_TARGET=99999999999999999999"} {
		key, _, _ := strings.Cut(kv, "=")
		add(bad("silent", "setting out of range "+kv, m(key), tr("--set", kv)...))
	}

	// ---- outputs: one writer for every command.
	type outFlag struct {
		name string
		args []string // the command, ready for the output flag
		flag string
		in   string // an input file of the command
	}
	outs := []outFlag{
		{"run timeline", tr(), "--timeline", "trace.csv"},
		{"run metrics-file", tr(), "--metrics-file", "trace.csv"},
		{"run openmetrics-file", tr(), "--openmetrics-file", "trace.csv"},
		{"run report", tr(), "--report", "trace.csv"},
		{"run pods", tr(), "--pods", "trace.csv"},
		{"run series", run("--scenario", "c.scn"), "--series", "c.scn"},
		{"run scenario metrics-file", run("--scenario", "s.scn", "--variant", "wip"), "--metrics-file", "s.scn"},
		{"compare out", []string{"compare", "--trace", "trace.csv", "--policies", "vpc-cni"}, "--out", "trace.csv"},
		{"compare report", []string{"compare", "--trace", "trace.csv", "--policies", "vpc-cni"}, "--report", "trace.csv"},
		{"sweep out-json", []string{"sweep", "--scenario", "s.scn", "--workers", "1"}, "--out-json", "s.scn"},
		{"sweep out-csv", []string{"sweep", "--scenario", "s.scn", "--workers", "1"}, "--out-csv", "s.scn"},
		{"sweep report", []string{"sweep", "--scenario", "s.scn", "--workers", "1"}, "--report", "s.scn"},
		{"sweep trace out-json", []string{"sweep", "--trace", "trace.csv", "--workers", "1"}, "--out-json", "trace.csv"},
		{"merge out-json", []string{"sweep", "merge", "sweep.json"}, "--out-json", "sweep.json"},
		{"merge out-csv", []string{"sweep", "merge", "sweep.json"}, "--out-csv", "sweep.json"},
		{"merge report", []string{"sweep", "merge", "sweep.json"}, "--report", "sweep.json"},
		{"recommend report", []string{"recommend", "--from", "sweep.json", "--max-p99-wait", "1h"}, "--report", "sweep.json"},
		{"recommend out-json", []string{"recommend", "--scenario", "s.scn", "--max-p99-wait", "1h", "--workers", "1"}, "--out-json", "s.scn"},
		{"convert", []string{"trace", "convert", "trace.csv"}, "-o", "trace.csv"},
		{"gen", []string{"trace", "gen", "churn", "--duration", "1m"}, "-o", ""},
		{"run env-file", tr("--env-file", "node.env"), "--timeline", "node.env"},
		{"plan report", []string{"plan", "--instance-types", "m5.large", "--trace", "trace.csv", "--subnet", "10.0.0.0/24"}, "--report", "trace.csv"},
	}
	for _, o := range outs {
		with := func(v string) []string { return append(append([]string{}, o.args...), o.flag, v) }
		add(
			bad("output", o.name+" is a directory", m(o.flag, "adir", "directory"), with("adir")...),
			bad("output", o.name+" in a missing directory", m(o.flag, "nodir/x.out", "does not exist"), with("nodir/x.out")...),
			setup(bad("output", o.name+" is a FIFO", m(o.flag, "fifo", "not a regular file"), with("fifo")...), withFIFO("fifo")),
			setup(bad("output", o.name+" is a device", m(o.flag, "dev", "not a regular file"), with("dev")...), withDevNull("dev")),
			setup(bad("output", o.name+" through a symlink to a directory", m(o.flag, "dlink"), with("dlink")...), withSymlink("dlink", "adir")),
		)
		if o.in != "" {
			add(bad("output", o.name+" equals input", m(o.flag, o.in, "input"), with(o.in)...))
			add(bad("output", o.name+" equals input as ./", m(o.flag, "input"), with("./"+o.in)...))
			add(setup(bad("output", o.name+" is a symlink to input", m(o.flag, "input"), with("inlink")...), withSymlink("inlink", o.in)))
			add(setup(bad("output", o.name+" is a hard link to input", m(o.flag, "input"), with("hard")...), withHardLink("hard", o.in)))
		}
		switch {
		case o.flag == "-o" || o.name == "compare out":
			// Documented: - is standard output.
			add(ok("output", o.name+" is - (stdout)", nil, with("-")...))
		default:
			add(bad("output", o.name+" is -", m(o.flag), with("-")...))
		}
	}
	add(
		bad("output", "run two outputs on one path", m("--metrics-file", "x.out"), tr("--timeline", "x.out", "--metrics-file", "x.out")...),
		bad("output", "run report and openmetrics on one path", m("--openmetrics-file", "x.out"), tr("--report", "x.out", "--openmetrics-file", "x.out")...),
		bad("output", "compare out and report on one path", m("x.out"), "compare", "--trace", "trace.csv", "--policies", "vpc-cni", "--out", "x.out", "--report", "x.out"),
		bad("output", "sweep json and csv on one path", m("x.out"), "sweep", "--scenario", "s.scn", "--out-json", "x.out", "--out-csv", "x.out"),
		bad("output", "merge json and report on one path", m("x.out"), "sweep", "merge", "--out-json", "x.out", "--report", "x.out", "sweep.json"),
		bad("output", "merge output is a shard", m("sweep.json", "input"), "sweep", "merge", "--out-csv", "x.csv", "--out-json", "sweep.json", "sweep.json"),
		bad("output", "timeline equals scenario's trace", m("--timeline", "trace.csv", "input"), "run", "--scenario", "s.scn", "--variant", "wip", "--timeline", "trace.csv"),
		bad("output", "timeline equals env file", m("--timeline", "node.env", "input"), tr("--env-file", "node.env", "--timeline", "node.env")...),
		bad("output", "gen is - only with -o", m("-o"), "trace", "gen", "churn", "-o", ""),
		setup(bad("output", "failed run writes nothing", m("badtail.csv:4"), "run", "--trace", "badtail.csv", "--timeline", "t.csv", "--metrics-file", "m.prom", "--report", "r.html", "--openmetrics-file", "o.om"),
			withFile("badtail.csv", "at,op,pod\n0,add,a\n1,add,b\n2,del,zz\n")),
		setup(bad("output", "failed variant writes nothing", m("badtail.csv"), "compare", "--trace", "badtail.csv", "--out", "o.txt", "--report", "r.html"),
			withFile("badtail.csv", "at,op,pod\n0,add,a\n1,add,b\n2,del,zz\n")),
		setup(bad("output", "failed convert writes nothing", m("badtail.csv:4"), "trace", "convert", "badtail.csv", "-o", "o.csv"),
			withFile("badtail.csv", "at,op,pod\n0,add,a\n1,add,b\n1,add\n")),
		setup(bad("output", "cluster failure writes nothing", m("cn.csv"), "run", "--scenario", "cn.scn", "--series", "s.csv", "--metrics-file", "m.prom"),
			all(withFile("cn.csv", "at,op,pod,node\n0,add,a,nope\n"),
				withFile("cn.scn", "name: cn\nquestion: q?\nsubnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n\nworkload: trace cn.csv\n"))),
	)

	// ---- unclear errors: the message names the input at fault.
	add(
		setup(bad("unclear", "scenario trace deletes unknown pod", m("del.csv:3"), "run", "--scenario", "d.scn"),
			all(withFile("del.csv", "at,op,pod\n0,add,a\n1,del,zz\n"),
				withFile("d.scn", "name: d\nquestion: q?\ninstance-type: m5.large\nworkload: trace del.csv\n"))),
		setup(bad("unclear", "cluster trace unknown node", m("cn.csv:2", "node"), "run", "--scenario", "cn.scn"),
			all(withFile("cn.csv", "at,op,pod,node\n0,add,a,nope\n"),
				withFile("cn.scn", "name: cn\nquestion: q?\nsubnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n\nworkload: trace cn.csv\n"))),
		bad("unclear", "trace is a directory", m("--trace", "adir", "directory"), "run", "--trace", "adir"),
		bad("unclear", "compare trace is a directory", m("--trace", "adir", "directory"), "compare", "--trace", "adir"),
		bad("unclear", "sweep trace is a directory", m("--trace", "adir", "directory"), "sweep", "--trace", "adir"),
		bad("unclear", "convert a directory", m("adir", "directory"), "trace", "convert", "adir"),
		bad("unclear", "missing trace", m("--trace", "nope.csv"), "run", "--trace", "nope.csv"),
		bad("unclear", "missing scenario", m("nope.scn"), "run", "--scenario", "nope.scn"),
		bad("unclear", "missing env file", m("--env-file", "nope.env"), tr("--env-file", "nope.env")...),
		bad("unclear", "env file is a directory", m("--env-file", "adir"), tr("--env-file", "adir")...),
		setup(bad("unclear", "env file unknown key", m("u.env:2", "WARM_IP_TARGT"), tr("--env-file", "u.env")...), withFile("u.env", "# c\nWARM_IP_TARGT=1\n")),
		setup(bad("unclear", "env file not KEY=VALUE", m("u.env:1"), tr("--env-file", "u.env")...), withFile("u.env", "WARM_IP_TARGET\n")),
		setup(bad("unclear", "env file binary", m("u.env"), tr("--env-file", "u.env")...), withFile("u.env", "\x00\x01\x02=\xff\n")),
		bad("unclear", "missing sweep json", m("nope.json"), "sweep", "merge", "nope.json"),
		setup(bad("unclear", "sweep json garbage", m("g.json"), "recommend", "--from", "g.json", "--max-p99-wait", "1s"), withFile("g.json", "{\"format\": 7}")),
		bad("unclear", "recommend without objective", m("--max-p99-wait"), "recommend", "--from", "sweep.json"),
		setup(bad("unclear", "trace bad header", m("h.csv:1"), "run", "--trace", "h.csv"), withFile("h.csv", "when,what,who\n0,add,a\n")),
		setup(bad("unclear", "trace decreasing time", m("d.csv:3", "at"), "run", "--trace", "d.csv"), withFile("d.csv", "at,op,pod\n5,add,a\n1,add,b\n")),
		setup(bad("unclear", "trace NaN time", m("n.csv:2", "at"), "run", "--trace", "n.csv"), withFile("n.csv", "at,op,pod\nNaN,add,a\n")),
		setup(bad("unclear", "trace Inf time", m("n.csv:2", "at"), "run", "--trace", "n.csv"), withFile("n.csv", "at,op,pod\nInf,add,a\n")),
		setup(bad("unclear", "trace negative time", m("n.csv:2", "at"), "run", "--trace", "n.csv"), withFile("n.csv", "at,op,pod\n-1,add,a\n")),
		setup(bad("unclear", "trace add twice", m("n.csv:3"), "run", "--trace", "n.csv"), withFile("n.csv", "at,op,pod\n0,add,a\n1,add,a\n")),
		setup(bad("unclear", "trace unknown op", m("n.csv:2", "op"), "run", "--trace", "n.csv"), withFile("n.csv", "at,op,pod\n0,create,a\n")),
		setup(bad("unclear", "trace line too long", m("n.csv:2"), "run", "--trace", "n.csv"), withFile("n.csv", "at,op,pod\n0,add,"+strings.Repeat("a", 70000)+"\n")),
		setup(bad("unclear", "jsonl bad", m("n.jsonl:1"), "run", "--trace", "n.jsonl"), withFile("n.jsonl", "{\"at\": \"x\", \"op\": \"add\", \"pod\": \"a\"}\n")),
		setup(bad("unclear", "audit garbage", m("a.log"), "trace", "convert", "--from", "k8s-audit", "a.log"), withFile("a.log", "{\"kind\":\"Event\"\n")),
		setup(bad("unclear", "sweep trace bad", m("n.csv:2"), "sweep", "--trace", "n.csv", "--workers", "1"), withFile("n.csv", "at,op,pod\nx,add,a\n")),
		setup(bad("unclear", "compare trace bad", m("n.csv:2"), "compare", "--trace", "n.csv"), withFile("n.csv", "at,op,pod\nx,add,a\n")),
	)
	// Scenario files: every error names file:line and the key.
	add(
		scn("empty", "", 1, "name"),
		scn("only a BOM", "\ufeff", 1, "name"),
		scn("unknown key", scnHead+"colour: blue\n", 3, "colour"),
		scn("no colon", scnHead+"instance-type m5.large\n", 3, ""),
		scn("duplicate name", scnHead+"name: g\n", 3, "name"),
		scn("missing value", scnHead+"instance-type:\n", 3, "instance-type"),
		scn("bad name", "name: F!\n", 1, "name"),
		scn("max-pods 0", scnHead+"instance-type: m5.large\nmax-pods: 0\nworkload: gen churn\n", 4, "max-pods"),
		scn("max-pods negative", scnHead+"instance-type: m5.large\nmax-pods: -3\nworkload: gen churn\n", 4, "max-pods"),
		scn("ec2 unknown", scnHead+"instance-type: m5.large\nec2: fast\nworkload: gen churn\n", 4, "ec2"),
		scn("drain 0", scnHead+"instance-type: m5.large\ndrain: 0s\nworkload: gen churn\n", 4, "drain"),
		scn("drain huge", scnHead+"instance-type: m5.large\ndrain: 2562047h\nworkload: gen churn\n", 4, "drain"),
		scn("set unknown", scnHead+"instance-type: m5.large\nset: WARM=1\nworkload: gen churn\n", 4, "WARM"),
		scn("set cooldown wraps", scnHead+"instance-type: m5.large\nset: IP_COOLDOWN_PERIOD=9223372037\nworkload: gen churn\n", 4, "IP_COOLDOWN_PERIOD"),
		scn("set not KEY=VALUE", scnHead+"instance-type: m5.large\nset: WARM_IP_TARGET\nworkload: gen churn\n", 4, "set"),
		scn("workload unknown", scnHead+"instance-type: m5.large\nworkload: make pods\n", 4, "workload"),
		scn("workload gen unknown kind", scnHead+"instance-type: m5.large\nworkload: gen nope\n", 4, "workload"),
		scn("workload gen bad flag", scnHead+"instance-type: m5.large\nworkload: gen churn --rate x\n", 4, "--rate"),
		scn("workload gen NaN", scnHead+"instance-type: m5.large\nworkload: gen churn --rate NaN\n", 4, "--rate"),
		scn("workload gen output flag", scnHead+"instance-type: m5.large\nworkload: gen churn -o x.csv\n", 4, "workload"),
		scn("workload missing trace", scnHead+"instance-type: m5.large\nworkload: trace nope.csv\n", 4, "nope.csv"),
		scn("workload trace directory", scnHead+"instance-type: m5.large\nworkload: trace adir\n", 4, "adir"),
		scn("variant base", scnHead+"instance-type: m5.large\nworkload: gen churn\nvariant: base WARM_IP_TARGET=1\n", 5, "variant"),
		scn("variant twice", scnHead+"instance-type: m5.large\nworkload: gen churn\nvariant: v WARM_IP_TARGET=1\nvariant: v WARM_IP_TARGET=2\n", 6, "variant"),
		scn("variant sets nothing", scnHead+"instance-type: m5.large\nworkload: gen churn\nvariant: v\n", 5, "variant"),
		scn("variant bad setting", scnHead+"instance-type: m5.large\nworkload: gen churn\nvariant: v WARM_IP_TARGET=x\n", 5, "variant"),
		scn("variant cooldown wraps", scnHead+"instance-type: m5.large\nworkload: gen churn\nvariant: v IP_COOLDOWN_PERIOD=9223372037\n", 5, "IP_COOLDOWN_PERIOD"),
		scn("placement without cluster", scnHead+"instance-type: m5.large\nplacement: round-robin\nworkload: gen churn\n", 4, "placement"),
		scn("placement unknown", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n\nplacement: random\nworkload: gen churn\n", 5, "placement"),
		scn("subnet /33", scnHead+"subnet: n 10.0.0.0/33\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "subnet"),
		scn("subnet /29", scnHead+"subnet: n 10.0.0.0/29\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "subnet"),
		scn("subnet IPv6", scnHead+"subnet: n fd00::/64\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "subnet"),
		scn("subnet bad name", scnHead+"subnet: N! 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "subnet"),
		scn("subnet twice", scnHead+"subnet: n 10.0.0.0/24\nsubnet: n 10.0.1.0/24\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 4, "subnet"),
		scn("subnet unknown option", scnHead+"subnet: n 10.0.0.0/24 colour=red\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "colour"),
		scn("reserve outside", scnHead+"subnet: n 10.0.0.0/24 reserve=10.0.1.0/28\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "reserve"),
		scn("foreign-every 1", scnHead+"subnet: n 10.0.0.0/24 foreign-every=1\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "foreign-every"),
		scn("cni with value", scnHead+"subnet: n 10.0.0.0/24 cni=yes\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "cni"),
		scn("group unknown subnet", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=m\nworkload: gen churn\n", 4, "\"m\""),
		scn("group unknown pod subnet", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n pod-subnet=m\nworkload: gen churn\n", 4, "\"m\""),
		scn("group unknown type", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m99.huge count=1 subnets=n\nworkload: gen churn\n", 4, "m99.huge"),
		scn("group count negative", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=-1 subnets=n\nworkload: gen churn\n", 4, "count"),
		scn("group count 0", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=0 subnets=n\nworkload: gen churn\n", 4, "count=0"),
		scn("group without type", scnHead+"subnet: n 10.0.0.0/24\ngroup: g count=1 subnets=n\nworkload: gen churn\n", 4, "type="),
		scn("group without subnets", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1\nworkload: gen churn\n", 4, "subnets="),
		scn("group twice", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 5, "group"),
		scn("group option twice", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 count=2 subnets=n\nworkload: gen churn\n", 4, "count"),
		scn("group unknown option", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n colour=red\nworkload: gen churn\n", 4, "colour"),
		scn("group max-pods 0", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n max-pods=0\nworkload: gen churn\n", 4, "max-pods"),
		scn("group max-pods huge", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n max-pods=100000000000\nworkload: gen churn\n", 4, "max-pods"),
		scn("group join negative", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n join=-1s\nworkload: gen churn\n", 4, "join"),
		scn("group leave huge", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n leave=2562047h\nworkload: gen churn\n", 4, "leave"),
		scn("group boot-delay huge", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 autoscale-max=2 subnets=n boot-delay=2562047h\nworkload: gen churn\n", 4, "boot-delay"),
		scn("group autoscale below count", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=3 autoscale-max=2 subnets=n\nworkload: gen churn\n", 4, "autoscale-max"),
		scn("group set unknown", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n set=WARM=1\nworkload: gen churn\n", 4, "WARM"),
		scn("group set cooldown wraps", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n set=IP_COOLDOWN_PERIOD=9223372037\nworkload: gen churn\n", 4, "IP_COOLDOWN_PERIOD"),
		scn("group empty subnet item", scnHead+"subnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n,\nworkload: gen churn\n", 4, "subnets"),
		scn("cluster with instance-type", scnHead+"instance-type: m5.large\nsubnet: n 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=n\nworkload: gen churn\n", 3, "instance-type"),
		scn("cluster without group", scnHead+"subnet: n 10.0.0.0/24\nworkload: gen churn\n", 1, "group"),
		scn("group beyond subnets", scnHead+"subnet: n 10.0.0.0/28\ngroup: g type=m5.large count=17 subnets=n\nworkload: gen churn\n", 4, "17 nodes"),
	)
	// Sweep grids.
	for _, g := range []string{"=5", "WARM_IP_TARGET=", "WARM_IP_TARGET=1..", "WARM_IP_TARGET=..5", "WARM_IP_TARGET=5..1",
		"WARM_IP_TARGET=1..5:0", "WARM_IP_TARGET=1..5:-1", "ENABLE_PREFIX_DELEGATION=1..2", "WARM_IP_TARGET=1,,2",
		"WARM_IP_TARGET=1,1", "NOPE=1", "WARM_IP_TARGET=x", "WARM_IP_TARGET=1..99999999999999999999", "WARM_IP_TARGET=1.5",
		"WARM_IP_TARGET=NaN", "WARM_IP_TARGET=0..2000000", "ENABLE_PREFIX_DELEGATION=true,1"} {
		add(bad("silent", "sweep grid "+g, m("--grid"), "sweep", "--scenario", "s.scn", "--grid", g))
	}
	for _, flag := range []string{"--instance-types", "--orders", "--policies"} {
		add(bad("silent", "sweep "+flag+" duplicate", m(flag), "sweep", "--scenario", "s.scn", flag, map[string]string{
			"--instance-types": "m5.large,m5.large", "--orders": "first-fit,first-fit", "--policies": "static,static"}[flag]))
		add(bad("silent", "sweep "+flag+" unknown", m(flag), "sweep", "--scenario", "s.scn", flag, "nope"))
	}
	// Every numeric flag, given a value that is not a number of its kind.
	numeric := []struct {
		args []string
		flag string
	}{
		{tr(), "--enis"}, {tr(), "--ipv4-per-eni"}, {tr(), "--max-pods"}, {tr(), "--seed"}, {tr(), "--drain"},
		{tr(), "--kubelet-jitter"}, {tr("--report", "r.html"), "--sample-interval"}, {run("--scenario", "c.scn"), "--sample-every"},
		{tr("--metrics-addr", "127.0.0.1:0"), "--speed"}, {tr("--metrics-addr", "127.0.0.1:0"), "--exit-after"},
		{[]string{"compare", "--trace", "trace.csv"}, "--seed"}, {[]string{"compare", "--trace", "trace.csv"}, "--drain"},
		{[]string{"compare", "--trace", "trace.csv", "--report", "r.html"}, "--sample-interval"},
		{[]string{"sweep", "--scenario", "s.scn"}, "--repetitions"}, {[]string{"sweep", "--scenario", "s.scn"}, "--workers"},
		{[]string{"sweep", "--scenario", "s.scn"}, "--max-pods"}, {[]string{"sweep", "--scenario", "s.scn"}, "--seed"},
		{[]string{"sweep", "--scenario", "s.scn"}, "--drain"}, {[]string{"sweep", "--scenario", "s.scn"}, "--shard-count"},
		{[]string{"sweep", "--scenario", "s.scn"}, "--max-p99-wait"},
		{[]string{"recommend", "--from", "sweep.json", "--max-p99-wait", "1s"}, "--max-ec2-calls-per-hour"},
		{[]string{"maxpods"}, "--max-eni"}, {[]string{"maxpods"}, "--max-pods-cap"},
		{[]string{"trace", "convert", "--from", "k8s-audit", "trace.csv"}, "--grace-period"},
		{[]string{"trace", "gen", "churn"}, "--rate"}, {[]string{"trace", "gen", "churn"}, "--start-pods"},
		{[]string{"trace", "gen", "churn"}, "--seed"}, {[]string{"trace", "gen", "deploy"}, "--replicas"},
		{[]string{"trace", "gen", "cronjob"}, "--pods-per-run"}, {[]string{"trace", "gen", "diurnal"}, "--min-pods"},
		{[]string{"trace", "gen", "cl2"}, "--nodes"}, {[]string{"trace", "gen", "rolling"}, "--max-surge"},
	}
	for _, n := range numeric {
		for _, v := range []string{"x", "1e999"} {
			args := append(append([]string{}, n.args...), n.flag, v)
			add(bad("silent", fmt.Sprintf("%s %s %s", n.args[0], n.flag, v), m(n.flag), args...))
		}
	}
	return cs
}

// negativeP99 writes neg.json: the probe's sweep.json with a p99 made
// negative by hand.
func negativeP99(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "sweep.json"))
	if err != nil {
		t.Fatal(err)
	}
	p99 := regexp.MustCompile(`"wait_p99_seconds": [0-9.eE+-]+`)
	if !p99.Match(b) {
		t.Fatalf("sweep.json has no wait_p99_seconds:\n%s", b)
	}
	b = p99.ReplaceAll(b, []byte(`"wait_p99_seconds": -5`))
	if err := os.WriteFile(filepath.Join(dir, "neg.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func withDevNull(name string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		// A character device like /dev/null (1, 3), made in the case's own
		// directory so that a writer that renames over it harms nothing.
		if err := syscall.Mknod(filepath.Join(dir, name), syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
			t.Skipf("cannot make a device node here: %v", err)
		}
	}
}

func withHardLink(name, target string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		if err := os.Link(filepath.Join(dir, target), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}
