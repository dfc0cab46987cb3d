/* arena.h - bump allocation for compiler data.
 *
 * Everything the translator builds (tokens, AST, IR) lives in one arena per
 * session and is freed at once when the session ends.  Nothing allocated
 * from an arena is ever freed individually.
 */
#ifndef BSTAP_ARENA_H
#define BSTAP_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t total;		/* bytes handed out, for -v statistics */
};

void arena__init(struct arena *a);
void arena__free(struct arena *a);
/* Zeroed, 16-byte aligned memory; aborts with a message on ENOMEM. */
void *arena__alloc(struct arena *a, size_t n);
/* Like arena__alloc, for callers that set every byte themselves (the
 * memory may not be zeroed in a future arena; today it is). */
void *arena__alloc_nz(struct arena *a, size_t n);
char *arena__strdup(struct arena *a, const char *s);
char *arena__strndup(struct arena *a, const char *s, size_t n);
char *arena__printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A growable array of pointers whose storage comes from an arena. */
struct vec {
	void **v;
	int n, cap;
};

void vec__push(struct arena *a, struct vec *vec, void *item);
/* Make room for n items in all (no effect if there is room). */
void vec__reserve(struct arena *a, struct vec *vec, int n);

#define vec_foreach(i, vec) for (int i = 0; i < (vec)->n; i++)
#define vec_at(vec, i) ((vec)->v[(i)])

#endif
