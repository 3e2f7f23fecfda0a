/* digest.h - the digest of one day, as plain data between its stages.
 *
 * dedup groups items into stories, topic assigns each story one topic,
 * render turns a struct digest into text, HTML or JSON, and mail wraps the
 * text and HTML into a MIME message. Each stage takes and gives these
 * structs only: none sees SQLite, libcurl or libxml2 (STYLE.md 8.1). */
#ifndef BANTIN_DIGEST_H
#define BANTIN_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/* One feed's copy of a story. */
struct digest_source {
    char *feed;         /* feed id */
    char *feed_title;   /* feed's display name, or NULL */
    char *title;        /* the item's title as that feed wrote it */
    char *link;         /* absolute http(s) URL, or NULL */
};

struct digest_story {
    char *title;        /* plain text, NFC */
    char *link;         /* absolute http(s) URL, or NULL */
    int64_t published;  /* UTC seconds, or TIME_NONE */
    int published_guessed;  /* 1: published is when bantin first saw it,
                               the source gave no date */
    char *summary;      /* plain text, or NULL */
    struct digest_source *sources;  /* at least one; the first is the story's own */
    size_t nsources;
};

struct digest_topic {
    char *id;           /* config topic id, or "khac" for the fallback */
    char *title;
    struct digest_story *stories;
    size_t nstories;
};

struct digest {
    char date[11];      /* "YYYY-MM-DD", the Vietnam-time day it covers */
    char *title;        /* e.g. "Bản tin Dân vận" */
    struct digest_topic *topics;   /* in config order; empty topics omitted */
    size_t ntopics;
};

void digest_free(struct digest *d);

#endif
