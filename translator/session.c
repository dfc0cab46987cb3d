/* session.c - session lifetime and -D lookups. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "session.h"

void session__init(struct session *s)
{
	struct utsname u;

	memset(s, 0, sizeof(*s));
	arena__init(&s->arena);
	s->last_pass = 5;
	s->err = stderr;
	s->out = stdout;
	if (uname(&u) == 0) {
		s->kernel_release = arena__strdup(&s->arena, u.release);
		s->arch = arena__strdup(&s->arena, u.machine);
	} else {
		s->kernel_release = "unknown";
		s->arch = "unknown";
	}
}

void session__free(struct session *s)
{
	if (s->out && s->out != stdout)
		fclose(s->out);
	arena__free(&s->arena);
}

const char *session__define(const struct session *s, const char *name)
{
	const char *val = NULL;

	/* the last -D of a name wins */
	vec_foreach(i, &s->defines) {
		const struct define *d = vec_at(&s->defines, i);

		if (strcmp(d->name, name) == 0)
			val = d->value;
	}
	return val;
}

int64_t session__define_num(struct session *s, const char *name,
			    int64_t def, int64_t min, int64_t max)
{
	const char *v = session__define(s, name);
	char *end;
	long long n;

	if (!v)
		return def;
	errno = 0;
	n = strtoll(v, &end, 0);
	if (errno || end == v || *end || n < min || n > max) {
		diag__plain(s, "-D %s=%s: expected a number from %lld to %lld",
			    name, v, (long long)min, (long long)max);
		return def;
	}
	return n;
}
