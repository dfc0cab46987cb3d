/* output.c - decode ring-buffer records into the script's output. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "hist.h"
#include "output.h"
#include "passes.h"
#include "record.h"
#include "session.h"

static struct ir_format *find_format(struct ir_program *ir, uint32_t id)
{
	if (id < (uint32_t)ir->formats.n) {
		struct ir_format *f = vec_at(&ir->formats, id);

		if (f->id == (int)id)
			return f;
	}
	vec_foreach(i, &ir->formats) {
		struct ir_format *f = vec_at(&ir->formats, i);

		if (f->id == (int)id)
			return f;
	}
	return NULL;
}

static struct ir_map *find_map(struct ir_program *ir, uint32_t id)
{
	vec_foreach(i, &ir->maps) {
		struct ir_map *m = vec_at(&ir->maps, i);

		if (m->id == (int)id)
			return m;
	}
	return NULL;
}

static struct derived_probe *find_probe(struct session *s, uint32_t id)
{
	if (!s->prog)
		return NULL;
	vec_foreach(i, &s->prog->probes) {
		struct derived_probe *dp = vec_at(&s->prog->probes, i);

		if (dp->id == (int)id)
			return dp;
	}
	return NULL;
}

static int bad_record(struct output *o, const char *what)
{
	fprintf(o->s->err, "bstap: internal error: malformed record from "
		"the kernel (%s)\n", what);
	o->errors++;
	return -EINVAL;
}

static int rec_printf(struct output *o, uint32_t id, const char *p,
		      size_t len)
{
	struct ir_format *f = find_format(o->ir, id);
	int msl = o->ir->maxstringlen, err;
	struct fmt_arg args[64];
	char *strs;
	size_t off = 0;

	if (!f)
		return bad_record(o, "unknown format");
	if (f->nargs > 64)
		return bad_record(o, "too many arguments");
	strs = malloc((size_t)(f->nargs ? f->nargs : 1) * (msl + 1));
	if (!strs)
		return -ENOMEM;
	for (int i = 0; i < f->nargs; i++) {
		size_t need = f->arg_types[i] == IRT_STR ? (size_t)msl : 8;

		if (off + need > len) {
			free(strs);
			return bad_record(o, "short printf record");
		}
		args[i].is_str = f->arg_types[i] == IRT_STR;
		args[i].l = 0;
		args[i].s = NULL;
		if (args[i].is_str) {
			char *s = strs + (size_t)i * (msl + 1);

			memcpy(s, p + off, msl);
			s[msl] = '\0';
			args[i].s = s;
		} else {
			memcpy(&args[i].l, p + off, 8);
		}
		off += need;
	}
	o->buf.len = 0;
	err = format__run(&o->buf, f->fmt, args, f->nargs);
	if (!err && o->buf.len)
		fwrite(o->buf.buf, 1, o->buf.len, o->out);
	free(strs);
	return err ? bad_record(o, "format") : 0;
}

/* stap: "ERROR: <message> near <token> at file:line:col".  The kernel
 * sends the message; when it does not carry its own " near ...", the
 * probe's point and position stand in for the token. */
/* REC_ERROR_AT: the message, then the site's text from .rodata */
static int rec_error_at(struct output *o, uint32_t site, const char *p,
			size_t len)
{
	int msl = o->ir->maxstringlen;
	size_t n = len < (size_t)msl ? len : (size_t)msl;
	const char *sfx = "";

	if (o->rodata && site < o->rodata_size &&
	    memchr(o->rodata + site, 0, o->rodata_size - site))
		sfx = o->rodata + site;
	fflush(o->out);
	fprintf(o->s->err, "ERROR: %.*s%s\n", (int)strnlen(p, n), p, sfx);
	o->errors++;
	return 0;
}

static int rec_error(struct output *o, uint32_t id, const char *p,
		     size_t len, bool maxaction)
{
	struct derived_probe *dp = find_probe(o->s, id);
	int msl = o->ir->maxstringlen;
	char msg[4096];
	size_t n = len < (size_t)msl ? len : (size_t)msl;

	if (n >= sizeof(msg))
		n = sizeof(msg) - 1;
	if (maxaction) {
		snprintf(msg, sizeof(msg), "MAXACTION exceeded");
	} else {
		memcpy(msg, p, n);
		msg[n] = '\0';
		msg[strnlen(msg, n)] = '\0';
	}
	fflush(o->out);
	fprintf(o->s->err, "ERROR: %s", msg);
	if (!strstr(msg, " near ") && dp) {
		const struct loc *l = &dp->point->loc;

		fprintf(o->s->err, " near probe '%s'",
			probe_point__str(o->s, dp->point));
		if (l->src)
			fprintf(o->s->err, " at %s:%d:%d", l->src->name,
				l->line, l->col);
	}
	fputc('\n', o->s->err);
	o->errors++;
	return 0;
}

static int rec_print_hist(struct output *o, uint32_t id, const char *p,
			  size_t len)
{
	struct ir_map *m = find_map(o->ir, id);
	struct ir_stat st;
	int64_t *b;
	int err;

	if (!m || m->kind != IRM_STATS || m->hist == IRH_NONE)
		return bad_record(o, "unknown histogram");
	if (m->nkeys && len < (size_t)m->key_size)
		return bad_record(o, "short histogram key");
	b = calloc(m->nbuckets ? m->nbuckets : 1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	err = hist__read(m, m->nkeys ? p : NULL, &st, b);
	if (err == -ENOENT || (!err && st.count == 0)) {
		memset(b, 0, sizeof(*b) * m->nbuckets);
		err = 0;
	}
	if (!err) {
		o->buf.len = 0;
		hist__format(&o->buf, m->hist, m->hist_lo, m->hist_step,
			     m->nbuckets, b);
		fwrite(o->buf.buf, 1, o->buf.len, o->out);
	}
	free(b);
	return err;
}

int output__record(struct output *o, const void *data, size_t size)
{
	const struct rec_hdr *h = data;
	const char *payload = (const char *)data + sizeof(*h);
	size_t len;

	if (size < sizeof(*h))
		return bad_record(o, "short header");
	len = size - sizeof(*h);
	o->records++;
	switch (h->type) {
	case REC_PRINTF:
		return rec_printf(o, h->id, payload, len);
	case REC_EXIT:
		o->exit_seen = true;
		return 0;
	case REC_ERROR:
		return rec_error(o, h->id, payload, len, false);
	case REC_MAXACTION:
		return rec_error(o, h->id, payload, len, true);
	case REC_ERROR_AT:
		return rec_error_at(o, h->id, payload, len);
	case REC_PRINT_HIST:
		return rec_print_hist(o, h->id, payload, len);
	}
	return bad_record(o, "unknown type");
}

static int on_record(void *ctx, void *data, size_t size)
{
	output__record(ctx, data, size);
	return 0;	/* keep consuming whatever one record did */
}

int output__init(struct output *o, struct session *s, struct ir_program *ir)
{
	memset(o, 0, sizeof(*o));
	o->s = s;
	o->ir = ir;
	o->out = s->out ? s->out : stdout;
	strbuf__init(&o->buf);
	if (!ir->ringbuf_map || ir->ringbuf_map->fd < 0)
		return 0;
	o->rb = ring_buffer__new(ir->ringbuf_map->fd, on_record, o, NULL);
	if (!o->rb) {
		int err = -errno;

		diag__plain(s, "cannot read the output ring buffer: %s",
			    strerror(-err));
		return err;
	}
	return 0;
}

int output__fd(const struct output *o)
{
	return o->rb ? ring_buffer__epoll_fd(o->rb) : -1;
}

int output__drain(struct output *o)
{
	int n = 0;

	if (o->rb)
		n = ring_buffer__consume(o->rb);
	fflush(o->out);
	return n < 0 ? n : 0;
}

void output__free(struct output *o)
{
	if (o->rb)
		ring_buffer__free(o->rb);
	o->rb = NULL;
	strbuf__free(&o->buf);
}
