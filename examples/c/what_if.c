/*
 * what_if.c: a shop's score had some of its orders gone differently,
 * through the C ABI. The engine is not changed.
 *
 *   what_if events.jsonl shop scenario.json
 *
 * Output lines (read by ffi/tests/c_clients.rs):
 *   what_if <shop> <json>
 *   score_unchanged <overall before> <overall after the query>
 *   bad_scenario <code> <detail>
 *   unknown_order <code> <detail>
 *   null_scenario <code>
 *   bad_utf8 <code>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

#define CHECK(what, call) example_check("what_if", what, (call))

int main(int argc, char **argv) {
    size_t len = 0;
    size_t need = 0;
    int64_t as_of = 0;
    char *events;
    char *scenario;
    char *json;
    size_t scenario_len = 0;
    struct truexp_engine *engine = NULL;
    struct truexp_ingest_report report;
    struct truexp_shop_score before;
    struct truexp_shop_score after;
    const char *shop;
    static const char bad[] = "{\"changes\":[{\"order_id\":\"o1\"}]}";
    static const char unknown[] =
        "{\"changes\":[{\"order_id\":\"no-such-order\",\"resolution\":{\"kind\":\"dispute_won\"}}]}";
    static const char not_utf8[] = "{\"changes\":[\xff]}";
    truexp_result rc;

    if (argc < 4) {
        fprintf(stderr, "usage: what_if events.jsonl shop scenario.json\n");
        return 2;
    }
    shop = argv[2];
    events = example_read_file(argv[1], &len);
    scenario = example_read_file(argv[3], &scenario_len);
    CHECK("truexp_engine_new", truexp_engine_new(&engine));
    CHECK("truexp_engine_ingest_jsonl", truexp_engine_ingest_jsonl(engine, events, len, &report));
    free(events);
    CHECK("truexp_engine_latest_event_time", truexp_engine_latest_event_time(engine, &as_of));
    CHECK("truexp_engine_shop_score",
          truexp_engine_shop_score(engine, shop, strlen(shop), as_of, &before));

    /* ask for the size, then the answer */
    rc = truexp_engine_what_if_json(engine, shop, strlen(shop), scenario, scenario_len, as_of, NULL,
                                    0, &need);
    if (rc != TRUEXP_RESULT_BUFFER_TOO_SMALL) {
        example_fail("what_if", "truexp_engine_what_if_json", rc);
    }
    json = malloc(need);
    if (json == NULL) {
        return 1;
    }
    CHECK("truexp_engine_what_if_json",
          truexp_engine_what_if_json(engine, shop, strlen(shop), scenario, scenario_len, as_of, json,
                                     need, &len));
    printf("what_if %s %s\n", shop, json);
    free(json);
    free(scenario);

    CHECK("truexp_engine_shop_score", truexp_engine_shop_score(engine, shop, strlen(shop), as_of, &after));
    printf("score_unchanged %.2f %.2f\n", before.overall, after.overall);

    rc = truexp_engine_what_if_json(engine, shop, strlen(shop), bad, strlen(bad), as_of, NULL, 0,
                                    &len);
    printf("bad_scenario %u %s\n", (unsigned)rc, example_last_error());
    rc = truexp_engine_what_if_json(engine, shop, strlen(shop), unknown, strlen(unknown), as_of,
                                    NULL, 0, &len);
    printf("unknown_order %u %s\n", (unsigned)rc, example_last_error());
    rc = truexp_engine_what_if_json(engine, shop, strlen(shop), NULL, 0, as_of, NULL, 0, &len);
    printf("null_scenario %u\n", (unsigned)rc);
    rc = truexp_engine_what_if_json(engine, shop, strlen(shop), not_utf8, strlen(not_utf8), as_of,
                                    NULL, 0, &len);
    printf("bad_utf8 %u\n", (unsigned)rc);
    truexp_engine_free(engine);
    return 0;
}
