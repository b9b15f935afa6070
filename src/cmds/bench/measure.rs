//! Measuring helpers the benchmarks share: the median of timings, and a photo placed on a
//! camera-sized canvas.

use image::{Rgb, RgbImage};

use crate::vision::image_ops;

/// `img` scaled (aspect kept) to fit `size` and centred on a grey canvas of that size; with
/// `enlarge` false a smaller image keeps its own size (an enlarged plate is a blurred one).
pub fn on_canvas(img: &RgbImage, size: (u32, u32), enlarge: bool) -> anyhow::Result<RgbImage> {
    let fit = (size.0 as f64 / img.width() as f64).min(size.1 as f64 / img.height() as f64);
    let scale = if enlarge { fit } else { fit.min(1.0) };
    let w = ((img.width() as f64 * scale).round() as u32).clamp(1, size.0);
    let h = ((img.height() as f64 * scale).round() as u32).clamp(1, size.1);
    let scaled = image_ops::resize(img, w, h)?;
    let mut canvas = RgbImage::from_pixel(size.0, size.1, Rgb([118, 118, 118]));
    image::imageops::replace(
        &mut canvas,
        &scaled,
        i64::from((size.0 - w) / 2),
        i64::from((size.1 - h) / 2),
    );
    Ok(canvas)
}

/// Median of sorted values (0 when empty).
pub fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
