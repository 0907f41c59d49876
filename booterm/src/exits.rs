//! Noticing that a pane's program exited, as it happens.
//!
//! tmux learns of its panes' exits from SIGCHLD, and 3.3a now and then misses
//! one (see [`crate::tmux::Tmux::list`]): the pane then looks alive and its
//! `pane-died` hook never fires, so an attached browser would wait for the next
//! reconcile. And when tmux does notice, nothing tells booterm. So booterm
//! watches each pane's program itself with a pidfd (any process it can see, not
//! only its children) and settles the terminal when it exits.

use std::io;
use std::os::fd::OwnedFd;

use rustix::io::Errno;
use rustix::process::{Pid, PidfdFlags, pidfd_open};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// Resolves when process `pid` has exited; at once if there is no such process.
///
/// A pid is only a number: if the program already exited and its pid was reused,
/// this waits for the stranger. The caller then settles a terminal that has
/// already ended, which changes nothing.
pub async fn exited(pid: u32) -> io::Result<()> {
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
        return Ok(());
    };
    let fd = match pidfd_open(pid, PidfdFlags::NONBLOCK) {
        Ok(fd) => fd,
        Err(Errno::SRCH) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    // A pidfd polls readable once its process has terminated.
    let fd = register(fd)?;
    let _ready = fd.readable().await?;
    Ok(())
}

#[allow(unsafe_code)]
fn register(fd: OwnedFd) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: the AsyncFd owns `fd`, an `OwnedFd`: it stays open, and is the
    // same descriptor, until the AsyncFd drops it.
    unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::exited;
    use std::time::Duration;

    #[tokio::test]
    async fn resolves_when_a_process_that_is_not_our_child_exits() {
        // A grandchild: `sh` forks `sleep` and exits, so init (or a subreaper) adopts it.
        let out = std::process::Command::new("sh")
            .args(["-c", "sleep 1 >/dev/null 2>&1 & echo $!"])
            .output()
            .unwrap();
        let pid: u32 = String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let waited = tokio::time::timeout(Duration::from_secs(10), exited(pid)).await;
        assert!(matches!(waited, Ok(Ok(()))), "{waited:?}");
        // Still running: not resolved.
        let mut long = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pending = tokio::time::timeout(Duration::from_millis(300), exited(long.id())).await;
        assert!(pending.is_err(), "resolved while the process runs");
        long.kill().unwrap();
        long.wait().unwrap();
    }

    #[tokio::test]
    async fn resolves_at_once_for_no_such_process() {
        // Beyond the default pid_max (4194304 is the largest possible).
        exited(4_194_305).await.unwrap();
        exited(0).await.unwrap();
    }
}
