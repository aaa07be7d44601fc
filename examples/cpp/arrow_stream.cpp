// arrow_stream.cpp: a C++ service hands truexp Arrow record batches through
// the Arrow C stream interface (struct ArrowArrayStream), built by hand here
// from std::vector columns: no Arrow C++ library, no JSON.
//
//   arrow_stream
//
// Prints "report ...", "error ...", "live ...", "score ...", "fail ...",
// "partial ..." and "usable ..." lines; ffi/tests/c_clients.rs compares them with the Rust API's answers
// for the same events.
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "truexp.h"

namespace {

// Arrays and schemas handed out and not yet released by the consumer.
int live = 0;

using Str = std::optional<std::string>;
using Int = std::optional<int64_t>;

// One column of one batch: strings ("u") or 64-bit integers ("l").
struct Column {
    std::string name;
    bool is_string;
    std::vector<Str> strings;
    std::vector<Int> ints;

    std::size_t size() const { return is_string ? strings.size() : ints.size(); }
    bool valid(std::size_t i) const {
        return is_string ? strings[i].has_value() : ints[i].has_value();
    }
};

Column S(const char *name, std::vector<Str> v) { return Column{name, true, std::move(v), {}}; }
Column I(const char *name, std::vector<Int> v) { return Column{name, false, {}, std::move(v)}; }

using Batch = std::vector<Column>;

// ---- arrays ----------------------------------------------------------------

struct ArrayData {
    std::vector<uint8_t> validity;
    std::vector<int32_t> offsets;
    std::string bytes;
    std::vector<int64_t> values;
    std::vector<const void *> buffers;
    std::vector<ArrowArray *> children;
};

void release_array(ArrowArray *a) {
    ArrayData *d = static_cast<ArrayData *>(a->private_data);
    for (ArrowArray *child : d->children) {
        if (child->release != nullptr) {
            child->release(child);
        }
        delete child;
    }
    delete d;
    a->release = nullptr;
    --live;
}

void fill_column(const Column &c, ArrowArray *out) {
    ArrayData *d = new ArrayData();
    const std::size_t n = c.size();
    d->validity.assign((n + 7) / 8, 0);
    int64_t nulls = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (c.valid(i)) {
            d->validity[i / 8] = static_cast<uint8_t>(d->validity[i / 8] | (1u << (i % 8)));
        } else {
            ++nulls;
        }
    }
    if (c.is_string) {
        d->offsets.push_back(0);
        for (const Str &s : c.strings) {
            if (s) {
                d->bytes += *s;
            }
            d->offsets.push_back(static_cast<int32_t>(d->bytes.size()));
        }
        d->buffers = {d->validity.data(), d->offsets.data(), d->bytes.data()};
    } else {
        for (const Int &v : c.ints) {
            d->values.push_back(v ? *v : 0);
        }
        d->buffers = {d->validity.data(), d->values.data()};
    }
    out->length = static_cast<int64_t>(n);
    out->null_count = nulls;
    out->offset = 0;
    out->n_buffers = static_cast<int64_t>(d->buffers.size());
    out->n_children = 0;
    out->buffers = d->buffers.data();
    out->children = nullptr;
    out->dictionary = nullptr;
    out->release = release_array;
    out->private_data = d;
    ++live;
}

// A batch is a struct array ("+s") whose children are the columns.
void fill_batch(const Batch &b, ArrowArray *out) {
    ArrayData *d = new ArrayData();
    for (const Column &c : b) {
        ArrowArray *child = new ArrowArray();
        fill_column(c, child);
        d->children.push_back(child);
    }
    d->buffers = {nullptr};
    out->length = b.empty() ? 0 : static_cast<int64_t>(b[0].size());
    out->null_count = 0;
    out->offset = 0;
    out->n_buffers = 1;
    out->n_children = static_cast<int64_t>(d->children.size());
    out->buffers = d->buffers.data();
    out->children = d->children.data();
    out->dictionary = nullptr;
    out->release = release_array;
    out->private_data = d;
    ++live;
}

// ---- schemas ---------------------------------------------------------------

struct SchemaData {
    std::string name;
    std::vector<ArrowSchema *> children;
};

void release_schema(ArrowSchema *s) {
    SchemaData *d = static_cast<SchemaData *>(s->private_data);
    for (ArrowSchema *child : d->children) {
        if (child->release != nullptr) {
            child->release(child);
        }
        delete child;
    }
    delete d;
    s->release = nullptr;
    --live;
}

void fill_schema(const char *format, const std::string &name, int64_t flags, ArrowSchema *out,
                 SchemaData *d) {
    d->name = name;
    out->format = format;
    out->name = d->name.c_str();
    out->metadata = nullptr;
    out->flags = flags;
    out->n_children = static_cast<int64_t>(d->children.size());
    out->children = d->children.empty() ? nullptr : d->children.data();
    out->dictionary = nullptr;
    out->release = release_schema;
    out->private_data = d;
    ++live;
}

void fill_batch_schema(const Batch &b, ArrowSchema *out) {
    SchemaData *d = new SchemaData();
    for (const Column &c : b) {
        ArrowSchema *child = new ArrowSchema();
        fill_schema(c.is_string ? "u" : "l", c.name, ARROW_FLAG_NULLABLE, child, new SchemaData());
        d->children.push_back(child);
    }
    fill_schema("+s", "", 0, out, d);
}

// ---- the stream ------------------------------------------------------------

struct StreamData {
    std::vector<Batch> batches;
    std::size_t next = 0;
    bool fail_second = false;  // get_next fails at the second batch ...
    bool silent = false;       // ... and get_last_error has no message for it
    std::string error;
};

int get_schema(ArrowArrayStream *s, ArrowSchema *out) {
    StreamData *d = static_cast<StreamData *>(s->private_data);
    fill_batch_schema(d->batches.at(0), out);
    return 0;
}

int get_next(ArrowArrayStream *s, ArrowArray *out) {
    StreamData *d = static_cast<StreamData *>(s->private_data);
    if (d->fail_second && d->next == 1) {
        d->error = d->silent ? "" : "the upstream table is gone";
        return EIO;
    }
    if (d->next == d->batches.size()) {
        out->release = nullptr;  // end of stream
        return 0;
    }
    fill_batch(d->batches[d->next++], out);
    return 0;
}

const char *get_last_error(ArrowArrayStream *s) {
    StreamData *d = static_cast<StreamData *>(s->private_data);
    return d->error.empty() ? nullptr : d->error.c_str();
}

void release_stream(ArrowArrayStream *s) {
    delete static_cast<StreamData *>(s->private_data);
    s->release = nullptr;
    --live;
}

ArrowArrayStream make_stream(std::vector<Batch> batches, bool fail_second = false,
                             bool silent = false) {
    StreamData *d = new StreamData();
    d->batches = std::move(batches);
    d->fail_second = fail_second;
    d->silent = silent;
    ArrowArrayStream s;
    s.get_schema = get_schema;
    s.get_next = get_next;
    s.get_last_error = get_last_error;
    s.release = release_stream;
    s.private_data = d;
    ++live;
    return s;
}

std::string last_error() {
    char buf[512];
    std::size_t written = 0;
    if (truexp_last_error_message(buf, sizeof buf, &written) != TRUEXP_RESULT_OK) {
        return "?";
    }
    return std::string(buf, written);
}

const int64_t T = 1790000000;
const std::optional<std::string> N;
const std::optional<int64_t> NI;

// The events: columns named like JSON keys (docs/arrow.md), two batches.
std::vector<Batch> events() {
    Batch first = {
        S("type", {"shop_profile", "shop_profile", "chat"}),
        S("id", {"p1", "p2", "c1"}),
        S("shop_id", {"s1", "s2", "s1"}),
        S("buyer_id", {N, N, "b1"}),
        S("category", {"pet", "home", N}),
        I("at", {T, T, NI}),
        I("started_at", {NI, NI, T + 10}),
        I("first_response_secs", {NI, NI, 30}),
        I("satisfaction", {NI, NI, 5}),
    };
    Batch second = {
        S("type", {"chat", "chat", "shop_profile", "chat"}),
        S("id", {"c2", "c3", "p1", "c4"}),
        S("shop_id", {"s1", "s2", "s1", "s2"}),
        S("buyer_id", {"b2", "b3", N, "b4"}),
        S("category", {N, N, "pet", N}),
        I("at", {NI, NI, T, NI}),
        I("started_at", {T + 20, T + 30, NI, NI}),
        I("first_response_secs", {NI, 200, NI, 10}),
        I("satisfaction", {NI, 9, NI, 4}),
    };
    return {first, second};
}

}  // namespace

int main() {
    truexp_engine *engine = nullptr;
    if (truexp_engine_new(&engine) != TRUEXP_RESULT_OK) {
        return 1;
    }

    ArrowArrayStream stream = make_stream(events());
    truexp_ingest_report report;
    truexp_result rc = truexp_engine_ingest_arrow_stream(engine, &stream, &report);
    std::printf("report rc %d lines %" PRIu64 " accepted %" PRIu64 " duplicates %" PRIu64
                " rejected %" PRIu64 " first %" PRIu64 "\n",
                static_cast<int>(rc), report.lines, report.accepted, report.duplicates,
                report.rejected, report.first_rejected_line);
    std::printf("error %s\n", last_error().c_str());
    std::printf("live %d moved %d\n", live, stream.release == nullptr ? 1 : 0);

    int64_t as_of = 0;
    truexp_engine_latest_event_time(engine, &as_of);
    for (const char *shop : {"s1", "s2"}) {
        truexp_shop_score score;
        rc = truexp_engine_shop_score(engine, shop, std::strlen(shop), as_of, &score);
        std::printf("score %s rc %d overall %.2f growth %d\n", shop, static_cast<int>(rc),
                    score.overall, score.growth_stage ? 1 : 0);
    }

    // a column the schema cannot read: `at` as strings
    Batch bad = {S("type", {"delivered"}), S("id", {"d1"}), S("order_id", {"o1"}),
                 S("at", {"yesterday"})};
    ArrowArrayStream wrong = make_stream({bad});
    rc = truexp_engine_ingest_arrow_stream(engine, &wrong, &report);
    std::printf("fail type rc %d live %d: %s\n", static_cast<int>(rc), live, last_error().c_str());

    // a stream that fails midway: the first batch stays ingested
    ArrowArrayStream broken = make_stream(events(), true);
    truexp_engine *fresh = nullptr;
    truexp_engine_new(&fresh);
    report = truexp_ingest_report{};
    rc = truexp_engine_ingest_arrow_stream(fresh, &broken, &report);
    std::printf("fail stream rc %d live %d: %s\n", static_cast<int>(rc), live,
                last_error().c_str());
    // written on that failure too: what went in before it
    std::printf("partial lines %" PRIu64 " accepted %" PRIu64 "\n", report.lines,
                report.accepted);

    // producers that break the protocol or send invalid data: refused, and
    // the engine stays usable (it still answers and ingests)
    ArrowArrayStream silent = make_stream(events(), true, true);
    rc = truexp_engine_ingest_arrow_stream(fresh, &silent, &report);
    std::printf("fail silent rc %d live %d: %s\n", static_cast<int>(rc), live,
                last_error().c_str());
    ArrowArrayStream no_next = make_stream(events());
    no_next.get_next = nullptr;
    rc = truexp_engine_ingest_arrow_stream(fresh, &no_next, &report);
    std::printf("fail no_next rc %d live %d: %s\n", static_cast<int>(rc), live,
                last_error().c_str());
    Batch not_utf8 = {S("type", {"shop_profile"}), S("id", {"p9"}), S("shop_id", {"s\xff" "9"}),
                      S("category", {"pet"}), I("at", {T})};
    ArrowArrayStream invalid = make_stream({not_utf8});
    rc = truexp_engine_ingest_arrow_stream(fresh, &invalid, &report);
    std::printf("fail utf8 rc %d live %d: %s\n", static_cast<int>(rc), live, last_error().c_str());
    std::size_t count = 0;
    rc = truexp_engine_event_count(fresh, &count);
    std::printf("usable rc %d events %zu\n", static_cast<int>(rc), count);

    // NULL and released streams
    rc = truexp_engine_ingest_arrow_stream(engine, nullptr, &report);
    std::printf("fail null rc %d: %s\n", static_cast<int>(rc), last_error().c_str());
    rc = truexp_engine_ingest_arrow_stream(engine, &stream, &report);
    std::printf("fail released rc %d: %s\n", static_cast<int>(rc), last_error().c_str());

    truexp_engine_free(fresh);
    truexp_engine_free(engine);
    return live == 0 ? 0 : 2;
}
