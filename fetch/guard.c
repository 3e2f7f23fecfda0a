/* guard.c - the guard of fetch.h: where a transfer may connect.
 *
 * It sits in two curl callbacks that fetch.c sets on every transfer:
 * fetch_open_socket sees each address after DNS and before connect,
 * fetch_check_request sees the connection's address before each request,
 * which is the only look at a connection curl reuses. Through a proxy both
 * see only the proxy's address, and judge the target's host instead
 * (proxied_allows). fetch/addr.c says which addresses are public. */
#include "fetch/internal.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fetch/addr.h"
#include "util/util.h"

/* h lower-cased, without the brackets of an IPv6 literal; malloc'd. */
char *fetch_host_normal(const char *h)
{
    size_t n = strlen(h);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    char *out = xstrndup(h, n);
    for (char *p = out; *p; p++)
        *p = (char)TO_LOWER((unsigned char)*p);
    return out;
}

char *fetch_url_host(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *out = NULL;
    if (!u)
        die(70, "out of memory");
    /* Lenient on the rest of the URL, as curl is on a redirect's Location:
     * only the host matters here. */
    if (url &&
        curl_url_set(u, CURLUPART_URL, url,
                     CURLU_NON_SUPPORT_SCHEME | CURLU_ALLOW_SPACE) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0])
        out = fetch_host_normal(host);
    curl_free(host);
    curl_url_cleanup(u);
    return out;
}

#define ONLY_CONFIGURED "a non-public address (only the configured host may)"

/* The host of the URL curl is on now, normalized (malloc'd), or NULL.
 * During a redirect CURLINFO_EFFECTIVE_URL is already the new URL when
 * the socket opens and when the request is about to go. */
static char *current_host(struct job *j)
{
    char *url = NULL;
    curl_easy_getinfo(j->easy, CURLINFO_EFFECTIVE_URL, &url);
    return fetch_url_host(url);
}

static int is_trusted(const struct job *j, const char *host)
{
    return host && j->trusted && strcmp(host, j->trusted) == 0;
}

/* Keep the first refusal, for the error: "refused: " + what. */
static void refuse(struct job *j, const char *what)
{
    if (!j->refused) {
        j->refused = 1;
        snprintf(j->refusal, sizeof j->refusal, "refused: %s", what);
    }
}

/* Whether the transfer may go on to the address ip (numeric text) that
 * is_public judged: yes for a public one, and for any when the host it is
 * for is the request's trusted host. */
static int guard_allows(struct job *j, int is_public, const char *ip)
{
    if (is_public)
        return 1;
    char *host = current_host(j);
    int ok = is_trusted(j, host);
    if (!ok) {
        char what[200];
        if (host && strcmp(host, ip) == 0)
            snprintf(what, sizeof what, "%s is " ONLY_CONFIGURED, ip);
        else
            snprintf(what, sizeof what, "%s resolves to %s, " ONLY_CONFIGURED,
                     host ? host : "?", ip);
        refuse(j, what);
    }
    free(host);
    return ok;
}

/* The host of the URL curl is on now, as curl sends it to a proxy:
 * percent-decoded and through IDNA ("１２７.0.0.1" goes out as
 * "127.0.0.1", "ＬＯＣＡＬＨＯＳＴ" as "localhost"), lower case. Malloc'd,
 * or NULL when curl could not say (it would not send it either). */
static char *current_ascii_host(struct job *j)
{
    char *url = NULL, *host = NULL, *out = NULL;
    CURLU *u = curl_url();
    if (!u)
        die(70, "out of memory");
    curl_easy_getinfo(j->easy, CURLINFO_EFFECTIVE_URL, &url);
    if (url &&
        curl_url_set(u, CURLUPART_URL, url,
                     CURLU_NON_SUPPORT_SCHEME | CURLU_ALLOW_SPACE) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, CURLU_PUNYCODE) == CURLUE_OK &&
        host[0])
        out = fetch_host_normal(host);
    curl_free(host);
    curl_url_cleanup(u);
    return out;
}

/* Through the proxy (fetch.h): the connection is the proxy's, allowed
 * whatever its address; the target is judged by its host as curl sends
 * it, since the proxy, not bantin, resolves it. */
static int proxied_allows(struct job *j)
{
    char *host = current_host(j);
    if (is_trusted(j, host)) {
        free(host);
        return 1;
    }
    char *ascii = current_ascii_host(j);
    int ok = 1;
    char what[200];
    if (is_trusted(j, ascii)) {
        ok = 1;     /* what the proxy is sent is the trusted host */
    } else if (!ascii) {
        /* curl 7.88 cannot give the IDNA form of any non-ASCII name, and
         * one may spell an address ("１２７.0.0.1"): fail closed */
        ok = 0;
        snprintf(what, sizeof what, "%s could not be checked (no ASCII "
                 "form of the name)", host ? host : "the URL's host");
    } else if (fetch_addr_is_literal(ascii)) {
        int pub = fetch_addr_literal_public(ascii);
        ok = pub == 1;
        if (pub < 0)
            snprintf(what, sizeof what, "%s is not a valid address", ascii);
        else
            snprintf(what, sizeof what, "%s is " ONLY_CONFIGURED, ascii);
    } else if (fetch_addr_loopback_name(ascii)) {
        ok = 0;
        snprintf(what, sizeof what, "%s resolves to the loopback, "
                 ONLY_CONFIGURED, ascii);
    }
    if (!ok)
        refuse(j, what);
    free(host);
    free(ascii);
    return ok;
}

int fetch_proxied(const struct job *j)
{
    return j->run->proxy_label != NULL;
}

/* CURLOPT_OPENSOCKETFUNCTION: every socket curl opens, after DNS and
 * before connect(). CURL_SOCKET_BAD makes curl try the host's next
 * address, if any, and fail the transfer with CURLE_COULDNT_CONNECT. */
curl_socket_t fetch_open_socket(void *ud, curlsocktype purpose,
                                       struct curl_sockaddr *a)
{
    struct job *j = ud;
    (void)purpose;
    /* a->addr is curl's storage of a->addrlen bytes, not 16 */
    const struct sockaddr *sa = (const struct sockaddr *)(void *)&a->addr;
    size_t len = a->addrlen;
    char ip[64];
    if (fetch_proxied(j)) {
        /* With a proxy and NOPROXY "", every socket is to the proxy. An
         * https target's CONNECT would follow as soon as this connects. */
        if (!proxied_allows(j))
            return CURL_SOCKET_BAD;
    } else {
        fetch_addr_format(sa, len, ip, sizeof ip);
        if (!guard_allows(j, fetch_addr_public_sockaddr(sa, len), ip))
            return CURL_SOCKET_BAD;
    }
    int type = a->socktype;
#ifdef SOCK_CLOEXEC
    type |= SOCK_CLOEXEC;
#endif
    return socket(a->family, type, a->protocol);
}

/* CURLOPT_PREREQFUNCTION: before each request, on a new or reused
 * connection. Curl reuses a connection for the same host name whatever
 * request opened it, so a request that does not trust that host must not
 * ride a connection to a non-public address opened for one that did.
 * Through a proxy, primary_ip is the proxy's, and a plain-http request
 * rides a kept-alive connection to it whatever its target: this is the
 * one look at such a target before the proxy hears of it. */
int fetch_check_request(void *ud, char *primary_ip, char *local_ip,
                               int primary_port, int local_port)
{
    struct job *j = ud;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    int ok = fetch_proxied(j)
                 ? proxied_allows(j)
                 : guard_allows(j, fetch_addr_public_text(primary_ip),
                                primary_ip);
    return ok ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}
