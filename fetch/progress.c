/* progress.c - the one-line progress bar of `bantin fetch` on a terminal. */
#include "fetch/fetch.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define BAR_CELLS 20

static int active;          /* drawing: stderr is a terminal, no -q */
static size_t drawn_len;    /* length of the line on screen */
static double last_draw;    /* monotonic seconds */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void fetch_progress_format(char *out, size_t size, int bar_width, size_t done,
                           size_t total, size_t new_items, size_t failed)
{
    char bar[256];
    if (bar_width < 1)
        bar_width = 1;
    if ((size_t)bar_width > sizeof bar - 1)
        bar_width = (int)sizeof bar - 1;
    size_t fill = total ? done * (size_t)bar_width / total : (size_t)bar_width;
    if (fill > (size_t)bar_width)
        fill = (size_t)bar_width;
    for (int i = 0; i < bar_width; i++) {
        if ((size_t)i < fill)
            bar[i] = '=';
        else if ((size_t)i == fill)
            bar[i] = '>';
        else
            bar[i] = ' ';
    }
    bar[bar_width] = '\0';
    snprintf(out, size, "fetch [%s] %zu/%zu feeds, %zu new, %zu failed", bar,
             done, total, new_items, failed);
}

/* Columns of the terminal on stderr; 80 when unknown. */
static size_t columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

void fetch_progress_start(size_t total)
{
    active = !msg_quiet && isatty(STDERR_FILENO);
    drawn_len = 0;
    last_draw = 0;
    fetch_progress_update(0, total, 0, 0);
}

void fetch_progress_update(size_t done, size_t total, size_t new_items,
                           size_t failed)
{
    if (!active)
        return;
    double t = now_s();
    if (done < total && t - last_draw < 0.1)
        return;
    last_draw = t;
    char line[512];
    fetch_progress_format(line, sizeof line, BAR_CELLS, done, total,
                          new_items, failed);
    /* Never wrap: a wrapped line cannot be redrawn with \r. */
    size_t len = strlen(line), cols = columns();
    if (cols > 1 && len > cols - 1)
        line[len = cols - 1] = '\0';
    int pad = drawn_len > len ? (int)(drawn_len - len) : 0;
    fprintf(stderr, "\r%s%*s", line, pad, "");
    fflush(stderr);
    drawn_len = len;
}

void fetch_progress_finish(void)
{
    if (!active)
        return;
    if (drawn_len)
        fprintf(stderr, "\r%*s\r", (int)drawn_len, "");
    fflush(stderr);
    drawn_len = 0;
    active = 0;
}
