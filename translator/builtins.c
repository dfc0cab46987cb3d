/* builtins.c - the table of built-in functions.
 *
 * Design.  A function is a built-in when the back end must produce it
 * natively: reading the probe context (pid(), execname(), registers),
 * clocks, memory reads, output and control (print family, exit, error),
 * and string primitives that would be slow or impossible to loop over
 * in BPF script code.  The table holds the user-visible SystemTap names
 * directly (no __builtin_ prefix layer): a call `execname()` resolves to
 * BI_EXECNAME unless the script itself defines execname().  Everything
 * expressible in the language lives in the script tapsets instead
 * (the .stp files in tapsets/): ctime(), tz_ctime(), nsecs_to_string(), errno_str(),
 * isdigit(), string_quoted() ...  Lookup order for a call is: script
 * functions of the user's file and included tapsets, then this table,
 * then the tapset library (which pulls the defining file in).
 *
 * Types: TY_UNKNOWN as an argument type means "any scalar" (the print
 * family); the variadic tail of printf/sprintf is typed by the format
 * string at pass 2 (format__parse).
 */
#include <errno.h>
#include <string.h>

#include "builtins.h"

#define L TY_LONG
#define S TY_STRING
#define V TY_VOID
#define A TY_UNKNOWN

#define BI(id_, name_, min_, max_, ret_, flags_, ...)			\
	[BI_##id_] = { .name = #name_, .id = BI_##id_, .min_args = min_, \
		       .max_args = max_, .ret = ret_, .flags = flags_,	\
		       .args = { __VA_ARGS__ } }

#define CTXK BF_KERNEL		/* reads the probe's kernel context */

const struct builtin builtins[BI__COUNT] = {
	/* output: variadic, any scalar */
	BI(PRINT, print, 1, -1, V, BF_BOTH | BF_SIDE | BF_HIST_OK, A),
	BI(PRINTLN, println, 0, -1, V, BF_BOTH | BF_SIDE | BF_HIST_OK, A),
	BI(PRINTF, printf, 1, -1, V, BF_BOTH | BF_SIDE | BF_FORMAT, S),
	BI(PRINTD, printd, 2, -1, V, BF_BOTH | BF_SIDE | BF_DELIM, S),
	BI(PRINTDLN, printdln, 2, -1, V, BF_BOTH | BF_SIDE | BF_DELIM, S),
	BI(SPRINT, sprint, 1, -1, S, BF_BOTH, A),
	BI(SPRINTLN, sprintln, 0, -1, S, BF_BOTH, A),
	BI(SPRINTF, sprintf, 1, -1, S, BF_BOTH | BF_FORMAT, S),
	/* control */
	BI(EXIT, exit, 0, 0, V, BF_BOTH | BF_SIDE, 0),
	BI(ERROR, error, 1, 1, V, BF_BOTH | BF_SIDE, S),
	BI(WARN, warn, 1, 1, V, BF_BOTH | BF_SIDE, S),
	BI(ABORT, abort, 0, 0, V, BF_BOTH | BF_SIDE, 0),
	BI(SYSTEM, system, 1, 1, V, BF_BOTH | BF_SIDE, S),
	/* task context */
	BI(EXECNAME, execname, 0, 0, S, CTXK, 0),
	BI(PEXECNAME, pexecname, 0, 0, S, CTXK, 0),
	BI(PID, pid, 0, 0, L, CTXK, 0),
	BI(TID, tid, 0, 0, L, CTXK, 0),
	BI(PPID, ppid, 0, 0, L, CTXK, 0),
	BI(UID, uid, 0, 0, L, CTXK, 0),
	BI(EUID, euid, 0, 0, L, CTXK, 0),
	BI(GID, gid, 0, 0, L, CTXK, 0),
	BI(EGID, egid, 0, 0, L, CTXK, 0),
	BI(CPU, cpu, 0, 0, L, CTXK, 0),
	BI(TARGET, target, 0, 0, L, BF_BOTH, 0),
	BI(IS_RETURN, is_return, 0, 0, L, BF_BOTH, 0),
	BI(USER_MODE, user_mode, 0, 0, L, CTXK, 0),
	BI(STP_PID, stp_pid, 0, 0, L, BF_BOTH, 0),
	BI(CMDLINE_STR, cmdline_str, 0, 0, S, CTXK, 0),
	/* the probe point */
	BI(PP, pp, 0, 0, S, BF_BOTH, 0),
	BI(PN, pn, 0, 0, S, BF_BOTH, 0),
	BI(PPFUNC, ppfunc, 0, 0, S, BF_BOTH, 0),
	BI(PROBEFUNC, probefunc, 0, 0, S, CTXK, 0),
	/* time */
	BI(GETTIMEOFDAY_S, gettimeofday_s, 0, 0, L, BF_BOTH, 0),
	BI(GETTIMEOFDAY_MS, gettimeofday_ms, 0, 0, L, BF_BOTH, 0),
	BI(GETTIMEOFDAY_US, gettimeofday_us, 0, 0, L, BF_BOTH, 0),
	BI(GETTIMEOFDAY_NS, gettimeofday_ns, 0, 0, L, BF_BOTH, 0),
	BI(LOCAL_CLOCK_NS, local_clock_ns, 0, 0, L, BF_BOTH, 0),
	BI(LOCAL_CLOCK_US, local_clock_us, 0, 0, L, BF_BOTH, 0),
	BI(LOCAL_CLOCK_MS, local_clock_ms, 0, 0, L, BF_BOTH, 0),
	BI(LOCAL_CLOCK_S, local_clock_s, 0, 0, L, BF_BOTH, 0),
	BI(CPU_CLOCK_NS, cpu_clock_ns, 1, 1, L, BF_BOTH, L),
	BI(CPU_CLOCK_US, cpu_clock_us, 1, 1, L, BF_BOTH, L),
	BI(CPU_CLOCK_MS, cpu_clock_ms, 1, 1, L, BF_BOTH, L),
	BI(CPU_CLOCK_S, cpu_clock_s, 1, 1, L, BF_BOTH, L),
	BI(KTIME_GET_NS, ktime_get_ns, 0, 0, L, BF_BOTH, 0),
	BI(JIFFIES, jiffies, 0, 0, L, BF_BOTH, 0),
	BI(GET_CYCLES, get_cycles, 0, 0, L, BF_BOTH, 0),
	BI(TZ_GMTOFF, tz_gmtoff, 0, 0, L, BF_BOTH, 0),
	BI(TZ_NAME, tz_name, 0, 0, S, BF_BOTH, 0),
	/* strings */
	BI(STRLEN, strlen, 1, 1, L, BF_BOTH, S),
	BI(SUBSTR, substr, 3, 3, S, BF_BOTH, S, L, L),
	BI(STRINGAT, stringat, 2, 2, L, BF_BOTH, S, L),
	BI(ISINSTR, isinstr, 2, 2, L, BF_BOTH, S, S),
	BI(STRPOS, strpos, 2, 2, L, BF_BOTH, S, S),
	BI(STR_REPLACE, str_replace, 3, 3, S, BF_BOTH, S, S, S),
	BI(TEXT_STR, text_str, 1, 1, S, BF_BOTH, S),
	BI(TEXT_STRN, text_strn, 3, 3, S, BF_BOTH, S, L, L),
	BI(STRTOL, strtol, 2, 2, L, BF_BOTH, S, L),
	BI(TOKENIZE, tokenize, 2, 2, S, BF_BOTH | BF_SIDE, S, S),
	/* memory */
	BI(KERNEL_STRING, kernel_string, 1, 1, S, CTXK, L),
	BI(KERNEL_STRING_N, kernel_string_n, 2, 2, S, CTXK, L, L),
	BI(KERNEL_LONG, kernel_long, 1, 1, L, CTXK, L),
	BI(KERNEL_INT, kernel_int, 1, 1, L, CTXK, L),
	BI(KERNEL_SHORT, kernel_short, 1, 1, L, CTXK, L),
	BI(KERNEL_CHAR, kernel_char, 1, 1, L, CTXK, L),
	BI(KERNEL_POINTER, kernel_pointer, 1, 1, L, CTXK, L),
	BI(USER_STRING, user_string, 1, 1, S, CTXK, L),
	BI(USER_STRING_N, user_string_n, 2, 2, S, CTXK, L, L),
	BI(USER_LONG, user_long, 1, 1, L, CTXK, L),
	BI(USER_INT, user_int, 1, 1, L, CTXK, L),
	BI(USER_SHORT, user_short, 1, 1, L, CTXK, L),
	BI(USER_CHAR, user_char, 1, 1, L, CTXK, L),
	/* numbers */
	BI(RANDINT, randint, 1, 1, L, BF_BOTH, L),
	BI(ABS, abs, 1, 1, L, BF_BOTH, L),
	BI(MIN, min, 2, 2, L, BF_BOTH, L, L),
	BI(MAX, max, 2, 2, L, BF_BOTH, L, L),
	/* stacks and symbols */
	BI(BACKTRACE, backtrace, 0, 0, S, CTXK, 0),
	BI(UBACKTRACE, ubacktrace, 0, 0, S, CTXK, 0),
	BI(PRINT_BACKTRACE, print_backtrace, 0, 0, V, CTXK | BF_SIDE, 0),
	BI(PRINT_UBACKTRACE, print_ubacktrace, 0, 0, V, CTXK | BF_SIDE, 0),
	BI(SPRINT_BACKTRACE, sprint_backtrace, 0, 0, S, CTXK, 0),
	BI(SPRINT_UBACKTRACE, sprint_ubacktrace, 0, 0, S, CTXK, 0),
	BI(SYMNAME, symname, 1, 1, S, BF_BOTH, L),
	BI(USYMNAME, usymname, 1, 1, S, BF_BOTH, L),
	BI(SYMDATA, symdata, 1, 1, S, BF_BOTH, L),
	BI(USYMDATA, usymdata, 1, 1, S, BF_BOTH, L),
	BI(ADDR, addr, 0, 0, L, CTXK, 0),
	BI(UADDR, uaddr, 0, 0, L, CTXK, 0),
	BI(REGISTER, register, 1, 1, L, CTXK, S),
	BI(U_REGISTER, u_register, 1, 1, L, CTXK, S),
	BI(RETURNVAL, returnval, 0, 0, L, CTXK, 0),
	/* more task context (the ns_ ones: as seen from the target's
	 * pid/user namespace) */
	BI(PGRP, pgrp, 0, 0, L, CTXK, 0),
	BI(SID, sid, 0, 0, L, CTXK, 0),
	BI(IS_MYPROC, is_myproc, 0, 0, L, CTXK, 0),
	BI(NS_PID, ns_pid, 0, 0, L, CTXK, 0),
	BI(NS_TID, ns_tid, 0, 0, L, CTXK, 0),
	BI(NS_PPID, ns_ppid, 0, 0, L, CTXK, 0),
	BI(NS_PGRP, ns_pgrp, 0, 0, L, CTXK, 0),
	BI(NS_SID, ns_sid, 0, 0, L, CTXK, 0),
	BI(NS_UID, ns_uid, 0, 0, L, CTXK, 0),
	BI(NS_EUID, ns_euid, 0, 0, L, CTXK, 0),
	BI(NS_GID, ns_gid, 0, 0, L, CTXK, 0),
	BI(NS_EGID, ns_egid, 0, 0, L, CTXK, 0),
	/* system constants (the translator or runtime knows them) */
	BI(HZ, HZ, 0, 0, L, BF_BOTH, 0),
	BI(MEM_PAGE_SIZE, mem_page_size, 0, 0, L, BF_BOTH, 0),
	/* sized user-memory reads */
	BI(USER_INT8, user_int8, 1, 1, L, CTXK, L),
	BI(USER_UINT8, user_uint8, 1, 1, L, CTXK, L),
	BI(USER_INT16, user_int16, 1, 1, L, CTXK, L),
	BI(USER_UINT16, user_uint16, 1, 1, L, CTXK, L),
	BI(USER_INT32, user_int32, 1, 1, L, CTXK, L),
	BI(USER_UINT32, user_uint32, 1, 1, L, CTXK, L),
	BI(USER_INT64, user_int64, 1, 1, L, CTXK, L),
	BI(USER_UINT64, user_uint64, 1, 1, L, CTXK, L),
};

const struct builtin *builtin__find(const char *name)
{
	/* ~100 entries, looked up once per call site: linear is fine */
	for (int i = 0; i < BI__COUNT; i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

const struct builtin *builtin__get(enum builtin_id id)
{
	return &builtins[id];
}

/* ---- printf formats ----
 * %[flags][width][.precision][length]conversion
 *   flags: - + space # 0;  width/precision: digits or '*' (a long arg)
 *   length: h hh l ll L j z t (accepted, ignored)
 *   conversions: d i o u x X c p b (long), s (string), % (none);
 *   m and M (stap's memory dumps) are refused with a clear message
 */
int format__parse(struct arena *a, const char *fmt, struct vec *out,
		  const char **err, int *errpos)
{
	for (const char *p = fmt; *p; p++) {
		const char *start = p;
		struct fmt_conv *c;

		if (*p != '%')
			continue;
		p++;
		if (*p == '%')
			continue;
		while (*p && strchr("-+ #0", *p))
			p++;
		for (int part = 0; part < 2; part++) {
			if (*p == '*') {
				c = arena__alloc(a, sizeof(*c));
				c->type = TY_LONG;
				c->pos = (int)(start - fmt);
				c->conv = '*';
				vec__push(a, out, c);
				p++;
			} else {
				while (*p >= '0' && *p <= '9')
					p++;
			}
			if (part == 0 && *p == '.')
				p++;
			else
				break;
		}
		while (*p && strchr("hlLjzt", *p))
			p++;
		if (!*p || !strchr("diouxXcpbmMs", *p)) {
			*err = *p ? "invalid conversion in format string" :
				    "incomplete conversion at the end of the "
				    "format string";
			*errpos = (int)(start - fmt);
			return -EINVAL;
		}
		if (*p == 'm' || *p == 'M') {
			/* stap dumps kernel memory at a pointer; neither
			 * engine reads memory for a format yet */
			*err = "the %m and %M conversions (memory dumps) are "
			       "not supported";
			*errpos = (int)(start - fmt);
			return -EINVAL;
		}
		c = arena__alloc(a, sizeof(*c));
		c->type = *p == 's' ? TY_STRING : TY_LONG;
		c->pos = (int)(start - fmt);
		c->conv = *p;
		vec__push(a, out, c);
	}
	return 0;
}
