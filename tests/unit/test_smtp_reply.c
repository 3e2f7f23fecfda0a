/* test_smtp_reply.c - unit tests of digest/smtp.c's reply handling: which
 * reply codes refuse a delivery for good, and how a server's reply (network
 * text) is made one bounded printable line before it is stored or printed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "digest/smtp.h"

static void test_reply_class(void **state)
{
    (void)state;
    assert_int_equal(smtp_reply_class(250), SMTP_REPLY_POSITIVE);
    assert_int_equal(smtp_reply_class(251), SMTP_REPLY_POSITIVE);
    assert_int_equal(smtp_reply_class(354), SMTP_REPLY_POSITIVE);
    /* 4xx: try again later */
    assert_int_equal(smtp_reply_class(421), SMTP_REPLY_TEMPORARY);
    assert_int_equal(smtp_reply_class(450), SMTP_REPLY_TEMPORARY);
    assert_int_equal(smtp_reply_class(452), SMTP_REPLY_TEMPORARY);
    assert_int_equal(smtp_reply_class(499), SMTP_REPLY_TEMPORARY);
    /* 5xx: for good */
    assert_int_equal(smtp_reply_class(500), SMTP_REPLY_PERMANENT);
    assert_int_equal(smtp_reply_class(550), SMTP_REPLY_PERMANENT);
    assert_int_equal(smtp_reply_class(552), SMTP_REPLY_PERMANENT);
    assert_int_equal(smtp_reply_class(553), SMTP_REPLY_PERMANENT);
    assert_int_equal(smtp_reply_class(554), SMTP_REPLY_PERMANENT);
    assert_int_equal(smtp_reply_class(599), SMTP_REPLY_PERMANENT);
    /* authentication required: the config, not the recipient */
    assert_int_equal(smtp_reply_class(530), SMTP_REPLY_TEMPORARY);
    /* no reply (dropped, timed out) and codes that are not replies */
    assert_int_equal(smtp_reply_class(0), SMTP_REPLY_TEMPORARY);
    assert_int_equal(smtp_reply_class(-550), SMTP_REPLY_TEMPORARY);
    assert_int_equal(smtp_reply_class(55), SMTP_REPLY_TEMPORARY);
    assert_int_equal(smtp_reply_class(600), SMTP_REPLY_TEMPORARY);
    assert_int_equal(smtp_reply_class(5500), SMTP_REPLY_TEMPORARY);
    assert_int_equal(smtp_reply_class(199), SMTP_REPLY_TEMPORARY);
}

static void test_reply_is_policy(void **state)
{
    (void)state;
    assert_true(smtp_reply_is_policy("550 5.7.1 Relaying denied"));
    assert_true(smtp_reply_is_policy("554 5.7.0 Authentication required"));
    assert_true(smtp_reply_is_policy("450 4.7.1 Try later"));
    assert_false(smtp_reply_is_policy("550 5.1.1 no such user"));
    assert_false(smtp_reply_is_policy("552 5.2.2 mailbox full"));
    assert_false(smtp_reply_is_policy("550 no enhanced code, 5.7.1 later"));
    assert_false(smtp_reply_is_policy("550 5.71 not a code"));
    assert_false(smtp_reply_is_policy("5500 5.7.1 not a reply code"));
    assert_false(smtp_reply_is_policy("550"));
    assert_false(smtp_reply_is_policy(""));
    assert_false(smtp_reply_is_policy(NULL));
}

static void clean_is(const char *in, const char *want)
{
    char out[SMTP_REPLY_MAX + 1];
    smtp_reply_clean(in, out, sizeof out);
    assert_string_equal(out, want);
}

static void test_clean_one_line(void **state)
{
    (void)state;
    /* libetpan keeps the text after the code, a '\n' after each line */
    clean_is("5.1.1 <a@b.vn>: no such user\n", "5.1.1 <a@b.vn>: no such user");
    clean_is("5.1.1 first\n5.1.1 second\n", "5.1.1 first 5.1.1 second");
    clean_is("  a\t\tb \r\n c  ", "a b c");
    clean_is("", "");
    clean_is("\n\n", "");
    /* Vietnamese text stays, in NFC */
    clean_is("Hộp thư đầy\n", "Hộp thư đầy");
    clean_is("Ho\xcc\xa3\xcc\x82p", "Hộp");
}

static void test_clean_removes_controls(void **state)
{
    (void)state;
    /* a terminal escape, a bell, DEL, a C1 CSI (U+009B) */
    clean_is("\x1b[2J\x1b[31mred\x07 bell\x7f!", "[2J[31mred bell!");
    clean_is("a\xc2\x9b" "31mb", "a31mb");
    clean_is("a\x01\x02\x03z", "az");
    /* U+2028 / U+2029 end lines as well */
    clean_is("one\xe2\x80\xa8two\xe2\x80\xa9three", "one two three");
    /* invalid UTF-8 becomes U+FFFD */
    clean_is("a\xff" "b", "a\xef\xbf\xbd" "b");
}

/* Valid UTF-8 from start to end (no cut character). */
static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
        if (*p >= 0x80 && *p < 0xc2)
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

static void test_clean_is_bounded(void **state)
{
    (void)state;
    static const char mark[] = "…";
    char out[SMTP_REPLY_MAX + 1];
    /* 10 KB of ASCII */
    size_t big = 10 * 1024;
    char *in = malloc(big + 1);
    memset(in, 'x', big);
    in[big] = '\0';
    smtp_reply_clean(in, out, sizeof out);
    size_t n = strlen(out);
    assert_true(n <= SMTP_REPLY_MAX);
    assert_true(n > SMTP_REPLY_MAX - 8);
    assert_string_equal(out + n - strlen(mark), mark);
    /* 10 KB of two-byte letters: cut on a character boundary */
    for (size_t i = 0; i + 1 < big; i += 2)
        memcpy(in + i, "\xc4\x91", 2);          /* đ */
    smtp_reply_clean(in, out, sizeof out);
    assert_true(strlen(out) <= SMTP_REPLY_MAX);
    assert_true(utf8_valid(out));
    assert_string_equal(out + strlen(out) - strlen(mark), mark);
    /* only the start is read: 10 KB of controls before the text */
    for (size_t i = 0; i < big; i++)
        in[i] = i < big - 3 ? '\x1b' : 'o';
    smtp_reply_clean(in, out, sizeof out);
    assert_string_equal(out, mark);
    free(in);
    clean_is("short", "short");
    /* tiny buffers */
    char tiny[4];
    smtp_reply_clean("abcdef", tiny, sizeof tiny);
    assert_string_equal(tiny, "abc");
    smtp_reply_clean("abcdef", tiny, 1);
    assert_string_equal(tiny, "");
    char five[5];
    smtp_reply_clean("abcdef", five, sizeof five);
    assert_string_equal(five, "a…");
    char seven[7];
    smtp_reply_clean("ab cdefgh", seven, sizeof seven);
    assert_string_equal(seven, "ab…");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_class),
        cmocka_unit_test(test_reply_is_policy),
        cmocka_unit_test(test_clean_one_line),
        cmocka_unit_test(test_clean_removes_controls),
        cmocka_unit_test(test_clean_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
