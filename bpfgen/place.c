/* place.c - where interval timer probes run (pass 3, inside lowering).
 *
 * Entry point: place__timers(), called by lower__program() once every
 * probe and function is lowered and before the functions' sides are
 * computed.  Precondition: IRF_PROBE functions have user_space set for
 * begin/end/error/never (probe_kind) and false otherwise.
 *
 * A timer.s/ms/us/ns/hz/jiffies probe runs in the kernel (a perf event
 * and a BPF program), unless
 *   - its code needs what only user space has: a sorted foreach,
 *     regular expressions, recursion, `[*, k] in a`, a built-in the
 *     back end has no BPF for (the BF_KERNEL flag), and
 *   - it reads nothing of the task or CPU the timer interrupts: no
 *     pid(), execname(), cpu(), kernel or user memory, backtraces...
 * Then the runtime runs it in the interpreter at the same interval
 * (probe_kind "timer", runtime/run.c).  The typical case is the probe
 * that prints a sorted top-N every few seconds and clears the arrays:
 * it behaves as in stap except for stap's locks, since kernel probes
 * keep updating the arrays while it reads them.  timer.profile reads
 * the interrupted context by definition and always stays in the kernel.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "ir.h"
#include "provider.h"
#include "session.h"

/* Built-ins that read nothing of the interrupted task or CPU. */
static bool context_free(enum builtin_id id)
{
	switch (id) {
	case BI_PRINT: case BI_PRINTLN: case BI_PRINTF: case BI_PRINTD:
	case BI_PRINTDLN: case BI_SPRINT: case BI_SPRINTLN: case BI_SPRINTF:
	case BI_EXIT: case BI_ERROR: case BI_WARN: case BI_ABORT:
	case BI_SYSTEM: case BI_TARGET: case BI_STP_PID: case BI_PP:
	case BI_PN:
	case BI_GETTIMEOFDAY_S: case BI_GETTIMEOFDAY_MS:
	case BI_GETTIMEOFDAY_US: case BI_GETTIMEOFDAY_NS:
	case BI_LOCAL_CLOCK_NS: case BI_LOCAL_CLOCK_US:
	case BI_LOCAL_CLOCK_MS: case BI_LOCAL_CLOCK_S:
	case BI_KTIME_GET_NS: case BI_JIFFIES:
	case BI_TZ_GMTOFF: case BI_TZ_NAME:
	case BI_STRLEN: case BI_SUBSTR: case BI_STRINGAT: case BI_ISINSTR:
	case BI_STRPOS: case BI_STR_REPLACE: case BI_TEXT_STR:
	case BI_TEXT_STRN: case BI_STRTOL: case BI_TOKENIZE:
	case BI_RANDINT: case BI_ABS: case BI_MIN: case BI_MAX:
	case BI_HZ: case BI_MEM_PAGE_SIZE:
		return true;
	default:
		return false;
	}
}

struct walk {
	struct ir_program *p;
	unsigned char *state;	/* per function: 0 new, 1 on the path, 2 done */
	bool user_only;		/* needs user space */
	bool context;		/* reads the interrupted context */
};

static int func_index(const struct ir_program *p, const struct ir_func *f)
{
	if (f->id >= 0 && f->id < p->funcs.n && vec_at(&p->funcs, f->id) == f)
		return f->id;
	vec_foreach(i, &p->funcs)
		if (vec_at(&p->funcs, i) == f)
			return (int)i;
	return -1;
}

/* What f and everything it calls or runs need; a call back into a
 * function on the current path is recursion. */
static void walk(struct walk *w, struct ir_func *f)
{
	int id = func_index(w->p, f);

	if (id < 0)
		return;
	if (w->state[id] == 1) {
		w->user_only = true;		/* recursion */
		return;
	}
	if (w->state[id] == 2)
		return;
	w->state[id] = 1;
	vec_foreach(bi, &f->blocks) {
		struct ir_block *b = vec_at(&f->blocks, bi);

		vec_foreach(ii, &b->insns) {
			struct ir_insn *in = vec_at(&b->insns, ii);

			switch (in->opc) {
			case IR_REGEX:
				w->user_only = true;
				break;
			case IR_FOREACH:
				if (in->sort_dir)
					w->user_only = true;
				break;
			case IR_MAP_EXISTS:
				for (int k = 0; k < in->nargs; k++)
					if (in->args[k].kind == IRV_NONE)
						w->user_only = true;
				break;
			case IR_BUILTIN:
				if (!in->builtin ||
				    !context_free(in->builtin->id))
					w->context = true;
				else if (!(in->builtin->flags & BF_KERNEL))
					w->user_only = true;
				break;
			default:
				break;
			}
			if ((in->opc == IR_CALL || in->opc == IR_LOOP ||
			     in->opc == IR_FOREACH) && in->fn)
				walk(w, in->fn);
		}
	}
	w->state[id] = 2;
}

/* An interval timer (not timer.profile)? */
static bool interval_timer(const struct ir_func *f)
{
	const struct derived_probe *dp = f->probe;
	const struct prov_timer_data *d;

	if (f->kind != IRF_PROBE || f->user_space || !dp ||
	    dp->prov != &prov_timer || !dp->prov_data)
		return false;
	d = dp->prov_data;
	return d->unit != TU_PROFILE;
}

int place__timers(struct session *s, struct ir_program *p)
{
	(void)s;
	vec_foreach(i, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, i);
		struct walk w = { .p = p };

		if (!interval_timer(f))
			continue;
		w.state = calloc((size_t)p->funcs.n + 1, 1);
		if (!w.state)
			return -ENOMEM;
		walk(&w, f);
		free(w.state);
		if (w.user_only && !w.context) {
			f->user_space = true;
			f->probe_kind = "timer";
		}
	}
	return 0;
}
