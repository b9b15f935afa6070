//! `gateward bench`: how fast the models and the service run on this machine, one subcommand
//! (and one file of this folder) per measure: `faces`, `plates`, `pipeline`, `ort`, `cameras`,
//! `screen`, `logins` and `store`; `measure` holds what they share.

mod cameras;
mod faces;
mod logins;
mod measure;
mod ort;
mod pipeline;
mod plates;
mod screen;
mod store;

use crate::config::Config;

pub use cameras::CamerasArgs;
pub use faces::FacesArgs;
pub use logins::LoginsArgs;
pub use ort::OrtArgs;
pub use pipeline::PipelineArgs;
pub use plates::PlatesArgs;
pub use screen::ScreenArgs;
pub use store::StoreArgs;

/// Options of the command.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

/// What to measure.
#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Face chain stages on 1080p frames, and gallery search (人脸各环节耗时)
    Faces(FacesArgs),
    /// Plate reading per photo and per 1080p frame, beside agentclpr's Python pipeline (车牌识别耗时)
    Plates(PlatesArgs),
    /// Frame-to-event time of the pipeline on 1080p frames with a face and a vehicle (流水线延迟)
    Pipeline(PipelineArgs),
    /// ONNX Runtime's session settings per model: threads, optimisation level, spinning, lanes (推理设置实测)
    Ort(OrtArgs),
    /// How many idle 1080p cameras the service keeps up with, their CPU, and memory over a long replay (摄像头容量)
    Cameras(CamerasArgs),
    /// Time from a gate event to the guard's screens over the live stream (提示送达屏幕的延迟)
    Screen(ScreenArgs),
    /// Failed-login time for a login no one has vs a real account (登录耗时是否泄露账号是否存在)
    Logins(LoginsArgs),
    /// Gate events written per second and p99 write time, SQLite and the shared PostgreSQL (--store), 1, 4 and 16 boxes (记录写入速度)
    Store(StoreArgs),
}

/// Runs the benchmark.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    match &args.what {
        What::Faces(a) => faces::run(config, a),
        What::Plates(a) => plates::run(config, a),
        What::Pipeline(a) => pipeline::run(config, a),
        What::Ort(a) => ort::run(config, a),
        What::Cameras(a) => cameras::run(config, a),
        What::Screen(a) => screen::run(config, a),
        What::Logins(a) => logins::run(config, a),
        What::Store(a) => store::run(config, a),
    }
}
