//! The progress bar on standard error: shown only on a terminal, only once a run has taken
//! about a second, and never with `--quiet`, so scripts and quick runs see nothing.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs shorter than this show no bar.
const DELAY: Duration = Duration::from_secs(1);

/// A progress bar that appears after [`DELAY`].
pub struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    shown: AtomicBool,
}

impl Progress {
    /// A bar counting replications up to `total` (a counter if unknown); inert when
    /// `quiet` or when standard error is not a terminal.
    pub fn new(quiet: bool, total: Option<u64>) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
            let style = match total {
                Some(_) => ProgressStyle::with_template(
                    "{elapsed:>4} [{wide_bar}] {human_pos}/{human_len} replications, {eta} left",
                ),
                None => {
                    ProgressStyle::with_template("{elapsed:>4} {spinner} {human_pos} replications")
                }
            };
            if let Ok(style) = style {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    /// Counts `n` more finished replications.
    pub fn advance(&self, n: u64) {
        let Some(bar) = &self.bar else { return };
        bar.inc(n);
        if self.start.elapsed() >= DELAY && !self.shown.swap(true, Ordering::Relaxed) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Removes the bar before results are printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
