/* test_ssrf.c - the SSRF guard's pieces that need no server: the address
 * classifier of fetch/addr.c (both sides of every range's edges), the
 * host the guard compares (fetch_url_host), and how it judges a host
 * written in a URL through a proxy (literals, loopback names).
 * test_fetch.c has the guard at work against a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fetch/addr.h"
#include "fetch/fetch.h"

struct want {
    const char *ip;
    int is_public;
};

static void check_all(const struct want *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int got = fetch_addr_public_text(w[i].ip);
        if (got != w[i].is_public)
            fail_msg("%s: expected %s, got %s", w[i].ip,
                     w[i].is_public ? "public" : "non-public",
                     got ? "public" : "non-public");
    }
}

#define CHECK_ALL(w) check_all(w, sizeof w / sizeof w[0])

/* Each range: the address below it, its first and last, the one after. */
static void test_v4_edges(void **state)
{
    (void)state;
    static const struct want w[] = {
        /* 0.0.0.0/8 */
        {"0.0.0.0", 0}, {"0.255.255.255", 0}, {"1.0.0.0", 1},
        /* 10/8 */
        {"9.255.255.255", 1}, {"10.0.0.0", 0}, {"10.255.255.255", 0},
        {"11.0.0.0", 1},
        /* 100.64/10 */
        {"100.63.255.255", 1}, {"100.64.0.0", 0}, {"100.127.255.255", 0},
        {"100.128.0.0", 1},
        /* 127/8 */
        {"126.255.255.255", 1}, {"127.0.0.0", 0}, {"127.0.0.1", 0},
        {"127.0.0.2", 0}, {"127.255.255.255", 0}, {"128.0.0.0", 1},
        /* 169.254/16 */
        {"169.253.255.255", 1}, {"169.254.0.0", 0}, {"169.254.169.254", 0},
        {"169.254.255.255", 0}, {"169.255.0.0", 1},
        /* 172.16/12 */
        {"172.15.255.255", 1}, {"172.16.0.0", 0}, {"172.31.255.255", 0},
        {"172.32.0.0", 1},
        /* 192.0.0/24; 192.0.2/24 (documentation) is not in the policy */
        {"191.255.255.255", 1}, {"192.0.0.0", 0}, {"192.0.0.255", 0},
        {"192.0.1.0", 1}, {"192.0.2.1", 1},
        /* 192.168/16 */
        {"192.167.255.255", 1}, {"192.168.0.0", 0}, {"192.168.1.1", 0},
        {"192.168.255.255", 0}, {"192.169.0.0", 1},
        /* 198.18/15 */
        {"198.17.255.255", 1}, {"198.18.0.0", 0}, {"198.19.255.255", 0},
        {"198.20.0.0", 1},
        /* 224/4 and 240/4 */
        {"223.255.255.255", 1}, {"224.0.0.0", 0}, {"239.255.255.255", 0},
        {"240.0.0.0", 0}, {"255.255.255.255", 0},
        /* ordinary public hosts */
        {"8.8.8.8", 1}, {"1.1.1.1", 1}, {"14.225.10.1", 1},
        {"203.113.131.1", 1}, {"100.0.0.1", 1}, {"172.217.0.1", 1},
    };
    CHECK_ALL(w);
}

static void test_v6(void **state)
{
    (void)state;
    static const struct want w[] = {
        /* unspecified and loopback (IPv4-compatible 0.0.0.0, 0.0.0.1) */
        {"::", 0}, {"::1", 0}, {"::2", 0},
        /* IPv4-mapped: judged by the IPv4 address */
        {"::ffff:127.0.0.1", 0}, {"::ffff:7f00:1", 0}, {"::ffff:10.1.2.3", 0},
        {"::ffff:169.254.169.254", 0}, {"::ffff:0.0.0.0", 0},
        {"::ffff:192.168.0.1", 0}, {"::ffff:100.64.0.1", 0},
        {"::ffff:8.8.8.8", 1}, {"::ffff:11.0.0.0", 1},
        /* IPv4-compatible */
        {"::127.0.0.1", 0}, {"::10.0.0.1", 0}, {"::172.16.0.1", 0},
        {"::8.8.8.8", 1},
        /* neither form: the 96 bits before the IPv4 address differ */
        {"::fffe:127.0.0.1", 1}, {"::1:ffff:127.0.0.1", 1},
        {"1::ffff:127.0.0.1", 1},
        /* fe80::/10 */
        {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1}, {"fe80::", 0},
        {"fe80::1", 0}, {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
        {"fec0::1", 1},
        /* fc00::/7 */
        {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1}, {"fc00::", 0},
        {"fd12:3456:789a::1", 0}, {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
        {"fe00::", 1},
        /* public */
        {"2001:4860:4860::8888", 1}, {"2402:800::1", 1},
    };
    CHECK_ALL(w);
}

/* What is not a numeric address is not public: fail closed. */
static void test_text_not_an_address(void **state)
{
    (void)state;
    static const struct want w[] = {
        {"", 0}, {"localhost", 0}, {"8.8.8", 0}, {"0x7f.0.0.1", 0},
        {"8.8.8.8 ", 0}, {"[::1]", 0}, {"2130706433", 0},
    };
    CHECK_ALL(w);
    assert_int_equal(fetch_addr_public_text(NULL), 0);
}

static void test_sockaddr(void **state)
{
    (void)state;
    struct sockaddr_in in = {0};
    struct sockaddr_in6 in6 = {0};
    struct sockaddr_un un = {0};
    char text[64];

    in.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    assert_int_equal(fetch_addr_public_sockaddr((struct sockaddr *)&in, sizeof in), 0);
    fetch_addr_format((struct sockaddr *)&in, sizeof in, text, sizeof text);
    assert_string_equal(text, "127.0.0.1");
    inet_pton(AF_INET, "93.184.216.34", &in.sin_addr);
    assert_int_equal(fetch_addr_public_sockaddr((struct sockaddr *)&in, sizeof in), 1);
    /* too short for its family: not public, and no address to show */
    assert_int_equal(fetch_addr_public_sockaddr((struct sockaddr *)&in, 4), 0);
    fetch_addr_format((struct sockaddr *)&in, 4, text, sizeof text);
    assert_string_equal(text, "?");

    in6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:169.254.169.254", &in6.sin6_addr);
    assert_int_equal(fetch_addr_public_sockaddr((struct sockaddr *)&in6, sizeof in6), 0);
    fetch_addr_format((struct sockaddr *)&in6, sizeof in6, text, sizeof text);
    assert_string_equal(text, "::ffff:169.254.169.254");
    inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
    assert_int_equal(fetch_addr_public_sockaddr((struct sockaddr *)&in6, sizeof in6), 1);

    /* another family never is */
    un.sun_family = AF_UNIX;
    assert_int_equal(fetch_addr_public_sockaddr((struct sockaddr *)&un, sizeof un), 0);
    assert_int_equal(fetch_addr_public_sockaddr(NULL, 0), 0);
}

static void check_host(const char *url, const char *want)
{
    char *h = fetch_url_host(url);
    if (!want) {
        if (h)
            fail_msg("'%s': expected NULL, got '%s'", url, h);
        return;
    }
    if (!h)
        fail_msg("'%s': expected '%s', got NULL", url, want);
    if (strcmp(h, want) != 0)
        fail_msg("'%s': got '%s', want '%s'", url, h, want);
    free(h);
}

static void test_url_host(void **state)
{
    (void)state;
    check_host("http://LocalHost:8080/feed", "localhost");
    check_host("https://BDVTU.NgheAn.dcs.vn/vi/rss/", "bdvtu.nghean.dcs.vn");
    check_host("http://[::1]:631/", "::1");
    check_host("http://[::FFFF:127.0.0.1]/", "::ffff:127.0.0.1");
    check_host("http://user:pw@Example.VN/x", "example.vn");
    /* curl reads numeric spellings as the address they are */
    check_host("http://0x7f.1/", "127.0.0.1");
    check_host("http://2130706433/", "127.0.0.1");
    /* a path with a space (curl follows such a Location) */
    check_host("http://example.vn/a b.html", "example.vn");
    /* as curl reads it, since curl connects to what it reads */
    check_host("http:///nohost/x", "nohost");
    check_host("not a url", NULL);
    check_host("file:///etc/passwd", NULL);
    check_host(NULL, NULL);
}

/* Through a proxy the guard judges a host as written: which hosts are
 * addresses (as a resolver would read them), and which names are the
 * loopback whatever DNS says. */
static void test_host_literals(void **state)
{
    (void)state;
    static const struct {
        const char *host;
        int literal, is_public;   /* is_public: -1 spells no address */
    } w[] = {
        {"127.0.0.1", 1, 0}, {"127.1", 1, 0}, {"0x7f.1", 1, 0},
        {"0177.0.0.1", 1, 0}, {"2130706433", 1, 0}, {"127.0.0.1.", 1, 0},
        {"10.0.0.1", 1, 0}, {"8.8.8.8", 1, 1}, {"0x08080808", 1, 1},
        {"1.2.3.4.5", 1, -1}, {"example.123", 1, -1}, {"a.0x", 1, -1},
        {"::1", 1, 0}, {"fe80::1", 1, 0}, {"::ffff:127.0.0.1", 1, 0},
        {"2001:4860:4860::8888", 1, 1}, {"fe80::1%eth0", 1, -1},
        {"example.vn", 0, 0}, {"localhost", 0, 0}, {"1.2.3.example", 0, 0},
        {"0x.example", 0, 0}, {"123a", 0, 0}, {"0xg1", 0, 0}, {"", 0, 0},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        if (fetch_addr_is_literal(w[i].host) != w[i].literal)
            fail_msg("%s: literal expected %d", w[i].host, w[i].literal);
        if (w[i].literal &&
            fetch_addr_literal_public(w[i].host) != w[i].is_public)
            fail_msg("%s: public expected %d, got %d", w[i].host,
                     w[i].is_public, fetch_addr_literal_public(w[i].host));
    }
    assert_int_equal(fetch_addr_is_literal(NULL), 0);
    assert_int_equal(fetch_addr_literal_public(NULL), -1);
}

static void test_loopback_names(void **state)
{
    (void)state;
    static const char *const yes[] = {
        "localhost", "LocalHost", "localhost.", "localhost..", "a.localhost",
        "a.b.LOCALHOST.", ".localhost",
    };
    static const char *const no[] = {
        "", "localhost.vn", "notlocalhost", "localhostx", "local",
        "alocalhost.", "127.0.0.1",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!fetch_addr_loopback_name(yes[i]))
            fail_msg("'%s' should be a loopback name", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (fetch_addr_loopback_name(no[i]))
            fail_msg("'%s' is no loopback name", no[i]);
    assert_int_equal(fetch_addr_loopback_name(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_edges),
        cmocka_unit_test(test_v6),
        cmocka_unit_test(test_text_not_an_address),
        cmocka_unit_test(test_sockaddr),
        cmocka_unit_test(test_url_host),
        cmocka_unit_test(test_host_literals),
        cmocka_unit_test(test_loopback_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
