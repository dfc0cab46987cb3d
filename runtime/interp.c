/* interp.c - the IR interpreter for begin, end and error probes.
 *
 * It runs the same IR the BPF back end compiles, over the real BPF maps
 * (bpf_map_lookup_elem & co): one meaning for the language, two
 * executors.  Values are struct ival: a long, or a string buffer of
 * MAXSTRINGLEN bytes.  A running function has its vregs; a probe or a
 * script function has a frame of slots, shared with its regions.
 *
 * Faults follow ir.h: an instruction that fails fills the error state
 * (stap's message, the "near" token, the script position) and goes to
 * its on_error block, or makes the function return "error" to its
 * caller (IR_CALL / IR_LOOP / IR_FOREACH fault in turn), up to the
 * probe, which returns INTERP_ERROR.  There is no loop bound in user
 * space; calls nest at most -D MAXNESTING deep (default 32).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <regex.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "builtins.h"
#include "format.h"
#include "hist.h"
#include "interp.h"
#include "mapval.h"
#include "session.h"

struct ival {
	int64_t l;
	char *s;		/* string buffer of slen bytes, or NULL */
};

/* The insertion order of one wrapping map (global a%), oldest first:
 * n keys of key_size bytes at keys + first * key_size.  It mirrors the
 * map's key set from its first use in a probe run on (see wrap_sync). */
struct wrap_order {
	char *keys;
	size_t first, n, cap;	/* counted in keys */
	unsigned long synced;	/* istate.run of the last sync, 0: never */
	int own_fd;		/* the plain hash map that replaced the
				 * LRU one (wrap_unlru), or 0 */
};

/* Lives from one probe to the next: p->interp; interp__release() frees
 * what it holds. */
struct istate {
	regex_t **re;		/* compiled patterns, by strtab index */
	bool *re_bad;
	int nre;
	char *tok_buf;		/* tokenize()'s input */
	size_t tok_pos;
	int ncpus;
	struct wrap_order *wrap;	/* by map id, p->maps.n of them */
	unsigned long run;	/* interp__probe() calls so far */
	char *gmem;		/* the globals value mapped into memory
				 * (interp__set_globals_mem), or NULL */
};

struct interp {
	struct ir_program *p;
	struct istate *st;
	FILE *out;
	struct interp_error *err;
	const struct ir_func *probe;
	size_t slen;		/* MAXSTRINGLEN */
	int depth, maxnesting;
	int sys_err;		/* a negative errno of the machinery */
};

enum { XR_OK = 0, XR_ERR = 1 };

/* ---- values ------------------------------------------------------------- */

/* n values, the string ones with a zeroed buffer; one allocation. */
static struct ival *vals_new(struct interp *I, const enum ir_type *types,
			     int n)
{
	size_t nstr = 0;
	struct ival *v;
	char *buf;

	for (int i = 0; i < n; i++)
		nstr += types[i] == IRT_STR;
	v = calloc(1, sizeof(*v) * (size_t)(n + 1) + nstr * I->slen);
	if (!v) {
		fprintf(stderr, "bstap: out of memory\n");
		exit(1);
	}
	buf = (char *)(v + n + 1);
	for (int i = 0; i < n; i++)
		if (types[i] == IRT_STR) {
			v[i].s = buf;
			buf += I->slen;
		}
	return v;
}

static void sset(struct interp *I, char *dst, const char *src)
{
	size_t n = strnlen(src, I->slen - 1);

	if (dst != src)
		memmove(dst, src, n);
	dst[n] = '\0';
}

static int64_t L(const struct ival *r, struct ir_val v)
{
	return v.kind == IRV_IMM ? v.imm : v.kind == IRV_REG ? r[v.reg].l : 0;
}

static const char *S(const struct ival *r, struct ir_val v)
{
	return v.kind == IRV_REG && r[v.reg].s ? r[v.reg].s : "";
}

/* ---- errors ------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int fault(struct interp *I, const struct ir_insn *in,
		 const char *fmt, ...)
{
	struct interp_error *e = I->err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	snprintf(e->near, sizeof(e->near), "%s",
		 in && in->near ? in->near : "");
	if (in)
		e->loc = in->loc;
	e->set = true;
	return XR_ERR;
}

/* A failure of the machinery (a map operation): an error too. */
static int sys_fault(struct interp *I, const struct ir_insn *in,
		     const char *what, int err)
{
	if (!I->sys_err)
		I->sys_err = err < 0 ? err : -EIO;
	return fault(I, in, "%s failed: %s", what, strerror(-I->sys_err));
}

void interp_error__print(const struct interp_error *err, FILE *f)
{
	fprintf(f, "ERROR: %s", err->msg);
	if (err->near[0])
		fprintf(f, " near %s", err->near);
	if (err->loc.src)
		fprintf(f, " at %s:%d:%d", err->loc.src->name, err->loc.line,
			err->loc.col);
	fputc('\n', f);
}

/* ---- maps --------------------------------------------------------------- */

static int ncpus(struct interp *I)
{
	return I->st->ncpus;
}

/* The key bytes of map[keys] into buf (map->key_size bytes).  A string
 * column is ir__key_width() bytes: a string that does not fit with its
 * NUL (the layout leaves none: bpfgen/layout.c) is written unterminated,
 * which no stored key is, so it matches nothing rather than truncating
 * into a false match. */
static void encode_key(struct interp *I, const struct ir_map *m,
		       const struct ival *r, const struct ir_val *keys,
		       void *buf)
{
	memset(buf, 0, (size_t)m->key_size);
	for (int i = 0; i < m->nkeys; i++) {
		char *at = (char *)buf + m->key_off[i];

		if (m->key_types[i] == IRT_STR) {
			size_t w = (size_t)ir__key_width(m, i);
			size_t n = strnlen(S(r, keys[i]), I->slen - 1);

			memcpy(at, S(r, keys[i]), n < w ? n : w);
		} else {
			int64_t v = L(r, keys[i]);

			memcpy(at, &v, 8);
		}
	}
}

/* Does key column i of `key` equal the value v? */
static bool key_col_eq(struct interp *I, const struct ir_map *m,
		       const void *key, int i, const struct ival *r,
		       struct ir_val v)
{
	const char *at = (const char *)key + m->key_off[i];

	if (m->key_types[i] == IRT_STR)
		return strncmp(at, S(r, v), I->slen - 1) == 0;
	int64_t x;

	memcpy(&x, at, 8);
	return x == L(r, v);
}

static bool slice_match(struct interp *I, const struct ir_map *m,
			const void *key, const struct ival *r,
			const struct ir_val *keys, int nkeys)
{
	for (int i = 0; i < nkeys; i++)
		if (keys[i].kind != IRV_NONE &&
		    !key_col_eq(I, m, key, i, r, keys[i]))
			return false;
	return true;
}

static bool has_wild(const struct ir_val *keys, int n)
{
	for (int i = 0; i < n; i++)
		if (keys[i].kind == IRV_NONE)
			return true;
	return false;
}

/* All keys of m, key_size bytes each, malloc'ed; *n of them. */
static int all_keys(const struct ir_map *m, char **out, size_t *n)
{
	size_t cap = 64, k = 0, ks = (size_t)m->key_size;
	char *buf = malloc(cap * ks);
	char *prev = NULL;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (k == cap) {
			char *nb = realloc(buf, 2 * cap * ks);

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		prev = k ? buf + (k - 1) * ks : NULL;
		if (bpf_map_get_next_key(m->fd, prev, buf + k * ks)) {
			if (errno == ENOENT)
				break;
			free(buf);
			return -errno;
		}
		k++;
	}
	*out = buf;
	*n = k;
	return 0;
}

/* bytes a raw lookup of one entry writes (per-CPU maps: every copy) */
static size_t value_bytes(struct interp *I, const struct ir_map *m)
{
	return mapval__raw_size(m, ncpus(I));
}

static int map_update(struct interp *I, const struct ir_insn *in,
		      const struct ir_map *m, const void *key,
		      const void *val)
{
	int err = mapval__update(m, ncpus(I), key, val, BPF_ANY);

	if (!err)
		return XR_OK;
	if ((err == -E2BIG || err == -ENOMEM) && m->decl &&
	    m->decl->maxsize > 0)
		return fault(I, in, "Array overflow, check size limit (%lld)",
			     (long long)m->decl->maxsize);
	if (err == -E2BIG || err == -ENOMEM)
		return fault(I, in, "Array overflow, check MAXMAPENTRIES");
	return sys_fault(I, in, "map update", err);
}

/* ---- wrapping maps (global a%) -------------------------------------------
 * A full wrapping map drops its oldest entry to make room for a new key
 * (stap's rule).  The interpreter keeps the insertion order itself; the
 * semantics are in bpfgen/ir.h, at struct ir_map.wrap. */

static struct wrap_order *wrap_of(struct interp *I, const struct ir_map *m)
{
	struct istate *st = I->st;

	if (!st->wrap)
		st->wrap = calloc((size_t)I->p->maps.n + 1, sizeof(*st->wrap));
	if (!st->wrap || m->id < 0 || m->id >= I->p->maps.n)
		return NULL;
	return &st->wrap[m->id];
}

static char *wrap_key(const struct wrap_order *w, const struct ir_map *m,
		      size_t i)
{
	return w->keys + (w->first + i) * (size_t)m->key_size;
}

/* The index of key in the order, or -1. */
static long wrap_find(const struct wrap_order *w, const struct ir_map *m,
		      const void *key)
{
	for (size_t i = 0; i < w->n; i++)
		if (!memcmp(wrap_key(w, m, i), key, (size_t)m->key_size))
			return (long)i;
	return -1;
}

/* Append key (the newest). */
static int wrap_push(struct wrap_order *w, const struct ir_map *m,
		     const void *key)
{
	size_t ks = (size_t)m->key_size;

	if (w->first && w->first + w->n == w->cap) {
		memmove(w->keys, w->keys + w->first * ks, w->n * ks);
		w->first = 0;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		char *k = realloc(w->keys, cap * ks);

		if (!k)
			return -ENOMEM;
		w->keys = k;
		w->cap = cap;
	}
	memcpy(wrap_key(w, m, w->n), key, ks);
	w->n++;
	return 0;
}

static void wrap_remove(struct wrap_order *w, const struct ir_map *m,
			size_t i)
{
	size_t ks = (size_t)m->key_size;

	if (i == 0) {
		w->first++;
	} else {
		memmove(wrap_key(w, m, i), wrap_key(w, m, i + 1),
			(w->n - i - 1) * ks);
	}
	if (--w->n == 0)
		w->first = 0;
}

/* Keys in key order: column by column, numbers as signed numbers,
 * strings by their bytes (qsort_r; arg is the struct ir_map). */
static int key_cmp(const void *a, const void *b, void *arg)
{
	const struct ir_map *m = arg;

	for (int i = 0; i < m->nkeys; i++) {
		const char *x = (const char *)a + m->key_off[i];
		const char *y = (const char *)b + m->key_off[i];
		int c;

		if (m->key_types[i] == IRT_STR) {
			c = strncmp(x, y, (size_t)ir__key_width(m, i));
		} else {
			int64_t u, v;

			memcpy(&u, x, 8);
			memcpy(&v, y, 8);
			c = u < v ? -1 : u > v;
		}
		if (c)
			return c;
	}
	return 0;
}

/* Make the order the map's key set again: keys gone from the map (kernel
 * probes overwrote or deleted them) leave it; keys the interpreter never
 * saw (kernel probes added them) join it as the newest, in key order
 * (the kernel side's own order is not visible from here).  No kernel probe runs while a user-space probe does
 * (begin probes run before attaching, end and error probes after
 * detaching), so once per map and probe run is enough. */
static int wrap_sync(struct interp *I, const struct ir_map *m,
		     struct wrap_order *w)
{
	size_t ks = (size_t)m->key_size, n, i, n_new = 0;
	char *keys;
	int err;

	if (w->synced == I->st->run)
		return 0;
	err = all_keys(m, &keys, &n);
	if (err)
		return err;
	for (i = w->n; i-- > 0;) {
		bool live = false;

		for (size_t j = 0; j < n && !live; j++)
			live = !memcmp(wrap_key(w, m, i), keys + j * ks, ks);
		if (!live)
			wrap_remove(w, m, i);
	}
	/* the new keys, in key order, go after the known ones */
	for (size_t j = 0; j < n; j++)
		if (wrap_find(w, m, keys + j * ks) < 0)
			memmove(keys + n_new++ * ks, keys + j * ks, ks);
	qsort_r(keys, n_new, ks, key_cmp, (void *)m);
	for (size_t j = 0; j < n_new && !err; j++)
		err = wrap_push(w, m, keys + j * ks);
	free(keys);
	if (!err)
		w->synced = I->st->run;
	return err;
}

/* Before map[key] = ...: when key is new and the map is full, delete
 * the oldest entries until one more fits, and record key as the newest.
 * An existing key keeps its place. */
static int wrap_insert(struct interp *I, const struct ir_insn *in,
		       const struct ir_map *m, const void *key)
{
	struct wrap_order *w = wrap_of(I, m);
	int err;

	if (!w)
		return sys_fault(I, in, "allocation", -ENOMEM);
	err = wrap_sync(I, m, w);
	if (err)
		return sys_fault(I, in, "map iteration", err);
	if (wrap_find(w, m, key) >= 0)
		return XR_OK;
	while (w->n > 0 && (int64_t)w->n >= m->max_entries) {
		bpf_map_delete_elem(m->fd, wrap_key(w, m, 0));
		wrap_remove(w, m, 0);
	}
	if (wrap_push(w, m, key))
		return sys_fault(I, in, "allocation", -ENOMEM);
	return XR_OK;
}

/* After delete map[key] (key NULL: any other delete): keep the order. */
static void wrap_deleted(struct interp *I, const struct ir_map *m,
			 const void *key)
{
	struct wrap_order *w = m->wrap ? wrap_of(I, m) : NULL;
	long i;

	if (!w)
		return;
	if (!key) {
		w->synced = 0;		/* sync again before the next insert */
		return;
	}
	i = wrap_find(w, m, key);
	if (i >= 0)
		wrap_remove(w, m, (size_t)i);
}

/* The kernel side keeps a wrapping map in an LRU hash map, which makes
 * room its own way: any update of a full one (even of an existing key)
 * takes a free node, and when this CPU finds none the kernel evicts
 * entries of its choosing.  Once the kernel probes are detached (end and
 * error probes), the map's entries move to a plain hash map of the same
 * shape, whose fd replaces the LRU one for the rest of the run (display
 * included), so that the order kept here is the only rule. */
static int wrap_unlru(struct interp *I, struct wrap_order *w,
		      struct ir_map *m)
{
	const char *kind = I->probe->probe_kind;
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	size_t n = 0, ks = (size_t)m->key_size;
	char *keys = NULL, *val;
	int fd, err;

	if (w->own_fd || !kind || (strcmp(kind, "end") && strcmp(kind, "error")))
		return 0;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(m->fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_LRU_HASH &&
	    info.type != BPF_MAP_TYPE_LRU_PERCPU_HASH)
		return 0;
	fd = bpf_map_create(info.type == BPF_MAP_TYPE_LRU_HASH ?
			    BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_PERCPU_HASH,
			    info.name, info.key_size, info.value_size,
			    info.max_entries, NULL);
	if (fd < 0)
		return -errno;
	val = malloc(value_bytes(I, m) + 8);
	err = val ? all_keys(m, &keys, &n) : -ENOMEM;
	for (size_t i = 0; !err && i < n; i++)
		if (!bpf_map_lookup_elem(m->fd, keys + i * ks, val) &&
		    bpf_map_update_elem(fd, keys + i * ks, val, BPF_NOEXIST))
			err = -errno;
	free(keys);
	free(val);
	if (err) {
		close(fd);
		return err;
	}
	m->fd = fd;
	w->own_fd = fd;
	w->synced = 0;
	return 0;
}

/* map[key] = val, a wrapping map making room first */
static int map_store(struct interp *I, const struct ir_insn *in,
		     const struct ir_map *m, const void *key, const void *val)
{
	if (m->wrap && m->nkeys) {
		struct wrap_order *w = wrap_of(I, m);
		int rc = w ? wrap_unlru(I, w, vec_at(&I->p->maps, m->id)) :
			 -ENOMEM;

		if (rc)
			return sys_fault(I, in, "copying a wrapping array", rc);
		rc = wrap_insert(I, in, m, key);

		if (rc != XR_OK)
			return rc;
		rc = map_update(I, in, m, key, val);
		if (rc != XR_OK)
			wrap_deleted(I, m, NULL);
		return rc;
	}
	return map_update(I, in, m, key, val);
}

/* ---- globals ------------------------------------------------------------ */

static int globals_read(struct interp *I, void *buf)
{
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(I->p->globals_map->fd, &zero, buf))
		return -errno;
	return 0;
}

static int globals_write(struct interp *I, const void *buf)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(I->p->globals_map->fd, &zero, buf, BPF_ANY))
		return -errno;
	return 0;
}

/* Scalar globals.  With the globals map mapped into memory (kernel
 * probes may run at the same time: user-space timer probes), a load or
 * store touches that global's bytes only, longs with one atomic access,
 * so a kernel probe's update of another global is never lost; without
 * it (no kernel side) the whole value is read and written back. */
static int global_load(struct interp *I, const struct ir_insn *in,
		       struct ival *dst)
{
	const struct ir_global *g = vec_at(&I->p->globals, in->gid);
	char *gm = I->st->gmem, *buf;
	int err;

	if (gm) {
		if (g->type == IRT_STR)
			sset(I, dst->s, gm + g->off);
		else
			dst->l = __atomic_load_n((int64_t *)(gm + g->off),
						 __ATOMIC_RELAXED);
		return XR_OK;
	}
	buf = malloc((size_t)I->p->globals_size);
	if (!buf)
		return sys_fault(I, in, "allocation", -ENOMEM);
	err = globals_read(I, buf);
	if (err) {
		free(buf);
		return sys_fault(I, in, "reading the globals", err);
	}
	if (g->type == IRT_STR)
		sset(I, dst->s, buf + g->off);
	else
		memcpy(&dst->l, buf + g->off, 8);
	free(buf);
	return XR_OK;
}

/* the bytes of global g at base: a string NUL-padded, or a long */
static void global_put(struct interp *I, char *base,
		       const struct ir_global *g, const struct ir_insn *in,
		       const struct ival *r, bool atomic)
{
	if (g->type == IRT_STR) {
		size_t n = strnlen(S(r, in->a), I->slen - 1);

		memcpy(base + g->off, S(r, in->a), n);
		memset(base + g->off + n, 0, I->slen - n);
	} else if (atomic) {
		__atomic_store_n((int64_t *)(base + g->off), L(r, in->a),
				 __ATOMIC_RELAXED);
	} else {
		int64_t v = L(r, in->a);

		memcpy(base + g->off, &v, 8);
	}
}

static int global_store(struct interp *I, const struct ir_insn *in,
			const struct ir_global *g, const struct ival *r)
{
	char *buf;
	int err;

	if (I->st->gmem) {
		global_put(I, I->st->gmem, g, in, r, true);
		return XR_OK;
	}
	buf = malloc((size_t)I->p->globals_size);
	if (!buf)
		return sys_fault(I, in, "allocation", -ENOMEM);
	err = globals_read(I, buf);
	if (!err) {
		global_put(I, buf, g, in, r, false);
		err = globals_write(I, buf);
	}
	free(buf);
	return err ? sys_fault(I, in, "writing the globals", err) : XR_OK;
}

static int set_exit(struct interp *I, const struct ir_insn *in)
{
	char *buf;
	int err;

	if (I->st->gmem) {
		struct ir_control *c = (struct ir_control *)I->st->gmem;
		int64_t zero = 0;

		/* 0 -> 1 only: a kernel fault's site stays (bpfgen/ir.h) */
		__atomic_compare_exchange_n(&c->exit_requested, &zero, 1, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		return XR_OK;
	}
	buf = malloc((size_t)I->p->globals_size);
	if (!buf)
		return sys_fault(I, in, "allocation", -ENOMEM);
	err = globals_read(I, buf);
	if (!err) {
		struct ir_control *c = (struct ir_control *)buf;

		/* 0 -> 1 only: a kernel fault's site stays (bpfgen/ir.h) */
		if (c->exit_requested == 0)
			c->exit_requested = 1;
		err = globals_write(I, buf);
	}
	free(buf);
	return err ? sys_fault(I, in, "writing the globals", err) : XR_OK;
}

/* ---- arrays ------------------------------------------------------------- */

/* One zeroed buffer for a key and a value of vbytes: the value starts
 * 8-byte aligned after the key (per-CPU values are read as structs). */
static char *kv_alloc(const struct ir_map *m, size_t vbytes, char **val)
{
	size_t koff = ((size_t)m->key_size + 7) & ~(size_t)7;
	char *key = calloc(1, koff + vbytes + 8);

	*val = key ? key + koff : NULL;
	return key;
}

static int map_get(struct interp *I, const struct ir_insn *in,
		   const struct ival *r, struct ival *dst)
{
	const struct ir_map *m = in->map;
	char *val, *key = kv_alloc(m, (size_t)m->val_size, &val);

	if (!key)
		return sys_fault(I, in, "allocation", -ENOMEM);
	encode_key(I, m, r, in->args, key);
	if (mapval__lookup(m, ncpus(I), key, val)) {
		if (m->val_type == IRT_STR)
			dst->s[0] = '\0';
		else
			dst->l = 0;
	} else if (m->val_type == IRT_STR) {
		sset(I, dst->s, val);
	} else {
		memcpy(&dst->l, val, 8);
	}
	free(key);
	return XR_OK;
}

static int map_set(struct interp *I, const struct ir_insn *in,
		   const struct ival *r, bool add)
{
	const struct ir_map *m = in->map;
	char *val, *key = kv_alloc(m, (size_t)m->val_size, &val);
	int rc;

	if (!key)
		return sys_fault(I, in, "allocation", -ENOMEM);
	encode_key(I, m, r, in->args, key);
	if (m->val_type == IRT_STR) {
		strncpy(val, S(r, in->a), I->slen - 1);
	} else {
		int64_t v = L(r, in->a), old = 0;

		if (add && !mapval__lookup(m, ncpus(I), key, val))
			memcpy(&old, val, 8);
		v = (int64_t)((uint64_t)v + (uint64_t)old);
		memcpy(val, &v, 8);
	}
	rc = map_store(I, in, m, key, val);
	free(key);
	return rc;
}

/* The value bytes of an array-shaped map (nkeys == 0) set to zero. */
static int zero_entry(struct interp *I, const struct ir_insn *in,
		      const struct ir_map *m)
{
	uint32_t zero = 0;
	void *val = calloc(1, value_bytes(I, m));
	int err = 0;

	if (!val)
		return sys_fault(I, in, "allocation", -ENOMEM);
	if (bpf_map_update_elem(m->fd, &zero, val, BPF_ANY))
		err = -errno;
	free(val);
	return err ? sys_fault(I, in, "map update", err) : XR_OK;
}

/* delete map[keys] (with '*' keys: every matching entry); delete map */
static int map_delete(struct interp *I, const struct ir_insn *in,
		      const struct ival *r, bool all)
{
	const struct ir_map *m = in->map;
	char *keys;
	size_t n;
	int err;

	if (!m->nkeys)
		return zero_entry(I, in, m);
	if (!all && !has_wild(in->args, in->nargs)) {
		char *key = malloc((size_t)m->key_size);

		if (!key)
			return sys_fault(I, in, "allocation", -ENOMEM);
		encode_key(I, m, r, in->args, key);
		bpf_map_delete_elem(m->fd, key);
		wrap_deleted(I, m, key);
		free(key);
		return XR_OK;
	}
	err = all_keys(m, &keys, &n);
	if (err)
		return sys_fault(I, in, "map iteration", err);
	for (size_t i = 0; i < n; i++) {
		char *k = keys + i * (size_t)m->key_size;

		if (all || slice_match(I, m, k, r, in->args, in->nargs))
			bpf_map_delete_elem(m->fd, k);
	}
	free(keys);
	wrap_deleted(I, m, NULL);
	return XR_OK;
}

static int map_exists(struct interp *I, const struct ir_insn *in,
		      const struct ival *r, struct ival *dst)
{
	const struct ir_map *m = in->map;
	char *keys, *val;
	size_t n;
	int err;

	dst->l = 0;
	if (!has_wild(in->args, in->nargs)) {
		char *key = kv_alloc(m, value_bytes(I, m), &val);

		if (!key)
			return sys_fault(I, in, "allocation", -ENOMEM);
		encode_key(I, m, r, in->args, key);
		dst->l = !bpf_map_lookup_elem(m->fd, key, val);
		free(key);
		return XR_OK;
	}
	err = all_keys(m, &keys, &n);
	if (err)
		return sys_fault(I, in, "map iteration", err);
	for (size_t i = 0; i < n && !dst->l; i++)
		dst->l = slice_match(I, m, keys + i * (size_t)m->key_size, r,
				     in->args, in->nargs);
	free(keys);
	return XR_OK;
}

/* ---- statistics --------------------------------------------------------- */

static int stat_add(struct interp *I, const struct ir_insn *in,
		    const struct ival *r)
{
	const struct ir_map *m = in->map;
	size_t vb = value_bytes(I, m);
	char *val, *key = kv_alloc(m, vb, &val);
	struct ir_stat st;	/* CPU 0's, at the start of val */
	int64_t v = L(r, in->a);
	int rc;

	if (!key)
		return sys_fault(I, in, "allocation", -ENOMEM);
	encode_key(I, m, r, in->args, key);
	if (bpf_map_lookup_elem(m->fd, key, val))
		memset(val, 0, vb);
	memcpy(&st, val, sizeof(st));
	if (st.count == 0 || v < st.min)
		st.min = v;
	if (st.count == 0 || v > st.max)
		st.max = v;
	st.count++;
	st.sum = (int64_t)((uint64_t)st.sum + (uint64_t)v);
	st.sumsq = (int64_t)((uint64_t)st.sumsq + (uint64_t)v * (uint64_t)v);
	memcpy(val, &st, sizeof(st));
	if (m->hist != IRH_NONE) {
		char *at = val + sizeof(st) + 8 * (size_t)ir__hist_bucket(m, v);
		int64_t c;

		memcpy(&c, at, 8);
		c++;
		memcpy(at, &c, 8);
	}
	rc = map_store(I, in, m, key, val);
	free(key);
	return rc;
}

/* map[keys] merged over the CPUs; 1 when absent. */
static int stat_read(struct interp *I, const struct ir_insn *in,
		     const struct ir_map *m, const void *key,
		     struct ir_stat *st, int64_t *buckets)
{
	int err = hist__read(m, m->nkeys ? key : NULL, st, buckets);

	if (err == -ENOENT)
		return 1;
	if (err)
		return sys_fault(I, in, "reading a statistic", err), -1;
	return 0;
}

static int64_t stat_value(const struct ir_stat *st, enum statop op)
{
	switch (op) {
	case SO_COUNT:
		return st->count;
	case SO_SUM:
		return st->sum;
	case SO_MIN:
		return st->min;
	case SO_MAX:
		return st->max;
	case SO_AVG:
		return st->count ? st->sum / st->count : 0;
	case SO_VARIANCE: {
		/* sample variance: (n*sumsq - sum^2) / (n*(n-1)) */
		__int128 n = st->count, s = st->sum, q = st->sumsq;

		if (st->count < 2)
			return 0;
		return (int64_t)((n * q - s * s) / (n * (n - 1)));
	}
	default:
		return 0;
	}
}

static int stat_get(struct interp *I, const struct ir_insn *in,
		    const struct ival *r, struct ival *dst)
{
	const struct ir_map *m = in->map;
	char *key = malloc((size_t)m->key_size + 8);
	struct ir_stat st;
	int rc;

	if (!key)
		return sys_fault(I, in, "allocation", -ENOMEM);
	encode_key(I, m, r, in->args, key);
	rc = stat_read(I, in, m, key, &st, NULL);
	free(key);
	if (rc < 0)
		return XR_ERR;
	if (rc == 1 || st.count == 0) {
		if (in->statop == SO_COUNT || in->statop == SO_SUM) {
			dst->l = 0;
			return XR_OK;
		}
		return fault(I, in, rc == 1 && m->nkeys ?
			     "aggregate element not found" :
			     "empty aggregate");
	}
	dst->l = stat_value(&st, in->statop);
	return XR_OK;
}

static int print_hist(struct interp *I, const struct ir_insn *in,
		      const struct ival *r)
{
	const struct ir_map *m = in->map;
	char *key = malloc((size_t)m->key_size + 8);
	int64_t *b = calloc((size_t)m->nbuckets + 1, sizeof(*b));
	struct ir_stat st;
	struct strbuf out;
	int rc;

	if (!key || !b) {
		free(key);
		free(b);
		return sys_fault(I, in, "allocation", -ENOMEM);
	}
	encode_key(I, m, r, in->args, key);
	rc = stat_read(I, in, m, key, &st, b);
	free(key);
	if (rc == 0 || (rc == 1 && !m->nkeys)) {
		strbuf__init(&out);
		hist__format(&out, m->hist, m->hist_lo, m->hist_step,
			     m->nbuckets, b);
		fwrite(out.buf, 1, out.len, I->out);
		strbuf__free(&out);
	}
	free(b);
	if (rc == 1 && m->nkeys)
		return fault(I, in, "aggregate element not found");
	return rc < 0 ? XR_ERR : XR_OK;
}

int interp__print_hist(struct ir_program *p, struct ir_map *map,
		       const void *key, FILE *out)
{
	int64_t *b = calloc((size_t)map->nbuckets + 1, sizeof(*b));
	struct ir_stat st;
	struct strbuf sb;
	int err;

	if (!b)
		return -ENOMEM;
	(void)p;
	err = hist__read(map, map->nkeys ? key : NULL, &st, b);
	if (!err || err == -ENOENT) {
		strbuf__init(&sb);
		hist__format(&sb, map->hist, map->hist_lo, map->hist_step,
			     map->nbuckets, b);
		fwrite(sb.buf, 1, sb.len, out);
		strbuf__free(&sb);
		err = 0;
	}
	free(b);
	return err;
}

/* ---- foreach ------------------------------------------------------------ */

struct entry {
	char *key;
	int64_t l;		/* sort value: long */
	char *s;		/* sort value: string (into the key or a copy) */
};

struct sorter {
	struct interp *I;
	const struct ir_insn *in;
	bool str;		/* sort value is a string */
};

static int cmp_key_cols(const struct sorter *so, const char *a,
			const char *b)
{
	return key_cmp(a, b, (void *)so->in->map);
}

static int cmp_entries(const void *pa, const void *pb, void *arg)
{
	const struct sorter *so = arg;
	const struct entry *a = pa, *b = pb;
	int c;

	if (so->str)
		c = strcmp(a->s, b->s);
	else
		c = a->l < b->l ? -1 : a->l > b->l;
	if (c)
		return c * so->in->sort_dir;
	/* ties: the keys in order, ascending */
	return cmp_key_cols(so, a->key, b->key);
}

/* The sort value of entry e (value, aggregate or a key column). */
static int sort_value(struct interp *I, const struct ir_insn *in,
		      struct entry *e, char *valbuf)
{
	const struct ir_map *m = in->map;
	int col = in->sort_column;

	if (col > 0) {
		const char *at = e->key + m->key_off[col - 1];

		if (m->key_types[col - 1] == IRT_STR)
			e->s = (char *)at;
		else
			memcpy(&e->l, at, 8);
		return 0;
	}
	if (m->kind == IRM_STATS) {
		struct ir_stat st;
		int rc = stat_read(I, in, m, e->key, &st, NULL);

		if (rc < 0)
			return -1;
		e->l = rc == 0 ? stat_value(&st, in->sort_agg) : 0;
		return 0;
	}
	if (mapval__lookup(m, ncpus(I), e->key, valbuf))
		memset(valbuf, 0, (size_t)m->val_size);
	if (m->val_type == IRT_STR) {
		e->s = strdup(valbuf);
		if (!e->s)
			return -1;
	} else {
		memcpy(&e->l, valbuf, 8);
	}
	return 0;
}

static bool sort_is_str(const struct ir_insn *in)
{
	const struct ir_map *m = in->map;

	if (in->sort_column > 0)
		return m->key_types[in->sort_column - 1] == IRT_STR;
	return m->kind == IRM_ARRAY && m->val_type == IRT_STR;
}

static void entries_free(const struct ir_insn *in, struct entry *e, size_t n)
{
	if (in->sort_dir && in->sort_column == 0 &&
	    in->map->kind == IRM_ARRAY && in->map->val_type == IRT_STR)
		for (size_t i = 0; i < n; i++)
			free(e[i].s);
	free(e);
}

static int exec(struct interp *I, struct ir_func *f, struct ival *frame,
		struct ival *ret, int64_t *code);

/* One iteration's region run; returns XR_OK with *stop set when the loop
 * ends (dst in *res), XR_ERR on an error. */
static int run_region(struct interp *I, const struct ir_insn *in,
		      struct ival *frame, bool *stop, int64_t *res)
{
	int64_t code = IRR_CONTINUE;

	if (exec(I, in->fn, frame, NULL, &code))
		return XR_ERR;
	*stop = code != IRR_CONTINUE;
	*res = code == IRR_BREAK ? 0 : code;
	return XR_OK;
}

/* Store the key columns (and the value) of one entry into the frame. */
static void bind_entry(struct interp *I, const struct ir_insn *in,
		       struct ival *frame, const char *key, char *valbuf)
{
	const struct ir_map *m = in->map;

	for (int i = 0; i < m->nkeys; i++) {
		struct ival *slot = &frame[in->key_slots[i]];
		const char *at = key + m->key_off[i];

		if (m->key_types[i] == IRT_STR)
			sset(I, slot->s, at);
		else
			memcpy(&slot->l, at, 8);
	}
	if (in->val_slot < 0)
		return;
	if (mapval__lookup(m, ncpus(I), key, valbuf))
		memset(valbuf, 0, (size_t)m->val_size);
	if (m->val_type == IRT_STR)
		sset(I, frame[in->val_slot].s, valbuf);
	else
		memcpy(&frame[in->val_slot].l, valbuf, 8);
}

static int foreach(struct interp *I, const struct ir_insn *in,
		   struct ival *r, struct ival *frame)
{
	const struct ir_map *m = in->map;
	struct sorter so = { I, in, sort_is_str(in) };
	char *keys, *valbuf = malloc(value_bytes(I, m) + 8);
	struct entry *e;
	size_t n, k = 0, limit;
	int rc = XR_OK, err;
	bool stop = false;
	int64_t res = 0;

	if (!valbuf)
		return sys_fault(I, in, "allocation", -ENOMEM);
	err = all_keys(m, &keys, &n);
	if (err) {
		free(valbuf);
		return sys_fault(I, in, "map iteration", err);
	}
	e = calloc(n + 1, sizeof(*e));
	for (size_t i = 0; e && i < n; i++) {
		char *key = keys + i * (size_t)m->key_size;

		if (in->nargs && !slice_match(I, m, key, r, in->args,
					      in->nargs))
			continue;
		e[k].key = key;
		if (in->sort_dir && sort_value(I, in, &e[k], valbuf)) {
			rc = I->err->set ? XR_ERR :
			     sys_fault(I, in, "sorting", -ENOMEM);
			break;
		}
		k++;
	}
	if (!e)
		rc = sys_fault(I, in, "allocation", -ENOMEM);
	if (rc == XR_OK && in->sort_dir)
		qsort_r(e, k, sizeof(*e), cmp_entries, &so);
	limit = k;
	if (in->a.kind != IRV_NONE) {
		int64_t lim = L(r, in->a);

		limit = lim < 0 ? 0 : (size_t)lim < k ? (size_t)lim : k;
	}
	for (size_t i = 0; rc == XR_OK && !stop && i < limit; i++) {
		bind_entry(I, in, frame, e[i].key, valbuf);
		rc = run_region(I, in, frame, &stop, &res);
	}
	if (e)
		entries_free(in, e, k);
	free(keys);
	free(valbuf);
	r[in->dst].l = res;
	return rc;
}

static int loop(struct interp *I, const struct ir_insn *in, struct ival *r,
		struct ival *frame)
{
	bool stop = false;
	int64_t res = 0;

	while (!stop)
		if (run_region(I, in, frame, &stop, &res))
			return XR_ERR;
	r[in->dst].l = res;
	return XR_OK;
}

/* ---- printing ----------------------------------------------------------- */

static int format_args(const struct ir_insn *in, const struct ival *r,
		       struct strbuf *out)
{
	struct fmt_arg *a = calloc((size_t)in->nargs + 1, sizeof(*a));
	int err;

	if (!a)
		return -ENOMEM;
	for (int i = 0; i < in->nargs; i++) {
		a[i].is_str = in->fmt->arg_types[i] == IRT_STR;
		if (a[i].is_str)
			a[i].s = S(r, in->args[i]);
		else
			a[i].l = L(r, in->args[i]);
	}
	err = format__run(out, in->fmt->fmt, a, in->nargs);
	free(a);
	return err;
}

static int do_printf(struct interp *I, const struct ir_insn *in,
		     struct ival *r)
{
	struct strbuf out;
	int err;

	strbuf__init(&out);
	err = format_args(in, r, &out);
	if (!err && in->opc == IR_PRINTF)
		fwrite(out.buf, 1, out.len, I->out);
	else if (!err) {
		size_t n = out.len < I->slen - 1 ? out.len : I->slen - 1;

		memcpy(r[in->dst].s, out.buf ? out.buf : "", n);
		r[in->dst].s[n] = '\0';
	}
	strbuf__free(&out);
	if (err)
		return fault(I, in, "bad format \"%s\"", in->fmt->fmt);
	return XR_OK;
}

/* ---- built-ins in user space -------------------------------------------- */

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void read_comm(pid_t pid, char *buf, size_t n)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, (int)n, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void cmdline(struct interp *I, char *dst)
{
	FILE *f = fopen("/proc/self/cmdline", "r");
	size_t n = 0;
	int c;

	dst[0] = '\0';
	if (!f)
		return;
	while ((c = fgetc(f)) != EOF && n < I->slen - 1)
		dst[n++] = c ? (char)c : ' ';
	while (n && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
	fclose(f);
}

/* stap's text_str: escape non-printables the C way. */
static void text_str(struct interp *I, char *dst, const char *src,
		     size_t maxin, bool quoted)
{
	struct strbuf b;
	size_t n = 0;

	strbuf__init(&b);
	if (quoted)
		strbuf__putc(&b, '"');
	for (; *src && n < maxin; src++, n++) {
		unsigned char c = (unsigned char)*src;
		char tmp[8];

		switch (c) {
		case '\n': strbuf__puts(&b, "\\n", 2); break;
		case '\t': strbuf__puts(&b, "\\t", 2); break;
		case '\r': strbuf__puts(&b, "\\r", 2); break;
		case '\v': strbuf__puts(&b, "\\v", 2); break;
		case '\f': strbuf__puts(&b, "\\f", 2); break;
		case '\a': strbuf__puts(&b, "\\a", 2); break;
		case '\b': strbuf__puts(&b, "\\b", 2); break;
		case '"': strbuf__puts(&b, "\\\"", 2); break;
		case '\'': strbuf__puts(&b, "\\'", 2); break;
		case '\\': strbuf__puts(&b, "\\\\", 2); break;
		default:
			if (c < 32 || c >= 127) {
				snprintf(tmp, sizeof(tmp), "\\%03o", c);
				strbuf__puts(&b, tmp, strlen(tmp));
			} else {
				strbuf__putc(&b, (char)c);
			}
		}
	}
	if (quoted)
		strbuf__putc(&b, '"');
	strbuf__putc(&b, '\0');
	sset(I, dst, b.buf);
	strbuf__free(&b);
}

/* tokenize(s, delim): the next token; tokenize("", delim) goes on. */
static void tokenize(struct interp *I, char *dst, const char *s,
		     const char *delim)
{
	struct istate *st = I->st;
	char *p;
	size_t len;

	if (*s) {
		free(st->tok_buf);
		st->tok_buf = strdup(s);
		st->tok_pos = 0;
	}
	dst[0] = '\0';
	if (!st->tok_buf)
		return;
	p = st->tok_buf + st->tok_pos;
	p += strspn(p, delim);
	len = strcspn(p, delim);
	if (!len) {
		st->tok_pos = strlen(st->tok_buf);
		return;
	}
	memcpy(dst, p, len < I->slen - 1 ? len : I->slen - 1);
	dst[len < I->slen - 1 ? len : I->slen - 1] = '\0';
	st->tok_pos = (size_t)(p + len - st->tok_buf);
}

static void str_replace(struct interp *I, char *dst, const char *src,
			const char *from, const char *to)
{
	struct strbuf b;
	size_t fl = strlen(from);

	strbuf__init(&b);
	while (*src) {
		if (fl && !strncmp(src, from, fl)) {
			strbuf__puts(&b, to, strlen(to));
			src += fl;
		} else {
			strbuf__putc(&b, *src++);
		}
	}
	strbuf__putc(&b, '\0');
	sset(I, dst, b.buf);
	strbuf__free(&b);
}

static int builtin(struct interp *I, const struct ir_insn *in, struct ival *r)
{
	const struct builtin *bi = in->builtin ? in->builtin :
				   builtin__find(in->callee);
	struct ival *d = in->dst >= 0 ? &r[in->dst] : NULL;
	struct ival dummy = { 0 };
	const struct ir_val *a = in->args;
	char *ds;

	if (!d)
		d = &dummy;
	ds = d->s;
	if (!bi)
		return fault(I, in, "unknown function %s", in->callee);
	switch (bi->id) {
	case BI_EXECNAME: {
		char comm[32];

		if (prctl(PR_GET_NAME, comm, 0, 0, 0))
			comm[0] = '\0';
		comm[sizeof(comm) - 1] = '\0';
		sset(I, ds, comm);
		break;
	}
	case BI_PEXECNAME: {
		char comm[64];

		read_comm(getppid(), comm, sizeof(comm));
		sset(I, ds, comm);
		break;
	}
	case BI_PID: case BI_STP_PID: d->l = getpid(); break;
	case BI_TID: d->l = gettid(); break;
	case BI_PPID: d->l = getppid(); break;
	case BI_UID: d->l = getuid(); break;
	case BI_EUID: d->l = geteuid(); break;
	case BI_GID: d->l = getgid(); break;
	case BI_EGID: d->l = getegid(); break;
	case BI_CPU: d->l = sched_getcpu(); break;
	case BI_TARGET: d->l = I->p->s->target_pid; break;
	case BI_IS_RETURN: d->l = 0; break;
	case BI_USER_MODE: d->l = 1; break;
	case BI_CMDLINE_STR: cmdline(I, ds); break;
	case BI_PP: case BI_PN:
		sset(I, ds, I->probe->probe_kind ? I->probe->probe_kind : "");
		break;
	case BI_PPFUNC: case BI_PROBEFUNC:
		ds[0] = '\0';
		break;
	case BI_GETTIMEOFDAY_S: d->l = clock_ns(CLOCK_REALTIME) / 1000000000; break;
	case BI_GETTIMEOFDAY_MS: d->l = clock_ns(CLOCK_REALTIME) / 1000000; break;
	case BI_GETTIMEOFDAY_US: d->l = clock_ns(CLOCK_REALTIME) / 1000; break;
	case BI_GETTIMEOFDAY_NS: d->l = clock_ns(CLOCK_REALTIME); break;
	case BI_LOCAL_CLOCK_NS: case BI_CPU_CLOCK_NS: case BI_KTIME_GET_NS:
	case BI_GET_CYCLES:
		d->l = clock_ns(CLOCK_MONOTONIC);
		break;
	case BI_LOCAL_CLOCK_US: case BI_CPU_CLOCK_US:
		d->l = clock_ns(CLOCK_MONOTONIC) / 1000;
		break;
	case BI_LOCAL_CLOCK_MS: case BI_CPU_CLOCK_MS:
		d->l = clock_ns(CLOCK_MONOTONIC) / 1000000;
		break;
	case BI_LOCAL_CLOCK_S: case BI_CPU_CLOCK_S:
		d->l = clock_ns(CLOCK_MONOTONIC) / 1000000000;
		break;
	case BI_JIFFIES:
		/* the kernel's HZ is not visible from user space; 250 */
		d->l = clock_ns(CLOCK_MONOTONIC) / 4000000;
		break;
	case BI_TZ_GMTOFF:
		tzset();
		d->l = timezone;
		break;
	case BI_TZ_NAME:
		tzset();
		sset(I, ds, tzname[0] ? tzname[0] : "");
		break;
	case BI_STRLEN: d->l = (int64_t)strlen(S(r, a[0])); break;
	case BI_SUBSTR: {
		const char *s = S(r, a[0]);
		int64_t len = (int64_t)strlen(s), st = L(r, a[1]);
		int64_t n = L(r, a[2]);

		if (st < 0 || st >= len || n <= 0) {
			ds[0] = '\0';
			break;
		}
		if (n > len - st)
			n = len - st;
		if ((size_t)n > I->slen - 1)
			n = (int64_t)I->slen - 1;
		memmove(ds, s + st, (size_t)n);
		ds[n] = '\0';
		break;
	}
	case BI_STRINGAT: {
		const char *s = S(r, a[0]);
		int64_t i = L(r, a[1]);

		if (i < 0 || i >= (int64_t)strlen(s))
			return fault(I, in, "Invalid index %lld",
				     (long long)i);
		d->l = (unsigned char)s[i];
		break;
	}
	case BI_ISINSTR: d->l = strstr(S(r, a[0]), S(r, a[1])) != NULL; break;
	case BI_STRPOS: {
		const char *s = S(r, a[0]), *p = strstr(s, S(r, a[1]));

		d->l = p ? p - s : -1;
		break;
	}
	case BI_STR_REPLACE:
		str_replace(I, ds, S(r, a[0]), S(r, a[1]), S(r, a[2]));
		break;
	case BI_TEXT_STR:
		text_str(I, ds, S(r, a[0]), (size_t)-1, false);
		break;
	case BI_TEXT_STRN: {
		int64_t n = L(r, a[1]);

		text_str(I, ds, S(r, a[0]), n > 0 ? (size_t)n : (size_t)-1,
			 in->nargs > 2 && L(r, a[2]));
		break;
	}
	case BI_STRTOL: {
		int64_t base = in->nargs > 1 ? L(r, a[1]) : 10;

		if (base < 2 || base > 36)
			return fault(I, in, "Invalid base %lld",
				     (long long)base);
		d->l = strtoll(S(r, a[0]), NULL, (int)base);
		break;
	}
	case BI_TOKENIZE: tokenize(I, ds, S(r, a[0]), S(r, a[1])); break;
	case BI_RANDINT: {
		int64_t n = L(r, a[0]);

		if (n <= 0)
			return fault(I, in, "invalid range %lld",
				     (long long)n);
		d->l = (int64_t)(((uint64_t)random() << 31 ^
				  (uint64_t)random()) % (uint64_t)n);
		break;
	}
	case BI_ABS: d->l = L(r, a[0]) < 0 ? -L(r, a[0]) : L(r, a[0]); break;
	case BI_MIN: d->l = L(r, a[0]) < L(r, a[1]) ? L(r, a[0]) : L(r, a[1]); break;
	case BI_MAX: d->l = L(r, a[0]) > L(r, a[1]) ? L(r, a[0]) : L(r, a[1]); break;
	case BI_WARN:
		fflush(I->out);
		fprintf(stderr, "WARNING: %s\n", S(r, a[0]));
		break;
	case BI_ABORT:
		/* stop now: no end probes (stap's abort) */
		set_exit(I, in);
		return fault(I, in, "abort() called");
	case BI_SYSTEM:
		fflush(I->out);
		if (system(S(r, a[0])) == -1)
			fprintf(stderr, "WARNING: system(): %s\n",
				strerror(errno));
		break;
	case BI_BACKTRACE: case BI_UBACKTRACE: case BI_SPRINT_BACKTRACE:
	case BI_SPRINT_UBACKTRACE: case BI_SYMNAME: case BI_USYMNAME:
	case BI_SYMDATA: case BI_USYMDATA:
		if (ds)
			ds[0] = '\0';
		break;
	case BI_PRINT_BACKTRACE: case BI_PRINT_UBACKTRACE:
		break;
	case BI_ADDR: case BI_UADDR:
		d->l = 0;
		break;
	default:
		return fault(I, in, "%s() is not available in a %s probe",
			     bi->name, I->probe->probe_kind ?
			     I->probe->probe_kind : "user-space");
	}
	return XR_OK;
}

/* ---- the instruction loop ----------------------------------------------- */

static regex_t *regex_of(struct interp *I, const struct ir_insn *in)
{
	struct istate *st = I->st;
	int i = (int)in->imm;

	if (!st->re) {
		st->re = calloc((size_t)I->p->strtab.n + 1, sizeof(*st->re));
		st->re_bad = calloc((size_t)I->p->strtab.n + 1, 1);
		if (!st->re || !st->re_bad)
			return NULL;
		st->nre = I->p->strtab.n + 1;
	}
	if (!st->re[i] && !st->re_bad[i]) {
		regex_t *re = calloc(1, sizeof(*re));

		if (re && !regcomp(re, vec_at(&I->p->strtab, i),
				   REG_EXTENDED | REG_NOSUB)) {
			st->re[i] = re;
		} else {
			free(re);
			st->re_bad[i] = true;
		}
	}
	return st->re[i];
}

static int bin(struct interp *I, const struct ir_insn *in, struct ival *r)
{
	uint64_t x = (uint64_t)L(r, in->a), y = (uint64_t)L(r, in->b);
	int64_t a = (int64_t)x, b = (int64_t)y, v = 0;

	switch (in->op) {
	case OP_ADD: v = (int64_t)(x + y); break;
	case OP_SUB: v = (int64_t)(x - y); break;
	case OP_MUL: v = (int64_t)(x * y); break;
	case OP_DIV:
	case OP_MOD:
		if (b == 0)
			return fault(I, in, "division by 0");
		if (a == INT64_MIN && b == -1)
			v = in->op == OP_DIV ? INT64_MIN : 0;
		else
			v = in->op == OP_DIV ? a / b : a % b;
		break;
	/* the count is in 0..63 (lower_expr.c, shift()); mod 64 anyway */
	case OP_SHL: v = (int64_t)(x << (y & 63)); break;
	case OP_SHR: v = a >> (y & 63); break;
	case OP_LSHR: v = (int64_t)(x >> (y & 63)); break;
	case OP_BAND: v = (int64_t)(x & y); break;
	case OP_BOR: v = (int64_t)(x | y); break;
	case OP_BXOR: v = (int64_t)(x ^ y); break;
	default: return fault(I, in, "bad binary operator");
	}
	r[in->dst].l = v;
	return XR_OK;
}

static bool cmp(enum op op, int c)
{
	switch (op) {
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	case OP_GE: return c >= 0;
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	default: return false;
	}
}

static int call(struct interp *I, const struct ir_insn *in, struct ival *r)
{
	struct ir_func *g = in->fn;
	enum ir_type *types = malloc(sizeof(*types) * (size_t)(g->slots.n + 1));
	struct ival *frame, ret = { 0 };
	char *rbuf = NULL;
	int rc;

	if (!types)
		return sys_fault(I, in, "allocation", -ENOMEM);
	if (I->depth >= I->maxnesting) {
		free(types);
		return fault(I, in, "MAXNESTING exceeded");
	}
	vec_foreach(i, &g->slots)
		types[i] = ((struct ir_slot *)vec_at(&g->slots, i))->type;
	frame = vals_new(I, types, g->slots.n);
	free(types);
	for (int i = 0; i < in->nargs; i++) {
		if (frame[i].s)
			sset(I, frame[i].s, S(r, in->args[i]));
		else
			frame[i].l = L(r, in->args[i]);
	}
	if (g->ret == IRT_STR)
		ret.s = rbuf = calloc(1, I->slen);
	I->depth++;
	rc = exec(I, g, frame, &ret, NULL);
	I->depth--;
	if (rc == XR_OK && in->dst >= 0) {
		if (g->ret == IRT_STR)
			sset(I, r[in->dst].s, ret.s);
		else
			r[in->dst].l = ret.l;
	}
	free(rbuf);
	free(frame);
	return rc;
}

/* Execute one non-terminator; XR_OK or XR_ERR (error state set). */
static int step(struct interp *I, const struct ir_insn *in, struct ival *r,
		struct ival *frame)
{
	struct ival *d = in->dst >= 0 ? &r[in->dst] : NULL;

	switch (in->opc) {
	case IR_MOV:
		if (d->s)
			sset(I, d->s, S(r, in->a));
		else
			d->l = L(r, in->a);
		return XR_OK;
	case IR_CONST:
		d->l = in->imm;
		return XR_OK;
	case IR_STRCONST:
		sset(I, d->s, vec_at(&I->p->strtab, (int)in->imm));
		return XR_OK;
	case IR_BIN:
		return bin(I, in, r);
	case IR_UN: {
		int64_t a = L(r, in->a);

		d->l = in->op == OP_NEG ? (int64_t)(0 - (uint64_t)a) :
		       in->op == OP_BNOT ? ~a : !a;
		return XR_OK;
	}
	case IR_CMP: {
		int64_t a = L(r, in->a), b = L(r, in->b);

		d->l = cmp(in->op, a < b ? -1 : a > b);
		return XR_OK;
	}
	case IR_STRCMP:
		d->l = cmp(in->op, strcmp(S(r, in->a), S(r, in->b)));
		return XR_OK;
	case IR_CONCAT: {
		char *tmp = malloc(I->slen);
		size_t n;

		if (!tmp)
			return sys_fault(I, in, "allocation", -ENOMEM);
		n = strnlen(S(r, in->a), I->slen - 1);
		memcpy(tmp, S(r, in->a), n);
		tmp[n] = '\0';
		strncat(tmp, S(r, in->b), I->slen - 1 - n);
		sset(I, d->s, tmp);
		free(tmp);
		return XR_OK;
	}
	case IR_REGEX: {
		regex_t *re = regex_of(I, in);

		if (!re)
			return fault(I, in, "invalid regular expression");
		d->l = regexec(re, S(r, in->a), 0, NULL, 0) == 0;
		return XR_OK;
	}
	case IR_ERRMSG:
		sset(I, d->s, I->err->msg);
		return XR_OK;
	case IR_LOAD_LOCAL:
		if (d->s)
			sset(I, d->s, frame[in->slot].s);
		else
			d->l = frame[in->slot].l;
		return XR_OK;
	case IR_STORE_LOCAL:
		if (frame[in->slot].s)
			sset(I, frame[in->slot].s, S(r, in->a));
		else
			frame[in->slot].l = L(r, in->a);
		return XR_OK;
	case IR_LOAD_GLOBAL:
		return global_load(I, in, d);
	case IR_STORE_GLOBAL:
		return global_store(I, in, vec_at(&I->p->globals, in->gid), r);
	case IR_MAP_GET:
		return map_get(I, in, r, d);
	case IR_MAP_SET:
		return map_set(I, in, r, false);
	case IR_MAP_ADD:
		return map_set(I, in, r, true);
	case IR_MAP_DELETE:
		return map_delete(I, in, r, false);
	case IR_MAP_CLEAR:
		return map_delete(I, in, r, true);
	case IR_MAP_EXISTS:
		return map_exists(I, in, r, d);
	case IR_STAT_ADD:
		return stat_add(I, in, r);
	case IR_STAT_GET:
		return stat_get(I, in, r, d);
	case IR_CALL:
		return call(I, in, r);
	case IR_BUILTIN:
		return builtin(I, in, r);
	case IR_PRINTF:
	case IR_SPRINTF:
		return do_printf(I, in, r);
	case IR_PRINT_HIST:
		return print_hist(I, in, r);
	case IR_EXIT:
		return set_exit(I, in);
	case IR_CTX:
		return sys_fault(I, in, "a context variable in user space",
				 -EINVAL);
	case IR_ERROR:
		return fault(I, in, "%s", S(r, in->a));
	case IR_LOOP:
		return loop(I, in, r, frame);
	case IR_FOREACH:
		return foreach(I, in, r, frame);
	default:
		return fault(I, in, "bad IR opcode %d", (int)in->opc);
	}
}

/* Run f over frame.  A function's return value goes to *ret, a region's
 * code to *code.  XR_OK or XR_ERR. */
static int exec(struct interp *I, struct ir_func *f, struct ival *frame,
		struct ival *ret, int64_t *code)
{
	struct ival *r = vals_new(I, f->reg_types, f->nregs);
	struct ir_block *b = vec_at(&f->blocks, 0);
	int rc = XR_OK;

	for (;;) {
		struct ir_insn *in = NULL;
		int next = -1;

		vec_foreach(i, &b->insns) {
			in = vec_at(&b->insns, i);
			if (in->opc == IR_JMP || in->opc == IR_BR ||
			    in->opc == IR_RET)
				break;
			if (step(I, in, r, frame) == XR_OK)
				continue;
			if (in->on_error < 0) {
				rc = XR_ERR;
				goto out;
			}
			/* caught: the message stays for IR_ERRMSG */
			I->err->set = false;
			next = in->on_error;
			break;
		}
		if (next < 0) {
			if (!in)
				goto out;
			if (in->opc == IR_JMP) {
				next = in->target;
			} else if (in->opc == IR_BR) {
				next = L(r, in->a) ? in->target : in->target2;
			} else {
				if (code)
					*code = in->imm;
				if (ret && in->a.kind != IRV_NONE) {
					if (ret->s)
						sset(I, ret->s, S(r, in->a));
					else
						ret->l = L(r, in->a);
				}
				goto out;
			}
		}
		b = vec_at(&f->blocks, next);
	}
out:
	free(r);
	return rc;
}

/* ---- the API ------------------------------------------------------------ */

static struct istate *istate_of(struct ir_program *p)
{
	struct istate *st = p->interp;

	if (!st) {
		st = arena__alloc(&p->s->arena, sizeof(*st));
		st->ncpus = libbpf_num_possible_cpus();
		if (st->ncpus < 1)
			st->ncpus = 1;
		p->interp = st;
	}
	return st;
}

void interp__release(struct ir_program *p)
{
	struct istate *st = p->interp;

	if (!st)
		return;
	for (int i = 0; st->re && i < st->nre; i++)
		if (st->re[i]) {
			regfree(st->re[i]);
			free(st->re[i]);
		}
	free(st->re);
	free(st->re_bad);
	free(st->tok_buf);
	for (int i = 0; st->wrap && i < p->maps.n; i++) {
		free(st->wrap[i].keys);
		if (st->wrap[i].own_fd > 0)
			close(st->wrap[i].own_fd);
	}
	free(st->wrap);
	memset(st, 0, sizeof(*st));
	p->interp = NULL;
}

int interp__probe(struct ir_program *p, struct ir_func *f, FILE *out,
		  struct interp_error *err)
{
	struct interp I = {
		.p = p, .st = istate_of(p), .out = out, .err = err,
		.probe = f, .slen = (size_t)p->maxstringlen,
	};
	enum ir_type *types;
	struct ival *frame;
	int rc;

	memset(err, 0, sizeof(*err));
	I.st->run++;
	I.maxnesting = (int)session__define_num(p->s, "MAXNESTING", 32, 1,
						 10000);
	if (f->probe_kind && !strcmp(f->probe_kind, "begin") &&
	    interp__exit_requested(p))
		return INTERP_OK;
	types = malloc(sizeof(*types) * (size_t)(f->slots.n + 1));
	if (!types)
		return -ENOMEM;
	vec_foreach(i, &f->slots)
		types[i] = ((struct ir_slot *)vec_at(&f->slots, i))->type;
	frame = vals_new(&I, types, f->slots.n);
	free(types);
	rc = exec(&I, f, frame, NULL, NULL);
	free(frame);
	fflush(out);
	if (I.sys_err)
		return I.sys_err;
	return rc == XR_OK ? INTERP_OK : INTERP_ERROR;
}

/* The initial value of a global from its literal initializer. */
static void init_value(struct ir_program *p, const struct ir_global *g,
		       char *buf)
{
	const struct expr *e = g->decl->init;
	int64_t v = 0;

	if (!e)
		return;
	if (g->type == IRT_STR && e->kind == EX_STR) {
		strncpy(buf + g->off, e->str, (size_t)p->maxstringlen - 1);
		return;
	}
	if (e->kind == EX_NUM)
		v = e->num;
	else if (e->kind == EX_UNARY && e->op == OP_NEG && e->a &&
		 e->a->kind == EX_NUM)
		v = (int64_t)(0 - (uint64_t)e->a->num);
	if (g->type == IRT_LONG)
		memcpy(buf + g->off, &v, 8);
}

static int set_from_cmdline(struct ir_program *p, const struct define *d,
			    char *buf)
{
	vec_foreach(i, &p->globals) {
		const struct ir_global *g = vec_at(&p->globals, i);
		char *end;

		if (strcmp(g->decl->name, d->name))
			continue;
		if (g->type == IRT_STR) {
			memset(buf + g->off, 0, (size_t)p->maxstringlen);
			strncpy(buf + g->off, d->value,
				(size_t)p->maxstringlen - 1);
			return 0;
		}
		errno = 0;
		int64_t v = strtoll(d->value, &end, 0);

		if (errno || end == d->value || *end) {
			diag__plain(p->s, "-G %s=%s: '%s' is a number "
				    "variable", d->name, d->value, d->name);
			return -EINVAL;
		}
		memcpy(buf + g->off, &v, 8);
		return 0;
	}
	diag__plain(p->s, "-G %s=%s: no global variable '%s' of the script "
		    "(or it is an array)", d->name, d->value, d->name);
	return -EINVAL;
}

int interp__init_globals(struct ir_program *p)
{
	char *buf = calloc(1, (size_t)p->globals_size + 8);
	struct interp I = { .p = p, .slen = (size_t)p->maxstringlen };
	int err = 0;

	if (!buf)
		return -ENOMEM;
	/* the control block starts zeroed: the runtime fills in its
	 * fields (boot offset, target pid...) after this call */
	memset(buf, 0, (size_t)p->globals_size);
	vec_foreach(i, &p->globals)
		init_value(p, vec_at(&p->globals, i), buf);
	vec_foreach(i, &p->s->global_sets)
		if (!err)
			err = set_from_cmdline(p, vec_at(&p->s->global_sets, i),
					       buf);
	if (!err && globals_write(&I, buf)) {
		err = -errno;
		diag__plain(p->s, "cannot write the globals map: %s",
			    strerror(errno));
	}
	free(buf);
	return err;
}

void interp__set_globals_mem(struct ir_program *p, void *mem)
{
	istate_of(p)->gmem = mem;
}

bool interp__exit_requested(struct ir_program *p)
{
	struct interp I = { .p = p };
	struct istate *st = p->interp;
	char *buf;
	bool ex = false;

	if (st && st->gmem) {
		struct ir_control *c = (struct ir_control *)st->gmem;

		return __atomic_load_n(&c->exit_requested,
				       __ATOMIC_ACQUIRE) != 0;
	}
	buf = malloc((size_t)p->globals_size + 8);
	if (buf && !globals_read(&I, buf))
		ex = ((struct ir_control *)buf)->exit_requested != 0;
	free(buf);
	return ex;
}
