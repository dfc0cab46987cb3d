/* fuzz_script.c - libFuzzer target: the input is a SystemTap script.
 *
 * Each input goes through the passes main.c runs, in the same order, as
 * far as they go without the kernel:
 *   pass 1   lexer, preprocessor, parser, then the -p1 printer;
 *   pass 2   elaboration against the tapsets in $BSTAP_TAPSET_DIR, then
 *            the -p2 printer;
 *   pass 3   layout, lowering to IR, IR check (pass3__translate), then
 *            the IR printer (-p3);
 *   pass 4   instruction selection, register allocation, emission and
 *            the ELF writer (pass4__compile, i.e. codegen__program),
 *            the disassembler (-p4 -v), then, when there are kernel-side
 *            programs, libbpf opens the ELF image as the runtime would
 *            (bpf_object__open_mem: parsing only, nothing is loaded) and
 *            must find each probe's program in it;
 * each pass only when all before it succeeded.  BPF is never loaded or
 * attached.  Per-CPU layout uses libbpf_num_possible_cpus(), as bstap
 * does: the runs are deterministic on one machine.
 *
 * A bug is: a crash, a sanitizer report, a leak, a hang, an "internal
 * error" diagnostic (irverify, isel, regalloc: counted by the diag
 * wrappers below), a pass 3 or 4 that fails without any diagnostic, or
 * an object libbpf cannot open or that lacks a probe's program; for
 * these the harness prints the diagnostics and aborts.  An ordinary
 * error (a kernel-side limit, a construct the back end does not
 * support) is a normal outcome.  With FUZZ_ROUNDTRIP=1 in the
 * environment (run.sh sets it) the printer is checked too: the printed
 * script must parse again and print identically (the -p1 output is a
 * fixed point), or we abort.
 *
 * Built by `make fuzz/fuzz-bstap` in a clang build (see fuzz/run.sh).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "codegen.h"
#include "passes.h"
#include "session.h"

struct fuzz_env {
	FILE *devnull;
	const char *tapset_dir;
	bool roundtrip;
	bool libbpf_verbose;	/* libbpf's messages to stderr */
	int internal_errors;	/* of the current input (diag wrappers) */
};

static struct fuzz_env fuzz_env;	/* set once by LLVMFuzzerInitialize */

/* The harness is linked with -Wl,--wrap=diag__error,--wrap=diag__plain
 * (fuzz/Makefile.inc): every diagnostic of every pass goes through the
 * two wrappers, which count internal errors by their kind or format,
 * constants of bstap's source.  The printed text would not do: it
 * quotes the script, which can be made to look like one. */
void __real_diag__error(struct session *s, const struct loc *loc,
			const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void __real_diag__plain(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void __wrap_diag__error(struct session *s, const struct loc *loc,
			const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void __wrap_diag__plain(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define FUZZ_INTERNAL "internal error"

/* The message, malloc'd. */
static char *fuzz_vformat(const char *fmt, va_list ap)
{
	va_list aq;
	char *msg;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || !(msg = malloc((size_t)n + 1)))
		abort();
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	return msg;
}

/* Count an internal error; say it now (pass 1 and 2 print nowhere). */
static void fuzz_internal(const char *msg)
{
	fuzz_env.internal_errors++;
	fprintf(stderr, "fuzz: %s: %s\n", FUZZ_INTERNAL, msg);
}

void __wrap_diag__error(struct session *s, const struct loc *loc,
			const char *kind, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = fuzz_vformat(fmt, ap);
	va_end(ap);
	if (kind && !strcmp(kind, FUZZ_INTERNAL))
		fuzz_internal(msg);
	__real_diag__error(s, loc, kind, "%s", msg);
	free(msg);
}

void __wrap_diag__plain(struct session *s, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = fuzz_vformat(fmt, ap);
	va_end(ap);
	if (!strncmp(fmt, FUZZ_INTERNAL, strlen(FUZZ_INTERNAL)))
		fuzz_internal(msg);
	__real_diag__plain(s, "%s", msg);
	free(msg);
}

/* libbpf's messages: silent, but for the rerun that explains a failure. */
static int fuzz_libbpf_print(enum libbpf_print_level level, const char *fmt,
			     va_list ap)
{
	(void)level;
	if (!fuzz_env.libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *rt = getenv("FUZZ_ROUNDTRIP");

	(void)argc;
	(void)argv;
	fuzz_env.devnull = fopen("/dev/null", "w");
	if (!fuzz_env.devnull)
		abort();
	fuzz_env.tapset_dir = getenv("BSTAP_TAPSET_DIR");
	if (!fuzz_env.tapset_dir || !*fuzz_env.tapset_dir)
		fuzz_env.tapset_dir = BSTAP_TAPSET_DIR;
	fuzz_env.roundtrip = rt && strcmp(rt, "1") == 0;
	libbpf_set_print(fuzz_libbpf_print);
	/* the object must not be written anywhere (emit.c's debugging aid) */
	unsetenv("BSTAP_DUMP_ELF");
	return 0;
}

/* A session as main.c would make it for `bstap -pN -e TEXT 1 two`. */
static void fuzz_session(struct session *s, const char *text, int pass)
{
	session__init(s);
	s->err = fuzz_env.devnull;
	s->script_text = text;
	s->last_pass = pass;
	s->tapset_dir = fuzz_env.tapset_dir;
	vec__push(&s->arena, &s->args, "1");
	vec__push(&s->arena, &s->args, "two");
}

/* Report a bug found on the current input and abort. */
static void fuzz_bug(const char *what, const char *diags)
{
	fprintf(stderr, "fuzz: %s\n---- diagnostics of passes 3 and 4\n%s"
		"----\n", what, diags ? diags : "");
	abort();
}

/* Every probe program of o must be in the libbpf object under its name
 * (run.c attaches them by name). */
static void fuzz_check_progs(struct bpf_object *obj,
			     const struct bstap_object *o, const char *diags)
{
	vec_foreach(i, &o->progs) {
		const struct bpf_probe_prog *pp = vec_at(&o->progs, i);

		if (!pp->dp)
			continue;
		if (!pp->prog_name ||
		    !bpf_object__find_program_by_name(obj, pp->prog_name)) {
			fprintf(stderr, "fuzz: program '%s' is not in the "
				"object\n", pp->prog_name ? pp->prog_name
							 : "(null)");
			fuzz_bug("pass 4 lost a probe program", diags);
		}
	}
}

/* The runtime's first step when there is a kernel side (run.c): libbpf
 * opens the image (parsing only: no load).  An image it refuses is an
 * ELF writer bug. */
static void fuzz_open_object(const struct bstap_object *o, const char *diags)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "bstap");
	struct bpf_object *obj;

	if (!o)
		fuzz_bug("pass 4 succeeded without an object", diags);
	if (o->progs.n == 0)
		return;
	if (!o->elf || !o->elf_size)
		fuzz_bug("pass 4 succeeded without an ELF image", diags);
	obj = bpf_object__open_mem(o->elf, o->elf_size, &opts);
	if (obj) {
		fuzz_check_progs(obj, o, diags);
		bpf_object__close(obj);
		return;
	}
	fprintf(stderr, "fuzz: libbpf cannot open the object (%s); "
		"its messages:\n", strerror(errno));
	fuzz_env.libbpf_verbose = true;
	obj = bpf_object__open_mem(o->elf, o->elf_size, &opts);
	fuzz_env.libbpf_verbose = false;
	if (obj)
		bpf_object__close(obj);
	fuzz_bug("pass 4 wrote an ELF object libbpf refuses", diags);
}

/* Passes 3 and 4 on a session that passed pass 2, as main.c runs them
 * for -p4 without -m (nothing saved); the -p3 and -p4 -v printers write
 * to /dev/null.  The diagnostics are kept for the report of a bug. */
static void fuzz_backend(struct session *s)
{
	FILE *saved = s->err;
	char *diags = NULL;
	size_t len = 0;
	int rc, pass = 3;

	s->err = open_memstream(&diags, &len);
	if (!s->err)
		abort();
	s->last_pass = 4;
	rc = pass3__translate(s);
	if (rc == 0 && !s->errors) {
		ir__print(fuzz_env.devnull, s->ir);	/* the -p3 output */
		pass = 4;
		rc = pass4__compile(s);
	}
	if (rc == 0 && !s->errors && s->object)	/* the -p4 -v output */
		codegen__disasm_object(fuzz_env.devnull, s->object);
	fclose(s->err);
	s->err = saved;
	if (fuzz_env.internal_errors)
		fuzz_bug("internal error", diags);
	if (rc && !s->errors) {
		fprintf(stderr, "fuzz: pass %d returned %d (%s)\n", pass, rc,
			strerror(rc < 0 ? -rc : rc));
		fuzz_bug("a pass failed without a diagnostic", diags);
	}
	if (rc == 0 && !s->errors)
		fuzz_open_object(s->object, diags);
	if (s->object) {
		codegen__free(s->object);
		s->object = NULL;
	}
	free(diags);
}

/* Parse TEXT; on success return its -p1 print (malloc'd), else NULL.
 * With FULL, run passes 2, 3 and 4 on it as well. */
static char *fuzz_parse_print(const char *text, bool full)
{
	struct session s;
	char *buf = NULL;
	size_t len = 0;

	fuzz_session(&s, text, full ? 4 : 1);
	if (pass1__parse(&s) == 0 && !s.errors && s.user) {
		FILE *f = open_memstream(&buf, &len);

		if (!f)
			abort();
		print__file(&s, f, s.user);
		fclose(f);
		if (full && pass2__elaborate(&s) == 0 && !s.errors) {
			print__program(&s, fuzz_env.devnull, s.prog);
			fuzz_backend(&s);
		}
	}
	session__free(&s);
	if (fuzz_env.internal_errors)
		fuzz_bug("internal error in pass 1 or 2", NULL);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char *p1, *again;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_env.internal_errors = 0;
	p1 = fuzz_parse_print(text, true);
	if (p1 && fuzz_env.roundtrip) {
		again = fuzz_parse_print(p1, false);
		if (!again) {
			fprintf(stderr, "fuzz: the -p1 output does not parse:\n"
				"%s\n", p1);
			abort();
		}
		if (strcmp(p1, again) != 0) {
			fprintf(stderr, "fuzz: -p1 is not a fixed point:\n"
				"---- first print\n%s\n---- second print\n%s\n",
				p1, again);
			abort();
		}
		free(again);
	}
	free(p1);
	free(text);
	return 0;
}
