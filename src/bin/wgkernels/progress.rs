//! Progress on a terminal (spinners and bars), plain lines otherwise.

use crate::*;

/// A spinner for work whose length is not known up front: the count done, the time it has run
/// (ticking, so a long pipeline compile never looks like a hang) and the last item.
pub(crate) fn spinner(what: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{prefix} {spinner} {pos} done, {elapsed} {msg}")
            .expect("static template"),
    );
    pb.set_prefix(what.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(250));
    pb
}

pub(crate) fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {elapsed} {msg}")
            .expect("static template")
            .progress_chars("=> "),
    );
    pb.set_prefix(what.to_string());
    pb
}
