//! Registering a visitor (SPEC §1, seed §3.1 E): ask the room and the surname, confirm with the
//! resident by intercom, check and register an ID; or, when the resident cannot be reached, keep
//! the refusal in the duty record. [`register`] is the one way in, for the live screen (an
//! arrival the camera saw) and the desk's visitors page (a visitor no camera saw).
//!
//! It writes the visit and hands back the gate event the duty record gets; the edge records it
//! and tells the posts' screens.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::{EventKind, Post, VisitPurpose, limits};
use crate::rules::gate::shift_at;
use crate::rules::prompts::{self, RESIDENT_UNREACHABLE};
use crate::store::{NewGateEvent, NewVisit, Store, StoreError};

/// A visitor at the gate, as the guard entered them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVisitor {
    /// The room the visitor is going to, as they said it (a household code, 3-2-1502).
    pub room: String,
    pub surname: String,
    /// The purpose's key ([`VisitPurpose`]), as a form or a script sends it.
    pub purpose: String,
    /// An ID document was checked and registered.
    pub id_checked: bool,
    /// The resident confirmed by intercom; `false`: they could not be reached.
    pub resident_confirmed: bool,
    /// The camera's arrival (its gate event) the visitor came in as, when a camera saw them.
    pub arrival_id: Option<i64>,
}

/// What came of a registration.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// The visit written, when the visitor was let in; `None` when turned away.
    pub visit_id: Option<i64>,
    /// The household the room is.
    pub room: String,
    pub surname: String,
    /// What the guard reads (and says, when the visitor is turned away).
    pub message: String,
    /// The gate event for the duty record, for the edge to record and tell the posts.
    pub event: NewGateEvent,
}

/// Why a visitor cannot be registered; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum VisitorError {
    #[error("请填写房号和贵姓 (the room and the surname are needed)")]
    Missing,
    /// The room or the surname is too long, or holds a control character.
    #[error(transparent)]
    Unfit(#[from] limits::Unfit),
    #[error("请选择来访事由 (choose the purpose of the visit)")]
    Purpose,
    #[error(
        "没有房号 {0} 的住户：请与访客核对房号，按 楼-单元-房号 写，例如 3-2-1502 (no household {0} in the records: check the number with the visitor)"
    )]
    UnknownRoom(String),
    #[error("放行前请查验并登记有效证件 (check and register an ID before letting the visitor in)")]
    IdNotChecked,
    #[error(
        "这位访客的到达已不在记录中，请刷新门岗屏后再登记 (the arrival is no longer in the records: reload the screen and register again)"
    )]
    UnknownArrival,
    #[error("这位访客已经登记过了，不用再登记 (this visitor is already registered)")]
    AlreadyRegistered,
    #[error(transparent)]
    Store(StoreError),
}

/// Registers the visitor `v` at `at` for `guard` at `gate` (local time in `tz`): checks the
/// room against the households in the records, the ID and the resident's word, writes the
/// visit (linked to the arrival) and returns the duty record's event, which notifies the
/// patrol post and central control. A visitor the resident did not confirm is turned away:
/// nothing but the refusal is recorded.
pub fn register(
    store: &Store,
    gate: &str,
    tz: Tz,
    guard: &str,
    at: DateTime<Utc>,
    v: &NewVisitor,
) -> Result<Registered, VisitorError> {
    let room = clean_room(&v.room);
    let surname = v.surname.trim().to_owned();
    if room.is_empty() || surname.is_empty() {
        return Err(VisitorError::Missing);
    }
    limits::ROOM.check(&room)?;
    limits::SURNAME.check(&surname)?;
    let purpose: VisitPurpose = v.purpose.parse().map_err(|_| VisitorError::Purpose)?;
    if store
        .household(&room)
        .map_err(VisitorError::Store)?
        .is_none()
    {
        return Err(VisitorError::UnknownRoom(room));
    }
    if let Some(arrival) = v.arrival_id {
        if store.event(arrival).map_err(VisitorError::Store)?.is_none() {
            return Err(VisitorError::UnknownArrival);
        }
        if store
            .registered_arrivals(&[arrival])
            .map_err(VisitorError::Store)?
            .contains(&arrival)
        {
            return Err(VisitorError::AlreadyRegistered);
        }
    }
    let shift = shift_at(at.with_timezone(&tz).time());
    let mut event = NewGateEvent::new(at, gate, EventKind::Registration, shift);
    if !v.resident_confirmed {
        // the visitor is turned away: the refusal goes in the duty record
        event.decision = format!(
            "访客{surname}（到{room}，{}）未获业主确认，不予放行：{}",
            purpose.zh(),
            prompts::visitor_refused().say
        );
        return Ok(Registered {
            visit_id: None,
            message: format!("请对访客说：{RESIDENT_UNREACHABLE}"),
            room,
            surname,
            event,
        });
    }
    if !v.id_checked {
        return Err(VisitorError::IdNotChecked);
    }
    let notified = vec![Post::Patrol, Post::CentralControl];
    let visit_id = store
        .register_visit(
            guard,
            NewVisit {
                visitor_surname: surname.clone(),
                room: room.clone(),
                purpose,
                id_checked: true,
                resident_confirmed: true,
                notified: notified.clone(),
                time_in: at,
                pass_id: None,
                guard: guard.to_owned(),
                arrival_id: v.arrival_id,
            },
        )
        .map_err(|e| match e {
            StoreError::NotFound {
                what: "gate event", ..
            } => VisitorError::UnknownArrival,
            StoreError::Invalid { what: "visit", .. } if v.arrival_id.is_some() => {
                VisitorError::AlreadyRegistered
            }
            e => VisitorError::Store(e),
        })?;
    event.decision = format!(
        "登记访客{surname}，到{room}（{}），业主已确认，证件已查验",
        purpose.zh()
    );
    event.notified = notified;
    Ok(Registered {
        visit_id: Some(visit_id),
        message: format!("已登记访客{surname}，到{room}；已通知巡逻岗、中控岗"),
        room,
        surname,
        event,
    })
}

/// The room as typed, surrounding space dropped and full-width or long dashes made `-`
/// (3－2－1502 is 3-2-1502).
fn clean_room(room: &str) -> String {
    room.trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '－' | '—' | '–' | '‐' | '_' => '-',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_typed_with_wide_dashes_or_spaces_is_the_household_code() {
        assert_eq!(clean_room(" 3－2－1502 "), "3-2-1502");
        assert_eq!(clean_room("3 - 2 - 1502"), "3-2-1502");
    }
}
