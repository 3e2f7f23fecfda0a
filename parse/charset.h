/* charset.h - turn the bytes of a document into clean UTF-8 before parsing.
 *
 * The encoding is chosen as LIBS.md 3 and VIETNAMESE.md 1.3 say: a BOM
 * first, then the XML declaration (or <meta charset> for HTML), then the
 * charset the HTTP server named, else UTF-8. A declaration of UTF-16 on
 * bytes that are plainly not UTF-16 (vietnambiz) is ignored. Legacy
 * Vietnamese encodings (windows-1258, TCVN5712-1, VISCII) and the rest go
 * through iconv. Bytes that do not decode become U+FFFD; characters that XML
 * forbids (C0 controls other than TAB, LF, CR) are dropped. The document
 * can then be parsed with the encoding forced to "UTF-8". */
#ifndef BANTIN_CHARSET_H
#define BANTIN_CHARSET_H

#include <stddef.h>

struct charset_result {
    char *data;          /* malloc'd UTF-8, NUL-terminated; caller frees */
    size_t len;
    char encoding[40];   /* the encoding the bytes were read as */
    size_t replaced;     /* bytes that did not decode (now U+FFFD) */
};

/* Decode n bytes of doc. http_charset may be NULL. html selects where the
 * declared charset is looked for (<meta> instead of <?xml?>). Returns 0, or
 * -1 with a message in err when the encoding is unknown to iconv (then the
 * document is read as UTF-8 with replacement, and 0 is returned with a
 * warning in err instead: the caller reports err when err[0] != 0). */
int charset_to_utf8(const char *doc, size_t n, const char *http_charset,
                    int html, struct charset_result *out,
                    char *err, size_t errlen);

#endif
