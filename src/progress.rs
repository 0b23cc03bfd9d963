//! Progress for long work (`poll`, `customers import`, `eval`), drawn on stderr only when
//! stderr is a terminal: a pipe, a log file or a test sees nothing of it, so scripts read
//! the same output as before. Cleared when done; the command's own report follows.

use std::borrow::Cow;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressFinish, ProgressStyle};

/// One bar or spinner; hidden when stderr is not a terminal.
#[derive(Clone)]
pub struct Progress(ProgressBar);

impl Progress {
    /// A bar of `total` steps, e.g. `total` sources or rows, labelled `what`.
    pub fn bar(total: u64, what: &str) -> Progress {
        Progress::bar_on(total, what, std::io::stderr().is_terminal())
    }

    /// As [`Progress::bar`], drawn only when `terminal`.
    pub fn bar_on(total: u64, what: &str, terminal: bool) -> Progress {
        if !terminal {
            return Progress(ProgressBar::hidden());
        }
        // Dropped on an error path, it is cleared rather than left half drawn.
        let bar = ProgressBar::new(total).with_finish(ProgressFinish::AndClear);
        let template = format!("{what} [{{bar:30}}] {{pos}}/{{len}} {{msg}}");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        // Redrawn even while one long step runs, so the terminal never looks stuck.
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress(bar)
    }

    /// Whether nothing is drawn.
    pub fn is_hidden(&self) -> bool {
        self.0.is_hidden()
    }

    /// The total, once known.
    pub fn set_total(&self, total: u64) {
        self.0.set_length(total);
    }

    /// `n` more steps done.
    pub fn advance(&self, n: u64) {
        self.0.inc(n);
    }

    /// `done` steps done so far.
    pub fn set_done(&self, done: u64) {
        self.0.set_position(done);
    }

    /// What is going on now (e.g. the sources still being read).
    pub fn say(&self, message: impl Into<Cow<'static, str>>) {
        self.0.set_message(message);
    }

    /// Remove the bar: the command's report takes its place.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_drawn_off_a_terminal() {
        let bar = Progress::bar_on(3, "polling", false);
        assert!(bar.is_hidden());
        bar.advance(1);
        bar.finish();
    }
}
