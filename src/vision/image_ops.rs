//! Image operations shared by the vision stages: SIMD resizing, and writing pixels straight
//! into a model's input tensor in the layout, channel order and normalisation its manifest entry
//! names. Decoding photos from outside is `vision::decode`.

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;
use ndarray::Array4;

use super::manifest::{Colour, InputSpec, Layout};

/// Why an image could not be resized or made into a tensor.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot resize an image of {width}×{height} to {to_width}×{to_height}")]
    Resize {
        width: u32,
        height: u32,
        to_width: u32,
        to_height: u32,
    },
    #[error("a batch needs images of one size; got {first:?} and {other:?}")]
    MixedSizes {
        first: (u32, u32),
        other: (u32, u32),
    },
}

/// Resizes to exactly `width`×`height` (aspect ratio not kept). Shrinking averages every source
/// pixel (convolution), so small faces and characters are not aliased away.
pub fn resize(img: &RgbImage, width: u32, height: u32) -> Result<RgbImage, ImageError> {
    let err = || ImageError::Resize {
        width: img.width(),
        height: img.height(),
        to_width: width,
        to_height: height,
    };
    if width == 0 || height == 0 || img.width() == 0 || img.height() == 0 {
        return Err(err());
    }
    if (width, height) == img.dimensions() {
        return Ok(img.clone());
    }
    let mut dst = RgbImage::new(width, height);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    // one resizer per thread, kept: a new one works out its filter coefficients and buffers
    // again (~2.5 ms of the ~8 ms a 1080p frame takes to shrink to 1280 px on this project's
    // machine); a kept one reuses them for the next frame of the same sizes
    RESIZER
        .with(|r| r.borrow_mut().resize(img, &mut dst, &options))
        .map_err(|_| err())?;
    Ok(dst)
}

thread_local! {
    static RESIZER: std::cell::RefCell<Resizer> = std::cell::RefCell::new(Resizer::new());
}

/// The size an image scales to so that its longer side is at most `max_side` and both sides
/// are multiples of `multiple` (detectors with strided feature maps want that).
pub fn fit_size(width: u32, height: u32, max_side: u32, multiple: u32) -> (u32, u32) {
    let scale = (max_side as f32 / width.max(height) as f32).min(1.0);
    let round = |v: u32| {
        let scaled = (v as f32 * scale).round() as u32;
        (scaled.div_ceil(multiple) * multiple).max(multiple)
    };
    (round(width), round(height))
}

/// Writes a batch of equally sized RGB images into a tensor laid out, ordered and normalised as
/// `spec` says: value = (pixel − mean) / std.
pub fn to_tensor(images: &[&RgbImage], spec: &InputSpec) -> Result<Array4<f32>, ImageError> {
    let first = images.first().map_or((0, 0), |i| i.dimensions());
    if let Some(other) = images.iter().map(|i| i.dimensions()).find(|&d| d != first) {
        return Err(ImageError::MixedSizes { first, other });
    }
    let (w, h) = (first.0 as usize, first.1 as usize);
    let n = images.len();
    // Channel c of the tensor takes RGB channel order[c].
    let order = match spec.colour {
        Colour::Rgb => [0, 1, 2],
        Colour::Bgr => [2, 1, 0],
    };
    let scale = spec.std.map(|s| 1.0 / s);
    let mut tensor = match spec.layout {
        Layout::Nchw => Array4::<f32>::zeros((n, 3, h, w)),
        Layout::Nhwc => Array4::<f32>::zeros((n, h, w, 3)),
    };
    for (b, img) in images.iter().enumerate() {
        for (x, y, px) in img.enumerate_pixels() {
            let (x, y) = (x as usize, y as usize);
            for c in 0..3 {
                let v = (f32::from(px.0[order[c]]) - spec.mean[c]) * scale[c];
                match spec.layout {
                    Layout::Nchw => tensor[[b, c, y, x]] = v,
                    Layout::Nhwc => tensor[[b, y, x, c]] = v,
                }
            }
        }
    }
    Ok(tensor)
}

/// A `[1, 3, height, width]` tensor of `img` normalised as `spec` says, padded right and bottom
/// with zeros (the mean colour). `None` when the model is not NCHW.
pub fn padded_tensor(
    img: &RgbImage,
    width: u32,
    height: u32,
    spec: &InputSpec,
) -> Option<Array4<f32>> {
    padded_tensor_in(img, width, height, spec, None)
}

/// [`padded_tensor`] written into `reuse` when it has the right shape: a detector's input is
/// megabytes, and fresh memory for every frame costs page faults (~1 ms at 1120×640).
pub fn padded_tensor_in(
    img: &RgbImage,
    width: u32,
    height: u32,
    spec: &InputSpec,
    reuse: Option<Array4<f32>>,
) -> Option<Array4<f32>> {
    if spec.layout != Layout::Nchw {
        return None;
    }
    let (tw, th) = (width as usize, height as usize);
    let (iw, ih) = (img.width() as usize, img.height() as usize);
    let order = match spec.colour {
        Colour::Rgb => [0, 1, 2],
        Colour::Bgr => [2, 1, 0],
    };
    let scale = spec.std.map(|s| 1.0 / s);
    let mut tensor = match reuse {
        Some(mut t) if t.dim() == (1, 3, th, tw) && t.is_standard_layout() => {
            t.fill(0.0);
            t
        }
        _ => Array4::<f32>::zeros((1, 3, th, tw)),
    };
    let data = tensor.as_slice_mut()?;
    let plane = tw * th;
    let raw = img.as_raw();
    for y in 0..ih.min(th) {
        let src = &raw[y * iw * 3..(y + 1) * iw * 3];
        for c in 0..3 {
            let dst = &mut data[c * plane + y * tw..c * plane + y * tw + iw.min(tw)];
            let (mean, k, o) = (spec.mean[c], scale[c], order[c]);
            for (d, px) in dst.iter_mut().zip(src.chunks_exact(3)) {
                *d = (f32::from(px[o]) - mean) * k;
            }
        }
    }
    Some(tensor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(layout: Layout, colour: Colour) -> InputSpec {
        InputSpec {
            name: "in".into(),
            shape: vec![-1, -1, -1, -1],
            layout,
            colour,
            mean: [104.0, 117.0, 123.0],
            std: [1.0, 2.0, 4.0],
        }
    }

    #[test]
    fn bgr_nchw_puts_blue_first_and_normalises_per_channel() {
        let img = RgbImage::from_pixel(2, 1, image::Rgb([200, 100, 50]));
        let t = to_tensor(&[&img], &spec(Layout::Nchw, Colour::Bgr)).unwrap();
        assert_eq!(t.shape(), &[1, 3, 1, 2]);
        assert_eq!(t[[0, 0, 0, 1]], 50.0 - 104.0);
        assert_eq!(t[[0, 1, 0, 1]], (100.0 - 117.0) / 2.0);
        assert_eq!(t[[0, 2, 0, 1]], (200.0 - 123.0) / 4.0);
    }

    #[test]
    fn rgb_nhwc_keeps_red_first() {
        let img = RgbImage::from_pixel(1, 2, image::Rgb([200, 100, 50]));
        let t = to_tensor(&[&img, &img], &spec(Layout::Nhwc, Colour::Rgb)).unwrap();
        assert_eq!(t.shape(), &[2, 2, 1, 3]);
        assert_eq!(t[[1, 1, 0, 0]], 200.0 - 104.0);
    }

    #[test]
    fn mixed_sizes_are_refused() {
        let a = RgbImage::new(2, 2);
        let b = RgbImage::new(3, 2);
        assert!(to_tensor(&[&a, &b], &spec(Layout::Nchw, Colour::Rgb)).is_err());
    }

    #[test]
    fn fit_size_keeps_aspect_and_strides() {
        assert_eq!(fit_size(1920, 1080, 1280, 32), (1280, 736));
        assert_eq!(fit_size(400, 300, 1280, 32), (416, 320));
    }

    #[test]
    fn shrinking_averages_pixels() {
        let mut img = RgbImage::new(4, 4);
        for (x, _, p) in img.enumerate_pixels_mut() {
            *p = image::Rgb(if x % 2 == 0 { [0; 3] } else { [200; 3] });
        }
        let small = resize(&img, 1, 1).unwrap();
        let v = small.get_pixel(0, 0).0[0];
        assert!((90..=110).contains(&v), "{v}");
    }

    #[test]
    fn padding_is_the_mean_colour_and_pixels_are_bgr() {
        let spec = InputSpec {
            name: "input".into(),
            shape: vec![-1, 3, -1, -1],
            layout: Layout::Nchw,
            colour: Colour::Bgr,
            mean: [104.0, 117.0, 123.0],
            std: [1.0, 1.0, 1.0],
        };
        let img = RgbImage::from_pixel(3, 2, image::Rgb([200, 100, 50]));
        let t = padded_tensor(&img, 32, 32, &spec).unwrap();
        assert_eq!(t.shape(), &[1, 3, 32, 32]);
        assert_eq!(t[[0, 0, 1, 2]], 50.0 - 104.0);
        assert_eq!(t[[0, 2, 1, 2]], 200.0 - 123.0);
        assert_eq!(t[[0, 0, 1, 3]], 0.0);
        assert_eq!(t[[0, 1, 2, 0]], 0.0);
        let nhwc = InputSpec {
            layout: Layout::Nhwc,
            ..spec
        };
        assert!(padded_tensor(&img, 32, 32, &nhwc).is_none());
    }
}
