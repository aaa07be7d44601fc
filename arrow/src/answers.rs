//! Answers as record batches: the scoreboard, problem orders and
//! price-protection payouts, one row per shop / label / line.
//!
//! Why flat tables: they go straight into pandas, Polars, DuckDB or a
//! Parquet file; nested detail (indicators, add-ons) stays in
//! [`truexp::Engine::explain`].

use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, Int64Array, RecordBatch};
use arrow_schema::{Field, Schema};
use truexp::price_protection::DropRun;
use truexp::{Config, Engine, Money, ProblemOrder, Scoreboard};

/// Column builders with their names, in order.
#[derive(Default)]
struct Table {
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

impl Table {
    /// Every answer column is declared nullable, so a table's schema never
    /// depends on its data.
    fn add(&mut self, name: &str, a: ArrayRef) {
        self.fields
            .push(Field::new(name, a.data_type().clone(), true));
        self.arrays.push(a);
    }
    fn str<'a>(&mut self, name: &str, v: impl Iterator<Item = Option<&'a str>>) {
        let mut b = StringBuilder::new();
        for x in v {
            b.append_option(x);
        }
        self.add(name, Arc::new(b.finish()));
    }
    fn int(&mut self, name: &str, v: impl Iterator<Item = Option<i64>>) {
        let mut b = Int64Builder::new();
        for x in v {
            b.append_option(x);
        }
        self.add(name, Arc::new(b.finish()));
    }
    fn finish(self) -> RecordBatch {
        RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.arrays)
            .expect("columns of equal length")
    }
}

/// The scoreboard, ranked, one row per shop.
///
/// Columns: `rank` (1-based), `shop_id`, `category`, `overall`, `stars`,
/// `grade` (`high`/`medium`/`low`), `change`, `growth_stage`, `base`, then per
/// configured block `block_<name>` (its score) and `block_<name>_assessed`,
/// then `add_on_points`, `fake_order_penalty`, `fake_orders`,
/// `valid_orders`, `percentile` (null when not ranked), `problem_orders`,
/// `problem_rate`, `problem_rate_display`, `problem_rate_category_mean`.
pub fn scoreboard_batch(board: &Scoreboard, config: &Config) -> RecordBatch {
    // One pass over the scores, every column filled as a score is read: a
    // column at a time read each score (hundreds of bytes) some 25 times.
    let n = board.shops.len();
    let strings = |bytes_each: usize| StringBuilder::with_capacity(n, n * bytes_each);
    let floats = || Float64Builder::with_capacity(n);
    let ints = || Int64Builder::with_capacity(n);
    let (mut shop_id, mut category, mut grade) = (strings(16), strings(16), strings(6));
    let (mut overall, mut stars, mut change, mut base) = (floats(), floats(), floats(), floats());
    let mut growth_stage = BooleanBuilder::with_capacity(n);
    let mut blocks: Vec<(Float64Builder, BooleanBuilder)> = (config.blocks.iter())
        .map(|_| (floats(), BooleanBuilder::with_capacity(n)))
        .collect();
    let (mut add_on_points, mut fake_order_penalty) = (floats(), floats());
    let (mut fake_orders, mut valid_orders, mut problem_orders) = (ints(), ints(), ints());
    let (mut percentile, mut problem_rate, mut category_mean) = (floats(), floats(), floats());
    let mut problem_rate_display = strings(6);
    for x in &board.shops {
        shop_id.append_value(&x.shop_id);
        category.append_value(&x.category);
        overall.append_value(x.overall);
        stars.append_value(x.stars);
        grade.append_value(x.grade.name());
        change.append_value(x.change);
        growth_stage.append_value(x.growth_stage);
        base.append_value(x.base);
        for (block, (score, assessed)) in config.blocks.iter().zip(&mut blocks) {
            let found = x.blocks.iter().find(|b| *b.name == *block.name);
            score.append_option(found.map(|b| b.score));
            assessed.append_value(found.is_some_and(|b| b.assessed));
        }
        // folded from +0.0: an empty f64 sum is -0.0
        add_on_points.append_value(x.add_ons.iter().fold(0.0, |sum, a| sum + a.points));
        fake_order_penalty.append_value(x.fake_order_penalty);
        fake_orders.append_value(x.fake_orders as i64);
        valid_orders.append_value(x.valid_orders as i64);
        percentile.append_option(x.percentile);
        problem_orders.append_value(x.problem_rate.problem_orders as i64);
        problem_rate.append_value(x.problem_rate.rate);
        problem_rate_display.append_value(&x.problem_rate.display);
        category_mean.append_value(x.problem_rate.category_mean);
    }
    let mut t = Table::default();
    t.add("rank", Arc::new(Int64Array::from_iter_values(1..=n as i64)));
    t.add("shop_id", Arc::new(shop_id.finish()));
    t.add("category", Arc::new(category.finish()));
    t.add("overall", Arc::new(overall.finish()));
    t.add("stars", Arc::new(stars.finish()));
    t.add("grade", Arc::new(grade.finish()));
    t.add("change", Arc::new(change.finish()));
    t.add("growth_stage", Arc::new(growth_stage.finish()));
    t.add("base", Arc::new(base.finish()));
    for (block, (mut score, mut assessed)) in config.blocks.iter().zip(blocks) {
        t.add(&format!("block_{}", block.name), Arc::new(score.finish()));
        t.add(
            &format!("block_{}_assessed", block.name),
            Arc::new(assessed.finish()),
        );
    }
    t.add("add_on_points", Arc::new(add_on_points.finish()));
    t.add("fake_order_penalty", Arc::new(fake_order_penalty.finish()));
    t.add("fake_orders", Arc::new(fake_orders.finish()));
    t.add("valid_orders", Arc::new(valid_orders.finish()));
    t.add("percentile", Arc::new(percentile.finish()));
    t.add("problem_orders", Arc::new(problem_orders.finish()));
    t.add("problem_rate", Arc::new(problem_rate.finish()));
    t.add(
        "problem_rate_display",
        Arc::new(problem_rate_display.finish()),
    );
    t.add(
        "problem_rate_category_mean",
        Arc::new(category_mean.finish()),
    );
    t.finish()
}

/// The serde name of a unit enum value.
fn name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

/// Problem orders of one shop, one row per (order, label), newest order first.
///
/// Columns: `shop_id`, `order_id`, `paid_at`, `amount` (minor units),
/// `reason`, `family`, `event` (the evidence's event id), `at`.
pub fn problem_orders_batch(shop_id: &str, orders: &[ProblemOrder]) -> RecordBatch {
    let rows: Vec<(&ProblemOrder, &truexp::problem::Label)> = orders
        .iter()
        .flat_map(|o| o.labels.iter().map(move |l| (o, l)))
        .collect();
    let mut t = Table::default();
    t.str("shop_id", rows.iter().map(|_| Some(shop_id)));
    t.str(
        "order_id",
        rows.iter().map(|(o, _)| Some(o.order_id.as_str())),
    );
    t.int(
        "paid_at",
        rows.iter().map(|(o, _)| Some(o.paid_at.as_secs())),
    );
    t.int(
        "amount",
        rows.iter().map(|(o, _)| Some(o.amount.minor_units())),
    );
    let reasons: Vec<String> = rows.iter().map(|(_, l)| name(&l.reason)).collect();
    let families: Vec<String> = rows.iter().map(|(_, l)| name(&l.family)).collect();
    t.str("reason", reasons.iter().map(|s| Some(s.as_str())));
    t.str("family", families.iter().map(|s| Some(s.as_str())));
    t.str("event", rows.iter().map(|(_, l)| Some(&*l.event)));
    t.int("at", rows.iter().map(|(_, l)| Some(l.at.as_secs())));
    t.finish()
}

/// Protection deducted from later refunds and returns
/// ([`truexp::price_protection::ProtectionBook::deduction_records`]): one
/// row per refund or return of a line already paid protection, by (order
/// id, line, time); `units_returned` is set for a return, `refunded` for
/// money refunded on the line.
pub fn deductions_batch(engine: &Engine) -> RecordBatch {
    let rows = engine.price_protection().deduction_records();
    let mut t = Table::default();
    t.str("order_id", rows.iter().map(|d| Some(d.order_id.as_str())));
    t.int("line", rows.iter().map(|d| Some(i64::from(d.line))));
    t.str("sku", rows.iter().map(|d| Some(d.sku.as_str())));
    t.int("at", rows.iter().map(|d| Some(d.at.as_secs())));
    t.int(
        "units_returned",
        rows.iter().map(|d| d.units_returned.map(i64::from)),
    );
    t.int(
        "refunded",
        rows.iter().map(|d| d.refunded.map(Money::minor_units)),
    );
    t.int(
        "deducted",
        rows.iter().map(|d| Some(d.deducted.minor_units())),
    );
    t.finish()
}

/// Price-protection payouts of automatic mode ([`Engine::run_price_drops`]),
/// one row per (drop, eligible line), zero payouts included with their reason.
///
/// Columns: `drop_id`, `drop_at`, `order_id`, `line`, `sku`, `quantity`,
/// `paid_unit`, `comparison` (null when no counted price), `protected_quantity`,
/// `payout`, `platform_part`, `seller_part` (minor units), `zero_reason`
/// (null when the payout is positive).
pub fn payouts_batch(engine: &Engine, runs: &[DropRun]) -> RecordBatch {
    let book = engine.price_protection();
    let rows: Vec<(&DropRun, &truexp::price_protection::LinePayout)> = runs
        .iter()
        .flat_map(|r| r.payouts.iter().map(move |p| (r, p)))
        .collect();
    let mut t = Table::default();
    t.str(
        "drop_id",
        rows.iter().map(|(r, _)| Some(r.drop.id.as_str())),
    );
    t.int(
        "drop_at",
        rows.iter().map(|(r, _)| Some(r.drop.at.as_secs())),
    );
    t.str(
        "order_id",
        rows.iter().map(|(_, p)| Some(book.order_id(p.order))),
    );
    t.int("line", rows.iter().map(|(_, p)| Some(p.line as i64)));
    t.str("sku", rows.iter().map(|(_, p)| Some(book.sku(p.sku))));
    t.int("quantity", rows.iter().map(|(_, p)| Some(p.quantity)));
    let a = |f: fn(&truexp::price_protection::LineAssessment) -> Option<i64>| {
        rows.iter().map(move |(_, p)| f(&p.assessment))
    };
    t.int("paid_unit", a(|x| Some(x.paid_unit.minor_units())));
    t.int("comparison", a(|x| x.comparison.map(Money::minor_units)));
    t.int("protected_quantity", a(|x| Some(x.protected_quantity)));
    t.int("payout", a(|x| Some(x.payout.minor_units())));
    t.int("platform_part", a(|x| Some(x.platform_part.minor_units())));
    t.int("seller_part", a(|x| Some(x.seller_part.minor_units())));
    t.str(
        "zero_reason",
        rows.iter()
            .map(|(_, p)| p.assessment.reason.map(|r| r.as_str())),
    );
    t.finish()
}
