/* display.c - print written-but-unread globals at the end of the run,
 * the way stap does (see display.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "display.h"
#include "format.h"
#include "hist.h"
#include "mapval.h"
#include "session.h"

static struct ir_map *globals_map(struct ir_program *p)
{
	return p->globals_map;
}

static int read_globals(struct ir_program *p, unsigned char **out)
{
	struct ir_map *gm = globals_map(p);
	uint32_t zero = 0;
	unsigned char *v;

	if (!gm || gm->fd < 0)
		return -ENOENT;
	v = calloc(1, gm->val_size > p->globals_size ? gm->val_size
						      : p->globals_size + 8);
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(gm->fd, &zero, v)) {
		free(v);
		return -errno;
	}
	*out = v;
	return 0;
}

static void put_stat(struct strbuf *b, const struct ir_stat *st)
{
	if (st->count == 0) {
		strbuf__printf(b, " @count=0x0\n");
		return;
	}
	strbuf__printf(b, " @count=%lld @min=%lld @max=%lld @sum=%lld "
		       "@avg=%lld\n", (long long)st->count,
		       (long long)st->min, (long long)st->max,
		       (long long)st->sum, (long long)(st->sum / st->count));
}

static void put_escaped_str(struct strbuf *b, const char *s)
{
	struct fmt_arg a = { .is_str = 1, .s = s };

	strbuf__putc(b, '"');
	format__run(b, "%#s", &a, 1);
	strbuf__putc(b, '"');
}

static int show_scalar(struct session *s, struct ir_program *p,
		       struct vardecl *d, struct strbuf *b)
{
	struct ir_global *g = layout__global_of(p, d);
	unsigned char *v = NULL;
	int err;

	if (!g)
		return 0;
	err = read_globals(p, &v);
	if (err)
		return err;
	strbuf__puts(b, d->name, strlen(d->name));
	if (g->type == IRT_STR) {
		char *str = (char *)v + g->off;

		str[p->maxstringlen - 1] = '\0';
		strbuf__putc(b, '=');
		put_escaped_str(b, str);
		strbuf__putc(b, '\n');
	} else {
		int64_t x;

		memcpy(&x, v + g->off, 8);
		strbuf__printf(b, "=0x%llx\n", (unsigned long long)x);
	}
	free(v);
	return 0;
}

struct entry {
	unsigned char *key;
	int64_t num;		/* value, or @count for stats */
	char *str;		/* string value */
	struct ir_stat st;
};

struct sort_ctx {
	const struct ir_map *m;
	bool is_str;
};

static int cmp_keys(const struct ir_map *m, const unsigned char *a,
		    const unsigned char *b)
{
	for (int i = 0; i < m->nkeys; i++) {
		int off = m->key_off[i], c;

		if (m->key_types[i] == IRT_STR) {
			c = strncmp((const char *)a + off,
				    (const char *)b + off,
				    i + 1 < m->nkeys ? m->key_off[i + 1] - off
						     : m->key_size - off);
		} else {
			int64_t x, y;

			memcpy(&x, a + off, 8);
			memcpy(&y, b + off, 8);
			c = x < y ? -1 : x > y;
		}
		if (c)
			return c;
	}
	return 0;
}

/* Largest value first; ties on the keys, ascending. */
static int cmp_entries(const void *pa, const void *pb, void *pctx)
{
	const struct entry *a = pa, *b = pb;
	const struct sort_ctx *c = pctx;
	int r;

	if (c->is_str)
		r = strcmp(b->str, a->str);
	else
		r = b->num < a->num ? -1 : b->num > a->num;
	return r ? r : cmp_keys(c->m, a->key, b->key);
}

static void put_key(struct strbuf *b, const struct ir_map *m,
		    const unsigned char *key)
{
	strbuf__putc(b, '[');
	for (int i = 0; i < m->nkeys; i++) {
		int off = m->key_off[i];

		if (i)
			strbuf__putc(b, ',');
		if (m->key_types[i] == IRT_STR) {
			int len = i + 1 < m->nkeys ? m->key_off[i + 1] - off
						   : m->key_size - off;
			char *k = strndup((const char *)key + off, len);

			put_escaped_str(b, k ? k : "");
			free(k);
		} else {
			int64_t x;

			memcpy(&x, key + off, 8);
			strbuf__printf(b, "%lld", (long long)x);
		}
	}
	strbuf__putc(b, ']');
}

static int collect(struct ir_map *m, struct entry **out, int *nout)
{
	unsigned char *prev = NULL, *key;
	struct entry *v = NULL;
	int n = 0, cap = 0, err = 0;
	size_t vsz = m->val_size > 8 ? m->val_size : 8;

	for (;;) {
		key = calloc(1, m->key_size + 1);
		if (!key)
			return -ENOMEM;
		if (bpf_map_get_next_key(m->fd, prev, key)) {
			free(key);
			break;
		}
		prev = key;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].key = key;
		if (m->kind == IRM_STATS) {
			err = hist__read(m, key, &v[n].st, NULL);
			v[n].num = v[n].st.count;
		} else {
			unsigned char *val = calloc(1, vsz + 1);

			if (!val)
				return -ENOMEM;
			err = mapval__lookup(m, libbpf_num_possible_cpus(),
					     key, val);
			if (m->val_type == IRT_STR)
				v[n].str = (char *)val;
			else
				memcpy(&v[n].num, val, 8), free(val);
		}
		if (err == -ENOENT) {	/* deleted meanwhile */
			err = 0;
			free(v[n].str);
			continue;
		}
		if (err)
			break;
		n++;
	}
	*out = v;
	*nout = n;
	return err;
}

static int show_array(struct session *s, struct ir_program *p,
		      struct vardecl *d, struct strbuf *b)
{
	struct ir_map *m = layout__map_of(p, d);
	struct sort_ctx c;
	struct entry *v = NULL;
	int n = 0, err;

	if (!m || m->fd < 0)
		return 0;
	err = collect(m, &v, &n);
	c.m = m;
	c.is_str = m->kind == IRM_ARRAY && m->val_type == IRT_STR;
	qsort_r(v, n, sizeof(*v), cmp_entries, &c);
	for (int i = 0; i < n && !err; i++) {
		strbuf__puts(b, d->name, strlen(d->name));
		put_key(b, m, v[i].key);
		if (m->kind == IRM_STATS) {
			put_stat(b, &v[i].st);
		} else if (c.is_str) {
			strbuf__putc(b, '=');
			put_escaped_str(b, v[i].str);
			strbuf__putc(b, '\n');
		} else {
			strbuf__printf(b, "=0x%llx\n",
				       (unsigned long long)v[i].num);
		}
	}
	for (int i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].str);
	}
	free(v);
	return err;
}

static int show_scalar_stat(struct session *s, struct ir_program *p,
			    struct vardecl *d, struct strbuf *b)
{
	struct ir_map *m = layout__map_of(p, d);
	struct ir_stat st;
	int err;

	if (!m || m->fd < 0)
		return 0;
	err = hist__read(m, NULL, &st, NULL);
	if (err == -ENOENT)
		memset(&st, 0, sizeof(st)), err = 0;
	if (err)
		return err;
	strbuf__puts(b, d->name, strlen(d->name));
	put_stat(b, &st);
	return 0;
}

int display__globals(struct session *s, struct ir_program *p, FILE *f)
{
	struct strbuf b;
	int err = 0;

	if (!s->prog)
		return 0;
	strbuf__init(&b);
	vec_foreach(i, &s->prog->globals) {
		struct vardecl *d = vec_at(&s->prog->globals, i);

		if (!d->written || d->read || (d->file && d->file->is_tapset))
			continue;
		if (d->arity > 0)
			err = show_array(s, p, d, &b);
		else if (d->type == TY_STATS)
			err = show_scalar_stat(s, p, d, &b);
		else
			err = show_scalar(s, p, d, &b);
		if (err)
			break;
	}
	if (b.len)
		fwrite(b.buf, 1, b.len, f);
	strbuf__free(&b);
	return err;
}
