/* internal.h - what other files of store/ may use of a struct store.
 *
 * store.c owns the connection; query files beside it (digest_query.c)
 * need its handle and its error slot, and nothing else. Not for use
 * outside store/. */
#ifndef BANTIN_STORE_INTERNAL_H
#define BANTIN_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

/* The connection of s (owned by s: never close it). */
sqlite3 *store_db(struct store *s);

/* Set the message store_error(s) returns, printf-style. */
void store_set_error(struct store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
