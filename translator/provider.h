/* provider.h - the probe-provider registry (ply style).
 *
 * A provider owns a family of probe points ("timer.ms(N)", "perf.sw.*",
 * "begin", ...).  Pass 2 matches every concrete probe point (after alias
 * expansion and wildcard matching) against the providers in the table in
 * provider.c; the first whose resolve() claims it owns the derived probe.
 *
 * Adding a provider (kernel.trace, syscall, kernel.function, process.*)
 * is one new prov_*.c file defining a `const struct provider` plus one
 * line in the table in provider.c.
 *
 * Point templates.  Each provider lists the shapes of the points it
 * accepts in `points`, one string per base shape, components separated
 * by '.', with "(number)" or "(string)" for a parameter:
 *	"timer.ms(number)", "perf.sw.cpu_clock", "begin", "begin(number)"
 * and in `suffixes` the optional trailing components that may follow any
 * base, each at most once, in any order:
 *	"randomize(number)", "sample(number)", "process", "process(string)"
 * Pass 2 uses the templates to expand '*', '**' and {a,b} in the
 * component names of a user's point, and -l to list points.  Providers
 * whose points cannot be enumerated this way (tracepoint names, DWARF
 * functions: wildcards inside a string parameter) set `expand`.
 */
#ifndef BSTAP_PROVIDER_H
#define BSTAP_PROVIDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ast.h"
#include "session.h"

struct provider {
	const char *name;			/* "timer", "perf", "begin" */
	const char *const *points;		/* NULL-terminated templates */
	const char *const *suffixes;		/* NULL-terminated, or NULL */

	/* Does this concrete point (dp->point: no wildcards left in the
	 * component names) belong to this provider?  Returns 1 when it
	 * does and is valid (dp->prov_data, dp->order filled in), 0 when
	 * it is not ours, or a negative errno after diag__error() when it
	 * is ours but invalid (timer.ms(0), perf.type(99)...). */
	int (*resolve)(struct session *s, struct derived_probe *dp);

	/* -l/-L: print the points matching the glob PATTERN, one a line,
	 * with -L (vars) followed by " $name:type" context variables.
	 * NULL: the generic lister in provider.c, from `points`. */
	void (*list)(struct session *s, FILE *f, const char *pattern,
		     bool vars);

	/* Resolve a target expression in a probe body: EX_TARGET ($var,
	 * $$vars ...), EX_ENTRY, EX_VARAT, EX_CAST, EX_PERF.  Returns 0 and
	 * sets e->type (and e->target, the provider's own data) on
	 * success; a negative errno when the expression cannot be
	 * resolved here (no diagnostic: pass 2 reports "unresolved
	 * target-symbol expression", or makes @defined() false).  NULL:
	 * the provider has no context variables at all. */
	int (*target_var)(struct session *s, struct derived_probe *dp,
			  struct expr *e);

	/* Optional: expand wildcards a provider handles itself (inside a
	 * string parameter, kernel.trace("sched:*")) into concrete
	 * points pushed on out (struct probe_point *).  Returns the
	 * number pushed or a negative errno.  NULL: the point is used
	 * as it is. */
	int (*expand)(struct session *s, const struct probe_point *pt,
		      struct vec *out);

	/* Back end hooks, filled in by the later code-generation and
	 * runtime issues; pass 2 never touches them.
	 * emit:   pass 3, generate the program prologue for this probe
	 *         type (context setup, section name, ...).
	 * attach: pass 5, attach the loaded program (perf_event_open,
	 *         bpf_program__attach_*, user-space begin/end driver). */
	void *emit;
	void *attach;
};

/* The table of all providers, NULL-terminated (provider.c). */
extern const struct provider *const providers[];

extern const struct provider prov_begin;	/* begin[(N)] */
extern const struct provider prov_end;		/* end[(N)] */
extern const struct provider prov_error;	/* error[(N)] */
extern const struct provider prov_never;	/* never */
extern const struct provider prov_timer;	/* timer.* */
extern const struct provider prov_perf;		/* perf.* */
extern const struct provider prov_trace;	/* kernel.trace("g:e") */

/* ---- provider data (dp->prov_data) for the back end ---- */

enum begin_kind { BK_BEGIN, BK_END, BK_ERROR, BK_NEVER };

struct prov_begin_data {
	enum begin_kind kind;
	int64_t order;			/* also in dp->order */
};

enum timer_unit {
	TU_S, TU_MS, TU_US, TU_NS, TU_HZ, TU_JIFFIES,
	TU_PROFILE,			/* timer.profile, timer.profile.tick */
};

struct prov_timer_data {
	enum timer_unit unit;
	int64_t interval;		/* as written, in unit */
	int64_t randomize;		/* as written, in unit; 0 = none */
	uint64_t period_ns;		/* interval in ns (0 for profile) */
	uint64_t randomize_ns;		/* randomize in ns */
	uint64_t hz;			/* timer.hz(N): N */
	bool tick;			/* timer.profile.tick */
	/* .randomize(M): stap draws a new period in [N - M, N + M] at
	 * every expiry.  The perf event then fires every base period and
	 * the probe counts down a number of base periods drawn in
	 * [ticks_lo, ticks_lo + ticks_span) each time it runs (bpfgen/
	 * isel.c, prologue).  base_ns 0 with TU_JIFFIES: one jiffy, which
	 * only the runtime knows. */
	uint64_t base_ns;
	int64_t ticks_lo, ticks_span;
};

struct prov_perf_data {
	uint32_t type;			/* PERF_TYPE_* */
	uint64_t config;		/* PERF_COUNT_* */
	const char *event;		/* "cpu_clock", or NULL for type/config */
	uint64_t sample_period;		/* .sample(N); default 1000000 */
	bool process;			/* .process or .process("path") */
	const char *process_path;	/* NULL: the -c/-x target */
	const char *counter;		/* .counter("name"), or NULL */
};

/* kernel.trace("group:name"): one tracepoint, from tracefs. */
enum ctx_field_kind {
	CF_NUM,				/* an integer of size 1, 2, 4 or 8 */
	CF_STR,				/* char name[size], inline */
	CF_DATALOC,			/* __data_loc char[]: a u32 at off,
					 * (len << 16) | offset of the bytes
					 * from the record's start */
};

/* A context variable read from the probe's context record ($name):
 * e->target of an EX_TARGET, IR_CTX's ctx (bpfgen/ir.h). */
struct ctx_field {
	const char *name;		/* without '$' */
	enum ctx_field_kind kind;
	int off, size;
	bool is_signed;
	bool is_ptr;			/* declared with a '*' (an address) */
	int vsize;			/* bytes of the value inside the
					 * size-byte slot (syscall arguments
					 * are 8-byte slots holding an int:
					 * 4), or 0: all of it */
};

/* e->target of a kernel.trace EX_TARGET: a field, shown raw ($name) or
 * pretty ($name$: numbers 0x%x, strings quoted), or every field
 * ($$parms, $$vars: "name=value ..." pretty; field NULL). */
struct ctx_ref {
	const struct ctx_field *field;
	bool pretty;
};

struct prov_trace_data {
	const char *group, *event;	/* "sched", "sched_switch" */
	int64_t id;			/* tracefs events/G/E/id */
	int nfields;
	struct ctx_field *fields;	/* without the common_ ones */
};

/* The tracefs mount ("/sys/kernel/tracing"), mounting it there when
 * no tracefs is mounted; NULL when there is none. */
const char *trace__root(struct session *s);
/* Read events/GROUP/EVENT/format into d (group and event set): 0 or a
 * negative errno. */
int trace__read_format(struct session *s, struct prov_trace_data *d);

/* ---- helpers for providers (provider.c) ---- */

/* Component i of pt, or NULL. */
const struct ppcomp *pp__comp(const struct probe_point *pt, int i);
/* Does component i exist and have this name? */
bool pp__is(const struct probe_point *pt, int i, const char *name);
/* Numeric argument of component i, checked to be a number: returns 0
 * and *out, or -EINVAL after a diagnostic. */
int pp__num(struct session *s, const struct probe_point *pt, int i,
	    int64_t *out);
/* Find a suffix component by name at index >= from; -1 if absent. */
int pp__find(const struct probe_point *pt, int from, const char *name);
/* A point as text: "timer.ms(100)", "process(\"/bin/ls\")". */
char *pp__str(struct session *s, const struct probe_point *pt);

/* glob match of one component name: '*' any run, '?' not special. */
bool pp__glob(const char *pat, const char *name);

/* The generic lister, from p->points and p->suffixes. */
void provider__list_templates(struct session *s, FILE *f,
			      const struct provider *p, const char *pattern,
			      bool vars);

#endif
