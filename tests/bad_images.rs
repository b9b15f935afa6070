//! Photos as they really arrive: no face, damaged, 1×1, a 20000×20000 header, a whole
//! 10000×10000 PNG of 300 KB, a JPEG cut short in transfer, CMYK from a print shop, and a phone
//! photo stored sideways with an EXIF orientation. Each gets a clear answer and none crashes
//! `analyze` or `enroll`, or takes the box's memory.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{enroll, fixture, gateward_in, gateward_in_peak, huge_png, stderr, stdout};

fn analyze(data: &Path, photos: &[&Path]) -> (Output, serde_json::Value) {
    let mut args = vec!["analyze", "--json", "--no-record"];
    args.extend(photos.iter().map(|p| p.to_str().unwrap()));
    let out = gateward_in(data, &args);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let json = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    (out, json)
}

/// A PNG whose header says 20000×20000 (1.2 GB of pixels) followed by the first rows only:
/// a decompression bomb as far as a careless decoder is concerned.
fn huge_png_header(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("huge.png");
    let file = std::fs::File::create(&path).unwrap();
    let mut enc = png::Encoder::new(file, 20_000, 20_000);
    enc.set_color(png::ColorType::Rgb);
    let mut writer = enc.write_header().unwrap();
    let mut rows = writer.stream_writer().unwrap();
    rows.write_all(&vec![0u8; 20_000 * 3]).unwrap();
    rows.flush().unwrap();
    std::mem::forget(rows);
    path
}

/// The astronaut as a CMYK JPEG (what print shops and some scanners save).
fn cmyk_jpeg(dir: &Path) -> PathBuf {
    let img = image::open(fixture("astronaut.png")).unwrap().to_rgb8();
    let cmyk: Vec<u8> = img
        .pixels()
        .flat_map(|p| {
            let [r, g, b] = p.0;
            let k = 255 - r.max(g).max(b);
            let part = |v: u8| {
                if k == 255 {
                    0
                } else {
                    ((255 - v - k) as u32 * 255 / (255 - k) as u32) as u8
                }
            };
            [part(r), part(g), part(b), k]
        })
        .collect();
    let path = dir.join("cmyk.jpg");
    let enc = jpeg_encoder::Encoder::new_file(&path, 90).unwrap();
    enc.encode(
        &cmyk,
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Cmyk,
    )
    .unwrap();
    path
}

/// Obama's portrait stored turned a quarter left, with EXIF orientation 6 ("turn 90°
/// clockwise to view"), as a phone held sideways saves it.
fn sideways_jpeg(dir: &Path) -> PathBuf {
    let img = image::open(fixture("obama.jpg")).unwrap().to_rgb8();
    let stored = image::imageops::rotate270(&img);
    // APP1: "Exif\0\0", big-endian TIFF header, one IFD entry: Orientation (0x0112) SHORT 6.
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    exif.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
    let path = dir.join("sideways.jpg");
    let mut enc = jpeg_encoder::Encoder::new_file(&path, 90).unwrap();
    enc.add_app_segment(1, exif).unwrap();
    enc.encode(
        stored.as_raw(),
        stored.width() as u16,
        stored.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .unwrap();
    path
}

#[test]
fn every_bad_photo_gets_a_clear_answer_and_the_good_ones_are_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tiny = d.join("tiny.png");
    image::RgbImage::new(1, 1).save(&tiny).unwrap();
    let broken = d.join("broken.jpg");
    std::fs::write(&broken, b"\xFF\xD8\xFF\xE0 half a jpeg").unwrap();
    let huge = huge_png_header(d);
    let cmyk = cmyk_jpeg(d);
    let car = fixture("car-czech.png");
    let (out, json) = analyze(d, &[&car, &tiny, &broken, &huge, &cmyk]);
    assert!(!out.status.success(), "a damaged photo makes the run fail");
    // no face: an answer, not an error
    assert_eq!(json[0]["faces"].as_array().unwrap().len(), 0, "{json:#}");
    assert!(json[0]["error"].is_null());
    // 1×1: no face either
    assert_eq!(json[1]["faces"].as_array().unwrap().len(), 0, "{json:#}");
    assert!(json[1]["error"].is_null());
    let err = |i: usize| json[i]["error"].as_str().unwrap_or_default().to_owned();
    assert!(
        err(2).contains("broken.jpg") && err(2).contains("照片已损坏或不完整"),
        "{}",
        err(2)
    );
    assert!(
        err(3).starts_with("照片太大：20000×20000 像素")
            && err(3).contains("save a smaller copy")
            && err(3).ends_with("huge.png"),
        "{}",
        err(3)
    );
    // CMYK is converted: the astronaut's face is found
    assert!(json[4]["error"].is_null(), "{json:#}");
    let faces = json[4]["faces"].as_array().unwrap();
    assert_eq!(faces.len(), 1, "{json:#}");
    assert!(faces[0]["score"].as_f64().unwrap() > 0.9);
}

#[test]
fn a_sideways_phone_photo_is_turned_upright_and_enrols() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sideways = sideways_jpeg(d);
    enroll(
        d,
        &[
            "--name",
            "王建国",
            "--class",
            "vip",
            sideways.to_str().unwrap(),
        ],
    );
    let (_, json) = analyze(d, &[&fixture("obama2.jpg")]);
    assert_eq!(
        json[0]["faces"][0]["identity"]["name"], "王建国",
        "{json:#}"
    );
    // the box is in upright coordinates: taller than wide, like the portrait
    let (_, json) = analyze(d, &[&sideways]);
    assert_eq!(
        json[0]["width"].as_u64(),
        Some(image::open(fixture("obama.jpg")).unwrap().width() as u64)
    );
}

#[test]
fn enrolling_a_photo_without_a_face_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let car = fixture("car-czech.png");
    let out = gateward_in(
        d,
        &[
            "enroll",
            "--name",
            "陈静",
            "--class",
            "resident",
            "--household",
            "3-2-1502",
            car.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("没有找到人脸 — no face found"),
        "{}",
        stdout(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
}

/// The audit's photo: a whole 10000×10000 PNG of 300 KB (300 MB of pixels) took `analyze` to
/// 691 MB. It is refused from its header, on one line naming it, and `analyze` holds no more
/// memory for it than for a small photo.
#[test]
fn a_100_megapixel_photo_is_refused_from_its_header_without_taking_the_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let big = d.join("big.png");
    std::fs::write(&big, huge_png(10_000, 10_000)).unwrap();
    let size = std::fs::metadata(&big).unwrap().len();
    assert!(size < 1_000_000, "the file is small: {size} bytes");
    let header = image::ImageReader::open(&big)
        .unwrap()
        .into_dimensions()
        .unwrap();
    assert_eq!(header, (10_000, 10_000));

    let small = fixture("obama.jpg");
    let (normal, normal_mb) =
        gateward_in_peak(d, &["analyze", "--no-record", small.to_str().unwrap()]);
    assert!(normal.status.success(), "{}", stderr(&normal));
    let started = std::time::Instant::now();
    let (out, big_mb) = gateward_in_peak(d, &["analyze", "--no-record", big.to_str().unwrap()]);
    let took = started.elapsed();
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("big.png")).collect();
    assert_eq!(lines.len(), 1, "one line for the photo: {text}");
    assert!(
        lines[0].contains("照片太大：10000×10000 像素")
            && lines[0].contains("2400 万像素")
            && lines[0].contains("save a smaller copy"),
        "{text}"
    );
    eprintln!(
        "analyze: a small photo {normal_mb:.0} MB at most; the 10000×10000 PNG {big_mb:.0} MB, \
         refused in {took:.2?}"
    );
    assert!(
        big_mb < normal_mb + 150.0,
        "the refused photo took {big_mb:.0} MB, a small one {normal_mb:.0} MB"
    );
}

/// Half of a real JPEG, as a transfer cut short leaves it: the `image` crate alone decodes it
/// with the missing half grey and `analyze` used to answer "0 faces". It is named as damaged by
/// `analyze` and `enroll`, and the other photos of the same run are still read.
#[test]
fn a_jpeg_cut_short_is_named_as_damaged_and_the_other_photos_are_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let whole = std::fs::read(fixture("obama.jpg")).unwrap();
    let cut = d.join("cut.jpg");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let astronaut = fixture("astronaut.png");
    let (out, json) = analyze(d, &[&cut, &astronaut]);
    assert!(!out.status.success());
    let error = json[0]["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("照片已损坏或不完整")
            && error.contains("damaged or cut short")
            && error.ends_with("cut.jpg"),
        "{json:#}"
    );
    assert_eq!(json[0]["faces"].as_array().unwrap().len(), 0, "{json:#}");
    assert_eq!(json[1]["faces"].as_array().unwrap().len(), 1, "{json:#}");
    assert!(json[1]["error"].is_null(), "{json:#}");

    // the text output: one line naming it
    let out = gateward_in(d, &["analyze", "--no-record", cut.to_str().unwrap()]);
    assert!(!out.status.success());
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.contains("照片已损坏或不完整") && l.ends_with("cut.jpg")),
        "{text}"
    );
    assert!(!text.contains("0 face"), "{text}");

    // enroll: the cut photo refused on its line, the whole one enrolled
    let obama = fixture("obama.jpg");
    let text = enroll(
        d,
        &[
            "--name",
            "王建国",
            "--class",
            "vip",
            cut.to_str().unwrap(),
            obama.to_str().unwrap(),
        ],
    );
    assert!(
        text.contains(&format!("✗ {}: 照片已损坏或不完整", cut.display())),
        "{text}"
    );
    assert!(text.contains("1 rejected"), "{text}");
}
