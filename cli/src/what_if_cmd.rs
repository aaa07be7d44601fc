//! `truexp what-if`: a shop's score had some of its orders gone
//! differently, or N days ahead at its recent rates.
//!
//! Why its own command: the question has its own inputs (the changes, a
//! scenario file, the days ahead); loading is shared with every scoring
//! command ([`crate::load`]), the answer is the core's `Engine::what_if`.

use truexp::what_if::{Change, Delta, Projection, Scenario, WhatIf};

use crate::load::{self, load, Common};

/// The arguments of `truexp what-if`.
#[derive(clap::Args, Debug)]
pub struct WhatIfArgs {
    /// Events files, JSON Lines or Parquet (one; with --snapshot, any
    /// number), then the shop's id
    #[arg(value_name = "EVENTS… SHOP", required = true)]
    args: Vec<String>,
    /// ORDER=RESOLUTION, repeatable: refund_completed_within:HOURS,
    /// dispute_won, picked_up_in_time, delivered_within:HOURS, appeal_review,
    /// appeal_dispute, appeal_label:LABEL
    #[arg(long = "resolve", value_name = "ORDER=RESOLUTION", value_parser = parse_change, action = clap::ArgAction::Append)]
    resolve: Vec<Change>,
    /// A scenario in JSON ({"changes":[...],"next_days":{...}}); --resolve
    /// changes are applied after its own
    #[arg(long, value_name = "FILE")]
    scenario: Option<String>,
    /// Score the shop N days after as_of, the days ahead at its recent daily rates
    #[arg(long, value_name = "N")]
    next_days: Option<u32>,
    /// The days whose daily average each day ahead repeats [default: 30]
    #[arg(long, value_name = "B", requires = "next_days")]
    basis_days: Option<u32>,
    #[command(flatten)]
    common: Common,
}

fn parse_change(v: &str) -> Result<Change, String> {
    v.parse()
}

/// The scenario of `--scenario`, `--resolve` and `--next-days`.
fn scenario(a: &WhatIfArgs) -> Result<Scenario, String> {
    let mut s = match &a.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            Scenario::from_json(&text).map_err(|e| format!("{path}: {e}"))?
        }
        None => Scenario::default(),
    };
    s.changes.extend(a.resolve.iter().cloned());
    if let Some(days) = a.next_days {
        s.next_days = Some(Projection {
            days,
            basis_days: a.basis_days.unwrap_or(30),
        });
    }
    if s.changes.is_empty() && s.next_days.is_none() {
        return Err(format!(
            "give at least one --resolve ORDER=RESOLUTION, --next-days N or --scenario FILE\n{}",
            crate::usage("what-if")
        ));
    }
    Ok(s)
}

/// `truexp what-if EVENTS SHOP --resolve ORDER=RESOLUTION …`.
pub fn run(args: &WhatIfArgs) -> Result<i32, String> {
    let a = &args.common;
    let (files, shop) = load::split_shop(a, &args.args, "what-if")?;
    let scenario = scenario(args)?;
    let loaded = load(a, files)?;
    let w = loaded
        .engine
        .what_if(shop, loaded.as_of, &scenario)
        .map_err(|e| e.to_string())?;
    load::answer(a, &loaded, &w, print_what_if)
}

fn delta(d: &Delta, digits: usize) -> String {
    format!(
        "{:.digits$} -> {:.digits$} ({:+.digits$})",
        d.before, d.after, d.delta
    )
}

fn print_what_if(w: &WhatIf) {
    let when = if w.after_as_of == w.as_of {
        format!("as of {}", w.as_of)
    } else {
        format!("as of {}, then at {}", w.as_of, w.after_as_of)
    };
    println!("what-if for shop {} ({when})", w.shop_id);
    println!("  overall       {}", delta(&w.overall, 2));
    println!("  stars         {}", delta(&w.stars, 1));
    println!(
        "  grade         {} -> {}",
        w.grade_before.name(),
        w.grade_after.name()
    );
    println!(
        "  problem rate  {} ({} -> {} problem orders)",
        delta(&w.problem_rate, 4),
        w.problem_orders.0,
        w.problem_orders.1
    );
    println!("  blocks:");
    for b in &w.blocks {
        println!("    {:<28} {}", b.name, delta(&b.score, 3));
    }
    println!("  indicators (score):");
    for i in w.indicators.iter().filter(|i| i.score.delta != 0.0) {
        println!("    {:<28} {}", i.name, delta(&i.score, 3));
    }
    if !w.changes.is_empty() {
        println!("  changes:");
        for c in &w.changes {
            let effect = if c.changed {
                "changed"
            } else {
                "no change (already so, or not counted)"
            };
            println!("    {}={}  {effect}", c.order_id, c.resolution);
        }
    }
}
