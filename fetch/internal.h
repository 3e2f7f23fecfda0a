/* internal.h - what the files of fetch/ that run transfers share, and
 * nobody else uses: only fetch.c, guard.c and proxy.c include it, no other
 * stage (nor the rest of fetch/) may.
 *
 * fetch.c runs the transfers (the queue, curl multi, the results); guard.c
 * holds the guard of fetch.h, in curl callbacks fetch.c sets; proxy.c words
 * a failure on the way through the admin's proxy. A struct job is one
 * transfer in flight, a struct run one call of fetch_run. */
#ifndef BANTIN_FETCH_INTERNAL_H
#define BANTIN_FETCH_INTERNAL_H

#include <curl/curl.h>
#include <stddef.h>

#include "fetch/fetch.h"

/* Responses recorded per transfer: the redirects plus the final one. Past
 * this the chain is simply not called permanent. */
#define MAX_RESPONSES 16

struct host;   /* fetch.c's: one scheme://host:port and its queue */
struct run;

struct job {
    struct run *run;
    struct job *prev, *next;   /* the run's transfers in flight */
    size_t idx;
    struct host *host;
    CURL *easy;
    struct curl_slist *headers;
    struct fetch_result res;
    int status[MAX_RESPONSES]; /* final (non-1xx) statuses, in order */
    size_t nstatus;
    int cur_status;            /* of the response being received */
    size_t resp_bytes;         /* decoded body bytes of that response */
    char *retry_after;         /* raw value, last response */
    char errbuf[CURL_ERROR_SIZE];
    char *trusted;             /* the request's trusted host, normalized
                                  (fetch_host_normal), or NULL */
    int refused;               /* the guard refused an address ... */
    char refusal[256];         /* ... and this says which, for res.error */
};

struct run {
    const struct fetch_request *reqs;
    const struct fetch_options *opt;
    fetch_done_fn *on_done;
    void *ctx;
    CURLM *multi;
    struct host *hosts;
    size_t nhosts;
    size_t rr;           /* round-robin start */
    size_t waiting;      /* requests not yet started */
    long inflight;
    struct job *jobs;    /* in flight */
    char *proxy_label;   /* opt->proxy as messages name it, or NULL */
};

/* fetch.c */

/* Set r->error, printf-style: one printable line, without a final '.'. */
void fetch_set_error(struct fetch_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ms as messages write it: "60 s", "2.5 s". */
void fetch_format_ms(char *out, size_t size, long ms);

/* The host part of url, or "?" (for messages only). */
void fetch_message_host(const char *url, char *out, size_t size);

/* guard.c */

/* h lower-cased, without the brackets of an IPv6 literal; malloc'd. */
char *fetch_host_normal(const char *h);

/* Whether j goes through the admin's proxy. */
int fetch_proxied(const struct job *j);

/* CURLOPT_OPENSOCKETFUNCTION and CURLOPT_PREREQFUNCTION, each with the job
 * as its data: they refuse what the guard does not allow (j->refused). */
curl_socket_t fetch_open_socket(void *ud, curlsocktype purpose,
                                struct curl_sockaddr *a);
int fetch_check_request(void *ud, char *primary_ip, char *local_ip,
                        int primary_port, int local_port);

/* proxy.c */

/* The proxy as messages name it, without its credentials; malloc'd. */
char *fetch_proxy_label(const char *proxy);

/* Put "proxy LABEL: " before the error already set. */
void fetch_blame_proxy(struct job *j);

/* Set the error of a failure on the way through the proxy and return 1;
 * 0 when rc is for describe_curl_error to describe. */
int fetch_describe_proxy_error(struct job *j, CURLcode rc);

/* After describe_curl_error: whether that failure was the proxy's. */
int fetch_proxy_to_blame(struct job *j, CURLcode rc);

#endif
