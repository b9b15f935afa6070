//! The command line: global options, one module per subcommand.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Config, Overrides};

pub mod analyze;
pub mod bench;
pub mod cameras;
pub mod check;
pub mod config;
pub mod demo;
pub mod enroll;
pub mod events;
pub mod handover;
pub mod import;
pub mod inside;
pub mod log;
pub mod not;
pub mod person;
pub mod prompt;
pub mod replay;
pub mod report;
mod reported;
pub mod run;
pub mod store;
pub mod user;

pub use reported::Reported;

/// gateward — 门岗助手: recognises residents, VIPs and vehicles at the gate and tells the
/// guard what the rules ask (who is arriving, how to greet them, whom to notify).
#[derive(Debug, Parser)]
#[command(name = "gateward", version)]
pub struct Cli {
    /// Config file (配置文件) [default: ./gateward.toml when present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data folder for records and snapshots (数据目录); overrides the config
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Model pack folder holding manifest.toml (模型目录); overrides the config
    #[arg(long, global = true, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// The compound's shared store, postgres://USER:PASSWORD@HOST:5432/DATABASE (共享数据库);
    /// overrides [store] url
    #[arg(long, global = true, value_name = "URL")]
    pub store: Option<String>,
    /// More log output (-v info, -vv debug); RUST_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check ONNX Runtime and every model on real photos (检查运行环境和模型)
    Check,
    /// Show the settings in force after the config file and options (显示当前配置)
    Config,
    /// Enrol a person's face from photos (录入人脸)
    Enroll(enroll::Args),
    /// Every face in photos: box, quality, who it is (识别照片中的人脸)
    Analyze(analyze::Args),
    /// Correct a wrong name: this face is not that person (纠正：此人不是…)
    Not(not::Args),
    /// Import people and vehicles from CSV (UTF-8 or GBK) (导入人员和车辆)
    Import(import::Args),
    /// Search the gate log, or export it as CSV for Excel (查询/导出门岗记录)
    Log(log::Args),
    /// The duty record to read when taking over a shift (交接班：前两班记录)
    Handover(handover::Args),
    /// Counts for a day, week or month: people, vehicles, alerts (日报/周报/月报)
    Report(report::Args),
    /// Show what the screen says for a person or plate at a given time (预览提示语)
    Prompt(prompt::Args),
    /// Watch the cameras of the config: the gate service and its screen (运行门岗服务)
    Run(run::Args),
    /// The whole product on the sample compound and the fixture clips, screen on :8080 (演示)
    Demo(demo::Args),
    /// Add web-app users or set their passwords (账号管理)
    User(user::Args),
    /// A person's data rights: export their data as one file, or delete it (个人信息导出/删除)
    Person(person::Args),
    /// The vehicles inside the compound now (在场车辆)
    Inside,
    /// Run the live pipeline on a video, a folder of images or a camera, printing gate events (回放录像)
    Replay(replay::Args),
    /// Measure how fast the models run on this machine (性能测试)
    Bench(bench::Args),
    /// Copy a compound's records between a box's file and the shared store (复制记录)
    Store(store::Args),
    /// The USB cameras of this machine, or what a camera address sends (`cameras probe URL`)
    /// (摄像头检测)
    Cameras(cameras::Args),
}

impl Command {
    /// Whether this is the long-running service (whose log says more by default).
    pub fn is_service(&self) -> bool {
        matches!(self, Command::Run(_))
    }
}

impl Cli {
    /// Loads the config this invocation asks for.
    pub fn load_config(&self) -> anyhow::Result<Config> {
        let overrides = Overrides {
            data: self.data.clone(),
            models: self.models.clone(),
            store: self.store.clone(),
        };
        Ok(Config::load(self.config.as_deref(), &overrides)?)
    }
}

/// Runs the parsed command.
pub fn run(cli: &Cli) -> anyhow::Result<()> {
    let config = cli.load_config()?;
    match &cli.command {
        Command::Check => check::run(&config),
        Command::Config => config::run(&config),
        Command::Import(args) => import::run(&config, args),
        Command::Enroll(args) => enroll::run(&config, args),
        Command::Analyze(args) => analyze::run(&config, args),
        Command::Replay(args) => replay::run(&config, args),
        Command::Run(args) => run::run(&config, args),
        Command::Inside => inside::run(&config),
        Command::Demo(args) => demo::run(&config, args, cli.data.as_deref()),
        Command::User(args) => user::run(&config, args),
        Command::Person(args) => person::run(&config, args),
        Command::Not(args) => not::run(&config, args),
        Command::Log(args) => log::run(&config, args),
        Command::Prompt(args) => prompt::run(&config, args),
        Command::Handover(args) => handover::run(&config, args),
        Command::Report(args) => report::run(&config, args),
        Command::Bench(args) => bench::run(&config, args),
        Command::Cameras(args) => cameras::run(args),
        Command::Store(args) => store::run(&config, args),
    }
}
