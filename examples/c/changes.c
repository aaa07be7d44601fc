/*
 * changes.c: what a ranking service consumes through the C ABI: the shops
 * whose score, stars, grade or rank moved since a scoreboard it kept, and
 * the follow-ups still waiting for their order.
 *
 *   changes events.jsonl
 *
 * Output lines (read by ffi/tests/c_clients.rs):
 *   changes_same <json>          against the scoreboard of the same moment
 *   changes_later <json>         one day later, against the kept scoreboard
 *   bad_previous <code> <detail> a previous scoreboard that is not one
 *   pending <json>               after one follow-up for an unknown order
 *   live_first <json>            the live scoreboard's changes since 0 (every shop)
 *   live_again <json>            since the version it returned (nothing changed)
 *   live_later <json>            one day later, since that version
 *   impact <json>                the service → growth report (90 days, 25%)
 *   bad_impact <code> <detail>   a group share out of range
 *   deferred <json>              refusals known late: a delivery before its
 *                                order was placed, the order arriving last
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

#define CHECK(what, call) example_check("changes", what, (call))

/* Asks for the size, then fills a buffer that large; exits on failure. */
#define FETCH(out, what, call_with_buf)                                      \
    do {                                                                     \
        size_t need_ = 0;                                                    \
        char *buf = NULL;                                                    \
        size_t len = 0;                                                      \
        size_t *written = &need_;                                            \
        truexp_result rc_ = (call_with_buf);                                 \
        if (rc_ != TRUEXP_RESULT_BUFFER_TOO_SMALL) {                         \
            example_fail("changes", what, rc_);                              \
        }                                                                    \
        buf = malloc(need_);                                                 \
        if (buf == NULL) {                                                   \
            exit(1);                                                         \
        }                                                                    \
        len = need_;                                                         \
        CHECK(what, (call_with_buf));                                        \
        (out) = buf;                                                         \
    } while (0)

int main(int argc, char **argv) {
    size_t len = 0;
    int64_t as_of = 0;
    char *events;
    char *kept;
    char *json;
    char detail[1024];
    struct truexp_engine *engine = NULL;
    struct truexp_ingest_report report;
    static const char orphan[] =
        "{\"type\":\"delivered\",\"id\":\"zz\",\"order_id\":\"no-such-order\",\"at\":1790000000}";
    static const char not_a_board[] = "{\"shops\": 3}";
    truexp_result rc;

    if (argc < 2) {
        fprintf(stderr, "usage: changes events.jsonl\n");
        return 2;
    }
    events = example_read_file(argv[1], &len);
    CHECK("truexp_engine_new", truexp_engine_new(&engine));
    CHECK("truexp_engine_ingest_jsonl", truexp_engine_ingest_jsonl(engine, events, len, &report));
    free(events);
    CHECK("truexp_engine_latest_event_time", truexp_engine_latest_event_time(engine, &as_of));

    FETCH(kept, "truexp_engine_scoreboard_json",
          truexp_engine_scoreboard_json(engine, as_of, buf, len, written));
    FETCH(json, "truexp_engine_scoreboard_changes_json",
          truexp_engine_scoreboard_changes_json(engine, as_of, kept, strlen(kept), buf, len,
                                                written));
    printf("changes_same %s\n", json);
    free(json);
    FETCH(json, "truexp_engine_scoreboard_changes_json",
          truexp_engine_scoreboard_changes_json(engine, as_of + 86400, kept, strlen(kept), buf,
                                                len, written));
    printf("changes_later %s\n", json);
    free(json);

    rc = truexp_engine_scoreboard_changes_json(engine, as_of, not_a_board, strlen(not_a_board),
                                               NULL, 0, &len);
    if (truexp_last_error_message(detail, sizeof detail, &len) != TRUEXP_RESULT_OK) {
        detail[0] = '\0';
    }
    printf("bad_previous %u %s\n", (unsigned)rc, detail);

    CHECK("truexp_engine_ingest_json", truexp_engine_ingest_json(engine, orphan, strlen(orphan), NULL));
    FETCH(json, "truexp_engine_pending_json",
          truexp_engine_pending_json(engine, buf, len, written));
    printf("pending %s\n", json);
    free(json);

    {
        uint64_t version = 0;
        char *at;
        FETCH(json, "truexp_engine_live_changes_json",
              truexp_engine_live_changes_json(engine, as_of, 0, buf, len, written));
        printf("live_first %s\n", json);
        at = strstr(json, "\"version\":");
        if (at == NULL) {
            fprintf(stderr, "changes: no version in %s\n", json);
            return 1;
        }
        version = strtoull(at + strlen("\"version\":"), NULL, 10);
        free(json);
        FETCH(json, "truexp_engine_live_changes_json",
              truexp_engine_live_changes_json(engine, as_of, version, buf, len, written));
        printf("live_again %s\n", json);
        free(json);
        FETCH(json, "truexp_engine_live_changes_json",
              truexp_engine_live_changes_json(engine, as_of + 86400, version, buf, len, written));
        printf("live_later %s\n", json);
        free(json);
    }

    FETCH(json, "truexp_engine_impact_json",
          truexp_engine_impact_json(engine, as_of, 90, 0.25, buf, len, written));
    printf("impact %s\n", json);
    free(json);
    rc = truexp_engine_impact_json(engine, as_of, 90, 0.75, NULL, 0, &len);
    if (truexp_last_error_message(detail, sizeof detail, &len) != TRUEXP_RESULT_OK) {
        detail[0] = '\0';
    }
    printf("bad_impact %u %s\n", (unsigned)rc, detail);

    {
        static const char *const late[] = {
            "{\"type\":\"delivered\",\"id\":\"late-d1\",\"order_id\":\"late-o1\","
            "\"at\":1790000000}",
            "{\"type\":\"order_paid\",\"id\":\"late-p1\",\"order_id\":\"late-o1\","
            "\"shop_id\":\"s1\",\"buyer_id\":\"b\",\"category\":\"pet\",\"lines\":[{\"sku\":"
            "\"k1\",\"quantity\":1,\"unit_price\":1990}],\"paid_at\":1790042400,"
            "\"ship_by\":1790301600}",
        };
        size_t i;
        for (i = 0; i < sizeof late / sizeof late[0]; i++) {
            CHECK("truexp_engine_ingest_json",
                  truexp_engine_ingest_json(engine, late[i], strlen(late[i]), NULL));
        }
        FETCH(json, "truexp_engine_deferred_errors_json",
              truexp_engine_deferred_errors_json(engine, buf, len, written));
        printf("deferred %s\n", json);
        free(json);
    }

    free(kept);
    truexp_engine_free(engine);
    return 0;
}
