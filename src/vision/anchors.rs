//! The anchor scheme RetinaFace-style detectors share (the face detector and the plate
//! detector): priors on three feature-map levels, the decoding of box and point offsets
//! against them with the variances [0.1, 0.2], and the frame preparation and output checks
//! both detectors run.

use std::borrow::Cow;

use image::RgbImage;
use ndarray::{Array4, ArrayD};

use super::image_ops;
use super::manifest::InputSpec;

/// Tensor sides are rounded up to a multiple of this (the coarsest stride).
pub const MULTIPLE: u32 = 32;

/// The size a `width`×`height` frame is run at before padding: itself when its longer side is
/// at most `max_side`, else shrunk (aspect kept) to that longer side.
pub fn working_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longer = width.max(height);
    if longer <= max_side || max_side == 0 {
        return (width, height);
    }
    let scale = max_side as f64 / longer as f64;
    let side = |v: u32| ((v as f64 * scale).round() as u32).clamp(1, max_side);
    (side(width), side(height))
}

/// A frame made ready for a detector: the model's input tensor and where it sits in the frame.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub tensor: Array4<f32>,
    pub frame: Frame,
}

/// Shrinks `img` when its longer side is above `max_side` and makes the padded NCHW input
/// tensor `spec` describes (sides rounded up to [`MULTIPLE`], padding at the mean colour).
/// `Ok(None)` for an empty image; `Err` with the reason when the model is not NCHW or the
/// resize fails. `reuse` is the previous frame's tensor, written over when its size fits.
pub fn prepare(
    img: &RgbImage,
    max_side: u32,
    spec: &InputSpec,
    reuse: Option<Array4<f32>>,
) -> Result<Option<Prepared>, String> {
    let (ow, oh) = img.dimensions();
    if ow == 0 || oh == 0 {
        return Ok(None);
    }
    let (ww, wh) = working_size(ow, oh, max_side);
    let resized;
    let work = if (ww, wh) == (ow, oh) {
        img
    } else {
        resized = image_ops::resize(img, ww, wh).map_err(|e| e.to_string())?;
        &resized
    };
    let (tw, th) = (
        ww.div_ceil(MULTIPLE) * MULTIPLE,
        wh.div_ceil(MULTIPLE) * MULTIPLE,
    );
    let tensor = image_ops::padded_tensor_in(work, tw, th, spec, reuse)
        .ok_or_else(|| "the detector's input must be NCHW".to_owned())?;
    Ok(Some(Prepared {
        tensor,
        frame: Frame {
            tensor: (tw, th),
            scale: (ow as f32 / ww as f32, oh as f32 / wh as f32),
            original: (ow, oh),
        },
    }))
}

/// The detector's outputs as flat rows, checked against the priors: output `i` must hold
/// `priors × cols[i]` values. Borrowed when the output is contiguous (it always is from
/// [`super::runtime::Model::run`]), copied otherwise.
pub fn flat_outputs<'a>(
    outputs: &'a [ArrayD<f32>],
    priors: usize,
    cols: &[usize],
) -> Result<Vec<Cow<'a, [f32]>>, String> {
    cols.iter()
        .enumerate()
        .map(|(i, &c)| {
            let out = outputs
                .get(i)
                .ok_or_else(|| format!("output {i} missing"))?;
            if out.len() != priors * c {
                return Err(format!(
                    "output {i} has {} values, {priors} priors × {c} were expected",
                    out.len()
                ));
            }
            Ok(match out.as_slice() {
                Some(slice) => Cow::Borrowed(slice),
                None => Cow::Owned(out.iter().copied().collect()),
            })
        })
        .collect()
}

/// Feature-map strides of the three detection levels.
pub const STEPS: [u32; 3] = [8, 16, 32];
/// Box-coding variances (centre, size).
pub const VARIANCES: [f32; 2] = [0.1, 0.2];

/// Where a model tensor sits in the original frame: its size (padding included) and the factor
/// from tensor pixels to original pixels, per axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Width and height of the tensor fed to the model (multiples of 32, padding included).
    pub tensor: (u32, u32),
    /// Original pixels per tensor pixel, x and y (1 at native resolution).
    pub scale: (f32, f32),
    /// Width and height of the original image, for clipping boxes.
    pub original: (u32, u32),
}

/// Priors for a `width`×`height` tensor, as `[cx, cy, w, h]` normalised by the tensor size, in
/// the models' row order: level, then cell row, cell column, anchor size. `min_sizes[l]` are
/// the anchor sizes (input pixels) of level `l`.
pub fn priors(width: u32, height: u32, min_sizes: &[[f32; 2]; 3]) -> Vec<[f32; 4]> {
    let (w, h) = (width as f32, height as f32);
    let mut out = Vec::new();
    for (step, sizes) in STEPS.iter().zip(min_sizes.iter()) {
        let rows = height.div_ceil(*step);
        let cols = width.div_ceil(*step);
        let s = *step as f32;
        for i in 0..rows {
            for j in 0..cols {
                let cx = (j as f32 + 0.5) * s / w;
                let cy = (i as f32 + 0.5) * s / h;
                for size in sizes {
                    out.push([cx, cy, size / w, size / h]);
                }
            }
        }
    }
    out
}

/// The box `[x1, y1, x2, y2]` (normalised) that offsets `l = [dx, dy, dw, dh]` give on prior `p`.
pub fn decode_box(p: &[f32; 4], l: &[f32]) -> [f32; 4] {
    let cx = p[0] + l[0] * VARIANCES[0] * p[2];
    let cy = p[1] + l[1] * VARIANCES[0] * p[3];
    let w = p[2] * (l[2] * VARIANCES[1]).exp();
    let h = p[3] * (l[3] * VARIANCES[1]).exp();
    [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]
}

/// The point (normalised) that offsets `(dx, dy)` give on prior `p`.
pub fn decode_point(p: &[f32; 4], dx: f32, dy: f32) -> [f32; 2] {
    [
        p[0] + dx * VARIANCES[0] * p[2],
        p[1] + dy * VARIANCES[0] * p[3],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_up_to_max_side_run_as_they_are_larger_ones_shrunk() {
        assert_eq!(working_size(1920, 1080, 1920), (1920, 1080));
        assert_eq!(working_size(1666, 1136, 1920), (1666, 1136));
        assert_eq!(working_size(3840, 2160, 1920), (1920, 1080));
        assert_eq!(working_size(970, 2204, 1920), (845, 1920));
        assert_eq!(working_size(1, 1, 1920), (1, 1));
    }
}
