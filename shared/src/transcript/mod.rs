//! Chat transcripts in Postgres, shared by the daemons that write them: boochat
//! writes its own turns, boocoder the assistant messages of the agent turns it runs.
//! [`store`] holds the typed queries; [`writer::TurnWriter`] streams one turn into
//! parts and frames; [`branches`] is the message tree (edits, regenerated answers);
//! [`search`] the full-text search; [`exchange`] export and import of a chat.

pub mod attachments;
pub mod branches;
pub mod exchange;
pub mod search;
pub mod store;
pub mod writer;
