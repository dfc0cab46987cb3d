/* arena.c - bump allocator; see arena.h.
 *
 * Blocks come straight from mmap: fresh anonymous memory is already
 * zero, so arena__alloc() needs no memset (the arena never reuses
 * memory).  The first block is small and prefaulted in one go (a small
 * script touches little); later blocks are large, 2 MB aligned and
 * prefaulted as transparent huge pages where the kernel allows it, so a
 * big script costs a handful of page faults rather than thousands.
 * Strings are packed byte-aligned; everything else is 16-byte aligned.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ARENA_FIRST	(256u << 10)
#define ARENA_HUGE	(2u << 20)

struct arena_block {
	struct arena_block *next;
	size_t used, size;	/* used: offset of the next free byte */
	size_t map_len;		/* what to munmap */
	void *map;
	_Alignas(16) unsigned char data[];
};

void arena__init(struct arena *a)
{
	memset(a, 0, sizeof(*a));
}

void arena__free(struct arena *a)
{
	struct arena_block *b = a->head;

	while (b) {
		struct arena_block *next = b->next;

		munmap(b->map, b->map_len);
		b = next;
	}
	a->head = NULL;
}

static void *map_or_die(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "bstap: out of memory\n");
		exit(1);
	}
	return p;
}

/* A block of at least n usable bytes. */
static struct arena_block *block_new(struct arena *a, size_t n)
{
	size_t want = n + sizeof(struct arena_block);
	struct arena_block *b;
	size_t len;
	void *map;

	if (!a->head && want <= ARENA_FIRST) {
		len = ARENA_FIRST;
		map = map_or_die(len, MAP_POPULATE);
		b = map;
	} else {
		/* 2 MB aligned, in whole huge pages */
		size_t size = (want + ARENA_HUGE - 1) & ~(size_t)(ARENA_HUGE - 1);
		uintptr_t start, end;

		len = size + ARENA_HUGE;
		map = map_or_die(len, MAP_NORESERVE);
		start = ((uintptr_t)map + ARENA_HUGE - 1) &
			~(uintptr_t)(ARENA_HUGE - 1);
		end = start + size;
		/* trim the unaligned head and tail */
		if (start > (uintptr_t)map)
			munmap(map, start - (uintptr_t)map);
		if ((uintptr_t)map + len > end)
			munmap((void *)end, (uintptr_t)map + len - end);
		map = (void *)start;
		len = size;
#ifdef MADV_HUGEPAGE
		madvise(map, len, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
		/* one call rather than a fault per page (Linux 5.14+);
		 * failure is harmless: the pages fault in on first use */
		madvise(map, len, MADV_POPULATE_WRITE);
#endif
		b = map;
	}
	b->map = map;
	b->map_len = len;
	b->size = len - sizeof(*b);
	b->used = 0;
	b->next = a->head;
	a->head = b;
	return b;
}

/* n bytes aligned to align (a power of two up to 16), not zeroed by us
 * (but zero anyway: the memory is fresh). */
static void *bump(struct arena *a, size_t n, size_t align)
{
	struct arena_block *b = a->head;
	size_t off = b ? (b->used + align - 1) & ~(align - 1) : 0;

	if (!b || off + n > b->size) {
		b = block_new(a, n + align);
		off = 0;
	}
	b->used = off + n;
	a->total += n;
	return b->data + off;
}

void *arena__alloc(struct arena *a, size_t n)
{
	return bump(a, n ? n : 1, 16);
}

void *arena__alloc_nz(struct arena *a, size_t n)
{
	return bump(a, n ? n : 1, 16);
}

char *arena__strndup(struct arena *a, const char *s, size_t n)
{
	char *p = bump(a, n + 1, 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena__strdup(struct arena *a, const char *s)
{
	return arena__strndup(a, s, strlen(s));
}

char *arena__printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(small))
		return arena__strndup(a, small, (size_t)n);
	char *p = bump(a, (size_t)n + 1, 1);

	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void vec__reserve(struct arena *a, struct vec *vec, int n)
{
	void **v;

	if (vec->cap >= n)
		return;
	v = bump(a, sizeof(void *) * (size_t)n, 16);
	if (vec->n)
		memcpy(v, vec->v, sizeof(void *) * (size_t)vec->n);
	vec->v = v;
	vec->cap = n;
}

void vec__push(struct arena *a, struct vec *vec, void *item)
{
	if (vec->n == vec->cap)
		vec__reserve(a, vec, vec->cap ? vec->cap * 2 : 4);
	vec->v[vec->n++] = item;
}
