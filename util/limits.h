/* limits.h - every bound bantin puts on untrusted input, in one place.
 *
 * Feeds, pages and servers are untrusted: each size, count and time that
 * comes from them is capped here, with the reason. The config may lower or
 * raise the run-time ones (DESIGN.md "Limits"); these are the defaults. */
#ifndef BANTIN_LIMITS_H
#define BANTIN_LIMITS_H

/* Largest feed or page body we keep, counted on the *decoded* bytes: curl's
 * MAXFILESIZE misses chunked bodies and gzip bombs (LIBS.md 2), so the write
 * callback enforces this too. Also the largest file `bantin parse` reads. */
#define LIMIT_BODY_BYTES        (10u * 1024 * 1024)

/* Items kept from one document; the rest are dropped with a warning. Real
 * feeds carry 10-200; 2 000 bounds a hostile one. */
#define LIMIT_ITEMS_PER_DOC     2000

/* Normalized text is cut (on a UTF-8 boundary) to these many bytes. */
#define LIMIT_TITLE_BYTES       1024
#define LIMIT_SUMMARY_BYTES     4096
/* Other short fields: ids, links, author names, categories. */
#define LIMIT_FIELD_BYTES       2048
/* Raw HTML content of an item kept for the "content" field. */
#define LIMIT_CONTENT_BYTES     (256u * 1024)
/* Categories kept per item. */
#define LIMIT_CATEGORIES        32
/* Raw text (markup and entities included) gathered for one field of a feed
 * before it is cleaned: a 10 MB description must not cost 10 MB per copy,
 * and 1 MiB leaves far more than the cleaned limits above need. */
#define LIMIT_FIELD_RAW_BYTES   (1024u * 1024)
/* Element nesting accepted in a feed. Real feeds nest under 30 deep (XHTML
 * content included); deeper documents are refused as hostile before
 * libxml2's own limit of 256 halts the parser. */
#define LIMIT_XML_DEPTH         200

/* Network, per feed (DESIGN.md "Limits"). */
#define LIMIT_CONNECT_TIMEOUT_S 10
#define LIMIT_TOTAL_TIMEOUT_S   60
#define LIMIT_REDIRECTS         5
/* Abort a transfer slower than this many bytes/s for LOW_SPEED_TIME s. */
#define LIMIT_LOW_SPEED_BYTES   100
#define LIMIT_LOW_SPEED_TIME_S  15
/* Response header values kept (ETag, Last-Modified, Content-Type,
 * Retry-After); a longer one is ignored, because ETag and Last-Modified go
 * into the store and back to the server. Real ones are under 100 bytes. */
#define LIMIT_HEADER_VALUE_BYTES 1024
/* Transfers at once per scheme://host:port: a browser's politeness (6), so
 * a small provincial site never sees more than one visitor would open. */
#define LIMIT_HOST_CONNECTIONS  6
/* Transfers (and connections) at once in total: enough to hide latency for
 * a thousand feeds, few enough for file descriptors and memory (each one
 * may hold up to LIMIT_BODY_BYTES). */
#define LIMIT_FETCH_PARALLEL    64

/* HTML pages (parse/html.c, parse/article.c). XPath steps per page, all
 * rules together (libxml2's opLimit): a 2 000-item page with seven rules
 * takes a few hundred thousand; this stops a quadratic rule (every
 * descendant of every descendant) on a hostile page in about a second. */
#define LIMIT_XPATH_OPS         (20u * 1000 * 1000)
/* JSON-LD blocks read per page, and the largest one parsed: real ones are
 * a few KB, a few per page. */
#define LIMIT_JSONLD_BLOCKS     16
#define LIMIT_JSONLD_BYTES      (256u * 1024)
/* Clean text kept of one article page: a long report is ~60 KB. */
#define LIMIT_ARTICLE_BYTES     (256u * 1024)
/* Largest article page fetched (decoded), under [bantin] body_max: its
 * link comes from the feed, untrusted, and real pages are 50-200 KB
 * (heavy ASP.NET ones about 1 MB). */
#define LIMIT_ARTICLE_PAGE_BYTES ((size_t)4 * 1024 * 1024)

/* Longest config line; longer ones are an error, not silently cut. */
#define LIMIT_CONFIG_LINE       4096
/* Largest config file read: a thousand feeds and subscribers take well
 * under 1 MiB; a bigger file is a mistake (-c pointing at the database). */
#define LIMIT_CONFIG_BYTES      (4u * 1024 * 1024)

/* Admin commands (config/opml.c, fetch/discover.c). Feed outlines taken
 * from one OPML file: a reader's whole export is a few hundred; past this
 * the rest are reported as dropped rather than proposed. The file itself
 * is read up to LIMIT_CONFIG_BYTES. */
#define LIMIT_OPML_OUTLINES     5000
/* Feed links `bantin discover` lists from one page: sites declare one to
 * a dozen; a page with thousands of <link> tags is not telling the truth. */
#define LIMIT_DISCOVER_LINKS    100
/* Items one digest is built from (`bantin digest`, `bantin run`): a day of
 * a thousand busy feeds is under 20 000; past that a feed is flooding, and
 * dedup, rendering and a mail of that size would not help a reader. The
 * earliest stored are kept, the rest reported. */
#define LIMIT_DIGEST_ITEMS      20000

/* Work bound: each index list (one syllable of the title index, one band
 * bucket of the body index) is walked back at most this many entries per
 * item. A flood of look-alike items (one template posted by every
 * commune) then costs O(n * LIMIT_DEDUP_SCAN), not O(n^2); the price is that
 * an item can miss a partner more than LIMIT_DEDUP_SCAN look-alikes back in
 * the window. Titles are indexed on their rarest syllables (prefix
 * filtering), so ordinary lists stay far shorter than this. */
#define LIMIT_DEDUP_SCAN        64

/* A password file ([smtp] password_file) is one short line; a bigger file
 * is not one, and is refused rather than read whole. */
#define LIMIT_PASSWORD_FILE_BYTES 4096

/* New SMTP sessions one delivery run may open after the server closed one
 * that had taken messages (a per-connection limit, "421 too many
 * messages"): each needs progress in the one before, this bounds it. */
#define LIMIT_SMTP_SESSIONS 100

#endif
