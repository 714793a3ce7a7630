# Map snapshots for tests of the command's errors (sourced).  The caller defines
# pass/fail and sets PIN (the pin directory) and SNAPSHOT_MAPS (the maps that
# hold what it configures).

# snapshot [DIR]: the entries of every map in SNAPSHOT_MAPS, for before/after
# comparisons.  Sorted: a hash map dumps a bucket's entries newest first, so a key
# deleted and put back (a rollback) may come out in another order with nothing changed.
# bpftool -j prints a map's entries as a list on one line; other lines (errors) stay.
snapshot() {
	local dir=${1:-$PIN} m
	for m in $SNAPSHOT_MAPS; do
		echo "== $m"
		bpftool -j map dump pinned "$dir/$m" 2>&1
	done | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        entries = json.loads(line)
    except ValueError:
        entries = None
    if not isinstance(entries, list):
        print(line, end="")
        continue
    for e in sorted(json.dumps(e, sort_keys=True) for e in entries):
        print(e)'
}

# expect_error NAME PATTERN CMD...: CMD fails, its message says PATTERN (case
# insensitive), and the maps are as they were.
expect_error() {
	local name=$1 pat=$2 before after out rc
	shift 2
	before=$(snapshot)
	out=$("$@" 2>&1); rc=$?
	after=$(snapshot)
	if [ $rc -eq 0 ]; then fail "$name" "exit status 0 (output: $out)"
	elif ! grep -qi -- "$pat" <<<"$out"; then fail "$name" "message lacks '$pat': $out"
	elif [ "$before" != "$after" ]; then
		fail "$name" "maps changed: $(diff <(echo "$before") <(echo "$after") | head -5)"
	else pass "$name"; fi
}
