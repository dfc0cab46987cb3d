/* main.c - the bstap command line and the pass driver.
 *
 * The whole pipeline is the list of calls in run_passes(): parse,
 * elaborate, translate, compile, run.  -p N stops after pass N and prints
 * that pass's product.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "codegen.h"
#include "passes.h"
#include "session.h"

enum { OPT_RUNTIME = 256, OPT_RUN, OPT_VERSION, OPT_HELP };

static const struct option long_opts[] = {
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "run", required_argument, NULL, OPT_RUN },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: bstap [options] SCRIPT [ARGUMENTS]\n"
"   or: bstap [options] -e 'SCRIPT' [ARGUMENTS]\n"
"   or: bstap [options] -l PATTERN | -L PATTERN\n"
"   or: bstap [options] --run OBJECT\n"
"\n"
"bstap translates SystemTap scripts into BPF programs and runs them.\n"
"\n"
"Options:\n"
"  -p NUM        stop after pass NUM: 1 parse, 2 elaborate, 3 translate,\n"
"                4 compile (BPF object), 5 run (the default)\n"
"  -v            more verbose; repeat for more (pass timings from -v)\n"
"  -e SCRIPT     run SCRIPT given on the command line\n"
"  -I DIR        look for tapsets in DIR too\n"
"  -D NAME=VAL   set a translator limit (MAXSTRINGLEN, MAXMAPENTRIES, ...)\n"
"  -g            guru mode\n"
"  -G VAR=VAL    set global variable VAR to VAL before the run\n"
"  -o FILE       write the script's output to FILE\n"
"  -c CMD        start CMD, trace it (target() is its pid), exit with it\n"
"  -x PID        set target() to PID\n"
"  -T SECS       end the run after SECS seconds\n"
"  -l PATTERN    list the probe points matching PATTERN\n"
"  -L PATTERN    like -l, with each point's context variables\n"
"  -m NAME       name the BPF object NAME\n"
"  -w            suppress warnings\n"
"  -u            keep unused symbols (unoptimized)\n"
"  --runtime=bpf the only runtime bstap has (accepted for stap habits)\n"
"  --run OBJECT  run a BPF object saved by -p4 -m\n"
"  -V, --version print the version and exit\n"
"  -h, --help    print this help and exit\n");
}

static void version(void)
{
	printf("bstap %s, a SystemTap-compatible tracer on BPF\n"
	       "Accepts SystemTap %s script syntax; runtime: bpf\n",
	       PACKAGE_VERSION, "4.8");
}

/* "NAME=VAL" or "NAME" into a struct define. */
static struct define *parse_define(struct session *s, const char *arg)
{
	struct define *d = arena__alloc(&s->arena, sizeof(*d));
	const char *eq = strchr(arg, '=');

	if (eq) {
		d->name = arena__strndup(&s->arena, arg, (size_t)(eq - arg));
		d->value = arena__strdup(&s->arena, eq + 1);
	} else {
		d->name = arena__strdup(&s->arena, arg);
		d->value = "";
	}
	return d;
}

static int parse_long(struct session *s, const char *opt, const char *arg,
		      long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		diag__plain(s, "invalid argument '%s' for %s", arg, opt);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* -m NAME: the name becomes the BPF object's and its maps' prefix, so
 * like stap's module names it must be a C identifier's characters. */
static int check_module_name(struct session *s, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 55 ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n) {
		diag__plain(s, "invalid module name '%s' for -m: use 1 to 55 "
			    "characters from [A-Za-z0-9_]", name);
		return -EINVAL;
	}
	return 0;
}

/* Returns 0, 1 for "exit 0 now" (help, version) or a negative errno. */
static int parse_options(struct session *s, int argc, char **argv)
{
	int c;
	long n;

	/* '+': stop at the first non-option, the script's own arguments
	 * may start with '-' */
	while ((c = getopt_long(argc, argv, "+p:ve:I:D:gG:o:c:x:T:l:L:m:wuVhr:",
				long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_long(s, "-p", optarg, 1, 5, &n))
				return -EINVAL;
			s->last_pass = (int)n;
			break;
		case 'v':
			s->verbose++;
			break;
		case 'e':
			s->script_text = optarg;
			break;
		case 'I':
			vec__push(&s->arena, &s->include_dirs, optarg);
			break;
		case 'D':
			vec__push(&s->arena, &s->defines,
				  parse_define(s, optarg));
			break;
		case 'g':
			s->guru = true;
			break;
		case 'G': {
			struct define *d = parse_define(s, optarg);

			if (!strchr(optarg, '=') || !*d->name) {
				diag__plain(s, "-G wants VAR=VALUE, not '%s'",
					    optarg);
				return -EINVAL;
			}
			vec__push(&s->arena, &s->global_sets, d);
			break;
		}
		case 'o':
			s->output_file = optarg;
			break;
		case 'c':
			s->cmd = optarg;
			break;
		case 'x':
			if (parse_long(s, "-x", optarg, 1, 0x7fffffff, &n))
				return -EINVAL;
			s->target_pid = n;
			break;
		case 'T':
			if (parse_long(s, "-T", optarg, 1, 0x7fffffff, &n))
				return -EINVAL;
			s->timeout_secs = n;
			break;
		case 'l':
		case 'L':
			s->list_pattern = optarg;
			s->list_vars = c == 'L';
			break;
		case 'm':
			if (check_module_name(s, optarg))
				return -EINVAL;
			s->module_name = optarg;
			break;
		case 'w':
			s->suppress_warnings = true;
			break;
		case 'u':
			s->unoptimized = true;
			break;
		case 'r':
			s->kernel_release = optarg;
			break;
		case OPT_RUNTIME:
			if (strcmp(optarg, "bpf") != 0) {
				diag__plain(s, "runtime '%s' is not available: "
					    "bstap has only the 'bpf' runtime",
					    optarg);
				return -EINVAL;
			}
			break;
		case OPT_RUN:
			s->run_object = optarg;
			break;
		case 'V':
		case OPT_VERSION:
			version();
			return 1;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}

	if (!s->script_text && !s->list_pattern && !s->run_object) {
		if (optind >= argc) {
			diag__plain(s, "no script given (a file, or -e "
				    "'SCRIPT'); see bstap --help");
			return -EINVAL;
		}
		s->script_file = argv[optind++];
	}
	for (; optind < argc; optind++)
		vec__push(&s->arena, &s->args, argv[optind]);

	if (s->cmd && s->target_pid) {
		diag__plain(s, "-c and -x cannot be used together");
		return -EINVAL;
	}
	s->tapset_dir = getenv("BSTAP_TAPSET_DIR");
	if (!s->tapset_dir || !*s->tapset_dir)
		s->tapset_dir = BSTAP_TAPSET_DIR;
	if (access(s->tapset_dir, R_OK) != 0) {
		/* running from the build tree: tapsets/ beside the binary */
		char self[4096];
		ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (len > 0) {
			self[len] = '\0';
			char *slash = strrchr(self, '/');

			if (slash) {
				*slash = '\0';
				char *alt = arena__printf(&s->arena,
							  "%s/tapsets", self);
				if (access(alt, R_OK) == 0)
					s->tapset_dir = alt;
			}
		}
	}
	return 0;
}

/* ---- -v pass timing, in the spirit of stap's "Pass N: ..." lines ---- */

struct pass_clock {
	struct timeval real;
	struct rusage ru;
};

static void clock_start(struct pass_clock *c)
{
	gettimeofday(&c->real, NULL);
	getrusage(RUSAGE_SELF, &c->ru);
}

static long tv_ms(const struct timeval *a, const struct timeval *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 +
	       (b->tv_usec - a->tv_usec) / 1000;
}

/* "using 1234virt/567res/89shr/345data kb" from /proc/self/statm */
static void mem_report(FILE *f)
{
	unsigned long v[7] = { 0 };
	long page = sysconf(_SC_PAGESIZE) / 1024;
	FILE *m = fopen("/proc/self/statm", "r");

	if (!m || fscanf(m, "%lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1],
			 &v[2], &v[3], &v[4], &v[5], &v[6]) != 7) {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		fprintf(f, "using %ldmaxrss kb", ru.ru_maxrss);
	} else {
		fprintf(f, "using %luvirt/%lures/%lushr/%ludata kb",
			v[0] * page, v[1] * page, v[2] * page, v[5] * page);
	}
	if (m)
		fclose(m);
}

static void clock_report(struct session *s, const struct pass_clock *c,
			 int pass, const char *what)
{
	struct pass_clock now;

	if (s->verbose < 1)
		return;
	clock_start(&now);
	fprintf(stderr, "Pass %d: %s ", pass, what);
	mem_report(stderr);
	fprintf(stderr, ", in %ldusr/%ldsys/%ldreal ms.\n",
		tv_ms(&c->ru.ru_utime, &now.ru.ru_utime),
		tv_ms(&c->ru.ru_stime, &now.ru.ru_stime),
		tv_ms(&c->real, &now.real));
	if (s->verbose >= 2)
		fprintf(stderr, "Pass %d: compiler memory %zu kb in use\n",
			pass, s->arena.total / 1024);
}

static const char *plural(struct session *s, int n, const char *what)
{
	return arena__printf(&s->arena, "%d %s%s", n, what, n == 1 ? "" : "s");
}

/* stap's pass 2 line: "analyzed script: 1 probe, 2 functions, ..." */
static const char *pass2_what(struct session *s)
{
	const struct program *p = s->prog;

	return arena__printf(&s->arena, "analyzed script: %s, %s, %s, %s",
			     plural(s, p->probes.n, "probe"),
			     plural(s, p->functions.n, "function"),
			     plural(s, p->embeds.n, "embed"),
			     plural(s, p->globals.n, "global"));
}

static int pass_failed(struct session *s, int pass, const char *what)
{
	fprintf(stderr, "Pass %d: %s failed.  [man bstap]\n", pass, what);
	return 1;
}

/* The pass pipeline.  Returns the process exit code. */
static int run_passes(struct session *s)
{
	struct pass_clock c;

	if (s->run_object) {
		/* limits are compiled in: say so rather than ignore them */
		vec_foreach(i, &s->defines) {
			const struct define *d = vec_at(&s->defines, i);

			diag__warning(s, NULL, "-D %s has no effect with --run: "
				      "the object keeps the limits it was "
				      "compiled with", d->name);
		}
		return run__object(s, s->run_object);
	}
	if (s->list_pattern)
		return list__probes(s) ? 1 : 0;

	clock_start(&c);
	if (pass1__parse(s) || s->errors)
		return pass_failed(s, 1, "parse");
	clock_report(s, &c, 1, "parsed user script");
	if (s->last_pass == 1) {
		print__file(s, stdout, s->user);
		return 0;
	}

	clock_start(&c);
	if (pass2__elaborate(s) || s->errors)
		return pass_failed(s, 2, "analysis");
	clock_report(s, &c, 2, pass2_what(s));
	if (s->last_pass == 2) {
		print__program(s, stdout, s->prog);
		return 0;
	}

	clock_start(&c);
	if (pass3__translate(s) || s->errors)
		return pass_failed(s, 3, "translation");
	clock_report(s, &c, 3, "translated to BPF");
	if (s->last_pass == 3)
		return 0;

	clock_start(&c);
	if (pass4__compile(s) || s->errors)
		return pass_failed(s, 4, "compilation");
	clock_report(s, &c, 4, "compiled BPF object");
	if (s->last_pass == 4)
		return 0;

	return pass5__run(s);
}

int main(int argc, char **argv)
{
	struct session s;
	int rc;

	/* one thread: no stdio locking; -p1/-p2 print a lot */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	__fsetlocking(stderr, FSETLOCKING_BYCALLER);
	session__init(&s);
	rc = parse_options(&s, argc, argv);
	if (rc == 0)
		rc = run_passes(&s);
	else
		rc = rc > 0 ? 0 : 1;
	fflush(stdout);
	if (s.object)
		codegen__free(s.object);
	session__free(&s);
	return rc;
}
