/* dedup.c - near-duplicate grouping of items into stories (dedup.h). */
#include "digest/dedup.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "parse/text.h"
#include "util/limits.h"
#include "util/url.h"
#include "util/util.h"

/* ---- hashing ---- */

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull;   /* FNV-1a 64 */

    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* murmur3's finalizer: FNV-1a alone leaves the high bits of short keys
 * poorly mixed, and the MinHash family below reads the high bits. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* 64-bit syllable hashes stand for the syllables themselves: among the
 * at most millions of distinct syllables of a run a collision has odds
 * below 1e-7, and would merely make two syllables one. */
static uint64_t syllable_hash(const char *s, size_t n)
{
    return mix64(hash_bytes(s, n));
}

/* ---- title marks ---- */

static int key_has_word(const char *key, const char *word)
{
    char *w = text_match_key(word, strlen(word));
    size_t n = strlen(w);
    int ok = n > 0 && strncmp(key, w, n) == 0 &&
             (key[n] == '\0' || key[n] == ' ');

    free(w);
    return ok;
}

/* 1 when the match key of s[0..n) is one of words (as a whole), or, with
 * prefix set, starts with one of them as whole syllables. */
static int fragment_is(const char *s, size_t n, const char *const *words,
                       int prefix)
{
    char *key = text_match_key(s, n);
    int ok = 0;

    for (size_t i = 0; words[i] && !ok; i++) {
        if (prefix) {
            ok = key_has_word(key, words[i]);
        } else {
            char *w = text_match_key(words[i], strlen(words[i]));
            ok = *w && strcmp(key, w) == 0;
            free(w);
        }
    }
    free(key);
    return ok;
}

static const char *const media_tags[] = {
    "video", "ảnh", "clip", "infographic", "photo", "trực tiếp", "tin ảnh",
    "podcast", "emagazine", "audio", NULL
};
static const char *const source_words[] = { "nguồn", "theo", NULL };
static const char *const publications[] = {
    "báo", "tạp chí", "cổng thông tin", "cổng ttđt", "trang thông tin",
    "đài phát thanh", "đài truyền hình", "truyền hình", "nguồn", NULL
};

static int has_syllable(const char *s, size_t n)
{
    char *key = text_match_key(s, n);
    int ok = key[0] != '\0';

    free(key);
    return ok;
}

/* "Danvan.vn", "baonghean.vn", "VnExpress.net": no space, a dot, and
 * letters after the last dot. */
static int is_domain(const char *s, size_t n)
{
    size_t dot = 0;

    if (n < 4)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (c == '.')
            dot = i;
        else if (!IS_ALPHA(c) && !IS_DIGIT(c) && c != '-' && c != '/')
            return 0;
    }
    if (dot == 0 || dot + 2 > n)
        return 0;
    for (size_t i = dot + 1; i < n; i++)
        if (!IS_ALPHA(s[i]))
            return 0;
    return 1;
}

static void trim(const char *s, size_t *b, size_t *e)
{
    while (*b < *e && IS_SPACE(s[*b]))
        (*b)++;
    while (*e > *b && IS_SPACE(s[*e - 1]))
        (*e)--;
}

/* The last occurrence of needle in s[b..e) that starts after b, or
 * (size_t)-1. */
static size_t find_last(const char *s, size_t b, size_t e, const char *needle)
{
    size_t nl = strlen(needle);

    if (e < nl)
        return (size_t)-1;
    for (size_t at = e - nl; at > b; at--)
        if (memcmp(s + at, needle, nl) == 0)
            return at;
    return (size_t)-1;
}

/* One mark off the front of s[*b..*e), if there is one; 1 when removed. */
static int strip_leading(const char *s, size_t *b, size_t e)
{
    size_t i;

    if (s[*b] == '[') {
        for (i = *b + 1; i < e && i - *b <= 40 && s[i] != ']' && s[i] != '['; i++)
            ;
        if (i < e && s[i] == ']' && has_syllable(s + i + 1, e - i - 1)) {
            *b = i + 1;
            return 1;
        }
        return 0;
    }
    for (i = *b; i < e && i - *b <= 24 && s[i] != ':'; i++)
        ;
    if (i < e && s[i] == ':' && i + 1 < e && IS_SPACE(s[i + 1]) &&
        fragment_is(s + *b, i - *b, media_tags, 0) &&
        has_syllable(s + i + 1, e - i - 1)) {
        *b = i + 1;
        return 1;
    }
    return 0;
}

/* One mark off the end of s[b..*e), if there is one; 1 when removed. */
static int strip_trailing(const char *s, size_t b, size_t *e)
{
    static const char *const dashes[] = {
        " - ", " \xe2\x80\x93 ", " \xe2\x80\x94 ", NULL    /* - – — */
    };
    char close = s[*e - 1];
    size_t at;

    if (close == ')' || close == ']') {
        char open = close == ')' ? '(' : '[';
        for (at = *e - 1; at > b && s[at] != open; at--)
            ;
        if (at > b && s[at] == open) {
            const char *in = s + at + 1;
            size_t n = *e - 1 - (at + 1);
            if ((fragment_is(in, n, source_words, 1) ||
                 fragment_is(in, n, media_tags, 0)) &&
                has_syllable(s + b, at - b)) {
                *e = at;
                return 1;
            }
        }
    }
    at = find_last(s, b, *e, "|");
    if (at != (size_t)-1 && *e - at - 1 <= DEDUP_SUFFIX_MAX_BYTES &&
        has_syllable(s + b, at - b)) {
        *e = at;
        return 1;
    }
    for (size_t d = 0; dashes[d]; d++) {
        size_t dl = strlen(dashes[d]);
        const char *tail;
        size_t tn;
        at = find_last(s, b, *e, dashes[d]);
        if (at == (size_t)-1)
            continue;
        tail = s + at + dl;
        tn = *e - at - dl;
        if (tn > DEDUP_SUFFIX_MAX_BYTES || !has_syllable(s + b, at - b))
            continue;
        if (is_domain(tail, tn) ||
            (fragment_is(tail, tn, publications, 1) &&
             !fragment_is(tail, tn, (const char *const[]){ "báo cáo", NULL }, 1))) {
            *e = at;
            return 1;
        }
    }
    return 0;
}

char *dedup_title_strip(const char *title)
{
    size_t b = 0, e;
    int changed = 1;

    if (!title)
        return xstrdup("");
    e = strlen(title);
    trim(title, &b, &e);
    /* A title carries a mark or two; the bound keeps a hostile one cheap. */
    for (int round = 0; changed && round < 6 && b < e; round++) {
        changed = strip_leading(title, &b, e);
        trim(title, &b, &e);
        if (b < e && strip_trailing(title, b, &e))
            changed = 1;
        trim(title, &b, &e);
    }
    return xstrndup(title + b, e - b);
}

/* ---- syllable interning ---- */

/* Open addressing map from a 64-bit hash to a dense id. */
struct intern {
    uint64_t *keys;
    uint32_t *vals;         /* id + 1; 0 is empty */
    size_t cap, n;
    uint64_t *hashes;       /* hashes[id]: the hash interned as id */
};

static void intern_init(struct intern *t)
{
    t->cap = 1024;
    t->n = 0;
    t->keys = xcalloc(t->cap, sizeof *t->keys);
    t->vals = xcalloc(t->cap, sizeof *t->vals);
    t->hashes = xmalloc(t->cap / 2 * sizeof *t->hashes);
}

static void intern_release(struct intern *t)
{
    free(t->keys);
    free(t->vals);
    free(t->hashes);
}

static uint32_t intern_put(struct intern *t, uint64_t h)
{
    size_t mask = t->cap - 1, i;

    for (i = (size_t)h & mask; t->vals[i]; i = (i + 1) & mask)
        if (t->keys[i] == h)
            return t->vals[i] - 1;
    if ((t->n + 1) * 2 > t->cap) {
        struct intern big = { NULL, NULL, t->cap * 2, 0, NULL };
        big.keys = xcalloc(big.cap, sizeof *big.keys);
        big.vals = xcalloc(big.cap, sizeof *big.vals);
        for (size_t k = 0; k < t->cap; k++) {
            if (!t->vals[k])
                continue;
            size_t j;
            for (j = (size_t)t->keys[k] & (big.cap - 1); big.vals[j];
                 j = (j + 1) & (big.cap - 1))
                ;
            big.keys[j] = t->keys[k];
            big.vals[j] = t->vals[k];
        }
        free(t->keys);
        free(t->vals);
        t->keys = big.keys;
        t->vals = big.vals;
        t->cap = big.cap;
        t->hashes = xrealloc(t->hashes, t->cap / 2 * sizeof *t->hashes);
        return intern_put(t, h);
    }
    t->keys[i] = h;
    t->vals[i] = (uint32_t)++t->n;
    t->hashes[t->n - 1] = h;
    return (uint32_t)(t->n - 1);
}

/* ---- titles ---- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* A title as sequences of syllable ids: seq in text order, set sorted and
 * unique; cap[i] is 1 when syllable i starts with a capital letter in the
 * title (a proper name: "Tân Phú", "Hà Tĩnh"). */
struct title {
    uint32_t *seq, *set;
    unsigned char *cap;
    uint32_t *capset;       /* ids capitalized somewhere, sorted, unique */
    size_t nseq, nset, ncapset;
};

/* Mark in cap[0..n) the syllables of s, but the first, that start with a
 * capital, cutting s into syllables as text_match_key does (runs of
 * letters, marks and digits). When the count differs from n (text the key
 * reads otherwise) no syllable is marked: the capital rule then just does
 * not apply. */
static void syllable_caps(const char *s, unsigned char *cap, size_t n)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(s), k;
    size_t count = 0;
    int in = 0;

    memset(cap, 0, n);
    while (left > 0) {
        utf8proc_int32_t c;
        utf8proc_category_t cat;
        k = utf8proc_iterate(p, left, &c);
        if (k < 1)
            return;
        p += k;
        left -= k;
        cat = utf8proc_category(c);
        if (cat < UTF8PROC_CATEGORY_LU || cat > UTF8PROC_CATEGORY_NO) {
            in = 0;
            continue;
        }
        if (in || (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME))
            continue;
        in = 1;
        if (count < n)
            cap[count] = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
        count++;
    }
    if (count != n)
        memset(cap, 0, n);
    /* A title's first word is capitalized whatever it is. */
    if (n > 0)
        cap[0] = 0;
}

static size_t sort_unique(uint32_t *v, size_t n)
{
    size_t k = 0;

    qsort(v, n, sizeof *v, cmp_u32);
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    return k;
}

static void title_build(struct title *t, const char *title, struct intern *in,
                        unsigned char **isnum, size_t *isnum_cap)
{
    char *stripped = dedup_title_strip(title);
    char *key = text_match_key(stripped, strlen(stripped));
    size_t len, cap = 8, k;

    t->seq = xmalloc(cap * sizeof *t->seq);
    t->nseq = 0;
    for (const char *p = key; text_key_next(&p, &len); p += len) {
        uint32_t id = intern_put(in, syllable_hash(p, len));
        if (t->nseq == cap) {
            cap *= 2;
            t->seq = xrealloc(t->seq, cap * sizeof *t->seq);
        }
        t->seq[t->nseq++] = id;
        if (id >= *isnum_cap) {
            size_t old = *isnum_cap;
            *isnum_cap = (id + 1) * 2;
            *isnum = xrealloc(*isnum, *isnum_cap);
            memset(*isnum + old, 0, *isnum_cap - old);
        }
        for (k = 0; k < len && IS_DIGIT(p[k]); k++)
            ;
        (*isnum)[id] = k == len;
    }
    free(key);
    t->cap = xmalloc(t->nseq ? t->nseq : 1);
    syllable_caps(stripped, t->cap, t->nseq);
    free(stripped);
    t->set = xmalloc((t->nseq ? t->nseq : 1) * sizeof *t->set);
    t->capset = xmalloc((t->nseq ? t->nseq : 1) * sizeof *t->capset);
    t->ncapset = 0;
    for (k = 0; k < t->nseq; k++) {
        t->set[k] = t->seq[k];
        if (t->cap[k])
            t->capset[t->ncapset++] = t->seq[k];
    }
    t->nset = sort_unique(t->set, t->nseq);
    t->ncapset = sort_unique(t->capset, t->ncapset);
}

static void title_release(struct title *t)
{
    free(t->seq);
    free(t->set);
    free(t->cap);
    free(t->capset);
}

static size_t set_intersection(const struct title *a, const struct title *b)
{
    size_t i = 0, j = 0, n = 0;

    while (i < a->nset && j < b->nset) {
        if (a->set[i] < b->set[j]) {
            i++;
        } else if (a->set[i] > b->set[j]) {
            j++;
        } else {
            n++;
            i++;
            j++;
        }
    }
    return n;
}

/* 1 when id is in the sorted v[0..n); bsearch's indirect compare costs
 * more than the search on these short arrays. */
static int sorted_has(const uint32_t *v, size_t n, uint32_t id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == id;
}

static int set_has(const struct title *t, uint32_t id)
{
    return sorted_has(t->set, t->nset, id);
}

/* Titles longer than this are aligned on their first GUARD_MAX syllables;
 * real titles have 8-30. */
#define GUARD_MAX 128

/* 1 when syllable id is capitalized somewhere in t. */
static int cap_has(const struct title *t, uint32_t id)
{
    return sorted_has(t->capset, t->ncapset, id);
}

/* What a[ai..ae) holds that b lacks: how many syllables b lacks
 * altogether, whether one of those is a number, and whether a capitalized
 * syllable of it is nowhere capitalized in b ("Xã Tác Trốc" against a
 * title with "công tác": the name is new though the syllable is not). */
struct lack {
    size_t n;
    int num, cap;
};

static struct lack lacking(const struct title *a, size_t ai, size_t ae,
                           const struct title *b, const unsigned char *isnum)
{
    struct lack l = { 0, 0, 0 };

    for (size_t i = ai; i < ae; i++) {
        if (a->cap[i] && !cap_has(b, a->seq[i]))
            l.cap = 1;
        if (set_has(b, a->seq[i]))
            continue;
        l.n++;
        l.num |= isnum[a->seq[i]];
    }
    return l;
}

/* lacking() over the whole of a, by merging the sorted sets. */
static struct lack lacking_all(const struct title *a, const struct title *b,
                               const unsigned char *isnum)
{
    struct lack l = { 0, 0, 0 };
    size_t i, j;

    for (i = j = 0; i < a->nset; i++) {
        while (j < b->nset && b->set[j] < a->set[i])
            j++;
        if (j < b->nset && b->set[j] == a->set[i])
            continue;
        l.n++;
        l.num |= isnum[a->set[i]];
    }
    for (i = j = 0; i < a->ncapset && !l.cap; i++) {
        while (j < b->ncapset && b->capset[j] < a->capset[i])
            j++;
        l.cap = j == b->ncapset || b->capset[j] != a->capset[i];
    }
    return l;
}

/* Where one title has x and the other y in its place: two subjects when
 * each side names something the other lacks: two or more syllables each
 * ("dân vận" / "tôn giáo"), a number each ("6" / "9"), or a proper name
 * each ("Tân Phú" / "Tân Lập": one capitalized syllable is enough). */
static int slot_differs(struct lack x, struct lack y)
{
    return (x.n >= 2 && y.n >= 2) || (x.num && y.num) || (x.cap && y.cap);
}

/* 1 when the two titles are one template about two subjects (dedup.h).
 * The slots are what lies between anchors: runs of two or more syllables
 * the alignment matches in a row. A lone common syllable is no anchor:
 * "Xã [Vâ Than] tổ chức" and "Xã [Phết Vâ] tổ chức" share "Vâ", but at
 * another place of the name, so the names are one slot, not two. */
static int titles_differ_in_slot(const struct title *a, const struct title *b,
                                 const unsigned char *isnum)
{
    /* lcs[i][j]: longest common subsequence of a[i..m) and b[j..n). */
    unsigned char lcs[GUARD_MAX + 1][GUARD_MAX + 1];
    size_t ma[GUARD_MAX], mb[GUARD_MAX], nm = 0;
    size_t m = a->nseq < GUARD_MAX ? a->nseq : GUARD_MAX;
    size_t n = b->nseq < GUARD_MAX ? b->nseq : GUARD_MAX;
    size_t i, j, ea = 0, eb = 0, pre = 0, suf = 0;

    /* No slot can differ when the whole titles do not: skip the
     * alignment, which most pairs that reach here (re-posts) allow. */
    if (!slot_differs(lacking_all(a, b, isnum), lacking_all(b, a, isnum)))
        return 0;
    /* A common head and tail belong to a longest common subsequence: align
     * only the middle (one template's titles differ in a few syllables). */
    while (pre < m && pre < n && a->seq[pre] == b->seq[pre]) {
        ma[nm] = mb[nm] = pre;
        nm++;
        pre++;
    }
    while (suf < m - pre && suf < n - pre &&
           a->seq[m - 1 - suf] == b->seq[n - 1 - suf])
        suf++;
    for (i = m - suf + 1; i-- > pre;) {
        for (j = n - suf + 1; j-- > pre;) {
            if (i == m - suf || j == n - suf)
                lcs[i][j] = 0;
            else if (a->seq[i] == b->seq[j])
                lcs[i][j] = (unsigned char)(lcs[i + 1][j + 1] + 1);
            else
                lcs[i][j] = lcs[i + 1][j] >= lcs[i][j + 1] ? lcs[i + 1][j]
                                                           : lcs[i][j + 1];
        }
    }
    for (i = j = pre; i < m - suf && j < n - suf;) {
        if (a->seq[i] == b->seq[j]) {
            ma[nm] = i++;
            mb[nm++] = j++;
        } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
            i++;
        } else {
            j++;
        }
    }
    for (size_t k = suf; k > 0; k--) {
        ma[nm] = m - k;
        mb[nm++] = n - k;
    }
    for (size_t k = 0; k < nm;) {
        size_t run = 1;
        while (k + run < nm && ma[k + run] == ma[k] + run && mb[k + run] == mb[k] + run)
            run++;
        if (run >= 2) {
            if (slot_differs(lacking(a, ea, ma[k], b, isnum),
                             lacking(b, eb, mb[k], a, isnum)))
                return 1;
            ea = ma[k] + run;
            eb = mb[k] + run;
        }
        k += run;
    }
    return slot_differs(lacking(a, ea, m, b, isnum), lacking(b, eb, n, a, isnum));
}

/* |A & B| / |A | B| >= t = NUM/DEN exactly when |A & B| >= t/(1+t)
 * (|A| + |B|): the overlap two titles need. */
static size_t overlap_needed(size_t na, size_t nb)
{
    size_t num = DEDUP_TITLE_JACCARD_NUM, den = DEDUP_TITLE_JACCARD_DEN;

    return (num * (na + nb) + num + den - 1) / (num + den);
}

/* 1 when the sets share at least need syllables; gives up as soon as the
 * rest cannot make up the difference (most candidate pairs share one or
 * two common syllables and fail within a few steps). */
static int overlap_reaches(const struct title *a, const struct title *b,
                           size_t need)
{
    size_t i = 0, j = 0, n = 0;

    while (i < a->nset && j < b->nset) {
        size_t left_a = a->nset - i, left_b = b->nset - j;
        if (n >= need)
            return 1;
        if (n + (left_a < left_b ? left_a : left_b) < need)
            return 0;
        if (a->set[i] < b->set[j]) {
            i++;
        } else if (a->set[i] > b->set[j]) {
            j++;
        } else {
            n++;
            i++;
            j++;
        }
    }
    return n >= need;
}

static int titles_match(const struct title *a, const struct title *b,
                        const unsigned char *isnum)
{
    size_t need;

    if (a->nset < DEDUP_TITLE_MIN_SYLLABLES || b->nset < DEDUP_TITLE_MIN_SYLLABLES)
        return 0;
    need = overlap_needed(a->nset, b->nset);
    if (need > a->nset || need > b->nset || !overlap_reaches(a, b, need))
        return 0;
    return !titles_differ_in_slot(a, b, isnum);
}

/* Two titles compared outside a run: their own interning. */
struct title_pair {
    struct intern in;
    struct title a, b;
    unsigned char *isnum;
    size_t isnum_cap;
};

static void pair_build(struct title_pair *p, const char *a, const char *b)
{
    intern_init(&p->in);
    p->isnum = NULL;
    p->isnum_cap = 0;
    title_build(&p->a, a, &p->in, &p->isnum, &p->isnum_cap);
    title_build(&p->b, b, &p->in, &p->isnum, &p->isnum_cap);
}

static void pair_release(struct title_pair *p)
{
    title_release(&p->a);
    title_release(&p->b);
    intern_release(&p->in);
    free(p->isnum);
}

double dedup_title_similarity(const char *a, const char *b)
{
    struct title_pair p;
    double r = 0;
    size_t inter;

    pair_build(&p, a, b);
    inter = set_intersection(&p.a, &p.b);
    if (p.a.nset + p.b.nset > 0)
        r = (double)inter / (double)(p.a.nset + p.b.nset - inter);
    pair_release(&p);
    return r;
}

int dedup_title_match(const char *a, const char *b)
{
    struct title_pair p;
    int r;

    pair_build(&p, a, b);
    r = titles_match(&p.a, &p.b, p.isnum);
    pair_release(&p);
    return r;
}

/* ---- bodies ---- */

/* The fixed hash family h_k(x) = ((A_k x + B_k) >> 32) mod 2^32 on 32-bit
 * shingle fingerprints (multiply-add-shift, Dietzfelbinger 1996), A_k
 * (64-bit, odd) and B_k (32-bit) drawn once from splitmix64 with a fixed
 * seed: the same text gives the same signature in every run, on every
 * machine. It is computed as hi(A_k) x + ((lo(A_k) x + B_k) >> 32), all
 * in 32-bit lanes, which the compiler turns into vector code: this loop
 * is most of the cost of dedup. */
struct minhash {
    uint32_t alo[DEDUP_MINHASH], ahi[DEDUP_MINHASH], b[DEDUP_MINHASH];
};

static void minhash_init(struct minhash *mh)
{
    uint64_t state = 0x62616e74696e0001ull;     /* "bantin" */

    for (size_t k = 0; k < DEDUP_MINHASH; k++) {
        uint64_t a = splitmix64(&state) | 1;
        mh->alo[k] = (uint32_t)a;
        mh->ahi[k] = (uint32_t)(a >> 32);
        mh->b[k] = (uint32_t)splitmix64(&state);
    }
}

/* sig = min(sig, h(x)) for every hash of the family. */
static void minhash_add(const struct minhash *restrict mh, uint32_t x,
                        uint32_t *restrict sig)
{
    for (size_t k = 0; k < DEDUP_MINHASH; k++) {
        uint32_t v = mh->ahi[k] * x +
                     (uint32_t)(((uint64_t)mh->alo[k] * x + mh->b[k]) >> 32);
        sig[k] = v < sig[k] ? v : sig[k];
    }
}

/* The signature of text's match key into sig; returns its syllable count
 * (sig is untouched when it is below DEDUP_SHINGLE). */
static size_t minhash_sign(const struct minhash *mh, const char *text,
                           uint32_t *sig)
{
    char *key;
    uint64_t win[DEDUP_SHINGLE];
    size_t len, nsyl = 0;

    if (!text)
        return 0;
    key = text_match_key(text, strlen(text));
    for (size_t k = 0; k < DEDUP_MINHASH; k++)
        sig[k] = UINT32_MAX;
    for (const char *p = key; text_key_next(&p, &len); p += len) {
        uint64_t x = 0;
        win[nsyl % DEDUP_SHINGLE] = syllable_hash(p, len);
        nsyl++;
        if (nsyl < DEDUP_SHINGLE)
            continue;
        for (size_t s = 0; s < DEDUP_SHINGLE; s++)
            x = x * 0x100000001b3ull + win[(nsyl + s) % DEDUP_SHINGLE];
        minhash_add(mh, (uint32_t)(mix64(x) >> 32), sig);
    }
    free(key);
    return nsyl;
}

static size_t sig_agree(const uint32_t *x, const uint32_t *y)
{
    size_t n = 0;

    for (size_t k = 0; k < DEDUP_MINHASH; k++)
        n += x[k] == y[k];
    return n;
}

double dedup_body_similarity(const char *a, const char *b)
{
    struct minhash mh;
    uint32_t sa[DEDUP_MINHASH], sb[DEDUP_MINHASH];

    minhash_init(&mh);
    if (minhash_sign(&mh, a, sa) < DEDUP_SHINGLE ||
        minhash_sign(&mh, b, sb) < DEDUP_SHINGLE)
        return -1;
    return (double)sig_agree(sa, sb) / DEDUP_MINHASH;
}

/* ---- grouping ---- */

struct run {
    const struct dedup_item *items;
    size_t n;
    int64_t *time;          /* published, else first_seen */
    size_t *parent;         /* union-find */
    unsigned char *rank;
    size_t *order;          /* indices by (time, id, index); unknown last */
    size_t ntimed;          /* order[0..ntimed) have a time */
};

static size_t uf_find(struct run *r, size_t i)
{
    while (r->parent[i] != i) {
        r->parent[i] = r->parent[r->parent[i]];
        i = r->parent[i];
    }
    return i;
}

static void uf_union(struct run *r, size_t a, size_t b)
{
    a = uf_find(r, a);
    b = uf_find(r, b);
    if (a == b)
        return;
    if (r->rank[a] < r->rank[b]) {
        size_t t = a;
        a = b;
        b = t;
    }
    r->parent[b] = a;
    if (r->rank[a] == r->rank[b])
        r->rank[a]++;
}

/* Strict order of items: known time first, then earlier, smaller id,
 * smaller index. The representative of a story is its least item. */
static int item_before(const struct run *r, size_t i, size_t j)
{
    int ki = r->time[i] != TIME_NONE, kj = r->time[j] != TIME_NONE;

    if (ki != kj)
        return ki;
    if (r->time[i] != r->time[j])
        return r->time[i] < r->time[j];
    if (r->items[i].id != r->items[j].id)
        return r->items[i].id < r->items[j].id;
    return i < j;
}

static int cmp_order(const void *a, const void *b, void *ctx)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;

    if (i == j)
        return 0;
    return item_before(ctx, i, j) ? -1 : 1;
}

/* 1 when later (>= earlier) is more than DEDUP_WINDOW after earlier; the
 * unsigned difference cannot overflow. */
static int too_far(int64_t later, int64_t earlier)
{
    return (uint64_t)later - (uint64_t)earlier > (uint64_t)DEDUP_WINDOW;
}

/* ---- rule (a): canonical links ---- */

struct link_key {
    uint64_t h;
    char *url;
    size_t idx;
};

static int cmp_link(const void *a, const void *b)
{
    const struct link_key *x = a, *y = b;
    int c;

    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    c = strcmp(x->url, y->url);
    if (c)
        return c;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static void group_links(struct run *r)
{
    struct link_key *k = xmalloc((r->n ? r->n : 1) * sizeof *k);
    size_t nk = 0;

    for (size_t i = 0; i < r->n; i++) {
        char *c = url_canonical(r->items[i].link);
        if (!c)
            continue;
        k[nk].h = hash_bytes(c, strlen(c));
        k[nk].url = c;
        k[nk].idx = i;
        nk++;
    }
    qsort(k, nk, sizeof *k, cmp_link);
    for (size_t i = 1; i < nk; i++)
        if (k[i].h == k[i - 1].h && strcmp(k[i].url, k[i - 1].url) == 0)
            uf_union(r, k[i].idx, k[i - 1].idx);
    for (size_t i = 0; i < nk; i++)
        free(k[i].url);
    free(k);
}

/* ---- index lists: newest first, walked back in time ---- */

struct node {
    size_t pos;             /* position in r->order */
    size_t next;            /* index in the node pool, or NIL */
};
#define NIL ((size_t)-1)

struct pool {
    struct node *v;
    size_t n, cap;
};

static void pool_push(struct pool *p, size_t *head, size_t pos)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 1024;
        p->v = xrealloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n].pos = pos;
    p->v[p->n].next = *head;
    *head = p->n++;
}

/* ---- rule (b): titles ---- */

struct rarity {
    const uint32_t *df;     /* titles holding each syllable id */
    const uint64_t *hash;   /* each id's syllable hash: ties, input-order free */
};

static int cmp_rare_first(const void *a, const void *b, void *ctx)
{
    const struct rarity *rt = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    if (rt->df[x] != rt->df[y])
        return rt->df[x] < rt->df[y] ? -1 : 1;
    if (rt->hash[x] != rt->hash[y])
        return rt->hash[x] < rt->hash[y] ? -1 : 1;
    return 0;
}

/* Prefix filtering (Bayardo et al., "Scaling up all pairs similarity
 * search", 2007): order every set's syllables rarest first; two sets of
 * Jaccard >= t share a syllable among the first |x| - ceil(t|x|) + 1 of
 * each. Indexing and probing only those keeps the lists of "dân", "vận",
 * "năm" out of the work without losing a pair. */
static size_t prefix_len(size_t nset)
{
    size_t need = (DEDUP_TITLE_JACCARD_NUM * nset + DEDUP_TITLE_JACCARD_DEN - 1) /
                  DEDUP_TITLE_JACCARD_DEN;
    return nset - need + 1;
}

static void group_titles(struct run *r)
{
    struct intern in;
    struct title *t = xcalloc(r->ntimed ? r->ntimed : 1, sizeof *t);
    unsigned char *isnum = NULL;
    size_t isnum_cap = 0, nid, *head, *stamp;
    uint32_t *df, **prefix = xcalloc(r->ntimed ? r->ntimed : 1, sizeof *prefix);
    struct pool pool = { NULL, 0, 0 };
    struct rarity rt;

    intern_init(&in);
    /* Interned in time order, so ids (and everything after) do not depend
     * on the order of the input array. */
    for (size_t p = 0; p < r->ntimed; p++)
        title_build(&t[p], r->items[r->order[p]].title, &in, &isnum, &isnum_cap);
    nid = in.n;
    df = xcalloc(nid ? nid : 1, sizeof *df);
    for (size_t p = 0; p < r->ntimed; p++)
        if (t[p].nset >= DEDUP_TITLE_MIN_SYLLABLES)
            for (size_t k = 0; k < t[p].nset; k++)
                df[t[p].set[k]]++;
    rt.df = df;
    rt.hash = in.hashes;
    head = xmalloc((nid ? nid : 1) * sizeof *head);
    for (size_t k = 0; k < nid; k++)
        head[k] = NIL;
    stamp = xmalloc((r->ntimed ? r->ntimed : 1) * sizeof *stamp);
    for (size_t p = 0; p < r->ntimed; p++)
        stamp[p] = NIL;

    for (size_t p = 0; p < r->ntimed; p++) {
        size_t i = r->order[p], np;
        if (t[p].nset < DEDUP_TITLE_MIN_SYLLABLES)
            continue;
        np = prefix_len(t[p].nset);
        prefix[p] = xmalloc(t[p].nset * sizeof **prefix);
        memcpy(prefix[p], t[p].set, t[p].nset * sizeof **prefix);
        qsort_r(prefix[p], t[p].nset, sizeof **prefix, cmp_rare_first, &rt);
        for (size_t k = 0; k < np; k++) {
            size_t seen = 0;
            for (size_t nd = head[prefix[p][k]]; nd != NIL && seen < LIMIT_DEDUP_SCAN;
                 nd = pool.v[nd].next, seen++) {
                size_t q = pool.v[nd].pos, j = r->order[q];
                if (too_far(r->time[i], r->time[j]))
                    break;
                if (stamp[q] == p)
                    continue;
                stamp[q] = p;
                if (uf_find(r, i) != uf_find(r, j) &&
                    titles_match(&t[p], &t[q], isnum))
                    uf_union(r, i, j);
            }
        }
        for (size_t k = 0; k < np; k++)
            pool_push(&pool, &head[prefix[p][k]], p);
    }

    for (size_t p = 0; p < r->ntimed; p++) {
        title_release(&t[p]);
        free(prefix[p]);
    }
    free(t);
    free(prefix);
    free(df);
    free(head);
    free(stamp);
    free(pool.v);
    free(isnum);
    intern_release(&in);
}

/* ---- rule (c): bodies ---- */

#define ROWS (DEDUP_MINHASH / DEDUP_BANDS)

static void group_bodies(struct run *r)
{
    struct minhash mh;
    uint32_t *sig = xmalloc((r->ntimed ? r->ntimed : 1) * DEDUP_MINHASH * sizeof *sig);
    unsigned char *ok = xcalloc(r->ntimed ? r->ntimed : 1, 1);
    size_t cap = 16, neligible = 0;
    uint64_t *bkeys;
    size_t *bheads;
    struct pool pool = { NULL, 0, 0 };
    size_t need = (DEDUP_BODY_JACCARD_NUM * DEDUP_MINHASH + DEDUP_BODY_JACCARD_DEN - 1) /
                  DEDUP_BODY_JACCARD_DEN;

    minhash_init(&mh);
    for (size_t p = 0; p < r->ntimed; p++) {
        const char *s = r->items[r->order[p]].summary;
        ok[p] = minhash_sign(&mh, s, sig + p * DEDUP_MINHASH) >= DEDUP_BODY_MIN_SYLLABLES;
        neligible += ok[p];
    }
    while (cap < neligible * 2)
        cap *= 2;
    bkeys = xmalloc(cap * sizeof *bkeys);
    bheads = xmalloc(cap * sizeof *bheads);

    /* One band at a time: a table of n buckets, not 32n. */
    for (size_t band = 0; band < DEDUP_BANDS; band++) {
        for (size_t k = 0; k < cap; k++)
            bheads[k] = NIL;
        pool.n = 0;
        for (size_t p = 0; p < r->ntimed; p++) {
            const uint32_t *sp = sig + p * DEDUP_MINHASH;
            uint64_t h = band;
            size_t slot, seen = 0, i = r->order[p];
            if (!ok[p])
                continue;
            for (size_t k = 0; k < ROWS; k++)
                h = mix64(h * 0x100000001b3ull + sp[band * ROWS + k]);
            for (slot = (size_t)h & (cap - 1);
                 bheads[slot] != NIL && bkeys[slot] != h; slot = (slot + 1) & (cap - 1))
                ;
            bkeys[slot] = h;
            for (size_t nd = bheads[slot]; nd != NIL && seen < LIMIT_DEDUP_SCAN;
                 nd = pool.v[nd].next, seen++) {
                size_t q = pool.v[nd].pos, j = r->order[q];
                if (too_far(r->time[i], r->time[j]))
                    break;
                if (uf_find(r, i) != uf_find(r, j) &&
                    sig_agree(sp, sig + q * DEDUP_MINHASH) >= need)
                    uf_union(r, i, j);
            }
            pool_push(&pool, &bheads[slot], p);
        }
    }
    free(sig);
    free(ok);
    free(bkeys);
    free(bheads);
    free(pool.v);
}

size_t dedup_group(const struct dedup_item *items, size_t n, size_t *story)
{
    struct run r;
    size_t *best, nstories = 0;

    if (n == 0)
        return 0;
    r.items = items;
    r.n = n;
    r.time = xmalloc(n * sizeof *r.time);
    r.parent = xmalloc(n * sizeof *r.parent);
    r.rank = xcalloc(n, 1);
    r.order = xmalloc(n * sizeof *r.order);
    r.ntimed = 0;
    for (size_t i = 0; i < n; i++) {
        r.time[i] = items[i].published != TIME_NONE ? items[i].published
                                                    : items[i].first_seen;
        r.parent[i] = i;
        r.order[i] = i;
        r.ntimed += r.time[i] != TIME_NONE;
    }
    qsort_r(r.order, n, sizeof *r.order, cmp_order, &r);

    group_links(&r);
    group_titles(&r);
    group_bodies(&r);

    best = xmalloc(n * sizeof *best);
    for (size_t i = 0; i < n; i++)
        best[i] = NIL;
    for (size_t i = 0; i < n; i++) {
        size_t root = uf_find(&r, i);
        if (best[root] == NIL || item_before(&r, i, best[root]))
            best[root] = i;
    }
    for (size_t i = 0; i < n; i++) {
        story[i] = best[uf_find(&r, i)];
        nstories += story[i] == i;
    }
    free(best);
    free(r.time);
    free(r.parent);
    free(r.rank);
    free(r.order);
    return nstories;
}
