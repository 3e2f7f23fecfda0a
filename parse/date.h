/* date.h - the date forms of Vietnamese feeds and pages, to UTC seconds.
 *
 * Accepted (VIETNAMESE.md 2), case-insensitive, any run of whitespace
 * (also NBSP, U+202F) read as one space:
 *   RFC 822/1123/2822, weekday optional, English month names or
 *     abbreviations, 2-digit (00-49 = 20xx, 50-99 = 19xx) or 4-digit year,
 *     time optional, zone +0700, +07, +07:00, GMT+7, GMT+07:00, GMT-3,
 *     GMT, UT, UTC, Z, ICT, EST..PDT, or none; a trailing "(GMT+7)" comment;
 *   RFC 3339 / W3CDTF (2022-09-15T10:22:00.5+07:00, "t"/space for T,
 *     2022-09-15, 2022-09);
 *   US "M/D/YYYY h:mm[:ss] AM|PM" only when AM/PM is present and nothing
 *     stands before it (Tuổi Trẻ);
 *   Vietnamese, always day first (d/m/yyyy, d-m-yyyy, d.m.yyyy, yyyy/m/d,
 *     "d tháng m năm yyyy"), with optional weekdays (Thứ hai..Chủ nhật,
 *     Thứ 2..Thứ 7, T2..T7, CN), words "Ngày đăng", "Đăng ngày:",
 *     "Cập nhật:", "lúc", separators , - |, a time before or after the
 *     date (h:mm[:ss], 10h22, AM/PM or SA/CH), a zone after the time,
 *     and after a time a "| Lượt xem: ..." tail: "Thứ năm, 15/09/2022",
 *     "Thứ năm - 15/09/2022 10:22", "15/10/2020 | 13:50",
 *     "Đăng ngày: 20/01/2020 - 8:28:04 AM", "18:20 ngày 03/10/2026",
 *     "ngày 15 tháng 10 năm 2020", "15-10-2020", "10:22 15/09/2022".
 * A time without a zone is Vietnam time, +07:00; a date without a time is
 * its midnight. Years 1970..2100; second 60 reads as 59.
 * Refused: relative forms ("15 giờ trước", "hôm qua": the scraper resolves
 * them against the fetch time), a bare time, d/m/yy, text before the date
 * other than the words above ("Hà Nội, ngày ..."). */
#ifndef BANTIN_DATE_H
#define BANTIN_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Parse s (UTF-8, need not be NUL-terminated: n bytes). Returns 0 and sets
 * *out to seconds since the epoch (UTC), or -1 when s is not a date in one
 * of the forms above or names an impossible date (31/02, hour 25); *out is
 * then left alone. Never guesses: an unparseable date is -1, never "now". */
int date_parse(const char *s, size_t n, int64_t *out);

#endif
