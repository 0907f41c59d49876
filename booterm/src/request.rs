//! Checking and completing a `POST /api/terminals` (or gRPC `CreateSession`): size,
//! title, working directory, and the command (argv, or the configured SSH target).
//! Everything here runs before anything is created.

use std::io;
use std::path::{Path, PathBuf};

use boo_shared::term::CommandSpec;

use crate::sessions::{SessionError, SessionsConfig};

pub const MIN_SIZE: i64 = 2;
pub const MAX_SIZE: i64 = 1000;
pub const DEFAULT_SIZE: (u16, u16) = (80, 24);
pub const MAX_TITLE_CHARS: usize = 200;
/// Total bytes of a command's argv.
pub const MAX_COMMAND_BYTES: usize = 64 * 1024;

/// Most environment variables one `CreateSession` may add.
pub const MAX_ENV_VARS: usize = 256;
/// Names booterm sets itself in every terminal; a request cannot override them.
pub const RESERVED_ENV: [&str; 2] = ["BOOTERM_TERMINAL_ID", "SHELL"];

/// `TERM` for SSH terminals: remote hosts know xterm, not always tmux-256color.
const SSH_TERM: &str = "xterm-256color";

pub(crate) fn invalid(code: &'static str, message: impl Into<String>) -> SessionError {
    SessionError::Invalid {
        code,
        message: message.into(),
    }
}

/// Environment variables a request adds: names non-empty without `=` or NUL, not
/// one booterm sets itself ([`RESERVED_ENV`]), values without NUL, at most
/// [`MAX_ENV_VARS`] of them and [`MAX_COMMAND_BYTES`] in all.
pub fn check_env(env: &[(String, String)]) -> Result<(), SessionError> {
    if env.len() > MAX_ENV_VARS {
        return Err(invalid(
            "invalid_env",
            format!("at most {MAX_ENV_VARS} environment variables"),
        ));
    }
    let mut total = 0usize;
    for (name, value) in env {
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(invalid(
                "invalid_env",
                format!("{name:?} is not an environment variable name"),
            ));
        }
        if RESERVED_ENV.contains(&name.as_str()) {
            return Err(invalid(
                "invalid_env",
                format!("{name} is set by booterm and cannot be overridden"),
            ));
        }
        if value.contains('\0') {
            return Err(invalid(
                "invalid_env",
                format!("the value of {name} contains NUL"),
            ));
        }
        total = total.saturating_add(name.len() + value.len());
    }
    if total > MAX_COMMAND_BYTES {
        return Err(invalid(
            "invalid_env",
            format!("the environment is longer than {MAX_COMMAND_BYTES} bytes"),
        ));
    }
    Ok(())
}

pub async fn resolve_cwd(cfg: &SessionsConfig, raw: Option<&str>) -> Result<PathBuf, SessionError> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let path = match raw.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) if r.contains('\0') => return Err(invalid("invalid_cwd", "cwd contains NUL")),
        Some(r) => expand_tilde(r, home.as_deref())?,
        None => cfg
            .default_cwd
            .clone()
            .or(home)
            .unwrap_or_else(|| PathBuf::from("/")),
    };
    if !path.is_absolute() {
        return Err(invalid(
            "invalid_cwd",
            format!(
                "cwd must be an absolute path, got {:?}",
                path.display().to_string()
            ),
        ));
    }
    match tokio::fs::metadata(&path).await {
        Ok(m) if m.is_dir() => Ok(path),
        Ok(_) => Err(invalid(
            "cwd_not_a_directory",
            format!("cwd {} is not a directory", path.display()),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(invalid(
            "cwd_not_found",
            format!("cwd {} does not exist", path.display()),
        )),
        Err(e) => Err(invalid(
            "cwd_unreadable",
            format!("cwd {}: {e}", path.display()),
        )),
    }
}

/// The argv to run (`None` = login shell) and the SSH target it connects to.
pub fn resolve_command(
    cfg: &SessionsConfig,
    spec: Option<CommandSpec>,
    cwd: &Path,
) -> Result<(Option<Vec<String>>, Option<String>), SessionError> {
    match spec {
        None => Ok((None, None)),
        Some(CommandSpec::Named(name)) if name == "ssh" => {
            let target = cfg
                .ssh_target
                .clone()
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| {
                    invalid(
                        "ssh_not_configured",
                        "no SSH target is configured (term.ssh_target)",
                    )
                })?;
            if target.starts_with('-') {
                return Err(invalid(
                    "ssh_not_configured",
                    "term.ssh_target must not start with '-'",
                ));
            }
            if find_program("ssh", cwd).is_none() {
                return Err(invalid(
                    "command_not_found",
                    "ssh is not installed on this host",
                ));
            }
            let mut argv = vec![
                "env".to_owned(),
                format!("TERM={SSH_TERM}"),
                "ssh".to_owned(),
            ];
            argv.extend(cfg.ssh_options.iter().cloned());
            argv.extend(["--".to_owned(), target.clone()]);
            Ok((Some(argv), Some(target)))
        }
        Some(CommandSpec::Named(other)) => Err(invalid(
            "invalid_command",
            format!("command must be an argv array or \"ssh\", got {other:?}"),
        )),
        Some(CommandSpec::Argv(argv)) => {
            let Some(program) = argv.first().filter(|p| !p.is_empty()) else {
                return Err(invalid("invalid_command", "command must name a program"));
            };
            if argv.iter().any(|a| a.contains('\0')) {
                return Err(invalid("invalid_command", "command contains NUL"));
            }
            if argv.iter().map(String::len).sum::<usize>() > MAX_COMMAND_BYTES {
                return Err(invalid(
                    "invalid_command",
                    format!("command is longer than {MAX_COMMAND_BYTES} bytes"),
                ));
            }
            if argv.len() == 1 && program.contains('=') {
                return Err(invalid(
                    "invalid_command",
                    "a program name cannot contain '='",
                ));
            }
            if find_program(program, cwd).is_none() {
                return Err(invalid(
                    "command_not_found",
                    format!("{program}: no such program (not an executable file, nor on PATH)"),
                ));
            }
            Ok((Some(argv), None))
        }
    }
}

/// Trimmed; empty means none.
pub fn clean_title(title: Option<String>) -> Result<Option<String>, SessionError> {
    let Some(title) = title.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(invalid(
            "invalid_title",
            format!("title must be at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(Some(title))
}

pub fn size(what: &str, value: Option<i64>, default: u16) -> Result<u16, SessionError> {
    match value {
        None => Ok(default),
        Some(n) if (MIN_SIZE..=MAX_SIZE).contains(&n) => {
            u16::try_from(n).map_err(|_| invalid("invalid_size", format!("{what} out of range")))
        }
        Some(n) => Err(invalid(
            "invalid_size",
            format!("{what} must be between {MIN_SIZE} and {MAX_SIZE}, got {n}"),
        )),
    }
}

/// A terminal size given in full (a resize): both within bounds.
pub fn dimensions(cols: i64, rows: i64) -> Result<(u16, u16), SessionError> {
    Ok((
        size("cols", Some(cols), DEFAULT_SIZE.0)?,
        size("rows", Some(rows), DEFAULT_SIZE.1)?,
    ))
}

pub fn expand_tilde(raw: &str, home: Option<&Path>) -> Result<PathBuf, SessionError> {
    let rest = match raw {
        "~" => "",
        r if r.starts_with("~/") => &r[2..],
        r => return Ok(PathBuf::from(r)),
    };
    let home = home.ok_or_else(|| invalid("invalid_cwd", "cannot expand ~: HOME is not set"))?;
    Ok(home.join(rest))
}

/// `program` as an executable file: a path (relative to `cwd`) or a name on `PATH`.
pub fn find_program(program: &str, cwd: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let path = cwd.join(program);
        return executable(&path).then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| executable(p))
}
