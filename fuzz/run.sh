#!/bin/bash
# fuzz/run.sh [SECONDS]      build the libFuzzer target, fuzz SECONDS (60)
# fuzz/run.sh -r FILE...     build it and rerun saved inputs (reproducers)
#
# The build is a clang one (coverage, ASan, UBSan) in a copy of the
# tree under $FUZZ_WORKDIR (default /tmp/bstap-fuzz), so the tree's own
# build, in place or not, is left alone; the copy is updated and rebuilt
# incrementally.  Seeds: every .stp of testsuite/, tapsets/ and
# examples/.  The corpus grows in $FUZZ_WORKDIR/corpus.  Each input runs
# through passes 1 to 4 (parse, elaborate, translate to IR, BPF code
# generation and ELF writing; nothing is loaded: see fuzz_script.c).  A
# crash, sanitizer report, leak, hang, internal error of the back end
# (irverify, isel, regalloc), unusable ELF object or printer round-trip
# mismatch (FUZZ_ROUNDTRIP=1, the default) is saved as
# fuzz/crashes/crash-* (or leak-*, timeout-*) and the exit status is
# non-zero.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
work=${FUZZ_WORKDIR:-${TMPDIR:-/tmp}/bstap-fuzz}
copy=$work/src
repro=0
if [ "${1:-}" = -r ]; then
	repro=1
	shift
	files=()
	for f in "$@"; do files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
	secs=0
else
	secs=${1:-60}
fi

log() { echo "fuzz: $*"; }

mkdir -p "$copy" "$work/corpus" "$src/fuzz/crashes"
# the sources: tracked files and new ones, no build products
# (other build dirs, build*/ at the top, are no sources)
(cd "$src" && git ls-files -co --exclude-standard -z) |
	grep -zv -E '^build[^/]*/' |
	(cd "$src" && xargs -0 cp -pu --parents -t "$copy" 2>/dev/null)
cd "$copy" || exit 1
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	log "autoreconf"
	autoreconf -fi >autoreconf.log 2>&1 || { cat autoreconf.log; exit 1; }
	rm -f Makefile
fi
if [ ! -f Makefile ]; then
	log "configure (clang, fuzzer, address, undefined)"
	./configure -q CC=clang \
		CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
		>configure.log 2>&1 || { cat configure.log; exit 1; }
fi
log "build"
make translator/parser.h >make.log 2>&1 && make -j2 fuzz/fuzz-bstap >>make.log 2>&1 || { tail -40 make.log; exit 1; }

export BSTAP_TAPSET_DIR=$src/tapsets
export FUZZ_ROUNDTRIP=${FUZZ_ROUNDTRIP:-1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

if [ $repro = 1 ]; then
	./fuzz/fuzz-bstap -runs=1 "${files[@]}"
	exit $?
fi

seed=$work/seed
rm -rf "$seed"
mkdir -p "$seed"
n=0
for f in "$src"/testsuite/bstap.*/*.stp "$src"/tapsets/*.stp \
	"$src"/examples/*.stp; do
	[ -f "$f" ] || continue
	cp "$f" "$seed/$(basename "$(dirname "$f")")-$(basename "$f")"
	n=$((n + 1))
done
log "$n seeds, $secs s"
before=$(ls "$src/fuzz/crashes" | wc -l)
./fuzz/fuzz-bstap -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=8192 -dict="$src/fuzz/stap.dict" -print_final_stats=1 \
	-artifact_prefix="$src/fuzz/crashes/" "$work/corpus" "$seed" \
	>"$work/fuzz.log" 2>&1
rc=$?
after=$(ls "$src/fuzz/crashes" | wc -l)
grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/fuzz.log"
if [ $rc -ne 0 ] || [ "$after" -gt "$before" ]; then
	grep -E -A30 '^(==[0-9]+==ERROR|fuzz: |.*runtime error:|ALARM|SUMMARY)' "$work/fuzz.log" | head -80
	log "FAILED (exit $rc): reproducer(s) in fuzz/crashes/:"
	ls -t "$src/fuzz/crashes" | head -$((after - before > 0 ? after - before : 1))
	exit 1
fi
log "no crash in $secs s"
