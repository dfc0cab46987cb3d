/* translate.c - placeholder. */
#include "passes.h"
int pass3__translate(struct session *s) { diag__plain(s, "pass 3 (BPF translation) is not implemented yet"); return -1; }
int pass4__compile(struct session *s) { diag__plain(s, "pass 4 (BPF object) is not implemented yet"); return -1; }
