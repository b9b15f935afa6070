//! Photos as they really arrive: no face, damaged, 1×1, a 20000×20000 header, CMYK from a
//! print shop, and a phone photo stored sideways with an EXIF orientation. Each gets a clear
//! answer and none crashes `analyze` or `enroll`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{fixture, gateward_in, stderr, stdout};

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
    assert!(err(2).contains("broken.jpg") && err(2).contains("not a readable image"));
    assert!(
        err(3).contains("20000×20000") && err(3).contains("save a smaller copy"),
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
    let out = gateward_in(
        d,
        &[
            "enroll",
            "--name",
            "王建国",
            "--class",
            "vip",
            "--consent-by",
            "本人",
            "--consent-how",
            "written",
            sideways.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
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
