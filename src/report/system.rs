//! The machine a report was measured on, beyond the adapter: CPU model, OS, the wgpu the binary
//! was built with, and the load average before and after the run — on a CPU adapter (lavapipe,
//! llvmpipe, SwiftShader) anything else running takes the adapter's cores, and a reader should
//! know whether the figures had the machine to themselves.

use serde::{Deserialize, Serialize};

/// What the report knows of the system around the adapter.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SystemInfo {
    /// CPU model (`/proc/cpuinfo`'s model name on Linux; empty where unknown).
    pub cpu: String,
    /// Logical CPUs.
    pub cpu_threads: usize,
    /// OS name and version (`/etc/os-release`'s PRETTY_NAME and the kernel release on Linux).
    pub os: String,
    /// The wgpu version the binary was built with (from the crate's Cargo.lock).
    pub wgpu_version: String,
    /// 1-, 5- and 15-minute load averages before the run (Linux; absent elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_before: Option<[f64; 3]>,
    /// The same after the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_after: Option<[f64; 3]>,
}

/// The wgpu version in `lock` (a Cargo.lock's text), if it lists wgpu.
pub fn wgpu_version_in(lock: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l.trim() == "name = \"wgpu\"" {
            let v = lines.next()?.trim();
            return Some(
                v.strip_prefix("version = \"")?
                    .trim_end_matches('"')
                    .to_string(),
            );
        }
    }
    None
}

/// The wgpu version this crate was built with.
pub fn wgpu_version() -> String {
    wgpu_version_in(include_str!("../../Cargo.lock")).unwrap_or_else(|| "unknown".into())
}

/// The load averages now (Linux's `/proc/loadavg`; `None` elsewhere).
pub fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut it = text.split_whitespace().map(|x| x.parse::<f64>().ok());
    Some([it.next()??, it.next()??, it.next()??])
}

impl SystemInfo {
    /// What can be read of this machine now; `load_before` is the current load average.
    pub fn detect() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_default();
        let pretty = std::fs::read_to_string("/etc/os-release")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                    .map(|v| v.trim_matches('"').to_string())
            });
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|k| k.trim().to_string());
        let os = match (pretty, kernel) {
            (Some(p), Some(k)) => format!("{p} (kernel {k})"),
            (Some(p), None) => p,
            _ => format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        };
        Self {
            cpu,
            cpu_threads: std::thread::available_parallelism().map_or(0, |n| n.get()),
            os,
            wgpu_version: wgpu_version(),
            load_before: load_average(),
            load_after: None,
        }
    }

    /// One line: `CPU … (n threads) · OS … · wgpu …`.
    pub fn line(&self) -> String {
        let cpu = if self.cpu.is_empty() {
            "CPU unknown".to_string()
        } else {
            self.cpu.clone()
        };
        format!(
            "{cpu} ({} threads) · {} · wgpu {}",
            self.cpu_threads, self.os, self.wgpu_version
        )
    }

    /// The load averages before and after, as text (`before 1.2 / 0.9 / 0.8 → after …`).
    pub fn load_text(&self) -> Option<String> {
        let f = |l: &[f64; 3]| format!("{:.2} / {:.2} / {:.2}", l[0], l[1], l[2]);
        match (&self.load_before, &self.load_after) {
            (Some(b), Some(a)) => {
                Some(format!("before {} → after {} (1 / 5 / 15 min)", f(b), f(a)))
            }
            (Some(b), None) => Some(format!("before {} (1 / 5 / 15 min)", f(b))),
            _ => None,
        }
    }
}
