//! The hand-written `include/truexp_plugin.h` against the Rust `#[repr(C)]` mirror.
//!
//! Why: the header is written for C authors, so nothing generates it; instead this
//! test generates a C file of compile-time assertions (`sizeof`/`offsetof` equal to
//! what Rust computes, constants equal to the Rust constants) and compiles it with
//! gcc as C99 and as C++, with `-Wall -Wextra -Wpedantic -Werror`. Any drift fails.

mod common;

use common::*;
use std::mem::{offset_of, size_of};
use std::process::Command;
use truexp_plugin::abi;

fn header_dir() -> std::path::PathBuf {
    workspace().join("include")
}

fn compile(lang: &str, std: &str, source: &std::path::Path) {
    let compiler = if lang == "c" { "gcc" } else { "g++" };
    let output = Command::new(compiler)
        .args(["-x", lang, &format!("-std={std}")])
        .args([
            "-Wall",
            "-Wextra",
            "-Wpedantic",
            "-Werror",
            "-fsyntax-only",
            "-I",
        ])
        .arg(header_dir())
        .arg(source)
        .output()
        .expect("run the C compiler");
    assert!(
        output.status.success(),
        "{compiler} -std={std} failed on {}:\n{}",
        source.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn header_compiles_alone_twice_as_c99_and_cxx() {
    let dir = temp_dir("header-alone");
    let src = dir.join("alone.c");
    std::fs::write(
        &src,
        "#include \"truexp_plugin.h\"\n#include \"truexp_plugin.h\"\n\
         const truexp_plugin_v1 *truexp_plugin_entry_v1(void) { return 0; }\n",
    )
    .unwrap();
    compile("c", "c99", &src);
    compile("c", "c11", &src);
    compile("c++", "c++11", &src);
    compile("c++", "c++17", &src);
}

#[test]
fn header_layout_matches_rust() {
    let mut checks: Vec<(String, usize)> = Vec::new();
    macro_rules! layout {
        ($rust:ty, $c:literal, [$($field:ident),* $(,)?]) => {
            checks.push((format!("sizeof({})", $c), size_of::<$rust>()));
            checks.push((format!("_Alignof_({})", $c), std::mem::align_of::<$rust>()));
            $(checks.push((format!("offsetof({}, {})", $c, stringify!($field)), offset_of!($rust, $field)));)*
        };
    }
    layout!(abi::Str, "truexp_str", [ptr, len]);
    layout!(
        abi::Indicator,
        "truexp_indicator",
        [name, value, sample, assessed, reserved]
    );
    layout!(
        abi::TagCount,
        "truexp_tag_count",
        [
            tag,
            orders,
            delivered,
            delivered_on_time,
            refund_only,
            problem_orders
        ]
    );
    layout!(
        abi::AgentChats,
        "truexp_agent_chats",
        [
            certification,
            sessions,
            answered_within_3min,
            total_response_secs,
            satisfied,
            rated
        ]
    );
    layout!(
        abi::BonusInput,
        "truexp_bonus_input",
        [
            struct_size,
            flags,
            shop_id,
            category,
            certifications,
            certifications_len,
            services,
            services_len,
            price_protection_days,
            platform_price_protection_days,
            valid_orders,
            chat_sessions,
            indicators,
            indicators_len,
            tags,
            tags_len,
            agent_chats,
            agent_chats_len,
        ]
    );
    layout!(
        abi::BonusOutput,
        "truexp_bonus_output",
        [points, flags, reserved, reason, reason_cap, reason_len]
    );
    layout!(
        abi::PluginV1,
        "truexp_plugin_v1",
        [abi_version, struct_size, name, version, categories, bonus]
    );
    let constants: &[(&str, i64)] = &[
        ("TRUEXP_PLUGIN_ABI_VERSION", abi::ABI_VERSION.into()),
        ("TRUEXP_POINTS_SCALE", abi::POINTS_SCALE),
        ("TRUEXP_MAX_POINTS", truexp_plugin::MAX_POINTS),
        ("TRUEXP_PLUGIN_OK", abi::STATUS_OK.into()),
        ("TRUEXP_PLUGIN_ERROR", abi::STATUS_ERROR.into()),
        ("TRUEXP_PLUGIN_PANIC", abi::STATUS_PANIC.into()),
        (
            "TRUEXP_PLUGIN_INVALID_INPUT",
            abi::STATUS_INVALID_INPUT.into(),
        ),
        (
            "TRUEXP_HAS_PRICE_PROTECTION",
            abi::HAS_PRICE_PROTECTION.into(),
        ),
    ];
    assert_eq!(abi::POINTS_SCALE, truexp::bonus::POINTS_SCALE);
    assert_eq!(abi::ENTRY_SYMBOL, b"truexp_plugin_entry_v1\0");

    let mut c = String::from(
        "#include \"truexp_plugin.h\"\n#include <stddef.h>\n\
         /* C99 has no _Static_assert: a negative array size is the compile error. */\n\
         #ifdef __cplusplus\n#define _Alignof_(t) alignof(t)\n#else\n\
         #define _Alignof_(t) offsetof(struct { char c; t x; }, x)\n#endif\n\
         #define CHECK(n, cond) typedef char check_##n[(cond) ? 1 : -1];\n",
    );
    for (i, (expr, value)) in checks.iter().enumerate() {
        c.push_str(&format!("CHECK({i}, {expr} == {value}u) /* {expr} */\n"));
    }
    for (i, (name, value)) in constants.iter().enumerate() {
        c.push_str(&format!("CHECK(k{i}, ({name}) == {value})\n"));
    }
    c.push_str("CHECK(fnptr, sizeof(truexp_bonus_fn) == sizeof(void *))\n");
    let dir = temp_dir("header-layout");
    let src = dir.join("layout.c");
    std::fs::write(&src, &c).unwrap();
    compile("c", "c99", &src);
    compile("c++", "c++11", &src);
    assert!(checks.len() > 50);

    // The check is not vacuous: a wrong expectation must fail to compile.
    let wrong = dir.join("wrong.c");
    std::fs::write(
        &wrong,
        c.replace("sizeof(truexp_str) == 16u", "sizeof(truexp_str) == 17u"),
    )
    .unwrap();
    let status = Command::new("gcc")
        .args(["-std=c99", "-fsyntax-only", "-I"])
        .arg(header_dir())
        .arg(&wrong)
        .output()
        .unwrap()
        .status;
    assert!(!status.success(), "a wrong size must not compile");
}

#[test]
fn c_plugins_also_compile_as_cxx() {
    // fresh.c is built as C99 and loaded by the loading tests; compiling it (and the
    // broken plugin) as C++ too shows a C++ author can use the header unchanged.
    compile("c++", "c++11", &workspace().join("plugins/fresh/fresh.c"));
    compile(
        "c++",
        "c++11",
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken/broken.c"),
    );
}
