//! The agent's idle sleep, with one wake-up per sleep.
//!
//! tokio's hierarchical timer wheel reaches a timer seconds away in steps: a
//! 10 s sleep wakes the thread about three times (once per wheel level) before
//! it fires. On a gateway that polls every few seconds those extra wake-ups
//! are most of the agent's CPU (each costs ~0.1 ms on the small VMs we
//! measured), so on Linux the agent sleeps on a `timerfd` that the reactor
//! waits on directly: one wake-up, when the time has come. Elsewhere, or if a
//! timerfd cannot be made, it falls back to `tokio::time::sleep`.

use std::time::Duration;

pub struct IdleTimer {
    #[cfg(target_os = "linux")]
    fd: Option<tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>>,
}

impl IdleTimer {
    /// Must be called inside the tokio runtime (it registers with the reactor).
    pub fn new() -> Self {
        #[cfg(target_os = "linux")]
        {
            let fd = linux::timerfd()
                .map_err(
                    |e| tracing::debug!(error = %e, "no timerfd; idle sleeps use tokio's timer"),
                )
                .ok();
            IdleTimer { fd }
        }
        #[cfg(not(target_os = "linux"))]
        IdleTimer {}
    }

    /// Sleep for `d` (at least 1 ms).
    pub async fn sleep(&self, d: Duration) {
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.fd {
            match linux::sleep(fd, d).await {
                Ok(()) => return,
                Err(e) => tracing::debug!(error = %e, "timerfd sleep failed; using tokio's timer"),
            }
        }
        tokio::time::sleep(d.max(Duration::from_millis(1))).await
    }
}

impl Default for IdleTimer {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io;
    use std::os::fd::OwnedFd;
    use std::time::Duration;

    use rustix::time::{
        timerfd_create, timerfd_settime, Itimerspec, TimerfdClockId, TimerfdFlags,
        TimerfdTimerFlags, Timespec,
    };
    use tokio::io::unix::AsyncFd;
    use tokio::io::Interest;

    pub fn timerfd() -> io::Result<AsyncFd<OwnedFd>> {
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        // SAFETY: tokio requires the descriptor to stay open and the same for
        // the AsyncFd's whole life. It is an OwnedFd moved into the AsyncFd:
        // nothing else can close it, its raw fd never changes, and it is
        // closed only when the AsyncFd drops it after deregistering.
        #[allow(unsafe_code)]
        let afd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) };
        afd.map_err(|e| e.into_parts().1)
    }

    pub async fn sleep(fd: &AsyncFd<OwnedFd>, d: Duration) -> io::Result<()> {
        let d = d.max(Duration::from_millis(1));
        let spec = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: Timespec {
                tv_sec: d.as_secs() as i64,
                tv_nsec: d.subsec_nanos() as i64,
            },
        };
        // Re-arming replaces any earlier expiry (e.g. of a sleep that was
        // cancelled by a pushed message).
        timerfd_settime(fd.get_ref(), TimerfdTimerFlags::empty(), &spec)?;
        loop {
            let mut guard = fd.readable().await?;
            let mut buf = [0u8; 8];
            match rustix::io::read(fd.get_ref(), &mut buf) {
                Ok(_) => {
                    // One-shot: nothing more to read until re-armed, so the
                    // next sleep need not try a read to learn that.
                    guard.clear_ready();
                    return Ok(());
                }
                // Readiness left over from an earlier, cancelled sleep.
                Err(rustix::io::Errno::AGAIN) => guard.clear_ready(),
                Err(e) => return Err(e.into()),
            }
        }
    }
}
