/* schema.h - the migrations of the SQLite schema (internal to store/). */
#ifndef BANTIN_STORE_SCHEMA_H
#define BANTIN_STORE_SCHEMA_H

#include <stddef.h>

/* PRAGMA application_id of a bantin database ("bant"): tells our file
 * from any other SQLite file before we write to it. */
#define STORE_APPLICATION_ID 0x62616e74

/* Migration i takes the database from version i to version i + 1. Each
 * runs in its own BEGIN IMMEDIATE transaction together with the
 * PRAGMA user_version that records it. Never edit a released one: add. */
struct store_migration {
    int version;       /* user_version after it */
    const char *sql;   /* statements, separated by ';' */
};

extern const struct store_migration store_migrations[];
extern const size_t store_nmigrations;

#endif
