/* test_date.c - unit tests of parse/date.c: every form, its UTC epoch, and
 * every text that must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse/date.h"

/* The expected epochs were computed apart from date.c, with Python's
 * datetime and fixed offsets (datetime(..., tzinfo=timezone(timedelta(
 * hours=7))).timestamp()); each comment gives the UTC time. */
struct ok_case {
    const char *in;
    int64_t want;
};

/* RFC 822/1123/2822: weekday optional, 2- or 4-digit year, every zone form. */
static const struct ok_case ok_rfc822[] = {
    {"Fri, 09 Oct 2026 04:00:00 +0700", 1791493200}, /* 2026-10-08T21:00:00Z */
    {"Fri, 09 Oct 26 07:34:21 +0700", 1791506061}, /* 2026-10-09T00:34:21Z */
    {"Mon, 05 Oct 26 14:10:00 +0700", 1791184200}, /* 2026-10-05T07:10:00Z */
    {"Mon, 05 Oct 2026 11:07:00 +07", 1791173220}, /* 2026-10-05T04:07:00Z */
    {"Wed, 16 Jul 2025 09:30:00 GMT+7", 1752633000}, /* 2025-07-16T02:30:00Z */
    {"Thu, 08 Oct 2026 15:51:18 GMT", 1791474678}, /* 2026-10-08T15:51:18Z */
    {"09 Oct 2026 04:00:00 +0700", 1791493200}, /* 2026-10-08T21:00:00Z */
    {"Fri 09 Oct 2026 04:00:00 +0700", 1791493200}, /* 2026-10-08T21:00:00Z */
    {"fri, 9 oct 2026 04:00 +0700", 1791493200}, /* 2026-10-08T21:00:00Z */
    {"FRI, 09 OCT 2026 4:00:00 +0700", 1791493200}, /* 2026-10-08T21:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 -0500", 1791536400}, /* 2026-10-09T09:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 +07:00",
     1791493200}, /* 2026-10-08T21:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 +0530", 1791498600}, /* 2026-10-08T22:30:00Z */
    {"Fri, 09 Oct 2026 04:00:00 UT", 1791518400}, /* 2026-10-09T04:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 UTC", 1791518400}, /* 2026-10-09T04:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 Z", 1791518400}, /* 2026-10-09T04:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 GMT+07",
     1791493200}, /* 2026-10-08T21:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 GMT+07:00",
     1791493200}, /* 2026-10-08T21:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 GMT+0700",
     1791493200}, /* 2026-10-08T21:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 GMT-3", 1791529200}, /* 2026-10-09T07:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 UTC+7", 1791493200}, /* 2026-10-08T21:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 ICT", 1791493200}, /* 2026-10-08T21:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 EST", 1791536400}, /* 2026-10-09T09:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 EDT", 1791532800}, /* 2026-10-09T08:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 CST", 1791540000}, /* 2026-10-09T10:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 PDT", 1791543600}, /* 2026-10-09T11:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00", 1791493200}, /* 2026-10-08T21:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 +0700 (GMT+7)",
     1791493200}, /* 2026-10-08T21:00:00Z */
    {"Fri, 09 Oct 2026 04:00:00 (GMT+7)",
     1791493200}, /* 2026-10-08T21:00:00Z */
    {"Friday, 09 October 2026 04:00:00 +0700",
     1791493200}, /* 2026-10-08T21:00:00Z */
    {"Thu, 15 September 2022 10:22:00 +0700",
     1663212120}, /* 2022-09-15T03:22:00Z */
    {"15 Sept 2022 10:22 +0700", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"Fri, 31 Dec 99 23:59:59 +0000", 946684799}, /* 1999-12-31T23:59:59Z */
    {"Thu, 01 Jan 49 00:00:00 +0000", 2493072000}, /* 2049-01-01T00:00:00Z */
    {"Fri, 09 Oct 2026", 1791478800}, /* 2026-10-08T17:00:00Z */
    {"Sat, 31 Dec 2016 23:59:60 +0000", 1483228799}, /* 2016-12-31T23:59:59Z */
    {"Thu, 01 Jan 1970 07:00:00 +0700", 0}, /* 1970-01-01T00:00:00Z */
};

/* RFC 3339 / W3CDTF; no zone is +07:00. */
static const struct ok_case ok_rfc3339[] = {
    {"2022-09-15T10:22:00+07:00", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"2022-09-15T03:22:00Z", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"2022-09-15T03:22:00.123456Z", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"2022-09-15t03:22:00z", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"2022-09-15T10:22:00-05:00", 1663255320}, /* 2022-09-15T15:22:00Z */
    {"2022-09-15T10:22:00+0700", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"2022-09-15T10:22+07:00", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"2022-09-15 10:22:00", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"2022-09-15 10:22", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"2022-09-15 10:22:00 +0700", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"2022-09-15T10:22:00", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"2022-09-15", 1663174800}, /* 2022-09-14T17:00:00Z */
    {"2022-09", 1661965200}, /* 2022-08-31T17:00:00Z */
    {"2000-02-29T12:00:00Z", 951825600}, /* 2000-02-29T12:00:00Z */
};

/* US M/D/YYYY, only with AM/PM (Tuổi Trẻ RSS); 12 AM is 00h, 12 PM 12h. */
static const struct ok_case ok_us[] = {
    {"10/2/2026 9:25:00 AM", 1790907900}, /* 2026-10-02T02:25:00Z */
    {"10/1/2026 12:02:00 PM", 1790830920}, /* 2026-10-01T05:02:00Z */
    {"10/1/2026 12:02:00 AM", 1790787720}, /* 2026-09-30T17:02:00Z */
    {"10/1/2026 11:59 PM", 1790873940}, /* 2026-10-01T16:59:00Z */
    {"1/15/2026 7:05:09 pm", 1768478709}, /* 2026-01-15T12:05:09Z */
};

/* Vietnamese, always day first, with weekdays, prefixes and separators. */
static const struct ok_case ok_vn[] = {
    {"Thứ năm, 15/09/2022", 1663174800}, /* 2022-09-14T17:00:00Z */
    {"Thứ năm - 15/09/2022 10:22", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"15/10/2020 | 13:50", 1602744600}, /* 2020-10-15T06:50:00Z */
    {"Ngày đăng 15/10/2020", 1602694800}, /* 2020-10-14T17:00:00Z */
    {"Đăng ngày: 20/01/2020 - 8:28:04 AM",
     1579483684}, /* 2020-01-20T01:28:04Z */
    {"Đăng ngày: 20/01/2020 - 8:28:04 AM | Lượt xem: 1231",
     1579483684}, /* 2020-01-20T01:28:04Z */
    {"Thứ Bảy, ngày 29 tháng 2 năm 2020 - 8:28:19 PM",
     1582982899}, /* 2020-02-29T13:28:19Z */
    {"ngày 15 tháng 10 năm 2020", 1602694800}, /* 2020-10-14T17:00:00Z */
    {"Ngày 01 tháng 02 năm 2023", 1675184400}, /* 2023-01-31T17:00:00Z */
    {"15 tháng 10 năm 2020 lúc 09:00", 1602727200}, /* 2020-10-15T02:00:00Z */
    {"15-10-2020", 1602694800}, /* 2020-10-14T17:00:00Z */
    {"15.10.2020", 1602694800}, /* 2020-10-14T17:00:00Z */
    {"10:22 15/09/2022", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"18:20 ngày 03/10/2026", 1791026400}, /* 2026-10-03T11:20:00Z */
    {"Thứ 5, 28/05/2026 17:00:00 GMT+7",
     1779962400}, /* 2026-05-28T10:00:00Z */
    {"thứ tư, 26/11/2025", 1764090000}, /* 2025-11-25T17:00:00Z */
    {"09/12/2022", 1670518800}, /* 2022-12-08T17:00:00Z */
    {"Thứ Hai, 19/01/2026", 1768755600}, /* 2026-01-18T17:00:00Z */
    {"Thứ ba, 20/01/2026", 1768842000}, /* 2026-01-19T17:00:00Z */
    {"Thứ Sáu, 23/01/2026", 1769101200}, /* 2026-01-22T17:00:00Z */
    {"Thứ bẩy, 24/01/2026", 1769187600}, /* 2026-01-23T17:00:00Z */
    {"Chủ nhật, 25/01/2026", 1769274000}, /* 2026-01-24T17:00:00Z */
    {"CHỦ NHẬT, 25/01/2026", 1769274000}, /* 2026-01-24T17:00:00Z */
    {"THỨ NĂM, 15/09/2022", 1663174800}, /* 2022-09-14T17:00:00Z */
    {"Thứ 7 - 17/09/2022 08:00", 1663376400}, /* 2022-09-17T01:00:00Z */
    {"T5, 15/09/2022", 1663174800}, /* 2022-09-14T17:00:00Z */
    {"CN 18/09/2022", 1663434000}, /* 2022-09-17T17:00:00Z */
    {"Cập nhật: 15/09/2022 10:22", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"15/09/2022 lúc 10:22", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"15/09/2022, 10:22:33", 1663212153}, /* 2022-09-15T03:22:33Z */
    {"15/09/2022 10h22", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"15/9/2022 9:05", 1663207500}, /* 2022-09-15T02:05:00Z */
    {"Thứ năm, 15/09/2022 10:22 (GMT+7)",
     1663212120}, /* 2022-09-15T03:22:00Z */
    {"15/09/2022 08:05 CH", 1663247100}, /* 2022-09-15T13:05:00Z */
    {"15/09/2022 08:05 SA", 1663203900}, /* 2022-09-15T01:05:00Z */
    {"20/01/2020 - 12:30 AM", 1579455000}, /* 2020-01-19T17:30:00Z */
    {"2022/09/15 10:22", 1663212120}, /* 2022-09-15T03:22:00Z */
    {"29/02/2000", 951757200}, /* 2000-02-28T17:00:00Z */
};

/* NBSP, U+202F, tabs and newlines count as one space. */
static const struct ok_case ok_space[] = {
    {"\n\t Fri,\xc2\xa0" "09 Oct\xe2\x80\xaf 2026  04:00:00\t+0700 \r\n",
     1791493200}, /* 2026-10-08T21:00:00Z */
    {"Thứ\xc2\xa0năm,\xc2\xa0\xc2\xa0" "15/09/2022\xe2\x80\xaf" "10:22",
     1663212120}, /* 2022-09-15T03:22:00Z */
};

/* Texts that are not dates in a supported form, or name impossible ones. */
static const char *const bad[] = {
    /* nothing, or no date */
    "", " ", "\xc2\xa0 \t", "abc", "Thứ năm", "10:22", "+0700", "2022",
    "1/2/3",
    /* relative forms are resolved by the scraper against the fetch time */
    "15 giờ trước", "hôm qua",
    /* impossible calendar dates */
    "31/02/2020", "29/02/2021", "29/02/2100", "31/04/2020", "32/01/2020",
    "0/01/2020", "15/00/2020", "15/13/2020", "2022-13-01", "2022-02-30",
    "2022-00", "Fri, 31 Feb 2020 10:00:00 +0700", "Sat, 00 Oct 2026",
    /* impossible times */
    "15/09/2022 25:00", "15/09/2022 24:00", "15/09/2022 10:60",
    "Fri, 09 Oct 2026 24:00:00 +0700", "Fri, 09 Oct 2026 10:60:00 +0700",
    "Fri, 09 Oct 2026 10:00:61 +0700", "2022-09-15T10:22:99Z",
    "15/10/2020 | 25:00",
    /* AM/PM on a 24-hour reading, and a US month that is not one */
    "10/2/2026 13:25:00 PM", "10/2/2026 0:25:00 AM", "13/2/2026 9:25:00 AM",
    "20/01/2020 8:28:04 AM",
    /* years: 2-digit d/m/yy, outside 1970..2100 */
    "09/12/22", "01/01/1969", "01/01/2101", "Thu, 01 Jan 50 00:00:00 +0000",
    "1969-12-31T23:59:59Z",
    /* malformed: trailing words, bad zones, unclosed comment, no year */
    "Fri, 09 Oct 2026 04:00:00 +0700 trailing",
    "Fri, 09 Oct 2026 04:00:00 +2500", "Fri, 09 Oct 2026 04:00:00 +07:75",
    "Fri, 09 Oct 2026 04:00:00 XYZ", "Fri, 09 Oct 2026 04:00:00 +0700 (GMT+7",
    "Fri, 09 Octo 2026 04:00:00 +0700", "Fri, 09 Oct 2026 04:00:00 +0700 | x",
    "2022-09-15T10:22:00+07:00x", "2022-09-15T", "2022-09-15T10",
    "2022-09-15T10:22:00.Z", "15/09", "15/09 10:22", "15/09/2022 |",
    "15/09-2022", "15/09/2022 | Lượt xem: 1231", "Thứ 25/09/2022",
    "Thứ tám, 15/09/2022", "15 tháng 10", "ngày 15 tháng 10 năm 20",
    "10:22 hôm qua", "15/09/2022 10:22 abc",
};

static void check_ok(const struct ok_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t t = -1;
        int r = date_parse(c[i].in, strlen(c[i].in), &t);

        if (r != 0 || t != c[i].want)
            print_message("date_parse(\"%s\") = %d, %lld; want 0, %lld\n",
                          c[i].in, r, (long long)t, (long long)c[i].want);
        assert_int_equal(r, 0);
        assert_int_equal(t, c[i].want);
    }
}

#define CHECK_OK(table) check_ok(table, sizeof table / sizeof table[0])

static void test_rfc822(void **state)
{
    (void)state;
    CHECK_OK(ok_rfc822);
}

static void test_rfc3339(void **state)
{
    (void)state;
    CHECK_OK(ok_rfc3339);
}

static void test_us_ampm(void **state)
{
    (void)state;
    CHECK_OK(ok_us);
}

static void test_vietnamese(void **state)
{
    (void)state;
    CHECK_OK(ok_vn);
}

static void test_whitespace(void **state)
{
    (void)state;
    CHECK_OK(ok_space);
}

/* Refusals leave *out alone: a caller that forgets the return code keeps
 * its own "unknown" marker instead of a half-made time. */
static void test_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 12345;
        int r = date_parse(bad[i], strlen(bad[i]), &t);

        if (r != -1 || t != 12345)
            print_message("date_parse(\"%s\") = %d, %lld; want -1\n", bad[i],
                          r, (long long)t);
        assert_int_equal(r, -1);
        assert_int_equal(t, 12345);
    }
}

/* The text is n bytes, not a C string: bytes past n are never read, and a
 * NUL inside the n bytes is not a date. */
static void test_length_bounds(void **state)
{
    static const char s[] = "15/09/2022 10:22 garbage";
    static const char tail[] = "15/09/2022 10:22:3";
    static const char nul[] = "15/09/2022\0 10:22";
    char *heap, *big;
    int64_t t = 0;
    (void)state;

    assert_int_equal(date_parse(s, 16, &t), 0);
    assert_int_equal(t, 1663212120); /* 2022-09-15T03:22:00Z */
    assert_int_equal(date_parse(s, 10, &t), 0);
    assert_int_equal(t, 1663174800); /* 2022-09-14T17:00:00Z */
    assert_int_equal(date_parse(s, 15, &t), -1); /* "15/09/2022 10:2" */
    assert_int_equal(date_parse(tail, sizeof tail - 1, &t), -1);
    assert_int_equal(date_parse(nul, sizeof nul - 1, &t), -1);
    assert_int_equal(date_parse(s, 0, &t), -1);
    assert_int_equal(date_parse(NULL, 5, &t), -1);
    assert_int_equal(date_parse(s, 16, NULL), -1);

    /* An exact-size heap copy: ASan catches any read past the end. */
    heap = malloc(10);
    assert_non_null(heap);
    memcpy(heap, "15.10.2020", 10);
    assert_int_equal(date_parse(heap, 10, &t), 0);
    assert_int_equal(t, 1602694800); /* 2020-10-14T17:00:00Z */
    /* A multibyte character cut by n is copied as is and fails cleanly. */
    memcpy(heap, "Th\xe1\xbb\xa9 n\xc4\x83m ", 10);
    assert_int_equal(date_parse(heap, 3, &t), -1);
    free(heap);

    /* Long text is refused without being guessed at, whitespace or not. */
    big = malloc(100000);
    assert_non_null(big);
    memset(big, ' ', 100000);
    memcpy(big + 50000, "15/10/2020", 10);
    assert_int_equal(date_parse(big, 100000, &t), 0);
    assert_int_equal(t, 1602694800); /* 2020-10-14T17:00:00Z */
    memset(big, 'x', 100000);
    assert_int_equal(date_parse(big, 100000, &t), -1);
    free(big);
}

/* Every Vietnamese weekday name, in lower, title and upper case, before the
 * same date: the weekday is not checked against the date (sites get it
 * wrong), so each gives 15/09/2022 10:22 +07:00. */
static void test_weekday_names(void **state)
{
    static const char *const names[] = {
        "thứ hai", "Thứ Ba", "THỨ TƯ", "thứ năm", "Thứ Sáu", "THỨ BẢY",
        "thứ bẩy", "Chủ Nhật", "chủ nhật", "Thứ 2", "thứ 3", "Thứ 4", "Thứ 6",
        "Thứ 7", "T2", "t3", "T4", "T6", "T7", "CN", "Mon", "Thursday"};
    char buf[64];
    int64_t t;
    (void)state;

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k = strlen(names[i]);

        memcpy(buf, names[i], k);
        memcpy(buf + k, ", 15/09/2022 10:22", 19);
        t = 0;
        if (date_parse(buf, strlen(buf), &t) != 0 || t != 1663212120)
            print_message("weekday form \"%s\" failed\n", buf);
        assert_int_equal(date_parse(buf, strlen(buf), &t), 0);
        assert_int_equal(t, 1663212120); /* 2022-09-15T03:22:00Z */
    }
}

/* Every month name and abbreviation gives its month: the 1st at 00:00 UTC. */
static void test_month_names(void **state)
{
    static const char *const full[] = {
        "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"};
    /* 2026-01-01 .. 2026-12-01 00:00:00 UTC */
    static const int64_t want[] = {
        1767225600, 1769904000, 1772323200, 1775001600, 1777593600,
        1780272000, 1782864000, 1785542400, 1788220800, 1790812800,
        1793491200, 1796083200};
    char buf[64];
    int64_t t;
    (void)state;

    for (int i = 0; i < 12; i++) {
        for (int abbr = 0; abbr < 2; abbr++) {
            size_t k = abbr ? 3 : strlen(full[i]);

            memcpy(buf, "1 ", 2);
            memcpy(buf + 2, full[i], k);
            memcpy(buf + 2 + k, " 2026 00:00:00 GMT", 19);
            t = 0;
            assert_int_equal(date_parse(buf, strlen(buf), &t), 0);
            assert_int_equal(t, want[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc822),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_us_ampm),
        cmocka_unit_test(test_vietnamese),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_length_bounds),
        cmocka_unit_test(test_weekday_names),
        cmocka_unit_test(test_month_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
