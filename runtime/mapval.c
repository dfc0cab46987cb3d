/* mapval.c - array entries as the language sees them (see mapval.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "mapval.h"

size_t mapval__raw_size(const struct ir_map *m, int ncpus)
{
	size_t v = ((size_t)(m->val_size > 8 ? m->val_size : 8) + 7) &
		   ~(size_t)7;

	if (ncpus < 1)
		ncpus = 1;
	return m->percpu || m->kind == IRM_STATS ? v * (size_t)ncpus : v;
}

/* *val = the sum of the per-CPU copies (wrapping, as the kernel adds) */
static int lookup_percpu(const struct ir_map *m, int ncpus, const void *key,
			 void *val)
{
	uint64_t *copies = malloc(mapval__raw_size(m, ncpus));
	uint64_t sum = 0;
	int err = 0;

	if (!copies)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->fd, key, copies))
		err = -errno;
	for (int c = 0; !err && c < (ncpus < 1 ? 1 : ncpus); c++)
		sum += copies[c];
	free(copies);
	if (!err)
		memcpy(val, &sum, 8);
	return err;
}

int mapval__lookup(const struct ir_map *m, int ncpus, const void *key,
		   void *val)
{
	if (m->percpu)
		return lookup_percpu(m, ncpus, key, val);
	if (bpf_map_lookup_elem(m->fd, key, val))
		return -errno;
	return 0;
}

int mapval__update(const struct ir_map *m, int ncpus, const void *key,
		   const void *val, uint64_t flags)
{
	uint64_t *copies;
	int err = 0;

	if (!m->percpu)
		return bpf_map_update_elem(m->fd, key, val, flags) ? -errno : 0;
	copies = calloc(1, mapval__raw_size(m, ncpus));
	if (!copies)
		return -ENOMEM;
	memcpy(&copies[0], val, 8);
	if (bpf_map_update_elem(m->fd, key, copies, flags))
		err = -errno;
	free(copies);
	return err;
}
