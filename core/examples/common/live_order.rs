//! The live order the live-scoreboard measurements ingest: the same event
//! for `truexp-bench`'s "live update" row and the `live_bench` profiling
//! example, so a profile explains the figure (both include this file).

use truexp::event::{Event, OrderLine, OrderPaid, RiskFlags};

use truexp::{Money, Timestamp};

/// A new paid order `i` of round `rep` in `shop` (of `category`), paid at
/// `at`: one line of its own SKU, due to ship within two days.
pub fn live_order(rep: usize, i: usize, shop: &str, category: &str, at: Timestamp) -> Event {
    Event::OrderPaid(OrderPaid {
        id: format!("live-pay-{rep}-{i}"),
        order_id: format!("live-o-{rep}-{i}"),
        shop_id: shop.to_owned(),
        buyer_id: format!("live-b-{i}"),
        category: category.into(),
        lines: vec![OrderLine {
            sku: format!("live-k-{i}"),
            quantity: 1,
            unit_price: Money::from(9_900),
            line_discount: Money::ZERO,
        }],
        discounts: vec![],
        ordered_at: None,
        paid_at: at,
        ship_by: at.plus_days(2),
        deliver_by: None,
        risk: RiskFlags::default(),
        tags: vec![],
        region: None,
    })
}
