//! One tmux attach client on a PTY: the byte stream a browser (WebSocket) or a peer
//! daemon (gRPC `Attach`) reads and types into (TERM-2).
//!
//! The PTY master is read on a dedicated blocking thread into a **bounded** channel
//! of [`READ_CHUNK`]-byte chunks. When the consumer stops taking chunks (a browser
//! behind on its acknowledgements, a gRPC peer not reading), the thread blocks on the
//! channel, the PTY is no longer read, and the tmux client blocks writing to it.
//! tmux's server notices that client's output backing up, stops drawing to it and
//! redraws the whole screen once it drains — so the program in the pane (`yes`) is
//! never slowed, Ctrl-C still reaches it, and no layer buffers without bound.
//!
//! Keystrokes go through a second thread (a write to a PTY can block too). The tmux
//! client is the only process booterm owns per attach: killing the [`Attachment`]
//! (or booterm dying, which closes the PTY master and hangs the client up) ends it;
//! the shell lives in the tmux server and is untouched.

use std::io::{self, Read, Write};

use portable_pty::{ChildKiller, CommandBuilder, MasterPty, PtySize};
use tokio::sync::mpsc;

use crate::tmux::Tmux;

/// Bytes read from the PTY per chunk.
pub const READ_CHUNK: usize = 64 * 1024;
/// Chunks buffered between the PTY reader thread and the consumer.
pub const CHANNEL_CHUNKS: usize = 4;
/// Keystroke writes buffered before `send_input` waits.
const INPUT_QUEUE: usize = 64;

/// A running `tmux attach-session` on a fresh PTY.
pub struct Attachment {
    /// Output chunks; closed when the client exits (the pane ended, it was
    /// detached, or the tmux server went away).
    pub output: mpsc::Receiver<Vec<u8>>,
    /// Keystrokes, resizes, and the client's lifetime.
    pub control: AttachControl,
}

/// The writing half of an [`Attachment`]. Dropping it kills the tmux client.
pub struct AttachControl {
    input: mpsc::Sender<Vec<u8>>,
    /// Behind a mutex only to be `Sync` (resizes come from one task).
    master: std::sync::Mutex<Box<dyn MasterPty + Send>>,
    killer: Box<dyn ChildKiller + Send + Sync>,
    pid: Option<u32>,
}

impl Attachment {
    /// Attach to session `name` at `cols` × `rows`. `readonly` clients neither type
    /// (tmux's `read-only` flag) nor size the window (`ignore-size`).
    pub fn spawn(
        tmux: &Tmux,
        name: &str,
        readonly: bool,
        cols: u16,
        rows: u16,
    ) -> io::Result<Self> {
        let pty = portable_pty::native_pty_system()
            .openpty(size(cols, rows))
            .map_err(io::Error::other)?;
        let argv = tmux.attach_argv(name, readonly);
        let mut cmd = CommandBuilder::from_argv(argv);
        cmd.env_clear();
        for (k, v) in tmux.env() {
            cmd.env(k, v);
        }
        cmd.cwd("/");
        let mut child = pty.slave.spawn_command(cmd).map_err(io::Error::other)?;
        // Only the child may hold the slave: the reader sees EOF when the client exits.
        drop(pty.slave);
        let pid = child.process_id();
        let killer = child.clone_killer();
        let reader = pty.master.try_clone_reader().map_err(io::Error::other)?;
        let mut writer = pty.master.take_writer().map_err(io::Error::other)?;

        let (out_tx, output) = mpsc::channel(CHANNEL_CHUNKS);
        let (exited_tx, exited) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("term-pty-read".into())
            .spawn(move || {
                read_loop(reader, &out_tx);
                // Reap the client so it never lingers as a zombie.
                if let Err(e) = child.wait() {
                    tracing::debug!(error = %e, "waiting for the tmux client");
                }
                drop(exited_tx);
            })?;
        let (input, in_rx) = mpsc::channel(INPUT_QUEUE);
        std::thread::Builder::new()
            .name("term-pty-write".into())
            .spawn(move || {
                write_loop(&mut *writer, in_rx);
                // portable-pty's writer types "\n" + EOF into the PTY when dropped.
                // While the tmux client lives, that would reach the shell and end
                // it: drop the writer only once the client is gone.
                let _ = exited.recv();
                drop(writer);
            })?;
        Ok(Self {
            output,
            control: AttachControl {
                input,
                master: std::sync::Mutex::new(pty.master),
                killer,
                pid,
            },
        })
    }
}

impl AttachControl {
    /// Type `bytes` into the terminal; waits while the PTY is not taking input.
    /// `false` once the client is gone.
    pub async fn send_input(&self, bytes: Vec<u8>) -> bool {
        self.input.send(bytes).await.is_ok()
    }

    /// Set the PTY's size; the tmux client passes it on (SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) -> io::Result<()> {
        let master = self
            .master
            .lock()
            .map_err(|_| io::Error::other("the PTY lock is poisoned"))?;
        master.resize(size(cols, rows)).map_err(io::Error::other)
    }

    /// The tmux client's pid.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }
}

impl Drop for AttachControl {
    fn drop(&mut self) {
        // SIGHUP: the tmux client detaches and exits; the reader thread reaps it.
        if let Err(e) = self.killer.kill()
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::debug!(error = %e, "stopping the tmux client");
        }
    }
}

fn size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

fn read_loop(mut reader: Box<dyn Read + Send>, out: &mpsc::Sender<Vec<u8>>) {
    let mut buf = vec![0u8; READ_CHUNK];
    let mut consumer = true;
    loop {
        match reader.read(&mut buf) {
            // EOF, or EIO: Linux's answer once the slave side is closed.
            Ok(0) => return,
            Ok(n) => {
                // Blocks while the consumer is behind: this is the backpressure.
                // Once the consumer is gone, keep draining until EOF: tmux's server
                // shares this terminal with its client and must never be left
                // writing into a PTY nobody reads.
                if consumer && out.blocking_send(buf[..n].to_vec()).is_err() {
                    consumer = false;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                if e.raw_os_error() != Some(rustix::io::Errno::IO.raw_os_error()) {
                    tracing::debug!(error = %e, "reading the terminal");
                }
                return;
            }
        }
    }
}

fn write_loop(writer: &mut (dyn Write + Send), mut input: mpsc::Receiver<Vec<u8>>) {
    while let Some(bytes) = input.blocking_recv() {
        if writer
            .write_all(&bytes)
            .and_then(|()| writer.flush())
            .is_err()
        {
            return;
        }
    }
}
