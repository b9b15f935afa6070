//! `gateward store copy --from PLACE --to PLACE`: moves a one-box compound's records (everything
//! the boxes share, people with their faces, and the gate log) to the compound's shared store,
//! or back into a new records file, with a progress bar; says what was counted at the
//! destination.

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};

use crate::app::store_copy::{self, Copied, CopyError, Place, Step};
use crate::config::Config;
use crate::store::Store;
use crate::store::library::RecordKind;
use crate::store::shared::SharedStore;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum StoreCommand {
    /// Copy the records between a box's file and the shared store (复制记录到共享数据库/从共享数据库复制)
    Copy {
        /// Where from: sqlite:PATH (a box's gateward.sqlite) or postgres://USER:PASSWORD@HOST/DATABASE
        #[arg(long)]
        from: String,
        /// Where to: postgres://… (the shared store), or sqlite:PATH (a new records file)
        #[arg(long)]
        to: String,
    },
}

/// Runs `store copy`.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let StoreCommand::Copy { from, to } = &args.command;
    let (from, to) = (Place::parse(from)?, Place::parse(to)?);
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("复制 copying {bar:30} {pos}/{len} ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut progress = |step: Step| match step {
        Step::Total(n) => bar.set_length(n),
        Step::Done(n) => bar.inc(n),
    };
    let timeout = std::time::Duration::from_secs(10);
    let copied = match (&from, &to) {
        (Place::Sqlite(path), Place::Postgres(url)) => {
            if !path.is_file() {
                return Err(CopyError::NoFile(path.clone()).into());
            }
            let store = Store::open(path)?;
            let mut shared = SharedStore::connect(url, timeout)?;
            store_copy::to_shared(&store, &mut shared, &config.box_name, &mut progress)?
        }
        (Place::Postgres(url), Place::Sqlite(path)) => {
            if path.exists() {
                let store = Store::open(path)?;
                let holds =
                    !store.events_after(0, 1)?.is_empty() || !store.all_records("")?.is_empty();
                if holds {
                    return Err(CopyError::NotEmpty(path.clone()).into());
                }
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create the folder {}", dir.display()))?;
            }
            let mut shared = SharedStore::connect(url, timeout)?;
            let store = Store::open(path)?;
            store_copy::from_shared(&mut shared, &store, &config.box_name, &mut progress)?
        }
        _ => return Err(CopyError::SameKind.into()),
    };
    bar.finish_and_clear();
    print_copied(&from, &to, copied);
    Ok(())
}

fn print_copied(from: &Place, to: &Place, c: Copied) {
    let mut what: Vec<String> = c
        .records
        .iter()
        .filter(|(kind, n)| *n > 0 || *kind == RecordKind::Person)
        .map(|(kind, n)| match kind {
            RecordKind::Person => format!("{n} 人 people (with their faces)"),
            _ => format!("{n} {}", kind.named()),
        })
        .collect();
    what.push(format!("{} 条门岗记录 gate events", c.events));
    println!(
        "已复制 copied from {} to {}: {}; every one counted at {}",
        from.shown(),
        to.shown(),
        what.join(", "),
        to.shown()
    );
}
