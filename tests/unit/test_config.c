/* test_config.c - unit tests of config/: every problem config_load reports
 * (its line and its exact message), the values and defaults of a valid
 * file, and the value parsers. Fixtures are strings written to a private
 * temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "config/internal.h"

static char tmpdir[] = "/tmp/bantin-test-config-XXXXXX";
static char path[256];           /* the fixture file of the current test */
static struct config cfg;
static struct config_diag diag;

static int setup_dir(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(path, sizeof path, "%s/bantin.conf", tmpdir);
    return 0;
}

static int teardown_dir(void **state)
{
    (void)state;
    static const char *const files[] = {
        "bantin.conf", "pass", "pass-open", "pass-group", "a.conf", "b.conf",
    };
    char p[512];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", tmpdir, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/sub", tmpdir);
    rmdir(p);
    rmdir(tmpdir);
    return 0;
}

static int release(void **state)
{
    (void)state;
    config_release(&cfg);
    config_diag_release(&diag);
    return 0;
}

static void write_bytes(const char *file, const char *text, size_t n)
{
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static enum config_status load_bytes(const char *text, size_t n)
{
    write_bytes(path, text, n);
    return config_load(path, &cfg, &diag);
}

static enum config_status load(const char *text)
{
    return load_bytes(text, strlen(text));
}

static void dump(void)
{
    config_diag_print(&diag, stderr);
}

/* Assert that the last load reported exactly this problem. */
static void has_problem(int line, const char *msg)
{
    for (size_t i = 0; i < diag.n; i++)
        if (diag.v[i].line == line && strcmp(diag.v[i].msg, msg) == 0)
            return;
    dump();
    fail_msg("no problem '%d: %s'", line, msg);
}

/* Load text and assert it has exactly one problem, this one. */
static void only_problem(const char *text, int line, const char *msg)
{
    config_release(&cfg);
    config_diag_release(&diag);
    enum config_status st = load(text);
    if (st != CONFIG_INVALID || diag.n != 1)
        dump();
    assert_int_equal(st, CONFIG_INVALID);
    has_problem(line, msg);
    assert_int_equal(diag.n, 1);
}

static void load_ok(const char *text)
{
    config_release(&cfg);
    config_diag_release(&diag);
    enum config_status st = load(text);
    if (st != CONFIG_OK)
        dump();
    assert_int_equal(st, CONFIG_OK);
    assert_int_equal(diag.n, 0);
}

static char *in_dir(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

/* ---- valid files ---- */

static void test_defaults(void **state)
{
    (void)state;
    load_ok("[feed \"nhandan\"]\nurl = https://nhandan.vn/rss/home.rss\n");
    char want[512];
    snprintf(want, sizeof want, "%s/bantin.db", tmpdir);
    assert_string_equal(cfg.database, want);
    snprintf(want, sizeof want, "%s/outbox", tmpdir);
    assert_string_equal(cfg.outbox_dir, want);
    assert_string_equal(cfg.dir, tmpdir);
    assert_string_equal(cfg.path, path);
    assert_int_equal(cfg.tz_offset, 7 * 3600);
    assert_int_equal(cfg.limits.body_max, 10 * 1024 * 1024);
    assert_int_equal(cfg.limits.connect_timeout, 10);
    assert_int_equal(cfg.limits.timeout, 60);
    assert_int_equal(cfg.limits.max_redirects, 5);
    assert_int_equal(cfg.limits.items_max, 2000);
    assert_string_equal(cfg.digest.title, "Bản tin Dân vận");
    assert_null(cfg.digest.from);
    assert_int_equal(cfg.digest.backfill, 2 * 86400);
    assert_int_equal(cfg.digest.max_age, 2 * 86400);
    assert_int_equal(cfg.keep, 180 * 86400);
    assert_int_equal(cfg.smtp.enabled, 0);
    assert_null(cfg.smtp.ca_file);
    assert_int_equal(cfg.nfeeds, 1);
    const struct config_feed *f = config_find_feed(&cfg, "nhandan");
    assert_non_null(f);
    assert_string_equal(f->url, "https://nhandan.vn/rss/home.rss");
    assert_null(f->title);
    assert_int_equal(f->type, CONFIG_FEED_RSS);
    assert_int_equal(f->enabled, 1);
    assert_int_equal(f->article_limit, 20);
    assert_int_equal(f->backfill, 2 * 86400);
    assert_int_equal(f->line, 1);
    assert_null(config_find_feed(&cfg, "vov"));
    assert_int_equal(cfg.nsubscribers, 0);
}

static void test_default_topics(void **state)
{
    (void)state;
    static const char *const ids[] = {
        "dan-van-kheo", "guong-dien-hinh", "quy-che-dan-chu",
        "dan-van-chinh-quyen", "ton-giao", "dan-toc", "mat-tran-doan-the",
        "hoi-nghi-tong-ket", "tap-huan-boi-duong", "nong-thon-moi-an-sinh",
        "phong-chong-thien-tai", "tinh-hinh-du-luan",
    };
    load_ok("[digest]\nfrom = a@example.vn\n"
            "[subscriber \"x@example.vn\"]\ntopics = ton-giao, dan-toc\n");
    assert_int_equal(cfg.default_topics, 1);
    assert_int_equal(cfg.ntopics, 12);
    for (size_t i = 0; i < 12; i++) {
        assert_string_equal(cfg.topics[i].id, ids[i]);
        assert_int_equal(cfg.topics[i].line, 0);
        assert_true(cfg.topics[i].nkeywords >= 5);
    }
    const struct config_topic *t = config_find_topic(&cfg, "dan-van-kheo");
    assert_string_equal(t->title, "Dân vận khéo");
    assert_string_equal(t->keywords[0], "dân vận khéo");
    /* A keyword with commas inside stays one phrase. */
    assert_string_equal(t->keywords[7], "trọng dân, gần dân, hiểu dân");
    t = config_find_topic(&cfg, "hoi-nghi-tong-ket");
    assert_string_equal(t->keywords[t->nkeywords - 1], "15/10");
    assert_int_equal(cfg.subscribers[0].ntopics, 2);
    assert_string_equal(cfg.subscribers[0].topics[1], "dan-toc");
}

static void test_full(void **state)
{
    (void)state;
    write_bytes(in_dir("pass"), "secret\n", 7);
    assert_int_equal(chmod(in_dir("pass"), 0600), 0);
    load_ok("; a full file\n"
            "[bantin]\n"
            "database = /var/lib/bantin/bantin.db\n"
            "timezone = -05:30\n"
            "body_max = 512K\n"
            "connect_timeout = 5s\n"
            "timeout = 2m\n"
            "max_redirects = 0\n"
            "items_max = 300\n"
            "[digest]\n"
            "title = Bản tin sáng\n"
            "from = \"Ban Dân vận, Tỉnh ủy\" <bantin@example.vn>\n"
            "reply_to = Văn phòng <vp@example.vn>\n"
            "backfill = 1d12h\n"
            "max_age = 1w\n"
            "unsubscribe_url = https://example.vn/huy?email={email}\n"
            "[smtp]\n"
            "url = smtps://mail.example.vn\n"
            "user = bantin\n"
            "password_file = pass\n"
            "timeout = 30s\n"
            "[outbox]\n"
            "dir = ../spool\n"
            "[feed \"nghean\"]\n"
            "url = https://nghean.dcs.vn/vi-vn/chuyen-muc/dan-van-kheo\n"
            "title = Tỉnh ủy Nghệ An\n"
            "type = html\n"
            "item = //div[@class='news-item']\n"
            "item_title = .//h3/a\n"
            "item_link = .//h3/a/@href\n"
            "item_date = .//span[@class=\"date\"]\n"
            "item_summary = .//p\n"
            "item_author = .//em\n"
            "item_id = .//h3/a/@href\n"
            "article = //div[@class='content']\n"
            "article_limit = 5\n"
            "enabled = no\n"
            "backfill = 36h\n"
            "[feed \"vov\"]\n"
            "url = http://vov.vn/rss.xml\n"
            "[topic \"ton-giao\"]\n"
            "title = Tôn giáo\n"
            "keywords =  tôn giáo;tín ngưỡng;; Phật giáo  \n"
            "exclude = bóng đá\n"
            "[subscriber \"Nguyen.Van.A@Example.vn\"]\n"
            "name = Nguyễn Văn A\n"
            "topics = ton-giao\n"
            "[subscriber \"b@example.vn\"]\n"
            "topics =\n");
    assert_string_equal(cfg.database, "/var/lib/bantin/bantin.db");
    assert_int_equal(cfg.tz_offset, -(5 * 3600 + 30 * 60));
    assert_int_equal(cfg.limits.body_max, 512 * 1024);
    assert_int_equal(cfg.limits.connect_timeout, 5);
    assert_int_equal(cfg.limits.timeout, 120);
    assert_int_equal(cfg.limits.max_redirects, 0);
    assert_int_equal(cfg.limits.items_max, 300);
    assert_string_equal(cfg.digest.title, "Bản tin sáng");
    assert_string_equal(cfg.digest.from_name, "Ban Dân vận, Tỉnh ủy");
    assert_string_equal(cfg.digest.from_addr, "bantin@example.vn");
    assert_string_equal(cfg.digest.reply_to, "Văn phòng <vp@example.vn>");
    assert_int_equal(cfg.digest.backfill, 36 * 3600);
    assert_int_equal(cfg.digest.max_age, 7 * 86400);
    assert_string_equal(cfg.digest.unsubscribe_url,
                        "https://example.vn/huy?email={email}");
    assert_int_equal(cfg.smtp.enabled, 1);
    assert_string_equal(cfg.smtp.host, "mail.example.vn");
    assert_int_equal(cfg.smtp.port, 465);
    assert_int_equal(cfg.smtp.tls, CONFIG_TLS_TLS);
    assert_string_equal(cfg.smtp.user, "bantin");
    assert_string_equal(cfg.smtp.password_file, in_dir("pass"));
    assert_int_equal(cfg.smtp.timeout, 30);
    char want[512];
    snprintf(want, sizeof want, "%s/../spool", tmpdir);
    assert_string_equal(cfg.outbox_dir, want);

    const struct config_feed *f = config_find_feed(&cfg, "nghean");
    assert_int_equal(f->type, CONFIG_FEED_HTML);
    assert_string_equal(f->title, "Tỉnh ủy Nghệ An");
    assert_string_equal(f->rules.item, "//div[@class='news-item']");
    assert_string_equal(f->rules.title, ".//h3/a");
    assert_string_equal(f->rules.link, ".//h3/a/@href");
    assert_string_equal(f->rules.date, ".//span[@class=\"date\"]");
    assert_string_equal(f->rules.summary, ".//p");
    assert_string_equal(f->rules.author, ".//em");
    assert_string_equal(f->rules.id, ".//h3/a/@href");
    assert_string_equal(f->rules.article, "//div[@class='content']");
    assert_int_equal(f->article_limit, 5);
    assert_int_equal(f->enabled, 0);
    assert_int_equal(f->backfill, 36 * 3600);
    assert_int_equal(config_find_feed(&cfg, "vov")->backfill, 36 * 3600);

    assert_int_equal(cfg.default_topics, 0);
    assert_int_equal(cfg.ntopics, 1);
    const struct config_topic *t = &cfg.topics[0];
    assert_int_equal(t->nkeywords, 3);
    assert_string_equal(t->keywords[0], "tôn giáo");
    assert_string_equal(t->keywords[1], "tín ngưỡng");
    assert_string_equal(t->keywords[2], "Phật giáo");
    assert_int_equal(t->nexclude, 1);
    assert_string_equal(t->exclude[0], "bóng đá");
    assert_int_equal(cfg.nsubscribers, 2);
    assert_string_equal(cfg.subscribers[0].email, "Nguyen.Van.A@Example.vn");
    assert_string_equal(cfg.subscribers[0].name, "Nguyễn Văn A");
    assert_int_equal(cfg.subscribers[0].ntopics, 1);
    assert_null(cfg.subscribers[1].name);
    assert_int_equal(cfg.subscribers[1].ntopics, 0);

    char *s = config_summary(&cfg);
    assert_string_equal(s, "2 feeds (1 disabled), 1 topic, 2 subscribers");
    free(s);
}

static void test_smtp_defaults(void **state)
{
    (void)state;
    load_ok("[smtp]\nurl = smtp://mail.example.vn\n");
    assert_int_equal(cfg.smtp.port, 587);
    assert_int_equal(cfg.smtp.tls, CONFIG_TLS_STARTTLS);
    assert_null(cfg.smtp.user);
    assert_int_equal(cfg.smtp.timeout, 60);
    load_ok("[smtp]\nurl = smtp://[::1]:2525/\ntls = none\n");
    assert_string_equal(cfg.smtp.host, "::1");
    assert_int_equal(cfg.smtp.port, 2525);
    assert_int_equal(cfg.smtp.tls, CONFIG_TLS_NONE);
    load_ok("[smtp]\nurl = smtp://localhost:25\ntls = none\n");
    load_ok("[smtp]\nurl = SMTP://127.0.0.1\ntls = NONE\n");
}

static void test_comments_and_quotes(void **state)
{
    (void)state;
    load_ok("# comment\n"
            "   ; indented comment\n"
            "[digest]   ; comment after a header\n"
            "title = \"Bản tin ; số 1 # hai\"   ; a comment\n"
            "from = a@example.vn   # a comment\n"
            "[feed \"x\"]\n"
            "url = https://example.vn/a#frag  # comment\n"
            "title = \"say \\\"hi\\\" \\\\ now\"\n"
            "[topic \"t\"]\n"
            "title = T\n"
            "keywords = a;b ; c;d\n"
            "[ subscriber \"q@example.vn\" ]\n"
            "name = \"  Nguyễn \"\n"
            "[subscriber \"r@example.vn\"]\n"
            "name = \"Phòng A; B\" <x> ; a comment\n");
    assert_string_equal(cfg.digest.title, "Bản tin ; số 1 # hai");
    assert_string_equal(cfg.digest.from, "a@example.vn");
    assert_string_equal(cfg.feeds[0].url, "https://example.vn/a#frag");
    assert_string_equal(cfg.feeds[0].title, "say \"hi\" \\ now");
    /* " ; c;d" is a comment: a ';' after a blank starts one. */
    assert_int_equal(cfg.topics[0].nkeywords, 2);
    assert_string_equal(cfg.topics[0].keywords[1], "b");
    assert_string_equal(cfg.subscribers[0].name, "  Nguyễn ");
    /* Quotes inside a value are kept, and protect a ';' from being a
     * comment. */
    assert_string_equal(cfg.subscribers[1].name, "\"Phòng A; B\" <x>");
}

static void test_bom_crlf_case(void **state)
{
    (void)state;
    load_ok("\xEF\xBB\xBF[Feed \"x\"]\r\nURL = https://example.vn/rss\r\n"
            "Enabled = FALSE\r\n");
    assert_string_equal(cfg.feeds[0].url, "https://example.vn/rss");
    assert_int_equal(cfg.feeds[0].enabled, 0);
    /* After a BOM the first line is still line 1. */
    only_problem("\xEF\xBB\xBF[feeds \"x\"]\n", 1,
                 "unknown section 'feeds' (did you mean 'feed'?)");
}

static void test_nfc(void **state)
{
    (void)state;
    /* "Việt" decomposed: e + U+0323 + U+0302, as a Mac may save it. */
    load_ok("[topic \"t\"]\ntitle = Vie\xCC\xA3\xCC\x82t\n"
            "keywords = Vie\xCC\x82\xCC\xA3t Nam\n");
    assert_string_equal(cfg.topics[0].title, "Việt");
    assert_string_equal(cfg.topics[0].keywords[0], "Việt Nam");
}

static void test_relative_paths(void **state)
{
    (void)state;
    char sub[512];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    assert_int_equal(mkdir(sub, 0700), 0);
    char *old = getcwd(NULL, 0);
    assert_non_null(old);
    assert_int_equal(chdir(sub), 0);
    /* Named relative to the cwd, paths still resolve against its folder. */
    const char *text = "[bantin]\ndatabase = data/x.db\n";
    write_bytes("../a.conf", text, strlen(text));
    enum config_status st = config_load("../a.conf", &cfg, &diag);
    assert_int_equal(chdir(old), 0);
    free(old);
    assert_int_equal(st, CONFIG_OK);
    char want[512];
    snprintf(want, sizeof want, "%s/data/x.db", tmpdir);
    assert_string_equal(cfg.database, want);
    assert_string_equal(cfg.dir, tmpdir);
    assert_string_equal(cfg.path, "../a.conf");
}

static void test_default_path(void **state)
{
    (void)state;
    char *old = getcwd(NULL, 0);
    assert_int_equal(chdir(tmpdir), 0);
    unlink("bantin.conf");
    setenv("BANTIN_CONFIG", "/x/env.conf", 1);
    assert_string_equal(config_default_path("/x/opt.conf"), "/x/opt.conf");
    assert_string_equal(config_default_path(NULL), "/x/env.conf");
    setenv("BANTIN_CONFIG", "", 1);
    assert_string_equal(config_default_path(NULL), "/etc/bantin/bantin.conf");
    unsetenv("BANTIN_CONFIG");
    assert_string_equal(config_default_path(NULL), "/etc/bantin/bantin.conf");
    write_bytes("bantin.conf", "", 0);
    assert_string_equal(config_default_path(NULL), "bantin.conf");
    assert_string_equal(config_default_path("o.conf"), "o.conf");
    assert_int_equal(chdir(old), 0);
    free(old);
}

static void test_example_file(void **state)
{
    (void)state;
    /* The tests run from the top of the tree (Makefile, scripts/run-tests). */
    enum config_status st = config_load("config/bantin.conf.example", &cfg, &diag);
    if (st != CONFIG_OK)
        dump();
    assert_int_equal(st, CONFIG_OK);
    assert_true(cfg.nfeeds >= 8);
    assert_int_equal(cfg.nsubscribers, 2);
    assert_int_equal(cfg.smtp.enabled, 0);
    /* Its topics are the built-in ones written out: same ids, titles and
     * keywords, in the same order. */
    assert_int_equal(cfg.default_topics, 0);
    assert_int_equal(cfg.ntopics, config_default_topics_count);
    for (size_t i = 0; i < cfg.ntopics; i++) {
        const struct config_default_topic *d = &config_default_topics[i];
        const struct config_topic *t = &cfg.topics[i];
        assert_string_equal(t->id, d->id);
        assert_string_equal(t->title, d->title);
        size_t n = 0;
        for (const char *p = d->keywords; *p; p++)
            n += *p == ';';
        assert_int_equal(t->nkeywords, n + 1);
        for (size_t k = 0; k < t->nkeywords; k++)
            assert_non_null(strstr(d->keywords, t->keywords[k]));
    }
    int html = 0;
    for (size_t i = 0; i < cfg.nfeeds; i++)
        html += cfg.feeds[i].type == CONFIG_FEED_HTML;
    assert_true(html >= 2);
    assert_non_null(config_find_feed(&cfg, "tuyengiaodanvan"));
}

/* ---- the reader's problems ---- */

static void test_syntax_errors(void **state)
{
    (void)state;
    only_problem("url = x\n", 1, "key 'url' outside any section");
    only_problem("\n[feed \"x\"\nurl = https://a/\n", 2,
                 "malformed section header '[feed \"x\"' "
                 "(expected [name] or [name \"id\"])");
    only_problem("[feed x]\n", 1,
                 "malformed section header '[feed x]' "
                 "(expected [name] or [name \"id\"])");
    only_problem("[]\n", 1,
                 "malformed section header '[]' (expected [name] or [name \"id\"])");
    only_problem("[digest] junk\n", 1,
                 "malformed section header '[digest] junk' "
                 "(expected [name] or [name \"id\"])");
    only_problem("[digest]\ntitle\n", 2, "expected 'key = value', found 'title'");
    only_problem("[digest]\n= x\n", 2, "missing key before '=' in '= x'");
    only_problem("[digest]\ntitle = \"abc\n", 2,
                 "unterminated quoted value for 'title'");
    /* Not quoted as a whole: kept as written. */
    load_ok("[digest]\ntitle = \"abc\" def ; x\n");
    assert_string_equal(cfg.digest.title, "\"abc\" def");
}

static void test_long_line(void **state)
{
    (void)state;
    /* Line 2 is "title = " and k letters: 4097 bytes is one too many. */
    const char *head = "[digest]\ntitle = ";
    size_t hn = strlen(head), k = 4097 - 8;
    char *text = malloc(hn + k + 32);
    assert_non_null(text);
    memcpy(text, head, hn);
    memset(text + hn, 'a', k);
    memcpy(text + hn + k, "\n; end\n", 8);
    only_problem(text, 2, "line longer than 4096 bytes");
    /* Exactly 4096 bytes is fine, and a CR before the LF does not count. */
    k = 4096 - 8;
    memcpy(text + hn + k, "\r\n", 3);
    config_release(&cfg);
    config_diag_release(&diag);
    assert_int_equal(load(text), CONFIG_OK);
    assert_int_equal(strlen(cfg.digest.title), k);
    free(text);
}

static void test_bad_utf8(void **state)
{
    (void)state;
    only_problem("[digest]\ntitle = B\xe1n tin\n", 2,
                 "invalid UTF-8 (byte 0xe1 at column 10)");
    /* An overlong '/' (C0 AF) and a surrogate (ED A0 80) are refused. */
    only_problem("[digest]\n\ntitle = \xC0\xAF\n", 3,
                 "invalid UTF-8 (byte 0xc0 at column 9)");
    only_problem("[digest]\ntitle = \xED\xA0\x80\n", 2,
                 "invalid UTF-8 (byte 0xed at column 9)");
    config_release(&cfg);
    config_diag_release(&diag);
    assert_int_equal(load_bytes("[digest]\ntitle = a\0b\n", 20), CONFIG_INVALID);
    has_problem(2, "NUL byte in line");
}

/* ---- sections and keys ---- */

static void test_unknown_names(void **state)
{
    (void)state;
    only_problem("[feeds \"x\"]\nurl = https://a/\n", 1,
                 "unknown section 'feeds' (did you mean 'feed'?)");
    only_problem("[mail]\nhost = x\n", 1, "unknown section 'mail'");
    only_problem("[subscribers \"a@b.vn\"]\n", 1,
                 "unknown section 'subscribers' (did you mean 'subscriber'?)");
    only_problem("[feed \"x\"]\nurl = https://a/\ntittle = X\n", 3,
                 "feed 'x': unknown key 'tittle' (did you mean 'title'?)");
    only_problem("[feed \"x\"]\nurl = https://a/\nitem_tilte = X\n", 3,
                 "feed 'x': unknown key 'item_tilte' (did you mean 'item_title'?)");
    only_problem("[digest]\nbackfil = 2d\n", 2,
                 "unknown key 'digest.backfil' (did you mean 'digest.backfill'?)");
    only_problem("[smtp]\nurl = smtp://a\npassword = x\n", 3,
                 "unknown key 'smtp.password'");
    only_problem("[bantin]\nlock = yes\n", 2, "unknown key 'bantin.lock'");
}

static void test_section_names(void **state)
{
    (void)state;
    only_problem("[feed]\nurl = https://a/\n", 1,
                 "section 'feed' needs a name: [feed \"id\"]");
    only_problem("[subscriber]\n", 1,
                 "section 'subscriber' needs a name: [subscriber \"email\"]");
    only_problem("[digest \"x\"]\ntitle = a\n", 1,
                 "section 'digest' takes no name: write [digest]");
}

static void test_duplicates(void **state)
{
    (void)state;
    only_problem("[feed \"nghean\"]\nurl = https://a/\n\n"
                 "[feed \"nghean\"]\nurl = https://b/\n", 4,
                 "duplicate feed 'nghean' (first defined at line 1)");
    only_problem("[topic \"t\"]\ntitle = T\nkeywords = a\n"
                 "[topic \"t\"]\ntitle = U\nkeywords = b\n", 4,
                 "duplicate topic 't' (first defined at line 1)");
    only_problem("[digest]\nfrom = a@example.vn\n"
                 "[subscriber \"A.B@Example.VN\"]\n"
                 "[subscriber \"a.b@example.vn\"]\n", 4,
                 "duplicate subscriber 'a.b@example.vn' (first defined at line 3)");
    only_problem("[digest]\ntitle = a\n[digest]\ntitle = b\n", 3,
                 "duplicate section 'digest' (first defined at line 1)");
    only_problem("[feed \"x\"]\nurl = https://a/\nURL = https://b/\n", 3,
                 "feed 'x': duplicate key 'url' (first set at line 2)");
    only_problem("[bantin]\ntimezone = +07:00\ntimezone = +07:00\n", 3,
                 "duplicate key 'bantin.timezone' (first set at line 2)");
    /* A feed and a topic may share an id. */
    load_ok("[feed \"x\"]\nurl = https://a/\n[topic \"x\"]\ntitle = X\nkeywords = x\n");
}

static void test_ids(void **state)
{
    (void)state;
    only_problem("[feed \"Nghe An\"]\nurl = https://a/\n", 1,
                 "bad feed id 'Nghe An' (use a-z, 0-9, '.', '_' and '-', "
                 "starting with a letter or digit, at most 64 bytes)");
    only_problem("[topic \"-x\"]\ntitle = T\nkeywords = a\n", 1,
                 "bad topic id '-x' (use a-z, 0-9, '.', '_' and '-', "
                 "starting with a letter or digit, at most 64 bytes)");
    only_problem("[feed \"\"]\nurl = https://a/\n", 1,
                 "bad feed id '' (use a-z, 0-9, '.', '_' and '-', "
                 "starting with a letter or digit, at most 64 bytes)");
    assert_true(config_is_id("nghean"));
    assert_true(config_is_id("0a.b_c-d"));
    assert_false(config_is_id("Nghean"));
    assert_false(config_is_id("a b"));
    assert_false(config_is_id("nghệan"));
    assert_false(config_is_id(".a"));
    assert_false(config_is_id(
        "a0123456789012345678901234567890123456789012345678901234567890123"));
}

/* ---- feeds ---- */

static void test_feed_errors(void **state)
{
    (void)state;
    only_problem("[feed \"x\"]\ntitle = X\n", 1, "feed 'x' has no 'url'");
    only_problem("[feed \"x\"]\nurl = ftp://example.vn/rss\n", 2,
                 "feed 'x': url 'ftp://example.vn/rss' is not http or https");
    only_problem("[feed \"x\"]\nurl = example.vn/rss\n", 2,
                 "feed 'x': url 'example.vn/rss' is not http or https");
    only_problem("[feed \"x\"]\nurl = https:///rss\n", 2,
                 "feed 'x': url 'https:///rss' has no host");
    only_problem("[feed \"x\"]\nurl = http://a:99999/\n", 2,
                 "feed 'x': url 'http://a:99999/' has a bad port");
    only_problem("[feed \"x\"]\nurl = https://a/b c\n", 2,
                 "feed 'x': url 'https://a/b c' contains a blank or a "
                 "character URLs do not allow");
    only_problem("[feed \"x\"]\nurl =\n", 2, "feed 'x': empty value for 'url'");
    only_problem("[feed \"x\"]\nurl = https://a/\ntype = atom\n", 3,
                 "feed 'x': unknown type 'atom': use rss (for RSS, RDF and "
                 "Atom) or html");
    only_problem("[feed \"x\"]\nurl = https://a/\nenabled = maybe\n", 3,
                 "feed 'x': bad boolean 'maybe' for 'enabled': use true or false");
    only_problem("[feed \"x\"]\nurl = https://a/\narticle_limit = -1\n", 3,
                 "feed 'x': bad number '-1' for 'article_limit'");
    only_problem("[feed \"x\"]\nurl = https://a/\narticle_limit = 5000\n", 3,
                 "feed 'x': 'article_limit' must be between 0 and 1000, not '5000'");
    only_problem("[feed \"x\"]\nurl = https://a/\nitem_title = .//a\n", 3,
                 "feed 'x': 'item_title' is only used with type = html");
}

static void test_html_rules(void **state)
{
    (void)state;
    only_problem("[feed \"x\"]\nurl = https://a/\ntype = html\n"
                 "item = //li\nitem_link = .//a/@href\n", 1,
                 "feed 'x': type html needs 'item_title'");
    config_release(&cfg);
    config_diag_release(&diag);
    assert_int_equal(load("[feed \"x\"]\nurl = https://a/\ntype = html\n"),
                     CONFIG_INVALID);
    assert_int_equal(diag.n, 3);
    has_problem(1, "feed 'x': type html needs 'item'");
    has_problem(1, "feed 'x': type html needs 'item_title'");
    has_problem(1, "feed 'x': type html needs 'item_link'");
    /* Bad XPath: libxml2's reason, and nothing from libxml2 on stderr. */
    only_problem("[feed \"x\"]\nurl = https://a/\ntype = html\n"
                 "item = //div[@class='news'\nitem_title = .//a\n"
                 "item_link = .//a/@href\n", 4,
                 "feed 'x': bad XPath for 'item': missing ']' at the end in "
                 "'//div[@class='news''");
    only_problem("[feed \"x\"]\nurl = https://a/\ntype = html\n"
                 "item = //li\nitem_title = .//a\n"
                 "item_link = .//a/@@href\n", 6,
                 "feed 'x': bad XPath for 'item_link': invalid expression at "
                 "character 7 in './/a/@@href'");
    config_release(&cfg);
    config_diag_release(&diag);
    assert_int_equal(load("[feed \"x\"]\nurl = https://a/\ntype = html\n"
                          "item = //li\nitem_title = .//a)\n"
                          "item_link = ..//@@href\narticle = ///\n"),
                     CONFIG_INVALID);
    assert_int_equal(diag.n, 3);
    for (size_t i = 0; i < diag.n; i++)
        assert_non_null(strstr(diag.v[i].msg, "bad XPath for '"));
    assert_int_equal(diag.v[0].line, 5);
    assert_int_equal(diag.v[2].line, 7);
    /* article = auto (any case): the generic extraction, kept as "auto" */
    load_ok("[feed \"x\"]\nurl = https://a/\ntype = html\n"
            "item = //li\nitem_title = .//a\nitem_link = .//a/@href\n"
            "article = AUTO\n"
            "[feed \"y\"]\nurl = https://b/\narticle = auto\n");
    assert_string_equal(cfg.feeds[0].rules.article, CONFIG_ARTICLE_AUTO);
    assert_string_equal(cfg.feeds[1].rules.article, "auto");
    /* only article knows it: an item rule "auto" is an XPath like any other */
    load_ok("[feed \"x\"]\nurl = https://a/\ntype = html\n"
            "item = Auto\nitem_title = .//a\nitem_link = .//a/@href\n");
    assert_string_equal(cfg.feeds[0].rules.item, "Auto");
    char err[256];
    assert_int_equal(config_check_xpath("//a[contains(@class,'x')]/@href", err,
                                        sizeof err), 0);
    assert_int_equal(config_check_xpath("", err, sizeof err), -1);
    assert_string_equal(err, "empty expression");
    assert_int_equal(config_check_xpath("1 +", err, sizeof err), -1);
    assert_string_equal(err, "invalid expression at character 4");
    /* libxml2 2.9 itself compiles "count(": the bracket check refuses it. */
    assert_int_equal(config_check_xpath("count(", err, sizeof err), -1);
    assert_string_equal(err, "missing ')' at the end");
    assert_int_equal(config_check_xpath("//a[@x='(']", err, sizeof err), 0);
    assert_int_equal(config_check_xpath("//a)", err, sizeof err), -1);
    assert_string_equal(err, "unexpected ')' at character 4");
    assert_int_equal(config_check_xpath("//a[@x=\"]", err, sizeof err), -1);
    assert_string_equal(err, "unterminated string literal");
}

/* ---- topics and subscribers ---- */

static void test_topic_errors(void **state)
{
    (void)state;
    only_problem("[topic \"t\"]\nkeywords = a\n", 1, "topic 't' has no 'title'");
    only_problem("[topic \"t\"]\ntitle = T\n", 1, "topic 't' has no 'keywords'");
    only_problem("[topic \"t\"]\ntitle = T\nkeywords = \"; ;\"\n", 3,
                 "topic 't': 'keywords' lists nothing");
    load_ok("[topic \"t\"]\ntitle = T\nkeywords = a\nexclude =\n");
    assert_int_equal(cfg.topics[0].nexclude, 0);
}

static void test_subscriber_errors(void **state)
{
    (void)state;
    only_problem("[digest]\nfrom = a@example.vn\n[subscriber \"nguyen van a\"]\n", 3,
                 "subscriber 'nguyen van a' is not an email address "
                 "(expected name@domain)");
    only_problem("[digest]\nfrom = a@example.vn\n"
                 "[subscriber \"<a@example.vn>\"]\n", 3,
                 "subscriber '<a@example.vn>' is not an email address "
                 "(expected name@domain)");
    only_problem("[topic \"t\"]\ntitle = T\nkeywords = a\n"
                 "[digest]\nfrom = a@example.vn\n"
                 "[subscriber \"a@example.vn\"]\nname = A\ntopics = t, u\n", 8,
                 "subscriber 'a@example.vn': unknown topic 'u'");
    only_problem("[digest]\nfrom = a@example.vn\n"
                 "[subscriber \"a@example.vn\"]\ntopics = ton-giao,dan-van-keho\n", 4,
                 "subscriber 'a@example.vn': unknown topic 'dan-van-keho' (not "
                 "one of the default topics; did you mean 'dan-van-kheo'?)");
    only_problem("[topic \"dan-van\"]\ntitle = T\nkeywords = a\n"
                 "[digest]\nfrom = a@example.vn\n"
                 "[subscriber \"a@example.vn\"]\ntopics = dan-vam\n", 7,
                 "subscriber 'a@example.vn': unknown topic 'dan-vam' (did you "
                 "mean 'dan-van'?)");
    only_problem("[subscriber \"a@example.vn\"]\n", 1,
                 "subscribers need a sender: set 'from' in [digest]");
    only_problem("[digest]\nfrom = Bản tin <bantin at example.vn>\n"
                 "[subscriber \"a@example.vn\"]\n", 2,
                 "'digest.from' is not an address: 'Bản tin <bantin at "
                 "example.vn>' (expected name@domain or Name <name@domain>)");
    only_problem("[digest]\nreply_to = <>\n", 2,
                 "'digest.reply_to' is not an address: '<>' (expected "
                 "name@domain or Name <name@domain>)");
}

/* ---- [bantin] and [digest] values ---- */

static void test_value_errors(void **state)
{
    (void)state;
    only_problem("[digest]\nbackfill = 2x\n", 2,
                 "bad duration '2x' for 'digest.backfill': unknown unit 'x'; "
                 "use s, m, h, d or w");
    only_problem("[digest]\nbackfill = -1d\n", 2,
                 "bad duration '-1d' for 'digest.backfill': no sign allowed");
    only_problem("[digest]\nbackfill =\n", 2, "empty value for 'digest.backfill'");
    only_problem("[digest]\nbackfill = \"\"\n", 2,
                 "empty value for 'digest.backfill'");
    only_problem("[digest]\nbackfill = 99999999d\n", 2,
                 "bad duration '99999999d' for 'digest.backfill': too large; "
                 "at most 3650d");
    only_problem("[digest]\nbackfill = 2\n", 2,
                 "bad duration '2' for 'digest.backfill': missing unit; use s, "
                 "m, h, d or w");
    only_problem("[digest]\nmax_age = 10m\n", 2,
                 "'digest.max_age' must be between 1h and 3650d, not '10m'");
    only_problem("[feed \"x\"]\nurl = https://a/\nbackfill = 2 d\n", 3,
                 "feed 'x': bad duration '2 d' for 'backfill': unknown unit ' '; "
                 "use s, m, h, d or w");
    only_problem("[bantin]\ntimeout = 0s\n", 2,
                 "'bantin.timeout' must be between 1s and 1h, not '0s'");
    only_problem("[bantin]\nbody_max = 10X\n", 2,
                 "bad size '10X' for 'bantin.body_max': unknown unit 'X'; use K, "
                 "M or G");
    only_problem("[bantin]\nbody_max = 2G\n", 2,
                 "'bantin.body_max' must be between 1K and 1G, not '2G'");
    only_problem("[bantin]\nbody_max = big\n", 2,
                 "bad size 'big' for 'bantin.body_max': expected a number");
    only_problem("[bantin]\nmax_redirects = five\n", 2,
                 "bad number 'five' for 'bantin.max_redirects'");
    only_problem("[bantin]\nmax_redirects = 21\n", 2,
                 "'bantin.max_redirects' must be between 0 and 20, not '21'");
    only_problem("[bantin]\ntimezone = 7\n", 2,
                 "bad timezone '7' for 'bantin.timezone': use +HH:MM or -HH:MM, "
                 "e.g. +07:00");
    only_problem("[bantin]\ntimezone = Asia/Ho_Chi_Minh\n", 2,
                 "bad timezone 'Asia/Ho_Chi_Minh' for 'bantin.timezone': use "
                 "+HH:MM or -HH:MM, e.g. +07:00");
    only_problem("[bantin]\ntimezone = +15:00\n", 2,
                 "bad timezone '+15:00' for 'bantin.timezone': out of range; "
                 "zones span -12:00 to +14:00");
    only_problem("[digest]\nunsubscribe_url = http://example.vn/u\n", 2,
                 "digest.unsubscribe_url 'http://example.vn/u' is not https");
}

/* ---- [smtp] ---- */

static void test_smtp_errors(void **state)
{
    (void)state;
    only_problem("[smtp]\ntls = starttls\n", 1, "section [smtp] has no 'url'");
    only_problem("[smtp]\nurl = http://mail.example.vn\n", 2,
                 "smtp.url 'http://mail.example.vn' is not smtp:// or smtps://");
    only_problem("[smtp]\nurl = smtp://u:p@mail.example.vn\n", 2,
                 "smtp.url 'smtp://u:p@mail.example.vn' has a user or password; "
                 "use 'user' and 'password_file'");
    only_problem("[smtp]\nurl = smtp://mail.example.vn/x\n", 2,
                 "smtp.url 'smtp://mail.example.vn/x' has a path; write only "
                 "smtp://host:port");
    only_problem("[smtp]\nurl = smtp://mail.example.vn:0\n", 2,
                 "smtp.url 'smtp://mail.example.vn:0' has a bad port");
    only_problem("[smtp]\nurl = smtp://mail.example.vn\ntls = none\n", 3,
                 "smtp.tls 'none' is only allowed to localhost, 127.0.0.1 or ::1, "
                 "not to 'mail.example.vn'");
    only_problem("[smtp]\nurl = smtp://mail.example.vn\ntls = ssl\n", 3,
                 "bad value 'ssl' for 'smtp.tls': use starttls, tls or none");
    only_problem("[smtp]\nurl = smtp://mail.example.vn\ntls = tls\n", 3,
                 "smtp.tls 'tls' needs an smtps:// url");
    only_problem("[smtp]\nurl = smtps://mail.example.vn\ntls = starttls\n", 3,
                 "smtp.tls 'starttls' contradicts the smtps:// url (use smtp:// "
                 "for starttls or none)");
    only_problem("[smtp]\nurl = smtp://mail.example.vn\nuser = bantin\n", 3,
                 "smtp.user needs 'password_file'");
}

static void test_password_file(void **state)
{
    (void)state;
    char msg[1024];
    snprintf(msg, sizeof msg, "smtp.password_file '%s' does not exist",
             in_dir("nope"));
    only_problem("[smtp]\nurl = smtp://a\nuser = u\npassword_file = nope\n", 4, msg);

    write_bytes(in_dir("pass-open"), "secret\n", 7);
    assert_int_equal(chmod(in_dir("pass-open"), 0644), 0);
    snprintf(msg, sizeof msg,
             "smtp.password_file '%s' can be read by group or others (mode "
             "0644); run chmod 600 on it", in_dir("pass-open"));
    only_problem("[smtp]\nurl = smtp://a\nuser = u\npassword_file = pass-open\n",
                 4, msg);

    write_bytes(in_dir("pass-group"), "secret\n", 7);
    assert_int_equal(chmod(in_dir("pass-group"), 0620), 0);
    snprintf(msg, sizeof msg,
             "smtp.password_file '%s' is open to group or others (mode "
             "0620); run chmod 600 on it", in_dir("pass-group"));
    char text[1024];
    snprintf(text, sizeof text,
             "[smtp]\nurl = smtp://a\nuser = u\npassword_file = %s\n",
             in_dir("pass-group"));
    only_problem(text, 4, msg);

    snprintf(msg, sizeof msg, "smtp.password_file '%s' is not a regular file",
             tmpdir);
    snprintf(text, sizeof text,
             "[smtp]\nurl = smtp://a\nuser = u\npassword_file = %s\n", tmpdir);
    only_problem(text, 4, msg);

    write_bytes(in_dir("pass"), "secret\n", 7);
    assert_int_equal(chmod(in_dir("pass"), 0400), 0);
    load_ok("[smtp]\nurl = smtp://a\nuser = u\npassword_file = pass\n");
    only_problem("[smtp]\nurl = smtp://a\npassword_file = pass\n", 3,
                 "smtp.password_file needs 'user'");
}

static void test_keep_and_ca_file(void **state)
{
    (void)state;
    load_ok("[bantin]\nkeep = 52w\n");
    assert_int_equal(cfg.keep, 52 * 7 * 86400);
    config_release(&cfg);
    config_diag_release(&diag);
    /* a week is the least: a shorter history could prune an item a daily
     * run has not put in a digest yet */
    only_problem("[bantin]\nkeep = 6d\n", 2,
                 "'bantin.keep' must be between 7d and 3650d, not '6d'");

    char msg[1024];
    snprintf(msg, sizeof msg, "smtp.ca_file '%s' does not exist", in_dir("ca.pem"));
    only_problem("[smtp]\nurl = smtp://a\nca_file = ca.pem\n", 3, msg);
    snprintf(msg, sizeof msg, "smtp.ca_file '%s' is not a regular file", tmpdir);
    char text[1024];
    snprintf(text, sizeof text, "[smtp]\nurl = smtp://a\nca_file = %s\n", tmpdir);
    only_problem(text, 3, msg);
    write_bytes(in_dir("ca.pem"), "-----BEGIN CERTIFICATE-----\n", 28);
    load_ok("[smtp]\nurl = smtp://a\nca_file = ca.pem\n");
    assert_string_equal(cfg.smtp.ca_file, in_dir("ca.pem"));
}

static void test_same_feed_url(void **state)
{
    (void)state;
    /* case, default port and tracking parameters do not make another feed */
    only_problem("[feed \"a\"]\nurl = https://Nhandan.vn/rss/home.rss?utm_source=x\n"
                 "[feed \"b\"]\nurl = https://nhandan.vn:443/rss/home.rss\n", 3,
                 "feed 'b' has the same url as feed 'a' (line 1): it would be "
                 "fetched twice");
    /* another path is another feed; an html source may share its page */
    load_ok("[feed \"a\"]\nurl = https://nhandan.vn/rss/home.rss\n"
            "[feed \"b\"]\nurl = https://nhandan.vn/rss/chinhtri.rss\n"
            "[feed \"c\"]\nurl = https://x.vn/tin\ntype = html\nitem = //a\n"
            "item_title = .\nitem_link = @href\n"
            "[feed \"d\"]\nurl = https://x.vn/tin\ntype = html\nitem = //li\n"
            "item_title = .\nitem_link = @href\n");
}

/* ---- the file as a whole ---- */

static void test_missing_file(void **state)
{
    (void)state;
    assert_int_equal(config_load(in_dir("absent.conf"), &cfg, &diag),
                     CONFIG_MISSING);
    assert_int_equal(diag.n, 1);
    assert_int_equal(diag.v[0].line, 0);
    assert_string_equal(diag.v[0].msg,
                        "cannot read config: No such file or directory");
    assert_string_equal(diag.file, in_dir("absent.conf"));
    assert_null(cfg.path);
    config_diag_release(&diag);
    assert_int_equal(config_load(tmpdir, &cfg, &diag), CONFIG_MISSING);
    assert_string_equal(diag.v[0].msg, "cannot read config: Is a directory");
}

static void test_every_problem_sorted(void **state)
{
    (void)state;
    /* Problems found in different passes come out in line order, and one
     * bad line never hides the others. */
    assert_int_equal(load("[digest]\n"                        /* 1 */
                          "from = a@example.vn\n"             /* 2 */
                          "[subscriber \"x@example.vn\"]\n"   /* 3 */
                          "topics = nope\n"                   /* 4 */
                          "[feed \"a\"]\n"                    /* 5 */
                          "url = gopher://a\n"                /* 6 */
                          "tittle = A\n"                      /* 7 */
                          "[feed \"a\"]\n"                    /* 8 */
                          "[bantin]\n"                        /* 9 */
                          "timeout = 2x\n"                    /* 10 */
                          "[feed\n"                           /* 11 */
                          "ignored = 1\n"),                   /* 12 */
                     CONFIG_INVALID);
    assert_int_equal(diag.n, 6);
    int lines[] = {4, 6, 7, 8, 10, 11};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(diag.v[i].line, lines[i]);
    assert_null(cfg.feeds);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    config_diag_print(&diag, f);
    fclose(f);
    char want[2048];
    snprintf(want, sizeof want,
             "%s:4: subscriber 'x@example.vn': unknown topic 'nope' (not one "
             "of the default topics)\n%s:6: feed 'a': url 'gopher://a' is not http or "
             "https\n", path, path);
    assert_memory_equal(buf, want, strlen(want));
    free(buf);
}

/* ---- value parsers ---- */

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t v;
    } ok[] = {
        {"30s", 30}, {"90m", 5400}, {"36h", 129600}, {"2d", 172800},
        {"1w", 604800}, {"1d12h", 129600}, {"1h30m15s", 5415}, {"0s", 0},
        {"3650d", 3650LL * 86400},
    };
    static const char *const bad[] = {
        "", "2x", "-1d", "+1d", "2", "d", "99999999d", "3651d", "1.5h", "2D",
        "2d ", "1d-2h", "18446744073709551617s",
    };
    char err[128];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t v = -1;
        assert_int_equal(config_parse_duration(ok[i].s, &v, err, sizeof err), 0);
        assert_int_equal(v, ok[i].v);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 77;
        if (config_parse_duration(bad[i], &v, err, sizeof err) != -1)
            fail_msg("duration '%s' accepted", bad[i]);
        assert_int_equal(v, 77);
    }
}

static void test_sizes_bools_tz(void **state)
{
    (void)state;
    char err[128];
    uint64_t n;
    assert_int_equal(config_parse_size("10M", &n, err, sizeof err), 0);
    assert_int_equal(n, 10485760);
    assert_int_equal(config_parse_size("512k", &n, err, sizeof err), 0);
    assert_int_equal(n, 524288);
    assert_int_equal(config_parse_size("65536", &n, err, sizeof err), 0);
    assert_int_equal(n, 65536);
    assert_int_equal(config_parse_size("1GiB", &n, err, sizeof err), 0);
    assert_int_equal(n, 1073741824);
    assert_int_equal(config_parse_size("2MB", &n, err, sizeof err), 0);
    assert_int_equal(n, 2097152);
    static const char *const badsize[] = {"", "M", "10X", "-1", "1.5M", "10 M",
                                          "99999999999999G"};
    for (size_t i = 0; i < sizeof badsize / sizeof badsize[0]; i++)
        if (config_parse_size(badsize[i], &n, err, sizeof err) != -1)
            fail_msg("size '%s' accepted", badsize[i]);

    int b = -1;
    static const char *const yes[] = {"true", "TRUE", "yes", "on", "1"};
    static const char *const no[] = {"false", "No", "off", "0"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(config_parse_bool(yes[i], &b, err, sizeof err), 0);
        assert_int_equal(b, 1);
    }
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(config_parse_bool(no[i], &b, err, sizeof err), 0);
        assert_int_equal(b, 0);
    }
    assert_int_equal(config_parse_bool("y", &b, err, sizeof err), -1);
    assert_int_equal(config_parse_bool("", &b, err, sizeof err), -1);

    int tz;
    assert_int_equal(config_parse_tz("+07:00", &tz, err, sizeof err), 0);
    assert_int_equal(tz, 25200);
    assert_int_equal(config_parse_tz("-09:30", &tz, err, sizeof err), 0);
    assert_int_equal(tz, -34200);
    assert_int_equal(config_parse_tz("+14:00", &tz, err, sizeof err), 0);
    static const char *const badtz[] = {"07:00", "+7:00", "+0700", "+07",
                                        "+07:60", "-13:00", "+14:30", "Z",
                                        "UTC+7", "+07:00 "};
    for (size_t i = 0; i < sizeof badtz / sizeof badtz[0]; i++)
        if (config_parse_tz(badtz[i], &tz, err, sizeof err) != -1)
            fail_msg("timezone '%s' accepted", badtz[i]);
}

static void test_addresses(void **state)
{
    (void)state;
    static const char *const good[] = {
        "a@b", "nguyen.van.a@example.vn", "A+tag@Sub.Example.VN",
        "o'brien@x-y.com", "x@localhost", "1@2.3",
    };
    static const char *const bad[] = {
        "", "a", "@b", "a@", "a b@c.vn", "<a@b.vn>", "a@b..vn", ".a@b.vn",
        "a.@b.vn", "a..b@c.vn", "a@-b.vn", "a@b-.vn", "a@b_c.vn", "a@@b.vn",
        "nguyễn@b.vn", "a@b.vn.", "\"a b\"@c.vn",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!config_is_address(good[i]))
            fail_msg("address '%s' refused", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (config_is_address(bad[i]))
            fail_msg("address '%s' accepted", bad[i]);
    char longaddr[300];
    memset(longaddr, 'a', 65);
    memcpy(longaddr + 65, "@b.vn", 6);
    assert_false(config_is_address(longaddr)); /* local part over 64 */
    memset(longaddr, 'a', 60);
    longaddr[60] = '@';
    for (int i = 61; i < 256; i += 2) {
        longaddr[i] = 'b';
        longaddr[i + 1] = '.';
    }
    memcpy(longaddr + 255, "vn", 3);
    assert_false(config_is_address(longaddr)); /* over 254 in all */

    char *name, *addr;
    assert_int_equal(config_parse_mailbox("Bản tin <a@b.vn>", &name, &addr), 0);
    assert_string_equal(name, "Bản tin");
    assert_string_equal(addr, "a@b.vn");
    free(name);
    free(addr);
    assert_int_equal(config_parse_mailbox(" a@b.vn ", &name, &addr), 0);
    assert_null(name);
    assert_string_equal(addr, "a@b.vn");
    free(addr);
    assert_int_equal(config_parse_mailbox("<a@b.vn>", &name, &addr), 0);
    assert_null(name);
    free(addr);
    assert_int_equal(config_parse_mailbox("X <a@b.vn> y", &name, &addr), -1);
    assert_int_equal(config_parse_mailbox("X <a@b.vn", &name, &addr), -1);
    assert_int_equal(config_parse_mailbox("X <<a@b.vn>", &name, &addr), -1);
}

static void test_near_miss(void **state)
{
    (void)state;
    static const char *const keys[] = {"title", "url", "item_title", "type", NULL};
    assert_int_equal(config_edit_distance("tittle", "title"), 1);
    assert_int_equal(config_edit_distance("tilte", "title"), 1); /* transposed */
    assert_int_equal(config_edit_distance("TITLE", "title"), 0);
    assert_int_equal(config_edit_distance("abc", "xyz"), 3);
    assert_string_equal(config_near_miss("tittle", keys), "title");
    assert_string_equal(config_near_miss("urls", keys), "url");
    assert_string_equal(config_near_miss("typ", keys), "type");
    assert_null(config_near_miss("xyz", keys));
    assert_null(config_near_miss("u", keys)); /* too short to guess */
    assert_null(config_near_miss("password", keys));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_defaults, release),
        cmocka_unit_test_teardown(test_default_topics, release),
        cmocka_unit_test_teardown(test_full, release),
        cmocka_unit_test_teardown(test_smtp_defaults, release),
        cmocka_unit_test_teardown(test_comments_and_quotes, release),
        cmocka_unit_test_teardown(test_bom_crlf_case, release),
        cmocka_unit_test_teardown(test_nfc, release),
        cmocka_unit_test_teardown(test_relative_paths, release),
        cmocka_unit_test_teardown(test_default_path, release),
        cmocka_unit_test_teardown(test_example_file, release),
        cmocka_unit_test_teardown(test_syntax_errors, release),
        cmocka_unit_test_teardown(test_long_line, release),
        cmocka_unit_test_teardown(test_bad_utf8, release),
        cmocka_unit_test_teardown(test_unknown_names, release),
        cmocka_unit_test_teardown(test_section_names, release),
        cmocka_unit_test_teardown(test_duplicates, release),
        cmocka_unit_test_teardown(test_ids, release),
        cmocka_unit_test_teardown(test_feed_errors, release),
        cmocka_unit_test_teardown(test_html_rules, release),
        cmocka_unit_test_teardown(test_topic_errors, release),
        cmocka_unit_test_teardown(test_subscriber_errors, release),
        cmocka_unit_test_teardown(test_value_errors, release),
        cmocka_unit_test_teardown(test_smtp_errors, release),
        cmocka_unit_test_teardown(test_password_file, release),
        cmocka_unit_test_teardown(test_keep_and_ca_file, release),
        cmocka_unit_test_teardown(test_same_feed_url, release),
        cmocka_unit_test_teardown(test_missing_file, release),
        cmocka_unit_test_teardown(test_every_problem_sorted, release),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_sizes_bools_tz),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_near_miss),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
