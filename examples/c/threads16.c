/*
 * threads16.c: 16 threads over the C ABI, in every way the header allows.
 *
 *   threads16 [events.jsonl]
 *
 * The first LINES lines of the file (default: the demo data) are split in
 * two halves. One shared engine is loaded with the first half; then:
 *   - 2 writer threads ingest the second half into the shared engine, one
 *     event at a time (odd and even lines), while
 *   - 8 reader threads query the shared engine (event count, latest event
 *     time, shop ids, scores, explanations, scoreboard), which the header
 *     promises is safe from any number of threads, and
 *   - 6 owner threads each create their own engine, ingest a slice, score,
 *     explain and free it, several times over (the header asks for one
 *     handle per thread for create/free).
 * At the end the shared engine must hold exactly the events of one engine
 * fed every line at once. Written to run under ThreadSanitizer
 * (ffi/tsan.sh) as well as AddressSanitizer/UBSan (ffi/sanitize.sh).
 *
 * Output: "threads16 ok threads 16 ..." and exit status 0.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

#define LINES 3000
#define WRITERS 2
#define READERS 8
#define OWNERS 6
#define ROUNDS 3
#define BUF_LEN (1u << 20)

static struct truexp_engine *shared;
static char *events;
static size_t events_len;  /* bytes of the first LINES lines */
static size_t half;        /* byte offset of the second half */

static void die(const char *what, truexp_result code) {
    char msg[512];
    size_t n = 0;
    if (truexp_last_error_message(msg, sizeof msg, &n) != TRUEXP_RESULT_OK) {
        msg[0] = '\0';
    }
    fprintf(stderr, "threads16: %s failed: code %u: %s\n", what, (unsigned)code, msg);
    exit(1);
}

static void check(const char *what, truexp_result rc) {
    if (rc != TRUEXP_RESULT_OK) {
        die(what, rc);
    }
}

/* Query answers that are expected while the engine is still filling up. */
static void check_query(const char *what, truexp_result rc) {
    if (rc != TRUEXP_RESULT_OK && rc != TRUEXP_RESULT_UNKNOWN_SHOP &&
        rc != TRUEXP_RESULT_NO_DATA) {
        die(what, rc);
    }
}

static void *writer(void *arg) {
    size_t parity = (size_t)(*(const int *)arg);
    size_t at = half;
    size_t index = 0;
    while (at < events_len) {
        const char *line = events + at;
        const char *end = memchr(line, '\n', events_len - at);
        size_t n = end != NULL ? (size_t)(end - line) : events_len - at;
        if (n > 0 && index % WRITERS == parity) {
            uint32_t outcome = 0;
            check("truexp_engine_ingest_json", truexp_engine_ingest_json(shared, line, n, &outcome));
        }
        index++;
        at += n + 1;
    }
    return NULL;
}

static void query(const struct truexp_engine *engine, char *buf, unsigned seed) {
    size_t shops = 0;
    size_t count = 0;
    int64_t as_of = 0;
    check("truexp_engine_event_count", truexp_engine_event_count(engine, &count));
    check_query("truexp_engine_latest_event_time", truexp_engine_latest_event_time(engine, &as_of));
    check("truexp_engine_shop_count", truexp_engine_shop_count(engine, &shops));
    if (shops > 0) {
        char id[64];
        size_t id_len = 0;
        truexp_shop_score score;
        size_t written = 0;
        truexp_result rc =
            truexp_engine_shop_id(engine, (size_t)seed % shops, id, sizeof id, &id_len);
        /* the shop count may grow between the two calls, never shrink */
        check("truexp_engine_shop_id", rc);
        check_query("truexp_engine_shop_score",
                    truexp_engine_shop_score(engine, id, id_len, as_of, &score));
        check_query("truexp_engine_explain_json",
                    truexp_engine_explain_json(engine, id, id_len, as_of, buf, BUF_LEN, &written));
    }
    if (seed % 4 == 0) {
        size_t written = 0;
        truexp_result rc = truexp_engine_scoreboard_json(engine, as_of, buf, BUF_LEN, &written);
        if (rc != TRUEXP_RESULT_OK && rc != TRUEXP_RESULT_BUFFER_TOO_SMALL) {
            die("truexp_engine_scoreboard_json", rc);
        }
    }
}

static void *reader(void *arg) {
    unsigned seed = (unsigned)(*(const int *)arg);
    char *buf = malloc(BUF_LEN);
    int i;
    if (buf == NULL) {
        return NULL;
    }
    for (i = 0; i < 30; i++) {
        query(shared, buf, seed + (unsigned)i * 7u);
    }
    /* an error detail is per thread: a refused call here must not show in other threads */
    if (truexp_engine_shop_score(shared, "no-such-shop", 12, 0, NULL) != TRUEXP_RESULT_NULL_ARGUMENT) {
        fprintf(stderr, "threads16: NULL out accepted\n");
        exit(1);
    }
    free(buf);
    return NULL;
}

static void *owner(void *arg) {
    int id = *(const int *)arg;
    char *buf = malloc(BUF_LEN);
    int round;
    if (buf == NULL) {
        return NULL;
    }
    for (round = 0; round < ROUNDS; round++) {
        struct truexp_engine *own = NULL;
        truexp_ingest_report report;
        size_t from = (size_t)(id + round) * (events_len / (OWNERS + ROUNDS));
        size_t to;
        if (from >= events_len) {
            from = events_len / 2;
        }
        /* start and end the slice on line boundaries */
        while (from > 0 && from < events_len && events[from - 1] != '\n') {
            from++;
        }
        to = events_len - from > events_len / 3 ? from + events_len / 3 : events_len;
        while (to < events_len && events[to - 1] != '\n') {
            to++;
        }
        check("truexp_engine_new", truexp_engine_new(&own));
        check("truexp_engine_ingest_jsonl",
              truexp_engine_ingest_jsonl(own, events + from, to - from, &report));
        query(own, buf, (unsigned)(id * 31 + round));
        truexp_engine_free(own);
    }
    free(buf);
    return NULL;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/data/demo.jsonl";
    size_t len = 0;
    size_t lines = 0;
    size_t at = 0;
    pthread_t threads[WRITERS + READERS + OWNERS];
    int ids[WRITERS + READERS + OWNERS];
    int i;
    int total = WRITERS + READERS + OWNERS;
    struct truexp_engine *reference = NULL;
    truexp_ingest_report report;
    size_t got = 0;
    size_t want = 0;

    events = example_read_file(path, &len);
    while (at < len && lines < LINES) {
        const char *end = memchr(events + at, '\n', len - at);
        at = end != NULL ? (size_t)(end - events) + 1 : len;
        lines++;
        if (lines == LINES / 2) {
            half = at;
        }
    }
    events_len = at;

    check("truexp_engine_new", truexp_engine_new(&shared));
    check("truexp_engine_ingest_jsonl", truexp_engine_ingest_jsonl(shared, events, half, &report));
    for (i = 0; i < total; i++) {
        void *(*body)(void *) = i < WRITERS ? writer : i < WRITERS + READERS ? reader : owner;
        ids[i] = i;
        if (pthread_create(&threads[i], NULL, body, &ids[i]) != 0) {
            fprintf(stderr, "threads16: pthread_create failed\n");
            return 1;
        }
    }
    for (i = 0; i < total; i++) {
        pthread_join(threads[i], NULL);
    }

    check("truexp_engine_new", truexp_engine_new(&reference));
    check("truexp_engine_ingest_jsonl",
          truexp_engine_ingest_jsonl(reference, events, events_len, &report));
    check("truexp_engine_event_count", truexp_engine_event_count(shared, &got));
    check("truexp_engine_event_count", truexp_engine_event_count(reference, &want));
    if (got != want) {
        fprintf(stderr, "threads16: shared engine holds %zu events, reference %zu\n", got, want);
        return 1;
    }
    truexp_engine_free(reference);
    truexp_engine_free(shared);
    free(events);
    printf("threads16 ok threads %d lines %zu events %zu\n", total, lines, got);
    return 0;
}
