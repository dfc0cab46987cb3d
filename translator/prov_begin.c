/* prov_begin.c - begin, begin(N), end, end(N), error, error(N), never.
 *
 * begin probes run once before any other probe, end probes when the
 * session ends (exit(), -T, ^C, -c command exit), error probes when the
 * session ends because of a run-time error, never probes never (they
 * are still checked).  N orders probes of one kind: lower runs first,
 * the default is 0; equal N run in script order.
 */
#include <errno.h>

#include "elab.h"

static int resolve_kind(struct session *s, struct derived_probe *dp,
			const char *name, enum begin_kind kind)
{
	const struct probe_point *pt = dp->point;
	struct prov_begin_data *d;
	int64_t order = 0;

	if (pt->comps.n != 1 || !pp__is(pt, 0, name))
		return 0;
	if (pp__comp(pt, 0)->arg) {
		if (kind == BK_NEVER) {
			diag__error(s, &pp__comp(pt, 0)->loc, "semantic error",
				    "probe point 'never' takes no parameter");
			return -EINVAL;
		}
		if (pp__num(s, pt, 0, &order))
			return -EINVAL;
	}
	d = arena__alloc(&s->arena, sizeof(*d));
	d->kind = kind;
	d->order = order;
	dp->prov_data = d;
	dp->order = order;
	return 1;
}

static int begin_resolve(struct session *s, struct derived_probe *dp)
{
	return resolve_kind(s, dp, "begin", BK_BEGIN);
}

static int end_resolve(struct session *s, struct derived_probe *dp)
{
	return resolve_kind(s, dp, "end", BK_END);
}

static int error_resolve(struct session *s, struct derived_probe *dp)
{
	return resolve_kind(s, dp, "error", BK_ERROR);
}

static int never_resolve(struct session *s, struct derived_probe *dp)
{
	return resolve_kind(s, dp, "never", BK_NEVER);
}

static const char *const begin_points[] = { "begin", "begin(number)", NULL };
static const char *const end_points[] = { "end", "end(number)", NULL };
static const char *const error_points[] = { "error", "error(number)", NULL };
static const char *const never_points[] = { "never", NULL };

const struct provider prov_begin = {
	.name = "begin",
	.points = begin_points,
	.resolve = begin_resolve,
};

const struct provider prov_end = {
	.name = "end",
	.points = end_points,
	.resolve = end_resolve,
};

const struct provider prov_error = {
	.name = "error",
	.points = error_points,
	.resolve = error_resolve,
};

const struct provider prov_never = {
	.name = "never",
	.points = never_points,
	.resolve = never_resolve,
};
