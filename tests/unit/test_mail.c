/* test_mail.c - unit tests of digest/mail.c, rfc2047.c and outbox.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libetpan/libetpan.h>
#include <utf8proc.h>

#include "digest/mail.h"
#include "digest/outbox.h"
#include "util/util.h"

extern char **environ;

#define PYTHON "/usr/bin/python3"

static const char *SUBJECT = "Bản tin Dân vận – Thứ Hai, 23/11/2026";
/* Long enough for several encoded-words; mixes 1-, 2- and 3-byte letters. */
static const char *VN_LONG =
    "Ban Dân vận Tỉnh ủy Nghệ An tổ chức hội nghị sơ kết công tác dân vận "
    "khéo, thực hiện Quy chế dân chủ ở cơ sở; đồng chí Trưởng ban phát biểu "
    "chỉ đạo: “Phát huy quyền làm chủ của Nhân dân” – thủy điện, hòa bình.";

/* ---- helpers ---- */

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode base64 of n chars into out; returns bytes, -1 if malformed. */
static int b64dec(const char *s, size_t n, unsigned char *out)
{
    int len = 0;
    if (n % 4)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++)
            v[k] = s[i + k] == '=' ? 0 : b64val((unsigned char)s[i + k]);
        if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
            return -1;
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
                     (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[len++] = (unsigned char)(w >> 16);
        if (s[i + 2] != '=')
            out[len++] = (unsigned char)(w >> 8);
        if (s[i + 3] != '=')
            out[len++] = (unsigned char)w;
    }
    return len;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t l = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (l <= 0)
            return 0;
        i += (size_t)l;
    }
    return 1;
}

static int starts_with_mark(const unsigned char *s, size_t n)
{
    utf8proc_int32_t cp;
    if (n == 0 || utf8proc_iterate(s, (utf8proc_ssize_t)n, &cp) <= 0)
        return 0;
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC ||
           c == UTF8PROC_CATEGORY_ME;
}

/* Check the shape of an encoded header (words of <= 75 chars, each
 * holding whole, valid UTF-8 and not starting with a mark) and return the
 * concatenated decoded text (malloc'd). */
static char *check_words(const char *enc)
{
    size_t n = strlen(enc);
    char *all = xmalloc(n + 1);
    size_t alln = 0;
    const char *p = enc;
    assert_true(n > 0);
    while (*p) {
        const char *sp = strchr(p, ' ');
        size_t wl = sp ? (size_t)(sp - p) : strlen(p);
        if (wl > 75)
            fail_msg("encoded-word of %zu chars: %.*s", wl, (int)wl, p);
        if (wl < 12 || strncmp(p, "=?UTF-8?B?", 10) != 0 ||
            strncmp(p + wl - 2, "?=", 2) != 0)
            fail_msg("not an encoded-word: %.*s", (int)wl, p);
        unsigned char dec[64];
        int dl = b64dec(p + 10, wl - 12, dec);
        assert_true(dl > 0);
        if (!valid_utf8(dec, (size_t)dl))
            fail_msg("word splits a UTF-8 sequence: %.*s", (int)wl, p);
        if (starts_with_mark(dec, (size_t)dl))
            fail_msg("word starts with a combining mark: %.*s", (int)wl, p);
        memcpy(all + alln, dec, (size_t)dl);
        alln += (size_t)dl;
        p += wl;
        if (*p == ' ')
            p++;
    }
    all[alln] = '\0';
    return all;
}

/* libetpan's own decoder, as a reader would use it. */
static char *etpan_decode(const char *enc)
{
    size_t idx = 0;
    char *res = NULL;
    int r = mailmime_encoded_phrase_parse("utf-8", enc, strlen(enc), &idx,
                                          "utf-8", &res);
    assert_int_equal(r, MAILIMF_NO_ERROR);
    assert_non_null(res);
    char *copy = xstrdup(res);
    free(res);
    return copy;
}

static int run_argv(char *const argv[])
{
    pid_t pid;
    int st;
    if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
        return -1;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(path);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static char *read_all(const char *path, size_t *n)
{
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(read_file(path, 1 << 20, &data, &len), 0);
    if (n)
        *n = len;
    return data;
}

/* ---- mail_encode_header ---- */

static void test_ascii_passthrough(void **state)
{
    (void)state;
    const char *same[] = {"Ban tin Dan van", "Daily digest 2026-11-23", "a", ""};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        char *e = mail_encode_header(same[i]);
        assert_string_equal(e, same[i]);
        free(e);
    }
    char *e = mail_encode_header("  Ban\t tin  \n");
    assert_string_equal(e, "Ban tin");
    free(e);
    e = mail_encode_header(NULL);
    assert_string_equal(e, "");
    free(e);
    /* Specials, "=?" and over-long words are encoded, and survive. */
    const char *enc[] = {"Doe, John", "x =?utf-8?q?y?=", "a \"quoted\" (c) <b>",
                         "http://example.org/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof enc / sizeof *enc; i++) {
        e = mail_encode_header(enc[i]);
        assert_true(strncmp(e, "=?UTF-8?B?", 10) == 0);
        char *d = check_words(e);
        assert_string_equal(d, enc[i]);
        free(d);
        d = etpan_decode(e);
        assert_string_equal(d, enc[i]);
        free(d);
        free(e);
    }
}

static void test_vietnamese_roundtrip(void **state)
{
    (void)state;
    const char *in[] = {SUBJECT, VN_LONG, "Nguyễn Văn A", "Đ"};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        char *e = mail_encode_header(in[i]);
        for (const char *p = e; *p; p++)
            assert_true(*p > 0x20 - 1 && *p < 0x7f);   /* ASCII only */
        char *d = check_words(e);
        assert_string_equal(d, in[i]);
        free(d);
        d = etpan_decode(e);
        assert_string_equal(d, in[i]);
        free(d);
        free(e);
    }
    /* The subject (54 bytes) takes two words: 36 + 18 bytes. */
    char *e = mail_encode_header(SUBJECT);
    assert_non_null(strchr(e, ' '));
    assert_null(strchr(strchr(e, ' ') + 1, ' '));
    free(e);
}

/* Every prefix of a Vietnamese string, cut at a character boundary and
 * also raw (a torn last character): whole characters in every word. */
static void test_no_split_any_length(void **state)
{
    (void)state;
    size_t total = strlen(VN_LONG);
    assert_true(total >= 200);
    for (size_t len = 1; len <= 200; len++) {
        char *raw = xstrndup(VN_LONG, len);
        size_t cut = len;
        while (cut > 0 && ((unsigned char)VN_LONG[cut] & 0xC0) == 0x80)
            cut--;
        char *whole = xstrndup(VN_LONG, cut);

        char *e = mail_encode_header(whole);
        /* The encoder trims a final space; nothing else changes. */
        size_t wl = strlen(whole);
        if (wl && whole[wl - 1] == ' ')
            whole[wl - 1] = '\0';
        if (*e == '=') {
            char *d = check_words(e);
            assert_string_equal(d, whole);
            free(d);
        } else {
            assert_string_equal(e, whole);   /* an ASCII-only prefix */
        }
        free(e);

        e = mail_encode_header(raw);
        if (*e == '=') {
            char *d = check_words(e);   /* valid: a torn byte became U+FFFD */
            free(d);
        }
        free(e);
        free(raw);
        free(whole);
    }
}

static void test_combining_marks(void **state)
{
    (void)state;
    /* NFD: "Việt" = Vie + U+0302 + U+0323 + t; repeated so that some
     * 36-byte cut would fall before a mark. */
    char in[400] = "";
    for (int i = 0; i < 20; i++) {
        size_t n = strlen(in);
        snprintf(in + n, sizeof in - n, "Vie\xcc\x82\xcc\xa3t%s", i % 3 ? "" : " ");
    }
    char *e = mail_encode_header(in);
    char *d = check_words(e);   /* fails on a word that starts with a mark */
    size_t n = strlen(in);
    while (n && in[n - 1] == ' ')
        in[--n] = '\0';
    assert_string_equal(d, in);
    free(d);
    free(e);
}

static void test_header_injection(void **state)
{
    (void)state;
    const char *bad[] = {"Tin\r\nBcc: x@y", "Tin\nBcc: x@y", "Tin\rBcc: x@y",
                         "Tin\xc2\x85" "Bcc: x@y", "Tin\xe2\x80\xa8" "Bcc: x@y"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *e = mail_encode_header(bad[i]);
        assert_null(strchr(e, '\r'));
        assert_null(strchr(e, '\n'));
        char *d = etpan_decode(e);
        assert_string_equal(d, "Tin Bcc: x@y");
        free(d);
        free(e);
    }
    /* Other controls too, and invalid bytes become U+FFFD. */
    char *e = mail_encode_header("a\x01\x7f" "b \xff c");
    char *d = check_words(e);
    assert_string_equal(d, "a b \xef\xbf\xbd c");
    free(d);
    free(e);
}

/* ---- mail_build ---- */

static const char *TEXT =
    "Kính gửi các đồng chí,\n"
    "\n"
    "DÂN VẬN KHÉO\n"
    "  * Hội nghị sơ kết công tác dân vận khéo năm 2026 tại Nghệ An — một dòng rất dài, "
    "dài hơn 76 ký tự để kiểm tra ngắt dòng mềm của quoted-printable.\n"
    "    https://danvan.vn/tin-tuc/hoi-nghi-so-ket?id=5&a=b\n"
    "trailing space \n"
    "tab\tinside and = sign\n"
    "From the start of a line\n"
    ".\n"
    "Trân trọng,\n";

static const char *HTML =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"
    "<h1>Bản tin Dân vận – Thứ Hai, 23/11/2026</h1>\n"
    "<p>Hội nghị sơ kết &amp; “dân vận khéo”</p>\n</body></html>\n";

#define UNSUB "https://bantin.example.vn/huy?t=abc123&s=1"

static struct mail_message sample(void)
{
    struct mail_message m = {
        .from_name = "Bản tin Dân vận",
        .from_addr = "bantin@example.vn",
        .to_name = "Nguyễn Văn A",
        .to_addr = "nguyen.van.a@example.vn",
        .subject = SUBJECT,
        /* 2026-11-23 01:30:05 UTC = 08:30:05 in Hà Nội */
        .date = time_from_civil(2026, 11, 23, 1, 30, 5),
        .tz_offset = 7 * 3600,
        .message_id = "bantin.2026-11-23.0123456789abcdef@example.vn",
        .list_unsubscribe_url = UNSUB,
        .text = TEXT,
        .html = HTML,
    };
    return m;
}

static char *build_ok(const struct mail_message *m, size_t *n)
{
    char *out = NULL, err[256] = "x";
    size_t len = 0;
    int r = mail_build(m, &out, &len, err, sizeof err);
    if (r != 0)
        fail_msg("mail_build: %s", err);
    assert_string_equal(err, "");
    assert_non_null(out);
    assert_int_equal(strlen(out), len);
    if (n)
        *n = len;
    return out;
}

/* The header block with folds undone, for searching whole fields. */
static char *unfolded_header(const char *msg)
{
    const char *end = strstr(msg, "\r\n\r\n");
    assert_non_null(end);
    char *h = xmalloc((size_t)(end - msg) + 3);
    size_t n = 0;
    for (const char *p = msg; p < end; p++) {
        if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
            p++;
            continue;
        }
        h[n++] = *p;
    }
    h[n++] = '\r';
    h[n++] = '\n';
    h[n] = '\0';
    return h;
}

/* CRLF only, 7-bit, header lines <= 78 (<= 76 with encoded-words, RFC
 * 2047 2), body lines <= 76 without trailing space (RFC 2045 6.7), and
 * a final CRLF. */
static void check_lines(const char *msg, size_t n)
{
    const char *hend = strstr(msg, "\r\n\r\n");
    assert_non_null(hend);
    assert_true(n >= 2 && msg[n - 2] == '\r' && msg[n - 1] == '\n');
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)msg[i];
        if (c == '\n')
            assert_true(i > 0 && msg[i - 1] == '\r');
        if (c == '\r')
            assert_true(msg[i + 1] == '\n');
        assert_true(c < 0x80);
        if (c == '\r') {
            const char *line = msg + i - col;
            if (line < hend) {
                int words = memmem(line, col, "=?", 2) != NULL;
                if (col > (words ? 76u : 78u))
                    fail_msg("header line of %zu: %.*s", col, (int)col, line);
            } else {
                assert_in_range(col, 0, 76);
                if (col)
                    assert_true(msg[i - 1] != ' ' && msg[i - 1] != '\t');
            }
            col = 0;
        } else if (c != '\n') {
            col++;
        }
    }
}

static void test_build_crlf_and_lines(void **state)
{
    (void)state;
    struct mail_message m = sample();
    size_t n;
    char *msg = build_ok(&m, &n);
    check_lines(msg, n);
    free(msg);

    /* Long names, a long address and a long ASCII subject fold too. */
    m.from_name = VN_LONG;
    m.to_name = "Nguyễn Văn Anh Tuấn Hoàng Thị Bảo Ngọc Trần";
    m.to_addr = "nguyen.van.anh.tuan.hoang.thi.bao.ngoc@very-long-domain.example.vn";
    m.subject = "A plain ASCII subject that is rather long and has no specials "
                "at all in it so that it has to fold";
    msg = build_ok(&m, &n);
    check_lines(msg, n);
    size_t idx = 0;
    struct mailmime *mime = NULL;
    assert_int_equal(mailmime_parse(msg, n, &idx, &mime), MAILIMF_NO_ERROR);
    int seen = 0;
    struct mailimf_fields *f = mime->mm_data.mm_message.mm_fields;
    for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
        struct mailimf_field *fd = clist_content(it);
        if (fd->fld_type == MAILIMF_FIELD_FROM) {
            struct mailimf_mailbox *mb =
                clist_content(clist_begin(fd->fld_data.fld_from->frm_mb_list->mb_list));
            char *d = etpan_decode(mb->mb_display_name);
            assert_string_equal(d, VN_LONG);
            free(d);
            seen |= 1;
        } else if (fd->fld_type == MAILIMF_FIELD_TO) {
            struct mailimf_address *a =
                clist_content(clist_begin(fd->fld_data.fld_to->to_addr_list->ad_list));
            assert_int_equal(a->ad_type, MAILIMF_ADDRESS_MAILBOX);
            assert_string_equal(a->ad_data.ad_mailbox->mb_addr_spec, m.to_addr);
            char *d = etpan_decode(a->ad_data.ad_mailbox->mb_display_name);
            assert_string_equal(d, m.to_name);
            free(d);
            seen |= 2;
        } else if (fd->fld_type == MAILIMF_FIELD_SUBJECT) {
            char *d = etpan_decode(fd->fld_data.fld_subject->sbj_value);
            assert_string_equal(d, m.subject);
            free(d);
            seen |= 4;
        }
    }
    assert_int_equal(seen, 7);
    mailmime_free(mime);
    free(msg);
}

static void test_build_headers(void **state)
{
    (void)state;
    struct mail_message m = sample();
    char *msg = build_ok(&m, NULL);
    char *h = unfolded_header(msg);
    assert_non_null(strstr(h, "\r\nMIME-Version: 1.0\r\n"));
    assert_true(strncmp(h, "Date: Mon, 23 Nov 2026 08:30:05 +0700\r\n", 39) == 0 ||
                strstr(h, "\r\nDate: Mon, 23 Nov 2026 08:30:05 +0700\r\n"));
    assert_non_null(strstr(h, "\r\nMessage-ID: <bantin.2026-11-23.0123456789abcdef@example.vn>\r\n"));
    assert_non_null(strstr(h, "\r\nList-Unsubscribe: <" UNSUB ">\r\n"));
    assert_non_null(strstr(h, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
    /* libetpan folds after the ';' and leaves a space there. */
    const char *ct = strstr(h, "\r\nContent-Type: multipart/alternative;");
    assert_non_null(ct);
    assert_true(strncmp(ct + strspn(ct + 39, " ") + 39, "boundary=\"=_bantin_", 19) == 0);
    /* From and To: an unquoted phrase of encoded words, then the address. */
    char *fn = mail_encode_header(m.from_name);
    char *want = xasprintf("\r\nFrom: %s <bantin@example.vn>\r\n", fn);
    assert_non_null(strstr(h, want));
    free(want);
    free(fn);
    char *tn = mail_encode_header(m.to_name);
    want = xasprintf("\r\nTo: %s <nguyen.van.a@example.vn>\r\n", tn);
    assert_non_null(strstr(h, want));
    free(want);
    free(tn);
    char *sj = mail_encode_header(SUBJECT);
    want = xasprintf("\r\nSubject: %s\r\n", sj);
    assert_non_null(strstr(h, want));
    free(want);
    free(sj);
    assert_null(strstr(h, "etPan"));   /* no libetpan-made Message-ID */
    /* plain first, html last, and the boundary closes the message */
    const char *plain = strstr(msg, "Content-Type: text/plain; charset=\"utf-8\"\r\n"
                                    "Content-Transfer-Encoding: quoted-printable\r\n");
    const char *html = strstr(msg, "Content-Type: text/html; charset=\"utf-8\"\r\n"
                                   "Content-Transfer-Encoding: base64\r\n");
    assert_non_null(plain);
    assert_non_null(html);
    assert_true(plain < html);
    assert_non_null(strstr(html, "--\r\n"));
    free(h);
    free(msg);
}

static const char *boundary_of(const char *msg, char *b, size_t size)
{
    const char *p = strstr(msg, "boundary=\"");
    assert_non_null(p);
    p += 10;
    const char *q = strchr(p, '"');
    assert_non_null(q);
    assert_true((size_t)(q - p) < size);
    memcpy(b, p, (size_t)(q - p));
    b[q - p] = '\0';
    return b;
}

static void test_boundary_random(void **state)
{
    (void)state;
    struct mail_message m = sample();
    char *a = build_ok(&m, NULL), *b = build_ok(&m, NULL);
    char ba[80], bb[80];
    boundary_of(a, ba, sizeof ba);
    boundary_of(b, bb, sizeof bb);
    assert_int_equal(strlen(ba), 9 + 32);
    assert_string_not_equal(ba, bb);
    /* Used as the delimiter: opening and closing lines. */
    char *open = xasprintf("\r\n--%s\r\n", ba), *close = xasprintf("\r\n--%s--\r\n", ba);
    assert_non_null(strstr(a, open));
    assert_non_null(strstr(a, close));
    free(open);
    free(close);
    free(a);
    free(b);
}

/* Parse the output back with libetpan: structure, decoded bodies. */
static char *decode_part(struct mailmime *part)
{
    struct mailmime_data *d = part->mm_data.mm_single;
    assert_non_null(d);
    size_t idx = 0, rl = 0;
    char *res = NULL;
    int r = mailmime_part_parse(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length,
                                &idx, d->dt_encoding, &res, &rl);
    assert_int_equal(r, MAILIMF_NO_ERROR);
    char *copy = xstrndup(res, rl);
    mmap_string_unref(res);
    /* LF for comparing with the inputs. */
    char *o = copy;
    for (const char *p = copy; *p; p++)
        if (!(p[0] == '\r' && p[1] == '\n'))
            *o++ = *p;
    *o = '\0';
    return copy;
}

static void test_build_parse_libetpan(void **state)
{
    (void)state;
    struct mail_message m = sample();
    size_t n;
    char *msg = build_ok(&m, &n);
    size_t idx = 0;
    struct mailmime *mime = NULL;
    assert_int_equal(mailmime_parse(msg, n, &idx, &mime), MAILIMF_NO_ERROR);
    assert_int_equal(mime->mm_type, MAILMIME_MESSAGE);
    struct mailmime *alt = mime->mm_data.mm_message.mm_msg_mime;
    assert_non_null(alt);
    assert_int_equal(alt->mm_type, MAILMIME_MULTIPLE);
    assert_string_equal(alt->mm_content_type->ct_subtype, "alternative");
    clist *parts = alt->mm_data.mm_multipart.mm_mp_list;
    assert_int_equal(clist_count(parts), 2);
    struct mailmime *p1 = clist_content(clist_begin(parts));
    struct mailmime *p2 = clist_content(clist_next(clist_begin(parts)));
    assert_string_equal(p1->mm_content_type->ct_subtype, "plain");
    assert_string_equal(p2->mm_content_type->ct_subtype, "html");
    char *t = decode_part(p1), *h = decode_part(p2);
    assert_string_equal(t, TEXT);
    assert_string_equal(h, HTML);
    free(t);
    free(h);

    /* Header fields as libetpan reads them. */
    struct mailimf_fields *f = mime->mm_data.mm_message.mm_fields;
    int seen = 0;
    for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
        struct mailimf_field *fd = clist_content(it);
        if (fd->fld_type == MAILIMF_FIELD_SUBJECT) {
            char *d = etpan_decode(fd->fld_data.fld_subject->sbj_value);
            assert_string_equal(d, SUBJECT);
            free(d);
            seen |= 1;
        } else if (fd->fld_type == MAILIMF_FIELD_FROM) {
            struct mailimf_mailbox *mb =
                clist_content(clist_begin(fd->fld_data.fld_from->frm_mb_list->mb_list));
            assert_string_equal(mb->mb_addr_spec, "bantin@example.vn");
            char *d = etpan_decode(mb->mb_display_name);
            assert_string_equal(d, "Bản tin Dân vận");
            free(d);
            seen |= 2;
        } else if (fd->fld_type == MAILIMF_FIELD_MESSAGE_ID) {
            assert_string_equal(fd->fld_data.fld_message_id->mid_value,
                                "bantin.2026-11-23.0123456789abcdef@example.vn");
            seen |= 4;
        } else if (fd->fld_type == MAILIMF_FIELD_ORIG_DATE) {
            struct mailimf_date_time *dt = fd->fld_data.fld_orig_date->dt_date_time;
            assert_int_equal(dt->dt_zone, 700);
            assert_int_equal(dt->dt_hour, 8);
            assert_int_equal(dt->dt_day, 23);
            seen |= 8;
        }
    }
    assert_int_equal(seen, 15);
    mailmime_free(mime);
    free(msg);
}

/* Python's email package (policy=default) as a second, stricter reader. */
static const char *PY_CHECK =
    "import sys, email, email.policy\n"
    "path, frm, to, subj, text, html = sys.argv[1:7]\n"
    "m = email.message_from_bytes(open(path, 'rb').read(), policy=email.policy.default)\n"
    "bad = []\n"
    "def eq(what, got, want):\n"
    "    if got != want: bad.append('%s: %r != %r' % (what, got, want))\n"
    "for p in m.walk():\n"
    "    eq('defects of ' + p.get_content_type(), list(p.defects), [])\n"
    "    for k, v in p.items():\n"
    "        eq('defects of header ' + k, list(getattr(v, 'defects', [])), [])\n"
    "eq('From name', m['From'].addresses[0].display_name, frm)\n"
    "eq('From addr', m['From'].addresses[0].addr_spec, 'bantin@example.vn')\n"
    "eq('To name', m['To'].addresses[0].display_name, to)\n"
    "eq('To addr', m['To'].addresses[0].addr_spec, 'nguyen.van.a@example.vn')\n"
    "eq('Subject', str(m['Subject']), subj)\n"
    "eq('Bcc', m['Bcc'], None)\n"
    "eq('type', m.get_content_type(), 'multipart/alternative')\n"
    "parts = list(m.iter_parts())\n"
    "eq('parts', [p.get_content_type() for p in parts], ['text/plain', 'text/html'])\n"
    "nl = lambda s: s.replace('\\r\\n', '\\n')\n"
    "eq('text', nl(parts[0].get_content()), text)\n"
    "eq('html', nl(parts[1].get_content()), html)\n"
    "eq('date', m['Date'].datetime.isoformat(), '2026-11-23T08:30:05+07:00')\n"
    "eq('unsub-post', str(m['List-Unsubscribe-Post']), 'List-Unsubscribe=One-Click')\n"
    "print('\\n'.join(bad), file=sys.stderr)\n"
    "sys.exit(1 if bad else 0)\n";

static int python_check(const char *path, const struct mail_message *m)
{
    char *argv[] = {PYTHON, "-c", (char *)PY_CHECK, (char *)path,
                    (char *)m->from_name, (char *)m->to_name, (char *)m->subject,
                    (char *)m->text, (char *)m->html, NULL};
    return run_argv(argv);
}

static char *write_tmp_eml(const char *data, size_t n, char *dir)
{
    assert_non_null(mkdtemp(dir));
    char *path = xasprintf("%s/m.eml", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void test_build_parse_python(void **state)
{
    (void)state;
    if (access(PYTHON, X_OK) != 0)
        skip();
    struct mail_message m = sample();
    size_t n;
    char *msg = build_ok(&m, &n);
    char dir[] = "/tmp/test_mail.XXXXXX";
    char *path = write_tmp_eml(msg, n, dir);
    assert_int_equal(python_check(path, &m), 0);

    /* Injection through the subject and the names: still no Bcc. */
    m.subject = "Tin\r\nBcc: victim@example.org";
    m.to_name = "A\r\nBcc: victim@example.org";
    free(msg);
    msg = build_ok(&m, &n);
    assert_null(strstr(msg, "\nBcc:"));
    free(path);
    rm_rf(dir);
    char dir2[] = "/tmp/test_mail.XXXXXX";
    path = write_tmp_eml(msg, n, dir2);
    m.subject = "Tin Bcc: victim@example.org";
    m.to_name = "A Bcc: victim@example.org";
    assert_int_equal(python_check(path, &m), 0);
    free(path);
    rm_rf(dir2);
    free(msg);
}

static void test_date_zones(void **state)
{
    (void)state;
    struct {
        int off;
        const char *want;
    } z[] = {
        {7 * 3600, "Date: Mon, 23 Nov 2026 08:30:05 +0700\r\n"},
        {5 * 3600 + 1800, "Date: Mon, 23 Nov 2026 07:00:05 +0530\r\n"},
        {-(3 * 3600 + 1800), "Date: Sun, 22 Nov 2026 22:00:05 -0330\r\n"},
        {0, "Date: Mon, 23 Nov 2026 01:30:05 +0000\r\n"},
        {5 * 3600 + 45 * 60, "Date: Mon, 23 Nov 2026 07:15:05 +0545\r\n"},
    };
    for (size_t i = 0; i < sizeof z / sizeof *z; i++) {
        struct mail_message m = sample();
        m.tz_offset = z[i].off;
        char *msg = build_ok(&m, NULL);
        if (!strstr(msg, z[i].want))
            fail_msg("offset %d: no '%s' in\n%.300s", z[i].off, z[i].want, msg);
        free(msg);
    }
}

static void expect_error(const struct mail_message *m, const char *needle)
{
    char *out = (char *)"untouched", err[256] = "";
    size_t n = 7;
    assert_int_equal(mail_build(m, &out, &n, err, sizeof err), -1);
    assert_string_equal(out, "untouched");
    assert_int_equal(n, 7);
    if (!strstr(err, needle))
        fail_msg("error '%s' lacks '%s'", err, needle);
}

static void test_build_errors(void **state)
{
    (void)state;
    struct mail_message m = sample();
    m.from_addr = "not an address";
    expect_error(&m, "From");
    m = sample();
    m.to_addr = "a@b\r\nBcc: c@d";
    expect_error(&m, "To");
    m.to_addr = "Nguyễn@example.vn";
    expect_error(&m, "To");
    m.to_addr = "a..b@example.vn";
    expect_error(&m, "To");
    m.to_addr = NULL;
    expect_error(&m, "To");
    m = sample();
    m.message_id = "<x@y>";
    expect_error(&m, "Message-ID");
    m.message_id = "no-at-sign";
    expect_error(&m, "Message-ID");
    m = sample();
    m.tz_offset = 7 * 3600 + 1;
    expect_error(&m, "zone");
    m.tz_offset = 15 * 3600;
    expect_error(&m, "zone");
    m = sample();
    m.date = TIME_NONE;
    expect_error(&m, "date");
    m = sample();
    m.text = NULL;
    expect_error(&m, "text");
}

static void test_unsubscribe_rules(void **state)
{
    (void)state;
    const char *bad[] = {"http://bantin.example.vn/huy", "mailto:x@example.vn",
                         "https://x/a\r\nBcc: y@z", "https://x/a b", "https://x/a,b",
                         "https://x/Hủy", "https://x/<a>", "https://"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct mail_message m = sample();
        m.list_unsubscribe_url = bad[i];
        char *out = NULL, err[256] = "";
        size_t n;
        assert_int_equal(mail_build(&m, &out, &n, err, sizeof err), 0);
        assert_non_null(strstr(err, "List-Unsubscribe"));
        assert_null(strstr(out, "List-Unsubscribe"));
        assert_null(strstr(out, "Bcc"));
        free(out);
    }
    struct mail_message m = sample();
    m.list_unsubscribe_url = NULL;
    char *out = build_ok(&m, NULL);   /* no URL: no warning either */
    assert_null(strstr(out, "List-Unsubscribe"));
    free(out);
}

/* Quoted-printable edge cases at every length: spaces and tabs before
 * line ends and soft breaks, '=', 4-byte characters across the 76th
 * column, "From " at a line start. Decoded text equals the input and every
 * encoded line keeps RFC 2045's rules (checked as in the test above). */
static void test_qp_every_length(void **state)
{
    (void)state;
    static const char *pieces[] = {"a", " ", "=", "ệ", "\xf0\x9f\x98\x80", "\t",
                                   "\n", "From ", "x", "  \n", "Đ", "F"};
    char src[2000] = "";
    for (size_t i = 0, n = 0; n < 600; i++) {
        const char *p = pieces[(i * 7 + i / 5) % (sizeof pieces / sizeof *pieces)];
        size_t l = strlen(p);
        memcpy(src + n, p, l);
        n += l;
        src[n] = '\0';
    }
    for (size_t len = 1; len <= 400; len++) {
        size_t cut = len;
        while (((unsigned char)src[cut] & 0xC0) == 0x80)
            cut--;
        char *t = xstrndup(src, cut);
        struct mail_message m = sample();
        m.html = NULL;
        m.text = t;
        size_t n;
        char *msg = build_ok(&m, &n);
        const char *body = strstr(msg, "\r\n\r\n") + 4;
        for (const char *line = body; *line;) {
            const char *e = strstr(line, "\r\n");
            assert_non_null(e);
            assert_in_range(e - line, 0, 76);
            if (e > line)
                assert_true(e[-1] != ' ' && e[-1] != '\t');
            assert_false(strncmp(line, "From ", 5) == 0);
            line = e + 2;
        }
        size_t idx = 0;
        struct mailmime *mime = NULL;
        assert_int_equal(mailmime_parse(msg, n, &idx, &mime), MAILIMF_NO_ERROR);
        char *d = decode_part(mime->mm_data.mm_message.mm_msg_mime);
        if (strcmp(d, t) != 0)
            fail_msg("length %zu: decoded text differs", cut);
        free(d);
        mailmime_free(mime);
        free(msg);
        free(t);
    }
}

static void test_text_only_and_no_names(void **state)
{
    (void)state;
    struct mail_message m = sample();
    m.html = NULL;
    m.from_name = NULL;
    m.to_name = "";
    m.subject = NULL;
    size_t n;
    char *msg = build_ok(&m, &n);
    char *h = unfolded_header(msg);
    assert_non_null(strstr(h, "\r\nFrom: bantin@example.vn\r\n"));
    assert_non_null(strstr(h, "\r\nTo: nguyen.van.a@example.vn\r\n"));
    assert_non_null(strstr(h, "\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n"));
    assert_null(strstr(msg, "multipart"));
    /* Ends on CRLF though the text does not end on a line break... */
    m.text = "Không xuống dòng ở cuối";
    char *msg2 = build_ok(&m, &n);
    assert_true(n > 2 && memcmp(msg2 + n - 2, "\r\n", 2) == 0);
    size_t idx2 = 0;
    struct mailmime *mime2 = NULL;
    assert_int_equal(mailmime_parse(msg2, n, &idx2, &mime2), MAILIMF_NO_ERROR);
    char *t2 = decode_part(mime2->mm_data.mm_message.mm_msg_mime);
    assert_string_equal(t2, m.text);   /* ...and the text gains none */
    free(t2);
    mailmime_free(mime2);
    free(msg2);
    m.text = TEXT;
    msg2 = build_ok(&m, &n);
    assert_int_equal(n, strlen(msg));
    free(msg2);
    assert_null(strstr(h, "Subject"));
    size_t idx = 0;
    struct mailmime *mime = NULL;
    assert_int_equal(mailmime_parse(msg, n, &idx, &mime), MAILIMF_NO_ERROR);
    struct mailmime *body = mime->mm_data.mm_message.mm_msg_mime;
    assert_int_equal(body->mm_type, MAILMIME_SINGLE);
    char *t = decode_part(body);
    assert_string_equal(t, TEXT);
    free(t);
    mailmime_free(mime);
    free(h);
    free(msg);
}

/* ---- mail_message_id ---- */

static void test_message_id(void **state)
{
    (void)state;
    char *a = mail_message_id("2026-11-23", "nguyen.van.a@example.vn", "Bản tin <bantin@Example.VN>");
    assert_null(a);   /* a From line is not an address: '>' in the domain */
    a = mail_message_id("2026-11-23", "nguyen.van.a@example.vn", "bantin@Example.VN");
    char *a2 = mail_message_id("2026-11-23", "Nguyen.Van.A@EXAMPLE.vn", "bantin@example.vn");
    char *b = mail_message_id("2026-11-23", "nguyen.van.b@example.vn", "bantin@example.vn");
    char *c = mail_message_id("2026-11-24", "nguyen.van.a@example.vn", "bantin@example.vn");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    /* stable: case of the address and of the domain do not matter */
    assert_string_equal(a, a2);
    assert_string_not_equal(a, b);
    assert_string_not_equal(a, c);
    /* shape: bantin.<day>.<16 hex>@<domain> */
    assert_true(strncmp(a, "bantin.2026-11-23.", 18) == 0);
    for (int i = 18; i < 34; i++)
        assert_non_null(strchr("0123456789abcdef", a[i]));
    assert_string_equal(a + 34, "@example.vn");
    /* one letter apart: the hashes differ in most hex digits */
    int same = 0;
    for (int i = 18; i < 34; i++)
        same += a[i] == b[i];
    assert_true(same < 8);
    /* and mail_build accepts it */
    struct mail_message m = sample();
    m.message_id = a;
    char *msg = build_ok(&m, NULL);
    char *want = xasprintf("Message-ID: <%s>\r\n", a);
    assert_non_null(strstr(msg, want));
    free(want);
    free(msg);
    /* Fixed forever (the Message-ID contract): a change re-keys every
     * delivery and repeated sends stop folding. */
    char *fixed = mail_message_id("2026-11-23", "a@example.vn", "bantin@example.vn");
    char *again = mail_message_id("2026-11-23", "a@example.vn", "bantin@example.vn");
    assert_string_equal(fixed, again);
    free(fixed);
    free(again);
    assert_null(mail_message_id("", "a@example.vn", "bantin@example.vn"));
    assert_null(mail_message_id("2026/11/23", "a@example.vn", "bantin@example.vn"));
    assert_null(mail_message_id("2026-11-23", "a@example.vn", "bantin"));
    assert_null(mail_message_id("2026-11-23", "a@example.vn", "bantin@"));
    assert_null(mail_message_id("2026-11-23", "a@example.vn", "bantin@a..b"));
    assert_null(mail_message_id("2026-11-23", NULL, "bantin@example.vn"));
    free(a);
    free(a2);
    free(b);
    free(c);
}

/* ---- outbox_write ---- */

static void test_outbox_write(void **state)
{
    (void)state;
    char root[] = "/tmp/test_outbox.XXXXXX";
    assert_non_null(mkdtemp(root));
    char *dir = xasprintf("%s/var/spool/outbox", root);   /* missing parents */
    char err[256] = "";
    char *path = NULL;
    const char *one = "message one\r\n", *two = "message two\r\n";

    int r = outbox_write(dir, "2026-11-23_nguyen.van.a@example.vn", one, strlen(one),
                         &path, err, sizeof err);
    if (r != 0)
        fail_msg("outbox_write: %s", err);
    char *want = xasprintf("%s/new/2026-11-23_nguyen.van.a_example.vn.eml", dir);
    assert_string_equal(path, want);
    size_t n;
    char *got = read_all(path, &n);
    assert_string_equal(got, one);
    free(got);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char *tmpdir = xasprintf("%s/tmp", dir);
    assert_int_equal(stat(tmpdir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(count_entries(tmpdir), 0);
    free(path);

    /* Same name again: not rewritten, same path, 1. */
    path = NULL;
    r = outbox_write(dir, "2026-11-23_nguyen.van.a@example.vn", two, strlen(two),
                     &path, err, sizeof err);
    assert_int_equal(r, 1);
    assert_string_equal(path, want);
    got = read_all(path, NULL);
    assert_string_equal(got, one);
    free(got);
    free(path);

    /* Hostile and empty names stay inside new/. */
    struct {
        const char *hint, *name;
    } names[] = {
        {"../../etc/passwd", "_._.._etc_passwd.eml"},
        {"", "message.eml"},
        {NULL, "message.eml"},
        {".hidden", "_hidden.eml"},
        {"Bản tin", "B___n_tin.eml"},
        {"a\r\nb", "a__b.eml"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        path = NULL;
        r = outbox_write(dir, names[i].hint, one, strlen(one), &path, err, sizeof err);
        assert_true(r == 0 || r == 1);
        char *w = xasprintf("%s/new/%s", dir, names[i].name);
        assert_string_equal(path, w);
        assert_int_equal(access(w, R_OK), 0);
        free(w);
        free(path);
    }
    /* A long hint is cut to 200 bytes + ".eml". */
    char longname[400];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    path = NULL;
    assert_int_equal(outbox_write(dir, longname, one, strlen(one), &path, err, sizeof err), 0);
    assert_int_equal(strlen(strrchr(path, '/') + 1), 204);
    free(path);

    /* No leftovers in tmp/ after all these deliveries. */
    assert_int_equal(count_entries(tmpdir), 0);

    /* The path is a file, not a directory: an error, not a crash. */
    char *file = xasprintf("%s/plain-file", root);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    path = (char *)"untouched";
    err[0] = '\0';
    assert_int_equal(outbox_write(file, "x", one, strlen(one), &path, err, sizeof err), -1);
    assert_string_equal(path, "untouched");
    assert_true(err[0] != '\0');
    free(file);

    free(tmpdir);
    free(want);
    free(dir);
    rm_rf(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_passthrough),
        cmocka_unit_test(test_vietnamese_roundtrip),
        cmocka_unit_test(test_no_split_any_length),
        cmocka_unit_test(test_combining_marks),
        cmocka_unit_test(test_header_injection),
        cmocka_unit_test(test_build_crlf_and_lines),
        cmocka_unit_test(test_build_headers),
        cmocka_unit_test(test_boundary_random),
        cmocka_unit_test(test_build_parse_libetpan),
        cmocka_unit_test(test_build_parse_python),
        cmocka_unit_test(test_date_zones),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_unsubscribe_rules),
        cmocka_unit_test(test_qp_every_length),
        cmocka_unit_test(test_text_only_and_no_names),
        cmocka_unit_test(test_message_id),
        cmocka_unit_test(test_outbox_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
