/* mapval.h - one entry of an array (IRM_ARRAY) map as the language sees
 * it, whatever the BPF map holds.
 *
 * A per-CPU array (struct ir_map.percpu, bpfgen/ir.h) holds one long per
 * possible CPU for each key: the kernel adds to this CPU's copy.  Its
 * value is the sum of the copies; storing a value puts it in CPU 0's
 * copy and zeroes the others.  Other arrays hold the value itself (a
 * long, or a string of val_size bytes).
 *
 * val buffers hold val_size bytes (at least 8).  ncpus is the number of
 * possible CPUs (libbpf_num_possible_cpus()).  Both return 0 or a
 * negative errno: -ENOENT for an absent key, what bpf_map_update_elem
 * gave otherwise (-E2BIG: the map is full).
 */
#ifndef BSTAP_MAPVAL_H
#define BSTAP_MAPVAL_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"

/* Bytes a raw bpf_map_lookup_elem of one entry of m writes. */
size_t mapval__raw_size(const struct ir_map *m, int ncpus);

int mapval__lookup(const struct ir_map *m, int ncpus, const void *key,
		   void *val);
int mapval__update(const struct ir_map *m, int ncpus, const void *key,
		   const void *val, uint64_t flags);

#endif
