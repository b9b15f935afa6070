//! Where to look in a frame: the whole frame, or only crops around what is already followed.
//! Pure: the motion gate's changed cells, the tracked faces and vehicles, and how long since the
//! last whole-frame look in; a plan out.
//!
//! A frame is looked at whole (every detector on the whole frame, as it always was) when
//! something moves that nothing followed explains, when a followed face or plate was missed on
//! the last look, when nothing is followed, and every [`LookConfig::full_every`] looked frames
//! to catch what motion missed. Otherwise only crops are looked at: around each followed face
//! (scaled so the face is about [`LookConfig::face_px`] wide: a big face needs no more pixels,
//! a small far one keeps all of its own, more than the whole-frame look gave it) and around each
//! followed vehicle for its plate (at the scale the whole-frame plate search uses, so a plate is
//! as big to the detector as before). The vehicle detector itself runs only on whole looks.

use crate::vision::crop::Crop;

/// How the plan is made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LookConfig {
    /// Look at the whole frame at least once every this many looked frames (25: 2.5 s at
    /// 10 fps). 0 or 1: every frame whole (no crops).
    pub full_every: u32,
    /// The width a followed face is scaled to in its crop (112 px), never enlarged.
    pub face_px: f32,
    /// The longer side the whole frame is shrunk to for the plate search (`[vision]
    /// plate_detect_side`): a vehicle's crop is looked at at the same scale.
    pub plate_side: u32,
}

impl Default for LookConfig {
    fn default() -> Self {
        LookConfig {
            full_every: 25,
            face_px: 112.0,
            plate_side: 1120,
        }
    }
}

/// What is known of a frame before looking at it.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    /// The frame's size.
    pub frame: (u32, u32),
    /// Where the motion gate saw change.
    pub motion: Motion<'a>,
    /// The latest boxes of the faces followed.
    pub faces: &'a [[f32; 4]],
    /// The latest boxes of the vehicles followed for their plates.
    pub vehicles: &'a [[f32; 4]],
    /// The boxes of other things known to be there (vehicles found with no plate): their
    /// motion needs no whole look either, though no crop looks at them.
    pub others: &'a [[f32; 4]],
    /// Looked frames since the last whole look.
    pub since_full: u32,
    /// Whether the last look missed a face or a plate it looked for.
    pub missed: bool,
    /// Whether the camera looks for faces and for plates.
    pub wants: (bool, bool),
}

/// The motion gate's grid over the frame: its columns and rows, and which cells changed, row
/// by row.
#[derive(Debug, Clone, Copy)]
pub struct Motion<'a> {
    pub grid: (u32, u32),
    pub cells: &'a [bool],
}

/// Why a frame is looked at whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Why {
    /// Crops are off (`full_every` 1), or it is time for the periodic whole look.
    Periodic,
    /// Nothing is followed.
    NothingFollowed,
    /// The last look missed a face or plate it looked for.
    Missed,
    /// Something moves that nothing followed explains.
    NewMotion,
    /// A followed thing's crop would lie off the frame.
    LeftFrame,
}

/// Where the detectors look.
#[derive(Debug, Clone, PartialEq)]
pub enum LookAt {
    /// Every detector on the whole frame.
    Whole(Why),
    /// The face detector on `faces`, the plate detector on `plates`, no vehicle detector.
    Crops { faces: Vec<Crop>, plates: Vec<Crop> },
}

/// Grows a face's box into the crop it is looked for in next: a face moves less than its own
/// width between two frames at the frame rates gates use.
const FACE_GROW: [f32; 4] = [1.0, 1.0, 1.0, 1.0];
/// Grows a vehicle's box into its plate search: it moves, and the plate may hang below.
const VEHICLE_GROW: [f32; 4] = [0.15, 0.1, 0.15, 0.2];
/// Where a followed vehicle's motion may show (in its widths and heights): its shadow below,
/// the road it uncovers, mirrors and doors to the sides.
const VEHICLE_EXTENT: [f32; 4] = [0.25, 0.2, 0.25, 0.4];
/// Change outside everything followed whose longer side is under this share of the frame's
/// width is too small to be someone walking in (a person far away, their face 40 px high, moves
/// a region about 130 px high of a 1080p frame): it waits for the next whole look.
const SPECK: f32 = 0.05;
/// Where a person whose face is followed may move (in face widths and heights: shoulders
/// and arms to the sides, the body below).
const PERSON_EXTENT: [f32; 4] = [1.5, 0.8, 1.5, 7.0];

/// The plan for a frame; see the module documentation.
pub fn plan(known: &Known, config: &LookConfig) -> LookAt {
    let (want_faces, want_plates) = known.wants;
    let faces = if want_faces { known.faces } else { &[] };
    let vehicles = if want_plates { known.vehicles } else { &[] };
    if config.full_every <= 1 || known.since_full + 1 >= config.full_every {
        return LookAt::Whole(Why::Periodic);
    }
    if known.missed {
        return LookAt::Whole(Why::Missed);
    }
    if faces.is_empty() && vehicles.is_empty() {
        return LookAt::Whole(Why::NothingFollowed);
    }
    let extents: Vec<[f32; 4]> = faces
        .iter()
        .map(|b| grown(*b, PERSON_EXTENT))
        .chain(vehicles.iter().map(|b| grown(*b, VEHICLE_EXTENT)))
        .chain(known.others.iter().map(|b| grown(*b, VEHICLE_EXTENT)))
        .collect();
    if something_new(known, &extents) {
        return LookAt::Whole(Why::NewMotion);
    }
    let face_crops: Option<Vec<Crop>> = faces
        .iter()
        .map(|b| {
            let scale = config.face_px / (b[2] - b[0]);
            Crop::around(*b, FACE_GROW, known.frame, scale)
        })
        .collect();
    let plate_scale = config.plate_side as f32 / known.frame.0.max(known.frame.1).max(1) as f32;
    let plate_crops: Option<Vec<Crop>> = vehicles
        .iter()
        .map(|b| Crop::around(*b, VEHICLE_GROW, known.frame, plate_scale))
        .collect();
    match (face_crops, plate_crops) {
        (Some(faces), Some(plates)) => LookAt::Crops { faces, plates },
        // a followed thing has left the frame: look again at all of it
        _ => LookAt::Whole(Why::LeftFrame),
    }
}

fn grown(b: [f32; 4], g: [f32; 4]) -> [f32; 4] {
    let (w, h) = (b[2] - b[0], b[3] - b[1]);
    [
        b[0] - g[0] * w,
        b[1] - g[1] * h,
        b[2] + g[2] * w,
        b[3] + g[3] * h,
    ]
}

/// Whether the motion shows something no followed thing explains: a group of touching
/// changed cells, each outside every extent, at least [`SPECK`] of the frame's width long.
fn something_new(known: &Known, extents: &[[f32; 4]]) -> bool {
    let Motion {
        grid: (cols, rows),
        cells,
    } = known.motion;
    let (cols, rows) = (cols as usize, rows as usize);
    if cols == 0 || rows == 0 || cells.len() < cols * rows {
        return true;
    }
    let (cw, ch) = (
        known.frame.0 as f32 / cols as f32,
        known.frame.1 as f32 / rows as f32,
    );
    let unexplained: Vec<bool> = (0..cols * rows)
        .map(|i| {
            let (x, y) = ((i % cols) as f32 + 0.5, (i / cols) as f32 + 0.5);
            let (x, y) = (x * cw, y * ch);
            cells[i]
                && !extents
                    .iter()
                    .any(|b| (b[0]..=b[2]).contains(&x) && (b[1]..=b[3]).contains(&y))
        })
        .collect();
    let speck = SPECK * known.frame.0 as f32;
    let mut seen = vec![false; cols * rows];
    for start in 0..cols * rows {
        if !unexplained[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let (mut x1, mut y1, mut x2, mut y2) = (cols, rows, 0, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % cols, i / cols);
            (x1, y1, x2, y2) = (x1.min(x), y1.min(y), x2.max(x), y2.max(y));
            for ny in y.saturating_sub(1)..=(y + 1).min(rows - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(cols - 1) {
                    let j = ny * cols + nx;
                    if unexplained[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        let long = ((x2 + 1 - x1) as f32 * cw).max((y2 + 1 - y1) as f32 * ch);
        if long >= speck {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const HD: (u32, u32) = (1920, 1080);
    /// The motion gate's grid of a 1080p frame: 64 × 36 cells of 30 px.
    const GRID: (u32, u32) = (64, 36);

    /// The cells of the grid whose centres lie in `boxes`.
    fn cells(boxes: &[[f32; 4]]) -> Vec<bool> {
        (0..GRID.0 * GRID.1)
            .map(|i| {
                let x = (i % GRID.0) as f32 * 30.0 + 15.0;
                let y = (i / GRID.0) as f32 * 30.0 + 15.0;
                boxes
                    .iter()
                    .any(|b| (b[0]..=b[2]).contains(&x) && (b[1]..=b[3]).contains(&y))
            })
            .collect()
    }

    fn known<'a>(motion: &'a [bool], faces: &'a [[f32; 4]], vehicles: &'a [[f32; 4]]) -> Known<'a> {
        Known {
            frame: HD,
            motion: Motion {
                grid: GRID,
                cells: motion,
            },
            faces,
            vehicles,
            others: &[],
            since_full: 3,
            missed: false,
            wants: (true, true),
        }
    }

    #[test]
    fn nothing_followed_is_a_whole_look() {
        let motion = cells(&[[100.0, 100.0, 400.0, 900.0]]);
        assert_eq!(
            plan(&known(&motion, &[], &[]), &LookConfig::default()),
            LookAt::Whole(Why::NothingFollowed)
        );
    }

    #[test]
    fn a_followed_walker_is_looked_for_in_a_crop_at_a_smaller_scale() {
        // the face 200 px wide, the person's body moving below it
        let face = [[300.0, 100.0, 500.0, 340.0]];
        let motion = cells(&[[150.0, 60.0, 650.0, 1080.0]]);
        let LookAt::Crops { faces, plates } =
            plan(&known(&motion, &face, &[]), &LookConfig::default())
        else {
            panic!("a walker whose face is followed needs no whole look");
        };
        assert!(plates.is_empty());
        assert_eq!(faces.len(), 1);
        let c = faces[0];
        assert_eq!((c.x, c.y, c.width, c.height), (100, 0, 600, 580));
        assert!((c.scale - 0.56).abs() < 1e-6, "{}", c.scale);
    }

    #[test]
    fn a_small_far_face_keeps_every_pixel() {
        let face = [[1700.0, 500.0, 1730.0, 540.0]];
        let motion = cells(&[[1680.0, 480.0, 1760.0, 700.0]]);
        let LookAt::Crops { faces, .. } = plan(&known(&motion, &face, &[]), &LookConfig::default())
        else {
            panic!("crops expected");
        };
        assert_eq!(faces[0].scale, 1.0);
    }

    #[test]
    fn someone_new_is_a_whole_look_even_beside_a_followed_car() {
        let face = [[300.0, 100.0, 500.0, 340.0]];
        let car = [[800.0, 200.0, 1500.0, 800.0]];
        // far from everything followed
        let motion = cells(&[[150.0, 60.0, 650.0, 1080.0], [1500.0, 300.0, 1900.0, 800.0]]);
        assert_eq!(
            plan(&known(&motion, &face, &[]), &LookConfig::default()),
            LookAt::Whole(Why::NewMotion)
        );
        // stepping in just beside the car: the car's own motion is explained, the newcomer's
        // strip beyond it is not
        let motion = cells(&[
            [800.0, 200.0, 1500.0, 800.0],
            [1500.0, 300.0, 1800.0, 800.0],
        ]);
        assert_eq!(
            plan(&known(&motion, &[], &car), &LookConfig::default()),
            LookAt::Whole(Why::NewMotion)
        );
        // a speck of change beside the car (a leaf) is not someone new
        let motion = cells(&[
            [800.0, 200.0, 1500.0, 800.0],
            [1800.0, 100.0, 1830.0, 130.0],
        ]);
        assert!(matches!(
            plan(&known(&motion, &[], &car), &LookConfig::default()),
            LookAt::Crops { .. }
        ));
    }

    #[test]
    fn a_followed_vehicle_is_searched_for_its_plate_at_the_whole_looks_scale() {
        let car = [[800.0, 200.0, 1800.0, 1000.0]];
        let motion = cells(&[[820.0, 220.0, 1780.0, 1000.0]]);
        let LookAt::Crops { faces, plates } =
            plan(&known(&motion, &[], &car), &LookConfig::default())
        else {
            panic!("crops expected");
        };
        assert!(faces.is_empty());
        assert_eq!(plates.len(), 1);
        assert!((plates[0].scale - 1120.0 / 1920.0).abs() < 1e-6);
        assert_eq!(plates[0].x + plates[0].width, 1920);
    }

    #[test]
    fn every_so_often_a_missed_face_or_a_camera_without_the_detector_looks_whole() {
        let face = [[300.0, 100.0, 500.0, 340.0]];
        let motion = cells(&[[300.0, 100.0, 500.0, 340.0]]);
        let config = LookConfig::default();
        let mut k = known(&motion, &face, &[]);
        assert!(matches!(plan(&k, &config), LookAt::Crops { .. }));
        k.since_full = config.full_every - 1;
        assert_eq!(plan(&k, &config), LookAt::Whole(Why::Periodic));
        k.since_full = 0;
        k.missed = true;
        assert_eq!(plan(&k, &config), LookAt::Whole(Why::Missed));
        k.missed = false;
        // a plates camera follows no faces: the face explains nothing there
        k.wants = (false, true);
        assert_eq!(plan(&k, &config), LookAt::Whole(Why::NothingFollowed));
        let off = LookConfig {
            full_every: 1,
            ..config
        };
        k.wants = (true, true);
        assert_eq!(plan(&k, &off), LookAt::Whole(Why::Periodic));
    }

    #[test]
    fn a_face_that_left_the_frame_is_a_whole_look() {
        let face = [[2100.0, 100.0, 2150.0, 160.0]];
        let motion = cells(&[]);
        assert_eq!(
            plan(&known(&motion, &face, &[]), &LookConfig::default()),
            LookAt::Whole(Why::LeftFrame)
        );
    }

    #[test]
    fn a_new_scene_is_change_everywhere() {
        let face = [[300.0, 100.0, 500.0, 340.0]];
        let mut k = known(&[true], &face, &[]);
        k.motion.grid = (1, 1);
        assert_eq!(
            plan(&k, &LookConfig::default()),
            LookAt::Whole(Why::NewMotion)
        );
    }
}
