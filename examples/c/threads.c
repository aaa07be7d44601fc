/*
 * threads.c: 8 threads query one engine while another thread ingests.
 *
 *   threads [events.jsonl]
 *
 * The first half of the events is loaded up front; a writer thread feeds the
 * second half one event at a time (truexp_engine_ingest_json) while 8 reader
 * threads score shops. Readers check every answer is sane and that their
 * last-error detail is their own. At the end the engine must equal one fed
 * every event at once (ingestion is order-independent).
 *
 * Output: "threads ok readers 8 reads <n> events <n>" and exit status 0.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

#define READERS 8
#define READS_PER_THREAD 40

static struct truexp_engine *shared_engine;
static char *events;
static size_t events_len;
static size_t half;
static int64_t as_of;

static void die(const char *what, truexp_result code) {
    char msg[512];
    size_t n = 0;
    if (truexp_last_error_message(msg, sizeof msg, &n) != TRUEXP_RESULT_OK) {
        msg[0] = '\0';
    }
    fprintf(stderr, "threads: %s failed: code %u: %s\n", what, (unsigned)code, msg);
    exit(1);
}

static void *writer(void *arg) {
    size_t at = half;
    (void)arg;
    while (at < events_len) {
        const char *line = events + at;
        const char *end = memchr(line, '\n', events_len - at);
        size_t n = end != NULL ? (size_t)(end - line) : events_len - at;
        uint32_t outcome = 0;
        if (n > 0) {
            truexp_result rc = truexp_engine_ingest_json(shared_engine, line, n, &outcome);
            if (rc != TRUEXP_RESULT_OK) {
                die("truexp_engine_ingest_json", rc);
            }
            if (outcome > TRUEXP_INGESTED_PENDING) {
                fprintf(stderr, "threads: outcome %u\n", (unsigned)outcome);
                exit(1);
            }
        }
        at += n + 1;
    }
    return NULL;
}

static void *reader(void *arg) {
    size_t me = (size_t)arg;
    size_t k;
    size_t reads = 0;
    char bogus[32];
    for (k = 0; k < READS_PER_THREAD; k++) {
        size_t shops = 0;
        size_t written = 0;
        char id[128];
        char err[256];
        struct truexp_shop_score s;
        truexp_result rc = truexp_engine_shop_count(shared_engine, &shops);
        if (rc != TRUEXP_RESULT_OK || shops == 0) {
            die("truexp_engine_shop_count", rc);
        }
        rc = truexp_engine_shop_id(shared_engine, (me * 7 + k * 13) % shops, id, sizeof id,
                                   &written);
        if (rc != TRUEXP_RESULT_OK) {
            die("truexp_engine_shop_id", rc);
        }
        rc = truexp_engine_shop_score(shared_engine, id, written, as_of, &s);
        if (rc != TRUEXP_RESULT_OK) {
            die("truexp_engine_shop_score", rc);
        }
        if (!(s.overall >= 0.0 && s.overall <= 5.0 && s.stars >= 0.0 && s.stars <= 5.0 &&
              s.block_count > 0 && s.block_count <= TRUEXP_MAX_BLOCKS &&
              s.problem_orders <= s.problem_valid_orders && s.grade <= TRUEXP_GRADE_LOW)) {
            fprintf(stderr, "threads: insane score for %s: %f\n", id, s.overall);
            exit(1);
        }
        reads++;
        /* A failure of our own: the detail must name our bogus shop, whatever
         * the other threads are doing. */
        snprintf(bogus, sizeof bogus, "no-such-shop-%lu", (unsigned long)me);
        rc = truexp_engine_shop_score(shared_engine, bogus, strlen(bogus), as_of, &s);
        if (rc != TRUEXP_RESULT_UNKNOWN_SHOP) {
            fprintf(stderr, "threads: expected UNKNOWN_SHOP, got %u\n", (unsigned)rc);
            exit(1);
        }
        rc = truexp_engine_shop_count(shared_engine, &shops); /* success keeps the detail */
        if (truexp_last_error_message(err, sizeof err, &written) != TRUEXP_RESULT_OK ||
            strstr(err, bogus) == NULL) {
            fprintf(stderr, "threads: thread %lu sees detail '%s'\n", (unsigned long)me, err);
            exit(1);
        }
    }
    return (void *)reads;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/data/demo.jsonl";
    pthread_t readers[READERS];
    pthread_t w;
    size_t i;
    size_t total_reads = 0;
    size_t events_after = 0;
    size_t events_reference = 0;
    size_t shops = 0;
    struct truexp_ingest_report report;
    struct truexp_engine *reference = NULL;
    truexp_result rc;

    events = example_read_file(path, &events_len);
    half = events_len / 2;
    while (half < events_len && events[half - 1] != '\n') {
        half++;
    }
    if ((rc = truexp_engine_new(&shared_engine)) != TRUEXP_RESULT_OK) {
        die("truexp_engine_new", rc);
    }
    if ((rc = truexp_engine_ingest_jsonl(shared_engine, events, half, &report)) !=
        TRUEXP_RESULT_OK) {
        die("truexp_engine_ingest_jsonl", rc);
    }
    if ((rc = truexp_engine_latest_event_time(shared_engine, &as_of)) != TRUEXP_RESULT_OK) {
        die("truexp_engine_latest_event_time", rc);
    }

    if (pthread_create(&w, NULL, writer, NULL) != 0) {
        return 1;
    }
    for (i = 0; i < READERS; i++) {
        if (pthread_create(&readers[i], NULL, reader, (void *)i) != 0) {
            return 1;
        }
    }
    for (i = 0; i < READERS; i++) {
        void *n = NULL;
        pthread_join(readers[i], &n);
        total_reads += (size_t)n;
    }
    pthread_join(w, NULL);

    /* The same events at once must give the same engine. */
    if ((rc = truexp_engine_new(&reference)) != TRUEXP_RESULT_OK ||
        (rc = truexp_engine_ingest_jsonl(reference, events, events_len, &report)) !=
            TRUEXP_RESULT_OK) {
        die("reference engine", rc);
    }
    truexp_engine_event_count(shared_engine, &events_after);
    truexp_engine_event_count(reference, &events_reference);
    if (events_after != events_reference) {
        fprintf(stderr, "threads: %lu events, reference %lu\n", (unsigned long)events_after,
                (unsigned long)events_reference);
        return 1;
    }
    truexp_engine_latest_event_time(shared_engine, &as_of);
    truexp_engine_shop_count(reference, &shops);
    for (i = 0; i < shops; i++) {
        char id[128];
        size_t n = 0;
        struct truexp_shop_score a;
        struct truexp_shop_score b;
        truexp_engine_shop_id(reference, i, id, sizeof id, &n);
        if (truexp_engine_shop_score(shared_engine, id, n, as_of, &a) != TRUEXP_RESULT_OK ||
            truexp_engine_shop_score(reference, id, n, as_of, &b) != TRUEXP_RESULT_OK ||
            a.overall != b.overall || a.problem_orders != b.problem_orders) {
            fprintf(stderr, "threads: shop %s differs from the reference\n", id);
            return 1;
        }
    }

    printf("threads ok readers %d reads %lu events %lu\n", READERS, (unsigned long)total_reads,
           (unsigned long)events_after);
    truexp_engine_free(reference);
    truexp_engine_free(shared_engine);
    free(events);
    return 0;
}
