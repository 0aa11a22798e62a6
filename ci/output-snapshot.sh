#!/usr/bin/env bash
# output-snapshot.sh BIN DIR: write the outputs of BIN that the reports and the
# Prometheus exporters produce into DIR, so that two builds can be compared byte for byte
# (diff -r DIR1 DIR2), e.g. before and after a refactoring that must not change them:
#   - every single-node shipped scenario and variant: --report, --metrics-file,
#     --openmetrics-file, --timeline and -o json;
#   - a cluster scenario: --metrics-file (one series per node) and --series;
#   - sweeps: with an objective (recommendation and runner-up), with several policies,
#     without an objective, and recommend --from;
#   - compare: the default scenario and a trace, with --report;
#   - the live endpoint: the final state a --metrics-addr run serves.
# Everything listens on 127.0.0.1 only; the live run is stopped on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "$1")
OUT=$2
mkdir -p "$OUT"
cd "$OUT"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; true' EXIT

run() { # NAME ARGS...: the run's stdout and stderr under NAME
	local name=$1
	shift
	"$BIN" "$@" >"$name.out" 2>"$name.err" || echo "exit $?" >>"$name.err"
}

for sc in default churn-cooldown cronjob-spike prefix-delegation rolling-update scale-burst warm-eni-waste; do
	variants=$("$BIN" scenarios show "$sc" | sed -nE 's/^variant: ([^ ]+).*/\1/p')
	for v in base $variants; do
		n=$sc.$v
		run "$n" run --scenario "$sc" --variant "$v" --report "$n.html" --metrics-file "$n.prom" \
			--openmetrics-file "$n.om" --timeline "$n.csv" -o json
	done
done
run trace run --trace "$ROOT/scenarios/testdata/traces/basic.csv" --report trace.html --sample-interval 5s

run cluster run --scenario pd-fragmented-subnet --metrics-file cluster.prom --series cluster-series.csv

run sweep sweep --grid WARM_IP_TARGET=0..3 --ec2 zero --max-p99-wait 60s --report sweep.html --out-json sweep.json
run sweep-policies sweep --policies vpc-cni,cilium-eni,terway,static --grid WARM_IP_TARGET=0..2 --ec2 zero --max-p99-wait 15s \
	--report sweep-policies.html
run sweep-plain sweep --scenario scale-burst --grid WARM_IP_TARGET=0..3 --grid MINIMUM_IP_TARGET=0,10 --repetitions 2 --report sweep-plain.html
run recommend recommend --from sweep.json --max-p99-wait 30s --report recommend.html

run compare compare --report compare.html
run compare-burst compare --scenario scale-burst --policies vpc-cni,static,calico --report compare-burst.html --sample-interval 5s

# The live endpoint's final state.
"$BIN" run --metrics-addr 127.0.0.1:0 --speed 0 --exit-after 30s >live.out 2>live.err &
pid=$!
url=
for _ in $(seq 300); do
	url=$(sed -nE 's|.*serving (http://[^ ]+/metrics).*|\1|p' live.err | head -1)
	[ -n "$url" ] && grep -q "run finished" live.err && break
	sleep 0.1
done
python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$url" >live.prom
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=
sed -i -E 's|127\.0\.0\.1:[0-9]+|127.0.0.1:PORT|' live.err
echo "output-snapshot: $(ls | wc -l) files in $OUT"
