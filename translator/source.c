/* source.c - reading script and tapset files into struct source. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "passes.h"

/* The whole file, NUL-terminated, in the arena.  "-" (not for
 * tapsets) is the standard input, named "<input>" as stap does. */
struct source *source__read(struct session *s, const char *path,
			    bool is_tapset)
{
	struct source *src;
	struct stat sb;
	char *text;
	size_t len = 0, cap;
	bool is_stdin = !is_tapset && strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");

	if (!f) {
		diag__plain(s, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) != 0) {
		sb.st_size = 0;
	} else if (S_ISDIR(sb.st_mode)) {
		diag__plain(s, "cannot read '%s': it is a directory", path);
		fclose(f);
		return NULL;
	}
	/* st_size is a hint only: /proc files and pipes report 0 */
	cap = sb.st_size > 0 ? (size_t)sb.st_size + 1 : 4096;
	text = arena__alloc(&s->arena, cap + 1);
	for (;;) {
		size_t n = fread(text + len, 1, cap - len, f);

		len += n;
		if (len < cap) {
			if (ferror(f)) {
				diag__plain(s, "cannot read '%s': %s", path,
					    strerror(errno));
				if (!is_stdin)
					fclose(f);
				return NULL;
			}
			break;
		}
		char *bigger = arena__alloc(&s->arena, cap * 2 + 1);

		memcpy(bigger, text, len);
		text = bigger;
		cap *= 2;
	}
	if (!is_stdin)
		fclose(f);
	text[len] = '\0';

	src = arena__alloc(&s->arena, sizeof(*src));
	src->name = is_stdin ? "<input>" : arena__strdup(&s->arena, path);
	src->text = text;
	src->len = len;
	src->is_tapset = is_tapset;
	return src;
}
