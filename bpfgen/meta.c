/* meta.c - write and read the ".bstap" section of a saved object (see
 * meta.h for what it is and its header).
 *
 * The payload, in order (each table refers only to tables before it,
 * except functions, which are numbered before they are read so that
 * calls and regions may point forward):
 *
 *   session   kernel release, arch, module name, -D NAME=VALUE list
 *   sources   file name, tapset flag, text (user scripts only: tapset
 *             text is left out, their positions keep file:line:col)
 *   limits    MAXSTRINGLEN, MAXMAPENTRIES, MAXACTION, globals size
 *   strtab    string literals
 *   formats   id, format, argument types
 *   decls     global variables: name, types, flags, literal initializer;
 *             the first `nprog` are the program's globals (s->prog)
 *   maps      every struct ir_map field but fd; decl as a decls index
 *   globals   struct ir_global: decl, type, offset
 *   probes    derived probes: id, order, provider name, probe point
 *             (components, literal arguments, positions)
 *   funcs     every IR function: kind, name, probe, owner, frame slots,
 *             vreg types, blocks of instructions (every field; maps,
 *             formats, functions by index; built-ins by name)
 *   progs     the kernel programs of the ELF: name, section, probe
 *
 * A location is (source index or -1, line, col).  Reading checks every
 * count against what is left, every index against its table and every
 * enum against its range; the program read must pass ir__check() and
 * the consistency checks below before the runtime sees it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "builtins.h"
#include "meta.h"
#include "provider.h"
#include "session.h"

#define MAX_ITEMS (1 << 22)	/* any one table, and insns of a block */
#define NIL_STR 0xffffffffu

/* ---- writing -------------------------------------------------------------- */

struct buf {
	unsigned char *p;
	size_t len, cap;
	bool oom;
};

struct mw {
	struct session *s;
	struct ir_program *p;
	struct buf b;
	struct vec srcs;	/* const struct source * */
	struct vec decls;	/* struct vardecl * */
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *q;

		while (cap < b->len + n)
			cap *= 2;
		q = realloc(b->p, cap);
		if (!q) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void w_u8(struct mw *w, unsigned v)
{
	unsigned char c = (unsigned char)v;

	put(&w->b, &c, 1);
}

static void w_u32(struct mw *w, uint32_t v)
{
	put(&w->b, &v, 4);
}

static void w_i32(struct mw *w, int v)
{
	put(&w->b, &v, 4);
}

static void w_i64(struct mw *w, int64_t v)
{
	put(&w->b, &v, 8);
}

static void w_str(struct mw *w, const char *str)
{
	if (!str) {
		w_u32(w, NIL_STR);
		return;
	}
	w_u32(w, (uint32_t)strlen(str));
	put(&w->b, str, strlen(str));
}

static int index_of(const struct vec *v, const void *x)
{
	if (!x)
		return -1;
	vec_foreach(i, v)
		if (vec_at(v, i) == x)
			return i;
	return -1;
}

static void w_loc(struct mw *w, const struct loc *l)
{
	int i = index_of(&w->srcs, l->src);

	if (l->src && i < 0) {
		i = w->srcs.n;
		vec__push(&w->s->arena, &w->srcs, (void *)l->src);
	}
	w_i32(w, i);
	w_i32(w, l->line);
	w_i32(w, l->col);
}

static void w_val(struct mw *w, struct ir_val v)
{
	w_u8(w, v.kind);
	w_i32(w, v.reg);
	w_i64(w, v.imm);
}

static int func_index(const struct ir_program *p, const struct ir_func *f)
{
	if (!f)
		return -1;
	if (f->id >= 0 && f->id < p->funcs.n && vec_at(&p->funcs, f->id) == f)
		return f->id;
	return index_of(&p->funcs, f);
}

static void w_session(struct mw *w)
{
	struct session *s = w->s;

	w_str(w, s->kernel_release);
	w_str(w, s->arch);
	w_str(w, s->module_name);
	w_u32(w, (uint32_t)s->defines.n);
	vec_foreach(i, &s->defines) {
		const struct define *d = vec_at(&s->defines, i);

		w_str(w, d->name);
		w_str(w, d->value);
	}
}

static void w_tables(struct mw *w)
{
	struct ir_program *p = w->p;

	w_i32(w, p->maxstringlen);
	w_i64(w, p->maxmapentries);
	w_i64(w, p->maxaction);
	w_i32(w, p->globals_size);
	w_u32(w, (uint32_t)p->strtab.n);
	vec_foreach(i, &p->strtab)
		w_str(w, vec_at(&p->strtab, i));
	w_u32(w, (uint32_t)p->formats.n);
	vec_foreach(i, &p->formats) {
		const struct ir_format *f = vec_at(&p->formats, i);

		w_i32(w, f->id);
		w_str(w, f->fmt);
		w_u32(w, (uint32_t)f->nargs);
		for (int a = 0; a < f->nargs; a++)
			w_u8(w, f->arg_types[a]);
	}
}

/* The literal initializer of a global: 0 none, 1 number, 2 string. */
static void w_init(struct mw *w, const struct expr *e)
{
	if (e && e->kind == EX_STR) {
		w_u8(w, 2);
		w_str(w, e->str);
	} else if (e && e->kind == EX_NUM) {
		w_u8(w, 1);
		w_i64(w, e->num);
	} else if (e && e->kind == EX_UNARY && e->op == OP_NEG && e->a &&
		   e->a->kind == EX_NUM) {
		w_u8(w, 1);
		w_i64(w, (int64_t)(0 - (uint64_t)e->a->num));
	} else {
		w_u8(w, 0);
	}
}

static void w_decls(struct mw *w)
{
	struct session *s = w->s;
	struct ir_program *p = w->p;
	int nprog = s->prog ? s->prog->globals.n : 0;

	for (int i = 0; i < nprog; i++)
		vec__push(&s->arena, &w->decls, vec_at(&s->prog->globals, i));
	vec_foreach(i, &p->maps) {
		struct ir_map *m = vec_at(&p->maps, i);

		if (m->decl && index_of(&w->decls, m->decl) < 0)
			vec__push(&s->arena, &w->decls, m->decl);
	}
	vec_foreach(i, &p->globals) {
		struct ir_global *g = vec_at(&p->globals, i);

		if (g->decl && index_of(&w->decls, g->decl) < 0)
			vec__push(&s->arena, &w->decls, g->decl);
	}
	w_u32(w, (uint32_t)w->decls.n);
	w_u32(w, (uint32_t)nprog);
	vec_foreach(i, &w->decls) {
		const struct vardecl *d = vec_at(&w->decls, i);
		int arity = d->arity > 0 ? d->arity : 0;

		w_str(w, d->name);
		w_loc(w, &d->loc);
		w_u8(w, d->type);
		w_i32(w, d->arity);
		for (int k = 0; k < arity; k++)
			w_u8(w, d->key_types ? d->key_types[k] : TY_UNKNOWN);
		w_i64(w, d->maxsize);
		w_u8(w, d->wrap);
		w_u8(w, d->read);
		w_u8(w, d->written);
		w_u8(w, d->file && d->file->is_tapset);
		w_init(w, d->init);
	}
}

static void w_maps(struct mw *w)
{
	struct ir_program *p = w->p;

	w_u32(w, (uint32_t)p->maps.n);
	vec_foreach(i, &p->maps) {
		const struct ir_map *m = vec_at(&p->maps, i);

		w_i32(w, m->id);
		w_u8(w, m->kind);
		w_str(w, m->name);
		w_i32(w, index_of(&w->decls, m->decl));
		w_i32(w, m->nkeys);
		for (int k = 0; k < IR_MAX_KEYS; k++) {
			w_u8(w, m->key_types[k]);
			w_i32(w, m->key_off[k]);
		}
		w_i32(w, m->key_size);
		w_u8(w, m->val_type);
		w_i32(w, m->val_size);
		w_i64(w, m->max_entries);
		w_u8(w, m->wrap);
		w_u8(w, m->percpu);
		w_u8(w, m->hist);
		w_i64(w, m->hist_lo);
		w_i64(w, m->hist_hi);
		w_i64(w, m->hist_step);
		w_i32(w, m->nbuckets);
	}
	w_i32(w, index_of(&p->maps, p->globals_map));
	w_i32(w, index_of(&p->maps, p->scratch_map));
	w_i32(w, index_of(&p->maps, p->ringbuf_map));
	w_u32(w, (uint32_t)p->globals.n);
	vec_foreach(i, &p->globals) {
		const struct ir_global *g = vec_at(&p->globals, i);

		w_i32(w, index_of(&w->decls, g->decl));
		w_u8(w, g->type);
		w_i32(w, g->off);
	}
}

static void w_point(struct mw *w, const struct probe_point *pt)
{
	w_loc(w, &pt->loc);
	w_u8(w, pt->optional);
	w_u8(w, pt->sufficient);
	w_u32(w, (uint32_t)pt->comps.n);
	vec_foreach(i, &pt->comps) {
		const struct ppcomp *c = vec_at(&pt->comps, i);

		w_str(w, c->name);
		w_loc(w, &c->loc);
		if (c->arg && c->arg->kind == EX_NUM) {
			w_u8(w, 1);
			w_i64(w, c->arg->num);
		} else if (c->arg && c->arg->kind == EX_STR) {
			w_u8(w, 2);
			w_str(w, c->arg->str);
		} else {
			w_u8(w, 0);
		}
	}
}

static void w_probes(struct mw *w)
{
	const struct program *prog = w->s->prog;
	int n = prog ? prog->probes.n : 0;

	w_u32(w, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		const struct derived_probe *dp = vec_at(&prog->probes, i);

		w_i32(w, dp->id);
		w_i64(w, dp->order);
		w_str(w, dp->prov ? dp->prov->name : NULL);
		w_point(w, dp->point);
	}
}

static void w_insn(struct mw *w, const struct ir_insn *in)
{
	struct ir_program *p = w->p;

	w_u8(w, in->opc);
	w_i32(w, in->dst);
	w_val(w, in->a);
	w_val(w, in->b);
	w_i64(w, in->imm);
	w_u8(w, in->op);
	w_u8(w, in->statop);
	w_i32(w, in->slot);
	w_i32(w, in->gid);
	w_i32(w, index_of(&p->maps, in->map));
	w_i32(w, func_index(p, in->fn));
	w_str(w, in->builtin ? in->builtin->name : NULL);
	w_i32(w, index_of(&p->formats, in->fmt));
	w_u32(w, (uint32_t)in->nargs);
	for (int i = 0; i < in->nargs; i++)
		w_val(w, in->args[i]);
	w_i32(w, in->target);
	w_i32(w, in->target2);
	w_i32(w, in->on_error);
	for (int k = 0; k < IR_MAX_KEYS; k++)
		w_i32(w, in->key_slots[k]);
	w_i32(w, in->val_slot);
	w_i32(w, in->sort_column);
	w_i32(w, in->sort_dir);
	w_u8(w, in->sort_agg);
	w_loc(w, &in->loc);
	w_str(w, in->near);
	w_str(w, in->callee);
}

static void w_func(struct mw *w, const struct ir_func *f)
{
	struct ir_program *p = w->p;
	const struct program *prog = w->s->prog;

	w_u8(w, f->kind);
	w_str(w, f->name);
	w_i32(w, prog ? index_of(&prog->probes, f->probe) : -1);
	w_i32(w, func_index(p, f->region_of));
	w_u8(w, f->user_space);
	w_u8(w, f->ret);
	w_i32(w, f->nparams);
	w_i32(w, f->ret_slot);
	w_loc(w, &f->loc);
	w_str(w, f->probe_kind);
	w_u32(w, (uint32_t)f->nregs);
	for (int i = 0; i < f->nregs; i++)
		w_u8(w, f->reg_types[i]);
	w_u32(w, (uint32_t)f->slots.n);
	vec_foreach(i, &f->slots) {
		const struct ir_slot *sl = vec_at(&f->slots, i);

		w_u8(w, sl->type);
		w_u8(w, sl->used_by_region);
		w_str(w, sl->decl ? sl->decl->name : NULL);
	}
	w_u32(w, (uint32_t)f->blocks.n);
	vec_foreach(i, &f->blocks) {
		const struct ir_block *b = vec_at(&f->blocks, i);

		w_loc(w, &b->loc);
		w_u32(w, (uint32_t)b->insns.n);
		vec_foreach(j, &b->insns)
			w_insn(w, vec_at(&b->insns, j));
	}
}

static void w_funcs_progs(struct mw *w, const struct bstap_object *o)
{
	const struct program *prog = w->s->prog;

	w_u32(w, (uint32_t)w->p->funcs.n);
	vec_foreach(i, &w->p->funcs)
		w_func(w, vec_at(&w->p->funcs, i));
	w_u32(w, (uint32_t)o->progs.n);
	vec_foreach(i, &o->progs) {
		const struct bpf_probe_prog *pp = vec_at(&o->progs, i);

		w_str(w, pp->prog_name);
		w_str(w, pp->sec_name);
		w_u32(w, pp->type);
		w_i32(w, prog ? index_of(&prog->probes, pp->dp) : -1);
		w_i32(w, func_index(w->p, pp->f));
	}
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* header + sources + body */
static int w_section(struct mw *w, const struct bstap_object *o,
		     struct buf *out)
{
	struct mw sw = { .s = w->s, .p = w->p };
	struct buf body;
	uint64_t size, hash;
	uint32_t ver = META_VERSION, zero = 0;

	w_session(w);
	w_tables(w);
	w_decls(w);
	w_maps(w);
	w_probes(w);
	w_funcs_progs(w, o);
	body = w->b;
	w_u32(&sw, (uint32_t)w->srcs.n);
	vec_foreach(i, &w->srcs) {
		const struct source *src = vec_at(&w->srcs, i);

		w_str(&sw, src->name);
		w_u8(&sw, src->is_tapset);
		w_str(&sw, src->is_tapset ? "" : src->text);
	}
	put(&sw.b, body.p, body.len);
	free(body.p);
	if (body.oom || sw.b.oom) {
		free(sw.b.p);
		return -ENOMEM;
	}
	size = sw.b.len;
	hash = fnv1a(sw.b.p, sw.b.len);
	put(out, META_MAGIC, 8);
	put(out, &ver, 4);
	put(out, &zero, 4);
	put(out, &size, 8);
	put(out, &hash, 8);
	put(out, sw.b.p, sw.b.len);
	free(sw.b.p);
	return out->oom ? -ENOMEM : 0;
}

/* Add a section named META_SECTION holding data to the ELF image of o,
 * through libelf on a memory file (elf.c writes its image the same way). */
static int append_section(struct session *s, struct bstap_object *o,
			  const struct buf *data)
{
	int fd = memfd_create("bstap-object", MFD_CLOEXEC), rc = -EIO;
	Elf *e = NULL;
	Elf_Scn *scn, *strscn;
	Elf_Data *d, *sd;
	GElf_Shdr sh;
	size_t shstrndx, name_off;
	char *names = NULL;
	void *img = NULL;
	off_t len;

	if (fd < 0)
		return -errno;
	if (write(fd, o->elf, o->elf_size) != (ssize_t)o->elf_size)
		goto out;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_RDWR, NULL);
	if (!e || elf_getshdrstrndx(e, &shstrndx) ||
	    !(strscn = elf_getscn(e, shstrndx)) ||
	    !(sd = elf_getdata(strscn, NULL)))
		goto out;
	/* the name goes at the end of the section names */
	name_off = sd->d_size;
	names = malloc(sd->d_size + sizeof(META_SECTION));
	if (!names)
		goto out;
	memcpy(names, sd->d_buf, sd->d_size);
	memcpy(names + name_off, META_SECTION, sizeof(META_SECTION));
	sd->d_buf = names;
	sd->d_size += sizeof(META_SECTION);
	elf_flagdata(sd, ELF_C_SET, ELF_F_DIRTY);
	scn = elf_newscn(e);
	d = scn ? elf_newdata(scn) : NULL;
	if (!d || !gelf_getshdr(scn, &sh))
		goto out;
	d->d_buf = data->p;
	d->d_size = data->len;
	d->d_align = 8;
	d->d_type = ELF_T_BYTE;
	sh.sh_name = name_off;
	sh.sh_type = SHT_PROGBITS;
	sh.sh_flags = 0;
	sh.sh_addralign = 8;
	if (!gelf_update_shdr(scn, &sh) || elf_update(e, ELF_C_WRITE) < 0)
		goto out;
	elf_end(e);
	e = NULL;
	len = lseek(fd, 0, SEEK_END);
	img = len > 0 ? malloc(len) : NULL;
	if (!img || pread(fd, img, len, 0) != len) {
		free(img);
		goto out;
	}
	free(o->elf);
	o->elf = img;
	o->elf_size = len;
	rc = 0;
out:
	if (rc)
		diag__plain(s, "cannot add the %s section to the BPF object: "
			    "%s", META_SECTION, elf_errno() ? elf_errmsg(-1)
							    : strerror(errno));
	if (e)
		elf_end(e);
	free(names);
	close(fd);
	return rc;
}

int meta__attach(struct session *s, struct bstap_object *o)
{
	struct mw w = { .s = s, .p = o->ir ? o->ir : s->ir };
	struct buf sec = { 0 };
	int rc;

	if (!w.p || !o->elf)
		return -EINVAL;
	rc = w_section(&w, o, &sec);
	if (rc)
		diag__plain(s, "cannot describe the program in the BPF "
			    "object: %s", strerror(-rc));
	else
		rc = append_section(s, o, &sec);
	free(sec.p);
	return rc;
}

/* ---- reading -------------------------------------------------------------- */

struct mr {
	struct session *s;
	const char *path;
	const unsigned char *p;
	size_t len, off;
	const char *bad;		/* first inconsistency seen */
	struct ir_program *ir;
	struct program *prog;
	struct vec srcs;		/* struct source * */
	struct vec decls;		/* struct vardecl * */
	struct stpfile *user_file, *tapset_file;
};

static bool fail(struct mr *r, const char *why)
{
	if (!r->bad)
		r->bad = why;
	return false;
}

static bool get(struct mr *r, void *out, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		memset(out, 0, n);
		return fail(r, "truncated");
	}
	memcpy(out, r->p + r->off, n);
	r->off += n;
	return true;
}

static unsigned r_u8(struct mr *r)
{
	unsigned char c = 0;

	get(r, &c, 1);
	return c;
}

static uint32_t r_u32(struct mr *r)
{
	uint32_t v = 0;

	get(r, &v, 4);
	return v;
}

static int r_i32(struct mr *r)
{
	int v = 0;

	get(r, &v, 4);
	return v;
}

static int64_t r_i64(struct mr *r)
{
	int64_t v = 0;

	get(r, &v, 8);
	return v;
}

/* An enum value in [0, max]. */
static unsigned r_enum(struct mr *r, unsigned max, const char *what)
{
	unsigned v = r_u8(r);

	if (v > max) {
		fail(r, what);
		return 0;
	}
	return v;
}

static bool r_bool(struct mr *r)
{
	return r_enum(r, 1, "bad flag") != 0;
}

/* A count of items each at least `min_size` bytes long. */
static int r_count(struct mr *r, size_t min_size)
{
	uint32_t n = r_u32(r);

	if (n > MAX_ITEMS || (size_t)n * min_size > r->len - r->off) {
		fail(r, "bad count");
		return 0;
	}
	return (int)n;
}

static char *r_str(struct mr *r)
{
	uint32_t n = r_u32(r);
	char *str;

	if (n == NIL_STR || r->bad)
		return NULL;
	if (n > r->len - r->off) {
		fail(r, "truncated string");
		return NULL;
	}
	str = arena__strndup(&r->s->arena, (const char *)r->p + r->off, n);
	r->off += n;
	return str;
}

static char *r_str_nn(struct mr *r)
{
	char *str = r_str(r);

	if (!str && !r->bad)
		fail(r, "missing string");
	return str ? str : "";
}

/* An index into a table of n, or -1. */
static int r_index(struct mr *r, int n, const char *what)
{
	int i = r_i32(r);

	if (i < -1 || i >= n) {
		fail(r, what);
		return -1;
	}
	return i;
}

static void *r_ref(struct mr *r, const struct vec *v, const char *what)
{
	int i = r_index(r, v->n, what);

	return i < 0 ? NULL : vec_at(v, i);
}

static struct loc r_loc(struct mr *r)
{
	struct loc l = { 0 };

	l.src = r_ref(r, &r->srcs, "bad source index");
	l.line = r_i32(r);
	l.col = r_i32(r);
	if (l.line < 0 || l.col < 0)
		fail(r, "bad position");
	return l;
}

static struct ir_val r_val(struct mr *r)
{
	struct ir_val v;

	v.kind = r_enum(r, IRV_IMM, "bad operand kind");
	v.reg = r_i32(r);
	v.imm = r_i64(r);
	return v;
}

static void *alloc(struct mr *r, size_t n)
{
	return arena__alloc(&r->s->arena, n ? n : 1);
}

static void r_session(struct mr *r)
{
	struct session *s = r->s;
	const char *release = r_str(r);
	int n;

	r_str(r);			/* arch */
	r_str(r);			/* module name */
	n = r_count(r, 8);
	for (int i = 0; i < n && !r->bad; i++) {
		struct define *d = alloc(r, sizeof(*d));

		d->name = r_str_nn(r);
		d->value = r_str_nn(r);
		vec__push(&s->arena, &s->defines, d);
	}
	if (release && s->kernel_release && strcmp(release, s->kernel_release)
	    && s->verbose)
		fprintf(s->err, "bstap: %s was compiled for kernel %s, this is "
			"%s\n", r->path, release, s->kernel_release);
}

static void r_sources(struct mr *r)
{
	int n = r_count(r, 9);

	for (int i = 0; i < n && !r->bad; i++) {
		struct source *src = alloc(r, sizeof(*src));

		src->name = r_str_nn(r);
		src->is_tapset = r_bool(r);
		src->text = r_str_nn(r);
		src->len = strlen(src->text);
		vec__push(&r->s->arena, &r->srcs, src);
	}
}

static void r_tables(struct mr *r)
{
	struct ir_program *p = r->ir;
	int n;

	p->maxstringlen = r_i32(r);
	p->maxmapentries = r_i64(r);
	p->maxaction = r_i64(r);
	p->globals_size = r_i32(r);
	if (p->maxstringlen < 16 || p->maxstringlen > 65536 ||
	    p->maxmapentries < 1 || p->maxaction < 1 ||
	    p->globals_size < (int)sizeof(struct ir_control) ||
	    p->globals_size > (1 << 24) || p->globals_size % 8)
		fail(r, "bad limits");
	n = r_count(r, 4);
	for (int i = 0; i < n && !r->bad; i++)
		vec__push(&r->s->arena, &p->strtab, r_str_nn(r));
	n = r_count(r, 12);
	for (int i = 0; i < n && !r->bad; i++) {
		struct ir_format *f = alloc(r, sizeof(*f));

		f->id = r_i32(r);
		f->fmt = r_str_nn(r);
		f->nargs = r_count(r, 1);
		f->arg_types = alloc(r, sizeof(*f->arg_types) *
					(size_t)f->nargs);
		for (int a = 0; a < f->nargs; a++)
			f->arg_types[a] = r_enum(r, IRT_STR, "bad type");
		vec__push(&r->s->arena, &p->formats, f);
	}
}

static struct expr *r_init(struct mr *r, const struct loc *loc)
{
	unsigned kind = r_enum(r, 2, "bad initializer");

	if (kind == 1)
		return expr__num(r->s, r_i64(r), loc);
	if (kind == 2)
		return expr__str(r->s, r_str_nn(r), loc);
	return NULL;
}

static void r_decls(struct mr *r)
{
	int n = r_count(r, 20), nprog = (int)r_u32(r);

	if (nprog > n)
		fail(r, "bad globals count");
	for (int i = 0; i < n && !r->bad; i++) {
		struct vardecl *d = alloc(r, sizeof(*d));

		d->name = r_str_nn(r);
		d->loc = r_loc(r);
		d->type = r_enum(r, TY_VOID, "bad type");
		d->arity = r_i32(r);
		if (d->arity < -1 || d->arity > IR_MAX_KEYS)
			fail(r, "bad arity");
		d->key_types = alloc(r, sizeof(*d->key_types) *
					(size_t)(d->arity > 0 ? d->arity : 0));
		for (int k = 0; k < d->arity && !r->bad; k++)
			d->key_types[k] = r_enum(r, TY_VOID, "bad type");
		d->maxsize = r_i64(r);
		d->wrap = r_bool(r);
		d->read = r_bool(r);
		d->written = r_bool(r);
		d->file = r_bool(r) ? r->tapset_file : r->user_file;
		d->is_global = true;
		d->init = r_init(r, &d->loc);
		vec__push(&r->s->arena, &r->decls, d);
		if (i < nprog)
			vec__push(&r->s->arena, &r->prog->globals, d);
	}
}

/* The layout rules of ir.h, for a map read from a file. */
static bool map_ok(const struct ir_map *m)
{
	int end = 0;

	if (m->nkeys < 0 || m->nkeys > IR_MAX_KEYS || m->key_size < 0 ||
	    m->key_size > 65536 || m->val_size < 0 ||
	    m->val_size > (1 << 24) || m->max_entries < 0 ||
	    m->nbuckets < 0 || m->nbuckets > 4096)
		return false;
	for (int k = 0; k < m->nkeys; k++) {
		int w = m->key_types[k] == IRT_STR ? 1 : 8;

		if (m->key_types[k] == IRT_NONE || m->key_off[k] != end ||
		    m->key_off[k] + w > m->key_size)
			return false;
		end = m->key_types[k] == IRT_STR
			? (k + 1 < m->nkeys ? m->key_off[k + 1] : m->key_size)
			: end + 8;
		if (end <= m->key_off[k])
			return false;
	}
	if (m->nkeys && end != m->key_size)
		return false;
	if (m->kind == IRM_ARRAY &&
	    m->val_size < (m->val_type == IRT_STR ? 1 : 8))
		return false;
	if (m->percpu && (m->kind != IRM_ARRAY || m->val_type != IRT_LONG ||
			  !m->nkeys))
		return false;
	if (m->kind == IRM_STATS &&
	    (m->val_size < (int)sizeof(struct ir_stat) +
			   8 * m->nbuckets ||
	     (m->hist == IRH_LOG && m->nbuckets != 128) ||
	     (m->hist == IRH_LINEAR &&
	      (m->nbuckets < 3 || m->hist_step <= 0))))
		return false;
	return true;
}

static void r_maps(struct mr *r)
{
	struct ir_program *p = r->ir;
	int n = r_count(r, 40);

	for (int i = 0; i < n && !r->bad; i++) {
		struct ir_map *m = alloc(r, sizeof(*m));

		m->id = r_i32(r);
		m->kind = r_enum(r, IRM_RINGBUF, "bad map kind");
		m->name = r_str_nn(r);
		m->decl = r_ref(r, &r->decls, "bad variable index");
		m->nkeys = r_i32(r);
		for (int k = 0; k < IR_MAX_KEYS; k++) {
			m->key_types[k] = r_enum(r, IRT_STR, "bad type");
			m->key_off[k] = r_i32(r);
		}
		m->key_size = r_i32(r);
		m->val_type = r_enum(r, IRT_STR, "bad type");
		m->val_size = r_i32(r);
		m->max_entries = r_i64(r);
		m->wrap = r_bool(r);
		m->percpu = r_bool(r);
		m->hist = r_enum(r, IRH_LINEAR, "bad histogram kind");
		m->hist_lo = r_i64(r);
		m->hist_hi = r_i64(r);
		m->hist_step = r_i64(r);
		m->nbuckets = r_i32(r);
		m->fd = -1;
		if (!r->bad && !map_ok(m))
			fail(r, "bad map layout");
		vec__push(&r->s->arena, &p->maps, m);
	}
	p->globals_map = r_ref(r, &p->maps, "bad map index");
	p->scratch_map = r_ref(r, &p->maps, "bad map index");
	p->ringbuf_map = r_ref(r, &p->maps, "bad map index");
	if (!r->bad && (!p->globals_map || p->globals_map->kind !=
			IRM_GLOBALS || p->globals_map->val_size !=
			p->globals_size))
		fail(r, "bad globals map");
	n = r_count(r, 9);
	for (int i = 0; i < n && !r->bad; i++) {
		struct ir_global *g = alloc(r, sizeof(*g));
		int size;

		g->decl = r_ref(r, &r->decls, "bad variable index");
		g->type = r_enum(r, IRT_STR, "bad type");
		g->off = r_i32(r);
		size = g->type == IRT_STR ? p->maxstringlen : 8;
		if (!g->decl || g->type == IRT_NONE ||
		    g->off < (int)sizeof(struct ir_control) ||
		    g->off > p->globals_size - size)
			fail(r, "bad global");
		vec__push(&r->s->arena, &p->globals, g);
	}
}

static const struct provider *provider_named(const char *name)
{
	for (int i = 0; name && providers[i]; i++)
		if (!strcmp(providers[i]->name, name))
			return providers[i];
	return NULL;
}

static struct probe_point *r_point(struct mr *r)
{
	struct probe_point *pt = alloc(r, sizeof(*pt));
	int n;

	pt->loc = r_loc(r);
	pt->optional = r_bool(r);
	pt->sufficient = r_bool(r);
	n = r_count(r, 17);
	for (int i = 0; i < n && !r->bad; i++) {
		struct ppcomp *c = alloc(r, sizeof(*c));
		unsigned kind;

		c->name = r_str_nn(r);
		c->loc = r_loc(r);
		kind = r_enum(r, 2, "bad probe point argument");
		if (kind == 1)
			c->arg = expr__num(r->s, r_i64(r), &c->loc);
		else if (kind == 2)
			c->arg = expr__str(r->s, r_str_nn(r), &c->loc);
		vec__push(&r->s->arena, &pt->comps, c);
	}
	if (!n)
		fail(r, "empty probe point");
	return pt;
}

/* The provider resolves the point again, as pass 2 did: it rebuilds the
 * provider's data (timer period, perf event...) on this system. */
static void r_probes(struct mr *r)
{
	int n = r_count(r, 33);

	for (int i = 0; i < n && !r->bad; i++) {
		struct derived_probe *dp = alloc(r, sizeof(*dp));
		const char *prov;

		dp->id = r_i32(r);
		dp->order = r_i64(r);
		prov = r_str(r);
		dp->point = dp->written = r_point(r);
		vec__push(&r->s->arena, &r->prog->probes, dp);
		if (r->bad)
			break;
		dp->prov = provider_named(prov);
		if (!dp->prov) {
			diag__plain(r->s, "%s: probe %s: this bstap has no "
				    "'%s' probes", r->path,
				    probe_point__str(r->s, dp->point),
				    prov ? prov : "?");
			r->bad = "";
			break;
		}
		if (dp->prov->resolve(r->s, dp) != 1) {
			diag__plain(r->s, "%s: probe %s is not valid here",
				    r->path, probe_point__str(r->s, dp->point));
			r->bad = "";
			break;
		}
	}
}

static struct ir_insn *r_insn(struct mr *r, struct ir_func *f)
{
	struct ir_program *p = r->ir;
	struct ir_insn *in = alloc(r, sizeof(*in));
	const char *bname;

	in->opc = r_enum(r, IR_RET, "bad opcode");
	in->dst = r_index(r, f->nregs, "bad vreg");
	in->a = r_val(r);
	in->b = r_val(r);
	in->imm = r_i64(r);
	in->op = r_enum(r, OP_DEC, "bad operator");
	in->statop = r_enum(r, SO_HIST_LINEAR, "bad statistic");
	in->slot = r_i32(r);
	in->gid = r_i32(r);
	in->map = r_ref(r, &p->maps, "bad map index");
	in->fn = r_ref(r, &p->funcs, "bad function index");
	bname = r_str(r);
	in->fmt = r_ref(r, &p->formats, "bad format index");
	in->nargs = r_count(r, 13);
	in->args = alloc(r, sizeof(*in->args) * (size_t)in->nargs);
	for (int i = 0; i < in->nargs; i++)
		in->args[i] = r_val(r);
	in->target = r_i32(r);
	in->target2 = r_i32(r);
	in->on_error = r_i32(r);
	for (int k = 0; k < IR_MAX_KEYS; k++)
		in->key_slots[k] = r_i32(r);
	in->val_slot = r_i32(r);
	in->sort_column = r_i32(r);
	in->sort_dir = r_i32(r);
	in->sort_agg = r_enum(r, SO_HIST_LINEAR, "bad statistic");
	in->loc = r_loc(r);
	in->near = r_str(r);
	in->callee = r_str(r);
	if (bname && !(in->builtin = builtin__find(bname)))
		fail(r, "unknown built-in function");
	return in;
}

static void r_func(struct mr *r, struct ir_func *f)
{
	struct ir_program *p = r->ir;
	int n;

	f->kind = r_enum(r, IRF_REGION, "bad function kind");
	f->name = r_str_nn(r);
	f->probe = r_ref(r, &r->prog->probes, "bad probe index");
	f->region_of = r_ref(r, &p->funcs, "bad function index");
	f->user_space = r_bool(r);
	f->ret = r_enum(r, IRT_STR, "bad type");
	f->nparams = r_i32(r);
	f->ret_slot = r_i32(r);
	f->loc = r_loc(r);
	f->probe_kind = r_str(r);
	f->nregs = r_count(r, 1);
	f->reg_cap = f->nregs;
	f->reg_types = alloc(r, sizeof(*f->reg_types) * (size_t)f->nregs);
	for (int i = 0; i < f->nregs; i++)
		f->reg_types[i] = r_enum(r, IRT_STR, "bad type");
	n = r_count(r, 6);
	for (int i = 0; i < n && !r->bad; i++) {
		struct ir_slot *sl = alloc(r, sizeof(*sl));

		sl->type = r_enum(r, IRT_STR, "bad type");
		sl->used_by_region = r_bool(r);
		r_str(r);		/* the local's name: for reading */
		vec__push(&r->s->arena, &f->slots, sl);
	}
	if (f->nparams < 0 || f->nparams > f->slots.n ||
	    f->ret_slot < -1 || f->ret_slot >= f->slots.n)
		fail(r, "bad frame");
	if (f->kind == IRF_PROBE && f->user_space && !f->probe_kind)
		fail(r, "user-space probe without a kind");
	n = r_count(r, 16);
	for (int i = 0; i < n && !r->bad; i++) {
		struct ir_block *b = alloc(r, sizeof(*b));
		int ni;

		b->id = i;
		b->loc = r_loc(r);
		ni = r_count(r, 100);
		for (int j = 0; j < ni && !r->bad; j++)
			vec__push(&r->s->arena, &b->insns, r_insn(r, f));
		vec__push(&r->s->arena, &f->blocks, b);
	}
}

static void r_funcs_progs(struct mr *r, struct bstap_object *o)
{
	struct ir_program *p = r->ir;
	int n = r_count(r, 40);

	for (int i = 0; i < n; i++) {
		struct ir_func *f = alloc(r, sizeof(*f));

		f->id = i;
		vec__push(&r->s->arena, &p->funcs, f);
	}
	for (int i = 0; i < n && !r->bad; i++)
		r_func(r, vec_at(&p->funcs, i));
	n = r_count(r, 20);
	for (int i = 0; i < n && !r->bad; i++) {
		struct bpf_probe_prog *pp = alloc(r, sizeof(*pp));

		pp->prog_name = r_str_nn(r);
		pp->sec_name = r_str_nn(r);
		pp->type = r_u32(r);
		pp->dp = r_ref(r, &r->prog->probes, "bad probe index");
		pp->f = r_ref(r, &p->funcs, "bad function index");
		if (!pp->dp || !pp->f)
			fail(r, "kernel program without a probe");
		vec__push(&r->s->arena, &o->progs, pp);
	}
}

/* A built-in's result goes to a vreg of its type (a string built-in
 * always has one: the interpreter writes its result there). */
static bool builtin_dst_ok(const struct ir_func *f, const struct ir_insn *in)
{
	enum type t = in->builtin ? in->builtin->ret : TY_UNKNOWN;

	if (in->dst < 0)
		return t != TY_STRING;
	if (t == TY_STRING)
		return f->reg_types[in->dst] == IRT_STR;
	if (t == TY_LONG)
		return f->reg_types[in->dst] == IRT_LONG;
	return true;
}

/* What ir__check does not look at but the interpreter relies on. */
static void r_check_more(struct mr *r)
{
	struct ir_program *p = r->ir;

	vec_foreach(i, &p->funcs) {
		struct ir_func *f = vec_at(&p->funcs, i);
		const struct ir_func *o = f->region_of ? f->region_of : f;

		if (f->kind != IRF_REGION && f->region_of)
			fail(r, "function with an owner");
		vec_foreach(j, &f->blocks) {
			struct ir_block *b = vec_at(&f->blocks, j);

			vec_foreach(k, &b->insns) {
				struct ir_insn *in = vec_at(&b->insns, k);

				if (in->opc == IR_BUILTIN && in->builtin &&
				    (in->nargs < in->builtin->min_args ||
				     (in->builtin->max_args >= 0 &&
				      in->nargs > in->builtin->max_args)))
					fail(r, "bad built-in call");
				if (in->opc == IR_REGEX &&
				    (in->imm < 0 || in->imm >= p->strtab.n))
					fail(r, "bad regular expression");
				if (in->opc == IR_BUILTIN && !builtin_dst_ok(f,
									 in))
					fail(r, "bad built-in result");
				if (in->opc == IR_FOREACH) {
					if (in->val_slot < -1 ||
					    in->val_slot >= o->slots.n)
						fail(r, "bad foreach slot");
					for (int c = 0; in->map &&
					     c < in->map->nkeys; c++)
						if (in->key_slots[c] < 0 ||
						    in->key_slots[c] >=
						    o->slots.n)
							fail(r, "bad foreach "
							     "slot");
				}
			}
		}
	}
}

static int read_payload(struct mr *r, struct bstap_object *o)
{
	struct session *s = r->s;
	char hdr[8];
	uint32_t ver;
	uint64_t size, hash;

	get(r, hdr, 8);
	ver = r_u32(r);
	r_u32(r);
	size = (uint64_t)r_i64(r);
	hash = (uint64_t)r_i64(r);
	if (r->bad || memcmp(hdr, META_MAGIC, 8)) {
		diag__plain(s, "%s: the %s section is not bstap's", r->path,
			    META_SECTION);
		return -EINVAL;
	}
	if (ver != META_VERSION) {
		diag__plain(s, "%s: saved by a bstap with object format %u; "
			    "this bstap reads format %d: translate the "
			    "script again", r->path, ver, META_VERSION);
		return -EINVAL;
	}
	if (size != r->len - r->off ||
	    fnv1a(r->p + r->off, r->len - r->off) != hash) {
		diag__plain(s, "%s: the %s section is damaged (size or "
			    "checksum mismatch)", r->path, META_SECTION);
		return -EINVAL;
	}
	r_sources(r);
	r_session(r);
	r_tables(r);
	r_decls(r);
	r_maps(r);
	r_probes(r);
	if (!r->bad)
		r_funcs_progs(r, o);
	if (!r->bad && r->off != r->len)
		fail(r, "trailing bytes");
	if (!r->bad)
		r_check_more(r);
	if (!r->bad) {
		r->ir->origin = r->path;
		if (ir__check(s, r->ir))
			fail(r, "the program does not check");
	}
	if (r->bad) {
		if (*r->bad)
			diag__plain(s, "%s: the %s section is corrupt (%s at "
				    "byte %zu)", r->path, META_SECTION,
				    r->bad, r->off);
		return -EINVAL;
	}
	return 0;
}

/* The bytes of the META_SECTION section of the image, or NULL. */
static const void *find_section(struct session *s, const char *path,
				void *image, size_t size, size_t *len,
				Elf **ep)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	size_t shstrndx;

	elf_version(EV_CURRENT);
	e = elf_memory(image, size);
	*ep = e;
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		diag__plain(s, "%s: not an ELF object", path);
		return NULL;
	}
	if (eh.e_shoff > size || (uint64_t)eh.e_shnum * eh.e_shentsize >
				 size - eh.e_shoff ||
	    elf_getshdrstrndx(e, &shstrndx)) {
		diag__plain(s, "%s: the ELF object is truncated or damaged",
			    path);
		return NULL;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			break;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, META_SECTION))
			continue;
		d = sh.sh_type == SHT_PROGBITS ? elf_getdata(scn, NULL) : NULL;
		if (!d || !d->d_buf) {
			diag__plain(s, "%s: cannot read the %s section: %s",
				    path, META_SECTION, elf_errmsg(-1));
			return NULL;
		}
		*len = d->d_size;
		return d->d_buf;
	}
	diag__plain(s, "%s: no %s section: not a program saved by bstap -p4 "
		    "-m (an object from stap or another tool cannot run "
		    "here)", path, META_SECTION);
	return NULL;
}

int meta__load(struct session *s, const char *path, void *image,
	       size_t size)
{
	struct bstap_object *o = arena__alloc(&s->arena, sizeof(*o));
	struct mr r = { .s = s, .path = path };
	Elf *e = NULL;
	int rc;

	r.p = find_section(s, path, image, size, &r.len, &e);
	if (!r.p) {
		if (e)
			elf_end(e);
		return -EINVAL;
	}
	r.ir = ir__new_program(s);
	r.prog = arena__alloc(&s->arena, sizeof(*r.prog));
	r.user_file = arena__alloc(&s->arena, sizeof(*r.user_file));
	r.tapset_file = arena__alloc(&s->arena, sizeof(*r.tapset_file));
	r.tapset_file->is_tapset = true;
	rc = read_payload(&r, o);
	elf_end(e);
	if (rc)
		return rc;
	o->ir = r.ir;
	o->elf = image;
	o->elf_size = size;
	s->prog = r.prog;
	s->ir = r.ir;
	s->object = o;
	return 0;
}
