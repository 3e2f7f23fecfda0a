/* fetch.h - fetch many feed URLs at once over HTTP(S) with libcurl multi.
 *
 * The engine only moves bytes: it knows nothing of the config or the store.
 * The caller gives an array of requests and a completion callback; the
 * callback runs in the calling thread as each transfer ends, so the caller
 * can parse and store one feed while the others are still downloading, and
 * memory stays bounded by the number of transfers in flight.
 *
 * Everything that comes back is untrusted and bounded: body size (counted on
 * the decoded bytes), time (connect, total, low-speed), redirects (count and
 * scheme: http/https only), header values. TLS verification is always on.
 *
 * Where a transfer may connect (the guard against server-side request
 * forgery: a feed is untrusted text, a redirect a remote server's word):
 *  - Some addresses are non-public: loopback, unspecified, RFC 1918,
 *    CGNAT, link-local, unique local, multicast and reserved, 192.0.0/24,
 *    198.18/15, and the IPv4-mapped and IPv4-compatible IPv6 forms of
 *    these (fetch/addr.h lists the ranges). Numeric spellings of a host
 *    ("0x7f.1") count by the address they resolve to.
 *  - A transfer may connect to a non-public address only for the trusted
 *    host of its request (fetch_request.trusted_host): the host the admin
 *    wrote, that is the feed URL in the config, or the URL given on the
 *    command line to `discover` or `test-feed --url`. So a configured
 *    intranet feed works.
 *  - Never trusted: a redirect to a different host, an article link taken
 *    from a feed, a link discovered on a page. Each of these, resolving to
 *    a non-public address, is refused before any connection is made. An
 *    article link on the host of its feed is trusted like the feed (its
 *    request carries the feed's host as trusted_host).
 *  - Hosts compare without ASCII case and without IPv6 brackets, as curl's
 *    URL parser gives them; the port does not count.
 *  - A refusal fails that transfer only (FETCH_FAILED, refused = 1), with
 *    an error such as "refused: evil.example resolves to 127.0.0.1, a
 *    non-public address (only the configured host may)".
 * The address is checked as curl opens each socket (after DNS, before
 * connect) and again before each request, which catches a transfer that
 * would reuse a connection opened for a request that trusted its host.
 * Proxies from the environment (http_proxy, no_proxy, ...) are always
 * ignored: through a proxy bantin sees the proxy's address, never the
 * target's, so only the admin may name one (fetch_options.proxy).
 *
 * Through fetch_options.proxy, every transfer (no_proxy does not apply):
 *  - The proxy's own address is allowed whatever it is: the admin named
 *    it, and it is usually an intranet host. Every socket goes to it.
 *  - The proxy resolves the target's name, so bantin cannot see where it
 *    connects; the guard judges the target's host as the URL gives it,
 *    before each hop's request reaches the proxy:
 *    a trusted host is allowed, as directly;
 *    an IP literal, in any spelling a resolver reads ("127.1", "0x7f.1";
 *    fetch_addr_is_literal), is classified as above ("refused: 10.0.0.5
 *    is a non-public address ...");
 *    "localhost" and the names under it (RFC 6761) are refused
 *    ("refused: a.localhost resolves to the loopback, a non-public
 *    address ...");
 *    a name with no ASCII form curl can give is refused (it may spell
 *    an address: "１２７.0.0.1" goes out as 127.0.0.1);
 *    any other name is left to the proxy's own policy: bantin does not
 *    resolve it, since its answer need not be the proxy's (another
 *    resolver, split DNS, a short TTL) and since the networks that need a
 *    proxy often resolve no outside name at all. The proxy should refuse
 *    non-public destinations itself (bantin.conf(5)).
 *  - Where: as curl opens a socket to the proxy (the CONNECT of an https
 *    target is sent only after that, so the proxy never hears of a
 *    refused tunnel) and before each request (a plain-http request rides
 *    any kept-alive connection to the proxy, whatever its target).
 *  - A failure of the proxy names it, without its credentials: "proxy
 *    http://10.0.0.1:3128: connection refused", "... could not resolve
 *    host 'proxy.example.vn'", "... authentication required (HTTP 407)",
 *    "... refused the tunnel to example.vn:443 (HTTP 403)", "... no
 *    tunnel to example.vn:443 within 10 s". */
#ifndef BANTIN_FETCH_H
#define BANTIN_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* The User-Agent every request sends: names bantin and its version. */
#define FETCH_USER_AGENT \
    "bantin/" BANTIN_VERSION " (dan van news digest; +https://github.com/bantin)"

struct fetch_request {
    const char *url;            /* http or https */
    const char *etag;           /* sent back verbatim in If-None-Match, or NULL */
    const char *last_modified;  /* sent back verbatim in If-Modified-Since, or NULL */
    void *user;                 /* the caller's, untouched */
    const char *trusted_host;   /* the host that may be non-public (see
                                 * above; fetch_url_host of the admin's
                                 * URL), or NULL: none may */
};

enum fetch_outcome {
    FETCH_OK,            /* 2xx: body holds the decoded bytes */
    FETCH_NOT_MODIFIED,  /* 304: no body; keep the stored validators if none came */
    FETCH_FAILED,        /* see http_status, curl_code, error */
};

struct fetch_result {
    enum fetch_outcome outcome;
    int http_status;         /* of the last response; 0 when there was none */
    int curl_code;           /* CURLcode; 0 even for an HTTP error status */
    char error[256];         /* one line when FAILED ("HTTP 503",
                              * "timed out after 60 s", ...); else "" */
    struct buf body;         /* decoded bytes when OK, else empty */
    char *final_url;         /* URL of the last request, or NULL */
    char *content_type;      /* Content-Type of the last response, or NULL */
    char *charset;           /* its charset= parameter, or NULL */
    char *etag;              /* ETag of the last response, or NULL */
    char *last_modified;     /* Last-Modified of the last response, or NULL */
    int all_redirects_permanent;  /* >= 1 redirect, every one 301 or 308 */
    char *permanent_url;     /* final_url when all_redirects_permanent and
                              * not FAILED: the URL to store from now on */
    long retry_after_s;      /* Retry-After of the last response in seconds
                              * from now (delta or HTTP-date), -1 if none */
    int too_big;             /* the body passed max_body (decoded) */
    int redirect_count;      /* redirects followed */
    double seconds;          /* wall time of the transfer */
    uint64_t wire_bytes;     /* body bytes on the wire (compressed) */
    int refused;             /* FAILED because the guard refused a
                              * non-public address; error says which */
};

struct fetch_options {
    long connect_timeout_ms;   /* per connect */
    long timeout_ms;           /* whole transfer, redirects included */
    long low_speed_bytes;      /* abort below this many bytes/s ... */
    long low_speed_time_s;     /* ... sustained for this many seconds */
    long max_redirects;
    size_t max_body;           /* bytes, decoded */
    long max_host_connections; /* transfers at once per scheme://host:port */
    long max_total;            /* transfers (and connections) at once */
    const char *ca_file;       /* extra CA bundle (tests), or NULL: system */
    const char *proxy;         /* http(s)://[user:password@]host[:port] of
                                * the proxy every transfer goes through,
                                * or NULL: direct (see above) */
};

/* *art = *o for the article pages of items: the same limits, but a body
 * of at most LIMIT_ARTICLE_PAGE_BYTES (their links come from feeds). */
void fetch_options_for_articles(struct fetch_options *art,
                                const struct fetch_options *o);

/* Free what a fetch_result holds (body and strings); fields taken by the
 * caller must have been set NULL. */
void fetch_result_release(struct fetch_result *r);

/* Fill o with the defaults of util/limits.h. */
void fetch_options_default(struct fetch_options *o);

/* Fill o with the defaults, then the limits the config overrides
 * ([bantin] body_max, connect_timeout, timeout, max_redirects). */
struct config_limits;
void fetch_options_from_limits(struct fetch_options *o,
                               const struct config_limits *l);

/* fetch_options_from_limits with cfg->limits, and the proxy of
 * [bantin] proxy (cfg->proxy; o points into cfg, which must outlive it). */
struct config;
void fetch_options_from_config(struct fetch_options *o,
                               const struct config *cfg);

/* Called once per request, in fetch_run's thread, as it completes. res is
 * fetch_run's and freed when the callback returns: to keep a piece, take it
 * (buf_detach(&res->body), or move a pointer out and set the field NULL). */
typedef void fetch_done_fn(const struct fetch_request *req,
                           struct fetch_result *res, void *ctx);

/* Fetch the n requests concurrently: at most max_total at once and at most
 * max_host_connections per host, the others waiting in bantin's queue (not
 * curl's, whose wait would count against the timeout). Calls on_done exactly
 * once per request, in completion order. A failing request never stops the
 * others. Returns 0, or -1 if libcurl could not be set up at all (then
 * on_done was called for none and err holds the reason). */
int fetch_run(const struct fetch_request *reqs, size_t n,
              const struct fetch_options *opt, fetch_done_fn *on_done,
              void *ctx, char *err, size_t errlen);

/* Process-wide setup of libcurl; call once before any thread starts.
 * fetch_run calls it if nobody did. Returns 0 or -1. */
int fetch_global_init(void);

/* The host of url as the guard compares it: lower case, an IPv6 literal
 * without its brackets ("::1"), as curl's URL parser reads it (so
 * "http://0x7f.1/" gives "127.0.0.1"). Malloc'd (caller frees), or NULL
 * when url is NULL or has no host. */
char *fetch_url_host(const char *url);

/* Helpers, exported for the tests. */

/* Seconds from now to a Retry-After value (delta-seconds or HTTP-date),
 * clamped to [0, 10^9]; -1 when value is neither. */
long fetch_parse_retry_after(const char *value, int64_t now);

/* The charset parameter of a Content-Type value, malloc'd (caller frees),
 * unquoted; NULL when absent or not a plausible charset name. */
char *fetch_content_type_charset(const char *content_type);

/* Progress on stderr (fetch/progress.c), drawn only when stderr is a
 * terminal and -q was not given; silent otherwise. */

/* Start a run of total feeds. */
void fetch_progress_start(size_t total);
/* Redraw, at most ten times a second (always for the last one). */
void fetch_progress_update(size_t done, size_t total, size_t new_items,
                           size_t failed);
/* Clear the line so later messages start on a clean line. */
void fetch_progress_finish(void);
/* Write the progress line into out (NUL-terminated, cut to size) with a bar
 * of bar_width cells: "fetch [=====>    ] 37/120 feeds, 214 new, 3 failed". */
void fetch_progress_format(char *out, size_t size, int bar_width, size_t done,
                           size_t total, size_t new_items, size_t failed);

#endif
