/* view_text.c - the printing helpers of the admin views (view_text.h). */
#include "store/view_text.h"

#include <stdio.h>
#include <time.h>
#include <utf8proc.h>

#include "util/util.h"

void view_format_local(int64_t t, int tz, char *buf, size_t size)
{
    if (t == TIME_NONE) {
        snprintf(buf, size, "-");
        return;
    }
    time_t lt = (time_t)(t + tz);
    struct tm tm;
    if (!gmtime_r(&lt, &tm)) {
        snprintf(buf, size, "-");
        return;
    }
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

size_t view_prefix_cols(const char *s, size_t limit, size_t *bytes)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t used = 0;
    for (;;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
        if (n <= 0 || cp == 0 || cp == '\n' || cp == '\r')
            break;
        int w = utf8proc_charwidth(cp);
        if (used + (size_t)(w > 0 ? w : 0) > limit)
            break;
        used += (size_t)(w > 0 ? w : 0);
        p += n;
    }
    *bytes = (size_t)((const char *)p - s);
    return used;
}

size_t view_add_cols(struct buf *b, const char *s, size_t cols)
{
    size_t all, part;
    size_t used = view_prefix_cols(s, cols, &all);
    if (s[all] == '\0' || s[all] == '\n' || s[all] == '\r') {
        buf_add(b, s, all);
        return used;
    }
    used = view_prefix_cols(s, cols - 1, &part);
    buf_add(b, s, part);
    buf_addstr(b, "\xe2\x80\xa6");   /* ... as one character */
    return used + 1;
}

void view_pad(struct buf *b, size_t used, size_t width)
{
    while (used++ < width)
        buf_addc(b, ' ');
}

json_t *view_json_time(int64_t t)
{
    if (t == TIME_NONE)
        return json_null();
    char buf[32];
    time_format_utc(t, buf, sizeof buf);
    return json_string(buf);
}

json_t *view_json_str(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}
