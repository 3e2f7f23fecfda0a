/* dedup.h - near-duplicate grouping of items into stories.
 *
 * The same story reaches bantin from several feeds: the same URL with other
 * tracking parameters, a retouched title, or the whole text re-posted under
 * a new title with "Nguồn: Danvan.vn" (DESIGN.md "The pipeline",
 * VIETNAMESE.md 5 "Segmentation"). dedup_group links two items when
 *
 *   (a) their links have one canonical form (util/url.h), at any distance
 *       in time;
 *   (b) their titles, republishing marks stripped (dedup_title_strip),
 *       have syllable sets of at least DEDUP_TITLE_MIN_SYLLABLES whose
 *       Jaccard index is at least DEDUP_TITLE_JACCARD_NUM/_DEN, and are
 *       not the same template about two subjects (dedup_title_match), and
 *       the items are at most DEDUP_WINDOW apart;
 *   (c) their summaries have at least DEDUP_BODY_MIN_SYLLABLES syllables
 *       and a MinHash estimate of the Jaccard index of their syllable
 *       4-shingles of at least DEDUP_BODY_JACCARD_NUM/_DEN, and the items
 *       are at most DEDUP_WINDOW apart;
 *
 * and a story is every item reachable through such links (union-find).
 * Texts are compared through text_match_key (parse/text.h), so tone
 * placement ("Tỉnh ủy"/"Tỉnh uỷ"), case and NFD/NFC never matter. Nothing
 * here reads the store: the caller passes plain data and gets plain data. */
#ifndef BANTIN_DEDUP_H
#define BANTIN_DEDUP_H

#include <stddef.h>
#include <stdint.h>

/* Titles: syllable-set Jaccard >= 3/5 (VIETNAMESE.md 5: a retouched title
 * of the same event scores 0.72; a one-word edit of a 10-syllable title
 * 0.67-0.82). Shorter titles ("Tin vắn", "Thông báo") say too little. */
#define DEDUP_TITLE_JACCARD_NUM     3
#define DEDUP_TITLE_JACCARD_DEN     5
#define DEDUP_TITLE_MIN_SYLLABLES   4

/* Bodies: MinHash of syllable 4-shingles, DEDUP_MINHASH values in
 * DEDUP_BANDS bands of DEDUP_MINHASH / DEDUP_BANDS rows for the LSH index:
 * 32 bands of 4 rows make a pair at Jaccard 0.7 a candidate with
 * probability 0.9998 (1 - (1 - 0.7^4)^32); candidates are then checked
 * on all 128 values (standard error of the estimate 0.04 at 0.7). */
#define DEDUP_MINHASH               128
#define DEDUP_BANDS                 32
#define DEDUP_SHINGLE               4
#define DEDUP_BODY_JACCARD_NUM      7
#define DEDUP_BODY_JACCARD_DEN      10
#define DEDUP_BODY_MIN_SYLLABLES    20

/* Text rules link items at most this far apart (published, else first
 * seen): the same template ("Sơ kết công tác dân vận 6 tháng") comes back
 * every half year, a re-post follows within a day or two. */
#define DEDUP_WINDOW                (48 * 3600)

/* The work bound per index list is LIMIT_DEDUP_SCAN (util/limits.h). */

/* One item as dedup sees it. Strings are UTF-8 NFC (any of them may be
 * NULL); times are UTC seconds or TIME_NONE (util/util.h). */
struct dedup_item {
    int64_t id;             /* the store's item id: ties and determinism */
    const char *feed;       /* feed id (not used for grouping) */
    const char *title;
    const char *link;
    const char *summary;
    int64_t published;      /* or TIME_NONE */
    int64_t first_seen;     /* when bantin first stored it, or TIME_NONE */
};

/* Group items[0..n) into stories. On return story[i] (OUT: n entries) is
 * the index in items of the representative of item i's story: the item
 * with the earliest time (published, else first_seen; unknown times last),
 * ties broken by the smaller id, then the smaller index. So story[i] == i
 * exactly for representatives, and story[story[i]] == story[i].
 * An item with neither time takes part in rule (a) only.
 * The result depends on the items, not on their order in the array (given
 * distinct ids). Returns the number of stories; never fails (dies on OOM
 * like xmalloc). */
size_t dedup_group(const struct dedup_item *items, size_t n, size_t *story);

/* The title with republishing marks removed, for keying: a leading tag in
 * square brackets ("[Video]", "[Ảnh]", at most 40 bytes), a leading
 * "Video:", "Ảnh:", "Clip:", "Infographic:", "Photo:" or "Trực tiếp:", a
 * trailing "(Nguồn: X)", "(Theo X)" or "(Video)" in round or square
 * brackets, a trailing " | X" site name, and a trailing " - X", " – X" or
 * " — X" when X names a publication ("Báo ..." but not "Báo cáo ...",
 * "Tạp chí ...", "Cổng thông tin ...", "Trang thông tin ...", "Đài phát
 * thanh/truyền hình ...", "Nguồn: ...") or is a domain name
 * ("Danvan.vn"); a trailing X is at most DEDUP_SUFFIX_MAX_BYTES. Words
 * are compared through their match keys (any case or tone style). Marks
 * are removed repeatedly, but never when no syllable would be left; a
 * place prefix ("Huyện Thanh Trì: ...") and " - " inside a headline
 * ("kinh tế - xã hội") stay. Returns a malloc'd string (caller frees); ""
 * for NULL. */
char *dedup_title_strip(const char *title);
#define DEDUP_SUFFIX_MAX_BYTES      80

/* Jaccard index of the syllable sets of the match keys of the two titles
 * after dedup_title_strip: |A & B| / |A | B|, 0 when both are empty.
 * For tests and admins; no threshold applied. */
double dedup_title_similarity(const char *a, const char *b);

/* 1 when rule (b) holds for the two titles, times aside: both have at
 * least DEDUP_TITLE_MIN_SYLLABLES distinct syllables, their Jaccard index
 * reaches the threshold, and they are not the same template about two
 * subjects. The last is read from an alignment of the two syllable
 * sequences (longest common subsequence): a place where each title has,
 * in the other's stead, syllables the other lacks altogether, and those
 * are two or more on each side ("tổng kết công tác [dân vận | tôn giáo]
 * năm 2020", "[Nghệ An | Hà Tĩnh]: ..."), or a number on each side ("sơ
 * kết [6 | 9] tháng"), or a capitalized syllable on each side ("Xã Tân
 * [Phú | Lập]"), means two stories. Edits that only add or drop words
 * ("Huyện X: ...", "... tại Hội nghị"), or swap one lower-case word for
 * another ("với" / "cùng"), do not. */
int dedup_title_match(const char *a, const char *b);

/* MinHash estimate (DEDUP_MINHASH values) of the Jaccard index of the
 * syllable 4-shingle sets of the two texts' match keys; -1 when either has
 * fewer than DEDUP_SHINGLE syllables. The same estimate rule (c) uses,
 * minimum length aside. */
double dedup_body_similarity(const char *a, const char *b);

#endif
