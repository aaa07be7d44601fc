/*
 * A deliberately broken truexp plugin. Each -D switch breaks one thing, so the
 * host's load-time validation and answer checks can be tested one by one:
 *   -DABI=2                 wrong ABI version
 *   -DSIZE=8                struct size smaller than the v1 table
 *   -DNO_SYMBOL             exports truexp_plugin_entry_v2 instead of _v1
 *   -DNULL_TABLE            entry returns NULL
 *   -DNULL_FN               bonus function pointer is NULL
 *   -DNAME='"..."'          plugin name (default "broken"); e.g. non-UTF-8 bytes
 *   -DNO_CATEGORIES         empty category list
 *   -DDUP_CATEGORY          a category listed twice
 *   -DPOINTS=n              points answered (default 100 = 0.01 point)
 *   -DSTATUS=n              status answered (default TRUEXP_PLUGIN_OK)
 *   -DBAD_REASON            reason bytes that are not UTF-8
 *   -DLONG_REASON           reason_len larger than reason_cap
 */
#include "truexp_plugin.h"

#include <string.h>

#ifndef ABI
#define ABI TRUEXP_PLUGIN_ABI_VERSION
#endif
#ifndef SIZE
#define SIZE sizeof(truexp_plugin_v1)
#endif
#ifndef NAME
#define NAME "broken"
#endif
#ifndef POINTS
#define POINTS 100
#endif
#ifndef STATUS
#define STATUS TRUEXP_PLUGIN_OK
#endif

#ifdef NULL_FN
#define BONUS_FN NULL
#else
static uint32_t broken_bonus(const truexp_bonus_input *in, truexp_bonus_output *out)
{
    const char *text = "broken says hi";
    size_t n = strlen(text);
    (void)in;
#ifdef BAD_REASON
    text = "bad \xff\xfe reason";
    n = strlen(text);
#endif
    if (n > out->reason_cap) {
        n = out->reason_cap;
    }
    memcpy(out->reason, text, n);
    out->reason_len = n;
#ifdef LONG_REASON
    out->reason_len = out->reason_cap + 1;
#endif
    out->points = POINTS;
    return STATUS;
}
#define BONUS_FN broken_bonus
#endif

#if defined(NO_CATEGORIES)
static const char *const categories[] = {NULL};
#elif defined(DUP_CATEGORY)
static const char *const categories[] = {"pet", "jewelry", "pet", NULL};
#else
static const char *const categories[] = {"pet", NULL};
#endif

static const truexp_plugin_v1 table = {
    ABI, (uint32_t)(SIZE), NAME, "0.0.1", categories, BONUS_FN,
};

#ifdef NO_SYMBOL
TRUEXP_PLUGIN_EXPORT const truexp_plugin_v1 *truexp_plugin_entry_v2(void);
TRUEXP_PLUGIN_EXPORT const truexp_plugin_v1 *truexp_plugin_entry_v2(void)
#else
TRUEXP_PLUGIN_EXPORT const truexp_plugin_v1 *truexp_plugin_entry_v1(void)
#endif
{
#ifdef NULL_TABLE
    /* Keep the table referenced so -Werror stays quiet, but hand out NULL. */
    return table.abi_version == 0 ? &table : NULL;
#else
    return &table;
#endif
}
