/* prov_perf.c - perf events: perf.sw.<event>, perf.hw.<event> and
 * perf.type(T).config(C), each with .sample(N) (fire every N events;
 * default 1000000), .process or .process("path") (count only in the
 * target process), .counter("name") (no handler: a counter read with
 * @perf("name") in process probes).
 */
#include <errno.h>
#include <string.h>

#include "elab.h"

/* PERF_TYPE_* and PERF_COUNT_* values of <linux/perf_event.h> */
#define PT_HARDWARE 0
#define PT_SOFTWARE 1
#define PT_MAX 6

struct perf_event_name {
	const char *name;
	uint32_t type;
	uint64_t config;
};

static const struct perf_event_name perf_events[] = {
	{ "cpu_clock", PT_SOFTWARE, 0 },
	{ "task_clock", PT_SOFTWARE, 1 },
	{ "page_faults", PT_SOFTWARE, 2 },
	{ "context_switches", PT_SOFTWARE, 3 },
	{ "cpu_migrations", PT_SOFTWARE, 4 },
	{ "page_faults_min", PT_SOFTWARE, 5 },
	{ "page_faults_maj", PT_SOFTWARE, 6 },
	{ "alignment_faults", PT_SOFTWARE, 7 },
	{ "emulation_faults", PT_SOFTWARE, 8 },
	{ "cpu_cycles", PT_HARDWARE, 0 },
	{ "instructions", PT_HARDWARE, 1 },
	{ "cache_references", PT_HARDWARE, 2 },
	{ "cache_misses", PT_HARDWARE, 3 },
	{ "branch_instructions", PT_HARDWARE, 4 },
	{ "branch_misses", PT_HARDWARE, 5 },
	{ "bus_cycles", PT_HARDWARE, 6 },
	{ "stalled_cycles_frontend", PT_HARDWARE, 7 },
	{ "stalled_cycles_backend", PT_HARDWARE, 8 },
	{ "ref_cpu_cycles", PT_HARDWARE, 9 },
};

#define PERF_DEFAULT_SAMPLE 1000000

static const struct perf_event_name *event_by_name(const char *group,
						   const char *name)
{
	uint32_t type = strcmp(group, "sw") == 0 ? PT_SOFTWARE : PT_HARDWARE;

	for (size_t i = 0; i < sizeof(perf_events) / sizeof(perf_events[0]);
	     i++)
		if (perf_events[i].type == type &&
		    strcmp(perf_events[i].name, name) == 0)
			return &perf_events[i];
	return NULL;
}

/* perf.type(T).config(C): components 1 and 2; returns the next index */
static int perf_typed(struct session *s, const struct probe_point *pt,
		      struct prov_perf_data *d)
{
	int64_t type, config;

	if (!pp__is(pt, 2, "config"))
		return 0;
	if (pp__num(s, pt, 1, &type) || pp__num(s, pt, 2, &config))
		return -EINVAL;
	if (type < 0 || type >= PT_MAX) {
		diag__error(s, &pp__comp(pt, 1)->loc, "semantic error",
			    "invalid perf event type %lld (0 to %d)",
			    (long long)type, PT_MAX - 1);
		return -EINVAL;
	}
	d->type = (uint32_t)type;
	d->config = (uint64_t)config;
	return 3;
}

static int perf_suffixes(struct session *s, const struct probe_point *pt,
			 int i, struct prov_perf_data *d)
{
	for (; i < pt->comps.n; i++) {
		const struct ppcomp *c = pp__comp(pt, i);
		int64_t n;

		if (strcmp(c->name, "sample") == 0) {
			if (pp__num(s, pt, i, &n))
				return -EINVAL;
			if (n <= 0) {
				diag__error(s, &c->loc, "semantic error",
					    "invalid perf sample period %lld: "
					    "it must be positive", (long long)n);
				return -EINVAL;
			}
			d->sample_period = (uint64_t)n;
		} else if (strcmp(c->name, "process") == 0) {
			d->process = true;
			if (c->arg && c->arg->kind == EX_STR) {
				if (!*c->arg->str) {
					diag__error(s, &c->loc, "semantic error",
						    "empty process path");
					return -EINVAL;
				}
				d->process_path = c->arg->str;
			}
		} else if (strcmp(c->name, "counter") == 0) {
			if (!c->arg || c->arg->kind != EX_STR ||
			    !*c->arg->str) {
				diag__error(s, &c->loc, "semantic error",
					    "perf counter wants a name: "
					    ".counter(\"NAME\")");
				return -EINVAL;
			}
			d->counter = c->arg->str;
		} else {
			return 0;
		}
	}
	return 1;
}

static int perf_resolve(struct session *s, struct derived_probe *dp)
{
	const struct probe_point *pt = dp->point;
	struct prov_perf_data *d;
	int next;

	if (!pp__is(pt, 0, "perf") || pt->comps.n < 2)
		return 0;
	d = arena__alloc(&s->arena, sizeof(*d));
	d->sample_period = PERF_DEFAULT_SAMPLE;
	if (pp__is(pt, 1, "type")) {
		next = perf_typed(s, pt, d);
	} else if ((pp__is(pt, 1, "sw") || pp__is(pt, 1, "hw")) &&
		   pt->comps.n >= 3) {
		const struct ppcomp *g = pp__comp(pt, 1);
		const struct ppcomp *c = pp__comp(pt, 2);
		const struct perf_event_name *ev = event_by_name(g->name,
								 c->name);

		if (!ev || c->arg)
			return 0;
		d->type = ev->type;
		d->config = ev->config;
		d->event = ev->name;
		next = 3;
	} else {
		return 0;
	}
	if (next <= 0)
		return next;
	next = perf_suffixes(s, pt, next, d);
	if (next <= 0)
		return next;
	dp->prov_data = d;
	return 1;
}

static const char *const perf_points[] = {
	"perf.sw.cpu_clock", "perf.sw.task_clock", "perf.sw.page_faults",
	"perf.sw.context_switches", "perf.sw.cpu_migrations",
	"perf.sw.page_faults_min", "perf.sw.page_faults_maj",
	"perf.sw.alignment_faults", "perf.sw.emulation_faults",
	"perf.hw.cpu_cycles", "perf.hw.instructions",
	"perf.hw.cache_references", "perf.hw.cache_misses",
	"perf.hw.branch_instructions", "perf.hw.branch_misses",
	"perf.hw.bus_cycles", "perf.hw.stalled_cycles_frontend",
	"perf.hw.stalled_cycles_backend", "perf.hw.ref_cpu_cycles",
	"perf.type(number).config(number)",
	NULL,
};

static const char *const perf_suffix_list[] = {
	"sample(number)", "process", "process(string)", "counter(string)",
	NULL,
};

const struct provider prov_perf = {
	.name = "perf",
	.points = perf_points,
	.suffixes = perf_suffix_list,
	.resolve = perf_resolve,
};
