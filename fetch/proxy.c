/* proxy.c - what a failure through the admin's proxy (fetch_options.proxy)
 * is called: the proxy named without its credentials ("proxy
 * http://10.0.0.1:3128: connection refused"), and which of curl's errors
 * are the proxy's rather than the target's (the list is in fetch.h). */
#include "fetch/internal.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static int is_https_url(const char *url)
{
    return url && ascii_ncasecmp(url, "https://", 8) == 0;
}

/* "host:port" of url, the port its scheme's default when not given, or
 * "?" (for messages only). */
static void url_host_port(const char *url, char *out, size_t size)
{
    snprintf(out, size, "?");
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
            CURLUE_OK)
        snprintf(out, size, "%s:%s", host, port);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

/* The proxy as messages name it: "http://10.0.0.1:3128", without the
 * credentials or path its URL may hold, and with the port curl uses when
 * none is written (1080, or 443 for https://). Malloc'd. */
char *fetch_proxy_label(const char *proxy)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
    if (!u)
        die(70, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, proxy, CURLU_NON_SUPPORT_SCHEME) ==
            CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
            port = NULL;
        out = xasprintf("%s://%s:%s", scheme, host,
                        port ? port
                             : ascii_casecmp(scheme, "https") == 0 ? "443"
                                                                   : "1080");
    } else {
        out = xstrdup("(unreadable URL)");
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

/* Put "proxy LABEL: " before the error already set. */
void fetch_blame_proxy(struct job *j)
{
    struct fetch_result *r = &j->res;
    char was[sizeof r->error];
    snprintf(was, sizeof was, "%s", r->error);
    fetch_set_error(r, "proxy %s: %s", j->run->proxy_label, was);
}

/* A failure on the way through the proxy, before the target could answer,
 * named after the proxy. Returns 1 when the error was set here; 0 to let
 * describe_curl_error describe rc (and fetch_proxy_to_blame decide). */
int fetch_describe_proxy_error(struct job *j, CURLcode rc)
{
    struct fetch_result *r = &j->res;
    const char *px = j->run->proxy_label;
    long connect_code = 0;
    char where[300];
    /* The proxy's reply to the CONNECT of an https target: 0 when there
     * was none, 200 once the tunnel is up. */
    curl_easy_getinfo(j->easy, CURLINFO_HTTP_CONNECTCODE, &connect_code);
    if (connect_code == 407) {
        fetch_set_error(r, "proxy %s: authentication required (HTTP 407)", px);
        return 1;
    }
    if (connect_code >= 300) {
        url_host_port(r->final_url, where, sizeof where);
        fetch_set_error(r, "proxy %s: refused the tunnel to %s (HTTP %ld)", px,
                        where, connect_code);
        return 1;
    }
    if (rc == CURLE_COULDNT_RESOLVE_PROXY) {
        fetch_message_host(j->run->opt->proxy, where, sizeof where);
        fetch_set_error(r, "proxy %s: could not resolve host '%s'", px, where);
        return 1;
    }
    if (connect_code == 0 && is_https_url(r->final_url) &&
        (rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
         rc == CURLE_GOT_NOTHING)) {
        fetch_set_error(r, "proxy %s: connection closed before the tunnel was "
                        "set up", px);
        return 1;
    }
    /* Curl's connect time of a tunnel counts until the proxy's reply to
     * CONNECT: the proxy may be slow, or slow to reach the target. */
    if (connect_code == 0 && is_https_url(r->final_url) &&
        rc == CURLE_OPERATION_TIMEDOUT && !strstr(j->errbuf, "too slow")) {
        curl_off_t connected = 0;
        curl_easy_getinfo(j->easy, CURLINFO_CONNECT_TIME_T, &connected);
        if (connected == 0) {
            char t[32];
            fetch_format_ms(t, sizeof t, j->run->opt->connect_timeout_ms);
            url_host_port(r->final_url, where, sizeof where);
            fetch_set_error(r, "proxy %s: no tunnel to %s within %s", px,
                            where, t);
            return 1;
        }
    }
    return 0;
}

/* After describe_curl_error: whether that failure was the proxy's. */
int fetch_proxy_to_blame(struct job *j, CURLcode rc)
{
    long connect_code = 0;
    curl_off_t connected = 0;
    curl_easy_getinfo(j->easy, CURLINFO_HTTP_CONNECTCODE, &connect_code);
    curl_easy_getinfo(j->easy, CURLINFO_CONNECT_TIME_T, &connected);
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
        return 1;   /* every socket goes to the proxy (not a refusal here) */
    case CURLE_OPERATION_TIMEDOUT:
        return connected == 0 && !strstr(j->errbuf, "too slow");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
        /* TLS to an https:// proxy: before any tunnel, or the only TLS
         * for an http target */
        return is_https_url(j->run->opt->proxy) &&
               (connect_code == 0 || !is_https_url(j->res.final_url));
    default:
        return 0;
    }
}
