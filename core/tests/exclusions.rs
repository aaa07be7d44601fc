//! Exclusion windows: a declared carrier or weather disruption in one
//! delivery region over a time span excuses the logistics failures of that
//! region's orders due inside it — counted nowhere, listed by `explain`, in
//! any event order, through merge and snapshots. Hand-computed cases.

mod builders;

use builders::{labels, ts, Events, D, DAY0, H};
use truexp::config::ExclusionWindow;
use truexp::problem::Reason;
use truexp::{Config, Engine};

const PAID: i64 = DAY0 + 2 * D + 9 * H;
const AS_OF: i64 = DAY0 + 20 * D;

/// `o-bad`'s payment: ship-by one day later, delivered to `region`.
fn paid_in_region(ev: &mut Events, order: &str, region: Option<&str>) {
    let region = region.map_or(String::new(), |r| format!(r#","region":"{r}""#));
    ev.raw(&format!(
        r#""type":"order_paid","order_id":"{order}","shop_id":"s1","buyer_id":"bx","category":"pet","lines":[{{"sku":"k1","quantity":1,"unit_price":1990}}],"paid_at":{PAID},"ship_by":{}{region}"#,
        PAID + D
    ));
}

/// Shop s1: 40 clean orders, and `o-bad` paid at `PAID` for `region` with
/// what `extra` adds.
fn shop(region: Option<&str>, extra: impl Fn(&mut Events)) -> Events {
    let mut ev = Events::new();
    for i in 0..40 {
        ev.clean(&format!("o{i}"), "s1", &format!("b{i}"), PAID + i * 60);
    }
    paid_in_region(&mut ev, "o-bad", region);
    extra(&mut ev);
    ev
}

/// Shipped and picked up three days after payment: a late shipment (due at
/// ship-by, `PAID + 1d`) and no pickup in time (due at `PAID + 48h`);
/// received within the delivery norm.
fn late(ev: &mut Events) {
    ev.shipped("o-bad", PAID + 3 * D, PAID + 3 * D, true);
    ev.delivered("o-bad", PAID + 4 * D);
}

/// Shipped and picked up an hour after payment.
fn on_time(ev: &mut Events) {
    ev.shipped("o-bad", PAID + H, PAID + H, true);
    ev.delivered("o-bad", PAID + 4 * D);
}

fn window(region: &str, from: i64, to: i64, labels: Option<&[Reason]>) -> ExclusionWindow {
    ExclusionWindow {
        name: "typhoon-2026-09".into(),
        region: region.into(),
        from,
        to,
        reason: "typhoon Haikui: carriers suspended".into(),
        labels: labels.map_or(ExclusionWindow::DEFAULT_LABELS.to_vec(), <[_]>::to_vec),
    }
}

fn config(windows: Vec<ExclusionWindow>) -> Config {
    Config {
        exclusions: windows,
        ..Config::default()
    }
}

/// The fujian typhoon from one day after `PAID` to three days after: it
/// holds the ship-by moment and the pickup deadline.
fn typhoon() -> Config {
    config(vec![window("fujian", PAID + D, PAID + 3 * D, None)])
}

fn engine(ev: &Events, cfg: &Config) -> Engine {
    let mut e = Engine::with_config(cfg.clone()).unwrap();
    ev.feed(&mut e);
    e
}

fn problem_orders(e: &Engine, at: i64) -> (u64, u64) {
    let r = e.score("s1", ts(at)).unwrap().problem_rate;
    (r.problem_orders, r.logistics)
}

#[test]
fn a_late_pickup_inside_the_window_is_not_a_problem_order() {
    let ev = shop(Some("fujian"), late);
    let plain = engine(&ev, &Config::default());
    assert_eq!(
        labels(&plain, AS_OF),
        [Reason::LateShipment, Reason::NoPickupInTime]
    );
    assert_eq!(problem_orders(&plain, AS_OF), (1, 1));

    let excused = engine(&ev, &typhoon());
    assert_eq!(labels(&excused, AS_OF), []);
    // as an order picked up in time: no problem order at all (41 valid)
    let in_time = engine(&shop(Some("fujian"), on_time), &typhoon());
    assert_eq!(problem_orders(&excused, AS_OF), (0, 0));
    assert_eq!(problem_orders(&in_time, AS_OF), (0, 0));
    let rate = |e: &Engine| e.score("s1", ts(AS_OF)).unwrap().problem_rate;
    assert_eq!(rate(&excused).valid_orders, 41);
    assert_eq!(rate(&excused).rate, rate(&in_time).rate);
    // the 48-hour pickup rate still counts what happened: 40 of 41
    let pickup = |e: &Engine| {
        let s = e.score("s1", ts(AS_OF)).unwrap();
        let i = s.indicators.iter().find(|i| i.name == "pickup_48h_rate");
        i.map(|i| (i.numerator, i.sample)).unwrap()
    };
    assert_eq!(pickup(&excused), (40, 41));
    assert_eq!(pickup(&excused), pickup(&plain));
}

#[test]
fn outside_the_span_or_the_region_the_labels_stay() {
    let both = [Reason::LateShipment, Reason::NoPickupInTime];
    // the span ends at the ship-by moment (exclusive) and before the pickup deadline
    let early = config(vec![window("fujian", PAID, PAID + D, None)]);
    assert_eq!(
        labels(&engine(&shop(Some("fujian"), late), &early), AS_OF),
        both
    );
    // after both due moments (the shipment itself fell inside: it does not matter)
    let after = config(vec![window("fujian", PAID + 2 * D + 1, PAID + 9 * D, None)]);
    assert_eq!(
        labels(&engine(&shop(Some("fujian"), late), &after), AS_OF),
        both
    );
    // another region, or none
    for region in [Some("zhejiang"), None] {
        let e = engine(&shop(region, late), &typhoon());
        assert_eq!(labels(&e, AS_OF), both, "{region:?}");
        assert_eq!(problem_orders(&e, AS_OF), (1, 1));
    }
    // the ship-by moment inside [from, to), the pickup deadline (PAID + 2d) at `to`
    let edge = config(vec![window("fujian", PAID + D, PAID + 2 * D, None)]);
    assert_eq!(
        labels(&engine(&shop(Some("fujian"), late), &edge), AS_OF),
        [Reason::NoPickupInTime]
    );
}

#[test]
fn a_window_excuses_only_the_labels_it_lists() {
    let only_late = config(vec![window(
        "fujian",
        PAID + D,
        PAID + 3 * D,
        Some(&[Reason::LateShipment]),
    )]);
    let e = engine(&shop(Some("fujian"), late), &only_late);
    assert_eq!(labels(&e, AS_OF), [Reason::NoPickupInTime]);
    assert_eq!(problem_orders(&e, AS_OF), (1, 1));
    let ex = e.explain("s1", ts(AS_OF)).unwrap();
    assert_eq!(ex.exclusions.len(), 1);
    assert_eq!(ex.exclusions[0].label, Reason::LateShipment);
}

#[test]
fn open_cases_and_anomalies_inside_the_window_are_excused_too() {
    // never shipped: late shipment and the missing pickup come with time alone
    let never = shop(Some("fujian"), |_| {});
    let plain = engine(&never, &Config::default());
    assert_eq!(
        labels(&plain, AS_OF),
        [Reason::LateShipment, Reason::NoPickupInTime]
    );
    let e = engine(&never, &typhoon());
    assert_eq!(labels(&e, AS_OF), []);
    // the counters (score) and the listing agree at every moment
    for at in [PAID + D + 1, PAID + 2 * D + 1, AS_OF] {
        assert_eq!(problem_orders(&e, at), (0, 0), "at {at}");
        assert_eq!(e.problem_orders("s1", ts(at)).unwrap(), vec![], "at {at}");
    }
    // shipped, never received: slow delivery due at PAID + 120h (pet's
    // default norm); a tracking anomaly at PAID + 4d
    let lost = shop(Some("fujian"), |ev| {
        ev.shipped("o-bad", PAID + H, PAID + H, true);
        ev.raw(&format!(
            r#""type":"tracking_anomaly","order_id":"o-bad","at":{}"#,
            PAID + 4 * D
        ));
    });
    let plain = engine(&lost, &Config::default());
    assert_eq!(
        labels(&plain, AS_OF),
        [Reason::TrackingAnomaly, Reason::SlowDelivery]
    );
    let storm = config(vec![window("fujian", PAID + 4 * D, PAID + 6 * D, None)]);
    let e = engine(&lost, &storm);
    assert_eq!(labels(&e, AS_OF), []);
    assert_eq!(problem_orders(&e, AS_OF), (0, 0));
    // a window over the anomaly only leaves the slow delivery
    let short = config(vec![window("fujian", PAID + 4 * D, PAID + 5 * D, None)]);
    let e = engine(&lost, &short);
    assert_eq!(labels(&e, AS_OF), [Reason::SlowDelivery]);
    assert_eq!(problem_orders(&e, AS_OF), (1, 1));
}

#[test]
fn a_fake_shipment_or_a_bad_logistics_review_is_never_excused() {
    let ev = shop(Some("fujian"), |ev| {
        on_time(ev);
        ev.raw(&format!(
            r#""type":"tracking_anomaly","order_id":"o-bad","at":{},"fake_shipment":true"#,
            PAID + 2 * D
        ));
        ev.review("o-bad", "bx", PAID + 5 * D, 5, Some(1));
    });
    let e = engine(
        &ev,
        &config(vec![window("fujian", PAID, PAID + 9 * D, None)]),
    );
    assert_eq!(
        labels(&e, AS_OF),
        [Reason::FakeShipment, Reason::BadLogisticsReview]
    );
}

#[test]
fn explain_lists_what_was_excluded_and_why() {
    let e = engine(&shop(Some("fujian"), late), &typhoon());
    let ex = e.explain("s1", ts(AS_OF)).unwrap();
    let got: Vec<(&str, Reason, &str, &str, &str)> = (ex.exclusions.iter())
        .map(|x| {
            (
                x.order_id.as_str(),
                x.label,
                x.window.as_str(),
                x.reason.as_str(),
                x.region.as_str(),
            )
        })
        .collect();
    let why = "typhoon Haikui: carriers suspended";
    assert_eq!(
        got,
        [
            (
                "o-bad",
                Reason::LateShipment,
                "typhoon-2026-09",
                why,
                "fujian"
            ),
            (
                "o-bad",
                Reason::NoPickupInTime,
                "typhoon-2026-09",
                why,
                "fujian"
            ),
        ]
    );
    let json = serde_json::to_value(&ex).unwrap();
    assert_eq!(json["exclusions"][1]["label"], "no_pickup_in_time");
    assert_eq!(json["exclusions"][1]["window"], "typhoon-2026-09");
    // as of the ship-by moment nothing has failed yet: nothing is listed
    let early = e.explain("s1", ts(PAID + D)).unwrap();
    assert!(early.exclusions.is_empty(), "{:?}", early.exclusions);
    // an engine without windows lists none (and its JSON has no key)
    let plain = engine(&shop(Some("fujian"), late), &Config::default());
    let ex = plain.explain("s1", ts(AS_OF)).unwrap();
    assert!(ex.exclusions.is_empty());
    assert!(serde_json::to_value(&ex)
        .unwrap()
        .get("exclusions")
        .is_none());
}

#[test]
fn exclusions_are_order_independent_and_survive_merge_and_snapshots() {
    let cfg = typhoon();
    let ev = shop(Some("fujian"), |ev| {
        late(ev);
        // a second order in the region, never shipped
        ev.raw(&format!(
            r#""type":"order_paid","order_id":"o-two","shop_id":"s1","buyer_id":"by","category":"pet","lines":[{{"sku":"k1","quantity":1,"unit_price":990}}],"paid_at":{PAID},"ship_by":{},"region":"fujian""#,
            PAID + D
        ));
    });
    // another shop's order in another region, second line: the odd half
    // meets zhejiang before fujian, the even half fujian only
    let mut ev = ev;
    ev.lines.insert(
        1,
        format!(
            r#"{{"type":"order_paid","id":"other","order_id":"o-else","shop_id":"s2","buyer_id":"bz","category":"pet","lines":[{{"sku":"k1","quantity":1,"unit_price":990}}],"paid_at":{PAID},"ship_by":{},"region":"zhejiang"}}"#,
            PAID + D
        ),
    );
    let forward = engine(&ev, &cfg);
    let want = forward.score("s1", ts(AS_OF)).unwrap();
    let want_ex = forward.explain("s1", ts(AS_OF)).unwrap().exclusions;
    assert_eq!(want.problem_rate.problem_orders, 0);
    assert_eq!(want_ex.len(), 4);
    // reversed, and a seeded shuffle
    let mut rev = Events::new();
    rev.lines = ev.lines.iter().rev().cloned().collect();
    assert_eq!(engine(&rev, &cfg).score("s1", ts(AS_OF)).unwrap(), want);
    let mut shuffled = Events::new();
    shuffled.lines = ev.lines.clone();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..shuffled.lines.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        shuffled.lines.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let s = engine(&shuffled, &cfg);
    assert_eq!(s.score("s1", ts(AS_OF)).unwrap(), want);
    assert_eq!(s.explain("s1", ts(AS_OF)).unwrap().exclusions, want_ex);
    // split by parity and merged (the region handles differ)
    let mut a = Engine::with_config(cfg.clone()).unwrap();
    let mut b = Engine::with_config(cfg.clone()).unwrap();
    for (i, l) in ev.lines.iter().enumerate() {
        let e = if i % 2 == 0 { &mut a } else { &mut b };
        e.ingest_jsonl(l.as_bytes());
    }
    a.merge(b).unwrap();
    assert_eq!(a.score("s1", ts(AS_OF)).unwrap(), want);
    assert_eq!(a.explain("s1", ts(AS_OF)).unwrap().exclusions, want_ex);
    // a snapshot keeps the regions (and reads back under the same configuration)
    for e in [&forward, &a] {
        let bytes = e.snapshot_bytes(b"t").unwrap();
        assert_eq!(
            &bytes[8..12],
            &[1, 0, truexp::snapshot::FORMAT_MINOR as u8, 0]
        );
        let (back, _) = Engine::from_snapshot_bytes(&bytes, cfg.clone()).unwrap();
        assert_eq!(back.score("s1", ts(AS_OF)).unwrap(), want);
        assert_eq!(back.explain("s1", ts(AS_OF)).unwrap().exclusions, want_ex);
        // ingestion after the restore still sees the regions
        let mut back = back;
        back.ingest_json(&format!(
            r#"{{"type":"shipped","id":"late-ship","order_id":"o-two","at":{},"pickup_at":{}}}"#,
            PAID + 3 * D,
            PAID + 3 * D
        ))
        .unwrap();
        back.ingest_json(&format!(
            r#"{{"type":"delivered","id":"late-recv","order_id":"o-two","at":{}}}"#,
            PAID + 4 * D
        ))
        .unwrap();
        assert_eq!(
            back.score("s1", ts(AS_OF))
                .unwrap()
                .problem_rate
                .problem_orders,
            0
        );
        assert_eq!(back.explain("s1", ts(AS_OF)).unwrap().exclusions.len(), 4);
    }
    // a repeated payment naming another region is a conflict, not a repeat
    let mut e = engine(&ev, &cfg);
    let line = ev.lines.iter().find(|l| l.contains("o-two")).unwrap();
    let err = e
        .ingest_json(&line.replace(r#""region":"fujian""#, r#""region":"anhui""#))
        .unwrap_err();
    assert_eq!(err.field, "region", "{err}");
}

#[test]
fn bad_windows_are_refused_with_the_key() {
    let base = serde_json::to_value(Config::default()).unwrap();
    let with = |windows: serde_json::Value| {
        let mut v = base.clone();
        v["exclusions"] = windows;
        Config::from_json(&v.to_string())
    };
    let ok = serde_json::json!({
        "name": "typhoon-2026-09", "region": "fujian", "from": PAID, "to": PAID + D,
        "reason": "typhoon Haikui: carriers suspended"
    });
    let cfg = with(serde_json::json!([ok.clone()])).unwrap();
    assert_eq!(cfg.exclusions[0].labels, ExclusionWindow::DEFAULT_LABELS);
    // an older configuration (no key) loads with no window, and prints none
    let cfg = Config::from_json(&base.to_string()).unwrap();
    assert!(cfg.exclusions.is_empty());
    assert!(!serde_json::to_string(&cfg).unwrap().contains("exclusions"));

    let bad = |patch: serde_json::Value| {
        let mut w = ok.clone();
        for (k, v) in patch.as_object().unwrap() {
            w[k] = v.clone();
        }
        with(serde_json::json!([ok.clone(), w])).unwrap_err()
    };
    let e = bad(serde_json::json!({"name": "other", "to": PAID}));
    assert_eq!(e.key, "exclusions[1].to", "{}", e.message);
    let e = bad(serde_json::json!({"name": "other", "labels": ["late_shipment", "fake_shipment"]}));
    assert_eq!(e.key, "exclusions[1].labels[1]");
    assert!(e.message.contains("fake_shipment"), "{}", e.message);
    let e = bad(serde_json::json!({"name": "other", "labels": ["bad_logistics_review"]}));
    assert_eq!(e.key, "exclusions[1].labels[0]");
    let e = bad(serde_json::json!({}));
    assert_eq!(e.key, "exclusions[1].name");
    let e = bad(serde_json::json!({"name": "other", "region": ""}));
    assert_eq!(e.key, "exclusions[1].region");
    let e = bad(serde_json::json!({"name": "other", "region": "r".repeat(65)}));
    assert_eq!(e.key, "exclusions[1].region");
    let e = bad(serde_json::json!({"name": "other", "province": "fj"}));
    assert_eq!(e.key, "exclusions[1].province");
    let many: Vec<serde_json::Value> = (0..1001)
        .map(|i| {
            let mut w = ok.clone();
            w["name"] = format!("w{i}").into();
            w
        })
        .collect();
    assert_eq!(with(many.into()).unwrap_err().key, "exclusions");
    // the engine refuses such a configuration too
    let cfg = config(vec![window("fujian", PAID, PAID, None)]);
    assert_eq!(
        Engine::with_config(cfg).unwrap_err().key,
        "exclusions[0].to"
    );
}

#[test]
fn bad_regions_are_refused_with_the_field() {
    let mut e = Engine::default();
    for region in ["", "\u{7}bell", &"r".repeat(65)] {
        let mut ev = Events::new();
        let json = serde_json::to_string(region).unwrap();
        paid_in_region(&mut ev, "o1", Some(json.trim_matches('"')));
        let err = e.ingest_json(&ev.lines[0]).unwrap_err();
        assert_eq!(err.field, "region", "{region:?}: {err}");
    }
    assert_eq!(e.event_count(), 0);
    let mut ev = Events::new();
    paid_in_region(&mut ev, "o1", Some(&"r".repeat(64)));
    e.ingest_json(&ev.lines[0]).unwrap();
}

/// The demo's orders spread over three regions, with a window over part of
/// the span for one and a late-shipment-only window for another: the
/// ingestion-time counters and a walk of the orders agree at every moment
/// asked, and the windows did take problem orders out.
#[test]
fn counters_and_walking_agree_with_windows_on_the_demo_data() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = Vec::new();
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for (i, l) in text.lines().take(30_000).enumerate() {
        if l.contains(r#""type":"order_paid""#) {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let paid = v["paid_at"].as_i64().unwrap();
            (first, last) = (first.min(paid), last.max(paid));
            let region = ["r0", "r1", "r2"][i % 3];
            lines.push(format!(r#"{},"region":"{region}"}}"#, &l[..l.len() - 1]));
        } else {
            lines.push(l.to_owned());
        }
    }
    let third = (last - first) / 3;
    let mut only_late = window("r1", first, last + 30 * D, Some(&[Reason::LateShipment]));
    only_late.name = "r1-late".into();
    let cfg = config(vec![
        window("r0", first + third, first + 2 * third, None),
        only_late,
    ]);
    let feed = |cfg: &Config| {
        let mut e = Engine::with_config(cfg.clone()).unwrap();
        e.ingest_jsonl(lines.join("\n").as_bytes());
        e
    };
    let e = feed(&cfg);
    let plain = feed(&Config::default());
    let mut fewer = 0;
    let total = |e: &Engine, at: i64| -> u64 {
        (e.problem_rates(ts(at)).iter())
            .map(|r| r.tally.problem_orders)
            .sum()
    };
    for at in [first + third + 20 * D, first + 2 * third, last + 2 * D] {
        let fast = e.problem_rates(ts(at));
        let slow = e.problem_rates_by_walking(ts(at));
        assert_eq!(fast.len(), slow.len());
        for (f, (id, s)) in fast.iter().zip(&slow) {
            assert_eq!(&f.shop_id, id);
            assert_eq!(f.tally, *s, "{id} at {at}");
            assert_eq!(
                e.problem_orders(id, ts(at)).unwrap().len() as u64,
                s.problem_orders,
                "{id} at {at}"
            );
        }
        let (with, without) = (total(&e, at), total(&plain, at));
        assert!(with <= without, "at {at}");
        fewer += u64::from(with < without);
    }
    assert_eq!(fewer, 3, "the windows took problem orders out");
}

/// `Reason::name` (used in configuration errors and `truexp explain`) is
/// the JSON name.
#[test]
fn reason_names_are_their_json_names() {
    for r in Reason::ALL {
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            format!("\"{}\"", r.name())
        );
    }
}
