/* topic.h - rule-based topic of a story: keywords on syllable sequences.
 *
 * Each [topic] of the config (or the 12 built-in ones, VIETNAMESE.md 4)
 * lists keywords and exclude phrases. A keyword matches where its match
 * key's syllables (parse/text.h text_match_key) occur as a run of whole
 * syllables of the text's match key: so "Ủy ban"/"Uỷ ban", capitals and
 * NFD all match, punctuation inside a keyword is ignored ("phòng, chống
 * dịch" matches "phòng chống dịch"), and "lũ" never matches inside "lũy".
 *
 * Scoring of one text:
 *   - a hit weighs the keyword's syllable count, times TOPIC_TITLE_WEIGHT
 *     in the title and TOPIC_SUMMARY_WEIGHT in the summary;
 *   - a hit lying inside a longer hit (of any topic) does not count: the
 *     longer phrase is the better-informed one ("hội nghị" of the event
 *     topic yields to "hội nghị cán bộ, công chức" of quy-che-dan-chu;
 *     "Phật giáo" counts once inside "Giáo hội Phật giáo Việt Nam");
 *   - an exclude phrase found in the title or the summary vetoes its
 *     topic, whatever the score.
 * Choice: event-type topics (a conference, a training course: they
 * co-occur with every subject, VIETNAMESE.md 4 note (a)) rank below
 * subject topics. The winner is the best-scoring topic of the first
 * non-empty class of: subject topics, when one has a title hit; event
 * topics with a title hit; subject topics with any hit; event topics with
 * any hit. Equal scores go to the topic listed first in the config. */
#ifndef BANTIN_TOPIC_H
#define BANTIN_TOPIC_H

#include <stddef.h>

#include "config/config.h"

#define TOPIC_TITLE_WEIGHT      3
#define TOPIC_SUMMARY_WEIGHT    1

/* The built-in topics that are event types, by id. */
#define TOPIC_EVENT_IDS         { "hoi-nghi-tong-ket", "tap-huan-boi-duong" }

struct topic_matcher;

/* Compile topics[0..n) (kept by index: topic_classify returns indexes into
 * this array; the array itself is not referenced afterwards). Topics whose
 * id is in TOPIC_EVENT_IDS are event types. Keywords whose key is empty
 * (punctuation only) are ignored. Returns a matcher the caller frees with
 * topic_matcher_free; never NULL (dies on OOM like xmalloc). */
struct topic_matcher *topic_matcher_new(const struct config_topic *topics,
                                        size_t n);

void topic_matcher_free(struct topic_matcher *m);

/* Mark topic i as an event type (is_event 1) or a subject (0), overriding
 * TOPIC_EVENT_IDS; for a future config key. i must be < n. */
void topic_matcher_set_event(struct topic_matcher *m, size_t i, int is_event);

/* The topic of a story with this title and summary (either may be NULL):
 * the index of the winning topic, or -1 when no topic scores (the digest's
 * fallback "Khác"). When score_out is not NULL it receives the winner's
 * score (0 for -1). Never fails. */
int topic_classify(const struct topic_matcher *m, const char *title,
                   const char *summary, double *score_out);

#endif
