/* reldate.c - "15 giờ trước", "hôm qua 10:22": ages to UTC seconds. */
#include "reldate.h"

#include <stdlib.h>
#include <string.h>

#include "parse/text.h"
#include "util/util.h"

/* A date field is short; a longer text is not looked at past this. */
#define RELDATE_MAX_BYTES 512
#define RELDATE_MAX_TOKENS 64
#define VN_OFFSET (7 * 3600)
#define DAY 86400

/* Tokens are syllables of text_match_key: lower case, the tone as a digit
 * after the syllable ("giờ" -> "giơ2"), punctuation gone ("10:22" ->
 * "10 22"). Matching on them makes "Giờ", "giờ" in NFD and "giơ`" alike. */
struct tok {
    const char *s;
    size_t n;
};

static int is(const struct tok *t, const char *w)
{
    return t->n == strlen(w) && memcmp(t->s, w, t->n) == 0;
}

/* A number of at most 6 digits filling the token. */
static int number(const struct tok *t, long *v)
{
    long x = 0;
    if (t->n == 0 || t->n > 6)
        return 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!IS_DIGIT(t->s[i]))
            return 0;
        x = x * 10 + (t->s[i] - '0');
    }
    *v = x;
    return 1;
}

static long unit_seconds(const char *s, size_t n)
{
    static const struct {
        const char *w;
        long sec;
    } units[] = {
        {"giây", 1}, {"phut1", 60}, {"giơ2", 3600}, {"tiêng1", 3600},
        {"ngay2", DAY}, {"tuân2", 7L * DAY}, {"thang1", 30L * DAY},
        {"năm", 365L * DAY},
        {"second", 1}, {"seconds", 1}, {"sec", 1}, {"secs", 1},
        {"minute", 60}, {"minutes", 60}, {"min", 60}, {"mins", 60},
        {"hour", 3600}, {"hours", 3600}, {"day", DAY}, {"days", DAY},
        {"week", 7L * DAY}, {"weeks", 7L * DAY}, {"month", 30L * DAY},
        {"months", 30L * DAY}, {"year", 365L * DAY}, {"years", 365L * DAY},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (n == strlen(units[i].w) && memcmp(s, units[i].w, n) == 0)
            return units[i].sec;
    return 0;
}

/* "N unit" as two tokens, or glued ("15giơ2"). Returns the tokens used. */
static int amount(const struct tok *t, size_t left, long *sec)
{
    long v, u;
    size_t d = 0;
    if (left >= 2 && number(&t[0], &v) && (u = unit_seconds(t[1].s, t[1].n))) {
        *sec = v * u;
        return 2;
    }
    while (d < t[0].n && d < 7 && IS_DIGIT(t[0].s[d]))
        d++;
    if (d == 0 || d > 6 || d == t[0].n)
        return 0;
    struct tok num = {t[0].s, d};
    if (!number(&num, &v) || !(u = unit_seconds(t[0].s + d, t[0].n - d)))
        return 0;
    *sec = v * u;
    return 1;
}

/* A time of day: "10 22" (from "10:22"), "8h30" or "8h" as one token. */
static int clock_at(const struct tok *t, size_t left, int *h, int *m)
{
    long a, b;
    if (left >= 2 && number(&t[0], &a) && number(&t[1], &b) && a < 24 &&
        b < 60 && t[1].n == 2) {
        *h = (int)a;
        *m = (int)b;
        return 2;
    }
    size_t i = 0;
    a = 0;
    while (i < t[0].n && i < 2 && IS_DIGIT(t[0].s[i]))
        a = a * 10 + (t[0].s[i++] - '0');
    if (i == 0 || i >= t[0].n || t[0].s[i] != 'h' || a > 23)
        return 0;
    struct tok rest = {t[0].s + i + 1, t[0].n - i - 1};
    b = 0;
    if (rest.n && (!number(&rest, &b) || rest.n != 2 || b > 59))
        return 0;
    *h = (int)a;
    *m = (int)b;
    return 1;
}

/* The day words: 0 today, 1 yesterday, 2 the day before. Returns the
 * tokens used, 0 if none. */
static int day_word(const struct tok *t, size_t left, int *back)
{
    if (left >= 2 && is(&t[0], "hôm")) {
        if (is(&t[1], "nay"))
            *back = 0;
        else if (is(&t[1], "qua"))
            *back = 1;
        else if (is(&t[1], "kia"))
            *back = 2;
        else
            return 0;
        return 2;
    }
    if (is(&t[0], "today") || is(&t[0], "yesterday")) {
        *back = is(&t[0], "today") ? 0 : 1;
        return 1;
    }
    return 0;
}

static int64_t day_start(int64_t now, int back)
{
    int64_t local = now + VN_OFFSET;
    int64_t days = local / DAY - (local % DAY < 0);
    return (days - back) * DAY - VN_OFFSET;
}

static int scan(const struct tok *t, size_t nt, int64_t now, int64_t *out)
{
    for (size_t i = 0; i < nt; i++) {
        size_t left = nt - i;
        long sec;
        int used, back, h, m;

        if (left >= 2 && ((is(&t[i], "vưa2") &&
                           (is(&t[i + 1], "xong") || is(&t[i + 1], "mơi1"))) ||
                          (is(&t[i], "mơi1") && is(&t[i + 1], "đây")) ||
                          (is(&t[i], "just") && is(&t[i + 1], "now")))) {
            *out = now;
            return 0;
        }
        size_t j = i;
        if (left >= 3 && is(&t[i], "cach1") && is(&t[i + 1], "đây"))
            j = i + 2;
        if ((used = amount(&t[j], nt - j, &sec)) > 0 &&
            (j > i || (j + used < nt && (is(&t[j + used], "trươc1") ||
                                         is(&t[j + used], "ago"))))) {
            *out = now - sec;
            return 0;
        }
        if ((used = day_word(&t[i], left, &back)) > 0) {
            int64_t t0 = day_start(now, back);
            size_t k = i + (size_t)used;
            if (k < nt && (is(&t[k], "luc1") || is(&t[k], "at")))
                k++;
            if (k < nt && clock_at(&t[k], nt - k, &h, &m) > 0) {
                *out = t0 + h * 3600 + m * 60;
            } else if (i >= 2 && clock_at(&t[i - 2], 2, &h, &m) == 2) {
                *out = t0 + h * 3600 + m * 60;
            } else if (i >= 1 && clock_at(&t[i - 1], 1, &h, &m) == 1) {
                *out = t0 + h * 3600 + m * 60;
            } else {
                *out = t0;
            }
            return 0;
        }
    }
    return -1;
}

int reldate_parse(const char *s, size_t n, int64_t now, int64_t *out)
{
    struct tok t[RELDATE_MAX_TOKENS];
    size_t nt = 0;
    int rc;

    if (!s || !out || n == 0)
        return -1;
    if (n > RELDATE_MAX_BYTES)
        n = text_utf8_cut(s, n, RELDATE_MAX_BYTES);
    char *key = text_match_key(s, n);
    for (char *p = key; *p && nt < RELDATE_MAX_TOKENS;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char *q = p;
        while (*q && *q != ' ')
            q++;
        t[nt].s = p;
        t[nt].n = (size_t)(q - p);
        nt++;
        p = q;
    }
    rc = scan(t, nt, now, out);
    free(key);
    return rc;
}
