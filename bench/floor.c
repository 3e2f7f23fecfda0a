/* floor.c - bench: what the libraries alone cost on the parse corpus (libxml2 SAX, expat, jansson and cJSON output), in one process. */

/*
 * Usage: floor ROUNDS XML JSON [XML JSON ...]
 *
 * bantin must read XML with libxml2 and print JSON with jansson, so no
 * bantin, however lean its own code, can parse the corpus faster than
 * these two libraries take for it with nothing else to do. This measures
 * that floor, with every file already in memory and no process started:
 *
 *   libxml2     the SAX2 push parser with no-op callbacks, with the
 *               options and chunk size of parse/feed.c
 *   expat       XML_Parse with no-op handlers, the whole document in
 *               one call, for reference only: the other maintained XML
 *               library
 *   dump        jansson dumping bantin's own output (JSON, the file
 *               `bantin parse XML` printed, loaded untimed), compact and
 *               item by item as parse/feed_json.c does
 *   build_dump  the same, with each item object built again from its
 *               strings first, as feed_json.c builds it
 *   cjson       cJSON printing the same items (loaded untimed into cJSON's
 *               objects), compact, into one preallocated buffer: the other
 *               JSON library the project allows, for the verdict
 *
 * Each phase is timed on its own (CLOCK_MONOTONIC) per file; the sums over
 * the files are printed, the lowest of ROUNDS for each phase, as
 * "key value" lines for bench_parse.py. The dumped text is compared with
 * bantin's output, so that the dump measured is of exactly that text.
 * Exits 1 with a message on any error. Not built by `make`: bench_parse.py
 * compiles it (cc -O2, pkg-config libxml-2.0 jansson expat libcjson).
 */

#include <cjson/cJSON.h>
#include <expat.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* As parse/feed.c: PARSE_OPTIONS and PUSH_CHUNK. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA |          \
                       XML_PARSE_NOERROR | XML_PARSE_NOWARNING |      \
                       XML_PARSE_RECOVER | XML_PARSE_IGNORE_ENC)
#define PUSH_CHUNK (64 * 1024)

#define MAX_ROUNDS 100

enum phase { PH_LIBXML2, PH_EXPAT, PH_DUMP, PH_BUILD_DUMP, PH_CJSON, PH_COUNT };

static const char *const phase_key[PH_COUNT] = {
    "libxml2_sax", "expat", "jansson_dump", "jansson_build_dump", "cjson_print",
};

/* One corpus file and bantin's output for it, all in memory. */
struct doc {
    const char *xml_path;
    const char *json_path;
    char *xml;          /* the feed */
    size_t xml_len;
    char *json;         /* what `bantin parse` printed for it */
    size_t json_len;
    json_t *parsed;     /* json loaded: {"feed":{...},"items":[...]} */
    cJSON *cparsed;     /* the same, loaded by cJSON */
};

/* A growing output buffer, as util/buf.c is for feed_json.c. */
struct out {
    char *data;
    size_t len, cap;
};

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("floor: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The whole file, malloc'd; *len gets its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("%s: cannot open", path);
    size_t cap = 1 << 20, n = 0;
    char *s = malloc(cap);
    for (;;) {
        if (!s)
            die("%s: out of memory", path);
        n += fread(s + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        s = realloc(s, cap);
    }
    if (ferror(f))
        die("%s: read error", path);
    fclose(f);
    *len = n;
    return s;
}

static void out_add(struct out *o, const char *s, size_t n)
{
    if (o->cap - o->len < n) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap - o->len < n)
            cap *= 2;
        o->data = realloc(o->data, cap);
        if (!o->data)
            die("out of memory");
        o->cap = cap;
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
}

static int add_chunk(const char *s, size_t n, void *data)
{
    out_add(data, s, n);
    return 0;
}

/* ---- libxml2 ----------------------------------------------------------- */

static void x_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                    const xmlChar *uri, int nb_namespaces,
                    const xmlChar **namespaces, int nb_attributes,
                    int nb_defaulted, const xmlChar **attributes)
{
    (void)ctx, (void)localname, (void)prefix, (void)uri, (void)nb_namespaces;
    (void)namespaces, (void)nb_attributes, (void)nb_defaulted;
    (void)attributes;
}

static void x_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                  const xmlChar *uri)
{
    (void)ctx, (void)localname, (void)prefix, (void)uri;
}

static void x_chars(void *ctx, const xmlChar *ch, int len)
{
    (void)ctx, (void)ch, (void)len;
}

static void x_error(void *ctx, xmlErrorPtr error)
{
    (void)ctx, (void)error;
}

/* One push parse of d as parse/feed.c's parse_once does it; returns
 * whether the document was well-formed. */
static int run_libxml2(const struct doc *d)
{
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = x_start;
    sax.endElementNs = x_end;
    sax.characters = x_chars;
    sax.ignorableWhitespace = x_chars;
    sax.cdataBlock = x_chars;
    sax.serror = x_error;
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
    if (!ctxt)
        die("out of memory creating an XML parser");
    xmlCtxtUseOptions(ctxt, PARSE_OPTIONS);
    size_t off = 0;
    do {
        size_t k = d->xml_len - off < PUSH_CHUNK ? d->xml_len - off : PUSH_CHUNK;
        xmlParseChunk(ctxt, d->xml + off, (int)k, off + k == d->xml_len);
        off += k;
    } while (off < d->xml_len && ctxt->instate != XML_PARSER_EOF);
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    int well_formed = ctxt->wellFormed;
    xmlFreeParserCtxt(ctxt);
    return well_formed;
}

/* ---- expat ------------------------------------------------------------- */

static void XMLCALL e_start(void *ctx, const XML_Char *name,
                            const XML_Char **atts)
{
    (void)ctx, (void)name, (void)atts;
}

static void XMLCALL e_end(void *ctx, const XML_Char *name)
{
    (void)ctx, (void)name;
}

static void XMLCALL e_chars(void *ctx, const XML_Char *s, int len)
{
    (void)ctx, (void)s, (void)len;
}

/* One parse of d, with namespaces resolved as libxml2's SAX2 does;
 * returns whether expat found no error. The document goes in one call,
 * the way to hand expat a document already in memory: in pieces (as
 * libxml2 gets them) expat copies each one into a buffer of its own, a
 * third more time on this corpus. */
static int run_expat(const struct doc *d)
{
    XML_Parser p = XML_ParserCreateNS(NULL, '|');
    if (!p)
        die("out of memory creating an expat parser");
    XML_SetElementHandler(p, e_start, e_end);
    XML_SetCharacterDataHandler(p, e_chars);
    int ok = XML_Parse(p, d->xml, (int)d->xml_len, 1) == XML_STATUS_OK;
    XML_ParserFree(p);
    return ok;
}

/* ---- jansson ----------------------------------------------------------- */

/* A copy of item as feed_json.c's item_object makes it: into o, reused for
 * every item, strings unchecked, categories a new array. */
static void rebuild_item(json_t *o, json_t *item)
{
    const char *key;
    json_t *v;
    json_object_foreach(item, key, v) {
        json_t *copy;
        if (json_is_string(v)) {
            copy = json_string_nocheck(json_string_value(v));
        } else if (json_is_array(v)) {
            copy = json_array();
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e)
                json_array_append_new(copy,
                                      json_string_nocheck(json_string_value(e)));
        } else {
            copy = json_incref(v);   /* null, true */
        }
        json_object_set_new_nocheck(o, key, copy);
    }
}

/* Dump d's output as parse/feed_json.c's feed_json_write does (skeleton
 * ours, every object jansson's, compact, to memory), after building the
 * objects again when build. The text must be bantin's, byte for byte. */
static void run_jansson(const struct doc *d, int build, double *seconds)
{
    json_t *feed = json_object_get(d->parsed, "feed");
    json_t *items = json_object_get(d->parsed, "items");
    double t0 = now();
    struct out b = {NULL, 0, 0};
    out_add(&b, "{\"feed\":", 8);
    int rc;
    if (build) {
        json_t *f = json_object();
        rebuild_item(f, feed);
        rc = json_dump_callback(f, add_chunk, &b, JSON_COMPACT);
        json_decref(f);
    } else {
        rc = json_dump_callback(feed, add_chunk, &b, JSON_COMPACT);
    }
    out_add(&b, ",\"items\":[", 10);
    json_t *o = json_object();
    size_t n = json_array_size(items);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i)
            out_add(&b, ",", 1);
        json_t *item = json_array_get(items, i);
        if (build) {
            rebuild_item(o, item);
            item = o;
        }
        rc = json_dump_callback(item, add_chunk, &b, JSON_COMPACT);
    }
    json_decref(o);
    out_add(&b, "]}\n", 3);
    double t1 = now();
    if (rc != 0)
        die("%s: jansson could not dump it", d->json_path);
    if (b.len != d->json_len || memcmp(b.data, d->json, b.len) != 0)
        die("%s: jansson's dump differs from bantin's output (%zu bytes, "
            "not %zu): not the shape of feed_json.c any more?",
            d->json_path, b.len, d->json_len);
    free(b.data);
    *seconds += t1 - t0;
}

/* ---- cJSON ------------------------------------------------------------- */

/* Print d's output with cJSON as run_jansson dumps it (skeleton ours,
 * each object cJSON's, compact), every object printed into one buffer
 * the size of bantin's whole output, then appended. The text must be
 * bantin's, byte for byte. */
static void run_cjson(const struct doc *d, double *seconds)
{
    cJSON *feed = cJSON_GetObjectItemCaseSensitive(d->cparsed, "feed");
    cJSON *items = cJSON_GetObjectItemCaseSensitive(d->cparsed, "items");
    int scratch_len = (int)(d->json_len + 64);
    char *scratch = malloc((size_t)scratch_len);
    if (!scratch)
        die("out of memory");
    double t0 = now();
    struct out b = {NULL, 0, 0};
    out_add(&b, "{\"feed\":", 8);
    int ok = cJSON_PrintPreallocated(feed, scratch, scratch_len, 0);
    if (ok)
        out_add(&b, scratch, strlen(scratch));
    out_add(&b, ",\"items\":[", 10);
    int i = 0;
    for (cJSON *it = items->child; ok && it; it = it->next, i++) {
        if (i)
            out_add(&b, ",", 1);
        ok = cJSON_PrintPreallocated(it, scratch, scratch_len, 0);
        if (ok)
            out_add(&b, scratch, strlen(scratch));
    }
    out_add(&b, "]}\n", 3);
    double t1 = now();
    if (!ok)
        die("%s: cJSON could not print it", d->json_path);
    if (b.len != d->json_len || memcmp(b.data, d->json, b.len) != 0)
        die("%s: cJSON's text differs from bantin's output (%zu bytes, not "
            "%zu)", d->json_path, b.len, d->json_len);
    free(b.data);
    free(scratch);
    *seconds += t1 - t0;
}

/* ---- main -------------------------------------------------------------- */

static void load(struct doc *d)
{
    d->xml = slurp(d->xml_path, &d->xml_len);
    if (d->xml_len > INT_MAX)   /* XML_Parse and xmlParseChunk take an int */
        die("%s: larger than %d bytes", d->xml_path, INT_MAX);
    d->json = slurp(d->json_path, &d->json_len);
    json_error_t err;
    d->parsed = json_loadb(d->json, d->json_len, 0, &err);
    if (!d->parsed)
        die("%s:%d: not JSON: %s", d->json_path, err.line, err.text);
    if (!json_is_object(json_object_get(d->parsed, "feed")) ||
        !json_is_array(json_object_get(d->parsed, "items")))
        die("%s: not bantin's {\"feed\":...,\"items\":[...]}", d->json_path);
    d->cparsed = cJSON_ParseWithLength(d->json, d->json_len);
    if (!d->cparsed || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(
                           d->cparsed, "items")))
        die("%s: cJSON cannot read it", d->json_path);
}

int main(int argc, char **argv)
{
    char *end;
    long rounds = argc > 1 ? strtol(argv[1], &end, 10) : 0;
    if (argc < 4 || argc % 2 != 0 || *end || rounds < 1 || rounds > MAX_ROUNDS)
        die("usage: floor ROUNDS(1-%d) XML JSON [XML JSON ...]", MAX_ROUNDS);
    size_t ndocs = (size_t)(argc - 2) / 2;
    struct doc *docs = calloc(ndocs, sizeof *docs);
    if (!docs)
        die("out of memory");
    size_t bytes = 0, items = 0;
    for (size_t i = 0; i < ndocs; i++) {
        docs[i].xml_path = argv[2 + 2 * i];
        docs[i].json_path = argv[3 + 2 * i];
        load(&docs[i]);
        bytes += docs[i].xml_len;
        items += json_array_size(json_object_get(docs[i].parsed, "items"));
    }
    xmlInitParser();   /* once, untimed, as feed_global_init() does */

    double best[PH_COUNT];
    size_t not_well_formed = 0, expat_errors = 0;
    for (long r = 0; r < rounds; r++) {
        double sum[PH_COUNT] = {0};
        not_well_formed = expat_errors = 0;
        for (size_t i = 0; i < ndocs; i++) {
            double t0 = now();
            not_well_formed += !run_libxml2(&docs[i]);
            double t1 = now();
            expat_errors += !run_expat(&docs[i]);
            double t2 = now();
            sum[PH_LIBXML2] += t1 - t0;
            sum[PH_EXPAT] += t2 - t1;
            run_jansson(&docs[i], 0, &sum[PH_DUMP]);
            run_jansson(&docs[i], 1, &sum[PH_BUILD_DUMP]);
            run_cjson(&docs[i], &sum[PH_CJSON]);
        }
        for (int p = 0; p < PH_COUNT; p++)
            if (r == 0 || sum[p] < best[p])
                best[p] = sum[p];
    }

    printf("files %zu\nbytes %zu\nitems %zu\nrounds %ld\n",
           ndocs, bytes, items, rounds);
    for (int p = 0; p < PH_COUNT; p++)
        printf("%s %.6f\n", phase_key[p], best[p]);
    printf("libxml2_not_well_formed %zu\nexpat_errors %zu\n",
           not_well_formed, expat_errors);
    /* the libraries run, not the headers compiled against */
    long lx = strtol(xmlParserVersion, NULL, 10);
    XML_Expat_Version ex = XML_ExpatVersionInfo();
    printf("version_libxml2 %ld.%ld.%ld\nversion_expat %d.%d.%d\n"
           "version_jansson %s\nversion_cjson %s\n", lx / 10000,
           lx / 100 % 100, lx % 100, ex.major, ex.minor, ex.micro,
           jansson_version_str(), cJSON_Version());
    for (size_t i = 0; i < ndocs; i++) {
        json_decref(docs[i].parsed);
        cJSON_Delete(docs[i].cparsed);
        free(docs[i].xml);
        free(docs[i].json);
    }
    free(docs);
    xmlCleanupParser();
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
