/* store_fixture.h - for the unit tests that need a loaded config and an
 * open store in a fresh folder (test_build.c, test_digest_store.c): one
 * copy of the setup and teardown they shared. Included by a test file
 * only; everything is static. */
#ifndef BANTIN_TESTS_STORE_FIXTURE_H
#define BANTIN_TESTS_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"
#include "store/store.h"

struct fixture {
    char dir[64];
    struct config cfg;
    struct store *st;
};

/* A folder /tmp/bantin-TAG-XXXXXX holding bantin.conf = conf_text, the
 * config loaded from it and its database opened (backfill ten years, so
 * every item the tests store counts). Returns NULL after saying why. */
static struct fixture *fixture_open(const char *tag, const char *conf_text)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return NULL;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/bantin-%s-XXXXXX", tag);
    if (!mkdtemp(fx->dir)) {
        perror("mkdtemp");
        free(fx);
        return NULL;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/bantin.conf", fx->dir);
    FILE *f = fopen(path, "w");
    if (!f || fputs(conf_text, f) < 0 || fclose(f) != 0) {
        perror(path);
        free(fx);
        return NULL;
    }
    struct config_diag diag;
    if (config_load(path, &fx->cfg, &diag) != CONFIG_OK) {
        config_diag_print(&diag, stderr);
        config_diag_release(&diag);
        free(fx);
        return NULL;
    }
    config_diag_release(&diag);
    char err[512];
    if (store_open(fx->cfg.database, &fx->st, err, sizeof err) != 0) {
        fprintf(stderr, "store_open: %s\n", err);
        config_release(&fx->cfg);
        free(fx);
        return NULL;
    }
    store_set_backfill(fx->st, (int64_t)3650 * 86400);
    return fx;
}

/* cmocka teardown: close, release, remove the folder. */
static int teardown(void **state)
{
    struct fixture *fx = *state;
    store_close(fx->st);
    config_release(&fx->cfg);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    int rc = system(cmd);
    free(fx);
    return rc == 0 ? 0 : -1;
}

#endif
