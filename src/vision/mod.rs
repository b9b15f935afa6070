//! The vision stages: ONNX Runtime and the model pack, and the image operations they share.

pub mod align;
pub mod anchors;
pub mod crop;
pub mod ctc;
pub mod decode;
pub mod face_detect;
pub mod face_embed;
pub mod face_quality;
pub mod faces;
pub mod image_ops;
pub mod manifest;
pub mod nms;
pub mod plate_chars;
pub mod plate_colour;
pub mod plate_detect;
pub mod plate_read;
pub mod plates;
pub mod runtime;
pub mod vehicle_detect;
