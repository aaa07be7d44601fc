/*
 * fresh: the truexp bonus plugin for fresh food, written in plain C99 against
 * include/truexp_plugin.h - the proof that the plugin ABI is language-neutral.
 *
 * Rule (category fresh_food): cold-chain punctuality. Of the orders tagged
 * cold_chain that were delivered, the share delivered on time r:
 *   - fewer than 20 delivered cold-chain orders: 0 points (too little data);
 *   - r <= 85%: 0 points; r >= 98%: 1.0 point (the cap); linear in between.
 * Integer arithmetic only, so the answer is identical on every platform.
 * Flags: bit 0 = full marks, bit 1 = not assessed (too little data).
 *
 * Build: gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -shared -fPIC \
 *            -I include plugins/fresh/fresh.c -o libfresh.so
 * Reentrant: uses only its arguments and the stack.
 */
#include "truexp_plugin.h"

#include <stdio.h>
#include <string.h>

#define MIN_DELIVERED 20u
#define FLOOR_PERCENT 85u
#define FULL_PERCENT 98u
#define MAX_COUNT 1000000000000ull /* larger counts are implausible; refuse them */

static void set_reason(truexp_bonus_output *out, const char *text)
{
    /* ASCII only, so cutting at any byte is a character boundary. */
    size_t n = strlen(text);
    if (out->reason == NULL) {
        out->reason_len = 0;
        return;
    }
    if (n > out->reason_cap) {
        n = out->reason_cap;
    }
    memcpy(out->reason, text, n);
    out->reason_len = n;
}

static int str_is(truexp_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && (n == 0 || (s.ptr != NULL && memcmp(s.ptr, lit, n) == 0));
}

static uint32_t fresh_bonus(const truexp_bonus_input *in, truexp_bonus_output *out)
{
    char text[160];
    uint64_t delivered = 0, on_time = 0, num, den, points;
    size_t i;

    if (out == NULL) {
        return TRUEXP_PLUGIN_INVALID_INPUT;
    }
    if (in == NULL || in->struct_size < sizeof(truexp_bonus_input) ||
        (in->tags_len > 0 && in->tags == NULL)) {
        set_reason(out, "malformed input");
        return TRUEXP_PLUGIN_INVALID_INPUT;
    }
    for (i = 0; i < in->tags_len; i++) {
        if (str_is(in->tags[i].tag, "cold_chain")) {
            delivered = in->tags[i].delivered;
            on_time = in->tags[i].delivered_on_time;
            break;
        }
    }
    if (on_time > delivered || delivered > MAX_COUNT) {
        set_reason(out, "implausible cold_chain counts");
        return TRUEXP_PLUGIN_ERROR;
    }
    if (delivered < MIN_DELIVERED) {
        snprintf(text, sizeof text,
                 "cold-chain punctuality not assessed: %llu delivered cold-chain orders (< %u)",
                 (unsigned long long)delivered, MIN_DELIVERED);
        set_reason(out, text);
        out->points = 0;
        out->flags = 2u;
        return TRUEXP_PLUGIN_OK;
    }
    /* points = SCALE * (r - floor) / (full - floor), clamped to [0, SCALE]. */
    num = on_time * 100u;
    den = delivered * FLOOR_PERCENT;
    if (num <= den) {
        points = 0;
    } else {
        points = (uint64_t)TRUEXP_POINTS_SCALE * (num - den) /
                 (delivered * (FULL_PERCENT - FLOOR_PERCENT));
        if (points > (uint64_t)TRUEXP_POINTS_SCALE) {
            points = TRUEXP_POINTS_SCALE;
        }
    }
    snprintf(text, sizeof text,
             "cold-chain on time %llu/%llu delivered (%llu.%llu%%): %llu.%04llu points",
             (unsigned long long)on_time, (unsigned long long)delivered,
             (unsigned long long)(on_time * 1000u / delivered / 10u),
             (unsigned long long)(on_time * 1000u / delivered % 10u),
             (unsigned long long)(points / TRUEXP_POINTS_SCALE),
             (unsigned long long)(points % TRUEXP_POINTS_SCALE));
    set_reason(out, text);
    out->points = (int64_t)points;
    out->flags = points == (uint64_t)TRUEXP_POINTS_SCALE ? 1u : 0u;
    return TRUEXP_PLUGIN_OK;
}

static const char *const fresh_categories[] = {"fresh_food", NULL};

static const truexp_plugin_v1 fresh_table = {
    TRUEXP_PLUGIN_ABI_VERSION,
    (uint32_t)sizeof(truexp_plugin_v1),
    "fresh",
    "1.0.0",
    fresh_categories,
    fresh_bonus,
};

TRUEXP_PLUGIN_EXPORT const truexp_plugin_v1 *truexp_plugin_entry_v1(void)
{
    return &fresh_table;
}
