//! Plate colour: blue, yellow, green, yellow-green, white or black, from the rectified plate's
//! pixels (HSV statistics of its inner part) together with what the plate's text says. The
//! text decides where the law fixes the colour (new energy green, police and military white,
//! Hong Kong/Macau, consulate and embassy black, driving school yellow); the pixels decide
//! between blue, yellow and black for ordinary plates, and anything the text leaves open.

use image::RgbImage;

use crate::domain::PlateColour;
use crate::domain::plate::PlateKind;

/// Share of the plate's inner pixels in each colour class.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ColourShares {
    pub blue: f32,
    pub yellow: f32,
    pub green: f32,
    pub white: f32,
    pub black: f32,
}

/// A plate's colour and how it was decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlateColourReading {
    pub colour: PlateColour,
    /// What the pixels alone say.
    pub pixels: PlateColour,
    /// Whether the plate's kind fixed the colour (else the pixels did).
    pub by_kind: bool,
    pub shares: ColourShares,
}

/// Hue (degrees), saturation and value (0..=1) of an RGB pixel.
pub fn hsv(rgb: [u8; 3]) -> (f32, f32, f32) {
    let [r, g, b] = rgb.map(|c| f32::from(c) / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let d = max - min;
    let h = if d <= f32::EPSILON {
        0.0
    } else if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    let s = if max <= f32::EPSILON { 0.0 } else { d / max };
    (h, s, max)
}

/// The colour shares of the inner part of a plate rectified with `plate_detect`'s margins
/// (the central 80 % × 60 %, clear of the margin and the frame).
pub fn shares(rectified: &RgbImage) -> ColourShares {
    let (w, h) = rectified.dimensions();
    let (x0, x1) = (w / 10, w - w / 10);
    let (y0, y1) = (h / 5, h - h / 5);
    let mut s = ColourShares::default();
    let mut n = 0.0f32;
    for y in y0..y1 {
        for x in x0..x1 {
            let (hue, sat, val) = hsv(rectified.get_pixel(x, y).0);
            n += 1.0;
            if val < 0.25 {
                s.black += 1.0;
            } else if sat < 0.22 {
                if val > 0.55 {
                    s.white += 1.0;
                }
            } else if (170.0..=260.0).contains(&hue) {
                // night flash turns blue plates cyan (闽EVL838 in the fixtures)
                s.blue += 1.0;
            } else if (28.0..=68.0).contains(&hue) {
                s.yellow += 1.0;
            } else if (68.0..170.0).contains(&hue) {
                s.green += 1.0;
            }
        }
    }
    if n > 0.0 {
        s.blue /= n;
        s.yellow /= n;
        s.green /= n;
        s.white /= n;
        s.black /= n;
    }
    s
}

/// What the pixels say: the saturated colour covering the most of the plate when it covers at
/// least a fifth of it (the background of a plate is at least half its area, its characters
/// the rest), else white or black, whichever covers more.
pub fn from_pixels(s: &ColourShares) -> PlateColour {
    let coloured = [
        (PlateColour::Blue, s.blue),
        (PlateColour::Yellow, s.yellow),
        (PlateColour::Green, s.green),
    ];
    let (colour, share) = coloured
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((PlateColour::Blue, 0.0));
    if share >= 0.2 {
        colour
    } else if s.white >= s.black {
        PlateColour::White
    } else {
        PlateColour::Black
    }
}

/// The colour the law gives plates of `kind`, when it gives one.
pub fn fixed_by_kind(kind: PlateKind) -> Option<PlateColour> {
    match kind {
        PlateKind::NewEnergySmall => Some(PlateColour::Green),
        PlateKind::NewEnergyLarge => Some(PlateColour::YellowGreen),
        PlateKind::Police | PlateKind::Military | PlateKind::ArmedPolice => {
            Some(PlateColour::White)
        }
        PlateKind::HongKongMacau | PlateKind::Consulate | PlateKind::Embassy => {
            Some(PlateColour::Black)
        }
        PlateKind::Coach | PlateKind::Trailer => Some(PlateColour::Yellow),
        PlateKind::Agricultural => Some(PlateColour::Green),
        _ => None,
    }
}

/// The colour of a plate of `kind` rectified as `rectified`.
pub fn classify(rectified: &RgbImage, kind: PlateKind) -> PlateColourReading {
    let shares = shares(rectified);
    let pixels = from_pixels(&shares);
    match fixed_by_kind(kind) {
        Some(colour) => PlateColourReading {
            colour,
            pixels,
            by_kind: true,
            shares,
        },
        None => PlateColourReading {
            colour: pixels,
            pixels,
            by_kind: false,
            shares,
        },
    }
}

/// Whether a pixel is red ink: the red 领/港/澳 of black plates, the red 使 and WJ of others.
/// Hue within 30° of red, saturated, not too dark (measured on the consulate plate of
/// cn-dev-25: its 领 is a dark red on black).
pub fn is_red_ink(rgb: [u8; 3]) -> bool {
    let (hue, sat, val) = hsv(rgb);
    (hue >= 330.0 || hue <= 30.0) && sat >= 0.45 && val >= 0.3
}

/// The share of red-ink pixels ([`is_red_ink`]) in the vertical strip of the rectified plate
/// between fractions `from` and `to` of its width (the middle three fifths of its height).
pub fn red_share(rectified: &RgbImage, from: f32, to: f32) -> f32 {
    let (w, h) = rectified.dimensions();
    let x0 = ((from.clamp(0.0, 1.0) * w as f32) as u32).min(w);
    let x1 = ((to.clamp(0.0, 1.0) * w as f32) as u32).clamp(x0, w);
    let (y0, y1) = (h / 5, h - h / 5);
    let mut red = 0u32;
    let mut n = 0u32;
    for y in y0..y1 {
        for x in x0..x1 {
            n += 1;
            red += u32::from(is_red_ink(rectified.get_pixel(x, y).0));
        }
    }
    if n == 0 { 0.0 } else { red as f32 / n as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A plate of `background` with a band of `ink` characters across the middle third.
    fn plate(background: [u8; 3], ink: [u8; 3]) -> RgbImage {
        let mut img = RgbImage::from_pixel(224, 64, Rgb(background));
        for y in 24..40 {
            for x in 30..200 {
                if x % 12 < 6 {
                    img.put_pixel(x, y, Rgb(ink));
                }
            }
        }
        img
    }

    #[test]
    fn plate_backgrounds_are_told_apart_by_their_pixels() {
        let white = [240, 240, 240];
        let black = [20, 20, 20];
        for (bg, ink, want) in [
            ([20, 60, 180], white, PlateColour::Blue),
            ([40, 170, 190], white, PlateColour::Blue), // cyan under a night flash
            ([230, 180, 20], black, PlateColour::Yellow),
            ([120, 200, 120], black, PlateColour::Green),
            (white, black, PlateColour::White),
            (black, white, PlateColour::Black),
        ] {
            let got = classify(&plate(bg, ink), PlateKind::Ordinary);
            assert_eq!(got.colour, want, "{bg:?}: {:?}", got.shares);
            assert!(!got.by_kind);
        }
    }

    #[test]
    fn the_kind_fixes_the_colour_where_the_law_does() {
        let blueish = plate([20, 60, 180], [240, 240, 240]);
        let police = classify(&blueish, PlateKind::Police);
        assert_eq!(
            (police.colour, police.pixels),
            (PlateColour::White, PlateColour::Blue)
        );
        assert!(police.by_kind);
        assert_eq!(
            classify(&blueish, PlateKind::NewEnergySmall).colour,
            PlateColour::Green
        );
        assert_eq!(
            classify(&blueish, PlateKind::Embassy).colour,
            PlateColour::Black
        );
    }

    #[test]
    fn red_ink_is_measured_where_the_final_mark_goes() {
        // a black plate with white characters and a dark red mark at its right end (the
        // consulate plate's 领 measured 0x80 0x26 0x26 and around)
        let mut img = plate([20, 8, 8], [240, 240, 240]);
        for y in 20..44 {
            for x in 182..205 {
                if (x + y) % 3 != 0 {
                    img.put_pixel(x, y, Rgb([0x80, 0x26, 0x26]));
                }
            }
        }
        assert!(red_share(&img, 0.8, 0.95) >= 0.1);
        assert!(red_share(&img, 0.05, 0.2) < 0.01);
        // the dark red-black of the plate's own background is not ink
        assert!(!is_red_ink([0x2c, 0x0f, 0x0c]));
        assert!(is_red_ink([0x9c, 0x45, 0x43]));
        assert_eq!(red_share(&img, 0.9, 0.9), 0.0);
    }
}
