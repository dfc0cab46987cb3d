/* fuzz_script.c - libFuzzer target: the input is a SystemTap script.
 *
 * Each input goes through pass 1 (lexer, preprocessor, parser) and, when
 * it parses, through the -p1 printer and pass 2 (elaboration against the
 * tapsets in $BSTAP_TAPSET_DIR).  Any crash, sanitizer report, leak or
 * hang is a bug.  With FUZZ_ROUNDTRIP=1 in the environment (run.sh sets
 * it) the printer is checked too: the printed script must parse again
 * and print identically (the -p1 output is a fixed point), or we abort.
 *
 * Built by `make fuzz/fuzz-bstap` in a clang build (see fuzz/run.sh).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"
#include "session.h"

struct fuzz_env {
	FILE *devnull;
	const char *tapset_dir;
	bool roundtrip;
};

static struct fuzz_env fuzz_env;	/* set once by LLVMFuzzerInitialize */

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

/* Parse TEXT; on success return its -p1 print (malloc'd), else NULL.
 * With ELABORATE, run pass 2 on it as well. */
static char *fuzz_parse_print(const char *text, bool elaborate)
{
	struct session s;
	char *buf = NULL;
	size_t len = 0;

	fuzz_session(&s, text, elaborate ? 2 : 1);
	if (pass1__parse(&s) == 0 && !s.errors && s.user) {
		FILE *f = open_memstream(&buf, &len);

		if (!f)
			abort();
		print__file(&s, f, s.user);
		fclose(f);
		if (elaborate)
			pass2__elaborate(&s);
	}
	session__free(&s);
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
