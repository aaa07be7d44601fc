//! Loading real and broken plugins from directories, and calling them.
//!
//! Why integration tests: the interesting failures (wrong symbol, bad table, panics,
//! garbage answers) only exist in real shared libraries, so every case here is a
//! real `.so`, built by cargo or gcc, loaded through `dlopen`.

mod common;

use common::*;
use std::path::Path;
use std::sync::Arc;
use truexp::bonus::{AgentChats, BonusInput, BonusRule, TagCount};
use truexp_plugin_host::{load_dir, load_dir_plugins, load_file, LoadError};

const ALL_RUST: &[&str] = &[
    "truexp_plugin_maternity",
    "truexp_plugin_pet",
    "truexp_plugin_jewelry",
];

fn tag(name: &str, orders: u64, delivered: u64, on_time: u64, refund_only: u64) -> TagCount {
    TagCount {
        tag: name.into(),
        orders,
        delivered,
        delivered_on_time: on_time,
        refund_only,
        problem_orders: 0,
    }
}

fn agents(cert: &str, sessions: u64, within: u64, secs: u64) -> AgentChats {
    AgentChats {
        certification: cert.into(),
        sessions,
        answered_within_3min: within,
        total_response_secs: secs,
        satisfied: 0,
        rated: 0,
    }
}

/// A spread of shops across all categories, with varied data.
fn shops() -> Vec<BonusInput> {
    let mut out = Vec::new();
    for i in 0..40u64 {
        let category = [
            "maternity_baby",
            "kids_clothing",
            "pet",
            "jewelry",
            "fresh_food",
            "apparel",
        ][(i % 6) as usize];
        out.push(BonusInput {
            shop_id: format!("shop-{i}"),
            category: category.into(),
            certifications: vec!["brand_authorised".into()],
            services: if i % 2 == 0 {
                vec![
                    "dual_size_free_return".into(),
                    "private_customisation".into(),
                ]
            } else {
                vec![]
            },
            price_protection_days: (i % 3 != 0).then_some(10 + i as i64),
            platform_price_protection_days: 15,
            valid_orders: 50 + i * 7,
            chat_sessions: 100 + i * 5,
            indicators: vec![truexp::bonus::IndicatorSample {
                name: "chat_response_3min_rate".into(),
                value: 0.9,
                sample: 100,
                assessed: true,
            }],
            tags: vec![
                tag("dual_size", i, i, i, 0),
                tag("cold_chain", 10 + i * 3, 10 + i * 3, 8 + i * 3, 0),
                tag("appraisal_certificate", i, i, i, 0),
                tag("custom_made", i % 4, 0, 0, 0),
                tag("high_value", 12 + i, 12 + i, 12 + i, i % 3),
            ],
            agent_chats: vec![
                agents("maternity_advisor", i * 2, i, i * 100),
                agents("pet_doctor", 10 + i, 5 + i, (10 + i) * (30 + i * 5)),
                agents("", 50, 40, 5000),
            ],
        });
    }
    out
}

fn real_dir(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    copy_rust_into(&dir, ALL_RUST);
    fresh_into(&dir);
    std::fs::write(dir.join("README.txt"), "not a plugin").unwrap();
    dir
}

#[test]
fn loads_all_real_plugins_in_sorted_order() {
    let dir = real_dir("real");
    let plugins = load_dir_plugins(&dir).unwrap();
    let names: Vec<&str> = plugins.iter().map(|p| p.name()).collect();
    // Sorted by file name: libfresh, libtruexp_plugin_jewelry, _maternity, _pet.
    assert_eq!(names, ["fresh", "jewelry", "maternity", "pet"]);
    let maternity = &plugins[2];
    assert_eq!(maternity.version(), "1.0.0");
    assert_eq!(maternity.categories(), ["maternity_baby", "kids_clothing"]);
    assert!(maternity.applies_to("kids_clothing"));
    assert!(!maternity.applies_to("pet"));
    assert!(plugins[0].applies_to("fresh_food"));
    assert!(plugins[1].applies_to("jewelry"));
    assert!(plugins[3].applies_to("pet"));
    assert!(plugins.iter().all(|p| !p.applies_to("apparel")));
}

#[test]
fn fresh_c_plugin_scores_cold_chain_punctuality() {
    let dir = temp_dir("fresh");
    fresh_into(&dir);
    let plugins = load_dir(&dir).unwrap();
    let fresh = &plugins[0];
    let mut shop = BonusInput {
        shop_id: "f1".into(),
        category: "fresh_food".into(),
        tags: vec![tag("cold_chain", 200, 200, 183, 0)], // 91.5%: halfway 85..98
        ..Default::default()
    };
    let b = fresh.bonus(&shop).unwrap();
    assert_eq!(b.points, 5_000);
    assert_eq!(
        b.reason,
        "cold-chain on time 183/200 delivered (91.5%): 0.5000 points"
    );
    shop.tags = vec![tag("cold_chain", 200, 200, 199, 0)];
    assert_eq!(fresh.bonus(&shop).unwrap().points, 10_000);
    assert_eq!(fresh.bonus(&shop).unwrap().flags, 1);
    shop.tags = vec![tag("cold_chain", 19, 19, 19, 0)];
    let b = fresh.bonus(&shop).unwrap();
    assert_eq!((b.points, b.flags), (0, 2));
    assert!(b.reason.contains("not assessed"));
    shop.tags = vec![tag("cold_chain", 30, 30, 31, 0)];
    let err = fresh.bonus(&shop).unwrap_err();
    assert!(
        err.contains("implausible") && err.contains("fresh"),
        "{err}"
    );
}

#[test]
fn loaded_rust_plugin_answers_like_the_native_rule() {
    let dir = temp_dir("native");
    copy_rust_into(&dir, &["truexp_plugin_pet"]);
    let loaded = load_dir(&dir).unwrap();
    let native = truexp_plugin::Native(truexp_plugin_pet::Pet);
    for shop in shops() {
        assert_eq!(
            loaded[0].bonus(&shop),
            native.bonus(&shop),
            "{}",
            shop.shop_id
        );
    }
    assert!(shops().iter().any(|s| native.bonus(s).unwrap().points > 0));
}

#[test]
fn eight_threads_agree_with_one() {
    let dir = real_dir("threads");
    let plugins = load_dir(&dir).unwrap();
    let shops = Arc::new(shops());
    let run = |plugins: &[Arc<dyn BonusRule>], shops: &[BonusInput]| {
        let mut out = Vec::new();
        for shop in shops {
            for p in plugins.iter().filter(|p| p.applies_to(&shop.category)) {
                out.push((shop.shop_id.clone(), p.name().to_owned(), p.bonus(shop)));
            }
        }
        out
    };
    let expected = run(&plugins, &shops);
    assert!(expected.len() >= 30);
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (plugins, shops) = (plugins.clone(), shops.clone());
            std::thread::spawn(move || {
                let mut last = Vec::new();
                for _ in 0..200 {
                    last = run(&plugins, &shops);
                }
                last
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), expected);
    }
}

#[test]
fn panic_in_a_rust_plugin_is_contained() {
    let dir = temp_dir("panicky");
    copy_rust_into(&dir, &["truexp_plugin_panicky"]);
    let plugins = load_dir(&dir).unwrap();
    let p = &plugins[0];
    let mut shop = BonusInput {
        shop_id: "panic-1".into(),
        category: "pet".into(),
        ..Default::default()
    };
    let err = p.bonus(&shop).unwrap_err();
    assert!(
        err.contains("panicked") && err.contains("deliberate panic for shop panic-1"),
        "{err}"
    );
    assert!(
        err.contains("libtruexp_plugin_panicky"),
        "names the file: {err}"
    );
    shop.shop_id = "fail-1".into();
    let err = p.bonus(&shop).unwrap_err();
    assert!(
        err.contains("rule failed: deliberate failure for shop fail-1"),
        "{err}"
    );
    // Still healthy afterwards, also under concurrent panics.
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let p = p.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    let id = if (t + i) % 2 == 0 { "panic" } else { "calm" };
                    let shop = BonusInput {
                        shop_id: format!("{id}-{t}-{i}"),
                        category: "pet".into(),
                        ..Default::default()
                    };
                    assert_eq!(p.bonus(&shop).is_ok(), id == "calm");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    shop.shop_id = "calm".into();
    assert_eq!(p.bonus(&shop).unwrap().reason, "calm shop calm");
}

fn refused(dir: &Path) -> String {
    match load_dir(dir) {
        Ok(p) => panic!("expected refusal, loaded {} plugins", p.len()),
        Err(e) => e.to_string(),
    }
}

fn one_broken(test: &str, defines: &[&str]) -> (LoadError, String) {
    let dir = temp_dir(test);
    let file = broken_into(&dir, "libbroken.so", defines);
    let err = load_file(&file).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("libbroken.so"),
        "names the file: {message}"
    );
    assert_eq!(refused(&dir), message, "load_dir refuses the same way");
    (err, message)
}

#[test]
fn wrong_abi_version_is_refused() {
    let (err, msg) = one_broken("abi", &["-DABI=2"]);
    assert!(
        matches!(
            err,
            LoadError::AbiVersion {
                found: 2,
                expected: 1,
                ..
            }
        ),
        "{msg}"
    );
    assert!(msg.contains("ABI version 2"), "{msg}");
}

#[test]
fn missing_symbol_is_refused() {
    let (err, msg) = one_broken("symbol", &["-DNO_SYMBOL"]);
    assert!(matches!(err, LoadError::MissingSymbol { .. }), "{msg}");
    assert!(msg.contains("truexp_plugin_entry_v1"), "{msg}");
}

#[test]
fn null_table_is_refused() {
    let (err, msg) = one_broken("nulltable", &["-DNULL_TABLE"]);
    assert!(matches!(err, LoadError::NullTable { .. }), "{msg}");
}

#[test]
fn null_function_is_refused() {
    let (err, msg) = one_broken("nullfn", &["-DNULL_FN"]);
    assert!(
        matches!(err, LoadError::NullFunction { field: "bonus", .. }),
        "{msg}"
    );
}

#[test]
fn too_small_struct_is_refused() {
    let (err, msg) = one_broken("size", &["-DSIZE=8"]);
    assert!(
        matches!(err, LoadError::StructSize { found: 8, .. }),
        "{msg}"
    );
}

#[test]
fn non_utf8_name_is_refused() {
    let (err, msg) = one_broken("utf8", &["-DNAME=\"bad\\xff\""]);
    assert!(
        matches!(err, LoadError::BadString { ref field, .. } if field == "name"),
        "{msg}"
    );
    assert!(msg.contains("UTF-8"), "{msg}");
}

#[test]
fn bad_names_and_categories_are_refused() {
    let (_, msg) = one_broken("emptyname", &["-DNAME=\"\""]);
    assert!(msg.contains("bad name: empty"), "{msg}");
    let (_, msg) = one_broken("upper", &["-DNAME=\"Broken One\""]);
    assert!(msg.contains("[a-z0-9_-]"), "{msg}");
    let (err, msg) = one_broken("nocats", &["-DNO_CATEGORIES"]);
    assert!(
        matches!(err, LoadError::Categories { .. }) && msg.contains("no categories"),
        "{msg}"
    );
    let (_, msg) = one_broken("dupcats", &["-DDUP_CATEGORY"]);
    assert!(msg.contains("category `pet` is listed twice"), "{msg}");
}

#[test]
fn duplicate_names_refuse_the_whole_directory() {
    let dir = temp_dir("dup");
    broken_into(&dir, "liba.so", &["-DNAME=\"twin\""]);
    broken_into(&dir, "libb.so", &["-DNAME=\"twin\""]);
    let err = load_dir(&dir).err().expect("refused");
    match &err {
        LoadError::DuplicateName { file, name, first } => {
            assert!(file.ends_with("libb.so") && first.ends_with("liba.so") && name == "twin");
        }
        other => panic!("unexpected {other}"),
    }
    assert!(
        err.to_string().contains("name `twin` is already used by"),
        "{err}"
    );
}

#[test]
fn one_bad_file_refuses_all_good_ones() {
    let dir = real_dir("allornothing");
    broken_into(&dir, "libzz_bad.so", &["-DABI=7"]);
    let msg = refused(&dir);
    assert!(
        msg.contains("libzz_bad.so") && msg.contains("ABI version 7"),
        "{msg}"
    );
    // A file that is not a shared library at all.
    let dir = temp_dir("garbage");
    std::fs::write(dir.join("libjunk.so"), b"not an ELF file").unwrap();
    let msg = refused(&dir);
    assert!(
        msg.contains("libjunk.so") && msg.contains("cannot open"),
        "{msg}"
    );
}

#[test]
fn empty_or_missing_directory() {
    let dir = temp_dir("empty");
    assert!(load_dir(&dir).unwrap().is_empty());
    let msg = refused(&dir.join("nope"));
    assert!(
        msg.contains("cannot read plugin directory") && msg.contains("nope"),
        "{msg}"
    );
}

fn answer_error(test: &str, defines: &[&str]) -> String {
    let dir = temp_dir(test);
    broken_into(&dir, "libbroken.so", defines);
    let plugins = load_dir(&dir).unwrap();
    let shop = BonusInput {
        shop_id: "x".into(),
        category: "pet".into(),
        ..Default::default()
    };
    let err = plugins[0].bonus(&shop).unwrap_err();
    assert!(
        err.contains("plugin broken") && err.contains("libbroken.so"),
        "{err}"
    );
    err
}

#[test]
fn bad_answers_are_contained() {
    let ok = {
        let dir = temp_dir("okanswer");
        broken_into(&dir, "libbroken.so", &[]);
        let shop = BonusInput::default();
        load_dir(&dir).unwrap()[0].bonus(&shop).unwrap()
    };
    assert_eq!((ok.points, ok.reason.as_str()), (100, "broken says hi"));
    let err = answer_error("toomuch", &["-DPOINTS=50001"]);
    assert!(err.contains("points 50001 out of range 0..=50000"), "{err}");
    let err = answer_error("negative", &["-DPOINTS=-1"]);
    assert!(err.contains("points -1 out of range"), "{err}");
    let err = answer_error("status", &["-DSTATUS=1"]);
    assert!(err.contains("rule failed: broken says hi"), "{err}");
    let err = answer_error("unknownstatus", &["-DSTATUS=99"]);
    assert!(err.contains("unknown status code 99"), "{err}");
    let err = answer_error("badreason", &["-DBAD_REASON"]);
    assert!(err.contains("reason is not valid UTF-8"), "{err}");
    let err = answer_error("longreason", &["-DLONG_REASON"]);
    assert!(err.contains("exceeds the buffer"), "{err}");
}

#[test]
fn long_reasons_are_truncated_on_a_char_boundary() {
    // Through a real table: the panicky plugin echoes the shop id; use a long multibyte id.
    let dir = temp_dir("truncate");
    copy_rust_into(&dir, &["truexp_plugin_panicky"]);
    let plugins = load_dir(&dir).unwrap();
    let shop = BonusInput {
        shop_id: "店".repeat(400),
        category: "pet".into(),
        ..Default::default()
    };
    let b = plugins[0].bonus(&shop).unwrap();
    assert!(b.reason.len() <= truexp_plugin::REASON_CAP);
    assert!(b.reason.len() > truexp_plugin::REASON_CAP - 3);
    assert!(b.reason.starts_with("calm shop 店店"));
}
