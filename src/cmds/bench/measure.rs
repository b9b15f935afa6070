//! Measuring helpers the benchmarks share: the median of timings, a photo placed on a
//! camera-sized canvas, and the web app served on a records file for the web benchmarks.

use std::path::Path;
use std::sync::Arc;

use image::{Rgb, RgbImage};

use crate::clock::Clock;
use crate::config::Config;
use crate::pipeline::start::runtime;
use crate::store::Store;
use crate::vision::image_ops;
use crate::web;

/// The web app of a web benchmark, served over plain HTTP on a free local port.
pub struct BenchServer {
    pub rt: tokio::runtime::Runtime,
    pub addr: std::net::SocketAddr,
    /// Sending (or dropping) it stops the server.
    pub stop: tokio::sync::oneshot::Sender<()>,
}

/// Serves the web app on `store` (data folder `data`) with `hub` and `clock`, without cameras,
/// models or HTTPS, for a benchmark to measure.
pub fn serve_for_bench(
    config: &Config,
    store: &Arc<Store>,
    hub: web::Hub,
    clock: Arc<dyn Clock>,
    data: &Path,
) -> anyhow::Result<BenchServer> {
    let state = web::AppState {
        store: Arc::clone(store),
        hub,
        clock,
        tz: config.gate.time_zone,
        gate: "东门".into(),
        data: data.to_path_buf(),
        secure_cookie: false,
        session_hours: 1,
        health: Arc::new(Vec::new),
        shared_store: None,
        gallery: None,
        enrol: None,
        training: config.training,
    };
    let rt = runtime()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let addr = rt.block_on(web::serve(state, "127.0.0.1:0", None, async {
        let _ = stopped.await;
    }))?;
    Ok(BenchServer { rt, addr, stop })
}

/// `img` scaled (aspect kept) to fit `size` and centred on a grey canvas of that size; with
/// `enlarge` false a smaller image keeps its own size (an enlarged plate is a blurred one).
pub fn on_canvas(img: &RgbImage, size: (u32, u32), enlarge: bool) -> anyhow::Result<RgbImage> {
    let fit = (size.0 as f64 / img.width() as f64).min(size.1 as f64 / img.height() as f64);
    let scale = if enlarge { fit } else { fit.min(1.0) };
    let w = ((img.width() as f64 * scale).round() as u32).clamp(1, size.0);
    let h = ((img.height() as f64 * scale).round() as u32).clamp(1, size.1);
    let scaled = image_ops::resize(img, w, h)?;
    let mut canvas = RgbImage::from_pixel(size.0, size.1, Rgb([118, 118, 118]));
    image::imageops::replace(
        &mut canvas,
        &scaled,
        i64::from((size.0 - w) / 2),
        i64::from((size.1 - h) / 2),
    );
    Ok(canvas)
}

/// Median of sorted values (0 when empty).
pub fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
