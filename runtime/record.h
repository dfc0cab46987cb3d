/* record.h - what the kernel side sends to user space.
 *
 * Every output action of a kernel-side probe is one ring-buffer record:
 * a header, then a payload whose layout the header's type and id fix.
 * The BPF back end (bpfgen/isel.c) writes records, runtime/output.c reads
 * them.  User-space probes (the interpreter) print directly and never
 * build records.
 */
#ifndef BSTAP_RECORD_H
#define BSTAP_RECORD_H

#include <stdint.h>

enum rec_type {
	REC_PRINTF = 1,		/* id = format id; payload: the arguments in
				 * order, a long as 8 bytes, a string as
				 * MAXSTRINGLEN bytes (NUL-terminated) */
	REC_EXIT = 2,		/* exit() was called */
	REC_ERROR = 3,		/* id = probe id; payload: message string
				 * (MAXSTRINGLEN bytes) */
	REC_PRINT_HIST = 4,	/* id = map id; payload: key bytes */
	REC_MAXACTION = 5,	/* a loop bound was exceeded; id = probe id */
	REC_ERROR_AT = 6,	/* id = .rodata offset of the site's text
				 * (" near ... at FILE:L:C"); payload: the
				 * message (MAXSTRINGLEN bytes), to which
				 * user space appends that text */
};

struct rec_hdr {
	uint32_t type;		/* enum rec_type */
	uint32_t id;
};

#endif
