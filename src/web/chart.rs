//! GET /chart: sentiment over time, drawn as SVG on the server (no script, no images).
//! One line per source for the weekly average score, and stacked bars of mentions per week
//! by label. The drawing functions are pure: weeks in, markup out.

use std::collections::BTreeSet;

use axum::extract::{Query, State};
use chrono::{NaiveDate, TimeDelta, Utc};
use maud::{html, Markup};
use serde::Deserialize;

use super::csrf::Visitor;
use super::layout::{shell, Nav};
use super::{AppState, WebError};
use crate::store::WeekSentiment;

/// Weeks shown unless `?weeks=` says otherwise.
const DEFAULT_WEEKS: i64 = 12;
/// The longest span offered (two years).
const MAX_WEEKS: i64 = 104;
/// Drawing size in SVG units (scaled to the screen by CSS).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 30.0;
/// Line colours, one per source, in order.
const PALETTE: [&str; 8] = [
    "#1f5fbf", "#d92d20", "#079455", "#dc6803", "#7a5af8", "#0e9384", "#c11574", "#475467",
];

/// `?weeks=`.
#[derive(Debug, Deserialize)]
pub struct Span {
    weeks: Option<i64>,
}

/// GET /chart.
pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(span): Query<Span>,
) -> Result<Markup, WebError> {
    let weeks = span.weeks.unwrap_or(DEFAULT_WEEKS).clamp(1, MAX_WEEKS);
    let since = TimeDelta::try_weeks(weeks)
        .and_then(|span| Utc::now().checked_sub_signed(span))
        .ok_or_else(|| WebError::BadRequest(format!("weeks must be 1 to {MAX_WEEKS}")))?;
    let data = state
        .read(move |s| Ok(s.sentiment_by_week(Some(since))?))
        .await?;
    let body = html! {
        h1 { "Sentiment over time" }
        p {
            @for w in [4, 12, 26, 52] {
                @if w == weeks { strong { (w) " weeks" } } @else { a href={"/chart?weeks=" (w)} { (w) " weeks" } }
                " "
            }
        }
        @if data.is_empty() {
            p.card { "No mentions in this period." }
        } @else {
            h2 { "Average score per week, by source" }
            (average_svg(&data))
            h2 { "Mentions per week, by sentiment" }
            (counts_svg(&data))
        }
    };
    Ok(shell("Chart", Nav::Chart, &visitor, body))
}

/// Every Monday from the first week in `data` to the last.
fn week_axis(data: &[WeekSentiment]) -> Vec<NaiveDate> {
    let (Some(first), Some(last)) = (
        data.iter().map(|w| w.week).min(),
        data.iter().map(|w| w.week).max(),
    ) else {
        return Vec::new();
    };
    let mut weeks = vec![first];
    while let Some(next) = weeks
        .last()
        .filter(|w| **w < last)
        .and_then(|w| w.checked_add_signed(crate::clock::WEEK))
    {
        weeks.push(next);
    }
    weeks
}

fn x_of(index: usize, count: usize) -> f64 {
    LEFT + (index as f64 + 0.5) * (WIDTH - LEFT - RIGHT) / count.max(1) as f64
}

fn x_labels(weeks: &[NaiveDate]) -> Markup {
    let every = weeks.len().div_ceil(8).max(1);
    html! {
        @for (i, w) in weeks.iter().enumerate().filter(|(i, _)| i % every == 0) {
            text x=(fmt(x_of(i, weeks.len()))) y=(fmt(HEIGHT - 10.0)) text-anchor="middle" { (w.format("%b %d")) }
        }
    }
}

/// Lines of the weekly average score (-1 to +1), one per source, with a legend.
pub fn average_svg(data: &[WeekSentiment]) -> Markup {
    let weeks = week_axis(data);
    let sources: BTreeSet<&str> = data.iter().map(|w| w.source.as_str()).collect();
    let plot = HEIGHT - TOP - BOTTOM;
    let y_of = |v: f64| TOP + (1.0 - (v.clamp(-1.0, 1.0) + 1.0) / 2.0) * plot;
    html! {
        svg.chart viewBox={"0 0 " (WIDTH) " " (HEIGHT)} role="img" aria-label="Average sentiment score per week by source" {
            @for v in [-1.0, -0.5, 0.0, 0.5, 1.0] {
                line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(fmt(y_of(v))) y2=(fmt(y_of(v)))
                    stroke=(if v == 0.0 { "#98a2b3" } else { "#eaecf0" }) {}
                text x=(LEFT - 6.0) y=(fmt(y_of(v) + 4.0)) text-anchor="end" { (format!("{v:+.1}")) }
            }
            (x_labels(&weeks))
            @for (n, source) in sources.iter().enumerate() {
                @let colour = PALETTE[n % PALETTE.len()];
                @let points: Vec<(f64, f64, &WeekSentiment)> = weeks.iter().enumerate()
                    .filter_map(|(i, week)| data.iter().find(|d| d.week == *week && d.source == *source)
                        .map(|d| (x_of(i, weeks.len()), y_of(d.average), d)))
                    .collect();
                polyline fill="none" stroke=(colour) stroke-width="2"
                    points=(points.iter().map(|(x, y, _)| format!("{},{}", fmt(*x), fmt(*y))).collect::<Vec<_>>().join(" ")) {}
                @for (x, y, d) in &points {
                    circle cx=(fmt(*x)) cy=(fmt(*y)) r="3.5" fill=(colour) {
                        title { (d.source) ", week of " (d.week) ": average " (format!("{:+.2}", d.average)) " over " (d.count) " mentions" }
                    }
                }
            }
        }
        div.legend {
            @for (n, source) in sources.iter().enumerate() {
                span { (swatch(PALETTE[n % PALETTE.len()])) (source) }
            }
        }
    }
}

/// A bar segment: label index (negative, neutral, positive), top y, height.
type Segment = (usize, f64, f64);

/// Stacked bars: negative, neutral and positive mentions per week, all sources together.
pub fn counts_svg(data: &[WeekSentiment]) -> Markup {
    let weeks = week_axis(data);
    let totals: Vec<[i64; 3]> = weeks
        .iter()
        .map(|week| {
            data.iter()
                .filter(|d| d.week == *week)
                .fold([0; 3], |t, d| {
                    [t[0] + d.negative, t[1] + d.neutral, t[2] + d.positive]
                })
        })
        .collect();
    let most = totals
        .iter()
        .map(|t| t.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let plot = HEIGHT - TOP - BOTTOM;
    let bar = ((WIDTH - LEFT - RIGHT) / weeks.len().max(1) as f64 * 0.6).min(40.0);
    // Each bar's segments, bottom up: (label index, top y, height).
    let bars: Vec<(usize, NaiveDate, Vec<Segment>)> = weeks
        .iter()
        .zip(&totals)
        .enumerate()
        .map(|(i, (week, t))| {
            let mut base = TOP + plot;
            let mut segments = Vec::new();
            for (k, &n) in t.iter().enumerate().filter(|(_, n)| **n > 0) {
                let h = n as f64 / most * plot;
                base -= h;
                segments.push((k, base, h));
            }
            (i, *week, segments)
        })
        .collect();
    let colours = ["#d92d20", "#98a2b3", "#079455"];
    let names = ["negative", "neutral", "positive"];
    html! {
        svg.chart viewBox={"0 0 " (WIDTH) " " (HEIGHT)} role="img" aria-label="Mentions per week by sentiment" {
            line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(TOP + plot) y2=(TOP + plot) stroke="#98a2b3" {}
            text x=(LEFT - 6.0) y=(TOP + 8.0) text-anchor="end" { (most) }
            text x=(LEFT - 6.0) y=(TOP + plot) text-anchor="end" { "0" }
            (x_labels(&weeks))
            @for (i, week, segments) in &bars {
                @for (k, y, h) in segments {
                    rect x=(fmt(x_of(*i, weeks.len()) - bar / 2.0)) y=(fmt(*y)) width=(fmt(bar)) height=(fmt(*h)) fill=(colours[*k]) {
                        title { "Week of " (week) ": " (totals[*i][*k]) " " (names[*k]) }
                    }
                }
            }
        }
        div.legend { @for k in 0..3 { span { (swatch(colours[k])) (names[k]) } } }
    }
}

fn swatch(colour: &str) -> Markup {
    html! { svg width="12" height="12" aria-hidden="true" { rect width="12" height="12" rx="2" fill=(colour) {} } " " }
}

/// Coordinates to one decimal: short markup, exact enough.
fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(day: &str, source: &str, average: f64, counts: [i64; 3]) -> WeekSentiment {
        WeekSentiment {
            week: day.parse().unwrap(),
            source: source.into(),
            count: counts.iter().sum(),
            average,
            negative: counts[0],
            neutral: counts[1],
            positive: counts[2],
        }
    }

    #[test]
    fn one_line_per_source_over_a_continuous_week_axis() {
        let data = [
            week("2026-11-02", "forum", -0.5, [1, 0, 0]),
            week("2026-11-16", "forum", 0.5, [0, 0, 1]),
            week("2026-11-16", "<script>alert(1)</script>", 0.0, [0, 2, 0]),
        ];
        assert_eq!(week_axis(&data).len(), 3);
        let svg = average_svg(&data).into_string();
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(!svg.contains("<script>"), "source names are escaped");
        let bars = counts_svg(&data).into_string();
        assert_eq!(bars.matches("<rect x=").count(), 3);
    }
}
