//! Config parsing (`Config::from_json`) and validation.
//!
//! Input: a mode byte, then either raw JSON (mode 0) or choices that replace
//! numbers of the default configuration (other modes: reaches every numeric
//! key with valid JSON around it). Checks: no panic and no overflow; a
//! config that validates builds an engine, survives a JSON round trip
//! and reads back, and scores a small world of demo events (ingest, scoreboard,
//! explain, problem orders) without panicking; a refused config is refused
//! by `Engine::with_config` as well.
#![no_main]

mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use truexp::{Config, Engine, Timestamp};

fn default_json() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| serde_json::to_value(Config::default()).expect("default config serialises"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some(text) = common::json_text(mode, rest, default_json()) else {
        return;
    };
    let cfg = match Config::from_json(&text) {
        Ok(cfg) => cfg,
        Err(e) => {
            // whatever serde read, the engine refuses it too
            if let Ok(parsed) = serde_json::from_str::<Config>(&text) {
                assert!(
                    parsed.validate().is_err(),
                    "from_json refused ({e}) what validates"
                );
                assert!(
                    Engine::with_config(parsed).is_err(),
                    "engine built from a refused config"
                );
            }
            return;
        }
    };
    // serde_json's default float parser may read a float back one ulp off
    // (found by this target: a subnormal breakpoint value), so the round trip
    // is checked to be accepted, not to be bit-exact
    let back = serde_json::to_string(&cfg).expect("a valid config serialises");
    Config::from_json(&back).expect("a valid config reads back");

    let mut engine = Engine::with_config(cfg).expect("a validated config builds an engine");
    let report = engine.ingest_jsonl_threads(common::EVENTS.as_bytes(), 1, |_| {});
    assert_eq!(report.lines, common::EVENTS.lines().count() as u64);
    let latest = engine.latest_event_time().unwrap_or(Timestamp::UNIX_EPOCH);
    for as_of in [latest, latest.plus_days(40), common::AS_OF[0]] {
        let board = engine.scoreboard(as_of);
        for shop in engine.shop_ids() {
            let _ = engine.explain(shop, as_of).expect("known shop explains");
            let _ = engine
                .problem_orders(shop, as_of)
                .expect("known shop lists problem orders");
        }
        let _ = board;
    }
    let _ = engine.run_price_drops();
});
