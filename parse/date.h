/* date.h - the date forms of Vietnamese feeds and pages, to UTC seconds.
 *
 * Accepted (VIETNAMESE.md 2):
 *   RFC 822/1123, weekday optional, 2- or 4-digit year, zone +0700, +07,
 *     GMT+7, GMT+07:00, GMT, UT, UTC, Z, ICT, or none;
 *   RFC 3339 / W3CDTF (2022-09-15T10:22:00+07:00, 2022-09-15, 2022-09);
 *   US "M/D/YYYY h:mm[:ss] AM|PM" only when AM/PM is present (Tuổi Trẻ);
 *   Vietnamese, always day first, with an optional weekday and
 *     separators: "Thứ năm, 15/09/2022", "Thứ năm - 15/09/2022 10:22",
 *     "15/10/2020 | 13:50", "Ngày đăng 15/10/2020",
 *     "Đăng ngày: 20/01/2020 - 8:28:04 AM",
 *     "ngày 15 tháng 10 năm 2020", "15-10-2020", "10:22 15/09/2022".
 * A time without a zone is Vietnam time, +07:00. */
#ifndef BANTIN_DATE_H
#define BANTIN_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Parse s (UTF-8, need not be NUL-terminated: n bytes). Returns 0 and sets
 * *out to seconds since the epoch (UTC), or -1 when s is not a date in one
 * of the forms above or names an impossible date (31/02, hour 25). Never
 * guesses: an unparseable date is -1, never "now". */
int date_parse(const char *s, size_t n, int64_t *out);

#endif
