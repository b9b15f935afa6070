//! Recognition above the models: matching what was read or seen against what is known.

pub mod gallery;
pub mod plate_distance;
pub mod plate_match;
pub mod plate_vote;
pub mod regions;
pub mod tracker;
pub mod visits;
