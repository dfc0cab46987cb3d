/* builtins.h - functions the back end implements natively.
 *
 * See builtins.c for the design (which names are built-ins and which
 * come from the script tapsets).  An EX_CALL resolved to a built-in has
 * e->builtin set (and e->fn NULL); its id is stable, switch on it.
 */
#ifndef BSTAP_BUILTINS_H
#define BSTAP_BUILTINS_H

#include <stdbool.h>

#include "ast.h"

/* X(id, "name") - the ids in table order; keep new ones at the end. */
#define BUILTIN_IDS(X)							\
	X(PRINT, print) X(PRINTLN, println) X(PRINTF, printf)		\
	X(PRINTD, printd) X(PRINTDLN, printdln) X(SPRINT, sprint)	\
	X(SPRINTLN, sprintln) X(SPRINTF, sprintf)			\
	X(EXIT, exit) X(ERROR, error) X(WARN, warn) X(ABORT, abort)	\
	X(SYSTEM, system)						\
	X(EXECNAME, execname) X(PEXECNAME, pexecname) X(PID, pid)	\
	X(TID, tid) X(PPID, ppid) X(UID, uid) X(EUID, euid) X(GID, gid)	\
	X(EGID, egid) X(CPU, cpu) X(TARGET, target)			\
	X(IS_RETURN, is_return) X(USER_MODE, user_mode)		\
	X(STP_PID, stp_pid) X(CMDLINE_STR, cmdline_str)		\
	X(PP, pp) X(PN, pn) X(PPFUNC, ppfunc) X(PROBEFUNC, probefunc)	\
	X(GETTIMEOFDAY_S, gettimeofday_s)				\
	X(GETTIMEOFDAY_MS, gettimeofday_ms)				\
	X(GETTIMEOFDAY_US, gettimeofday_us)				\
	X(GETTIMEOFDAY_NS, gettimeofday_ns)				\
	X(LOCAL_CLOCK_NS, local_clock_ns) X(LOCAL_CLOCK_US, local_clock_us) \
	X(LOCAL_CLOCK_MS, local_clock_ms) X(LOCAL_CLOCK_S, local_clock_s) \
	X(CPU_CLOCK_NS, cpu_clock_ns) X(CPU_CLOCK_US, cpu_clock_us)	\
	X(CPU_CLOCK_MS, cpu_clock_ms) X(CPU_CLOCK_S, cpu_clock_s)	\
	X(KTIME_GET_NS, ktime_get_ns) X(JIFFIES, jiffies)		\
	X(GET_CYCLES, get_cycles)					\
	X(TZ_GMTOFF, tz_gmtoff) X(TZ_NAME, tz_name)			\
	X(STRLEN, strlen) X(SUBSTR, substr) X(STRINGAT, stringat)	\
	X(ISINSTR, isinstr) X(STRPOS, strpos)				\
	X(STR_REPLACE, str_replace) X(TEXT_STR, text_str)		\
	X(TEXT_STRN, text_strn) X(STRTOL, strtol) X(TOKENIZE, tokenize)	\
	X(KERNEL_STRING, kernel_string)					\
	X(KERNEL_STRING_N, kernel_string_n)				\
	X(KERNEL_LONG, kernel_long) X(KERNEL_INT, kernel_int)		\
	X(KERNEL_SHORT, kernel_short) X(KERNEL_CHAR, kernel_char)	\
	X(KERNEL_POINTER, kernel_pointer)				\
	X(USER_STRING, user_string) X(USER_STRING_N, user_string_n)	\
	X(USER_LONG, user_long) X(USER_INT, user_int)			\
	X(USER_SHORT, user_short) X(USER_CHAR, user_char)		\
	X(RANDINT, randint) X(ABS, abs) X(MIN, min) X(MAX, max)	\
	X(BACKTRACE, backtrace) X(UBACKTRACE, ubacktrace)		\
	X(PRINT_BACKTRACE, print_backtrace)				\
	X(PRINT_UBACKTRACE, print_ubacktrace)				\
	X(SPRINT_BACKTRACE, sprint_backtrace)				\
	X(SPRINT_UBACKTRACE, sprint_ubacktrace)				\
	X(SYMNAME, symname) X(USYMNAME, usymname)			\
	X(SYMDATA, symdata) X(USYMDATA, usymdata)			\
	X(ADDR, addr) X(UADDR, uaddr)					\
	X(REGISTER, register) X(U_REGISTER, u_register)		\
	X(RETURNVAL, returnval)						\
	X(PGRP, pgrp) X(SID, sid) X(IS_MYPROC, is_myproc)		\
	X(NS_PID, ns_pid) X(NS_TID, ns_tid) X(NS_PPID, ns_ppid)	\
	X(NS_PGRP, ns_pgrp) X(NS_SID, ns_sid) X(NS_UID, ns_uid)	\
	X(NS_EUID, ns_euid) X(NS_GID, ns_gid) X(NS_EGID, ns_egid)	\
	X(HZ, HZ) X(MEM_PAGE_SIZE, mem_page_size)			\
	X(USER_INT8, user_int8) X(USER_UINT8, user_uint8)		\
	X(USER_INT16, user_int16) X(USER_UINT16, user_uint16)		\
	X(USER_INT32, user_int32) X(USER_UINT32, user_uint32)		\
	X(USER_INT64, user_int64) X(USER_UINT64, user_uint64)

enum builtin_id {
#define BUILTIN_ENUM(id, name) BI_##id,
	BUILTIN_IDS(BUILTIN_ENUM)
#undef BUILTIN_ENUM
	BI__COUNT
};

#define BUILTIN_MAXARGS 4

/* flags */
#define BF_KERNEL	0x01	/* usable in BPF (kernel) probe context */
#define BF_USER		0x02	/* usable where the user-space runtime
				 * runs the code (begin/end/error probes
				 * if the back end runs them there) */
#define BF_BOTH		(BF_KERNEL | BF_USER)
#define BF_FORMAT	0x04	/* arg 0 is a literal printf format */
#define BF_DELIM	0x08	/* arg 0 is a literal delimiter (printd) */
#define BF_SIDE		0x10	/* has side effects (output, exit, ...):
				 * never elided */
#define BF_HIST_OK	0x20	/* @hist_*() may be an argument */

struct builtin {
	const char *name;
	enum builtin_id id;
	int min_args;
	int max_args;			/* -1: variadic */
	enum type ret;			/* TY_VOID: no value */
	/* fixed argument types; TY_UNKNOWN: any scalar (long or string);
	 * arguments past BUILTIN_MAXARGS or max_args are any scalar */
	enum type args[BUILTIN_MAXARGS];
	unsigned flags;
};

/* The entry for a name, or NULL. */
const struct builtin *builtin__find(const char *name);
/* The entry for an id. */
const struct builtin *builtin__get(enum builtin_id id);
/* The whole table, BI__COUNT entries in id order. */
extern const struct builtin builtins[BI__COUNT];

/* printf-style format checking: one conversion needing an argument. */
struct fmt_conv {
	enum type type;		/* TY_LONG or TY_STRING */
	int pos;		/* byte offset of the '%' in the format */
	char conv;		/* 'd', 's', ... or '*' for a '*' width */
};

/* Parse a format; conversions pushed on out (struct fmt_conv *).
 * Returns 0, or -EINVAL with *err set to a message and *errpos to the
 * byte offset of the bad directive. */
int format__parse(struct arena *a, const char *fmt, struct vec *out,
		  const char **err, int *errpos);

#endif
