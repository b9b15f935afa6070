//! Plate colour: blue, yellow, green, yellow-green, white or black, from what does not change
//! with the light, together with what the plate's text says. The polarity of the characters
//! against the background splits the colours in two (light characters on a dark plate: blue or
//! black; dark characters on a light plate: yellow, white or green); on a light-on-dark plate the
//! white characters give the plate's own white balance, and the background's hue and
//! saturation after it tell blue from black. The text decides where the law fixes the colour
//! (new energy green, police and military white, Hong Kong/Macau, consulate and embassy black,
//! driving school yellow) or narrows it (a Hong Kong plate is white or yellow). Where the
//! evidence leaves two colours open, the reading says which ([`PlateColourReading::doubt`]) and
//! the rules ask the guard to look instead of acting on a guess.

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

/// Which is lighter on the plate: its characters or its background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// Light characters on a dark background: blue or black plates.
    LightOnDark,
    /// Dark characters on a light background: yellow, white or green plates.
    DarkOnLight,
    /// Too little contrast to tell (glare, a plate washed out).
    Unclear,
}

impl Polarity {
    /// Stable key for JSON.
    pub fn key(self) -> &'static str {
        match self {
            Polarity::LightOnDark => "light_on_dark",
            Polarity::DarkOnLight => "dark_on_light",
            Polarity::Unclear => "unclear",
        }
    }
}

/// What the plate's pixels showed, for tracing a colour back.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ColourEvidence {
    pub polarity: Polarity,
    /// The light part's mean brightness less the dark part's (0..=255).
    pub contrast: f32,
    /// The same over the light part's brightness (0..=1): what exposure does not change.
    pub relative_contrast: f32,
    /// The share of the inner plate that is background (the larger part).
    pub background_share: f32,
    /// The background's hue (degrees), saturation and value (0..=1), after the white balance.
    pub hue: f32,
    pub saturation: f32,
    pub value: f32,
    /// The background's value over the characters' (light-on-dark plates; 1 otherwise): the
    /// exposure cancels out, a blue plate's background keeps half or more of its white
    /// characters' brightest channel, a black plate's much less.
    pub lightness: f32,
    /// Whether the white balance was taken from white characters (light-on-dark plates).
    pub balanced: bool,
    /// The saturation of the light background in the upper and the lower third of the plate,
    /// and whether it runs from white at the top to green at the bottom: the gradient of a
    /// new-energy plate (dark-on-light plates).
    pub top_saturation: f32,
    pub bottom_saturation: f32,
    pub gradient: bool,
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
    /// How sure the colour is, 0..=1.
    pub confidence: f32,
    /// Another colour the evidence leaves open; `None` when the colour is certain.
    pub doubt: Option<PlateColour>,
    pub evidence: ColourEvidence,
}

impl PlateColourReading {
    /// Whether the guard should look at the plate's colour ("请确认车牌颜色").
    pub fn uncertain(&self) -> bool {
        self.doubt.is_some()
    }
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

/// The inner part of a plate rectified with `plate_detect`'s margins (the central 80 % × 60 %,
/// clear of the margin and the frame), pixel by pixel.
fn inner(rectified: &RgbImage) -> impl Iterator<Item = [u8; 3]> + '_ {
    let (w, h) = rectified.dimensions();
    let (x0, x1) = (w / 10, w - w / 10);
    let (y0, y1) = (h / 5, h - h / 5);
    (y0..y1).flat_map(move |y| (x0..x1).map(move |x| rectified.get_pixel(x, y).0))
}

fn luma(p: [u8; 3]) -> u8 {
    let [r, g, b] = p.map(f32::from);
    (0.299 * r + 0.587 * g + 0.114 * b)
        .round()
        .clamp(0.0, 255.0) as u8
}

/// Otsu's threshold of a 256-bin histogram: the level that best splits it in two.
fn otsu(hist: &[u32; 256]) -> u8 {
    let total: f64 = hist.iter().map(|&n| f64::from(n)).sum();
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &n)| i as f64 * f64::from(n))
        .sum();
    let (mut w0, mut sum0, mut best, mut level) = (0.0, 0.0, -1.0, 0u8);
    for (i, &n) in hist.iter().enumerate() {
        w0 += f64::from(n);
        sum0 += i as f64 * f64::from(n);
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            level = i as u8;
        }
    }
    level
}

/// Least contrast between characters and background to tell which is which: relative to the
/// light part (so that it holds at any exposure), and in brightness levels (above noise).
const MIN_RELATIVE_CONTRAST: f32 = 0.2;
const MIN_CONTRAST: f32 = 8.0;

/// The polarity of the plate and its background's colour after the white balance.
pub fn evidence(rectified: &RgbImage) -> ColourEvidence {
    let mut hist = [0u32; 256];
    for p in inner(rectified) {
        hist[usize::from(luma(p))] += 1;
    }
    let level = otsu(&hist);
    // the dark part (at or under the level) and the light part: count, summed RGB and luma
    let mut parts = [(0f32, [0f32; 3], 0f32); 2];
    for p in inner(rectified) {
        let y = luma(p);
        let part = &mut parts[usize::from(y > level)];
        part.0 += 1.0;
        for (sum, c) in part.1.iter_mut().zip(p) {
            *sum += f32::from(c);
        }
        part.2 += f32::from(y);
    }
    let mean = |(n, rgb, y): (f32, [f32; 3], f32)| {
        let n = n.max(1.0);
        (rgb.map(|c| c / n), y / n)
    };
    let ((dark, dark_y), (light, light_y)) = (mean(parts[0]), mean(parts[1]));
    let total = (parts[0].0 + parts[1].0).max(1.0);
    let contrast = light_y - dark_y;
    let relative_contrast = contrast / light_y.max(1.0);
    let light_background = parts[1].0 >= parts[0].0;
    let polarity = if relative_contrast < MIN_RELATIVE_CONTRAST || contrast < MIN_CONTRAST {
        Polarity::Unclear
    } else if light_background {
        Polarity::DarkOnLight
    } else {
        Polarity::LightOnDark
    };
    let (background, characters, share) = if light_background {
        (light, dark, parts[1].0 / total)
    } else {
        (dark, light, parts[0].0 / total)
    };
    // white characters are the plate's own white: each channel scaled so they are grey
    let balanced = polarity == Polarity::LightOnDark && characters.iter().all(|&c| c > 40.0);
    let background = if balanced {
        let grey = characters.iter().sum::<f32>() / 3.0;
        let mut out = [0f32; 3];
        for ((o, b), c) in out.iter_mut().zip(background).zip(characters) {
            *o = (b * (grey / c).clamp(0.5, 2.0)).min(255.0);
        }
        out
    } else {
        background
    };
    let (hue, saturation, value) = hsv(background.map(|c| c.round().clamp(0.0, 255.0) as u8));
    let (top, bottom) = thirds(rectified, level);
    let (bottom_hue, bottom_saturation, _) = hsv(bottom);
    let (_, top_saturation, _) = hsv(top);
    let gradient = polarity == Polarity::DarkOnLight
        && is_green_hue(bottom_hue)
        && bottom_saturation >= 0.2
        && bottom_saturation - top_saturation >= 0.1;
    let characters_value = characters.iter().fold(0f32, |m, &c| m.max(c)) / 255.0;
    let lightness = if polarity == Polarity::LightOnDark && characters_value > 0.0 {
        (value / characters_value).min(1.0)
    } else {
        1.0
    };
    ColourEvidence {
        polarity,
        contrast,
        relative_contrast,
        background_share: share,
        hue,
        saturation,
        value,
        lightness,
        balanced,
        top_saturation,
        bottom_saturation,
        gradient,
    }
}

/// The mean colour of the light pixels (brighter than `level`) in the upper and the lower third
/// of the plate's inner part.
fn thirds(rectified: &RgbImage, level: u8) -> ([u8; 3], [u8; 3]) {
    let (w, h) = rectified.dimensions();
    let (x0, x1) = (w / 10, w - w / 10);
    let (y0, y1) = (h / 5, h - h / 5);
    let third = (y1 - y0) / 3;
    let mean = |from: u32, to: u32| {
        let (mut n, mut sum) = (0f32, [0f32; 3]);
        for y in from..to {
            for x in x0..x1 {
                let p = rectified.get_pixel(x, y).0;
                if luma(p) > level {
                    n += 1.0;
                    for (s, c) in sum.iter_mut().zip(p) {
                        *s += f32::from(c);
                    }
                }
            }
        }
        sum.map(|c| (c / n.max(1.0)).round().clamp(0.0, 255.0) as u8)
    };
    (mean(y0, y0 + third), mean(y1 - third, y1))
}

fn is_blue_hue(hue: f32) -> bool {
    // night flash turns blue plates cyan (闽EVL838 in the fixtures)
    (165.0..=265.0).contains(&hue)
}

fn is_yellow_hue(hue: f32) -> bool {
    (22.0..=68.0).contains(&hue)
}

fn is_green_hue(hue: f32) -> bool {
    (68.0..165.0).contains(&hue)
}

/// What the pixels say: a colour, another the evidence leaves open, and how sure, from the
/// polarity and the background's balanced colour; with too little contrast, from the shares.
pub fn from_evidence(
    e: &ColourEvidence,
    s: &ColourShares,
) -> (PlateColour, Option<PlateColour>, f32) {
    use PlateColour::{Black, Blue, Green, White, Yellow};
    let (hue, sat) = (e.hue, e.saturation);
    match e.polarity {
        Polarity::LightOnDark => {
            let bluish = is_blue_hue(hue) && e.lightness >= 0.43;
            if bluish && sat >= 0.3 {
                (Blue, None, 0.9)
            } else if sat < 0.15 && e.lightness < 0.45 {
                (Black, None, 0.85)
            } else if is_green_hue(hue) && sat >= 0.3 {
                // light characters on green: the dark-green agricultural plate
                (Green, Some(Blue), 0.6)
            } else if bluish {
                (Blue, Some(Black), 0.5)
            } else {
                (Black, Some(Blue), 0.5)
            }
        }
        Polarity::DarkOnLight => {
            if e.gradient {
                // white at the top, green at the bottom: a new-energy plate
                (Green, None, 0.8)
            } else if sat < 0.16 {
                (White, None, 0.85)
            } else if is_yellow_hue(hue) && sat >= 0.4 {
                (Yellow, None, 0.9)
            } else if is_green_hue(hue) && sat >= 0.25 {
                (Green, None, 0.85)
            } else if is_yellow_hue(hue) {
                (Yellow, Some(White), 0.5)
            } else if is_green_hue(hue) {
                // the new-energy plate's gradient runs from white to green
                (Green, Some(White), 0.5)
            } else if is_blue_hue(hue) {
                // a blue background lighter than its characters: a blue plate whose white
                // characters are lost in blur, or a white plate in blue light
                (Blue, Some(White), 0.4)
            } else {
                (White, Some(Yellow), 0.4)
            }
        }
        Polarity::Unclear => {
            let first = from_pixels(s);
            let second = [
                (Blue, s.blue),
                (Yellow, s.yellow),
                (Green, s.green),
                (White, s.white),
                (Black, s.black),
            ]
            .into_iter()
            .filter(|(c, _)| *c != first)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(c, _)| c);
            (first, second, 0.3)
        }
    }
}

/// The colours the law allows plates of `kind`, when it narrows them: one colour fixes it.
pub fn allowed_by_kind(kind: PlateKind) -> Option<&'static [PlateColour]> {
    use PlateColour::{White, Yellow};
    match kind {
        // a Hong Kong plate: white in front, yellow behind
        PlateKind::HongKong => Some(&[White, Yellow]),
        _ => None,
    }
}

/// The colour of a plate of `kind` rectified as `rectified`.
pub fn classify(rectified: &RgbImage, kind: PlateKind) -> PlateColourReading {
    let shares = shares(rectified);
    let evidence = evidence(rectified);
    let (pixels, doubt, confidence) = from_evidence(&evidence, &shares);
    let reading = |colour, by_kind, doubt, confidence| PlateColourReading {
        colour,
        pixels,
        by_kind,
        shares,
        confidence,
        doubt,
        evidence,
    };
    if let Some(colour) = fixed_by_kind(kind) {
        // military plates are known by their letters alone, which a blurred small plate can
        // fake: pixels that say otherwise leave the colour in doubt
        let by_letters = matches!(kind, PlateKind::Military | PlateKind::ArmedPolice);
        if by_letters && pixels != colour {
            return reading(colour, true, Some(pixels), 0.5);
        }
        return reading(colour, true, None, 1.0);
    }
    if let Some(allowed) = allowed_by_kind(kind) {
        if allowed.contains(&pixels) {
            let doubt = doubt.filter(|d| allowed.contains(d));
            return reading(pixels, true, doubt, confidence.max(0.6));
        }
        // the pixels name a colour the kind does not have: the likelier allowed one
        let colour = doubt
            .filter(|d| allowed.contains(d))
            .or_else(|| allowed.first().copied())
            .unwrap_or(pixels);
        let other = allowed.iter().copied().find(|c| *c != colour);
        let sure = evidence.saturation < 0.22 && colour == PlateColour::White;
        return reading(colour, true, other.filter(|_| !sure), 0.6);
    }
    reading(pixels, false, doubt, confidence)
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

    /// `img` in other light: each channel times `gain`, plus `lift`.
    fn lit(img: &RgbImage, gain: [f32; 3], lift: f32) -> RgbImage {
        let mut out = img.clone();
        for p in out.pixels_mut() {
            for (c, g) in p.0.iter_mut().zip(gain) {
                *c = (f32::from(*c) * g + lift).round().clamp(0.0, 255.0) as u8;
            }
        }
        out
    }

    #[test]
    fn polarity_and_the_characters_white_keep_blue_and_black_apart_in_any_light() {
        let blue = plate([25, 70, 185], [235, 235, 235]);
        let black = plate([22, 22, 26], [235, 235, 235]);
        let yellow = plate([225, 175, 25], [25, 25, 25]);
        for (name, gain, lift) in [
            ("as shot", [1.0; 3], 0.0),
            ("over-exposed", [1.7; 3], 35.0),
            ("under-exposed", [0.35; 3], 0.0),
            ("warm", [1.15, 0.95, 0.6], 12.0),
            ("cold", [0.75, 0.95, 1.2], 0.0),
        ] {
            let b = classify(&lit(&blue, gain, lift), PlateKind::Ordinary);
            assert_eq!(b.colour, PlateColour::Blue, "{name}: {:?}", b.evidence);
            assert_eq!(b.evidence.polarity, Polarity::LightOnDark, "{name}");
            let k = classify(&lit(&black, gain, lift), PlateKind::Ordinary);
            assert_eq!(k.colour, PlateColour::Black, "{name}: {:?}", k.evidence);
            let y = classify(&lit(&yellow, gain, lift), PlateKind::Ordinary);
            assert_eq!(y.colour, PlateColour::Yellow, "{name}: {:?}", y.evidence);
            assert_eq!(y.evidence.polarity, Polarity::DarkOnLight, "{name}");
        }
    }

    #[test]
    fn a_new_energy_plate_is_known_by_its_gradient_from_white_to_green() {
        // white at the top turning green towards the bottom, black characters
        let mut img = RgbImage::new(224, 64);
        for (_, y, p) in img.enumerate_pixels_mut() {
            let t = y as f32 / 63.0;
            let mix = |a: f32, b: f32| (a + (b - a) * t).round() as u8;
            *p = Rgb([mix(240.0, 90.0), mix(245.0, 200.0), mix(240.0, 120.0)]);
        }
        for y in 24..40 {
            for x in 30..200 {
                if x % 12 < 6 {
                    img.put_pixel(x, y, Rgb([20, 20, 20]));
                }
            }
        }
        let got = classify(&img, PlateKind::Ordinary);
        assert!(got.evidence.gradient, "{:?}", got.evidence);
        assert_eq!((got.colour, got.doubt), (PlateColour::Green, None));
        // a plain white plate is not
        let white = classify(&plate([235, 235, 235], [20, 20, 20]), PlateKind::Ordinary);
        assert!(!white.evidence.gradient);
        assert_eq!(white.colour, PlateColour::White);
    }

    #[test]
    fn a_plate_washed_out_by_headlights_leaves_its_colour_in_doubt() {
        // a blue plate in glare: background and characters nearly the same light blue-white
        let glare = plate([200, 215, 235], [235, 240, 245]);
        let got = classify(&glare, PlateKind::Ordinary);
        assert_eq!(got.evidence.polarity, Polarity::Unclear);
        assert!(got.uncertain(), "{got:?}");
        assert!(got.confidence < 0.5);
        // a pale yellow between yellow and white
        let pale = classify(&plate([235, 215, 150], [30, 30, 30]), PlateKind::Ordinary);
        assert_eq!(
            (pale.colour, pale.doubt),
            (PlateColour::Yellow, Some(PlateColour::White))
        );
    }

    #[test]
    fn a_hong_kong_plate_is_white_or_yellow_and_a_military_plate_that_looks_blue_is_in_doubt() {
        // the box slipped onto the black mainland plate below: still not called black
        let dark = plate([20, 20, 20], [230, 230, 230]);
        let hk = classify(&dark, PlateKind::HongKong);
        assert_eq!(hk.colour, PlateColour::White);
        let rear = classify(&plate([225, 180, 30], [20, 20, 20]), PlateKind::HongKong);
        assert_eq!((rear.colour, rear.doubt), (PlateColour::Yellow, None));
        // letters read as a PLA plate on a plate whose pixels say blue
        let blue = plate([25, 70, 185], [235, 235, 235]);
        let m = classify(&blue, PlateKind::Military);
        assert_eq!(
            (m.colour, m.doubt),
            (PlateColour::White, Some(PlateColour::Blue))
        );
        // the police suffix is not doubted
        assert_eq!(classify(&blue, PlateKind::Police).doubt, None);
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
