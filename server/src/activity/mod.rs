//! The live activity feed, after the processor: items stored in PostgreSQL (`feed`), fanned out
//! to every browser of this process from the activity topic (`hub`), pushed over WebSockets
//! with catch-up from the store (`socket`), and exported as a file (`export`).

pub mod export;
pub mod feed;
pub mod hub;
pub mod socket;
