/* prune.c - remove history older than [bantin] keep (see prune.h). */
#include "store/prune.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

/* A digest that may go: created before the cut (?1) and every delivery
 * settled. A digest with no delivery at all (no subscribers then) is
 * settled too. */
#define SETTLED_OLD_DAYS                                                    \
    "SELECT d.day FROM digests d WHERE d.created < ?1 AND NOT EXISTS"       \
    " (SELECT 1 FROM deliveries v WHERE v.day = d.day"                      \
    " AND v.state NOT IN ('sent', 'refused'))"

/* An item that may go (?1 the keep cut, ?2 the max_age cut): no feed
 * carries it any more, and it can never be in a digest again. In no story,
 * it would be frozen by the next run unless the pending select's age
 * filter leaves it out, which an undated item never is; in a story, that
 * story's digest must be gone. */
#define DOOMED_ITEM                                                         \
    "items.first_seen < ?1 AND items.first_seen < ?2"                       \
    " AND NOT EXISTS (SELECT 1 FROM item_sources s"                         \
    " WHERE s.item_id = items.id)"                                          \
    " AND CASE WHEN items.story_id IS NULL"                                 \
    " THEN items.published IS NOT NULL AND items.published < ?2"            \
    " ELSE NOT EXISTS (SELECT 1 FROM digest_stories ds"                     \
    " WHERE ds.story_id = items.story_id) END"

/* The steps, in foreign-key order: a row goes only after every row that
 * refers to it (foreign keys are on, checked at each statement's end). */
static const struct step {
    const char *sql;
    size_t count;           /* offset in struct store_prune_counts, or -1 */
    const char *what;
} steps[] = {
    {"DELETE FROM deliveries WHERE day IN (" SETTLED_OLD_DAYS ")",
     offsetof(struct store_prune_counts, deliveries), "prune deliveries"},
    {"DELETE FROM digest_stories WHERE day IN (" SETTLED_OLD_DAYS ")",
     (size_t)-1, "prune digest lists"},
    {"DELETE FROM digests WHERE day IN (" SETTLED_OLD_DAYS ")",
     offsetof(struct store_prune_counts, digests), "prune digests"},
    /* The rows of a feed's last stored document (its latest last_seen)
     * stay: the feed may be failing, disabled or sending an empty list,
     * and still carry them. The latest times are read once (MATERIALIZED),
     * not once per row: a database migrated from v1 has every row old. */
    {"WITH latest(feed_id, t) AS MATERIALIZED"
     " (SELECT feed_id, max(last_seen) FROM item_sources GROUP BY feed_id)"
     " DELETE FROM item_sources WHERE last_seen < ?1 AND last_seen <"
     " (SELECT t FROM latest WHERE latest.feed_id = item_sources.feed_id)",
     offsetof(struct store_prune_counts, sources), "prune item sources"},
    /* stories.lead_item refers to items: a story that outlives its lead
     * (another of its items is still carried) is in no digest any more,
     * so nothing reads its lead. */
    {"UPDATE stories SET lead_item = NULL WHERE lead_item IN"
     " (SELECT id FROM items WHERE " DOOMED_ITEM ")",
     (size_t)-1, "prune story leads"},
    {"DELETE FROM items WHERE " DOOMED_ITEM,
     offsetof(struct store_prune_counts, items), "prune items"},
    {"DELETE FROM stories WHERE"
     " NOT EXISTS (SELECT 1 FROM items i WHERE i.story_id = stories.id)"
     " AND NOT EXISTS (SELECT 1 FROM digest_stories ds"
     " WHERE ds.story_id = stories.id)",
     offsetof(struct store_prune_counts, stories), "prune stories"},
};

/* "database 'PATH': WHAT: why", as store.c words its errors. */
static int fail(struct store *s, const char *what)
{
    sqlite3 *db = store_db(s);
    const char *path = sqlite3_db_filename(db, "main");
    store_set_error(s, "database '%s': %s: %s", path ? path : "", what,
                    sqlite3_errmsg(db));
    return -1;
}

static int run_step(struct store *s, const struct step *sp, int64_t keep_cut,
                    int64_t age_cut, struct store_prune_counts *c)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sp->sql, -1, &st, NULL) != SQLITE_OK)
        return fail(s, sp->what);
    sqlite3_bind_int64(st, 1, keep_cut);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, age_cut);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(s, sp->what);
    if (sp->count != (size_t)-1)
        *(int64_t *)((char *)c + sp->count) = sqlite3_changes64(db);
    return 0;
}

/* now - span, saturating: a huge keep prunes nothing instead of
 * overflowing. */
static int64_t cut(int64_t now, int64_t span)
{
    return now >= INT64_MIN + span ? now - span : INT64_MIN;
}

/* Hand the free pages back to the file system when the file is in
 * incremental auto-vacuum mode (PRAGMA auto_vacuum 2); else do nothing. */
static int reclaim(struct store *s)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA auto_vacuum", -1, &st, NULL) != SQLITE_OK)
        return fail(s, "reclaim free pages");
    int rc = sqlite3_step(st);
    int mode = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return fail(s, "reclaim free pages");
    if (mode != 2)
        return 0;
    /* sqlite3_exec steps it to the end: every free page is released. */
    if (sqlite3_exec(db, "PRAGMA incremental_vacuum", NULL, NULL, NULL) != SQLITE_OK)
        return fail(s, "reclaim free pages");
    return 0;
}

int store_prune(struct store *s, int64_t now, int64_t keep, int64_t max_age,
                struct store_prune_counts *out)
{
    struct store_prune_counts c;
    memset(&c, 0, sizeof c);
    if (out)
        memset(out, 0, sizeof *out);
    if (keep < 1 || max_age < 0) {
        store_set_error(s, "prune: keep must be at least 1s and max_age "
                        "at least 0 (got %lld and %lld)", (long long)keep,
                        (long long)max_age);
        return -1;
    }
    sqlite3 *db = store_db(s);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(s, "prune: begin transaction");
    int64_t keep_cut = cut(now, keep), age_cut = cut(now, max_age);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (run_step(s, &steps[i], keep_cut, age_cut, &c) < 0)
            goto fail;
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(s, "prune: commit");
        goto fail;
    }
    if (out)
        *out = c;
    if (c.digests + c.deliveries + c.sources + c.items + c.stories > 0)
        return reclaim(s);
    return 0;
fail:
    /* Keep the first error, which is the one worth reporting. */
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}
