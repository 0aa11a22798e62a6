#!/usr/bin/env bash
# Visual checks (make visual-check), on the default scenario:
#   a. `promtool check metrics` on --metrics-file and on a live scrape: every finding must
#      be one of ci/promlint-exceptions.txt (aws-node's own names); ipamsim_ names are clean;
#   b. `promtool tsdb create-blocks-from openmetrics` on the --openmetrics-file backfill, whose
#      series names must be those of the metrics file;
#   c. a real Prometheus server on loopback scrapes a live `ipamsim run --metrics-addr` at 60x
#      until its HTTP API answers awscni_total_ip_addresses with a sample;
#   d. headless Chromium renders the --report page: a non-trivial screenshot
#      (artifacts/report.png, git-ignored), no console errors, the SVGs in the DOM and the
#      hover script run to its end;
#   e. headless Chromium renders a sweep's --report page (WARM_IP_TARGET=0..3, --ec2 zero):
#      a non-trivial screenshot (artifacts/sweep-report.png), no console errors, the frontier
#      chart and the recommendation in the DOM.
# A missing tool skips its check with a message; with CI=true it is a failure. Everything
# listens on 127.0.0.1 only, every wait is bounded and every process started here is
# stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
CI=${CI:-false}
EXCEPTIONS=ci/promlint-exceptions.txt
ARTIFACTS=${ARTIFACTS:-artifacts}

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

failed=0
skipped=0
say() { echo "visual-check: $*"; }
fail() {
	say "FAIL: $*"
	failed=1
}
# missing TOOL CHECK: skip CHECK locally, fail it in CI.
missing() {
	if [ "$CI" = true ]; then
		fail "$2: $1 not found (required when CI=true)"
	else
		say "SKIP $2: $1 not found (install it, e.g. apt-get install prometheus chromium)"
		skipped=$((skipped + 1))
	fi
}
have() { command -v "$1" >/dev/null 2>&1; }

# fetch URL: the body on stdout (curl, or python3's urllib).
fetch() {
	if have curl; then
		curl -fsS --max-time 5 "$1"
	else
		python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1"
	fi
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# metric_names: the sample names of a Prometheus text exposition on stdin.
metric_names() { grep -v '^#' | sed -E '/^$/d; s/[{ ].*//' | sort -u; }

IPAMSIM=${IPAMSIM:-}
if [ -z "$IPAMSIM" ]; then
	IPAMSIM=$work/ipamsim
	go build -o "$IPAMSIM" ./cmd/ipamsim
fi

# One run of the default scenario gives the metrics file, the backfill and the report.
"$IPAMSIM" run --metrics-file "$work/run.prom" --openmetrics-file "$work/run.om" --report "$work/report.html" >"$work/summary.txt"
say "default scenario: $(grep -c . "$work/run.prom") metric lines, $(grep -c . "$work/run.om") backfill lines, report $(wc -c <"$work/report.html") bytes"

# lint FILE LABEL: promtool check metrics, less the listed exceptions.
lint() {
	local out rc=0
	out=$(promtool check metrics <"$1" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then # 3: lint findings
		fail "$2: promtool check metrics exited $rc: $out"
		return
	fi
	local allowed unexpected
	allowed=$(grep -v -e '^#' -e '^$' "$EXCEPTIONS" | awk -F ' [|] ' '$1 !~ /^ipamsim_/ { print $1 " " $2 }')
	unexpected=$(printf '%s\n' "$out" | sed '/^$/d' | grep -vxF -f <(printf '%s\n' "$allowed") || true)
	if [ -n "$unexpected" ]; then
		fail "$2: promtool check metrics findings not in $EXCEPTIONS:"
		printf '  %s\n' "$unexpected"
	else
		say "ok   a. promtool check metrics on $2: $(printf '%s\n' "$out" | grep -c . || true) findings, all listed exceptions"
	fi
}

# a. Lint.
if have promtool; then
	lint "$work/run.prom" "--metrics-file"
else
	missing promtool "a. promtool check metrics"
fi

# b. Backfill.
if have promtool; then
	if promtool tsdb create-blocks-from openmetrics "$work/run.om" "$work/tsdb" >"$work/backfill.log" 2>&1; then
		blocks=$(find "$work/tsdb" -mindepth 1 -maxdepth 1 -type d | grep -cE '/[0-9A-Z]{26}$' || true)
		mkdir -p "$work/tsdb/wal" # promtool 2.42's dump wants one
		promtool tsdb dump "$work/tsdb" 2>/dev/null | sed -nE 's/^\{__name__="([^"]*)".*/\1/p' | sort -u >"$work/backfill.names"
		metric_names <"$work/run.prom" >"$work/file.names"
		notin=$(comm -23 "$work/file.names" "$work/backfill.names")
		if [ "$blocks" -lt 1 ]; then
			fail "b. promtool made no block: $(cat "$work/backfill.log")"
		elif [ -n "$notin" ]; then
			fail "b. series of --metrics-file missing from the backfill (renamed?): $notin"
		else
			say "ok   b. promtool tsdb create-blocks-from openmetrics: $blocks block(s), $(wc -l <"$work/backfill.names") series names, the metrics file's among them"
		fi
	else
		fail "b. promtool tsdb create-blocks-from openmetrics failed:"
		sed 's/^/  /' "$work/backfill.log"
	fi
else
	missing promtool "b. backfill"
fi

# c. A real Prometheus scraping a live run.
if have prometheus && have python3; then
	"$IPAMSIM" run --metrics-addr 127.0.0.1:0 --speed 60 --exit-after 60s >"$work/live.out" 2>"$work/live.err" &
	live_pid=$!
	pids+=("$live_pid")
	target=
	for _ in $(seq 100); do # up to 10 s for the bind
		target=$(sed -nE 's|.*serving http://([^/]+)/metrics.*|\1|p' "$work/live.err" | head -1)
		[ -n "$target" ] && break
		kill -0 "$live_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$target" ]; then
		fail "c. ipamsim run --metrics-addr did not start: $(cat "$work/live.err")"
	else
		port=$(free_port)
		cat >"$work/prometheus.yml" <<-EOF
			global:
			  scrape_interval: 1s
			  evaluation_interval: 1s
			scrape_configs:
			  - job_name: ipamsim
			    static_configs:
			      - targets: ["$target"]
		EOF
		prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
			--web.listen-address="127.0.0.1:$port" --log.level=warn >"$work/prometheus.log" 2>&1 &
		prom_pid=$!
		pids+=("$prom_pid")
		api="http://127.0.0.1:$port/api/v1/query?query=awscni_total_ip_addresses"
		answer=
		for _ in $(seq 90); do # up to about 90 s
			if ! kill -0 "$prom_pid" 2>/dev/null; then
				break
			fi
			answer=$(fetch "$api" 2>/dev/null || true)
			if printf '%s' "$answer" | grep -q '"result":\[{'; then
				break
			fi
			answer=
			sleep 1
		done
		if [ -z "$answer" ]; then
			fail "c. Prometheus on 127.0.0.1:$port returned no sample of awscni_total_ip_addresses; its log:"
			tail -20 "$work/prometheus.log" | sed 's/^/  /'
		else
			say "ok   c. Prometheus scraped the live run at $target: $(printf '%s' "$answer" | head -c 200)"
			# The live exposition: lint it, and its series are the backfill's.
			if fetch "http://$target/metrics" >"$work/live.prom" 2>/dev/null; then
				if have promtool; then
					lint "$work/live.prom" "the live /metrics"
				fi
				if [ -s "$work/backfill.names" ]; then
					notin=$(metric_names <"$work/live.prom" | comm -23 - "$work/backfill.names")
					if [ -n "$notin" ]; then
						fail "c. live series missing from the backfill: $notin"
					else
						say "ok   c. the live scrape's series names are all in the backfill"
					fi
				fi
			else
				fail "c. could not fetch http://$target/metrics"
			fi
		fi
		kill "$prom_pid" 2>/dev/null || true
		wait "$prom_pid" 2>/dev/null || true
	fi
	kill "$live_pid" 2>/dev/null || true # SIGTERM: ipamsim finishes the run unpaced and exits
	wait "$live_pid" 2>/dev/null || true
else
	have prometheus || missing prometheus "c. live Prometheus scrape"
	have prometheus && missing python3 "c. live Prometheus scrape"
fi

# d. The report in headless Chromium.
chrome=
for c in chromium chromium-browser google-chrome; do
	if have "$c"; then
		chrome=$c
		break
	fi
done
if [ -n "$chrome" ]; then
	mkdir -p "$ARTIFACTS"
	shot=$ARTIFACTS/report.png
	rm -f "$shot"
	flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-quic --no-first-run
		--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars)
	url=file://$work/report.html
	timeout 120 "$chrome" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$work")" --screenshot="$shot" \
		--window-size=1400,2400 --enable-logging=stderr --v=0 "$url" >"$work/chrome.log" 2>&1 || true
	timeout 120 "$chrome" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$work")" --dump-dom "$url" \
		>"$work/dom.html" 2>"$work/chrome-dom.log" || true
	size=$(wc -c <"$shot" 2>/dev/null || echo 0)
	svgs=$(grep -o '<svg' "$work/dom.html" | wc -l)
	errors=$(grep -hiE 'uncaught|CONSOLE.*error' "$work/chrome.log" "$work/chrome-dom.log" || true)
	if [ "$size" -lt 50000 ]; then
		fail "d. screenshot $shot is $size bytes (want > 50000); chromium said: $(tail -5 "$work/chrome.log")"
	elif [ -n "$errors" ]; then
		fail "d. console errors in the report: $errors"
	elif [ "$svgs" -lt 5 ] || ! grep -q 'data-hover="ready"' "$work/dom.html" || ! grep -q 'At a glance' "$work/dom.html"; then
		fail "d. the rendered DOM has $svgs SVGs, or the hover script did not run to its end"
	else
		say "ok   d. $chrome rendered the report: $shot ($size bytes), $svgs SVGs, no console errors"
	fi

	# e. A sweep's report: a small grid on the default scenario, with an objective that
	# gives a recommendation and a runner-up.
	shot=$ARTIFACTS/sweep-report.png
	rm -f "$shot"
	if "$IPAMSIM" sweep --grid WARM_IP_TARGET=0..3 --ec2 zero --max-p99-wait 60s --report "$work/sweep.html" >"$work/sweep.txt" 2>"$work/sweep.err"; then
		url=file://$work/sweep.html
		timeout 120 "$chrome" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$work")" --screenshot="$shot" \
			--window-size=1400,2000 --enable-logging=stderr --v=0 "$url" >"$work/chrome-sweep.log" 2>&1 || true
		timeout 120 "$chrome" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$work")" --dump-dom "$url" \
			>"$work/sweep-dom.html" 2>"$work/chrome-sweep-dom.log" || true
		size=$(wc -c <"$shot" 2>/dev/null || echo 0)
		svgs=$(grep -o '<svg' "$work/sweep-dom.html" | wc -l)
		errors=$(grep -hiE 'uncaught|CONSOLE.*error' "$work/chrome-sweep.log" "$work/chrome-sweep-dom.log" || true)
		if [ "$size" -lt 50000 ]; then
			fail "e. screenshot $shot is $size bytes (want > 50000); chromium said: $(tail -5 "$work/chrome-sweep.log")"
		elif [ -n "$errors" ]; then
			fail "e. console errors in the sweep report: $errors"
		elif [ "$svgs" -lt 1 ] || ! grep -q 'Pareto frontier' "$work/sweep-dom.html" || ! grep -q 'class="bestring"' "$work/sweep-dom.html" ||
			! grep -q 'recommended: WARM_IP_TARGET=' "$work/sweep-dom.html"; then
			fail "e. the rendered sweep report has $svgs SVGs, or lacks the frontier or the recommended point"
		else
			say "ok   e. $chrome rendered the sweep report: $shot ($size bytes), $svgs SVG, no console errors"
		fi
	else
		fail "e. ipamsim sweep --report failed: $(cat "$work/sweep.err")"
	fi
else
	missing chromium "d. report rendering"
	missing chromium "e. sweep report rendering"
fi

if [ "$failed" -ne 0 ]; then
	say "FAILED"
	exit 1
fi
if [ "$skipped" -gt 0 ]; then
	say "passed, $skipped check(s) skipped"
else
	say "all checks passed"
fi
