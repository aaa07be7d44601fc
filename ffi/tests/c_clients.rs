//! The C and C++ clients under `examples/` are compiled with the strictest
//! warnings against `include/truexp.h` and the library cargo just built,
//! run, and their output compared with the Rust API's answers for the same
//! input. Also: the header alone (C99, C11, C++17, included twice), static
//! linking with the documented flags (checked against rustc's
//! `--print native-static-libs`), pkg-config, and CMake when installed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use truexp_core::event::{
    default_counted_promotions, PriceChange, PriceProtectionPolicy, ProtectionAnchor,
};
use truexp_core::event::{
    ChatSession, Delivered, Funder, OrderDiscount, OrderLine, OrderPaid, PromotionKind,
    RefundCompleted, RefundKind, RefundReason, RefundRequested, Review, RiskFlags, Shipped,
};
use truexp_core::price_protection::{
    assess_claim, Claim, ClaimOrder, LineAssessment, PriceObservation, ZeroPayoutReason,
};
use truexp_core::{Engine, Event, IngestReport, Money, Timestamp};

/// A moment from UTC seconds (test data is built in plain seconds).
fn ts(secs: i64) -> Timestamp {
    Timestamp::new(secs).expect("a moment in range")
}

const C_FLAGS: &[&str] = &["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];
const CXX_FLAGS: &[&str] = &["-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The directory holding `libtruexp.so` / `libtruexp.a`, built for this run.
///
/// Cargo does not build a cdylib/staticlib-only library for integration
/// tests, so the first caller runs `cargo build -p truexp-ffi` with the test's
/// own profile and target directory (cargo has released its lock by the time
/// tests run; the dependencies are already built, so this takes seconds).
fn lib_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable");
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>/deps")
            .to_path_buf();
        let profile = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let target = dir.parent().expect("target dir");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "-q", "-p", "truexp-ffi", "--lib"])
            .arg("--target-dir")
            .arg(target)
            .current_dir(root());
        match profile.as_str() {
            "debug" => {}
            "release" => {
                cmd.arg("--release");
            }
            other => {
                cmd.args(["--profile", other]);
            }
        }
        run_ok(&mut cmd);
        for lib in ["libtruexp.so", "libtruexp.a"] {
            assert!(
                dir.join(lib).exists(),
                "{} missing",
                dir.join(lib).display()
            );
        }
        dir
    })
    .clone()
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_clients");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    dir
}

fn demo_data() -> PathBuf {
    root().join("examples/data/demo.jsonl")
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Compiles `source` into `out_dir()/name`, linked against the shared library.
fn build_shared(
    compiler: &str,
    flags: &[&str],
    source: &str,
    name: &str,
    extra: &[&str],
) -> PathBuf {
    let lib = lib_dir();
    let exe = out_dir().join(name);
    run_ok(
        Command::new(compiler)
            .args(flags)
            .arg("-I")
            .arg(root().join("include"))
            .arg(root().join(source))
            .arg("-o")
            .arg(&exe)
            .arg("-L")
            .arg(&lib)
            .arg("-ltruexp")
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .args(extra),
    );
    exe
}

fn run_exe(exe: &Path, args: &[&OsStrRef]) -> String {
    run_ok(Command::new(exe).args(args).current_dir(root()))
}

type OsStrRef = std::ffi::OsStr;

/// The demo data in a Rust engine, with its report and `as_of`.
fn reference() -> &'static (Engine, IngestReport, i64) {
    static CELL: OnceLock<(Engine, IngestReport, i64)> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut engine = Engine::default();
        let data = std::fs::read(demo_data()).expect("demo data");
        let report = engine.ingest_jsonl(&data[..]);
        let as_of = engine.latest_event_time().expect("events");
        (engine, report, as_of.as_secs())
    })
}

/// The top `n` of the Rust scoreboard, formatted like the clients' rank lines.
fn rust_ranking(n: usize) -> Vec<String> {
    let (engine, _, as_of) = reference();
    let board = engine.scoreboard(ts(*as_of));
    board
        .shops
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, s)| {
            format!(
                "rank {} {} {:.2} {:.1} {} {}/{}",
                i + 1,
                s.shop_id,
                s.overall,
                s.stars,
                s.grade.name(),
                s.problem_rate.problem_orders,
                s.problem_rate.valid_orders
            )
        })
        .collect()
}

fn lines_with<'a>(output: &'a str, prefix: &str) -> Vec<&'a str> {
    output.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn header_compiles_alone_and_twice_in_c_and_cpp() {
    let dir = out_dir();
    let alone = dir.join("alone.c");
    std::fs::write(&alone, "#include \"truexp.h\"\n").unwrap();
    let twice = dir.join("twice.c");
    std::fs::write(
        &twice,
        "#include \"truexp.h\"\n#include \"truexp.h\"\n\
         int main(void) { truexp_result r = TRUEXP_RESULT_OK; \
         return (int)r + TRUEXP_VERSION_NUMBER * 0; }\n",
    )
    .unwrap();
    let twice_cpp = dir.join("twice.cpp");
    std::fs::copy(&twice, &twice_cpp).unwrap();
    let alone_cpp = dir.join("alone.cpp");
    std::fs::copy(&alone, &alone_cpp).unwrap();
    let include = root().join("include");
    for (compiler, std, file) in [
        ("gcc", "-std=c99", &alone),
        ("gcc", "-std=c99", &twice),
        ("gcc", "-std=c11", &twice),
        ("g++", "-std=c++11", &twice_cpp),
        ("g++", "-std=c++17", &alone_cpp),
        ("g++", "-std=c++17", &twice_cpp),
    ] {
        run_ok(
            Command::new(compiler)
                .args([
                    std,
                    "-Wall",
                    "-Wextra",
                    "-Wpedantic",
                    "-Werror",
                    "-fsyntax-only",
                    "-I",
                ])
                .arg(&include)
                .arg(file),
        );
    }
}

#[test]
fn c_demo_matches_rust() {
    let exe = build_shared("gcc", C_FLAGS, "examples/c/demo.c", "demo", &[]);
    let out = run_exe(&exe, &[demo_data().as_os_str()]);
    let (engine, report, as_of) = reference();

    let v = env!("CARGO_PKG_VERSION");
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap());
    let number =
        parts.next().unwrap() * 10000 + parts.next().unwrap() * 100 + parts.next().unwrap();
    assert_eq!(
        lines_with(&out, "version "),
        [format!("version {v} {number}")]
    );
    assert_eq!(
        lines_with(&out, "ingested "),
        [format!(
            "ingested lines {} accepted {} duplicates {} rejected {}",
            report.lines,
            report.accepted,
            report.duplicates,
            report.rejected.len()
        )]
    );
    assert_eq!(lines_with(&out, "as_of "), [format!("as_of {as_of}")]);
    assert_eq!(
        lines_with(&out, "shops "),
        [format!("shops {}", engine.shop_ids().len())]
    );
    assert_eq!(lines_with(&out, "rank "), rust_ranking(10));

    let best = &engine.scoreboard(ts(*as_of)).shops[0].shop_id;
    let json = serde_json::to_string(&engine.explain(best, ts(*as_of)).unwrap()).unwrap();
    assert_eq!(
        lines_with(&out, "explain "),
        [format!("explain {best} {json}")]
    );

    // The demo's price-protection claim, built the same way in Rust.
    let t0 = 1_731_240_000;
    let claim = Claim {
        order: ClaimOrder {
            order_id: "o-demo".into(),
            lines: vec![OrderLine {
                sku: "tv".into(),
                quantity: 2,
                unit_price: Money::from(100_000),
                line_discount: Money::from(5_000),
            }],
            discounts: vec![OrderDiscount {
                amount: Money::from(10_000),
                funded_by: Funder::Platform,
                kind: PromotionKind::PlatformCampaign,
            }],
            ordered_at: Some(ts(t0)),
            paid_at: ts(t0),
            received_at: None,
        },
        policy: PriceProtectionPolicy {
            window_days: 7,
            anchor: ProtectionAnchor::Order,
            counted_promotions: default_counted_promotions(),
            deduct_protected_units: false,
        },
        observations: vec![PriceObservation {
            sku: "tv".into(),
            price: Money::from(90_000),
            promotion: PromotionKind::Public,
            at: ts(t0 + 7 * 86_400),
        }],
        history: vec![],
        claimed_at: ts(t0 + 7 * 86_400),
        funding: Default::default(),
        fake: false,
    };
    let r = assess_claim(&claim).unwrap();
    assert!(r.total_payout > Money::ZERO);
    assert_eq!(
        lines_with(&out, "price_protect "),
        [format!(
            "price_protect o-demo payout {} platform {} seller {}",
            r.total_payout, r.total_platform, r.total_seller
        )]
    );
}

#[test]
fn cpp_demo_matches_rust() {
    let exe = build_shared("g++", CXX_FLAGS, "examples/cpp/demo.cpp", "demo_cpp", &[]);
    let out = run_exe(&exe, &[demo_data().as_os_str()]);
    assert_eq!(lines_with(&out, "rank "), rust_ranking(10));
    assert_eq!(
        lines_with(&out, "error "),
        ["error 5 truexp_engine_shop_score: unknown shop `no-such-shop`"]
    );
}

#[test]
fn c_threads_query_while_one_ingests() {
    let exe = build_shared(
        "gcc",
        C_FLAGS,
        "examples/c/threads.c",
        "threads",
        &["-pthread"],
    );
    let out = run_exe(&exe, &[demo_data().as_os_str()]);
    let (_, report, _) = reference();
    assert_eq!(
        out.trim(),
        format!("threads ok readers 8 reads 320 events {}", report.accepted)
    );
}

/// Issue 15: 16 threads, a shared handle (2 ingest, 8 query) and 6 handles
/// of their own (new/ingest/score/explain/free); the shared engine ends
/// equal to one fed the same 3000 lines at once. ffi/tsan.sh runs it under
/// ThreadSanitizer, ffi/sanitize.sh under ASan/UBSan.
#[test]
fn c_sixteen_threads_shared_and_own_handles() {
    let exe = build_shared(
        "gcc",
        C_FLAGS,
        "examples/c/threads16.c",
        "threads16",
        &["-pthread"],
    );
    let out = run_exe(&exe, &[demo_data().as_os_str()]);
    let text = std::fs::read_to_string(demo_data()).unwrap();
    let mut head = String::new();
    for line in text.lines().take(3000) {
        head.push_str(line);
        head.push('\n');
    }
    let mut engine = Engine::default();
    engine.ingest_jsonl(head.as_bytes());
    assert_eq!(
        out.trim(),
        format!(
            "threads16 ok threads 16 lines 3000 events {}",
            engine.event_count()
        )
    );
}

/// The events `examples/c/typed.c` builds, built with the Rust API.
fn typed_events() -> Vec<Event> {
    const T0: i64 = 1_790_000_000;
    const HOUR: i64 = 3600;
    let mut out = Vec::new();
    for i in 0..30i64 {
        let id = |k: char| format!("{k}{i}");
        let order = format!("o{i}");
        let buyer = format!("b{i}");
        let sku = format!("k{}", i % 3);
        let shop = if i % 2 == 1 { "t2" } else { "t1" };
        let paid_at = T0 + i * HOUR;
        let shipped_at = paid_at + if i % 4 == 0 { 72 } else { 10 } * HOUR;
        let delivered_at = shipped_at + 48 * HOUR;
        out.push(Event::OrderPaid(OrderPaid {
            id: id('p'),
            order_id: order.clone(),
            shop_id: shop.into(),
            buyer_id: buyer.clone(),
            category: "pet".into(),
            lines: vec![OrderLine {
                sku: sku.clone(),
                quantity: 1 + i % 2,
                unit_price: Money::new(1990 + i * 10).unwrap(),
                line_discount: Money::ZERO,
            }],
            discounts: if i % 5 == 0 {
                vec![OrderDiscount {
                    amount: Money::from(100),
                    funded_by: Funder::Seller,
                    kind: PromotionKind::Public,
                }]
            } else {
                vec![]
            },
            ordered_at: None,
            paid_at: ts(paid_at),
            ship_by: ts(paid_at + 48 * HOUR),
            deliver_by: None,
            risk: RiskFlags { fake: i == 29 },
            tags: if i % 7 == 0 {
                vec!["cold_chain".into()]
            } else {
                vec![]
            },
            region: None,
        }));
        out.push(Event::Shipped(Shipped {
            id: id('s'),
            order_id: order.clone(),
            at: ts(shipped_at),
            pickup_at: (i % 3 != 0).then_some(ts(shipped_at + HOUR)),
            tracking_valid: true,
        }));
        out.push(Event::Delivered(Delivered {
            id: id('d'),
            order_id: order.clone(),
            at: ts(delivered_at),
        }));
        if i % 3 != 2 {
            out.push(Event::Review(Review {
                id: id('r'),
                order_id: order.clone(),
                reviewer: buyer.clone(),
                at: ts(delivered_at + 24 * HOUR),
                product_stars: 1 + i % 5,
                logistics_stars: (i % 2 == 1).then_some(5),
                service_stars: Some(4),
                suspicious: false,
            }));
        }
        if i % 6 == 1 {
            let reasons = [
                RefundReason::Quality,
                RefundReason::NotAsDescribed,
                RefundReason::Damaged,
                RefundReason::Defective,
                RefundReason::Expired,
                RefundReason::Counterfeit,
                RefundReason::WrongSize,
                RefundReason::NoReason,
                RefundReason::NotReceived,
                RefundReason::Late,
                RefundReason::Other,
            ];
            let at = delivered_at + 2 * HOUR;
            out.push(Event::RefundRequested(RefundRequested {
                id: id('q'),
                order_id: order.clone(),
                refund_id: format!("f{i}"),
                at: ts(at),
                kind: RefundKind::ReturnAndRefund,
                reason: reasons[(i % 11) as usize],
                amount: Money::from(1990),
                sku: Some(sku.clone()),
                units: Some(1),
            }));
            out.push(Event::RefundCompleted(RefundCompleted {
                id: id('c'),
                order_id: order.clone(),
                refund_id: format!("f{i}"),
                at: ts(at + 48 * HOUR),
                amount: Money::from(1990),
                units_returned: Some(1),
            }));
        }
        out.push(Event::Chat(ChatSession {
            id: id('h'),
            shop_id: shop.into(),
            buyer_id: buyer.clone(),
            started_at: ts(paid_at - 600),
            first_response_secs: (i % 4 != 3).then_some((i % 4) * 30),
            satisfaction: (i % 5 != 0).then_some(3 + i % 3),
            agent_certification: (i % 2 == 1).then(|| "pet_doctor".to_string()),
            agent_id: None,
        }));
    }
    out
}

#[test]
fn c_typed_ingestion_and_error_codes_match_rust() {
    let exe = build_shared("gcc", C_FLAGS, "examples/c/typed.c", "typed", &[]);
    let out = run_exe(&exe, &[]);

    let mut engine = Engine::default();
    for e in typed_events() {
        engine.ingest(e).expect("valid event");
    }
    let as_of = engine.latest_event_time().unwrap();
    assert_eq!(lines_with(&out, "as_of "), [format!("as_of {as_of}")]);
    assert_eq!(
        lines_with(&out, "outcomes "),
        ["outcomes applied 135 pending 15 duplicate 30"]
    );
    for shop in ["t1", "t2"] {
        let s = engine.score(shop, as_of).unwrap();
        let line = lines_with(&out, &format!("score {shop} "))[0];
        let f: Vec<&str> = line.split(' ').skip(2).collect();
        let num = |i: usize| f[i].parse::<f64>().unwrap();
        assert_eq!(num(0), s.overall, "{line}");
        assert_eq!(num(1), s.stars);
        assert_eq!(f[2], (s.grade as u32).to_string());
        assert_eq!(num(3), s.change);
        assert_eq!(f[4], u8::from(s.growth_stage).to_string());
        assert_eq!(num(5), s.percentile.unwrap_or(-1.0));
        assert_eq!(num(6), s.fake_order_penalty);
        assert_eq!(f[7], s.problem_rate.problem_orders.to_string());
        assert_eq!(f[8], s.problem_rate.valid_orders.to_string());
        assert_eq!(num(9), s.problem_rate.rate);
        assert_eq!(f[10], s.blocks.len().to_string());
        for (b, block) in s.blocks.iter().enumerate() {
            assert_eq!(f[11 + 3 * b], &*block.name);
            assert_eq!(num(12 + 3 * b), block.score);
            assert_eq!(f[13 + 3 * b], u8::from(block.assessed).to_string());
        }
    }

    let expected_checks = [
        ("no_data", 9),
        ("ok_json", 0),
        ("null_engine", 1),
        ("null_out", 1),
        ("null_shop", 1),
        ("null_event", 1),
        ("invalid_utf8", 2),
        ("unknown_shop", 5),
        ("invalid_event", 3),
        ("invalid_json", 3),
        ("invalid_stars", 3),
        ("out_of_range_kind", 7),
        ("out_of_range_reason", 7),
        ("out_of_range_index", 7),
        ("out_of_range_code", 7),
        ("buffer_too_small", 6),
        ("result_message", 0),
        ("null_written", 1),
        ("size_query", 6),
        ("jsonl", 0),
        ("rejected_size", 6),
        ("rejected_json", 0),
        ("invalid_config", 4),
        ("invalid_config_json", 4),
        ("merge_self", 0),
        ("new_other", 0),
        ("merge", 0),
        ("merge_null", 1),
    ]
    .map(|(n, c)| format!("check {n} {c}"));
    assert_eq!(lines_with(&out, "check "), expected_checks);
    assert_eq!(
        lines_with(&out, "detail invalid_stars "),
        ["detail invalid_stars event bad-review: field `product_stars`: stars must be 1 to 5, got 9"]
    );
    let message = "the buffer is too small";
    assert_eq!(
        lines_with(&out, "needed "),
        [format!("needed {}", message.len() + 1)]
    );
    assert_eq!(
        lines_with(&out, "message "),
        [format!("message {message} ({})", message.len())]
    );
    let board = serde_json::to_string(&engine.scoreboard(as_of)).unwrap();
    assert_eq!(
        lines_with(&out, "scoreboard bytes "),
        [format!("scoreboard bytes {}", board.len() + 1)]
    );
    assert_eq!(
        lines_with(&out, "jsonl "),
        ["jsonl lines 3 accepted 1 duplicates 1 rejected 1 first 2"]
    );
    assert_eq!(lines_with(&out, "detail jsonl "), ["detail jsonl line 2:"]);
    // the list of refused lines is the Rust report's
    let lines = "{\"type\":\"delivered\",\"id\":\"x2\",\"order_id\":\"o2\",\"at\":1790999999}\nnot json\n\n";
    let rust = Engine::default().ingest_jsonl(lines.as_bytes());
    let (number, error) = &rust.rejected[0];
    let listed = lines_with(&out, "rejected_json ");
    let listed: serde_json::Value =
        serde_json::from_str(listed[0].trim_start_matches("rejected_json ")).unwrap();
    assert_eq!(
        listed,
        serde_json::json!({
            "unit": "line",
            "rejected": 1,
            "refusals": [{
                "number": number,
                "event_id": error.event_id,
                "field": error.field,
                "message": error.message,
            }],
        })
    );
    assert_eq!(lines_with(&out, "never "), ["never null"]);
    // 150 distinct typed events, one JSON event, one JSON Lines event; the merge copies all.
    assert_eq!(lines_with(&out, "events "), ["events 152 merged 152"]);
}

/// What rustc says a static link of this crate needs.
fn native_static_libs() -> Vec<String> {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("native-static-libs");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "rustc",
            "-p",
            "truexp-ffi",
            "--lib",
            "--crate-type",
            "staticlib",
        ])
        .arg("--target-dir")
        .arg(&target)
        .args(["--", "--print", "native-static-libs"])
        .current_dir(root())
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo rustc");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo rustc failed:\n{stderr}");
    let line = stderr
        .lines()
        .find_map(|l| l.split("native-static-libs:").nth(1))
        .unwrap_or_else(|| panic!("no native-static-libs note in:\n{stderr}"));
    line.split_whitespace().map(str::to_owned).collect()
}

fn flags_after(text: &str, marker: &str) -> Vec<String> {
    let line = text
        .lines()
        .find(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no line with `{marker}`"));
    line.split_whitespace()
        .filter(|w| w.starts_with("-l"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn static_link_flags_are_documented_and_work() {
    let rustc = native_static_libs();
    let pc = std::fs::read_to_string(root().join("ffi/truexp.pc.in")).unwrap();
    assert_eq!(
        flags_after(&pc, "Libs.private:"),
        rustc,
        "ffi/truexp.pc.in Libs.private"
    );
    let readme = std::fs::read_to_string(root().join("ffi/README.md")).unwrap();
    let documented: Vec<String> = flags_after(&readme, "libtruexp.a -l")
        .into_iter()
        .filter(|f| f != "-ltruexp")
        .collect();
    assert_eq!(documented, rustc, "ffi/README.md static link line");

    // Link the demo statically with exactly those flags and check it runs.
    let exe = out_dir().join("demo_static");
    run_ok(
        Command::new("gcc")
            .args(C_FLAGS)
            .arg("-I")
            .arg(root().join("include"))
            .arg(root().join("examples/c/demo.c"))
            .arg("-o")
            .arg(&exe)
            .arg(lib_dir().join("libtruexp.a"))
            .args(&rustc),
    );
    let ldd = run_ok(Command::new("ldd").arg(&exe));
    assert!(!ldd.contains("libtruexp"), "linked dynamically:\n{ldd}");
    let out = run_exe(&exe, &[demo_data().as_os_str(), "3".as_ref()]);
    assert_eq!(lines_with(&out, "rank "), rust_ranking(3));
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Writes a `truexp.pc` pointing at the build and returns its directory.
fn pkg_config_dir() -> PathBuf {
    let dir = out_dir().join("pkgconfig");
    std::fs::create_dir_all(&dir).unwrap();
    let pc = run_ok(
        Command::new("bash")
            .arg(root().join("ffi/gen-pc.sh"))
            .arg("/unused")
            .arg(lib_dir())
            .arg(root().join("include")),
    );
    assert!(pc.contains(&format!("Version: {}", env!("CARGO_PKG_VERSION"))));
    std::fs::write(dir.join("truexp.pc"), pc).unwrap();
    dir
}

#[test]
fn pkg_config_and_cmake_builds() {
    if !have("pkg-config") {
        eprintln!("note: pkg-config not installed; skipping the pkg-config and CMake builds");
        return;
    }
    let pc_dir = pkg_config_dir();
    let flags = run_ok(
        Command::new("pkg-config")
            .args(["--cflags", "--libs", "truexp"])
            .env("PKG_CONFIG_PATH", &pc_dir),
    );
    let exe = out_dir().join("demo_pkgconfig");
    run_ok(
        Command::new("gcc")
            .args(C_FLAGS)
            .arg(root().join("examples/c/demo.c"))
            .arg("-o")
            .arg(&exe)
            .args(flags.split_whitespace())
            .arg(format!("-Wl,-rpath,{}", lib_dir().display())),
    );
    let out = run_exe(&exe, &[demo_data().as_os_str(), "3".as_ref()]);
    assert_eq!(lines_with(&out, "rank "), rust_ranking(3));

    if !have("cmake") {
        eprintln!("note: cmake not installed; skipping the CMake build (apt-get install cmake)");
        return;
    }
    let build = out_dir().join("cmake-build");
    let _ = std::fs::remove_dir_all(&build);
    run_ok(
        Command::new("cmake")
            .arg("-S")
            .arg(root().join("examples/cmake"))
            .arg("-B")
            .arg(&build)
            .env("PKG_CONFIG_PATH", &pc_dir),
    );
    run_ok(Command::new("cmake").arg("--build").arg(&build));
    for exe in ["truexp_demo", "truexp_demo_cpp"] {
        let out = run_exe(&build.join(exe), &[demo_data().as_os_str(), "3".as_ref()]);
        assert_eq!(lines_with(&out, "rank "), rust_ranking(3), "{exe}");
    }
}

/// The bonus plugins as an operator deploys them (`plugins/build.sh DIR`).
fn plugin_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = out_dir().join("plugins");
        let _ = std::fs::remove_dir_all(&dir);
        run_ok(
            Command::new("sh")
                .arg(root().join("plugins/build.sh"))
                .arg(&dir),
        );
        dir
    })
    .clone()
}

#[test]
fn c_standards_list_and_plugins_match_rust() {
    let exe = build_shared("gcc", C_FLAGS, "examples/c/service.c", "service", &[]);
    let bad = out_dir().join("bad-plugins");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("libnot_a_plugin.so"), b"garbage").unwrap();
    let plugins = plugin_dir();
    let out = run_exe(
        &exe,
        &[
            demo_data().as_os_str(),
            plugins.as_os_str(),
            bad.as_os_str(),
        ],
    );
    let (engine, _, as_of) = reference();
    for preset in ["amazon", "ebay", "tmall"] {
        let standard = truexp_core::standards::presets::by_name(preset).unwrap();
        let report = engine
            .evaluate_standard("s1", &standard, ts(*as_of))
            .unwrap();
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(
            lines_with(&out, &format!("standard {preset} ")),
            [format!("standard {preset} s1 {json}")]
        );
    }
    assert_eq!(lines_with(&out, "unknown_preset "), ["unknown_preset 7"]);
    for (cat, label) in [(None, "*"), (Some("pet"), "pet")] {
        let json = serde_json::to_string(&engine.good_service_list(ts(*as_of), cat)).unwrap();
        assert_eq!(
            lines_with(&out, &format!("good_service {label} ")),
            [format!("good_service {label} {json}")]
        );
    }
    let standards = [
        truexp_core::standards::presets::amazon(),
        truexp_core::standards::presets::ebay(),
    ];
    let opts = truexp_core::warning::WarningOptions {
        within_orders: 2,
        within_points: 0.05,
    };
    let risky = engine.at_risk(ts(*as_of), &standards, &opts).unwrap();
    assert!(!risky.is_empty(), "the demo data has shops at risk");
    let json = serde_json::to_string(&risky).unwrap();
    assert_eq!(
        lines_with(&out, "at_risk * "),
        [format!("at_risk * {json}")]
    );
    let one = engine
        .early_warning("s1", ts(*as_of), &standards, &opts)
        .unwrap();
    let json = serde_json::to_string(&[one]).unwrap();
    assert_eq!(
        lines_with(&out, "at_risk s1 "),
        [format!("at_risk s1 {json}")]
    );
    assert_eq!(
        lines_with(&out, "at_risk_unknown_preset "),
        ["at_risk_unknown_preset 7"]
    );
    assert_eq!(
        lines_with(&out, "at_risk_negative_points "),
        ["at_risk_negative_points 7"]
    );
    let agents = engine.agent_metrics("s1", ts(*as_of)).unwrap();
    assert!(agents.total.sessions > 0, "the demo's s1 has chats");
    let json = serde_json::to_string(&agents).unwrap();
    assert_eq!(
        lines_with(&out, "agents s1 "),
        [format!("agents s1 {json}")]
    );
    assert_eq!(
        lines_with(&out, "agents_unknown_shop "),
        ["agents_unknown_shop 5"]
    );
    assert_eq!(lines_with(&out, "agents_bad_utf8 "), ["agents_bad_utf8 2"]);
    let history = engine.history("s1", ts(*as_of), 7).unwrap();
    assert_eq!(history.points.len(), 7);
    let json = serde_json::to_string(&history).unwrap();
    assert_eq!(
        lines_with(&out, "history s1 7 "),
        [format!("history s1 7 {json}")]
    );
    assert_eq!(
        lines_with(&out, "history_bad_days "),
        ["history_bad_days 7"]
    );
    let refused = lines_with(&out, "plugins_refused ");
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].starts_with("plugins_refused 11 "),
        "{}",
        refused[0]
    );
    assert!(refused[0].contains("libnot_a_plugin.so"), "{}", refused[0]);
    assert_eq!(lines_with(&out, "plugins "), ["plugins 4"]);

    let mut with_plugins = engine.clone();
    for rule in truexp_plugin_host::load_dir(&plugins).unwrap() {
        with_plugins.add_bonus_rule(rule).unwrap();
    }
    let explained = with_plugins.explain("s3", ts(*as_of)).unwrap();
    assert!(explained
        .score
        .add_ons
        .iter()
        .any(|a| a.name == "maternity"));
    let json = serde_json::to_string(&explained).unwrap();
    assert_eq!(lines_with(&out, "explain "), [format!("explain s3 {json}")]);
}

fn reason_name(a: &LineAssessment) -> &'static str {
    a.reason.map_or("none", |r| r.as_str())
}

fn jd_claim() -> Claim {
    let text = std::fs::read_to_string(root().join("examples/claims/jd_window.json")).unwrap();
    serde_json::from_str(&text).expect("the JD example claim")
}

/// `examples/c/price_protect.c`: the JD claim, the claim errors and
/// automatic mode over the demo data, each against the Rust API.
#[test]
fn c_price_protection_matches_rust() {
    let exe = build_shared(
        "gcc",
        C_FLAGS,
        "examples/c/price_protect.c",
        "price_protect",
        &[],
    );
    let out = run_exe(&exe, &[demo_data().as_os_str()]);

    // (a) One claim: every line, field by field, and the totals.
    let claim = jd_claim();
    let r = assess_claim(&claim).unwrap();
    assert_eq!(
        lines_with(&out, "claim "),
        [format!("claim {} lines {}", r.order_id, r.lines.len())]
    );
    let expected: Vec<String> = r
        .lines
        .iter()
        .map(|l| {
            let a = &l.assessment;
            let w = l.window.expect("the JD window is open");
            format!(
                "claim_line {} qty {} window {} {} paid_unit {} comparison {} protected {} \
                 payout {} platform {} seller {} reason {} history {} {} {} {}",
                l.line,
                l.quantity,
                w.start,
                w.end,
                a.paid_unit,
                a.comparison.map_or(-1, Money::minor_units),
                a.protected_quantity,
                a.payout,
                a.platform_part,
                a.seller_part,
                reason_name(a),
                l.history_after.units_returned,
                l.history_after.protected_units,
                l.history_after.already_paid,
                l.history_after.refunded
            )
        })
        .collect();
    assert_eq!(lines_with(&out, "claim_line "), expected);
    assert!(r.total_payout > Money::ZERO, "the example pays something");
    assert_eq!(
        lines_with(&out, "claim_total "),
        [format!(
            "claim_total payout {} platform {} seller {}",
            r.total_payout, r.total_platform, r.total_seller
        )]
    );

    // (a') The same claim for an order the risk system holds fake: every
    // line refused with FAKE_ORDER, nothing paid, history unchanged.
    let mut fake = jd_claim();
    fake.fake = true;
    let rf = assess_claim(&fake).unwrap();
    assert_eq!(rf.total_payout, Money::ZERO);
    let expected: Vec<String> = rf
        .lines
        .iter()
        .map(|l| {
            let a = &l.assessment;
            assert_eq!(a.reason, Some(ZeroPayoutReason::FakeOrder));
            format!(
                "fake_line {} payout {} platform {} seller {} protected {} reason {} history {} {} {} {}",
                l.line,
                a.payout,
                a.platform_part,
                a.seller_part,
                a.protected_quantity,
                reason_name(a),
                l.history_after.units_returned,
                l.history_after.protected_units,
                l.history_after.already_paid,
                l.history_after.refunded
            )
        })
        .collect();
    assert_eq!(expected.len(), 3);
    assert!(expected.iter().all(|l| l.contains("reason fake_order")));
    assert_eq!(lines_with(&out, "fake_line "), expected);

    // (b) Errors: codes and details; the invalid claim's detail is the core's.
    let mut bad = jd_claim();
    bad.order.lines[1].line_discount = Money::from(5000);
    let detail = assess_claim(&bad).unwrap_err().to_string();
    assert!(detail.contains("lines[1].line_discount"), "{detail}");
    assert_eq!(
        lines_with(&out, "error "),
        [
            "error null_claim 1 `claim` is NULL".to_owned(),
            "error bad_anchor 7 `policy.anchor`: 7 is not one of 0..3".to_owned(),
            "error bad_kind 7 `discounts[1].kind`: 99 is not one of 0..6".to_owned(),
            "error bad_mask 7 `policy.counted_promotions`: 0x40 has bits outside 0x3f \
             (one bit per truexp_promotion_kind 0..6)"
                .to_owned(),
            format!("error bad_discount 12 {detail}"),
            "error small_buffer 6 `out` holds 2 lines, 3 are needed".to_owned(),
        ]
    );
    assert_eq!(
        lines_with(&out, "small_buffer "),
        ["small_buffer needed 3 untouched 1"]
    );

    // (c) Automatic mode: the demo data plus the C program's typed drop.
    let mut engine = reference().0.clone();
    let drop = PriceChange {
        id: "c-drop-1".into(),
        sku: "s104-k0".into(),
        price: Money::from(3000),
        promotion: PromotionKind::Public,
        at: ts(1_785_800_000),
    };
    engine.ingest(Event::PriceChange(drop)).unwrap();
    let pending = engine.price_protection().pending_drops();
    assert_eq!(
        lines_with(&out, "typed_drop "),
        [format!("typed_drop outcome 0 pending {pending}")]
    );
    let runs = engine.run_price_drops().unwrap();
    let book = engine.price_protection();
    let (mut results, mut paid, mut payout, mut platform, mut seller) = (0, 0, 0, 0, 0);
    let mut shown = Vec::new();
    for run in &runs {
        for p in &run.payouts {
            let a = &p.assessment;
            results += 1;
            payout += a.payout.minor_units();
            platform += a.platform_part.minor_units();
            seller += a.seller_part.minor_units();
            if a.payout > Money::ZERO {
                paid += 1;
                if shown.len() < 5 {
                    shown.push(format!(
                        "payout {} {} {} {} {} qty {} window {} {} paid_unit {} comparison {} \
                         protected {} payout {} platform {} seller {} reason {}",
                        run.drop.id,
                        run.drop.at,
                        book.order_id(p.order),
                        p.line,
                        book.sku(p.sku),
                        p.quantity,
                        p.window.start,
                        p.window.end,
                        a.paid_unit,
                        a.comparison.map_or(-1, Money::minor_units),
                        a.protected_quantity,
                        a.payout,
                        a.platform_part,
                        a.seller_part,
                        reason_name(a)
                    ));
                }
            }
        }
    }
    assert!(paid > 0 && platform > 0, "the demo data pays something");
    assert_eq!(
        lines_with(&out, "auto "),
        [format!(
            "auto drops {} results {results} paid {paid} payout {payout} platform {platform} \
             seller {seller}",
            runs.len()
        )]
    );
    assert_eq!(lines_with(&out, "payout "), shown);
    assert_eq!(
        lines_with(&out, "auto_again "),
        ["auto_again drops 0 results 0"]
    );
}

#[test]
fn cpp_arrow_stream_matches_rust() {
    let exe = build_shared(
        "g++",
        CXX_FLAGS,
        "examples/cpp/arrow_stream.cpp",
        "arrow_stream_cpp",
        &[],
    );
    let out = run_exe(&exe, &[]);
    // the same events as JSON Lines, in the same order
    let t = 1_790_000_000i64;
    let lines = [
        format!(r#"{{"type":"shop_profile","id":"p1","shop_id":"s1","at":{t},"category":"pet"}}"#),
        format!(r#"{{"type":"shop_profile","id":"p2","shop_id":"s2","at":{t},"category":"home"}}"#),
        format!(r#"{{"type":"chat","id":"c1","shop_id":"s1","buyer_id":"b1","started_at":{},"first_response_secs":30,"satisfaction":5}}"#, t + 10),
        format!(r#"{{"type":"chat","id":"c2","shop_id":"s1","buyer_id":"b2","started_at":{}}}"#, t + 20),
        format!(r#"{{"type":"chat","id":"c3","shop_id":"s2","buyer_id":"b3","started_at":{},"first_response_secs":200,"satisfaction":9}}"#, t + 30),
        format!(r#"{{"type":"shop_profile","id":"p1","shop_id":"s1","at":{t},"category":"pet"}}"#),
        r#"{"type":"chat","id":"c4","shop_id":"s2","buyer_id":"b4","first_response_secs":10,"satisfaction":4}"#.to_owned(),
    ];
    let mut engine = Engine::default();
    let report = engine.ingest_jsonl(lines.join("\n").as_bytes());
    let (first, err) = &report.rejected[0];
    assert_eq!(report.rejected.len(), 2);
    assert_eq!(
        lines_with(&out, "report "),
        [format!(
            "report rc 0 lines {} accepted {} duplicates {} rejected 2 first {first}",
            report.lines, report.accepted, report.duplicates
        )]
    );
    assert_eq!(
        lines_with(&out, "error "),
        [format!("error row {first}: {err}")]
    );
    assert_eq!(lines_with(&out, "live "), ["live 0 moved 1"]);
    let as_of = engine.latest_event_time().unwrap();
    let scores: Vec<String> = ["s1", "s2"]
        .iter()
        .map(|s| {
            let sc = engine.score(s, as_of).unwrap();
            format!(
                "score {s} rc 0 overall {:.2} growth {}",
                sc.overall,
                u8::from(sc.growth_stage)
            )
        })
        .collect();
    assert_eq!(lines_with(&out, "score "), scores);
    let fails = lines_with(&out, "fail ");
    assert_eq!(fails.len(), 7, "{out}");
    assert!(
        fails[0].starts_with("fail type rc 14 live 0: column `at`: "),
        "{}",
        fails[0]
    );
    assert!(
        fails[1].starts_with("fail stream rc 14 live 0: "),
        "{}",
        fails[1]
    );
    assert!(
        fails[1].contains("the upstream table is gone"),
        "{}",
        fails[1]
    );
    // a producer that breaks the protocol (an error with no message, no
    // `get_next`) or sends bytes that are not UTF-8: refused, the engine
    // still usable (it kept the first batch of the broken stream)
    for (line, start) in fails[2..5].iter().zip([
        "fail silent rc 14 live 0: ",
        "fail no_next rc 14 live 0: ",
        "fail utf8 rc 14 live 0: ",
    ]) {
        assert!(line.starts_with(start), "{line}");
    }
    assert!(fails[4].contains("column `shop_id`: "), "{}", fails[4]);
    assert!(fails[4].to_lowercase().contains("utf"), "{}", fails[4]);
    assert_eq!(lines_with(&out, "usable "), ["usable rc 0 events 3"]);
    assert_eq!(lines_with(&out, "partial "), ["partial lines 3 accepted 3"]);
    assert_eq!(fails[5], "fail null rc 1: `stream` is NULL");
    assert_eq!(
        fails[6],
        "fail released rc 14: `stream` is already released"
    );
}

#[test]
fn c_scoreboard_changes_and_pending_match_rust() {
    let exe = build_shared("gcc", C_FLAGS, "examples/c/changes.c", "changes", &[]);
    let out = run_exe(&exe, &[demo_data().as_os_str()]);
    let (engine, _, as_of) = reference();
    let kept = engine.scoreboard(ts(*as_of)).standings();
    for (label, t) in [("changes_same", *as_of), ("changes_later", *as_of + 86_400)] {
        let board = engine.scoreboard(ts(t));
        let json = serde_json::to_string(&serde_json::json!({
            "as_of": t,
            "since_as_of": *as_of,
            "changes": board.changes_since(&kept),
        }))
        .unwrap();
        assert_eq!(
            lines_with(&out, &format!("{label} ")),
            [format!("{label} {json}")]
        );
    }
    // a day later some shops moved, and the same moment moved none
    let moved = |label: &str| {
        let line = lines_with(&out, label)[0];
        let v: serde_json::Value = serde_json::from_str(&line[label.len()..]).unwrap();
        v["changes"].as_array().unwrap().len()
    };
    assert_eq!(moved("changes_same "), 0);
    assert!(moved("changes_later ") > 0);
    let bad = lines_with(&out, "bad_previous ");
    assert_eq!(bad.len(), 1);
    assert!(
        bad[0].starts_with("bad_previous 15 not the JSON of a scoreboard"),
        "{}",
        bad[0]
    );
    let pending = lines_with(&out, "pending ");
    assert_eq!(pending.len(), 1);
    let listed: serde_json::Value = serde_json::from_str(&pending[0]["pending ".len()..]).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // the live scoreboard: every shop first, nothing at the same moment
    // again, and a day later what moved; each equal to the Rust call's answer
    let mut live = Engine::default();
    live.ingest_jsonl(&std::fs::read(demo_data()).unwrap()[..]);
    let first = live.scoreboard_changes(ts(*as_of), 0);
    assert_eq!(
        first.changes.len(),
        engine.scoreboard(ts(*as_of)).shops.len()
    );
    let again = live.scoreboard_changes(ts(*as_of), first.version);
    assert!(again.changes.is_empty());
    let later = live.scoreboard_changes(ts(*as_of + 86_400), first.version);
    assert!(!later.changes.is_empty());
    for (label, want) in [
        ("live_first", first),
        ("live_again", again),
        ("live_later", later),
    ] {
        let json = serde_json::to_string(&want).unwrap();
        assert_eq!(
            lines_with(&out, &format!("{label} ")),
            [format!("{label} {json}")]
        );
    }
    assert_eq!(listed[0]["event_id"], "zz");
    assert_eq!(listed[0]["field"], "order_id");
    // a refusal known only once the order came: what the Rust API keeps
    let mut late = Engine::default();
    for line in [
        r#"{"type":"delivered","id":"late-d1","order_id":"late-o1","at":1790000000}"#,
        r#"{"type":"order_paid","id":"late-p1","order_id":"late-o1","shop_id":"s1","buyer_id":"b","category":"pet","lines":[{"sku":"k1","quantity":1,"unit_price":1990}],"paid_at":1790042400,"ship_by":1790301600}"#,
    ] {
        late.ingest_json(line).unwrap();
    }
    assert_eq!(late.deferred_errors().len(), 1);
    let want = serde_json::to_string(late.deferred_errors()).unwrap();
    assert_eq!(lines_with(&out, "deferred "), [format!("deferred {want}")]);
}

/// Issue 13: a C client writes a snapshot with a resume token, reads it into
/// a new engine, keeps ingesting and gets the scoreboard of one engine fed
/// everything; a small token buffer, a damaged file, another configuration
/// and a missing file each give their code.
#[test]
fn c_snapshot_round_trip_and_refusals() {
    use truexp_core::Config;
    let exe = build_shared("gcc", C_FLAGS, "examples/c/snapshot.c", "snapshot", &[]);
    let dir = out_dir().join("snapshot-files");
    std::fs::create_dir_all(&dir).unwrap();
    let demo = std::fs::read_to_string(demo_data()).unwrap();
    let lines: Vec<&str> = demo.lines().take(9_000).collect();
    let (a, b) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
    std::fs::write(&a, lines[..6_000].join("\n") + "\n").unwrap();
    std::fs::write(&b, lines[6_000..].join("\n") + "\n").unwrap();
    let cfg = dir.join("other-config.json");
    let other = Config {
        max_reviews_per_buyer_month: 5,
        ..Config::default()
    };
    std::fs::write(&cfg, serde_json::to_string(&other).unwrap()).unwrap();
    let out = run_exe(
        &exe,
        &[
            a.as_os_str(),
            b.as_os_str(),
            dir.as_os_str(),
            cfg.as_os_str(),
        ],
    );
    let token = "partition-0=1234;partition-1=99";
    assert_eq!(
        lines_with(&out, "token "),
        [format!("token {} {token}", token.len())]
    );
    assert_eq!(
        lines_with(&out, "scoreboard_equal "),
        ["scoreboard_equal 1"]
    );
    let mut whole = Engine::default();
    for l in &lines {
        let _ = whole.ingest_json(l);
    }
    assert_eq!(
        lines_with(&out, "events "),
        [format!("events {}", whole.event_count())]
    );
    let code = |c: truexp::result::truexp_result| c as u32;
    use truexp::result::truexp_result as R;
    assert_eq!(
        lines_with(&out, "too_small "),
        [format!(
            "too_small {} needed {}",
            code(R::BufferTooSmall),
            token.len()
        )]
    );
    assert_eq!(
        lines_with(&out, "damaged "),
        [format!("damaged {}", code(R::InvalidSnapshot))]
    );
    assert_eq!(
        lines_with(&out, "other_config "),
        [format!("other_config {}", code(R::ConfigMismatch))]
    );
    assert_eq!(
        lines_with(&out, "missing "),
        [format!("missing {}", code(R::Io))]
    );
}

/// What-if through the C ABI: the same JSON as the Rust API for a shop's
/// slow refunds completed within a day, the engine unchanged, and every
/// bad scenario refused with its code and the change named.
#[test]
fn c_client_what_if_matches_rust() {
    use truexp_core::problem::Reason;
    use truexp_core::what_if::{Change, Resolution, Scenario};
    let (engine, _, as_of) = reference();
    // the first shop (by rank) with a slow refund, and those orders
    let (shop, orders) = (engine.scoreboard(ts(*as_of)).shops.iter())
        .find_map(|s| {
            let slow: Vec<String> = (engine.problem_orders(&s.shop_id, ts(*as_of)).unwrap())
                .into_iter()
                .filter(|p| p.labels.iter().any(|l| l.reason == Reason::SlowRefund))
                .map(|p| p.order_id)
                .collect();
            (!slow.is_empty()).then(|| (s.shop_id.to_string(), slow))
        })
        .expect("the demo data has a slow refund");
    let scenario = Scenario {
        changes: (orders.iter())
            .map(|o| Change {
                order_id: o.clone(),
                resolution: Resolution::RefundCompletedWithin { hours: 24 },
            })
            .collect(),
        next_days: None,
    };
    let path = out_dir().join("what_if_scenario.json");
    std::fs::write(&path, serde_json::to_string(&scenario).unwrap()).unwrap();
    let exe = build_shared("gcc", C_FLAGS, "examples/c/what_if.c", "what_if", &[]);
    let out = run_exe(
        &exe,
        &[
            demo_data().as_os_str(),
            OsStrRef::new(&shop),
            path.as_os_str(),
        ],
    );
    let rust = engine.what_if(&shop, ts(*as_of), &scenario).unwrap();
    assert!(rust.changes.iter().all(|c| c.changed), "{rust:?}");
    assert!(rust.problem_orders.1 < rust.problem_orders.0, "{rust:?}");
    let json = serde_json::to_string(&rust).unwrap();
    assert_eq!(
        lines_with(&out, "what_if "),
        [format!("what_if {shop} {json}")]
    );
    let overall = format!("{:.2}", engine.score(&shop, ts(*as_of)).unwrap().overall);
    assert_eq!(
        lines_with(&out, "score_unchanged "),
        [format!("score_unchanged {overall} {overall}")]
    );
    let bad = lines_with(&out, "bad_scenario ");
    assert!(
        bad[0].starts_with("bad_scenario 7 ") && bad[0].contains("resolution"),
        "{bad:?}"
    );
    assert_eq!(
        lines_with(&out, "unknown_order "),
        ["unknown_order 7 argument `scenario`: change 1: unknown order `no-such-order`"]
    );
    assert_eq!(lines_with(&out, "null_scenario "), ["null_scenario 1"]);
    assert_eq!(lines_with(&out, "bad_utf8 "), ["bad_utf8 2"]);
}

#[test]
fn c_failure_at_exit_returns_its_code() {
    let exe = build_shared(
        "cc",
        C_FLAGS,
        "ffi/tests/c/failure_at_exit.c",
        "failure_at_exit",
        &[],
    );
    // run_exe fails the test unless the process exits with status 0
    let out = run_exe(&exe, &[]);
    assert_eq!(
        (
            lines_with(&out, "unknown shop rc "),
            lines_with(&out, "at exit rc ")
        ),
        (vec!["unknown shop rc UNKNOWN_SHOP"], vec!["at exit rc IO"]),
        "{out}"
    );
}
