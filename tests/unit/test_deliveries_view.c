/* test_deliveries_view.c - unit tests of store/deliveries_view.c: the
 * first day of the --days window around local midnight, and what the
 * integration tests cannot easily reach in the table: errors cut by
 * display columns (wide and zero-width characters), control characters
 * blanked, the singular footer, invalid UTF-8 in the JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/deliveries_view.h"
#include "util/util.h"

#define VN (7 * 3600)

/* The first day of a days-long window at now, for a database that does
 * not exist (nothing is opened or created). */
static void window(int64_t now, int days, const char *since)
{
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.database = "/nonexistent-bantin-dir/bantin.db";
    cfg.tz_offset = VN;
    struct store_deliveries_view v;
    char err[256];
    assert_int_equal(store_deliveries_view_load(&cfg, now, days, &v, err,
                                                sizeof err), 0);
    assert_true(v.no_database);
    assert_int_equal(v.n, 0);
    assert_string_equal(v.since, since);
    store_deliveries_view_free(&v);
}

static void test_window_first_day(void **state)
{
    (void)state;
    /* 2025-10-08 17:00:00 UTC is midnight of the 9th in Vietnam */
    int64_t midnight = time_from_civil(2025, 10, 8, 17, 0, 0);
    window(midnight, 1, "2025-10-09");
    window(midnight - 1, 1, "2025-10-08");
    window(midnight, 7, "2025-10-03");
    window(midnight, 3650, "2015-10-13");

    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.database = "/nonexistent-bantin-dir/bantin.db";
    struct store_deliveries_view v;
    char err[256];
    assert_int_equal(store_deliveries_view_load(&cfg, midnight, 0, &v, err,
                                                sizeof err), -1);
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(store_deliveries_view_load(&cfg, midnight, 3651, &v, err,
                                                sizeof err), -1);
}

/* One row with the given state and last error, written as the table. */
static char *table_of(const char *state, const char *error, int in_config)
{
    struct store_delivery_view row = {
        .day = "2025-10-09", .subscriber = "a@example.vn", .state = (char *)state,
        .attempts = 2, .last_attempt = TIME_NONE, .sent_at = TIME_NONE,
        .last_error = (char *)error, .message_id = NULL, .in_config = in_config,
    };
    struct store_deliveries_view v = {.v = &row, .n = 1, .days = 7};
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    assert_int_equal(store_deliveries_view_write_table(&v, VN, f), 0);
    fclose(f);
    return out;
}

/* The ERROR cell of the one row of a table. */
static const char *error_of(const char *table)
{
    const char *row = strchr(table, '\n') + 1;
    return row + (strstr(table, "ERROR") - table);
}

static void test_error_cut_by_columns(void **state)
{
    (void)state;
    /* 50 CJK characters, 2 columns each: 39 of them and the ellipsis fit 80 */
    char wide[50 * 3 + 1] = "";
    for (int i = 0; i < 50; i++)
        memcpy(wide + 3 * i, "\xe9\x82\xae", 4);   /* U+90AE, NUL last */
    char *t = table_of("failed", wide, 1);
    const char *cell = error_of(t);
    assert_memory_equal(cell, wide, 39 * 3);
    assert_string_equal(cell + 39 * 3, "\xe2\x80\xa6\n1 delivery: 1 failed "
                        "(retried by the next run)\n");
    free(t);

    /* 300 combining accents take no column: all of them stay */
    char marks[1 + 300 * 2 + 1] = "e";
    for (int i = 0; i < 300; i++)
        memcpy(marks + 1 + 2 * i, "\xcc\x81", 3);  /* U+0301 */
    t = table_of("refused", marks, 1);
    cell = error_of(t);
    assert_memory_equal(cell, marks, strlen(marks));
    assert_string_equal(cell + strlen(marks),
                        "\n1 delivery: 1 refused (not retried)\n");
    free(t);
}

static void test_error_controls_and_lines(void **state)
{
    (void)state;
    /* tab, ESC, DEL and C1 CSI (U+009B) become spaces; a line break ends it */
    char *t = table_of("failed", "a\tb\x1b[2Jc\x7f" "d\xc2\x9b" "e\r\nsecond",
                       1);
    const char *cell = error_of(t);
    assert_true(strncmp(cell, "a b [2Jc d e\n", 13) == 0);
    assert_null(strstr(t, "second"));
    free(t);

    /* a sent delivery shows no error; a removed address is marked */
    t = table_of("sent", "421 earlier attempt", 0);
    cell = error_of(t);
    assert_true(strncmp(cell, "-      (not in config)\n", 23) == 0);
    assert_null(strstr(t, "421"));
    assert_non_null(strstr(t, "\n1 delivery: 1 sent\n"));
    free(t);

    /* a failed delivery to a removed address is not retried */
    t = table_of("failed", NULL, 0);
    assert_non_null(strstr(t, "\n1 delivery: 1 failed (retried by the next "
                           "run); 1 to an address no longer in the config "
                           "(dropped by the next run)\n"));
    free(t);
}

static void test_json_invalid_utf8(void **state)
{
    (void)state;
    struct store_delivery_view row = {
        .day = "2025-10-09", .subscriber = "a@example.vn", .state = "failed",
        .attempts = 1, .last_attempt = 1760000000, .sent_at = TIME_NONE,
        .last_error = "bad \xff byte", .message_id = "m@example.vn",
        .in_config = 1,
    };
    struct store_deliveries_view v = {.v = &row, .n = 1, .days = 7};
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    assert_int_equal(store_deliveries_view_write_json(&v, f), 0);
    fclose(f);
    assert_non_null(strstr(out, "\"last_error\": null"));
    assert_non_null(strstr(out, "\"last_attempt\": \"2025-10-09T08:53:20Z\""));
    assert_non_null(strstr(out, "\"sent_at\": null"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_first_day),
        cmocka_unit_test(test_error_cut_by_columns),
        cmocka_unit_test(test_error_controls_and_lines),
        cmocka_unit_test(test_json_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
