//! Finding a light plate by its dark characters where the detector sees none: the Hong Kong or
//! Macau registration plate a cross-border vehicle carries beside its mainland 粤Z…港 plate
//! (white, one or two rows, often on a white bumper, which the detector, trained on mainland
//! plates, does not find at all: cn-dev-18's `LX/8170`). Pure: a grey image in, the plate's
//! box and its rows' boxes out.
//!
//! The search is told how tall the characters should be (from the mainland plate beside it).
//! Dark blobs of that height (Otsu's threshold of the region) are the character candidates;
//! blobs side by side at the same height make a row; one row of at least
//! [`MIN_ONE_ROW_CHARS`], or two rows stacked, on a light ground, is a plate.

use image::{GrayImage, Luma};
use imageproc::contrast::otsu_level;
use imageproc::region_labelling::{Connectivity, connected_components};

use super::nms;

/// Fewest characters of a one-row plate found this way (a Hong Kong plate has 2 to 6).
pub const MIN_ONE_ROW_CHARS: usize = 4;
/// Most characters a plate has (a mainland new-energy plate: 8).
pub const MAX_CHARS: usize = 8;
/// Least share of light pixels around the characters (the plate's ground) for it to be a
/// light plate and not dark text on something dark.
pub const MIN_LIGHT_GROUND: f32 = 0.6;

/// A box, `[x1, y1, x2, y2]` in pixels.
pub type Box4 = [f32; 4];

/// A plate found by its characters.
#[derive(Debug, Clone, PartialEq)]
pub struct CharPlate {
    /// The plate: its rows' union widened by its border (half a character height).
    pub bbox: Box4,
    /// Each row's characters' union, top row first.
    pub rows: Vec<Box4>,
    /// Characters found.
    pub chars: usize,
}

/// A dark blob: its box and pixel count.
#[derive(Debug, Clone, Copy)]
struct Blob {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
    pixels: u32,
}

impl Blob {
    fn height(&self) -> f32 {
        (self.y1 - self.y0 + 1) as f32
    }
    fn width(&self) -> f32 {
        (self.x1 - self.x0 + 1) as f32
    }
    fn centre_y(&self) -> f32 {
        (self.y0 + self.y1) as f32 / 2.0
    }
}

/// The light plate with dark characters `char_height` (least, most; pixels) tall in `img`
/// (the region searched, cut from a frame) whose centre lies nearest `near`. `None` when
/// there is none. The image is cut into ink and ground at Otsu's level and at
/// [`DARKER_LEVELS`] of it: a region with a dark grille puts Otsu's level between the grille and
/// the bumper, where a blurred plate's rows still touch; at a darker level only the ink is ink.
pub fn find(img: &GrayImage, char_height: (f32, f32), near: [f32; 2]) -> Option<CharPlate> {
    let (w, h) = img.dimensions();
    if w < 8 || h < 8 {
        return None;
    }
    let otsu = otsu_level(img) as f32;
    let distance = |p: &CharPlate| {
        let c = nms::centre(&p.bbox);
        (c[0] - near[0]).hypot(c[1] - near[1])
    };
    let plates: Vec<CharPlate> = DARKER_LEVELS
        .iter()
        .flat_map(|f| plates_at(img, (otsu * f).round() as u8, char_height))
        .collect();
    // a row that is part of a larger plate (the lower row of two) is that plate
    let whole = |p: &CharPlate| {
        !plates
            .iter()
            .any(|q| q.chars > p.chars && nms::centre_inside(&p.bbox, &q.bbox))
    };
    let best = plates
        .iter()
        .filter(|p| whole(p))
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))?
        .clone();
    Some(CharPlate {
        bbox: clip(best.bbox, w, h),
        ..best
    })
}

/// The levels, as fractions of Otsu's, at which ink is told from ground.
pub const DARKER_LEVELS: [f32; 3] = [1.0, 0.75, 0.5];

/// Every light plate of `img` with its ink at or under `level`.
fn plates_at(img: &GrayImage, level: u8, char_height: (f32, f32)) -> Vec<CharPlate> {
    let (w, h) = img.dimensions();
    let dark = GrayImage::from_fn(w, h, |x, y| {
        Luma([u8::from(img.get_pixel(x, y)[0] <= level)])
    });
    let chars: Vec<Blob> = blobs(&dark)
        .into_iter()
        .filter(|b| looks_like_a_character(b, char_height, (w, h)))
        .collect();
    let rows = rows_of(&chars);
    let mut plates: Vec<CharPlate> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.len() >= MIN_ONE_ROW_CHARS && row.len() <= MAX_CHARS {
            plates.push(plate_of(&[row]));
        }
        // the row under it, if stacked: overlapping columns, less than a character between
        for lower in rows.iter().skip(i + 1) {
            let (a, b) = (union(row), union(lower));
            let gap = b[1] - a[3];
            let height = (a[3] - a[1]).max(b[3] - b[1]);
            let overlap = a[2].min(b[2]) - a[0].max(b[0]);
            if (-0.2 * height..0.9 * height).contains(&gap)
                && overlap >= 0.5 * (a[2] - a[0]).min(b[2] - b[0])
                && row.len() + lower.len() <= MAX_CHARS
            {
                plates.push(plate_of(&[row, lower]));
            }
        }
    }
    plates.retain(|p| light_ground(&dark, p) >= MIN_LIGHT_GROUND);
    plates
}

/// The dark blobs (8-connected) of a 0/1 image.
fn blobs(dark: &GrayImage) -> Vec<Blob> {
    let labels = connected_components(dark, Connectivity::Eight, Luma([0u8]));
    let mut out: Vec<Option<Blob>> = Vec::new();
    for (x, y, l) in labels.enumerate_pixels() {
        let l = l[0] as usize;
        if l == 0 {
            continue;
        }
        if out.len() <= l {
            out.resize(l + 1, None);
        }
        let b = out[l].get_or_insert(Blob {
            x0: x,
            y0: y,
            x1: x,
            y1: y,
            pixels: 0,
        });
        b.x0 = b.x0.min(x);
        b.y0 = b.y0.min(y);
        b.x1 = b.x1.max(x);
        b.y1 = b.y1.max(y);
        b.pixels += 1;
    }
    out.into_iter().flatten().collect()
}

/// A blob the height of a character, narrower than tall (a `1` is a tenth as wide), ink over
/// part of its box (not a filled bar, not a frame), away from the region's edge.
fn looks_like_a_character(b: &Blob, char_height: (f32, f32), (w, h): (u32, u32)) -> bool {
    let (bw, bh) = (b.width(), b.height());
    let fill = b.pixels as f32 / (bw * bh);
    (char_height.0..=char_height.1).contains(&bh)
        && bw <= 1.2 * bh
        && bw >= 0.08 * bh
        && (0.12..=0.9).contains(&fill)
        && b.x0 > 0
        && b.y0 > 0
        && b.x1 + 1 < w
        && b.y1 + 1 < h
}

/// Characters grouped into rows: side by side (less than a character's height apart), centres
/// level within a third of a height, heights within a factor 1.5. Each row left to right.
fn rows_of(chars: &[Blob]) -> Vec<Vec<Blob>> {
    let mut sorted = chars.to_vec();
    sorted.sort_by_key(|b| b.x0);
    let mut rows: Vec<Vec<Blob>> = Vec::new();
    for c in sorted {
        let joined = rows.iter_mut().find(|row| {
            row.last().is_some_and(|last| {
                let h = last.height().max(c.height());
                let ratio = last.height().max(c.height()) / last.height().min(c.height());
                (c.centre_y() - last.centre_y()).abs() <= h / 3.0
                    && ratio <= 1.5
                    && (c.x0 as f32) - (last.x1 as f32) <= h
            })
        });
        match joined {
            Some(row) => row.push(c),
            None => rows.push(vec![c]),
        }
    }
    rows.retain(|r| r.len() >= 2);
    rows.sort_by(|a, b| union(a)[1].total_cmp(&union(b)[1]));
    rows
}

/// The union of a row's characters.
fn union(row: &[Blob]) -> Box4 {
    row.iter().fold(
        [f32::MAX, f32::MAX, f32::MIN, f32::MIN],
        |[a, b, c, d], r| {
            [
                a.min(r.x0 as f32),
                b.min(r.y0 as f32),
                c.max(r.x1 as f32 + 1.0),
                d.max(r.y1 as f32 + 1.0),
            ]
        },
    )
}

/// The plate around rows of characters: their union, widened by half a character's height.
fn plate_of(rows: &[&Vec<Blob>]) -> CharPlate {
    let boxes: Vec<Box4> = rows.iter().map(|r| union(r)).collect();
    let all = boxes.iter().fold(boxes[0], |u, b| {
        [
            u[0].min(b[0]),
            u[1].min(b[1]),
            u[2].max(b[2]),
            u[3].max(b[3]),
        ]
    });
    let border = 0.5 * boxes.iter().map(|b| b[3] - b[1]).fold(0.0, f32::max);
    CharPlate {
        bbox: [
            all[0] - border,
            all[1] - border,
            all[2] + border,
            all[3] + border,
        ],
        rows: boxes,
        chars: rows.iter().map(|r| r.len()).sum(),
    }
}

/// Share of light pixels in the plate's border (its box less its rows' boxes), clipped to
/// the image.
fn light_ground(dark: &GrayImage, p: &CharPlate) -> f32 {
    let (w, h) = dark.dimensions();
    let b = clip(p.bbox, w, h);
    let (mut light, mut all) = (0u32, 0u32);
    for y in b[1] as u32..b[3] as u32 {
        for x in b[0] as u32..b[2] as u32 {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let in_a_row = p
                .rows
                .iter()
                .any(|r| (r[0]..r[2]).contains(&fx) && (r[1]..r[3]).contains(&fy));
            if in_a_row {
                continue;
            }
            all += 1;
            light += u32::from(dark.get_pixel(x, y)[0] == 0);
        }
    }
    if all == 0 {
        0.0
    } else {
        light as f32 / all as f32
    }
}

fn clip(b: Box4, w: u32, h: u32) -> Box4 {
    [
        b[0].clamp(0.0, w as f32),
        b[1].clamp(0.0, h as f32),
        b[2].clamp(0.0, w as f32),
        b[3].clamp(0.0, h as f32),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A light image with dark bars drawn as characters: `(x, y, w, h)` each.
    fn drawn(w: u32, h: u32, ground: u8, chars: &[(u32, u32, u32, u32)]) -> GrayImage {
        let mut img = GrayImage::from_pixel(w, h, Luma([ground]));
        for &(x, y, cw, ch) in chars {
            for yy in y..y + ch {
                for xx in x..x + cw {
                    // a hollow character: its outline in ink, as a 0 or 8 is
                    let edge = xx < x + 3 || xx + 3 >= x + cw || yy < y + 3 || yy + 3 >= y + ch;
                    if edge {
                        img.put_pixel(xx, yy, Luma([20]));
                    }
                }
            }
        }
        img
    }

    #[test]
    fn two_stacked_rows_on_a_light_ground_are_one_plate() {
        // LX over 8170: two characters over four, 30 px tall
        let img = drawn(
            300,
            200,
            230,
            &[
                (110, 40, 20, 30),
                (135, 40, 20, 30),
                (85, 80, 20, 30),
                (110, 80, 20, 30),
                (135, 80, 20, 30),
                (160, 80, 20, 30),
            ],
        );
        let p = find(&img, (15.0, 50.0), [150.0, 100.0]).unwrap();
        assert_eq!(p.chars, 6);
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0], [110.0, 40.0, 155.0, 70.0]);
        assert_eq!(p.rows[1], [85.0, 80.0, 180.0, 110.0]);
        assert_eq!(p.bbox, [70.0, 25.0, 195.0, 125.0]);
    }

    #[test]
    fn characters_too_small_too_few_or_on_dark_ground_are_no_plate() {
        let row = [
            (50, 40, 20, 30),
            (75, 40, 20, 30),
            (100, 40, 20, 30),
            (125, 40, 20, 30),
        ];
        let img = drawn(300, 200, 230, &row);
        assert!(find(&img, (15.0, 50.0), [0.0, 0.0]).is_some());
        // the characters are not the height a plate's beside it says
        assert!(find(&img, (40.0, 80.0), [0.0, 0.0]).is_none());
        // two characters alone, in one row, are not a plate
        let img = drawn(300, 200, 230, &row[..2]);
        assert!(find(&img, (15.0, 50.0), [0.0, 0.0]).is_none());
        // dark characters whose surroundings are mostly dark (a grille's slats, a shadow)
        // are not on a light plate
        let plate = plate_of(&[&row
            .iter()
            .map(|&(x, y, w, h)| Blob {
                x0: x,
                y0: y,
                x1: x + w - 1,
                y1: y + h - 1,
                pixels: 2 * (w + h) * 3,
            })
            .collect()]);
        let mut dark = GrayImage::from_pixel(300, 200, Luma([0]));
        assert!(light_ground(&dark, &plate) > 0.99);
        for y in 0..200 {
            for x in (0..300).filter(|x| x % 3 != 0) {
                dark.put_pixel(x, y, Luma([1]));
            }
        }
        assert!(light_ground(&dark, &plate) < MIN_LIGHT_GROUND);
    }
}
