/* test_fetch.c - the fetch engine against tests/integration/httpserver.py.
 *
 * The server is on 127.0.0.1, a non-public address: each request trusts
 * its own URL's host, as a configured feed does, except in the tests of
 * the SSRF guard (test_ssrf.c has its address classifier). The tests of
 * fetch_options.proxy go through the same script run as a forward proxy
 * (--proxy), which counts what it was asked in its own /stats.
 *
 * The group setup starts the hostile server (python3, 127.0.0.1, a free
 * port) and the teardown stops it. Run from the repository root (make check
 * does), or set BANTIN_HTTPSERVER to the script's path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fetch/fetch.h"
#include "util/limits.h"
#include "util/util.h"

#define PYTHON "/usr/bin/python3"

struct server {
    pid_t pid;
    int port;
    char dir[64];
};

static struct server plain;  /* HTTP, for the whole group */
static struct server tls;    /* HTTPS, for one test; stopped at the end
                                even when an assertion left it running */
static struct server proxy;  /* the forward proxy, for the whole group */
static const char *script;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Start the server script with extra arguments: a certificate and key
 * for HTTPS, or as_proxy for the forward proxy; 0 or -1. */
static int server_start_as(struct server *s, const char *cert,
                           const char *key, int as_proxy)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/bantin-fetch-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    char portfile[128];
    snprintf(portfile, sizeof portfile, "%s/port", s->dir);
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0) {
        /* Die with the test, even when the test dies first. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (cert)
            execl(PYTHON, PYTHON, script, "--port", "0", "--port-file",
                  portfile, "--tls-cert", cert, "--tls-key", key, (char *)NULL);
        else if (as_proxy)
            execl(PYTHON, PYTHON, script, "--port", "0", "--port-file",
                  portfile, "--proxy", (char *)NULL);
        else
            execl(PYTHON, PYTHON, script, "--port", "0", "--port-file",
                  portfile, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1000; i++) { /* up to 10 s */
        char *text;
        size_t len;
        if (read_file(portfile, 64, &text, &len) == 0) {
            s->port = (int)strtol(text, NULL, 10);
            free(text);
            return s->port > 0 ? 0 : -1;
        }
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            return -1;
        }
        usleep(10000);
    }
    return -1;
}

static int server_start(struct server *s, const char *cert, const char *key)
{
    return server_start_as(s, cert, key, 0);
}

static void server_stop(struct server *s)
{
    char path[160];
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    snprintf(path, sizeof path, "%s/port", s->dir);
    unlink(path);
    rmdir(s->dir);
}

static int group_setup(void **state)
{
    (void)state;
    script = getenv("BANTIN_HTTPSERVER");
    if (!script)
        script = "tests/integration/httpserver.py";
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "test_fetch: %s not found (run from the repository "
                        "root or set BANTIN_HTTPSERVER)\n", script);
        return -1;
    }
    if (fetch_global_init() != 0)
        return -1;
    if (server_start(&plain, NULL, NULL) != 0)
        return -1;
    return server_start_as(&proxy, NULL, NULL, 1);
}

static int group_teardown(void **state)
{
    (void)state;
    server_stop(&plain);
    server_stop(&proxy);
    if (tls.pid > 0)
        server_stop(&tls);
    return 0;
}

/* ---- fetching helpers ----------------------------------------------------- */

static char *url(const char *path)
{
    return xasprintf("http://127.0.0.1:%d%s", plain.port, path);
}

struct got {
    struct fetch_result *res;  /* per request, moved out of the callback */
    int *calls;
    size_t n;
};

static void take(const struct fetch_request *req, struct fetch_result *res,
                 void *ctx)
{
    struct got *g = ctx;
    size_t i = (size_t)(uintptr_t)req->user;
    assert_true(i < g->n);
    g->calls[i]++;
    /* Move the result out, leaving fetch_run nothing to free twice. */
    g->res[i] = *res;
    buf_init(&res->body, res->body.max);
    res->final_url = res->content_type = res->charset = NULL;
    res->etag = res->last_modified = res->permanent_url = NULL;
}

static void result_destroy(struct fetch_result *r)
{
    buf_release(&r->body);
    free(r->final_url);
    free(r->content_type);
    free(r->charset);
    free(r->etag);
    free(r->last_modified);
    free(r->permanent_url);
}

/* Fetch the n URLs, each trusting its own host (trusted NULL) or the
 * host trusted[i]; each is called back exactly once. */
static struct got run_urls_trusting(char **urls, char **trusted, size_t n,
                                    const struct fetch_options *o)
{
    struct got g = {xcalloc(n, sizeof *g.res), xcalloc(n, sizeof *g.calls), n};
    struct fetch_request *reqs = xcalloc(n, sizeof *reqs);
    char **hosts = xcalloc(n, sizeof *hosts);
    for (size_t i = 0; i < n; i++) {
        reqs[i].url = urls[i];
        reqs[i].user = (void *)(uintptr_t)i;
        hosts[i] = trusted ? (trusted[i] ? xstrdup(trusted[i]) : NULL)
                           : fetch_url_host(urls[i]);
        reqs[i].trusted_host = hosts[i];
    }
    char err[256];
    assert_int_equal(fetch_run(reqs, n, o, take, &g, err, sizeof err), 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(g.calls[i], 1);
        free(hosts[i]);
    }
    free(hosts);
    free(reqs);
    return g;
}

static struct got run_urls(char **urls, size_t n, const struct fetch_options *o)
{
    return run_urls_trusting(urls, NULL, n, o);
}

static void got_free(struct got *g)
{
    for (size_t i = 0; i < g->n; i++)
        result_destroy(&g->res[i]);
    free(g->res);
    free(g->calls);
}

/* Fetch one absolute URL trusting the host trusted (NULL: none may be
 * non-public). Caller frees. */
static struct fetch_result fetch_trusting(const char *u, const char *trusted)
{
    struct fetch_result r;
    int calls = 0;
    struct got g = {&r, &calls, 1};
    struct fetch_request req = {.url = u, .user = (void *)(uintptr_t)0,
                                .trusted_host = trusted};
    char err[256];
    assert_int_equal(fetch_run(&req, 1, NULL, take, &g, err, sizeof err), 0);
    assert_int_equal(calls, 1);
    return r;
}

/* Fetch one absolute URL with optional validators, trusting its host (a
 * configured feed). Caller frees. */
static struct fetch_result fetch_url(const char *u, const char *etag,
                                     const char *lm,
                                     const struct fetch_options *o)
{
    struct fetch_result r;
    int calls = 0;
    struct got g = {&r, &calls, 1};
    char *host = fetch_url_host(u);
    struct fetch_request req = {u, etag, lm, (void *)(uintptr_t)0, host};
    char err[256];
    assert_int_equal(fetch_run(&req, 1, o, take, &g, err, sizeof err), 0);
    assert_int_equal(calls, 1);
    free(host);
    return r;
}

static struct fetch_result fetch_path(const char *path, const char *etag,
                                      const char *lm)
{
    char *u = url(path);
    struct fetch_result r = fetch_url(u, etag, lm, NULL);
    free(u);
    return r;
}

/* The server's /stats as JSON (caller json_decref's). */
static json_t *stats(void)
{
    struct fetch_result r = fetch_path("/stats", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_OK);
    json_t *j = json_loadb(r.body.data, r.body.len, 0, NULL);
    assert_non_null(j);
    result_destroy(&r);
    return j;
}

static long stat_int(json_t *st, const char *key)
{
    json_t *v = json_object_get(st, key);
    assert_non_null(v);
    return (long)json_integer_value(v);
}

static long stat_path(json_t *st, const char *table, const char *path)
{
    json_t *v = json_object_get(json_object_get(st, table), path);
    return v ? (long)json_integer_value(v) : 0;
}

static void reset_stats(void)
{
    struct fetch_result r = fetch_path("/reset", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_OK);
    result_destroy(&r);
}

/* A 127.0.0.1 port with nothing listening (bound, then closed). */
static int dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof a;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* ---- pure helpers ---------------------------------------------------------- */

static void test_retry_after_parse(void **state)
{
    (void)state;
    /* 21 Oct 2015 07:28:00 UTC */
    int64_t t = time_from_civil(2015, 10, 21, 7, 28, 0);
    assert_int_equal(fetch_parse_retry_after("120", t), 120);
    assert_int_equal(fetch_parse_retry_after("  0 ", t), 0);
    assert_int_equal(fetch_parse_retry_after("99999999999999", t), 1000000000);
    assert_int_equal(
        fetch_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", t - 90), 90);
    assert_int_equal(
        fetch_parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", t - 5), 5);
    assert_int_equal(fetch_parse_retry_after("Wed Oct 21 07:28:00 2015", t - 7),
                     7);
    /* A date in the past means "now". */
    assert_int_equal(
        fetch_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", t + 500), 0);
    assert_int_equal(fetch_parse_retry_after("", t), -1);
    assert_int_equal(fetch_parse_retry_after("soon", t), -1);
    assert_int_equal(fetch_parse_retry_after("12abc", t), -1);
    assert_int_equal(fetch_parse_retry_after("-5", t), -1);
}

static void check_charset(const char *ct, const char *want)
{
    char *cs = fetch_content_type_charset(ct);
    if (!want) {
        assert_null(cs);
        return;
    }
    assert_non_null(cs);
    assert_string_equal(cs, want);
    free(cs);
}

static void test_content_type_charset(void **state)
{
    (void)state;
    check_charset("application/rss+xml; charset=windows-1258", "windows-1258");
    check_charset("text/xml;charset=\"UTF-8\"", "UTF-8");
    check_charset("text/html; CHARSET=iso-8859-1; q=1", "iso-8859-1");
    check_charset("text/html; boundary=\"a;charset=x\"; charset=utf-8",
                  "utf-8");
    check_charset("text/html", NULL);
    check_charset("text/html; charset=", NULL);
    check_charset("text/html; charset=\"<script>\"", NULL);
    check_charset("text/html; charsetx=utf-8", NULL);
    check_charset("text/html; charset=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  NULL);
}

static void test_progress_format(void **state)
{
    (void)state;
    char line[128];
    fetch_progress_format(line, sizeof line, 10, 37, 120, 214, 3);
    assert_string_equal(line, "fetch [===>      ] 37/120 feeds, 214 new, 3 failed");
    fetch_progress_format(line, sizeof line, 10, 120, 120, 5, 0);
    assert_string_equal(line, "fetch [==========] 120/120 feeds, 5 new, 0 failed");
    fetch_progress_format(line, sizeof line, 4, 0, 3, 0, 0);
    assert_string_equal(line, "fetch [>   ] 0/3 feeds, 0 new, 0 failed");
    /* Cut, never overflowed. */
    fetch_progress_format(line, 12, 10, 1, 2, 0, 0);
    assert_string_equal(line, "fetch [====");
}

/* ---- against the server ----------------------------------------------------- */

static void test_plain_200(void **state)
{
    (void)state;
    char *u = url("/feed/danvan");
    struct fetch_result r = fetch_url(u, NULL, NULL, NULL);
    assert_int_equal(r.outcome, FETCH_OK);
    assert_int_equal(r.http_status, 200);
    assert_int_equal(r.curl_code, 0);
    assert_string_equal(r.error, "");
    assert_non_null(strstr(r.body.data, "<rss version=\"2.0\">"));
    assert_non_null(strstr(r.body.data, "Dân vận khéo"));
    assert_int_equal(r.body.len, strlen(r.body.data));
    assert_string_equal(r.final_url, u);
    assert_string_equal(r.content_type, "application/rss+xml; charset=utf-8");
    assert_string_equal(r.charset, "utf-8");
    assert_int_equal(r.redirect_count, 0);
    assert_int_equal(r.all_redirects_permanent, 0);
    assert_null(r.permanent_url);
    assert_int_equal(r.retry_after_s, -1);
    assert_null(r.etag);
    assert_int_equal(r.too_big, 0);
    assert_int_equal(r.wire_bytes, r.body.len);
    assert_true(r.seconds > 0 && r.seconds < 5);
    result_destroy(&r);
    free(u);
}

static void test_request_headers(void **state)
{
    (void)state;
    struct fetch_result r = fetch_path("/echo", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_OK);
    json_t *h = json_loadb(r.body.data, r.body.len, 0, NULL);
    assert_non_null(h);
    const char *ua = json_string_value(json_object_get(h, "User-Agent"));
    assert_non_null(ua);
    assert_true(strncmp(ua, "bantin/" BANTIN_VERSION " ", 8 + strlen(BANTIN_VERSION)) == 0);
    const char *ae = json_string_value(json_object_get(h, "Accept-Encoding"));
    assert_non_null(ae);
    assert_non_null(strstr(ae, "gzip"));
    assert_non_null(strstr(ae, "br"));
    const char *acc = json_string_value(json_object_get(h, "Accept"));
    assert_non_null(acc);
    assert_non_null(strstr(acc, "application/rss+xml"));
    assert_null(json_object_get(h, "If-None-Match"));
    json_decref(h);
    result_destroy(&r);
}

static void test_conditional_get(void **state)
{
    (void)state;
    reset_stats();
    struct fetch_result r = fetch_path("/etag", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_OK);
    assert_string_equal(r.etag, "\"v1-5f3a9c\"");
    assert_string_equal(r.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
    char *etag = xstrdup(r.etag), *lm = xstrdup(r.last_modified);
    result_destroy(&r);

    /* Both validators back verbatim: 304, no body. */
    r = fetch_path("/etag", etag, lm);
    assert_int_equal(r.outcome, FETCH_NOT_MODIFIED);
    assert_int_equal(r.http_status, 304);
    assert_int_equal(r.body.len, 0);
    assert_int_equal(r.wire_bytes, 0);
    assert_string_equal(r.etag, etag);
    assert_string_equal(r.error, "");
    result_destroy(&r);

    /* Last-Modified alone, verbatim (not reformatted by curl). */
    r = fetch_path("/etag", NULL, lm);
    assert_int_equal(r.outcome, FETCH_NOT_MODIFIED);
    result_destroy(&r);

    /* A stale ETag gets the body. */
    r = fetch_path("/etag", "\"v0-old\"", NULL);
    assert_int_equal(r.outcome, FETCH_OK);
    assert_true(r.body.len > 100);
    result_destroy(&r);

    json_t *st = stats();
    json_t *h = json_object_get(json_object_get(st, "headers"), "/etag");
    assert_string_equal(json_string_value(json_object_get(h, "If-None-Match")),
                        "\"v0-old\"");
    assert_int_equal(stat_path(st, "requests", "/etag"), 4);
    json_decref(st);
    free(etag);
    free(lm);
}

static void test_validator_injection(void **state)
{
    (void)state;
    /* A stored validator with a line break must not become a header. */
    struct fetch_result r =
        fetch_path("/echo", "\"x\"\r\nX-Evil: 1", "Wed\nX-Evil2: 2");
    assert_int_equal(r.outcome, FETCH_OK);
    json_t *h = json_loadb(r.body.data, r.body.len, 0, NULL);
    assert_non_null(h);
    assert_null(json_object_get(h, "X-Evil"));
    assert_null(json_object_get(h, "X-Evil2"));
    assert_null(json_object_get(h, "If-None-Match"));
    assert_null(json_object_get(h, "If-Modified-Since"));
    json_decref(h);
    result_destroy(&r);
}

static void test_gzip(void **state)
{
    (void)state;
    struct fetch_result r = fetch_path("/gzip", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_OK);
    assert_non_null(strstr(r.body.data, "<title>Ban Dân vận – gzip</title>"));
    assert_non_null(strstr(r.body.data, "</rss>"));
    /* Decoded body, compressed wire. */
    assert_true(r.wire_bytes > 0);
    assert_true(r.wire_bytes < r.body.len);
    result_destroy(&r);
}

static void test_permanent_redirects(void **state)
{
    (void)state;
    struct fetch_result r = fetch_path("/perm/a", NULL, NULL);
    char *want = url("/feed/moved");
    assert_int_equal(r.outcome, FETCH_OK);
    assert_int_equal(r.redirect_count, 3);
    assert_int_equal(r.all_redirects_permanent, 1);
    assert_string_equal(r.final_url, want);
    assert_string_equal(r.permanent_url, want);
    assert_non_null(strstr(r.body.data, "moved"));
    result_destroy(&r);
    free(want);
}

static void test_mixed_redirects(void **state)
{
    (void)state;
    struct fetch_result r = fetch_path("/mixed/a", NULL, NULL);
    char *want = url("/feed/mixed");
    assert_int_equal(r.outcome, FETCH_OK);
    assert_int_equal(r.redirect_count, 2);
    assert_int_equal(r.all_redirects_permanent, 0);
    assert_null(r.permanent_url);
    assert_string_equal(r.final_url, want);
    result_destroy(&r);
    free(want);
}

static void test_redirect_to_file(void **state)
{
    (void)state;
    struct fetch_result r = fetch_path("/tofile", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_string_equal(r.error, "redirect to a scheme other than http/https");
    assert_int_equal(r.body.len, 0);
    assert_null(strstr(r.body.data, "root:"));
    assert_null(r.permanent_url);
    result_destroy(&r);
}

static void test_redirect_loop(void **state)
{
    (void)state;
    reset_stats();
    struct fetch_result r = fetch_path("/loop/a", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_string_equal(r.error, "too many redirects (more than 5)");
    assert_int_equal(r.redirect_count, LIMIT_REDIRECTS);
    result_destroy(&r);
    json_t *st = stats();
    /* The first request and 5 redirects, then no more. */
    assert_int_equal(stat_path(st, "requests", "/loop/a") +
                         stat_path(st, "requests", "/loop/b"),
                     LIMIT_REDIRECTS + 1);
    json_decref(st);
}

static void test_http_errors(void **state)
{
    (void)state;
    static const int codes[] = {404, 410, 500};
    for (size_t i = 0; i < 3; i++) {
        char path[32], want[32];
        snprintf(path, sizeof path, "/status/%d", codes[i]);
        snprintf(want, sizeof want, "HTTP %d", codes[i]);
        struct fetch_result r = fetch_path(path, NULL, NULL);
        assert_int_equal(r.outcome, FETCH_FAILED);
        assert_int_equal(r.http_status, codes[i]);
        assert_int_equal(r.curl_code, 0);
        assert_string_equal(r.error, want);
        /* The error page is not handed over as a feed. */
        assert_int_equal(r.body.len, 0);
        assert_int_equal(r.retry_after_s, -1);
        result_destroy(&r);
    }
}

static void test_retry_after_delta(void **state)
{
    (void)state;
    struct fetch_result r = fetch_path("/429", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.http_status, 429);
    assert_string_equal(r.error, "HTTP 429");
    assert_int_equal(r.retry_after_s, 120);
    result_destroy(&r);
}

static void test_retry_after_date(void **state)
{
    (void)state;
    struct fetch_result r = fetch_path("/503", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.http_status, 503);
    assert_string_equal(r.error, "HTTP 503");
    /* The server says now + 3600 as an HTTP-date (1 s resolution). */
    assert_true(r.retry_after_s >= 3590 && r.retry_after_s <= 3601);
    result_destroy(&r);
}

static void test_trickle(void **state)
{
    (void)state;
    struct fetch_options o;
    fetch_options_default(&o);
    o.low_speed_bytes = 100;
    o.low_speed_time_s = 2;
    char *u = url("/trickle");
    double t0 = now_s();
    struct fetch_result r = fetch_url(u, NULL, NULL, &o);
    double took = now_s() - t0;
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.curl_code, 28);
    assert_string_equal(r.error, "too slow: under 100 bytes/s for 2 s");
    assert_int_equal(r.body.len, 0);
    assert_true(took >= 1.5 && took < 6);
    result_destroy(&r);
    free(u);
}

static void test_total_timeout(void **state)
{
    (void)state;
    struct fetch_options o;
    fetch_options_default(&o);
    o.timeout_ms = 1000;
    char *u = url("/feed/late?delay=4000");
    double t0 = now_s();
    struct fetch_result r = fetch_url(u, NULL, NULL, &o);
    double took = now_s() - t0;
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_string_equal(r.error, "timed out after 1 s");
    assert_int_equal(r.http_status, 0);
    assert_true(took >= 0.9 && took < 3);
    result_destroy(&r);
    free(u);
}

static void test_chunked_50m(void **state)
{
    (void)state;
    reset_stats();
    struct fetch_result r = fetch_path("/chunked50m", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.too_big, 1);
    assert_string_equal(r.error, "body larger than 10485760 bytes");
    assert_int_equal(r.body.len, 0);
    /* Stopped near the cap, not after 50 MB. */
    assert_true(r.wire_bytes <= LIMIT_BODY_BYTES + 128 * 1024);
    result_destroy(&r);
    json_t *st = stats();
    assert_true(stat_path(st, "bytes_sent", "/chunked50m") < 30L * 1024 * 1024);
    json_decref(st);
}

static void test_announced_too_big(void **state)
{
    (void)state;
    struct fetch_result r = fetch_path("/bigcl", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.too_big, 1);
    assert_int_equal(r.curl_code, 63);
    assert_string_equal(r.error, "body larger than 10485760 bytes");
    assert_int_equal(r.wire_bytes, 0);
    result_destroy(&r);
}

static void test_gzip_bomb(void **state)
{
    (void)state;
    struct fetch_result r = fetch_path("/gzbomb", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.too_big, 1);
    assert_string_equal(r.error, "body larger than 10485760 bytes");
    assert_int_equal(r.body.len, 0);
    assert_true(r.wire_bytes < 100 * 1024);
    result_destroy(&r);
}

static void test_smaller_cap(void **state)
{
    (void)state;
    struct fetch_options o;
    fetch_options_default(&o);
    o.max_body = 1000;
    char *u = url("/feed/small?items=1");
    struct fetch_result r = fetch_url(u, NULL, NULL, &o);
    assert_int_equal(r.outcome, FETCH_OK); /* ~700 bytes: fits */
    assert_true(r.body.len < 1000);
    result_destroy(&r);
    free(u);
    u = url("/feed/big?items=5");
    r = fetch_url(u, NULL, NULL, &o);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.too_big, 1);
    assert_string_equal(r.error, "body larger than 1000 bytes");
    result_destroy(&r);
    free(u);
}

static void test_charset(void **state)
{
    (void)state;
    struct fetch_result r = fetch_path("/charset", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_OK);
    assert_string_equal(r.charset, "windows-1258");
    /* The bytes are handed over untouched: "Dân" is 'D' 0xE2 'n' in 1258. */
    assert_non_null(strstr(r.body.data, "D\xe2n v"));
    assert_null(strstr(r.body.data, "D\xc3\xa2n"));
    result_destroy(&r);
}

static void test_empty_body(void **state)
{
    (void)state;
    struct fetch_result r = fetch_path("/empty", NULL, NULL);
    assert_int_equal(r.outcome, FETCH_OK);
    assert_int_equal(r.body.len, 0);
    assert_non_null(r.body.data);
    result_destroy(&r);
}

static void test_connection_refused(void **state)
{
    (void)state;
    char *u = xasprintf("http://127.0.0.1:%d/feed", dead_port());
    struct fetch_result r = fetch_url(u, NULL, NULL, NULL);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.http_status, 0);
    assert_int_equal(r.curl_code, 7);
    assert_string_equal(r.error, "connection refused");
    result_destroy(&r);
    free(u);
}

static void test_unresolvable(void **state)
{
    (void)state;
    struct fetch_result r = fetch_url("http://x.invalid/rss", NULL, NULL, NULL);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.http_status, 0);
    assert_int_equal(r.curl_code, 6);
    assert_string_equal(r.error, "could not resolve host 'x.invalid'");
    result_destroy(&r);
}

static void test_bad_urls(void **state)
{
    (void)state;
    char *urls[] = {"ftp://127.0.0.1/feed", "file:///etc/passwd",
                    "not a url", "127.0.0.1/feed", ""};
    struct got g = run_urls(urls, 5, NULL);
    assert_string_equal(g.res[0].error, "not an http/https URL");
    assert_string_equal(g.res[1].error, "not an http/https URL");
    assert_string_equal(g.res[2].error, "not a valid URL");
    assert_string_equal(g.res[3].error, "not a valid URL");
    assert_string_equal(g.res[4].error, "not a valid URL");
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(g.res[i].outcome, FETCH_FAILED);
        assert_int_equal(g.res[i].http_status, 0);
    }
    got_free(&g);
}

static void test_tls_verified(void **state)
{
    (void)state;
    if (access("/usr/bin/openssl", X_OK) != 0)
        skip();
    char dir[] = "/tmp/bantin-tls-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *cert = xasprintf("%s/cert.pem", dir), *key = xasprintf("%s/key.pem", dir);
    char *cmd = xasprintf(
        "/usr/bin/openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
        "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
        "-keyout %s -out %s >/dev/null 2>&1", key, cert);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(server_start(&tls, cert, key), 0);
    char *u = xasprintf("https://127.0.0.1:%d/feed/tls", tls.port);

    /* A self-signed certificate: refused, never fetched. */
    struct fetch_result r = fetch_url(u, NULL, NULL, NULL);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.curl_code, 60);
    assert_true(strncmp(r.error, "TLS certificate not accepted", 28) == 0);
    assert_int_equal(r.body.len, 0);
    result_destroy(&r);

    /* Trusted through the CA file option: fetched. */
    struct fetch_options o;
    fetch_options_default(&o);
    o.ca_file = cert;
    r = fetch_url(u, NULL, NULL, &o);
    assert_int_equal(r.outcome, FETCH_OK);
    assert_non_null(strstr(r.body.data, "Ban Dân vận – tls"));
    result_destroy(&r);

    server_stop(&tls);
    unlink(cert);
    unlink(key);
    rmdir(dir);
    free(cmd);
    free(cert);
    free(key);
    free(u);
}

/* Many feeds on one host: all fetched, never more than the per-host limit
 * at once, connections kept alive and reused. */
static void test_many_feeds_one_host(void **state)
{
    (void)state;
    enum { N = 200 };
    char *urls[N];
    for (int i = 0; i < N; i++)
        urls[i] = xasprintf("http://127.0.0.1:%d/feed/f%03d?delay=20", plain.port, i);
    struct fetch_options o;
    fetch_options_default(&o);
    reset_stats();
    double t0 = now_s();
    struct got g = run_urls(urls, N, &o);
    double took = now_s() - t0;
    for (int i = 0; i < N; i++) {
        char want[64];
        assert_int_equal(g.res[i].outcome, FETCH_OK);
        snprintf(want, sizeof want, "<guid isPermaLink=\"false\">f%03d-1<", i);
        assert_non_null(strstr(g.res[i].body.data, want));
    }
    got_free(&g);
    json_t *st = stats();
    long peak = stat_int(st, "peak_active");
    long conns = stat_int(st, "connections");
    json_decref(st);
    fprintf(stderr, "    200 feeds (20 ms each) on one host: %.2f s, peak %ld "
                    "at once, %ld connections\n", took, peak, conns);
    assert_true(peak <= LIMIT_HOST_CONNECTIONS);
    assert_true(peak >= LIMIT_HOST_CONNECTIONS - 1);
    /* Keep-alive: a handful of connections (+1 for /stats), not 200. */
    assert_true(conns <= 2 * LIMIT_HOST_CONNECTIONS + 1);
    /* Ideal: 200 * 20 ms / 6 = 0.67 s; generous for sanitizers. */
    assert_true(took < 6);
    for (int i = 0; i < N; i++)
        free(urls[i]);
}

/* Two host names for the same server: the limit is per host, the total
 * limit caps both together. */
static void test_per_host_and_total_limits(void **state)
{
    (void)state;
    enum { N = 16 };
    char *urls[N];
    for (int i = 0; i < N; i++)
        urls[i] = xasprintf("http://%s:%d/feed/h%d?delay=200",
                            i % 2 ? "localhost" : "127.0.0.1", plain.port, i);
    struct fetch_options o;
    fetch_options_default(&o);
    o.max_host_connections = 2;

    reset_stats();
    struct got g = run_urls(urls, N, &o);
    for (int i = 0; i < N; i++)
        assert_int_equal(g.res[i].outcome, FETCH_OK);
    got_free(&g);
    json_t *st = stats();
    assert_int_equal(stat_int(st, "peak_active"), 4); /* 2 hosts x 2 */
    json_decref(st);

    o.max_total = 3;
    reset_stats();
    g = run_urls(urls, N, &o);
    for (int i = 0; i < N; i++)
        assert_int_equal(g.res[i].outcome, FETCH_OK);
    got_free(&g);
    st = stats();
    assert_int_equal(stat_int(st, "peak_active"), 3);
    json_decref(st);
    for (int i = 0; i < N; i++)
        free(urls[i]);
}

/* A slow host's queue waits in bantin, not in curl: a request queued
 * behind others does not time out before it starts. */
static void test_queue_wait_not_timed(void **state)
{
    (void)state;
    enum { N = 8 };
    char *urls[N];
    for (int i = 0; i < N; i++)
        urls[i] = xasprintf("http://127.0.0.1:%d/feed/q%d?delay=400", plain.port, i);
    struct fetch_options o;
    fetch_options_default(&o);
    o.max_host_connections = 2;
    o.timeout_ms = 900; /* each takes 0.4 s; the last starts after 1.2 s */
    struct got g = run_urls(urls, N, &o);
    for (int i = 0; i < N; i++) {
        assert_int_equal(g.res[i].outcome, FETCH_OK);
        assert_true(g.res[i].seconds < 0.9);
    }
    got_free(&g);
    for (int i = 0; i < N; i++)
        free(urls[i]);
}

/* One run mixing everything: each request gets exactly one callback, the
 * failures do not disturb the healthy feeds. */
static void test_mixed_run(void **state)
{
    (void)state;
    char *refused = xasprintf("http://127.0.0.1:%d/feed", dead_port());
    const char *paths[] = {"/feed/a", "/status/404", "/gzbomb", "/feed/b",
                           "/tofile", "/loop/a", "/429", "/gzip", "/perm/a",
                           "/status/500", "/feed/c", "/charset"};
    enum { NP = sizeof paths / sizeof paths[0] };
    char *urls[NP + 3];
    for (size_t i = 0; i < NP; i++)
        urls[i] = url(paths[i]);
    urls[NP] = refused;
    urls[NP + 1] = xstrdup("http://x.invalid/");
    urls[NP + 2] = xstrdup("gopher://127.0.0.1/");
    struct got g = run_urls(urls, NP + 3, NULL);
    int ok = 0, failed = 0;
    for (size_t i = 0; i < NP + 3; i++) {
        if (g.res[i].outcome == FETCH_OK) {
            ok++;
            assert_true(g.res[i].body.len > 0);
            assert_string_equal(g.res[i].error, "");
        } else {
            failed++;
            assert_true(g.res[i].error[0] != '\0');
        }
    }
    assert_int_equal(ok, 6);     /* a b c gzip perm charset */
    assert_int_equal(failed, 9);
    assert_int_equal(g.res[0].outcome, FETCH_OK);
    assert_int_equal(g.res[10].outcome, FETCH_OK);
    got_free(&g);
    for (size_t i = 0; i < NP + 3; i++)
        free(urls[i]);
}

/* ---- the SSRF guard ---------------------------------------------------------- */

#define ONLY " a non-public address (only the configured host may)"

/* A request that trusts no host (an article link of another host's feed)
 * never connects to 127.0.0.1: not by address, not by name. */
static void test_guard_refuses_untrusted(void **state)
{
    (void)state;
    char *by_ip = xasprintf("http://127.0.0.1:%d/feed/g1", plain.port);
    char *by_name = xasprintf("http://localhost:%d/feed/g2", plain.port);
    char *hex = xasprintf("http://0x7f.1:%d/feed/g3", plain.port);
    reset_stats();

    struct fetch_result r = fetch_trusting(by_ip, NULL);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.refused, 1);
    assert_int_equal(r.http_status, 0);
    assert_string_equal(r.error, "refused: 127.0.0.1 is" ONLY);
    assert_int_equal(r.body.len, 0);
    result_destroy(&r);

    r = fetch_trusting(by_name, "feeds.example.vn");
    assert_int_equal(r.refused, 1);
    assert_string_equal(r.error, "refused: localhost resolves to 127.0.0.1," ONLY);
    result_destroy(&r);

    r = fetch_trusting(hex, "localhost");
    assert_int_equal(r.refused, 1);
    assert_string_equal(r.error, "refused: 127.0.0.1 is" ONLY);
    result_destroy(&r);

    /* Not one connection: the only one is /stats' own. */
    json_t *st = stats();
    assert_int_equal(stat_int(st, "connections"), 1);
    assert_int_equal(stat_path(st, "requests", "/feed/g1") +
                         stat_path(st, "requests", "/feed/g2") +
                         stat_path(st, "requests", "/feed/g3"), 0);
    json_decref(st);
    free(by_ip);
    free(by_name);
    free(hex);
}

/* The trusted host matches without case and as curl reads the URL. */
static void test_guard_trusted_host(void **state)
{
    (void)state;
    char *by_name = xasprintf("http://LocalHost:%d/feed/t1", plain.port);
    char *hex = xasprintf("http://0x7f.1:%d/feed/t2", plain.port);
    struct fetch_result r = fetch_trusting(by_name, "LOCALHOST");
    assert_int_equal(r.outcome, FETCH_OK);
    assert_int_equal(r.refused, 0);
    result_destroy(&r);
    r = fetch_trusting(hex, "127.0.0.1");
    assert_int_equal(r.outcome, FETCH_OK);
    result_destroy(&r);
    free(by_name);
    free(hex);
}

/* A redirect to another host is not trusted; to the same host it is. */
static void test_guard_redirect(void **state)
{
    (void)state;
    char *far = xasprintf("http://localhost:%d/redirect?to=http://127.0.0.1:%d"
                          "/feed/far", plain.port, plain.port);
    char *near = xasprintf("http://localhost:%d/redirect?to=http://LOCALHOST:%d"
                           "/feed/near", plain.port, plain.port);
    reset_stats();
    struct fetch_result r = fetch_trusting(far, "localhost");
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.refused, 1);
    assert_string_equal(r.error, "refused: 127.0.0.1 is" ONLY);
    assert_int_equal(r.redirect_count, 1);
    assert_null(r.permanent_url);
    result_destroy(&r);

    r = fetch_trusting(near, "localhost");
    assert_int_equal(r.outcome, FETCH_OK);
    assert_int_equal(r.redirect_count, 1);
    assert_non_null(strstr(r.body.data, "Ban Dân vận – near"));
    result_destroy(&r);

    json_t *st = stats();
    assert_int_equal(stat_path(st, "requests", "/redirect"), 2);
    assert_int_equal(stat_path(st, "requests", "/feed/far"), 0);
    assert_int_equal(stat_path(st, "requests", "/feed/near"), 1);
    json_decref(st);
    free(far);
    free(near);
}

/* One connection at a time: the second request, to the same host name
 * but not trusting it, would ride the kept-alive connection the first
 * opened; it is refused before its request is sent. */
static void test_guard_reused_connection(void **state)
{
    (void)state;
    char *urls[2] = {xasprintf("http://localhost:%d/feed/ra", plain.port),
                     xasprintf("http://localhost:%d/feed/rb", plain.port)};
    char *trusted[2] = {"localhost", "feeds.example.vn"};
    struct fetch_options o;
    fetch_options_default(&o);
    o.max_total = 1;
    o.max_host_connections = 1;
    reset_stats();
    struct got g = run_urls_trusting(urls, trusted, 2, &o);
    assert_int_equal(g.res[0].outcome, FETCH_OK);
    assert_int_equal(g.res[1].outcome, FETCH_FAILED);
    assert_int_equal(g.res[1].refused, 1);
    assert_string_equal(g.res[1].error,
                        "refused: localhost resolves to 127.0.0.1," ONLY);
    got_free(&g);
    json_t *st = stats();
    assert_int_equal(stat_path(st, "requests", "/feed/ra"), 1);
    assert_int_equal(stat_path(st, "requests", "/feed/rb"), 0);
    json_decref(st);
    free(urls[0]);
    free(urls[1]);
}

/* ---- through a proxy ------------------------------------------------------------ */

/* GET one of the proxy's own paths (origin form, not proxied): its
 * /stats as JSON (caller json_decref's), or NULL for /reset and /mode/. */
static json_t *proxy_own(const char *path)
{
    char *u = xasprintf("http://127.0.0.1:%d%s", proxy.port, path);
    struct fetch_result r = fetch_url(u, NULL, NULL, NULL);
    assert_int_equal(r.outcome, FETCH_OK);
    json_t *j = NULL;
    if (strcmp(path, "/stats") == 0) {
        j = json_loadb(r.body.data, r.body.len, 0, NULL);
        assert_non_null(j);
    }
    result_destroy(&r);
    free(u);
    return j;
}

/* How often the proxy was asked what ("GET http://..." or "CONNECT h:p"). */
static long proxy_saw(json_t *st, const char *what)
{
    return stat_path(st, "requests", what);
}

static long proxy_asked(json_t *st)
{
    return (long)json_object_size(json_object_get(st, "requests"));
}

static void proxy_options(struct fetch_options *o, char **label)
{
    fetch_options_default(o);
    *label = xasprintf("http://127.0.0.1:%d", proxy.port);
    o->proxy = *label;
}

/* A feed through the proxy: fetched, and the proxy was asked for it in
 * absolute form; no_proxy and http_proxy of the environment change
 * nothing, with the proxy set or not. */
static void test_proxy_fetch(void **state)
{
    (void)state;
    struct fetch_options o;
    char *px, *dead = xasprintf("http://127.0.0.1:%d", dead_port());
    proxy_options(&o, &px);
    char *u = url("/feed/px1");
    char *want = xasprintf("GET %s", u);
    setenv("no_proxy", "*", 1);
    setenv("http_proxy", dead, 1);
    proxy_own("/reset");
    reset_stats();

    struct fetch_result r = fetch_url(u, NULL, NULL, &o);
    assert_int_equal(r.outcome, FETCH_OK);
    assert_non_null(strstr(r.body.data, "Ban Dân vận – px1"));
    assert_string_equal(r.final_url, u);
    result_destroy(&r);
    json_t *st = proxy_own("/stats");
    assert_int_equal(proxy_saw(st, want), 1);
    assert_int_equal(proxy_asked(st), 1);
    json_decref(st);
    st = stats();
    assert_int_equal(stat_path(st, "requests", "/feed/px1"), 1);
    json_decref(st);

    /* No proxy set: direct, the environment's proxy ignored. */
    r = fetch_url(u, NULL, NULL, NULL);
    assert_int_equal(r.outcome, FETCH_OK);
    result_destroy(&r);
    st = proxy_own("/stats");
    assert_int_equal(proxy_saw(st, want), 1);
    json_decref(st);

    unsetenv("no_proxy");
    unsetenv("http_proxy");
    free(want);
    free(u);
    free(px);
    free(dead);
}

/* Through the proxy the guard judges the target's host: a redirect to
 * another non-public literal, to localhost or a name under it, and an
 * untrusted request to a literal are refused before the proxy hears of
 * them; a trusted host and other names go to the proxy, whose own policy
 * decides (this one knows no names: 502). */
static void test_proxy_guard(void **state)
{
    (void)state;
    struct fetch_options o;
    char *px;
    proxy_options(&o, &px);
    int p = plain.port;
    char *hops[] = {
        xasprintf("http://127.0.0.1:%d/redirect?to=http://127.0.0.2:%d/feed/x1",
                  p, p),
        xasprintf("http://127.0.0.1:%d/redirect?to=http://127.2:%d/feed/x2",
                  p, p),
        xasprintf("http://127.0.0.1:%d/redirect?to=http://a.LocalHost.:%d"
                  "/feed/x3", p, p),
        xasprintf("http://127.0.0.1:%d/redirect?to=http://[::1]:%d/feed/x5",
                  p, p),
        xasprintf("http://127.0.0.1:%d/redirect?to=http://127.0.0.1:%d"
                  "/feed/near", p, p),
    };
    enum { NH = sizeof hops / sizeof hops[0] };
    const char *why[NH] = {
        "refused: 127.0.0.2 is" ONLY,
        "refused: 127.0.0.2 is" ONLY,
        "refused: a.localhost. resolves to the loopback," ONLY,
        "refused: ::1 is" ONLY,
        NULL,
    };
    proxy_own("/reset");
    struct got g = run_urls(hops, NH, &o);
    for (size_t i = 0; i < NH; i++) {
        if (!why[i]) {
            assert_int_equal(g.res[i].outcome, FETCH_OK);
            continue;
        }
        assert_int_equal(g.res[i].outcome, FETCH_FAILED);
        assert_int_equal(g.res[i].refused, 1);
        assert_int_equal(g.res[i].redirect_count, 1);
        assert_string_equal(g.res[i].error, why[i]);
    }
    got_free(&g);
    json_t *st = proxy_own("/stats");
    /* the first hops and the one allowed second hop, nothing else */
    for (size_t i = 0; i < NH; i++) {
        char *first = xasprintf("GET %s", hops[i]);
        assert_int_equal(proxy_saw(st, first), 1);
        free(first);
    }
    char *near = xasprintf("GET http://127.0.0.1:%d/feed/near", p);
    assert_int_equal(proxy_saw(st, near), 1);
    assert_int_equal(proxy_asked(st), NH + 1);
    json_decref(st);
    free(near);

    /* Requests that trust no host (article links): a literal is refused,
     * a name goes to the proxy. */
    proxy_own("/reset");
    char *lit = xasprintf("http://127.0.0.1:%d/feed/art", p);
    char *name = xasprintf("http://news.example.vn:%d/feed/art", p);
    struct fetch_result r = fetch_trusting(lit, NULL);
    assert_int_equal(r.refused, 1);
    result_destroy(&r);
    char *urls[2] = {lit, name};
    char *none[2] = {NULL, NULL};
    g = run_urls_trusting(urls, none, 2, &o);
    assert_int_equal(g.res[0].refused, 1);
    assert_string_equal(g.res[0].error, "refused: 127.0.0.1 is" ONLY);
    assert_int_equal(g.res[1].outcome, FETCH_FAILED);
    assert_int_equal(g.res[1].refused, 0);
    assert_string_equal(g.res[1].error, "HTTP 502");
    got_free(&g);
    st = proxy_own("/stats");
    char *asked = xasprintf("GET %s", name);
    assert_int_equal(proxy_saw(st, asked), 1);
    assert_int_equal(proxy_asked(st), 1);
    json_decref(st);

    free(asked);
    free(lit);
    free(name);
    for (size_t i = 0; i < NH; i++)
        free(hops[i]);
    free(px);
}

/* https targets go through a CONNECT tunnel: refused targets are judged
 * before the CONNECT is sent; the proxy's refusals of the tunnel (403,
 * 407) and a hang-up name the proxy. */
static void test_proxy_tunnel(void **state)
{
    (void)state;
    struct fetch_options o;
    char *px;
    proxy_options(&o, &px);
    int dp = dead_port();
    char *far = xasprintf("http://127.0.0.1:%d/redirect?to=https://127.0.0.2:%d"
                          "/feed/t", plain.port, dp);
    char *direct = xasprintf("https://127.0.0.1:%d/feed/t", dp);
    char *connect = xasprintf("CONNECT 127.0.0.1:%d", dp);
    proxy_own("/reset");
    struct got g = run_urls(&far, 1, &o);
    assert_int_equal(g.res[0].refused, 1);
    assert_string_equal(g.res[0].error, "refused: 127.0.0.2 is" ONLY);
    got_free(&g);
    json_t *st = proxy_own("/stats");
    assert_int_equal(proxy_asked(st), 1);   /* the redirect, no CONNECT */
    json_decref(st);

    const char *modes[] = {"/mode/deny", "/mode/auth", "/mode/hangup"};
    char *wants[] = {
        xasprintf("proxy %s: refused the tunnel to 127.0.0.1:%d (HTTP 403)",
                  px, dp),
        xasprintf("proxy %s: authentication required (HTTP 407)", px),
        xasprintf("proxy %s: connection closed before the tunnel was set up",
                  px),
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        proxy_own("/reset");
        proxy_own(modes[i]);
        g = run_urls(&direct, 1, &o);
        assert_int_equal(g.res[0].outcome, FETCH_FAILED);
        assert_int_equal(g.res[0].refused, 0);
        assert_string_equal(g.res[0].error, wants[i]);
        got_free(&g);
        st = proxy_own("/stats");
        assert_int_equal(proxy_saw(st, connect), 1);
        json_decref(st);
        free(wants[i]);
    }

    /* A CONNECT the proxy never answers: curl counts it as connecting */
    proxy_own("/reset");
    proxy_own("/mode/mute");
    o.connect_timeout_ms = 500;
    g = run_urls(&direct, 1, &o);
    char *mute = xasprintf("proxy %s: no tunnel to 127.0.0.1:%d within 0.5 s",
                           px, dp);
    assert_int_equal(g.res[0].outcome, FETCH_FAILED);
    assert_string_equal(g.res[0].error, mute);
    got_free(&g);
    free(mute);
    o.connect_timeout_ms = LIMIT_CONNECT_TIMEOUT_S * 1000L;

    /* 407 to a plain-http request comes back as its status */
    proxy_own("/mode/auth");
    char *u = url("/feed/auth");
    struct fetch_result r = fetch_url(u, NULL, NULL, &o);
    char want[256];
    snprintf(want, sizeof want, "proxy %s: authentication required (HTTP 407)",
             px);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.http_status, 407);
    assert_string_equal(r.error, want);
    result_destroy(&r);
    proxy_own("/reset");
    free(u);
    free(far);
    free(direct);
    free(connect);
    free(px);
}

/* A proxy that cannot be reached fails every feed, each error naming the
 * proxy (without the credentials of its URL). */
static void test_proxy_unreachable(void **state)
{
    (void)state;
    struct fetch_options o;
    fetch_options_default(&o);
    int dp = dead_port();
    char *px = xasprintf("http://bantin:s3cret@127.0.0.1:%d/", dp);
    o.proxy = px;
    char *urls[3] = {url("/feed/u1"), url("/feed/u2"),
                     xasprintf("https://127.0.0.1:%d/feed/u3", plain.port)};
    char want[128];
    snprintf(want, sizeof want, "proxy http://127.0.0.1:%d: connection refused",
             dp);
    struct got g = run_urls(urls, 3, &o);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(g.res[i].outcome, FETCH_FAILED);
        assert_int_equal(g.res[i].refused, 0);
        assert_int_equal(g.res[i].curl_code, 7);
        assert_string_equal(g.res[i].error, want);
    }
    got_free(&g);

    o.proxy = "http://proxy.invalid:3128";
    struct fetch_result r = fetch_url(urls[0], NULL, NULL, &o);
    assert_int_equal(r.outcome, FETCH_FAILED);
    assert_int_equal(r.curl_code, 5);
    assert_string_equal(r.error, "proxy http://proxy.invalid:3128: could not "
                                 "resolve host 'proxy.invalid'");
    result_destroy(&r);
    for (size_t i = 0; i < 3; i++)
        free(urls[i]);
    free(px);
}

/* All transfers share the proxy's connections, which curl would count
 * against one host: the per-host limit still applies per target, and
 * the proxy carries as many as the limits allow at once. */
static void test_proxy_parallel(void **state)
{
    (void)state;
    enum { N = 12 };
    char *urls[N];
    for (int i = 0; i < N; i++)
        urls[i] = xasprintf("http://%s:%d/feed/pp%d?delay=200",
                            i % 2 ? "localhost" : "127.0.0.1", plain.port, i);
    struct fetch_options o;
    char *px;
    proxy_options(&o, &px);
    o.max_host_connections = 2;
    reset_stats();
    proxy_own("/reset");
    struct got g = run_urls(urls, N, &o);
    for (int i = 0; i < N; i++)
        assert_int_equal(g.res[i].outcome, FETCH_OK);
    got_free(&g);
    json_t *st = stats();
    assert_int_equal(stat_int(st, "peak_active"), 4); /* 2 hosts x 2 */
    json_decref(st);
    st = proxy_own("/stats");
    assert_int_equal(proxy_asked(st), N);
    json_decref(st);
    for (int i = 0; i < N; i++)
        free(urls[i]);
    free(px);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_after_parse),
        cmocka_unit_test(test_content_type_charset),
        cmocka_unit_test(test_progress_format),
        cmocka_unit_test(test_plain_200),
        cmocka_unit_test(test_request_headers),
        cmocka_unit_test(test_conditional_get),
        cmocka_unit_test(test_validator_injection),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_permanent_redirects),
        cmocka_unit_test(test_mixed_redirects),
        cmocka_unit_test(test_redirect_to_file),
        cmocka_unit_test(test_redirect_loop),
        cmocka_unit_test(test_http_errors),
        cmocka_unit_test(test_retry_after_delta),
        cmocka_unit_test(test_retry_after_date),
        cmocka_unit_test(test_trickle),
        cmocka_unit_test(test_total_timeout),
        cmocka_unit_test(test_chunked_50m),
        cmocka_unit_test(test_announced_too_big),
        cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_smaller_cap),
        cmocka_unit_test(test_charset),
        cmocka_unit_test(test_empty_body),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_unresolvable),
        cmocka_unit_test(test_bad_urls),
        cmocka_unit_test(test_tls_verified),
        cmocka_unit_test(test_many_feeds_one_host),
        cmocka_unit_test(test_per_host_and_total_limits),
        cmocka_unit_test(test_queue_wait_not_timed),
        cmocka_unit_test(test_mixed_run),
        cmocka_unit_test(test_guard_refuses_untrusted),
        cmocka_unit_test(test_guard_trusted_host),
        cmocka_unit_test(test_guard_redirect),
        cmocka_unit_test(test_guard_reused_connection),
        cmocka_unit_test(test_proxy_fetch),
        cmocka_unit_test(test_proxy_guard),
        cmocka_unit_test(test_proxy_tunnel),
        cmocka_unit_test(test_proxy_unreachable),
        cmocka_unit_test(test_proxy_parallel),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
