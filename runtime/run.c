/* run.c - placeholder. */
#include "passes.h"
int pass5__run(struct session *s) { diag__plain(s, "pass 5 (run) is not implemented yet"); return 1; }
int run__object(struct session *s, const char *path) { (void)path; diag__plain(s, "--run is not implemented yet"); return 1; }
