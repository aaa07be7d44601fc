//! `truexp score`, `truexp explain`, `truexp problems`: the scoring faces.
//!
//! Why one module: the three read the same engine and print the same
//! kinds of numbers; tables for people, `--json` for machines.

use std::collections::BTreeMap;
use truexp::event::AppealScope;
use truexp::explain::Explanation;

use truexp::changes::{standings_from_json, Standing};
use truexp::score::{AddOnStatus, Scoreboard, ShopScore};

use crate::load::{self, exit_code, load, Common};

/// `truexp score`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ScoreArgs {
    /// Events files, JSON Lines or Parquet (one; with --snapshot, any number)
    #[arg(value_name = "EVENTS")]
    files: Vec<String>,
    /// Show only the first N shops
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = crate::integer)]
    top: Option<i64>,
    /// Only the shops whose score, stars, grade or rank moved since an earlier `score --json`
    #[arg(long, value_name = "PREVIOUS.json")]
    changes_since: Option<String>,
    /// The live scoreboard: after each batch (comma-separated files), the shops it moved
    #[arg(long, value_name = "BATCH.jsonl[,BATCH2.jsonl…]")]
    then: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// The arguments of `truexp explain` and `truexp problems`.
#[derive(clap::Args, Debug)]
pub struct ShopArgs {
    /// Events files, JSON Lines or Parquet (one; with --snapshot, any
    /// number), then the shop's id
    #[arg(value_name = "EVENTS… SHOP", required = true)]
    args: Vec<String>,
    #[command(flatten)]
    common: Common,
}

/// `truexp score FILE`: the ranked table.
pub fn score(args: &ScoreArgs) -> Result<i32, String> {
    let a = &args.common;
    let files = &args.files;
    load::check_files(a, files, "score")?;
    // read the previous scoreboard before the (long) load: a bad file fails fast
    let previous = args
        .changes_since
        .as_deref()
        .map(previous_standings)
        .transpose()?;
    let mut loaded = load(a, files)?;
    if let Some(batches) = args.then.as_deref() {
        return follow(a, &mut loaded, batches);
    }
    let board = loaded.engine.scoreboard(loaded.as_of);
    if let Some((since, previous)) = previous {
        print_changes(&board, since, &previous, a.json)?;
        return Ok(exit_code(a, &loaded));
    }
    let top = args.top.map_or(usize::MAX, |n| n.max(0) as usize);
    if a.json {
        let shops: Vec<&ShopScore> = board.shops.iter().take(top).collect();
        let out = serde_json::json!({ "as_of": board.as_of, "shops": shops });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
        );
    } else {
        println!(
            "as of {} (UTC seconds), {} shops",
            board.as_of,
            board.shops.len()
        );
        let blocks: Vec<String> = loaded
            .engine
            .config()
            .blocks
            .iter()
            .map(|b| format!("{:>9}", b.name))
            .collect();
        println!(
            "{:>4}  {:<12} {:<15} {:>5} {:>5} {:<6} {:>6} {} {:>8}  status",
            "rank",
            "shop",
            "category",
            "score",
            "stars",
            "grade",
            "change",
            blocks.join(" "),
            "problem"
        );
        for (rank, s) in board.shops.iter().take(top).enumerate() {
            let blocks: Vec<String> = s
                .blocks
                .iter()
                .map(|b| {
                    format!(
                        "{:>9}",
                        if b.assessed {
                            format!("{:.2}", b.score)
                        } else {
                            "-".into()
                        }
                    )
                })
                .collect();
            println!(
                "{:>4}  {:<12} {:<15} {:>5.2} {:>5.1} {:<6} {:>+6.2} {} {:>8}  {}",
                rank + 1,
                s.shop_id,
                s.category,
                s.overall,
                s.stars,
                s.grade.name(),
                s.change,
                blocks.join(" "),
                s.problem_rate.display,
                status(s)
            );
        }
    }
    Ok(exit_code(a, &loaded))
}

/// `--then BATCH,…`: the live scoreboard after the load, then after each
/// batch of events the shops whose standing moved (only the shops the batch
/// touched and their categories are rescored). `as_of`: `--as-of`, else the
/// latest event time after each batch.
fn follow(a: &Common, loaded: &mut load::Loaded, batches: &str) -> Result<i32, String> {
    let fixed = a.as_of.map(|_| loaded.as_of); // checked by the load
    let engine = &mut loaded.engine;
    let mut version = engine.scoreboard_changes(loaded.as_of, 0).version;
    let mut rejected = loaded.rejected;
    for batch in batches.split(',').filter(|b| !b.is_empty()) {
        let format = load::Format::of(batch, a.format.as_deref())?;
        let report = load::ingest_file(engine, batch, format, false)?;
        for (n, err) in &report.rejected {
            if !a.quiet {
                eprintln!("{}", format.locate(batch, *n, err));
            }
        }
        rejected += report.rejected.len();
        let as_of = fixed.or(engine.latest_event_time()).unwrap_or(loaded.as_of);
        let changes = engine.scoreboard_changes(as_of, version);
        version = changes.version;
        if a.json {
            let mut line = serde_json::to_value(&changes).map_err(|e| e.to_string())?;
            line["batch"] = batch.into();
            println!("{line}");
        } else {
            let shops = engine.live_scoreboard(as_of).len();
            println!(
                "after {batch}: as of {as_of} (UTC seconds), {} of {shops} shops changed",
                changes.changes.len()
            );
            print_change_rows(&changes.changes);
        }
    }
    Ok(load::exit_code_of(a, rejected))
}

/// The standings of a scoreboard written by `truexp score --json`.
fn previous_standings(
    path: &str,
) -> Result<(truexp::Timestamp, BTreeMap<String, Standing>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("--changes-since {path}: {e}"))?;
    standings_from_json(&text).map_err(|e| format!("--changes-since {path}: {e}"))
}

/// Only the shops whose standing moved since the previous scoreboard.
fn print_changes(
    board: &Scoreboard,
    since: truexp::Timestamp,
    previous: &BTreeMap<String, Standing>,
    json: bool,
) -> Result<(), String> {
    let changes = board.changes_since(previous);
    if json {
        let out = serde_json::json!({
            "as_of": board.as_of,
            "since_as_of": since,
            "changes": changes,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    println!(
        "as of {} (UTC seconds), {} of {} shops changed since the scoreboard as of {since}",
        board.as_of,
        changes.len(),
        board.shops.len()
    );
    print_change_rows(&changes);
    Ok(())
}

/// One row per shop whose standing moved: rank, score, stars and grade, each beside its value before.
fn print_change_rows(changes: &[truexp::changes::StandingChange]) {
    println!(
        "{:>4} {:>6}  {:<12} {:>5} {:>6} {:>5} {:>6} {:<6}",
        "rank", "before", "shop", "score", "before", "stars", "before", "grade"
    );
    for c in changes {
        let b = c.before;
        println!(
            "{:>4} {:>6}  {:<12} {:>5.2} {:>6} {:>5.1} {:>6} {:<6}{}",
            c.now.rank,
            b.map_or("new".into(), |b| b.rank.to_string()),
            c.shop_id,
            c.now.overall,
            b.map_or("-".into(), |b| format!("{:.2}", b.overall)),
            c.now.stars,
            b.map_or("-".into(), |b| format!("{:.1}", b.stars)),
            c.now.grade.name(),
            match b {
                Some(b) if b.grade != c.now.grade => format!(" (was {})", b.grade.name()),
                _ => String::new(),
            }
        );
    }
}

fn status(s: &ShopScore) -> String {
    let mut parts = Vec::new();
    if s.growth_stage {
        parts.push(format!("growth stage ({} valid orders)", s.valid_orders));
    } else if s.blocks.iter().all(|b| b.assessed) {
        parts.push("assessed".to_owned());
    } else {
        parts.push("partly assessed".to_owned());
    }
    if s.fake_order_penalty > 0.0 {
        parts.push(format!(
            "fake-order penalty -{:.2} ({} fake)",
            s.fake_order_penalty, s.fake_orders
        ));
    }
    let bonus: f64 = s
        .add_ons
        .iter()
        .filter(|a| a.name != "next_day_delivery")
        .map(|a| a.points)
        .sum();
    if bonus > 0.0 {
        parts.push(format!("bonus +{bonus:.2}"));
    }
    parts.join(", ")
}

/// `truexp explain FILE SHOP`: the breakdown of one shop.
pub fn explain(args: &ShopArgs) -> Result<i32, String> {
    let a = &args.common;
    let (files, shop) = load::split_shop(a, &args.args, "explain")?;
    let loaded = load(a, files)?;
    let ex = loaded
        .engine
        .explain(shop, loaded.as_of)
        .map_err(|e| e.to_string())?;
    load::answer(a, &loaded, &ex, print_explanation)
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".to_owned(), |v| format!("{v:.digits$}"))
}

fn print_explanation(ex: &Explanation) {
    let s = &ex.score;
    println!(
        "shop {} ({}): {:.2} ({:.1} stars, grade {}, {:+.2} since the day before){}",
        s.shop_id,
        s.category,
        s.overall,
        s.stars,
        s.grade.name(),
        s.change,
        if s.growth_stage { ", growth stage" } else { "" }
    );
    println!("weighted base {:.4}", s.base);
    for b in &s.blocks {
        println!(
            "\n{} block: weight {:.2}, score {:.3}{}",
            b.name,
            b.weight,
            b.score,
            if b.assessed {
                ""
            } else {
                " (not assessed: category mean)"
            }
        );
        println!(
            "  {:<26} {:>9} {:>9} {:>9} {:>7} {:>6} {:>7} {:>9} {:>6}",
            "indicator",
            "value",
            "adjusted",
            "cat.mean",
            "sample",
            "score",
            "weight",
            "contrib",
            "beats"
        );
        for i in s.indicators.iter().filter(|i| i.block == b.name) {
            println!(
                "  {:<26} {:>9} {:>9} {:>9} {:>7} {:>6.2} {:>7.3} {:>9.4} {:>6}{}",
                i.name,
                opt(i.value, 4),
                opt(i.adjusted, 4),
                opt(i.category_mean, 4),
                i.sample,
                i.score,
                i.effective_weight,
                i.contribution,
                i.percentile
                    .map_or("-".into(), |p| format!("{:.0}%", p * 100.0)),
                if i.assessed { "" } else { "  not assessed" }
            );
        }
    }
    println!("\nadd-ons:");
    if s.add_ons.is_empty() {
        println!("  none");
    }
    for a in &s.add_ons {
        let status = match &a.status {
            AddOnStatus::Granted => "granted".to_owned(),
            AddOnStatus::Capped => format!("capped from {:.4}", a.requested),
            AddOnStatus::Dropped(why) => format!("dropped: {why}"),
            AddOnStatus::NotAssessed => "not assessed".to_owned(),
        };
        println!(
            "  {:<20} +{:.4}  {}  ({status})",
            a.name, a.points, a.reason
        );
    }
    if s.fake_order_penalty > 0.0 {
        println!(
            "fake-order penalty: -{:.2} ({} fake orders)",
            s.fake_order_penalty, s.fake_orders
        );
    }
    let p = &s.problem_rate;
    println!(
        "\nproblem-order rate {} ({} / {} valid orders; product {}, logistics {}, after-sales {}); category mean {:.2}%",
        p.display,
        p.problem_orders,
        p.valid_orders,
        p.product,
        p.logistics,
        p.after_sales,
        p.category_mean * 100.0
    );
    println!("\norders that cost the most:");
    if ex.costly_orders.is_empty() {
        println!("  none");
    }
    for c in &ex.costly_orders {
        let reasons: Vec<String> = c
            .order
            .labels
            .iter()
            .map(|l| format!("{:?}", l.reason))
            .collect();
        println!(
            "  {:<10} -{:.4} points  against {}  [{}]",
            c.order.order_id,
            c.estimated_cost,
            c.indicators.join(", "),
            reasons.join(", ")
        );
    }
    if !ex.appeals.is_empty() {
        println!("\ntaken out by granted appeals:");
        for a in &ex.appeals {
            let what = match (a.scope, a.reason) {
                (AppealScope::Review, _) => "the review".to_owned(),
                (AppealScope::Dispute, _) => "the dispute ruling".to_owned(),
                (AppealScope::Label, Some(r)) => format!("the label {}", r.name()),
                (AppealScope::Label, None) => "a label".to_owned(),
            };
            println!(
                "  {:<10} {what:<30} event {} at {}",
                a.order_id, a.event, a.at
            );
        }
    }
    if !ex.exclusions.is_empty() {
        println!("\nexcluded by exclusion windows (declared disruptions):");
        for x in &ex.exclusions {
            println!(
                "  {:<10} {:<18} window {} (region {}): {}",
                x.order_id,
                x.label.name(),
                x.window,
                x.region,
                x.reason
            );
        }
    }
}

/// `truexp problems FILE SHOP`: problem orders with reasons and evidence.
pub fn problems(args: &ShopArgs) -> Result<i32, String> {
    let a = &args.common;
    let (files, shop) = load::split_shop(a, &args.args, "problems")?;
    let loaded = load(a, files)?;
    let orders = loaded
        .engine
        .problem_orders(shop, loaded.as_of)
        .map_err(|e| e.to_string())?;
    let score = loaded
        .engine
        .score(shop, loaded.as_of)
        .map_err(|e| e.to_string())?;
    if a.json {
        let out = serde_json::json!({
            "shop_id": shop,
            "as_of": loaded.as_of,
            "rate": score.problem_rate,
            "orders": orders,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
        );
    } else {
        let p = &score.problem_rate;
        println!(
            "shop {shop}: problem-order rate {} ({} of {} valid orders), category mean {:.2}%",
            p.display,
            p.problem_orders,
            p.valid_orders,
            p.category_mean * 100.0
        );
        for o in &orders {
            println!(
                "{} paid {} amount {}",
                o.order_id,
                o.paid_at,
                o.amount.yuan()
            );
            for l in &o.labels {
                println!(
                    "    {:<12} {:<22} event {} at {}",
                    format!("{:?}", l.family),
                    format!("{:?}", l.reason),
                    l.event,
                    l.at
                );
            }
        }
    }
    Ok(exit_code(a, &loaded))
}
