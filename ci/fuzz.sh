#!/usr/bin/env bash
# Runs every fuzz target of the module (every func FuzzX in a _test.go file)
# for FUZZTIME each (default 6s): with the targets there are, about four
# minutes. A failure stops at once, with the input that failed saved under
# the package's testdata/fuzz/ for go test to replay (Go 1.26's bare deadline
# race at the end of -fuzztime, which writes no input, is retried once).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-6s}
n=0
start=$(date +%s)
while IFS=: read -r file name; do
	pkg=./$(dirname "$file")
	echo "fuzz: $pkg $name ($FUZZTIME)"
	for attempt in 1 2; do
		if "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" > /tmp/ipamsim-fuzz.$$ 2>&1; then
			break
		fi
		# Go 1.26's fuzzing coordinator can report a bare "context deadline
		# exceeded" when -fuzztime ends while a worker is mid-call (a race
		# fixed in Go 1.27: go.dev/issue/75804). That, with no failing input
		# written, is retried once; anything else fails at once.
		if [ "$attempt" = 1 ] && grep -q 'context deadline exceeded' /tmp/ipamsim-fuzz.$$ &&
			! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' /tmp/ipamsim-fuzz.$$; then
			echo "fuzz: $pkg $name: the coordinator's deadline race (go.dev/issue/75804), no failing input: once more"
			continue
		fi
		cat /tmp/ipamsim-fuzz.$$
		rm -f /tmp/ipamsim-fuzz.$$
		echo "fuzz: $pkg $name FAILED"
		exit 1
	done
	n=$((n + 1))
done < <(grep -rhoE --include='*_test.go' -H '^func (Fuzz[A-Za-z0-9_]+)\(' . | sed -E 's/^\.\/(.*):func (Fuzz[A-Za-z0-9_]+)\(/\1:\2/' | sort)
rm -f /tmp/ipamsim-fuzz.$$
echo "fuzz: $n targets passed, $(( $(date +%s) - start ))s"
