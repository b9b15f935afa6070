//! Goods-release slips (物品放行条, SPEC §4): large or valuable goods leave only with a slip from
//! the office; the guard checks slip against goods and logs the exit, whether they matched or not.

use chrono::{DateTime, Utc};
use rusqlite::{Row, params};

use super::columns::{from_ms, to_ms};
use super::db::Store;
use super::error::StoreError;
use super::{audit, people};
use crate::domain::limits;

/// A goods-release slip the guard checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGoodsSlip {
    /// The slip's number; must not be empty.
    pub slip_number: String,
    /// The person taking the goods out, when known; the person must exist.
    pub person_id: Option<i64>,
    /// The household's code ("3-2-1502"), when known; it must exist.
    pub household: Option<String>,
    /// The goods, as the guard wrote them.
    pub items: String,
    /// Who in the office issued the slip.
    pub issued_by: String,
    /// The slip matches the goods.
    pub matches: bool,
    /// When the goods were checked at the gate.
    pub at: DateTime<Utc>,
}

/// A stored goods-release slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodsSlipRecord {
    pub id: i64,
    pub slip_number: String,
    pub person_id: Option<i64>,
    /// The person's name.
    pub person: Option<String>,
    pub household_id: Option<i64>,
    /// The household's code.
    pub household: Option<String>,
    pub items: String,
    pub issued_by: String,
    /// Whether the slip matched the goods; `None` when it was never checked.
    pub matches: Option<bool>,
    pub at: DateTime<Utc>,
}

pub(super) const SLIP_COLUMNS: &str = "SELECT g.id, g.slip_number, g.person_id, p.name, g.household_id, \
     h.code, g.items, g.issued_by, g.checked_result, g.at_ms FROM goods_slips g \
     LEFT JOIN people p ON p.id = g.person_id LEFT JOIN households h ON h.id = g.household_id";

/// The `checked_result` key of a check.
fn result_key(matches: bool) -> &'static str {
    if matches { "match" } else { "mismatch" }
}

pub(super) fn slip_row(r: &Row<'_>) -> rusqlite::Result<GoodsSlipRecord> {
    let matches = match r.get::<_, Option<String>>(8)?.as_deref() {
        None => None,
        Some("match") => Some(true),
        Some("mismatch") => Some(false),
        Some(other) => {
            return Err(rusqlite::Error::FromSqlConversionFailure(
                8,
                rusqlite::types::Type::Text,
                format!("unknown goods check result \"{other}\"; use one of: match, mismatch")
                    .into(),
            ));
        }
    };
    Ok(GoodsSlipRecord {
        id: r.get(0)?,
        slip_number: r.get(1)?,
        person_id: r.get(2)?,
        person: r.get(3)?,
        household_id: r.get(4)?,
        household: r.get(5)?,
        items: r.get(6)?,
        issued_by: r.get(7)?,
        matches,
        at: from_ms(9, r.get(9)?)?,
    })
}

impl Store {
    /// Records a goods-release slip checked at the gate, matching its goods or not (audit entry
    /// `goods_slip.record`); returns its id. An unknown household is
    /// [`StoreError::NotFound`].
    pub fn record_goods_slip(&self, actor: &str, s: NewGoodsSlip) -> Result<i64, StoreError> {
        limits::NUMBER.check(&s.slip_number)?;
        limits::ROOM.check_opt(s.household.as_deref())?;
        limits::NOTE.check(&s.items)?;
        limits::NAME.check(&s.issued_by)?;
        let number = s.slip_number.trim().to_owned();
        if number.is_empty() {
            return Err(StoreError::Invalid {
                what: "goods-release slip",
                message: "the slip number is empty".to_owned(),
            });
        }
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let household_id = s
                .household
                .as_deref()
                .map(|code| people::household_id(conn, ctx, code))
                .transpose()?;
            conn.execute(
                "INSERT INTO goods_slips (slip_number, person_id, household_id, items, \
                 issued_by, checked_result, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    number,
                    s.person_id,
                    household_id,
                    s.items,
                    s.issued_by.trim(),
                    result_key(s.matches),
                    to_ms(s.at)
                ],
            )
            .map_err(|e| ctx.err(e))?;
            let id = conn.last_insert_rowid();
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "goods_slip.record",
                &format!("goods_slip:{id}"),
                &format!("slip {number}: {}; {}", s.items, result_key(s.matches)),
            )?;
            Ok(id)
        })
    }

    /// The goods-release slips checked from `from` (inclusive) until `to` (exclusive), oldest
    /// first.
    pub fn goods_slips(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<GoodsSlipRecord>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(&format!(
                "{SLIP_COLUMNS} WHERE g.at_ms >= ?1 AND g.at_ms < ?2 ORDER BY g.at_ms, g.id"
            ))?;
            let rows = st.query_map(params![to_ms(from), to_ms(to)], slip_row)?;
            rows.collect()
        })
    }
}
