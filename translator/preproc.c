/* preproc.c - placeholder. */
#include "lexer.h"
int preproc__run(struct session *s, const struct vec *in, struct vec *out)
{ (void)s; (void)in; (void)out; return -1; }
