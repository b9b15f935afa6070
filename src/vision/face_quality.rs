//! Face quality gate: measures how large, how sharp and how turned a detected face is, and
//! rejects faces that cannot be recognised reliably, with a reason the person enrolling can act
//! on (shown in Chinese and English).
//!
//! # Measures
//!
//! - **Visible** ([`Quality::visible`]): the share of the face inside the frame. The face region
//!   of the template ([`FACE_REGION`], brows to chin) is mapped back into the frame through the
//!   landmarks' alignment and sampled on a 16×16 grid; points outside the frame are the part of
//!   the face the photo cut off (the aligner fills them by clamping, so they are invented).
//! - **Size** ([`Quality::face_px`]): width of the detector's box in frame pixels. The aligned
//!   face is always 112×112, so a small face is an upscaled, soft one; size is the first cause
//!   of wrong matches at a distance.
//! - **Sharpness** ([`Quality::sharpness`]): variance of the 4-neighbour Laplacian of the grey
//!   aligned face, over the inner part of the template that holds eyes, nose and mouth
//!   ([`SHARP_REGION`]), so background, hair and the clamped edge of the frame do not count.
//!   Motion blur, focus blur and heavy upscaling all lower it.
//! - **Yaw** ([`Quality::yaw`]): the nose tip's offset from the midpoint of the eyes, along the
//!   eye line, relative to half the eye distance, clamped to −1..=1. 0 is frontal; ±1 means the
//!   nose is level with an eye (the head turned about 45° or more, a profile). Positive means
//!   the nose is towards the image's right.
//! - **Roll** ([`Quality::roll_deg`]): angle of the line from the image-left eye to the
//!   image-right eye, in degrees, positive clockwise on screen (y grows downwards). Alignment
//!   undoes roll, so its limit is loose; it mainly catches landmarks that went wrong.
//!
//! # Limits, chosen by measurement
//!
//! Measured with the real detector and `align_face` on the fixtures (`tests/face_quality.rs`
//! prints every row with `--nocapture`):
//!
//! | face                                      | box px   | sharpness  | yaw          | roll°       |
//! |-------------------------------------------|---------:|-----------:|-------------:|------------:|
//! | astronaut.png                             |     95.2 |      588.5 |       −0.040 |        +3.6 |
//! | obama.jpg                                 |    241.3 |      463.2 |       −0.006 |        −0.5 |
//! | obama2.jpg                                |    280.4 |      286.3 |       −0.411 |        +6.2 |
//! | obama3.jpg                                |    268.1 |      146.2 |       +0.216 |        +3.3 |
//! | biden.jpg                                 |    286.9 |      183.6 |       +0.242 |        +8.1 |
//! | obama_partial_face.jpg / 2                | 194 / 188|  324 / 305 | −0.16 / +0.35| +0.4 / −0.1 |
//! | 5 portraits' aligned faces, blur σ=1.5    |     same |  13.4–28.3 |         same |        same |
//! | … σ=2                                     |     same |   5.7–13.7 |         same |        same |
//! | … σ=3                                     |     same |    1.9–5.2 |         same |        same |
//! | astronaut.png shrunk 4× (128×128)         |     23.2 |       18.6 |       −0.054 |        +1.5 |
//! | solvay-1927.png, 29 faces                 | 37.6–54.4|  39.8–305.9 | −0.21..+0.32, one −0.75 | −8.5..+6.3 |
//!
//! Sharpness falls fast with blur (σ=1.5 divides it by 10–20) and the sharp portraits stay
//! above 146, so the enrolment floor of 60 sits 2.4× under the softest good portrait and 2× over
//! the sharpest σ=1.5 copy. The Solvay faces are 38–54 px and upscaled about 2.5× by
//! alignment, yet all are ≥ 39.8, hence the recognition
//! floor of 20, which still rejects every σ=2 copy. One Solvay face has yaw −0.75 (its nose
//! three quarters of the way to an eye); every other face is within ±0.32.
//!
//! The two `obama_partial_face` photos are cut by the frame's edge: visible 0.75 and 0.81
//! (every other fixture face 1.0). They still match Obama's enrolled photo at 0.87 and 0.92, so
//! recognition accepts down to 0.7, but a gallery photo must hold the whole face (≥ 0.97), or
//! the clamped edge becomes part of the person's template. The gate does not see other
//! occlusion (a hand, a mask).
//!
//! See [`QualityLimits::for_enrolment`] and [`QualityLimits::for_recognition`] for the limits
//! and why.

use std::fmt;

use image::RgbImage;

use super::align::{TEMPLATE, similarity_transform};
use super::face_detect::Face;

/// The part of the 112×112 aligned face whose sharpness is measured, `[x0, y0, x1, y1)`: it
/// holds both eyes (template y ≈ 52), the nose (y ≈ 72) and the mouth (y ≈ 92) with a margin,
/// and leaves out the background, the hair and the corners where the warp clamps at the frame.
pub const SHARP_REGION: [u32; 4] = [20, 28, 92, 108];

/// The part of the 112×112 template the face itself covers, `[x0, y0, x1, y1]`: brows to chin
/// and cheek to cheek. [`visible`] samples it to tell how much of the face is in the frame.
pub const FACE_REGION: [f32; 4] = [16.0, 24.0, 96.0, 112.0];

/// What the gate measured of one face. See the module documentation for each measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    /// Share of the face (0..=1) that lies inside the frame; below 1 the face is cut off by the
    /// frame's edge.
    pub visible: f32,
    /// Width of the detector's box, in frame pixels.
    pub face_px: f32,
    /// Variance of the Laplacian of the grey aligned face (grey levels 0..=255).
    pub sharpness: f32,
    /// Head turn from landmark asymmetry, −1..=1, 0 frontal.
    pub yaw: f32,
    /// Angle of the eye line, degrees, positive clockwise on screen.
    pub roll_deg: f32,
}

/// Measures `face` (from the detector, in a frame of `frame` = width × height pixels) and
/// `aligned` (its 112×112 crop from [`align_face`](super::align::align_face)).
pub fn assess(face: &Face, aligned: &RgbImage, frame: (u32, u32)) -> Quality {
    let (yaw, roll_deg) = pose(&face.landmarks);
    Quality {
        visible: visible(&face.landmarks, frame),
        face_px: face.width().max(0.0),
        sharpness: sharpness(aligned),
        yaw,
        roll_deg,
    }
}

/// Yaw (−1..=1) and roll (degrees) from the five landmarks; see the module documentation.
/// Landmarks whose eyes coincide give yaw 0 and roll 0 (nothing to measure against); the size
/// check rejects such a face anyway.
pub fn pose(landmarks: &[[f32; 2]; 5]) -> (f32, f32) {
    let [left_eye, right_eye, nose, _, _] = *landmarks;
    let dx = right_eye[0] - left_eye[0];
    let dy = right_eye[1] - left_eye[1];
    let dist = dx.hypot(dy);
    if !(dist.is_finite() && dist > 1e-3) {
        return (0.0, 0.0);
    }
    let roll_deg = dy.atan2(dx).to_degrees();
    let (ux, uy) = (dx / dist, dy / dist);
    let mid = [
        (left_eye[0] + right_eye[0]) / 2.0,
        (left_eye[1] + right_eye[1]) / 2.0,
    ];
    let along = (nose[0] - mid[0]) * ux + (nose[1] - mid[1]) * uy;
    let yaw = (along / (dist / 2.0)).clamp(-1.0, 1.0);
    if yaw.is_finite() && roll_deg.is_finite() {
        (yaw, roll_deg)
    } else {
        (0.0, 0.0)
    }
}

/// Share of [`FACE_REGION`] of the template that, mapped through the landmarks' alignment
/// back into a `frame`-sized image, falls inside it: a 16×16 grid of sample points. 1 for a
/// face wholly in the frame; a face cut in half by the frame's edge gives about 0.5. Landmarks
/// that give no transform count as wholly visible (the size check rejects such a face).
pub fn visible(landmarks: &[[f32; 2]; 5], frame: (u32, u32)) -> f32 {
    const STEPS: u32 = 16;
    let to_image = similarity_transform(landmarks, &TEMPLATE).inverse();
    if !to_image.scale().is_finite() {
        return 1.0;
    }
    let (w, h) = (frame.0 as f32, frame.1 as f32);
    let [x0, y0, x1, y1] = FACE_REGION;
    let mut inside = 0;
    for i in 0..STEPS {
        for j in 0..STEPS {
            let x = x0 + (x1 - x0) * (j as f32 + 0.5) / STEPS as f32;
            let y = y0 + (y1 - y0) * (i as f32 + 0.5) / STEPS as f32;
            let [u, v] = to_image.apply([x, y]);
            if (-0.5..w - 0.5).contains(&u) && (-0.5..h - 0.5).contains(&v) {
                inside += 1;
            }
        }
    }
    inside as f32 / (STEPS * STEPS) as f32
}

/// Variance of the 4-neighbour Laplacian of the grey (Rec. 601) image over [`SHARP_REGION`]
/// (clipped to the image; every pixel of the region must have its four neighbours inside).
/// 0 for an image too small to have such pixels.
pub fn sharpness(img: &RgbImage) -> f32 {
    let (w, h) = (img.width(), img.height());
    let x0 = SHARP_REGION[0].max(1);
    let y0 = SHARP_REGION[1].max(1);
    let x1 = SHARP_REGION[2].min(w.saturating_sub(1));
    let y1 = SHARP_REGION[3].min(h.saturating_sub(1));
    if x0 >= x1 || y0 >= y1 {
        return 0.0;
    }
    let grey = |x: u32, y: u32| {
        let [r, g, b] = img.get_pixel(x, y).0;
        0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b)
    };
    let (mut sum, mut sum2, mut n) = (0.0f64, 0.0f64, 0.0f64);
    for y in y0..y1 {
        for x in x0..x1 {
            let lap = grey(x - 1, y) + grey(x + 1, y) + grey(x, y - 1) + grey(x, y + 1)
                - 4.0 * grey(x, y);
            sum += lap;
            sum2 += lap * lap;
            n += 1.0;
        }
    }
    let mean = sum / n;
    ((sum2 / n - mean * mean).max(0.0)) as f32
}

/// The limits a face must meet. Two profiles: [`for_enrolment`](Self::for_enrolment) (strict:
/// a gallery photo is kept and compared against for years) and
/// [`for_recognition`](Self::for_recognition) (loose: a face at the gate is seen once and a
/// low similarity already yields "unknown"). `Default` is the recognition profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityLimits {
    /// Smallest share of the face inside the frame.
    pub min_visible: f32,
    /// Smallest box width, frame pixels.
    pub min_face_px: f32,
    /// Smallest Laplacian variance of the aligned face.
    pub min_sharpness: f32,
    /// Largest |yaw|.
    pub max_yaw: f32,
    /// Largest |roll|, degrees.
    pub max_roll_deg: f32,
}

impl QualityLimits {
    /// For a photo that goes into the gallery: a box at least 80 px wide (the Obama and Biden
    /// portraits are 241–287 px; the smallest good portrait, the astronaut, is 95 px, and the astronaut shrunk 4× is 23 px), sharpness ≥ 60 (good
    /// portraits 146–589, their aligned faces Gaussian-blurred (`imageops::blur`) with σ=1.5 at most 28), |yaw| ≤ 0.5
    /// (good portraits up to 0.41; obama2.jpg is turned that far and still matches his other
    /// photos), |roll| ≤ 25° (portraits at most 8°; alignment removes roll anyway).
    pub fn for_enrolment() -> QualityLimits {
        QualityLimits {
            min_visible: 0.97,
            min_face_px: 80.0,
            min_sharpness: 60.0,
            max_yaw: 0.5,
            max_roll_deg: 25.0,
        }
    }

    /// For a face seen at the gate: a box at least 32 px wide (the Solvay faces are 38–54 px
    /// and the detector is tuned to find 40 px faces at 5–7 steps in 1080p), sharpness ≥ 20
    /// (Solvay faces ≥ 39.8; σ=2 blurred portraits ≤ 13.7), |yaw| ≤ 0.7 (Solvay faces within
    /// ±0.32 but one half-profile at −0.75, which is rejected), |roll| ≤ 40°. 28 of the 29
    /// Solvay faces pass.
    pub fn for_recognition() -> QualityLimits {
        QualityLimits {
            min_visible: 0.7,
            min_face_px: 32.0,
            min_sharpness: 20.0,
            max_yaw: 0.7,
            max_roll_deg: 40.0,
        }
    }
}

impl Default for QualityLimits {
    fn default() -> Self {
        QualityLimits::for_recognition()
    }
}

/// Why a face was rejected. `Display` gives a message for the person enrolling, Chinese first,
/// then English, with what to do about it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rejection {
    /// Only `visible` of the face is inside the frame, below `min`.
    CutOff { visible: f32, min: f32 },
    /// The face is narrower than `min` pixels.
    TooSmall { px: f32, min: f32 },
    /// The aligned face's sharpness is below `min`.
    TooBlurred { sharpness: f32, min: f32 },
    /// |yaw| is above `max`.
    TurnedAway { yaw: f32, max: f32 },
    /// |roll| is above `max` degrees.
    Tilted { deg: f32, max: f32 },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Rejection::CutOff { visible, min } => write!(
                f,
                "脸不完整（只有 {:.0}% 在照片内，至少 {:.0}%）— part of the face is outside the \
                 photo ({:.0}% inside, at least {:.0}%): use a photo with the whole face in it",
                visible * 100.0,
                min * 100.0,
                visible * 100.0,
                min * 100.0
            ),
            Rejection::TooSmall { px, min } => write!(
                f,
                "脸太小（{px:.0} 像素，至少 {min:.0}）— face too small ({px:.0} px, at least \
                 {min:.0}): move closer or use a larger photo"
            ),
            Rejection::TooBlurred { sharpness, min } => write!(
                f,
                "照片太模糊（清晰度 {sharpness:.0}，至少 {min:.0}）— face too blurred \
                 (sharpness {sharpness:.0}, at least {min:.0}): hold still, focus, or use a \
                 sharper photo"
            ),
            Rejection::TurnedAway { yaw, max } => write!(
                f,
                "脸转得太偏（偏转 {yaw:+.2}，最多 ±{max:.2}）— face turned too far (yaw \
                 {yaw:+.2}, at most ±{max:.2}): look straight at the camera"
            ),
            Rejection::Tilted { deg, max } => write!(
                f,
                "头太歪（{deg:+.0}°，最多 ±{max:.0}°）— head tilted too far ({deg:+.0}°, at \
                 most ±{max:.0}°): hold the head upright"
            ),
        }
    }
}

/// Checks `q` against `limits`: every failed limit, in the order cut off, size, sharpness,
/// yaw, roll. A measure that is NaN fails its limit.
pub fn check(q: &Quality, limits: &QualityLimits) -> Result<(), Vec<Rejection>> {
    let mut out = Vec::new();
    if !at_least(q.visible, limits.min_visible) {
        out.push(Rejection::CutOff {
            visible: q.visible,
            min: limits.min_visible,
        });
    }
    if !at_least(q.face_px, limits.min_face_px) {
        out.push(Rejection::TooSmall {
            px: q.face_px,
            min: limits.min_face_px,
        });
    }
    if !at_least(q.sharpness, limits.min_sharpness) {
        out.push(Rejection::TooBlurred {
            sharpness: q.sharpness,
            min: limits.min_sharpness,
        });
    }
    if !at_least(limits.max_yaw, q.yaw.abs()) {
        out.push(Rejection::TurnedAway {
            yaw: q.yaw,
            max: limits.max_yaw,
        });
    }
    if !at_least(limits.max_roll_deg, q.roll_deg.abs()) {
        out.push(Rejection::Tilted {
            deg: q.roll_deg,
            max: limits.max_roll_deg,
        });
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// `value >= min`, false when either is NaN.
fn at_least(value: f32, min: f32) -> bool {
    value
        .partial_cmp(&min)
        .is_some_and(std::cmp::Ordering::is_ge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::align::TEMPLATE;

    fn rotate(points: [[f32; 2]; 5], deg: f32, about: [f32; 2]) -> [[f32; 2]; 5] {
        let (s, c) = deg.to_radians().sin_cos();
        points.map(|[x, y]| {
            let (dx, dy) = (x - about[0], y - about[1]);
            [about[0] + c * dx - s * dy, about[1] + s * dx + c * dy]
        })
    }

    #[test]
    fn a_face_inside_the_frame_is_wholly_visible_and_one_across_the_edge_is_not() {
        assert_eq!(visible(&TEMPLATE, (112, 112)), 1.0);
        // moved left so the frame edge splits the face region (x 16..96) in the middle
        let half = TEMPLATE.map(|[x, y]| [x - 56.0, y]);
        let v = visible(&half, (112, 112));
        assert!((0.4..=0.6).contains(&v), "{v}");
        // wholly outside
        let gone = TEMPLATE.map(|[x, y]| [x + 500.0, y]);
        assert_eq!(visible(&gone, (112, 112)), 0.0);
    }

    #[test]
    fn frontal_template_has_no_yaw_or_roll() {
        let (yaw, roll) = pose(&TEMPLATE);
        assert!(yaw.abs() < 0.02, "{yaw}");
        assert!(roll.abs() < 0.5, "{roll}");
    }

    #[test]
    fn nose_shifted_towards_an_eye_is_yaw_with_its_sign() {
        let mut right = TEMPLATE;
        right[2][0] += 8.8; // a quarter of the 35 px eye distance: half way to the eye
        let (yaw, roll) = pose(&right);
        assert!((yaw - 0.5).abs() < 0.03, "{yaw}");
        assert!(roll.abs() < 0.5, "{roll}");
        let mut left = TEMPLATE;
        left[2][0] -= 8.8;
        let (yaw, _) = pose(&left);
        assert!((yaw + 0.5).abs() < 0.03, "{yaw}");
        // beyond the eye: clamped
        let mut profile = TEMPLATE;
        profile[2][0] += 40.0;
        assert_eq!(pose(&profile).0, 1.0);
    }

    #[test]
    fn rotated_eyes_are_roll_and_do_not_fake_yaw() {
        for deg in [-30.0f32, -10.0, 15.0, 40.0] {
            let (yaw, roll) = pose(&rotate(TEMPLATE, deg, [56.0, 70.0]));
            assert!((roll - deg).abs() < 0.5, "{deg}: {roll}");
            assert!(yaw.abs() < 0.02, "{deg}: yaw {yaw}");
        }
        // a turned face that is also tilted keeps its yaw
        let mut turned = TEMPLATE;
        turned[2][0] += 8.8;
        let (yaw, roll) = pose(&rotate(turned, 20.0, [56.0, 70.0]));
        assert!((yaw - 0.5).abs() < 0.03, "{yaw}");
        assert!((roll - 20.0).abs() < 0.5, "{roll}");
    }

    #[test]
    fn degenerate_landmarks_give_zero_pose() {
        assert_eq!(pose(&[[5.0, 5.0]; 5]), (0.0, 0.0));
        assert_eq!(pose(&[[f32::NAN, 0.0]; 5]), (0.0, 0.0));
    }

    #[test]
    fn sharpness_of_flat_and_checkered_images() {
        let flat = RgbImage::from_pixel(112, 112, image::Rgb([128, 128, 128]));
        assert_eq!(sharpness(&flat), 0.0);
        let checker = RgbImage::from_fn(112, 112, |x, y| {
            let v = if (x + y) % 2 == 0 { 0 } else { 255 };
            image::Rgb([v, v, v])
        });
        let blurred = image::imageops::blur(&checker, 2.0);
        assert!(sharpness(&checker) > 100.0 * sharpness(&blurred).max(1.0));
        assert_eq!(sharpness(&RgbImage::new(2, 2)), 0.0);
    }

    fn quality(face_px: f32, sharpness: f32, yaw: f32, roll_deg: f32) -> Quality {
        Quality {
            visible: 1.0,
            face_px,
            sharpness,
            yaw,
            roll_deg,
        }
    }

    #[test]
    fn check_lists_every_failed_limit_in_order() {
        let limits = QualityLimits::for_enrolment();
        assert_eq!(check(&quality(200.0, 500.0, 0.1, 3.0), &limits), Ok(()));
        let all = check(&quality(36.0, 5.0, -0.9, 50.0), &limits).unwrap_err();
        assert_eq!(
            all,
            vec![
                Rejection::TooSmall {
                    px: 36.0,
                    min: limits.min_face_px
                },
                Rejection::TooBlurred {
                    sharpness: 5.0,
                    min: limits.min_sharpness
                },
                Rejection::TurnedAway {
                    yaw: -0.9,
                    max: limits.max_yaw
                },
                Rejection::Tilted {
                    deg: 50.0,
                    max: limits.max_roll_deg
                },
            ]
        );
        let nan = check(&quality(f32::NAN, 500.0, 0.0, 0.0), &limits).unwrap_err();
        assert!(matches!(nan[..], [Rejection::TooSmall { .. }]), "{nan:?}");
        let nan = check(&quality(200.0, 500.0, f32::NAN, 0.0), &limits).unwrap_err();
        assert!(matches!(nan[..], [Rejection::TurnedAway { .. }]), "{nan:?}");
    }

    #[test]
    fn enrolment_is_stricter_than_recognition() {
        let (e, r) = (
            QualityLimits::for_enrolment(),
            QualityLimits::for_recognition(),
        );
        assert!(e.min_face_px > r.min_face_px);
        assert!(e.min_sharpness >= r.min_sharpness);
        assert!(e.max_yaw <= r.max_yaw);
        assert!(e.max_roll_deg <= r.max_roll_deg);
        assert_eq!(QualityLimits::default(), r);
    }

    #[test]
    fn messages_are_chinese_then_english_with_numbers() {
        let m = Rejection::TooSmall {
            px: 36.0,
            min: 80.0,
        }
        .to_string();
        assert_eq!(
            m,
            "脸太小（36 像素，至少 80）— face too small (36 px, at least 80): move closer or use \
             a larger photo"
        );
        for r in [
            Rejection::TooBlurred {
                sharpness: 12.3,
                min: 60.0,
            },
            Rejection::TurnedAway {
                yaw: -0.8,
                max: 0.5,
            },
            Rejection::Tilted {
                deg: 33.0,
                max: 25.0,
            },
        ] {
            let m = r.to_string();
            // Chinese first, then the English after the dash
            assert!(m.chars().next().is_some_and(|c| !c.is_ascii()), "{m}");
            assert!(m.contains("）— "), "{m}");
        }
    }
}
