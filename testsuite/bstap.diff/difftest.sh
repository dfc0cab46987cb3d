#!/bin/bash
# difftest.sh - run many generated programs in both engines (developer
# tool; the DejaGnu group diff.exp runs a fixed handful).
#
#   testsuite/bstap.diff/difftest.sh FIRST LAST [BSTAP]
#
# For each seed, gen.tcl writes the begin (interpreter) and the timer
# (BPF) variant, as $DIFF_WORK/begin/SEED.stp and timer/SEED.stp (one
# name, so that error messages naming the file compare equal); both run
# as root.  The timer variant must compile to a kernel probe (-p3 says
# "probe kernel timer"; one needing user space would run in the
# interpreter too, bpfgen/place.c).  They agree when their exit status, stdout and ERROR lines on
# stderr are the same, and the status is 0, or 1 for a run that failed
# in pass 5 (an error() or a fault no try caught: the generator allows
# those in some programs).  Disagreeing seeds are listed and their files
# kept in $DIFF_WORK (default /tmp/bstap-diff): begin/SEED.stp,
# timer/SEED.stp and their .out/.err/.rc.
#
#   testsuite/bstap.diff/difftest.sh -c FILE.stp [BSTAP]
#
# reduce.py's test: FILE.stp is a begin variant (a "probe begin {"
# line); its timer variant has that line replaced by a timer probe that
# runs once, on the same line, so line numbers stay.  Exits 0 when the
# two disagree as above (a parse error, or a failing begin variant that
# is not a run failure, is not a disagreement), 1 when they agree.  With
# DIFF_GREP=REGEX, only a disagreement whose outputs (either variant's
# stdout or stderr) match REGEX (grep -E) counts: to keep the symptom
# while reducing.  Both modes: DIFF_SED=SCRIPT (sed -E) rewrites stdout
# and the ERROR lines of both variants before they are compared, to
# mask a known bug while looking for others.  Example:
#   DIFF_GREP='size limit' reduce.py 7.stp small.stp ./difftest.sh -c
set -u
here=$(cd "$(dirname "$0")" && pwd)
export BSTAP_TAPSET_DIR=${BSTAP_TAPSET_DIR:-$here/../../tapsets}

# run DIR NAME BIN: NAME.stp in DIR -> NAME.out .err .rc
run() {
	(cd "$1" && timeout -k 5 30 "$3" "$2.stp" >"$2.out" 2>"$2.err" \
		</dev/null)
	echo $? >"$1/$2.rc"
}

# The lines of stderr compared: the run's errors, not its warnings.
errlines() {
	grep -aE '^(ERROR|WARNING: Number of errors)' "$1"
}

# DIFF_SED (a sed -E script) masks what it rewrites in stdout and the
# ERROR lines before they are compared: to look past a known bug.
masked() {
	if [ -n "${DIFF_SED:-}" ]; then
		sed -E -e "$DIFF_SED"
	else
		cat
	fi
}

# agree B T: B and T (paths without .out/.err/.rc) agree
agree() {
	local rc
	rc=$(cat "$1.rc")
	cmp -s <(masked <"$1.out") <(masked <"$2.out") &&
		cmp -s "$1.rc" "$2.rc" &&
		cmp -s <(errlines "$1.err" | masked) \
			<(errlines "$2.err" | masked) || return 1
	[ "$rc" = 0 ] ||
		{ [ "$rc" = 1 ] && grep -q "Pass 5: run failed" "$1.err"; }
}

if [ "${1:-}" = -c ]; then
	file=${2:?file}
	bin=${3:-$here/../../bstap}
	grep -qx 'probe begin {' "$file" || exit 1
	tmp=$(mktemp -d /tmp/bstap-diffc.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	mkdir "$tmp/b" "$tmp/t"
	cp "$file" "$tmp/b/x.stp"
	awk '!d && $0 == "probe begin {" {
		print "probe timer.ms(1) { if (__diff_done++) next"; d = 1; next }
	     { print } END { print "global __diff_done" }' \
		"$file" >"$tmp/t/x.stp"
	run "$tmp/b" x "$bin"
	run "$tmp/t" x "$bin"
	grep -q "parse error" "$tmp/b/x.err" "$tmp/t/x.err" && exit 1
	rc=$(cat "$tmp/b/x.rc")
	if [ "$rc" != 0 ] && ! grep -q "Pass 5: run failed" "$tmp/b/x.err"; then
		exit 1
	fi
	agree "$tmp/b/x" "$tmp/t/x" && exit 1
	if [ -n "${DIFF_GREP:-}" ]; then
		cat "$tmp"/[bt]/x.out "$tmp"/[bt]/x.err |
			grep -aqE -- "$DIFF_GREP" || exit 1
	fi
	exit 0
fi

first=${1:?first seed}
last=${2:?last seed}
bin=${3:-$here/../../bstap}
work=${DIFF_WORK:-/tmp/bstap-diff}
mkdir -p "$work/begin" "$work/timer"
ran=0
bad=0
stack=0
failed=0
stack_seeds=
for ((seed = first; seed <= last; seed++)); do
	for mode in begin timer; do
		tclsh "$here/gen.tcl" "$seed" "$mode" >"$work/$mode/$seed.stp"
		run "$work/$mode" "$seed" "$bin"
	done
	ran=$((ran + 1))
	b=$work/begin/$seed
	t=$work/timer/$seed
	if [ "$(cat "$t.rc")" = 0 ] &&
	   ! (cd "$work/timer" && "$bin" -p3 "$seed.stp" 2>/dev/null) |
		grep -q "probe kernel timer"; then
		# a timer probe that needs user space runs in the interpreter
		# (bpfgen/place.c): the program would test nothing
		bad=$((bad + 1))
		echo "seed $seed: the timer variant runs in user space"
	elif agree "$b" "$t"; then
		[ "$(cat "$b.rc")" = 0 ] || failed=$((failed + 1))
		rm -f "$b".* "$t".*
	elif grep -q "bytes of BPF stack, the limit" "$t.err" &&
	     { [ "$(cat "$b.rc")" = 0 ] ||
	       grep -q "Pass 5: run failed" "$b.err"; }; then
		# a program too big for the 512-byte BPF stack: counted and
		# listed, not a discrepancy
		stack=$((stack + 1))
		stack_seeds="$stack_seeds $seed"
		rm -f "$b".* "$t".*
	else
		bad=$((bad + 1))
		echo "seed $seed: begin rc=$(cat "$b.rc") timer rc=$(cat "$t.rc")" \
			"$(grep -aE "error|ERROR" "$b.err" "$t.err" | head -n 2 | cut -c1-150 | tr "\n" " ")"
	fi
done
echo "$ran programs, $bad differ (or failed), $stack over the BPF stack limit," \
	"$failed failed the same way in both (an uncaught error)"
[ -z "$stack_seeds" ] || echo "over the stack limit:$stack_seeds"
