/* lock.h - the run lock: one bantin fetch (or run) per database at a time.
 *
 * Cron may start a run while yesterday's is still fetching a slow site;
 * two runs would fetch every feed twice and race on back-off. The lock is
 * flock(2) on "<database>.lock": the kernel drops it when the process
 * dies, so a crash never leaves a stale lock behind. */
#ifndef BANTIN_LOCK_H
#define BANTIN_LOCK_H

#include <stddef.h>

struct run_lock {
    int fd;        /* the open lock file, -1 when not held */
    char *path;    /* "<database>.lock", malloc'd */
};

/* Take the lock of the database at db_path without waiting. Returns 0
 * (held until run_lock_release or exit), 1 when another process holds it
 * (err names the file and the holder's pid), or -1 with err set (the lock
 * file cannot be created). lk is released by run_lock_release in every
 * case. */
int run_lock_take(const char *db_path, struct run_lock *lk, char *err,
                  size_t errlen);

void run_lock_release(struct run_lock *lk);

#endif
