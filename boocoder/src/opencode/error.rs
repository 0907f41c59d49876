//! Everything that can go wrong talking to (or running) an opencode server.

/// One error type for the client, the event stream and the server supervisor.
#[derive(Debug, thiserror::Error)]
pub enum OpencodeError {
    /// The request did not get an answer (refused, reset, timed out).
    #[error("opencode {what}: {source}")]
    Http {
        what: &'static str,
        #[source]
        source: reqwest::Error,
    },
    /// opencode answered with an error status; `body` is the start of its answer.
    #[error("opencode {what}: HTTP {status}: {body}")]
    Status {
        what: &'static str,
        status: u16,
        body: String,
    },
    /// The answer was not what this version of opencode sends.
    #[error("opencode {what}: unexpected answer: {message}")]
    Decode { what: &'static str, message: String },
    /// The server process could not be started or did not come up.
    #[error("opencode server: {message}{}", tail_suffix(.tail))]
    Start { message: String, tail: String },
    #[error(transparent)]
    Process(#[from] crate::process::ProcessError),
}

fn tail_suffix(tail: &str) -> String {
    let tail = tail.trim();
    if tail.is_empty() {
        String::new()
    } else {
        format!("\nopencode output:\n{tail}")
    }
}
