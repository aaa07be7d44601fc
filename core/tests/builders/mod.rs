//! A tiny event builder for the integration tests: every order goes through
//! the public JSON face of the engine.
#![allow(dead_code)]

use truexp::problem::Reason;
use truexp::{Engine, Timestamp};

/// A moment from UTC seconds (test data is built in plain seconds).
pub fn ts(secs: i64) -> Timestamp {
    Timestamp::new(secs).expect("a moment in range")
}

/// The labels of shop `s1`'s order `o-bad` at `at`, sorted (the appeal and
/// exclusion tests' one order under test).
pub fn labels(e: &Engine, at: i64) -> Vec<Reason> {
    let mut out: Vec<Reason> = (e.problem_orders("s1", ts(at)).unwrap().into_iter())
        .filter(|p| p.order_id == "o-bad")
        .flat_map(|p| p.labels.into_iter().map(|l| l.reason))
        .collect();
    out.sort();
    out
}

/// Local midnight (UTC+8, the default time zone) of a day in 2026.
pub const DAY0: i64 = 1_790_006_400;
/// Seconds per hour and per day.
pub const H: i64 = 3600;
pub const D: i64 = truexp::time::DAY;

/// Collects JSON lines with unique event ids.
#[derive(Default)]
pub struct Events {
    pub lines: Vec<String>,
    n: u64,
}

impl Events {
    pub fn new() -> Self {
        Self::default()
    }

    fn id(&mut self) -> String {
        self.n += 1;
        format!("ev{}", self.n)
    }

    /// Adds an event; `body` is the JSON object's inside without `id`.
    pub fn raw(&mut self, body: &str) {
        let id = self.id();
        self.lines.push(format!(r#"{{"id":"{id}",{body}}}"#));
    }

    /// A paid order (ship-by one day later) in category `cat`, with the given SKUs.
    pub fn paid_in(
        &mut self,
        order: &str,
        shop: &str,
        cat: &str,
        buyer: &str,
        paid: i64,
        skus: &[&str],
    ) {
        let lines: Vec<String> = skus
            .iter()
            .map(|s| format!(r#"{{"sku":"{s}","quantity":1,"unit_price":1990}}"#))
            .collect();
        self.raw(&format!(
            r#""type":"order_paid","order_id":"{order}","shop_id":"{shop}","buyer_id":"{buyer}","category":"{cat}","lines":[{}],"paid_at":{paid},"ship_by":{}"#,
            lines.join(","),
            paid + D
        ));
    }

    /// A paid order in category `pet` with SKU `k1`.
    pub fn paid(&mut self, order: &str, shop: &str, buyer: &str, paid: i64) {
        self.paid_in(order, shop, "pet", buyer, paid, &["k1"]);
    }

    /// Shipped at `at`, picked up at `pickup`, tracking valid or not.
    pub fn shipped(&mut self, order: &str, at: i64, pickup: i64, valid: bool) {
        self.raw(&format!(
            r#""type":"shipped","order_id":"{order}","at":{at},"pickup_at":{pickup},"tracking_valid":{valid}"#
        ));
    }

    /// The buyer's signed receipt.
    pub fn delivered(&mut self, order: &str, at: i64) {
        self.raw(&format!(
            r#""type":"delivered","order_id":"{order}","at":{at}"#
        ));
    }

    /// A clean order: paid at `paid`, shipped and picked up an hour later,
    /// received two days after payment (a parcel never received becomes
    /// slow delivery once the delivery norm passes).
    pub fn clean(&mut self, order: &str, shop: &str, buyer: &str, paid: i64) {
        self.paid(order, shop, buyer, paid);
        self.shipped(order, paid + H, paid + H, true);
        self.delivered(order, paid + 2 * D);
    }

    /// A clean order in a category with SKUs.
    pub fn clean_in(
        &mut self,
        order: &str,
        shop: &str,
        cat: &str,
        buyer: &str,
        paid: i64,
        skus: &[&str],
    ) {
        self.paid_in(order, shop, cat, buyer, paid, skus);
        self.shipped(order, paid + H, paid + H, true);
        self.delivered(order, paid + 2 * D);
    }

    /// A note-like event (`complaint`, `chargeback`, `platform_intervention`, `seller_cancelled`).
    pub fn note(&mut self, kind: &str, order: &str, at: i64) {
        self.raw(&format!(
            r#""type":"{kind}","order_id":"{order}","at":{at}"#
        ));
    }

    /// A review with product and optional logistics stars.
    pub fn review(
        &mut self,
        order: &str,
        buyer: &str,
        at: i64,
        product: i64,
        logistics: Option<i64>,
    ) {
        let l = logistics.map_or(String::new(), |l| format!(r#","logistics_stars":{l}"#));
        self.raw(&format!(
            r#""type":"review","order_id":"{order}","reviewer":"{buyer}","at":{at},"product_stars":{product}{l}"#
        ));
    }

    /// A refund request.
    pub fn refund(&mut self, order: &str, refund: &str, at: i64, kind: &str, reason: &str) {
        self.raw(&format!(
            r#""type":"refund_requested","order_id":"{order}","refund_id":"{refund}","at":{at},"kind":"{kind}","reason":"{reason}","amount":1990"#
        ));
    }

    /// A refund completion.
    pub fn refund_done(&mut self, order: &str, refund: &str, at: i64) {
        self.raw(&format!(
            r#""type":"refund_completed","order_id":"{order}","refund_id":"{refund}","at":{at},"amount":1990"#
        ));
    }

    /// A risk verdict.
    pub fn verdict(&mut self, order: &str, at: i64, fake: bool) {
        self.raw(&format!(
            r#""type":"risk_verdict","order_id":"{order}","at":{at},"fake":{fake}"#
        ));
    }

    /// An A-to-z claim with its outcome.
    pub fn atoz(&mut self, order: &str, at: i64, outcome: &str) {
        self.raw(&format!(
            r#""type":"atoz_claim","order_id":"{order}","at":{at},"outcome":"{outcome}""#
        ));
    }

    /// A dispute ruling.
    pub fn dispute(&mut self, order: &str, at: i64, winner: &str) {
        self.raw(&format!(
            r#""type":"dispute_ruled","order_id":"{order}","at":{at},"for_party":"{winner}""#
        ));
    }

    /// An engine with the default configuration fed every line; panics on a refused line.
    pub fn engine(&self) -> Engine {
        let mut e = Engine::default();
        self.feed(&mut e);
        e
    }

    /// Feeds every line; panics on a refused line.
    pub fn feed(&self, e: &mut Engine) {
        let r = e.ingest_jsonl(self.lines.join("\n").as_bytes());
        assert!(r.rejected.is_empty(), "rejected: {:?}", r.rejected);
        assert!(e.pending().is_empty(), "pending: {:?}", e.pending());
    }
}

/// `v` minor units (a test's amounts are in range).
#[allow(dead_code)]
pub fn m(v: i64) -> truexp::Money {
    truexp::Money::new(v).expect("a test amount in range")
}
