/* outbox.h - deliver built messages as .eml files when there is no [smtp].
 *
 * The outbox is a Maildir-like folder: a message is written and fsync'd
 * under DIR/tmp/, then moved into DIR/new/NAME.eml in one step that never
 * replaces a file, so a reader of new/ sees only whole messages and a
 * message already delivered stays as it was (DESIGN.md "[smtp] absent"). */
#ifndef BANTIN_OUTBOX_H
#define BANTIN_OUTBOX_H

#include <stddef.h>

/* Deliver len bytes of data as DIR/new/NAME.eml, NAME being name_hint
 * with every byte outside [A-Za-z0-9._-] turned into '_', a leading '.'
 * too (Maildir readers skip dot files), cut to 200 bytes; "message" when
 * empty. Creates DIR (and missing parents), DIR/tmp and DIR/new with mode
 * 0700. Returns 0 when written, 1 when DIR/new/NAME.eml already exists
 * (the same message delivered before: nothing is written), -1 with err
 * set on a system error (nothing is left in tmp/). Each call first
 * removes what a killed writer left in tmp/ (a file of this host whose
 * process is gone, or one older than 36 hours), so tmp/ does not fill
 * up across crashes. When path_out is not
 * NULL and the result is 0 or 1, *path_out is the final path (malloc'd,
 * caller frees). */
int outbox_write(const char *dir, const char *name_hint, const char *data,
                 size_t len, char **path_out, char *err, size_t errlen);

#endif
