/*
 * snapshot.c: write an engine's state to a snapshot file with a resume
 * token, read it back into a new engine, keep ingesting, and check that a
 * damaged file, another configuration and a small token buffer are refused
 * with their codes.
 *
 *   snapshot events-a.jsonl events-b.jsonl dir [other-config.json]
 *
 * Output lines (read by ffi/tests/c_clients.rs):
 *   token <n bytes> <token>
 *   scoreboard_equal <0|1>         restored + events-b == one engine fed both
 *   events <n>
 *   too_small <code> needed <n>
 *   damaged <code>
 *   other_config <code>
 *   missing <code>
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

#define CHECK(what, call) example_check("snapshot", what, (call))

static struct truexp_engine *fed(const char *const *paths, size_t n, struct truexp_engine *engine) {
    size_t i;
    for (i = 0; i < n; i++) {
        size_t len = 0;
        struct truexp_ingest_report report;
        char *events = example_read_file(paths[i], &len);
        CHECK("truexp_engine_ingest_jsonl", truexp_engine_ingest_jsonl(engine, events, len, &report));
        free(events);
    }
    return engine;
}

static char *scoreboard(const struct truexp_engine *engine, int64_t as_of) {
    size_t needed = 0;
    char *buf;
    truexp_result rc = truexp_engine_scoreboard_json(engine, as_of, NULL, 0, &needed);
    if (rc != TRUEXP_RESULT_BUFFER_TOO_SMALL) {
        example_fail("snapshot", "truexp_engine_scoreboard_json (size)", rc);
    }
    buf = malloc(needed);
    if (buf == NULL) {
        exit(1);
    }
    CHECK("truexp_engine_scoreboard_json",
          truexp_engine_scoreboard_json(engine, as_of, buf, needed, &needed));
    return buf;
}

int main(int argc, char **argv) {
    const char *both[2];
    const char *token = "partition-0=1234;partition-1=99";
    char path[4096];
    char other_path[4096];
    uint8_t token_buf[64];
    size_t token_len = 0;
    size_t events = 0;
    int64_t as_of = 0;
    char *a_board;
    char *b_board;
    struct truexp_engine *whole = NULL;
    struct truexp_engine *first = NULL;
    struct truexp_engine *restored = NULL;
    struct truexp_engine *unused = NULL;
    truexp_result rc;
    size_t len = 0;
    char *bytes;
    char *config;
    FILE *f;

    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: snapshot events-a.jsonl events-b.jsonl dir [other-config.json]\n");
        return 2;
    }
    both[0] = argv[1];
    both[1] = argv[2];
    snprintf(path, sizeof path, "%s/state.snapshot", argv[3]);
    snprintf(other_path, sizeof other_path, "%s/damaged.snapshot", argv[3]);

    CHECK("truexp_engine_new", truexp_engine_new(&whole));
    fed(both, 2, whole);
    CHECK("truexp_engine_new", truexp_engine_new(&first));
    fed(both, 1, first);

    CHECK("truexp_engine_snapshot_write",
          truexp_engine_snapshot_write(first, path, strlen(path), (const uint8_t *)token,
                                       strlen(token)));
    truexp_engine_free(first);

    CHECK("truexp_engine_new_from_snapshot",
          truexp_engine_new_from_snapshot(path, strlen(path), NULL, 0, &restored, token_buf,
                                          sizeof token_buf, &token_len));
    printf("token %lu %.*s\n", (unsigned long)token_len, (int)token_len, (const char *)token_buf);
    fed(both + 1, 1, restored);

    CHECK("truexp_engine_latest_event_time", truexp_engine_latest_event_time(whole, &as_of));
    a_board = scoreboard(whole, as_of);
    b_board = scoreboard(restored, as_of);
    printf("scoreboard_equal %d\n", strcmp(a_board, b_board) == 0);
    free(a_board);
    free(b_board);
    CHECK("truexp_engine_event_count", truexp_engine_event_count(restored, &events));
    printf("events %lu\n", (unsigned long)events);
    truexp_engine_free(restored);
    truexp_engine_free(whole);

    /* a token buffer too small: the size needed, nothing created */
    rc = truexp_engine_new_from_snapshot(path, strlen(path), NULL, 0, &unused, NULL, 0, &token_len);
    printf("too_small %u needed %lu\n", (unsigned)rc, (unsigned long)token_len);

    /* one flipped byte in the middle of the file */
    bytes = example_read_file(path, &len);
    bytes[len / 2] ^= 0x10;
    f = fopen(other_path, "wb");
    if (f == NULL || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
        perror(other_path);
        return 1;
    }
    free(bytes);
    rc = truexp_engine_new_from_snapshot(other_path, strlen(other_path), NULL, 0, &unused,
                                         token_buf, sizeof token_buf, &token_len);
    printf("damaged %u\n", (unsigned)rc);

    /* another configuration (read from a file, when given) */
    if (argc == 5) {
        config = example_read_file(argv[4], &len);
        rc = truexp_engine_new_from_snapshot(path, strlen(path), config, len, &unused, token_buf,
                                             sizeof token_buf, &token_len);
        printf("other_config %u\n", (unsigned)rc);
        free(config);
    }

    rc = truexp_engine_new_from_snapshot("no/such/file", 12, NULL, 0, &unused, token_buf,
                                         sizeof token_buf, &token_len);
    printf("missing %u\n", (unsigned)rc);
    return unused == NULL ? 0 : 1;
}
