//! What a hostile agent tries on its own, outside ACP: read, list and write any
//! path, connect anywhere, look at its environment. Each says one line with the
//! outcome (`ok …` or the `std::io::ErrorKind`), so a test can assert that a
//! sandbox stopped every attempt.

use std::time::Duration;

/// One attempt (see [`super::script::Command::Hostile`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hostile {
    /// `readfile <path>`: `readfile <path>: ok <n> bytes` or `…: <ErrorKind>`.
    ReadFile(String),
    /// `listdir <path>`: `listdir <path>: ok <n> entries` or `…: <ErrorKind>`.
    ListDir(String),
    /// `writefile <path> <text>`: `writefile <path>: ok` or `…: <ErrorKind>`.
    WriteFile { path: String, text: String },
    /// `connect <host:port>`: `connect <addr>: ok` or `…: <ErrorKind>` (2 s at most).
    Connect(String),
    /// `env`: `env: NAME1 NAME2 …` (names only, sorted).
    Env,
}

impl Hostile {
    /// Parse a line whose first word is one of the commands above.
    pub fn parse(word: &str, rest: &str) -> Option<Self> {
        let one =
            (!rest.is_empty() && !rest.contains(char::is_whitespace)).then(|| rest.to_owned());
        match word {
            "readfile" => one.map(Hostile::ReadFile),
            "listdir" => one.map(Hostile::ListDir),
            "connect" => one.map(Hostile::Connect),
            "env" if rest.is_empty() => Some(Hostile::Env),
            "writefile" => {
                let (path, text) = rest.split_once(char::is_whitespace)?;
                Some(Hostile::WriteFile {
                    path: path.to_owned(),
                    text: text.trim().to_owned(),
                })
            }
            _ => None,
        }
    }

    /// Try it; the line to say.
    pub async fn run(&self) -> String {
        let kind = |e: std::io::Error| format!("{:?}", e.kind());
        match self {
            Hostile::ReadFile(path) => format!(
                "readfile {path}: {}",
                std::fs::read(path).map_or_else(kind, |b| format!("ok {} bytes", b.len()))
            ),
            Hostile::ListDir(path) => format!(
                "listdir {path}: {}",
                std::fs::read_dir(path).map_or_else(kind, |d| format!("ok {} entries", d.count()))
            ),
            Hostile::WriteFile { path, text } => format!(
                "writefile {path}: {}",
                std::fs::write(path, format!("{text}\n")).map_or_else(kind, |()| "ok".to_owned())
            ),
            Hostile::Connect(addr) => {
                let attempt = tokio::time::timeout(
                    Duration::from_secs(2),
                    tokio::net::TcpStream::connect(addr.as_str()),
                )
                .await;
                let outcome = match attempt {
                    Ok(Ok(_)) => "ok".to_owned(),
                    Ok(Err(e)) => kind(e),
                    Err(_) => "TimedOut".to_owned(),
                };
                format!("connect {addr}: {outcome}")
            }
            Hostile::Env => {
                let mut names: Vec<String> = std::env::vars_os()
                    .map(|(k, _)| k.to_string_lossy().into_owned())
                    .collect();
                names.sort();
                format!("env: {}", names.join(" "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn parses_the_hostile_commands() {
        assert_eq!(
            [
                Hostile::parse("readfile", "/etc/boocode/boocode.toml"),
                Hostile::parse("listdir", "/srv/wt"),
                Hostile::parse("writefile", "/p/x.txt two words"),
                Hostile::parse("connect", "127.0.0.1:5432"),
                Hostile::parse("env", ""),
                Hostile::parse("readfile", ""),
                Hostile::parse("writefile", "/p/x.txt"),
                Hostile::parse("env", "x"),
            ],
            [
                Some(Hostile::ReadFile("/etc/boocode/boocode.toml".into())),
                Some(Hostile::ListDir("/srv/wt".into())),
                Some(Hostile::WriteFile {
                    path: "/p/x.txt".into(),
                    text: "two words".into()
                }),
                Some(Hostile::Connect("127.0.0.1:5432".into())),
                Some(Hostile::Env),
                None,
                None,
                None,
            ]
        );
    }

    #[tokio::test]
    async fn each_attempt_says_its_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.txt");
        let f = file.display();
        let d = dir.path().display();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap().to_string();
        drop(listener);
        let lines = [
            Hostile::WriteFile {
                path: file.display().to_string(),
                text: "hi".into(),
            }
            .run()
            .await,
            Hostile::ReadFile(file.display().to_string()).run().await,
            Hostile::ListDir(dir.path().display().to_string())
                .run()
                .await,
            Hostile::ReadFile(format!("{d}/missing")).run().await,
            Hostile::Connect(open.clone()).run().await,
        ];
        assert_eq!(
            lines,
            [
                format!("writefile {f}: ok"),
                format!("readfile {f}: ok 3 bytes"),
                format!("listdir {d}: ok 1 entries"),
                format!("readfile {d}/missing: NotFound"),
                format!("connect {open}: ConnectionRefused"),
            ]
        );
        assert!(Hostile::Env.run().await.starts_with("env: "));
    }
}
