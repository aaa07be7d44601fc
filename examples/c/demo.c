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
 *   price_protect <order> payout <n> platform <n> seller <n>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

#define CHECK(what, call) example_check("demo", what, (call))

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

    events = example_read_file(path, &len);
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
            example_fail("demo", "truexp_engine_explain_json (size)", rc);
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
     * Price protection (价保): one claim, answered without the engine. Two
     * TVs bought at 1000.00 (a 50.00 line discount, a 100.00 platform
     * coupon), the price is 900.00 on the window's last second.
     */
    {
        struct truexp_order_line line;
        struct truexp_order_discount coupon;
        struct truexp_price_observation seen;
        struct truexp_claim claim;
        struct truexp_claim_line result[1];
        size_t lines = 0;
        const int64_t t0 = 1731240000; /* 2024-11-10 12:00:00 UTC */

        memset(&claim, 0, sizeof claim);
        line.sku.ptr = "tv";
        line.sku.len = 2;
        line.quantity = 2;
        line.unit_price = 100000;
        line.line_discount = 5000;
        coupon.amount = 10000;
        coupon.funded_by = TRUEXP_FUNDER_PLATFORM;
        coupon.kind = TRUEXP_PROMOTION_KIND_PLATFORM_CAMPAIGN;
        seen.sku = line.sku;
        seen.price = 90000;
        seen.promotion = TRUEXP_PROMOTION_KIND_PUBLIC;
        seen.at = t0 + 7 * 86400;
        claim.order_id.ptr = "o-demo";
        claim.order_id.len = 6;
        claim.lines = &line;
        claim.line_count = 1;
        claim.discounts = &coupon;
        claim.discount_count = 1;
        claim.ordered_at = t0;
        claim.paid_at = t0;
        claim.received_at = TRUEXP_ABSENT;
        claim.policy.window_days = 7;
        claim.policy.anchor = TRUEXP_PROTECTION_ANCHOR_ORDER;
        claim.policy.counted_promotions = TRUEXP_COUNTED_PROMOTIONS_DEFAULT;
        claim.observations = &seen;
        claim.observation_count = 1;
        claim.claimed_at = t0 + 7 * 86400;
        CHECK("truexp_price_protect_claim",
              truexp_price_protect_claim(&claim, result, 1, &lines));
        printf("price_protect o-demo payout %lld platform %lld seller %lld\n",
               (long long)result[0].payout, (long long)result[0].platform_part,
               (long long)result[0].seller_part);
    }

    free(ranking);
    truexp_engine_free(engine);
    return 0;
}
