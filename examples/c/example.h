/*
 * example.h: small helpers shared by the C example programs (reading a file,
 * reporting a failed call with the library's per-thread detail, building a
 * truexp_str). Header-only: every function is `static inline`.
 */
#ifndef TRUEXP_EXAMPLE_H
#define TRUEXP_EXAMPLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "truexp.h"

/* The detail of this thread's last failed truexp call ("" if none fits), in a
 * static buffer: for single-threaded programs (threads.c keeps its own). */
static inline const char *example_last_error(void) {
    static char msg[1024];
    size_t n = 0;
    if (truexp_last_error_message(msg, sizeof msg, &n) != TRUEXP_RESULT_OK) {
        msg[0] = '\0';
    }
    return msg;
}

/* Exits with a message naming the program, the call, the code and the detail. */
static inline void example_fail(const char *program, const char *what, truexp_result code) {
    fprintf(stderr, "%s: %s failed: code %u: %s\n", program, what, (unsigned)code,
            example_last_error());
    exit(1);
}

/* Exits unless `rc` is TRUEXP_RESULT_OK. */
static inline void example_check(const char *program, const char *what, truexp_result rc) {
    if (rc != TRUEXP_RESULT_OK) {
        example_fail(program, what, rc);
    }
}

/* Reads a whole file into a malloc'ed buffer (not NUL-terminated); exits on error. */
static inline char *example_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    long size;
    char *buf;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        perror(path);
        exit(1);
    }
    buf = (char *)malloc((size_t)size + 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        perror(path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* A truexp_str view of a NUL-terminated string. */
static inline struct truexp_str example_str(const char *text) {
    struct truexp_str out;
    out.ptr = text;
    out.len = text ? strlen(text) : 0;
    return out;
}

#endif /* TRUEXP_EXAMPLE_H */
