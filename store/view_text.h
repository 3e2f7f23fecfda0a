/* view_text.h - what the admin views (`bantin feeds`, `bantin deliveries`)
 * share to print the store: local times, text cut to display columns,
 * and JSON times and strings. One copy, so the two views keep one format. */
#ifndef BANTIN_STORE_VIEW_TEXT_H
#define BANTIN_STORE_VIEW_TEXT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* "2026-11-23 08:15" for t (UTC seconds) shifted by tz seconds, or "-"
 * for TIME_NONE or a time gmtime cannot show. */
void view_format_local(int64_t t, int tz, char *buf, size_t size);

/* The display columns of the longest prefix of s, up to a line break,
 * that fits in limit columns; its length in bytes goes to *bytes. Invalid
 * UTF-8 (none is stored, but the database is a file anyone may edit) ends
 * the text. */
size_t view_prefix_cols(const char *s, size_t limit, size_t *bytes);

/* Append the first line of s to b, cut to at most cols (>= 1) display
 * columns with an ellipsis marking a cut; returns the columns used. */
size_t view_add_cols(struct buf *b, const char *s, size_t cols);

/* Append blanks to b from used up to width columns. */
void view_pad(struct buf *b, size_t used, size_t width);

/* RFC 3339 UTC for t, or null for TIME_NONE. */
json_t *view_json_time(int64_t t);

/* A string from the config or the store, or null; json_string refuses
 * invalid UTF-8 (a hand-edited database), which then shows as null. */
json_t *view_json_str(const char *s);

#endif
