/* hist.c - statistics in user space: merging per-CPU values and printing
 * histograms in stap's ASCII layout (see hist.h for the rules). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hist.h"

static int msb64(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

int hist__log_bucket(int64_t v)
{
	int b;

	if (v == 0)
		return HIST_LOG_BUCKET0;
	if (v > 0)
		b = HIST_LOG_BUCKET0 + msb64(v);
	else
		b = HIST_LOG_BUCKETS - (HIST_LOG_BUCKET0 + msb64(-(uint64_t)v));
	if (b >= HIST_LOG_BUCKETS)
		b = HIST_LOG_BUCKETS - 1;
	return b;
}

int64_t hist__log_value(int bucket)
{
	if (bucket == HIST_LOG_BUCKET0)
		return 0;
	if (bucket > HIST_LOG_BUCKET0)
		return (int64_t)(1ULL << (bucket - HIST_LOG_BUCKET0 - 1));
	/* negative side: -(2^(63 - bucket)), bucket 0 is INT64_MIN */
	return (int64_t)(0x8000000000000000ULL >> bucket) == INT64_MIN
		? INT64_MIN
		: -(int64_t)(0x8000000000000000ULL >> bucket);
}

int hist__linear_bucket(int64_t v, int64_t lo, int64_t hi, int64_t step)
{
	int64_t n = (hi - lo) / step + 3, b;

	if (v < lo)
		return 0;
	b = (int64_t)((uint64_t)(v - lo) / (uint64_t)step) + 1;
	return b >= n - 1 ? n - 1 : b;
}

/* Characters needed to print v in decimal. */
static int digits(int64_t v)
{
	char tmp[24];

	return snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
}

struct hist_view {
	enum ir_hist_kind kind;
	int64_t lo, step;
	int n;
	const int64_t *b;
	int first, last;	/* rows shown */
	int64_t maxcount;
};

/* The value a row stands for, and its prefix ("<", ">" or ""). */
static int64_t row_value(const struct hist_view *h, int i, const char **pre)
{
	*pre = "";
	if (h->kind == IRH_LOG)
		return hist__log_value(i);
	if (i == 0) {
		*pre = "<";
		return h->lo;
	}
	if (i == h->n - 1) {
		*pre = ">";
		return h->lo + (int64_t)(i - 2) * h->step;
	}
	return h->lo + (int64_t)(i - 1) * h->step;
}

/* Rows from two before the first non-zero bucket to two after the last;
 * log rows stay >= 0 without negative data; linear under/overflow rows
 * only when they hold data.  Returns false when all buckets are empty. */
static bool hist_range(struct hist_view *h)
{
	int first = -1, last = -1;

	h->maxcount = 0;
	for (int i = 0; i < h->n; i++) {
		if (h->b[i] <= 0)
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->b[i] > h->maxcount)
			h->maxcount = h->b[i];
	}
	if (first < 0)
		return false;
	for (int k = 0; k < 2; k++) {
		if (first > 0 &&
		    !(h->kind == IRH_LOG && first == HIST_LOG_BUCKET0))
			first--;
		if (last < h->n - 1)
			last++;
	}
	if (h->kind == IRH_LINEAR) {
		if (first == 0 && h->b[0] == 0)
			first++;
		if (last == h->n - 1 && h->b[last] == 0)
			last--;
	}
	h->first = first;
	h->last = last;
	return true;
}

/* Is row i a zero row with no data within HIST_ELISION rows? */
static bool row_elided(const struct hist_view *h, int i)
{
	int lo = i - HIST_ELISION, hi = i + HIST_ELISION;

	if (lo < h->first)
		lo = h->first;
	if (hi > h->last)
		hi = h->last;
	for (int k = lo; k <= hi; k++)
		if (h->b[k] != 0)
			return false;
	return true;
}

/* The value column: stap sizes it from the ends of the range (for linear
 * histograms from lo and lo + step * last, plus one for a '<' or '>'),
 * and never narrower than "value". */
static int value_width(const struct hist_view *h)
{
	int a, b;

	if (h->kind == IRH_LOG) {
		a = digits(hist__log_value(h->first));
		b = digits(hist__log_value(h->last));
	} else {
		a = digits(h->lo) + (h->first == 0);
		b = digits(h->lo + h->step * h->last) + (h->last == h->n - 1);
	}
	if (b > a)
		a = b;
	return a > 5 ? a : 5;
}

void hist__format(struct strbuf *out, enum ir_hist_kind kind, int64_t lo,
		  int64_t step, int nbuckets, const int64_t *buckets)
{
	struct hist_view h = {
		.kind = kind, .lo = lo, .step = step, .n = nbuckets,
		.b = buckets,
	};
	int64_t scale;
	int vw, cw;
	bool eliding = false;

	if (!hist_range(&h)) {
		strbuf__printf(out, "%5s |", "value");
		strbuf__fill(out, '-', HIST_WIDTH);
		strbuf__puts(out, " count\n\n", 8);
		return;
	}
	scale = h.maxcount <= HIST_WIDTH
		? 1 : (h.maxcount + HIST_WIDTH - 1) / HIST_WIDTH;
	vw = value_width(&h);
	cw = digits(h.maxcount);

	strbuf__printf(out, "%*s |", vw, "value");
	strbuf__fill(out, '-', HIST_WIDTH);
	strbuf__puts(out, " count\n", 7);
	for (int i = h.first; i <= h.last; i++) {
		const char *pre;
		int64_t v, bar;

		if (row_elided(&h, i)) {
			eliding = true;
			continue;
		}
		if (eliding) {
			strbuf__printf(out, "%*s ~\n", vw, "");
			eliding = false;
		}
		v = row_value(&h, i, &pre);
		strbuf__printf(out, "%*s%lld |", vw - digits(v), pre,
			       (long long)v);
		bar = h.b[i] / scale;
		strbuf__fill(out, '@', bar);
		strbuf__printf(out, "%*lld\n", (int)(HIST_WIDTH - bar + 1 + cw),
			       (long long)h.b[i]);
	}
	strbuf__putc(out, '\n');
}

int hist__read(const struct ir_map *map, const void *key,
	       struct ir_stat *st, int64_t *buckets)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t vsz = ((size_t)map->val_size + 7) & ~(size_t)7;
	int64_t zero_key = 0;
	unsigned char *vals;
	bool any = false;
	int err;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, vsz);
	if (!vals)
		return -ENOMEM;
	if (!key)
		key = &zero_key;	/* scalar stat: per-CPU array, key 0 */
	err = bpf_map_lookup_elem(map->fd, key, vals);
	if (err) {
		err = -errno;
		free(vals);
		return err;
	}
	memset(st, 0, sizeof(*st));
	if (buckets)
		memset(buckets, 0, sizeof(int64_t) * map->nbuckets);
	for (int c = 0; c < ncpu; c++) {
		const struct ir_stat *s = (const void *)(vals + c * vsz);
		const int64_t *b = (const int64_t *)(s + 1);

		if (s->count == 0)
			continue;
		if (!any || s->min < st->min)
			st->min = s->min;
		if (!any || s->max > st->max)
			st->max = s->max;
		any = true;
		st->count += s->count;
		st->sum += s->sum;
		st->sumsq += s->sumsq;
		for (int i = 0; buckets && i < map->nbuckets; i++)
			buckets[i] += b[i];
	}
	free(vals);
	return 0;
}
