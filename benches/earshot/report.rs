//! The results table.

use std::time::Duration;

/// Rows of (section, measure, value, target).
#[derive(Default)]
pub struct Table {
    rows: Vec<[String; 4]>,
}

impl Table {
    /// Add one figure.
    pub fn add(&mut self, section: &str, measure: &str, value: String, target: &str) {
        eprintln!("  {section} | {measure}: {value}");
        self.rows
            .push([section.into(), measure.into(), value, target.into()]);
    }

    /// Aligned text.
    pub fn render(&self) -> String {
        let header = ["section", "measure", "value", "target"].map(String::from);
        let all: Vec<&[String; 4]> = std::iter::once(&header).chain(&self.rows).collect();
        let widths: Vec<usize> = (0..4)
            .map(|i| all.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in all {
            for (i, cell) in row.iter().enumerate() {
                out.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
            out.push('\n');
        }
        out
    }
}

/// "12.3 ms" / "1.23 s".
pub fn duration(d: Duration) -> String {
    if d.as_secs_f64() >= 1.0 {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.2} ms", d.as_secs_f64() * 1000.0)
    }
}

/// Median of repeated timings of `f`, after one warm-up call.
pub fn median_time(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = std::time::Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}
