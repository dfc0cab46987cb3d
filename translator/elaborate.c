/* elaborate.c - placeholder. */
#include "passes.h"
int pass2__elaborate(struct session *s) { diag__plain(s, "pass 2 is not implemented yet"); return -1; }
void print__program(struct session *s, FILE *f, const struct program *p) { (void)s; (void)f; (void)p; }
int list__probes(struct session *s) { diag__plain(s, "-l/-L are not implemented yet"); return -1; }
