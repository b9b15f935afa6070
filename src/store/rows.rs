//! The shared records that are one table row each (households, users and their sessions,
//! passes, vehicles, goods slips, shift records, training answers): a row as a JSON document and
//! back. A row's links to people, households and users travel as their keys (a person's uid, a
//! household's code, a user's login), never as this box's ids, which mean nothing at another box.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use serde_json::{Map, Value as Json};

/// What a linked column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Link {
    /// A person, by `people.uid`.
    Person,
    /// A household, by `households.code` (made here when it is not).
    Household,
    /// A user, by `users.login`.
    User,
}

impl Link {
    /// The key of the row `id` names, in a SELECT of the row `t`.
    fn read(self, column: &str) -> String {
        match self {
            Link::Person => format!("(SELECT uid FROM people WHERE id = t.{column})"),
            Link::Household => format!("(SELECT code FROM households WHERE id = t.{column})"),
            Link::User => format!("(SELECT login FROM users WHERE id = t.{column})"),
        }
    }

    /// This box's id of the row `key` names; a household is made here when it is not.
    fn id_of(self, c: &Connection, key: &str) -> rusqlite::Result<Option<i64>> {
        let sql = match self {
            Link::Person => "SELECT id FROM people WHERE uid = ?1",
            Link::User => "SELECT id FROM users WHERE login = ?1",
            Link::Household => return ensure_household(c, key).map(Some),
        };
        c.prepare_cached(sql)?
            .query_row([key], |r| r.get(0))
            .optional()
    }

    /// What the link names, for an error.
    fn what(self) -> &'static str {
        match self {
            Link::Person => "the person",
            Link::Household => "the household",
            Link::User => "the user",
        }
    }
}

/// This box's id of the household `code`, made when this box has none (a record from another
/// box, or an import, naming a household not yet here).
pub(super) fn ensure_household(c: &Connection, code: &str) -> rusqlite::Result<i64> {
    c.prepare_cached("INSERT OR IGNORE INTO households (code) VALUES (?1)")?
        .execute([code])?;
    c.prepare_cached("SELECT id FROM households WHERE code = ?1")?
        .query_row([code], |r| r.get(0))
}

/// A column of a shared table.
#[derive(Debug, Clone, Copy)]
pub(super) struct Column {
    /// In the table.
    pub name: &'static str,
    /// In the document (a link's without `_id`).
    pub field: &'static str,
    pub link: Option<Link>,
}

const fn value(name: &'static str) -> Column {
    Column {
        name,
        field: name,
        link: None,
    }
}

const fn link(name: &'static str, field: &'static str, link: Link) -> Column {
    Column {
        name,
        field,
        link: Some(link),
    }
}

/// A table whose rows the boxes share.
#[derive(Debug, Clone, Copy)]
pub(super) struct RowTable {
    pub table: &'static str,
    /// The column that keeps a row across the boxes (unique).
    pub key: &'static str,
    /// The other columns, as documents carry them.
    pub columns: &'static [Column],
    /// Keys starting with this are this box's own and not shared (a kiosk's account).
    pub local_prefix: Option<&'static str>,
}

impl RowTable {
    /// Whether the row keyed `key` is shared.
    pub fn shares(&self, key: &str) -> bool {
        self.local_prefix.is_none_or(|p| !key.starts_with(p))
    }
}

pub(super) const HOUSEHOLDS: RowTable = RowTable {
    table: "households",
    key: "code",
    columns: &[value("notes")],
    local_prefix: None,
};

pub(super) const USERS: RowTable = RowTable {
    table: "users",
    key: "login",
    columns: &[
        value("name"),
        value("role"),
        value("post"),
        value("password_hash"),
        value("started"),
        value("disabled"),
        value("must_change"),
        value("created_ms"),
    ],
    local_prefix: Some("kiosk:"),
};

pub(super) const SESSIONS: RowTable = RowTable {
    table: "sessions",
    key: "token_hash",
    columns: &[
        link("user_id", "user", Link::User),
        value("csrf"),
        value("created_ms"),
        value("expires_ms"),
    ],
    local_prefix: None,
};

pub(super) const PASSES: RowTable = RowTable {
    table: "passes",
    key: "number",
    columns: &[
        link("holder_person_id", "holder", Link::Person),
        value("purpose"),
        value("issued_ms"),
        value("first_half"),
        value("second_half"),
        value("kept_half_at_gate"),
        value("returned_ms"),
        value("expires_ms"),
        value("revoked_ms"),
    ],
    local_prefix: None,
};

pub(super) const VEHICLES: RowTable = RowTable {
    table: "vehicles",
    key: "uid",
    columns: &[
        value("plate"),
        value("colour"),
        value("kind"),
        link("owner_person_id", "owner_person", Link::Person),
        link("owner_household_id", "owner_household", Link::Household),
        value("valid_from"),
        value("valid_to"),
        value("notes"),
        value("created_ms"),
        value("updated_ms"),
    ],
    local_prefix: None,
};

pub(super) const GOODS_SLIPS: RowTable = RowTable {
    table: "goods_slips",
    key: "uid",
    columns: &[
        value("slip_number"),
        link("person_id", "person", Link::Person),
        link("household_id", "household", Link::Household),
        value("items"),
        value("issued_by"),
        value("checked_result"),
        value("at_ms"),
    ],
    local_prefix: None,
};

pub(super) const SHIFTS: RowTable = RowTable {
    table: "shift_records",
    key: "uid",
    columns: &[
        value("gate"),
        value("date"),
        value("shift"),
        value("guard"),
        value("notes"),
        value("follow_ups"),
        value("handed_over"),
        value("updated_ms"),
        value("handed_to"),
        value("handed_over_ms"),
    ],
    local_prefix: None,
};

pub(super) const TRAINING_ANSWERS: RowTable = RowTable {
    table: "training_answers",
    key: "uid",
    columns: &[
        link("user_id", "user", Link::User),
        value("exercise"),
        link("person_id", "person", Link::Person),
        link("household_id", "household", Link::Household),
        value("at_ms"),
        value("correct"),
    ],
    local_prefix: None,
};

/// Why a row document could not be stored.
#[derive(Debug, thiserror::Error)]
pub(super) enum RowError {
    #[error("the record is not a JSON object")]
    NotAnObject,
    #[error("its field {0} is not a number, a text, true/false or null")]
    NotAValue(String),
    #[error("it names {what} {key}, which this box does not have")]
    Missing { what: &'static str, key: String },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// The row of `t` keyed `key` as a document; `None` when there is none (it was deleted).
pub(super) fn row_doc(c: &Connection, t: &RowTable, key: &str) -> rusqlite::Result<Option<Json>> {
    let columns: Vec<String> = t
        .columns
        .iter()
        .map(|col| match col.link {
            Some(l) => l.read(col.name),
            None => format!("t.{}", col.name),
        })
        .collect();
    let sql = format!(
        "SELECT {} FROM {} t WHERE t.{} = ?1",
        columns.join(", "),
        t.table,
        t.key
    );
    let mut st = c.prepare_cached(&sql)?;
    st.query_row([key], |r| {
        let mut doc = Map::new();
        for (i, col) in t.columns.iter().enumerate() {
            doc.insert(col.field.to_owned(), to_json(r.get::<_, Value>(i)?));
        }
        Ok(Json::Object(doc))
    })
    .optional()
}

/// Stores a row of `t` from another box: added, or replacing the row of the same key. Fields
/// the document does not have keep their default (or what the row had); fields this gateward
/// does not know are left out.
pub(super) fn apply_row(
    c: &Connection,
    t: &RowTable,
    key: &str,
    doc: &Json,
) -> Result<(), RowError> {
    let Json::Object(doc) = doc else {
        return Err(RowError::NotAnObject);
    };
    let mut names = vec![t.key];
    let mut values = vec![Value::Text(key.to_owned())];
    let mut exprs = vec!["?1".to_owned()];
    for col in t.columns {
        let Some(field) = doc.get(col.field) else {
            continue;
        };
        let v = to_value(field).ok_or_else(|| RowError::NotAValue(col.field.to_owned()))?;
        // a link travels as its key; stored as this box's id of the row it names
        let v = match (col.link, v) {
            (Some(l), Value::Text(k)) => match l.id_of(c, &k)? {
                Some(id) => Value::Integer(id),
                None => {
                    return Err(RowError::Missing {
                        what: l.what(),
                        key: k,
                    });
                }
            },
            (_, v) => v,
        };
        exprs.push(format!("?{}", values.len() + 1));
        names.push(col.name);
        values.push(v);
    }
    let updates: Vec<String> = names[1..]
        .iter()
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO {}",
        t.table,
        names.join(", "),
        exprs.join(", "),
        t.key,
        if updates.is_empty() {
            "NOTHING".to_owned()
        } else {
            format!("UPDATE SET {}", updates.join(", "))
        }
    );
    c.prepare_cached(&sql)?.execute(params_from_iter(values))?;
    Ok(())
}

/// Deletes the row of `t` keyed `key` (another box deleted it); how many there were.
pub(super) fn delete_row(c: &Connection, t: &RowTable, key: &str) -> rusqlite::Result<usize> {
    c.prepare_cached(&format!("DELETE FROM {} WHERE {} = ?1", t.table, t.key))?
        .execute([key])
}

/// Whether this box has the row of `t` keyed `key`.
pub(super) fn row_present(c: &Connection, t: &RowTable, key: &str) -> rusqlite::Result<bool> {
    c.prepare_cached(&format!("SELECT 1 FROM {} WHERE {} = ?1", t.table, t.key))?
        .exists([key])
}

/// The keys of every shared row of `t`, oldest first.
pub(super) fn row_keys(c: &Connection, t: &RowTable) -> rusqlite::Result<Vec<String>> {
    let order = if t.table == "sessions" {
        "created_ms"
    } else {
        "id"
    };
    let mut st = c.prepare(&format!(
        "SELECT {} FROM {} WHERE {} IS NOT NULL ORDER BY {order}",
        t.key, t.table, t.key
    ))?;
    let keys = st.query_map([], |r| r.get::<_, String>(0))?;
    let mut shared = Vec::new();
    for k in keys {
        let k = k?;
        if t.shares(&k) {
            shared.push(k);
        }
    }
    Ok(shared)
}

fn to_json(v: Value) -> Json {
    match v {
        Value::Null | Value::Blob(_) => Json::Null,
        Value::Integer(i) => Json::from(i),
        Value::Real(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
        Value::Text(s) => Json::String(s),
    }
}

fn to_value(v: &Json) -> Option<Value> {
    Some(match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Integer(i64::from(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64()?),
        },
        Json::String(s) => Value::Text(s.clone()),
        Json::Array(_) | Json::Object(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "foreign_keys", true).unwrap();
        super::super::schema::migrate(&mut c, std::path::Path::new(":memory:")).unwrap();
        c
    }

    #[test]
    fn a_vehicle_travels_with_its_owner_and_household_by_their_keys_not_this_box_s_ids() {
        let here = db();
        here.execute_batch(
            "INSERT INTO households (code) VALUES ('1-1-101');
             INSERT INTO households (code) VALUES ('3-2-1502');
             INSERT INTO people (name, class, household_id, created_ms, updated_ms, uid)
                 VALUES ('陈静', 'resident', 2, 0, 0, 'p-chen');
             INSERT INTO vehicles (plate, kind, owner_person_id, owner_household_id, notes,
                 created_ms, updated_ms, uid)
                 VALUES ('粤B12345', 'household', 1, 2, '白色SUV', 5, 6, 'v-1');",
        )
        .unwrap();
        let doc = row_doc(&here, &VEHICLES, "v-1").unwrap().unwrap();
        assert_eq!(doc["owner_person"], "p-chen");
        assert_eq!(doc["owner_household"], "3-2-1502");
        assert_eq!(doc["colour"], Json::Null);

        // another box, where the household is new and the person has another id
        let there = db();
        there
            .execute_batch(
                "INSERT INTO people (name, class, created_ms, updated_ms, uid)
                     VALUES ('王建国', 'vip', 0, 0, 'p-wang');
                 INSERT INTO people (name, class, created_ms, updated_ms, uid)
                     VALUES ('陈静', 'resident', 0, 0, 'p-chen');",
            )
            .unwrap();
        apply_row(&there, &VEHICLES, "v-1", &doc).unwrap();
        let (plate, owner, household): (String, i64, String) = there
            .query_row(
                "SELECT v.plate, v.owner_person_id, h.code FROM vehicles v \
                 JOIN households h ON h.id = v.owner_household_id WHERE v.uid = 'v-1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((plate.as_str(), owner), ("粤B12345", 2));
        assert_eq!(household, "3-2-1502");
        assert_eq!(row_doc(&there, &VEHICLES, "v-1").unwrap().unwrap(), doc);

        // changed there: replaced, not doubled; deleted: gone
        let mut changed = doc.clone();
        changed["notes"] = "黑色轿车".into();
        apply_row(&there, &VEHICLES, "v-1", &changed).unwrap();
        assert_eq!(row_keys(&there, &VEHICLES).unwrap(), vec!["v-1"]);
        assert_eq!(
            row_doc(&there, &VEHICLES, "v-1").unwrap().unwrap()["notes"],
            "黑色轿车"
        );
        assert_eq!(delete_row(&there, &VEHICLES, "v-1").unwrap(), 1);
        assert!(!row_present(&there, &VEHICLES, "v-1").unwrap());
    }

    #[test]
    fn a_row_naming_someone_this_box_lacks_or_holding_a_list_is_refused_and_writes_nothing() {
        let c = db();
        let answer = serde_json::json!({
            "user": "nobody", "exercise": "face_name", "person": null,
            "household": "1-1-101", "at_ms": 1, "correct": true
        });
        let e = apply_row(&c, &TRAINING_ANSWERS, "a-1", &answer).unwrap_err();
        assert!(e.to_string().contains("the user nobody"), "{e}");
        let listed = serde_json::json!({"notes": ["a"]});
        let e = apply_row(&c, &HOUSEHOLDS, "1-1-101", &listed).unwrap_err();
        assert!(e.to_string().contains("notes"), "{e}");
        assert!(apply_row(&c, &HOUSEHOLDS, "1-1-101", &Json::Null).is_err());
        assert!(!row_present(&c, &TRAINING_ANSWERS, "a-1").unwrap());
    }

    #[test]
    fn a_kiosk_s_own_account_is_this_box_s_and_not_shared() {
        assert!(!USERS.shares("kiosk:1"));
        assert!(USERS.shares("zhangsan"));
        let c = db();
        c.execute_batch(
            "INSERT INTO users (login, name, role, post, password_hash, created_ms)
                 VALUES ('zhangsan', '张三', 'guard', 'gate', 'x', 0);
             INSERT INTO users (login, name, role, post, password_hash, created_ms)
                 VALUES ('kiosk:1', '大门岗亭屏幕', 'guard', 'gate', 'x', 0);",
        )
        .unwrap();
        assert_eq!(row_keys(&c, &USERS).unwrap(), vec!["zhangsan"]);
        let noted: Vec<String> = c
            .prepare("SELECT uid FROM sync_changes WHERE kind = 'user'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(noted, vec!["zhangsan"]);
    }
}
