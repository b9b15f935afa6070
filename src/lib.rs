//! gateward: a computer-vision assistant for the gate guard of a Chinese residential compound.
//!
//! Cameras feed ONNX models (faces, licence plates, vehicles); what they see goes through the
//! gate's rules (门岗服务规范细则) and reaches the guard's screen as prompts and records. Data flows
//! one way: camera → vision → recognition → rules → events → store / screen / notifications.
//! The vision stages and the rules are pure; only the pipeline, the store and the web layer do
//! I/O. See `DESIGN.md` in the shared folder and the README for how the parts fit.

pub mod app;
pub mod camera;
pub mod clock;
pub mod cmds;
pub mod config;
pub mod domain;
pub mod import;
pub mod notify;
pub mod pipeline;
pub mod recognize;
pub mod rules;
pub mod store;
pub mod training;
pub mod vision;
pub mod web;
