//! `truexp standard`, `truexp list`, `truexp impact` and `truexp at-risk`:
//! seller standards, the good-service list, the service → growth report and
//! the early warning.
//!
//! Why beside `score_cmd`: the same loading and flags, different questions —
//! "which tier does this shop stand in", "who makes the list" and "does good
//! service pay".

use truexp::good_service::{Exclusion, GoodServiceList};
use truexp::impact::ImpactOptions;
use truexp::standards::{presets, Standard, StandardReport};
use truexp::warning::{Warning, WarningOptions};

use crate::load::{check_files, exit_code, load, Common};

/// `truexp standard`'s arguments.
#[derive(clap::Args, Debug)]
pub struct StandardArgs {
    /// Events files, JSON Lines or Parquet (one; with --snapshot, any
    /// number), then the shop's id
    #[arg(value_name = "EVENTS… SHOP", required = true)]
    args: Vec<String>,
    /// A published standard: amazon, ebay or tmall
    #[arg(long, value_name = "amazon|ebay|tmall")]
    preset: Option<String>,
    /// A standard of your own (JSON)
    #[arg(long, value_name = "FILE")]
    standard: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// `truexp list`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Events files, JSON Lines or Parquet (one; with --snapshot, any number)
    #[arg(value_name = "EVENTS")]
    files: Vec<String>,
    /// Only this category
    #[arg(long, value_name = "C")]
    category: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// `truexp impact`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ImpactArgs {
    /// Events files, JSON Lines or Parquet (one; with --snapshot, any number)
    #[arg(value_name = "EVENTS")]
    files: Vec<String>,
    /// Orders paid on the last N days [default: 90]
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = crate::integer)]
    window_days: Option<i64>,
    /// Share of each category's ranked shops in each group [default: 0.25]
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    group_share: Option<String>,
    /// Also draw the comparison per category as an SVG picture
    #[arg(long, value_name = "FILE")]
    svg: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// `truexp at-risk`'s arguments.
#[derive(clap::Args, Debug)]
pub struct AtRiskArgs {
    /// Events files, JSON Lines or Parquet (one; with --snapshot, any number)
    #[arg(value_name = "EVENTS")]
    files: Vec<String>,
    /// This shop's margins, at risk or not
    #[arg(long, value_name = "SHOP")]
    shop: Option<String>,
    /// Standards to watch, comma-separated: amazon, ebay, tmall
    #[arg(long, value_name = "amazon,ebay,tmall")]
    preset: Option<String>,
    /// At risk within N more bad orders [default: 2]
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = crate::integer)]
    within: Option<i64>,
    /// At risk under X points above the grade's floor [default: 0.05]
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    within_points: Option<String>,
    /// Also draw the margins (at most 40 rows) as an SVG picture
    #[arg(long, value_name = "FILE")]
    svg: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// The standard named by `--preset` or read from `--standard FILE`.
fn chosen_standard(a: &StandardArgs) -> Result<Standard, String> {
    match (a.preset.as_deref(), a.standard.as_deref()) {
        (Some(name), None) => presets::named(name).map_err(|e| format!("--preset: {e}")),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            Standard::from_json(&text).map_err(|e| format!("{path}: {e}"))
        }
        (Some(_), Some(_)) => Err("give either --preset or --standard, not both".into()),
        (None, None) => Err(format!(
            "give --preset amazon|ebay|tmall or --standard FILE\n{}",
            crate::usage("standard")
        )),
    }
}

/// `truexp standard FILE SHOP --preset NAME`: the shop's tier and the metrics behind it.
pub fn standard(args: &StandardArgs) -> Result<i32, String> {
    let a = &args.common;
    let (files, shop) = crate::load::split_shop(a, &args.args, "standard")?;
    let std = chosen_standard(args)?;
    let loaded = load(a, files)?;
    let report = loaded
        .engine
        .evaluate_standard(shop, &std, loaded.as_of)
        .map_err(|e| e.to_string())?;
    crate::load::answer(a, &loaded, &report, print_report)
}

fn print_report(r: &StandardReport) {
    println!(
        "shop {} under {} as of {}: {}",
        r.shop_id,
        r.standard,
        r.as_of,
        r.tier.as_deref().unwrap_or("not assessed (too few orders)")
    );
    println!(
        "  {:<40} {:>7} {:>9} {:>9} {:>7} {:>8}",
        "metric", "window", "count", "orders", "buyers", "rate"
    );
    for m in &r.metrics {
        println!(
            "  {:<40} {:>6}d {:>9} {:>9} {:>7} {:>8}{}{}",
            m.metric.name(),
            m.window_days,
            m.numerator,
            m.denominator,
            m.unique_buyers,
            m.display,
            m.category.map_or(String::new(), |(n, d)| format!(
                "  category {}",
                truexp::problem::percent_truncated(n, d)
            )),
            if m.assessed { "" } else { "  not assessed" }
        );
    }
    for t in &r.tiers {
        println!("{} {}", if t.met { "[x]" } else { "[ ]" }, t.tier);
        for rule in &t.rules {
            println!(
                "      {} {:<40} {}",
                if rule.met { "ok " } else { "NO " },
                rule.metric.name(),
                rule.detail
            );
        }
    }
}

/// `truexp list FILE`: the good-service list, per category.
pub fn list(args: &ListArgs) -> Result<i32, String> {
    let a = &args.common;
    check_files(a, &args.files, "list")?;
    let loaded = load(a, &args.files)?;
    let list = loaded
        .engine
        .good_service_list(loaded.as_of, args.category.as_deref());
    crate::load::answer(a, &loaded, &list, print_list)
}

fn print_list(list: &GoodServiceList) {
    println!("good-service list as of {} (UTC seconds)", list.as_of);
    if list.categories.is_empty() {
        println!("no shops");
    }
    for c in &list.categories {
        println!(
            "\n{} (category problem-order rate {}): {} listed, {} left out",
            c.category,
            c.category_mean,
            c.shops.len(),
            c.excluded.len()
        );
        for s in &c.shops {
            println!(
                "  {:>3}. {:<12} score {:.2}  problem rate {:>7} ({} / {})",
                s.rank,
                s.shop_id,
                s.overall,
                s.problem_rate,
                s.problem_orders,
                s.problem_window_orders
            );
        }
        for (id, why) in &c.excluded {
            let why = match why {
                Exclusion::TooFewOrders { valid_orders, min } => {
                    format!("{valid_orders} valid orders, {min} needed")
                }
                Exclusion::ProblemRateNotBelowMean => {
                    "problem-order rate not below the category mean".into()
                }
                Exclusion::FakeOrderPenalty => "fake-order penalty".into(),
                Exclusion::BeyondListLength => "beyond the list's length".into(),
            };
            println!("       {id:<12} left out: {why}");
        }
    }
}

/// `truexp impact FILE`: repurchase and net GMV of the shops with the lowest
/// problem-order rates against the highest, per category.
pub fn impact(args: &ImpactArgs) -> Result<i32, String> {
    let a = &args.common;
    check_files(a, &args.files, "impact")?;
    let mut opts = ImpactOptions::default();
    if let Some(n) = args.window_days {
        opts.window_days =
            u32::try_from(n).map_err(|_| format!("--window-days: must be 1 ..= 3660, got {n}"))?;
    }
    if let Some(x) = &args.group_share {
        opts.group_share = x
            .parse()
            .map_err(|_| format!("--group-share expects a number, got `{x}`"))?;
    }
    let loaded = load(a, &args.files)?;
    let report = loaded
        .engine
        .impact(loaded.as_of, &opts)
        .map_err(|e| e.to_string())?;
    if let Some(path) = &args.svg {
        crate::svg::write(path, &crate::svg::impact_chart(&report))?;
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
        return Ok(exit_code(a, &loaded));
    }
    println!(
        "service → growth as of {} (UTC seconds): orders paid on the last {} days; \
         per category the {:.0}% of ranked shops with the lowest problem-order rates \
         against the {:.0}% with the highest",
        report.as_of,
        report.window_days,
        report.group_share * 100.0,
        report.group_share * 100.0
    );
    println!(
        "{:<14} {:>6}  {:>9} {:>9} {:>7}  {:>12} {:>12} {:>7}",
        "category",
        "ranked",
        "repurch.",
        "repurch.",
        "ratio",
        "net GMV/shop",
        "net GMV/shop",
        "ratio"
    );
    println!(
        "{:<14} {:>6}  {:>9} {:>9} {:>7}  {:>12} {:>12} {:>7}",
        "", "shops", "low", "high", "", "low", "high", ""
    );
    let ratio = |r: Option<f64>| r.map_or("—".to_owned(), |r| format!("{r:.2}×"));
    for c in &report.comparisons {
        println!(
            "{:<14} {:>6}  {:>8.1}% {:>8.1}% {:>7}  {:>12} {:>12} {:>7}",
            if c.category == "*" {
                "(all)"
            } else {
                c.category.as_str()
            },
            c.ranked_shops,
            c.low_problem.repurchase_rate * 100.0,
            c.high_problem.repurchase_rate * 100.0,
            ratio(c.repurchase_ratio),
            c.low_problem.net_gmv_per_shop,
            c.high_problem.net_gmv_per_shop,
            ratio(c.net_gmv_ratio)
        );
    }
    Ok(exit_code(a, &loaded))
}

/// `truexp at-risk FILE`: the shops a few more bad orders away from losing
/// their place on the good-service list or their tier under a standard
/// (`--preset`, comma-separated), or near the floor of their grade; with
/// `--shop`, that shop's margins whether at risk or not.
pub fn at_risk(args: &AtRiskArgs) -> Result<i32, String> {
    let a = &args.common;
    check_files(a, &args.files, "at-risk")?;
    let standards = presets::by_names(args.preset.as_deref().unwrap_or(""))
        .map_err(|e| format!("--preset: {e}"))?;
    let mut opts = WarningOptions::default();
    if let Some(n) = args.within {
        opts.within_orders =
            u64::try_from(n).map_err(|_| format!("--within: must be 0 or more, got {n}"))?;
    }
    if let Some(x) = &args.within_points {
        opts.within_points = x
            .parse::<f64>()
            .ok()
            .filter(|p| p.is_finite() && *p >= 0.0)
            .ok_or_else(|| format!("--within-points expects a number ≥ 0, got `{x}`"))?;
    }
    let loaded = load(a, &args.files)?;
    let engine = &loaded.engine;
    let warnings = match args.shop.as_deref() {
        Some(shop) => vec![engine
            .early_warning(shop, loaded.as_of, &standards, &opts)
            .map_err(|e| e.to_string())?],
        None => engine
            .at_risk(loaded.as_of, &standards, &opts)
            .map_err(|e| e.to_string())?,
    };
    if let Some(path) = &args.svg {
        let title = match args.shop.as_deref() {
            Some(shop) => format!("shop {shop}: standings and their margins"),
            None => format!(
                "{} shops at risk: margin of at most {} orders or under {} points above the grade floor",
                warnings.len(),
                opts.within_orders,
                opts.within_points
            ),
        };
        crate::svg::write(path, &crate::svg::at_risk_chart(&warnings, &opts, &title))?;
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&warnings).map_err(|e| e.to_string())?
        );
        return Ok(exit_code(a, &loaded));
    }
    if args.shop.is_none() {
        println!(
            "{} shops at risk as of {} (a margin of at most {} orders, or under {} points above the grade floor)",
            warnings.len(),
            loaded.as_of,
            opts.within_orders,
            opts.within_points
        );
    }
    for w in &warnings {
        print_warning(w);
    }
    Ok(exit_code(a, &loaded))
}

fn print_warning(w: &Warning) {
    let floor = w
        .points_above_grade_floor
        .map_or("lowest grade".to_owned(), |p| {
            format!("{p:.2} points above its floor")
        });
    println!(
        "{} ({}): {:.2}, grade {} — {floor}{}",
        w.shop_id,
        w.category,
        w.overall,
        w.grade.name(),
        if w.at_risk { "  AT RISK" } else { "" }
    );
    for m in &w.margins {
        let what = match (&m.standard, &m.tier) {
            (Some(s), Some(t)) => format!("{s} {t}"),
            _ => m.kind.replace('_', " "),
        };
        let margin = match m.margin {
            None => "no order of the window can lose it".to_owned(),
            Some(0) => "the next bad order loses it".to_owned(),
            Some(k) => format!("keeps it through {k} more bad orders"),
        };
        println!(
            "    {what:<24} {:<40} {:>6}/{:<6} {margin}",
            m.metric, m.numerator, m.denominator
        );
    }
}
