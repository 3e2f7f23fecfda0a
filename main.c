/* main.c - the bantin command line: options, commands, exit statuses.
 *
 * Thin on purpose: each command reads its arguments, calls one stage and
 * maps the outcome to a sysexits status (DESIGN.md "Command line"). */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "config/opml.h"
#include "digest/build.h"
#include "digest/deliver.h"
#include "digest/mail.h"
#include "digest/render.h"
#include "digest/smtp.h"
#include "fetch/discover.h"
#include "fetch/fetch.h"
#include "fetch/testfeed.h"
#include "fetch/update.h"
#include "parse/feed.h"
#include "store/deliveries_view.h"
#include "store/feeds_view.h"
#include "store/prune.h"
#include "util/limits.h"
#include "util/lock.h"
#include "util/url.h"
#include "util/util.h"

static const char usage_text[] =
    "usage: bantin [-c FILE] [-q] [-v] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  parse [--base URL] [--charset CS] FILE|-\n"
    "                      parse one feed document, print JSON\n"
    "  check               validate the config; every problem as FILE:LINE: message\n"
    "  run                 the morning job: fetch, freeze today's digest, send\n"
    "                      the deliveries not yet sent ([smtp], else the outbox)\n"
    "  fetch [FEED-ID...]  fetch the due feeds (or those named), store new items\n"
    "  send                deliver pending deliveries (retries the failed ones)\n"
    "  digest [--date YYYY-MM-DD] [--format text|html|eml|json]\n"
    "         [--subscriber EMAIL]\n"
    "                      build and print a digest without sending or\n"
    "                      recording anything (default: today, text)\n"
    "  feeds [--json]      feed health: state, last success, last error, items,\n"
    "                      next attempt\n"
    "  deliveries [--json] [--days N]\n"
    "                      the deliveries of the last N days (default 7): state,\n"
    "                      attempts, when, last error\n"
    "  opml export         print the configured feeds as OPML 2.0\n"
    "  opml import FILE    print the [feed] sections to add for an OPML file\n"
    "  discover URL        list the feeds a web page declares\n"
    "  test-feed FEED-ID | --url URL [--type html|rss] [--item X --item-title X\n"
    "            --item-link X --item-date X --item-summary X --item-author X\n"
    "            --item-id X] [--article X|auto] [--articles N] [--charset CS]\n"
    "            [--file PATH...] [--article-file PATH...]\n"
    "                      dry run of a source's rules: print the items the\n"
    "                      digest would get and the warnings; stores nothing\n"
    "\n"
    "options:\n"
    "  -c FILE             config file (default: $BANTIN_CONFIG, ./bantin.conf,\n"
    "                      /etc/bantin/bantin.conf)\n"
    "  -q                  quiet: errors only\n"
    "  -v                  verbose\n"
    "  --help, --version\n"
    "\n"
    "See bantin(1) and bantin.conf(5).\n";

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bantin: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\ntry 'bantin --help' for more information\n", stderr);
    return EX_USAGE;
}

/* Flush stdout and report a write error (a full disk must not pass). */
static int finish_stdout(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        msg_error("write error: <stdout>: %s", strerror(errno));
        return EX_IOERR;
    }
    return status;
}

/* The -c option, or NULL: commands resolve it with config_default_path. */
static const char *opt_config;

/* Load the config for a command. Returns 0 with *cfg filled (the caller
 * releases it), or the exit status after printing every problem: 66 when
 * the file cannot be read, 78 when it has problems. */
static int load_config(struct config *cfg)
{
    struct config_diag diag;
    enum config_status st = config_load(config_default_path(opt_config), cfg,
                                        &diag);
    int status = 0;
    if (st == CONFIG_MISSING) {
        fputs("bantin: ", stderr);
        config_diag_print(&diag, stderr);
        status = EX_NOINPUT;
    } else if (st != CONFIG_OK) {
        config_diag_print(&diag, stderr);
        status = EX_CONFIG;
    }
    config_diag_release(&diag);
    if (status)
        config_release(cfg);
    return status;
}

/* What fetch and run start with: the config, libcurl, and the run lock.
 * Returns 0 with cfg loaded and the lock held (the caller releases both),
 * or the exit status: the config's, 75 when another run holds the lock,
 * 70 when libcurl or the lock file fails. */
static int begin_locked(struct config *cfg, struct run_lock *lock)
{
    int status = load_config(cfg);
    if (status)
        return status;
    if (fetch_global_init() != 0) {
        config_release(cfg);
        msg_error("libcurl could not be initialized");
        return EX_SOFTWARE;
    }
    char err[512];
    int held = run_lock_take(cfg->database, lock, err, sizeof err);
    if (held != 0) {
        msg_error("%s", err);
        run_lock_release(lock);
        config_release(cfg);
        return held > 0 ? EX_TEMPFAIL : EX_SOFTWARE;
    }
    return 0;
}

/* Deliver what is still to do, over [smtp] or else into the outbox.
 * Returns 0, or -1 after printing why the store failed. */
static int deliver(const struct config *cfg, struct store *s, int64_t now,
                   struct digest_run_report *rep)
{
    char err[768];
    int rc = cfg->smtp.enabled
                 ? smtp_deliver(cfg, s, now, rep, err, sizeof err)
                 : digest_run_deliver(cfg, s, now, rep, err, sizeof err);
    if (rc != 0)
        msg_error("%s", err);
    return rc;
}

/* Print the report's lines (one per failed or refused delivery) and
 * return the exit status: status when already set, else 75 when a
 * delivery failed (retried next time), else 67 when one was refused for
 * good, else 0. */
static int delivery_status(const struct digest_run_report *rep, int status)
{
    for (size_t i = 0; i < rep->nlines; i++)
        msg_error("%s", rep->lines[i]);
    if (status)
        return status;
    return rep->failed ? EX_TEMPFAIL : rep->refused ? EX_NOUSER : 0;
}

/* Deliver every delivery not sent yet (pending or failed, any day) without
 * fetching or freezing: over [smtp], or into the outbox without it. Exit 0;
 * 75 when some delivery failed (retried next time) or another run holds
 * the lock; else 67 when the server refused one for good this time; 70
 * when the store failed. */
static int cmd_send(int argc, char **argv)
{
    if (argc > 1)
        return usage_error("send: unknown argument '%s'", argv[1]);
    struct config cfg;
    struct run_lock lock;
    int status = begin_locked(&cfg, &lock);
    if (status)
        return status;
    char err[768];
    struct store *s;
    struct digest_run_report rep;
    memset(&rep, 0, sizeof rep);
    int64_t now = (int64_t)time(NULL);
    if (store_open(cfg.database, &s, err, sizeof err) != 0) {
        msg_error("%s", err);
        status = EX_SOFTWARE;
    } else {
        if (deliver(&cfg, s, now, &rep) != 0)
            status = EX_SOFTWARE;
        store_close(s);
    }
    status = delivery_status(&rep, status);
    digest_run_report_free(&rep);
    run_lock_release(&lock);
    config_release(&cfg);
    return status;
}

/* Exit 0, or 75 when some feed failed (it will be retried). */
static int cmd_fetch(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-')
            return usage_error("fetch: unknown option '%s'", argv[i]);
    struct config cfg;
    struct run_lock lock;
    int status = begin_locked(&cfg, &lock);
    if (status)
        return status;
    char err[512];
    struct fetch_update_report rep;
    enum fetch_update_status st =
        fetch_update(&cfg, argv + 1, (size_t)(argc - 1), &rep, err, sizeof err);
    if (st == FETCH_UPDATE_BAD_ID) {
        status = usage_error("fetch: %s", err);
    } else if (st != FETCH_UPDATE_OK) {
        msg_error("%s", err);
        status = EX_SOFTWARE;
    } else {
        fetch_update_report_print(&rep, cfg.tz_offset, (int64_t)time(NULL));
        status = rep.nfailures ? EX_TEMPFAIL : 0;
    }
    fetch_update_report_free(&rep);
    run_lock_release(&lock);
    config_release(&cfg);
    return status;
}

/* The end of `bantin run`: remove the history older than [bantin] keep
 * (store/prune.h). Today's digest and deliveries are committed by then,
 * so a failure loses none of them. Returns 0, or -1 once reported. */
static int run_prune(const struct config *cfg, struct store *s, int64_t now)
{
    struct store_prune_counts pc;
    if (store_prune(s, now, cfg->keep, cfg->digest.max_age, &pc) != 0) {
        msg_error("%s", store_error(s));
        return -1;
    }
    int days = cfg->keep % 86400 == 0;
    long long span = (long long)(days ? cfg->keep / 86400 : cfg->keep / 3600);
    msg_info("pruned %lld digest%s, %lld item%s older than %lld %s",
             (long long)pc.digests, pc.digests == 1 ? "" : "s",
             (long long)pc.items, pc.items == 1 ? "" : "s", span,
             days ? (span == 1 ? "day" : "days") : (span == 1 ? "hour" : "hours"));
    return 0;
}

/* The morning job: fetch (a failed feed never stops the digest), freeze
 * today's digest once, deliver what is not sent yet. Exit 0; 75 when feeds
 * or deliveries failed (retried next run) or another run holds the lock;
 * else 67 when the server refused a delivery for good this run; 70 when
 * the store failed. Quiet unless a terminal shows the summary. */
static int cmd_run(int argc, char **argv)
{
    if (argc > 1)
        return usage_error("run: unknown argument '%s'", argv[1]);
    struct config cfg;
    struct run_lock lock;
    int status = begin_locked(&cfg, &lock);
    if (status)
        return status;
    char err[768];
    struct fetch_update_report frep;
    enum fetch_update_status fst =
        fetch_update(&cfg, NULL, 0, &frep, err, sizeof err);
    if (fst != FETCH_UPDATE_OK) {
        /* The digest still goes out with what the store holds. */
        msg_error("%s", err);
        status = EX_TEMPFAIL;
    } else {
        fetch_update_report_print(&frep, cfg.tz_offset, (int64_t)time(NULL));
        if (frep.nfailures)
            status = EX_TEMPFAIL;
    }
    fetch_update_report_free(&frep);

    struct store *s;
    struct digest_run_report rep;
    memset(&rep, 0, sizeof rep);
    int64_t now = (int64_t)time(NULL);
    int prune_failed = 0;
    if (store_open(cfg.database, &s, err, sizeof err) != 0) {
        msg_error("%s", err);
        status = EX_SOFTWARE;
    } else {
        if (digest_run_freeze(&cfg, s, now, &rep, err, sizeof err) != 0) {
            msg_error("%s", err);
            status = EX_SOFTWARE;
        } else if (deliver(&cfg, s, now, &rep) != 0) {
            status = EX_SOFTWARE;
        }
        prune_failed = run_prune(&cfg, s, now) != 0;
        store_close(s);
    }
    if (rep.warning)
        msg_warn("%s", rep.warning);
    if (rep.attached)
        msg_info("%zu re-post%s of stories already sent attached to them",
                 rep.attached, rep.attached == 1 ? "" : "s");
    /* a fetch failure (75) already set stays; else the deliveries decide */
    status = delivery_status(&rep, status);
    /* The summary: on a terminal, or with -v (cron stays quiet). */
    if (status != EX_SOFTWARE && !msg_quiet &&
        (msg_verbose || isatty(STDERR_FILENO)))
        fprintf(stderr, "digest %s: %zu stor%s in %zu topic%s, %zu deliver%s "
                "%s %s%s\n", rep.day, rep.nstories,
                rep.nstories == 1 ? "y" : "ies", rep.ntopics,
                rep.ntopics == 1 ? "" : "s", rep.written,
                rep.written == 1 ? "y" : "ies",
                cfg.smtp.enabled ? "sent to" : "written to",
                cfg.smtp.enabled ? cfg.smtp.url : cfg.outbox_dir,
                cfg.smtp.enabled ? "" : "/new");
    if (prune_failed && status == 0)
        status = EX_SOFTWARE;
    digest_run_report_free(&rep);
    run_lock_release(&lock);
    config_release(&cfg);
    return status;
}

static int cmd_check(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage_error("%s", "check: takes no arguments");
    struct config cfg;
    int status = load_config(&cfg);
    if (status)
        return status;
    if (!msg_quiet) {
        char *summary = config_summary(&cfg);
        puts(summary);
        free(summary);
    }
    config_release(&cfg);
    return finish_stdout(0);
}

/* Like load_config, for the commands that can do without a config (opml
 * import, discover). Returns 0 with *have = 1 and *cfg loaded, or 0 with
 * *have = 0 and *cfg zeroed when no file was named (-c, $BANTIN_CONFIG)
 * and the default one does not exist; else load_config's status. */
static int load_config_optional(struct config *cfg, int *have)
{
    const char *env = getenv("BANTIN_CONFIG");
    const char *path = config_default_path(opt_config);
    *have = 0;
    memset(cfg, 0, sizeof *cfg);
    if (!opt_config && !(env && *env) && access(path, F_OK) != 0)
        return 0;
    int status = load_config(cfg);
    *have = status == 0;
    return status;
}

static int cmd_feeds(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return usage_error("feeds: unknown argument '%s'", argv[i]);
    }
    struct config cfg;
    int status = load_config(&cfg);
    if (status)
        return status;
    struct store_feeds_view view;
    char err[512];
    if (store_feeds_view_load(&cfg, (int64_t)time(NULL), &view, err,
                              sizeof err) != 0) {
        msg_error("%s", err);
        config_release(&cfg);
        return EX_SOFTWARE;
    }
    int rc = json ? store_feeds_view_write_json(&view, stdout)
                  : store_feeds_view_write_table(&view, cfg.tz_offset, stdout);
    store_feeds_view_free(&view);
    config_release(&cfg);
    if (rc != 0) {
        msg_error("write error: <stdout>: %s", strerror(errno));
        return EX_IOERR;
    }
    return finish_stdout(0);
}

static int opml_export(int argc)
{
    if (argc != 2)
        return usage_error("%s", "opml export: takes no arguments");
    struct config cfg;
    int status = load_config(&cfg);
    if (status)
        return status;
    char err[256];
    int rc = config_opml_export(&cfg, (int64_t)time(NULL), stdout, err,
                                sizeof err);
    config_release(&cfg);
    if (rc != 0) {
        msg_error("opml export: %s: %s", err, strerror(errno));
        return EX_IOERR;
    }
    return finish_stdout(0);
}

/* Read the input file of parse or opml import (path "-" is stdin; name is
 * what messages call it), at most max bytes. Returns 0 with *doc malloc'd,
 * or the exit status after one message: 65 too big, 66 missing or not
 * readable, 74 another read error. */
static int read_input(const char *path, const char *name, size_t max,
                      char **doc, size_t *len)
{
    if (read_file(path, max, doc, len) == 0)
        return 0;
    if (errno == EFBIG) {
        msg_error("%s: larger than %zu bytes", name, max);
        return EX_DATAERR;
    }
    msg_error("%s: %s", name, strerror(errno));
    return errno == ENOENT || errno == EACCES ? EX_NOINPUT : EX_IOERR;
}

/* Exit 0 (also when nothing is new), 65 for a file that is not OPML or is
 * hostile, 66 when it cannot be read. */
static int opml_import(int argc, char **argv)
{
    if (argc != 3)
        return usage_error("%s", "opml import: expected one FILE");
    const char *path = argv[2];
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    char *doc;
    size_t len;
    int rd = read_input(path, name, LIMIT_CONFIG_BYTES, &doc, &len);
    if (rd)
        return rd;
    struct config cfg;
    int have;
    int status = load_config_optional(&cfg, &have);
    if (status) {
        free(doc);
        return status;
    }
    struct config_opml_import imp;
    char err[256];
    enum config_opml_status st = config_opml_import(&cfg, doc, len, &imp, err,
                                                    sizeof err);
    free(doc);
    if (st != CONFIG_OPML_OK) {
        msg_error("%s: %s", name, err);
        status = EX_DATAERR;
    } else {
        for (size_t i = 0; i < imp.nskipped; i++)
            msg_warn("%s: skipped %s: %s", name, imp.skipped[i].what,
                     imp.skipped[i].reason);
        if (imp.dropped_limit)
            msg_warn("%s: %zu feed(s) past the limit of %d dropped", name,
                     imp.dropped_limit, LIMIT_OPML_OUTLINES);
        if (config_opml_write_sections(&imp, stdout) != 0) {
            msg_error("write error: <stdout>: %s", strerror(errno));
            status = EX_IOERR;
        } else if (imp.nfeeds == 0) {
            msg_warn("%s: no new feeds to add", name);
        } else if (!msg_quiet) {
            fprintf(stderr, "bantin: %zu feed%s to add: append %s to %s, "
                            "then run 'bantin check'\n", imp.nfeeds,
                    imp.nfeeds == 1 ? "" : "s",
                    imp.nfeeds == 1 ? "its section" : "these sections",
                    have ? cfg.path : "bantin.conf");
        }
    }
    config_opml_import_free(&imp);
    config_release(&cfg);
    return status ? status : finish_stdout(0);
}

static int cmd_opml(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "export") == 0)
        return opml_export(argc);
    if (argc >= 2 && strcmp(argv[1], "import") == 0)
        return opml_import(argc, argv);
    return usage_error("%s", "opml: expected 'import FILE' or 'export'");
}

/* Exit 0 when feeds were found (or the URL is one); 65 when the page
 * declares none, is neither HTML nor a feed, is past the size cap or
 * redirects in a loop or off http(s); 66 when the server says the page is
 * not there (a 4xx other than 408 and 429); 75 for a failure that may pass
 * (network, time-out, 5xx, 408, 429). */
static int cmd_discover(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-')
        return usage_error("%s", "discover: expected one URL");
    const char *url = argv[1];
    if (!url_is_http(url))
        return usage_error("discover: '%s' is not an http or https URL", url);
    struct config cfg;
    int have;
    int status = load_config_optional(&cfg, &have);
    if (status)
        return status;
    /* the limits and proxy of `bantin fetch`, as the config sets them; o
     * points into cfg until the page is fetched */
    struct fetch_options o;
    if (have)
        fetch_options_from_config(&o, &cfg);
    else
        fetch_options_default(&o);
    if (fetch_global_init() != 0) {
        msg_error("libcurl could not be initialized");
        config_release(&cfg);
        return EX_SOFTWARE;
    }
    struct fetch_discovery d;
    char err[512];
    enum fetch_discover_status st = fetch_discover(url, &o, &d, err,
                                                   sizeof err);
    config_release(&cfg);
    switch (st) {
    case FETCH_DISCOVER_ERROR:
        msg_error("discover %s: %s", url, err);
        status = EX_SOFTWARE;
        break;
    case FETCH_DISCOVER_FAILED:
        msg_error("discover %s: %s", url, err);
        status = d.temporary ? EX_TEMPFAIL
                 : d.http_status >= 400 && d.http_status < 500 ? EX_NOINPUT
                 : EX_DATAERR;
        break;
    case FETCH_DISCOVER_NOT_HTML:
        msg_error("discover %s: %s", url, err);
        status = EX_DATAERR;
        break;
    case FETCH_DISCOVER_OK:
        if (d.is_feed && !msg_quiet)
            fprintf(stderr, "bantin: %s is itself a feed\n", url);
        for (size_t i = 0; i < d.nlinks; i++)
            printf("%s\t%s\t%s\n", d.links[i].url, d.links[i].type,
                   d.links[i].title ? d.links[i].title : "");
        if (d.dropped_limit)
            msg_warn("discover %s: %zu more feed link(s) past the limit of "
                     "%d not listed", url, d.dropped_limit,
                     LIMIT_DISCOVER_LINKS);
        if (d.nlinks == 0) {
            msg_error("discover %s: no feeds declared", url);
            status = EX_DATAERR;
        }
        break;
    }
    fetch_discovery_free(&d);
    return finish_stdout(status);
}

static int cmd_parse(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"base", required_argument, NULL, 'b'},
        {"charset", required_argument, NULL, 'C'},
        {NULL, 0, NULL, 0},
    };
    struct feed_options opt = {0};
    int c;
    /* 0, not 1: glibc then re-initializes and permutes, so options may
     * follow the file ("bantin parse FILE --base URL"); main's "+" would
     * otherwise still apply. */
    optind = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': opt.base_url = optarg; break;
        case 'C': opt.http_charset = optarg; break;
        default: return usage_error("%s", "parse: bad option");
        }
    }
    if (argc - optind != 1)
        return usage_error("%s", "parse: expected one FILE or -");
    const char *path = argv[optind];
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;

    char *doc;
    size_t len;
    int rd = read_input(path, name, LIMIT_BODY_BYTES, &doc, &len);
    if (rd)
        return rd;

    struct feed f;
    char err[256];
    enum feed_error rc = feed_parse(doc, len, &opt, &f, err, sizeof err);
    free(doc);
    if (rc != FEED_OK) {
        msg_error("%s: %s", name, err);
        return EX_DATAERR;
    }
    if (f.degraded)
        msg_warn("%s: broken XML, read in recovery mode (%s)", name, err);
    else if (err[0])    /* an encoding problem the parser worked around */
        msg_warn("%s: %s", name, err);
    if (f.dropped_empty)
        msg_warn("%s: %zu item(s) with neither title nor link dropped", name,
                 f.dropped_empty);
    if (f.dropped_limit)
        msg_warn("%s: %zu item(s) past the limit of %zu dropped", name,
                 f.dropped_limit, f.item_limit);
    if (f.bad_dates)
        msg_warn("%s: %zu date(s) not understood, left empty", name,
                 f.bad_dates);
    int wrc = feed_json_write(&f, stdout);
    feed_free(&f);
    if (wrc != 0) {
        msg_error("write error: <stdout>: %s", strerror(errno));
        return EX_IOERR;
    }
    return finish_stdout(0);
}

/* `bantin test-feed [ID] [--url URL] [rules...]`: the admin's dry run.
 * Exit 0 when items were found, 65 when none (or a rule failed at run
 * time), 75 when the source could not be fetched, 64 for a usage error or
 * a rule that does not compile, 66 for an unreadable file. */
static int cmd_test_feed(int argc, char **argv)
{
    enum { O_URL = 256, O_TYPE, O_ITEM, O_TITLE, O_LINK, O_DATE, O_SUMMARY,
           O_AUTHOR, O_ID, O_ARTICLE, O_CHARSET, O_ARTICLES, O_FILE,
           O_ARTICLE_FILE };
    static const struct option longopts[] = {
        {"url", required_argument, NULL, O_URL},
        {"type", required_argument, NULL, O_TYPE},
        {"item", required_argument, NULL, O_ITEM},
        {"item-title", required_argument, NULL, O_TITLE},
        {"item-link", required_argument, NULL, O_LINK},
        {"item-date", required_argument, NULL, O_DATE},
        {"item-summary", required_argument, NULL, O_SUMMARY},
        {"item-author", required_argument, NULL, O_AUTHOR},
        {"item-id", required_argument, NULL, O_ID},
        {"article", required_argument, NULL, O_ARTICLE},
        {"charset", required_argument, NULL, O_CHARSET},
        {"articles", required_argument, NULL, O_ARTICLES},
        {"file", required_argument, NULL, O_FILE},
        {"article-file", required_argument, NULL, O_ARTICLE_FILE},
        {NULL, 0, NULL, 0},
    };
    struct testfeed_options o;
    struct config_rules rules = {0};
    const char *type = NULL;
    long articles = -1;
    char **files = xcalloc((size_t)argc, sizeof *files);
    char **afiles = xcalloc((size_t)argc, sizeof *afiles);
    int c, status = 0, given = 0;

    memset(&o, 0, sizeof o);
    /* 0, not 1: glibc then starts afresh, without main's "+" (stop at the
     * first non-option), so FEED-ID may come before the options */
    optind = 0;
    while (status == 0 &&
           (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_URL: o.url = optarg; break;
        case O_TYPE: type = optarg; break;
        case O_ITEM: rules.item = optarg; given = 1; break;
        case O_TITLE: rules.title = optarg; given = 1; break;
        case O_LINK: rules.link = optarg; given = 1; break;
        case O_DATE: rules.date = optarg; given = 1; break;
        case O_SUMMARY: rules.summary = optarg; given = 1; break;
        case O_AUTHOR: rules.author = optarg; given = 1; break;
        case O_ID: rules.id = optarg; given = 1; break;
        case O_ARTICLE: rules.article = optarg; break;
        case O_CHARSET: o.charset = optarg; break;
        case O_ARTICLES: {
            char *end;
            errno = 0;
            articles = IS_DIGIT((unsigned char)optarg[0])
                           ? strtol(optarg, &end, 10) : -1;
            if (articles < 0 || *end || errno || articles > 1000)
                status = usage_error("test-feed: --articles takes a number "
                                     "from 0 to 1000, not '%s'", optarg);
            break;
        }
        case O_FILE: files[o.nfiles++] = optarg; break;
        case O_ARTICLE_FILE: afiles[o.narticle_files++] = optarg; break;
        default: status = usage_error("%s", "test-feed: bad option"); break;
        }
    }
    const char *id = optind < argc ? argv[optind] : NULL;
    if (status == 0 && argc - optind > 1)
        status = usage_error("%s", "test-feed: expected at most one FEED-ID");
    if (status == 0 && !id && !o.url && !o.nfiles && !o.narticle_files)
        status = usage_error("%s", "test-feed: expected a FEED-ID, --url URL "
                                   "or --file PATH");
    if (status == 0 && o.url && !url_is_http(o.url))
        status = usage_error("test-feed: '%s' is not an http or https URL", o.url);
    if (status == 0 && type && strcmp(type, "html") != 0 && strcmp(type, "rss") != 0)
        status = usage_error("test-feed: unknown type '%s': use html or rss", type);
    if (status) {
        free(files);
        free(afiles);
        return status;
    }

    /* A configured feed: its URL, type and rules, each overridable. An ad
     * hoc source: the limits and time zone of the config, when there is one. */
    struct config cfg;
    int have = 0;
    status = id ? load_config(&cfg) : load_config_optional(&cfg, &have);
    have |= id != NULL;
    const struct config_feed *cf = NULL;
    if (status == 0 && id && !(cf = config_find_feed(&cfg, id)))
        status = usage_error("test-feed: no feed '%s' in the config", id);
    if (status) {
        config_release(&cfg);   /* safe after a failed load: zeroed */
        free(files);
        free(afiles);
        return status;
    }
    fetch_options_default(&o.fetch);
    o.tz_offset = 7 * 3600;
    if (have) {
        fetch_options_from_config(&o.fetch, &cfg);   /* cfg lives to the end */
        o.tz_offset = cfg.tz_offset;
        o.items_max = (size_t)cfg.limits.items_max;
    }
    if (cf) {
        const struct config_rules *r = &cf->rules;
        o.id = cf->id;
        o.url = o.url ? o.url : cf->url;
        o.type = cf->type;
#define KEEP(f) rules.f = rules.f ? rules.f : r->f
        KEEP(item); KEEP(title); KEEP(link); KEEP(date); KEEP(summary);
        KEEP(author); KEEP(id); KEEP(article);
#undef KEEP
    } else {
        o.type = given ? CONFIG_FEED_HTML : CONFIG_FEED_RSS;
    }
    if (type)
        o.type = strcmp(type, "html") == 0 ? CONFIG_FEED_HTML : CONFIG_FEED_RSS;
    o.rules = rules;
    o.files = files;
    o.article_files = afiles;
    o.articles = articles >= 0 ? articles
                 : o.nfiles ? 0 : TESTFEED_DEFAULT_ARTICLES;

    char err[768];
    enum testfeed_status st = TESTFEED_ERROR;
    if (fetch_global_init() != 0)
        snprintf(err, sizeof err, "libcurl could not be initialized");
    else
        st = fetch_test_feed(&o, stdout, err, sizeof err);
    switch (st) {
    case TESTFEED_OK: status = 0; break;
    case TESTFEED_EMPTY: status = EX_DATAERR; break;
    case TESTFEED_BAD_RULE: status = EX_USAGE; break;
    case TESTFEED_NETWORK: status = EX_TEMPFAIL; break;
    case TESTFEED_NOINPUT: status = EX_NOINPUT; break;
    default: status = EX_SOFTWARE; break;
    }
    if (st != TESTFEED_OK)
        msg_error("%s", err);
    config_release(&cfg);
    free(files);
    free(afiles);
    return finish_stdout(status);
}

/* The --format of digest. */
enum digest_format { FMT_TEXT, FMT_HTML, FMT_EML, FMT_JSON };

/* "--name VALUE" or "--name=VALUE" at argv[*i]: 1 with *val set (and *i
 * past a separate value), 0 when argv[*i] is another argument, -1 when the
 * value is missing. */
static int opt_value(int argc, char **argv, int *i, const char *name,
                     const char **val)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *val = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *val = argv[++*i];
    return 1;
}

/* The digest as one MIME message for sub (digest_eml). Returns 0 with *out,
 * or an exit status after printing the error. */
static int digest_eml_status(const struct config *cfg, const struct digest *d,
                             const struct config_subscriber *sub, char **out,
                             size_t *outlen)
{
    char err[768];
    enum digest_eml_status st = digest_eml(cfg, d, sub, NULL,
                                           (int64_t)time(NULL), out, outlen,
                                           err, sizeof err);
    if (st != DIGEST_EML_OK) {
        msg_error("%s", err);
        return st == DIGEST_EML_CONFIG ? EX_CONFIG : EX_SOFTWARE;
    }
    if (err[0])
        msg_warn("%s", err);
    return 0;
}

/* Exit 0; 64 for a bad date, format or subscriber; 66 when there is no
 * database yet; 78 for the config. Reads the store and writes nothing:
 * no digest is frozen, no delivery recorded. */
static int cmd_digest(int argc, char **argv)
{
    const char *date = NULL, *format = "text", *subscriber = NULL;
    for (int i = 1; i < argc; i++) {
        int r;
        if ((r = opt_value(argc, argv, &i, "--date", &date)) == 0 &&
            (r = opt_value(argc, argv, &i, "--format", &format)) == 0 &&
            (r = opt_value(argc, argv, &i, "--subscriber", &subscriber)) == 0)
            return usage_error("digest: unknown argument '%s'", argv[i]);
        if (r < 0)
            return usage_error("digest: %s needs a value", argv[i]);
    }
    enum digest_format fmt;
    if (strcmp(format, "text") == 0)
        fmt = FMT_TEXT;
    else if (strcmp(format, "html") == 0)
        fmt = FMT_HTML;
    else if (strcmp(format, "eml") == 0)
        fmt = FMT_EML;
    else if (strcmp(format, "json") == 0)
        fmt = FMT_JSON;
    else
        return usage_error("digest: unknown format '%s' (text, html, eml, "
                           "json)", format);
    if (fmt == FMT_EML && !subscriber)
        return usage_error("%s", "digest: --format eml needs --subscriber EMAIL");
    int64_t from, to;
    if (date && digest_day_window(date, 0, &from, &to) != 0)
        return usage_error("digest: invalid date '%s': expected YYYY-MM-DD",
                           date);

    struct config cfg;
    int status = load_config(&cfg);
    if (status)
        return status;
    const struct config_subscriber *sub =
        subscriber ? config_find_subscriber(&cfg, subscriber) : NULL;
    if (subscriber && !sub) {
        status = usage_error("digest: no subscriber '%s' in %s", subscriber,
                             cfg.path);
        config_release(&cfg);
        return status;
    }
    struct stat sb;
    if (stat(cfg.database, &sb) != 0 && errno == ENOENT) {
        msg_error("%s: no database yet: run 'bantin fetch' first",
                  cfg.database);
        config_release(&cfg);
        return EX_NOINPUT;
    }
    char err[768];
    struct store *s;
    if (store_open(cfg.database, &s, err, sizeof err) != 0) {
        msg_error("%s", err);
        config_release(&cfg);
        return EX_SOFTWARE;
    }
    struct digest d;
    enum digest_build_status st = digest_build(&cfg, s, date, subscriber, &d,
                                               err, sizeof err);
    store_close(s);
    if (st != DIGEST_BUILD_OK) {
        msg_error("%s", err);
        config_release(&cfg);
        return st == DIGEST_BUILD_STORE ? EX_SOFTWARE : EX_USAGE;
    }
    if (err[0])
        msg_warn("%s", err);

    char *out = NULL;
    size_t outlen = 0;
    struct render_options ro;
    render_options_init(&ro);
    ro.tz_offset = cfg.tz_offset;
    char *unsub = NULL;
    if (sub) {
        unsub = digest_unsubscribe_url(cfg.digest.unsubscribe_url, sub->email);
        ro.recipient_name = sub->name;
        ro.unsubscribe_url = unsub;
    }
    switch (fmt) {
    case FMT_TEXT: out = render_text(&d, &ro); break;
    case FMT_HTML: out = render_html(&d, &ro); break;
    case FMT_JSON: out = render_json(&d); break;
    case FMT_EML: status = digest_eml_status(&cfg, &d, sub, &out, &outlen); break;
    }
    if (!out && !status) {
        msg_error("%s", "digest: the JSON could not be made");
        status = EX_SOFTWARE;
    }
    if (out) {
        if (!outlen)
            outlen = strlen(out);
        fwrite(out, 1, outlen, stdout);
    }
    free(out);
    free(unsub);
    digest_free(&d);
    config_release(&cfg);
    return finish_stdout(status);
}

/* `bantin deliveries [--json] [--days N]`. Exit 0; 64 for a bad N; 66
 * when there is no database yet; 78 for the config; 70 when the store
 * cannot be read. Reads the store and writes nothing. */
static int cmd_deliveries(int argc, char **argv)
{
    int json = 0;
    long days = STORE_DELIVERIES_DAYS_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *val;
        int r = opt_value(argc, argv, &i, "--days", &val);
        if (r < 0)
            return usage_error("%s", "deliveries: --days needs a value");
        if (r > 0) {
            char *end = NULL;
            errno = 0;
            days = IS_DIGIT((unsigned char)val[0]) ? strtol(val, &end, 10) : -1;
            if (days < 1 || *end || errno || days > STORE_DELIVERIES_DAYS_MAX)
                return usage_error("deliveries: --days takes a number from 1 "
                                   "to %d, not '%s'",
                                   STORE_DELIVERIES_DAYS_MAX, val);
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            return usage_error("deliveries: unknown argument '%s'", argv[i]);
        }
    }
    struct config cfg;
    int status = load_config(&cfg);
    if (status)
        return status;
    struct store_deliveries_view view;
    char err[768];
    if (store_deliveries_view_load(&cfg, (int64_t)time(NULL), (int)days,
                                   &view, err, sizeof err) != 0) {
        msg_error("%s", err);
        config_release(&cfg);
        return EX_SOFTWARE;
    }
    if (view.no_database) {
        msg_error("%s: no database yet: run 'bantin fetch' first",
                  cfg.database);
        store_deliveries_view_free(&view);
        config_release(&cfg);
        return EX_NOINPUT;
    }
    int rc = json ? store_deliveries_view_write_json(&view, stdout)
                  : store_deliveries_view_write_table(&view, cfg.tz_offset,
                                                      stdout);
    store_deliveries_view_free(&view);
    config_release(&cfg);
    if (rc != 0) {
        msg_error("write error: <stdout>: %s", strerror(errno));
        return EX_IOERR;
    }
    return finish_stdout(0);
}

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    {"parse", cmd_parse},
    {"check", cmd_check},
    {"run", cmd_run},
    {"fetch", cmd_fetch},
    {"send", cmd_send},
    {"feeds", cmd_feeds},
    {"deliveries", cmd_deliveries},
    {"digest", cmd_digest},
    {"opml", cmd_opml},
    {"discover", cmd_discover},
    {"test-feed", cmd_test_feed},
};

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL;
    int c;
    /* libcurl turns a Vietnamese host name (dânvận.vn) into its ASCII form
     * through libidn2, reading it in the locale's character set: under the
     * "C" locale of cron every such host fails as a bad URL. Only LC_CTYPE,
     * and only to UTF-8, the encoding all our text is in; the rest of the
     * program handles text with utf8proc and iconv, not the locale. */
    setlocale(LC_CTYPE, "C.UTF-8");
    /* "+": stop at the command name; its options are its own. */
    while ((c = getopt_long(argc, argv, "+c:qv", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config_path = optarg; break;
        case 'q': msg_quiet = 1; break;
        case 'v': msg_verbose = 1; break;
        case 'h': fputs(usage_text, stdout); return finish_stdout(0);
        case 'V': puts("bantin " BANTIN_VERSION); return finish_stdout(0);
        default: return usage_error("%s", "bad option");
        }
    }
    opt_config = config_path;
    if (optind >= argc)
        return usage_error("%s", "no command given");
    const char *name = argv[optind];
    feed_global_init();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].run(argc - optind, argv + optind);
    return usage_error("unknown command '%s'", name);
}
