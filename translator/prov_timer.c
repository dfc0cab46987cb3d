/* prov_timer.c - timer.s(N) .. timer.jiffies(N), .randomize(M), and
 * timer.profile / timer.profile.tick.
 *
 * Interval timers fire on one CPU every N units (with .randomize(M),
 * every N - M to N + M units, drawn again at each expiry); timer.hz(N)
 * fires N times a second;
 * timer.profile fires on every CPU at each scheduler tick.  Units have
 * stap's long spellings too: sec, msec, usec, nsec.
 */
#include <errno.h>
#include <string.h>

#include "elab.h"

static const struct {
	const char *name;
	enum timer_unit unit;
	uint64_t ns;		/* one unit in ns, 0: not a fixed unit */
} units[] = {
	{ "s", TU_S, 1000000000ULL }, { "sec", TU_S, 1000000000ULL },
	{ "ms", TU_MS, 1000000ULL }, { "msec", TU_MS, 1000000ULL },
	{ "us", TU_US, 1000ULL }, { "usec", TU_US, 1000ULL },
	{ "ns", TU_NS, 1ULL }, { "nsec", TU_NS, 1ULL },
	{ "hz", TU_HZ, 0 },
	{ "jiffies", TU_JIFFIES, 0 },	/* period_ns 0: the runtime knows HZ */
};

/* shortest period we let a timer have: 100us */
#define TIMER_MIN_NS 100000ULL

/* The countdown of a randomized interval timer (see prov_timer_data):
 * a base period of an eighth of M (so the drawn periods take about 17
 * values), at least TIMER_MIN_NS and at most one unit and N - M;
 * jiffies count in jiffies. */
static void timer_countdown(struct prov_timer_data *d, uint64_t unit_ns)
{
	uint64_t n = d->period_ns, m = d->randomize_ns, g;

	if (!d->randomize)
		return;
	if (d->unit == TU_JIFFIES) {
		d->base_ns = 0;
		d->ticks_lo = d->interval - d->randomize;
		d->ticks_span = 2 * d->randomize + 1;
		return;
	}
	g = m / 8;
	if (unit_ns && g > unit_ns)
		g = unit_ns;
	if (g > n - m)
		g = n - m;
	if (g < TIMER_MIN_NS)
		g = TIMER_MIN_NS;
	d->base_ns = g;
	d->ticks_lo = (int64_t)((n - m + g / 2) / g);
	if (d->ticks_lo < 1)
		d->ticks_lo = 1;
	d->ticks_span = (int64_t)((2 * m + g / 2) / g) + 1;
}

static int timer_profile(struct session *s, struct derived_probe *dp,
			 struct prov_timer_data *d)
{
	const struct probe_point *pt = dp->point;
	int i = 2;

	d->unit = TU_PROFILE;
	if (pp__is(pt, 2, "tick")) {
		d->tick = true;
		i = 3;
	}
	if (pp__comp(pt, 1)->arg || (d->tick && pp__comp(pt, 2)->arg)) {
		diag__error(s, &pp__comp(pt, 1)->loc, "semantic error",
			    "timer.profile takes no parameter");
		return -EINVAL;
	}
	if (i < pt->comps.n) {
		diag__error(s, &pp__comp(pt, i)->loc, "semantic error",
			    "timer.profile cannot be combined with '.%s'",
			    pp__comp(pt, i)->name);
		return -EINVAL;
	}
	return 1;
}

static int timer_interval(struct session *s, struct derived_probe *dp,
			  struct prov_timer_data *d, int u)
{
	const struct probe_point *pt = dp->point;
	const struct ppcomp *c = pp__comp(pt, 1);
	int r;

	d->unit = units[u].unit;
	if (pp__num(s, pt, 1, &d->interval))
		return -EINVAL;
	if (d->interval <= 0) {
		diag__error(s, &c->loc, "semantic error",
			    "invalid timer interval %lld: it must be positive",
			    (long long)d->interval);
		return -EINVAL;
	}
	r = pp__find(pt, 2, "randomize");
	if (r >= 0) {
		if (pp__num(s, pt, r, &d->randomize))
			return -EINVAL;
		if (d->randomize < 0 || d->randomize >= d->interval) {
			diag__error(s, &pp__comp(pt, r)->loc, "semantic error",
				    "invalid randomize value %lld: it must be "
				    "at least 0 and less than the interval %lld",
				    (long long)d->randomize,
				    (long long)d->interval);
			return -EINVAL;
		}
	}
	if (d->unit == TU_JIFFIES) {
		timer_countdown(d, 0);
		return 1;
	}
	if (d->unit == TU_HZ) {
		if (d->interval > 1000000000 / (int64_t)TIMER_MIN_NS) {
			diag__error(s, &c->loc, "semantic error",
				    "timer.hz(%lld) is too fast: at most %llu",
				    (long long)d->interval,
				    1000000000ULL / TIMER_MIN_NS);
			return -EINVAL;
		}
		d->hz = (uint64_t)d->interval;
		d->period_ns = 1000000000ULL / d->hz;
		d->randomize_ns = d->randomize ?
				  1000000000ULL / (uint64_t)d->randomize : 0;
		if (d->randomize_ns >= d->period_ns)
			d->randomize_ns = d->period_ns - 1;
		timer_countdown(d, 0);
		return 1;
	}
	if ((uint64_t)d->interval > UINT64_MAX / units[u].ns) {
		diag__error(s, &c->loc, "semantic error",
			    "timer interval %lld%s is too long",
			    (long long)d->interval, units[u].name);
		return -EINVAL;
	}
	d->period_ns = (uint64_t)d->interval * units[u].ns;
	d->randomize_ns = (uint64_t)d->randomize * units[u].ns;
	if (d->period_ns < TIMER_MIN_NS) {
		diag__error(s, &c->loc, "semantic error",
			    "timer interval %lld%s is too short: the minimum "
			    "is 100us", (long long)d->interval, units[u].name);
		return -EINVAL;
	}
	timer_countdown(d, units[u].ns);
	return 1;
}

static int timer_resolve(struct session *s, struct derived_probe *dp)
{
	const struct probe_point *pt = dp->point;
	struct prov_timer_data *d;
	int r = -EINVAL;

	if (!pp__is(pt, 0, "timer") || pt->comps.n < 2)
		return 0;
	d = arena__alloc(&s->arena, sizeof(*d));
	if (pp__is(pt, 1, "profile")) {
		r = timer_profile(s, dp, d);
	} else {
		bool found = false;

		for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			if (pp__is(pt, 1, units[u].name)) {
				r = timer_interval(s, dp, d, (int)u);
				found = true;
			}
		}
		if (!found)
			return 0;
	}
	if (r == 1)
		dp->prov_data = d;
	return r;
}

static const char *const timer_points[] = {
	"timer.s(number)", "timer.sec(number)",
	"timer.ms(number)", "timer.msec(number)",
	"timer.us(number)", "timer.usec(number)",
	"timer.ns(number)", "timer.nsec(number)",
	"timer.hz(number)", "timer.jiffies(number)",
	"timer.profile", "timer.profile.tick",
	NULL,
};

static const char *const timer_suffixes[] = { "randomize(number)", NULL };

const struct provider prov_timer = {
	.name = "timer",
	.points = timer_points,
	.suffixes = timer_suffixes,
	.resolve = timer_resolve,
};
