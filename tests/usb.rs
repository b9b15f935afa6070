//! USB cameras. The frames a USB camera sends (YUYV 4:2:2, MJPEG, NV12) are made by ffmpeg from
//! the VIP fixture clip and turned into pictures by the same nokhwa decoding the camera's thread
//! uses: they must match ffmpeg's own RGB frames, and the VIP must still be named on them. A
//! cut-short or damaged frame is an error in words, never a crash. The device test reads a real
//! USB camera where /dev/video* exists; elsewhere (this machine, CI) it says loudly that it was
//! not run.

mod common;

use std::process::Command;

use common::{fixture, gateward_in, has_ffmpeg, stderr, stdout};
use gateward::camera::usb::{self, PixelFormat};
use image::RgbImage;

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
/// Frames taken from the 3 s clip: the VIP far, nearer, close.
const FRAMES: [u32; 3] = [10, 20, 29];

/// Frame `n` of the VIP clip as ffmpeg gives it, in `pix_fmt` (raw bytes), or as a JPEG when
/// `pix_fmt` is "mjpeg" (as webcams send MJPEG: 4:2:2, full range).
fn ffmpeg_frame(n: u32, pix_fmt: &str) -> Vec<u8> {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-loglevel", "error", "-i"])
        .arg(fixture("clips/vip-arrives.mp4"))
        .args(["-vf", &format!("select=eq(n\\,{n})"), "-frames:v", "1"]);
    if pix_fmt == "mjpeg" {
        cmd.args([
            "-c:v", "mjpeg", "-pix_fmt", "yuvj422p", "-q:v", "3", "-f", "mjpeg", "-",
        ]);
    } else {
        cmd.args(["-pix_fmt", pix_fmt, "-f", "rawvideo", "-"]);
    }
    let out = cmd.output().expect("run ffmpeg");
    assert!(
        out.status.success() && !out.stdout.is_empty(),
        "ffmpeg gave no {pix_fmt} frame {n}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The mean difference per colour value between two pictures of the same size (0–255).
fn mean_difference(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// The mean of each colour channel: a swapped U and V (or R and B) shows here.
fn channel_means(image: &RgbImage) -> [f64; 3] {
    let mut sums = [0u64; 3];
    for p in image.pixels() {
        for (s, v) in sums.iter_mut().zip(p.0) {
            *s += u64::from(v);
        }
    }
    let n = f64::from(image.width() * image.height());
    sums.map(|s| s as f64 / n)
}

#[test]
fn yuyv_mjpeg_and_nv12_frames_become_the_same_pictures_as_ffmpegs() {
    if !has_ffmpeg() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let mut converted = Vec::new();
    for n in FRAMES {
        let reference = RgbImage::from_raw(WIDTH, HEIGHT, ffmpeg_frame(n, "rgb24"))
            .expect("an rgb24 frame of 1280×720");
        let want = channel_means(&reference);
        // the worst mean difference each format may show: chroma is halved across (YUYV) or
        // both ways (NV12), and MJPEG adds its compression
        for (format, pix_fmt, allowed) in [
            (PixelFormat::Yuyv, "yuyv422", 2.0),
            (PixelFormat::Nv12, "nv12", 2.0),
            (PixelFormat::Mjpeg, "mjpeg", 2.5),
        ] {
            let bytes = ffmpeg_frame(n, pix_fmt);
            let picture = usb::to_rgb(format, WIDTH, HEIGHT, &bytes)
                .unwrap_or_else(|e| panic!("{format} frame {n}: {e}"));
            let difference = mean_difference(&picture, &reference);
            eprintln!("{format} frame {n}: mean difference {difference:.2} of 255");
            assert!(
                difference <= allowed,
                "{format} frame {n} differs from ffmpeg's RGB by {difference:.2} on average"
            );
            for (got, want) in channel_means(&picture).iter().zip(want) {
                assert!(
                    (got - want).abs() < 2.0,
                    "{format} frame {n}: colours shifted"
                );
            }
            if n == FRAMES[FRAMES.len() - 1] {
                let path = data.path().join(format!("{format}.png"));
                picture.save(&path).unwrap();
                converted.push(path);
            }
        }
    }

    // what the guard sees: the VIP is named on each camera format's picture
    let obama = fixture("obama.jpg");
    common::enroll(
        data.path(),
        &[
            "--name",
            "王建国",
            "--class",
            "vip",
            obama.to_str().unwrap(),
        ],
    );
    let mut args = vec!["analyze", "--json", "--no-record"];
    args.extend(converted.iter().map(|p| p.to_str().unwrap()));
    let out = gateward_in(data.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    for (i, path) in converted.iter().enumerate() {
        assert_eq!(
            json[i]["faces"][0]["identity"]["name"],
            "王建国",
            "{}: {json:#}",
            path.display()
        );
    }
}

#[test]
fn a_cut_short_or_damaged_frame_is_an_error_in_words() {
    if !has_ffmpeg() {
        return;
    }
    let yuyv = ffmpeg_frame(FRAMES[0], "yuyv422");
    let e = usb::to_rgb(PixelFormat::Yuyv, WIDTH, HEIGHT, &yuyv[..yuyv.len() / 2])
        .expect_err("half a frame");
    assert_eq!(
        e.to_string(),
        "a frame (YUYV, 1280×720) cannot be read: 921600 bytes where 1843200 were due (a frame \
         cut short?)"
    );
    let nv12 = ffmpeg_frame(FRAMES[0], "nv12");
    assert!(usb::to_rgb(PixelFormat::Nv12, WIDTH, HEIGHT, &nv12[1..]).is_err());
    // MJPEG: a picture cut off on the cable, one announced at another size, and noise
    let jpeg = ffmpeg_frame(FRAMES[0], "mjpeg");
    for (what, bytes, (w, h)) in [
        ("cut short", &jpeg[..jpeg.len() / 3], (WIDTH, HEIGHT)),
        ("another size", &jpeg[..], (640, 480)),
        ("noise", &[0x55u8; 4096][..], (WIDTH, HEIGHT)),
    ] {
        let result = std::panic::catch_unwind(|| usb::to_rgb(PixelFormat::Mjpeg, w, h, bytes));
        let result = result.unwrap_or_else(|_| panic!("an MJPEG frame {what} panicked"));
        match result {
            Err(e) => assert!(e.to_string().starts_with("a frame (MJPEG, "), "{what}: {e}"),
            // libjpeg fills the lost part of a cut-short picture with grey: a picture, not a crash
            Ok(picture) => assert_eq!(what, "cut short", "{:?}", picture.dimensions()),
        }
    }
}

/// A real USB camera, where this machine has one: `gateward cameras` lists it with its formats,
/// and `gateward replay usb:N` reads its frames. Elsewhere it says so on the test's output (and
/// .ci/run says so in the CI log): there is no USB camera on CI.
#[test]
fn a_usb_camera_is_listed_and_read_where_one_is_plugged_in() {
    let devices = gateward::camera::probe::video_devices();
    if devices.is_empty() {
        common::cannot_run(
            "no USB camera here (/dev/video* does not exist): the device test read nothing; the \
             frame conversion tests above ran on real frames",
        );
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let list = gateward_in(data.path(), &["cameras"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let text = stdout(&list);
    assert!(text.contains("usb:"), "{text}");
    let index = gateward::camera::usb_index(&devices[0].path.to_string_lossy()).unwrap();
    let formats = usb::formats(index).unwrap_or_else(|e| panic!("/dev/video{index}: {e}"));
    let chosen = usb::choose(&formats, None, Some(5.0)).expect("a format");
    let camera = gateward::camera::Camera::spawn(
        gateward::camera::CameraSpec {
            name: "门岗桌面".to_owned(),
            input: gateward::camera::CameraInput::Usb { index, size: None },
            fps: Some(5.0),
            realtime: false,
            repeat: false,
            images: Default::default(),
            quick_open: false,
        },
        gateward::camera::Delivery::LatestWins,
        gateward::camera::Backoff::default(),
    );
    let mut frames = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while frames < 5 && std::time::Instant::now() < deadline {
        if let Some(frame) = camera.recv(std::time::Duration::from_millis(500)) {
            assert_eq!(frame.image.dimensions(), (chosen.width, chosen.height));
            frames += 1;
        }
    }
    let state = camera.state();
    camera.stop();
    assert_eq!(frames, 5, "{state:?}");
}

/// A USB camera that is not plugged in (or was pulled out): the camera says so in words and
/// keeps trying, so that it is read again as soon as it is plugged back in.
#[test]
fn a_usb_camera_that_is_not_plugged_in_is_waited_for() {
    use gateward::camera::{Backoff, Camera, CameraInput, CameraSpec, CameraState, Delivery};
    let index = 63;
    if std::path::Path::new(&format!("/dev/video{index}")).exists() {
        common::cannot_run("this machine has a /dev/video63");
        return;
    }
    let camera = Camera::spawn(
        CameraSpec {
            name: "门岗桌面".to_owned(),
            input: CameraInput::Usb { index, size: None },
            fps: None,
            realtime: false,
            repeat: false,
            images: Default::default(),
            quick_open: false,
        },
        Delivery::LatestWins,
        Backoff::default(),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut state = camera.state();
    while !matches!(state, CameraState::Reconnecting { attempt: 2.., .. })
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
        state = camera.state();
    }
    camera.stop();
    let CameraState::Reconnecting { error, .. } = state else {
        panic!("{state:?}");
    };
    assert!(
        error.starts_with("camera 门岗桌面: the USB camera /dev/video63 is not plugged in"),
        "{error}"
    );
}

#[test]
fn cameras_on_a_machine_without_one_says_so_in_one_line() {
    if !gateward::camera::probe::video_devices().is_empty() {
        common::cannot_run("this machine has a video device");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let out = gateward_in(data.path(), &["cameras"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "no video device (USB camera) on this machine: /dev/video* does not exist\n"
    );
    let out = gateward_in(data.path(), &["cameras", "probe", "usb:3"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("/dev/video3 does not exist"),
        "{}",
        stderr(&out)
    );
}
