//! `gateward inside`: the vehicles inside the compound now (在场车辆), longest inside first,
//! with whose they are, as the gate service has seen them come in and not yet go out.

use comfy_table::Table;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::plate;
use crate::store::{Store, database_path};

/// Prints the list.
pub fn run(config: &Config) -> anyhow::Result<()> {
    let db = database_path(&config.paths.data);
    if !db.is_file() {
        println!("没有记录：门岗服务尚未运行（{}）", db.display());
        return Ok(());
    }
    let store = Store::open(&db)?;
    let inside = store.vehicles_inside()?;
    if inside.is_empty() {
        println!("场内没有登记到的车辆 (no vehicles inside)");
        return Ok(());
    }
    let tz = config.gate.time_zone;
    let now = SystemClock.now();
    let mut table = Table::new();
    table.set_header(["车牌", "颜色", "入场时间", "已停", "入口", "车主 / 类别"]);
    for v in &inside {
        let owner = store
            .find_vehicles(&v.plate)?
            .into_iter()
            .next()
            .map(|r| {
                let who = r
                    .owner_person
                    .or(r.owner_household)
                    .unwrap_or_else(|| "—".to_owned());
                format!("{who} / {}", r.kind.zh())
            })
            .unwrap_or_else(|| "未登记 (not in the records)".to_owned());
        let stayed = (now - v.since).num_minutes().max(0);
        table.add_row([
            plate::format(&v.plate),
            v.colour.map_or("—", |c| c.zh()).to_owned(),
            v.since.with_timezone(&tz).format("%m-%d %H:%M").to_string(),
            format!("{} 小时 {} 分", stayed / 60, stayed % 60),
            v.gate.clone(),
            owner,
        ]);
    }
    println!("{table}");
    println!("共 {} 辆 (vehicles inside)", inside.len());
    Ok(())
}
