/* lock.c - the run lock, flock(2) on a file beside the database. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util.h"

int run_lock_take(const char *db_path, struct run_lock *lk, char *err,
                  size_t errlen)
{
    lk->path = xasprintf("%s.lock", db_path);
    lk->fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lk->fd < 0) {
        snprintf(err, errlen, "cannot open lock file '%s': %s", lk->path,
                 strerror(errno));
        return -1;
    }
    if (flock(lk->fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e != EWOULDBLOCK) {
            snprintf(err, errlen, "cannot lock '%s': %s", lk->path, strerror(e));
            return -1;
        }
        /* The holder wrote its pid; it helps the admin, nothing relies on it. */
        char pid[24] = "";
        ssize_t n = pread(lk->fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        snprintf(err, errlen, "another bantin run holds the lock '%s'%s%s%s",
                 lk->path, pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
        close(lk->fd);
        lk->fd = -1;
        return 1;
    }
    char pid[24];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(lk->fd, 0) == 0 && pwrite(lk->fd, pid, (size_t)n, 0) < 0) {
        /* Only the message of a second run would lack the pid. */
    }
    return 0;
}

void run_lock_release(struct run_lock *lk)
{
    if (lk->fd >= 0)
        close(lk->fd);
    lk->fd = -1;
    free(lk->path);
    lk->path = NULL;
}
