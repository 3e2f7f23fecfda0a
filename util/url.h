/* url.h - canonical form of http(s) URLs, the cross-feed dedup key.
 *
 * Two sites that re-post the same article give its link in different
 * spellings: "HTTPS://Danvan.vn:443/tin/a.html?utm_source=zalo#top" and
 * "https://danvan.vn/tin/a.html" are one story. url_canonical maps every
 * spelling a server must treat as the same resource (RFC 3986 6.2.2, plus
 * the tracking parameters news sites append) to one string. It never
 * decodes percent-escapes and never guesses (no "www." stripping, no
 * http->https), so two different resources never share a key. */
#ifndef BANTIN_URL_H
#define BANTIN_URL_H

/* Return the canonical form of an absolute http(s) URL as a malloc'd string
 * (caller frees), or NULL when url is NULL, not http/https, has no host, or
 * has a bad port. Leading and trailing ASCII whitespace is ignored.
 *
 *   scheme and host       lower-cased (ASCII only; an IPv6 literal too)
 *   port                  dropped when default (:80 http, :443 https) or
 *                         empty, leading zeros removed, > 65535 refused
 *   userinfo              kept as is
 *   path                  case kept; empty -> "/"; "." and ".." segments
 *                         removed (RFC 3986 5.2.4)
 *   query                 params utm_*, fbclid, gclid, zarsrc (Zalo's
 *                         in-app browser) dropped, keys compared without
 *                         case; empty params dropped; the rest sorted by
 *                         key, then value (byte order); no "?" when empty
 *   fragment              dropped
 *   percent-escapes       kept, hex digits upper-cased (%c3 -> %C3: the
 *                         same octet, RFC 3986 2.1)
 *   raw bytes             space, controls and bytes >= 0x80 in path and
 *                         query percent-encoded, as browsers send them
 */
char *url_canonical(const char *url);

/* Return 1 when url starts with "http://" or "https://" (scheme in any
 * case) followed by a non-empty host, else 0 (also for NULL). */
int url_is_http(const char *url);

#endif
