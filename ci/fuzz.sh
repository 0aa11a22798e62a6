#!/usr/bin/env bash
# Runs every fuzz target of the module (every func FuzzX in a _test.go file)
# for FUZZTIME each (default 6s): with the targets there are, about four
# minutes. A failure stops at once, with the input that failed saved under
# the package's testdata/fuzz/ for go test to replay.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-6s}
n=0
start=$(date +%s)
while IFS=: read -r file name; do
	pkg=./$(dirname "$file")
	echo "fuzz: $pkg $name ($FUZZTIME)"
	"$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" > /tmp/ipamsim-fuzz.$$ 2>&1 || {
		cat /tmp/ipamsim-fuzz.$$
		rm -f /tmp/ipamsim-fuzz.$$
		echo "fuzz: $pkg $name FAILED"
		exit 1
	}
	n=$((n + 1))
done < <(grep -rhoE --include='*_test.go' -H '^func (Fuzz[A-Za-z0-9_]+)\(' . | sed -E 's/^\.\/(.*):func (Fuzz[A-Za-z0-9_]+)\(/\1:\2/' | sort)
rm -f /tmp/ipamsim-fuzz.$$
echo "fuzz: $n targets passed, $(( $(date +%s) - start ))s"
