/* deliveries_view.c - `bantin deliveries`: the recent deliveries from the store. */
#include "store/deliveries_view.h"

#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <utf8proc.h>

#include "internal.h"
#include "store/store.h"
#include "store/view_text.h"
#include "util/buf.h"
#include "util/util.h"

/* Display columns of the ERROR column, as of the last error in `feeds`. */
#define ERROR_COLS 80

/* Times the formatters can show: years 0001 to 9999. Anything else was
 * written by hand into the file, and shows as none rather than overflow. */
#define TIME_SHOWN_MIN (-62135596800LL)
#define TIME_SHOWN_MAX 253402300799LL

static char *column_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? xstrdup((const char *)t) : NULL;
}

/* A NOT NULL column: "" stands in should the file say otherwise. */
static char *column_str_nn(sqlite3_stmt *st, int i)
{
    char *t = column_str(st, i);
    return t ? t : xstrdup("");
}

static int64_t column_time(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return TIME_NONE;
    int64_t t = sqlite3_column_int64(st, i);
    return t < TIME_SHOWN_MIN || t > TIME_SHOWN_MAX ? TIME_NONE : t;
}

/* The calendar day at tz of the moment t, as "YYYY-MM-DD". */
static void local_day(int64_t t, int tz, char out[11])
{
    char buf[32];
    time_format_utc(t + tz, buf, sizeof buf);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

/* The rows of day >= view->since into view; -1 with store_error set. */
static int read_rows(struct store *s, const struct config *cfg,
                     struct store_deliveries_view *view)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st;
    /* ORDER BY subscriber is BINARY, strcmp's order */
    if (sqlite3_prepare_v2(db, "SELECT day, subscriber, state, attempts,"
                           " last_attempt, sent_at, last_error, message_id"
                           " FROM deliveries WHERE day >= ?1"
                           " ORDER BY day DESC, subscriber", -1, &st,
                           NULL) != SQLITE_OK) {
        store_set_error(s, "deliveries: %s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_text(st, 1, view->since, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (view->n == cap) {
            cap = cap ? 2 * cap : 16;
            view->v = xrealloc(view->v, cap * sizeof *view->v);
        }
        struct store_delivery_view *d = &view->v[view->n++];
        d->day = column_str_nn(st, 0);
        d->subscriber = column_str_nn(st, 1);
        d->state = column_str_nn(st, 2);
        d->attempts = sqlite3_column_int64(st, 3);
        d->last_attempt = column_time(st, 4);
        d->sent_at = column_time(st, 5);
        d->last_error = column_str(st, 6);
        d->message_id = column_str(st, 7);
        /* the lookup `bantin run` does before delivering (deliver.c) */
        d->in_config = config_find_subscriber(cfg, d->subscriber) != NULL;
    }
    if (rc != SQLITE_DONE) {
        store_set_error(s, "deliveries: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

int store_deliveries_view_load(const struct config *cfg, int64_t now,
                               int days, struct store_deliveries_view *out,
                               char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (days < 1 || days > STORE_DELIVERIES_DAYS_MAX) {
        snprintf(err, errlen, "deliveries: %d days is out of range (1 to %d)",
                 days, STORE_DELIVERIES_DAYS_MAX);
        return -1;
    }
    out->days = days;
    /* today counts as the first of the days */
    local_day(now - (int64_t)(days - 1) * 86400, cfg->tz_offset, out->since);

    struct stat sb;
    if (stat(cfg->database, &sb) != 0 && errno == ENOENT) {
        /* nothing was ever delivered, and looking must not create it */
        out->no_database = 1;
        return 0;
    }
    struct store *s;
    if (store_open(cfg->database, &s, err, errlen) != 0)
        return -1;
    if (read_rows(s, cfg, out) != 0) {
        snprintf(err, errlen, "database '%s': %s", cfg->database,
                 store_error(s));
        store_close(s);
        store_deliveries_view_free(out);
        return -1;
    }
    store_close(s);
    return 0;
}

void store_deliveries_view_free(struct store_deliveries_view *view)
{
    for (size_t i = 0; view->v && i < view->n; i++) {
        struct store_delivery_view *d = &view->v[i];
        free(d->day);
        free(d->subscriber);
        free(d->state);
        free(d->last_error);
        free(d->message_id);
    }
    free(view->v);
    memset(view, 0, sizeof *view);
}

/* ---- the table ---------------------------------------------------------- */

/* The first line of s with every other control character (C0, DEL, C1)
 * made a space, so an error written into the file by hand cannot move
 * the terminal's cursor; invalid UTF-8 ends it. Caller frees. */
static char *one_line(const char *s)
{
    struct buf b;
    buf_init(&b, strlen(s) + 1);
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    for (;;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
        if (n <= 0 || cp == 0 || cp == '\n' || cp == '\r')
            break;
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
            buf_addc(&b, ' ');
        else
            buf_add(&b, p, (size_t)n);
        p += n;
    }
    char *cell = buf_detach(&b);
    buf_release(&b);
    return cell;
}


/* The ERROR cell of d, one line and cut; "-" for none. Caller frees. */
static char *error_cell(const struct store_delivery_view *d, size_t *cols)
{
    /* a sent delivery's error was an earlier attempt's, now moot */
    char *line = d->last_error && strcmp(d->state, "sent") != 0
                     ? one_line(d->last_error) : NULL;
    struct buf b;
    /* zero-width characters take bytes but no columns */
    buf_init(&b, (line ? strlen(line) : 0) + 8);
    if (line && line[0])
        *cols = view_add_cols(&b, line, ERROR_COLS);
    else
        *cols = view_add_cols(&b, "-", ERROR_COLS);
    free(line);
    char *cell = buf_detach(&b);
    buf_release(&b);
    return cell;
}

/* The display columns of s (an address: one line). */
static size_t cols_of(const char *s)
{
    size_t bytes;
    return view_prefix_cols(s, (size_t)-1, &bytes);
}

/* "14 deliveries: 12 sent, 1 failed (retried by the next run), ..." */
static void write_footer(const struct store_deliveries_view *view, FILE *out)
{
    size_t sent = 0, pending = 0, failed = 0, refused = 0, gone = 0;
    for (size_t i = 0; i < view->n; i++) {
        const struct store_delivery_view *d = &view->v[i];
        int settled = 1;
        if (strcmp(d->state, "sent") == 0) {
            sent++;
        } else if (strcmp(d->state, "refused") == 0) {
            refused++;
        } else {
            settled = 0;
            if (strcmp(d->state, "failed") == 0)
                failed++;
            else
                pending++;
        }
        if (!settled && !d->in_config)
            gone++;
    }
    fprintf(out, "%zu deliver%s", view->n, view->n == 1 ? "y" : "ies");
    const char *sep = ": ";
    if (sent) {
        fprintf(out, "%s%zu sent", sep, sent);
        sep = ", ";
    }
    if (pending) {
        fprintf(out, "%s%zu pending", sep, pending);
        sep = ", ";
    }
    if (failed) {
        fprintf(out, "%s%zu failed (retried by the next run)", sep, failed);
        sep = ", ";
    }
    if (refused)
        fprintf(out, "%s%zu refused (not retried)", sep, refused);
    if (gone)
        fprintf(out, "; %zu to %s no longer in the config (dropped by the "
                "next run)", gone, gone == 1 ? "an address" : "addresses");
    fputc('\n', out);
}

int store_deliveries_view_write_table(const struct store_deliveries_view *view,
                                      int tz_offset, FILE *out)
{
    static const char not_in_config[] = "(not in config)";
    size_t subw = strlen("SUBSCRIBER"), errw = strlen("ERROR");
    char **errors = xcalloc(view->n ? view->n : 1, sizeof *errors);
    size_t *errcols = xcalloc(view->n ? view->n : 1, sizeof *errcols);
    for (size_t i = 0; i < view->n; i++) {
        size_t c = cols_of(view->v[i].subscriber);
        if (c > subw)
            subw = c;
        errors[i] = error_cell(&view->v[i], &errcols[i]);
        if (errcols[i] > errw)
            errw = errcols[i];
    }
    struct buf line;
    buf_init(&line, 64 * 1024);
    buf_addstr(&line, "DAY         SUBSCRIBER");
    view_pad(&line, strlen("SUBSCRIBER"), subw);
    buf_addstr(&line, "  STATE    ATTEMPTS  WHEN              ERROR");
    view_pad(&line, strlen("ERROR"), errw);
    buf_addstr(&line, "  NOTES");
    fprintf(out, "%s\n", line.data);
    for (size_t i = 0; i < view->n; i++) {
        const struct store_delivery_view *d = &view->v[i];
        char when[64];
        view_format_local(strcmp(d->state, "sent") == 0 ? d->sent_at
                                                   : d->last_attempt,
                     tz_offset, when, sizeof when);
        buf_reset(&line);
        buf_addstr(&line, d->day);
        buf_addstr(&line, "  ");
        buf_addstr(&line, d->subscriber);
        view_pad(&line, cols_of(d->subscriber), subw);
        char *mid = xasprintf("  %-7s  %8lld  %-16s  ", d->state,
                              (long long)d->attempts, when);
        buf_addstr(&line, mid);
        free(mid);
        buf_addstr(&line, errors[i]);
        if (!d->in_config) {
            view_pad(&line, errcols[i], errw);
            buf_addstr(&line, "  ");
            buf_addstr(&line, not_in_config);
        }
        fprintf(out, "%s\n", line.data);
    }
    write_footer(view, out);
    for (size_t i = 0; i < view->n; i++)
        free(errors[i]);
    free(errors);
    free(errcols);
    buf_release(&line);
    return ferror(out) ? -1 : 0;
}

/* ---- JSON --------------------------------------------------------------- */

int store_deliveries_view_write_json(const struct store_deliveries_view *view,
                                     FILE *out)
{
    json_t *list = json_array();
    for (size_t i = 0; i < view->n; i++) {
        const struct store_delivery_view *d = &view->v[i];
        json_t *o = json_object();
        json_object_set_new(o, "day", view_json_str(d->day));
        json_object_set_new(o, "subscriber", view_json_str(d->subscriber));
        json_object_set_new(o, "state", view_json_str(d->state));
        json_object_set_new(o, "attempts", json_integer(d->attempts));
        json_object_set_new(o, "last_attempt", view_json_time(d->last_attempt));
        json_object_set_new(o, "sent_at", view_json_time(d->sent_at));
        json_object_set_new(o, "last_error", view_json_str(d->last_error));
        json_object_set_new(o, "message_id", view_json_str(d->message_id));
        json_object_set_new(o, "in_config", json_boolean(d->in_config));
        json_array_append_new(list, o);
    }
    int rc = json_dumpf(list, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(list);
    if (rc != 0 || fputc('\n', out) == EOF || ferror(out))
        return -1;
    return 0;
}
