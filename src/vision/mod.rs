//! The vision stages: ONNX Runtime and the model pack, and the image operations they share.

pub mod ctc;
pub mod image_ops;
pub mod manifest;
pub mod runtime;
