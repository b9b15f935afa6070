//! `gateward config`: prints the settings in force, so a user can see what a config file and
//! the command-line options add up to.

use crate::config::{Config, Tls};
use crate::vision::runtime::default_library;

/// Prints the effective configuration as `key = value` lines.
pub fn run(config: &Config) -> anyhow::Result<()> {
    let source = config.source.as_ref().map_or_else(
        || "(none: defaults)".to_owned(),
        |p| p.display().to_string(),
    );
    let ort = config
        .paths
        .onnxruntime
        .clone()
        .unwrap_or_else(default_library);
    println!("config file  = {source}");
    println!("gate name    = {}", config.gate.name);
    println!("time zone    = {}", config.gate.time_zone);
    println!("data         = {}", config.paths.data.display());
    println!("models       = {}", config.paths.models.display());
    println!("onnxruntime  = {}", ort.display());
    println!("threads      = {}", config.vision.threads);
    println!(
        "face match   = similarity ≥ {}, lead ≥ {}",
        config.recognition.face_threshold, config.recognition.face_margin
    );
    println!(
        "retention    = sightings {} days, snapshots {} days",
        config.retention.sightings_days, config.retention.snapshots_days
    );
    println!("cameras      = {}", config.cameras.len());
    let (scheme, tls) = match &config.web.tls {
        None => ("http", String::new()),
        Some(Tls::Files { cert, key }) => (
            "https",
            format!(", certificate {} key {}", cert.display(), key.display()),
        ),
        Some(Tls::SelfSigned { names }) if names.is_empty() => {
            ("https", ", self-signed certificate".to_owned())
        }
        Some(Tls::SelfSigned { names }) => (
            "https",
            format!(", self-signed certificate also for {}", names.join(" ")),
        ),
    };
    println!(
        "web          = {scheme}://{} (session {} h{}{tls})",
        config.web.listen,
        config.web.session_hours,
        if config.web.secure_cookies() {
            ", Secure cookie"
        } else {
            ""
        }
    );
    println!(
        "training     = quiet after {} min without an arrival, {} new cards a day",
        config.training.quiet_minutes, config.training.new_cards_per_day
    );
    match &config.mqtt {
        Some(m) => println!(
            "mqtt         = {}:{} topics {}/…{}",
            m.host,
            m.port,
            m.topic_prefix,
            if m.discovery {
                format!(", Home Assistant discovery under {}", m.discovery_prefix)
            } else {
                String::new()
            }
        ),
        None => println!("mqtt         = off"),
    }
    match &config.webhook {
        Some(w) => println!("webhook      = {} (timeout {} s)", w.url, w.timeout_s),
        None => println!("webhook      = off"),
    }
    Ok(())
}
