//! `gateward cameras`: the video devices (USB cameras) this machine has, and `cameras probe`:
//! what a camera address or video offers (codec, size, rate) and whether its sub-stream answers,
//! with the config lines to use.

use std::time::Duration;

use crate::camera::probe::{self, StreamInfo};
use crate::camera::usb;

/// Options of `gateward cameras`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Sub>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Ask a camera address (rtsp://…) or a video file what it sends, and look for its
    /// sub-stream (检测摄像头码流)
    Probe {
        /// rtsp://USER:PASS@IP:554/…, a video file, or a USB camera (usb:0 or /dev/video0)
        source: String,
        /// Seconds to wait for a camera to answer
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
        timeout: u64,
    },
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<()> {
    match &args.command {
        None => {
            list();
            Ok(())
        }
        Some(Sub::Probe { source, timeout }) => probe(source, Duration::from_secs(*timeout)),
    }
}

fn list() {
    let devices = probe::video_devices();
    if devices.is_empty() {
        println!("no video device (USB camera) on this machine: /dev/video* does not exist");
        return;
    }
    println!("video devices (USB cameras) on this machine:");
    for d in devices {
        let Some(index) = crate::camera::usb_index(&d.path.to_string_lossy()) else {
            continue;
        };
        println!("  usb:{index}  {}  {}", d.path.display(), d.name);
        usb_formats(index, "      ");
    }
}

/// The formats of USB camera `index`, the one gateward would read and the config line.
fn usb_formats(index: u32, indent: &str) {
    match usb::formats(index) {
        Ok(offers) if offers.is_empty() => {
            println!(
                "{indent}no picture formats: not a camera's picture (often its second, metadata node)"
            );
        }
        Ok(offers) => {
            for line in usb::summary(&offers) {
                println!("{indent}{line}");
            }
            if let Some(chosen) = usb::choose(&offers, None, None) {
                println!(
                    "{indent}read as {chosen}: source = \"usb:{index}\" (size = \"WIDTHxHEIGHT\" and fps = N ask for another)"
                );
            }
        }
        Err(e) => println!("{indent}cannot be opened: {e}"),
    }
}

fn describe(s: &StreamInfo) -> String {
    let fps = s
        .fps
        .map_or_else(|| "rate not given".to_owned(), |f| format!("{f:.0} fps"));
    format!("{} {}×{}, {fps}", s.codec_name(), s.width, s.height)
}

fn probe(source: &str, timeout: Duration) -> anyhow::Result<()> {
    if let Some(index) = crate::camera::usb_index(source) {
        let path = format!("/dev/video{index}");
        if !std::path::Path::new(&path).exists() {
            anyhow::bail!(
                "{path} does not exist: no USB camera is plugged in as usb:{index} (`gateward cameras` lists them)"
            );
        }
        println!("USB camera {path}:");
        usb_formats(index, "  ");
        return Ok(());
    }
    let main = probe::probe(source, timeout).map_err(anyhow::Error::msg)?;
    println!("{}", describe(&main));
    let Some(sub_url) = probe::sub_stream_of(source) else {
        if source.contains("://") {
            println!(
                "sub-stream: the address follows no known make's pattern (Hikvision, Dahua, \
                 Uniview); give the camera's sub-stream as detect_source if it has one"
            );
        }
        return Ok(());
    };
    match probe::probe(&sub_url, timeout) {
        Ok(sub) => {
            println!("sub-stream: {}", describe(&sub));
            println!("config:\n  source = \"{source}\"\n  detect_source = \"{sub_url}\"");
        }
        Err(e) => println!("sub-stream: none answered ({e})"),
    }
    Ok(())
}
