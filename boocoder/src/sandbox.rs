//! The agent sandbox (issue 13): every agent process, and every command an agent
//! runs, inside bubblewrap.
//!
//! A [`Sandbox`] holds the policy (`coder.sandbox`). For one agent process it makes a
//! [`Plan`] ([`Sandbox::plan`]): what the process sees, built from nothing — bwrap
//! starts from an empty root, so whatever is not bound does not exist inside:
//!
//! - the system read-only: `/usr` and the `/bin`, `/lib*` links or dirs next to it,
//!   and of `/etc` only what programs need to run and resolve names ([`ETC`]); never
//!   BooCode's config;
//! - fresh `/dev`, `/proc` (its own pid namespace), a private `/tmp` (tmpfs);
//! - the session worktree read-write (the working directory);
//! - the git the worktree needs: its `.git` file points at
//!   `<project>/.git/worktrees/<name>`, which shares the project's object store and
//!   refs. The project's `.git` is bound read-only (a writable config or hook would
//!   run code as the daemon's user the next time boocoder runs git; writable refs
//!   would let an agent move the owner's branches, past every approval), then
//!   read-write over it only what a commit on the session branch writes: `objects`,
//!   the directory of the session branch's ref (`refs/heads/boo`) and of its reflog,
//!   and this worktree's admin dir. The project's working tree is not bound at all;
//! - a private HOME, `<worktree_root>/.homes/<provider>/<key>` (per provider, per
//!   session), read-write;
//! - the agent's install dir read-only: the `node_modules` its executable lives in
//!   (npm installs), else the executable's directory (e.g. `boochat`'s);
//! - the provider's extra paths from `coder.sandbox.providers.<id>`.
//!
//! Namespaces: `--unshare-all` (user, pid, ipc, uts, cgroup, net), with
//! `--share-net` unless the policy turns the network off (then only a private
//! loopback: the model server is unreachable). `--die-with-parent`: when the bwrap
//! process dies (boocoder's process-group kill, or its parent-death signal) the
//! namespace's init dies and the kernel kills everything in the pid namespace.
//! Piped agents also get `--new-session` (no controlling terminal to inject into);
//! this takes the agent out of bwrap's process group, but the kill still reaches it
//! through the bwrap process, as above. Terminals run in tmux keep their pane's
//! session (a shell needs its controlling terminal). The root is remounted
//! read-only at the end, so a write anywhere but the bound writable paths and
//! `/tmp` fails.
//!
//! The environment is not bwrap's business (it passes its own on): agents get a
//! clean one from [`agent_env`] through `process::Spec::clear_env`; their commands
//! get booterm's clean one (or, run by boocoder, a few locale variables) plus the
//! agent's `HOME` and `PATH` ([`crate::acp::TermConfine`]).

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Component, Path, PathBuf};

use boo_shared::config::{SandboxConfig, SandboxMode};

use crate::process::Spec;

mod host;
pub use host::{HostCheck, announce, check, trial_args};

/// What of `/etc` an agent sees (each only when it exists).
pub const ETC: [&str; 22] = [
    "/etc/alternatives",
    "/etc/ca-certificates",
    "/etc/ca-certificates.conf",
    "/etc/crypto-policies",
    "/etc/gai.conf",
    "/etc/gitconfig",
    "/etc/group",
    "/etc/host.conf",
    "/etc/hostname",
    "/etc/hosts",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/mime.types",
    "/etc/nsswitch.conf",
    "/etc/os-release",
    "/etc/passwd",
    "/etc/pki",
    "/etc/resolv.conf",
    "/etc/ssl",
    "/etc/terminfo",
];

/// Top-level system paths that are either directories (bound read-only) or links
/// into `/usr` (recreated as links).
const SYSTEM: [&str; 7] = [
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
];

/// Environment variables of boocoder's own an agent keeps (nothing else: no
/// `DATABASE_URL`, no `BOO_*`).
pub const PASSED_ENV: [&str; 4] = ["LANG", "LC_ALL", "LC_CTYPE", "TZ"];

/// The policy, ready to plan sandboxes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sandbox {
    cfg: SandboxConfig,
    /// `<worktree_root>/.homes`.
    homes: PathBuf,
}

/// One agent process to confine.
#[derive(Clone, Copy, Debug)]
pub struct Confine<'a> {
    /// Provider id (extra paths, network, the HOME's directory).
    pub provider: &'a str,
    /// The session worktree (or the probe directory): read-write, the cwd.
    pub worktree: &'a Path,
    /// Names the private HOME under the provider's: the session id, or `probe`.
    pub home_key: &'a str,
    /// The agent's executable (its install dir is bound read-only).
    pub program: &'a Path,
}

/// One mount of a [`Plan`], in order (later ones cover earlier ones).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bind {
    ReadOnly(PathBuf),
    Writable(PathBuf),
    /// A symlink `at` → `target` (e.g. `/bin` → `usr/bin`).
    Link {
        target: PathBuf,
        at: PathBuf,
    },
}

impl Bind {
    /// `ro /usr`, `rw /srv/wt/…`, `link /bin -> usr/bin`: for the diagnostic.
    pub fn describe(&self) -> String {
        match self {
            Bind::ReadOnly(p) => format!("ro {}", p.display()),
            Bind::Writable(p) => format!("rw {}", p.display()),
            Bind::Link { target, at } => format!("link {} -> {}", at.display(), target.display()),
        }
    }
}

/// What one agent process sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub bwrap: PathBuf,
    pub binds: Vec<Bind>,
    pub network: bool,
    /// The private HOME (created by [`Sandbox::plan`]).
    pub home: PathBuf,
}

impl Sandbox {
    pub fn new(cfg: &SandboxConfig, worktree_root: &Path) -> Self {
        Self {
            cfg: cfg.clone(),
            homes: worktree_root.join(".homes"),
        }
    }

    pub fn is_on(&self) -> bool {
        self.cfg.mode == SandboxMode::Bwrap
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.cfg
    }

    /// The private HOME of `provider`'s agents for `key` (session id or `probe`).
    pub fn home(&self, provider: &str, key: &str) -> PathBuf {
        self.homes.join(safe_name(provider)).join(safe_name(key))
    }

    /// [`Self::home`], created (mode 0700), canonical. Blocking.
    pub fn ensure_home(&self, provider: &str, key: &str) -> io::Result<PathBuf> {
        let home = self.home(provider, key);
        create_private_dir(&home)?;
        home.canonicalize()
    }

    /// The plan for `c`, creating its HOME. Blocking (stat calls, one small read of
    /// the worktree's `.git` file).
    pub fn plan(&self, c: &Confine<'_>) -> io::Result<Plan> {
        let home = self.ensure_home(c.provider, c.home_key)?;
        let mut binds = system_binds();
        binds.extend(install_dirs(c.program).into_iter().map(Bind::ReadOnly));
        let extra = self.cfg.paths_for(c.provider);
        binds.extend(
            extra
                .read_only
                .iter()
                .filter(|p| p.exists())
                .cloned()
                .map(Bind::ReadOnly),
        );
        binds.extend(
            extra
                .writable
                .iter()
                .filter(|p| p.exists())
                .cloned()
                .map(Bind::Writable),
        );
        binds.push(Bind::Writable(home.clone()));
        binds.extend(git_binds(c.worktree));
        binds.push(Bind::Writable(c.worktree.to_path_buf()));
        Ok(Plan {
            bwrap: self.cfg.bwrap.clone(),
            binds,
            network: self.cfg.network_for(c.provider),
            home,
        })
    }
}

impl Plan {
    /// bwrap's options, up to and including `--`. `new_session` for piped
    /// children (see the module docs).
    pub fn args(&self, cwd: &Path, new_session: bool) -> Vec<OsString> {
        let mut a: Vec<OsString> = Vec::new();
        let mut push = |items: &[&OsStr]| a.extend(items.iter().map(|s| s.to_os_string()));
        push(&["--unshare-all".as_ref(), "--die-with-parent".as_ref()]);
        // Before the binds: a bound path under /tmp (a test's scratch dir) must
        // land on the tmpfs, not under it.
        push(&[
            "--dev".as_ref(),
            "/dev".as_ref(),
            "--proc".as_ref(),
            "/proc".as_ref(),
            "--tmpfs".as_ref(),
            "/tmp".as_ref(),
        ]);
        if self.network {
            push(&["--share-net".as_ref()]);
        }
        if new_session {
            push(&["--new-session".as_ref()]);
        }
        for bind in &self.binds {
            match bind {
                Bind::ReadOnly(p) => push(&["--ro-bind".as_ref(), p.as_ref(), p.as_ref()]),
                Bind::Writable(p) => push(&["--bind".as_ref(), p.as_ref(), p.as_ref()]),
                Bind::Link { target, at } => {
                    push(&["--symlink".as_ref(), target.as_ref(), at.as_ref()]);
                }
            }
        }
        push(&[
            "--remount-ro".as_ref(),
            "/".as_ref(),
            "--chdir".as_ref(),
            cwd.as_ref(),
            "--".as_ref(),
        ]);
        a
    }

    /// `spec` run inside the sandbox: program bwrap, the original argv after `--`,
    /// env and cwd unchanged (bwrap passes its environment on).
    pub fn wrap(&self, spec: Spec) -> Spec {
        let mut args = self.args(&spec.cwd, true);
        args.push(spec.program);
        args.extend(spec.args);
        Spec {
            program: self.bwrap.clone().into_os_string(),
            args,
            ..spec
        }
    }

    /// An agent's command (`terminal/create`) inside the sandbox: `bwrap … --
    /// argv…`. `new_session` for a piped child; a command in a booterm pane keeps
    /// the pane as its controlling terminal.
    pub fn wrap_argv(&self, argv: &[String], cwd: &Path, new_session: bool) -> Vec<String> {
        std::iter::once(self.bwrap.to_string_lossy().into_owned())
            .chain(
                self.args(cwd, new_session)
                    .into_iter()
                    .map(|a| a.to_string_lossy().into_owned()),
            )
            .chain(argv.iter().cloned())
            .collect()
    }

    /// The bind list, one line each, for the diagnostic.
    pub fn describe(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.binds.iter().map(Bind::describe).collect();
        lines.push("dev /dev, proc /proc, tmpfs /tmp; everything else absent".to_owned());
        lines.push(if self.network {
            "network: shared with the host".to_owned()
        } else {
            "network: none (private loopback only)".to_owned()
        });
        lines
    }
}

/// The clean environment of an agent process: `PATH`, the private `HOME`,
/// `TMPDIR`, `TERM=dumb`, the locale variables of boocoder's own, then the
/// provider's declared env (`extra`, which wins).
pub fn agent_env(
    path: Option<&OsStr>,
    home: &Path,
    extra: &[(OsString, OsString)],
) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = Vec::new();
    if let Some(path) = path {
        env.push(("PATH".into(), path.to_os_string()));
    }
    env.push(("HOME".into(), home.as_os_str().to_os_string()));
    env.push(("TMPDIR".into(), "/tmp".into()));
    env.push(("TERM".into(), "dumb".into()));
    for name in PASSED_ENV {
        if let Some(value) = std::env::var_os(name) {
            env.push((name.into(), value));
        }
    }
    if !env.iter().any(|(k, _)| k == "LANG") {
        env.push(("LANG".into(), "C.UTF-8".into()));
    }
    for (k, v) in extra {
        env.retain(|(name, _)| name != k);
        env.push((k.clone(), v.clone()));
    }
    env
}

/// `/usr` and its neighbours: directories read-only, links as links.
fn system_binds() -> Vec<Bind> {
    let mut binds = Vec::new();
    for path in SYSTEM.map(Path::new) {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                if let Ok(target) = std::fs::read_link(path) {
                    binds.push(Bind::Link {
                        target,
                        at: path.to_path_buf(),
                    });
                }
            }
            Ok(m) if m.is_dir() => binds.push(Bind::ReadOnly(path.to_path_buf())),
            _ => {}
        }
    }
    binds.extend(
        ETC.map(Path::new)
            .into_iter()
            .filter(|p| p.exists())
            .map(|p| Bind::ReadOnly(p.to_path_buf())),
    );
    binds
}

/// The agent's install dir(s): for `program` and for where its links lead, the
/// nearest enclosing `node_modules`, else the containing directory. System
/// directories already bound are skipped.
pub fn install_dirs(program: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let candidates = std::iter::once(program.to_path_buf()).chain(program.canonicalize().ok());
    for exe in candidates {
        let dir = exe
            .ancestors()
            .find(|a| a.file_name() == Some(OsStr::new("node_modules")))
            .map(Path::to_path_buf)
            .or_else(|| exe.parent().map(Path::to_path_buf));
        let Some(dir) = dir else { continue };
        let covered =
            dirs.iter().any(|d| dir.starts_with(d)) || SYSTEM.iter().any(|s| dir.starts_with(s));
        if !covered && dir.is_absolute() && dir != Path::new("/") {
            dirs.push(dir);
        }
    }
    dirs
}

/// The git a worktree needs (see the module docs); nothing when `<worktree>/.git`
/// is not a worktree's link file.
pub fn git_binds(worktree: &Path) -> Vec<Bind> {
    let Some(admin) = worktree_admin_dir(worktree) else {
        return Vec::new();
    };
    let common = std::fs::read_to_string(admin.join("commondir"))
        .ok()
        .map(|c| admin.join(c.trim()))
        .and_then(|c| c.canonicalize().ok());
    let Some(common) = common else {
        return vec![Bind::Writable(admin)];
    };
    let mut binds = vec![
        Bind::ReadOnly(common.clone()),
        Bind::Writable(common.join("objects")),
    ];
    // The directory holding the branch's ref (a commit writes `<ref>.lock` there and
    // renames it), and its reflog's: only below `refs/heads/<dir>/`, so a worktree
    // on a top-level branch (`main`) cannot commit rather than open every branch.
    if let Some(dir) = branch_ref(&admin).and_then(|r| r.parent().map(Path::to_path_buf))
        && dir.components().count() > 2
    {
        for base in [common.clone(), common.join("logs")] {
            let path = base.join(&dir);
            if path.is_dir() {
                binds.push(Bind::Writable(path));
            }
        }
    }
    binds.push(Bind::Writable(admin));
    binds
}

/// `refs/heads/…` of the `ref:` line of the worktree's `HEAD` (none when detached
/// or odd: no `..`, nothing absolute).
fn branch_ref(admin: &Path) -> Option<PathBuf> {
    let head = std::fs::read_to_string(admin.join("HEAD")).ok()?;
    let name = head.trim().strip_prefix("ref:")?.trim();
    let path = PathBuf::from(name);
    let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
    (plain && path.starts_with("refs/heads")).then_some(path)
}

/// `<project>/.git/worktrees/<name>`, from the `gitdir:` line of `<worktree>/.git`.
fn worktree_admin_dir(worktree: &Path) -> Option<PathBuf> {
    let link = std::fs::read_to_string(worktree.join(".git")).ok()?;
    let dir = link.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
    worktree.join(dir).canonicalize().ok()
}

/// A provider id or key as one path component (`/`, `..` cannot escape `.homes`).
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match Path::new(&cleaned).components().next() {
        Some(Component::Normal(_)) => cleaned,
        _ => format!("_{cleaned}"),
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(test)]
mod tests;
