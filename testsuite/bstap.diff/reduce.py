#!/usr/bin/env python3
# reduce.py - line-deletion reducer for a failing differential program
# (developer tool, not run by diff.exp).
#
#   reduce.py IN.stp OUT.stp TEST-CMD...
#
# TEST-CMD FILE.stp exits 0 while FILE.stp is still "interesting" (e.g.
# the engines still disagree: difftest.sh -c, whose DIFF_GREP keeps the
# symptom and DIFF_SED masks a known bug), for instance
#   DIFF_GREP='size limit' testsuite/bstap.diff/reduce.py \
#       /tmp/bstap-diff/begin/7.stp small.stp testsuite/bstap.diff/difftest.sh -c
# Deletes chunks of lines, halving the chunk size down to one line,
# until no single deletion keeps it interesting; then does the same for
# the comma-free tails of lines (a simple expression shrink: replaces a
# parenthesised sub-expression by 0 or "" when the test still passes).
import re
import subprocess
import sys


def interesting(lines, cmd, tmp):
    with open(tmp, "w") as f:
        f.write("".join(lines))
    r = subprocess.run(cmd + [tmp], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return r.returncode == 0


def reduce_lines(lines, cmd, tmp):
    n = max(1, len(lines) // 2)
    while n >= 1:
        i = 0
        changed = False
        while i < len(lines):
            cand = lines[:i] + lines[i + n:]
            if cand and interesting(cand, cmd, tmp):
                lines = cand
                changed = True
            else:
                i += n
        if not changed:
            n //= 2
    return lines


# Replace innermost "( ... )" groups by a constant.
def reduce_exprs(lines, cmd, tmp):
    progress = True
    while progress:
        progress = False
        for li in range(len(lines)):
            for m in reversed(list(re.finditer(r"(?<![A-Za-z0-9_])\(([^()\"]*)\)", lines[li]))):
                for rep in ("0", "1", '""'):
                    s = lines[li]
                    new = s[:m.start()] + rep + s[m.end():]
                    if new == s:
                        continue
                    cand = lines[:li] + [new] + lines[li + 1:]
                    if interesting(cand, cmd, tmp):
                        lines = cand
                        progress = True
                        break
                if progress:
                    break
            if progress:
                break
    return lines


def main():
    src, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    lines = open(src).readlines()
    tmp = out + ".tmp.stp"
    if not interesting(lines, cmd, tmp):
        sys.exit("not interesting to begin with")
    lines = reduce_lines(lines, cmd, tmp)
    lines = reduce_exprs(lines, cmd, tmp)
    lines = reduce_lines(lines, cmd, tmp)
    with open(out, "w") as f:
        f.write("".join(lines))


main()
