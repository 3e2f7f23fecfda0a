/* digest_store.c - freeze a day's digest and track its deliveries. */
#include "store/digest_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/util.h"

static int fail(struct store *s, sqlite3_stmt *st, const char *what)
{
    store_set_error(s, "%s: %s", what, sqlite3_errmsg(store_db(s)));
    sqlite3_finalize(st);
    return -1;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* Run one statement with its bound values; -1 on error (finalized). */
static int step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
    if (sqlite3_step(st) != SQLITE_DONE)
        return fail(s, st, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return 0;
}

static int prep(struct store *s, const char *sql, sqlite3_stmt **st,
                const char *what)
{
    if (sqlite3_prepare_v2(store_db(s), sql, -1, st, NULL) != SQLITE_OK)
        return fail(s, NULL, what);
    return 0;
}

int store_digest_exists(struct store *s, const char *day)
{
    sqlite3_stmt *st;
    if (prep(s, "SELECT 1 FROM digests WHERE day = ?1", &st, "digest") < 0)
        return -1;
    bind_text(st, 1, day);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail(s, st, "digest");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW;
}

/* The re-posts join their earlier stories: story_id IS NULL, as for the
 * day's own items, and the story must be listed by a digest, so the item
 * ends up in exactly one digest. */
static int attach_rows(struct store *s,
                       const struct store_attached_item *attached,
                       size_t nattached)
{
    if (nattached == 0)
        return 0;
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st;
    if (prep(s, "UPDATE items SET story_id = ?1, topic = (SELECT topic FROM"
             " digest_stories WHERE story_id = ?1) WHERE id = ?2 AND"
             " story_id IS NULL AND EXISTS (SELECT 1 FROM digest_stories"
             " WHERE story_id = ?1)", &st, "freeze re-posts") < 0)
        return -1;
    for (size_t i = 0; i < nattached; i++) {
        sqlite3_bind_int64(st, 1, attached[i].story);
        sqlite3_bind_int64(st, 2, attached[i].item);
        if (sqlite3_step(st) != SQLITE_DONE)
            return fail(s, st, "freeze re-posts");
        if (sqlite3_changes(db) != 1) {
            store_set_error(s, "freeze re-posts: item %lld is missing or "
                            "already in a digest, or story %lld is in none",
                            (long long)attached[i].item,
                            (long long)attached[i].story);
            sqlite3_finalize(st);
            return -1;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return 0;
}

static int freeze_rows(struct store *s, const char *day, const char *title,
                       int64_t now, const struct store_frozen_story *stories,
                       size_t nstories,
                       const struct store_attached_item *attached,
                       size_t nattached, const struct store_new_delivery *dl,
                       size_t ndl)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st;
    if (prep(s, "INSERT INTO digests (day, created, title) VALUES (?1, ?2, ?3)",
             &st, "freeze digest") < 0)
        return -1;
    bind_text(st, 1, day);
    sqlite3_bind_int64(st, 2, now);
    bind_text(st, 3, title);
    if (step_done(s, st, "freeze digest") < 0)
        return -1;
    sqlite3_finalize(st);

    sqlite3_stmt *ins_story, *ins_list, *upd_item;
    if (prep(s, "INSERT INTO stories (lead_item, title, topic, first_seen)"
             " VALUES (?1, ?2, ?3, ?4)", &ins_story, "freeze stories") < 0)
        return -1;
    if (prep(s, "INSERT INTO digest_stories (day, position, story_id, topic)"
             " VALUES (?1, ?2, ?3, ?4)", &ins_list, "freeze list") < 0) {
        sqlite3_finalize(ins_story);
        return -1;
    }
    /* story_id IS NULL: an item already in a digest is not moved. */
    if (prep(s, "UPDATE items SET story_id = ?1, topic = ?2"
             " WHERE id = ?3 AND story_id IS NULL", &upd_item,
             "freeze items") < 0) {
        sqlite3_finalize(ins_story);
        sqlite3_finalize(ins_list);
        return -1;
    }
    int rc = 0;
    for (size_t k = 0; k < nstories && rc == 0; k++) {
        const struct store_frozen_story *fs = &stories[k];
        sqlite3_bind_int64(ins_story, 1, fs->lead_item);
        bind_text(ins_story, 2, fs->title);
        bind_text(ins_story, 3, fs->topic);
        sqlite3_bind_int64(ins_story, 4, fs->first_seen);
        if (sqlite3_step(ins_story) != SQLITE_DONE) {
            store_set_error(s, "freeze stories: %s", sqlite3_errmsg(db));
            rc = -1;
            break;
        }
        sqlite3_reset(ins_story);
        int64_t sid = sqlite3_last_insert_rowid(db);
        bind_text(ins_list, 1, day);
        sqlite3_bind_int64(ins_list, 2, (int64_t)k);
        sqlite3_bind_int64(ins_list, 3, sid);
        bind_text(ins_list, 4, fs->topic);
        if (sqlite3_step(ins_list) != SQLITE_DONE) {
            store_set_error(s, "freeze list: %s", sqlite3_errmsg(db));
            rc = -1;
            break;
        }
        sqlite3_reset(ins_list);
        for (size_t j = 0; j < fs->nitems; j++) {
            sqlite3_bind_int64(upd_item, 1, sid);
            bind_text(upd_item, 2, fs->topic);
            sqlite3_bind_int64(upd_item, 3, fs->items[j]);
            if (sqlite3_step(upd_item) != SQLITE_DONE) {
                store_set_error(s, "freeze items: %s", sqlite3_errmsg(db));
                rc = -1;
                break;
            }
            if (sqlite3_changes(db) != 1) {
                store_set_error(s, "freeze items: item %lld is missing or "
                                "already in a digest",
                                (long long)fs->items[j]);
                rc = -1;
                break;
            }
            sqlite3_reset(upd_item);
        }
    }
    sqlite3_finalize(ins_story);
    sqlite3_finalize(ins_list);
    sqlite3_finalize(upd_item);
    if (rc < 0)
        return -1;
    if (attach_rows(s, attached, nattached) < 0)
        return -1;

    if (prep(s, "INSERT INTO deliveries (day, subscriber, state, message_id)"
             " VALUES (?1, ?2, 'pending', ?3)", &st, "freeze deliveries") < 0)
        return -1;
    for (size_t i = 0; i < ndl; i++) {
        bind_text(st, 1, day);
        bind_text(st, 2, dl[i].subscriber);
        bind_text(st, 3, dl[i].message_id);
        if (step_done(s, st, "freeze deliveries") < 0)
            return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

int store_digest_freeze(struct store *s, const char *day, const char *title,
                        int64_t now, const struct store_frozen_story *stories,
                        size_t nstories, const struct store_new_delivery *dl,
                        size_t ndl)
{
    return store_digest_freeze_attached(s, day, title, now, stories, nstories,
                                        NULL, 0, dl, ndl);
}

int store_digest_freeze_attached(struct store *s, const char *day,
                                 const char *title, int64_t now,
                                 const struct store_frozen_story *stories,
                                 size_t nstories,
                                 const struct store_attached_item *attached,
                                 size_t nattached,
                                 const struct store_new_delivery *dl,
                                 size_t ndl)
{
    sqlite3 *db = store_db(s);
    /* IMMEDIATE: the check and the writes see one state; a concurrent
     * writer waits on the busy timeout. */
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        store_set_error(s, "freeze: begin: %s", sqlite3_errmsg(db));
        return -1;
    }
    int rc = store_digest_exists(s, day);
    if (rc == 0)
        rc = freeze_rows(s, day, title, now, stories, nstories, attached,
                         nattached, dl, ndl);
    if (rc == 0) {
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            store_set_error(s, "freeze: commit: %s", sqlite3_errmsg(db));
            rc = -1;
        } else {
            return 0;
        }
    }
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int store_deliveries_todo(struct store *s, struct store_delivery **out,
                          size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (prep(s, "SELECT day, subscriber, message_id, attempts, state"
             " FROM deliveries WHERE state IN ('pending', 'failed')"
             " ORDER BY day, subscriber", &st, "deliveries") < 0)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        struct store_delivery *d = &(*out)[(*n)++];
        const unsigned char *t;
        d->day = xstrdup((const char *)sqlite3_column_text(st, 0));
        d->subscriber = xstrdup((const char *)sqlite3_column_text(st, 1));
        t = sqlite3_column_text(st, 2);
        d->message_id = t ? xstrdup((const char *)t) : NULL;
        d->attempts = sqlite3_column_int(st, 3);
        t = sqlite3_column_text(st, 4);
        d->failed = t && strcmp((const char *)t, "failed") == 0;
    }
    if (rc != SQLITE_DONE) {
        store_deliveries_free(*out, *n);
        *out = NULL;
        *n = 0;
        return fail(s, st, "deliveries");
    }
    sqlite3_finalize(st);
    return 0;
}

void store_deliveries_free(struct store_delivery *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(d[i].day);
        free(d[i].subscriber);
        free(d[i].message_id);
    }
    free(d);
}

static int mark(struct store *s, const char *sql, const char *day,
                const char *subscriber, int64_t now, const char *error)
{
    sqlite3_stmt *st;
    if (prep(s, sql, &st, "delivery") < 0)
        return -1;
    bind_text(st, 1, day);
    bind_text(st, 2, subscriber);
    sqlite3_bind_int64(st, 3, now);
    if (error)
        bind_text(st, 4, error);
    /* An autocommit statement is its own transaction. */
    if (sqlite3_step(st) != SQLITE_DONE)
        return fail(s, st, "delivery");
    sqlite3_finalize(st);
    return 0;
}

int store_delivery_sent(struct store *s, const char *day,
                        const char *subscriber, int64_t now)
{
    return mark(s, "UPDATE deliveries SET state = 'sent', sent_at = ?3,"
                " last_attempt = ?3, attempts = attempts + 1,"
                " last_error = NULL WHERE day = ?1 AND subscriber = ?2",
                day, subscriber, now, NULL);
}

int store_delivery_failed(struct store *s, const char *day,
                          const char *subscriber, int64_t now,
                          const char *error)
{
    return mark(s, "UPDATE deliveries SET state = 'failed', last_attempt = ?3,"
                " attempts = attempts + 1, last_error = ?4"
                " WHERE day = ?1 AND subscriber = ?2"
                " AND state IN ('pending', 'failed')",
                day, subscriber, now, error ? error : "");
}

int store_delivery_refused(struct store *s, const char *day,
                           const char *subscriber, int64_t now,
                           const char *error)
{
    return mark(s, "UPDATE deliveries SET state = 'refused', last_attempt = ?3,"
                " attempts = attempts + 1, last_error = ?4"
                " WHERE day = ?1 AND subscriber = ?2"
                " AND state IN ('pending', 'failed')",
                day, subscriber, now, error ? error : "");
}
