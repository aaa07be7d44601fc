// demo.cpp: the same ranking as demo.c, from C++17 with a small RAII wrapper.
//
//   demo_cpp [events.jsonl] [top-n]
//
// Prints "rank <i> <shop> <overall> <stars> <grade> <problems>/<valid>" lines
// like demo.c (ffi/tests/c_clients.rs compares them).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "truexp.h"

namespace truexp {

// A failed call: the code and the thread's last-error detail.
class Error : public std::runtime_error {
  public:
    Error(truexp_result code, const std::string &what)
        : std::runtime_error(what), code_(code) {}
    truexp_result code() const noexcept { return code_; }

  private:
    truexp_result code_;
};

inline std::string last_error() {
    std::size_t needed = 0;
    if (truexp_last_error_message(nullptr, 0, &needed) != TRUEXP_RESULT_BUFFER_TOO_SMALL) {
        return std::string();
    }
    std::string out(needed, '\0');
    std::size_t written = 0;
    truexp_last_error_message(&out[0], out.size(), &written);
    out.resize(written);
    return out;
}

inline void check(truexp_result code, const char *what) {
    if (code != TRUEXP_RESULT_OK) {
        throw Error(code, std::string(what) + ": " + last_error());
    }
}

struct EngineDeleter {
    void operator()(truexp_engine *e) const noexcept { truexp_engine_free(e); }
};

// Owns one truexp_engine; movable, not copyable.
class Engine {
  public:
    Engine() {
        truexp_engine *raw = nullptr;
        check(truexp_engine_new(&raw), "truexp_engine_new");
        handle_.reset(raw);
    }

    truexp_ingest_report ingest_jsonl(const std::string &events) {
        truexp_ingest_report report{};
        check(truexp_engine_ingest_jsonl(handle_.get(), events.data(), events.size(), &report),
              "truexp_engine_ingest_jsonl");
        return report;
    }

    std::int64_t latest_event_time() const {
        std::int64_t t = 0;
        check(truexp_engine_latest_event_time(handle_.get(), &t), "latest_event_time");
        return t;
    }

    std::vector<std::string> shop_ids() const {
        std::size_t n = 0;
        check(truexp_engine_shop_count(handle_.get(), &n), "truexp_engine_shop_count");
        std::vector<std::string> ids;
        for (std::size_t i = 0; i < n; ++i) {
            std::size_t needed = 0;
            truexp_result rc = truexp_engine_shop_id(handle_.get(), i, nullptr, 0, &needed);
            if (rc != TRUEXP_RESULT_BUFFER_TOO_SMALL) {
                check(rc, "truexp_engine_shop_id");
            }
            std::string id(needed, '\0');
            std::size_t written = 0;
            check(truexp_engine_shop_id(handle_.get(), i, &id[0], id.size(), &written),
                  "truexp_engine_shop_id");
            id.resize(written);
            ids.push_back(id);
        }
        return ids;
    }

    truexp_shop_score score(const std::string &shop, std::int64_t as_of) const {
        truexp_shop_score s{};
        check(truexp_engine_shop_score(handle_.get(), shop.data(), shop.size(), as_of, &s),
              "truexp_engine_shop_score");
        return s;
    }

  private:
    std::unique_ptr<truexp_engine, EngineDeleter> handle_;
};

} // namespace truexp

int main(int argc, char **argv) {
    const std::string path = argc > 1 ? argv[1] : "examples/data/demo.jsonl";
    const std::size_t top = argc > 2 ? std::stoul(argv[2]) : 10;
    try {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            throw std::runtime_error("cannot open " + path);
        }
        std::string events((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

        truexp::Engine engine;
        truexp_ingest_report report = engine.ingest_jsonl(events);
        std::printf("ingested lines %llu accepted %llu\n",
                    static_cast<unsigned long long>(report.lines),
                    static_cast<unsigned long long>(report.accepted));
        const std::int64_t as_of = engine.latest_event_time();

        std::vector<std::pair<std::string, truexp_shop_score>> ranking;
        for (const std::string &id : engine.shop_ids()) {
            ranking.emplace_back(id, engine.score(id, as_of));
        }
        std::sort(ranking.begin(), ranking.end(), [](const auto &a, const auto &b) {
            if (a.second.overall != b.second.overall) {
                return a.second.overall > b.second.overall;
            }
            return a.first < b.first;
        });
        static const char *const grades[] = {"high", "medium", "low"};
        for (std::size_t i = 0; i < ranking.size() && i < top; ++i) {
            const truexp_shop_score &s = ranking[i].second;
            std::printf("rank %zu %s %.2f %.1f %s %llu/%llu\n", i + 1, ranking[i].first.c_str(),
                        s.overall, s.stars, grades[s.grade],
                        static_cast<unsigned long long>(s.problem_orders),
                        static_cast<unsigned long long>(s.problem_valid_orders));
        }

        // Errors arrive as exceptions carrying the code and the detail.
        try {
            engine.score("no-such-shop", as_of);
            std::printf("error missing\n");
            return 1;
        } catch (const truexp::Error &e) {
            std::printf("error %u %s\n", static_cast<unsigned>(e.code()), e.what());
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "demo_cpp: %s\n", e.what());
        return 1;
    }
    return 0;
}
