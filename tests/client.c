/*
 * client.c: the C face of the conformance suite (tests/conformance.rs).
 *
 *   client CONFIG.json EVENTS.jsonl [SHOP AS_OF]...
 *
 * Creates an engine from the configuration, ingests the events, prints the
 * explanation JSON of each SHOP at AS_OF, then runs automatic price
 * protection. Output:
 *   explain <json on one line or many>
 *   ---
 *   payout <order> <line> <minor units>      (one line per line result)
 *   deductions <json>                        (protection later refunds take back)
 * Any failure prints "error <where> <code> <detail>" and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "truexp.h"

static void fail(const char *where, truexp_result code) {
    char detail[512];
    size_t written = 0;
    detail[0] = '\0';
    truexp_last_error_message(detail, sizeof detail, &written);
    printf("error %s %u %s\n", where, (unsigned)code, detail);
    exit(1);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        printf("error read %s\n", path);
        exit(1);
    }
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        printf("error read %s\n", path);
        exit(1);
    }
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static void on_payout(void *ctx, const struct truexp_line_payout *p) {
    (void)ctx;
    printf("payout %.*s %lu %lld\n", (int)p->order_id.len, p->order_id.ptr,
           (unsigned long)p->line, (long long)p->payout);
}

int main(int argc, char **argv) {
    struct truexp_engine *engine = NULL;
    struct truexp_ingest_report report;
    size_t config_len, events_len, drops = 0;
    char *config, *events;
    truexp_result r;
    int i;
    if (argc < 3 || argc % 2 == 0) {
        fprintf(stderr, "usage: client CONFIG.json EVENTS.jsonl [SHOP AS_OF]...\n");
        return 2;
    }
    config = read_file(argv[1], &config_len);
    events = read_file(argv[2], &events_len);
    if ((r = truexp_engine_new_with_config(config, config_len, &engine)) != TRUEXP_RESULT_OK)
        fail("config", r);
    if ((r = truexp_engine_ingest_jsonl(engine, events, events_len, &report)) != TRUEXP_RESULT_OK)
        fail("ingest", r);
    if (report.rejected != 0)
        fail("ingest_rejected", (truexp_result)report.first_rejected_line);
    for (i = 3; i + 1 < argc; i += 2) {
        size_t needed = 0;
        char *buf;
        long long as_of = strtoll(argv[i + 1], NULL, 10);
        const char *shop = argv[i];
        r = truexp_engine_explain_json(engine, shop, strlen(shop), as_of, NULL, 0, &needed);
        if (r != TRUEXP_RESULT_BUFFER_TOO_SMALL)
            fail("explain_size", r);
        buf = malloc(needed);
        if (buf == NULL)
            return 1;
        r = truexp_engine_explain_json(engine, shop, strlen(shop), as_of, buf, needed, &needed);
        if (r != TRUEXP_RESULT_OK)
            fail("explain", r);
        printf("explain %s\n", buf);
        free(buf);
        r = truexp_engine_agents_json(engine, shop, strlen(shop), as_of, NULL, 0, &needed);
        if (r != TRUEXP_RESULT_BUFFER_TOO_SMALL)
            fail("agents_size", r);
        buf = malloc(needed);
        if (buf == NULL)
            return 1;
        r = truexp_engine_agents_json(engine, shop, strlen(shop), as_of, buf, needed, &needed);
        if (r != TRUEXP_RESULT_OK)
            fail("agents", r);
        printf("agents %s\n---\n", buf);
        free(buf);
    }
    if ((r = truexp_engine_run_price_drops(engine, on_payout, NULL, &drops)) != TRUEXP_RESULT_OK)
        fail("price_drops", r);
    {
        size_t needed = 0;
        char *buf;
        r = truexp_engine_price_protection_deductions_json(engine, NULL, 0, &needed);
        if (r != TRUEXP_RESULT_BUFFER_TOO_SMALL)
            fail("deductions_size", r);
        buf = malloc(needed);
        if (buf == NULL)
            return 1;
        r = truexp_engine_price_protection_deductions_json(engine, buf, needed, &needed);
        if (r != TRUEXP_RESULT_OK)
            fail("deductions", r);
        printf("deductions %s\n", buf);
        free(buf);
    }
    truexp_engine_free(engine);
    free(config);
    free(events);
    return 0;
}
