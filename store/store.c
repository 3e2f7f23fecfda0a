/* store.c - the SQLite state: open and migrate, feed rows, saving a fetch. */
#include "store.h"

#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "schema.h"
#include "util/limits.h"
#include "util/url.h"
#include "util/util.h"

/* LIBS.md 5: a writer waits this long for another one before SQLITE_BUSY. */
#define STORE_BUSY_TIMEOUT_MS 5000

/* `bantin feeds`: "items in the last 7 days". */
#define STORE_RECENT_S (7 * 86400)

/* Statements of the per-feed and per-item paths, prepared on first use
 * and kept for the life of the connection: preparing them on every save
 * was a fifth of the CPU of a 1 000-feed first fetch. A user takes one with
 * cached() and leaves it reset with no bindings (done(), or run()) on
 * every path, errors included: a statement left mid-step would hold a read
 * transaction open (blocking WAL checkpoints) and leak bindings into its
 * next use. */
enum store_stmt {
    STMT_FEED_GET,
    STMT_SAVE_READ,
    STMT_HAS_KEY,
    STMT_TOUCH_KEY,
    STMT_TOUCH_LAST_DOC,
    STMT_HAS_CANON,
    STMT_ITEM_BY_CANON,
    STMT_INS_ITEM,
    STMT_INS_SOURCE,
    STMT_LINK_MODE,
    STMT_HEALTH,
    STMT_FAILURE,
    STMT_SET_ARTICLE,
    STMT_COUNT
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmts[STMT_COUNT];
    char *path;
    int64_t backfill;
    double (*rnd)(void *ctx);
    void *rnd_ctx;
    uint64_t rng;            /* state of the default jitter source */
    char err[512];
};

static void set_err(struct store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_err(struct store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
}

/* The database's own message, prefixed with what we were doing. */
static int db_fail(struct store *s, const char *what)
{
    set_err(s, "database '%s': %s: %s", s->path, what, sqlite3_errmsg(s->db));
    return -1;
}

const char *store_error(const struct store *s)
{
    return s->err;
}

int store_schema_version(void)
{
    return store_migrations[store_nmigrations - 1].version;
}

/* ---- small statement helpers ------------------------------------------ */

static int prep(struct store *s, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return db_fail(s, "prepare");
    }
    return 0;
}

static const char *stmt_sql(enum store_stmt k);

/* The cached statement k, prepared when first asked for. */
static int cached(struct store *s, enum store_stmt k, sqlite3_stmt **st)
{
    if (!s->stmts[k] &&
        sqlite3_prepare_v3(s->db, stmt_sql(k), -1, SQLITE_PREPARE_PERSISTENT,
                           &s->stmts[k], NULL) != SQLITE_OK) {
        s->stmts[k] = NULL;
        *st = NULL;
        return db_fail(s, "prepare");
    }
    *st = s->stmts[k];
    return 0;
}

/* Leave a statement ready for its next use. */
static void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Text or NULL. SQLITE_TRANSIENT: callers reuse their buffers. */
static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (!v)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static int bind_time(sqlite3_stmt *st, int i, int64_t t)
{
    if (t == TIME_NONE)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_int64(st, i, t);
}

static int64_t col_time(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return TIME_NONE;
    return sqlite3_column_int64(st, i);
}

static char *col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return v ? xstrdup((const char *)v) : NULL;
}

/* Step a statement that returns no row, then reset it for reuse. */
static int run(struct store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, what);
    return 0;
}

static int exec(struct store *s, const char *sql, const char *what)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(s, what);
    return 0;
}

/* Every write transaction is IMMEDIATE (LIBS.md 5): a deferred one that
 * reads, then writes, can fail at once with SQLITE_BUSY_SNAPSHOT despite
 * the busy timeout. */
static int begin(struct store *s)
{
    return exec(s, "BEGIN IMMEDIATE", "begin transaction");
}

static int commit(struct store *s)
{
    return exec(s, "COMMIT", "commit");
}

/* Undo the open transaction, if any, keeping s->err (the first error is
 * the one worth reporting). */
static void rollback(struct store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Run a PRAGMA that returns one integer. */
static int pragma_int(struct store *s, const char *sql, int *out)
{
    sqlite3_stmt *st;
    if (prep(s, &st, sql) < 0)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return db_fail(s, "read schema version");
    return 0;
}

/* ---- open, migrate, close --------------------------------------------- */

/* SQLite says only "unable to open database file" when the folder is
 * missing; name the path ourselves. We do not create folders: a typo in
 * the config must not scatter databases around the disk. */
static int check_path(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (!*path) {
        snprintf(err, errlen, "database path is empty");
        return -1;
    }
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            snprintf(err, errlen, "database '%s' is a folder, not a file", path);
            return -1;
        }
        return 0;
    }
    const char *slash = strrchr(path, '/');
    if (!slash)
        return 0; /* in the current folder, which exists */
    char *dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
    int rc = 0;
    if (stat(dir, &sb) != 0) {
        snprintf(err, errlen, "cannot create database '%s': folder '%s': %s", path,
                 dir, strerror(errno));
        rc = -1;
    } else if (!S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "cannot create database '%s': '%s' is not a folder",
                 path, dir);
        rc = -1;
    }
    free(dir);
    return rc;
}

/* Refuse a file that is another program's database, or a bantin database
 * from a newer version, before writing anything to it (even the WAL
 * switch, which persists). *version gets the current user_version. */
static int check_identity(struct store *s, int *version)
{
    int app, tables;
    if (pragma_int(s, "PRAGMA application_id", &app) < 0 ||
        pragma_int(s, "PRAGMA user_version", version) < 0 ||
        pragma_int(s, "SELECT count(*) FROM sqlite_schema", &tables) < 0)
        return -1;
    if (app != STORE_APPLICATION_ID && (app != 0 || *version != 0 || tables != 0)) {
        set_err(s, "'%s' is not a bantin database (application_id %d, "
                "user_version %d, %d schema objects)", s->path, app, *version, tables);
        return -1;
    }
    if (*version > store_schema_version()) {
        set_err(s, "database '%s' has schema version %d, newer than this bantin "
                "knows (%d): run a newer bantin", s->path, *version,
                store_schema_version());
        return -1;
    }
    return 0;
}

static int set_wal(struct store *s)
{
    sqlite3_stmt *st;
    if (prep(s, &st, "PRAGMA journal_mode=WAL") < 0)
        return -1;
    int rc = sqlite3_step(st);
    char mode[16] = "";
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return db_fail(s, "set WAL mode");
    /* SQLite answers with the mode it ended up in instead of failing. */
    if (ascii_casecmp(mode, "wal") != 0) {
        set_err(s, "database '%s': cannot use WAL mode (journal_mode is '%s')",
                s->path, mode);
        return -1;
    }
    return 0;
}

/* A file without bantin's schema yet gets incremental auto-vacuum, so
 * store_prune can hand the pages it frees back to the file system. SQLite
 * fixes this mode when the first table is created (and before the WAL
 * switch writes the header): an existing database keeps the mode it has,
 * since changing it means a VACUUM that rewrites the whole file. */
static int new_file_settings(struct store *s, int version)
{
    if (version != 0)
        return 0;
    return exec(s, "PRAGMA auto_vacuum = INCREMENTAL", "set auto_vacuum");
}

/* Apply every migration newer than the file, each in its own transaction
 * with the user_version that records it: a crash or an error leaves the
 * file at the previous version, never half-migrated. */
static int migrate(struct store *s, int version)
{
    for (size_t i = 0; i < store_nmigrations; i++) {
        const struct store_migration *m = &store_migrations[i];
        if (m->version <= version)
            continue;
        if (begin(s) < 0)
            return -1;
        /* Another process may have migrated while we waited for the lock. */
        int now;
        if (pragma_int(s, "PRAGMA user_version", &now) < 0)
            goto fail;
        if (now >= m->version) {
            rollback(s);
            version = now;
            continue;
        }
        char *msg = NULL;
        if (sqlite3_exec(s->db, m->sql, NULL, NULL, &msg) != SQLITE_OK) {
            set_err(s, "database '%s': migration to schema version %d failed: %s",
                    s->path, m->version, msg ? msg : sqlite3_errmsg(s->db));
            sqlite3_free(msg);
            goto fail;
        }
        char *uv = xasprintf("PRAGMA user_version = %d", m->version);
        int rc = exec(s, uv, "record schema version");
        free(uv);
        if (rc < 0 || commit(s) < 0)
            goto fail;
        version = m->version;
    }
    return 0;
fail:
    rollback(s);
    return -1;
}

/* splitmix64: a fine jitter source, seeded per process. */
static double default_rnd(void *ctx)
{
    uint64_t *st = ctx;
    uint64_t z = (*st += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0; /* 2^53 */
}

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
    *out = NULL;
    if (check_path(path, err, errlen) < 0)
        return -1;
    struct store *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    s->backfill = STORE_DEFAULT_BACKFILL;
    store_set_random(s, NULL, NULL);

    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             NULL);
    int version = 0;
    if (rc != SQLITE_OK) {
        set_err(s, "cannot open database '%s': %s", path,
                s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
    if (check_identity(s, &version) < 0 || new_file_settings(s, version) < 0 ||
        set_wal(s) < 0 ||
        exec(s, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON",
             "set pragmas") < 0 ||
        migrate(s, version) < 0)
        goto fail;
    *out = s;
    return 0;
fail:
    snprintf(err, errlen, "%s", s->err);
    store_close(s);
    return -1;
}

sqlite3 *store_db(struct store *s)
{
    return s->db;
}

void store_set_error(struct store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    /* Other statements are finalized by their users; close_v2 would
     * defer the close of a leaked one instead of failing. */
    for (size_t i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}

void store_set_backfill(struct store *s, int64_t seconds)
{
    s->backfill = seconds < 0 ? 0 : seconds;
}

void store_set_random(struct store *s, double (*rnd)(void *ctx), void *ctx)
{
    if (rnd) {
        s->rnd = rnd;
        s->rnd_ctx = ctx;
        return;
    }
    if (getrandom(&s->rng, sizeof s->rng, GRND_NONBLOCK) != (ssize_t)sizeof s->rng)
        s->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    s->rnd = default_rnd;
    s->rnd_ctx = &s->rng;
}

int64_t store_backoff(int failures, double u)
{
    if (!(u >= 0.0)) /* also NaN */
        u = 0.0;
    if (u > 1.0)
        u = 1.0;
    int64_t base = STORE_BACKOFF_BASE_S;
    for (int i = 1; i < failures && base < STORE_BACKOFF_MAX_S; i++)
        base *= 2;
    /* Cap before the jitter too, so feeds failing for days still spread
     * over [0.8, 1] day instead of all retrying at the same second. */
    if (base > STORE_BACKOFF_MAX_S)
        base = STORE_BACKOFF_MAX_S;
    int64_t b = (int64_t)((double)base * (0.8 + 0.4 * u));
    if (b > STORE_BACKOFF_MAX_S)
        b = STORE_BACKOFF_MAX_S;
    return b < 1 ? 1 : b;
}

/* ---- feed rows ---------------------------------------------------------- */

int store_feeds_sync(struct store *s, const struct store_feed_def *defs,
                     size_t n)
{
    /* SET expressions see the old row, so "url = excluded.url" asks
     * whether the configured URL stayed the same. */
    static const char sql[] =
        "INSERT INTO feeds(id, url, title, created) VALUES(?1, ?2, ?3, ?4)\n"
        "ON CONFLICT(id) DO UPDATE SET\n"
        "  title = excluded.title,\n"
        "  url = excluded.url,\n"
        "  stored_url    = CASE WHEN url = excluded.url THEN stored_url END,\n"
        "  etag          = CASE WHEN url = excluded.url THEN etag END,\n"
        "  last_modified = CASE WHEN url = excluded.url THEN last_modified END,\n"
        "  first_fetch   = CASE WHEN url = excluded.url THEN first_fetch END,\n"
        "  last_attempt  = CASE WHEN url = excluded.url THEN last_attempt END,\n"
        "  last_ok       = CASE WHEN url = excluded.url THEN last_ok END,\n"
        "  last_error    = CASE WHEN url = excluded.url THEN last_error END,\n"
        "  last_status   = CASE WHEN url = excluded.url THEN last_status END,\n"
        "  next_attempt  = CASE WHEN url = excluded.url THEN next_attempt END,\n"
        "  fail_count    = CASE WHEN url = excluded.url THEN fail_count ELSE 0 END,\n"
        "  gone          = CASE WHEN url = excluded.url THEN gone ELSE 0 END,\n"
        "  degraded      = CASE WHEN url = excluded.url THEN degraded ELSE 0 END,\n"
        "  id_mode       = CASE WHEN url = excluded.url THEN id_mode ELSE 'guid' END\n"
        "WHERE url IS NOT excluded.url OR title IS NOT excluded.title";
    if (n == 0)
        return 0;
    sqlite3_stmt *st = NULL;
    if (begin(s) < 0)
        return -1;
    if (prep(s, &st, sql) < 0)
        goto fail;
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < n; i++) {
        bind_text(st, 1, defs[i].id);
        bind_text(st, 2, defs[i].url);
        bind_text(st, 3, defs[i].title);
        sqlite3_bind_int64(st, 4, now);
        if (run(s, st, "save feed") < 0) {
            /* Name the feed: the config may have a thousand. */
            char msg[sizeof s->err];
            snprintf(msg, sizeof msg, "%s", s->err);
            set_err(s, "%s (feed '%s')", msg, defs[i].id ? defs[i].id : "");
            goto fail;
        }
    }
    if (commit(s) < 0)
        goto fail;
    sqlite3_finalize(st);
    return 0;
fail:
    sqlite3_finalize(st);
    rollback(s);
    return -1;
}

int store_feed_sync(struct store *s, const char *id, const char *url,
                    const char *title)
{
    struct store_feed_def d = {id, url, title};
    return store_feeds_sync(s, &d, 1);
}

/* Columns of struct store_feed, in order; ?1 = start of "recent". */
#define FEED_SELECT                                                           \
    "SELECT f.id, f.url, f.stored_url, f.title, f.etag, f.last_modified,\n"  \
    "  f.first_fetch, f.last_attempt, f.last_ok, f.last_error,\n"            \
    "  f.last_status, f.fail_count, f.next_attempt, f.gone, f.degraded,\n"   \
    "  f.id_mode, f.created, f.doc_title,\n"                                 \
    "  (SELECT count(DISTINCT item_id) FROM item_sources WHERE feed_id = f.id),\n" \
    "  (SELECT count(DISTINCT item_id) FROM item_sources\n"                  \
    "     WHERE feed_id = f.id AND first_seen >= ?1)\n"                       \
    "FROM feeds f\n"

static void read_feed(sqlite3_stmt *st, struct store_feed *f)
{
    f->id = col_str(st, 0);
    f->url = col_str(st, 1);
    f->stored_url = col_str(st, 2);
    f->title = col_str(st, 3);
    f->etag = col_str(st, 4);
    f->last_modified = col_str(st, 5);
    f->first_fetch = col_time(st, 6);
    f->last_attempt = col_time(st, 7);
    f->last_ok = col_time(st, 8);
    f->last_error = col_str(st, 9);
    f->last_status = sqlite3_column_int(st, 10);
    f->fail_count = sqlite3_column_int(st, 11);
    f->next_attempt = col_time(st, 12);
    f->gone = sqlite3_column_int(st, 13);
    f->degraded = sqlite3_column_int(st, 14);
    const unsigned char *mode = sqlite3_column_text(st, 15);
    f->id_mode = mode && strcmp((const char *)mode, "link") == 0 ? STORE_ID_LINK
                                                                  : STORE_ID_GUID;
    f->created = col_time(st, 16);
    f->doc_title = col_str(st, 17);
    f->items = sqlite3_column_int64(st, 18);
    f->items_7d = sqlite3_column_int64(st, 19);
}

int store_feed_get(struct store *s, const char *id, struct store_feed *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    if (cached(s, STMT_FEED_GET, &st) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, (int64_t)time(NULL) - STORE_RECENT_S);
    bind_text(st, 2, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_feed(st, out);
    done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        db_fail(s, "read feed");
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int store_feed_list(struct store *s, int64_t now, struct store_feed **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (prep(s, &st, FEED_SELECT "ORDER BY f.id") < 0)
        return -1;
    sqlite3_bind_int64(st, 1, now - STORE_RECENT_S);
    struct store_feed *list = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            list = xrealloc(list, cap * sizeof *list);
        }
        memset(&list[len], 0, sizeof *list);
        read_feed(st, &list[len++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_fail(s, "list feeds");
        store_feed_list_free(list, len);
        return -1;
    }
    *out = list;
    *n = len;
    return 0;
}

void store_feed_release(struct store_feed *f)
{
    free(f->id);
    free(f->url);
    free(f->stored_url);
    free(f->title);
    free(f->doc_title);
    free(f->etag);
    free(f->last_modified);
    free(f->last_error);
    memset(f, 0, sizeof *f);
}

void store_feed_list_free(struct store_feed *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_feed_release(&list[i]);
    free(list);
}

const char *store_feed_url(const struct store_feed *f)
{
    return f->stored_url ? f->stored_url : f->url;
}

int store_feed_due(const struct store_feed *f, int64_t now)
{
    return !f->gone && (f->next_attempt == TIME_NONE || f->next_attempt <= now);
}

const char *store_feed_state(const struct store_feed *f)
{
    if (f->gone)
        return "gone";
    if (f->fail_count > 0)
        return "failing";
    if (f->last_ok == TIME_NONE)
        return "new";
    if (f->degraded)
        return "degraded";
    return "ok";
}

/* ---- saving a fetch ----------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if none. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len;
    uint32_t min, cp;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xe0) == 0xc0) {
        len = 2, min = 0x80, cp = p[0] & 0x1f;
    } else if ((p[0] & 0xf0) == 0xe0) {
        len = 3, min = 0x800, cp = p[0] & 0x0f;
    } else if ((p[0] & 0xf8) == 0xf0) {
        len = 4, min = 0x10000, cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* An error message from the network is untrusted text that ends up in
 * `bantin feeds`, JSON and cron mail: one line, valid UTF-8, bounded. */
static char *one_line(const char *msg)
{
    size_t n = strlen(msg);
    char *out = xmalloc(STORE_ERROR_BYTES + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        const unsigned char *p = (const unsigned char *)msg + i;
        size_t k = utf8_seq(p, n - i);
        if (k == 0 || (k == 1 && (p[0] < 0x20 || p[0] == 0x7f))) {
            k = 1;
            if (o + 1 > STORE_ERROR_BYTES)
                break;
            out[o++] = p[0] < 0x80 ? ' ' : '?';
        } else {
            if (o + k > STORE_ERROR_BYTES)
                break;
            memcpy(out + o, p, k);
            o += k;
        }
        i += k;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return out;
}

/* A validator we may send back in a header: present, bounded, no control
 * bytes (a stored CR/LF would be a header injection on every fetch). */
static const char *validator(const char *v)
{
    if (!v || !*v || strlen(v) > LIMIT_FIELD_BYTES)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return NULL;
    return v;
}

static int is_blank(const char *v)
{
    if (!v)
        return 1;
    while (IS_SPACE(*v))
        v++;
    return *v == '\0';
}

static int same_or_both_null(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Everything one save needs; its statements are the store's cached ones. */
struct save {
    struct store *s;
    const char *feed;
    int64_t now;
    int first;                 /* no successful fetch yet: backfill applies */
    int link_mode;
    int64_t *created;          /* per item: the items row it created, or 0;
                                  NULL: not wanted */
    char **canon;              /* url_canonical of each item's link */
    sqlite3_stmt *has_key;     /* (feed, key) already stored? */
    sqlite3_stmt *touch_key;   /* ... and if so, carried again now */
    sqlite3_stmt *has_canon;   /* this feed already carried this link? */
    sqlite3_stmt *item_by_canon;
    sqlite3_stmt *ins_item;
    sqlite3_stmt *ins_source;
};

static int save_prepare(struct save *sv)
{
    struct store *s = sv->s;
    return cached(s, STMT_HAS_KEY, &sv->has_key) < 0 ||
           cached(s, STMT_TOUCH_KEY, &sv->touch_key) < 0 ||
           cached(s, STMT_HAS_CANON, &sv->has_canon) < 0 ||
           cached(s, STMT_ITEM_BY_CANON, &sv->item_by_canon) < 0 ||
           cached(s, STMT_INS_ITEM, &sv->ins_item) < 0 ||
           cached(s, STMT_INS_SOURCE, &sv->ins_source) < 0
               ? -1
               : 0;
}

static void save_finish(struct save *sv, size_t nitems)
{
    if (sv->canon)
        for (size_t i = 0; i < nitems; i++)
            free(sv->canon[i]);
    free(sv->canon);
}

/* Run a (feed, value) lookup: 1 found, 0 not, -1 error. */
static int lookup(struct save *sv, sqlite3_stmt *st, const char *v)
{
    bind_text(st, 1, sv->feed);
    bind_text(st, 2, v);
    int rc = sqlite3_step(st);
    done(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return db_fail(sv->s, "look up item");
}

/* A key this feed already stored is carried again: its last_seen becomes
 * now (retention, store/prune.h). One UPDATE instead of a lookup and an
 * update: 1 when the key was known, 0 when not, -1 on error. */
static int touch_key(struct save *sv, const char *key)
{
    sqlite3_stmt *st = sv->touch_key;
    bind_text(st, 1, sv->feed);
    bind_text(st, 2, key);
    sqlite3_bind_int64(st, 3, sv->now);
    if (run(sv->s, st, "touch item source") < 0)
        return -1;
    return sqlite3_changes(sv->s->db) > 0;
}

/* The items row with this canonical link: its id, 0 when none, -1. */
static int64_t item_with_canon(struct save *sv, const char *canon)
{
    sqlite3_stmt *st = sv->item_by_canon;
    bind_text(st, 1, canon);
    int rc = sqlite3_step(st);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(sv->s, "look up item link");
    return id;
}

struct id_link {
    const char *id;
    const char *canon;
};

static int id_link_cmp(const void *va, const void *vb)
{
    const struct id_link *a = va, *b = vb;
    int c = strcmp(a->id, b->id);
    if (c)
        return c;
    if (!a->canon || !b->canon)
        return (a->canon != NULL) - (b->canon != NULL);
    return strcmp(a->canon, b->canon);
}

/* Whether a feed in guid mode must fall back to links (see store.h):
 * 1 yes, 0 no, -1 error. Only items with a link count: without one, the
 * id is all there is. */
static int ids_unusable(struct save *sv, const struct feed *f)
{
    struct id_link *v = xmalloc((f->nitems + 1) * sizeof *v);
    size_t nv = 0;
    int verdict = 0;
    for (size_t i = 0; i < f->nitems; i++) {
        if (!sv->canon[i])
            continue;
        if (is_blank(f->items[i].id)) {
            verdict = 1;
            goto out;
        }
        v[nv++] = (struct id_link){f->items[i].id, sv->canon[i]};
    }
    /* One id on two different links within one document. */
    qsort(v, nv, sizeof *v, id_link_cmp);
    for (size_t i = 1; i < nv; i++)
        if (strcmp(v[i - 1].id, v[i].id) == 0 &&
            !same_or_both_null(v[i - 1].canon, v[i].canon)) {
            verdict = 1;
            goto out;
        }
    /* Ids that change between fetches: a link this feed stored under an
     * id this document no longer uses. */
    size_t changed = 0;
    for (size_t i = 0; i < nv; i++) {
        int known = lookup(sv, sv->has_key, v[i].id);
        int had = known == 0 ? lookup(sv, sv->has_canon, v[i].canon) : 0;
        if (known < 0 || had < 0) {
            verdict = -1;
            goto out;
        }
        changed += had;
    }
    verdict = changed * 2 > nv;
out:
    free(v);
    return verdict;
}

static char *categories_json(const struct feed_item *it)
{
    if (it->ncategories == 0)
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; i < it->ncategories; i++) {
        json_t *c = it->categories[i] ? json_string(it->categories[i]) : NULL;
        if (c) /* NULL for invalid UTF-8: the parser hands NFC text, skip */
            json_array_append_new(a, c);
    }
    char *out = json_array_size(a) ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return out;
}

/* Too old to enter the digest from a feed's first fetch. A guessed date
 * (the fetch time, HTML lists) says nothing of the item's age. */
static int before_backfill(const struct save *sv, const struct feed_item *it)
{
    int64_t t = it->published != TIME_NONE && !it->published_guessed
                    ? it->published : it->updated;
    return t == TIME_NONE || t < sv->now - sv->s->backfill;
}

static int64_t insert_item(struct save *sv, const struct feed_item *it,
                           const char *canon)
{
    sqlite3_stmt *st = sv->ins_item;
    char *cats = categories_json(it);
    bind_text(st, 1, canon);
    bind_text(st, 2, it->title);
    bind_text(st, 3, it->link);
    bind_time(st, 4, it->published);
    bind_time(st, 5, it->updated);
    bind_text(st, 6, it->author);
    bind_text(st, 7, it->summary);
    bind_text(st, 8, it->content);
    bind_text(st, 9, cats);
    sqlite3_bind_int64(st, 10, sv->now);
    sqlite3_bind_int(st, 11, it->published != TIME_NONE && it->published_guessed);
    int rc = run(sv->s, st, "store item");
    free(cats);
    return rc < 0 ? -1 : sqlite3_last_insert_rowid(sv->s->db);
}

/* Store one item of the document (see store.h for the rules). */
static int save_item(struct save *sv, const struct feed_item *it, const char *canon,
                     struct store_save_stats *st, int64_t *created)
{
    const char *key = sv->link_mode && canon ? canon : it->id;
    if (is_blank(key)) {
        st->unkeyed++;
        return 0;
    }
    int known = touch_key(sv, key);
    if (known != 0) {
        st->seen_again += known > 0;
        return known < 0 ? -1 : 0;
    }
    /* A new key, but maybe a link we know: this feed's earlier id for it
     * (below the switch threshold, or before the switch to link mode), or
     * another feed's copy of the story. */
    int had = canon ? lookup(sv, sv->has_canon, canon) : 0;
    int64_t item = canon ? item_with_canon(sv, canon) : 0;
    if (had < 0 || item < 0)
        return -1;
    if (item > 0) {
        if (had)
            st->seen_again++;
        else
            st->linked++;
    } else if (had) {
        st->seen_again++;   /* skipped by backfill before: stays skipped */
    } else if (sv->first && before_backfill(sv, it)) {
        st->skipped_old++;
    } else {
        item = insert_item(sv, it, canon);
        if (item < 0)
            return -1;
        st->new_items++;
        if (created)
            *created = item;
    }
    sqlite3_stmt *ins = sv->ins_source;
    bind_text(ins, 1, sv->feed);
    bind_text(ins, 2, key);
    if (item > 0)
        sqlite3_bind_int64(ins, 3, item);
    else
        sqlite3_bind_null(ins, 3);
    bind_text(ins, 4, canon);
    bind_text(ins, 5, it->link);
    bind_text(ins, 6, it->title);
    sqlite3_bind_int64(ins, 7, sv->now);
    return run(sv->s, ins, "store item source");
}

static int save_items(struct save *sv, const struct feed *f,
                      struct store_save_stats *st)
{
    if (f->nitems == 0)
        return 0;
    if (save_prepare(sv) < 0)
        return -1;
    sv->canon = xcalloc(f->nitems, sizeof *sv->canon);
    for (size_t i = 0; i < f->nitems; i++)
        sv->canon[i] = url_canonical(f->items[i].link);
    if (!sv->link_mode) {
        int v = ids_unusable(sv, f);
        if (v < 0)
            return -1;
        if (v) {
            sqlite3_stmt *up;
            if (cached(sv->s, STMT_LINK_MODE, &up) < 0)
                return -1;
            bind_text(up, 1, sv->feed);
            if (run(sv->s, up, "switch to link mode") < 0)
                return -1;
            sv->link_mode = 1;
            st->switched_to_link = 1;
        }
    }
    for (size_t i = 0; i < f->nitems; i++)
        if (save_item(sv, &f->items[i], sv->canon[i], st,
                      sv->created ? &sv->created[i] : NULL) < 0)
            return -1;
    return 0;
}

/* 200 or 304: the feed is healthy. first_fetch and degraded only change
 * on a 200 (NULL binds keep them). */
static int save_health(struct store *s, const char *id, const struct store_fetch_result *r,
                       const struct feed *parsed, int64_t now)
{
    sqlite3_stmt *st;
    if (cached(s, STMT_HEALTH, &st) < 0)
        return -1;
    bind_text(st, 1, id);
    bind_text(st, 2, validator(r->etag));
    bind_text(st, 3, validator(r->last_modified));
    bind_text(st, 4, url_is_http(r->permanent_url) ? r->permanent_url : NULL);
    if (parsed) {
        sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_int(st, 6, parsed->degraded ? 1 : 0);
    }
    sqlite3_bind_int64(st, 7, now);
    sqlite3_bind_int(st, 8, r->status ? r->status : 304);
    if (parsed && parsed->title && parsed->title[0])
        bind_text(st, 9, parsed->title);
    return run(s, st, "save feed health");
}

static int save_failure(struct store *s, const char *id, int fail_count,
                        const struct store_fetch_result *r, int64_t now)
{
    char *msg;
    if (r->error && !is_blank(r->error))
        msg = one_line(r->error);
    else if (r->status == 0)
        msg = xstrdup("transport error");
    else if (r->status >= 200 && r->status < 300)
        msg = xasprintf("HTTP %d but no feed was parsed", r->status);
    else
        msg = xasprintf("HTTP %d", r->status);
    int failures = fail_count + 1;
    int64_t wait = r->retry_after >= 0
                       ? (r->retry_after < STORE_BACKOFF_MAX_S ? r->retry_after
                                                               : STORE_BACKOFF_MAX_S)
                       : store_backoff(failures, s->rnd(s->rnd_ctx));
    sqlite3_stmt *st;
    int rc = cached(s, STMT_FAILURE, &st);
    if (rc == 0) {
        bind_text(st, 1, id);
        sqlite3_bind_int64(st, 2, now);
        bind_text(st, 3, msg);
        sqlite3_bind_int(st, 4, r->status);
        sqlite3_bind_int(st, 5, failures);
        sqlite3_bind_int64(st, 6, now + wait);
        sqlite3_bind_int(st, 7, r->status == 410);
        rc = run(s, st, "save feed failure");
    }
    free(msg);
    return rc;
}

/* A 304 says the feed still carries what its last stored document
 * carried: the rows that document touched (those with the feed's latest
 * last_seen, all written by one save at one time) are seen again now. */
static int touch_last_doc(struct store *s, const char *id, int64_t now)
{
    sqlite3_stmt *st;
    if (cached(s, STMT_TOUCH_LAST_DOC, &st) < 0)
        return -1;
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    return run(s, st, "touch item sources");
}

int store_feed_save(struct store *s, const char *id, const struct store_fetch_result *r,
                    const struct feed *parsed, int64_t now,
                    struct store_save_stats *stats)
{
    return store_feed_save_created(s, id, r, parsed, now, stats, NULL);
}

int store_feed_save_created(struct store *s, const char *id,
                            const struct store_fetch_result *r,
                            const struct feed *parsed, int64_t now,
                            struct store_save_stats *stats, int64_t *created)
{
    struct store_save_stats dummy;
    struct store_save_stats *st = stats ? stats : &dummy;
    memset(st, 0, sizeof *st);
    struct save sv = {.s = s, .feed = id, .now = now};
    size_t nitems = 0;

    if (created && parsed && parsed->nitems > 0) {
        memset(created, 0, parsed->nitems * sizeof *created);
        sv.created = created;
    }

    if (begin(s) < 0)
        return -1;
    sqlite3_stmt *q;
    if (cached(s, STMT_SAVE_READ, &q) < 0)
        goto fail;
    bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    int fail_count = 0;
    if (rc == SQLITE_ROW) {
        sv.first = sqlite3_column_int(q, 0);
        fail_count = sqlite3_column_int(q, 1);
        sv.link_mode = sqlite3_column_int(q, 2);
    } else if (rc == SQLITE_DONE) {
        set_err(s, "unknown feed '%s'", id);
    } else {
        db_fail(s, "read feed");
    }
    done(q);
    if (rc != SQLITE_ROW)
        goto fail;

    int not_modified = r->not_modified || r->status == 304;
    int ok = !not_modified && r->status >= 200 && r->status < 300 && !r->error && parsed;
    if (not_modified) {
        if (save_health(s, id, r, NULL, now) < 0 || touch_last_doc(s, id, now) < 0)
            goto fail;
    } else if (ok) {
        nitems = parsed->nitems;
        if (save_items(&sv, parsed, st) < 0 || save_health(s, id, r, parsed, now) < 0)
            goto fail;
    } else if (save_failure(s, id, fail_count, r, now) < 0) {
        goto fail;
    }
    if (commit(s) < 0)
        goto fail;
    save_finish(&sv, nitems);
    return 0;
fail:
    save_finish(&sv, nitems);
    rollback(s);
    memset(st, 0, sizeof *st);
    if (sv.created)
        memset(sv.created, 0, parsed->nitems * sizeof *sv.created);
    return -1;
}

int store_item_set_article(struct store *s, int64_t item, const char *summary,
                           int64_t published)
{
    sqlite3_stmt *st;
    if (begin(s) < 0)
        return -1;
    if (cached(s, STMT_SET_ARTICLE, &st) < 0) {
        rollback(s);
        return -1;
    }
    sqlite3_bind_int64(st, 1, item);
    bind_text(st, 2, summary && *summary ? summary : NULL);
    bind_time(st, 3, published);
    int rc = run(s, st, "save article summary");
    if (rc == 0 && sqlite3_changes(s->db) == 0) {
        set_err(s, "no item %lld", (long long)item);
        rc = -1;
    }
    if (rc < 0 || commit(s) < 0) {
        rollback(s);
        return -1;
    }
    return 0;
}

/* The SQL of each cached statement (enum store_stmt). */
static const char *stmt_sql(enum store_stmt k)
{
    switch (k) {
    case STMT_FEED_GET:
        return FEED_SELECT "WHERE f.id = ?2";
    case STMT_SAVE_READ:
        return "SELECT first_fetch IS NULL, fail_count, id_mode = 'link'"
               " FROM feeds WHERE id = ?1";
    case STMT_HAS_KEY:
        return "SELECT 1 FROM item_sources WHERE feed_id = ?1 AND guid = ?2";
    case STMT_TOUCH_KEY:
        return "UPDATE item_sources SET last_seen = ?3"
               " WHERE feed_id = ?1 AND guid = ?2";
    case STMT_TOUCH_LAST_DOC:
        return "UPDATE item_sources SET last_seen = ?2"
               " WHERE feed_id = ?1 AND last_seen < ?2 AND last_seen ="
               " (SELECT max(last_seen) FROM item_sources WHERE feed_id = ?1)";
    case STMT_HAS_CANON:
        return "SELECT 1 FROM item_sources WHERE feed_id = ?1 AND canon_url = ?2"
               " LIMIT 1";
    case STMT_ITEM_BY_CANON:
        return "SELECT id FROM items WHERE canon_url = ?1";
    case STMT_INS_ITEM:
        return "INSERT INTO items(canon_url, title, link, published, updated, author,"
               " summary, content, categories, first_seen, published_guessed)"
               " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
    case STMT_INS_SOURCE:
        return "INSERT INTO item_sources(feed_id, guid, item_id, canon_url, link,"
               " title, first_seen, last_seen) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
               " ON CONFLICT(feed_id, guid) DO UPDATE SET last_seen = excluded.last_seen";
    case STMT_LINK_MODE:
        return "UPDATE feeds SET id_mode = 'link' WHERE id = ?1";
    case STMT_HEALTH:
        return "UPDATE feeds SET\n"
               "  etag = COALESCE(?2, etag), last_modified = COALESCE(?3, last_modified),\n"
               "  stored_url = CASE WHEN ?4 IS NULL THEN stored_url WHEN ?4 = url THEN NULL\n"
               "                    ELSE ?4 END,\n"
               "  first_fetch = COALESCE(first_fetch, ?5), degraded = COALESCE(?6, degraded),\n"
               "  last_attempt = ?7, last_ok = ?7, last_status = ?8, last_error = NULL,\n"
               "  fail_count = 0, next_attempt = NULL, gone = 0,\n"
               "  doc_title = COALESCE(?9, doc_title)\n"
               "WHERE id = ?1";
    case STMT_FAILURE:
        return "UPDATE feeds SET last_attempt = ?2, last_error = ?3, last_status = ?4,\n"
               "  fail_count = ?5, next_attempt = ?6,"
               " gone = CASE WHEN ?7 THEN 1 ELSE gone END\n"
               "WHERE id = ?1";
    case STMT_SET_ARTICLE:
        return "UPDATE items SET summary = COALESCE(?2, summary),\n"
               "  published = COALESCE(?3, published),\n"
               "  published_guessed = CASE WHEN ?3 IS NULL THEN published_guessed"
               " ELSE 0 END\n"
               "WHERE id = ?1";
    case STMT_COUNT:
        break;
    }
    return "";
}
