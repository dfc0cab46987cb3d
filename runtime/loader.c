/* loader.c - load the BPF object, bind the IR's maps, and explain a
 * verifier rejection. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "passes.h"
#include "session.h"

#define LOG_SIZE (4u << 20)
#define LOG_TAIL_LINES 10

static int print_quiet(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	return 0;
}

static int print_all(enum libbpf_print_level level, const char *fmt,
		     va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

void loader__setup_libbpf(struct session *s)
{
	/* RLIMIT_MEMLOCK: libbpf 1.1 raises it only when the kernel does
	 * not account BPF memory to the memory cgroup (before 5.11), and
	 * ignores a failure to raise it; libbpf_set_memlock_rlim() is not
	 * exported by 1.1.2, so there is nothing to call here.  bstap never
	 * touches the limit itself. */
	libbpf_set_print(s->verbose >= 3 ? print_all : print_quiet);
}

static struct bpf_object *open_elf(struct session *s, const void *elf,
				   size_t size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "bstap");
	struct bpf_object *obj;

	obj = bpf_object__open_mem(elf, size, &opts);
	if (!obj) {
		diag__plain(s, "cannot open the BPF object: %s",
			    strerror(errno));
		return NULL;
	}
	return obj;
}

/* The probe of a program, by its name ("probe_3"). */
static struct bpf_probe_prog *find_prog(struct bstap_object *o,
					const char *name)
{
	if (!o)
		return NULL;
	vec_foreach(i, &o->progs) {
		struct bpf_probe_prog *pp = vec_at(&o->progs, i);

		if (pp->prog_name && !strcmp(pp->prog_name, name))
			return pp;
	}
	return NULL;
}

/* Every program is in the "perf_event" section (bpfgen/elf.c), which
 * makes libbpf guess BPF_PROG_TYPE_PERF_EVENT: give each its own type
 * (tracepoints: bpfgen/emit.c, emit__prog_type). */
static void set_types(struct bpf_object *obj, struct bstap_object *o)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_probe_prog *pp = find_prog(o,
						      bpf_program__name(prog));

		if (pp && pp->type &&
		    (enum bpf_prog_type)pp->type != bpf_program__type(prog))
			bpf_program__set_type(prog, pp->type);
	}
}

/* The instruction index the verifier stopped at: the last "N: (" line. */
static int log_last_insn(const char *log)
{
	int insn = -1;

	/* one pass, line by line ("NNN: (op) ..."): no sscanf, which
	 * measures the whole remaining log on every call */
	for (const char *p = log; p && *p; p = strchr(p, '\n')) {
		char *end;
		long n;

		while (*p == '\n' || *p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			continue;
		n = strtol(p, &end, 10);
		if (*end != ':')
			continue;
		end++;
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end == '(' && n <= INT_MAX)
			insn = (int)n;
	}
	return insn;
}

/* The last LOG_TAIL_LINES non-empty lines of the log, indented. */
static void print_log_tail(FILE *f, const char *log)
{
	const char *lines[LOG_TAIL_LINES];
	int lens[LOG_TAIL_LINES], n = 0;
	const char *p = log;

	while (*p) {
		const char *e = strchr(p, '\n');
		int len = e ? (int)(e - p) : (int)strlen(p);

		if (len > 0) {
			lines[n % LOG_TAIL_LINES] = p;
			lens[n % LOG_TAIL_LINES] = len;
			n++;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	for (int i = n > LOG_TAIL_LINES ? n - LOG_TAIL_LINES : 0; i < n; i++)
		fprintf(f, "  %.*s\n", lens[i % LOG_TAIL_LINES],
			lines[i % LOG_TAIL_LINES]);
}

static void report_rejection(struct session *s, struct bstap_object *o,
			     struct bpf_program *prog, const char *log)
{
	struct bpf_probe_prog *pp = find_prog(o, bpf_program__name(prog));
	const struct loc *loc = NULL;
	char *point = NULL;

	if (pp && pp->dp) {
		point = probe_point__str(s, pp->dp->point);
		int last = log_last_insn(log);

		loc = &pp->dp->point->loc;
		for (int i = 0; i < pp->lines.n; i++) {
			struct bpf_line *bl = vec_at(&pp->lines, i);

			if (bl->insn <= last && bl->loc.src)
				loc = &bl->loc;
		}
	}
	if (loc && loc->src)
		diag__plain(s, "probe %s at %s:%d: the kernel's verifier "
			    "rejected the program", point ? point : "?",
			    loc->src->name, loc->line);
	else
		diag__plain(s, "probe %s: the kernel's verifier rejected the "
			    "program", point ? point : bpf_program__name(prog));
	print_log_tail(s->err, log);
}

/* Load again with a verifier log per program: libbpf loads programs in
 * order and stops at the first failure, so the rejected one is the last
 * program with a log. */
static void explain_failure(struct session *s, const void *elf, size_t size,
			    struct bstap_object *o, int load_err)
{
	struct bpf_object *obj = open_elf(s, elf, size);
	struct bpf_program *prog, *bad = NULL;
	char **logs;
	int n = 0, i = 0;

	if (!obj)
		return;
	set_types(obj, o);
	bpf_object__for_each_program(prog, obj)
		n++;
	logs = calloc(n ? n : 1, sizeof(*logs));
	bpf_object__for_each_program(prog, obj) {
		logs[i] = calloc(1, LOG_SIZE);
		if (logs[i]) {
			bpf_program__set_log_buf(prog, logs[i], LOG_SIZE);
			bpf_program__set_log_level(prog, 1);
		}
		i++;
	}
	if (bpf_object__load(obj) == 0) {
		diag__plain(s, "loading the BPF object failed once (%s), then "
			    "succeeded", strerror(-load_err));
	} else {
		i = 0;
		bpf_object__for_each_program(prog, obj) {
			if (logs[i] && logs[i][0])
				bad = prog;
			i++;
		}
		i = 0;
		bpf_object__for_each_program(prog, obj) {
			if (prog == bad)
				report_rejection(s, o, prog, logs[i]);
			i++;
		}
		if (!bad)
			diag__plain(s, "cannot load the BPF object: %s",
				    strerror(-load_err));
	}
	bpf_object__close(obj);
	for (i = 0; i < n; i++)
		free(logs[i]);
	free(logs);
}

static enum bpf_map_type map_type(const struct ir_map *m)
{
	switch (m->kind) {
	case IRM_GLOBALS: return BPF_MAP_TYPE_ARRAY;
	case IRM_ARRAY:
		return m->percpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
	case IRM_STATS:
		return m->nkeys ? BPF_MAP_TYPE_PERCPU_HASH
				: BPF_MAP_TYPE_PERCPU_ARRAY;
	case IRM_SCRATCH: return BPF_MAP_TYPE_PERCPU_ARRAY;
	case IRM_RINGBUF: return BPF_MAP_TYPE_RINGBUF;
	}
	return BPF_MAP_TYPE_UNSPEC;
}

static int create_map(struct session *s, struct ir_map *m, struct loaded *l)
{
	enum bpf_map_type t = map_type(m);
	unsigned key = m->key_size, val = m->val_size, max = m->max_entries;
	char name[16];
	int fd;

	if (t == BPF_MAP_TYPE_RINGBUF) {
		key = val = 0;
		if (max < 4096)
			max = 1u << 20;
	} else {
		if (t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY) {
			key = 4;
			max = 1;
		}
		if (key == 0)
			key = 4;
		if (val == 0)
			val = 8;
		if (max == 0)
			max = 2048;
	}
	snprintf(name, sizeof(name), "%s", m->name ? m->name : "bstap");
	for (char *p = name; *p; p++)
		if (!(*p == '_' || *p == '.' || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	fd = bpf_map_create(t, name, key, val, max, NULL);
	if (fd < 0) {
		diag__plain(s, "cannot create the map for '%s': %s",
			    m->name ? m->name : "?", strerror(errno));
		return -errno;
	}
	if (l->nhand < (int)(sizeof(l->hand_fds) / sizeof(l->hand_fds[0])))
		l->hand_fds[l->nhand++] = fd;
	m->fd = fd;
	return 0;
}

/* The IR's layout of m must be the object's (user space reads and
 * writes whole values by the IR's sizes): they always agree for an
 * object translated here; a saved object whose .bstap section does not
 * describe its own ELF is refused. */
static int check_map(struct session *s, const struct ir_map *m,
		     struct bpf_object *obj)
{
	const struct bpf_map *bm = bpf_object__find_map_by_name(obj, m->name);
	unsigned key, val;

	if (!bm || m->kind == IRM_RINGBUF)
		return 0;
	key = m->key_size ? m->key_size : 4;
	val = m->val_size;
	if (bpf_map__key_size(bm) == key &&
	    (bpf_map__value_size(bm) == val ||
	     (m->kind == IRM_SCRATCH && bpf_map__value_size(bm) >= val)))
		return 0;
	diag__plain(s, "map '%s': the object's layout (key %u, value %u "
		    "bytes) is not the program's (key %u, value %u): the "
		    "object is damaged or mixed up", m->name,
		    bpf_map__key_size(bm), bpf_map__value_size(bm), key, val);
	return -EINVAL;
}

/* The globals of an object from bpfgen/elf.c are its .bss section, an
 * internal map libbpf names "<object>.bss" (older objects: .data). */
static int internal_globals_fd(struct bpf_object *obj, const struct ir_map *m)
{
	struct bpf_map *bm;

	bpf_object__for_each_map(bm, obj) {
		const char *n = bpf_map__name(bm);
		size_t len = n ? strlen(n) : 0;

		if (!bpf_map__is_internal(bm))
			continue;
		if ((len >= 4 && !strcmp(n + len - 4, ".bss")) ||
		    (len >= 5 && !strcmp(n + len - 5, ".data"))) {
			if (bpf_map__value_size(bm) != (unsigned)m->val_size)
				return -EINVAL;
			return bpf_map__fd(bm);
		}
	}
	return -ENOENT;
}

static int bind_maps(struct session *s, struct ir_program *ir,
		     struct loaded *l)
{
	vec_foreach(i, &ir->maps) {
		struct ir_map *m = vec_at(&ir->maps, i);
		int fd = -1, err;

		if (l->obj && m->name)
			fd = bpf_object__find_map_fd_by_name(l->obj, m->name);
		if (fd < 0 && l->obj && m->kind == IRM_GLOBALS) {
			fd = internal_globals_fd(l->obj, m);
			if (fd == -EINVAL) {
				diag__plain(s, "the object's globals (.bss) "
					    "are not %d bytes: the object is "
					    "damaged or mixed up", m->val_size);
				return fd;
			}
			if (fd >= 0) {
				m->fd = fd;
				continue;
			}
		}
		if (fd >= 0) {
			err = check_map(s, m, l->obj);
			if (err)
				return err;
			m->fd = fd;
			continue;
		}
		err = create_map(s, m, l);
		if (err)
			return err;
	}
	return 0;
}

int loader__load(struct session *s, const void *elf, size_t size,
		 struct ir_program *ir, struct bstap_object *o,
		 struct loaded *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->ir = ir;
	out->obj = open_elf(s, elf, size);
	if (!out->obj)
		return -EINVAL;
	set_types(out->obj, o);
	err = bpf_object__load(out->obj);
	if (err) {
		bpf_object__close(out->obj);
		out->obj = NULL;
		explain_failure(s, elf, size, o, err);
		return err < 0 ? err : -EINVAL;
	}
	if (ir) {
		err = bind_maps(s, ir, out);
		if (err) {
			loader__unload(out);
			return err;
		}
	}
	return 0;
}

int loader__create_maps(struct session *s, struct ir_program *ir,
			struct loaded *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->ir = ir;
	err = bind_maps(s, ir, out);
	if (err)
		loader__unload(out);
	return err;
}

void loader__unload(struct loaded *l)
{
	for (int i = 0; i < l->nhand; i++)
		close(l->hand_fds[i]);
	l->nhand = 0;
	if (l->obj)
		bpf_object__close(l->obj);
	l->obj = NULL;
}
