//! `--svg FILE` on `history`, `at-risk` and `impact`: the same answer drawn
//! for people who look rather than read.
//!
//! Why our own writer instead of a plotting crate: three fixed chart shapes
//! (a daily line with threshold lines, horizontal bars against a threshold,
//! grouped bars per category) are a few hundred lines of text; plotters and
//! its kin bring font and raster back ends the CLI never uses. The output is
//! plain SVG 1.1, every text escaped, and deterministic: the same answer
//! gives the same bytes (fixed decimals, no clock, no random ids). Each mark
//! carries a `<title>`, so a browser shows the exact figure on hover. Money
//! is printed from its integer minor units; floating point only places
//! marks on the page.

use std::fmt::Write as _;

use truexp::config::GradeConfig;
use truexp::history::ScoreHistory;
use truexp::impact::ImpactReport;
use truexp::warning::{Warning, WarningOptions};

const FONT: &str = "font-family=\"sans-serif\"";
const LINE: &str = "#1f5fa8";
const GOOD: &str = "#2e8b57";
const WARN: &str = "#d98c00";
const BAD: &str = "#c0392b";
const GRID: &str = "#dddddd";
const INK: &str = "#222222";
const MUTED: &str = "#777777";

/// At most this many rows in an at-risk chart; the rest are counted in a
/// footnote (the table or `--json` has them all).
pub const MAX_ROWS: usize = 40;

/// An SVG document being written: marks are appended in drawing order.
struct Canvas {
    width: f64,
    height: f64,
    body: String,
}

impl Canvas {
    fn new(width: f64, height: f64, title: &str) -> Canvas {
        let mut c = Canvas {
            width,
            height,
            body: String::new(),
        };
        c.rect(0.0, 0.0, width, height, "#ffffff", None);
        c.text(width / 2.0, 24.0, "middle", 15.0, INK, title);
        c
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, title: Option<&str>) {
        let _ = write!(
            self.body,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"",
            w.max(0.0),
            h.max(0.0)
        );
        self.close_with_title(title, "rect");
    }

    fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, dashed: bool) {
        let _ = writeln!(
            self.body,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{stroke}\" stroke-width=\"1\"{}/>",
            if dashed { " stroke-dasharray=\"6 4\"" } else { "" }
        );
    }

    fn polyline(&mut self, points: &[(f64, f64)], stroke: &str) {
        if points.is_empty() {
            return;
        }
        let mut pts = String::new();
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(pts, "{}{x:.1},{y:.1}", if i == 0 { "" } else { " " });
        }
        let _ = writeln!(
            self.body,
            "<polyline points=\"{pts}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2\"/>"
        );
    }

    fn dot(&mut self, (x, y): (f64, f64), fill: &str, title: &str) {
        let _ = write!(
            self.body,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"{fill}\""
        );
        self.close_with_title(Some(title), "circle");
    }

    fn text(&mut self, x: f64, y: f64, anchor: &str, size: f64, fill: &str, text: &str) {
        let _ = writeln!(
            self.body,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" font-size=\"{size:.0}\" fill=\"{fill}\" {FONT}>{}</text>",
            escape(text)
        );
    }

    fn close_with_title(&mut self, title: Option<&str>, element: &str) {
        match title {
            Some(t) => {
                let _ = writeln!(self.body, "><title>{}</title></{element}>", escape(t));
            }
            None => self.body.push_str("/>\n"),
        }
    }

    fn finish(self) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\">\n{}</svg>\n",
            self.body,
            w = self.width,
            h = self.height
        )
    }
}

/// Text as SVG character data or attribute value.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Maps `[lo, hi]` onto `[a, b]` (pixels); a flat range maps to the middle.
fn scale(v: f64, (lo, hi): (f64, f64), (a, b): (f64, f64)) -> f64 {
    if hi > lo {
        a + (v - lo) / (hi - lo) * (b - a)
    } else {
        (a + b) / 2.0
    }
}

/// Writes `svg` to `path`; the error names the file.
pub fn write(path: &str, svg: &str) -> Result<(), String> {
    std::fs::write(path, svg).map_err(|e| format!("--svg {path}: {e}"))
}

/// A shop's daily experience score, with the grade floors as dashed lines.
pub fn history_chart(h: &ScoreHistory, grades: &GradeConfig) -> String {
    let (width, height) = (820.0, 380.0);
    let (left, right, top, bottom) = (60.0, 150.0, 44.0, 56.0);
    let mut c = Canvas::new(
        width,
        height,
        &format!(
            "shop {} ({}): experience score, {} days to {}, each as known that day",
            h.shop_id,
            h.category,
            h.days,
            h.points.last().map_or("—", |p| p.date.as_str())
        ),
    );
    let overall = h.points.iter().map(|p| p.overall);
    let lo = overall
        .clone()
        .fold(grades.medium, f64::min)
        .min(grades.high)
        - 0.1;
    let hi = overall.fold(grades.high, f64::max) + 0.1;
    let y_range = ((lo * 10.0).floor() / 10.0, (hi * 10.0).ceil() / 10.0);
    let x_px = (left, width - right);
    let y_px = (height - bottom, top);
    // horizontal grid with labels, five steps
    for i in 0..=5 {
        let v = y_range.0 + (y_range.1 - y_range.0) * f64::from(i) / 5.0;
        let y = scale(v, y_range, y_px);
        c.line((left, y), (width - right, y), GRID, false);
        c.text(left - 8.0, y + 4.0, "end", 11.0, MUTED, &format!("{v:.2}"));
    }
    for (floor, name, colour) in [(grades.high, "high", GOOD), (grades.medium, "medium", WARN)] {
        let y = scale(floor, y_range, y_px);
        c.line((left, y), (width - right, y), colour, true);
        c.text(
            width - right + 6.0,
            y + 4.0,
            "start",
            11.0,
            colour,
            &format!("grade {name} ≥ {floor:.2}"),
        );
    }
    let n = h.points.len();
    let x_range = (0.0, n.saturating_sub(1) as f64);
    let points: Vec<(f64, f64)> = h
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                scale(i as f64, x_range, x_px),
                scale(p.overall, y_range, y_px),
            )
        })
        .collect();
    c.polyline(&points, LINE);
    for (p, &xy) in h.points.iter().zip(&points) {
        let colour = match p.grade.name() {
            "high" => GOOD,
            "medium" => WARN,
            _ => BAD,
        };
        c.dot(
            xy,
            colour,
            &format!(
                "{}: {:.2} ({:+.2}), grade {}, problem-order rate {:.2}%",
                p.date,
                p.overall,
                p.change,
                p.grade.name(),
                p.problem_rate * 100.0
            ),
        );
    }
    // dates: first, middle, last
    let mut ticks = vec![0, n / 2, n.saturating_sub(1)];
    ticks.dedup();
    for i in ticks.into_iter().filter(|&i| i < n) {
        let x = points[i].0;
        c.line(
            (x, height - bottom),
            (x, height - bottom + 5.0),
            MUTED,
            false,
        );
        c.text(
            x,
            height - bottom + 20.0,
            "middle",
            11.0,
            MUTED,
            &h.points[i].date,
        );
    }
    c.line(
        (left, height - bottom),
        (width - right, height - bottom),
        INK,
        false,
    );
    c.text(
        left,
        height - 12.0,
        "start",
        11.0,
        MUTED,
        "dots: the score on each day (green: grade high, amber: medium, red: low)",
    );
    c.finish()
}

/// One bar of an at-risk chart.
struct RiskRow {
    label: String,
    margin: Option<u64>,
    note: String,
}

fn risk_rows(warnings: &[Warning]) -> Vec<RiskRow> {
    let note_of = |w: &Warning| match w.points_above_grade_floor {
        Some(p) => format!(
            "{:.2}, grade {}, {p:.2} pts above its floor",
            w.overall,
            w.grade.name()
        ),
        None => format!("{:.2}, grade {} (lowest)", w.overall, w.grade.name()),
    };
    let what = |m: &truexp::warning::Margin| match (&m.standard, &m.tier) {
        (Some(s), Some(t)) => format!("{s} {t}, {} {}/{}", m.metric, m.numerator, m.denominator),
        _ => format!(
            "{}, {} {}/{}",
            m.kind.replace('_', " "),
            m.metric,
            m.numerator,
            m.denominator
        ),
    };
    if let [w] = warnings {
        // one shop: every standing it holds
        return w
            .margins
            .iter()
            .map(|m| RiskRow {
                label: what(m),
                margin: m.margin,
                note: String::new(),
            })
            .collect();
    }
    warnings
        .iter()
        .map(|w| {
            let tightest = w
                .margins
                .iter()
                .min_by_key(|m| m.margin.unwrap_or(u64::MAX));
            RiskRow {
                label: match tightest {
                    Some(m) => format!("{} — {}", w.shop_id, what(m)),
                    None => format!("{} — no standing held", w.shop_id),
                },
                margin: tightest.and_then(|m| m.margin),
                note: note_of(w),
            }
        })
        .collect()
}

/// Shops at risk (or one shop's standings): each bar is how many more bad
/// orders a standing survives; the dashed line is the at-risk threshold.
pub fn at_risk_chart(warnings: &[Warning], opts: &WarningOptions, title: &str) -> String {
    let rows = risk_rows(warnings);
    let shown = rows.len().min(MAX_ROWS);
    let row_h = 22.0;
    let (left, right, top, bottom) = (360.0, 230.0, 60.0, 50.0);
    let width = 1000.0;
    let height = top + bottom + row_h * shown.max(1) as f64;
    let mut c = Canvas::new(width, height, title);
    let max_margin = rows
        .iter()
        .filter_map(|r| r.margin)
        .max()
        .unwrap_or(0)
        .max(opts.within_orders.saturating_mul(2))
        .max(4);
    let x_range = (0.0, max_margin as f64);
    let x_px = (left, width - right);
    let threshold = scale(opts.within_orders as f64, x_range, x_px);
    c.text(
        left,
        top - 12.0,
        "start",
        11.0,
        MUTED,
        "bar: more bad orders the standing survives (0: the next one loses it)",
    );
    for (i, r) in rows.iter().take(shown).enumerate() {
        let y = top + row_h * i as f64;
        let (end, colour, figure) = match r.margin {
            Some(m) => (
                scale(m as f64, x_range, x_px),
                if m <= opts.within_orders { BAD } else { GOOD },
                m.to_string(),
            ),
            None => (width - right, GRID, "cannot be lost".to_owned()),
        };
        c.text(left - 8.0, y + 15.0, "end", 11.0, INK, &r.label);
        c.rect(
            left,
            y + 4.0,
            (end - left).max(2.0),
            row_h - 8.0,
            colour,
            Some(&format!("{}: {figure}", r.label)),
        );
        let tail = if r.note.is_empty() {
            figure
        } else {
            format!("{figure} · {}", r.note)
        };
        c.text(end + 6.0, y + 15.0, "start", 11.0, MUTED, &tail);
    }
    let bottom_y = top + row_h * shown.max(1) as f64;
    c.line((threshold, top), (threshold, bottom_y), BAD, true);
    c.text(
        threshold,
        bottom_y + 16.0,
        "middle",
        11.0,
        BAD,
        &format!("at risk ≤ {}", opts.within_orders),
    );
    if rows.len() > shown {
        c.text(
            left,
            height - 10.0,
            "start",
            11.0,
            MUTED,
            &format!(
                "{} more not drawn (the table or --json lists them all)",
                rows.len() - shown
            ),
        );
    }
    c.finish()
}

/// Per category, the low-problem group against the high-problem group:
/// repurchase rate on the left, net GMV per shop on the right.
pub fn impact_chart(r: &ImpactReport) -> String {
    let row_h = 34.0;
    let (top, bottom) = (76.0, 40.0);
    let label_w = 120.0;
    let panel_w = 330.0;
    let gap = 120.0;
    let width = label_w + 2.0 * panel_w + gap + 40.0;
    let height = top + bottom + row_h * r.comparisons.len().max(1) as f64;
    let mut c = Canvas::new(
        width,
        height,
        &format!(
            "service → growth, orders paid on the last {} days: lowest {:.0}% problem-order rates (green) vs highest (red)",
            r.window_days,
            r.group_share * 100.0
        ),
    );
    let max_rate = r
        .comparisons
        .iter()
        .flat_map(|c| {
            [
                c.low_problem.repurchase_rate,
                c.high_problem.repurchase_rate,
            ]
        })
        .fold(0.0, f64::max);
    let panels = [
        (label_w, "repurchase rate"),
        (
            label_w + panel_w + gap,
            "net GMV per shop (each category on its own scale)",
        ),
    ];
    for (x, name) in panels {
        c.text(x, top - 16.0, "start", 12.0, INK, name);
    }
    let ratio = |r: Option<f64>| r.map_or("—".to_owned(), |r| format!("{r:.2}×"));
    for (i, cmp) in r.comparisons.iter().enumerate() {
        let y = top + row_h * i as f64;
        let name = if cmp.category == "*" {
            "(all)"
        } else {
            cmp.category.as_str()
        };
        c.text(label_w - 8.0, y + 20.0, "end", 11.0, INK, name);
        let bars = [
            (
                panels[0].0,
                [
                    cmp.low_problem.repurchase_rate,
                    cmp.high_problem.repurchase_rate,
                ]
                .map(|v| {
                    (
                        scale(v, (0.0, max_rate), (0.0, panel_w - 60.0)),
                        format!("{:.1}%", v * 100.0),
                    )
                }),
                ratio(cmp.repurchase_ratio),
            ),
            (
                panels[1].0,
                {
                    // net GMV differs by orders of magnitude between
                    // categories: each pair is drawn on its own scale
                    let pair = [
                        cmp.low_problem.net_gmv_per_shop,
                        cmp.high_problem.net_gmv_per_shop,
                    ];
                    let max_gmv = pair.into_iter().fold(0, |m, v| m.max(v.minor_units()));
                    // display only: a bar's length, never an amount
                    pair.map(|v| {
                        (
                            scale(
                                v.minor_units() as f64,
                                (0.0, max_gmv as f64),
                                (0.0, panel_w - 60.0),
                            ),
                            v.to_string(),
                        )
                    })
                },
                ratio(cmp.net_gmv_ratio),
            ),
        ];
        for (x, [(low_w, low_t), (high_w, high_t)], ratio) in bars {
            c.rect(
                x,
                y + 4.0,
                low_w.max(1.0),
                12.0,
                GOOD,
                Some(&format!("{name}, low problem-order rate: {low_t}")),
            );
            c.rect(
                x,
                y + 17.0,
                high_w.max(1.0),
                12.0,
                BAD,
                Some(&format!("{name}, high problem-order rate: {high_t}")),
            );
            c.text(
                x + low_w.max(high_w) + 6.0,
                y + 21.0,
                "start",
                11.0,
                MUTED,
                &ratio,
            );
        }
    }
    c.text(
        label_w,
        height - 12.0,
        "start",
        11.0,
        MUTED,
        "after each pair: low group ÷ high group (the platform publishes about 2× for both); hover a bar for its value",
    );
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("x\u{1}y"), "x\u{fffd}y");
    }

    #[test]
    fn a_flat_range_maps_to_the_middle() {
        assert_eq!(scale(3.0, (3.0, 3.0), (0.0, 100.0)), 50.0);
        assert_eq!(scale(5.0, (0.0, 10.0), (100.0, 0.0)), 50.0);
    }
}
