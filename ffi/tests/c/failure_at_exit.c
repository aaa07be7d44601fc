/* failure_at_exit.c: a call that fails from an atexit handler, after an
 * earlier failure on the same thread, returns its code; the process exits
 * normally instead of aborting (the thread's last-error slot may already be
 * destroyed then). Prints "unknown shop rc NAME" and "at exit rc NAME". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "truexp.h"

static truexp_engine *engine = NULL;

static void at_exit(void) {
    const char *path = "/nonexistent-dir/state.snapshot";
    truexp_result rc = truexp_engine_snapshot_write(engine, path, strlen(path), NULL, 0);
    printf("at exit rc %s\n", rc == TRUEXP_RESULT_IO ? "IO" : "other");
    fflush(stdout);
    truexp_engine_free(engine);
}

int main(void) {
    truexp_shop_score score;
    truexp_result rc;
    if (truexp_engine_new(&engine) != TRUEXP_RESULT_OK) {
        return 1;
    }
    /* a first failure: the thread's last error now holds a detail */
    rc = truexp_engine_shop_score(engine, "nope", 4, 1790000000, &score);
    printf("unknown shop rc %s\n", rc == TRUEXP_RESULT_UNKNOWN_SHOP ? "UNKNOWN_SHOP" : "other");
    if (atexit(at_exit) != 0) {
        return 1;
    }
    return 0;
}
