/* opml.h - the feed list in and out as OPML 2.0 (`bantin opml`).
 *
 * Export writes the configured feeds; import reads another reader's OPML
 * and proposes [feed "id"] sections for the admin to paste into
 * bantin.conf. Import never writes the config: the admin decides.
 *
 * An OPML file is untrusted like a feed: it is parsed with libxml2 without
 * network access, DTD loading or entity substitution, and a file that
 * declares entities is refused (LIBS.md 3). */
#ifndef BANTIN_OPML_H
#define BANTIN_OPML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

/* Write cfg's feeds, in file order, as an OPML 2.0 document to out:
 * head/title is the digest title, head/dateCreated is now (UTC seconds) in
 * RFC 822 form. A feed becomes <outline type="rss" text title xmlUrl>; a
 * type = html feed, a list page and not a feed, becomes <outline
 * type="link" text title url> (OPML 2.0 "link"), so other readers do not
 * subscribe to a web page. text and title are the configured title, else
 * the id. Returns 0, or -1 with a one-line reason in err (libxml2 could not
 * build the document, or writing to out failed). */
int config_opml_export(const struct config *cfg, int64_t now, FILE *out,
                       char *err, size_t errlen);

/* A feed to add, as import proposes it. */
struct config_opml_feed {
    char *id;         /* slug, unique among the config's feeds and the others */
    char *url;        /* the outline's xmlUrl, checked like `bantin check` */
    char *title;      /* cleaned text (NFC, one line), or NULL */
    char *category;   /* enclosing outlines' titles joined by " / ", or NULL */
};

/* An outline that was not taken, and why. */
struct config_opml_skip {
    char *what;       /* the URL, else the outline's title */
    char *reason;     /* "already configured as feed 'x'", "not http or
                         https", ... */
};

struct config_opml_import {
    struct config_opml_feed *feeds;   /* in document order */
    size_t nfeeds;
    struct config_opml_skip *skipped; /* in document order */
    size_t nskipped;
    size_t dropped_limit;  /* feed outlines past LIMIT_OPML_OUTLINES */
};

enum config_opml_status {
    CONFIG_OPML_OK = 0,
    CONFIG_OPML_NOT_OPML,   /* not XML, not well-formed, or its root is not
                               <opml>, or it has no <body> */
    CONFIG_OPML_HOSTILE,    /* declares entities: refused */
};

/* Read the OPML document doc[0..n) and propose the feeds to add to cfg.
 * Outlines are walked at every depth: an outline with xmlUrl is a feed,
 * one without is a category whose children are read. Feeds are skipped
 * (with a reason in skipped) when their URL is not one `bantin check`
 * accepts (http or https only: file:, feed: and the like are refused),
 * when its canonical form (util/url.h) is already the URL of a configured
 * feed or of an earlier outline, and for type="link" outlines (web pages).
 * Ids are made from the title, else the host (config_opml_slug), and made
 * unique with "-2", "-3", ... against cfg's feed ids and each other.
 * Returns CONFIG_OPML_OK with *out filled (possibly empty), or another
 * status with *out empty and one line in err. Release *out with
 * config_opml_import_free in every case. */
enum config_opml_status config_opml_import(const struct config *cfg,
                                           const char *doc, size_t n,
                                           struct config_opml_import *out,
                                           char *err, size_t errlen);

void config_opml_import_free(struct config_opml_import *imp);

/* Print the proposed feeds as bantin.conf sections to out, each preceded by
 * a comment naming its category when it has one:
 *     [feed "ban-dan-van-nghe-an"]
 *     url   = https://...
 *     title = Ban Dân vận Tỉnh ủy Nghệ An
 * Values that the config reader would otherwise cut (';' or '#' after a
 * blank) or unquote are written quoted with \" and \\ escapes. Returns 0,
 * or -1 on a write error. */
int config_opml_write_sections(const struct config_opml_import *imp,
                               FILE *out);

/* A feed id made from text: Vietnamese letters folded to ASCII (diacritics
 * removed, đ -> d), lower case, every run of other characters one '-',
 * no '-' at either end, cut to at most 40 bytes at a '-' when possible.
 * Returns a malloc'd string (caller frees), "" when nothing is left. */
char *config_opml_slug(const char *text);

#endif
