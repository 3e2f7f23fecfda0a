/* outbox.c - atomic, idempotent delivery of messages into DIR/new/NAME.eml;
 * what a killed writer left in DIR/tmp/ is removed by the next write. */
#include "outbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

/* NAME_MAX is 255 on Linux file systems; ".eml" and slack for others. */
#define NAME_BYTES 200

/* Bytes of the host name kept in a tmp/ file name. */
#define HOST_BYTES 64

/* A tmp/ file of ours this old is a leftover whoever wrote it: Maildir's
 * rule (maildir(5): 36 hours), for writers on other hosts. */
#define TMP_STALE_SECONDS (36 * 3600)

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char *p = xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0700) < 0 && errno != EEXIST) {
            rc = fail(err, errlen, "cannot create '%s': %s", p, strerror(errno));
            break;
        }
        *s = c;
        if (!c)
            break;
    }
    struct stat st;
    if (rc == 0 && (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)))
        rc = fail(err, errlen, "'%s' is not a directory", p);
    free(p);
    return rc;
}

static char *safe_name(const char *hint)
{
    size_t n = hint ? strlen(hint) : 0;
    if (n > NAME_BYTES)
        n = NAME_BYTES;
    if (n == 0)
        return xstrdup("message");
    char *s = xstrndup(hint, n);
    for (char *p = s; *p; p++) {
        if (!(IS_ALPHA(*p) || IS_DIGIT(*p) || *p == '-' || *p == '_' ||
              (*p == '.' && p != s)))
            *p = '_';
    }
    return s;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t k = write(fd, data, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        data += k;
        len -= (size_t)k;
    }
    return 0;
}

/* This host's name as it goes into a tmp/ file name: bytes outside
 * [A-Za-z0-9-] turned into '_', at most HOST_BYTES; "_" when unknown. */
static void host_part(char out[HOST_BYTES + 1])
{
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    size_t j = 0;
    for (size_t i = 0; host[i] && j < HOST_BYTES; i++)
        out[j++] = IS_ALPHA(host[i]) || IS_DIGIT(host[i]) || host[i] == '-'
                       ? host[i]
                       : '_';
    if (j == 0)
        out[j++] = '_';
    out[j] = '\0';
}

/* Whether tmp/NAME, last modified at mtime, is a message no writer will
 * ever move: one of ours (TIME.PID.RANDOM.HOST.tmp, or TIME.PID.RANDOM.tmp
 * from before the host was in the name) older than TMP_STALE_SECONDS, or
 * one of this host whose writer is gone (a run killed between its write
 * and its move). A live pid, or another host's file, is left alone: that
 * writer may be about to move it. */
static int tmp_is_stale(const char *name, const char *host, time_t mtime,
                        time_t now)
{
    const char *p = name;
    char *end;
    if (!IS_DIGIT(*p))
        return 0;
    (void)strtoll(p, &end, 10);
    if (*end != '.' || !IS_DIGIT(end[1]))
        return 0;
    p = end + 1;
    errno = 0;
    long pid = strtol(p, &end, 10);
    if (errno || pid <= 0 || (long)(pid_t)pid != pid || *end != '.')
        return 0;
    p = end + 1;
    for (int i = 0; i < 16; i++, p++)
        if (!IS_DIGIT(*p) && !(*p >= 'a' && *p <= 'f'))
            return 0;
    if (*p++ != '.')
        return 0;
    size_t rest = strlen(p);
    if (strcmp(p, "tmp") != 0 &&
        (rest < 5 || strcmp(p + rest - 4, ".tmp") != 0))
        return 0;
    if (now - mtime > TMP_STALE_SECONDS)
        return 1;
    size_t hl = strlen(host);
    if (strncmp(p, host, hl) != 0 || strcmp(p + hl, ".tmp") != 0)
        return 0;
    /* this process writes one message at a time: an older one is dead */
    if (pid == (long)getpid())
        return 1;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Remove the leftovers of writers killed before their move (SIGKILL, a
 * crash, a power cut): nothing else ever would, and a reader of the
 * Maildir is not meant to clean its tmp/ before 36 hours. Best effort: one
 * that cannot be removed now is tried again by the next write. */
static void sweep_tmp(const char *tmpdir)
{
    DIR *d = opendir(tmpdir);
    if (!d)
        return;
    char host[HOST_BYTES + 1];
    host_part(host);
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (e->d_name[0] == '.' ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (tmp_is_stale(e->d_name, host, st.st_mtime, now))
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* Create, fill, fsync and close a new file with a name no other writer
 * (another run, another host on shared storage) can pick, and that says
 * which host and process wrote it (tmp_is_stale). */
static char *write_tmp(const char *dir, const char *data, size_t len,
                       char *err, size_t errlen)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r ^= (uint64_t)(uintptr_t)&r;   /* the pid and time still differ */
    char host[HOST_BYTES + 1];
    host_part(host);
    char *path = xasprintf("%s/tmp/%lld.%ld.%016llx.%s.tmp", dir,
                           (long long)time(NULL), (long)getpid(),
                           (unsigned long long)r, host);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                  0600);
    if (fd < 0) {
        fail(err, errlen, "cannot create '%s': %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        fail(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        close(fd);
        unlink(path);
        free(path);
        return NULL;
    }
    if (close(fd) < 0) {
        fail(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        unlink(path);
        free(path);
        return NULL;
    }
    return path;
}

/* Move tmp to final unless final exists, in one step: rename() would
 * replace it. Returns 0 moved, 1 final was there, -1 error. */
static int move_new(const char *tmp, const char *final)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno == EEXIST)
        return 1;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* A file system without RENAME_NOREPLACE: link() fails on an existing
     * name too (qmail's Maildir delivery). */
    if (link(tmp, final) == 0) {
        unlink(tmp);
        return 0;
    }
    return errno == EEXIST ? 1 : -1;
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int outbox_write(const char *dir, const char *name_hint, const char *data,
                 size_t len, char **path_out, char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (!dir || !*dir)
        return fail(err, errlen, "no outbox directory");
    char *tmpdir = xasprintf("%s/tmp", dir);
    char *newdir = xasprintf("%s/new", dir);
    char *name = safe_name(name_hint);
    char *final = xasprintf("%s/%s.eml", newdir, name);
    char *tmp = NULL;
    int rc = -1;
    struct stat st;

    if (make_dirs(tmpdir, err, errlen) < 0 || make_dirs(newdir, err, errlen) < 0)
        goto out;
    sweep_tmp(tmpdir);
    if (lstat(final, &st) == 0) {
        rc = 1;
        goto out;
    }
    tmp = write_tmp(dir, data, len, err, errlen);
    if (!tmp)
        goto out;
    rc = move_new(tmp, final);
    if (rc != 0) {
        if (rc < 0)
            fail(err, errlen, "cannot move '%s' to '%s': %s", tmp, final,
                 strerror(errno));
        unlink(tmp);
        goto out;
    }
    /* The new name is durable only once its directory is. */
    if (sync_dir(newdir) < 0)
        rc = fail(err, errlen, "cannot sync '%s': %s", newdir, strerror(errno));
out:
    if (rc >= 0 && path_out)
        *path_out = final;
    else
        free(final);
    free(tmp);
    free(name);
    free(newdir);
    free(tmpdir);
    return rc;
}
