/* addr.h - which IP addresses are public: the classifier of the fetch
 * engine's guard against server-side request forgery (fetch.h has the
 * policy). Pure functions of the address bytes: no DNS, no I/O.
 *
 * Non-public, exactly:
 *   IPv4   0.0.0.0/8 (unspecified, "this network"), 10/8, 100.64/10
 *          (CGNAT), 127/8 (loopback), 169.254/16 (link-local, the cloud
 *          metadata address), 172.16/12, 192.0.0/24 (IETF protocol
 *          assignments), 192.168/16, 198.18/15 (benchmarking), 224/4
 *          (multicast) and 240/4 (reserved, broadcast)
 *   IPv6   :: and ::1, fe80::/10 (link-local), fc00::/7 (unique local),
 *          and the IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible
 *          (::a.b.c.d) forms of the IPv4 ranges above
 * Everything else is public. Hex and other numeric spellings of a host
 * ("0x7f.1") are no concern here: the classifier sees the address they
 * resolved to. */
#ifndef BANTIN_ADDR_H
#define BANTIN_ADDR_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;

/* 1 when the IPv4 address a (host byte order) is public, else 0. */
int fetch_addr_public_v4(uint32_t a);

/* 1 when the IPv6 address of 16 bytes (network order) is public, else 0. */
int fetch_addr_public_v6(const unsigned char a[16]);

/* 1 when sa (len bytes, AF_INET or AF_INET6) is public; 0 for a
 * non-public address, another family or a length too short for it. */
int fetch_addr_public_sockaddr(const struct sockaddr *sa, size_t len);

/* 1 when ip, a numeric address ("203.0.113.7", "::1"), is public; 0 when
 * it is non-public or not a numeric address at all (fail closed). */
int fetch_addr_public_text(const char *ip);

/* 1 when host (ASCII as curl sends it, no brackets) is written as an IP
 * address, as a resolver would read it: anything with a ':' (IPv6, with
 * a zone perhaps; no name has one), or a host whose last label (final
 * dots aside) is a number, decimal or 0x hex (the "ends in a number" rule
 * of the WHATWG URL standard): inet_aton reads "127.1", "0x7f.1" and
 * "2130706433" as 127.0.0.1. 0 for a name. */
int fetch_addr_is_literal(const char *host);

/* Of a host fetch_addr_is_literal accepts: 1 when the address it spells
 * is public, 0 when non-public, -1 when it spells no address at all
 * ("1.2.3.4.5", a zone index, NULL). */
int fetch_addr_literal_public(const char *host);

/* 1 when host is "localhost" or a name under it ("a.localhost"), in any
 * case, with or without the final dot: RFC 6761 6.3 reserves them for the
 * loopback, so they are non-public whatever a resolver says. Else 0. */
int fetch_addr_loopback_name(const char *host);

/* The numeric text of sa into out (size bytes, NUL-terminated): "::1",
 * "127.0.0.1", or "?" for another family or a short length. */
void fetch_addr_format(const struct sockaddr *sa, size_t len, char *out,
                       size_t size);

#endif
