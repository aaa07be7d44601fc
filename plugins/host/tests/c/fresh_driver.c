/*
 * A C host for the C fresh plugin, linked with it directly and run under
 * AddressSanitizer and UndefinedBehaviorSanitizer by tests/c_clients.rs.
 * Why: it exercises the plugin exactly as a C host would (no Rust involved),
 * including the reason-truncation rule and malformed inputs.
 * Prints one line per check and "ok" at the end; exits non-zero on failure.
 */
#include "truexp_plugin.h"

#include <stdio.h>
#include <string.h>

static int failures = 0;

#define EXPECT(cond)                                                   \
    do {                                                               \
        if (!(cond)) {                                                 \
            fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                \
        }                                                              \
    } while (0)

static truexp_str s(const char *text)
{
    truexp_str out;
    out.ptr = (const uint8_t *)text;
    out.len = strlen(text);
    return out;
}

int main(void)
{
    const truexp_plugin_v1 *t = truexp_plugin_entry_v1();
    truexp_tag_count tags[2];
    truexp_bonus_input in;
    truexp_bonus_output out;
    char reason[256];
    char tiny[10];
    uint32_t status;

    EXPECT(t != NULL);
    EXPECT(t->abi_version == TRUEXP_PLUGIN_ABI_VERSION);
    EXPECT(t->struct_size == sizeof(truexp_plugin_v1));
    EXPECT(strcmp(t->name, "fresh") == 0);
    EXPECT(strcmp(t->categories[0], "fresh_food") == 0 && t->categories[1] == NULL);

    memset(tags, 0, sizeof tags);
    tags[0].tag = s("high_value");
    tags[1].tag = s("cold_chain");
    tags[1].orders = 200;
    tags[1].delivered = 200;
    tags[1].delivered_on_time = 183;

    memset(&in, 0, sizeof in);
    in.struct_size = (uint32_t)sizeof in;
    in.shop_id = s("f1");
    in.category = s("fresh_food");
    in.tags = tags;
    in.tags_len = 2;

    memset(&out, 0, sizeof out);
    out.reason = reason;
    out.reason_cap = sizeof reason;
    status = t->bonus(&in, &out);
    EXPECT(status == TRUEXP_PLUGIN_OK);
    EXPECT(out.points == 5000);
    EXPECT(out.reason_len <= out.reason_cap);
    printf("reason: %.*s\n", (int)out.reason_len, reason);

    /* Truncation: exactly reason_cap bytes, no NUL written past them. */
    memset(tiny, 'X', sizeof tiny);
    memset(&out, 0, sizeof out);
    out.reason = tiny;
    out.reason_cap = sizeof tiny - 1;
    status = t->bonus(&in, &out);
    EXPECT(status == TRUEXP_PLUGIN_OK && out.reason_len == sizeof tiny - 1);
    EXPECT(tiny[sizeof tiny - 1] == 'X');

    /* No reason buffer at all. */
    memset(&out, 0, sizeof out);
    status = t->bonus(&in, &out);
    EXPECT(status == TRUEXP_PLUGIN_OK && out.reason_len == 0 && out.points == 5000);

    /* Malformed inputs are refused, not trusted. */
    memset(&out, 0, sizeof out);
    EXPECT(t->bonus(NULL, &out) == TRUEXP_PLUGIN_INVALID_INPUT);
    EXPECT(t->bonus(&in, NULL) == TRUEXP_PLUGIN_INVALID_INPUT);
    in.struct_size = 8;
    EXPECT(t->bonus(&in, &out) == TRUEXP_PLUGIN_INVALID_INPUT);
    in.struct_size = (uint32_t)sizeof in;
    in.tags = NULL;
    EXPECT(t->bonus(&in, &out) == TRUEXP_PLUGIN_INVALID_INPUT);
    in.tags = tags;

    /* Huge counts: refused instead of overflowing. */
    tags[1].delivered = UINT64_MAX;
    tags[1].delivered_on_time = UINT64_MAX;
    EXPECT(t->bonus(&in, &out) == TRUEXP_PLUGIN_ERROR);

    if (failures == 0) {
        printf("ok\n");
    }
    return failures == 0 ? 0 : 1;
}
