//! The application layer: the services both edges use — the command line (`cmds`) and the web
//! app (`web`) — so that neither owns what the other needs. Each takes the records and plain
//! values, does the work, and answers with values or a typed error; how a result is shown
//! (printed lines, HTML) and how an error is worded for the user stay in the edge.
//!
//! - [`handover`]: the duty record read when taking over a shift;
//! - [`report`]: the counts of a day, week or month;
//! - [`log`]: searching the gate log and exporting it as CSV;
//! - [`enrol`]: enrolling a face from a photo; [`photos`]: photos kept in the data folder;
//! - [`gallery`]: the faces the records know; [`sightings`]: the faces seen, kept for
//!   corrections; [`learning`]: a face a guard confirmed kept as that person's;
//! - [`visitors`]: registering a visitor, from the screen or the desk;
//! - [`rights`]: residents' data rights: a person's data as one file, and its deletion;
//!   [`retention`]: the faces seen and the snapshots deleted when their days are over;
//! - [`store_copy`]: moving a compound's records between a box's file and the shared store;
//! - [`when`]: local times typed by a user, and their UTC instants;
//! - [`password`]: the password policy (pure): what a chosen password must not be.
//!
//! The layer builds on the domain, the rules, the store and the vision stages; it never reaches
//! into the pipeline or either edge (the pipeline may use it: sightings, the gallery).

pub mod enrol;
pub mod gallery;
pub mod handover;
pub mod learning;
pub mod log;
pub mod password;
pub mod photos;
pub mod report;
pub mod retention;
pub mod rights;
pub mod sightings;
pub mod store_copy;
pub mod visitors;
pub mod when;
