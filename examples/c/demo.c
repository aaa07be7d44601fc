/*
 * demo.c: load the demo events, print the top shops and one explanation.
 *
 *   demo [events.jsonl] [top-n]
 *
 * Output lines (read by ffi/tests/c_clients.rs):
 *   version <string> <TRUEXP_VERSION_NUMBER>
 *   ingested lines <n> accepted <n> duplicates <n> rejected <n>
 *   as_of <utc seconds>
 *   shops <n>
 *   rank <i> <shop> <overall> <stars> <grade> <problem orders>/<valid orders>
 *   explain <shop> <json>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "truexp.h"

static void fail(const char *what, truexp_result code) {
    char msg[512];
    size_t n = 0;
    if (truexp_last_error_message(msg, sizeof msg, &n) != TRUEXP_RESULT_OK) {
        msg[0] = '\0';
    }
    fprintf(stderr, "demo: %s failed: code %u: %s\n", what, (unsigned)code, msg);
    exit(1);
}

#define CHECK(what, call)                       \
    do {                                        \
        truexp_result rc_ = (call);             \
        if (rc_ != TRUEXP_RESULT_OK) {          \
            fail(what, rc_);                    \
        }                                       \
    } while (0)

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0;
    size_t used = 0;
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    for (;;) {
        size_t got;
        if (cap - used < 65536) {
            cap = cap * 2 + 65536;
            buf = realloc(buf, cap);
            if (buf == NULL) {
                perror("realloc");
                exit(1);
            }
        }
        got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0) {
            break;
        }
    }
    fclose(f);
    *len = used;
    return buf;
}

struct ranked {
    char id[128];
    struct truexp_shop_score score;
};

static int by_rank(const void *a, const void *b) {
    const struct ranked *x = a;
    const struct ranked *y = b;
    if (x->score.overall != y->score.overall) {
        return x->score.overall > y->score.overall ? -1 : 1;
    }
    return strcmp(x->id, y->id);
}

static const char *grade_name(truexp_grade g) {
    switch (g) {
    case TRUEXP_GRADE_HIGH:
        return "high";
    case TRUEXP_GRADE_MEDIUM:
        return "medium";
    default:
        return "low";
    }
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/data/demo.jsonl";
    size_t top = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 10;
    size_t len = 0;
    size_t i;
    size_t shops = 0;
    size_t written = 0;
    int64_t as_of = 0;
    char *events;
    char *json;
    struct truexp_engine *engine = NULL;
    struct truexp_ingest_report report;
    struct ranked *ranking;
    truexp_result rc;

    printf("version %s %d\n", truexp_version(), TRUEXP_VERSION_NUMBER);

    events = read_file(path, &len);
    CHECK("truexp_engine_new", truexp_engine_new(&engine));
    CHECK("truexp_engine_ingest_jsonl", truexp_engine_ingest_jsonl(engine, events, len, &report));
    free(events);
    printf("ingested lines %llu accepted %llu duplicates %llu rejected %llu\n",
           (unsigned long long)report.lines, (unsigned long long)report.accepted,
           (unsigned long long)report.duplicates, (unsigned long long)report.rejected);

    CHECK("truexp_engine_latest_event_time", truexp_engine_latest_event_time(engine, &as_of));
    printf("as_of %lld\n", (long long)as_of);

    /* Score every shop and rank them like the scoreboard: best first, ties by id. */
    CHECK("truexp_engine_shop_count", truexp_engine_shop_count(engine, &shops));
    printf("shops %lu\n", (unsigned long)shops);
    ranking = calloc(shops, sizeof *ranking);
    if (ranking == NULL) {
        return 1;
    }
    for (i = 0; i < shops; i++) {
        struct ranked *r = &ranking[i];
        CHECK("truexp_engine_shop_id",
              truexp_engine_shop_id(engine, i, r->id, sizeof r->id, &written));
        CHECK("truexp_engine_shop_score",
              truexp_engine_shop_score(engine, r->id, written, as_of, &r->score));
    }
    qsort(ranking, shops, sizeof *ranking, by_rank);
    for (i = 0; i < shops && i < top; i++) {
        const struct truexp_shop_score *s = &ranking[i].score;
        printf("rank %lu %s %.2f %.1f %s %llu/%llu\n", (unsigned long)(i + 1), ranking[i].id,
               s->overall, s->stars, grade_name(s->grade), (unsigned long long)s->problem_orders,
               (unsigned long long)s->problem_valid_orders);
    }

    /* The explanation of the best shop: ask for the size, then fetch. */
    if (shops > 0) {
        const char *best = ranking[0].id;
        rc = truexp_engine_explain_json(engine, best, strlen(best), as_of, NULL, 0, &written);
        if (rc != TRUEXP_RESULT_BUFFER_TOO_SMALL) {
            fail("truexp_engine_explain_json (size)", rc);
        }
        json = malloc(written);
        if (json == NULL) {
            return 1;
        }
        CHECK("truexp_engine_explain_json",
              truexp_engine_explain_json(engine, best, strlen(best), as_of, json, written,
                                         &written));
        printf("explain %s %s\n", best, json);
        free(json);
    }

    /*
     * TODO(price protection): once truexp_price_protect_* lands, file a claim
     * for one order of the best shop here and print the refund it is owed.
     */

    free(ranking);
    truexp_engine_free(engine);
    return 0;
}
