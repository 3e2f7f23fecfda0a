/* test_feed.c - unit tests of parse/charset.c and parse/feed.c on documents
 * built in memory: encoding choice, byte repair, and the parser's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse/charset.h"
#include "parse/feed.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/util.h"

static struct charset_result decode(const char *s, size_t n, const char *http,
                                    int html, char *err)
{
    struct charset_result r;
    assert_int_equal(charset_to_utf8(s, n, http, html, &r, err, 128), 0);
    assert_non_null(r.data);
    assert_int_equal(strlen(r.data), r.len);
    return r;
}

#define DECODE(lit, http, html, err) decode(lit, sizeof lit - 1, http, html, err)

static void test_bom_and_declarations(void **state)
{
    (void)state;
    char err[128];
    /* UTF-8 BOM: dropped, wins over the HTTP charset */
    struct charset_result r = DECODE("\xEF\xBB\xBF<a>\xC3\xA9</a>",
                                     "windows-1252", 0, err);
    assert_string_equal(r.data, "<a>\xC3\xA9</a>");
    assert_string_equal(r.encoding, "UTF-8");
    free(r.data);
    /* UTF-16LE BOM */
    r = DECODE("\xFF\xFE<\0a\0>\0\xE9\0", NULL, 0, err);
    assert_string_equal(r.data, "<a>\xC3\xA9");
    assert_string_equal(r.encoding, "UTF-16LE");
    free(r.data);
    /* UTF-32BE BOM */
    r = DECODE("\0\0\xFE\xFF\0\0\0<\0\0\x1E\xC7", NULL, 0, err);
    assert_string_equal(r.data, "<\xE1\xBB\x87");
    free(r.data);
    /* the declaration beats the HTTP charset */
    r = DECODE("<?xml version='1.0' encoding='windows-1252'?><a>\x93</a>",
               "VISCII", 0, err);
    assert_string_equal(r.encoding, "windows-1252");
    assert_non_null(strstr(r.data, "<a>\xE2\x80\x9C</a>"));
    free(r.data);
    /* no declaration: the HTTP charset */
    r = DECODE("<a>\xE9</a>", "ISO-8859-1", 0, err);
    assert_string_equal(r.data, "<a>\xC3\xA9</a>");
    assert_string_equal(err, "");
    free(r.data);
    /* "utf-16" declared on NUL-free bytes: UTF-8 (vietnambiz) */
    r = DECODE("<?xml version=\"1.0\" encoding=\"utf-16\"?><a>\xC3\xB2</a>",
               NULL, 0, err);
    assert_string_equal(r.encoding, "UTF-8");
    assert_non_null(strstr(r.data, "<a>\xC3\xB2</a>"));
    free(r.data);
    /* UTF-16BE without a BOM, from the NULs */
    r = DECODE("\0<\0a\0>", NULL, 0, err);
    assert_string_equal(r.data, "<a>");
    free(r.data);
}

static void test_html_meta(void **state)
{
    (void)state;
    char err[128];
    struct charset_result r = DECODE(
        "<html><head><meta charset=\"windows-1258\"></head>D\xE2n</html>",
        "UTF-8", 1, err);
    assert_string_equal(r.encoding, "windows-1258");
    assert_non_null(strstr(r.data, "D\xC3\xA2n"));
    free(r.data);
    r = DECODE("<html><head><META HTTP-EQUIV=\"Content-Type\" "
               "CONTENT=\"text/html; charset=VISCII\"></head></html>",
               NULL, 1, err);
    assert_string_equal(r.encoding, "VISCII");
    free(r.data);
    /* a <meta> past the first 1024 bytes does not count */
    char doc[1200];
    memset(doc, ' ', sizeof doc);
    memcpy(doc + 1100, "<meta charset=VISCII>", 21);
    r = decode(doc, sizeof doc, NULL, 1, err);
    assert_string_equal(r.encoding, "UTF-8");
    free(r.data);
}

/* glibc's CP1258 holds a letter back until it knows no tone mark follows:
 * the end of the input must flush it, and a mark must combine (NFC). */
static void test_cp1258_flush_and_compose(void **state)
{
    (void)state;
    char err[128];
    struct charset_result r = DECODE("\xEA", "windows-1258", 0, err);
    assert_string_equal(r.data, "\xC3\xAA");                /* ê */
    free(r.data);
    r = DECODE("Vi\xEA\xF2t", "cp1258", 0, err);
    assert_string_equal(r.data, "Vi\xE1\xBB\x87t");          /* Việt */
    free(r.data);
    r = DECODE("D\xA9n v\xCBn", "TCVN3", 0, err);               /* VIETNAMESE 1.3 */
    assert_string_equal(r.data, "D\xC3\xA2n v\xE1\xBA\xADn");  /* Dân vận */
    free(r.data);
}

static void test_repair(void **state)
{
    (void)state;
    char err[128];
    /* controls XML forbids and U+FFFE/U+FFFF are dropped; TAB LF CR kept */
    struct charset_result r = DECODE("a\x01\tb\x0B\nc\x1F\rd\xEF\xBF\xBE"
                                     "e\xEF\xBF\xBF" "f\xEF\xBB\xBF", NULL, 0,
                                     err);
    assert_string_equal(r.data, "a\tb\nc\rdef\xEF\xBB\xBF");
    assert_int_equal(r.replaced, 0);
    assert_string_equal(err, "");
    free(r.data);
    /* maximal subparts: each becomes one U+FFFD; replaced counts bytes */
    r = DECODE("x\xE1\xBBy\xF0\x9F\x98z\xED\xA0\x80w\xFF", NULL, 0, err);
    assert_string_equal(r.data, "x\xEF\xBF\xBDy\xEF\xBF\xBDz\xEF\xBF\xBD"
                                "\xEF\xBF\xBD\xEF\xBF\xBDw\xEF\xBF\xBD");
    assert_int_equal(r.replaced, 2 + 3 + 3 + 1);
    assert_string_equal(err, "9 byte(s) not valid UTF-8, replaced by U+FFFD");
    free(r.data);
    /* a bad byte in UTF-16 skips one unit, so the rest stays aligned */
    r = DECODE("\xFF\xFE" "a\0\x00\xDC" "b\0", NULL, 0, err);   /* lone low surrogate */
    assert_string_equal(r.data, "a\xEF\xBF\xBD" "b");
    free(r.data);
    /* unknown encoding: read as UTF-8, said so */
    r = DECODE("<?xml version='1.0' encoding='klingon-8'?><a/>", NULL, 0, err);
    assert_string_equal(err, "unknown encoding 'klingon-8', read as UTF-8");
    assert_string_equal(r.encoding, "UTF-8");
    free(r.data);
}

/* A reference decoder, written apart from charset.c: 1 if s[0..n) is
 * valid UTF-8 holding no character XML forbids. */
static int xml_utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t c = s[i], cp;
        size_t k;
        if (c < 0x80) {
            cp = c;
            k = 1;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            k = 2;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            k = 3;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07;
            k = 4;
        } else {
            return 0;
        }
        if (i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        if ((cp < 0x20 && cp != 9 && cp != 10 && cp != 13) || cp == 0xFFFE ||
            cp == 0xFFFF)
            return 0;
        i += k;
    }
    return 1;
}

/* Random bytes, biased towards UTF-8 lead and continuation bytes: the
 * output is always clean, and clean input comes back unchanged. */
static void test_random_bytes(void **state)
{
    (void)state;
    static const unsigned char pool[] = {
        'a', ' ', '<', '\n', 0x01, 0x0B, 0x80, 0x9F, 0xA0, 0xBF, 0xBE, 0xC0,
        0xC2, 0xC3, 0xDF, 0xE0, 0xE1, 0xBB, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
    };
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    char err[128];
    unsigned clean_inputs = 0;
    for (int round = 0; round < 20000; round++) {
        unsigned char in[24];
        size_t n = (size_t)(round % 24);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            in[i] = pool[(seed >> 33) % sizeof pool];
        }
        struct charset_result r = decode((const char *)in, n, NULL, 0, err);
        assert_true(xml_utf8_ok((const unsigned char *)r.data, r.len));
        if (xml_utf8_ok(in, n)) {
            clean_inputs++;
            assert_int_equal(r.len, n);
            assert_memory_equal(r.data, in, n);
            assert_int_equal(r.replaced, 0);
        } else {
            assert_true(r.len != n || memcmp(r.data, in, n) != 0);
        }
        free(r.data);
    }
    assert_true(clean_inputs > 100);   /* both branches were exercised */
}

static enum feed_error parse_str(const char *doc, struct feed *f, char *err)
{
    return feed_parse(doc, strlen(doc), NULL, f, err, 256);
}

static void test_refusals(void **state)
{
    (void)state;
    struct feed f;
    char err[256];
    assert_int_equal(parse_str("<!DOCTYPE rss [<!ENTITY % p 'x'>]><rss/>",
                               &f, err), FEED_ERR_HOSTILE);
    assert_string_equal(err, "document declares entities (refused)");
    assert_int_equal(f.nitems, 0);
    assert_null(f.items);
    assert_int_equal(parse_str("<!DOCTYPE rss [<!ENTITY n SYSTEM 'x' NDATA g>]>"
                               "<rss/>", &f, err), FEED_ERR_HOSTILE);
    assert_int_equal(parse_str("<svg xmlns='http://www.w3.org/2000/svg'/>",
                               &f, err), FEED_ERR_NOT_FEED);
    assert_string_equal(err, "not a feed (root element <svg>)");
    /* the Atom root must be in the Atom namespace (or none) */
    assert_int_equal(parse_str("<x:feed xmlns:x='urn:other'/>", &f, err),
                     FEED_ERR_NOT_FEED);
    assert_string_equal(err, "not a feed (root element <x:feed>)");
    assert_int_equal(parse_str("[1, 2]", &f, err), FEED_ERR_MALFORMED);
    assert_string_equal(err, "not a feed (not XML)");
    assert_int_equal(feed_parse("", 0, NULL, &f, err, 256), FEED_ERR_MALFORMED);
    assert_string_equal(err, "not a feed (empty document)");
    char *big = xcalloc(1, LIMIT_BODY_BYTES + 2);
    memset(big, ' ', LIMIT_BODY_BYTES + 1);
    assert_int_equal(feed_parse(big, LIMIT_BODY_BYTES + 1, NULL, &f, err, 256),
                     FEED_ERR_TOO_BIG);
    free(big);
}

static void test_ok_and_degraded(void **state)
{
    (void)state;
    struct feed f;
    char err[256];
    assert_int_equal(parse_str("<rss><channel><title>T</title><item><title>A"
                               "</title></item><item><title>B</title></item>"
                               "</channel></rss>", &f, err), FEED_OK);
    assert_string_equal(err, "");
    assert_int_equal(f.degraded, 0);
    assert_int_equal(f.nitems, 2);
    assert_string_equal(f.items[1].title, "B");
    assert_string_equal(f.encoding, "UTF-8");
    feed_free(&f);
    assert_int_equal(f.nitems, 0);
    feed_free(&f);      /* twice is harmless */

    /* truncated inside the second item: one item, degraded, first error */
    assert_int_equal(parse_str("<rss><channel><item><title>A</title></item>\n"
                               "<item><title>B</title><link>http://x/",
                               &f, err), FEED_OK);
    assert_int_equal(f.degraded, 1);
    assert_int_equal(f.nitems, 1);
    assert_string_equal(f.items[0].title, "A");
    assert_true(strncmp(err, "line 2: ", 8) == 0);
    assert_null(strchr(err, '\n'));
    feed_free(&f);

    /* bare & mid-document: all three items, and the & itself */
    assert_int_equal(parse_str("<rss><channel><item><title>1</title></item>"
                               "<item><title>Tom & Jerry</title></item>"
                               "<item><title>3</title></item></channel></rss>",
                               &f, err), FEED_OK);
    assert_int_equal(f.degraded, 1);
    assert_int_equal(f.nitems, 3);
    assert_string_equal(f.items[1].title, "Tom & Jerry");   /* repaired */
    feed_free(&f);

    /* an unescaped '<' in a title: the items after it are still read
     * (libxml2's push parser alone would drop the rest of the document) */
    assert_int_equal(parse_str("<rss><channel><item><title>1</title></item>"
                               "<item><title>a < b</title></item>"
                               "<item><title>3</title></item>"
                               "<item><title>4</title></item></channel></rss>",
                               &f, err), FEED_OK);
    assert_int_equal(f.degraded, 1);
    assert_true(f.nitems >= 3);
    assert_string_equal(f.items[f.nitems - 1].title, "4");
    feed_free(&f);
}

/* A field past its limit is cut once, and what follows is ignored however
 * the parser splits the text: here a character reference arrives as its
 * own piece, too long for the room left, and the "a" after it would fit. */
static void test_cut_is_final(void **state)
{
    (void)state;
    struct feed f;
    char err[256];
    struct buf b;
    buf_init(&b, (size_t)-1 / 2);
    buf_addstr(&b, "<rss xmlns:content='http://purl.org/rss/1.0/modules/"
                   "content/'><channel><item><title>T</title>"
                   "<content:encoded>");
    for (size_t i = 0; i + 1 < LIMIT_CONTENT_BYTES; i++)
        buf_addc(&b, 'x');
    buf_addstr(&b, "&#233;a</content:encoded></item></channel></rss>");
    assert_int_equal(feed_parse(b.data, b.len, NULL, &f, err, 256), FEED_OK);
    assert_int_equal(f.nitems, 1);
    assert_non_null(f.items[0].content);
    assert_int_equal(strlen(f.items[0].content), LIMIT_CONTENT_BYTES - 1);
    assert_int_equal(f.items[0].content[LIMIT_CONTENT_BYTES - 2], 'x');
    feed_free(&f);
    buf_release(&b);
}

int main(void)
{
    feed_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bom_and_declarations),
        cmocka_unit_test(test_html_meta),
        cmocka_unit_test(test_cp1258_flush_and_compose),
        cmocka_unit_test(test_repair),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_ok_and_degraded),
        cmocka_unit_test(test_cut_is_final),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
