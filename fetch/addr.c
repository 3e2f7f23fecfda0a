/* addr.c - which IP addresses are public (see addr.h for the ranges). */
#include "fetch/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util/util.h"

/* One IPv4 range: the address with its host bits zero, and the mask. */
struct v4_range {
    uint32_t net, mask;
};

static const struct v4_range non_public_v4[] = {
    {0x00000000u, 0xFF000000u},  /* 0.0.0.0/8      unspecified, this network */
    {0x0A000000u, 0xFF000000u},  /* 10.0.0.0/8     RFC 1918 */
    {0x64400000u, 0xFFC00000u},  /* 100.64.0.0/10  CGNAT (RFC 6598) */
    {0x7F000000u, 0xFF000000u},  /* 127.0.0.0/8    loopback */
    {0xA9FE0000u, 0xFFFF0000u},  /* 169.254.0.0/16 link-local, metadata */
    {0xAC100000u, 0xFFF00000u},  /* 172.16.0.0/12  RFC 1918 */
    {0xC0000000u, 0xFFFFFF00u},  /* 192.0.0.0/24   IETF protocol assignments */
    {0xC0A80000u, 0xFFFF0000u},  /* 192.168.0.0/16 RFC 1918 */
    {0xC6120000u, 0xFFFE0000u},  /* 198.18.0.0/15  benchmarking (RFC 2544) */
    {0xE0000000u, 0xF0000000u},  /* 224.0.0.0/4    multicast */
    {0xF0000000u, 0xF0000000u},  /* 240.0.0.0/4    reserved, broadcast */
};

int fetch_addr_public_v4(uint32_t a)
{
    for (size_t i = 0; i < sizeof non_public_v4 / sizeof non_public_v4[0]; i++)
        if ((a & non_public_v4[i].mask) == non_public_v4[i].net)
            return 0;
    return 1;
}

int fetch_addr_public_v6(const unsigned char a[16])
{
    static const unsigned char zero[12];
    /* ::a.b.c.d (IPv4-compatible, which takes in :: and ::1) and
     * ::ffff:a.b.c.d (IPv4-mapped) reach the IPv4 address: judge that. */
    if (memcmp(a, zero, 12) == 0 ||
        (memcmp(a, zero, 10) == 0 && a[10] == 0xFF && a[11] == 0xFF)) {
        uint32_t v4 = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 |
                      (uint32_t)a[14] << 8 | (uint32_t)a[15];
        return fetch_addr_public_v4(v4);
    }
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80)  /* fe80::/10 link-local */
        return 0;
    if ((a[0] & 0xFE) == 0xFC)                  /* fc00::/7 unique local */
        return 0;
    return 1;
}

int fetch_addr_public_sockaddr(const struct sockaddr *sa, size_t len)
{
    if (!sa || len < sizeof sa->sa_family)
        return 0;
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        return fetch_addr_public_v4(ntohl(in.sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        return fetch_addr_public_v6(in6.sin6_addr.s6_addr);
    }
    return 0;
}

int fetch_addr_public_text(const char *ip)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (!ip)
        return 0;
    /* inet_pton takes dotted quads only: "0x7f.1" is no address here, and
     * so not public. curl hands over the numeric text it connected to. */
    if (inet_pton(AF_INET, ip, &a4) == 1)
        return fetch_addr_public_v4(ntohl(a4.s_addr));
    if (inet_pton(AF_INET6, ip, &a6) == 1)
        return fetch_addr_public_v6(a6.s6_addr);
    return 0;
}

/* host without its final dots into out; 0, or -1 when it does not fit. */
static int strip_final_dots(const char *host, char *out, size_t size)
{
    size_t n = strlen(host);
    while (n > 0 && host[n - 1] == '.')
        n--;
    if (n >= size)
        return -1;
    memcpy(out, host, n);
    out[n] = '\0';
    return 0;
}

int fetch_addr_is_literal(const char *host)
{
    if (!host)
        return 0;
    if (strchr(host, ':'))
        return 1;
    size_t n = strlen(host);
    while (n > 0 && host[n - 1] == '.')
        n--;
    size_t start = n;
    while (start > 0 && host[start - 1] != '.')
        start--;
    const char *label = host + start;
    size_t len = n - start;
    if (len == 0)
        return 0;
    size_t i = 0;
    if (len >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X')) {
        for (i = 2; i < len; i++)
            if (!IS_DIGIT(label[i]) &&
                !((label[i] | 0x20) >= 'a' && (label[i] | 0x20) <= 'f'))
                return 0;
        return 1;
    }
    for (i = 0; i < len; i++)
        if (!IS_DIGIT(label[i]))
            return 0;
    return 1;
}

int fetch_addr_literal_public(const char *host)
{
    char text[256];
    struct in_addr a4;
    struct in6_addr a6;
    if (!host || strip_final_dots(host, text, sizeof text) != 0)
        return -1;
    if (strchr(text, ':'))
        return inet_pton(AF_INET6, text, &a6) == 1
                   ? fetch_addr_public_v6(a6.s6_addr)
                   : -1;
    /* inet_aton, not inet_pton: it reads every spelling a resolver does */
    if (inet_aton(text, &a4) == 0)
        return -1;
    return fetch_addr_public_v4(ntohl(a4.s_addr));
}

int fetch_addr_loopback_name(const char *host)
{
    static const char name[] = "localhost";
    const size_t namelen = sizeof name - 1;
    if (!host)
        return 0;
    size_t n = strlen(host);
    while (n > 0 && host[n - 1] == '.')   /* "localhost." is the same name */
        n--;
    if (n < namelen || ascii_ncasecmp(host + n - namelen, name, namelen) != 0)
        return 0;
    return n == namelen || host[n - namelen - 1] == '.';
}

void fetch_addr_format(const struct sockaddr *sa, size_t len, char *out,
                       size_t size)
{
    char text[INET6_ADDRSTRLEN] = "?";
    if (sa && len >= sizeof sa->sa_family) {
        if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
            struct sockaddr_in in;
            memcpy(&in, sa, sizeof in);
            if (!inet_ntop(AF_INET, &in.sin_addr, text, sizeof text))
                snprintf(text, sizeof text, "?");
        } else if (sa->sa_family == AF_INET6 &&
                   len >= sizeof(struct sockaddr_in6)) {
            struct sockaddr_in6 in6;
            memcpy(&in6, sa, sizeof in6);
            if (!inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text))
                snprintf(text, sizeof text, "?");
        }
    }
    snprintf(out, size, "%s", text);
}
