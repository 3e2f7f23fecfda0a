/* test_url.c - unit tests of util/url.c: canonical URLs and the http check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/url.h"

static void check(const char *in, const char *want)
{
    char *c = url_canonical(in);
    if (!want) {
        if (c)
            fail_msg("'%s': expected NULL, got '%s'", in, c);
        return;
    }
    if (!c)
        fail_msg("'%s': expected '%s', got NULL", in, want);
    if (strcmp(c, want) != 0)
        fail_msg("'%s':\n  got  '%s'\n  want '%s'", in, c, want);
    /* Canonical forms are fixed points. */
    char *again = url_canonical(c);
    assert_non_null(again);
    assert_string_equal(again, c);
    free(again);
    free(c);
}

static void test_scheme_host_case(void **state)
{
    (void)state;
    check("HTTP://DanVan.VN/Tin-Tuc/Bai-1.html", "http://danvan.vn/Tin-Tuc/Bai-1.html");
    check("HtTpS://Example.ORG", "https://example.org/");
    check("http://example.org", "http://example.org/");
    check("https://example.org?", "https://example.org/");
    check("https://example.org/a?", "https://example.org/a");
}

static void test_ports(void **state)
{
    (void)state;
    check("http://example.org:80/a", "http://example.org/a");
    check("https://example.org:443/a", "https://example.org/a");
    check("http://example.org:443/a", "http://example.org:443/a");
    check("https://example.org:80/a", "https://example.org:80/a");
    check("http://example.org:8080/a", "http://example.org:8080/a");
    check("http://example.org:0080/a", "http://example.org/a");
    check("http://example.org:/a", "http://example.org/a");
    check("http://example.org:65536/a", NULL);
    check("http://example.org:0/a", NULL);
    check("http://example.org:8x/a", NULL);
}

static void test_fragment(void **state)
{
    (void)state;
    check("https://example.org/a#top", "https://example.org/a");
    check("https://example.org/a?x=1#frag?y=2", "https://example.org/a?x=1");
    check("https://example.org#x", "https://example.org/");
    /* '?' inside the fragment is not a query. */
    check("https://example.org/a#b?utm_source=x", "https://example.org/a");
}

static void test_trackers(void **state)
{
    (void)state;
    check("https://baochinhphu.vn/a.htm?utm_source=zalo&utm_medium=zalo&utm_campaign=zalo",
          "https://baochinhphu.vn/a.htm");
    check("https://example.org/a?id=5&fbclid=IwAR0abc", "https://example.org/a?id=5");
    check("https://example.org/a?gclid=xyz&id=5", "https://example.org/a?id=5");
    check("https://example.org/a?zarsrc=30&id=5", "https://example.org/a?id=5");
    check("https://example.org/a?UTM_Source=x&id=5", "https://example.org/a?id=5");
    /* Only the utm_ prefix and the exact names count. */
    check("https://example.org/a?utm=1&utmost=2&fbclid2=3",
          "https://example.org/a?fbclid2=3&utm=1&utmost=2");
    check("https://example.org/a?utm_source", "https://example.org/a");
}

static void test_query_sort(void **state)
{
    (void)state;
    check("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2");
    check("https://example.org/a?id=2&id=1&cat=x", "https://example.org/a?cat=x&id=1&id=2");
    check("https://example.org/a?a=1&&b=2&", "https://example.org/a?a=1&b=2");
    /* A bare key sorts before the same key with a value. */
    check("https://example.org/a?k=v&k", "https://example.org/a?k&k=v");
    /* Key order is bytewise on the key alone: "a" < "a.b" although '.' < '='. */
    check("https://example.org/a?a.b=1&a=2", "https://example.org/a?a=2&a.b=1");
    /* Keys keep their case. */
    check("https://example.org/a?B=1&a=2", "https://example.org/a?B=1&a=2");
}

static void test_path(void **state)
{
    (void)state;
    check("https://example.org/A/B.HTML", "https://example.org/A/B.HTML");
    check("https://example.org/a/./b/../c", "https://example.org/a/c");
    check("https://example.org/a/b/..", "https://example.org/a/");
    check("https://example.org/a/.", "https://example.org/a/");
    check("https://example.org/../../x", "https://example.org/x");
    check("https://example.org/a//b/", "https://example.org/a//b/");
    check("https://example.org/a/", "https://example.org/a/");
    check("https://example.org/a/..b/.c", "https://example.org/a/..b/.c");
}

static void test_percent(void **state)
{
    (void)state;
    /* Escapes are not decoded; their hex digits are upper-cased. */
    check("https://example.org/tin-t%e1%bb%a9c?q=%c4%91", "https://example.org/tin-t%E1%BB%A9c?q=%C4%91");
    check("https://example.org/a%2Fb", "https://example.org/a%2Fb");
    /* A raw UTF-8 path equals its escaped form. */
    check("https://example.org/tin-t\xe1\xbb\xa9""c", "https://example.org/tin-t%E1%BB%A9c");
    check("https://example.org/a b", "https://example.org/a%20b");
    /* A stray '%' is left alone. */
    check("https://example.org/100%", "https://example.org/100%");
    check("https://example.org/100%zz", "https://example.org/100%zz");
}

static void test_userinfo_ipv6(void **state)
{
    (void)state;
    check("http://User:Pw@Example.org:80/x", "http://User:Pw@example.org/x");
    check("http://a@b@Host.example/x", "http://a@b@host.example/x");
    check("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x");
    check("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443/");
    check("http://[2001:db8::1/x", NULL);
    check("http://[::1]x/", NULL);
    check("http://127.0.0.1:8000/feed.xml", "http://127.0.0.1:8000/feed.xml");
}

static void test_whitespace(void **state)
{
    (void)state;
    check("  https://example.org/a \n", "https://example.org/a");
}

static void test_refused(void **state)
{
    (void)state;
    check(NULL, NULL);
    check("", NULL);
    check("ftp://example.org/a", NULL);
    check("file:///etc/passwd", NULL);
    check("/relative/path", NULL);
    check("example.org/a", NULL);
    check("http:/example.org/a", NULL);
    check("http://", NULL);
    check("http:///a", NULL);
    check("http://user@/a", NULL);
    check("http://:80/a", NULL);
    check("http://exa mple.org/", NULL);
    check("httpx://example.org/", NULL);
    check("javascript:alert(1)", NULL);
}

/* The dedup scenario: one story, two spellings from two sites. */
static void test_same_story(void **state)
{
    (void)state;
    char *a = url_canonical("HTTPS://DanVan.vn:443/Home/Tin-tuc/a.aspx?utm_source=fb&ID=7&cat=2#x");
    char *b = url_canonical("https://danvan.vn/Home/Tin-tuc/a.aspx?cat=2&ID=7&fbclid=abc");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* ...while a different path case is a different resource. */
    a = url_canonical("https://danvan.vn/home/tin-tuc/a.aspx?cat=2&ID=7");
    b = url_canonical("https://danvan.vn/Home/Tin-tuc/a.aspx?cat=2&ID=7");
    assert_string_not_equal(a, b);
    free(a);
    free(b);
}

static void test_is_http(void **state)
{
    (void)state;
    assert_true(url_is_http("http://example.org"));
    assert_true(url_is_http("https://example.org/feed"));
    assert_true(url_is_http("HTTPS://EXAMPLE.ORG/"));
    assert_true(url_is_http("http://u@h/"));
    assert_false(url_is_http(NULL));
    assert_false(url_is_http(""));
    assert_false(url_is_http("ftp://example.org/"));
    assert_false(url_is_http("file:///etc/passwd"));
    assert_false(url_is_http("http://"));
    assert_false(url_is_http("http:///path"));
    assert_false(url_is_http("http:example.org"));
    assert_false(url_is_http("https//example.org"));
    assert_false(url_is_http("http://u@/x"));
    assert_false(url_is_http("httpss://example.org"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scheme_host_case),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_fragment),
        cmocka_unit_test(test_trackers),
        cmocka_unit_test(test_query_sort),
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_userinfo_ipv6),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_same_story),
        cmocka_unit_test(test_is_http),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
