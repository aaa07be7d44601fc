//! `truexp generate`: a seeded, synthetic marketplace event stream.
//!
//! Why it exists: the engine needs data that exercises every rule it has —
//! fake-order padding, slow shipping, refund-heavy shops, growth-stage shops,
//! industry bonuses, price protection — at every size from a demo to 10M
//! orders, reproducible byte for byte from a seed and free of anybody's real
//! data. Why it writes JSON by hand: at 10M orders a general serializer is the
//! bottleneck; every value we write is a number or an ASCII token we made, so
//! nothing needs escaping. `cli/tests/generate.rs` checks that every line
//! still parses with `truexp::parse_event`.
//!
//! Why no `rand` crate: a small SplitMix64 is enough for synthetic data and
//! keeps the stream identical across dependency upgrades.

use std::fs::File;
use std::io::{self, Write};

/// 2026-08-01T00:00:00Z.
const DEFAULT_START: i64 = 1_785_542_400;
const HOUR: i64 = 3_600;
/// Share of a padding shop's orders that are fake.
const FAKE_SHARE: f64 = 0.55;

/// Most shops generated: the generator keeps a small record per shop in
/// memory (100 million took 15 GB and grew); a million is 20× the full benchmark.
const MAX_SHOPS: u64 = 1_000_000;
/// Most orders generated (streamed to the output; about 56 GB of JSON Lines).
const MAX_ORDERS: u64 = 100_000_000;

const CATEGORIES: [&str; 8] = [
    "apparel",
    "electronics",
    "home",
    "maternity_baby",
    "kids_clothing",
    "pet",
    "jewelry",
    "fresh_food",
];
const APPAREL: usize = 0;
const MATERNITY: usize = 3;
const KIDS: usize = 4;
const PET: usize = 5;
const JEWELRY: usize = 6;
const FRESH: usize = 7;

/// Unit list-price range per category, in fen.
const PRICE_RANGE: [(i64, i64); 8] = [
    (3_900, 39_900),
    (9_900, 699_900),
    (1_900, 59_900),
    (2_900, 49_900),
    (2_900, 29_900),
    (1_900, 39_900),
    (9_900, 1_599_900),
    (2_900, 29_900),
];

use truexp::seeded::{mix, SeededRng as Rng};
use truexp::time::DAY;

/// "truexp", so that seed 0 does not start the stream at state 0.
const SEED_SALT: u64 = 0x7472_7565_7870;

const ARCHETYPES: [Archetype; 6] = [
    Archetype::Honest,
    Archetype::Padding,
    Archetype::SlowShipper,
    Archetype::RefundHeavy,
    Archetype::Tiny,
    Archetype::Industry,
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Archetype {
    Honest,
    Padding,
    SlowShipper,
    RefundHeavy,
    Tiny,
    Industry,
}

impl Archetype {
    fn behaviour(self) -> Behaviour {
        let honest = Behaviour {
            late: 0.025,
            refund: 0.08,
            bad_review: 0.04,
            cancel: 0.005,
            intervene: 0.08,
            buyer_wins: 0.4,
            refund_hours: (2, 36),
            chat: 0.25,
            chat_fast: 0.9,
            complaint: 0.003,
            claims: 1.0,
            returning: 0.40,
            volume: 1.5,
        };
        match self {
            Archetype::Honest => honest,
            Archetype::Tiny => Behaviour {
                late: 0.05,
                refund: 0.07,
                bad_review: 0.06,
                ..honest
            },
            Archetype::Padding => Behaviour {
                late: 0.05,
                refund: 0.09,
                bad_review: 0.10,
                chat_fast: 0.75,
                returning: 0.08,
                volume: 1.0,
                ..honest
            },
            Archetype::SlowShipper => Behaviour {
                late: 0.25,
                refund: 0.08,
                bad_review: 0.07,
                cancel: 0.03,
                intervene: 0.10,
                chat_fast: 0.6,
                returning: 0.05,
                volume: 1.0,
                ..honest
            },
            Archetype::RefundHeavy => Behaviour {
                late: 0.06,
                refund: 0.25,
                bad_review: 0.18,
                cancel: 0.01,
                intervene: 0.30,
                buyer_wins: 0.75,
                refund_hours: (24, 240),
                chat_fast: 0.5,
                complaint: 0.03,
                claims: 5.0,
                returning: 0.03,
                volume: 1.0,
                ..honest
            },
            Archetype::Industry => Behaviour {
                late: 0.015,
                refund: 0.06,
                bad_review: 0.025,
                intervene: 0.05,
                buyer_wins: 0.3,
                refund_hours: (1, 24),
                chat: 0.4,
                chat_fast: 0.96,
                complaint: 0.002,
                returning: 0.45,
                volume: 1.6,
                ..honest
            },
        }
    }
}

/// Per-archetype probabilities for a valid (non-fake) order.
#[derive(Clone, Copy)]
struct Behaviour {
    late: f64,
    refund: f64,
    bad_review: f64,
    cancel: f64,
    /// Share of refunds escalated to the platform.
    intervene: f64,
    /// Share of disputes ruled for the buyer.
    buyer_wins: f64,
    refund_hours: (i64, i64),
    chat: f64,
    /// Share of answered chats answered within 3 minutes.
    chat_fast: f64,
    complaint: f64,
    /// Multiplier for chargebacks and A-to-z claims.
    claims: f64,
    /// With `--service-growth`: share of valid orders placed by a buyer who
    /// bought from the shop before.
    returning: f64,
    /// With `--service-growth`: the shop's order volume, relative.
    volume: f64,
}

struct Shop {
    idx: u64,
    cat: usize,
    arch: Archetype,
    certification: Option<&'static str>,
    dual_size: bool,
    customisation: bool,
    /// (window_days, anchor, explicit counted promotions, deduct protected units)
    price_protection: Option<(i64, &'static str, bool, bool)>,
    sku_pool: u64,
    loyal: [u64; 3],
    brushers: [u64; 6],
    profile_update: bool,
}

impl Shop {
    fn sku_price(&self, n: u64) -> i64 {
        let (lo, hi) = PRICE_RANGE[self.cat];
        let h = mix(self.idx.wrapping_mul(1_000_003).wrapping_add(n) ^ 0x5EED);
        // Popular (low-numbered) SKUs lean cheap; round to x.90 yuan.
        let span = (hi - lo) as u64;
        let p = lo + (h % (span / (1 + (n < 3) as u64))) as i64;
        (p / 100) * 100 + 90
    }
    /// A SKU number, skewed so that a few SKUs are popular.
    fn pick_sku(&self, rng: &mut Rng) -> u64 {
        let u = rng.unit();
        ((u * u * u) * self.sku_pool as f64) as u64
    }
    fn industry(&self) -> bool {
        self.arch == Archetype::Industry
    }
}

struct Config {
    shops: u64,
    orders: u64,
    days: i64,
    seed: u64,
    start: i64,
    out: Option<String>,
    progress: bool,
    service_growth: bool,
}

/// `truexp generate`'s arguments (checked by [`GenerateArgs::config`]).
#[derive(clap::Parser, Debug)]
pub struct GenerateArgs {
    /// Number of shops, 1..=1000000
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100,
        allow_hyphen_values = true
    )]
    shops: i64,
    /// Number of orders, 0..=100000000
    #[arg(
        long,
        value_name = "M",
        default_value_t = 10_000,
        allow_hyphen_values = true
    )]
    orders: i64,
    /// Days of orders, 1..=3650
    #[arg(
        long,
        value_name = "D",
        default_value_t = 90,
        allow_hyphen_values = true
    )]
    days: i64,
    /// Seed: the same seed gives the same bytes
    #[arg(long, value_name = "S", default_value_t = 42)]
    seed: u64,
    /// First day, UTC seconds (2026-08-01T00:00:00Z by default)
    #[arg(long, value_name = "UNIX_SECS", default_value_t = DEFAULT_START, allow_hyphen_values = true)]
    start: i64,
    /// Write to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    out: Option<String>,
    /// Shops per archetype, progress and the rate on stderr
    #[arg(long)]
    progress: bool,
    /// Tie growth to service: buyers come back to well-run shops more
    /// often (up to 45% of orders against 3%) and those shops sell more,
    /// so that `truexp impact` has something to find. Without it the
    /// stream is unchanged (the demo data and the benchmark inputs).
    #[arg(long)]
    service_growth: bool,
}

impl GenerateArgs {
    /// The generator's configuration, the bounds checked.
    fn config(&self) -> Result<Config, String> {
        let cfg = Config {
            // negative counts are refused below
            shops: u64::try_from(self.shops).unwrap_or(0),
            orders: u64::try_from(self.orders)
                .map_err(|_| format!("--orders must be 0..={MAX_ORDERS}"))?,
            days: self.days,
            seed: self.seed,
            start: self.start,
            out: self.out.clone(),
            progress: self.progress,
            service_growth: self.service_growth,
        };
        if !(1..=MAX_SHOPS).contains(&cfg.shops) {
            return Err(format!("--shops must be 1..={MAX_SHOPS}"));
        }
        if cfg.orders > MAX_ORDERS {
            return Err(format!("--orders must be 0..={MAX_ORDERS}"));
        }
        if cfg.days <= 0 || cfg.days > 3650 {
            return Err("--days must be 1..=3650".into());
        }
        // every generated event must be a valid event time: profiles are dated
        // up to 400 days before the start, follow-ups land well within a year
        // after the last payment
        let earliest = truexp::event::MIN_TIME.plus_days(400).as_secs();
        let latest = truexp::event::MAX_TIME.minus_days(cfg.days + 366).as_secs();
        if !(earliest..=latest).contains(&cfg.start) {
            return Err(format!(
                "--start must be {earliest}..={latest} for {} days (events must fall in 2000..2100)",
                cfg.days
            ));
        }
        Ok(cfg)
    }
}

/// Runs `truexp generate` with the arguments after the subcommand name,
/// parsed as the binary parses them (`cli/tests/generate.rs` compiles this
/// file alone and calls it).
#[allow(dead_code)]
pub fn run(args: &[String]) -> Result<i32, String> {
    use clap::Parser;
    let parsed = GenerateArgs::try_parse_from(
        std::iter::once("generate").chain(args.iter().map(String::as_str)),
    )
    .map_err(|e| e.to_string())?;
    execute(&parsed)
}

/// Runs `truexp generate`.
pub fn execute(args: &GenerateArgs) -> Result<i32, String> {
    let cfg = args.config()?;
    let sink: Box<dyn Write> = match &cfg.out {
        Some(path) => Box::new(File::create(path).map_err(|e| format!("{path}: {e}"))?),
        None => Box::new(io::stdout().lock()),
    };
    let t0 = std::time::Instant::now();
    if cfg.progress {
        let shops = make_shops(&cfg, &mut Rng::new(cfg.seed ^ SEED_SALT));
        for arch in ARCHETYPES {
            let n = shops.iter().filter(|s| s.arch == arch).count();
            eprintln!("{arch:?}: {n} shops");
        }
    }
    let events = generate(&cfg, sink).map_err(|e| format!("writing events: {e}"))?;
    if cfg.progress {
        let secs = t0.elapsed().as_secs_f64();
        eprintln!(
            "generated {events} events for {} orders in {secs:.2} s ({:.0} events/s)",
            cfg.orders,
            events as f64 / secs.max(1e-9)
        );
    }
    Ok(0)
}

/// A line buffer with hand-written JSON pieces; flushes in 64 KiB chunks.
struct Out<W: Write> {
    buf: Vec<u8>,
    w: W,
    next_id: u64,
    events: u64,
}

impl<W: Write> Out<W> {
    fn s(&mut self, s: &str) -> &mut Self {
        self.buf.extend_from_slice(s.as_bytes());
        self
    }
    fn int(&mut self, v: i64) -> &mut Self {
        let mut tmp = [0u8; 20];
        let mut n = v.unsigned_abs();
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if v < 0 {
            self.buf.push(b'-');
        }
        self.buf.extend_from_slice(&tmp[i..]);
        self
    }
    /// `,"key":123`
    fn num(&mut self, key: &str, v: i64) -> &mut Self {
        self.s(",\"").s(key).s("\":").int(v)
    }
    /// `,"key":"text"`
    fn text(&mut self, key: &str, v: &str) -> &mut Self {
        self.s(",\"").s(key).s("\":\"").s(v).s("\"")
    }
    /// `,"key":"o123"`
    fn ident(&mut self, key: &str, prefix: &str, n: u64) -> &mut Self {
        self.s(",\"")
            .s(key)
            .s("\":\"")
            .s(prefix)
            .int(n as i64)
            .s("\"")
    }
    fn begin(&mut self, kind: &str) -> &mut Self {
        self.next_id += 1;
        let id = self.next_id;
        self.s("{\"type\":\"")
            .s(kind)
            .s("\",\"id\":\"e")
            .int(id as i64)
            .s("\"")
    }
    fn end(&mut self) -> io::Result<()> {
        self.buf.extend_from_slice(b"}\n");
        self.events += 1;
        if self.buf.len() >= 1 << 16 {
            self.w.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        self.w.write_all(&self.buf)?;
        self.buf.clear();
        self.w.flush()
    }
}

fn make_shops(cfg: &Config, rng: &mut Rng) -> Vec<Shop> {
    use Archetype::*;
    // The first shops cover every archetype and every industry bonus even in tiny runs.
    const FORCED: [(usize, Archetype); 10] = [
        (APPAREL, Padding),
        (1, SlowShipper),
        (2, RefundHeavy),
        (MATERNITY, Industry),
        (KIDS, Industry),
        (PET, Industry),
        (JEWELRY, Industry),
        (FRESH, Industry),
        (APPAREL, Tiny),
        (PET, Tiny),
    ];
    let buyers = buyer_pool(cfg);
    (0..cfg.shops)
        .map(|idx| {
            let (cat, arch) = if (idx as usize) < FORCED.len() {
                FORCED[idx as usize]
            } else {
                let cat = rng.below(8) as usize;
                let u = rng.unit();
                let arch = if u < 0.10 {
                    Tiny
                } else if u < 0.18 {
                    Padding
                } else if u < 0.28 {
                    SlowShipper
                } else if u < 0.36 {
                    RefundHeavy
                } else if cat >= MATERNITY && u < 0.66 {
                    Industry
                } else {
                    Honest
                };
                (cat, arch)
            };
            let industry = arch == Industry;
            let certification = match cat {
                MATERNITY if industry => Some("maternity_advisor"),
                PET if industry => Some("pet_doctor"),
                JEWELRY if industry => Some("jewelry_appraiser"),
                _ => None,
            };
            let dual_size = matches!(cat, MATERNITY | KIDS) && (industry || rng.chance(0.15));
            let customisation = cat == JEWELRY && (industry || rng.chance(0.2));
            let price_protection = if rng.chance(if industry { 0.9 } else { 0.6 }) {
                let window = [7, 15, 30, 90][match rng.below(10) {
                    0..=2 => 0,
                    3..=5 => 1,
                    6..=8 => 2,
                    _ => 3,
                }];
                let anchor = match rng.below(20) {
                    0..=11 => "order",
                    12..=16 => "payment",
                    _ => "receipt",
                };
                Some((window, anchor, rng.chance(0.2), rng.chance(0.3)))
            } else {
                None
            };
            let mut loyal = [0; 3];
            for b in &mut loyal {
                *b = rng.below(buyers);
            }
            let mut brushers = [0; 6];
            for b in &mut brushers {
                *b = rng.below(buyers);
            }
            Shop {
                idx,
                cat,
                arch,
                certification,
                dual_size,
                customisation,
                price_protection,
                sku_pool: 8 + rng.below(50),
                loyal,
                brushers,
                profile_update: rng.chance(0.05),
            }
        })
        .collect()
}

fn buyer_pool(cfg: &Config) -> u64 {
    (cfg.orders / 3).max(100)
}

fn write_profile<W: Write>(
    out: &mut Out<W>,
    shop: &Shop,
    at: i64,
    updated: bool,
) -> io::Result<()> {
    out.begin("shop_profile")
        .ident("shop_id", "s", shop.idx)
        .num("at", at)
        .s(",\"name\":\"Shop ")
        .int(shop.idx as i64)
        .s("\"")
        .text("category", CATEGORIES[shop.cat]);
    if let Some(c) = shop.certification {
        out.s(",\"certifications\":[\"").s(c).s("\"]");
    }
    let mut services: Vec<&str> = Vec::new();
    if shop.dual_size {
        services.push("dual_size_free_return");
    }
    if shop.customisation {
        services.push("private_customisation");
    }
    if shop.cat == FRESH && shop.industry() {
        services.push("cold_chain_delivery");
    }
    if !services.is_empty() {
        out.s(",\"services\":[");
        for (i, s) in services.iter().enumerate() {
            out.s(if i == 0 { "\"" } else { ",\"" }).s(s).s("\"");
        }
        out.s("]");
    }
    let pp = match (shop.price_protection, updated) {
        // The mid-period update lengthens (or introduces) the window to 30 days.
        (Some((w, a, c, d)), true) => Some((w.max(30), a, c, d)),
        (None, true) => Some((30, "order", false, false)),
        (p, false) => p,
    };
    if let Some((window, anchor, explicit, deduct)) = pp {
        out.s(",\"price_protection\":{\"window_days\":")
            .int(window)
            .text("anchor", anchor);
        if explicit {
            out.s(",\"counted_promotions\":[\"none\",\"public\"]");
        }
        if deduct {
            out.s(",\"deduct_protected_units\":true");
        }
        out.s("}");
    }
    out.end()
}

/// Writes the whole stream; returns the number of events written.
fn generate<W: Write>(cfg: &Config, w: W) -> io::Result<u64> {
    let mut rng = Rng::new(cfg.seed ^ SEED_SALT);
    let shops = make_shops(cfg, &mut rng);
    let mut out = Out {
        buf: Vec::with_capacity(1 << 17),
        w,
        next_id: 0,
        events: 0,
    };
    let span = cfg.days * DAY;
    let end = cfg.start + span;
    for shop in &shops {
        let at = cfg.start - DAY * rng.range(30, 400);
        write_profile(&mut out, shop, at, false)?;
    }

    // Order volume per shop: tiny shops about 10 orders per 30 days, the rest
    // share what is left with a moderate skew.
    let tiny = shops.iter().filter(|s| s.arch == Archetype::Tiny).count() as f64;
    let orders = cfg.orders.max(1) as f64;
    let mut tiny_p = 10.0 * cfg.days as f64 / 30.0 / orders;
    if tiny * tiny_p > 0.3 {
        tiny_p = 0.3 / tiny;
    }
    let weights: Vec<f64> = shops
        .iter()
        .map(|s| {
            let u = mix(s.idx ^ cfg.seed.rotate_left(17)) as f64 / u64::MAX as f64;
            let base = match s.arch {
                Archetype::Tiny => 0.0,
                // Brushing comes on top of the real orders.
                Archetype::Padding => (1.0 + u * u) / (1.0 - FAKE_SHARE),
                _ => 1.0 + u * u,
            };
            if cfg.service_growth {
                base * s.arch.behaviour().volume
            } else {
                base
            }
        })
        .collect();
    let big: f64 = weights.iter().sum();
    let mut cumulative = Vec::with_capacity(shops.len());
    let mut acc = 0.0;
    for (s, w) in shops.iter().zip(&weights) {
        acc += if s.arch == Archetype::Tiny {
            tiny_p
        } else if big > 0.0 {
            w / big * (1.0 - tiny * tiny_p)
        } else {
            0.0
        };
        cumulative.push(acc);
    }

    let buyers = buyer_pool(cfg);
    let mut g = Gen {
        rng,
        seed: cfg.seed,
        end,
        buyers,
        next_refund: 0,
        past_buyers: if cfg.service_growth {
            vec![Vec::new(); shops.len()]
        } else {
            Vec::new()
        },
        last_buyer: 0,
        trouble: false,
    };
    let step = (span as f64 / orders).max(0.0);
    let mut next_progress = cfg.orders / 10;
    for k in 0..cfg.orders {
        if cfg.progress && k == next_progress && k > 0 {
            eprintln!(
                "{}% ({k} orders, {} events)",
                k * 100 / cfg.orders,
                out.events
            );
            next_progress += cfg.orders / 10;
        }
        let u = g.rng.unit() * acc;
        let si = cumulative.partition_point(|&c| c <= u).min(shops.len() - 1);
        let shop = &shops[si];
        let jitter = g.rng.unit();
        let paid_at = (cfg.start + ((k as f64 + jitter) * step) as i64).min(end - 1);
        if k == cfg.orders / 2 {
            for s in shops.iter().filter(|s| s.profile_update) {
                write_profile(&mut out, s, paid_at, true)?;
            }
        }
        g.order(&mut out, shop, k + 1, paid_at)?;
        g.remember_if_served_well(shop);
    }
    out.finish()?;
    Ok(out.events)
}

struct Gen {
    rng: Rng,
    /// For what is mixed from the seed instead of drawn from `rng`.
    seed: u64,
    end: i64,
    buyers: u64,
    next_refund: u64,
    /// With `--service-growth`: per shop, up to [`PAST_BUYERS`] buyers
    /// whose order went well — only they come back (empty without the
    /// flag: no draw is made).
    past_buyers: Vec<Vec<u64>>,
    /// The last order's buyer, and whether anything went wrong with it
    /// (fake, cancelled, late, lost, a bad review, a refund).
    last_buyer: u64,
    trouble: bool,
}

/// How many earlier buyers per shop a returning buyer is drawn from.
const PAST_BUYERS: usize = 256;

impl Gen {
    /// With `--service-growth`: the last order's buyer may come back if
    /// nothing went wrong with it (mixed from the seed, not drawn from the
    /// stream, which stays as without the flag up to the buyers chosen).
    fn remember_if_served_well(&mut self, shop: &Shop) {
        let Some(past) = self.past_buyers.get_mut(shop.idx as usize) else {
            return;
        };
        if self.trouble {
            return;
        }
        if past.len() < PAST_BUYERS {
            past.push(self.last_buyer);
        } else {
            let slot = mix(self.last_buyer ^ self.seed ^ past.len() as u64) as usize % PAST_BUYERS;
            past[slot] = self.last_buyer;
        }
    }
}

/// One order line, with what the buyer actually paid for it.
struct Line {
    sku: u64,
    qty: i64,
    unit: i64,
    discount: i64,
    paid: i64,
}

impl Gen {
    fn order<W: Write>(
        &mut self,
        out: &mut Out<W>,
        shop: &Shop,
        order: u64,
        paid_at: i64,
    ) -> io::Result<()> {
        let r = &mut self.rng;
        let fake = shop.arch == Archetype::Padding && r.chance(FAKE_SHARE);
        let flagged = fake && r.chance(0.75);
        let loyal = !fake && r.chance(0.08);
        let buyer = if fake {
            shop.brushers[r.below(6) as usize]
        } else if loyal {
            shop.loyal[r.below(3) as usize]
        } else {
            match self.past_buyers.get(shop.idx as usize) {
                // --service-growth: a well-served buyer comes back
                Some(past) if !past.is_empty() && r.chance(shop.arch.behaviour().returning) => {
                    past[r.below(past.len() as u64) as usize]
                }
                _ => r.below(self.buyers),
            }
        };
        self.last_buyer = buyer;
        self.trouble = fake;

        // Lines and discounts.
        let n_lines = match r.below(10) {
            0..=5 => 1,
            6..=8 => 2,
            _ => 3,
        };
        let mut lines: Vec<Line> = Vec::with_capacity(3);
        for _ in 0..n_lines {
            let sku = shop.pick_sku(r);
            if lines.iter().any(|l| l.sku == sku) {
                continue;
            }
            let unit = shop.sku_price(sku);
            let qty = match r.below(20) {
                0..=15 => 1,
                16..=18 => 2,
                _ => 3,
            };
            let discount = if r.chance(0.15) {
                unit * qty * r.range(5, 20) / 100
            } else {
                0
            };
            lines.push(Line {
                sku,
                qty,
                unit,
                discount,
                paid: unit * qty - discount,
            });
        }
        let lines_total: i64 = lines.iter().map(|l| l.paid).sum();
        let order_discount = if r.chance(0.2) {
            let amount = lines_total * r.range(3, 10) / 100;
            let funder = if r.chance(0.4) { "platform" } else { "seller" };
            let kind = match r.below(20) {
                0..=11 => "public",
                12..=14 => "platform_campaign",
                15..=17 => "personal_coupon",
                _ => "payment_channel",
            };
            Some((amount, funder, kind))
        } else {
            None
        };
        // Apportion the order discount to lines (floor; remainder on the last line).
        if let Some((amount, _, _)) = order_discount {
            let mut left = amount;
            let n = lines.len();
            for (i, l) in lines.iter_mut().enumerate() {
                let share = if i + 1 == n {
                    left
                } else if lines_total > 0 {
                    (i128::from(amount) * i128::from(l.paid) / i128::from(lines_total)) as i64
                } else {
                    0
                };
                left -= share;
                l.paid -= share;
            }
        }
        let paid_total: i64 = lines.iter().map(|l| l.paid).sum();

        // Tags.
        let mut tags: [&str; 3] = [""; 3];
        let mut n_tags = 0;
        let mut tag = |t: &'static str| {
            tags[n_tags] = t;
            n_tags += 1;
        };
        let cold = shop.cat == FRESH;
        if cold {
            tag("cold_chain");
        }
        if shop.dual_size && r.chance(if shop.industry() { 0.5 } else { 0.3 }) {
            tag("dual_size");
        }
        if shop.cat == JEWELRY {
            if shop.customisation && r.chance(0.25) {
                tag("custom_made");
            }
            if r.chance(if shop.industry() { 0.8 } else { 0.1 }) {
                tag("appraisal_certificate");
            }
            if paid_total >= 1_000_000 {
                tag("high_value");
            }
        }
        let dual = tags[..n_tags].contains(&"dual_size");

        // order_paid
        let ship_by = paid_at + if cold { 24 * HOUR } else { 48 * HOUR };
        let deliver_by = cold.then_some(paid_at + 72 * HOUR);
        out.begin("order_paid")
            .ident("order_id", "o", order)
            .ident("shop_id", "s", shop.idx)
            .ident("buyer_id", "b", buyer)
            .text("category", CATEGORIES[shop.cat])
            .s(",\"lines\":[");
        for (i, l) in lines.iter().enumerate() {
            out.s(if i == 0 {
                "{\"sku\":\"s"
            } else {
                ",{\"sku\":\"s"
            })
            .int(shop.idx as i64)
            .s("-k")
            .int(l.sku as i64)
            .s("\"")
            .num("quantity", l.qty)
            .num("unit_price", l.unit);
            if l.discount > 0 {
                out.num("line_discount", l.discount);
            }
            out.s("}");
        }
        out.s("]");
        if let Some((amount, funder, kind)) = order_discount {
            out.s(",\"discounts\":[{\"amount\":")
                .int(amount)
                .text("funded_by", funder)
                .text("kind", kind)
                .s("}]");
        }
        if r.chance(0.3) {
            out.num("ordered_at", paid_at - r.range(5, 900));
        }
        out.num("paid_at", paid_at).num("ship_by", ship_by);
        if let Some(d) = deliver_by {
            out.num("deliver_by", d);
        }
        if flagged {
            out.s(",\"risk\":{\"fake\":true}");
        }
        if n_tags > 0 {
            out.s(",\"tags\":[");
            for (i, t) in tags[..n_tags].iter().enumerate() {
                out.s(if i == 0 { "\"" } else { ",\"" }).s(t).s("\"");
            }
            out.s("]");
        }
        out.end()?;

        // A price observation on one of the shop's popular SKUs (~6% of orders).
        if r.chance(0.06) {
            let sku = shop.pick_sku(r) / 2;
            let base = shop.sku_price(sku);
            let at = paid_at + r.range(0, HOUR);
            let (price, kind) = if r.chance(0.2) {
                (base, "none")
            } else {
                let kind = match r.below(20) {
                    0..=6 => "none",
                    7..=13 => "public",
                    14 => "platform_campaign",
                    15..=16 => "personal_coupon",
                    17..=18 => "payment_channel",
                    _ => "member_only",
                };
                (base * r.range(70, 95) / 100, kind)
            };
            if at <= self.end {
                out.begin("price_change")
                    .s(",\"sku\":\"s")
                    .int(shop.idx as i64)
                    .s("-k")
                    .int(sku as i64)
                    .s("\"")
                    .num("price", price)
                    .text("promotion", kind)
                    .num("at", at)
                    .end()?;
            }
        }

        if fake {
            return self.fake_followups(out, order, buyer, paid_at, flagged);
        }
        let b = shop.arch.behaviour();
        let r = &mut self.rng;
        let end = self.end;

        if r.chance(0.002) {
            let at = paid_at + r.range(HOUR, 3 * DAY);
            if at <= end {
                out.begin("risk_verdict")
                    .ident("order_id", "o", order)
                    .num("at", at)
                    .s(",\"fake\":false")
                    .end()?;
            }
        }

        // Chat with the shop, before or after the purchase.
        if r.chance(b.chat) {
            let started = if r.chance(0.6) {
                paid_at - r.range(5 * 60, 3 * HOUR)
            } else {
                paid_at + r.range(HOUR, 6 * DAY)
            };
            if started <= end {
                out.begin("chat")
                    .ident("shop_id", "s", shop.idx)
                    .ident("buyer_id", "b", buyer)
                    .num("started_at", started);
                let fast = r.chance(b.chat_fast);
                if r.chance(0.97) {
                    let secs = if fast {
                        r.range(5, 170)
                    } else {
                        r.range(181, 1800)
                    };
                    out.num("first_response_secs", secs);
                }
                if r.chance(0.55) {
                    let sat = match (fast, r.below(10)) {
                        (true, 0..=6) | (false, 0..=1) => 5,
                        (true, 7..=8) | (false, 2..=4) => 4,
                        (true, _) | (false, 5..=6) => 3,
                        (false, 7..=8) => 2,
                        (false, _) => 1,
                    };
                    out.num("satisfaction", sat);
                }
                if let Some(c) = shop.certification {
                    let p = if c == "jewelry_appraiser" { 0.3 } else { 0.8 };
                    if r.chance(p) {
                        out.text("agent_certification", c);
                    }
                }
                // The answering agent: 2 to 5 per shop, one chat in ten
                // unnamed. Mixed from the seed and the chat, not drawn from
                // `rng`, so every other field of the stream is what it was
                // before chats named agents (and scores are unchanged).
                let h = mix(self.seed
                    ^ (started as u64).rotate_left(23)
                    ^ buyer.rotate_left(41)
                    ^ shop.idx);
                if !h.is_multiple_of(10) {
                    let agents = 2 + mix(shop.idx ^ self.seed.rotate_left(31)) % 4;
                    out.s(",\"agent_id\":\"s")
                        .int(shop.idx as i64)
                        .s("-a")
                        .int(((h / 10) % agents) as i64)
                        .s("\"");
                }
                out.end()?;
            }
        }

        // Seller cancellation: nothing else happens to the order.
        if r.chance(b.cancel) {
            self.trouble = true;
            let at = paid_at + r.range(HOUR, 30 * HOUR);
            if at <= end {
                out.begin("seller_cancelled")
                    .ident("order_id", "o", order)
                    .num("at", at)
                    .end()?;
            }
            return Ok(());
        }

        // Shipping.
        let late = r.chance(b.late);
        self.trouble |= late;
        let quick = cold && shop.industry();
        let delay = if late {
            r.range(49 * HOUR, 120 * HOUR)
        } else if quick {
            r.range(HOUR, 10 * HOUR)
        } else if cold {
            // Cold chain promises shipping within 24 h.
            r.range(HOUR, 20 * HOUR)
        } else {
            r.range(HOUR, 44 * HOUR)
        };
        let shipped_at = paid_at + delay;
        let mut last = paid_at;
        let mut delivered_at = None;
        let mut lost = false;
        if shipped_at <= end {
            let pickup = shipped_at + r.range(10 * 60, 3 * HOUR);
            let tracking_valid = !r.chance(if shop.arch == Archetype::SlowShipper {
                0.03
            } else {
                0.005
            });
            out.begin("shipped")
                .ident("order_id", "o", order)
                .num("at", shipped_at);
            if r.chance(0.99) {
                out.num("pickup_at", pickup);
            }
            if !tracking_valid {
                out.s(",\"tracking_valid\":false");
            }
            out.end()?;
            last = shipped_at;
            let anomaly = !tracking_valid
                || r.chance(if shop.arch == Archetype::SlowShipper {
                    0.01
                } else {
                    0.002
                });
            if anomaly {
                let at = shipped_at + r.range(2 * DAY, 6 * DAY);
                lost = !tracking_valid || r.chance(0.5);
                self.trouble = true;
                if at <= end {
                    out.begin("tracking_anomaly")
                        .ident("order_id", "o", order)
                        .num("at", at);
                    if !tracking_valid {
                        out.s(",\"fake_shipment\":true");
                    }
                    out.end()?;
                }
            }
            if !lost {
                let transit = if quick {
                    if r.chance(0.98) {
                        r.range(12 * HOUR, 40 * HOUR)
                    } else {
                        r.range(60 * HOUR, 90 * HOUR)
                    }
                } else if cold {
                    r.range(20 * HOUR, 70 * HOUR)
                } else {
                    r.range(18 * HOUR, 96 * HOUR)
                };
                let at = pickup + transit;
                if at <= end {
                    out.begin("delivered")
                        .ident("order_id", "o", order)
                        .num("at", at)
                        .end()?;
                    delivered_at = Some(at);
                    last = at;
                }
            }
        }

        // Review.
        let bad = r.chance(b.bad_review);
        self.trouble |= bad;
        let review_p = if loyal { 0.85 } else { 0.38 };
        if delivered_at.is_some() && r.chance(review_p) {
            let at = last + r.range(3 * HOUR, 12 * DAY);
            if at <= end {
                let product = if bad {
                    r.range(1, 2)
                } else {
                    match r.below(100) {
                        0..=69 => 5,
                        70..=91 => 4,
                        _ => 3,
                    }
                };
                out.begin("review")
                    .ident("order_id", "o", order)
                    .ident("reviewer", "b", buyer)
                    .num("at", at)
                    .num("product_stars", product);
                if r.chance(0.9) {
                    let l = if late { r.range(1, 3) } else { r.range(4, 5) };
                    out.num("logistics_stars", l);
                }
                if r.chance(0.75) {
                    let s = if b.chat_fast >= 0.9 {
                        r.range(4, 5)
                    } else {
                        r.range(2, 5)
                    };
                    out.num("service_stars", s);
                }
                if r.chance(0.03) {
                    out.s(",\"suspicious\":true");
                }
                out.end()?;
            }
        }

        // After-sales.
        let mut refund_p = if bad { b.refund * 3.0 } else { b.refund };
        if dual && shop.industry() {
            refund_p *= 0.5;
        }
        // An order still in transit at the end of the period has no refund yet.
        if lost || (delivered_at.is_some() && r.chance(refund_p)) {
            self.trouble = true;
            self.refund(
                out,
                shop,
                &b,
                order,
                paid_at,
                delivered_at,
                lost,
                &lines,
                bad,
            )?;
        }
        let r = &mut self.rng;
        if r.chance(b.complaint) {
            let at = paid_at + r.range(3 * DAY, 15 * DAY);
            if at <= end {
                out.begin("complaint")
                    .ident("order_id", "o", order)
                    .num("at", at)
                    .end()?;
            }
        }
        if r.chance(0.001 * b.claims) {
            let at = paid_at + r.range(10 * DAY, 40 * DAY);
            if at <= end {
                out.begin("chargeback")
                    .ident("order_id", "o", order)
                    .num("at", at)
                    .end()?;
            }
        }
        if r.chance(0.002 * b.claims) {
            let at = paid_at + r.range(5 * DAY, 25 * DAY);
            let outcome = match r.below(20) {
                0..=9 => "granted",
                10..=16 => "denied",
                _ => "open",
            };
            if at <= end {
                out.begin("atoz_claim")
                    .ident("order_id", "o", order)
                    .num("at", at)
                    .text("outcome", outcome)
                    .end()?;
            }
        }
        Ok(())
    }

    fn fake_followups<W: Write>(
        &mut self,
        out: &mut Out<W>,
        order: u64,
        buyer: u64,
        paid_at: i64,
        flagged: bool,
    ) -> io::Result<()> {
        let r = &mut self.rng;
        let end = self.end;
        if !flagged {
            // Caught later by the risk system.
            let at = paid_at + r.range(2 * DAY, 10 * DAY);
            if at <= end {
                out.begin("risk_verdict")
                    .ident("order_id", "o", order)
                    .num("at", at)
                    .s(",\"fake\":true")
                    .end()?;
            }
        }
        let shipped = paid_at + r.range(HOUR, 10 * HOUR);
        if shipped > end {
            return Ok(());
        }
        let pickup = shipped + r.range(10 * 60, HOUR);
        out.begin("shipped")
            .ident("order_id", "o", order)
            .num("at", shipped)
            .num("pickup_at", pickup)
            .end()?;
        let delivered = pickup + r.range(12 * HOUR, 40 * HOUR);
        if delivered > end {
            return Ok(());
        }
        out.begin("delivered")
            .ident("order_id", "o", order)
            .num("at", delivered)
            .end()?;
        if r.chance(0.85) {
            let at = delivered + r.range(HOUR, 2 * DAY);
            if at <= end {
                out.begin("review")
                    .ident("order_id", "o", order)
                    .ident("reviewer", "b", buyer)
                    .num("at", at)
                    .num("product_stars", 5)
                    .num("logistics_stars", 5)
                    .num("service_stars", 5);
                if r.chance(0.1) {
                    out.s(",\"suspicious\":true");
                }
                out.end()?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn refund<W: Write>(
        &mut self,
        out: &mut Out<W>,
        shop: &Shop,
        b: &Behaviour,
        order: u64,
        paid_at: i64,
        delivered_at: Option<i64>,
        lost: bool,
        lines: &[Line],
        bad: bool,
    ) -> io::Result<()> {
        let r = &mut self.rng;
        let end = self.end;
        let line = &lines[r.below(lines.len() as u64) as usize];
        let (at, kind, reason) = match delivered_at {
            Some(d) => {
                let at = d + r.range(2 * HOUR, 7 * DAY);
                let sizes = matches!(shop.cat, APPAREL | KIDS | MATERNITY);
                let reason = if bad {
                    ["quality", "not_as_described", "defective", "damaged"][r.below(4) as usize]
                } else {
                    match r.below(20) {
                        0..=3 => "quality",
                        4..=5 => "not_as_described",
                        6..=7 if shop.cat == FRESH => "expired",
                        6..=7 => "damaged",
                        8 => "defective",
                        9..=12 if sizes => "wrong_size",
                        9..=15 => "no_reason",
                        16 if shop.cat == JEWELRY => "counterfeit",
                        16..=17 => "late",
                        _ => "other",
                    }
                };
                let kind = match (reason, r.below(10)) {
                    ("wrong_size", 0..=5) => "exchange",
                    ("damaged" | "expired" | "late", 0..=6) => "refund_only",
                    (_, 0..=2) => "refund_only",
                    (_, 3..=8) => "return_and_refund",
                    _ => "exchange",
                };
                (at, kind, reason)
            }
            None => {
                let at = paid_at + r.range(3 * DAY, 8 * DAY);
                let reason = if lost || r.chance(0.5) {
                    "not_received"
                } else {
                    "late"
                };
                (at, "refund_only", reason)
            }
        };
        if at > end {
            return Ok(());
        }
        let units = r.range(1, line.qty);
        let amount = if kind == "exchange" {
            0
        } else {
            line.paid * units / line.qty
        };
        self.next_refund += 1;
        let refund = self.next_refund;
        out.begin("refund_requested")
            .ident("order_id", "o", order)
            .ident("refund_id", "r", refund)
            .num("at", at)
            .text("kind", kind)
            .text("reason", reason)
            .num("amount", amount)
            .s(",\"sku\":\"s")
            .int(shop.idx as i64)
            .s("-k")
            .int(line.sku as i64)
            .s("\"")
            .num("units", units)
            .end()?;

        let mut complete = r.chance(0.93);
        let mut complete_at = at + HOUR * r.range(b.refund_hours.0, b.refund_hours.1);
        if r.chance(b.intervene) {
            let iat = at + r.range(DAY, 5 * DAY);
            if iat <= end {
                out.begin("platform_intervention")
                    .ident("order_id", "o", order)
                    .num("at", iat)
                    .end()?;
                if r.chance(0.9) {
                    let rat = iat + r.range(DAY, 4 * DAY);
                    let buyer = r.chance(b.buyer_wins);
                    if rat <= end {
                        out.begin("dispute_ruled")
                            .ident("order_id", "o", order)
                            .num("at", rat)
                            .text("for_party", if buyer { "buyer" } else { "seller" })
                            .end()?;
                    }
                    complete = buyer;
                    complete_at = rat + r.range(HOUR, DAY);
                }
            }
        }
        if complete && complete_at <= end {
            let paid = if kind != "exchange" && r.chance(0.08) {
                amount / 2
            } else {
                amount
            };
            out.begin("refund_completed")
                .ident("order_id", "o", order)
                .ident("refund_id", "r", refund)
                .num("at", complete_at)
                .num("amount", paid);
            if kind != "refund_only" {
                out.num("units_returned", units);
            }
            out.end()?;
        }
        Ok(())
    }
}
