#!/bin/bash
# difftest.sh - run many generated programs in both engines (developer
# tool; the DejaGnu group diff.exp runs a fixed handful).
#
#   testsuite/bstap.diff/difftest.sh FIRST LAST [BSTAP]
#
# For each seed, gen.tcl writes the begin (interpreter) and the timer
# (BPF) variant; both run as root; stdout and exit status must agree.
# Disagreeing seeds are listed and kept in $DIFF_WORK (default
# /tmp/bstap-diff): SEED.begin.stp, SEED.timer.stp and their
# .out/.err/.rc.
set -u
here=$(cd "$(dirname "$0")" && pwd)
first=${1:?first seed}
last=${2:?last seed}
bin=${3:-$here/../../bstap}
work=${DIFF_WORK:-/tmp/bstap-diff}
export BSTAP_TAPSET_DIR=${BSTAP_TAPSET_DIR:-$here/../../tapsets}
mkdir -p "$work"
ran=0
bad=0
stack=0
stack_seeds=
for ((seed = first; seed <= last; seed++)); do
	for mode in begin timer; do
		f=$work/$seed.$mode
		tclsh "$here/gen.tcl" "$seed" "$mode" >"$f.stp"
		(cd "$work" && timeout -k 5 30 "$bin" "$seed.$mode.stp" \
			>"$f.out" 2>"$f.err" </dev/null)
		echo $? >"$f.rc"
	done
	ran=$((ran + 1))
	b=$work/$seed.begin
	t=$work/$seed.timer
	if cmp -s "$b.out" "$t.out" && cmp -s "$b.rc" "$t.rc" &&
	   [ "$(cat "$b.rc")" = 0 ]; then
		rm -f "$b".* "$t".*
	elif grep -q "bytes of BPF stack, the limit" "$t.err" &&
	     [ "$(cat "$b.rc")" = 0 ]; then
		# a program too big for the 512-byte BPF stack: counted and
		# listed, not a discrepancy
		stack=$((stack + 1))
		stack_seeds="$stack_seeds $seed"
		rm -f "$b".* "$t".*
	else
		bad=$((bad + 1))
		echo "seed $seed: begin rc=$(cat "$b.rc") timer rc=$(cat "$t.rc")" \
			"$(grep -E "error|ERROR" "$b.err" "$t.err" | head -n 2 | cut -c1-150 | tr "\n" " ")"
	fi
done
echo "$ran programs, $bad differ (or failed), $stack over the BPF stack limit"
[ -z "$stack_seeds" ] || echo "over the stack limit:$stack_seeds"
