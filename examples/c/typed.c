/*
 * typed.c: typed ingestion (the hot path) and every error rule of the ABI.
 *
 * Builds 30 orders of two shops with the typed structs (paid, shipped,
 * delivered, review, refund requested/completed, chat), prints both shops'
 * scores with round-trip precision, then provokes each result code.
 * ffi/tests/c_clients.rs builds the same events with the Rust API and
 * compares. Output lines:
 *   outcomes applied <n> pending <n> duplicate <n>
 *   score <shop> <overall> <stars> <grade> <change> <growth> <percentile>
 *         <penalty> <problems> <valid> <rate> <blocks> [<name> <score> <assessed>]...
 *   check <name> <code>
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

#define T0 INT64_C(1790000000)
#define HOUR INT64_C(3600)
#define ORDERS 30

static struct truexp_str absent(void) {
    struct truexp_str out;
    out.ptr = NULL;
    out.len = 0;
    return out;
}

static unsigned counts[3];

static void ok(const char *what, truexp_result rc, const uint32_t *outcome) {
    if (rc != TRUEXP_RESULT_OK) {
        char msg[512];
        size_t n = 0;
        truexp_last_error_message(msg, sizeof msg, &n);
        fprintf(stderr, "typed: %s: code %u: %s\n", what, (unsigned)rc, msg);
        exit(1);
    }
    counts[*outcome]++;
}

static void feed(struct truexp_engine *e) {
    int i;
    for (i = 0; i < ORDERS; i++) {
        char id[8][32];
        char order[32], buyer[32], sku[32], refund[32];
        struct truexp_order_line line;
        struct truexp_order_discount discount;
        struct truexp_str tag = example_str("cold_chain");
        struct truexp_order_paid paid;
        struct truexp_shipped shipped;
        struct truexp_delivered delivered;
        struct truexp_review review;
        struct truexp_refund_requested req;
        struct truexp_refund_completed done;
        struct truexp_chat chat;
        uint32_t outcome = 0;
        int k;
        const char *shop = i % 2 ? "t2" : "t1";
        int64_t paid_at = T0 + i * HOUR;
        int64_t shipped_at = paid_at + (i % 4 == 0 ? 72 : 10) * HOUR;
        int64_t delivered_at = shipped_at + 48 * HOUR;

        for (k = 0; k < 8; k++) {
            snprintf(id[k], sizeof id[k], "%c%d", "psdrqcha"[k], i);
        }
        snprintf(order, sizeof order, "o%d", i);
        snprintf(buyer, sizeof buyer, "b%d", i);
        snprintf(sku, sizeof sku, "k%d", i % 3);
        snprintf(refund, sizeof refund, "f%d", i);

        memset(&paid, 0, sizeof paid);
        line.sku = example_str(sku);
        line.quantity = 1 + i % 2;
        line.unit_price = 1990 + i * 10;
        line.line_discount = 0;
        discount.amount = 100;
        discount.funded_by = TRUEXP_FUNDER_SELLER;
        discount.kind = TRUEXP_PROMOTION_KIND_PUBLIC;
        paid.id = example_str(id[0]);
        paid.order_id = example_str(order);
        paid.shop_id = example_str(shop);
        paid.buyer_id = example_str(buyer);
        paid.category = example_str("pet");
        paid.lines = &line;
        paid.line_count = 1;
        paid.discounts = i % 5 == 0 ? &discount : NULL;
        paid.discount_count = i % 5 == 0 ? 1 : 0;
        paid.tags = i % 7 == 0 ? &tag : NULL;
        paid.tag_count = i % 7 == 0 ? 1 : 0;
        paid.ordered_at = TRUEXP_ABSENT;
        paid.paid_at = paid_at;
        paid.ship_by = paid_at + 48 * HOUR;
        paid.deliver_by = TRUEXP_ABSENT;
        paid.fake = i == ORDERS - 1;

        shipped.id = example_str(id[1]);
        shipped.order_id = example_str(order);
        shipped.at = shipped_at;
        shipped.pickup_at = i % 3 ? shipped_at + HOUR : TRUEXP_ABSENT;
        shipped.tracking_valid = 1;

        delivered.id = example_str(id[2]);
        delivered.order_id = example_str(order);
        delivered.at = delivered_at;

        review.id = example_str(id[3]);
        review.order_id = example_str(order);
        review.reviewer = example_str(buyer);
        review.at = delivered_at + 24 * HOUR;
        review.product_stars = 1 + i % 5;
        review.logistics_stars = i % 2 ? 5 : TRUEXP_ABSENT;
        review.service_stars = 4;
        review.suspicious = 0;

        req.id = example_str(id[4]);
        req.order_id = example_str(order);
        req.refund_id = example_str(refund);
        req.at = delivered_at + 2 * HOUR;
        req.kind = TRUEXP_REFUND_KIND_RETURN_AND_REFUND;
        req.reason = (uint32_t)(i % 11);
        req.amount = 1990;
        req.sku = example_str(sku);
        req.units = 1;

        done.id = example_str(id[5]);
        done.order_id = example_str(order);
        done.refund_id = example_str(refund);
        done.at = req.at + 48 * HOUR;
        done.amount = 1990;
        done.units_returned = 1;

        chat.id = example_str(id[6]);
        chat.shop_id = example_str(shop);
        chat.buyer_id = example_str(buyer);
        chat.started_at = paid_at - 600;
        chat.first_response_secs = i % 4 == 3 ? TRUEXP_ABSENT : (i % 4) * 30;
        chat.satisfaction = i % 5 == 0 ? TRUEXP_ABSENT : 3 + i % 3;
        chat.agent_certification = i % 2 ? example_str("pet_doctor") : absent();

        /* Facts before their order wait (pending) and apply when it arrives. */
        if (i % 2 == 1) {
            ok("delivered", truexp_engine_ingest_delivered(e, &delivered, &outcome), &outcome);
        }
        ok("order_paid", truexp_engine_ingest_order_paid(e, &paid, &outcome), &outcome);
        ok("shipped", truexp_engine_ingest_shipped(e, &shipped, &outcome), &outcome);
        if (i % 2 == 0) {
            ok("delivered", truexp_engine_ingest_delivered(e, &delivered, &outcome), &outcome);
        }
        if (i % 3 != 2) {
            ok("review", truexp_engine_ingest_review(e, &review, &outcome), &outcome);
        }
        if (i % 6 == 1) {
            ok("refund_requested", truexp_engine_ingest_refund_requested(e, &req, &outcome),
               &outcome);
            ok("refund_completed", truexp_engine_ingest_refund_completed(e, &done, &outcome),
               &outcome);
        }
        ok("chat", truexp_engine_ingest_chat(e, &chat, &outcome), &outcome);
        /* The same event twice is a duplicate. */
        ok("chat again", truexp_engine_ingest_chat(e, &chat, &outcome), &outcome);
    }
}

static void print_score(const struct truexp_engine *e, const char *shop, int64_t as_of) {
    struct truexp_shop_score sc;
    uint32_t b;
    truexp_result rc = truexp_engine_shop_score(e, shop, strlen(shop), as_of, &sc);
    if (rc != TRUEXP_RESULT_OK) {
        fprintf(stderr, "typed: score %s: code %u\n", shop, (unsigned)rc);
        exit(1);
    }
    printf("score %s %.17g %.17g %u %.17g %d %.17g %.17g %" PRIu64 " %" PRIu64 " %.17g %u", shop,
           sc.overall, sc.stars, (unsigned)sc.grade, sc.change, sc.growth_stage ? 1 : 0,
           sc.percentile, sc.fake_order_penalty, sc.problem_orders, sc.problem_valid_orders,
           sc.problem_rate, (unsigned)sc.block_count);
    for (b = 0; b < sc.block_count; b++) {
        printf(" %s %.17g %d", sc.blocks[b].name, sc.blocks[b].score,
               sc.blocks[b].assessed ? 1 : 0);
    }
    printf("\n");
}

static void check(const char *name, truexp_result rc) {
    printf("check %s %u\n", name, (unsigned)rc);
}

int main(void) {
    struct truexp_engine *e = NULL;
    struct truexp_engine *other = NULL;
    struct truexp_engine *never = NULL;
    int64_t as_of = 0;
    char small[4];
    char buf[256];
    char listed[1024];
    size_t written = 0;
    size_t count = 0;
    uint32_t outcome = 0;
    struct truexp_ingest_report report;
    struct truexp_shop_score sc;
    struct truexp_review review;
    struct truexp_refund_requested req;
    const char bad_utf8[] = "t\xff";
    const char *good = "{\"type\":\"delivered\",\"id\":\"x1\",\"order_id\":\"o1\",\"at\":1790999999}";
    const char *lines = "{\"type\":\"delivered\",\"id\":\"x2\",\"order_id\":\"o2\",\"at\":1790999999}\n"
                        "not json\n"
                        "\n"
                        "{\"type\":\"delivered\",\"id\":\"x2\",\"order_id\":\"o2\",\"at\":1790999999}\n";

    if (truexp_engine_new(&e) != TRUEXP_RESULT_OK) {
        return 1;
    }
    check("no_data", truexp_engine_latest_event_time(e, &as_of));
    feed(e);
    printf("outcomes applied %u pending %u duplicate %u\n", counts[TRUEXP_INGESTED_APPLIED],
           counts[TRUEXP_INGESTED_PENDING], counts[TRUEXP_INGESTED_DUPLICATE]);
    if (truexp_engine_latest_event_time(e, &as_of) != TRUEXP_RESULT_OK) {
        return 1;
    }
    printf("as_of %" PRId64 "\n", as_of);
    print_score(e, "t1", as_of);
    print_score(e, "t2", as_of);

    /* Errors are codes, never crashes; outputs stay untouched on failure. */
    check("ok_json", truexp_engine_ingest_json(e, good, strlen(good), &outcome));
    check("null_engine", truexp_engine_shop_score(NULL, "t1", 2, as_of, &sc));
    check("null_out", truexp_engine_shop_score(e, "t1", 2, as_of, NULL));
    check("null_shop", truexp_engine_shop_score(e, NULL, 2, as_of, &sc));
    check("null_event", truexp_engine_ingest_review(e, NULL, &outcome));
    check("invalid_utf8", truexp_engine_shop_score(e, bad_utf8, 2, as_of, &sc));
    check("unknown_shop", truexp_engine_shop_score(e, "zz", 2, as_of, &sc));
    check("invalid_event", truexp_engine_ingest_json(e, "{}", 2, &outcome));
    check("invalid_json", truexp_engine_ingest_json(e, "{", 1, &outcome));
    memset(&review, 0, sizeof review);
    review.id = example_str("bad-review");
    review.order_id = example_str("o1");
    review.reviewer = example_str("b1");
    review.at = T0;
    review.product_stars = 9;
    review.logistics_stars = TRUEXP_ABSENT;
    review.service_stars = TRUEXP_ABSENT;
    check("invalid_stars", truexp_engine_ingest_review(e, &review, &outcome));
    truexp_last_error_message(buf, sizeof buf, &written);
    printf("detail invalid_stars %s\n", buf);
    memset(&req, 0, sizeof req);
    req.id = example_str("bad-kind");
    req.order_id = example_str("o1");
    req.refund_id = example_str("f-bad");
    req.at = T0;
    req.kind = 77;
    req.sku = absent();
    req.units = TRUEXP_ABSENT;
    check("out_of_range_kind", truexp_engine_ingest_refund_requested(e, &req, &outcome));
    req.kind = TRUEXP_REFUND_KIND_REFUND_ONLY;
    req.reason = 11;
    check("out_of_range_reason", truexp_engine_ingest_refund_requested(e, &req, &outcome));
    check("out_of_range_index", truexp_engine_shop_id(e, 1000, buf, sizeof buf, &written));
    check("out_of_range_code", truexp_result_message(1000, buf, sizeof buf, &written));

    written = 0;
    check("buffer_too_small", truexp_result_message(TRUEXP_RESULT_BUFFER_TOO_SMALL, small,
                                                    sizeof small, &written));
    printf("needed %lu\n", (unsigned long)written);
    check("result_message", truexp_result_message(TRUEXP_RESULT_BUFFER_TOO_SMALL, buf, written,
                                                  &written));
    printf("message %s (%lu)\n", buf, (unsigned long)written);
    check("null_written", truexp_result_message(0, buf, sizeof buf, NULL));
    check("size_query", truexp_engine_scoreboard_json(e, as_of, NULL, 0, &written));
    printf("scoreboard bytes %lu\n", (unsigned long)written);

    check("jsonl", truexp_engine_ingest_jsonl(e, lines, strlen(lines), &report));
    printf("jsonl lines %llu accepted %llu duplicates %llu rejected %llu first %llu\n",
           (unsigned long long)report.lines, (unsigned long long)report.accepted,
           (unsigned long long)report.duplicates, (unsigned long long)report.rejected,
           (unsigned long long)report.first_rejected_line);
    truexp_last_error_message(buf, sizeof buf, &written);
    printf("detail jsonl %.7s\n", buf);
    /* every refused line, not only the first */
    check("rejected_size", truexp_last_rejected_json(NULL, 0, &written));
    if (written <= sizeof listed) {
        check("rejected_json", truexp_last_rejected_json(listed, sizeof listed, &written));
        printf("rejected_json %s\n", listed);
    }

    check("invalid_config", truexp_engine_new_with_config("{\"version\":0}", 13, &never));
    printf("never %s\n", never == NULL ? "null" : "set");
    check("invalid_config_json", truexp_engine_new_with_config("not json", 8, &never));
    check("merge_self", truexp_engine_merge(e, e));
    check("new_other", truexp_engine_new(&other));
    check("merge", truexp_engine_merge(other, e));
    truexp_engine_event_count(e, &count);
    printf("events %lu", (unsigned long)count);
    truexp_engine_event_count(other, &count);
    printf(" merged %lu\n", (unsigned long)count);
    check("merge_null", truexp_engine_merge(other, NULL));

    truexp_engine_free(NULL);
    truexp_engine_free(other);
    truexp_engine_free(e);
    return 0;
}
