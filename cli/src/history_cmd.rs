//! `truexp history`: a shop's daily score series, each day as it was known
//! that day.
//!
//! Why its own command: the series has its own shape (one row per day);
//! loading is shared with every scoring command ([`crate::load`]), the
//! answer is the core's `Engine::history`.

use truexp::history::ScoreHistory;

use crate::load::{self, load, Common};

/// The arguments of `truexp history`.
#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// Events files, JSON Lines or Parquet (one; with --snapshot, any
    /// number), then the shop's id
    #[arg(value_name = "EVENTS… SHOP", required = true)]
    args: Vec<String>,
    /// Number of days, ending at as_of (1..=400)
    #[arg(long, value_name = "N", default_value_t = 90)]
    days: u32,
    /// Also draw the series, with the grade floors, as an SVG picture
    #[arg(long, value_name = "FILE")]
    svg: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// `truexp history EVENTS SHOP [--days N]`.
pub fn run(args: &HistoryArgs) -> Result<i32, String> {
    let a = &args.common;
    let (files, shop) = load::split_shop(a, &args.args, "history")?;
    let loaded = load(a, files)?;
    let h = loaded
        .engine
        .history(shop, loaded.as_of, args.days)
        .map_err(|e| e.to_string())?;
    if let Some(path) = &args.svg {
        crate::svg::write(
            path,
            &crate::svg::history_chart(&h, &loaded.engine.config().grades),
        )?;
    }
    load::answer(a, &loaded, &h, print_history)
}

fn print_history(h: &ScoreHistory) {
    println!(
        "shop {} ({}): {} days ending at {}, each as known that day",
        h.shop_id, h.category, h.days, h.as_of
    );
    let blocks: Vec<&str> = h
        .points
        .first()
        .map(|p| p.blocks.iter().map(|b| b.name.as_ref()).collect())
        .unwrap_or_default();
    print!(
        "{:<10}  {:>7} {:>5} {:>6} {:>6} {:>8}",
        "date", "overall", "stars", "grade", "change", "problem"
    );
    for b in &blocks {
        print!(" {b:>10}");
    }
    println!();
    for p in &h.points {
        print!(
            "{:<10}  {:>7.2} {:>5.1} {:>6} {:>+6.2} {:>7.2}%",
            p.date,
            p.overall,
            p.stars,
            p.grade.name(),
            p.change,
            p.problem_rate * 100.0
        );
        for b in &p.blocks {
            print!(" {:>10.3}", b.score);
        }
        println!();
    }
}
