//! The progress bar of a run on a terminal (`check` without `--quiet`, in the human format):
//! drawn on the error stream, only once a run has taken more than a second, and only when the
//! command line asks for it ([`Progress::new`]'s `wanted`). As a [`Screen`] it steps aside
//! while the terminal report prints a file.

use crate::registry::Lang;
use crate::write::sinks::Screen;

/// A progress bar on stderr, drawn only once a run has taken more than a second.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    pub fn new(lang: Lang, total: usize, wanted: bool) -> Progress {
        let bar = wanted.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::hidden(),
            );
            let template = format!(
                "{{bar:40}} {{pos}}/{{len}} {}",
                crate::registry::Words::of(lang).progress
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            start: std::time::Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// One more file done.
    pub fn tick(&self) {
        let Some(bar) = &self.bar else { return };
        if self.start.elapsed() > std::time::Duration::from_secs(1)
            && !self.shown.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        bar.inc(1);
    }
}

impl Screen for Progress {
    fn clear_for(&self, print: &mut dyn FnMut()) {
        match &self.bar {
            Some(bar) if self.drawn() => bar.suspend(print),
            _ => print(),
        }
    }

    fn drawn(&self) -> bool {
        self.shown.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn close(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
