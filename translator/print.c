/* print.c - placeholder. */
#include "passes.h"
void print__file(struct session *s, FILE *f, const struct stpfile *file)
{ (void)s; (void)f; (void)file; }
