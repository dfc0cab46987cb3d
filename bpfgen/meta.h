/* meta.h - the ".bstap" section of a saved object (-p4 -m NAME, then
 * bstap --run NAME.bo).
 *
 * The ELF that the back end writes (elf.c) holds the kernel programs and
 * their maps only.  To run it again, the runtime needs what pass 2 and
 * pass 3 knew: the IR of every function (begin/end/error probes run in
 * the interpreter), the maps with their layouts, the globals, formats,
 * string table, the derived probes and their points (providers resolve
 * them again to find timer periods, perf types...), the script's file
 * names and text (error positions), and the -D limits.  meta.c writes
 * all of that into one extra section, ".bstap", appended to the finished
 * image with libelf; libbpf skips sections it does not know.
 *
 * Format (all integers little-endian, as the machine's own BPF is):
 *   header  "BSTAPMD\0", u32 version, u32 reserved, u64 payload size,
 *           u64 FNV-1a hash of the payload;
 *   payload a sequence of tables (see meta.c), every count and index
 *           bounds-checked on reading; strings are u32 length + bytes,
 *           0xffffffff for NULL.
 * A version other than META_VERSION, a bad hash, or any inconsistency
 * is refused with a message naming the file; nothing read is trusted
 * before the whole IR passed ir__check().
 */
#ifndef BSTAP_META_H
#define BSTAP_META_H

#include <stddef.h>

#include "object.h"

struct session;

#define META_SECTION ".bstap"
#define META_MAGIC "BSTAPMD"
#define META_VERSION 3

/* Append the .bstap section describing s->ir, s->prog and o's programs
 * to o->elf (replaced by a new malloc'ed image).  0 or a negative errno
 * after a diagnostic. */
int meta__attach(struct session *s, struct bstap_object *o);

/* Rebuild what pass 2, 3 and 4 produced from a saved object: on success
 * s->prog, s->ir and s->object are set (the object's elf is `image`,
 * which the object now owns) and the saved -D limits are added to
 * s->defines.  `path` names the file in messages.  0 or a negative
 * errno after a diagnostic ("<path>: ..."). */
int meta__load(struct session *s, const char *path, void *image,
	       size_t size);

#endif
