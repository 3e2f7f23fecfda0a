/* build.c - a day's digest from the store: items, stories, topics, order. */
#include "digest/build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest/dedup.h"
#include "digest/topic.h"
#include "store/digest_query.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/util.h"

static const char *const weekday[7] = {
    "Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy",
};

/* ---- days ---- */

static int parse_day(const char *date, int *y, int *m, int *d)
{
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (!date || strlen(date) != 10)
        return -1;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7 ? date[i] != '-' : !IS_DIGIT(date[i]))
            return -1;
    }
    *y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 +
         (date[3] - '0');
    *m = (date[5] - '0') * 10 + (date[6] - '0');
    *d = (date[8] - '0') * 10 + (date[9] - '0');
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1])
        return -1;
    if (*m == 2 && *d == 29 && !(*y % 4 == 0 && (*y % 100 != 0 || *y % 400 == 0)))
        return -1;
    return 0;
}

int digest_day_window(const char *date, int tz_offset, int64_t *from,
                      int64_t *to)
{
    int y, m, d;
    if (parse_day(date, &y, &m, &d) < 0)
        return -1;
    *from = time_from_civil(y, m, d, 0, 0, 0) - tz_offset;
    *to = *from + 86400;
    return 0;
}

/* Floor division: days before 1970 too. */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void digest_today(int64_t now, int tz_offset, char out[11])
{
    /* civil_from_days (H. Hinnant), era of 400 years = 146097 days. */
    int64_t z = floor_div(now + tz_offset, 86400) + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    if (y < 1 || y > 9999)
        y = y < 1 ? 1 : 9999;   /* out of any real clock's range */
    snprintf(out, 11, "%04d-%02d-%02d", (int)y, m, d);
}

char *digest_day_name(const char *date)
{
    int y, m, d;
    if (parse_day(date, &y, &m, &d) < 0)
        return NULL;
    int64_t days = floor_div(time_from_civil(y, m, d, 0, 0, 0), 86400);
    /* 1970-01-01 was a Thursday (index 4, Sunday being 0). */
    int wd = (int)(((days % 7) + 7 + 4) % 7);
    return xasprintf("%s, %02d/%02d/%04d", weekday[wd], d, m, y);
}

char *digest_unsubscribe_url(const char *tmpl, const char *email)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!tmpl)
        return NULL;
    struct buf b;
    buf_init(&b, SIZE_MAX);   /* config text: bounded by its line limit */
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, "{email}", 7) != 0) {
            buf_addc(&b, *p++);
            continue;
        }
        for (const unsigned char *e = (const unsigned char *)email; *e; e++) {
            if (IS_ALPHA(*e) || IS_DIGIT(*e) || strchr("-._~@", *e)) {
                buf_addc(&b, (char)*e);
            } else {
                buf_addc(&b, '%');
                buf_addc(&b, hex[*e >> 4]);
                buf_addc(&b, hex[*e & 15]);
            }
        }
        p += 7;
    }
    char *url = buf_detach(&b);
    buf_release(&b);
    return url;
}

/* ---- stories ---- */

/* Time of an item for ordering: published, else when it was stored. */
static int64_t item_time(const struct store_digest_item *it)
{
    return it->published != TIME_NONE ? it->published : it->first_seen;
}

struct story {
    size_t rep;             /* index of the representative item */
    size_t *members;        /* item indexes, representative first */
    size_t nmembers;
    int topic;              /* config topic index, or -1 */
};

/* A frozen digest lists its stories in the order it was frozen in. */
static int cmp_position(const void *a, const void *b, void *ctx)
{
    const struct store_digest_item *items = ctx;
    int64_t x = items[(*(const struct story *const *)a)->rep].position;
    int64_t y = items[(*(const struct story *const *)b)->rep].position;
    return (x > y) - (x < y);
}

/* Frozen stories: story_of[i] is the lead item of i's story (the first of
 * the story when no lead is among the items). */
struct by_story {
    int64_t story;
    int lead;
    size_t index;
};

static int cmp_by_story(const void *a, const void *b)
{
    const struct by_story *x = a, *y = b;
    if (x->story != y->story)
        return x->story < y->story ? -1 : 1;
    if (x->lead != y->lead)
        return y->lead - x->lead;
    return (x->index > y->index) - (x->index < y->index);
}

static void frozen_groups(const struct store_digest_item *items, size_t n,
                          size_t *story_of)
{
    struct by_story *ix = xcalloc(n ? n : 1, sizeof *ix);
    for (size_t i = 0; i < n; i++) {
        ix[i].story = items[i].story_id;
        ix[i].lead = items[i].lead;
        ix[i].index = i;
    }
    qsort(ix, n, sizeof *ix, cmp_by_story);
    size_t head = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || ix[i].story != ix[i - 1].story)
            head = ix[i].index;
        story_of[ix[i].index] = head;
    }
    free(ix);
}

static int topic_index(const struct config *cfg, const char *id)
{
    for (size_t t = 0; id && t < cfg->ntopics; t++)
        if (strcmp(cfg->topics[t].id, id) == 0)
            return (int)t;
    return -1;
}

/* Members of a story: the representative first (dedup's own choice),
 * then by time, then id. */
static int cmp_member(const void *a, const void *b, void *ctx)
{
    const struct store_digest_item *items = ctx;
    const struct store_digest_item *x = &items[*(const size_t *)a];
    const struct store_digest_item *y = &items[*(const size_t *)b];
    int64_t tx = item_time(x), ty = item_time(y);
    if (tx != ty)
        return tx < ty ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Stories in a topic: newest first, then title, then id. */
static int cmp_story(const void *a, const void *b, void *ctx)
{
    const struct store_digest_item *items = ctx;
    const struct story *sa = *(const struct story *const *)a;
    const struct story *sb = *(const struct story *const *)b;
    const struct store_digest_item *x = &items[sa->rep];
    const struct store_digest_item *y = &items[sb->rep];
    int64_t tx = item_time(x), ty = item_time(y);
    if (tx != ty)
        return tx > ty ? -1 : 1;
    int c = strcmp(x->title ? x->title : "", y->title ? y->title : "");
    if (c)
        return c;
    return (x->id > y->id) - (x->id < y->id);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void fill_story(const struct config *cfg,
                       const struct store_digest_item *items,
                       const struct story *st, struct digest_story *out)
{
    const struct store_digest_item *rep = &items[st->rep];
    memset(out, 0, sizeof *out);
    out->title = xstrdup(rep->title ? rep->title : "");
    out->link = dup_or_null(rep->link);
    out->published = rep->published;
    out->published_guessed = rep->published_guessed;
    out->summary = dup_or_null(rep->summary);
    size_t n = 0;
    for (size_t k = 0; k < st->nmembers; k++)
        n += items[st->members[k]].nsources;
    /* An item always has a source row; keep the contract "at least one"
     * even for a row written by hand. */
    out->sources = xcalloc(n ? n : 1, sizeof *out->sources);
    /* The story's own source first: the representative's copy whose link
     * is the item's (the feed that stored it first; two feeds saved in one
     * second tie on first_seen). */
    size_t own = 0;
    for (size_t j = 0; j < rep->nsources; j++)
        if (rep->sources[j].link && rep->link &&
            strcmp(rep->sources[j].link, rep->link) == 0) {
            own = j;
            break;
        }
    for (size_t k = 0; k < st->nmembers; k++) {
        const struct store_digest_item *it = &items[st->members[k]];
        for (size_t jj = 0; jj < it->nsources; jj++) {
            /* for the representative (k == 0): own, then the others */
            size_t j = k > 0 ? jj : jj == 0 ? own : jj <= own ? jj - 1 : jj;
            const struct store_digest_source *src = &it->sources[j];
            struct digest_source *ds = &out->sources[out->nsources++];
            const struct config_feed *cf =
                src->feed ? config_find_feed(cfg, src->feed) : NULL;
            ds->feed = xstrdup(src->feed ? src->feed : "");
            ds->feed_title = dup_or_null(cf && cf->title ? cf->title
                                                         : src->feed_title);
            ds->title = dup_or_null(src->title ? src->title : it->title);
            ds->link = dup_or_null(src->link ? src->link : it->link);
        }
    }
    if (out->nsources == 0) {
        struct digest_source *ds = &out->sources[out->nsources++];
        ds->feed = xstrdup("");
        ds->title = dup_or_null(rep->title);
        ds->link = dup_or_null(rep->link);
    }
}

/* 1 when the subscriber reads topic t (-1: the fallback). */
static int wants(const struct config *cfg, const struct config_subscriber *sub,
                 int t)
{
    if (!sub || sub->ntopics == 0)
        return 1;
    if (t < 0)
        return 0;
    for (size_t i = 0; i < sub->ntopics; i++)
        if (strcmp(sub->topics[i], cfg->topics[t].id) == 0)
            return 1;
    return 0;
}

enum digest_build_status digest_build(const struct config *cfg,
                                      struct store *s, const char *date,
                                      const char *subscriber,
                                      struct digest *out, char *err,
                                      size_t errlen)
{
    /* Show what subscribers get or will get, not a third selection: the
     * frozen digest once `run` froze one; for today before the run, what
     * the run would freeze now; for another day, what was stored then. */
    char today[11];
    digest_today((int64_t)time(NULL), cfg->tz_offset, today);
    const char *day = date ? date : today;
    enum digest_items from_items = DIGEST_ITEMS_DAY;
    int exists = store_digest_exists(s, day);
    if (exists < 0) {
        if (errlen)
            snprintf(err, errlen, "%s", store_error(s));
        memset(out, 0, sizeof *out);
        return DIGEST_BUILD_STORE;
    }
    if (exists)
        from_items = DIGEST_ITEMS_FROZEN;
    else if (strcmp(day, today) == 0)
        from_items = DIGEST_ITEMS_PENDING;
    return digest_build_from(cfg, s, date, subscriber, from_items, NULL,
                             out, err, errlen);
}

/* The dedup view of a stored item. */
static void dedup_view(const struct store_digest_item *it,
                       struct dedup_item *di)
{
    di->id = it->id;
    di->feed = it->nsources ? it->sources[0].feed : NULL;
    di->title = it->title;
    di->link = it->link;
    di->summary = it->summary;
    di->published = it->published;
    di->first_seen = it->first_seen;
}

/* 1 when anchor a's story was sent before b's: an earlier digest, then
 * listed first, then the smaller story id. */
static int anchor_before(const struct store_digest_item *a,
                         const struct store_digest_item *b)
{
    int c = strcmp(a->day, b->day);
    if (c)
        return c < 0;
    if (a->position != b->position)
        return a->position < b->position;
    return a->story_id < b->story_id;
}

/* Every item of the stories the digests of the days less than
 * DEDUP_WINDOW before date (starting at from) list, into *out (free with
 * store_digest_items_free). Returns 0, or -1 (store_error). */
static int read_anchors(const struct config *cfg, struct store *s,
                        const char *date, int64_t from,
                        struct store_digest_item **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    /* The calendar days that start within DEDUP_WINDOW before date: with
     * a fixed offset each day is 86400 s long. */
    for (int64_t back = (DEDUP_WINDOW + 86399) / 86400; back >= 1; back--) {
        char day[11];
        digest_today(from - back * 86400, cfg->tz_offset, day);
        if (strcmp(day, date) >= 0)
            continue;
        struct store_digest_select sel = { STORE_DIGEST_FROZEN, 0, 0, day };
        struct store_digest_item *items;
        size_t k;
        /* Read whole: each digest was capped when it was frozen. */
        if (store_digest_items_select(s, &sel, 0, &items, &k, NULL) < 0) {
            store_digest_items_free(*out, *n);
            *out = NULL;
            *n = 0;
            return -1;
        }
        if (k) {
            *out = xrealloc(*out, (*n + k) * sizeof **out);
            memcpy(*out + *n, items, k * sizeof *items);
            *n += k;
        }
        free(items);    /* the strings moved to *out */
    }
    return 0;
}

/* Re-posts of stories already sent. A provincial site re-posts a central
 * story a day or two later, at its own link, often under a retouched
 * title: a new item, that subscribers have read. Group the pending
 * all[0..*n) together with every item of the stories frozen for the days
 * less than DEDUP_WINDOW before date (anchors); a pending item in a group
 * with an anchor is a re-post. Re-posts move behind the others (order
 * kept), *n counts the others, and when plan is not NULL each re-post is
 * added to plan->attached with the story of its group's earliest anchor:
 * frozen digests keep their lists, so two earlier stories never merge,
 * and an anchor never comes back into today's list (only all[0..*n) are
 * listed). Returns 0, or -1 when the store failed (store_error). */
static int leave_out_reposts(const struct config *cfg, struct store *s,
                             const char *date, int64_t from,
                             struct store_digest_item *all, size_t *n,
                             struct digest_plan *plan)
{
    struct store_digest_item *anchors;
    size_t na;
    if (read_anchors(cfg, s, date, from, &anchors, &na) < 0)
        return -1;
    size_t np = *n, total = np + na;
    if (na == 0 || np == 0) {
        store_digest_items_free(anchors, na);
        return 0;
    }
    struct dedup_item *di = xcalloc(total, sizeof *di);
    for (size_t i = 0; i < np; i++)
        dedup_view(&all[i], &di[i]);
    for (size_t a = 0; a < na; a++)
        dedup_view(&anchors[a], &di[np + a]);
    size_t *story_of = xcalloc(total, sizeof *story_of);
    dedup_group(di, total, story_of);
    free(di);
    /* anchor_of[r]: the earliest anchor of the group whose representative
     * is r, or total when the group has none */
    size_t *anchor_of = xmalloc(total * sizeof *anchor_of);
    for (size_t i = 0; i < total; i++)
        anchor_of[i] = total;
    for (size_t i = np; i < total; i++) {
        size_t *best = &anchor_of[story_of[i]];
        if (*best == total ||
            anchor_before(&anchors[i - np], &anchors[*best - np]))
            *best = i;
    }
    size_t kept = 0;
    for (size_t i = 0; i < np; i++) {
        size_t anchor = anchor_of[story_of[i]];
        if (anchor != total) {
            if (plan) {
                plan->attached = xrealloc(plan->attached,
                                          (plan->nattached + 1) *
                                              sizeof *plan->attached);
                plan->attached[plan->nattached].item = all[i].id;
                plan->attached[plan->nattached++].story =
                    anchors[anchor - np].story_id;
            }
            continue;
        }
        /* all[kept..i) are re-posts: swapping keeps the others' order */
        if (i != kept) {
            struct store_digest_item tmp = all[i];
            all[i] = all[kept];
            all[kept] = tmp;
        }
        kept++;
    }
    *n = kept;
    free(anchor_of);
    free(story_of);
    store_digest_items_free(anchors, na);
    return 0;
}

void digest_plan_free(struct digest_plan *plan)
{
    for (size_t k = 0; k < plan->nstories; k++) {
        free(plan->stories[k].items);
        free(plan->stories[k].topic);
        free(plan->stories[k].title);
    }
    free(plan->stories);
    plan->stories = NULL;
    plan->nstories = 0;
    free(plan->attached);
    plan->attached = NULL;
    plan->nattached = 0;
}

enum digest_build_status digest_build_from(const struct config *cfg,
                                           struct store *s, const char *date,
                                           const char *subscriber,
                                           enum digest_items from_items,
                                           struct digest_plan *plan,
                                           struct digest *out, char *err,
                                           size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (plan)
        memset(plan, 0, sizeof *plan);
    if (errlen)
        err[0] = '\0';
    char today[11];
    if (!date) {
        digest_today((int64_t)time(NULL), cfg->tz_offset, today);
        date = today;
    }
    int64_t from, to;
    if (digest_day_window(date, cfg->tz_offset, &from, &to) < 0) {
        snprintf(err, errlen, "invalid date '%s': expected YYYY-MM-DD", date);
        return DIGEST_BUILD_BAD_DATE;
    }
    const struct config_subscriber *sub = NULL;
    if (subscriber && !(sub = config_find_subscriber(cfg, subscriber))) {
        snprintf(err, errlen, "no subscriber '%s' in the config", subscriber);
        return DIGEST_BUILD_NO_SUBSCRIBER;
    }

    struct store_digest_item *all;
    size_t nall;
    int more;
    static const enum store_digest_kind kinds[] = {
        [DIGEST_ITEMS_DAY] = STORE_DIGEST_WINDOW,
        [DIGEST_ITEMS_PENDING] = STORE_DIGEST_PENDING,
        [DIGEST_ITEMS_FROZEN] = STORE_DIGEST_FROZEN,
    };
    struct store_digest_select sel = { kinds[from_items], from, to, date };
    if (from_items == DIGEST_ITEMS_PENDING)
        sel.from = to - cfg->digest.max_age;   /* the age filter below */
    int frozen = from_items == DIGEST_ITEMS_FROZEN;
    /* A frozen digest is read whole: it was capped when it was frozen. */
    if (store_digest_items_select(s, &sel, frozen ? 0 : LIMIT_DIGEST_ITEMS,
                                  &all, &nall, &more) < 0) {
        snprintf(err, errlen, "%s", store_error(s));
        return DIGEST_BUILD_STORE;
    }
    if (more)
        snprintf(err, errlen, "more than %d items first stored on %s: "
                 "the digest holds the first %d", LIMIT_DIGEST_ITEMS, date,
                 LIMIT_DIGEST_ITEMS);

    /* Age filter: the kept items move to the front, in order; the
     * dropped ones stay in the tail and are freed with the rest. */
    size_t n = 0;
    for (size_t i = 0; i < nall; i++) {
        if (!frozen && all[i].published != TIME_NONE &&
            all[i].published < to - cfg->digest.max_age)
            continue;
        if (i != n) {
            struct store_digest_item tmp = all[i];
            all[i] = all[n];
            all[n] = tmp;
        }
        n++;
    }

    if (from_items == DIGEST_ITEMS_PENDING &&
        leave_out_reposts(cfg, s, date, from, all, &n, plan) < 0) {
        snprintf(err, errlen, "%s", store_error(s));
        store_digest_items_free(all, nall);
        if (plan)
            digest_plan_free(plan);
        return DIGEST_BUILD_STORE;
    }

    struct dedup_item *di = xcalloc(n ? n : 1, sizeof *di);
    for (size_t i = 0; i < n; i++)
        dedup_view(&all[i], &di[i]);
    size_t *story_of = xcalloc(n ? n : 1, sizeof *story_of);
    size_t nstories = 0;
    if (frozen) {
        frozen_groups(all, n, story_of);
        for (size_t i = 0; i < n; i++)
            nstories += story_of[i] == i;
    } else if (n) {
        nstories = dedup_group(di, n, story_of);
    }
    free(di);

    /* Stories in item order of their representatives; slot[i] maps a
     * representative item to its story. */
    struct story *stories = xcalloc(nstories ? nstories : 1, sizeof *stories);
    size_t *slot = xcalloc(n ? n : 1, sizeof *slot);
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if (story_of[i] == i) {
            slot[i] = ns;
            stories[ns++].rep = i;
        }
    for (size_t i = 0; i < n; i++)
        stories[slot[story_of[i]]].nmembers++;
    for (size_t k = 0; k < ns; k++) {
        stories[k].members = xcalloc(stories[k].nmembers, sizeof(size_t));
        stories[k].nmembers = 0;
    }
    for (size_t i = 0; i < n; i++) {
        struct story *st = &stories[slot[story_of[i]]];
        st->members[st->nmembers++] = i;
    }
    for (size_t k = 0; k < ns; k++) {
        struct story *st = &stories[k];
        /* representative first, then the others by time */
        for (size_t j = 0; j < st->nmembers; j++)
            if (st->members[j] == st->rep) {
                st->members[j] = st->members[0];
                st->members[0] = st->rep;
            }
        if (st->nmembers > 2)
            qsort_r(st->members + 1, st->nmembers - 1, sizeof(size_t),
                    cmp_member, all);
    }
    free(slot);
    free(story_of);

    struct topic_matcher *tm = topic_matcher_new(cfg->topics, cfg->ntopics);
    for (size_t k = 0; k < ns; k++) {
        const struct store_digest_item *rep = &all[stories[k].rep];
        stories[k].topic = frozen ? topic_index(cfg, rep->topic)
                                  : topic_classify(tm, rep->title,
                                                   rep->summary, NULL);
    }
    topic_matcher_free(tm);

    /* Topics in config order, the fallback last (index ntopics). */
    size_t nt = cfg->ntopics + 1;
    struct story **list = xcalloc(ns ? ns : 1, sizeof *list);
    out->topics = xcalloc(nt, sizeof *out->topics);
    snprintf(out->date, sizeof out->date, "%s", date);
    out->title = xstrdup(cfg->digest.title ? cfg->digest.title : "");
    for (size_t t = 0; t < nt; t++) {
        int tid = t < cfg->ntopics ? (int)t : -1;
        if (!wants(cfg, sub, tid))
            continue;
        size_t m = 0;
        for (size_t k = 0; k < ns; k++)
            if (stories[k].topic == tid)
                list[m++] = &stories[k];
        if (m == 0)
            continue;
        qsort_r(list, m, sizeof *list, frozen ? cmp_position : cmp_story,
                all);
        struct digest_topic *dt = &out->topics[out->ntopics++];
        dt->id = xstrdup(tid >= 0 ? cfg->topics[t].id : DIGEST_OTHER_ID);
        dt->title = xstrdup(tid >= 0 ? cfg->topics[t].title
                                     : DIGEST_OTHER_TITLE);
        dt->stories = xcalloc(m, sizeof *dt->stories);
        for (size_t k = 0; k < m; k++)
            fill_story(cfg, all, list[k], &dt->stories[dt->nstories++]);
        if (!plan)
            continue;
        plan->stories = xrealloc(plan->stories, (plan->nstories + m) *
                                                    sizeof *plan->stories);
        for (size_t k = 0; k < m; k++) {
            const struct story *st = list[k];
            const struct store_digest_item *rep = &all[st->rep];
            struct store_frozen_story *fs = &plan->stories[plan->nstories++];
            fs->lead_item = rep->id;
            fs->items = xcalloc(st->nmembers, sizeof *fs->items);
            for (size_t j = 0; j < st->nmembers; j++)
                fs->items[j] = all[st->members[j]].id;
            fs->nitems = st->nmembers;
            fs->topic = tid >= 0 ? xstrdup(cfg->topics[t].id) : NULL;
            fs->title = dup_or_null(rep->title);
            fs->first_seen = rep->first_seen;
        }
    }
    free(list);
    for (size_t k = 0; k < ns; k++)
        free(stories[k].members);
    free(stories);
    store_digest_items_free(all, nall);
    return DIGEST_BUILD_OK;
}
