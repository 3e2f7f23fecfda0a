/* date.c - the date forms of Vietnamese feeds and pages, parsed by hand. */
#include "parse/date.h"

#include <string.h>

#include "util/util.h"

/* Work buffer for the folded text. The longest real form, "Thứ Bảy, ngày 29
 * tháng 2 năm 2020 - 8:28:19 PM | Lượt xem: 1231", is about 70 bytes; text
 * longer than this is not a date, and is refused without being guessed at. */
#define DATE_FOLD_MAX 192

/* Vietnam has no DST: a time without a zone is +07:00 (VIETNAMESE.md 2). */
#define VN_OFFSET (7 * 3600)

struct civil {
    int y, mo, d, h, mi, s;
    int off; /* seconds east of UTC */
};

/* Whitespace width at s[0..n): ASCII, U+00A0, U+2000..U+200A, U+202F. */
static size_t space_len(const unsigned char *s, size_t n)
{
    if (IS_SPACE(s[0]))
        return 1;
    if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0)
        return 2;
    if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
        (s[2] <= 0x8a || s[2] == 0xaf))
        return 3;
    return 0;
}

/* Lowercase one UTF-8 character in place, for the letters of Vietnamese:
 * Latin-1 (Á Â...), Ă Đ Ĩ Ũ, Ơ Ư and U+1EA0..U+1EF9, where every capital
 * is the even code point of its pair. */
static void lower_utf8(unsigned char *c, size_t len)
{
    if (len == 1)
        c[0] = (unsigned char)TO_LOWER(c[0]);
    else if (len == 2 && c[0] == 0xc3 && c[1] <= 0x9e && c[1] != 0x97)
        c[1] |= 0x20;
    else if (len == 2 && ((c[0] == 0xc4 && c[1] <= 0xb7) ||
                          (c[0] == 0xc5 && c[1] >= 0x8a && c[1] <= 0xb7)))
        c[1] |= 1;
    else if (len == 2 && c[0] == 0xc6 && (c[1] == 0xa0 || c[1] == 0xaf))
        c[1]++;
    else if (len == 3 && c[0] == 0xe1 && ((c[1] == 0xba && c[2] >= 0xa0) ||
                                          (c[1] == 0xbb && c[2] <= 0xb9)))
        c[2] |= 1;
}

/* Fold s into buf: lowercase, each whitespace run one space, trimmed, NUL
 * terminated. Returns the length, or -1 when it does not fit or holds NUL. */
static int fold(const char *s, size_t n, char *buf, size_t size)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, o = 0, w;
    int pend = 0;

    while (i < n) {
        if ((w = space_len(u + i, n - i)) != 0) {
            pend = o > 0;
            i += w;
            continue;
        }
        if (u[i] == 0)
            return -1;
        if (u[i] < 0x80 && !pend && o + 2 <= size) {
            buf[o++] = (char)TO_LOWER(u[i]);
            i++;
            continue;
        }
        w = u[i] < 0xc0 ? 1 : u[i] < 0xe0 ? 2 : u[i] < 0xf0 ? 3 : 4;
        if (w > n - i)
            w = n - i;
        if (o + pend + w + 1 > size)
            return -1;
        if (pend)
            buf[o++] = ' ';
        pend = 0;
        memcpy(buf + o, s + i, w);
        lower_utf8((unsigned char *)buf + o, w);
        o += w;
        i += w;
    }
    buf[o] = '\0';
    return (int)o;
}

/* The scanner: each function matches at *pp, advances it and returns 1, or
 * leaves it alone and returns 0. The text is folded: lowercase, single
 * spaces. */

/* min..max digits, not followed by another digit. */
static int num(const char **pp, int min, int max, int *v)
{
    const char *p = *pp;
    int k = 0, x = 0;

    while (k < max && IS_DIGIT(p[k]))
        x = x * 10 + (p[k++] - '0');
    if (k < min || IS_DIGIT(p[k]))
        return 0;
    *pp = p + k;
    *v = x;
    return 1;
}

static int lit(const char **pp, const char *w)
{
    size_t k;

    if (**pp != *w) /* most tries fail here: keep them cheap */
        return 0;
    k = strlen(w);
    if (strncmp(*pp, w, k) != 0)
        return 0;
    *pp += k;
    return 1;
}

/* A literal that ends a word: not followed by a letter (ASCII or not), nor
 * by a digit when it ends in one ("Thứ 2" is not the start of "Thứ 25"). */
static int word(const char **pp, const char *w)
{
    const char *p = *pp;

    if (!lit(&p, w) || IS_ALPHA(*p) || (unsigned char)*p >= 0x80 ||
        (IS_DIGIT(p[-1]) && IS_DIGIT(*p)))
        return 0;
    *pp = p;
    return 1;
}

/* One of the words of list (NULL-terminated); returns its index or -1. */
static int word_of(const char **pp, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (word(pp, list[i]))
            return i;
    return -1;
}

static void opt_space(const char **pp)
{
    if (**pp == ' ')
        ++*pp;
}

static int ch(const char **pp, char c)
{
    if (**pp != c)
        return 0;
    ++*pp;
    return 1;
}

/* An English month name or abbreviation: 1..12, or 0. */
static int month_name(const char **pp)
{
    static const char *const m[] = {
        "january", "february", "march", "april", "may", "june", "july",
        "august", "september", "october", "november", "december",
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
        "nov", "dec", "sept", NULL};
    int i = word_of(pp, m);

    return i < 0 ? 0 : i == 24 ? 9 : i % 12 + 1;
}

static int english_weekday(const char **pp)
{
    static const char *const w[] = {
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday", "mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};

    return word_of(pp, w) >= 0;
}

/* RFC 2822 4.3: a 2-digit year 00-49 is 20xx, 50-99 is 19xx. */
static int year(const char **pp, int two_ok, int *y)
{
    const char *p = *pp;

    if (num(&p, 4, 4, y)) {
        *pp = p;
        return 1;
    }
    if (!two_ok || !num(&p, 2, 2, y))
        return 0;
    *y += *y < 50 ? 2000 : 1900;
    *pp = p;
    return 1;
}

/* A numeric offset: +0700, +07:00, +07, and with short_h also +7, +7:00. */
static int offset(const char **pp, int short_h, int *off)
{
    const char *p = *pp;
    int sign, h, m = 0;

    if (*p != '+' && *p != '-')
        return 0;
    sign = *p++ == '-' ? -1 : 1;
    if (num(&p, 4, 4, &h)) {
        m = h % 100;
        h /= 100;
    } else {
        if (!num(&p, short_h ? 1 : 2, 2, &h))
            return 0;
        if (*p == ':' && (++p, !num(&p, 2, 2, &m)))
            return 0;
    }
    if (h > 23 || m > 59)
        return 0;
    *off = sign * (h * 3600 + m * 60);
    *pp = p;
    return 1;
}

/* A zone: an offset, Z, GMT/UT/UTC with an optional offset (GMT+7), ICT, or
 * an RFC 822 North American zone. */
static int zone(const char **pp, int *off)
{
    static const char *const name[] = {
        "gmt", "utc", "ut", "z", "ict", "est", "edt", "cst", "cdt", "mst",
        "mdt", "pst", "pdt", NULL};
    static const signed char hours[] = {0, 0, 0, 0, 7, -5, -4, -6, -5, -7,
                                        -6, -8, -7};
    const char *p = *pp;
    int i;

    if (offset(&p, 0, off)) {
        *pp = p;
        return 1;
    }
    if ((i = word_of(&p, name)) < 0)
        return 0;
    *off = hours[i] * 3600;
    if (i < 3)
        offset(&p, 1, off);
    *pp = p;
    return 1;
}

/* h:mm[:ss]; hours of one or two digits. */
static int clock_hms(const char **pp, struct civil *c)
{
    const char *p = *pp;

    if (!num(&p, 1, 2, &c->h) || !ch(&p, ':') || !num(&p, 2, 2, &c->mi))
        return 0;
    c->s = 0;
    if (*p == ':' && (++p, !num(&p, 2, 2, &c->s)))
        return 0;
    *pp = p;
    return 1;
}

/* An optional zone after a space, then an optional trailing comment such as
 * "(GMT+7)", then the end of the text. With bar_ok, a "|" ends the date
 * too: "8:28:04 AM | Lượt xem: 1231" on a scraped page. */
static int zone_and_end(const char *p, struct civil *c, int bar_ok)
{
    const char *q = p;

    opt_space(&q);
    if (zone(&q, &c->off))
        p = q;
    opt_space(&p);
    if (bar_ok && *p == '|')
        return 1;
    if (*p == '(') {
        const char *e = p + 1 + strcspn(p + 1, "()");
        if (*e != ')' || e[1] != '\0')
            return 0;
        p = e + 1;
    }
    return *p == '\0';
}

/* RFC 3339 / W3CDTF: 2022-09-15T10:22:00.5+07:00, 2022-09-15, 2022-09. */
static int form_rfc3339(const char *p, struct civil *c)
{
    if (!num(&p, 4, 4, &c->y) || !ch(&p, '-') || !num(&p, 2, 2, &c->mo))
        return 0;
    c->d = 1;
    if (!ch(&p, '-'))
        return *p == '\0';
    if (!num(&p, 2, 2, &c->d))
        return 0;
    if (*p == '\0')
        return 1;
    if (*p != 't' && *p != ' ')
        return 0;
    p++;
    if (!clock_hms(&p, c))
        return 0;
    if (*p == '.' || *p == ',') {
        if (!IS_DIGIT(p[1]))
            return 0;
        for (p++; IS_DIGIT(*p); p++)
            ;
    }
    return zone_and_end(p, c, 0);
}

/* RFC 822/1123/2822: [Fri[,]] 9 Oct 2026 [04:00[:00] [zone]] [(comment)]. */
static int form_rfc822(const char *p, struct civil *c)
{
    if (english_weekday(&p)) {
        ch(&p, ',');
        opt_space(&p);
    }
    if (!num(&p, 1, 2, &c->d) || !ch(&p, ' ') || !(c->mo = month_name(&p)) ||
        !ch(&p, ' ') || !year(&p, 1, &c->y))
        return 0;
    if (*p == '\0')
        return 1;
    if (!ch(&p, ' ') || !clock_hms(&p, c))
        return 0;
    return zone_and_end(p, c, 0);
}

/* AM/PM after a 12-hour clock; SA and CH (sáng, chiều) are the designators
 * of Vietnamese Windows, only taken in Vietnamese forms. A 12-hour clock
 * that reads 0 or 13+ makes the time invalid (h = 99), not a 24-hour one. */
static int meridiem(const char **pp, struct civil *c, int vn)
{
    static const char *const w[] = {"am", "a.m.", "sa", "pm", "p.m.", "ch",
                                    NULL};
    const char *p = *pp;
    int i = word_of(&p, w);

    if (i < 0 || ((i == 2 || i == 5) && !vn))
        return 0;
    if (c->h < 1 || c->h > 12)
        c->h = 99;
    else
        c->h = c->h % 12 + (i >= 3 ? 12 : 0);
    *pp = p;
    return 1;
}

/* US "M/D/YYYY h:mm[:ss] AM|PM" (Tuổi Trẻ), only with AM or PM and with
 * nothing before it: any other d/m/y is day first. */
static int form_us(const char *p, struct civil *c)
{
    if (!num(&p, 1, 2, &c->mo) || !ch(&p, '/') || !num(&p, 1, 2, &c->d) ||
        !ch(&p, '/') || !num(&p, 4, 4, &c->y) || !ch(&p, ' ') ||
        !clock_hms(&p, c) || !ch(&p, ' ') || !meridiem(&p, c, 0))
        return 0;
    return zone_and_end(p, c, 0);
}

/* A Vietnamese weekday: Thứ hai..Thứ bảy, Thứ 2..Thứ 7, Chủ nhật, T2..T7,
 * CN. Never checked against the date: sites get it wrong. */
static int vn_weekday(const char **pp)
{
    static const char *const thu[] = {
        "hai", "ba", "tư", "năm", "sáu", "bảy", "bẩy",
        "2", "3", "4", "5", "6", "7", NULL};
    static const char *const other[] = {
        "chủ nhật", "cn", "t2", "t3", "t4", "t5", "t6", "t7", NULL};
    const char *p = *pp;

    if (lit(&p, "thứ")) {
        opt_space(&p);
        if (word_of(&p, thu) < 0)
            return 0;
        *pp = p;
        return 1;
    }
    return word_of(pp, other) >= 0;
}

/* What may stand before a Vietnamese date: weekdays, "Ngày đăng", "Đăng
 * ngày:", "Cập nhật:", "lúc", and separators, in any order. */
static const char *vn_prefix(const char *p)
{
    static const char *const w[] = {"ngày", "đăng", "cập nhật", "lúc", "vào",
                                    NULL};

    for (;;) {
        if (*p == ' ' || *p == ',' || *p == '-' || *p == '|' || *p == ':')
            p++;
        else if (!vn_weekday(&p) && !english_weekday(&p) &&
                 word_of(&p, w) < 0)
            return p;
    }
}

/* Between a date and a time, either way round: ", ", " - ", " | ",
 * " lúc ", " ngày ". */
static int vn_sep(const char **pp)
{
    static const char *const w[] = {"lúc", "ngày", "vào", NULL};
    const char *p = *pp;

    for (;;) {
        if (*p == ' ' || *p == ',' || *p == '-' || *p == '|')
            p++;
        else if (word_of(&p, w) < 0)
            break;
    }
    if (p == *pp)
        return 0;
    *pp = p;
    return 1;
}

/* d/m/yyyy, d-m-yyyy, d.m.yyyy (always day first), yyyy/m/d, or
 * "d tháng m năm yyyy". A 2-digit year is refused: 09/12/22 is too easily
 * something else. */
static int vn_date(const char **pp, struct civil *c)
{
    const char *p = *pp;
    char sep;

    if (num(&p, 4, 4, &c->y)) {
        sep = *p++;
        if ((sep != '/' && sep != '-' && sep != '.') ||
            !num(&p, 1, 2, &c->mo) || !ch(&p, sep) || !num(&p, 1, 2, &c->d))
            return 0;
    } else if (!num(&p, 1, 2, &c->d)) {
        return 0;
    } else if (*p == '/' || *p == '-' || *p == '.') {
        sep = *p++;
        if (!num(&p, 1, 2, &c->mo) || !ch(&p, sep) || !num(&p, 4, 4, &c->y))
            return 0;
    } else {
        if (!ch(&p, ' ') || !lit(&p, "tháng") || !ch(&p, ' ') ||
            !num(&p, 1, 2, &c->mo))
            return 0;
        ch(&p, ',');
        if (!ch(&p, ' ') || !lit(&p, "năm") || !ch(&p, ' ') ||
            !num(&p, 4, 4, &c->y))
            return 0;
    }
    *pp = p;
    return 1;
}

/* h:mm[:ss] or 10h22, then an optional AM/PM. */
static int vn_time(const char **pp, struct civil *c)
{
    const char *p = *pp, *q;

    if (!clock_hms(&p, c)) {
        if (!num(&p, 1, 2, &c->h) || !ch(&p, 'h') || !num(&p, 2, 2, &c->mi))
            return 0;
        c->s = 0;
    }
    q = p;
    opt_space(&q);
    if (meridiem(&q, c, 1))
        p = q;
    *pp = p;
    return 1;
}

/* Vietnamese, day first: [prefix] date [sep time] or [prefix] time sep
 * date, then an optional zone ("GMT+7") and comment. */
static int form_vn(const char *p, struct civil *c)
{
    struct civil t;
    const char *q;
    int timed = 1;

    p = vn_prefix(p);
    if (vn_date(&p, c)) {
        t = *c;
        q = p;
        if (vn_sep(&q) && vn_time(&q, &t)) {
            *c = t;
            p = q;
        } else {
            timed = 0;
        }
    } else if (!vn_time(&p, c) || !vn_sep(&p) || !vn_date(&p, c)) {
        return 0;
    }
    return zone_and_end(p, c, timed);
}

int date_parse(const char *s, size_t n, int64_t *out)
{
    static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31};
    static int (*const form[])(const char *, struct civil *) = {
        form_rfc3339, form_rfc822, form_us, form_vn};
    char buf[DATE_FOLD_MAX];
    struct civil c;
    size_t i;

    if (!s || !out || fold(s, n, buf, sizeof buf) <= 0)
        return -1;
    /* The forms do not overlap: the first whose shape matches decides. */
    for (i = 0; i < sizeof form / sizeof form[0]; i++) {
        c = (struct civil){0, 0, 0, 0, 0, 0, VN_OFFSET};
        if (form[i](buf, &c))
            break;
    }
    if (i == sizeof form / sizeof form[0])
        return -1;
    if (c.y < 1970 || c.y > 2100 || c.mo < 1 || c.mo > 12 || c.d < 1 ||
        c.d > mdays[c.mo - 1] ||
        (c.mo == 2 && c.d == 29 &&
         (c.y % 4 != 0 || (c.y % 100 == 0 && c.y % 400 != 0))) ||
        c.h > 23 || c.mi > 59 || c.s > 60)
        return -1;
    if (c.s == 60) /* a leap second: the next second would be another day */
        c.s = 59;
    *out = time_from_civil(c.y, c.mo, c.d, c.h, c.mi, c.s) - c.off;
    return 0;
}
