# Map snapshots for tests of the command's errors (sourced).  The caller defines
# pass/fail and sets PIN (the pin directory) and SNAPSHOT_MAPS (the maps that
# hold what it configures).

# snapshot [DIR]: the entries of every map in SNAPSHOT_MAPS, for before/after
# comparisons, as tests/tools/mapsnap.c prints them: sorted (a rollback that deletes a
# key and puts it back may reorder a hash map's dump with nothing changed), an
# array's zero entries counted, a Maglev table's inner map by id and content digest.
snapshot() {
	"$top/build/tests/mapsnap" "${1:-$PIN}" $SNAPSHOT_MAPS 2>&1
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
