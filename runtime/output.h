/* output.h - the ring-buffer consumer: kernel records -> script output.
 *
 * One BPF ring buffer carries every record of every CPU in the order
 * they were reserved, so the output of one CPU keeps its order.  Records
 * are decoded with the IR (formats, maps, probes) and written to s->out
 * (stdout or -o FILE); errors go to stderr in stap's words.
 */
#ifndef BSTAP_OUTPUT_H
#define BSTAP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "format.h"
#include "ir.h"

struct session;
struct ring_buffer;

struct output {
	struct session *s;
	struct ir_program *ir;
	struct ring_buffer *rb;
	FILE *out;
	bool exit_seen;		/* a REC_EXIT arrived */
	int errors;		/* REC_ERROR / REC_MAXACTION seen */
	long records;
	struct strbuf buf;
	const char *rodata;	/* the object's .rodata (REC_ERROR_AT's site
				 * texts), or NULL */
	size_t rodata_size;
};

/* Set up the consumer on ir->ringbuf_map (its fd must be set).  Without
 * a ring buffer (no kernel-side output) poll and drain do nothing.
 * Returns 0 or a negative errno after a diagnostic. */
int output__init(struct output *o, struct session *s, struct ir_program *ir);
/* A file descriptor that becomes readable when records are waiting, or
 * -1 without a ring buffer. */
int output__fd(const struct output *o);
/* Consume every record available now; flushes the output. */
int output__drain(struct output *o);
void output__free(struct output *o);

/* Decode one record (exposed for tests). */
int output__record(struct output *o, const void *data, size_t size);

#endif
