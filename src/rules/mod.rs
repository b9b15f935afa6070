//! The gate's rules (门岗服务规范细则, SPEC §1–§5) as pure functions: what to say, whom to notify,
//! what to check, when the gate is open, which shift it is, what happens to a vehicle.
//!
//! Nothing here reads a clock, a file or the database: callers pass the local time of the gate
//! (`Clock` + the configured time zone) and the facts they know, and get values back. Each rule
//! is tested by a test named after it.

pub mod attention;
pub mod gate;
pub mod goods;
pub mod greeting;
pub mod passes;
pub mod prompts;
pub mod vehicles;
