//! Chat transcripts in Postgres, shared by the daemons that write them: boochat
//! writes its own turns, boocoder the assistant messages of the agent turns it runs.
//! [`store`] holds the typed queries; [`writer::TurnWriter`] streams one turn into
//! parts and frames.

pub mod attachments;
pub mod store;
pub mod writer;
