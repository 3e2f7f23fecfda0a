/* digest_query.c - read the items of a digest window, with their sources. */
#include "store/digest_query.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/util.h"

/* Each select's item filter, on items i (bound: ?1 from, ?2 to, ?3 day);
 * the story columns are those of the frozen digest, NULL otherwise. */
static const char *const select_from[] = {
    [STORE_DIGEST_WINDOW] =
        " FROM items i LEFT JOIN digest_stories ds ON 0"
        " LEFT JOIN stories st ON 0"
        " WHERE i.first_seen >= ?1 AND i.first_seen < ?2",
    [STORE_DIGEST_PENDING] =
        " FROM items i LEFT JOIN digest_stories ds ON 0"
        " LEFT JOIN stories st ON 0"
        " WHERE i.story_id IS NULL AND i.first_seen < ?2"
        " AND (i.published IS NULL OR i.published >= ?1)",
    [STORE_DIGEST_FROZEN] =
        " FROM items i JOIN digest_stories ds ON ds.story_id = i.story_id"
        " JOIN stories st ON st.id = i.story_id"
        " WHERE ds.day = ?3",
};

static const char items_cols[] =
    "SELECT i.id, i.title, i.link, i.summary, i.published, i.first_seen,"
    " ds.story_id, ds.topic, ds.position, st.lead_item = i.id,"
    " i.published_guessed, ds.day";

/* Sources of the same items; rows of items past the cap are skipped by
 * the caller. */
static const char sources_cols[] =
    "SELECT s.item_id, s.feed_id, COALESCE(f.title, f.doc_title), s.title,"
    " s.link, s.first_seen";
static const char sources_join[] =
    " JOIN item_sources s ON s.item_id = i.id"
    " LEFT JOIN feeds f ON f.id = s.feed_id";

/* A text column as a malloc'd string; NULL for NULL or "". */
static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t && *t ? xstrdup((const char *)t) : NULL;
}

static int64_t col_time(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
               ? TIME_NONE : (int64_t)sqlite3_column_int64(st, i);
}

/* Index of items by id, for attaching the sources. */
struct by_id {
    int64_t id;
    size_t index;
};

static int cmp_by_id(const void *a, const void *b)
{
    int64_t x = ((const struct by_id *)a)->id, y = ((const struct by_id *)b)->id;
    return (x > y) - (x < y);
}

static int prepare(struct store *s, const char *sql, sqlite3_stmt **st,
                   const struct store_digest_select *sel)
{
    sqlite3 *db = store_db(s);
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        store_set_error(s, "digest query: %s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(*st, 1, sel->from);
    sqlite3_bind_int64(*st, 2, sel->to);
    sqlite3_bind_text(*st, 3, sel->day ? sel->day : "", -1, SQLITE_TRANSIENT);
    return 0;
}

static int read_items(struct store *s, const struct store_digest_select *sel,
                      size_t max, struct store_digest_item **out, size_t *n,
                      int *more)
{
    sqlite3_stmt *st;
    char *sql = xasprintf("%s%s ORDER BY i.first_seen, i.id LIMIT ?4",
                          items_cols, select_from[sel->kind]);
    int prc = prepare(s, sql, &st, sel);
    free(sql);
    if (prc < 0)
        return -1;
    /* One row past the cap tells whether the cap cut anything. */
    sqlite3_bind_int64(st, 4, max ? (sqlite3_int64)max + 1 : -1);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (max && *n == max) {
            *more = 1;
            break;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        struct store_digest_item *it = &(*out)[(*n)++];
        memset(it, 0, sizeof *it);
        it->id = sqlite3_column_int64(st, 0);
        it->title = col_text(st, 1);
        it->link = col_text(st, 2);
        it->summary = col_text(st, 3);
        it->published = col_time(st, 4);
        it->first_seen = col_time(st, 5);
        it->story_id = sqlite3_column_int64(st, 6);   /* NULL gives 0 */
        it->topic = col_text(st, 7);
        it->position = sqlite3_column_int64(st, 8);
        it->lead = sqlite3_column_int(st, 9);
        it->published_guessed = sqlite3_column_int(st, 10);
        const unsigned char *day = sqlite3_column_text(st, 11);
        snprintf(it->day, sizeof it->day, "%s", day ? (const char *)day : "");
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        store_set_error(s, "digest query: %s", sqlite3_errmsg(store_db(s)));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

static int read_sources(struct store *s, const struct store_digest_select *sel,
                        struct store_digest_item *items, size_t n)
{
    if (n == 0)
        return 0;
    struct by_id *ix = xmalloc(n * sizeof *ix);
    for (size_t i = 0; i < n; i++) {
        ix[i].id = items[i].id;
        ix[i].index = i;
    }
    qsort(ix, n, sizeof *ix, cmp_by_id);
    sqlite3_stmt *st;
    /* select_from's WHERE goes after the sources' joins */
    const char *from_where = select_from[sel->kind];
    const char *where = strstr(from_where, " WHERE ");
    char *sql = xasprintf("%s%.*s%s%s ORDER BY s.item_id, s.first_seen,"
                          " s.feed_id", sources_cols,
                          (int)(where - from_where), from_where, sources_join,
                          where);
    int prc = prepare(s, sql, &st, sel);
    free(sql);
    if (prc < 0) {
        free(ix);
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct by_id key = { sqlite3_column_int64(st, 0), 0 };
        struct by_id *hit = bsearch(&key, ix, n, sizeof *ix, cmp_by_id);
        if (!hit)
            continue;           /* an item past the cap */
        struct store_digest_item *it = &items[hit->index];
        /* Rows come grouped by item: grow by one, amortized by doubling
         * at powers of two. */
        size_t k = it->nsources;
        if ((k & (k - 1)) == 0)
            it->sources = xrealloc(it->sources,
                                   (k ? 2 * k : 1) * sizeof *it->sources);
        struct store_digest_source *src = &it->sources[k];
        src->feed = col_text(st, 1);
        src->feed_title = col_text(st, 2);
        src->title = col_text(st, 3);
        src->link = col_text(st, 4);
        src->first_seen = col_time(st, 5);
        it->nsources = k + 1;
    }
    free(ix);
    if (rc != SQLITE_DONE) {
        store_set_error(s, "digest query: %s", sqlite3_errmsg(store_db(s)));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

int store_digest_items(struct store *s, int64_t from, int64_t to, size_t max,
                       struct store_digest_item **out, size_t *n, int *more)
{
    struct store_digest_select sel = { STORE_DIGEST_WINDOW, from, to, NULL };
    return store_digest_items_select(s, &sel, max, out, n, more);
}

int store_digest_items_select(struct store *s,
                              const struct store_digest_select *sel,
                              size_t max, struct store_digest_item **out,
                              size_t *n, int *more)
{
    int dummy;
    *out = NULL;
    *n = 0;
    if (!more)
        more = &dummy;
    *more = 0;
    sqlite3 *db = store_db(s);
    /* A deferred BEGIN takes no lock and writes nothing; it makes the two
     * SELECTs read one snapshot while a fetch may be committing. */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        store_set_error(s, "digest query: %s", sqlite3_errmsg(db));
        return -1;
    }
    int rc = read_items(s, sel, max, out, n, more);
    if (rc == 0)
        rc = read_sources(s, sel, *out, *n);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc < 0) {
        store_digest_items_free(*out, *n);
        *out = NULL;
        *n = 0;
        *more = 0;
    }
    return rc;
}

void store_digest_items_free(struct store_digest_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct store_digest_item *it = &items[i];
        for (size_t k = 0; k < it->nsources; k++) {
            free(it->sources[k].feed);
            free(it->sources[k].feed_title);
            free(it->sources[k].title);
            free(it->sources[k].link);
        }
        free(it->sources);
        free(it->title);
        free(it->link);
        free(it->summary);
        free(it->topic);
    }
    free(items);
}
