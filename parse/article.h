/* article.h - the clean text of an article page, and a summary of it.
 *
 * Provincial and central dân vận sites surround each article with menus,
 * banners, "Tin cùng chuyên mục" / "Bài viết khác" / "Các bài mới nhất"
 * lists, visitor counters ("Thống kê truy cập", "Hôm nay: 56"), licence
 * footers ("Giấy phép số", "Ghi rõ nguồn"), share and print links, and
 * photo captions that repeat as text (../shared/seeds/). None of that may
 * reach a summary. Two ways to the body:
 *   - with an XPath (the feed's `article` rule), the text of the node(s) it
 *     matches, with the boilerplate inside them removed;
 *   - without one (or when it matches nothing), a generic extraction in the
 *     way of Readability: blocks are scored by their text length, commas
 *     and sentence ends, by class/id hints (content, detail, noi-dung,
 *     article, body ... count for; sidebar, menu, footer, comment, related,
 *     tin-lien-quan, banner ... against), and by link density; the best
 *     block and its high-scoring siblings are kept.
 * Either way the text then goes through the same paragraph filters:
 * boilerplate headings and the link lists after them, counters, licence
 * and share lines, date-only and number-only lines, captions (<figcaption>,
 * class "caption"/"chuthich", a short unpunctuated line next to an image),
 * repeats of the title, and link-dominated paragraphs. */
#ifndef BANTIN_ARTICLE_H
#define BANTIN_ARTICLE_H

#include <stddef.h>
#include <stdint.h>

struct article {
    char *text;          /* paragraphs (NFC, whitespace collapsed) joined by
                            "\n\n", at most LIMIT_ARTICLE_BYTES; never NULL
                            after success, possibly "" */
    char *title;         /* og:title / JSON-LD headline / first <h1>, or NULL */
    int64_t published;   /* article:published_time / JSON-LD datePublished,
                            or TIME_NONE */
    int generic;         /* 1: found by the generic extraction */
};

/* Extract the article of a page of n bytes fetched from page_url (may be
 * NULL), decoded as html_read does (http_charset may be NULL). xpath may be
 * NULL. Returns 0 with *out filled (release with article_free). When the
 * XPath matched nothing the generic extraction is used, out->generic is 1
 * and err holds a warning ("article: XPath matched nothing; ...") while 0
 * is returned: the caller reports err when err[0] != 0. Returns -1 with
 * *out empty and err set when the page is not HTML or the XPath does not
 * compile or fails at run time ("article: XPath evaluation failed: ..."). */
int article_parse(const char *page, size_t n, const char *page_url,
                  const char *http_charset, const char *xpath,
                  struct article *out, char *err, size_t errlen);

void article_free(struct article *a);

/* article_parse, keeping only the text. Returns the malloc'd text (caller
 * frees), or NULL with err set. */
char *article_extract(const char *page, size_t n, const char *page_url,
                      const char *http_charset, const char *xpath,
                      char *err, size_t errlen);

/* A summary of clean text (as article_parse makes it): its first whole
 * sentences, paragraphs joined by a space, at most max bytes (max >= 8).
 * When the first sentences that fit fill less than 40% of max, the text is
 * instead cut on a word boundary and "…" (3 bytes, counted in max) is
 * appended; never mid-word or mid-character. A text that fits is returned
 * whole. Returns a malloc'd string (caller frees); never NULL. */
char *article_summary(const char *text, size_t max);

#endif
