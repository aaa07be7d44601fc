//! Builders shared by the price-protection integration tests.
#![allow(dead_code)]

use truexp::event::{Event, OrderLine, OrderPaid, PriceProtectionPolicy, RiskFlags, ShopProfile};
use truexp::time::DAY;
use truexp::{Money, Timestamp};

/// A moment from UTC seconds (test data is built in plain seconds).
pub fn ts(secs: i64) -> Timestamp {
    Timestamp::new(secs).expect("a moment in range")
}

/// One order line without a line discount.
pub fn line(sku: &str, quantity: i64, unit_price: Money) -> OrderLine {
    OrderLine {
        sku: sku.into(),
        quantity,
        unit_price,
        line_discount: m(0),
    }
}

/// A paid order of shop `shop` ordered and paid at `at`.
pub fn order_paid(order: &str, shop: &str, lines: Vec<OrderLine>, at: i64) -> OrderPaid {
    OrderPaid {
        id: format!("e-{order}"),
        order_id: order.into(),
        shop_id: shop.into(),
        buyer_id: "b".into(),
        category: "c".into(),
        lines,
        discounts: vec![],
        ordered_at: Some(ts(at)),
        paid_at: ts(at),
        ship_by: ts(at + DAY),
        deliver_by: None,
        risk: RiskFlags::default(),
        tags: vec![],
        region: None,
    }
}

/// A shop profile with an optional price-protection policy.
pub fn profile(id: &str, shop: &str, at: i64, p: Option<PriceProtectionPolicy>) -> Event {
    Event::ShopProfile(ShopProfile {
        id: id.into(),
        shop_id: shop.into(),
        at: ts(at),
        name: None,
        category: "c".into(),
        certifications: vec![],
        services: vec![],
        price_protection: p,
    })
}

/// xorshift64: the tests' fixed seeds depend on this exact sequence.
pub struct Rng(pub u64);

impl Rng {
    /// Next 64 bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform-ish in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> i64 {
        (self.next() % n.max(1)) as i64
    }
}

/// `v` minor units (a test's amounts are in range).
#[allow(dead_code)]
pub fn m(v: i64) -> truexp::Money {
    truexp::Money::new(v).expect("a test amount in range")
}
