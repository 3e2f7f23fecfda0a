/* outbox.c - atomic, idempotent delivery of messages into DIR/new/NAME.eml. */
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
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

/* Create, fill, fsync and close a new file with a name no other writer
 * (another run, another host on shared storage) can pick. */
static char *write_tmp(const char *dir, const char *data, size_t len,
                       char *err, size_t errlen)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r ^= (uint64_t)(uintptr_t)&r;   /* the pid and time still differ */
    char *path = xasprintf("%s/tmp/%lld.%ld.%016llx.tmp", dir,
                           (long long)time(NULL), (long)getpid(),
                           (unsigned long long)r);
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
