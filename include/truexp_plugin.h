/*
 * truexp_plugin.h - the truexp bonus-plugin ABI, version 1.
 *
 * A plugin is a shared library that exports exactly one function,
 * truexp_plugin_entry_v1, returning a pointer to a static truexp_plugin_v1 table.
 * The host (truexp-plugin-host) loads it once, validates the table and never
 * unloads it. The Rust SDK (crate truexp-plugin) mirrors these types; a test
 * checks every size and offset against this header with gcc.
 *
 * Rules:
 *  - Only fixed-width integers, double, pointers and (ptr, len) strings cross.
 *  - Strings in the input are UTF-8, NOT NUL-terminated: use (ptr, len).
 *    ptr may be NULL when len == 0. Strings in the table (name, version,
 *    categories) are static NUL-terminated UTF-8.
 *  - Everything in the input is owned by the host and valid only during the call.
 *    Everything in the table is owned by the plugin and must stay valid forever.
 *    Nothing allocated on one side is freed on the other.
 *  - bonus() must be reentrant: the host calls it from many threads at once.
 *    It must not longjmp, throw C++ exceptions or unwind out of the call.
 *  - Tables and the input struct only grow by appending fields; struct_size says
 *    how large the instance is. Status numbers never change meaning.
 *  - Points are fixed point: TRUEXP_POINTS_SCALE (10000) = 1.0 point. The host
 *    refuses answers outside [0, TRUEXP_MAX_POINTS] and then caps by configuration.
 */
#ifndef TRUEXP_PLUGIN_H
#define TRUEXP_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version carried in truexp_plugin_v1.abi_version (and in the entry symbol's name). */
#define TRUEXP_PLUGIN_ABI_VERSION 1u

/* Fixed-point scale of points: 10000 = 1.0 point. */
#define TRUEXP_POINTS_SCALE 10000
/* Largest answer the host accepts from one call: 5 points. */
#define TRUEXP_MAX_POINTS (5 * TRUEXP_POINTS_SCALE)

/* Status codes returned by bonus(); numbers never change meaning. */
/* The answer in the output is valid. */
#define TRUEXP_PLUGIN_OK 0u
/* The rule failed; the reason buffer holds the message. */
#define TRUEXP_PLUGIN_ERROR 1u
/* The rule panicked (Rust) or aborted its computation; the reason holds the message. */
#define TRUEXP_PLUGIN_PANIC 2u
/* The input was malformed (null pointer, bad UTF-8, too small struct_size). */
#define TRUEXP_PLUGIN_INVALID_INPUT 3u

/* Bit in truexp_bonus_input.flags: the shop offers price protection. */
#define TRUEXP_HAS_PRICE_PROTECTION 1u

/* Marks the entry function as exported (GCC/Clang). */
#if defined(__GNUC__)
#define TRUEXP_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define TRUEXP_PLUGIN_EXPORT
#endif

/* A borrowed UTF-8 string of len bytes, not NUL-terminated. */
typedef struct truexp_str {
    const uint8_t *ptr;
    size_t len;
} truexp_str;

/* One sub-indicator's value. */
typedef struct truexp_indicator {
    truexp_str name;   /* pickup_48h_rate, chat_response_3min_rate, ... */
    double value;      /* raw value: a rate in 0..1 or a duration in hours */
    uint64_t sample;   /* sample size behind it */
    uint32_t assessed; /* 1 = assessed, 0 = too little data */
    uint32_t reserved; /* always 0 */
} truexp_indicator;

/* Counts over the valid (non-fake) orders in the window that carry one order tag. */
typedef struct truexp_tag_count {
    truexp_str tag;             /* dual_size, cold_chain, custom_made, ... */
    uint64_t orders;            /* orders carrying it */
    uint64_t delivered;         /* of those, delivered */
    uint64_t delivered_on_time; /* of those, delivered by the promised time */
    uint64_t refund_only;       /* of those, with a refund-only request */
    uint64_t problem_orders;    /* of those, problem orders */
} truexp_tag_count;

/* Chat sessions answered by agents holding one certification. */
typedef struct truexp_agent_chats {
    truexp_str certification;      /* maternity_advisor, pet_doctor, ... or "" */
    uint64_t sessions;             /* sessions answered by such agents */
    uint64_t answered_within_3min; /* of those, answered by a human within 3 minutes */
    uint64_t total_response_secs;  /* sum of first-response seconds */
    uint64_t satisfied;            /* sessions rated 4 or 5 */
    uint64_t rated;                /* sessions with any rating */
} truexp_agent_chats;

/*
 * Everything a bonus call sees about one shop and one window.
 * Owned by the host, read-only, valid only during the call.
 * A plugin must check struct_size >= sizeof(truexp_bonus_input) of the header it
 * was built with before reading fields (return TRUEXP_PLUGIN_INVALID_INPUT if not).
 */
typedef struct truexp_bonus_input {
    uint32_t struct_size; /* size of this instance in bytes */
    uint32_t flags;       /* TRUEXP_HAS_PRICE_PROTECTION */
    truexp_str shop_id;
    truexp_str category;
    const truexp_str *certifications; /* certifications the shop holds */
    size_t certifications_len;
    const truexp_str *services; /* service offerings: dual_size_free_return, ... */
    size_t services_len;
    int64_t price_protection_days;          /* valid only with TRUEXP_HAS_PRICE_PROTECTION */
    int64_t platform_price_protection_days; /* the platform's standard window */
    uint64_t valid_orders;                  /* valid paid orders in the window */
    uint64_t chat_sessions;                 /* chat sessions in the window */
    const truexp_indicator *indicators;
    size_t indicators_len;
    const truexp_tag_count *tags;
    size_t tags_len;
    const truexp_agent_chats *agent_chats;
    size_t agent_chats_len;
} truexp_bonus_input;

/*
 * Where a bonus call writes its answer. Owned by the host.
 * On entry the host has set points = 0, flags = 0, reason_len = 0 and points
 * reason at a buffer of reason_cap bytes (whose contents are unspecified).
 * Reason truncation rule: the plugin writes at most reason_cap bytes of UTF-8,
 * cut at a character boundary, does NOT add a NUL terminator, and stores the
 * number of bytes written in reason_len. reason_len > reason_cap or invalid
 * UTF-8 makes the host discard the answer. On a non-OK status the reason holds
 * the error message and points/flags are ignored.
 */
typedef struct truexp_bonus_output {
    int64_t points;    /* out: fixed point, TRUEXP_POINTS_SCALE = 1 point */
    uint32_t flags;    /* out: rule-defined flags for the explanation */
    uint32_t reserved; /* leave 0 */
    char *reason;      /* in: caller buffer */
    size_t reason_cap; /* in: its capacity in bytes */
    size_t reason_len; /* out: bytes written, <= reason_cap */
} truexp_bonus_output;

/* The bonus function: reentrant; returns a TRUEXP_PLUGIN_* status. */
typedef uint32_t (*truexp_bonus_fn)(const truexp_bonus_input *input, truexp_bonus_output *output);

/* The plugin table, version 1. Static, owned by the plugin, never freed. */
typedef struct truexp_plugin_v1 {
    uint32_t abi_version;          /* TRUEXP_PLUGIN_ABI_VERSION */
    uint32_t struct_size;          /* sizeof(truexp_plugin_v1) */
    const char *name;              /* unique, [a-z0-9_-]+, at most 64 bytes */
    const char *version;           /* UTF-8, at most 64 bytes */
    const char *const *categories; /* NULL-terminated; 1..64 distinct non-empty names */
    truexp_bonus_fn bonus;         /* must not be NULL */
} truexp_plugin_v1;

/* The one symbol a plugin exports. */
TRUEXP_PLUGIN_EXPORT const truexp_plugin_v1 *truexp_plugin_entry_v1(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TRUEXP_PLUGIN_H */
