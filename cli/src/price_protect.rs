//! `truexp price-protect`: one claim from a JSON file, or automatic mode
//! over a JSON Lines event log.
//!
//! Why a thin face: every number comes from `truexp::price_protection`; this
//! file only reads inputs, reports bad lines and prints tables or JSON.
//! Money is printed as yuan with two decimals by integer formatting.

use std::collections::BTreeMap;

use serde::Serialize;
use truexp::price_protection::{assess_claim, format_yuan, Claim, ClaimResult, LineAssessment};
use truexp::Money;

/// `truexp price-protect`'s arguments: `--claim FILE` or `--auto EVENTS`.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["claim", "auto"])))]
pub struct PriceProtectArgs {
    /// One claim (JSON, see examples/claims/)
    #[arg(long, value_name = "FILE.json")]
    claim: Option<String>,
    /// Automatic mode: every price drop of this event log (JSON Lines or Parquet)
    #[arg(long, value_name = "EVENTS")]
    auto: Option<String>,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
    /// The events file's format: jsonl or parquet (default: by extension)
    #[arg(long, value_name = "jsonl|parquet")]
    format: Option<String>,
    /// With --auto: start from a snapshot written by `truexp snapshot`
    #[arg(long, value_name = "FILE")]
    snapshot: Option<String>,
}

/// Runs the subcommand. Returns the process exit code, or a message for stderr.
pub fn run(a: &PriceProtectArgs) -> Result<i32, String> {
    match (&a.claim, &a.auto) {
        (Some(path), None) => run_claim(path, a.json),
        (None, Some(path)) => run_auto(path, a.snapshot.as_deref(), a.format.as_deref(), a.json),
        _ => Err(format!(
            "give either --claim FILE or --auto EVENTS\n{}",
            crate::usage("price-protect")
        )),
    }
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

fn run_claim(path: &str, json: bool) -> Result<i32, String> {
    let text = read(path)?;
    let claim: Claim = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let result = assess_claim(&claim).map_err(|e| format!("{path}: {e}"))?;
    if json {
        let out = serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?;
        println!("{out}");
    } else {
        print_claim(&result);
    }
    Ok(0)
}

fn print_claim(r: &ClaimResult) {
    let mut t = Table::default();
    for l in &r.lines {
        t.row(&r.order_id, &l.sku, l.quantity, &l.assessment);
    }
    t.print();
    println!(
        "total payout {}  platform {}  seller {}",
        format_yuan(r.total_payout),
        format_yuan(r.total_platform),
        format_yuan(r.total_seller)
    );
}

/// One line of `--auto --json` output.
#[derive(Serialize)]
struct AutoRow<'a> {
    drop_id: &'a str,
    drop_at: truexp::Timestamp,
    order_id: &'a str,
    line: u32,
    sku: &'a str,
    quantity: i64,
    #[serde(flatten)]
    assessment: LineAssessment,
}

#[derive(Serialize)]
struct AutoOut<'a> {
    payouts: Vec<AutoRow<'a>>,
    total_payout: Money,
    total_platform: Money,
    total_seller: Money,
    zero_payouts: BTreeMap<&'static str, u64>,
    /// Protection already paid that later refunds and returns take back.
    deductions: Vec<truexp::price_protection::DeductionRecord>,
    total_deducted: Money,
    skipped_lines: u64,
}

fn run_auto(
    path: &str,
    snapshot: Option<&str>,
    format: Option<&str>,
    json: bool,
) -> Result<i32, String> {
    // the engine owns the book: refunds reach it in request–completion pairs
    // and events that arrive before their order wait for it; with
    // `--snapshot`, the events apply on top of the snapshot's state (its
    // queued drops run too)
    let format = crate::load::Format::of(path, format)?;
    let mut engine = match snapshot {
        Some(snap) => {
            truexp::snapshot::read_snapshot_file(std::path::Path::new(snap), Default::default())
                .map_err(|e| format!("{snap}: {e}"))?
                .0
        }
        None => truexp::Engine::default(),
    };
    let report = crate::load::ingest_file(&mut engine, path, format, false)?;
    for (line, e) in &report.rejected {
        let at = format.locate(path, *line, e);
        let (place, what) = at.split_at(at.len() - e.to_string().len());
        eprintln!("{place}skipped: {what}");
    }
    let late: Vec<truexp::EventError> = engine
        .pending()
        .into_iter()
        .chain(engine.deferred_errors().iter().cloned())
        .collect();
    for e in &late {
        eprintln!("{path}: skipped: {e}");
    }
    let skipped = (report.rejected.len() + late.len()) as u64;
    let runs = engine.run_price_drops().map_err(|e| e.to_string())?;
    let book = engine.price_protection();
    let mut out = AutoOut {
        payouts: Vec::new(),
        total_payout: Money::ZERO,
        total_platform: Money::ZERO,
        total_seller: Money::ZERO,
        zero_payouts: BTreeMap::new(),
        deductions: book.deduction_records(),
        total_deducted: Money::ZERO,
        skipped_lines: skipped,
    };
    for d in &out.deductions {
        out.total_deducted = (out.total_deducted)
            .checked_add(d.deducted)
            .ok_or("total overflows")?;
    }
    for run in &runs {
        for p in &run.payouts {
            let a = p.assessment;
            if let Some(reason) = a.reason {
                *out.zero_payouts.entry(reason.as_str()).or_default() += 1;
                continue;
            }
            let sum = |t: Money, v: Money| t.checked_add(v).ok_or("total overflows");
            out.total_payout = sum(out.total_payout, a.payout)?;
            out.total_platform = sum(out.total_platform, a.platform_part)?;
            out.total_seller = sum(out.total_seller, a.seller_part)?;
            out.payouts.push(AutoRow {
                drop_id: &run.drop.id,
                drop_at: run.drop.at,
                order_id: book.order_id(p.order),
                line: p.line,
                sku: book.sku(p.sku),
                quantity: p.quantity,
                assessment: a,
            });
        }
    }
    if json {
        let s = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
        println!("{s}");
    } else {
        let mut t = Table::default();
        for r in &out.payouts {
            t.row(r.order_id, r.sku, r.quantity, &r.assessment);
        }
        t.print();
        println!(
            "total payout {}  platform {}  seller {}  ({} payouts from {} drops)",
            format_yuan(out.total_payout),
            format_yuan(out.total_platform),
            format_yuan(out.total_seller),
            out.payouts.len(),
            runs.len()
        );
        for (reason, n) in &out.zero_payouts {
            println!("zero payout, {reason}: {n} lines");
        }
        if !out.deductions.is_empty() {
            println!(
                "deducted from later refunds {}  ({} refunds or returns of lines already paid)",
                format_yuan(out.total_deducted),
                out.deductions.len()
            );
        }
        if skipped > 0 {
            println!("skipped {skipped} bad lines (see stderr)");
        }
    }
    Ok(0)
}

/// A plain text table with right-aligned money columns.
#[derive(Default)]
struct Table {
    rows: Vec<[String; 9]>,
}

impl Table {
    fn row(&mut self, order: &str, sku: &str, qty: i64, a: &LineAssessment) {
        self.rows.push([
            order.to_owned(),
            sku.to_owned(),
            qty.to_string(),
            format_yuan(a.paid_unit),
            a.comparison.map_or("-".to_owned(), format_yuan),
            format_yuan(a.payout),
            format_yuan(a.platform_part),
            format_yuan(a.seller_part),
            a.reason.map_or("", |r| r.as_str()).to_owned(),
        ]);
    }

    fn print(&self) {
        let head = [
            "order",
            "sku",
            "qty",
            "paid unit",
            "comparison",
            "payout",
            "platform",
            "seller",
            "reason",
        ];
        let mut w = head.map(str::len);
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.len());
            }
        }
        let line = |cells: [&str; 9]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i < 2 || i == 8 {
                    s.push_str(&format!("{c:<width$}  ", width = w[i]));
                } else {
                    s.push_str(&format!("{c:>width$}  ", width = w[i]));
                }
            }
            println!("{}", s.trim_end());
        };
        line(head);
        for r in &self.rows {
            line(std::array::from_fn(|i| r[i].as_str()));
        }
    }
}
