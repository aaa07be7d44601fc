/*
 * price_protect.c: price protection (价保) through the C ABI.
 *
 *   price_protect [events.jsonl]
 *
 * 1. Answers the JD window example claim (examples/claims/jd_window.json,
 *    written here as C structs) and prints each line's result.
 * 2. Provokes the claim errors (NULL claim, bad enum, a line discount larger
 *    than its line, a too-small output buffer).
 * 3. Feeds the demo events to an engine, adds one typed price change, runs
 *    automatic mode with a callback and prints the totals and the first
 *    payouts; a second run finds nothing queued.
 *
 * ffi/tests/c_clients.rs computes the same with the Rust API and compares.
 * Output lines:
 *   claim <order> lines <n>
 *   claim_line <i> qty <n> window <start> <end> paid_unit <n> comparison <n>
 *              protected <n> payout <n> platform <n> seller <n> reason <name>
 *              history <returned> <protected> <paid> <refunded>
 *   claim_total payout <n> platform <n> seller <n>
 *   error <case> <code> [<detail>]
 *   small_buffer needed <n> untouched <0|1>
 *   typed_drop outcome <n> pending <n>
 *   auto drops <n> results <n> paid <n> payout <n> platform <n> seller <n>
 *   payout <drop id> <drop at> <order> <line> <sku> qty <n> window <start> <end>
 *          paid_unit <n> comparison <n> protected <n> payout <n> platform <n>
 *          seller <n> reason <name>
 *   auto_again drops <n> results <n>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

#define SHOWN_PAYOUTS 5

static const char *reason_name(truexp_zero_payout_reason r) {
    switch (r) {
    case TRUEXP_ZERO_PAYOUT_REASON_NONE:
        return "none";
    case TRUEXP_ZERO_PAYOUT_REASON_OUTSIDE_WINDOW:
        return "outside_window";
    case TRUEXP_ZERO_PAYOUT_REASON_EXCLUDED_PROMOTION:
        return "excluded_promotion";
    case TRUEXP_ZERO_PAYOUT_REASON_PRICE_NOT_LOWER:
        return "price_not_lower";
    case TRUEXP_ZERO_PAYOUT_REASON_FULLY_RETURNED:
        return "fully_returned";
    case TRUEXP_ZERO_PAYOUT_REASON_ALREADY_COMPENSATED:
        return "already_compensated";
    case TRUEXP_ZERO_PAYOUT_REASON_FULLY_REFUNDED:
        return "fully_refunded";
    case TRUEXP_ZERO_PAYOUT_REASON_FAKE_ORDER:
        return "fake_order";
    default:
        return "?";
    }
}

/* The JD window example: a 7-day window from the order time, a platform
 * campaign and a seller coupon apportioned over three lines, a lower public
 * price and a lower (not counted) payment-channel price for the TV. */
static struct truexp_order_line jd_lines[3];
static struct truexp_order_discount jd_discounts[2];
static struct truexp_price_observation jd_observations[3];
static struct truexp_line_history jd_history[3];

static struct truexp_claim jd_claim(void) {
    struct truexp_claim c;
    memset(&c, 0, sizeof c);
    memset(jd_history, 0, sizeof jd_history);

    jd_lines[0].sku = example_str("tv-55-black");
    jd_lines[0].quantity = 2;
    jd_lines[0].unit_price = 299900;
    jd_lines[0].line_discount = 0;
    jd_lines[1].sku = example_str("hdmi-2m");
    jd_lines[1].quantity = 1;
    jd_lines[1].unit_price = 4900;
    jd_lines[1].line_discount = 900;
    jd_lines[2].sku = example_str("wall-mount");
    jd_lines[2].quantity = 1;
    jd_lines[2].unit_price = 19900;
    jd_lines[2].line_discount = 0;

    jd_discounts[0].amount = 30000;
    jd_discounts[0].funded_by = TRUEXP_FUNDER_PLATFORM;
    jd_discounts[0].kind = TRUEXP_PROMOTION_KIND_PLATFORM_CAMPAIGN;
    jd_discounts[1].amount = 10000;
    jd_discounts[1].funded_by = TRUEXP_FUNDER_SELLER;
    jd_discounts[1].kind = TRUEXP_PROMOTION_KIND_PUBLIC;

    jd_observations[0].sku = example_str("tv-55-black");
    jd_observations[0].price = 279900;
    jd_observations[0].promotion = TRUEXP_PROMOTION_KIND_PUBLIC;
    jd_observations[0].at = 1731844000;
    jd_observations[1].sku = example_str("tv-55-black");
    jd_observations[1].price = 259900;
    jd_observations[1].promotion = TRUEXP_PROMOTION_KIND_PAYMENT_CHANNEL;
    jd_observations[1].at = 1731844000;
    jd_observations[2].sku = example_str("wall-mount");
    jd_observations[2].price = 19900;
    jd_observations[2].promotion = TRUEXP_PROMOTION_KIND_NONE;
    jd_observations[2].at = 1731844000;

    c.order_id = example_str("JD-20241110-0001");
    c.lines = jd_lines;
    c.line_count = 3;
    c.discounts = jd_discounts;
    c.discount_count = 2;
    c.ordered_at = 1731240000;
    c.paid_at = 1731240120;
    c.received_at = 1731412800;
    c.policy.window_days = 7;
    c.policy.anchor = TRUEXP_PROTECTION_ANCHOR_ORDER;
    c.policy.counted_promotions = TRUEXP_COUNTED_PROMOTIONS_DEFAULT;
    c.policy.deduct_protected_units = 0;
    c.observations = jd_observations;
    c.observation_count = 3;
    c.history = jd_history;
    c.history_count = 3;
    c.claimed_at = 1731844800; /* 2024-11-17 12:00:00 UTC: the window's last second */
    return c;
}

static void one_claim(void) {
    struct truexp_claim c = jd_claim();
    struct truexp_claim_line out[8];
    size_t n = 0;
    size_t i;
    long long payout = 0, platform = 0, seller = 0;

    example_check("price_protect", "truexp_price_protect_claim", truexp_price_protect_claim(&c, out, 8, &n));
    printf("claim %.*s lines %lu\n", (int)c.order_id.len, c.order_id.ptr, (unsigned long)n);
    for (i = 0; i < n; i++) {
        const struct truexp_claim_line *l = &out[i];
        printf("claim_line %lu qty %lld window %lld %lld paid_unit %lld comparison %lld "
               "protected %lld payout %lld platform %lld seller %lld reason %s "
               "history %lld %lld %lld %lld\n",
               (unsigned long)l->line, (long long)l->quantity, (long long)l->window_start,
               (long long)l->window_end, (long long)l->paid_unit, (long long)l->comparison,
               (long long)l->protected_quantity, (long long)l->payout,
               (long long)l->platform_part, (long long)l->seller_part, reason_name(l->reason),
               (long long)l->history_after.units_returned,
               (long long)l->history_after.protected_units,
               (long long)l->history_after.already_paid,
               (long long)l->history_after.refunded);
        payout += l->payout;
        platform += l->platform_part;
        seller += l->seller_part;
    }
    printf("claim_total payout %lld platform %lld seller %lld\n", payout, platform, seller);
}

/* The same claim, the risk system holding the order fake: refused, line
 * by line, with FAKE_ORDER (nothing paid, history unchanged). */
static void fake_claim(void) {
    struct truexp_claim c = jd_claim();
    struct truexp_claim_line out[8];
    size_t n = 0;
    size_t i;

    c.fake = 1;
    example_check("price_protect", "truexp_price_protect_claim", truexp_price_protect_claim(&c, out, 8, &n));
    for (i = 0; i < n; i++) {
        const struct truexp_claim_line *l = &out[i];
        printf("fake_line %lu payout %lld platform %lld seller %lld protected %lld reason %s "
               "history %lld %lld %lld %lld\n",
               (unsigned long)l->line, (long long)l->payout, (long long)l->platform_part,
               (long long)l->seller_part, (long long)l->protected_quantity, reason_name(l->reason),
               (long long)l->history_after.units_returned,
               (long long)l->history_after.protected_units,
               (long long)l->history_after.already_paid,
               (long long)l->history_after.refunded);
    }
}

static void claim_errors(void) {
    struct truexp_claim c;
    struct truexp_claim_line out[3];
    struct truexp_claim_line sentinel;
    size_t n = 0;
    truexp_result rc;

    rc = truexp_price_protect_claim(NULL, out, 3, &n);
    printf("error null_claim %u %s\n", (unsigned)rc, example_last_error());

    c = jd_claim();
    c.policy.anchor = 7;
    rc = truexp_price_protect_claim(&c, out, 3, &n);
    printf("error bad_anchor %u %s\n", (unsigned)rc, example_last_error());

    c = jd_claim();
    jd_discounts[1].kind = 99;
    rc = truexp_price_protect_claim(&c, out, 3, &n);
    printf("error bad_kind %u %s\n", (unsigned)rc, example_last_error());

    c = jd_claim();
    c.policy.counted_promotions = 1u << 6;
    rc = truexp_price_protect_claim(&c, out, 3, &n);
    printf("error bad_mask %u %s\n", (unsigned)rc, example_last_error());

    c = jd_claim();
    jd_lines[1].line_discount = 5000; /* more than the 49.00 line */
    rc = truexp_price_protect_claim(&c, out, 3, &n);
    printf("error bad_discount %u %s\n", (unsigned)rc, example_last_error());

    /* Too small: the size comes back, the buffer stays as it was. */
    c = jd_claim();
    memset(&sentinel, 0x5a, sizeof sentinel);
    memcpy(&out[0], &sentinel, sizeof sentinel);
    memcpy(&out[1], &sentinel, sizeof sentinel);
    n = 0;
    rc = truexp_price_protect_claim(&c, out, 2, &n);
    printf("error small_buffer %u %s\n", (unsigned)rc, example_last_error());
    printf("small_buffer needed %lu untouched %d\n", (unsigned long)n,
           memcmp(&out[0], &sentinel, sizeof sentinel) == 0 &&
               memcmp(&out[1], &sentinel, sizeof sentinel) == 0);
}

struct totals {
    size_t results;
    size_t paid;
    long long payout;
    long long platform;
    long long seller;
};

/* Called once per line result while the engine is locked: only reads the
 * payout and copies nothing out of it past the call. */
static void on_payout(void *ctx, const struct truexp_line_payout *p) {
    struct totals *t = ctx;
    t->results++;
    t->payout += p->payout;
    t->platform += p->platform_part;
    t->seller += p->seller_part;
    if (p->payout > 0) {
        t->paid++;
        if (t->paid <= SHOWN_PAYOUTS) {
            printf("payout %.*s %lld %.*s %lu %.*s qty %lld window %lld %lld paid_unit %lld "
                   "comparison %lld protected %lld payout %lld platform %lld seller %lld "
                   "reason %s\n",
                   (int)p->drop_id.len, p->drop_id.ptr, (long long)p->drop_at,
                   (int)p->order_id.len, p->order_id.ptr, (unsigned long)p->line,
                   (int)p->sku.len, p->sku.ptr, (long long)p->quantity,
                   (long long)p->window_start, (long long)p->window_end,
                   (long long)p->paid_unit, (long long)p->comparison,
                   (long long)p->protected_quantity, (long long)p->payout,
                   (long long)p->platform_part, (long long)p->seller_part,
                   reason_name(p->reason));
        }
    }
}

static void automatic(const char *path) {
    size_t len = 0;
    char *events = example_read_file(path, &len);
    struct truexp_engine *engine = NULL;
    struct truexp_ingest_report report;
    struct truexp_price_change drop;
    struct totals t;
    uint32_t outcome = 0;
    size_t pending = 0;
    size_t drops = 0;

    example_check("price_protect", "truexp_engine_new", truexp_engine_new(&engine));
    example_check("price_protect", "truexp_engine_ingest_jsonl", truexp_engine_ingest_jsonl(engine, events, len, &report));
    free(events);

    /* One more price change, typed: a public price cut for a SKU of shop s104. */
    drop.id = example_str("c-drop-1");
    drop.sku = example_str("s104-k0");
    drop.price = 3000;
    drop.promotion = TRUEXP_PROMOTION_KIND_PUBLIC;
    drop.at = 1785800000;
    example_check("price_protect", "truexp_engine_ingest_price_change",
          truexp_engine_ingest_price_change(engine, &drop, &outcome));
    example_check("price_protect", "truexp_engine_pending_price_drops",
          truexp_engine_pending_price_drops(engine, &pending));
    printf("typed_drop outcome %u pending %lu\n", (unsigned)outcome, (unsigned long)pending);

    memset(&t, 0, sizeof t);
    example_check("price_protect", "truexp_engine_run_price_drops",
          truexp_engine_run_price_drops(engine, on_payout, &t, &drops));
    printf("auto drops %lu results %lu paid %lu payout %lld platform %lld seller %lld\n",
           (unsigned long)drops, (unsigned long)t.results, (unsigned long)t.paid, t.payout,
           t.platform, t.seller);

    memset(&t, 0, sizeof t);
    example_check("price_protect", "truexp_engine_run_price_drops (again)",
          truexp_engine_run_price_drops(engine, on_payout, &t, &drops));
    printf("auto_again drops %lu results %lu\n", (unsigned long)drops, (unsigned long)t.results);

    truexp_engine_free(engine);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/data/demo.jsonl";
    one_claim();
    fake_claim();
    claim_errors();
    automatic(path);
    return 0;
}
