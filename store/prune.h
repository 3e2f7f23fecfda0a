/* prune.h - remove history older than [bantin] keep, so the database stops
 * growing (bantin.conf(5) "keep").
 *
 * What goes, in one BEGIN IMMEDIATE transaction:
 *   - a digest created before now - keep whose deliveries are all settled
 *     ('sent' or 'refused'), with its list and its deliveries; a digest
 *     with a pending or failed delivery stays, it will still be sent;
 *   - an item_sources row whose feed last carried it before now - keep,
 *     unless it is in the last document stored for its feed (a feed that
 *     fails, is disabled or sends an empty list may still carry it);
 *   - an item with no item_sources row left, first seen before now - keep
 *     and before now - max_age, that can never be in a digest again: its
 *     story is in no remaining digest, or it is in no story and was
 *     published before now - max_age (the pending select leaves it out);
 *   - a story no item and no digest refers to any more.
 * So an item a feed still carries is never removed (it can never be stored
 * again as new), and an item in no digest yet that could still enter one
 * stays. Nothing else in store/ deletes rows. */
#ifndef BANTIN_STORE_PRUNE_H
#define BANTIN_STORE_PRUNE_H

#include <stdint.h>

#include "store/store.h"

/* Rows one store_prune removed. */
struct store_prune_counts {
    int64_t digests;        /* digests rows (their lists went with them) */
    int64_t deliveries;     /* deliveries rows of those digests */
    int64_t sources;        /* item_sources rows */
    int64_t items;          /* items rows */
    int64_t stories;        /* stories rows */
};

/* Remove the history above, with times compared to now (UTC seconds); keep
 * and max_age are seconds, keep at least 1, max_age at least 0. Then, when
 * the database uses incremental auto-vacuum (those created by this
 * version), hand its free pages back to the file system; otherwise the
 * file keeps its size and SQLite reuses the pages (no full VACUUM).
 * Returns 0 with *out filled (out may be NULL); or -1 (see store_error)
 * with nothing removed and *out zeroed, except when only the reclaiming
 * after the commit failed: then the rows are gone and *out says which. */
int store_prune(struct store *s, int64_t now, int64_t keep, int64_t max_age,
                struct store_prune_counts *out);

#endif
