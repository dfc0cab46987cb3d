/* elf.c - the libbpf-compatible ELF object.
 *
 * Sections:
 *   perf_event      every probe program, one global FUNC symbol each
 *                   (libbpf matches "perf_event" exactly, so the probes
 *                   share the section and are told apart by symbol)
 *   .relperf_event  R_BPF_64_64 against map symbols for each map load
 *   .bss            the IRM_GLOBALS value (struct ir_control, then the
 *                   scalar globals): libbpf makes it an internal array
 *                   map of one entry, which probes address directly
 *                   (BPF_PSEUDO_MAP_VALUE, relocated against the section
 *                   symbol); runtime/loader.c binds globals_map to it.
 *                   One global variable __globals covers it, in the ELF
 *                   symbols and in a BTF DATASEC: libbpf then creates
 *                   the map BPF_F_MMAPABLE (it does for sections holding
 *                   a non-static variable) and keeps it mapped, which
 *                   runtime/run.c uses for the stop word's atomics
 *   .maps           one zeroed struct per other map, described by BTF:
 *                     struct { int (*type)[T]; int (*key_size)[K];
 *                              int (*value_size)[V];
 *                              int (*max_entries)[N]; } name;
 *                   (the __uint() convention libbpf reads)
 *   license         "GPL"
 *   .BTF            built with libbpf's BTF writer
 *   .symtab, .strtab
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "bpf.h"
#include "lir.h"
#include "session.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif
#define R_BPF_64_64 1

enum { MEMBERS_MAX = 4 };

struct map_def {
	const char *names[MEMBERS_MAX];
	uint32_t vals[MEMBERS_MAX];
	int n;
};

static void map_def_of(const struct ir_map *m, struct map_def *d)
{
	uint32_t type;

	switch (m->kind) {
	case IRM_GLOBALS:
		type = BPF_MAP_TYPE_ARRAY;
		break;
	case IRM_ARRAY:
		if (m->percpu)
			type = m->wrap ? BPF_MAP_TYPE_LRU_PERCPU_HASH :
				BPF_MAP_TYPE_PERCPU_HASH;
		else
			type = m->wrap ? BPF_MAP_TYPE_LRU_HASH :
				BPF_MAP_TYPE_HASH;
		break;
	case IRM_STATS:
		type = m->nkeys ? (m->wrap ? BPF_MAP_TYPE_LRU_PERCPU_HASH :
				   BPF_MAP_TYPE_PERCPU_HASH) :
			BPF_MAP_TYPE_PERCPU_ARRAY;
		break;
	case IRM_SCRATCH:
		type = BPF_MAP_TYPE_PERCPU_ARRAY;
		break;
	default:
		type = BPF_MAP_TYPE_RINGBUF;
		break;
	}
	d->n = 0;
	d->names[d->n] = "type";
	d->vals[d->n++] = type;
	if (m->kind != IRM_RINGBUF) {
		d->names[d->n] = "key_size";
		d->vals[d->n++] = m->key_size > 0 ? m->key_size : 4;
		d->names[d->n] = "value_size";
		d->vals[d->n++] = m->val_size > 0 ? m->val_size : 8;
	}
	d->names[d->n] = "max_entries";
	d->vals[d->n++] = m->max_entries > 0 ? (uint32_t)m->max_entries : 1;
}

/* Whether m is defined in .maps (the globals are .bss instead) */
static bool in_maps_sec(const struct ir_map *m)
{
	return m->kind != IRM_GLOBALS;
}

/* BTF for the .maps section; returns the raw bytes (malloc'ed). */
static void *build_btf(struct cg *cg, size_t *size)
{
	struct btf *btf = btf__new_empty();
	struct ir_program *p = cg->p;
	int int_id, *var_ids, *sizes, sec;
	const void *raw;
	uint32_t rawsz;
	void *copy = NULL;
	int off = 0;

	if (!btf)
		return NULL;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	var_ids = calloc(p->maps.n + 1, sizeof(int));
	sizes = calloc(p->maps.n + 1, sizeof(int));
	vec_foreach(i, &p->maps) {
		struct ir_map *m = vec_at(&p->maps, i);
		struct map_def d;
		int ptrs[MEMBERS_MAX], st;

		if (!in_maps_sec(m))
			continue;
		map_def_of(m, &d);
		for (int k = 0; k < d.n; k++) {
			int arr = btf__add_array(btf, int_id, int_id,
						 d.vals[k]);

			ptrs[k] = btf__add_ptr(btf, arr);
		}
		st = btf__add_struct(btf, NULL, 8 * d.n);
		for (int k = 0; k < d.n; k++)
			btf__add_field(btf, d.names[k], ptrs[k], 64 * k, 0);
		var_ids[i] = btf__add_var(btf, m->name,
					  BTF_VAR_GLOBAL_ALLOCATED, st);
		sizes[i] = 8 * d.n;
	}
	sec = btf__add_datasec(btf, ".maps", 0);
	vec_foreach(i, &p->maps) {
		if (!in_maps_sec(vec_at(&p->maps, i)))
			continue;
		btf__add_datasec_var_info(btf, var_ids[i], off, sizes[i]);
		off += sizes[i];
	}
	/* the datasec's size: patched through the type */
	{
		struct btf_type *t = (struct btf_type *)btf__type_by_id(btf,
									sec);

		if (t)
			t->size = off;
	}
	/* .bss: one global variable, char __globals[globals_size] */
	{
		int chr = btf__add_int(btf, "char", 1, 0);
		int arr = btf__add_array(btf, int_id, chr, p->globals_size);
		int var = btf__add_var(btf, "__globals",
				       BTF_VAR_GLOBAL_ALLOCATED, arr);

		btf__add_datasec(btf, ".bss", p->globals_size);
		btf__add_datasec_var_info(btf, var, 0, p->globals_size);
	}
	raw = btf__raw_data(btf, &rawsz);
	if (raw) {
		copy = malloc(rawsz);
		memcpy(copy, raw, rawsz);
		*size = rawsz;
	}
	btf__free(btf);
	free(var_ids);
	free(sizes);
	return copy;
}

struct strtab {
	char *buf;
	size_t len, cap;
};

static size_t str_add(struct strtab *t, const char *s)
{
	size_t n = strlen(s) + 1, at = t->len;

	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 64;
		t->buf = realloc(t->buf, t->cap);
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return at;
}

static Elf_Scn *new_scn(Elf *e, struct strtab *shstr, const char *name,
			uint32_t type, uint64_t flags, void *data,
			size_t size, size_t align, size_t entsize)
{
	Elf_Scn *scn = elf_newscn(e);
	Elf_Data *dd = elf_newdata(scn);
	GElf_Shdr sh;

	dd->d_buf = data;
	dd->d_size = size;
	dd->d_align = align;
	dd->d_type = ELF_T_BYTE;
	gelf_getshdr(scn, &sh);
	sh.sh_name = str_add(shstr, name);
	sh.sh_type = type;
	sh.sh_flags = flags;
	sh.sh_addralign = align;
	sh.sh_entsize = entsize;
	gelf_update_shdr(scn, &sh);
	return scn;
}

/* BTF FUNC types of the programs and subprograms (func_info), added
 * to btf: a probe is "int f(void *ctx)" (global), a subprogram
 * "long f(void)" (static: verified in its caller's context, as
 * callbacks must be). */
static void btf_funcs(struct btf *btf, struct bstap_object *o, struct cg *cg,
		      int *prog_ids, int *sub_ids)
{
	int int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int long_id = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	int void_ptr = btf__add_ptr(btf, 0);
	int main_proto = btf__add_func_proto(btf, int_id);
	int sub_proto;

	btf__add_func_param(btf, "ctx", void_ptr);
	sub_proto = btf__add_func_proto(btf, long_id);
	vec_foreach(i, &o->progs) {
		struct bpf_probe_prog *bp = vec_at(&o->progs, i);

		prog_ids[i] = btf__add_func(btf, bp->prog_name,
					    BTF_FUNC_GLOBAL, main_proto);
	}
	vec_foreach(i, &cg->subs) {
		struct lir_func *lf = vec_at(&cg->subs, i);

		sub_ids[i] = btf__add_func(btf, lf->name, BTF_FUNC_STATIC,
					   sub_proto);
	}
}

/* .BTF.ext with func_info only:
 *   header {magic 0xeB9F, version 1, flags 0, hdr_len 24,
 *           func_info_off 0, func_info_len, line_info_off, len 0}
 *   u32 rec_size = 8;
 *   per section: {name_off, n, {insn_off (bytes), type_id} * n} */
static void *build_btf_ext(struct btf *btf, struct bstap_object *o,
			   struct cg *cg, const int *prog_ids,
			   const int *sub_ids, size_t *size)
{
	int nprogs = o->progs.n, nsubs = cg->subs.n;
	size_t info = 4 + (8 + 8 * (size_t)nprogs) +
		      (nsubs ? 8 + 8 * (size_t)nsubs : 0);
	uint32_t *w = calloc(1, 24 + info);
	uint32_t *q = w + 6, at = 0;

	((uint16_t *)w)[0] = 0xeB9F;
	((uint8_t *)w)[2] = 1;
	w[1] = 24;
	w[2] = 0;
	w[3] = (uint32_t)info;
	w[4] = (uint32_t)info;
	w[5] = 0;
	*q++ = 8;
	*q++ = btf__add_str(btf, "perf_event");
	*q++ = nprogs;
	vec_foreach(i, &o->progs) {
		*q++ = at * sizeof(struct bpf_insn);
		*q++ = prog_ids[i];
		at += ((struct cg_sec *)vec_at(&cg->main_secs, i))->n;
	}
	if (nsubs) {
		*q++ = btf__add_str(btf, ".text");
		*q++ = nsubs;
		for (int i = 0; i < nsubs; i++) {
			*q++ = cg->text->starts[i] * sizeof(struct bpf_insn);
			*q++ = sub_ids[i];
		}
	}
	*size = 24 + info;
	return w;
}

static void *btf_raw(struct btf *btf, size_t *size)
{
	uint32_t rawsz;
	const void *raw = btf__raw_data(btf, &rawsz);
	void *copy;

	if (!raw)
		return NULL;
	copy = malloc(rawsz);
	memcpy(copy, raw, rawsz);
	*size = rawsz;
	return copy;
}

static Elf64_Rel rel_of(int insn, int sym, int type)
{
	Elf64_Rel r = {
		.r_offset = (uint64_t)insn * sizeof(struct bpf_insn),
		.r_info = ELF64_R_INFO(sym, type),
	};

	return r;
}

/* The ELF relocations of one code section (base: its first instruction
 * in the section); references into ".text" from another section point
 * at its section symbol as clang's do. */
static int sec_relocs(struct cg *cg, struct cg_sec *sec, int base,
		      struct bpf_insn *code, Elf64_Rel *rels, int nrels,
		      int sym_text, int sym_rodata, int sym_bss,
		      const int *sym_maps)
{
	vec_foreach(k, &sec->relocs) {
		struct cg_reloc *r = vec_at(&sec->relocs, k);
		struct bpf_insn *x = &code[base + r->insn];
		int at = base + r->insn;

		switch (r->kind) {
		case CR_MAP:
			x->src_reg = 0;
			vec_foreach(mi, &cg->p->maps)
				if (vec_at(&cg->p->maps, mi) == r->map &&
				    sym_maps[mi])
					rels[nrels++] = rel_of(at, sym_maps[mi],
							       R_BPF_64_64);
			break;
		case CR_MAPVAL:
			/* libbpf: imm = fd, next imm = imm + symbol value */
			x[0].src_reg = 0;
			x[0].imm = x[1].imm;
			x[1].imm = 0;
			rels[nrels++] = rel_of(at, r->map == cg->p->globals_map
					       ? sym_bss : sym_rodata,
					       R_BPF_64_64);
			break;
		case CR_CALL:
			/* target = symbol / 8 + imm + 1 */
			x->imm = cg->text->starts[r->sub] - 1;
			rels[nrels++] = rel_of(at, sym_text, R_BPF_64_32);
			break;
		case CR_FUNC:
			/* target = symbol / 8 + imm / 8 */
			x->src_reg = 0;
			x->imm = cg->text->starts[r->sub] * 8;
			rels[nrels++] = rel_of(at, sym_text, R_BPF_64_64);
			break;
		}
	}
	return nrels;
}

int elf__write(struct cg *cg, struct bstap_object *o)
{
	struct ir_program *p = cg->p;
	struct strtab shstr = { 0 }, sym = { 0 };
	int nprogs = o->progs.n, nmaps = p->maps.n, total = 0, at = 0;
	int nsubs = cg->subs.n, ntext = cg->text ? cg->text->n : 0;
	struct bpf_insn *code, *text = NULL;
	Elf64_Sym *syms;
	Elf64_Rel *rels, *trels = NULL;
	int nrels = 0, ntrels = 0, nsyms = 0, fd, rc = -EIO;
	size_t btf_size = 0, ext_size = 0, maps_size = 0, *map_off;
	void *btf_data = NULL, *ext_data = NULL, *maps_data = NULL;
	static char license[] = "GPL";
	Elf *e;
	Elf64_Ehdr *eh;
	Elf_Scn *s_code, *s_rel, *s_text = NULL, *s_trel = NULL, *s_ro = NULL;
	Elf_Scn *s_bss;
	Elf_Scn *s_maps, *s_lic, *s_btf, *s_ext, *s_sym, *s_str;
	int i_code, i_text = 0, i_ro = 0, i_bss, i_maps, i_lic;
	int sym_text = 0, sym_ro = 0, sym_bss, nlocal, *sym_maps;
	int *prog_ids, *sub_ids;
	struct btf *btf;
	off_t len;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EIO;
	vec_foreach(i, &cg->main_secs) {
		struct cg_sec *sec = vec_at(&cg->main_secs, i);

		total += sec->n;
		nrels += sec->relocs.n;
	}
	code = calloc(total + 1, sizeof(*code));
	rels = calloc(nrels + 1, sizeof(*rels));
	if (cg->text) {
		text = calloc(ntext + 1, sizeof(*text));
		memcpy(text, cg->text->insns, sizeof(*text) * ntext);
		trels = calloc(cg->text->relocs.n + 1, sizeof(*trels));
	}
	syms = calloc(6 + nsubs + nprogs + nmaps + 1, sizeof(*syms));
	map_off = calloc(nmaps + 1, sizeof(size_t));
	sym_maps = calloc(nmaps + 1, sizeof(int));
	prog_ids = calloc(nprogs + 1, sizeof(int));
	sub_ids = calloc(nsubs + 1, sizeof(int));
	str_add(&shstr, "");
	str_add(&sym, "");

	/* BTF: the maps' definitions, the functions; then .BTF.ext */
	btf_data = build_btf(cg, &btf_size);
	btf = btf_data ? btf__new(btf_data, btf_size) : NULL;
	free(btf_data);
	btf_data = NULL;
	if (!btf) {
		diag__plain(cg->s, "cannot build the BTF of the maps");
		goto out;
	}
	btf_funcs(btf, o, cg, prog_ids, sub_ids);
	ext_data = build_btf_ext(btf, o, cg, prog_ids, sub_ids, &ext_size);
	btf_data = btf_raw(btf, &btf_size);
	btf__free(btf);
	if (!btf_data)
		goto out;

	vec_foreach(i, &p->maps) {
		struct map_def d;

		if (!in_maps_sec(vec_at(&p->maps, i)))
			continue;
		map_def_of(vec_at(&p->maps, i), &d);
		map_off[i] = maps_size;
		maps_size += 8 * d.n;
	}
	maps_data = calloc(1, maps_size + 8);

	fd = memfd_create("bstap-object", 0);
	if (fd < 0)
		goto out;
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	eh = elf64_newehdr(e);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_REL;
	eh->e_machine = EM_BPF;
	eh->e_version = EV_CURRENT;

	/* section indexes follow creation order, starting at 1 */
	s_code = new_scn(e, &shstr, "perf_event", SHT_PROGBITS,
			 SHF_ALLOC | SHF_EXECINSTR, code,
			 sizeof(*code) * total, 8, 0);
	i_code = elf_ndxscn(s_code);
	s_rel = new_scn(e, &shstr, ".relperf_event", SHT_REL, 0, rels,
			sizeof(*rels) * nrels, 8, sizeof(Elf64_Rel));
	if (text) {
		s_text = new_scn(e, &shstr, ".text", SHT_PROGBITS,
				 SHF_ALLOC | SHF_EXECINSTR, text,
				 sizeof(*text) * ntext, 8, 0);
		i_text = elf_ndxscn(s_text);
		s_trel = new_scn(e, &shstr, ".rel.text", SHT_REL, 0, trels,
				 sizeof(*trels) * cg->text->relocs.n, 8,
				 sizeof(Elf64_Rel));
	}
	if (cg->rodata_size) {
		s_ro = new_scn(e, &shstr, ".rodata", SHT_PROGBITS, SHF_ALLOC,
			       cg->rodata, cg->rodata_size, 8, 0);
		i_ro = elf_ndxscn(s_ro);
	}
	s_bss = new_scn(e, &shstr, ".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE,
			NULL, p->globals_size, 8, 0);
	i_bss = elf_ndxscn(s_bss);
	s_maps = new_scn(e, &shstr, ".maps", SHT_PROGBITS,
			 SHF_ALLOC | SHF_WRITE, maps_data, maps_size, 8, 0);
	i_maps = elf_ndxscn(s_maps);
	s_lic = new_scn(e, &shstr, "license", SHT_PROGBITS,
			SHF_ALLOC | SHF_WRITE, license, sizeof(license), 1, 0);
	i_lic = elf_ndxscn(s_lic);
	s_btf = new_scn(e, &shstr, ".BTF", SHT_PROGBITS, 0, btf_data,
			btf_size, 4, 0);
	s_ext = new_scn(e, &shstr, ".BTF.ext", SHT_PROGBITS, 0, ext_data,
			ext_size, 4, 0);
	(void)s_btf;
	(void)s_ext;

	/* symbols: null; locals (section symbols, subprograms); then
	 * globals (programs, maps, _license) */
	nsyms = 1;
	if (text) {
		sym_text = nsyms;
		syms[nsyms].st_info = ELF64_ST_INFO(STB_LOCAL, STT_SECTION);
		syms[nsyms++].st_shndx = i_text;
	}
	if (s_ro) {
		sym_ro = nsyms;
		syms[nsyms].st_info = ELF64_ST_INFO(STB_LOCAL, STT_SECTION);
		syms[nsyms++].st_shndx = i_ro;
	}
	sym_bss = nsyms;
	syms[nsyms].st_info = ELF64_ST_INFO(STB_LOCAL, STT_SECTION);
	syms[nsyms++].st_shndx = i_bss;
	for (int i = 0; i < nsubs && text; i++) {
		struct lir_func *lf = vec_at(&cg->subs, i);
		int end = i + 1 < nsubs ? cg->text->starts[i + 1] : ntext;

		syms[nsyms].st_name = str_add(&sym, lf->name);
		syms[nsyms].st_info = ELF64_ST_INFO(STB_LOCAL, STT_FUNC);
		syms[nsyms].st_shndx = i_text;
		syms[nsyms].st_value = (uint64_t)cg->text->starts[i] * 8;
		syms[nsyms].st_size = (uint64_t)(end - cg->text->starts[i]) *
				      8;
		nsyms++;
	}
	nlocal = nsyms;
	vec_foreach(i, &o->progs) {
		struct bpf_probe_prog *bp = vec_at(&o->progs, i);
		struct cg_sec *sec = vec_at(&cg->main_secs, i);

		memcpy(code + at, sec->insns, sizeof(*code) * sec->n);
		syms[nsyms].st_name = str_add(&sym, bp->prog_name);
		syms[nsyms].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		syms[nsyms].st_shndx = i_code;
		syms[nsyms].st_value = (uint64_t)at * sizeof(*code);
		syms[nsyms].st_size = (uint64_t)sec->n * sizeof(*code);
		nsyms++;
		at += sec->n;
	}
	vec_foreach(i, &p->maps) {
		struct ir_map *m = vec_at(&p->maps, i);
		struct map_def d;

		if (!in_maps_sec(m))
			continue;
		map_def_of(m, &d);
		sym_maps[i] = nsyms;
		syms[nsyms].st_name = str_add(&sym, m->name);
		syms[nsyms].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT);
		syms[nsyms].st_shndx = i_maps;
		syms[nsyms].st_value = map_off[i];
		syms[nsyms].st_size = 8 * d.n;
		nsyms++;
	}
	syms[nsyms].st_name = str_add(&sym, "__globals");
	syms[nsyms].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT);
	syms[nsyms].st_shndx = i_bss;
	syms[nsyms].st_size = (uint64_t)p->globals_size;
	nsyms++;
	syms[nsyms].st_name = str_add(&sym, "_license");
	syms[nsyms].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT);
	syms[nsyms].st_shndx = i_lic;
	syms[nsyms].st_size = sizeof(license);
	nsyms++;

	/* relocations */
	nrels = 0;
	at = 0;
	vec_foreach(i, &cg->main_secs) {
		struct cg_sec *sec = vec_at(&cg->main_secs, i);

		nrels = sec_relocs(cg, sec, at, code, rels, nrels, sym_text,
				   sym_ro, sym_bss, sym_maps);
		at += sec->n;
	}
	if (text)
		ntrels = sec_relocs(cg, cg->text, 0, text, trels, 0, sym_text,
				    sym_ro, sym_bss, sym_maps);

	s_sym = new_scn(e, &shstr, ".symtab", SHT_SYMTAB, 0, syms,
			sizeof(*syms) * nsyms, 8, sizeof(Elf64_Sym));
	s_str = new_scn(e, &shstr, ".strtab", SHT_STRTAB, 0, NULL, 0, 1, 0);
	{
		GElf_Shdr sh;

		gelf_getshdr(s_sym, &sh);
		sh.sh_link = elf_ndxscn(s_str);
		sh.sh_info = nlocal;	/* first global */
		gelf_update_shdr(s_sym, &sh);
		gelf_getshdr(s_rel, &sh);
		sh.sh_link = elf_ndxscn(s_sym);
		sh.sh_info = i_code;
		sh.sh_size = sizeof(*rels) * nrels;
		gelf_update_shdr(s_rel, &sh);
		elf_getdata(s_rel, NULL)->d_size = sizeof(*rels) * nrels;
		if (s_trel) {
			gelf_getshdr(s_trel, &sh);
			sh.sh_link = elf_ndxscn(s_sym);
			sh.sh_info = i_text;
			gelf_update_shdr(s_trel, &sh);
			elf_getdata(s_trel, NULL)->d_size =
				sizeof(*trels) * ntrels;
		}
	}
	{
		Elf_Scn *s_shstr;
		Elf_Data *dd;
		size_t shstr_name = str_add(&shstr, ".shstrtab");

		s_shstr = new_scn(e, &shstr, "", SHT_STRTAB, 0, NULL, 0, 1, 0);
		{
			GElf_Shdr sh;

			gelf_getshdr(s_shstr, &sh);
			sh.sh_name = shstr_name;
			gelf_update_shdr(s_shstr, &sh);
		}
		eh->e_shstrndx = elf_ndxscn(s_shstr);
		dd = elf_getdata(s_shstr, NULL);
		dd->d_buf = shstr.buf;
		dd->d_size = shstr.len;
		dd = elf_getdata(s_str, NULL);
		dd->d_buf = sym.buf;
		dd->d_size = sym.len;
	}
	if (elf_update(e, ELF_C_WRITE) < 0) {
		diag__plain(cg->s, "cannot write the BPF object: %s",
			    elf_errmsg(-1));
		elf_end(e);
		close(fd);
		goto out;
	}
	elf_end(e);
	len = lseek(fd, 0, SEEK_END);
	o->elf = malloc(len);
	o->elf_size = len;
	if (pread(fd, o->elf, len, 0) != len) {
		free(o->elf);
		o->elf = NULL;
		close(fd);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	free(code);
	free(text);
	free(rels);
	free(trels);
	free(syms);
	free(map_off);
	free(sym_maps);
	free(prog_ids);
	free(sub_ids);
	free(btf_data);
	free(ext_data);
	free(maps_data);
	free(shstr.buf);
	free(sym.buf);
	return rc;
}
