# gen.tcl - random SystemTap programs for differential testing.
#
# One seed gives one program body (deterministic: our own 64-bit LCG,
# not Tcl's rand()), which difftest_wrap puts in two probes:
#   begin     probe begin { BODY exit() }        -> bstap's interpreter
#   timer     probe timer.ms(1) { ... BODY ... } -> BPF in the kernel
# Both must print the same thing.  The body uses only what both engines
# support: long arithmetic (divisors never 0 nor -1), shifts by 0..63,
# strings and the string built-ins, long/string globals, arrays (long,
# string and multi keys, `in`, delete), statistics, if/for/while,
# unsorted foreach with order-independent results only, sorted foreach,
# try/catch with error(), script functions with long/string parameters.
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
		return {a t gl0 gl1}
	}
	set v {x0 x1 x2 x3 gl0 gl1}
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

# Functions callable from here: in a function, only earlier ones.
proc gen::callable {ret} {
	variable funcs
	variable infunc
	variable fidx
	set r {}
	foreach f $funcs {
		lassign $f name rt idx
		if {$rt ne $ret} {
			continue
		}
		if {$infunc && $idx >= $fidx} {
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
	set k [gen::rnd 17]
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

proc gen::ind {n} {
	return [string repeat "\t" $n]
}

# A printf of a few values.
proc gen::printfstmt {ind} {
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
	set k [gen::rnd 34]
	if {$d <= 0 && $k >= 24} {
		set k [gen::rnd 24]
	}
	set p [gen::ind $ind]
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
			if {$intry} {
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
			if {$infunc || $loopdepth >= 2} {
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
			if {$infunc || $loopdepth >= 2} {
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
			if {[gen::chance 25]} {
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
	set ret [gen::pick {long string}]
	set name "f$idx"
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
	lappend funcs [list $name $ret $idx]
	return $s
}

# The program for SEED: a dict {globals funcs body}.
proc gen::program {seed} {
	variable funcs
	variable nkey
	variable loopdepth
	variable inloop
	variable intry
	variable infunc
	gen::seed $seed
	set funcs {}
	set nkey 0
	set loopdepth 0
	set inloop 0
	set intry 0
	set infunc 0
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
	# the end probe (the interpreter in both variants) reads what the
	# body left in the globals
	set e "probe end {\n"
	append e "\tprintf(\"end %d %d \[%s\] %d %d\\n\", gl0, gl1, gs0, @count(st), @sum(st))\n"
	append e "\tforeach (kk+ in sa) printf(\"sa %d: %d %d %d %d %d\\n\", kk, @count(sa\[kk\]), @sum(sa\[kk\]), @min(sa\[kk\]), @max(sa\[kk\]), @avg(sa\[kk\]))\n"
	append e "\tforeach (kk+ in al) printf(\"al %d=%d\\n\", kk, al\[kk\])\n"
	append e "\tforeach (ks+ in as) printf(\"as \[%s\]=\[%s\]\\n\", ks, as\[ks\])\n"
	append e "\tn = 0; v = 0; foreach (\[kk, kks\] in am) { n++; v += kk * 31 + am\[kk, kks\] + strlen(kks) }\n"
	append e "\tprintf(\"am %d %d\\n\", n, v)\n"
	append e "}\n"
	return [dict create globals "global gl0, gl1, gs0, al, as, am, st, sa" \
		    funcs $fs body $b end $e]
}

# The whole script for SEED in MODE (begin or timer).
proc difftest_program {seed mode} {
	set p [gen::program $seed]
	set s "# generated by gen.tcl, seed $seed, $mode\n"
	if {$mode eq "begin"} {
		append s "[dict get $p globals]\n[dict get $p funcs]"
		append s "probe begin {\n[dict get $p body]\texit()\n}\n[dict get $p end]"
	} else {
		append s "[dict get $p globals], __done\n[dict get $p funcs]"
		append s "probe timer.ms(1) {\n\tif (__done++) next\n"
		append s "[dict get $p body]\texit()\n}\n[dict get $p end]"
	}
	return $s
}

if {[info exists argv0] && [file tail $argv0] eq "gen.tcl"} {
	set mode begin
	if {[llength $argv] > 1} {
		set mode [lindex $argv 1]
	}
	puts -nonewline [difftest_program [lindex $argv 0] $mode]
}
