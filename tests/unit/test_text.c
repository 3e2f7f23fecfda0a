/* test_text.c - unit tests of parse/text.c: plain text, entities, NFC, keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/HTMLparser.h>
#include <utf8proc.h>

#include "parse/text.h"

/* C hex escapes are greedy ("\x80a" is one escape), so NFD literals below
 * split the string after each escaped mark. */
#define GRAVE   "\xcc\x80"      /* U+0300 huyền */
#define ACUTE   "\xcc\x81"      /* U+0301 sắc */
#define CIRC    "\xcc\x82"      /* U+0302 circumflex (a shape mark) */
#define TILDE   "\xcc\x83"      /* U+0303 ngã */
#define HOOK    "\xcc\x89"      /* U+0309 hỏi */
#define HORN    "\xcc\x9b"      /* U+031B horn (a shape mark) */
#define DOTB    "\xcc\xa3"      /* U+0323 nặng */
#define FFFD    "\xef\xbf\xbd"

static void check_key(const char *in, const char *want)
{
    char *k = text_match_key(in, strlen(in));
    assert_non_null(k);
    assert_string_equal(k, want);
    free(k);
}

static void check_clean(const char *in, size_t max, const char *want)
{
    char *s = text_clean(in, strlen(in), max);
    assert_non_null(s);
    assert_string_equal(s, want);
    assert_true(strlen(s) <= max);
    free(s);
}

static void check_entities(const char *in, const char *want)
{
    char *s = text_decode_entities(in, strlen(in));
    assert_string_equal(s, want);
    free(s);
}

/* Every output of this module must be valid UTF-8: utf8proc rejects
 * anything else. */
static void assert_valid_utf8(const char *s, size_t n)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t k;

    while (n > 0) {
        k = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
                             &cp);
        assert_true(k > 0);
        s += k;
        n -= (size_t)k;
    }
}

/* ---- match keys ---- */

/* Spellings that must share one key: old vs new tone placement, NFC vs
 * NFD (both mark orders), upper vs lower case. */
static const struct {
    const char *a, *b, *key;
} same[] = {
    { "hòa", "hoà", "hoa2" },
    { "Hòa", "HOÀ", "hoa2" },
    { "hoà", "hoa" GRAVE, "hoa2" },
    { "hòa", "ho" GRAVE "a", "hoa2" },
    { "HOÀ", "HOA" GRAVE, "hoa2" },
    { "ủy", "uỷ", "uy3" },
    { "Ủy", "UỶ", "uy3" },
    { "thủy", "thuỷ", "thuy3" },
    { "khỏe", "khoẻ", "khoe3" },
    { "Hóa", "hoá", "hoa1" },
    { "tòa", "toà", "toa2" },
    { "hõa", "hoã", "hoa4" },
    { "họa", "hoạ", "hoa5" },
    { "xòe", "xoè", "xoe2" },
    { "thúy", "thuý", "thuy1" },
    { "lụy", "luỵ", "luy5" },
    { "qúa", "quá", "qua1" },
    { "Việt", "Vie" DOTB CIRC "t", "viêt5" },
    { "Việt", "Vie" CIRC DOTB "t", "viêt5" },
    { "Huế", "Hu\xc3\xaa" ACUTE, "huê1" },     /* ê precomposed + acute */
    { "người", "ngu" HORN "o" HORN GRAVE "i", "ngươi2" },
    { "giữa", "giu" HORN TILDE "a", "giưa4" },
    { "ĐẢNG", "đảng", "đang3" },
    { "NGUYỄN", "Nguyễn", "nguyên4" },
    { "Đà Nẵng", "đà nẵng", "đa2 năng4" },
    { "HOÀN", "hoàn", "hoan2" },
    { "Quý", "QUÝ", "quy1" },
    { "Tỉnh ủy", "Tỉnh uỷ", "tinh3 uy3" },
    { "Ủy ban", "Uỷ ban", "uy3 ban" },
    { "thủy điện", "thuỷ điện", "thuy3 điên5" },
    { "sức khỏe", "sức khoẻ", "sưc1 khoe3" },
    { "HÒA BÌNH", "hòa bình", "hoa2 binh2" },
    { "Văn hóa - Văn nghệ", "văn hoá – văn nghệ", "văn hoa1 văn nghê5" },
    { "  Dân   vận,khéo ", "dân vận khéo", "dân vân5 kheo1" },
    { "Thuở", "thuo" HORN HOOK, "thuơ3" },
};

static void test_key_same(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof same / sizeof same[0]; i++) {
        assert_string_not_equal(same[i].a, same[i].b);
        check_key(same[i].a, same[i].key);
        check_key(same[i].b, same[i].key);
    }
}

/* Words a key must keep apart: tone, vowel shape, đ. */
static const struct {
    const char *a, *b;
} differ[] = {
    { "hoà", "hoa" }, { "hòa", "hóa" }, { "quý", "quy" }, { "quý", "quỳ" },
    { "dân", "dẫn" }, { "dẫn", "dần" }, { "dân", "dần" }, { "tộc", "tốc" },
    { "hoàn", "hoan" }, { "thủy", "thùy" }, { "đang", "dang" },
    { "mặt", "mắt" }, { "ăn", "ân" }, { "ân", "an" }, { "cơ", "cô" },
    { "cô", "co" }, { "tư", "tu" }, { "hoà bình", "hoà binh" },
    { "khỏe", "khoe" }, { "Việt", "viết" }, { "ủy ban", "ủy bàn" },
};

static void test_key_differ(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof differ / sizeof differ[0]; i++) {
        char *a = text_match_key(differ[i].a, strlen(differ[i].a));
        char *b = text_match_key(differ[i].b, strlen(differ[i].b));
        assert_string_not_equal(a, b);
        free(a);
        free(b);
    }
}

static void test_key_exact(void **state)
{
    (void)state;
    check_key("Dân vận: khéo!", "dân vân5 kheo1");
    check_key("Ban Dân vận Tỉnh ủy Quảng Ninh",
              "ban dân vân5 tinh3 uy3 quang3 ninh");
    check_key("Mặt trận Tổ quốc", "măt5 trân5 tô3 quôc1");
    check_key("Đoàn Thanh niên", "đoan2 thanh niên");
    check_key("huỳnh tuyết khuỷu xoài", "huynh2 tuyêt1 khuyu3 xoai2");
    check_key("COVID-19", "covid 19");
    check_key("Ngày 15/10/2024", "ngay2 15 10 2024");
    check_key("Hello, World 2024!", "hello world 2024");
    check_key("Straße Привет", "strasse привет");
    check_key("“Dân vận khéo”…", "dân vân5 kheo1");
    check_key("", "");
    check_key("!!! --- ...", "");
    check_key(ACUTE, "");                       /* a tone with no letter */
    /* Two tones: the lower digit, whatever the order of the marks. */
    check_key("ho" ACUTE "a" GRAVE, "hoa1");
    check_key("ho" GRAVE "a" ACUTE, "hoa1");
    check_key("hòa" DOTB, "hoa2");
    check_key("ho" DOTB "a" GRAVE, "hoa2");
    /* Canonically equivalent mark orders give one key. */
    check_key("o" CIRC HORN "x", "\xc6\xa1" CIRC "x");    /* ơ + U+0302 */
    check_key("o" HORN CIRC "x", "\xc6\xa1" CIRC "x");
    check_key("a\xcc\x86" CIRC "y", "\xc4\x83" CIRC "y");    /* ă + U+0302 */
    check_key("ab\xff" "cd", "ab cd");          /* U+FFFD separates */
    /* Letters that recompose outside Vietnamese: Cyrillic й, Hangul. */
    check_key("Йод", "йод");
    check_key("한국어", "한국어");
    check_key("ab\xc2\xa0" "cd\tef", "ab cd ef");
}

/* The key of one letter computed the slow, obvious way: utf8proc's
 * NFD + case folding of the whole string, tones taken out, utf8proc NFC. */
static char *reference_key(const char *letter)
{
    utf8proc_uint8_t *nfd = NULL, *nfc = NULL;
    utf8proc_int32_t cp;
    char *out, *o, tone = 0, t;
    const utf8proc_uint8_t *p;
    utf8proc_ssize_t k;

    assert_true(utf8proc_map((const utf8proc_uint8_t *)letter, 0, &nfd,
                             UTF8PROC_NULLTERM | UTF8PROC_STABLE
                             | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD) > 0);
    out = o = calloc(1, strlen((char *)nfd) + 2);
    assert_non_null(out);
    for (p = nfd; *p; p += k) {
        k = utf8proc_iterate(p, -1, &cp);
        assert_true(k > 0);
        t = cp == 0x301 ? '1' : cp == 0x300 ? '2' : cp == 0x309 ? '3'
            : cp == 0x303 ? '4' : cp == 0x323 ? '5' : 0;
        if (t) {
            if (!tone || t < tone)  /* two tones: the lower digit */
                tone = t;
            continue;
        }
        memcpy(o, p, (size_t)k);
        o += k;
    }
    *o = '\0';
    free(nfd);
    if (out[0] == '\0')
        return out;     /* a bare tone mark: no syllable */
    nfc = utf8proc_NFC((const utf8proc_uint8_t *)out);
    free(out);
    out = calloc(1, strlen((char *)nfc) + 2);
    assert_non_null(out);
    memcpy(out, nfc, strlen((char *)nfc));
    out[strlen(out)] = tone;
    free(nfc);
    return out;
}

/* Every letter of the Latin blocks Vietnamese is written in, upper and
 * lower case, precomposed: the key must match the reference. */
static void test_key_letters_reference(void **state)
{
    static const utf8proc_int32_t ranges[][2] = {
        { 0x41, 0x5A }, { 0xC0, 0x24F }, { 0x1E00, 0x1EFF },
    };
    size_t r;
    int checked = 0;

    (void)state;
    for (r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        utf8proc_int32_t cp;
        for (cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
            utf8proc_uint8_t enc[8];
            utf8proc_category_t cat = utf8proc_category(cp);
            char *want, *got;
            utf8proc_ssize_t k;

            if (cat != UTF8PROC_CATEGORY_LU && cat != UTF8PROC_CATEGORY_LL)
                continue;
            k = utf8proc_encode_char(cp, enc);
            enc[k] = '\0';
            want = reference_key((char *)enc);
            got = text_match_key((char *)enc, (size_t)k);
            if (strcmp(want, got) != 0)
                fail_msg("U+%04X: key \"%s\", reference \"%s\"",
                         (unsigned)cp, got, want);
            free(want);
            free(got);
            checked++;
        }
    }
    assert_true(checked > 500);
}

/* ---- entities ---- */

static void test_entities(void **state)
{
    (void)state;
    check_entities("Ng&ocirc;i sao t&#7887;a s&aacute;ng", "Ngôi sao tỏa sáng");
    check_entities("mua r&#242;ng", "mua ròng");
    check_entities("Vi&#x1EC7;t &#X1ec7;", "Việt ệ");
    check_entities("Văn ph&#242;ng Ch&#237;nh phủ", "Văn phòng Chính phủ");
    check_entities("a&nbsp;b", "a\xc2\xa0" "b");
    check_entities("&Ocirc; &ocirc; &OCIRC;", "Ô ô &OCIRC;");
    check_entities("&amp;lt; &lt;&gt;&quot;&apos;", "&lt; <>\"'");
    check_entities("&foo; &amp &#; &#x; &#12a; & ;", "&foo; &amp &#; &#x; &#12a; & ;");
    check_entities("&#0; &#xD800; &#x110000; &#99999999999999;",
                   FFFD " " FFFD " " FFFD " " FFFD);
    check_entities("&#150;&#147;&#148;&#128;", "–“”€");   /* windows-1252 */
    check_entities("&#129;", "\xc2\x81");   /* a hole of 1252: stays C1 */
    check_entities("&thetasym;&euro;&hellip;&mdash;", "ϑ€…—");
    check_entities("trailing &", "trailing &");
    check_entities("&#242", "&#242");
}

/* Every named entity libxml2 knows decodes to its code point, and the
 * result fits the n bytes text_decode_entities allocates (ASan watches). */
static void test_entities_whole_table(void **state)
{
    unsigned v;
    int seen = 0;

    (void)state;
    for (v = 1; v < 0x10000; v++) {
        const htmlEntityDesc *e = htmlEntityValueLookup(v);
        char in[64], want[8], *got;
        size_t n;

        if (e == NULL)
            continue;
        n = strlen(e->name);
        assert_true(n + 2 < sizeof in);
        in[0] = '&';
        memcpy(in + 1, e->name, n);
        in[n + 1] = ';';
        in[n + 2] = '\0';
        want[utf8proc_encode_char((utf8proc_int32_t)v,
                                  (utf8proc_uint8_t *)want)] = '\0';
        got = text_decode_entities(in, n + 2);
        assert_string_equal(got, want);
        free(got);
        seen++;
    }
    assert_true(seen >= 250);   /* HTML 4 has 253 */
}

/* ---- text_clean ---- */

static void test_clean_tags(void **state)
{
    (void)state;
    /* VnExpress 2017 descriptions: CDATA holding a linked image. */
    check_clean("<a href=\"https://vnexpress.net/tin-tuc/x-3580000.html\">"
                "<img width=130 height=100 src=\"https://i-vnexpress.vnecdn.net/"
                "2017/05/01/a.jpg\" ></a></br>Sáng nay, Ủy ban nhân dân...",
                1024, "Sáng nay, Ủy ban nhân dân...");
    check_clean("<p>Dân</p><p>vận</p>", 1024, "Dân vận");
    check_clean("Dân<br>vận<br/>khéo<BR />nhé", 1024, "Dân vận khéo nhé");
    check_clean("<ul><li>a</li><li>b</li></ul><h2>c</h2><div>d</div>", 1024,
                "a b c d");
    check_clean("<td>1</td><td>2</td><blockquote>q</blockquote>", 1024, "1 2 q");
    check_clean("x<h3>y</h3>z<h7>w</h7>v<hr>u<header>t</header>", 1024,
                "x y zwv u t");
    check_clean("X<b>Y</b><i>Z</i> <span class=\"k\">W</span>", 1024, "XYZ W");
    check_clean("a<script type=\"text/javascript\">var x = '<p>' + 1;</script>b"
                "<style>p > a { color: red }</style>c"
                "<SCRIPT>if (a<b) go();</SCRIPT>d", 1024, "abcd");
    check_clean("x<!-- <p>hidden</p> -- -->y<!---->z", 1024, "xyz");
    check_clean("x<!-- never closed <p>y</p>", 1024, "x");
    check_clean("x<script>never closed", 1024, "x");
    check_clean("<?xml version=\"1.0\"?><!DOCTYPE html>t", 1024, "t");
    check_clean("<a title=\"a > b\" href='x>y'>link</a>", 1024, "link");
    check_clean("a < b, 1<2, x <3 y, a <b", 1024, "a < b, 1<2, x <3 y, a <b");
    /* As in HTML, a quote never closed, or quotes hiding every '>', make
     * the tag run to the end. */
    check_clean("x<a title=\"never closed>y", 1024, "x");
    check_clean("x<a b=\">\"", 1024, "x");
    check_clean("x</ y>z<!x<?", 1024, "xz<!x<?");
    check_clean("<![CDATA[in<b>n</b>er]]> x]]>y", 1024, "inner x]]>y");
    /* Entities decode after markup: escaped markup is text, decoded once. */
    check_clean("&lt;p&gt;Hi&lt;/p&gt; &amp;lt;", 1024, "<p>Hi</p> &lt;");
    check_clean("Ng&ocirc;i sao t&#7887;a s&aacute;ng &foo;", 1024,
                "Ngôi sao tỏa sáng &foo;");
}

static void test_clean_whitespace(void **state)
{
    (void)state;
    check_clean("  \t Hà\r\n\n Nội\xc2\xa0\xc2\xa0 \xe2\x80\x83 2024 "
                "\xe3\x80\x80\xe2\x80\xaf.", 1024, "Hà Nội 2024 .");
    check_clean("&nbsp;&nbsp;a&nbsp;&#160;&#10;&#x9;b&nbsp;", 1024, "a b");
    check_clean("\n\n   \n", 1024, "");
    check_clean("", 1024, "");
    check_clean("one<br>  <br>\n<p> two </p>", 1024, "one two");
}

static void test_clean_nfc(void **state)
{
    (void)state;
    check_clean("Vie" DOTB CIRC "t Nam", 1024, "Việt Nam");
    check_clean("Vie" CIRC DOTB "t Nam", 1024, "Việt Nam");
    check_clean("thu" HORN "o" HORN HOOK "ng", 1024, "thưởng");
    check_clean("e&#770;&#x301;", 1024, "ế");       /* marks from entities */
    check_clean("Ba\xcc\x81o \xe1\xba\xa5y", 1024, "Báo ấy");
}

static void test_clean_invalid_and_controls(void **state)
{
    char *s;

    (void)state;
    check_clean("a\xff" "b", 1024, "a" FFFD "b");
    check_clean("ab\xe1\xbb", 1024, "ab" FFFD);         /* truncated ệ */
    check_clean("\xc0\xaf", 1024, FFFD FFFD);           /* overlong '/' */
    check_clean("\xed\xa0\x80", 1024, FFFD FFFD FFFD);  /* a surrogate */
    check_clean("\xf4\x90\x80\x80", 1024, FFFD FFFD FFFD FFFD);
    check_clean("Vi\xe1\xbb" "t", 1024, "Vi" FFFD "t");
    check_clean("a\x01" "b\x1b" "c\x7f" "d\xc2\x9f" "e", 1024, "abcde");
    check_clean("a\xef\xbf\xbe" "b\xef\xbf\xbf" "c\xef\xbb\xbf" "d", 1024, "abcd");
    check_clean("a&#1;b&#x7f;c&#127;d", 1024, "abcd");
    check_clean("a\xc2\x85" "b", 1024, "a b");          /* NEL is a newline */
    /* A NUL inside the counted bytes is dropped, not an end. */
    s = text_clean("a\0b", 3, 1024);
    assert_string_equal(s, "ab");
    free(s);
}

static void test_cut(void **state)
{
    const char *v = "Việt";     /* V i ệ(3 bytes) t */
    char *big, *s;
    size_t i, n;

    (void)state;
    assert_int_equal(text_utf8_cut(v, 6, 10), 6);
    assert_int_equal(text_utf8_cut(v, 6, 6), 6);
    assert_int_equal(text_utf8_cut(v, 6, 5), 5);
    assert_int_equal(text_utf8_cut(v, 6, 4), 2);
    assert_int_equal(text_utf8_cut(v, 6, 3), 2);
    assert_int_equal(text_utf8_cut(v, 6, 2), 2);
    assert_int_equal(text_utf8_cut(v, 6, 0), 0);
    assert_int_equal(text_utf8_cut("\xf0\x9f\x98\x80x", 5, 3), 0);
    assert_int_equal(text_utf8_cut("a\x80\x80\x80\x80\x80", 6, 5), 5);

    /* In the middle of the 3-byte ệ: the whole character goes. */
    check_clean("Việt", 4, "Vi");
    check_clean("Việt", 5, "Việ");
    check_clean("ệệệệ", 10, "ệệệ");
    /* A near space is preferred; the result never ends in a space. */
    check_clean("Ủy ban nhân dân", 4, "Ủy");
    check_clean("Ủy ban nhân dân", 8, "Ủy ban");
    check_clean("Ủy ban nhân dân", 9, "Ủy ban");
    check_clean("Ủy ban nhân dân", 3, "Ủ");
    check_clean("Ủy ban nhân dân", 2, "");
    check_clean("abc def", 4, "abc");
    check_clean("abc def", 3, "abc");
    check_clean("abc", 0, "");
    /* No space in the last 32 bytes: cut inside the word. */
    check_clean("a xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 40,
                "a xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    check_clean("Dân vận <b>khéo</b>", 11, "Dân vận");

    /* A megabyte of NFD Vietnamese: bounded, cut, valid, NFC. */
    n = 1 << 20;
    big = malloc(n + 1);
    assert_non_null(big);
    for (i = 0; i + 9 <= n; i += 9)
        memcpy(big + i, "Vie" DOTB CIRC "t ", 9);   /* 9 bytes */
    for (; i < n; i++)
        big[i] = ' ';
    s = text_clean(big, n, 1024);
    assert_true(strlen(s) <= 1024);
    assert_true(strlen(s) >= 1024 - 7);
    assert_memory_equal(s, "Việt Việt ", 14);
    assert_true(s[strlen(s) - 1] == 't');
    assert_valid_utf8(s, strlen(s));
    free(s);
    free(big);
}

static void test_clean_plain(void **state)
{
    char *s;
    const char *in = " <b>Tỉnh&nbsp;ủy</b> &amp; \n Vie" DOTB CIRC "t &lt;x&gt; ";

    (void)state;
    s = text_clean_plain(in, strlen(in), 1024);
    assert_string_equal(s, "<b>Tỉnh ủy</b> & Việt <x>");
    free(s);
    s = text_clean_plain(in, strlen(in), 10);
    assert_string_equal(s, "<b>Tỉnh");
    free(s);
}

/* ---- NFC ---- */

static void test_nfc(void **state)
{
    char *s;

    (void)state;
    s = text_nfc("Vie" CIRC DOTB "t \xff", 10);
    assert_string_equal(s, "Việt " FFFD);
    free(s);
    s = text_nfc("hòa hoà", strlen("hòa hoà"));   /* NFC keeps placement */
    assert_string_equal(s, "hòa hoà");
    free(s);
    s = text_nfc("a\0b", 3);
    assert_string_equal(s, "a" FFFD "b");
    free(s);
    s = text_nfc(FFFD, 3);
    assert_string_equal(s, FFFD);
    free(s);
    s = text_nfc("", 0);
    assert_string_equal(s, "");
    free(s);
}

static void check_nfc_against_utf8proc(const utf8proc_uint8_t *in)
{
    utf8proc_uint8_t *want = utf8proc_NFC(in);
    char *got = text_nfc((const char *)in, strlen((const char *)in));

    assert_non_null(want);
    if (strcmp(got, (const char *)want) != 0)
        fail_msg("text_nfc differs from utf8proc_NFC on %s", (const char *)in);
    free(want);
    free(got);
}

/* text_nfc and text_clean skip utf8proc when every code point is one the
 * quick check calls safe. Prove the shortcut against utf8proc over every
 * assigned code point, alone and in its fully decomposed form (which puts
 * each composing mark after its base, and conjoining jamo in a row). */
static void test_nfc_quick_check_exhaustive(void **state)
{
    utf8proc_int32_t cp;

    (void)state;
    for (cp = 1; cp <= 0x10FFFF; cp++) {
        utf8proc_uint8_t enc[8], *nfd;
        utf8proc_ssize_t k;

        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        if (utf8proc_category(cp) == UTF8PROC_CATEGORY_CN)
            continue;
        k = utf8proc_encode_char(cp, enc);
        enc[k] = '\0';
        check_nfc_against_utf8proc(enc);
        nfd = utf8proc_NFD(enc);
        assert_non_null(nfd);
        if (strcmp((char *)nfd, (char *)enc) != 0)
            check_nfc_against_utf8proc(nfd);
        free(nfd);
    }
}

/* ---- properties over random texts ---- */

/* Fragments the random texts are built from: Vietnamese in both forms,
 * loose marks, markup, entities, broken UTF-8, controls, spaces. */
static const char *const frag[] = {
    "a", "o", "u", "y", "e", "q", "D", "ệ", "Ư", "đ", "Ủ", "hoà", "hòa",
    CIRC, DOTB, ACUTE, GRAVE, HORN, TILDE, HOOK, " ", "  ", "\t", "\n",
    "\xc2\xa0", "\xe3\x80\x80", "<p>", "</p>", "<br/>", "<b>", "<", ">",
    "&", ";", "#", "&amp;", "&#242;", "&#x1EC7;", "&ocirc;", "&nbsp;",
    "&#0;", "&#150;", "\xff", "\xe1\xbb", "\xc0", "\x80", "<!--", "-->",
    "<script>", "</script>", "<![CDATA[", "]]>", "\"", "'", "=", "\x01",
    "\x7f", "\xc2\x85", "\xef\xbb\xbf", "한", "\xe1\x84\x80",
    "\xe1\x85\xa1", "1", "-", ".", "“", "\xcc\x94", "\xd0\xb8",
};

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static size_t random_text(char *buf, size_t size)
{
    size_t len = 0, i, count = rng() % 40;

    for (i = 0; i < count; i++) {
        const char *f = frag[rng() % (sizeof frag / sizeof frag[0])];
        size_t k = strlen(f);
        if (len + k >= size)
            break;
        memcpy(buf + len, f, k);
        len += k;
    }
    if (rng() % 8 == 0 && len + 1 < size)
        buf[len++] = '\0';     /* an embedded NUL */
    buf[len] = '\0';
    return len;
}

static void assert_tidy(const char *s)
{
    size_t n = strlen(s), i;

    assert_valid_utf8(s, n);
    if (n == 0)
        return;
    assert_true(s[0] != ' ' && s[n - 1] != ' ');
    assert_null(strstr(s, "  "));
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        assert_true(c >= 0x20 && c != 0x7f);
        if (c == 0xc2 && i + 1 < n)
            assert_true((unsigned char)s[i + 1] >= 0xa1);  /* no C1, NBSP */
    }
}

static void test_properties_random(void **state)
{
    char in[512];
    int iter;

    (void)state;
    for (iter = 0; iter < 20000; iter++) {
        size_t n = random_text(in, sizeof in);
        size_t max = rng() % 3 ? rng() % 64 : 1024;
        char *c = text_clean(in, n, max);
        char *pl = text_clean_plain(in, n, max);
        char *nfc = text_nfc(in, n);
        char *k = text_match_key(in, n);
        char *k2, *k3;
        utf8proc_uint8_t *re, *nfd;

        /* Clean text: bounded, tidy, NFC. */
        assert_true(strlen(c) <= max && strlen(pl) <= max);
        assert_tidy(c);
        assert_tidy(pl);
        re = utf8proc_NFC((const utf8proc_uint8_t *)c);
        assert_string_equal((char *)re, c);
        free(re);
        /* text_nfc: valid, and a fixed point of utf8proc's NFC. */
        assert_valid_utf8(nfc, strlen(nfc));
        re = utf8proc_NFC((const utf8proc_uint8_t *)nfc);
        assert_string_equal((char *)re, nfc);
        free(re);
        /* Keys: tidy, stable under re-keying, under NFC and under NFD. */
        assert_tidy(k);
        k2 = text_match_key(k, strlen(k));
        assert_string_equal(k2, k);
        free(k2);
        k3 = text_match_key(nfc, strlen(nfc));
        assert_string_equal(k3, k);
        free(k3);
        nfd = utf8proc_NFD((const utf8proc_uint8_t *)nfc);
        k3 = text_match_key((char *)nfd, strlen((char *)nfd));
        assert_string_equal(k3, k);
        free(k3);
        free(nfd);
        free(c);
        free(pl);
        free(nfc);
        free(k);
    }
}

/* Markup that makes a naive scanner look for '>' or a quote from every
 * '<' again: 4 MB each must go in linear time (quadratic would take
 * hours under the sanitizers). */
static void test_clean_hostile_linear(void **state)
{
    static const char *const pat[] = {
        "<a", "<!", "</ ", "<a b='>", "<a x=\">\" y='", "<script>", "<!--",
        "&#", "&#x1", "&ocirc", "\xe1\xbb",
    };
    size_t n = 4u << 20, j, i;
    char *b = malloc(n);

    (void)state;
    assert_non_null(b);
    for (j = 0; j < sizeof pat / sizeof pat[0]; j++) {
        size_t k = strlen(pat[j]);
        char *s;
        for (i = 0; i < n; i++)
            b[i] = pat[j][i % k];
        s = text_clean(b, n, 1024);
        assert_true(strlen(s) <= 1024);
        assert_tidy(s);
        free(s);
        s = text_clean_plain(b, n, 1024);
        assert_true(strlen(s) <= 1024);
        free(s);
        s = text_decode_entities(b, n);
        free(s);
    }
    free(b);
}

/* text_key_next walks the syllables of a key, whatever the spacing. */
static void test_key_next(void **state)
{
    (void)state;
    char *key = text_match_key("Tỉnh ủy  Nghệ An!", strlen("Tỉnh ủy  Nghệ An!"));
    const char *want[] = {"tinh3", "uy3", "nghê5", "an"};
    const char *p = key;
    size_t len, n = 0;
    while (text_key_next(&p, &len)) {
        assert_true(n < 4);
        assert_int_equal(len, strlen(want[n]));
        assert_memory_equal(p, want[n], len);
        p += len;
        n++;
    }
    assert_int_equal(n, 4);
    free(key);
    p = "  ";
    assert_int_equal(text_key_next(&p, &len), 0);
    p = "";
    assert_int_equal(text_key_next(&p, &len), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_same),
        cmocka_unit_test(test_key_differ),
        cmocka_unit_test(test_key_exact),
        cmocka_unit_test(test_key_letters_reference),
        cmocka_unit_test(test_entities),
        cmocka_unit_test(test_entities_whole_table),
        cmocka_unit_test(test_clean_tags),
        cmocka_unit_test(test_clean_whitespace),
        cmocka_unit_test(test_clean_nfc),
        cmocka_unit_test(test_clean_invalid_and_controls),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_clean_plain),
        cmocka_unit_test(test_nfc),
        cmocka_unit_test(test_nfc_quick_check_exhaustive),
        cmocka_unit_test(test_properties_random),
        cmocka_unit_test(test_clean_hostile_linear),
        cmocka_unit_test(test_key_next),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
