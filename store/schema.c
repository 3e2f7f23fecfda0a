/* schema.c - the SQLite schema, one migration per version.
 *
 * The SQL comments are part of the CREATE statements SQLite keeps, so
 * `sqlite3 bantin.db .schema` documents a database in the field. Tables are
 * STRICT (SQLite 3.37+): a wrong type is an error, not a silent affinity
 * conversion. Booleans are 0/1 with a CHECK, times int64 UTC seconds. */
#include "schema.h"

/* v1: feeds and items for `bantin fetch`; stories, digests and deliveries
 * created now so later stages only add code. */
static const char schema_v1[] =
    "PRAGMA application_id = 1650552436;\n" /* STORE_APPLICATION_ID */

    "CREATE TABLE feeds (\n"
    "    id            TEXT PRIMARY KEY,  -- the config's [feed \"id\"]\n"
    "    url           TEXT NOT NULL,     -- as configured\n"
    "    stored_url    TEXT,              -- after an all-permanent (301/308) redirect chain; NULL = url\n"
    "    title         TEXT,              -- as configured\n"
    "    doc_title     TEXT,              -- the document's own title, shown when none is configured\n"
    "    etag          TEXT,              -- validators, sent back verbatim\n"
    "    last_modified TEXT,\n"
    "    first_fetch   INTEGER,           -- first 200 since url was configured; NULL = new: backfill applies\n"
    "    last_attempt  INTEGER,\n"
    "    last_ok       INTEGER,           -- last 200 or 304\n"
    "    last_error    TEXT,              -- one line; NULL after a success\n"
    "    last_status   INTEGER,           -- HTTP status of the last attempt, 0 = transport error\n"
    "    fail_count    INTEGER NOT NULL DEFAULT 0,  -- consecutive failures\n"
    "    next_attempt  INTEGER,           -- back-off: not before; NULL = any time\n"
    "    gone          INTEGER NOT NULL DEFAULT 0 CHECK (gone IN (0, 1)),      -- answered 410\n"
    "    degraded      INTEGER NOT NULL DEFAULT 0 CHECK (degraded IN (0, 1)),  -- parsed in recovery mode\n"
    "    id_mode       TEXT NOT NULL DEFAULT 'guid' CHECK (id_mode IN ('guid', 'link')),\n"
    "                                     -- 'link': ids blank, repeated or unstable; items keyed by canonical link\n"
    "    created       INTEGER NOT NULL\n"
    ") STRICT;\n"

    /* Forward references (items -> stories -> items) are fine in SQLite:
     * foreign keys are checked on write, not at CREATE. */
    "CREATE TABLE items (\n"
    "    id          INTEGER PRIMARY KEY,\n"
    "    canon_url   TEXT UNIQUE,         -- url_canonical(link): cross-feed exact dedup; NULL = no http(s) link\n"
    "    title       TEXT,                -- plain text, NFC, as first seen\n"
    "    link        TEXT,                -- as first seen\n"
    "    published   INTEGER,\n"
    "    updated     INTEGER,\n"
    "    author      TEXT,\n"
    "    summary     TEXT,                -- plain text\n"
    "    content     TEXT,                -- HTML as published\n"
    "    categories  TEXT,                -- JSON array of strings, or NULL\n"
    "    title_key   TEXT,                -- near-dup match key (dedup stage), NULL until computed\n"
    "    first_seen  INTEGER NOT NULL,\n"
    "    story_id    INTEGER REFERENCES stories(id),  -- dedup stage; NULL until grouped\n"
    "    topic       TEXT                 -- topic stage: config [topic \"id\"]; NULL until matched\n"
    ") STRICT;\n"
    "CREATE INDEX items_published ON items(published);\n"
    "CREATE INDEX items_first_seen ON items(first_seen);\n"
    "CREATE INDEX items_story ON items(story_id) WHERE story_id IS NOT NULL;\n"

    "CREATE TABLE item_sources (\n"
    "    feed_id     TEXT NOT NULL REFERENCES feeds(id),\n"
    "    guid        TEXT NOT NULL,       -- the item's key in this feed: its id, or its canonical link in link mode\n"
    "    item_id     INTEGER REFERENCES items(id),\n"
    "                                     -- NULL: seen on the feed's first fetch but older than backfill;\n"
    "                                     -- remembered so it never counts as new, never stored\n"
    "    canon_url   TEXT,                -- url_canonical(link), to spot ids that change for one link\n"
    "    link        TEXT,                -- as this feed gave it\n"
    "    title       TEXT,                -- as this feed gave it\n"
    "    first_seen  INTEGER NOT NULL,    -- when this feed first carried it\n"
    "    PRIMARY KEY (feed_id, guid)\n"
    ") STRICT;\n"
    "CREATE INDEX item_sources_item ON item_sources(item_id);\n"
    "CREATE INDEX item_sources_canon ON item_sources(feed_id, canon_url);\n"
    /* "items per feed, and those first seen in the last 7 days": covering */
    "CREATE INDEX item_sources_recent ON item_sources(feed_id, first_seen, item_id);\n"

    "CREATE TABLE stories (\n"
    "    id          INTEGER PRIMARY KEY,\n"
    "    lead_item   INTEGER REFERENCES items(id),  -- the item whose title and link represent the story\n"
    "    title       TEXT,\n"
    "    title_key   TEXT,\n"
    "    topic       TEXT,\n"
    "    first_seen  INTEGER NOT NULL\n"
    ") STRICT;\n"

    "CREATE TABLE digests (\n"
    "    day      TEXT PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),\n"
    "                                     -- 'YYYY-MM-DD' in the configured timezone; one digest per day\n"
    "    created  INTEGER NOT NULL,\n"
    "    title    TEXT\n"
    ") STRICT;\n"

    /* The frozen list. UNIQUE(story_id): a story is in exactly one digest
     * (DESIGN.md invariant), enforced by the schema, not by care. */
    "CREATE TABLE digest_stories (\n"
    "    day       TEXT NOT NULL REFERENCES digests(day),\n"
    "    position  INTEGER NOT NULL,      -- order in the digest\n"
    "    story_id  INTEGER NOT NULL UNIQUE REFERENCES stories(id),\n"
    "    topic     TEXT,                  -- the topic it was listed under\n"
    "    PRIMARY KEY (day, position)\n"
    ") STRICT;\n"

    "CREATE TABLE deliveries (\n"
    "    day          TEXT NOT NULL REFERENCES digests(day),\n"
    "    subscriber   TEXT NOT NULL,      -- address, as in the config\n"
    "    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),\n"
    "    attempts     INTEGER NOT NULL DEFAULT 0,\n"
    "    last_attempt INTEGER,\n"
    "    last_error   TEXT,\n"
    "    message_id   TEXT UNIQUE,        -- fixed at creation, reused by every attempt: clients fold a repeat\n"
    "    sent_at      INTEGER,\n"
    "    PRIMARY KEY (day, subscriber)\n"
    ") STRICT;\n"
    "CREATE INDEX deliveries_todo ON deliveries(day) WHERE state <> 'sent';\n";

/* v2:
 * - item_sources.last_seen: when the feed last carried the item, so history
 *   can be pruned ([bantin] keep) without an item a feed still lists coming
 *   back as new. Existing rows start at first_seen.
 * - items.published_guessed: the date is the first-seen time, not the
 *   source's (an HTML list without dates), so a digest can say so.
 * - deliveries.state 'refused': the server refused the recipient or the
 *   message permanently (5xx); never retried. SQLite cannot change a CHECK
 *   in place, so the table is rebuilt; nothing references it. */
static const char schema_v2[] =
    "ALTER TABLE item_sources ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;"
    "  -- when this feed last carried it (retention)\n"
    "UPDATE item_sources SET last_seen = first_seen;\n"
    "CREATE INDEX item_sources_last_seen ON item_sources(last_seen);\n"

    "ALTER TABLE items ADD COLUMN published_guessed INTEGER NOT NULL DEFAULT 0"
    " CHECK (published_guessed IN (0, 1));"
    "  -- 1: published is the first-seen time, the source gave none\n"

    "CREATE TABLE deliveries_v2 (\n"
    "    day          TEXT NOT NULL REFERENCES digests(day),\n"
    "    subscriber   TEXT NOT NULL,      -- address, as in the config\n"
    "    state        TEXT NOT NULL DEFAULT 'pending'\n"
    "                 CHECK (state IN ('pending', 'sent', 'failed', 'refused')),\n"
    "                                     -- failed: retried by the next run; refused: 5xx, never retried\n"
    "    attempts     INTEGER NOT NULL DEFAULT 0,\n"
    "    last_attempt INTEGER,\n"
    "    last_error   TEXT,\n"
    "    message_id   TEXT UNIQUE,        -- fixed at creation, reused by every attempt: clients fold a repeat\n"
    "    sent_at      INTEGER,\n"
    "    PRIMARY KEY (day, subscriber)\n"
    ") STRICT;\n"
    "INSERT INTO deliveries_v2 (day, subscriber, state, attempts, last_attempt,"
    " last_error, message_id, sent_at)"
    " SELECT day, subscriber, state, attempts, last_attempt, last_error,"
    " message_id, sent_at FROM deliveries;\n"
    "DROP TABLE deliveries;\n"
    "ALTER TABLE deliveries_v2 RENAME TO deliveries;\n"
    "CREATE INDEX deliveries_todo ON deliveries(day) WHERE state IN ('pending', 'failed');\n";

/* v3: stories.lead_item refers to items, so each item store_prune deletes
 * makes SQLite look for the stories it leads; without an index that is a
 * scan of stories per item (5 000 items against 60 000 stories: 24 s, and
 * 0.03 s with this index). */
static const char schema_v3[] =
    "CREATE INDEX stories_lead ON stories(lead_item) WHERE lead_item IS NOT NULL;\n";

const struct store_migration store_migrations[] = {
    {1, schema_v1},
    {2, schema_v2},
    {3, schema_v3},
};

const size_t store_nmigrations = sizeof store_migrations / sizeof store_migrations[0];
