//! Decoding photos that come from outside (uploads, `analyze`, `enroll`, `import`, image-folder
//! cameras) within bounds, so that one hostile or broken file can neither take the box's memory
//! nor pass for a photo:
//!
//! - the size is read from the header first ([`probe`]) and a photo over the configured pixel
//!   count ([`ImageLimits::max_pixels`]) is refused before a single pixel is decoded (a 300 KB
//!   PNG of 10000×10000 would otherwise take 300 MB, and more while it is converted);
//! - the decoder is then given [`image::Limits`] (longest side, bytes it may allocate), so a
//!   header that lies cannot make it allocate more than the limits allow;
//! - at most [`ImageLimits::max_decodes`] photos are decoded at once in the process (a pool of
//!   permits); more wait their turn, so four uploads at the same moment cannot take four times
//!   the memory;
//! - a JPEG cut short is named as damaged ([`Problem::Damaged`]): the `image` crate's JPEG
//!   decoder (zune-jpeg, not in strict mode) fills the missing part with grey and reports
//!   success, which would give "0 faces" for half a photo. [`jpeg_is_whole`] walks the JPEG's
//!   marker structure to its end marker first (it decodes nothing). PNG and WebP decoders fail
//!   on a cut-short file by themselves;
//! - a decoded photo longer than [`KEPT_SIDE`] on its longer side is shrunk right after decoding,
//!   before it is turned upright, so what the models later hold is at most ~50 MB.
//!
//! Why not DCT-scaled JPEG decoding (decoding at ½, ¼ or ⅛ size directly): zune-jpeg, the
//! `image` crate's decoder, cannot. `jpeg-decoder`'s `Decoder::scale` can, but measured on a
//! 6000×4000 photo (release build, 2 cores) it decoded at ½ in 138 ms with a peak of 41 MB,
//! where zune-jpeg decodes the whole photo in 115 ms with a peak of 79 MB: it would add a
//! second JPEG decoder (its own colour, CMYK and EXIF handling) to save ~40 MB on the few
//! JPEGs over 4096 px that the pixel limit still lets in, while a PNG of the same size costs
//! the same either way. The pixel limit is what bounds the memory.

use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};

use super::image_ops;

/// Default largest photo accepted, in pixels: 24 megapixels holds every phone photo (12–24 MP)
/// and every camera frame; decoded it takes 72 MB.
pub const DEFAULT_MAX_PIXELS: u64 = 24_000_000;

/// Default number of photos decoded at once in the process: one per core of the 2-core box.
pub const DEFAULT_MAX_DECODES: usize = 2;

/// The longest side a header may give, whatever its pixel count (a strip 40000×10 is refused).
pub const MAX_SIDE: u32 = 32_768;

/// A decoded photo longer than this on its longer side is shrunk to it: more than any detector
/// looks at (`[vision] face_detect_side` and `plate_detect_side` are at most 4096), and a face
/// or plate cut from it keeps far more pixels than the recognisers take.
pub const KEPT_SIDE: u32 = 4096;

/// Bytes a decoder may allocate for one pixel: 16-bit RGBA, the widest of JPEG, PNG and WebP.
const MAX_BYTES_PER_PIXEL: u64 = 8;

/// How large, and how many at once, the photos that come from outside may be (`[images]` in
/// `gateward.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Largest photo accepted, in pixels (width × height), read from the header.
    pub max_pixels: u64,
    /// Photos decoded at once in the process; the pool is made with the first decode's value.
    pub max_decodes: usize,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_pixels: DEFAULT_MAX_PIXELS,
            max_decodes: DEFAULT_MAX_DECODES,
        }
    }
}

impl ImageLimits {
    /// Bytes a decoder may allocate for one photo: the largest photo in the widest pixels.
    fn max_alloc(&self) -> u64 {
        self.max_pixels.saturating_mul(MAX_BYTES_PER_PIXEL)
    }

    /// The largest file read as a photo: a photo's compressed bytes are never more than its
    /// widest pixels, plus room for metadata (EXIF, a phone's motion-photo video).
    fn max_file_bytes(&self) -> u64 {
        self.max_alloc().saturating_add(64 * 1024 * 1024)
    }

    /// The limits the `image` crate's decoders are given.
    fn decoder_limits(&self) -> Limits {
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        limits.max_alloc = Some(self.max_alloc());
        limits
    }
}

/// What is wrong with a photo, in the words of the person who gave it (Chinese, then English):
/// what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("读不到照片文件，请检查文件名和权限 (cannot read the file: {0})")]
    Read(std::io::Error),
    #[error(
        "照片文件太大：超过 {} MB，不像是一张照片；请另存一张小一些的照片再用 \
         (the file is over {} MB: save a smaller copy)",
        .max_bytes / 1024 / 1024, .max_bytes / 1024 / 1024
    )]
    FileTooLarge { max_bytes: u64 },
    #[error(
        "不是可用的照片：不是 JPEG、PNG 或 WebP 格式的图片，请用手机或相机拍的照片 \
         (not a JPEG, PNG or WebP image)"
    )]
    NotAnImage,
    #[error(
        "照片已损坏或不完整，请重新拷贝或重新拍一张 \
         (the image is damaged or cut short: copy it again or take a new one)"
    )]
    Damaged,
    #[error(
        "照片太大：{width}×{height} 像素，超过上限（{} 万像素，每边最多 {MAX_SIDE} 像素）；\
         请另存一张小一些的照片（例如长边 4000 像素）再用 \
         (the image is {width}×{height} pixels, over the limit of {} megapixels: save a \
         smaller copy, e.g. 4000 px on the longer side)",
        .max_pixels / 10_000, megapixels(*.max_pixels)
    )]
    TooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
}

/// `pixels` in megapixels, for a message.
fn megapixels(pixels: u64) -> f64 {
    pixels as f64 / 1e6
}

/// A photo that could not be decoded: what is wrong with it, and which it is.
#[derive(Debug, thiserror::Error)]
#[error("{problem}: {what}")]
pub struct DecodeError {
    /// The photo as its user knows it (a path, an uploaded file's name).
    pub what: String,
    pub problem: Problem,
}

/// The formats read as photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoFormat {
    Jpeg,
    Png,
    WebP,
}

impl PhotoFormat {
    /// The format `bytes` start like, when it is one of the photo formats.
    pub fn guess(bytes: &[u8]) -> Option<PhotoFormat> {
        match image::guess_format(bytes).ok()? {
            ImageFormat::Jpeg => Some(PhotoFormat::Jpeg),
            ImageFormat::Png => Some(PhotoFormat::Png),
            ImageFormat::WebP => Some(PhotoFormat::WebP),
            _ => None,
        }
    }

    /// The file extension a photo of this format is stored under.
    pub fn extension(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "jpg",
            PhotoFormat::Png => "png",
            PhotoFormat::WebP => "webp",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            PhotoFormat::Jpeg => ImageFormat::Jpeg,
            PhotoFormat::Png => ImageFormat::Png,
            PhotoFormat::WebP => ImageFormat::WebP,
        }
    }
}

/// What a photo's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub format: PhotoFormat,
    pub width: u32,
    pub height: u32,
}

/// Reads a photo's header and checks it against `limits`, decoding no pixel: its format and
/// size, or why it is refused (not a photo, a header that cannot be read, too many pixels).
pub fn probe(bytes: &[u8], what: &str, limits: &ImageLimits) -> Result<Header, DecodeError> {
    let fail = |problem| DecodeError {
        what: what.to_owned(),
        problem,
    };
    let format = PhotoFormat::guess(bytes).ok_or_else(|| fail(Problem::NotAnImage))?;
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format.image_format())
        .into_dimensions()
        .map_err(|_| fail(Problem::Damaged))?;
    check_size(width, height, limits).map_err(fail)?;
    Ok(Header {
        format,
        width,
        height,
    })
}

/// The size check of [`probe`]: a photo has pixels, and no more than the limits allow.
fn check_size(width: u32, height: u32, limits: &ImageLimits) -> Result<(), Problem> {
    if width == 0 || height == 0 {
        return Err(Problem::Damaged);
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels || width.max(height) > MAX_SIDE {
        return Err(Problem::TooLarge {
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    Ok(())
}

/// Reads a photo file and decodes it as [`decode`] does. A file larger than any photo within
/// the limits could be is refused without being read to its end.
pub fn open(path: &Path, limits: &ImageLimits) -> Result<RgbImage, DecodeError> {
    let what = path.display().to_string();
    let fail = |problem| DecodeError {
        what: what.clone(),
        problem,
    };
    let max_bytes = limits.max_file_bytes();
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(|e| fail(Problem::Read(e)))?;
    if bytes.len() as u64 > max_bytes {
        return Err(fail(Problem::FileTooLarge { max_bytes }));
    }
    decode(&bytes, &what, limits)
}

/// Decodes a photo into RGB within `limits`, as the module says: refused from its header when
/// too large, named as damaged when cut short, decoded when a permit of the process's pool is
/// free, shrunk to [`KEPT_SIDE`], and turned upright as its EXIF orientation says (phone photos
/// are often stored sideways). CMYK JPEGs and 16-bit or alpha PNGs are converted. `what` names
/// the photo in the error.
pub fn decode(bytes: &[u8], what: &str, limits: &ImageLimits) -> Result<RgbImage, DecodeError> {
    let header = probe(bytes, what, limits)?;
    let fail = |problem| DecodeError {
        what: what.to_owned(),
        problem,
    };
    if header.format == PhotoFormat::Jpeg && !jpeg_is_whole(bytes) {
        return Err(fail(Problem::Damaged));
    }
    let _permit = pool(limits.max_decodes).acquire();
    let mut reader = ImageReader::with_format(Cursor::new(bytes), header.format.image_format());
    reader.limits(limits.decoder_limits());
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| fail(problem_of(e, header, limits)))?;
    if decoder.dimensions() != (header.width, header.height)
        || decoder.total_bytes() > limits.max_alloc()
    {
        // a header read twice that says two things: nothing to trust in it
        return Err(fail(Problem::Damaged));
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let img = DynamicImage::from_decoder(decoder)
        .map_err(|e| fail(problem_of(e, header, limits)))?
        .into_rgb8();
    let img = shrink(img).map_err(|_| fail(Problem::Damaged))?;
    let mut img = DynamicImage::ImageRgb8(img);
    img.apply_orientation(orientation);
    Ok(img.into_rgb8())
}

/// The problem a decoder's error means: its limits say too large, anything else damaged.
fn problem_of(e: image::ImageError, header: Header, limits: &ImageLimits) -> Problem {
    match e {
        image::ImageError::Limits(_) => Problem::TooLarge {
            width: header.width,
            height: header.height,
            max_pixels: limits.max_pixels,
        },
        _ => Problem::Damaged,
    }
}

/// `img` with its longer side at most [`KEPT_SIDE`], its aspect kept.
fn shrink(img: RgbImage) -> Result<RgbImage, image_ops::ImageError> {
    let (w, h) = img.dimensions();
    let longer = w.max(h);
    if longer <= KEPT_SIDE {
        return Ok(img);
    }
    let scale = |v: u32| {
        let scaled = u64::from(v) * u64::from(KEPT_SIDE) / u64::from(longer);
        u32::try_from(scaled).unwrap_or(KEPT_SIDE).max(1)
    };
    image_ops::resize(&img, scale(w), scale(h))
}

/// Whether a JPEG's segments and scans run whole to its end marker (FF D9). Walks the marker
/// structure only: each segment by its length, each scan's entropy-coded data to the next
/// marker that is neither a stuffed zero nor a restart. Bytes after the end marker (a phone's
/// motion-photo video) are allowed; an EXIF thumbnail's own end marker inside APP1 is skipped
/// with its segment; stray bytes between segments are skipped, as decoders do.
pub fn jpeg_is_whole(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let next_ff = |from: usize| {
        bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
            .map(|i| from + i)
    };
    let mut at = 2;
    loop {
        let Some(ff) = next_ff(at) else {
            return false;
        };
        at = ff;
        while bytes.get(at) == Some(&0xFF) {
            at += 1; // fill bytes before the marker's code
        }
        let Some(&code) = bytes.get(at) else {
            return false;
        };
        at += 1;
        match code {
            0xD9 => return true,
            // markers without a length: restarts, TEM, and a stuffed zero out of place
            0x00 | 0x01 | 0xD0..=0xD7 => {}
            _ => {
                let Some(&[hi, lo]) = bytes.get(at..at + 2) else {
                    return false;
                };
                let length = usize::from(u16::from_be_bytes([hi, lo]));
                if length < 2 || at + length > bytes.len() {
                    return false;
                }
                at += length;
                if code == 0xDA {
                    // start of scan: its entropy-coded data runs to the next real marker
                    loop {
                        let Some(ff) = next_ff(at) else {
                            return false;
                        };
                        match bytes.get(ff + 1) {
                            None => return false,
                            Some(0x00 | 0xD0..=0xD7) => at = ff + 2,
                            Some(0xFF) => at = ff + 1,
                            Some(_) => {
                                at = ff;
                                break;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The process's pool of decode permits, made with the first caller's size (a process has one
/// config).
fn pool(size: usize) -> &'static Permits {
    static POOL: OnceLock<Permits> = OnceLock::new();
    POOL.get_or_init(|| Permits::new(size))
}

/// A counting semaphore for blocking threads: at most `size` permits out at once.
struct Permits {
    free: Mutex<usize>,
    returned: Condvar,
}

/// A permit of a [`Permits`] pool, given back when dropped.
struct Permit<'a> {
    pool: &'a Permits,
}

impl Permits {
    fn new(size: usize) -> Permits {
        Permits {
            free: Mutex::new(size.max(1)),
            returned: Condvar::new(),
        }
    }

    /// Takes a permit, waiting until one is free.
    fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .returned
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        Permit { pool: self }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut free = self
            .pool
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *free += 1;
        self.pool.returned.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(name),
        )
        .unwrap_or_else(|e| panic!("fixtures/{name}: {e}"))
    }

    /// A small real JPEG made here: a gradient, so its scan has varied data.
    fn small_jpeg() -> Vec<u8> {
        let img = RgbImage::from_fn(48, 40, |x, y| image::Rgb([x as u8 * 5, y as u8 * 6, 90]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    /// The header of a `width`×`height` greyscale PNG and its first row only: what a
    /// decompression bomb's header looks like to a decoder that trusts it.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        use std::io::Write;
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Grayscale);
        let mut writer = enc.write_header().unwrap();
        let mut rows = writer.stream_writer().unwrap();
        rows.write_all(&vec![0u8; width as usize]).unwrap();
        rows.flush().unwrap();
        std::mem::forget(rows);
        drop(writer);
        out
    }

    #[test]
    fn a_photo_over_the_pixel_limit_is_refused_from_its_header() {
        let bomb = png_header(10_000, 10_000);
        let e = probe(&bomb, "bomb.png", &ImageLimits::default()).unwrap_err();
        assert!(
            matches!(
                e.problem,
                Problem::TooLarge {
                    width: 10_000,
                    height: 10_000,
                    max_pixels: DEFAULT_MAX_PIXELS
                }
            ),
            "{e}"
        );
        let text = e.to_string();
        assert!(text.starts_with("照片太大：10000×10000 像素"), "{text}");
        assert!(
            text.contains("2400 万像素") && text.contains("24 megapixels"),
            "{text}"
        );
        assert!(text.ends_with(": bomb.png"), "{text}");
        // decode says the same, before any pixel
        let e = decode(&bomb, "bomb.png", &ImageLimits::default()).unwrap_err();
        assert!(matches!(e.problem, Problem::TooLarge { .. }), "{e}");
        // a smaller limit refuses a smaller photo; the real one passes the default
        let small = ImageLimits {
            max_pixels: 1_000_000,
            ..ImageLimits::default()
        };
        assert!(probe(&fixture("obama3.jpg"), "o", &small).is_err());
        let h = probe(&fixture("obama3.jpg"), "o", &ImageLimits::default()).unwrap();
        assert_eq!(
            (h.format, h.width, h.height),
            (PhotoFormat::Jpeg, 1434, 2333)
        );
    }

    #[test]
    fn the_size_check_refuses_no_pixels_too_many_and_a_side_too_long() {
        let l = ImageLimits::default();
        assert!(check_size(4000, 6000, &l).is_ok());
        assert!(check_size(4898, 4898, &l).is_ok());
        assert!(matches!(
            check_size(4900, 4900, &l),
            Err(Problem::TooLarge { .. })
        ));
        assert!(matches!(check_size(0, 10, &l), Err(Problem::Damaged)));
        assert!(matches!(
            check_size(MAX_SIDE + 1, 10, &l),
            Err(Problem::TooLarge { .. })
        ));
    }

    #[test]
    fn the_decoders_limits_bound_sides_and_bytes() {
        let l = ImageLimits {
            max_pixels: 1_000_000,
            max_decodes: 1,
        }
        .decoder_limits();
        assert_eq!(l.max_image_width, Some(MAX_SIDE));
        assert_eq!(l.max_image_height, Some(MAX_SIDE));
        assert_eq!(l.max_alloc, Some(8_000_000));
    }

    #[test]
    fn a_whole_jpeg_is_whole_and_every_cut_short_copy_is_not() {
        let jpeg = small_jpeg();
        assert!(jpeg_is_whole(&jpeg));
        for cut in 0..jpeg.len() {
            assert!(
                !jpeg_is_whole(&jpeg[..cut]),
                "cut at {cut} of {}",
                jpeg.len()
            );
        }
        for name in ["obama.jpg", "obama3.jpg", "biden.jpg", "solvay-curie.jpg"] {
            let photo = fixture(name);
            assert!(jpeg_is_whole(&photo), "{name}");
            assert!(!jpeg_is_whole(&photo[..photo.len() / 2]), "{name}");
            assert!(!jpeg_is_whole(&photo[..photo.len() - 2]), "{name}");
        }
        // bytes after the end (a motion photo's video) are fine
        let mut trailing = jpeg.clone();
        trailing.extend_from_slice(b"....ftypmp42 and a video");
        assert!(jpeg_is_whole(&trailing));
        assert!(!jpeg_is_whole(b"not a jpeg"));
    }

    #[test]
    fn a_truncated_jpeg_is_named_as_damaged_not_decoded_grey() {
        let photo = fixture("obama.jpg");
        let cut = &photo[..photo.len() / 2];
        // what the image crate alone does with it: a picture, half of it grey
        assert!(image::load_from_memory(cut).is_ok());
        let e = decode(cut, "obama-cut.jpg", &ImageLimits::default()).unwrap_err();
        assert!(matches!(e.problem, Problem::Damaged), "{e}");
        let text = e.to_string();
        assert!(
            text.starts_with("照片已损坏或不完整") && text.contains("damaged or cut short"),
            "{text}"
        );
        assert!(text.ends_with(": obama-cut.jpg"), "{text}");
        assert!(decode(&photo, "obama.jpg", &ImageLimits::default()).is_ok());
    }

    #[test]
    fn a_truncated_png_or_webp_is_damaged_too() {
        for name in ["astronaut.png", "car-open-image-models.webp"] {
            let photo = fixture(name);
            let e =
                decode(&photo[..photo.len() * 2 / 3], name, &ImageLimits::default()).unwrap_err();
            assert!(matches!(e.problem, Problem::Damaged), "{name}: {e}");
        }
    }

    #[test]
    fn not_a_photo_is_named_as_such() {
        let e = decode(b"a shopping list", "list.jpg", &ImageLimits::default()).unwrap_err();
        assert!(matches!(e.problem, Problem::NotAnImage), "{e}");
        assert!(e.to_string().contains("不是可用的照片"), "{e}");
        let e = decode(
            b"\xFF\xD8\xFF\xE0 half",
            "half.jpg",
            &ImageLimits::default(),
        )
        .unwrap_err();
        assert!(matches!(e.problem, Problem::Damaged), "{e}");
    }

    #[test]
    fn a_photo_longer_than_the_kept_side_is_shrunk_keeping_its_aspect() {
        let img = RgbImage::new(KEPT_SIDE * 2, 1000);
        let small = shrink(img).unwrap();
        assert_eq!(small.dimensions(), (KEPT_SIDE, 500));
        let thin = shrink(RgbImage::new(KEPT_SIDE + 10, 1)).unwrap();
        assert_eq!(thin.dimensions(), (KEPT_SIDE, 1));
        let kept = shrink(RgbImage::new(300, 200)).unwrap();
        assert_eq!(kept.dimensions(), (300, 200));
    }

    #[test]
    fn a_file_larger_than_any_photo_is_not_read_to_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.jpg");
        let limits = ImageLimits {
            max_pixels: 1000,
            max_decodes: 1,
        };
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(limits.max_file_bytes() + 10).unwrap();
        let e = open(&path, &limits).unwrap_err();
        assert!(matches!(e.problem, Problem::FileTooLarge { .. }), "{e}");
        let e = open(&dir.path().join("missing.jpg"), &limits).unwrap_err();
        assert!(matches!(e.problem, Problem::Read(_)), "{e}");
    }

    #[test]
    fn no_more_permits_are_out_than_the_pool_holds() {
        let pool = Arc::new(Permits::new(2));
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (pool, now, most) = (Arc::clone(&pool), Arc::clone(&now), Arc::clone(&most));
                std::thread::spawn(move || {
                    let _permit = pool.acquire();
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    now.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(*pool.free.lock().unwrap(), 2, "every permit came back");
    }
}
