# gen.tcl - random SystemTap programs for differential testing.
#
# One seed gives one program body (deterministic: our own 64-bit LCG,
# not Tcl's rand()), which difftest_program puts in two probes:
#   begin     probe begin { BODY exit() }        -> bstap's interpreter
#   timer     probe timer.ms(1) { ... BODY ... } -> BPF in the kernel
# The two scripts have the same lines and columns (the timer header is
# one line, __done is declared on the global line), so that error
# messages, which name a line and column, compare equal too.
# Both must print the same thing.  The body uses only what both engines
# support: long arithmetic (divisors never 0 nor -1), shifts by 0..63,
# strings and the string built-ins, long/string globals, arrays (long,
# string and multi keys, `in`, delete), statistics, if/for/while,
# unsorted foreach with order-independent results only (sorted ones are
# in the end probe: a timer probe with one would run in user space,
# bpfgen/place.c), try/catch with error(), script functions with
# long/string parameters
# (with loops, error() and exit() in them), exit() anywhere (the probe
# goes on to its end), sprintf/printf with random flags, widths,
# precisions ('*' too) and conversions (d i u x X o c s p b) of edge
# values.
# Per-CPU counters: c0 (long key), c1 (string key), c2 (long, string),
# c3 (wrapping, never full), c4 (global c4[K], overflows), c5 (wrapping,
# fresh keys only, so that it drops its oldest) are only added to,
# deleted, tested with `in` and walked key-only by the body, which makes
# them per-CPU hashes in the kernel (bpfgen/layout.c, layout__percpu);
# the end (or error) probe, user space in both variants, reads them
# sorted, adds to and deletes from them, and reads them again.  One
# program in five also reads them in the body (no longer per-CPU).
# Errors: in one program in six ("errok") error(), a division by 0 and
# the overflow of c4 may happen outside try; the run then fails in both
# variants with the same ERROR line, and the error probe prints the
# state instead of the end probe.  Elsewhere they are only in try
# blocks (or in functions that only try blocks call).
# One program in five has many more counter statements, or many more
# sprintf calls, than the others (focus).
#
# Standalone:  tclsh gen.tcl SEED [begin|timer]   prints the program.
# From DejaGnu: source it, then [difftest_program SEED begin|timer].

namespace eval gen {
	variable state 0
	variable nfunc 0
	variable funcs {}
	variable infunc 0
	variable fidx 0
	variable loopdepth 0
	variable inloop 0
	variable inforeach 0
	variable intry 0
	variable nkey 0
	variable errok 0
	variable kread 0
	variable fthrows 0
	variable fresh 0
	variable focus 0
}

# ---- the random source ----
proc gen::seed {s} {
	variable state
	set state [expr {($s * 2654435761 + 12345) & 0xFFFFFFFFFFFFFFFF}]
	gen::next
	gen::next
}

proc gen::next {} {
	variable state
	set state [expr {($state * 6364136223846793005 + 1442695040888963407) \
			     & 0xFFFFFFFFFFFFFFFF}]
	return [expr {$state >> 33}]
}

# 0 .. N-1
proc gen::rnd {n} {
	return [expr {[gen::next] % $n}]
}

proc gen::pick {list} {
	return [lindex $list [gen::rnd [llength $list]]]
}

# Percent chance.
proc gen::chance {pct} {
	return [expr {[gen::rnd 100] < $pct}]
}

# ---- what is in scope ----
proc gen::longvars {} {
	variable infunc
	variable loopdepth
	if {$infunc == 2} {
		return {a gl0 gl1}
	}
	if {$infunc} {
		set v {a t gl0 gl1}
	} else {
		set v {x0 x1 x2 x3 gl0 gl1}
	}
	for {set i 0} {$i < $loopdepth} {incr i} {
		lappend v i$i
	}
	return $v
}

proc gen::strvars {} {
	variable infunc
	if {$infunc == 2} {
		return {b gs0}
	}
	if {$infunc} {
		return {b u gs0}
	}
	return {s0 s1 s2 gs0}
}

# Assignable: loop variables are not.
proc gen::longtargets {} {
	variable infunc
	if {$infunc} {
		return {t t gl0 gl1}
	}
	return {x0 x1 x2 x3 x0 x1 gl0 gl1}
}

proc gen::strtargets {} {
	variable infunc
	if {$infunc} {
		return {u u gs0}
	}
	return {s0 s1 s2 gs0}
}

# Whether an error may end the code being generated: in a try block, in
# a program that may fail, or in a function that may throw (only try
# blocks call it then, unless the program may fail).
proc gen::maythrow {} {
	variable infunc
	variable fthrows
	variable intry
	variable errok
	if {$infunc} {
		return $fthrows
	}
	return [expr {$intry || $errok}]
}

# Functions callable from here: in a function, only earlier ones; one
# that may throw only where an error may happen.
proc gen::callable {ret} {
	variable funcs
	variable infunc
	variable fidx
	set r {}
	foreach f $funcs {
		lassign $f name rt idx throws
		if {$rt ne $ret} {
			continue
		}
		if {$infunc && $idx >= $fidx} {
			continue
		}
		if {$throws && ![gen::maythrow]} {
			continue
		}
		lappend r $name
	}
	return $r
}

# ---- literals ----
proc gen::longlit {} {
	if {[gen::chance 75]} {
		return [gen::pick {0 1 2 3 5 7 -1 -2 -7 10 16 42 100 255 -100 1000}]
	}
	return [gen::pick {65536 -123456 0x7fffffffffffffff 9223372036854775807
		4294967296 0xff 0x10 017 -9223372036854775807 123456789
		0x8000 -4294967295 1234567890123}]
}

proc gen::strlit {} {
	if {[gen::chance 10]} {
		return [gen::pick {{"a\tb"} {"q\"q"} {"back\\slash"} {"n\nl"} {"%d%s"} {"0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}}]
	}
	return "\"[gen::pick {{} a ab abc Hello {x y} 12 -3 aaa {a,b} zz xyz {A B C} abcdef}]\""
}

# ---- long expressions ----
proc gen::lexpr {d} {
	if {$d <= 0 || [gen::chance 20]} {
		if {[gen::chance 50]} {
			return [gen::longlit]
		}
		return [gen::pick [gen::longvars]]
	}
	set d1 [expr {$d - 1}]
	variable infunc
	set k [gen::rnd 32]
	switch -- $k {
		0 - 1 - 2 - 3 {
			set op [gen::pick {+ - * & | ^ + -}]
			return "([gen::lexpr $d1] $op [gen::lexpr $d1])"
		}
		4 {
			set c [gen::pick {1 2 3 7 10 -3 -8 1000 16}]
			set op [gen::pick {/ %}]
			return "([gen::lexpr $d1] $op $c)"
		}
		5 {
			set op [gen::pick {/ %}]
			set m [gen::pick {7 15 255}]
			if {[gen::chance 30]} {
				return "([gen::lexpr $d1] $op -(([gen::lexpr $d1] & $m) + 2))"
			}
			return "([gen::lexpr $d1] $op (([gen::lexpr $d1] & $m) + 1))"
		}
		6 {
			set op [gen::pick {<< >> >>>}]
			return "([gen::lexpr $d1] $op [gen::rnd 64])"
		}
		7 {
			set op [gen::pick {<< >> >>>}]
			return "([gen::lexpr $d1] $op ([gen::lexpr $d1] & 63))"
		}
		8 - 9 {
			set op [gen::pick {< <= > >= == !=}]
			return "([gen::lexpr $d1] $op [gen::lexpr $d1])"
		}
		10 {
			set op [gen::pick {< <= > >= == !=}]
			return "([gen::sexpr $d1] $op [gen::sexpr $d1])"
		}
		11 {
			set op [gen::pick {&& ||}]
			return "([gen::lexpr $d1] $op [gen::lexpr $d1])"
		}
		12 {
			return "([gen::lexpr $d1] ? [gen::lexpr $d1] : [gen::lexpr $d1])"
		}
		13 {
			set op [gen::pick {- ~ !}]
			return "($op [gen::lexpr $d1])"
		}
		14 {
			return "strlen([gen::sexpr $d1])"
		}
		15 {
			return "isinstr([gen::sexpr $d1], [gen::sexpr $d1])"
		}
		16 - 17 {
			set fs [gen::callable long]
			if {[llength $fs]} {
				return "[gen::pick $fs]([gen::lexpr $d1], [gen::sexpr $d1])"
			}
			return [gen::lexpr $d1]
		}
		18 {
			return "al\[[gen::lexpr $d1]\]"
		}
		19 {
			return "am\[[gen::lexpr $d1], [gen::sexpr $d1]\]"
		}
		20 {
			set w [gen::rnd 3]
			if {$w == 0} {
				return "(\[[gen::lexpr $d1]\] in al)"
			} elseif {$w == 1} {
				return "(\[[gen::lexpr $d1], [gen::sexpr $d1]\] in am)"
			}
			return "([gen::sexpr $d1] in as)"
		}
		21 {
			return "@[gen::pick {count sum min max avg}](st)"
		}
		23 {
			set k "[gen::lexpr $d1] & 3"
			return "(\[$k\] in sa ? @[gen::pick {count sum min max avg}](sa\[$k\]) : -1)"
		}
		24 {
			return "@count(sa\[[gen::lexpr $d1] & 3\])"
		}
		22 {
			# a small key, so that arrays get hits
			return "al\[([gen::lexpr $d1] & 3)\]"
		}
		25 {
			set c [gen::pick {c0 c1 c2 c3 c4 c5}]
			if {$c eq "c5"} {
				# a lookup marks an LRU entry used: none on c5
				set c c0
			}
			return "(\[[gen::ckey $c $d1]\] in $c)"
		}
		26 {
			variable kread
			if {$kread} {
				set c [gen::pick {c0 c1 c2 c3}]
				return "$c\[[gen::ckey $c $d1]\]"
			}
			return "([gen::lexpr $d1] + [gen::lexpr $d1])"
		}
		default {
			set op [gen::pick {+ - * ^}]
			return "([gen::lexpr $d1] $op [gen::lexpr $d1])"
		}
	}
}

# ---- string expressions ----
proc gen::sexpr {d} {
	if {$d <= 0 || [gen::chance 25]} {
		if {[gen::chance 50]} {
			return [gen::strlit]
		}
		return [gen::pick [gen::strvars]]
	}
	set d1 [expr {$d - 1}]
	set k [gen::rnd 20]
	switch -- $k {
		0 - 1 - 2 {
			return "([gen::sexpr $d1] . [gen::sexpr $d1])"
		}
		3 {
			return "substr([gen::sexpr $d1], [gen::rnd 7], [gen::rnd 7])"
		}
		4 {
			return "substr([gen::sexpr $d1], ([gen::lexpr $d1] & 7), ([gen::lexpr $d1] & 7))"
		}
		5 {
			set from [gen::pick {a b ab {,} x z}]
			set to [gen::pick {{} X yy {-} ab}]
			return "str_replace([gen::sexpr $d1], \"$from\", \"$to\")"
		}
		6 {
			return "text_str([gen::sexpr $d1])"
		}
		7 {
			return "sprint([gen::lexpr $d1])"
		}
		8 {
			set f [gen::pick {%d %x <%d> %d/%x}]
			if {$f eq "%d/%x"} {
				return "sprintf(\"$f\", [gen::lexpr $d1], [gen::lexpr $d1])"
			}
			return "sprintf(\"$f\", [gen::lexpr $d1])"
		}
		9 {
			return "sprintf(\"%s:%d\", [gen::sexpr $d1], [gen::lexpr $d1])"
		}
		10 {
			return "as\[[gen::sexpr $d1]\]"
		}
		11 {
			return "([gen::lexpr $d1] ? [gen::sexpr $d1] : [gen::sexpr $d1])"
		}
		12 - 13 {
			set fs [gen::callable string]
			if {[llength $fs]} {
				return "[gen::pick $fs]([gen::lexpr $d1], [gen::sexpr $d1])"
			}
			return [gen::sexpr $d1]
		}
		14 {
			return "sprint([gen::sexpr $d1])"
		}
		17 - 18 {
			lassign [gen::format $d1] f a
			return "sprintf(\"$f\"[gen::fmtargs $a])"
		}
		15 {
			set f [gen::pick {%5d %-6d| %08x %+d %3s| %-5s| %X %u %c %-8x. {% d} %s%%}]
			if {[regexp {s} $f]} {
				return "sprintf(\"$f\", [gen::sexpr $d1])"
			}
			if {$f eq "%c"} {
				return "sprintf(\"%c\", 65 + ([gen::lexpr $d1] & 15))"
			}
			return "sprintf(\"$f\", [gen::lexpr $d1])"
		}
		default {
			return "sprintf(\"<%s>\", [gen::sexpr $d1])"
		}
	}
}

# ---- sprintf formats ----
# Edge values for numeric conversions.
proc gen::numedge {} {
	return [gen::pick {0 1 -1 7 8 10 42 -42 65 255 -255 256 511 4096
		65535 0x7fffffffffffffff {(-9223372036854775807 - 1)}
		-9223372036854775807 1234567890123 -4294967296
		4702394921427289928}]
}

proc gen::numarg {d} {
	if {[gen::chance 45]} {
		return [gen::numedge]
	}
	return [gen::lexpr $d]
}

# The argument of a '*' width or precision; SMALL: never past 40.
proc gen::stararg {d small} {
	set r [gen::rnd 10]
	if {$r < 4} {
		return [gen::pick {0 1 2 3 5 8 12 20 -1 -3 -8 -20}]
	} elseif {$r < 6} {
		return "([gen::lexpr $d] & 15)"
	} elseif {$r < 7} {
		return "-([gen::lexpr $d] & 15)"
	} elseif {$r < 8 && !$small} {
		return [gen::pick {100 127 128 200 -200 65536 100000
			9223372036854775807 {(-9223372036854775807 - 1)}
			-9223372036854775807}]
	}
	return "([gen::lexpr $d] & 31)"
}

# Literal text between conversions (it goes inside a stap "...").
proc gen::fmtlit {} {
	if {[gen::chance 40]} {
		return ""
	}
	return [gen::pick {[ ] | { } x ab : %% = {\x01} {\n} . -}]
}

# A random stap format of 1 to 3 conversions: {FORMAT ARGS}.  Flags
# "-+ #0", a width (digits or '*'), a precision ('.', '.N' or '.*'), a
# length modifier now and then, conversions d i u x X o c s p b.  '#'
# on %s keeps its width and precision small (past MAXSTRINGLEN the
# kernel's escaped text pads less, bpfgen/isel.c's known difference).
proc gen::format {d} {
	set n [expr {1 + [gen::rnd 3]}]
	set f [gen::fmtlit]
	set args {}
	for {set i 0} {$i < $n} {incr i} {
		set conv [gen::pick {d d d i u u x x x X o o o c s s s p b b}]
		set flags ""
		foreach fl {- + { } # 0} {
			if {[gen::chance 14]} {
				append flags $fl
			}
		}
		set small [expr {$conv eq "s" && [string first # $flags] >= 0}]
		append f "%$flags"
		set r [gen::rnd 10]
		if {$conv eq "b" && $r >= 8} {
			# the kernel refuses a '*' on %b (bpfgen/isel.c, spf_bin)
			set r 5
		}
		if {$r < 4} {
		} elseif {$r < 8} {
			if {$small || [gen::chance 85]} {
				append f [expr {1 + [gen::rnd 25]}]
			} else {
				append f [gen::pick {40 100 127 128 300}]
			}
		} else {
			append f "*"
			lappend args [gen::stararg $d $small]
		}
		set r [gen::rnd 10]
		if {$r < 5} {
		} elseif {$r < 6} {
			append f "."
		} elseif {$r < 9} {
			if {$small || [gen::chance 85]} {
				append f ".[gen::rnd 21]"
			} else {
				append f ".[gen::pick {40 100 150 300}]"
			}
		} elseif {$conv eq "b"} {
			append f ".[gen::pick {1 2 4 8 3}]"
		} else {
			append f ".*"
			lappend args [gen::stararg $d $small]
		}
		if {[gen::chance 6]} {
			append f [gen::pick {l ll h}]
		}
		append f $conv
		if {$conv eq "s"} {
			lappend args [gen::sexpr $d]
		} else {
			lappend args [gen::numarg $d]
		}
		append f [gen::fmtlit]
	}
	return [list $f $args]
}

# ", a, b" or "" for a printf/sprintf argument list
proc gen::fmtargs {args_} {
	if {![llength $args_]} {
		return ""
	}
	return ", [join $args_ {, }]"
}

# ---- per-CPU counters ----
# A key of counter array C.  c0: a long in 0..7; c1: a string of a few;
# c2: both; c3: 0..3 (it holds more: never full); c4: 0..7 (it holds
# 2 to 4: overflows).
proc gen::ckey {c d} {
	set d1 [expr {$d > 0 ? $d - 1 : 0}]
	switch -- $c {
		c0 {
			if {[gen::chance 30]} {
				return [gen::rnd 8]
			}
			return "([gen::lexpr $d1] & 7)"
		}
		c1 {
			set r [gen::rnd 10]
			if {$r < 6} {
				return [gen::pick {{"a"} {"b"} {""} {"ab"} {"x y"} {"a\tb"}}]
			} elseif {$r < 8} {
				return "sprint([gen::lexpr $d1] & 3)"
			}
			return [gen::sexpr $d1]
		}
		c2 {
			return "([gen::lexpr $d1] & 3), [gen::ckey c1 $d1]"
		}
		c4 {
			if {[gen::chance 30]} {
				return [gen::rnd 8]
			}
			return "([gen::lexpr $d1] & 7)"
		}
		default {
			if {[gen::chance 30]} {
				return [gen::rnd 4]
			}
			return "([gen::lexpr $d1] & 3)"
		}
	}
}

# A statement on a counter array: add (++, --, +=, -=), delete, `in`,
# a key-only foreach; in a program with kread, a read too.
proc gen::cstmt {ind} {
	variable kread
	variable nkey
	variable infunc
	variable loopdepth
	set p [gen::ind $ind]
	if {!$infunc && !$loopdepth && [gen::chance 15]} {
		return [gen::freshstmt $ind]
	}
	set cs {c0 c0 c1 c1 c2 c3}
	if {[gen::maythrow]} {
		# c4 overflows: only where an error may happen
		lappend cs c4 c4
	}
	set c [gen::pick $cs]
	set acc [gen::pick [gen::longtargets]]
	switch -- [gen::rnd 14] {
		0 - 1 - 2 {
			return "$p$c\[[gen::ckey $c 2]\]++\n"
		}
		3 {
			return "$p$c\[[gen::ckey $c 2]\]--\n"
		}
		4 - 5 - 6 {
			return "$p$c\[[gen::ckey $c 2]\] += [gen::lexpr 2]\n"
		}
		7 {
			return "$p$c\[[gen::ckey $c 2]\] -= [gen::lexpr 2]\n"
		}
		8 {
			if {[gen::chance 25]} {
				return "${p}delete $c\n"
			}
			return "${p}delete $c\[[gen::ckey $c 2]\]\n"
		}
		9 {
			return "${p}if (\[[gen::ckey $c 2]\] in $c) $acc [gen::pick {+= ^=}] [gen::lexpr 1]\n"
		}
		10 - 11 {
			set k "k$nkey"
			set ks "ks$nkey"
			incr nkey
			set op [gen::pick {+= ^= +=}]
			switch -- $c {
				c1 {
					return "${p}foreach ($ks in c1) {\n$p\t$acc $op strlen($ks) * 5 + 1\n$p}\n"
				}
				c2 {
					return "${p}foreach (\[$k, $ks\] in c2) {\n$p\t$acc $op $k * 3 + strlen($ks) + 1\n$p}\n"
				}
				default {
					return "${p}foreach ($k in $c) {\n$p\t$acc $op $k * 7 + 1\n$p}\n"
				}
			}
		}
		default {
			if {$kread && $c ne "c4"} {
				if {[gen::chance 50]} {
					return "$p$acc += $c\[[gen::ckey $c 2]\]\n"
				}
				# the value used: a read, not an add
				return "$p$acc = $c\[[gen::ckey $c 2]\]++\n"
			}
			return "$p$c\[[gen::ckey $c 2]\] += [gen::lexpr 2]\n"
		}
	}
}

# Adds to c5 (wrapping) with keys never used before, in increasing
# order, so that its oldest key is also its smallest: the end probe sees
# the same keys whichever engine filled it (a kernel LRU hash drops the
# least recently used key, stap the oldest one, the same only when no
# old key is touched again; user space takes keys it did not insert as
# inserted in key order).  Not in loops nor functions (no key twice).
proc gen::freshstmt {ind} {
	variable fresh
	set p [gen::ind $ind]
	set r [gen::rnd 4]
	if {$r == 0} {
		set n [expr {2 + [gen::rnd 9]}]
		set s "${p}for (wi = 0; wi < $n; wi++) c5\[$fresh + wi\] += [gen::lexpr 1]\n"
		incr fresh $n
		return $s
	}
	incr fresh
	if {$r == 1} {
		return "${p}c5\[[expr {$fresh - 1}]\]++\n"
	}
	if {$r == 2 && [gen::chance 20]} {
		return "${p}delete c5\n"
	}
	return "${p}c5\[[expr {$fresh - 1}]\] += [gen::lexpr 2]\n"
}

proc gen::ind {n} {
	return [string repeat "\t" $n]
}

# A printf of a few values.
proc gen::printfstmt {ind} {
	if {[gen::chance 15]} {
		lassign [gen::format 2] f a
		return "[gen::ind $ind]printf(\"f $f\\n\"[gen::fmtargs $a])\n"
	}
	set n [expr {1 + [gen::rnd 3]}]
	set fmt {}
	set args {}
	for {set i 0} {$i < $n} {incr i} {
		if {[gen::chance 55]} {
			lappend fmt [gen::pick {%d %d %x}]
			lappend args [gen::lexpr 3]
		} else {
			lappend fmt "\[%s\]"
			lappend args [gen::sexpr 2]
		}
	}
	return "[gen::ind $ind]printf(\"p [join $fmt { }]\\n\", [join $args {, }])\n"
}

# ---- statements ----
proc gen::stmt {ind d} {
	variable infunc
	variable loopdepth
	variable inloop
	variable intry
	variable focus
	set p [gen::ind $ind]
	set r [gen::rnd 100]
	# the share of counter and sprintf statements: more of one of them
	# in a program in five (focus)
	set nc [expr {$focus == 1 ? 45 : 14}]
	set ns [expr {$focus == 2 ? 45 : 8}]
	if {$r < $nc} {
		return [gen::cstmt $ind]
	} elseif {$r < $nc + 2} {
		# exit() ends no probe: this one goes on to its end
		return "${p}exit()\n"
	} elseif {$r < $nc + 2 + $ns} {
		lassign [gen::format 2] f a
		if {[gen::chance 50]} {
			return "${p}printf(\"q \[%s\]\\n\", sprintf(\"$f\"[gen::fmtargs $a]))\n"
		}
		return "$p[gen::pick [gen::strtargets]] = sprintf(\"$f\"[gen::fmtargs $a])\n"
	}
	set k [gen::rnd 34]
	if {$d <= 0 && $k >= 24} {
		set k [gen::rnd 24]
	}
	switch -- $k {
		0 - 1 - 2 {
			return "$p[gen::pick [gen::longtargets]] = [gen::lexpr 3]\n"
		}
		3 - 4 {
			set op [gen::pick {+= -= *= ^= |= &= += -=}]
			return "$p[gen::pick [gen::longtargets]] $op [gen::lexpr 2]\n"
		}
		5 {
			set op [gen::pick {++ -- /= %= <<= >>=}]
			set v [gen::pick [gen::longtargets]]
			switch -- $op {
				/= - %= { return "$p$v $op [gen::pick {3 7 -5 10}]\n" }
				<<= - >>= { return "$p$v $op [gen::rnd 64]\n" }
			}
			# postfix only: "x = f()\n--y" would read as "f()--"
			return "$p$v$op\n"
		}
		6 - 7 {
			return "$p[gen::pick [gen::strtargets]] = [gen::sexpr 3]\n"
		}
		8 {
			return "$p[gen::pick [gen::strtargets]] .= [gen::sexpr 2]\n"
		}
		9 - 10 {
			set w [gen::rnd 5]
			switch -- $w {
				0 { return "${p}al\[[gen::lexpr 2]\] = [gen::lexpr 2]\n" }
				1 { return "${p}al\[([gen::lexpr 2] & 3)\] [gen::pick {+= -= ^=}] [gen::lexpr 2]\n" }
				2 { return "${p}as\[[gen::sexpr 2]\] = [gen::sexpr 2]\n" }
				3 { return "${p}am\[[gen::lexpr 2], [gen::sexpr 1]\] = [gen::lexpr 2]\n" }
				default { return "${p}al\[([gen::lexpr 1] & 3)\]++\n" }
			}
		}
		11 {
			set w [gen::rnd 8]
			switch -- $w {
				0 { return "${p}delete al\[[gen::lexpr 2]\]\n" }
				1 { return "${p}delete as\[[gen::sexpr 2]\]\n" }
				2 { return "${p}delete am\[[gen::lexpr 1], [gen::sexpr 1]\]\n" }
				3 { return "${p}delete al\n" }
				4 { return "${p}delete am\n" }
				default { return "${p}delete al\[([gen::lexpr 1] & 3)\]\n" }
			}
		}
		12 {
			return "${p}st <<< [gen::lexpr 3]\n"
		}
		13 {
			if {[gen::chance 50]} {
				return "${p}sa\[[gen::lexpr 1] & 3\] <<< [gen::lexpr 3]\n"
			}
			set v [gen::pick [gen::strtargets]]
			return "$p$v = $v . $v . [gen::sexpr 1]\n"
		}
		14 - 15 - 16 {
			return [gen::printfstmt $ind]
		}
		17 {
			if {!$infunc} {
				set fs [concat [gen::callable long] [gen::callable string]]
				if {[llength $fs]} {
					return "$p[gen::pick $fs]([gen::lexpr 2], [gen::sexpr 2])\n"
				}
			}
			return "$p[gen::pick [gen::longtargets]] = [gen::lexpr 3]\n"
		}
		18 {
			if {$inloop} {
				return "${p}if ([gen::lexpr 2]) [gen::pick {break continue}]\n"
			}
			return [gen::printfstmt $ind]
		}
		19 {
			if {[gen::maythrow]} {
				if {!$intry && [gen::chance 30]} {
					# a division by 0 where no try catches it
					return "$p[gen::pick [gen::longtargets]] = [gen::lexpr 2] [gen::pick {/ %}] ([gen::lexpr 2] & 1)\n"
				}
				return "${p}if ([gen::lexpr 2]) error([gen::sexpr 2])\n"
			}
			return "$p[gen::pick [gen::strtargets]] = [gen::sexpr 3]\n"
		}
		20 - 21 - 22 - 23 {
			return "$p[gen::pick [gen::longtargets]] = [gen::lexpr 4]\n"
		}
		24 - 25 - 26 {
			set s "${p}if ([gen::lexpr 3]) {\n[gen::block [expr {$ind + 1}] [expr {$d - 1}] 3]$p}"
			if {[gen::chance 50]} {
				append s " else {\n[gen::block [expr {$ind + 1}] [expr {$d - 1}] 3]$p}"
			}
			return "$s\n"
		}
		27 - 28 {
			if {$loopdepth >= 2 - $infunc} {
				return [gen::printfstmt $ind]
			}
			set i "i$loopdepth"
			set n [gen::rnd 6]
			incr loopdepth
			set save $inloop
			set inloop 1
			set body [gen::block [expr {$ind + 1}] [expr {$d - 1}] 3]
			set inloop $save
			incr loopdepth -1
			return "${p}for ($i = 0; $i < $n; $i++) {\n$body$p}\n"
		}
		29 {
			if {$loopdepth >= 2 - $infunc} {
				return [gen::printfstmt $ind]
			}
			# while: no continue (it would skip the increment)
			set i "i$loopdepth"
			set n [gen::rnd 6]
			incr loopdepth
			set save $inloop
			set inloop 0
			set body [gen::block [expr {$ind + 1}] [expr {$d - 1}] 3]
			set inloop $save
			incr loopdepth -1
			set brk ""
			if {[gen::chance 40]} {
				set brk "$p\tif ([gen::lexpr 2]) break\n"
			}
			return "$p$i = 0\n${p}while ($i < $n) {\n$brk$body$p\t$i++\n$p}\n"
		}
		30 - 31 {
			return [gen::foreachstmt $ind]
		}
		default {
			if {$infunc || $intry} {
				return [gen::printfstmt $ind]
			}
			set save $intry
			set intry 1
			set body [gen::block [expr {$ind + 1}] [expr {$d - 1}] 3]
			set e "${p}\terror([gen::sexpr 2])\n"
			if {[gen::chance 35]} {
				# c4 may overflow
				set e "${p}\tfor (wi = 0; wi < [expr {2 + [gen::rnd 5]}]; wi++) c4\[([gen::lexpr 1] + wi) & 7\] [gen::pick {++ -- {+= 3}}]\n"
			} elseif {[gen::chance 25]} {
				set e "${p}\t[gen::pick [gen::longtargets]] = [gen::lexpr 2] [gen::pick {/ %}] ([gen::lexpr 2] & 1)\n"
			} elseif {[gen::chance 40]} {
				set e "${p}\tif ([gen::lexpr 2]) error([gen::sexpr 2])\n"
			}
			set intry $save
			set c [gen::pick {s0 s1 s2}]
			if {[gen::chance 20]} {
				return "${p}try {\n$body$e$p} catch {\n${p}\t$c = \"caught\"\n$p}\n"
			}
			return "${p}try {\n$body$e$p} catch ($c) {\n${p}\t$c = $c . \"!\"\n$p}\n"
		}
	}
}

# A foreach whose result does not depend on the iteration order: sums,
# counts, xors of keys and values; or a sorted one that prints.
proc gen::foreachstmt {ind} {
	variable nkey
	variable infunc
	set p [gen::ind $ind]
	set k "k$nkey"
	set ks "ks$nkey"
	incr nkey
	set acc [gen::pick [gen::longtargets]]
	set op [gen::pick {+= ^= +=}]
	switch -- [gen::rnd 5] {
		0 {
			return "${p}foreach ($k in al) {\n$p\t$acc $op $k * 3 + al\[$k\]\n$p}\n"
		}
		1 {
			return "${p}foreach (\[$k, $ks\] in am) {\n$p\t$acc $op $k + strlen($ks) + am\[$k, $ks\]\n$p}\n"
		}
		2 {
			return "${p}foreach ($ks in as) {\n$p\t$acc $op strlen($ks) * 7 + strlen(as\[$ks\]) + isinstr(as\[$ks\], \"a\")\n$p}\n"
		}
		3 {
			return "${p}foreach (\[$k, $ks\] in am) {\n$p\tif ($k & 1) continue\n$p\t$acc $op $k\n$p}\n"
		}
		default {
			return "${p}foreach ($k in al) {\n$p\tif (al\[$k\] > $k) {\n$p\t\t$acc $op 1\n$p\t}\n$p}\n"
		}
	}
}

proc gen::block {ind d max} {
	set n [expr {1 + [gen::rnd $max]}]
	set s ""
	for {set i 0} {$i < $n} {incr i} {
		append s [gen::stmt $ind $d]
	}
	return $s
}

proc gen::function {idx} {
	variable infunc
	variable fidx
	variable funcs
	variable fthrows
	set ret [gen::pick {long string}]
	set name "f$idx"
	# a function that may throw (error(), a division by 0, an overflow
	# of c4) is only called where an error may happen
	set fthrows [gen::chance 30]
	set infunc 1
	set fidx $idx
	set s "function $name:$ret (a:long, b:string) {\n"
	# t and u are not read before they are set
	set infunc 2
	append s "\tt = [gen::lexpr 2]\n"
	append s "\tu = [gen::sexpr 2]\n"
	set infunc 1
	append s [gen::block 1 1 3]
	if {$ret eq "long"} {
		append s "\treturn [gen::lexpr 3]\n"
	} else {
		append s "\treturn [gen::sexpr 3]\n"
	}
	append s "}\n"
	set infunc 0
	lappend funcs [list $name $ret $idx $fthrows]
	set fthrows 0
	return $s
}

# The final state, printed by the end probe or, when the body failed,
# by the error probe (TAG says which); both run in user space in both
# variants.  Counter arrays are printed sorted, then changed (adds to
# old and new keys, deletes) and summed again: user space reading and
# writing the per-CPU maps the kernel filled.  No new key goes into c3
# or c4 here (c4 may be full; a new key in a full c3 would drop an
# entry whose age only the begin variant knows).
proc gen::dumpfunc {} {
	set e "function dump(tag:string) {\n"
	append e "\tprintf(\"%s %d %d \[%s\] %d %d\\n\", tag, gl0, gl1, gs0, @count(st), @sum(st))\n"
	append e "\tforeach (kk+ in sa) printf(\"sa %d: %d %d %d %d %d\\n\", kk, @count(sa\[kk\]), @sum(sa\[kk\]), @min(sa\[kk\]), @max(sa\[kk\]), @avg(sa\[kk\]))\n"
	append e "\tforeach (kk+ in al) printf(\"al %d=%d\\n\", kk, al\[kk\])\n"
	append e "\tforeach (ks+ in as) printf(\"as \[%s\]=\[%s\]\\n\", ks, as\[ks\])\n"
	append e "\tn = 0; v = 0; foreach (\[kk, kks\] in am) { n++; v += kk * 31 + am\[kk, kks\] + strlen(kks) }\n"
	append e "\tprintf(\"am %d %d\\n\", n, v)\n"
	append e "\tforeach (kk+ in c0) printf(\"c0 %d=%d\\n\", kk, c0\[kk\])\n"
	append e "\tforeach (ks+ in c1) printf(\"c1 \[%s\]=%d\\n\", ks, c1\[ks\])\n"
	append e "\tdelete ct\n"
	append e "\tforeach (\[kk, kks\] in c2) ct\[sprintf(\"%d,%s\", kk, kks)\] = c2\[kk, kks\]\n"
	append e "\tforeach (ks+ in ct) printf(\"c2 \[%s\]=%d\\n\", ks, ct\[ks\])\n"
	foreach c {c3 c4 c5} {
		append e "\tforeach (kk+ in $c) printf(\"$c %d=%d\\n\", kk, $c\[kk\])\n"
	}
	append e "\tc0\[1\] += 10; c0\[9\]++; c0\[2\]--; delete c0\[3\]\n"
	append e "\tc1\[\"a\"\] += 5; c1\[\"new\"\]--; delete c1\[\"b\"\]\n"
	append e "\tc2\[1, \"a\"\] += 7; delete c2\[2, \"ab\"\]\n"
	append e "\tif (\[1\] in c3) c3\[1\] += 100\n"
	append e "\tif (\[0\] in c4) c4\[0\]--\n"
	append e "\tc5\[1000000\] += 3\n"
	append e "\tn = 0; v = 0; foreach (kk in c0) { n++; v += kk * 31 + c0\[kk\] }\n"
	append e "\tforeach (ks in c1) { n++; v += strlen(ks) * 37 + c1\[ks\] }\n"
	append e "\tforeach (\[kk, kks\] in c2) { n++; v += kk * 41 + strlen(kks) * 43 + c2\[kk, kks\] }\n"
	append e "\tprintf(\"c' %d %d\\n\", n, v)\n"
	foreach c {c3 c4 c5} {
		append e "\tn = 0; v = 0; foreach (kk in $c) { n++; v += kk * 31 + $c\[kk\] }\n"
		append e "\tprintf(\"$c' %d %d\\n\", n, v)\n"
	}
	append e "}\n"
	append e "probe end {\n\tdump(\"end\")\n}\n"
	append e "probe error {\n\tdump(\"error\")\n}\n"
	return $e
}

# The program for SEED: a dict {globals funcs body end}.
proc gen::program {seed} {
	variable funcs
	variable nkey
	variable loopdepth
	variable inloop
	variable intry
	variable infunc
	variable errok
	variable kread
	variable fthrows
	variable fresh
	gen::seed $seed
	set funcs {}
	set nkey 0
	set loopdepth 0
	set inloop 0
	set intry 0
	set infunc 0
	set fthrows 0
	set fresh 1
	variable focus
	set focus [expr {[gen::chance 80] ? 0 : 1 + [gen::rnd 2]}]
	set errok [gen::chance 17]
	set kread [gen::chance 20]
	set w3 [gen::pick {4 5 8}]
	set k4 [gen::pick {2 3 4}]
	set w5 [gen::pick {2 3 4 6}]
	set fs ""
	set nf [gen::rnd 4]
	for {set i 0} {$i < $nf} {incr i} {
		append fs [gen::function $i]
	}
	set b ""
	append b "\tst <<< [gen::longlit]\n"
	foreach v {x0 x1 x2 x3} {
		append b "\t$v = [gen::longlit]\n"
	}
	foreach v {s0 s1 s2} {
		append b "\t$v = [gen::strlit]\n"
	}
	append b [gen::block 1 2 22]
	# the final state, order-independent
	append b "\tprintf(\"x %d %d %d %d g %d %d\\n\", x0, x1, x2, x3, gl0, gl1)\n"
	append b "\tprintf(\"s \[%s\] \[%s\] \[%s\] \[%s\]\\n\", s0, s1, s2, gs0)\n"
	append b "\tprintf(\"st %d %d %d %d %d\\n\", @count(st), @sum(st), @min(st), @max(st), @avg(st))\n"
	append b "\tn = 0; v = 0; foreach (kk in al) { n++; v += kk * 31 + al\[kk\] }\n"
	append b "\tprintf(\"al %d %d\\n\", n, v)\n"
	append b "\tn = 0; v = 0; foreach (\[kk, kks\] in am) { n++; v += kk * 31 + am\[kk, kks\] + strlen(kks) }\n"
	append b "\tprintf(\"am %d %d\\n\", n, v)\n"
	set g "global gl0, gl1, gs0, al, as, am, st, sa"
	append g ", c0, c1, c2, c3%\[$w3\], c4\[$k4\], c5%\[$w5\], ct"
	return [dict create globals $g funcs $fs body $b end [gen::dumpfunc]]
}

# The whole script for SEED in MODE (begin or timer): the same lines
# and columns in both.
proc difftest_program {seed mode} {
	set p [gen::program $seed]
	set s "# generated by gen.tcl, seed $seed, $mode\n"
	if {$mode eq "begin"} {
		append s "[dict get $p globals]\n[dict get $p funcs]"
		append s "probe begin \{\n"
	} else {
		append s "[dict get $p globals], __done\n[dict get $p funcs]"
		append s "probe timer.ms(1) \{ if (__done++) next\n"
	}
	append s "[dict get $p body]\texit()\n\}\n[dict get $p end]"
	return $s
}

if {[info exists argv0] && [file tail $argv0] eq "gen.tcl"} {
	set mode begin
	if {[llength $argv] > 1} {
		set mode [lindex $argv 1]
	}
	puts -nonewline [difftest_program [lindex $argv 0] $mode]
}
