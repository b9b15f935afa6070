//! `gateward cameras`: the video devices (USB cameras) this machine has, and `cameras probe`:
//! what a camera address or video offers (codec, size, rate) and whether its sub-stream answers,
//! with the config lines to use.

use std::time::Duration;

use crate::camera::probe::{self, StreamInfo};

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
        /// rtsp://USER:PASS@IP:554/… or a video file
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
        println!("  {}  {}", d.path.display(), d.name);
    }
}

fn describe(s: &StreamInfo) -> String {
    let fps = s
        .fps
        .map_or_else(|| "rate not given".to_owned(), |f| format!("{f:.0} fps"));
    format!("{} {}×{}, {fps}", s.codec_name(), s.width, s.height)
}

fn probe(source: &str, timeout: Duration) -> anyhow::Result<()> {
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
