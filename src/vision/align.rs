//! Face alignment: a least-squares similarity transform of the 5 detector landmarks onto the
//! ArcFace 112×112 template, and the bilinear warp that cuts the aligned face out of the frame.
//!
//! Coordinates follow OpenCV's convention (the one the template and the embedder's training
//! used): pixel (x, y) has its centre at integer coordinates (x, y). Landmarks stay sub-pixel.

use image::RgbImage;

use super::image_ops;

/// Side of the aligned face, in pixels.
pub const FACE_SIZE: u32 = 112;

/// The ArcFace 112×112 template: image-left eye, image-right eye, nose tip, mouth corner on the
/// image's left, mouth corner on the image's right.
pub const TEMPLATE: [[f32; 2]; 5] = [
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
];

/// A similarity transform (rotation, uniform scale, translation; no reflection):
/// x' = a·x − b·y + tx, y' = b·x + a·y + ty, so scale = √(a² + b²).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub a: f64,
    pub b: f64,
    pub tx: f64,
    pub ty: f64,
}

impl Similarity {
    /// The transform that changes nothing.
    pub const IDENTITY: Similarity = Similarity {
        a: 1.0,
        b: 0.0,
        tx: 0.0,
        ty: 0.0,
    };

    /// Maps one point.
    pub fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        let (x, y) = (f64::from(p[0]), f64::from(p[1]));
        let (u, v) = self.apply_f64(x, y);
        [u as f32, v as f32]
    }

    fn apply_f64(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.a * x - self.b * y + self.tx,
            self.b * x + self.a * y + self.ty,
        )
    }

    /// The uniform scale factor (output length per input length).
    pub fn scale(&self) -> f64 {
        self.a.hypot(self.b)
    }

    /// The rotation in radians (counter-clockwise in x-right, y-up terms; clockwise on screen).
    pub fn angle(&self) -> f64 {
        self.b.atan2(self.a)
    }

    /// The transform that undoes this one. A transform of scale 0 has none; its inverse is
    /// made of non-finite numbers.
    pub fn inverse(&self) -> Similarity {
        let s2 = self.a * self.a + self.b * self.b;
        let (a, b) = (self.a / s2, -self.b / s2);
        Similarity {
            a,
            b,
            tx: -(a * self.tx - b * self.ty),
            ty: -(b * self.tx + a * self.ty),
        }
    }
}

/// The similarity transform that maps `src` onto `dst` with the least squared error (Umeyama's
/// method, which in 2-D has this closed form; it never reflects). When the source points all
/// coincide the scale is undefined: the result then only moves their centroid onto `dst`'s.
pub fn similarity_transform(src: &[[f32; 2]; 5], dst: &[[f32; 2]; 5]) -> Similarity {
    let n = src.len() as f64;
    let mean = |pts: &[[f32; 2]; 5]| {
        let (sx, sy) = pts.iter().fold((0.0, 0.0), |(sx, sy), p| {
            (sx + f64::from(p[0]), sy + f64::from(p[1]))
        });
        (sx / n, sy / n)
    };
    let (msx, msy) = mean(src);
    let (mdx, mdy) = mean(dst);
    let (mut dot, mut cross, mut var) = (0.0, 0.0, 0.0);
    for (s, d) in src.iter().zip(dst) {
        let (sx, sy) = (f64::from(s[0]) - msx, f64::from(s[1]) - msy);
        let (dx, dy) = (f64::from(d[0]) - mdx, f64::from(d[1]) - mdy);
        dot += sx * dx + sy * dy;
        cross += sx * dy - sy * dx;
        var += sx * sx + sy * sy;
    }
    let (a, b) = if var > 1e-12 {
        (dot / var, cross / var)
    } else {
        (1.0, 0.0)
    };
    Similarity {
        a,
        b,
        tx: mdx - (a * msx - b * msy),
        ty: mdy - (b * msx + a * msy),
    }
}

/// Cuts the face out of `img` aligned to the 112×112 ArcFace template: each output pixel is
/// mapped back into the image and sampled bilinearly, clamping at the image's edges. When the
/// face is more than twice the template's size (the transform's scale is below 0.5) the region
/// is first shrunk with an area-averaging resize, so fine detail is not aliased.
pub fn align_face(img: &RgbImage, landmarks: &[[f32; 2]; 5]) -> RgbImage {
    let mut out = RgbImage::new(FACE_SIZE, FACE_SIZE);
    if img.width() == 0 || img.height() == 0 {
        return out;
    }
    let to_face = similarity_transform(landmarks, &TEMPLATE);
    let to_image = to_face.inverse();
    let scale = to_face.scale();
    if !(scale.is_finite() && to_image.scale().is_finite()) {
        return out;
    }
    let shrunk = if scale < 0.5 {
        shrink_region(img, &to_image, scale)
    } else {
        None
    };
    let (source, region) = match &shrunk {
        Some((small, region)) => (small, *region),
        None => (img, Region::WHOLE),
    };
    let sampler = Sampler::new(source);
    for (x, y, px) in out.enumerate_pixels_mut() {
        let (ix, iy) = to_image.apply_f64(f64::from(x), f64::from(y));
        let (sx, sy) = region.map(ix, iy);
        px.0 = sampler.bilinear(sx, sy);
    }
    out
}

/// Where a shrunk crop sits in the original image: source pixel centre (u, v) of the crop is at
/// original coordinates (ox + (u + 0.5) / kx − 0.5, oy + (v + 0.5) / ky − 0.5).
#[derive(Debug, Clone, Copy)]
struct Region {
    ox: f64,
    oy: f64,
    kx: f64,
    ky: f64,
}

impl Region {
    /// The image itself, not cropped or shrunk.
    const WHOLE: Region = Region {
        ox: 0.0,
        oy: 0.0,
        kx: 1.0,
        ky: 1.0,
    };

    /// Original-image coordinates to the crop's.
    fn map(self, x: f64, y: f64) -> (f64, f64) {
        (
            (x - self.ox + 0.5) * self.kx - 0.5,
            (y - self.oy + 0.5) * self.ky - 0.5,
        )
    }
}

/// Crops the part of `img` the aligned face covers (with a margin) and shrinks it by `scale`
/// with an area-averaging resize, so the warp that follows maps about one pixel to one pixel.
/// `None` when the region misses the image or the resize fails (the caller then samples the
/// full-size image).
fn shrink_region(img: &RgbImage, to_image: &Similarity, scale: f64) -> Option<(RgbImage, Region)> {
    let last = f64::from(FACE_SIZE - 1);
    let corners =
        [(0.0, 0.0), (last, 0.0), (0.0, last), (last, last)].map(|(x, y)| to_image.apply_f64(x, y));
    // Two output pixels of margin, so bilinear sampling near the border reads real neighbours.
    let margin = 2.0 / scale;
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let x0 = (corners.iter().map(|c| c.0).fold(f64::INFINITY, f64::min) - margin)
        .floor()
        .clamp(0.0, w - 1.0);
    let y0 = (corners.iter().map(|c| c.1).fold(f64::INFINITY, f64::min) - margin)
        .floor()
        .clamp(0.0, h - 1.0);
    let x1 = (corners
        .iter()
        .map(|c| c.0)
        .fold(f64::NEG_INFINITY, f64::max)
        + margin)
        .ceil()
        .clamp(0.0, w - 1.0);
    let y1 = (corners
        .iter()
        .map(|c| c.1)
        .fold(f64::NEG_INFINITY, f64::max)
        + margin)
        .ceil()
        .clamp(0.0, h - 1.0);
    let (cw, ch) = (x1 - x0 + 1.0, y1 - y0 + 1.0);
    if cw < 2.0 || ch < 2.0 {
        return None;
    }
    let (sw, sh) = ((cw * scale).round().max(1.0), (ch * scale).round().max(1.0));
    let crop =
        image::imageops::crop_imm(img, x0 as u32, y0 as u32, cw as u32, ch as u32).to_image();
    let small = image_ops::resize(&crop, sw as u32, sh as u32).ok()?;
    Some((
        small,
        Region {
            ox: x0,
            oy: y0,
            kx: sw / cw,
            ky: sh / ch,
        },
    ))
}

/// Bilinear reads of an RGB image, clamping coordinates to its edges.
struct Sampler<'a> {
    data: &'a [u8],
    width: usize,
    max_x: f64,
    max_y: f64,
}

impl<'a> Sampler<'a> {
    fn new(img: &'a RgbImage) -> Sampler<'a> {
        Sampler {
            data: img.as_raw(),
            width: img.width() as usize,
            max_x: f64::from(img.width().saturating_sub(1)),
            max_y: f64::from(img.height().saturating_sub(1)),
        }
    }

    fn bilinear(&self, x: f64, y: f64) -> [u8; 3] {
        // NaN becomes 0 in the casts below, so a broken transform reads a corner, not memory.
        let x = x.clamp(0.0, self.max_x);
        let y = y.clamp(0.0, self.max_y);
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as usize, y0 as usize);
        let x1 = (x0 + 1).min(self.max_x as usize);
        let y1 = (y0 + 1).min(self.max_y as usize);
        let at =
            |xx: usize, yy: usize, c: usize| f64::from(self.data[(yy * self.width + xx) * 3 + c]);
        let mut px = [0u8; 3];
        for (c, v) in px.iter_mut().enumerate() {
            let top = at(x0, y0, c) * (1.0 - fx) + at(x1, y0, c) * fx;
            let bottom = at(x0, y1, c) * (1.0 - fx) + at(x1, y1, c) * fx;
            *v = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
        }
        px
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: [f32; 2], b: [f32; 2], tol: f32) -> bool {
        (a[0] - b[0]).abs() <= tol && (a[1] - b[1]).abs() <= tol
    }

    #[test]
    fn template_onto_itself_is_the_identity() {
        let t = similarity_transform(&TEMPLATE, &TEMPLATE);
        assert!((t.a - 1.0).abs() < 1e-9, "{t:?}");
        assert!(
            t.b.abs() < 1e-9 && t.tx.abs() < 1e-6 && t.ty.abs() < 1e-6,
            "{t:?}"
        );
    }

    #[test]
    fn a_known_rotation_scale_and_shift_is_recovered() {
        let (s, angle, tx, ty) = (2.7f64, 0.35f64, 431.25, -17.5);
        let known = Similarity {
            a: s * angle.cos(),
            b: s * angle.sin(),
            tx,
            ty,
        };
        let src = TEMPLATE;
        let dst = src.map(|p| known.apply(p));
        let found = similarity_transform(&src, &dst);
        assert!((found.scale() - s).abs() < 1e-3, "{found:?}");
        assert!((found.angle() - angle).abs() < 1e-3, "{found:?}");
        assert!(
            (found.tx - tx).abs() < 1e-3 && (found.ty - ty).abs() < 1e-3,
            "{found:?}"
        );
        // And the inverse takes the points back.
        let back = found.inverse();
        for (p, q) in src.iter().zip(&dst) {
            assert!(close(back.apply(*q), *p, 1e-3), "{p:?} {q:?}");
        }
    }

    #[test]
    fn the_least_squares_fit_does_not_reflect() {
        // A mirrored template cannot be reached without reflection: the best rotation still
        // maps the centroid onto the centroid, and shrinks rather than flips.
        let mirrored = TEMPLATE.map(|p| [112.0 - p[0], p[1]]);
        let t = similarity_transform(&TEMPLATE, &mirrored);
        let c = |pts: &[[f32; 2]; 5]| {
            let s = pts
                .iter()
                .fold([0.0f32; 2], |s, p| [s[0] + p[0], s[1] + p[1]]);
            [s[0] / 5.0, s[1] / 5.0]
        };
        assert!(close(t.apply(c(&TEMPLATE)), c(&mirrored), 1e-3));
        assert!(
            t.scale() < 1.0,
            "a reflection fitted by a rotation shrinks: {t:?}"
        );
    }

    #[test]
    fn coincident_landmarks_do_not_break_the_warp() {
        let img = RgbImage::from_pixel(50, 40, image::Rgb([9, 8, 7]));
        let out = align_face(&img, &[[10.0, 10.0]; 5]);
        assert_eq!(out.dimensions(), (FACE_SIZE, FACE_SIZE));
        let nan = align_face(&img, &[[f32::NAN, 1.0]; 5]);
        assert_eq!(nan.dimensions(), (FACE_SIZE, FACE_SIZE));
        let empty = align_face(&RgbImage::new(0, 0), &TEMPLATE);
        assert_eq!(empty.dimensions(), (FACE_SIZE, FACE_SIZE));
    }

    /// A grey image with a bright 3×3 square centred on `at`.
    fn marked(width: u32, height: u32, at: (u32, u32), half: u32) -> RgbImage {
        let mut img = RgbImage::from_pixel(width, height, image::Rgb([40, 40, 40]));
        for y in at.1 - half..=at.1 + half {
            for x in at.0 - half..=at.0 + half {
                img.put_pixel(x, y, image::Rgb([250, 20, 20]));
            }
        }
        img
    }

    /// The centroid of the red pixels.
    fn red_centroid(img: &RgbImage) -> [f32; 2] {
        let (mut sx, mut sy, mut w) = (0.0f32, 0.0f32, 0.0f32);
        for (x, y, px) in img.enumerate_pixels() {
            let r = f32::from(px.0[0].saturating_sub(px.0[1]));
            sx += r * x as f32;
            sy += r * y as f32;
            w += r;
        }
        [sx / w, sy / w]
    }

    #[test]
    fn align_puts_a_marked_point_where_the_transform_says() {
        // Landmarks: the template rotated by 20°, scaled by 1.5 and moved; the mark sits on
        // the nose, so it must land on the template's nose.
        let angle = 20f64.to_radians();
        let place = Similarity {
            a: 1.5 * angle.cos(),
            b: 1.5 * angle.sin(),
            tx: 80.0,
            ty: 30.0,
        };
        let landmarks = TEMPLATE.map(|p| place.apply(p));
        let nose = landmarks[2];
        let img = marked(
            320,
            260,
            (nose[0].round() as u32, nose[1].round() as u32),
            1,
        );
        let out = align_face(&img, &landmarks);
        let expected =
            similarity_transform(&landmarks, &TEMPLATE).apply([nose[0].round(), nose[1].round()]);
        assert!(
            close(red_centroid(&out), expected, 0.3),
            "{:?} vs {expected:?}",
            red_centroid(&out)
        );
    }

    #[test]
    fn a_large_face_is_area_averaged_and_the_mark_still_lands_in_place() {
        // A face 4× the template: the warp shrinks first. The 9×9 mark on the left eye must
        // land on the template's left eye, and it must survive as a blob, not as aliased dots.
        let place = Similarity {
            a: 4.0,
            b: 0.0,
            tx: 100.0,
            ty: 50.0,
        };
        let landmarks = TEMPLATE.map(|p| place.apply(p));
        let eye = landmarks[0];
        let img = marked(700, 600, (eye[0].round() as u32, eye[1].round() as u32), 4);
        let out = align_face(&img, &landmarks);
        let expected =
            similarity_transform(&landmarks, &TEMPLATE).apply([eye[0].round(), eye[1].round()]);
        assert!(
            close(red_centroid(&out), expected, 0.3),
            "{:?} vs {expected:?}",
            red_centroid(&out)
        );
    }

    #[test]
    fn shrinking_more_than_twice_averages_instead_of_aliasing() {
        // Alternate black and white columns, seen 4× smaller: area-averaging gives an even
        // grey; point sampling would give stripes of pure black or white.
        let img = RgbImage::from_fn(800, 800, |x, _| {
            image::Rgb(if x % 2 == 0 { [0; 3] } else { [255; 3] })
        });
        let place = Similarity {
            a: 4.0 * 0.3f64.cos(),
            b: 4.0 * 0.3f64.sin(),
            tx: 250.0,
            ty: 100.0,
        };
        let out = align_face(&img, &TEMPLATE.map(|p| place.apply(p)));
        let (lo, hi) = out
            .pixels()
            .fold((255u8, 0u8), |(lo, hi), p| (lo.min(p.0[0]), hi.max(p.0[0])));
        assert!(lo > 100 && hi < 155, "grey range {lo}..{hi}");
    }
}
