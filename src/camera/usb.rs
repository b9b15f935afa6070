//! USB cameras (/dev/videoN, Linux's V4L2) through nokhwa: the picture format asked for or the
//! best the camera offers, its frames turned into RGB by nokhwa's decoders (MJPEG, YUYV, NV12),
//! an unplugged camera opened again when it comes back.

use std::fmt;
use std::time::{Duration, Instant};

use image::RgbImage;
use nokhwa::Camera as Device;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
};
use nokhwa::{Buffer, NokhwaError};

use super::context::{Ctx, Outcome};

/// The rate a format must reach to be chosen when the camera's `fps` is not set.
const USABLE_FPS: u32 = 10;

/// Without an asked size, formats larger than this are passed over while a smaller one reaches
/// the rate: a 4K picture costs more to decode than the models can use.
const LARGEST_DEFAULT: u64 = 1920 * 1080;

/// Bad frames in a row (a damaged MJPEG picture, cut short on the cable) after which the
/// camera is opened again.
const BAD_FRAMES: u32 = 30;

/// How a USB camera's frames are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PixelFormat {
    /// Motion JPEG: each frame a JPEG picture.
    Mjpeg,
    /// YUYV 4:2:2: two pixels in four bytes (Y0 U Y1 V).
    Yuyv,
    /// NV12: a plane of Y, then one of interleaved U and V at half the size each way.
    Nv12,
    /// 8-bit grey.
    Gray,
    /// RGB, 3 bytes a pixel.
    Rgb,
    /// BGR, 3 bytes a pixel.
    Bgr,
}

impl PixelFormat {
    fn from_nokhwa(f: FrameFormat) -> PixelFormat {
        match f {
            FrameFormat::MJPEG => PixelFormat::Mjpeg,
            FrameFormat::YUYV => PixelFormat::Yuyv,
            FrameFormat::NV12 => PixelFormat::Nv12,
            FrameFormat::GRAY => PixelFormat::Gray,
            FrameFormat::RAWRGB => PixelFormat::Rgb,
            FrameFormat::RAWBGR => PixelFormat::Bgr,
        }
    }

    fn to_nokhwa(self) -> FrameFormat {
        match self {
            PixelFormat::Mjpeg => FrameFormat::MJPEG,
            PixelFormat::Yuyv => FrameFormat::YUYV,
            PixelFormat::Nv12 => FrameFormat::NV12,
            PixelFormat::Gray => FrameFormat::GRAY,
            PixelFormat::Rgb => FrameFormat::RAWRGB,
            PixelFormat::Bgr => FrameFormat::RAWBGR,
        }
    }

    /// Which is preferred at the same size and rate: uncompressed YUYV (sharpest), then NV12,
    /// then MJPEG; grey last (no colour for plates and cars).
    fn rank(self) -> u8 {
        match self {
            PixelFormat::Yuyv => 0,
            PixelFormat::Nv12 => 1,
            PixelFormat::Rgb | PixelFormat::Bgr => 2,
            PixelFormat::Mjpeg => 3,
            PixelFormat::Gray => 4,
        }
    }

    /// The bytes of one uncompressed frame; None for MJPEG.
    fn frame_bytes(self, width: u32, height: u32) -> Option<usize> {
        let pixels = width as usize * height as usize;
        match self {
            PixelFormat::Mjpeg => None,
            PixelFormat::Yuyv => Some(pixels * 2),
            PixelFormat::Nv12 => Some(pixels * 3 / 2),
            PixelFormat::Gray => Some(pixels),
            PixelFormat::Rgb | PixelFormat::Bgr => Some(pixels * 3),
        }
    }
}

impl fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            PixelFormat::Mjpeg => "MJPEG",
            PixelFormat::Yuyv => "YUYV",
            PixelFormat::Nv12 => "NV12",
            PixelFormat::Gray => "GREY",
            PixelFormat::Rgb => "RGB",
            PixelFormat::Bgr => "BGR",
        })
    }
}

/// One picture format a USB camera offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsbFormat {
    /// How its frames are laid out.
    pub pixels: PixelFormat,
    /// Picture width in pixels.
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
}

impl UsbFormat {
    fn area(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    fn to_nokhwa(self) -> CameraFormat {
        CameraFormat::new(
            Resolution::new(self.width, self.height),
            self.pixels.to_nokhwa(),
            self.fps,
        )
    }
}

impl fmt::Display for UsbFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}×{} at {} fps",
            self.pixels, self.width, self.height, self.fps
        )
    }
}

/// The format to open a camera with, among those it `offers`:
/// - with a `size`: that size (else the nearest one), at the lowest rate that reaches `fps`
///   (else its highest rate);
/// - without: the largest picture up to 1920×1080 (larger only when nothing smaller does) that
///   reaches `fps` (10 when not set), else the fastest format;
/// - at the same size and rate, YUYV before NV12 before MJPEG (uncompressed is sharper).
///
/// None when the camera offers nothing.
pub fn choose(
    offers: &[UsbFormat],
    size: Option<(u32, u32)>,
    fps: Option<f32>,
) -> Option<UsbFormat> {
    // a rate of 12.5 is reached by a format of 13 fps, not 12
    let wanted = fps.map_or(USABLE_FPS, |f| f.ceil().clamp(1.0, 1000.0) as u32);
    let fast = |f: &UsbFormat| f.fps >= wanted;
    let at_size: Vec<&UsbFormat> = match size {
        Some((w, h)) => {
            let distance = |f: &UsbFormat| {
                let dx = i64::from(f.width) - i64::from(w);
                let dy = i64::from(f.height) - i64::from(h);
                dx * dx + dy * dy
            };
            let nearest = offers.iter().map(distance).min()?;
            offers.iter().filter(|f| distance(f) == nearest).collect()
        }
        None => {
            let reaching: Vec<&UsbFormat> = offers.iter().filter(|f| fast(f)).collect();
            let pick = |within: &dyn Fn(&UsbFormat) -> bool| {
                reaching
                    .iter()
                    .filter(|f| within(f))
                    .map(|f| (f.area(), f.width))
                    .max()
            };
            let Some((area, width)) =
                pick(&|f| f.area() <= LARGEST_DEFAULT).or_else(|| pick(&|_| true))
            else {
                // nothing reaches the rate: the fastest, then the largest of those
                let top = offers.iter().map(|f| f.fps).max()?;
                let best = offers
                    .iter()
                    .filter(|f| f.fps == top)
                    .max_by_key(|f| (f.area(), std::cmp::Reverse(f.pixels.rank())))?;
                return Some(*best);
            };
            offers
                .iter()
                .filter(|f| f.area() == area && f.width == width)
                .collect()
        }
    };
    let rate = at_size
        .iter()
        .filter(|f| fast(f))
        .map(|f| f.fps)
        .min()
        .or_else(|| at_size.iter().map(|f| f.fps).max())?;
    at_size
        .into_iter()
        .filter(|f| f.fps == rate)
        .min_by_key(|f| f.pixels.rank())
        .copied()
}

/// The formats a camera offers, a line per pixel format: its sizes, largest first, each with
/// its highest rate (`YUYV: 1280×720 10 fps, 640×480 30 fps`).
pub fn summary(offers: &[UsbFormat]) -> Vec<String> {
    let mut kinds: Vec<PixelFormat> = offers.iter().map(|f| f.pixels).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| {
            let mut sizes: Vec<(u64, u32, u32, u32)> = Vec::new();
            for f in offers.iter().filter(|f| f.pixels == kind) {
                match sizes.iter_mut().find(|s| (s.1, s.2) == (f.width, f.height)) {
                    Some(s) => s.3 = s.3.max(f.fps),
                    None => sizes.push((f.area(), f.width, f.height, f.fps)),
                }
            }
            sizes.sort_by(|a, b| b.cmp(a));
            let sizes: Vec<String> = sizes
                .iter()
                .map(|(_, w, h, fps)| format!("{w}×{h} {fps} fps"))
                .collect();
            format!("{kind}: {}", sizes.join(", "))
        })
        .collect()
}

/// A frame that could not be turned into a picture.
#[derive(Debug, thiserror::Error)]
#[error("a frame ({format}, {width}×{height}) cannot be read: {detail}")]
pub struct FrameError {
    /// How the frame was laid out.
    pub format: PixelFormat,
    /// The picture size the camera announced.
    pub width: u32,
    /// The picture size the camera announced.
    pub height: u32,
    /// What was wrong.
    pub detail: String,
}

/// Turns one camera frame of `width`×`height` laid out as `format` into an RGB picture, with
/// nokhwa's decoders (the same the camera's thread uses).
pub fn to_rgb(
    format: PixelFormat,
    width: u32,
    height: u32,
    data: &[u8],
) -> Result<RgbImage, FrameError> {
    decode(format, width, height, data, Vec::new())
}

/// [`to_rgb`] into `buffer` (an earlier frame's, overwritten; resized when it does not fit).
fn decode(
    format: PixelFormat,
    width: u32,
    height: u32,
    data: &[u8],
    mut buffer: Vec<u8>,
) -> Result<RgbImage, FrameError> {
    let error = |detail: String| FrameError {
        format,
        width,
        height,
        detail,
    };
    if width == 0 || height == 0 {
        return Err(error("the picture has no pixels".to_owned()));
    }
    if let Some(bytes) = format.frame_bytes(width, height)
        && data.len() != bytes
    {
        return Err(error(format!(
            "{} bytes where {bytes} were due (a frame cut short?)",
            data.len()
        )));
    }
    if format == PixelFormat::Nv12 && (!width.is_multiple_of(2) || !height.is_multiple_of(2)) {
        return Err(error("NV12 needs an even width and height".to_owned()));
    }
    if format == PixelFormat::Mjpeg {
        // mozjpeg, under nokhwa, panics on what is not a JPEG picture: its header is read first
        let (w, h) = jpeg_size(data).map_err(error)?;
        if (w, h) != (width, height) {
            return Err(error(format!("the picture inside is {w}×{h}")));
        }
    }
    buffer.resize(width as usize * height as usize * 3, 0);
    let frame = Buffer::new(Resolution::new(width, height), data, format.to_nokhwa());
    // and should it still panic on a damaged picture, the frame is lost, not the camera
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        frame.decode_image_to_buffer::<RgbFormat>(&mut buffer)
    }));
    match decoded {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(error(nokhwa_words(&e))),
        Err(_) => return Err(error("the decoder failed on a damaged picture".to_owned())),
    }
    RgbImage::from_raw(width, height, buffer)
        .ok_or_else(|| error("the decoded picture has the wrong size".to_owned()))
}

/// The size a JPEG picture's header gives, or why it is not one.
fn jpeg_size(data: &[u8]) -> Result<(u32, u32), String> {
    use image::ImageDecoder;
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err("it is not a JPEG picture".to_owned());
    }
    let decoder = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(data))
        .map_err(|e| format!("its JPEG header is damaged: {e}"))?;
    Ok(decoder.dimensions())
}

/// nokhwa's error as a sentence, without its Rust-type wrapping.
fn nokhwa_words(e: &NokhwaError) -> String {
    match e {
        NokhwaError::ProcessFrameError { error, .. } => error.clone(),
        other => other.to_string(),
    }
}

/// The formats the USB camera /dev/video`index` offers (opening it for a moment).
pub fn formats(index: u32) -> Result<Vec<UsbFormat>, String> {
    let mut device = open(index)?;
    offered(&mut device)
}

fn open(index: u32) -> Result<Device, String> {
    Device::new(
        CameraIndex::Index(index),
        RequestedFormat::new::<RgbFormat>(RequestedFormatType::None),
    )
    .map_err(|e| nokhwa_words(&e))
}

fn offered(device: &mut Device) -> Result<Vec<UsbFormat>, String> {
    let mut formats: Vec<UsbFormat> = device
        .compatible_camera_formats()
        .map_err(|e| nokhwa_words(&e))?
        .into_iter()
        .map(|f| UsbFormat {
            pixels: PixelFormat::from_nokhwa(f.format()),
            width: f.width(),
            height: f.height(),
            fps: f.frame_rate(),
        })
        .collect();
    formats.sort_by_key(|f| (f.pixels, std::cmp::Reverse((f.area(), f.width, f.fps))));
    formats.dedup();
    Ok(formats)
}

/// Why a USB camera could not be read, in words a guard or installer can act on.
#[derive(Debug, thiserror::Error)]
enum UsbError {
    #[error(
        "camera {camera}: the USB camera /dev/video{index} is not plugged in (`gateward cameras` \
         lists the cameras this machine sees); it is read as soon as it is"
    )]
    Absent { camera: String, index: u32 },
    #[error(
        "camera {camera}: cannot open the USB camera /dev/video{index}: {detail} (is another \
         program using it? `gateward cameras` lists the cameras this machine sees)"
    )]
    Open {
        camera: String,
        index: u32,
        detail: String,
    },
    #[error(
        "camera {camera}: the USB camera /dev/video{index} offers no picture format gateward \
         reads ({detail})"
    )]
    NoFormat {
        camera: String,
        index: u32,
        detail: String,
    },
    #[error(
        "camera {camera}: the USB camera /dev/video{index} stopped after {frames} frames: \
         {detail} (unplugged? it is read again as soon as it is plugged back in)"
    )]
    Lost {
        camera: String,
        index: u32,
        frames: u64,
        detail: String,
    },
}

impl From<UsbError> for Outcome {
    fn from(e: UsbError) -> Outcome {
        Outcome::Retry(e.to_string())
    }
}

/// Reads the USB camera until it fails (unplugged) or the camera is stopped.
pub(super) fn read(ctx: &mut Ctx, index: u32, size: Option<(u32, u32)>) -> Outcome {
    let camera = ctx.name().to_owned();
    if !std::path::Path::new(&format!("/dev/video{index}")).exists() {
        return UsbError::Absent { camera, index }.into();
    }
    let open_error = |detail: String| UsbError::Open {
        camera: camera.clone(),
        index,
        detail,
    };
    let mut device = match open(index) {
        Ok(device) => device,
        Err(detail) => return open_error(detail).into(),
    };
    let offers = match offered(&mut device) {
        Ok(offers) => offers,
        Err(detail) => return open_error(detail).into(),
    };
    let Some(format) = choose(&offers, size, ctx.spec.fps) else {
        return UsbError::NoFormat {
            camera,
            index,
            detail: "it lists none; MJPEG, YUYV and NV12 are read".to_owned(),
        }
        .into();
    };
    let chosen = device.set_camera_requset(RequestedFormat::new::<RgbFormat>(
        RequestedFormatType::Exact(format.to_nokhwa()),
    ));
    if let Err(e) = chosen.and_then(|_| device.open_stream()) {
        return UsbError::NoFormat {
            camera,
            index,
            detail: format!("{format} was refused: {}", nokhwa_words(&e)),
        }
        .into();
    }
    if let Some((w, h)) = size
        && (w, h) != (format.width, format.height)
    {
        tracing::warn!(
            camera = %camera,
            "the USB camera has no {w}×{h} picture: reading {format} instead"
        );
    } else {
        tracing::info!(camera = %camera, "USB camera /dev/video{index}: {format}");
    }
    let step = ctx
        .spec
        .fps
        .filter(|&f| f < format.fps as f32)
        .map(|f| Duration::from_secs_f64(1.0 / f64::from(f)));
    let mut frames = 0u64;
    let mut bad = 0u32;
    let mut due = Instant::now();
    loop {
        if ctx.stopping() {
            return Outcome::Stopped;
        }
        let frame = match device.frame() {
            Ok(frame) => frame,
            Err(e) => {
                return UsbError::Lost {
                    camera,
                    index,
                    frames,
                    detail: nokhwa_words(&e),
                }
                .into();
            }
        };
        frames += 1;
        // fewer frames than the camera gives: skip (and so never decode) the ones in between
        let now = Instant::now();
        if let Some(step) = step {
            if now < due {
                continue;
            }
            due = (due + step).max(now.checked_sub(step / 2).unwrap_or(now));
        }
        let resolution = frame.resolution();
        let buffer = ctx.buffer(resolution.width() as usize * resolution.height() as usize * 3);
        match decode(
            format.pixels,
            resolution.width(),
            resolution.height(),
            frame.buffer(),
            buffer,
        ) {
            Ok(image) => {
                bad = 0;
                let offset = ctx.started.elapsed();
                if !ctx.emit(image, offset) {
                    return Outcome::Stopped;
                }
            }
            Err(e) => {
                bad += 1;
                if bad == 1 {
                    tracing::warn!(camera = %camera, "skipping a frame: {e}");
                }
                if bad >= BAD_FRAMES {
                    return UsbError::Lost {
                        camera,
                        index,
                        frames,
                        detail: format!("{BAD_FRAMES} bad frames in a row, the last: {e}"),
                    }
                    .into();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pixels: PixelFormat, width: u32, height: u32, fps: u32) -> UsbFormat {
        UsbFormat {
            pixels,
            width,
            height,
            fps,
        }
    }

    /// What a common 1080p webcam offers: MJPEG up to 1080p at 30 fps, YUYV fast only when small.
    fn webcam() -> Vec<UsbFormat> {
        use PixelFormat::{Mjpeg, Yuyv};
        vec![
            f(Mjpeg, 1920, 1080, 30),
            f(Mjpeg, 1280, 720, 30),
            f(Mjpeg, 640, 480, 30),
            f(Yuyv, 1920, 1080, 5),
            f(Yuyv, 1280, 720, 10),
            f(Yuyv, 640, 480, 30),
            f(Yuyv, 640, 480, 15),
        ]
    }

    #[test]
    fn without_a_size_the_largest_picture_at_a_usable_rate() {
        let c = webcam();
        // YUYV 1080p only reaches 5 fps: MJPEG 1080p 30 fps
        assert_eq!(
            choose(&c, None, None),
            Some(f(PixelFormat::Mjpeg, 1920, 1080, 30))
        );
        // 10 fps at 720p: uncompressed YUYV reaches it
        assert_eq!(
            choose(&c, Some((1280, 720)), Some(10.0)),
            Some(f(PixelFormat::Yuyv, 1280, 720, 10))
        );
        // 25 fps at 720p: only MJPEG reaches it
        assert_eq!(
            choose(&c, Some((1280, 720)), Some(25.0)),
            Some(f(PixelFormat::Mjpeg, 1280, 720, 30))
        );
        // the lowest rate that reaches the asked one: fewer frames to drop
        assert_eq!(
            choose(&c, Some((640, 480)), Some(12.0)),
            Some(f(PixelFormat::Yuyv, 640, 480, 15))
        );
    }

    #[test]
    fn an_unoffered_size_gives_the_nearest_and_a_too_high_rate_the_highest() {
        let c = webcam();
        assert_eq!(
            choose(&c, Some((1280, 800)), Some(30.0)),
            Some(f(PixelFormat::Mjpeg, 1280, 720, 30))
        );
        assert_eq!(
            choose(&c, Some((1920, 1080)), Some(60.0)),
            Some(f(PixelFormat::Mjpeg, 1920, 1080, 30))
        );
    }

    #[test]
    fn a_4k_camera_gives_1080p_unless_asked() {
        use PixelFormat::Mjpeg;
        let c = vec![f(Mjpeg, 3840, 2160, 30), f(Mjpeg, 1920, 1080, 30)];
        assert_eq!(choose(&c, None, None), Some(f(Mjpeg, 1920, 1080, 30)));
        assert_eq!(
            choose(&c, Some((3840, 2160)), None),
            Some(f(Mjpeg, 3840, 2160, 30))
        );
        // only 4K reaches the rate: 4K
        let c = vec![f(Mjpeg, 3840, 2160, 15), f(Mjpeg, 1920, 1080, 5)];
        assert_eq!(choose(&c, None, None), Some(f(Mjpeg, 3840, 2160, 15)));
    }

    #[test]
    fn a_slow_camera_gives_its_fastest_format() {
        use PixelFormat::{Mjpeg, Yuyv};
        let c = vec![
            f(Yuyv, 1280, 720, 5),
            f(Yuyv, 640, 480, 8),
            f(Mjpeg, 320, 240, 8),
        ];
        assert_eq!(choose(&c, None, None), Some(f(Yuyv, 640, 480, 8)));
        assert_eq!(choose(&[], None, None), None);
    }

    #[test]
    fn the_summary_gives_each_size_once_with_its_best_rate() {
        assert_eq!(
            summary(&webcam()),
            [
                "MJPEG: 1920×1080 30 fps, 1280×720 30 fps, 640×480 30 fps",
                "YUYV: 1920×1080 5 fps, 1280×720 10 fps, 640×480 30 fps",
            ]
        );
        assert!(summary(&[]).is_empty());
    }

    #[test]
    fn frames_of_the_wrong_length_are_refused_in_words() {
        let e = to_rgb(PixelFormat::Yuyv, 4, 2, &[0; 15]).expect_err("short");
        assert_eq!(
            e.to_string(),
            "a frame (YUYV, 4×2) cannot be read: 15 bytes where 16 were due (a frame cut short?)"
        );
        assert!(to_rgb(PixelFormat::Nv12, 3, 2, &[0; 9]).is_err());
        assert!(to_rgb(PixelFormat::Gray, 0, 2, &[]).is_err());
        let grey = to_rgb(PixelFormat::Gray, 2, 1, &[10, 200]).expect("grey");
        assert_eq!(grey.as_raw(), &vec![10, 10, 10, 200, 200, 200]);
        let bgr = to_rgb(
            PixelFormat::Bgr,
            2,
            2,
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        )
        .expect("bgr");
        assert_eq!(bgr.as_raw(), &vec![3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10]);
    }
}
