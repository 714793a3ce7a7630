#!/usr/bin/env bash
# The command line as a user meets it (issue 10): help generated from the one table of
# commands (user/commands.c), errors that name the cause and `sctplb help CMD`, --version,
# the man page checked both ways against the table (`sctplb help --list`), the bash
# completion, and `make install`/`uninstall` into a temporary DESTDIR with the installed
# command run from there.  Needs no network namespace; the one map-writing case uses a pin
# dir of its own.  Prints PASS/FAIL lines; exits non-zero on a failure.
# SCTPLB=path overrides the binary (default build/sctplb).
set -u
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$top"
SCTPLB=${SCTPLB:-$top/build/sctplb}
MAN=docs/sctplb.8
COMP=contrib/bash-completion/sctplb
PIN=/sys/fs/bpf/sctplb-clitest-$$-$RANDOM
PINU=$PIN-unit
NS=sctplbcli$$-$RANDOM
TMP=$(mktemp -d /tmp/sctplb-clitest-$$.XXXX)
failed=0

cleanup() {
	if [ -e "/run/netns/$NS" ]; then
		for i in va vc; do nsenter --net="/run/netns/$NS" "$SCTPLB" --pin-path "$PINU" detach $i >/dev/null 2>&1; done
		ip netns del "$NS"
	fi
	rm -rf "$PIN" "$PINU" "$TMP"
}
trap cleanup EXIT INT TERM

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
# expect_usage_error NAME PATTERN ARGS...: exit status 2, PATTERN and "sctplb help" on stderr.
expect_usage_error() {
	local name=$1 pat=$2 out rc
	shift 2
	out=$("$SCTPLB" --pin-path "$PIN" "$@" 2>&1 >/dev/null); rc=$?
	if [ $rc -ne 2 ]; then fail "$name" "exit status $rc (want 2): $out"
	elif ! grep -qF -- "$pat" <<<"$out"; then fail "$name" "message lacks '$pat': $out"
	elif ! grep -q "sctplb help" <<<"$out"; then fail "$name" "no 'sctplb help' in: $out"
	else pass "$name"; fi
}

[ -x "$SCTPLB" ] || { echo "FAIL setup: $SCTPLB not built (make)"; exit 1; }
"$SCTPLB" help --list >"$TMP/list" || { echo "FAIL setup: sctplb help --list"; exit 1; }
mapfile -t CMDS < <(awk -F'\t' '$1 == "command" { print $2 }' "$TMP/list")
mapfile -t GLOBALS < <(awk -F'\t' '$1 == "global" { print $3 }' "$TMP/list")
[ ${#CMDS[@]} -ge 20 ] && [ ${#GLOBALS[@]} -ge 5 ] && pass "table_listed (${#CMDS[@]} commands, ${#GLOBALS[@]} global options)" ||
	fail table_listed "${#CMDS[@]} commands, ${#GLOBALS[@]} global options"
opts_of() { awk -F'\t' -v c="$1" '$1 == "option" && $2 == c { print $3 }' "$TMP/list"; }
# usage_of CMD: the usage line, as the command's help prints it (asked once per command:
# the man page checks below look a command up by its usage line many times).
declare -A USAGE
for c in "${CMDS[@]}"; do USAGE[$c]=$("$SCTPLB" help $c | sed -n '1s/^Usage: sctplb //p'); done
usage_of() { echo "${USAGE[$1]}"; }

# ---- help: from the table, for every command ----
"$SCTPLB" help >"$TMP/help" 2>&1; rc=$?
missing=
for c in "${CMDS[@]}"; do
	grep -qF "  $(usage_of "$c")" "$TMP/help" || missing+=" [$c]"
done
[ $rc = 0 ] && [ -z "$missing" ] && pass help_lists_every_command || fail help_lists_every_command "rc $rc, missing:$missing"
for o in "${GLOBALS[@]}"; do grep -qF -- "$o" "$TMP/help" || missing+=" $o"; done
[ -z "$missing" ] && pass help_lists_global_options || fail help_lists_global_options "missing:$missing"
bad=
for c in "${CMDS[@]}"; do
	h1=$("$SCTPLB" help $c 2>&1) || { bad+=" [help $c: exit $?]"; continue; }
	h2=$("$SCTPLB" $c --help 2>&1) || { bad+=" [$c --help: exit $?]"; continue; }
	[ "$h1" = "$h2" ] || bad+=" [$c: help and --help differ]"
	head -1 <<<"$h1" | grep -q "^Usage: sctplb $c" || bad+=" [$c: no usage line]"
	for o in $(opts_of "$c"); do grep -qF -- "$o" <<<"$h1" || bad+=" [$c: $o not in its help]"; done
done
[ -z "$bad" ] && pass "help_of_each_command (help CMD = CMD --help, every option)" || fail help_of_each_command "$bad"
"$SCTPLB" help apply | grep -q -- "--dry-run" && pass help_apply_dry_run || fail help_apply_dry_run "apply --dry-run missing from its help"
out=$("$SCTPLB" help service) && grep -q "service add" <<<"$out" && grep -q "service del" <<<"$out" &&
	grep -q "service list" <<<"$out" && ! grep -q "backend add" <<<"$out" && pass help_group || fail help_group "$out"
out=$("$SCTPLB" service list --pin-path /x --help) && head -1 <<<"$out" | grep -q "^Usage: sctplb service list" &&
	pass help_flag_anywhere || fail help_flag_anywhere "$out"
out=$("$SCTPLB" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && grep -q "^Usage: sctplb" <<<"$out" && pass no_command_usage || fail no_command_usage "rc $rc: $out"

# ---- errors on the command line: cause named, exit 2, where to look ----
expect_usage_error err_unknown_command "unknown command 'frobnicate'" frobnicate
expect_usage_error err_unknown_subcommand "unknown 'service frob'" service frob
expect_usage_error err_missing_subcommand "'backend' needs one of add, drain, undrain, del, list" backend
expect_usage_error err_unknown_option "unknown option '--colour' for 'service add'" service add s --vip 192.0.2.1 --port 1 --colour red
expect_usage_error err_missing_argument "service add needs NAME" service add --vip 192.0.2.1 --port 1
expect_usage_error err_missing_required_option "--port PORT is required" service add s --vip 192.0.2.1
expect_usage_error err_option_needs_value "option --vip needs a value" service add s --port 1 --vip
expect_usage_error err_flag_with_value "option --dry-run takes no value" apply f --dry-run=yes
expect_usage_error err_extra_argument "unexpected argument 'extra'" service list extra
expect_usage_error err_help_unknown "no command 'frob'" help frob
[ ! -e "$PIN" ] && pass usage_errors_change_nothing || fail usage_errors_change_nothing "$PIN was created"

# ---- errors from the library: one message, printed once; libbpf's by level ----
# (ulimit -n 12: creating the maps runs out of descriptors, so libbpf warns and fails)
out=$("$SCTPLB" --pin-path "$TMP/nobpffs" service add s --vip 192.0.2.1 --port 1 2>&1); rc=$?
[ $rc = 1 ] && [ "$(grep -c '^Error:' <<<"$out")" = 1 ] && grep -q "^Error: no bpf filesystem" <<<"$out" &&
	pass err_library_printed_once || fail err_library_printed_once "rc $rc: $out"
out=$(ulimit -n 12; "$SCTPLB" --pin-path "$PIN" service add s --vip 192.0.2.1 --port 1 2>&1); rc=$?
rm -rf "$PIN"
[ $rc = 1 ] && grep -q "^libbpf: .*Too many open files" <<<"$out" && [ "$(grep -c '^Error:' <<<"$out")" = 1 ] &&
	grep -q "^Error: cannot create the maps under $PIN: Too many open files" <<<"$out" &&
	pass libbpf_warnings_shown || fail libbpf_warnings_shown "rc $rc: $out"
out=$(ulimit -n 12; "$SCTPLB" --quiet --pin-path "$PIN" service add s --vip 192.0.2.1 --port 1 2>&1); rc=$?
rm -rf "$PIN"
[ $rc = 1 ] && ! grep -q "libbpf" <<<"$out" && grep -q "^Error: cannot create the maps" <<<"$out" &&
	pass libbpf_warnings_quiet || fail libbpf_warnings_quiet "rc $rc: $out"
out=$("$SCTPLB" --pin-path "$PIN" service add s --vip 192.0.2.1 --port 1 2>&1) &&
	! grep -q libbpf <<<"$out" && out=$("$SCTPLB" -v --pin-path "$PIN" service add t --vip 192.0.2.2 --port 1 2>&1) &&
	grep -q "^libbpf: " <<<"$out" && pass libbpf_info_with_verbose || fail libbpf_info_with_verbose "$out"
out=$(SCTPLB_FAIL_AFTER=1 "$SCTPLB" --pin-path "$PIN" service add u --vip 192.0.2.3 --port 1 2>&1); rc=$?
[ $rc = 1 ] && [ "$(grep -c '^Error:' <<<"$out")" = 1 ] && grep -q "rolled back" <<<"$out" &&
	pass err_commit_printed_once || fail err_commit_printed_once "rc $rc: $out"
rm -rf "$PIN"

# ---- table sizes: --max-assocs, --max-clients (when the maps are created) ----
# max_entries NAME: the pinned map's, as bpftool reads it.
max_entries() { bpftool -j map show pinned "$PIN/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_entries"])'; }
sets_for() { echo $((($1 * 20 / 17 + 15) / 16)); }   # SCTPLB_CLIENT_SETS
"$SCTPLB" --pin-path "$PIN" --max-assocs 4096 service add s --vip 192.0.2.1 --port 1 >/dev/null &&
	a=$(max_entries assocs) && c=$(max_entries client_index) &&
	[ "$a" = 4096 ] && [ "$c" = "$(sets_for 4096)" ] &&
	pass sizes_clients_follow_assocs || fail sizes_clients_follow_assocs "assocs $a, client_index $c sets (want 4096, $(sets_for 4096))"
rm -rf "$PIN"
"$SCTPLB" --pin-path "$PIN" --max-assocs 4096 --max-clients 8192 service add s --vip 192.0.2.1 --port 1 >/dev/null &&
	a=$(max_entries assocs) && c=$(max_entries client_index) &&
	[ "$a" = 4096 ] && [ "$c" = "$(sets_for 8192)" ] &&
	pass sizes_max_clients || fail sizes_max_clients "assocs $a, client_index $c sets (want 4096, $(sets_for 8192))"
out=$("$SCTPLB" --pin-path "$PIN" --max-clients 16384 --max-assocs 2048 service add t --vip 192.0.2.2 --port 1 2>&1); rc=$?
a=$(max_entries assocs); c=$(max_entries client_index)
[ $rc = 0 ] && grep -q "^Warning: --max-clients 16384 not applied: client_index under $PIN exists" <<<"$out" &&
	grep -q "^Warning: --max-assocs 2048 not applied: assocs under $PIN exists" <<<"$out" &&
	[ "$a" = 4096 ] && [ "$c" = "$(sets_for 8192)" ] &&
	pass sizes_not_applied_said || fail sizes_not_applied_said "rc $rc, assocs $a, client_index $c: $out"
out=$("$SCTPLB" --pin-path "$PIN" --max-clients 8192 service list 2>&1) && ! grep -q Warning <<<"$out" &&
	pass sizes_same_quiet || fail sizes_same_quiet "$out"
rm -rf "$PIN"
for bad in 1023 134217729 x; do
	out=$("$SCTPLB" --pin-path "$PIN" --max-clients $bad service add s --vip 192.0.2.1 --port 1 2>&1); rc=$?
	[ $rc = 2 ] && grep -q "^Error: --max-clients needs a number from 1024 to 134217728" <<<"$out" &&
		[ ! -e "$PIN" ] || { fail "err_max_clients_$bad" "rc $rc, $PIN $([ -e "$PIN" ] && echo created): $out"; continue; }
	pass "err_max_clients_$bad"
done

# ---- version (of a binary built from this tree, as make test does) ----
want=$(git describe --always --dirty 2>/dev/null)
abi=$(awk '/define SCTPLB_ABI_VERSION/{print $3}' include/sctplb.h)
v1=$("$SCTPLB" --version) && v2=$("$SCTPLB" version) && v3=$("$SCTPLB" -V)
[ "$v1" = "sctplb $want (BPF ABI version $abi)" ] && [ "$v1" = "$v2" ] && [ "$v1" = "$v3" ] &&
	pass "version ($v1)" || fail version "'$v1' / '$v2' / '$v3', want git describe '$want', ABI $abi (a binary older than the tree? make)"
"$SCTPLB" --json version | python3 -c "
import json,sys; o=json.load(sys.stdin); assert o['version']=='$want' and o['abi_version']==$abi, o" 2>/dev/null &&
	pass version_json || fail version_json "$("$SCTPLB" --json version)"

# ---- the man page: renders cleanly, and says what the table says, both ways ----
out=$(groff -man -ww -z "$MAN" 2>&1) && [ -z "$out" ] && pass man_groff_no_warnings || fail man_groff_no_warnings "$out"
out=$(man --warnings -l "$MAN" 2>&1 >/dev/null) && [ -z "$out" ] && pass man_renders || fail man_renders "$out"
groff -man -Tascii -rLL=300n -P-cbou "$MAN" 2>/dev/null >"$TMP/man.txt"
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
	grep -q "^$s\$" "$TMP/man.txt" || fail man_sections "no section $s"
done
pass man_sections
# In COMMANDS, a heading (3 spaces) that is not a group (capitalised) is a command's usage
# line; option entries (14 spaces, "--") belong to the heading above them.
awk '/^COMMANDS$/ { on = 1; next } /^[A-Z]/ { on = 0 }
     on && /^   [a-z]/ { sub(/^   /, ""); cmd = $0; print "command\t" cmd }
     on && /^              --/ { sub(/^ +/, ""); split($0, w, " "); print "option\t" cmd "\t" w[1] }' \
	"$TMP/man.txt" >"$TMP/man.cmds"
bad=
for c in "${CMDS[@]}"; do
	u=$(usage_of "$c")
	grep -qxF "command	$u" "$TMP/man.cmds" || bad+=" [no entry '$u']"
	for o in $(opts_of "$c"); do grep -qxF "option	$u	$o" "$TMP/man.cmds" || bad+=" [$c: $o]"; done
done
[ -z "$bad" ] && pass man_has_every_command_and_option || fail man_has_every_command_and_option "$bad"
bad=
while IFS=$'\t' read -r kind u o; do
	c=$(for x in "${CMDS[@]}"; do [ "${USAGE[$x]}" = "$u" ] && echo "$x"; done)
	if [ -z "$c" ]; then bad+=" [man's '$u' is no command]"
	elif [ "$kind" = option ] && ! opts_of "$c" | grep -qxF -- "$o"; then bad+=" [man's $c $o is no option]"; fi
done <"$TMP/man.cmds"
[ -z "$bad" ] && pass man_has_nothing_else || fail man_has_nothing_else "$bad"
# OPTIONS: the global options, both ways.
# An entry's tag: its first words that start with "-" ("-v, --verbose"; "--json" and its text).
awk '/^OPTIONS$/ { on = 1; next } /^[A-Z]/ { on = 0 }
     on && /^       -/ { for (i = 1; i <= NF && $i ~ /^-/; i++) { sub(/,$/, "", $i); if ($i ~ /^--/) print $i } }' \
	"$TMP/man.txt" | sort >"$TMP/man.globals"
printf '%s\n' "${GLOBALS[@]}" | sort >"$TMP/globals"
diff "$TMP/globals" "$TMP/man.globals" >/dev/null && pass man_global_options ||
	fail man_global_options "$(diff "$TMP/globals" "$TMP/man.globals" | tr '\n' ' ')"

# ---- bash completion ----
# complete_words WORDS...: COMPREPLY of _sctplb for the line (the last word is the one completed).
complete_words() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _sctplb
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$@"
}
first=$(complete_words "$SCTPLB" "" | sort -u | tr '\n' ' ')
want=$(printf '%s\n' "${CMDS[@]}" | awk '{ print $1 }' | sort -u | tr '\n' ' ')
[ "$first" = "$want" ] && pass "completion_commands ($first)" || fail completion_commands "got '$first', want '$want'"
bad=
for c in "${CMDS[@]}"; do
	set -- $c
	if [ $# -gt 1 ]; then
		complete_words "$SCTPLB" "$1" "" | grep -qxF "$2" || bad+=" [$c]"
	fi
	args=$(awk -F'\t' -v c="$c" '$1 == "arg" && $2 == c { printf "x " }' "$TMP/list")
	got=$(complete_words "$SCTPLB" $c $args --)
	for o in $(opts_of "$c"); do grep -qxF -- "$o" <<<"$got" || bad+=" [$c $o]"; done
	grep -qxF -- --pin-path <<<"$got" || bad+=" [$c --pin-path]"
done
[ -z "$bad" ] && pass completion_subcommands_and_options || fail completion_subcommands_and_options "$bad"
got=$(complete_words "$SCTPLB" --pin-path /x config unknown-vtag "" | tr '\n' ' ')
[ "$got" = "drop pass hash " ] && pass completion_values || fail completion_values "got '$got'"
got=$(complete_words "$SCTPLB" attach lo --xdp-mode "" | sort | tr '\n' ' ')
[ "$got" = "auto generic native " ] && pass completion_option_values || fail completion_option_values "got '$got'"

# ---- make install / uninstall into a DESTDIR, and the installed command ----
D=$TMP/root
out=$(make -s --no-print-directory install DESTDIR="$D" 2>&1) || fail install "$out"
S=$D/usr/local/sbin/sctplb
ok=1
for f in "$S" "$D/usr/local/share/man/man8/sctplb.8" "$D/usr/local/share/bash-completion/completions/sctplb" \
	"$D/usr/local/lib/systemd/system/sctplb.service" "$D/usr/local/lib/systemd/system/sctplb-gc.service" \
	"$D/usr/local/lib/systemd/system/sctplb-agent-gc.service" \
	"$D/usr/local/lib/systemd/system/sctplb-metrics.service"; do
	[ -f "$f" ] || { ok=0; fail install_files "missing $f"; }
done
[ $ok = 1 ] && pass install_files
[ "$("$S" --version)" = "$("$SCTPLB" --version)" ] && "$S" help >/dev/null && pass installed_version_and_help ||
	fail installed_version_and_help "$("$S" --version 2>&1)"
out=$("$S" --pin-path "$PIN" service add clitest --vip 192.0.2.77 --port 3868 2>&1) &&
	"$S" --pin-path "$PIN" --json service list | python3 -c "
import json,sys; s=json.load(sys.stdin); assert [x['name'] for x in s] == ['clitest'], s" 2>/dev/null &&
	pass installed_service_add || fail installed_service_add "$out"
rm -rf "$PIN"
out=$(man --warnings -l "$D/usr/local/share/man/man8/sctplb.8" 2>&1 >/dev/null) && [ -z "$out" ] &&
	man -l "$D/usr/local/share/man/man8/sctplb.8" 2>/dev/null | grep -q "service add" && pass installed_man || fail installed_man "$out"
got=$(bash -c 'source "$1"; COMP_WORDS=("$2" serv); COMP_CWORD=1; _sctplb; echo "${COMPREPLY[*]}"' _ \
	"$D/usr/local/share/bash-completion/completions/sctplb" "$S")
[ "$got" = service ] && pass installed_completion || fail installed_completion "got '$got'"
bad=$(grep -h '^Exec' "$D"/usr/local/lib/systemd/system/*.service | grep -o '/[^ ]*sbin/sctplb' | sort -u)
[ "$bad" = /usr/local/sbin/sctplb ] && pass installed_units_name_the_command || fail installed_units_name_the_command "$bad"
if command -v systemd-analyze >/dev/null; then
	# The command is not at its installed path outside DESTDIR: only that may be missing.
	out=$(systemd-analyze --man=no verify "$D"/usr/local/lib/systemd/system/sctplb.service \
		"$D"/usr/local/lib/systemd/system/sctplb-gc.service \
		"$D"/usr/local/lib/systemd/system/sctplb-agent-gc.service \
		"$D"/usr/local/lib/systemd/system/sctplb-metrics.service 2>&1 | grep -v "not executable: No such file")
	[ -z "$out" ] && pass units_verify || fail units_verify "$out"
fi
# sctplb.service, run as systemd would run it (continuation lines joined, an empty $VAR
# word dropped, $$ a literal $), the command at its DESTDIR path, in a namespace of the
# test's own with two veths: va for clients (XDP), vc toward the backends (--return).
unit=$D/usr/local/lib/systemd/system/sctplb.service
run_unit() {
	local line
	while IFS= read -r line; do
		line=${line//\$\$/\$}
		line=${line//\/usr\/local\/sbin\/sctplb/$S}
		nsenter --net="/run/netns/$NS" env SCTPLB_INTERFACES=va SCTPLB_TC_INTERFACES= \
			SCTPLB_RETURN_INTERFACES=vc SCTPLB_OPTIONS="--pin-path $PINU" \
			SCTPLB_CONFIG="$top/examples/sctplb.json" bash -c 'eval "$1"' _ "$line" || return 1
	done < <(sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' "$unit" | sed -n "s/^$1=//p")
}
attached() {
	nsenter --net="/run/netns/$NS" "$SCTPLB" --pin-path "$PINU" --json status | python3 -c "
import json,sys; print(' '.join(sorted(a['ifname'] + ':' + a['hook'] for a in json.load(sys.stdin)['attachments'])))"
}
if ip netns add "$NS"; then
	ip -n "$NS" link add va type veth peer name vb && ip -n "$NS" link add vc type veth peer name vd
	for i in va vb vc vd; do ip -n "$NS" link set $i up; done
	out=$(run_unit ExecStart 2>&1); rc=$?
	svcs=$("$SCTPLB" --pin-path "$PINU" --json service list | python3 -c "
import json,sys; print(' '.join(sorted(s['name'] for s in json.load(sys.stdin))))" 2>&1)
	st=$(attached 2>&1)
	[ $rc = 0 ] && [ "$svcs" = "diameter s1ap" ] && [ "$st" = "va:tc va:xdp vc:return" ] &&
		pass "unit_start_applies_and_attaches ($st)" || fail unit_start_applies_and_attaches "rc $rc, services '$svcs', attached '$st': $out"
	out=$(run_unit ExecReload 2>&1); rc=$?
	[ $rc = 0 ] && grep -q "no change" <<<"$out" && grep -q "replaced on va" <<<"$out" && [ "$(attached)" = "$st" ] &&
		pass unit_reload || fail unit_reload "rc $rc: $out"
	out=$(run_unit ExecStop 2>&1); rc=$?
	[ $rc = 0 ] && [ -z "$(attached)" ] && [ -e "$PINU/assocs" ] && pass unit_stop_detaches || fail unit_stop_detaches "rc $rc, attached '$(attached)': $out"
else
	fail unit_start_applies_and_attaches "cannot create namespace $NS"
fi

out=$(make -s --no-print-directory uninstall DESTDIR="$D" 2>&1)
left=$(find "$D" ! -type d)
[ -z "$left" ] && pass "uninstall_leaves_nothing" || fail uninstall_leaves_nothing "$left $out"
# Another PREFIX: the units follow it.
D2=$TMP/root2
make -s --no-print-directory install DESTDIR="$D2" PREFIX=/opt/sctplb >/dev/null 2>&1
grep -q "^ExecStart=/opt/sctplb/sbin/sctplb " "$D2/opt/sctplb/lib/systemd/system/sctplb-gc.service" &&
	[ -x "$D2/opt/sctplb/sbin/sctplb" ] && pass install_prefix || fail install_prefix "$(find "$D2" | head)"
make -s --no-print-directory uninstall DESTDIR="$D2" PREFIX=/opt/sctplb >/dev/null 2>&1
[ -z "$(find "$D2" ! -type d)" ] && pass uninstall_prefix || fail uninstall_prefix "$(find "$D2" ! -type d)"

exit $failed
