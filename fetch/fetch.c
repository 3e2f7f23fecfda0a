/* fetch.c - many HTTP(S) transfers at once with libcurl multi, hardened.
 *
 * Scheduling is ours, not curl's: requests are grouped by
 * scheme://host:port and started round-robin across hosts, at most
 * max_host_connections per host and max_total in all. A request that waits
 * waits in our queue, because a handle queued inside curl counts its wait
 * against CURLOPT_TIMEOUT (LIBS.md 2) and the tail of a big host would time
 * out before it ever connected.
 *
 * The guard of fetch.h (where a transfer may connect) is in guard.c, in two
 * curl callbacks set here; the wording of a failure through the admin's
 * proxy is in proxy.c. internal.h holds what the three files share. */
#include "fetch/fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "fetch/internal.h"
#include "util/limits.h"
#include "util/util.h"

#define ACCEPT_HEADER                                                     \
    "Accept: application/rss+xml, application/atom+xml, "                \
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, " \
    "text/html;q=0.8, */*;q=0.5"

struct host {
    char *key;          /* "https://example.vn:443" */
    size_t *queue;      /* request indices, in the caller's order */
    size_t nqueue;
    size_t next;        /* first not yet started */
    long inflight;
};

static int curl_ready;

int fetch_global_init(void)
{
    if (curl_ready)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    curl_ready = 1;
    return 0;
}

void fetch_options_default(struct fetch_options *o)
{
    memset(o, 0, sizeof *o);
    o->connect_timeout_ms = LIMIT_CONNECT_TIMEOUT_S * 1000L;
    o->timeout_ms = LIMIT_TOTAL_TIMEOUT_S * 1000L;
    o->low_speed_bytes = LIMIT_LOW_SPEED_BYTES;
    o->low_speed_time_s = LIMIT_LOW_SPEED_TIME_S;
    o->max_redirects = LIMIT_REDIRECTS;
    o->max_body = LIMIT_BODY_BYTES;
    o->max_host_connections = LIMIT_HOST_CONNECTIONS;
    o->max_total = LIMIT_FETCH_PARALLEL;
    o->ca_file = NULL;
    o->proxy = NULL;
}

void fetch_options_for_articles(struct fetch_options *art,
                                const struct fetch_options *o)
{
    *art = *o;
    if (art->max_body > LIMIT_ARTICLE_PAGE_BYTES)
        art->max_body = LIMIT_ARTICLE_PAGE_BYTES;
}

void fetch_options_from_limits(struct fetch_options *o,
                               const struct config_limits *l)
{
    fetch_options_default(o);
    o->max_body = l->body_max;
    o->connect_timeout_ms = l->connect_timeout * 1000L;
    o->timeout_ms = l->timeout * 1000L;
    o->max_redirects = l->max_redirects;
}

void fetch_options_from_config(struct fetch_options *o,
                               const struct config *cfg)
{
    fetch_options_from_limits(o, &cfg->limits);
    o->proxy = cfg->proxy;
}

/* ---- small parsers ---------------------------------------------------- */

long fetch_parse_retry_after(const char *value, int64_t now)
{
    const char *p = value;
    while (IS_SPACE(*p))
        p++;
    if (IS_DIGIT(*p)) {
        long v = 0;
        while (IS_DIGIT(*p)) {
            if (v < 1000000000L)
                v = v * 10 + (*p - '0');
            p++;
        }
        while (IS_SPACE(*p))
            p++;
        if (*p != '\0')
            return -1;
        return v > 1000000000L ? 1000000000L : v;
    }
    if (*p == '\0')
        return -1;
    /* An HTTP-date (IMF-fixdate, RFC 850 or asctime); curl knows them. */
    time_t t = curl_getdate(p, NULL);
    if (t == (time_t)-1)
        return -1;
    int64_t d = (int64_t)t - now;
    if (d < 0)
        return 0;
    return d > 1000000000 ? 1000000000L : (long)d;
}

static int is_token_char(int c)
{
    return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

char *fetch_content_type_charset(const char *ct)
{
    const char *p = ct;
    /* Skip the media type, then walk "; name=value" parameters, where a
     * value may be a quoted string that hides ';' and '='. */
    while (*p && *p != ';')
        p++;
    while (*p == ';') {
        p++;
        while (IS_SPACE(*p))
            p++;
        const char *name = p;
        while (is_token_char((unsigned char)*p))
            p++;
        size_t namelen = (size_t)(p - name);
        while (IS_SPACE(*p))
            p++;
        if (*p != '=') {
            while (*p && *p != ';')
                p++;
            continue;
        }
        p++;
        while (IS_SPACE(*p))
            p++;
        char val[48];
        size_t vlen = 0;
        int ok = 1;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                if (vlen + 1 < sizeof val)
                    val[vlen++] = *p;
                else
                    ok = 0;
                p++;
            }
            if (*p == '"')
                p++;
        } else {
            while (is_token_char((unsigned char)*p)) {
                if (vlen + 1 < sizeof val)
                    val[vlen++] = *p;
                else
                    ok = 0;
                p++;
            }
        }
        val[vlen] = '\0';
        while (*p && *p != ';')
            p++;
        if (namelen != 7 || ascii_ncasecmp(name, "charset", 7) != 0)
            continue;
        /* Charset names are short ASCII (IANA: letters, digits, . _ : + -). */
        for (size_t i = 0; i < vlen && ok; i++) {
            unsigned char c = (unsigned char)val[i];
            if (!(IS_ALPHA(c) || IS_DIGIT(c) || strchr("._:+-", c)))
                ok = 0;
        }
        if (!ok || vlen == 0 || vlen > 40)
            return NULL;
        return xstrdup(val);
    }
    return NULL;
}

/* ---- curl callbacks ---------------------------------------------------- */

static void response_reset(struct job *j)
{
    struct fetch_result *r = &j->res;
    free(r->content_type);
    free(r->etag);
    free(r->last_modified);
    free(j->retry_after);
    r->content_type = r->etag = r->last_modified = j->retry_after = NULL;
    buf_reset(&r->body);
    j->resp_bytes = 0;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct job *j = ud;
    size_t n = size * nmemb;
    /* The cap counts decoded bytes: chunked bodies and gzip bombs get past
     * MAXFILESIZE in curl 7.88, never past this. An error page counts
     * against it too, but is not kept. */
    j->resp_bytes += n;
    if (j->resp_bytes > j->run->opt->max_body) {
        j->res.too_big = 1;
        return 0;
    }
    if (j->cur_status >= 200 && j->cur_status < 300 &&
        buf_add(&j->res.body, p, n) != 0) {
        j->res.too_big = 1;
        return 0;
    }
    return n;
}

/* A header value we keep: bounded, no control characters (it may go back
 * to a server in a request header, and into the store). */
static char *header_value(const char *v, size_t n)
{
    while (n && IS_SPACE(*v)) {
        v++;
        n--;
    }
    while (n && IS_SPACE(v[n - 1]))
        n--;
    if (n == 0 || n > LIMIT_HEADER_VALUE_BYTES)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c < 32 && c != '\t') || c == 127)
            return NULL;
    }
    return xstrndup(v, n);
}

static void set_header(char **field, const char *v, size_t n)
{
    free(*field);
    *field = header_value(v, n);
}

static size_t on_header(char *p, size_t size, size_t nitems, void *ud)
{
    struct job *j = ud;
    size_t n = size * nitems, len = n;
    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
        len--;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        /* A status line starts a response: "HTTP/1.1 301 Moved", "HTTP/2 200". */
        size_t i = 5;
        while (i < len && p[i] != ' ')
            i++;
        while (i < len && p[i] == ' ')
            i++;
        int status = 0;
        for (int k = 0; k < 3 && i < len && IS_DIGIT(p[i]); k++, i++)
            status = status * 10 + (p[i] - '0');
        j->cur_status = status;
        if (status >= 200) {
            if (j->nstatus < MAX_RESPONSES)
                j->status[j->nstatus] = status;
            j->nstatus++;
            response_reset(j);
        }
        return n;
    }
    if (j->cur_status < 200)
        return n;
    const char *colon = memchr(p, ':', len);
    if (!colon)
        return n;
    size_t namelen = (size_t)(colon - p);
    const char *v = colon + 1;
    size_t vlen = len - namelen - 1;
    struct fetch_result *r = &j->res;
    if (namelen == 4 && ascii_ncasecmp(p, "etag", 4) == 0)
        set_header(&r->etag, v, vlen);
    else if (namelen == 13 && ascii_ncasecmp(p, "last-modified", 13) == 0)
        set_header(&r->last_modified, v, vlen);
    else if (namelen == 12 && ascii_ncasecmp(p, "content-type", 12) == 0)
        set_header(&r->content_type, v, vlen);
    else if (namelen == 11 && ascii_ncasecmp(p, "retry-after", 11) == 0)
        set_header(&j->retry_after, v, vlen);
    return n;
}

/* ---- results ------------------------------------------------------------ */

static void result_init(struct fetch_result *r, size_t max_body)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body, max_body);
    r->retry_after_s = -1;
}

void fetch_result_release(struct fetch_result *r)
{
    buf_release(&r->body);
    free(r->final_url);
    free(r->content_type);
    free(r->charset);
    free(r->etag);
    free(r->last_modified);
    free(r->permanent_url);
}

/* One printable line, whatever curl or a server put in it. */
void fetch_set_error(struct fetch_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
    for (char *p = r->error; *p; p++)
        if ((unsigned char)*p < 32 || *p == 127)
            *p = ' ';
    size_t n = strlen(r->error);
    while (n && (r->error[n - 1] == ' ' || r->error[n - 1] == '.'))
        r->error[--n] = '\0';
}

/* "60 s", "2.5 s" */
void fetch_format_ms(char *out, size_t size, long ms)
{
    if (ms % 1000 == 0)
        snprintf(out, size, "%ld s", ms / 1000);
    else
        snprintf(out, size, "%.1f s", ms / 1000.0);
}

/* The host part of url, or "?" (for messages only). */
void fetch_message_host(const char *url, char *out, size_t size)
{
    snprintf(out, size, "?");
    CURLU *u = curl_url();
    char *host = NULL;
    if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        snprintf(out, size, "%s", host);
    curl_free(host);
    curl_url_cleanup(u);
}

static int is_http_url(const char *url)
{
    return url && (ascii_ncasecmp(url, "http://", 7) == 0 ||
                   ascii_ncasecmp(url, "https://", 8) == 0);
}

static void describe_curl_error(struct job *j, CURLcode rc)
{
    struct fetch_result *r = &j->res;
    const struct fetch_options *o = j->run->opt;
    const char *detail = j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc);
    char t[32], host[256];
    long oserr = 0;

    if (fetch_proxied(j) && fetch_describe_proxy_error(j, rc))
        return;
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
        if (r->redirect_count > 0 || !is_http_url(r->final_url))
            fetch_set_error(r, "redirect to a scheme other than http/https");
        else
            fetch_set_error(r, "not an http/https URL");
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        fetch_set_error(r, "too many redirects (more than %ld)",
                        o->max_redirects);
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        fetch_message_host(r->final_url, host, sizeof host);
        fetch_set_error(r, "could not resolve host '%s'", host);
        break;
    case CURLE_COULDNT_RESOLVE_PROXY:
        fetch_set_error(r, "could not resolve the proxy: %s", detail);
        break;
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(j->easy, CURLINFO_OS_ERRNO, &oserr);
        if (oserr == ECONNREFUSED)
            fetch_set_error(r, "connection refused");
        else if (oserr == ENETUNREACH)
            fetch_set_error(r, "network unreachable");
        else if (oserr == EHOSTUNREACH)
            fetch_set_error(r, "host unreachable");
        else
            fetch_set_error(r, "could not connect: %s", detail);
        break;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connected = 0;
        curl_easy_getinfo(j->easy, CURLINFO_CONNECT_TIME_T, &connected);
        if (strstr(j->errbuf, "too slow")) {
            fetch_set_error(r, "too slow: under %ld bytes/s for %ld s",
                            o->low_speed_bytes, o->low_speed_time_s);
        } else if (connected == 0 && r->seconds * 1000 < o->timeout_ms - 100) {
            fetch_format_ms(t, sizeof t, o->connect_timeout_ms);
            fetch_set_error(r, "could not connect within %s", t);
        } else {
            fetch_format_ms(t, sizeof t, o->timeout_ms);
            fetch_set_error(r, "timed out after %s", t);
        }
        break;
    }
    case CURLE_FILESIZE_EXCEEDED:
        r->too_big = 1;
        fetch_set_error(r, "body larger than %zu bytes", o->max_body);
        break;
    case CURLE_WRITE_ERROR:
        if (r->too_big)
            fetch_set_error(r, "body larger than %zu bytes", o->max_body);
        else
            fetch_set_error(r, "could not keep the body: %s", detail);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
        fetch_set_error(r, "TLS certificate not accepted: %s", detail);
        break;
    case CURLE_SSL_CONNECT_ERROR:
        fetch_set_error(r, "TLS handshake failed: %s", detail);
        break;
    case CURLE_GOT_NOTHING:
        fetch_set_error(r, "empty reply from server");
        break;
    case CURLE_PARTIAL_FILE:
        fetch_set_error(r, "connection closed before the end of the body");
        break;
    case CURLE_BAD_CONTENT_ENCODING:
        fetch_set_error(r, "bad Content-Encoding: %s", detail);
        break;
    case CURLE_WEIRD_SERVER_REPLY:
        fetch_set_error(r, "not an HTTP reply: %s", detail);
        break;
    default:
        fetch_set_error(r, "%s", detail);
        break;
    }
    if (fetch_proxied(j) && fetch_proxy_to_blame(j, rc))
        fetch_blame_proxy(j);
}

/* Fill in the result from curl's view of the finished transfer. */
static void collect(struct job *j, CURLcode rc)
{
    struct fetch_result *r = &j->res;
    long code = 0, redirs = 0;
    char *url = NULL;
    curl_off_t us = 0, wire = 0;

    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(j->easy, CURLINFO_REDIRECT_COUNT, &redirs);
    curl_easy_getinfo(j->easy, CURLINFO_EFFECTIVE_URL, &url);
    curl_easy_getinfo(j->easy, CURLINFO_TOTAL_TIME_T, &us);
    curl_easy_getinfo(j->easy, CURLINFO_SIZE_DOWNLOAD_T, &wire);
    r->http_status = (int)code;
    r->curl_code = (int)rc;
    r->redirect_count = (int)redirs;
    r->final_url = url ? xstrdup(url) : xstrdup(j->run->reqs[j->idx].url);
    r->seconds = (double)us / 1e6;
    r->wire_bytes = wire > 0 ? (uint64_t)wire : 0;
    if (r->content_type)
        r->charset = fetch_content_type_charset(r->content_type);
    if (j->retry_after)
        r->retry_after_s = fetch_parse_retry_after(j->retry_after,
                                                   (int64_t)time(NULL));

    if (rc != CURLE_OK && j->refused &&
        (rc == CURLE_COULDNT_CONNECT || rc == CURLE_ABORTED_BY_CALLBACK)) {
        /* no other address of the host could stand in for the refused one */
        r->outcome = FETCH_FAILED;
        r->refused = 1;
        fetch_set_error(r, "%s", j->refusal);
    } else if (rc != CURLE_OK) {
        r->outcome = FETCH_FAILED;
        describe_curl_error(j, rc);
    } else if (code >= 200 && code < 300) {
        r->outcome = FETCH_OK;
    } else if (code == 304) {
        r->outcome = FETCH_NOT_MODIFIED;
    } else if (code == 407 && fetch_proxied(j)) {
        /* a plain-http request's answer, from the proxy itself */
        r->outcome = FETCH_FAILED;
        fetch_set_error(r, "proxy %s: authentication required (HTTP 407)",
                        j->run->proxy_label);
    } else {
        r->outcome = FETCH_FAILED;
        fetch_set_error(r, "HTTP %ld", code);
    }
    if (r->outcome != FETCH_OK) {
        buf_release(&r->body);
        buf_init(&r->body, j->run->opt->max_body);
    }

    /* The first redirect_count responses are the hops. */
    if (redirs > 0 && (size_t)redirs < j->nstatus &&
        j->nstatus <= MAX_RESPONSES) {
        int perm = 1;
        for (long i = 0; i < redirs; i++)
            if (j->status[i] != 301 && j->status[i] != 308)
                perm = 0;
        r->all_redirects_permanent = perm;
        if (perm && r->outcome != FETCH_FAILED)
            r->permanent_url = xstrdup(r->final_url);
    }
}

/* ---- scheduling --------------------------------------------------------- */

static void job_free(struct job *j)
{
    if (j->easy)
        curl_easy_cleanup(j->easy);
    curl_slist_free_all(j->headers);
    free(j->retry_after);
    free(j->trusted);
    fetch_result_release(&j->res);
    free(j);
}

static void deliver(struct run *run, struct job *j)
{
    run->on_done(&run->reqs[j->idx], &j->res, run->ctx);
}

static int add_header(struct job *j, const char *name, const char *value)
{
    /* Validators come from the store, which got them from a server: never
     * let one smuggle a header line in. */
    for (const char *p = value; *p; p++)
        if ((unsigned char)*p < 32 && *p != '\t')
            return 0;
    if (strlen(value) > LIMIT_HEADER_VALUE_BYTES)
        return 0;
    char *line = xasprintf("%s: %s", name, value);
    struct curl_slist *l = curl_slist_append(j->headers, line);
    free(line);
    if (!l)
        return -1;
    j->headers = l;
    return 0;
}

#define SET(opt, val) (bad |= curl_easy_setopt(e, opt, val) != CURLE_OK)

static int setup_easy(struct job *j)
{
    const struct fetch_options *o = j->run->opt;
    const struct fetch_request *q = &j->run->reqs[j->idx];
    CURL *e = curl_easy_init();
    int bad = 0;
    if (!e)
        return -1;
    j->easy = e;
    struct curl_slist *l = curl_slist_append(NULL, ACCEPT_HEADER);
    if (!l)
        return -1;
    j->headers = l;
    if (q->etag && *q->etag && add_header(j, "If-None-Match", q->etag) != 0)
        return -1;
    if (q->last_modified && *q->last_modified &&
        add_header(j, "If-Modified-Since", q->last_modified) != 0)
        return -1;

    SET(CURLOPT_URL, q->url);
    SET(CURLOPT_PRIVATE, j);
    SET(CURLOPT_ERRORBUFFER, j->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 1L);
    SET(CURLOPT_MAXREDIRS, o->max_redirects);
    SET(CURLOPT_USERAGENT, FETCH_USER_AGENT);
    SET(CURLOPT_HTTPHEADER, j->headers);
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body);
    SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, o->timeout_ms);
    SET(CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
    SET(CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_file)
        SET(CURLOPT_CAINFO, o->ca_file);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, j);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, j);
    SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    SET(CURLOPT_OPENSOCKETFUNCTION, fetch_open_socket);
    SET(CURLOPT_OPENSOCKETDATA, j);
    SET(CURLOPT_PREREQFUNCTION, fetch_check_request);
    SET(CURLOPT_PREREQDATA, j);
    /* The admin's proxy, for every host (NOPROXY "": no_proxy does not
     * apply), with the guard judging targets by name (proxied_allows); or
     * "", which ignores http_proxy and its kin: through a proxy the
     * guard would see the proxy's address, and the proxy reach any target. */
    if (j->run->proxy_label) {
        SET(CURLOPT_PROXY, o->proxy);
        SET(CURLOPT_NOPROXY, "");
    } else {
        SET(CURLOPT_PROXY, "");
    }
    /* HTTP/2 over TLS where the server offers it (ALPN); a libcurl without
     * it still fetches over 1.1. PIPEWAIT makes a transfer wait for a
     * connection that may multiplex it; only TLS can tell that early (ALPN):
     * on plain http, 7.88 holds the transfer until the first one finishes,
     * halving concurrency, so it is not asked for there. */
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    if (ascii_ncasecmp(q->url, "https:", 6) == 0)
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    return bad ? -1 : 0;
}

#undef SET

static void start(struct run *run, struct host *h, size_t idx)
{
    struct job *j = xcalloc(1, sizeof *j);
    j->run = run;
    j->idx = idx;
    j->host = h;
    if (run->reqs[idx].trusted_host && run->reqs[idx].trusted_host[0])
        j->trusted = fetch_host_normal(run->reqs[idx].trusted_host);
    result_init(&j->res, run->opt->max_body);
    if (setup_easy(j) != 0 || curl_multi_add_handle(run->multi, j->easy) != CURLM_OK) {
        j->res.outcome = FETCH_FAILED;
        j->res.final_url = xstrdup(run->reqs[idx].url);
        fetch_set_error(&j->res, "could not set up the transfer");
        deliver(run, j);
        job_free(j);
        return;
    }
    h->inflight++;
    run->inflight++;
    j->next = run->jobs;
    if (run->jobs)
        run->jobs->prev = j;
    run->jobs = j;
}

static void unlink_job(struct run *run, struct job *j)
{
    curl_multi_remove_handle(run->multi, j->easy);
    if (j->prev)
        j->prev->next = j->next;
    else
        run->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    j->host->inflight--;
    run->inflight--;
}

/* The multi handle broke (OOM, a libcurl bug): every request left still
 * gets its one callback, as a failure. */
static void fail_all(struct run *run, const char *why)
{
    while (run->jobs) {
        struct job *j = run->jobs;
        unlink_job(run, j);
        buf_reset(&j->res.body);
        j->res.outcome = FETCH_FAILED;
        if (!j->res.final_url)
            j->res.final_url = xstrdup(run->reqs[j->idx].url);
        fetch_set_error(&j->res, "%s", why);
        deliver(run, j);
        job_free(j);
    }
    for (size_t i = 0; i < run->nhosts; i++) {
        struct host *h = &run->hosts[i];
        while (h->next < h->nqueue) {
            struct fetch_result r;
            size_t idx = h->queue[h->next++];
            result_init(&r, run->opt->max_body);
            r.outcome = FETCH_FAILED;
            r.final_url = xstrdup(run->reqs[idx].url);
            fetch_set_error(&r, "%s", why);
            run->on_done(&run->reqs[idx], &r, run->ctx);
            fetch_result_release(&r);
        }
    }
    run->waiting = 0;
}

/* Start transfers round-robin across hosts until the window is full. */
static void start_more(struct run *run)
{
    const struct fetch_options *o = run->opt;
    while (run->waiting > 0 && run->inflight < o->max_total) {
        int started = 0;
        for (size_t k = 0; k < run->nhosts && run->inflight < o->max_total; k++) {
            struct host *h = &run->hosts[(run->rr + k) % run->nhosts];
            if (h->next < h->nqueue && h->inflight < o->max_host_connections) {
                run->waiting--;
                start(run, h, h->queue[h->next++]);
                started = 1;
            }
        }
        run->rr = (run->rr + 1) % run->nhosts;
        if (!started)
            break;
    }
}

/* A slot that came free goes first to the host that freed it: its
 * connection has just gone back to curl's cache and the next request
 * reuses it at once, where round-robin would hand the slot to another
 * host, open a new connection (and with more hosts than slots the cache
 * has already closed the idle one by the time the host's turn comes).
 * The per-host limit holds either way. */
static void start_same_host(struct run *run, struct host *h)
{
    const struct fetch_options *o = run->opt;
    if (run->waiting > 0 && run->inflight < o->max_total &&
        h->next < h->nqueue && h->inflight < o->max_host_connections) {
        run->waiting--;
        start(run, h, h->queue[h->next++]);
    }
}

/* Hand the finished transfers to the caller, refilling their slots and
 * sending the new requests first: the callback parses and saves (most of
 * bantin's time in a run), and a window's worth of transfers tends to
 * finish together, so refilling after the callbacks left the freed slots
 * idle while the whole batch was handled. Loops until no transfer is left
 * finished: the perform here may finish some, and the caller's poll would
 * not wake for them. */
static void drain(struct run *run)
{
    for (;;) {
        CURLMsg *m;
        int left, running;
        struct job *done = NULL, **tail = &done;
        while ((m = curl_multi_info_read(run->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            CURL *e = m->easy_handle;
            CURLcode rc = m->data.result; /* m is invalid after remove_handle */
            char *priv = NULL;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
            struct job *j = (struct job *)(void *)priv;
            collect(j, rc);
            unlink_job(run, j);
            start_same_host(run, j->host);
            j->prev = NULL;
            j->next = NULL;
            *tail = j;
            tail = &j->next;
        }
        if (!done)
            return;
        start_more(run);
        /* An error here shows again on the caller's next perform. */
        curl_multi_perform(run->multi, &running);
        while (done) {
            struct job *j = done;
            done = j->next;
            deliver(run, j);
            job_free(j);
        }
    }
}

struct keyed {
    char *key;
    size_t idx;
};

static int keyed_cmp(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* "scheme://host:port" of url, malloc'd, or NULL with err set. */
static char *host_key(const char *url, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *key = NULL;
    if (!u)
        die(70, "out of memory");
    if (!url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(err, errlen, "not a valid URL");
    } else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (ascii_casecmp(scheme, "http") != 0 &&
                ascii_casecmp(scheme, "https") != 0)) {
        snprintf(err, errlen, "not an http/https URL");
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
               curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
                   CURLUE_OK) {
        snprintf(err, errlen, "not a valid URL");
    } else {
        key = xasprintf("%s://%s:%s", scheme, host, port);
        for (char *p = key; *p; p++)
            *p = (char)TO_LOWER((unsigned char)*p);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return key;
}

/* Group the requests by host; a request with an unusable URL fails here,
 * before any network I/O. */
static void plan(struct run *run, size_t n)
{
    struct keyed *k = xcalloc(n ? n : 1, sizeof *k);
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        char why[128];
        char *key = host_key(run->reqs[i].url, why, sizeof why);
        if (!key) {
            struct fetch_result r;
            result_init(&r, run->opt->max_body);
            r.outcome = FETCH_FAILED;
            r.final_url = xstrdup(run->reqs[i].url ? run->reqs[i].url : "");
            fetch_set_error(&r, "%s", why);
            run->on_done(&run->reqs[i], &r, run->ctx);
            fetch_result_release(&r);
            continue;
        }
        k[nk].key = key;
        k[nk].idx = i;
        nk++;
    }
    qsort(k, nk, sizeof *k, keyed_cmp);
    run->hosts = xcalloc(nk ? nk : 1, sizeof *run->hosts);
    for (size_t i = 0; i < nk;) {
        size_t e = i;
        while (e < nk && strcmp(k[e].key, k[i].key) == 0)
            e++;
        struct host *h = &run->hosts[run->nhosts++];
        h->key = k[i].key;
        h->nqueue = e - i;
        h->queue = xmalloc(h->nqueue * sizeof *h->queue);
        for (size_t m = i; m < e; m++) {
            h->queue[m - i] = k[m].idx;
            if (m > i)
                free(k[m].key);
        }
        i = e;
    }
    run->waiting = nk;
    free(k);
}

int fetch_run(const struct fetch_request *reqs, size_t n,
              const struct fetch_options *opt, fetch_done_fn *on_done,
              void *ctx, char *err, size_t errlen)
{
    struct fetch_options defaults;
    if (!opt) {
        fetch_options_default(&defaults);
        opt = &defaults;
    }
    if (fetch_global_init() != 0) {
        snprintf(err, errlen, "libcurl could not be initialized");
        return -1;
    }
    struct run run = {0};
    run.reqs = reqs;
    run.opt = opt;
    run.on_done = on_done;
    run.ctx = ctx;
    run.multi = curl_multi_init();
    if (!run.multi) {
        snprintf(err, errlen, "libcurl could not be initialized");
        return -1;
    }
    long total = opt->max_total > 0 ? opt->max_total : 1;
    if (opt->proxy && opt->proxy[0])
        run.proxy_label = fetch_proxy_label(opt->proxy);
    /* Curl counts a plain-http connection through a proxy against the
     * proxy's host: its per-host cap would then hold every transfer but
     * max_host_connections inside curl, where the wait counts against the
     * timeout. The per-host limit is ours anyway (start_more, per target). */
    curl_multi_setopt(run.multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      run.proxy_label ? total : opt->max_host_connections);
    curl_multi_setopt(run.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, total);
    curl_multi_setopt(run.multi, CURLMOPT_MAXCONNECTS, total);

    plan(&run, n);
    start_more(&run);
    while (run.inflight > 0) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(run.multi, &running);
        drain(&run);
        /* Refill before waiting: a freed slot must not sit idle until
         * some other transfer makes the poll return. */
        start_more(&run);
        if (mc == CURLM_OK && run.inflight > 0)
            mc = curl_multi_poll(run.multi, NULL, 0, 1000, NULL);
        if (mc != CURLM_OK) {
            char why[128];
            snprintf(why, sizeof why, "libcurl: %s", curl_multi_strerror(mc));
            fail_all(&run, why);
            break;
        }
    }
    for (size_t i = 0; i < run.nhosts; i++) {
        free(run.hosts[i].key);
        free(run.hosts[i].queue);
    }
    free(run.hosts);
    free(run.proxy_label);
    curl_multi_cleanup(run.multi);
    return 0;
}
