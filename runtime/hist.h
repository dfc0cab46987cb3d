/* hist.h - statistics in user space: reading the per-CPU stats maps and
 * printing @hist_log / @hist_linear the way stap does.
 *
 * Bucket layout of an IRM_STATS value (after struct ir_stat), the
 * contract with the kernel side (bpfgen) and the interpreter:
 *
 *   IRH_LOG:    nbuckets == HIST_LOG_BUCKETS (128).  Bucket
 *               HIST_LOG_BUCKET0 (64) counts 0; a value v > 0 goes to
 *               64 + msb(v) where msb(1) = 1, msb(2..3) = 2, msb(4..7)
 *               = 3 ...; v < 0 goes to 128 - (64 + msb(-v)), so -1 is
 *               bucket 63, -2..-3 bucket 62.  hist__log_bucket() does it.
 *   IRH_LINEAR: nbuckets == (hi - lo) / step + 3.  Bucket 0 counts
 *               v < lo (underflow), bucket 1 + (v - lo) / step the
 *               range, the last bucket v beyond the range (overflow).
 *
 * The printed layout is stap's: a header "value |---...--- count" (the
 * value column at least 5 wide), one row per bucket from two rows
 * before the first non-zero bucket to two rows after the last one (log
 * histograms do not go below 0 unless there are negative values; the
 * linear under/overflow rows only when non-zero, shown as "<lo" and
 * ">hi"), bars of '@' scaled so the largest count fills at most 50
 * columns, runs of zero rows further than 2 rows (HIST_ELISION) from
 * data replaced by one "~" line, and a blank line after the table.
 */
#ifndef BSTAP_HIST_H
#define BSTAP_HIST_H

#include <stdint.h>

#include "format.h"
#include "ir.h"

#define HIST_LOG_BUCKETS 128
#define HIST_LOG_BUCKET0 64
#define HIST_WIDTH 50
#define HIST_ELISION 2

/* The log bucket of v, and the lowest value of bucket i. */
int hist__log_bucket(int64_t v);
int64_t hist__log_value(int bucket);
/* The linear bucket of v for a histogram lo..hi by step. */
int hist__linear_bucket(int64_t v, int64_t lo, int64_t hi, int64_t step);

/* Append the histogram (nbuckets counts) as stap prints it.  kind is
 * IRH_LOG or IRH_LINEAR; lo and step are used for linear ones.  An empty
 * histogram (every count zero) prints the header line only, then the
 * blank line. */
void hist__format(struct strbuf *out, enum ir_hist_kind kind, int64_t lo,
		  int64_t step, int nbuckets, const int64_t *buckets);

/* Read map[key] of an IRM_STATS map and merge the CPUs: *st gets the
 * totals (count, sum, min and max over CPUs that have data, sumsq) and
 * buckets (map->nbuckets of them, may be NULL) the summed histogram.
 * Returns 0, -ENOENT when the key is absent, or a negative errno. */
int hist__read(const struct ir_map *map, const void *key,
	       struct ir_stat *st, int64_t *buckets);

#endif
