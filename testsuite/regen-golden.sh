#!/bin/bash
# regen-golden.sh - (re)generate the golden files of the script groups
# from the current binary:
#   bstap.parse/*.stp    -> *.p1   (stdout of -p1, must exit 0)
#   bstap.parseko/*.stp  -> *.err  (stderr of -p1, must exit non-zero)
#   bstap.elab/*.stp     -> *.p2   (stdout of -p2, must exit 0)
#   bstap.elabko/*.stp   -> *.err  (stderr of -p2, must exit non-zero)
# Usage: testsuite/regen-golden.sh [-b BSTAP] [-n] [SCRIPT.stp ...]
#   -b BSTAP  the binary (default: $BSTAP, else ./bstap beside testsuite/)
#   -n        dry run: only say which goldens would change
# With no scripts, every script of the four groups.  A script whose exit
# status is wrong keeps its old golden, and is listed at the end.
# Read every golden this writes before committing it: a golden that
# shows a bug must not be blessed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${BSTAP:-$here/../bstap}
dry=0
while getopts b:n o; do
	case $o in
	b) bin=$OPTARG ;;
	n) dry=1 ;;
	*) echo "usage: $0 [-b BSTAP] [-n] [SCRIPT.stp ...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
export BSTAP_TAPSET_DIR=${BSTAP_TAPSET_DIR:-$here/../tapsets}

if [ $# -eq 0 ]; then
	set -- "$here"/bstap.parse/*.stp "$here"/bstap.parseko/*.stp \
		"$here"/bstap.elab/*.stp "$here"/bstap.elabko/*.stp
fi

# header KEY FILE: the words of every "# KEY:" line
header() {
	sed -n "s/^# $1:\(.*\)\$/\1/p" "$2" | tr '\n' ' '
}

bad=()
changed=0
set -f
for f in "$@"; do
	f=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
	dir=$(dirname "$f")
	base=$(basename "$f" .stp)
	case $(basename "$dir") in
	bstap.parse) pass=1 ext=p1 want=ok ;;
	bstap.parseko) pass=1 ext=err want=ko ;;
	bstap.elab) pass=2 ext=p2 want=ok ;;
	bstap.elabko) pass=2 ext=err want=ko ;;
	*) echo "skip $f: not in a golden group" >&2; continue ;;
	esac
	opts=$(header opts "$f")
	args=$(header args "$f")
	out=$(mktemp) err=$(mktemp)
	# shellcheck disable=SC2086 # word splitting of opts/args is wanted
	(cd "$dir" && timeout -k 5 60 "$bin" $opts -p$pass "$base.stp" $args \
		</dev/null >"$out" 2>"$err")
	rc=$?
	if [ $want = ok ] && [ $rc -ne 0 ]; then
		bad+=("$f: exit $rc, expected 0: $(head -c 300 "$err")")
		rm -f "$out" "$err"
		continue
	fi
	if [ $want = ko ] && { [ $rc -eq 0 ] || [ $rc -ge 124 ]; }; then
		bad+=("$f: exit $rc, expected a clean failure")
		rm -f "$out" "$err"
		continue
	fi
	new=$out
	[ $want = ko ] && new=$err
	golden=$dir/$base.$ext
	if ! cmp -s "$new" "$golden" 2>/dev/null; then
		changed=$((changed + 1))
		echo "golden: ${golden#"$here"/}"
		[ $dry = 0 ] && cp "$new" "$golden"
	fi
	rm -f "$out" "$err"
done
echo "$changed golden file(s) $([ $dry = 1 ] && echo would change || echo written)"
if [ ${#bad[@]} -gt 0 ]; then
	echo "${#bad[@]} script(s) with the wrong exit status (golden kept):"
	printf '  %s\n' "${bad[@]}"
	exit 1
fi
