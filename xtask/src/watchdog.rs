//! Regen's backstop: the spec's bounds (size, depth, weight; codegen's `load`
//! and `validate`) keep regen of any spec within seconds, but a shape nobody
//! foresaw could still make it run for minutes or fill memory. A thread checks
//! the time and resident memory every 50 ms and, until the first file is
//! written, ends the process with an error when either passes its limit; once
//! writing has begun it never interrupts (no partial write).
//!
//! Limits: 25 s and 900 MiB by default (regen of today's spec: ~1.5 s, ~60 MB;
//! the largest spec the bounds admit: ~10 s, ~600 MB, BENCHMARKS.md), overridden
//! by `OZ_REGEN_WATCHDOG_SECS` and `OZ_REGEN_WATCHDOG_MIB`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEFAULT_SECS: u64 = 25;
const DEFAULT_MIB: u64 = 900;

/// Started by [`start`]; [`Watchdog::writing`] disarms it.
pub struct Watchdog {
    /// True once writing has begun; the watchdog holds the lock while it exits.
    writing: Arc<Mutex<bool>>,
}

/// Starts the watchdog thread.
pub fn start() -> Result<Watchdog, codegen::Error> {
    let secs = crate::env_number("OZ_REGEN_WATCHDOG_SECS", DEFAULT_SECS)?;
    let mib = crate::env_number("OZ_REGEN_WATCHDOG_MIB", DEFAULT_MIB)?;
    let writing = Arc::new(Mutex::new(false));
    let flag = writing.clone();
    let started = Instant::now();
    std::thread::spawn(move || {
        loop {
            let over = if started.elapsed() > Duration::from_secs(secs) {
                Some(format!("regen ran longer than {secs} s"))
            } else {
                resident_mib()
                    .filter(|used| *used > mib)
                    .map(|used| format!("regen used {used} MiB of memory, more than {mib} MiB"))
            };
            if let Some(over) = over {
                let writing = flag.lock().unwrap_or_else(|e| e.into_inner());
                if *writing {
                    return;
                }
                eprintln!(
                    "error: {over}, stopped before writing anything\n  hint: the spec has a shape \
                     regen's bounds do not foresee; report it with the spec. To let it run, set \
                     OZ_REGEN_WATCHDOG_SECS / OZ_REGEN_WATCHDOG_MIB higher\nnothing was written"
                );
                std::process::exit(1);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    Ok(Watchdog { writing })
}

impl Watchdog {
    /// From now on the watchdog never ends the process.
    pub fn writing(&self) {
        *self.writing.lock().unwrap_or_else(|e| e.into_inner()) = true;
    }
}

/// The process's resident memory (`VmRSS` in /proc/self/status); None where
/// there is no /proc (then only time is watched).
fn resident_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
