/* text.h - Vietnamese text normalization: plain text, NFC, match keys.
 *
 * Inside bantin text is UTF-8 NFC, always (VIETNAMESE.md 1). Feed titles and
 * summaries arrive as HTML fragments with entities left over from CDATA; the
 * functions here turn them into clean plain text, and build the keys that
 * dedup and topic matching compare. */
#ifndef BANTIN_TEXT_H
#define BANTIN_TEXT_H

#include <stddef.h>

/* Turn an HTML fragment (or plain text) of n bytes into clean plain text:
 * invalid UTF-8 replaced by U+FFFD, tags stripped (block tags such as <p>,
 * <br>, <div>, <li> become a space; <script>, <style> and comments vanish
 * with their content), HTML named and numeric entities decoded (&ocirc;
 * &#242; &#x1EC7; &nbsp;), control characters dropped, all whitespace
 * (including NBSP) collapsed to single spaces and trimmed, NFC applied, and
 * the result cut to at most max bytes on a UTF-8 character boundary
 * (preferring to end before a space within the last 32 bytes; never
 * ending in a space). Controls are C0 other than whitespace, DEL, C1,
 * U+FEFF and U+FFFE/U+FFFF. Only the first ~4*max bytes of output matter,
 * so the work is bounded by max, not by n.
 * Returns a malloc'd NUL-terminated string (caller frees); never NULL. */
char *text_clean(const char *s, size_t n, size_t max);

/* Like text_clean for a text that is not HTML (an id, a URL, an author from
 * an attribute): no tag stripping, but entities are still decoded, controls
 * dropped, whitespace collapsed, NFC, cut to max bytes. Caller frees. */
char *text_clean_plain(const char *s, size_t n, size_t max);

/* NFC of UTF-8 s; invalid sequences (and NUL bytes, which a C string
 * cannot carry) become U+FFFD. Caller frees; never NULL. */
char *text_nfc(const char *s, size_t n);

/* Decode HTML named (HTML 4 set, plus &apos;) and numeric entities in s,
 * the ';' required; other bytes are copied unchanged. Unknown or
 * malformed references are left as they are. Numeric references to 0,
 * surrogates or past U+10FFFF give U+FFFD; 0x80-0x9F are windows-1252, as
 * in HTML5. The result is never longer than n. Caller frees. */
char *text_decode_entities(const char *s, size_t n);

/* The length of the longest prefix of s[0..n) that is at most max bytes and
 * ends on a UTF-8 character boundary. */
size_t text_utf8_cut(const char *s, size_t n, size_t max);

/* The match key used to compare texts for dedup and topics: syllables
 * (runs of letters and digits) in lower case, separated by single spaces,
 * punctuation dropped, with the tone mark of each syllable removed from
 * wherever it sits and appended as a digit (1 sắc, 2 huyền, 3 hỏi, 4 ngã,
 * 5 nặng). So "Hòa"/"hoà" -> "hoa2", "Tỉnh ủy"/"Tỉnh uỷ" -> "tinh3 uy3", NFD
 * and NFC input give one key, while "hoà"/"hoa" and "quý"/"quy" stay
 * distinct. Vowel-shape marks (ă â ê ô ơ ư) and đ are kept. Syllables are
 * runs of letters, marks and digits (Unicode L*, M*, N*); a syllable with
 * two tone marks (a typo) keeps the lower digit.
 * Returns a malloc'd string (caller frees); never NULL. */
char *text_match_key(const char *s, size_t n);

/* Step *p to the next syllable of a match key (single spaces between
 * syllables) and set *len to its length: returns 1, or 0 at the end. The
 * caller adds *len to *p before the next call. */
int text_key_next(const char **p, size_t *len);

#endif
