//! `run_command` without a client terminal: `/bin/sh -c` as a child in its own
//! process group, stdout and stderr as one stream, the last
//! [`COMMAND_OUTPUT_BYTES`] kept, the whole group killed at the timeout.

use std::path::Path;
use std::time::Duration;

use tokio::io::AsyncReadExt;

/// How long `run_command` may run (the model may ask for less, never more).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);
/// Bytes of a command's output kept (the end of it).
pub const COMMAND_OUTPUT_BYTES: usize = 64 * 1024;

/// A finished command.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub output: String,
    pub truncated: bool,
    pub exit_code: Option<u32>,
    pub signal: Option<String>,
    pub timed_out: bool,
}

impl Run {
    pub(super) fn failed(&self) -> bool {
        self.timed_out || self.exit_code != Some(0)
    }

    /// What the model reads.
    pub fn report(&self) -> String {
        let status = match (self.timed_out, self.exit_code, &self.signal) {
            (true, _, _) => "timed out and was killed".to_owned(),
            (_, Some(c), _) => format!("exit code {c}"),
            (_, None, Some(s)) => format!("killed by {s}"),
            _ => "ended".to_owned(),
        };
        let cut = if self.truncated {
            "(the start of the output was cut)\n"
        } else {
            ""
        };
        format!("{status}\n{cut}{}", self.output)
    }
}

/// Keep the last `max` bytes of `bytes`, starting at a character boundary.
fn tail(bytes: &[u8], max: usize) -> (String, bool) {
    if bytes.len() <= max {
        return (String::from_utf8_lossy(bytes).into_owned(), false);
    }
    let mut start = bytes.len() - max;
    while start < bytes.len() && (bytes[start] & 0xC0) == 0x80 {
        start += 1;
    }
    (String::from_utf8_lossy(&bytes[start..]).into_owned(), true)
}

/// `sh -c command` as a child in its own process group, stdout and stderr as one
/// stream, the whole group killed at the timeout (or when the turn drops this).
pub async fn run_local(command: &str, cwd: &Path, timeout: Duration) -> Result<Run, String> {
    let (reader, writer) = std::io::pipe().map_err(|e| format!("cannot make a pipe: {e}"))?;
    let writer2 = writer
        .try_clone()
        .map_err(|e| format!("cannot make a pipe: {e}"))?;
    let mut child = tokio::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .stdout(writer)
        .stderr(writer2)
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the command: {e}"))?;
    let pgid = child.id();
    // Read on a thread-free async pipe; keep only the tail while reading.
    let mut reader = tokio::net::unix::pipe::Receiver::from_owned_fd(reader.into())
        .map_err(|e| format!("cannot read the command's output: {e}"))?;
    let collect = async {
        let mut kept: Vec<u8> = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    kept.extend_from_slice(&buf[..n]);
                    if kept.len() > 2 * COMMAND_OUTPUT_BYTES {
                        kept.drain(..kept.len() - COMMAND_OUTPUT_BYTES);
                    }
                }
            }
        }
        kept
    };
    let both = async {
        let (kept, status) = tokio::join!(collect, child.wait());
        (kept, status)
    };
    match tokio::time::timeout(timeout, both).await {
        Ok((kept, status)) => {
            use std::os::unix::process::ExitStatusExt;
            let status = status.map_err(|e| format!("cannot wait for the command: {e}"))?;
            let (output, truncated) = tail(&kept, COMMAND_OUTPUT_BYTES);
            Ok(Run {
                output,
                truncated,
                exit_code: status.code().and_then(|c| u32::try_from(c).ok()),
                signal: status.signal().map(|s| format!("signal {s}")),
                timed_out: false,
            })
        }
        Err(_) => {
            if let Some(pid) = pgid.and_then(|p| i32::try_from(p).ok()) {
                kill_group(pid);
            }
            Ok(Run {
                output: String::new(),
                truncated: false,
                exit_code: None,
                signal: None,
                timed_out: true,
            })
        }
    }
}

fn kill_group(pgid: i32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn the_tail_starts_at_a_character_boundary() {
        assert_eq!(tail(b"abc", 5), ("abc".to_owned(), false));
        // "é" is two bytes: cutting into it moves past it.
        assert_eq!(tail("xéyz".as_bytes(), 3), ("yz".to_owned(), true));
        assert_eq!(tail("xéyz".as_bytes(), 4), ("éyz".to_owned(), true));
    }

    #[tokio::test]
    async fn a_local_command_reports_output_and_exit_code() {
        let dir = tempfile::tempdir().unwrap();
        let run = run_local(
            "echo out; echo err >&2; exit 3",
            dir.path(),
            COMMAND_TIMEOUT,
        )
        .await
        .unwrap();
        assert_eq!(
            run,
            Run {
                output: "out\nerr\n".into(),
                truncated: false,
                exit_code: Some(3),
                signal: None,
                timed_out: false,
            }
        );
        assert_eq!(run.report(), "exit code 3\nout\nerr\n");
    }

    #[tokio::test]
    async fn a_local_command_past_its_timeout_is_killed_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let cmd = format!("(sleep 2; touch {}) & sleep 30", marker.display());
        let started = std::time::Instant::now();
        let run = run_local(&cmd, dir.path(), Duration::from_millis(300))
            .await
            .unwrap();
        assert!(run.timed_out);
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(!marker.exists(), "a child of the command outlived the kill");
    }
}
