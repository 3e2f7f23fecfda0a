/* buf.h - a growable byte string that carries its length and a maximum.
 *
 * Invariants: data is never NULL after buf_init and is always
 * NUL-terminated; len never exceeds max (curl's dynbuf "toobig"). */
#ifndef BANTIN_BUF_H
#define BANTIN_BUF_H

#include <stddef.h>

struct buf {
    char *data;   /* the bytes, NUL-terminated */
    size_t len;   /* bytes in use, without the NUL */
    size_t cap;   /* bytes allocated, without the NUL */
    size_t max;   /* len may never exceed this */
};

void buf_init(struct buf *b, size_t max);
/* Append n bytes. Returns 0, or -1 (nothing appended) past max. */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
/* Forget the contents, keep the allocation. */
void buf_reset(struct buf *b);
/* Free the contents; b may be initialized again. */
void buf_release(struct buf *b);
/* Return the malloc'd string (caller frees) and re-initialize b. */
char *buf_detach(struct buf *b);

#endif
