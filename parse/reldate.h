/* reldate.h - relative dates of list pages: "15 giờ trước", "hôm qua".
 *
 * Modern Vietnamese news lists print the age of an item instead of its date
 * (VIETNAMESE.md 2: bongdaplus "15 giờ trước", "hôm qua"). These resolve
 * against the time the page was fetched, in Vietnam time (+07:00, no DST).
 * Absolute dates ("18:20 ngày 03/10/2026") are date_parse's business. */
#ifndef BANTIN_RELDATE_H
#define BANTIN_RELDATE_H

#include <stddef.h>
#include <stdint.h>

/* Parse a relative date in s[0..n) (UTF-8; any case, NFC or NFD, either
 * tone placement; it may sit inside a longer text such as "Thời sự · 3
 * phút trước"), against now (UTC seconds). Accepted:
 *   "N giây|phút|giờ|tiếng|ngày|tuần|tháng|năm trước", "cách đây N giờ"
 *     (a month is 30 days, a year 365), and the English "N minutes ago";
 *   "vừa xong", "vừa mới", "mới đây", "just now": now;
 *   "hôm nay", "hôm qua", "hôm kia" (today, 1 and 2 days ago; "today",
 *     "yesterday"), with an optional time before or after it ("hôm nay
 *     10:22", "18:20 hôm qua", "hôm qua lúc 8h30"); without a time, the
 *     midnight (Vietnam time) that starts that day.
 * Returns 0 with *out set, or -1 when s holds none of these. */
int reldate_parse(const char *s, size_t n, int64_t now, int64_t *out);

#endif
