/*
 * service.c: seller standards, the good-service list and industry bonus
 * plugins, through the C ABI.
 *
 *   service events.jsonl plugin_dir bad_plugin_dir
 *
 * Output lines (read by ffi/tests/c_clients.rs):
 *   standard <preset> <shop> <json>
 *   unknown_preset <code>
 *   good_service <category or *> <json>
 *   plugins_refused <code> <detail>
 *   plugins <n>
 *   explain <shop> <json>
 *   agents <shop> <json>, agents_unknown_shop <code>, agents_bad_utf8 <code>
 *   history <shop> <days> <json>
 *   history_bad_days <code>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

#define CHECK(what, call) example_check("service", what, (call))

/* Grows `*buf` until the JSON answer fits, then returns it. */
typedef truexp_result (*json_query)(const void *ctx, char *buf, size_t len, size_t *written);

struct standard_ctx {
    const struct truexp_engine *engine;
    const char *shop;
    const char *preset;
    int64_t as_of;
};

static truexp_result standard_query(const void *p, char *buf, size_t len, size_t *written) {
    const struct standard_ctx *c = p;
    return truexp_engine_standard_json(c->engine, c->shop, strlen(c->shop), c->preset,
                                       strlen(c->preset), c->as_of, buf, len, written);
}

struct list_ctx {
    const struct truexp_engine *engine;
    const char *category; /* NULL: every category */
    int64_t as_of;
};

static truexp_result list_query(const void *p, char *buf, size_t len, size_t *written) {
    const struct list_ctx *c = p;
    return truexp_engine_good_service_json(c->engine, c->category,
                                           c->category ? strlen(c->category) : 0, c->as_of,
                                           buf, len, written);
}

struct warning_ctx {
    const struct truexp_engine *engine;
    const char *shop; /* NULL: every shop at risk */
    int64_t as_of;
};

static truexp_result warning_query(const void *p, char *buf, size_t len, size_t *written) {
    const struct warning_ctx *c = p;
    return truexp_engine_at_risk_json(c->engine, c->shop, c->shop ? strlen(c->shop) : 0,
                                      "amazon,ebay", 11, c->as_of, 2, 0.05, buf, len, written);
}

struct agents_ctx {
    const struct truexp_engine *engine;
    const char *shop;
    int64_t as_of;
};

static truexp_result agents_query(const void *p, char *buf, size_t len, size_t *written) {
    const struct agents_ctx *c = p;
    return truexp_engine_agents_json(c->engine, c->shop, strlen(c->shop), c->as_of, buf, len,
                                     written);
}

struct history_ctx {
    const struct truexp_engine *engine;
    const char *shop;
    int64_t as_of;
    uint32_t days;
};

static truexp_result history_query(const void *p, char *buf, size_t len, size_t *written) {
    const struct history_ctx *c = p;
    return truexp_engine_history_json(c->engine, c->shop, strlen(c->shop), c->as_of, c->days, buf,
                                      len, written);
}

struct explain_ctx {
    const struct truexp_engine *engine;
    const char *shop;
    int64_t as_of;
};

static truexp_result explain_query(const void *p, char *buf, size_t len, size_t *written) {
    const struct explain_ctx *c = p;
    return truexp_engine_explain_json(c->engine, c->shop, strlen(c->shop), c->as_of, buf, len,
                                      written);
}

static char *fetch(const char *what, json_query q, const void *ctx) {
    size_t need = 0;
    char *buf;
    truexp_result rc = q(ctx, NULL, 0, &need);
    if (rc != TRUEXP_RESULT_BUFFER_TOO_SMALL) {
        example_fail("service", what, rc);
    }
    buf = malloc(need);
    if (buf == NULL) {
        exit(1);
    }
    CHECK(what, q(ctx, buf, need, &need));
    return buf;
}

int main(int argc, char **argv) {
    size_t len = 0;
    size_t loaded = 0;
    size_t i;
    int64_t as_of = 0;
    char *events;
    char *json;
    char detail[1024];
    struct truexp_engine *engine = NULL;
    struct truexp_ingest_report report;
    static const char *const presets[] = {"amazon", "ebay", "tmall"};
    truexp_result rc;

    if (argc < 4) {
        fprintf(stderr, "usage: service events.jsonl plugin_dir bad_plugin_dir\n");
        return 2;
    }
    events = example_read_file(argv[1], &len);
    CHECK("truexp_engine_new", truexp_engine_new(&engine));
    CHECK("truexp_engine_ingest_jsonl", truexp_engine_ingest_jsonl(engine, events, len, &report));
    free(events);
    CHECK("truexp_engine_latest_event_time", truexp_engine_latest_event_time(engine, &as_of));

    for (i = 0; i < 3; i++) {
        struct standard_ctx c;
        c.engine = engine;
        c.shop = "s1";
        c.preset = presets[i];
        c.as_of = as_of;
        json = fetch("truexp_engine_standard_json", standard_query, &c);
        printf("standard %s s1 %s\n", presets[i], json);
        free(json);
    }
    rc = truexp_engine_standard_json(engine, "s1", 2, "walmart", 7, as_of, NULL, 0, &len);
    printf("unknown_preset %u\n", (unsigned)rc);

    {
        struct list_ctx c;
        c.engine = engine;
        c.category = NULL;
        c.as_of = as_of;
        json = fetch("truexp_engine_good_service_json", list_query, &c);
        printf("good_service * %s\n", json);
        free(json);
        c.category = "pet";
        json = fetch("truexp_engine_good_service_json", list_query, &c);
        printf("good_service pet %s\n", json);
        free(json);
    }

    {
        struct warning_ctx c;
        c.engine = engine;
        c.shop = NULL;
        c.as_of = as_of;
        json = fetch("truexp_engine_at_risk_json", warning_query, &c);
        printf("at_risk * %s\n", json);
        free(json);
        c.shop = "s1";
        json = fetch("truexp_engine_at_risk_json", warning_query, &c);
        printf("at_risk s1 %s\n", json);
        free(json);
    }
    rc = truexp_engine_at_risk_json(engine, NULL, 0, "amazon,walmart", 14, as_of, 2, 0.05, NULL,
                                    0, &len);
    printf("at_risk_unknown_preset %u\n", (unsigned)rc);
    rc = truexp_engine_at_risk_json(engine, NULL, 0, NULL, 0, as_of, 2, -1.0, NULL, 0, &len);
    printf("at_risk_negative_points %u\n", (unsigned)rc);

    {
        struct agents_ctx c;
        c.engine = engine;
        c.shop = "s1";
        c.as_of = as_of;
        json = fetch("truexp_engine_agents_json", agents_query, &c);
        printf("agents s1 %s\n", json);
        free(json);
    }
    rc = truexp_engine_agents_json(engine, "nope", 4, as_of, NULL, 0, &len);
    printf("agents_unknown_shop %u\n", (unsigned)rc);
    rc = truexp_engine_agents_json(engine, "\xff", 1, as_of, NULL, 0, &len);
    printf("agents_bad_utf8 %u\n", (unsigned)rc);
    {
        struct history_ctx c;
        c.engine = engine;
        c.shop = "s1";
        c.as_of = as_of;
        c.days = 7;
        json = fetch("truexp_engine_history_json", history_query, &c);
        printf("history s1 7 %s\n", json);
        free(json);
    }
    rc = truexp_engine_history_json(engine, "s1", 2, as_of, 0, NULL, 0, &len);
    printf("history_bad_days %u\n", (unsigned)rc);

    /* A directory with a broken library is refused whole; nothing is loaded. */
    rc = truexp_engine_load_plugins(engine, argv[3], strlen(argv[3]), &loaded);
    if (truexp_last_error_message(detail, sizeof detail, &len) != TRUEXP_RESULT_OK) {
        detail[0] = '\0';
    }
    printf("plugins_refused %u %s\n", (unsigned)rc, detail);

    CHECK("truexp_engine_load_plugins",
          truexp_engine_load_plugins(engine, argv[2], strlen(argv[2]), &loaded));
    printf("plugins %lu\n", (unsigned long)loaded);
    {
        struct explain_ctx c;
        c.engine = engine;
        c.shop = "s3";
        c.as_of = as_of;
        json = fetch("truexp_engine_explain_json", explain_query, &c);
        printf("explain s3 %s\n", json);
        free(json);
    }
    truexp_engine_free(engine);
    return 0;
}
