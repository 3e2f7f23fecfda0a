/* digest.c - lifetime of the plain digest structs. */
#include "digest.h"

#include <stdlib.h>
#include <string.h>

static void source_release(struct digest_source *s)
{
    free(s->feed);
    free(s->feed_title);
    free(s->title);
    free(s->link);
}

static void story_release(struct digest_story *st)
{
    free(st->title);
    free(st->link);
    free(st->summary);
    for (size_t i = 0; i < st->nsources; i++)
        source_release(&st->sources[i]);
    free(st->sources);
}

void digest_free(struct digest *d)
{
    if (!d)
        return;
    for (size_t t = 0; t < d->ntopics; t++) {
        struct digest_topic *tp = &d->topics[t];
        free(tp->id);
        free(tp->title);
        for (size_t i = 0; i < tp->nstories; i++)
            story_release(&tp->stories[i]);
        free(tp->stories);
    }
    free(d->topics);
    free(d->title);
    memset(d, 0, sizeof *d);
}
