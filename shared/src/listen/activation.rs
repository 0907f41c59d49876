//! systemd socket activation: the HTTP listener handed over as fd 3.
//!
//! systemd opens the socket a `.socket` unit names (root-owned, group Caddy's,
//! mode 0660), starts the service with it as fd 3 and sets `LISTEN_FDS=1`,
//! `LISTEN_PID=<the daemon's pid>` and `LISTEN_FDNAMES=<name>` (optional). A daemon
//! serving HTTP needs exactly one such socket: a listening Unix stream socket.
//!
//! [`parse`] judges the variables (pure, unit-tested); [`take_from_env`] reads
//! them, takes fd 3 through `listenfd` (which owns the one `unsafe` step, validates
//! the socket's family and type, marks it close-on-exec and unsets `LISTEN_FDS` /
//! `LISTEN_PID` so no child sees them) and checks that the socket listens. It
//! runs before the async runtime starts: unsetting variables is only sound while
//! the process has one thread.

use std::os::unix::net::UnixListener;

/// What the environment says about handed-over sockets.
#[derive(Debug, PartialEq, Eq)]
pub struct Activation {
    /// The socket's name from `LISTEN_FDNAMES` (systemd: the `.socket` unit's
    /// name unless `FileDescriptorName=` says otherwise).
    pub name: Option<String>,
}

/// The first handed-over descriptor (`SD_LISTEN_FDS_START`).
pub const FIRST_FD: i32 = 3;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActivationError {
    #[error("LISTEN_FDS={0:?} is not a number of sockets")]
    BadCount(String),
    #[error(
        "LISTEN_FDS={0}: the daemon serves HTTP on exactly one socket-activated socket; \
         give its .socket unit a single ListenStream="
    )]
    WrongCount(u32),
    #[error("LISTEN_FDS is set but LISTEN_PID is not: cannot tell the sockets are ours")]
    MissingPid,
    #[error("LISTEN_PID={0:?} is not a process id")]
    BadPid(String),
    #[error(
        "LISTEN_PID={listen_pid} is not this process ({ours}): the sockets were handed \
         to another process"
    )]
    NotOurs { listen_pid: u32, ours: u32 },
    #[error("LISTEN_FDNAMES={names:?} names {got} sockets but LISTEN_FDS={count}")]
    NamesMismatch {
        names: String,
        got: usize,
        count: u32,
    },
    #[error("fd {FIRST_FD} from systemd is not usable as the HTTP listener: {0}")]
    BadSocket(String),
}

/// Judge `LISTEN_FDS`, `LISTEN_PID` and `LISTEN_FDNAMES` (`None` = unset) for the
/// process `ours`. `Ok(None)`: no socket activation (`LISTEN_FDS` unset).
pub fn parse(
    fds: Option<&str>,
    pid: Option<&str>,
    names: Option<&str>,
    ours: u32,
) -> Result<Option<Activation>, ActivationError> {
    let Some(fds) = fds else {
        return Ok(None);
    };
    let count: u32 = fds
        .trim()
        .parse()
        .map_err(|_| ActivationError::BadCount(fds.to_owned()))?;
    let pid = pid.ok_or(ActivationError::MissingPid)?;
    let listen_pid: u32 = pid
        .trim()
        .parse()
        .map_err(|_| ActivationError::BadPid(pid.to_owned()))?;
    if listen_pid != ours {
        return Err(ActivationError::NotOurs { listen_pid, ours });
    }
    if count != 1 {
        return Err(ActivationError::WrongCount(count));
    }
    let name = match names {
        None | Some("") => None,
        Some(names) => {
            let got = names.split(':').count();
            if got != 1 {
                return Err(ActivationError::NamesMismatch {
                    names: names.to_owned(),
                    got,
                    count,
                });
            }
            Some(names.to_owned())
        }
    };
    Ok(Some(Activation { name }))
}

/// The socket systemd handed over, when `LISTEN_FDS` is set; call before any
/// thread is started (see the module doc).
pub fn take_from_env() -> Result<Option<(UnixListener, Activation)>, ActivationError> {
    let var = |name: &str| std::env::var(name).ok();
    let Some(activation) = parse(
        var("LISTEN_FDS").as_deref(),
        var("LISTEN_PID").as_deref(),
        var("LISTEN_FDNAMES").as_deref(),
        std::process::id(),
    )?
    else {
        return Ok(None);
    };
    let bad = ActivationError::BadSocket;
    let listener = listenfd::ListenFd::from_env()
        .take_unix_listener(0)
        .map_err(|e| bad(e.to_string()))?
        .ok_or_else(|| bad("listenfd found no socket".into()))?;
    match rustix::net::sockopt::socket_acceptconn(&listener) {
        Ok(true) => {}
        Ok(false) => return Err(bad("the socket is not listening".into())),
        Err(e) => return Err(bad(format!("cannot ask whether it listens: {e}"))),
    }
    listener
        .set_nonblocking(true)
        .map_err(|e| bad(format!("cannot make it non-blocking: {e}")))?;
    Ok(Some((listener, activation)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    const OURS: u32 = 4242;

    fn parsed(
        fds: Option<&str>,
        pid: Option<&str>,
        names: Option<&str>,
    ) -> Result<Option<Activation>, ActivationError> {
        parse(fds, pid, names, OURS)
    }

    #[test]
    fn unset_means_no_activation_whatever_else_is_set() {
        assert_eq!(parsed(None, None, None), Ok(None));
        assert_eq!(parsed(None, Some("1"), Some("x")), Ok(None));
    }

    #[test]
    fn one_socket_for_us_with_or_without_a_name() {
        assert_eq!(
            parsed(Some("1"), Some("4242"), None),
            Ok(Some(Activation { name: None }))
        );
        assert_eq!(
            parsed(Some("1"), Some("4242"), Some("")),
            Ok(Some(Activation { name: None }))
        );
        assert_eq!(
            parsed(Some("1"), Some("4242"), Some("boochat.socket")),
            Ok(Some(Activation {
                name: Some("boochat.socket".into())
            }))
        );
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let cases = [
            (
                (Some("one"), Some("4242"), None),
                ActivationError::BadCount("one".into()),
                "LISTEN_FDS=\"one\" is not a number of sockets",
            ),
            (
                (Some("-1"), Some("4242"), None),
                ActivationError::BadCount("-1".into()),
                "LISTEN_FDS=\"-1\" is not a number of sockets",
            ),
            (
                (Some("1"), None, None),
                ActivationError::MissingPid,
                "LISTEN_FDS is set but LISTEN_PID is not: cannot tell the sockets are ours",
            ),
            (
                (Some("1"), Some("me"), None),
                ActivationError::BadPid("me".into()),
                "LISTEN_PID=\"me\" is not a process id",
            ),
            (
                (Some("1"), Some("1"), None),
                ActivationError::NotOurs {
                    listen_pid: 1,
                    ours: OURS,
                },
                "LISTEN_PID=1 is not this process (4242): the sockets were handed to another \
                 process",
            ),
            (
                (Some("2"), Some("4242"), None),
                ActivationError::WrongCount(2),
                "LISTEN_FDS=2: the daemon serves HTTP on exactly one socket-activated socket; \
                 give its .socket unit a single ListenStream=",
            ),
            (
                (Some("0"), Some("4242"), None),
                ActivationError::WrongCount(0),
                "LISTEN_FDS=0: the daemon serves HTTP on exactly one socket-activated socket; \
                 give its .socket unit a single ListenStream=",
            ),
            (
                (Some("1"), Some("4242"), Some("http:grpc")),
                ActivationError::NamesMismatch {
                    names: "http:grpc".into(),
                    got: 2,
                    count: 1,
                },
                "LISTEN_FDNAMES=\"http:grpc\" names 2 sockets but LISTEN_FDS=1",
            ),
        ];
        for ((fds, pid, names), want, message) in cases {
            let got = parsed(fds, pid, names).unwrap_err();
            assert_eq!((got.to_string().as_str(), &got), (message, &want));
        }
    }

    #[test]
    fn the_pid_is_checked_before_the_count() {
        // Variables meant for another process are never judged as ours.
        assert_eq!(
            parsed(Some("2"), Some("1"), None),
            Err(ActivationError::NotOurs {
                listen_pid: 1,
                ours: OURS
            })
        );
    }
}
