//! Seller standards read from JSON (`Standard::from_json`, the CLI's
//! `standard --standard FILE`) and evaluated.
//!
//! Input: a mode byte, then either raw JSON (mode 0) or choices that replace
//! numbers of a preset (Amazon, eBay, Tmall by the mode byte; every numeric
//! key with valid JSON around it, including edge values). Checks: no panic
//! and no overflow; a standard `from_json` accepts reads back equal after a
//! JSON round trip and is evaluated for every shop of a small world of demo
//! events at three times (`Engine::evaluate_standard`, and `Engine::at_risk`
//! over all shops); what `from_json` refuses, `validate` refuses too, and so
//! do `evaluate_standard` and `at_risk`.
#![no_main]

mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use truexp::standards::{presets, Standard};
use truexp::warning::WarningOptions;
use truexp::{Engine, Timestamp};

fn presets_json() -> &'static [Value; 3] {
    static V: OnceLock<[Value; 3]> = OnceLock::new();
    V.get_or_init(|| {
        [presets::amazon(), presets::ebay(), presets::tmall()]
            .map(|s| serde_json::to_value(s).expect("a preset serialises"))
    })
}

fn world() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let mut e = Engine::default();
        e.ingest_jsonl_threads(common::EVENTS.as_bytes(), 1, |_| {});
        e
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some(text) = common::json_text(mode, rest, &presets_json()[mode as usize % 3]) else {
        return;
    };
    let engine = world();
    let latest = engine.latest_event_time().unwrap_or(Timestamp::UNIX_EPOCH);
    let times = [latest, latest.plus_days(40), common::AS_OF[0]];
    let standard = match Standard::from_json(&text) {
        Ok(s) => s,
        Err(e) => {
            // whatever serde read, validation and every use refuse it too
            if let Ok(parsed) = serde_json::from_str::<Standard>(&text) {
                assert!(
                    parsed.validate().is_err(),
                    "from_json refused ({e}) what validates"
                );
                if let Some(shop) = engine.shop_ids().first() {
                    assert!(engine.evaluate_standard(shop, &parsed, latest).is_err());
                }
                let opts = WarningOptions::default();
                assert!(engine.at_risk(latest, &[parsed], &opts).is_err());
            }
            return;
        }
    };
    let back = serde_json::to_string(&standard).expect("a valid standard serialises");
    assert_eq!(
        Standard::from_json(&back).expect("a valid standard reads back"),
        standard,
        "JSON round trip"
    );
    for as_of in times {
        for shop in engine.shop_ids() {
            engine
                .evaluate_standard(shop, &standard, as_of)
                .expect("a known shop is evaluated");
        }
        let opts = WarningOptions::default();
        engine
            .at_risk(as_of, std::slice::from_ref(&standard), &opts)
            .expect("every shop is looked at");
    }
});
