/* display.h - stap's end-of-run print of globals that the script wrote
 * but never read.
 *
 * The layout is stap's:
 *   a scalar long:     name=0x2a            (hex, "%#x")
 *   a scalar string:   name="text"          (escaped, "%#s")
 *   a scalar stat:     name @count=3 @min=1 @max=5 @sum=9 @avg=3
 *                      or "name @count=0x0" when it is empty
 *   an array:          name["key",7]=0x1    one line per entry, sorted
 *                      by value, largest first (stats: by @count)
 *   an array of stats: name["key"] @count=... (as a scalar stat)
 * Globals of tapsets are never printed.
 */
#ifndef BSTAP_DISPLAY_H
#define BSTAP_DISPLAY_H

#include <stdio.h>

#include "ir.h"

struct session;

/* Print the written-but-unread globals of s->prog to f.  Returns 0 or a
 * negative errno (a map could not be read). */
int display__globals(struct session *s, struct ir_program *p, FILE *f);

#endif
