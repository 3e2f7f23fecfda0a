/* topic.c - rule-based topic of a story (topic.h). */
#include "digest/topic.h"

#include <stdlib.h>
#include <string.h>

#include "parse/text.h"
#include "util/util.h"

/* One keyword or exclude phrase as syllable ids of the vocabulary. */
struct keyword {
    size_t off, len;        /* its ids: m->ids[off..off+len) */
    size_t topic;
    int exclude;
};

struct topic_matcher {
    size_t ntopics;
    unsigned char *event;   /* per topic: 1 for an event type */
    char **vocab;           /* every syllable of every keyword, sorted, unique */
    size_t nvocab;
    uint32_t *ids;
    struct keyword *kw;     /* sorted by first syllable id */
    size_t nkw;
    size_t *first;          /* kw[first[v]..first[v+1]) start with syllable v */
    size_t maxlen;          /* syllables of the longest keyword */
};

/* A syllable of a text: bytes p[0..len). */
struct span {
    const char *p;
    size_t len;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_span_vocab(const void *key, const void *elem)
{
    const struct span *s = key;
    const char *v = *(char *const *)elem;
    int c = strncmp(s->p, v, s->len);

    if (c)
        return c;
    return v[s->len] == '\0' ? 0 : -1;
}

/* The vocabulary id of a syllable, or -1 when no keyword uses it. */
static long vocab_find(const struct topic_matcher *m, const char *p, size_t len)
{
    struct span s = { p, len };
    char **hit = bsearch(&s, m->vocab, m->nvocab, sizeof *m->vocab,
                         cmp_span_vocab);

    return hit ? (long)(hit - m->vocab) : -1;
}

/* Every phrase of the config as its match key, with its topic. */
struct phrase {
    char *key;
    size_t topic;
    int exclude;
};

static void add_phrases(struct phrase **v, size_t *n, size_t *cap,
                        char *const *list, size_t count, size_t topic,
                        int exclude)
{
    for (size_t i = 0; i < count; i++) {
        char *key = text_match_key(list[i], strlen(list[i]));
        int dup = key[0] == '\0';
        /* The same phrase twice in one topic would count twice. */
        for (size_t j = *n; !dup && j-- > 0 && (*v)[j].topic == topic;)
            dup = (*v)[j].exclude == exclude && strcmp((*v)[j].key, key) == 0;
        if (dup) {
            free(key);
            continue;
        }
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *v = xrealloc(*v, *cap * sizeof **v);
        }
        (*v)[*n].key = key;
        (*v)[*n].topic = topic;
        (*v)[*n].exclude = exclude;
        (*n)++;
    }
}

static void build_vocab(struct topic_matcher *m, const struct phrase *ph,
                        size_t nph)
{
    size_t cap = 64, len, k = 0;

    m->vocab = xmalloc(cap * sizeof *m->vocab);
    m->nvocab = 0;
    for (size_t i = 0; i < nph; i++) {
        for (const char *p = ph[i].key; text_key_next(&p, &len); p += len) {
            if (m->nvocab == cap) {
                cap *= 2;
                m->vocab = xrealloc(m->vocab, cap * sizeof *m->vocab);
            }
            m->vocab[m->nvocab++] = xstrndup(p, len);
        }
    }
    qsort(m->vocab, m->nvocab, sizeof *m->vocab, cmp_str);
    for (size_t i = 0; i < m->nvocab; i++) {
        if (k > 0 && strcmp(m->vocab[k - 1], m->vocab[i]) == 0)
            free(m->vocab[i]);
        else
            m->vocab[k++] = m->vocab[i];
    }
    m->nvocab = k;
}

static int cmp_keyword(const void *a, const void *b, void *ctx)
{
    const struct keyword *x = a, *y = b;
    const uint32_t *ids = ctx;

    if (ids[x->off] != ids[y->off])
        return ids[x->off] < ids[y->off] ? -1 : 1;
    /* Config order among keywords of one first syllable: deterministic. */
    return (x->off > y->off) - (x->off < y->off);
}

struct topic_matcher *topic_matcher_new(const struct config_topic *topics,
                                        size_t n)
{
    static const char *const event_ids[] = TOPIC_EVENT_IDS;
    struct topic_matcher *m = xcalloc(1, sizeof *m);
    struct phrase *ph = NULL;
    size_t nph = 0, cap = 0, nids = 0, len;

    m->ntopics = n;
    m->event = xcalloc(n ? n : 1, 1);
    for (size_t t = 0; t < n; t++) {
        for (size_t e = 0; e < sizeof event_ids / sizeof event_ids[0]; e++)
            if (topics[t].id && strcmp(topics[t].id, event_ids[e]) == 0)
                m->event[t] = 1;
        add_phrases(&ph, &nph, &cap, topics[t].keywords, topics[t].nkeywords,
                    t, 0);
        add_phrases(&ph, &nph, &cap, topics[t].exclude, topics[t].nexclude,
                    t, 1);
    }
    build_vocab(m, ph, nph);

    m->kw = xmalloc((nph ? nph : 1) * sizeof *m->kw);
    m->nkw = nph;
    for (size_t i = 0; i < nph; i++) {
        for (const char *p = ph[i].key; text_key_next(&p, &len); p += len)
            nids++;
    }
    m->ids = xmalloc((nids ? nids : 1) * sizeof *m->ids);
    nids = 0;
    for (size_t i = 0; i < nph; i++) {
        m->kw[i].off = nids;
        m->kw[i].topic = ph[i].topic;
        m->kw[i].exclude = ph[i].exclude;
        for (const char *p = ph[i].key; text_key_next(&p, &len); p += len)
            m->ids[nids++] = (uint32_t)vocab_find(m, p, len);
        m->kw[i].len = nids - m->kw[i].off;
        if (m->kw[i].len > m->maxlen)
            m->maxlen = m->kw[i].len;
        free(ph[i].key);
    }
    free(ph);
    qsort_r(m->kw, m->nkw, sizeof *m->kw, cmp_keyword, m->ids);

    m->first = xcalloc(m->nvocab + 1, sizeof *m->first);
    for (size_t i = 0; i < m->nkw; i++)
        m->first[m->ids[m->kw[i].off] + 1]++;
    for (size_t v = 0; v < m->nvocab; v++)
        m->first[v + 1] += m->first[v];
    return m;
}

void topic_matcher_free(struct topic_matcher *m)
{
    if (!m)
        return;
    for (size_t v = 0; v < m->nvocab; v++)
        free(m->vocab[v]);
    free(m->vocab);
    free(m->ids);
    free(m->kw);
    free(m->first);
    free(m->event);
    free(m);
}

void topic_matcher_set_event(struct topic_matcher *m, size_t i, int is_event)
{
    if (i < m->ntopics)
        m->event[i] = is_event != 0;
}

/* Scores of one story under construction. */
struct tally {
    double *score;
    unsigned char *title_hit, *veto;
};

struct hit {
    size_t start, end, kw;
};

/* Add the hits of one text (the title or the summary) to ta. */
static void scan(const struct topic_matcher *m, const char *text, int weight,
                 int is_title, struct tally *ta)
{
    char *key;
    long *syl;
    size_t nsyl = 0, len, nhit = 0, hcap = 16, *maxend;
    struct hit *hit;

    if (!text || !*text)
        return;
    key = text_match_key(text, strlen(text));
    syl = xmalloc((strlen(key) / 2 + 1) * sizeof *syl);
    for (const char *p = key; text_key_next(&p, &len); p += len)
        syl[nsyl++] = vocab_find(m, p, len);
    free(key);

    hit = xmalloc(hcap * sizeof *hit);
    maxend = xcalloc(nsyl ? nsyl : 1, sizeof *maxend);
    for (size_t s = 0; s < nsyl; s++) {
        if (syl[s] < 0)
            continue;
        for (size_t k = m->first[syl[s]]; k < m->first[syl[s] + 1]; k++) {
            const struct keyword *kw = &m->kw[k];
            size_t j;
            if (s + kw->len > nsyl)
                continue;
            for (j = 1; j < kw->len && syl[s + j] == (long)m->ids[kw->off + j]; j++)
                ;
            if (j < kw->len)
                continue;
            if (kw->exclude) {
                ta->veto[kw->topic] = 1;
                continue;
            }
            if (nhit == hcap) {
                hcap *= 2;
                hit = xrealloc(hit, hcap * sizeof *hit);
            }
            hit[nhit].start = s;
            hit[nhit].end = s + kw->len;
            hit[nhit].kw = k;
            nhit++;
            if (s + kw->len > maxend[s])
                maxend[s] = s + kw->len;
        }
    }
    free(syl);

    for (size_t h = 0; h < nhit; h++) {
        size_t s = hit[h].start, e = hit[h].end, from, p;
        const struct keyword *kw = &m->kw[hit[h].kw];
        int inside = 0;
        /* Any longer hit holding [s, e) starts at most maxlen - 1 before. */
        from = s + 1 >= m->maxlen ? s + 1 - m->maxlen : 0;
        for (p = from; p <= s && !inside; p++)
            inside = maxend[p] >= e && maxend[p] - p > e - s;
        if (inside)
            continue;
        ta->score[kw->topic] += (double)(kw->len * (size_t)weight);
        if (is_title)
            ta->title_hit[kw->topic] = 1;
    }
    free(hit);
    free(maxend);
}

/* The best topic among those with event flag ev, a positive score and, if
 * need_title, a title hit; -1 when none. First listed wins ties. */
static int best_of(const struct topic_matcher *m, const struct tally *ta,
                   int ev, int need_title)
{
    int best = -1;

    for (size_t t = 0; t < m->ntopics; t++) {
        if (m->event[t] != ev || ta->veto[t] || ta->score[t] <= 0)
            continue;
        if (need_title && !ta->title_hit[t])
            continue;
        if (best < 0 || ta->score[t] > ta->score[best])
            best = (int)t;
    }
    return best;
}

int topic_classify(const struct topic_matcher *m, const char *title,
                   const char *summary, double *score_out)
{
    struct tally ta;
    int best = -1;
    size_t n = m->ntopics ? m->ntopics : 1;

    ta.score = xcalloc(n, sizeof *ta.score);
    ta.title_hit = xcalloc(n, 1);
    ta.veto = xcalloc(n, 1);
    scan(m, title, TOPIC_TITLE_WEIGHT, 1, &ta);
    scan(m, summary, TOPIC_SUMMARY_WEIGHT, 0, &ta);

    /* A subject with a title hit is chosen among all subjects by score,
     * so the title weight decides between subjects. */
    if (best_of(m, &ta, 0, 1) >= 0)
        best = best_of(m, &ta, 0, 0);
    if (best < 0)
        best = best_of(m, &ta, 1, 1);
    if (best < 0)
        best = best_of(m, &ta, 0, 0);
    if (best < 0)
        best = best_of(m, &ta, 1, 0);
    if (score_out)
        *score_out = best >= 0 ? ta.score[best] : 0;
    free(ta.score);
    free(ta.title_hit);
    free(ta.veto);
    return best;
}
