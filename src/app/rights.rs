//! Residents' data rights (《个人信息保护法》, PIPL): a person's copy of everything the records hold
//! about them, as one ZIP file (第四十五条), and the deletion of their personal data with the
//! files that show them (第四十七条). Both the manager's pages and `gateward person` use these;
//! each use is in the audit log (`export`, `delete`).
//!
//! The ZIP holds `person.json` (every record about them, times in the gate's time zone), the
//! files those records name under the paths they have in the data folder (`photos/…`,
//! `faces/…`, `sightings/…`, `snapshots/…`) and `说明-README.txt`, which says what each part is.
//! Face embeddings are described (model, size, source, date), not written out as numbers.

use std::collections::BTreeSet;
use std::io::{Cursor, Write};
use std::path::Path;

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use zip::write::SimpleFileOptions;

use super::sightings::remove_files;
use crate::store::{DeletedPerson, NewAuditEntry, Store, StoreError, SubjectRecords};

/// The version of the export's layout, written in `person.json`.
pub const EXPORT_FORMAT: &str = "gateward-person-export/1";

/// What the ZIP says about itself, for the person who opens it.
const README: &str = "\
本文件是门岗助手（gateward）记录中关于一个人的全部个人信息，按《个人信息保护法》第四十五条应本人请求导出。
This file holds everything the gate assistant's records keep about one person, exported at their
request (PIPL art. 45).

person.json      全部记录 (every record, JSON, UTF-8): 
                 person 个人资料, household 房号, consents 人脸采集同意, photos 照片,
                 face_embeddings 人脸特征（只列出模型和来源，不含特征数值 — described, not the
                 numbers）, sightings 摄像头看到的人脸, face_corrections 门岗纠正,
                 gate_events 进出记录, event_checks 门岗确认, visits 访客登记, vehicles 车辆,
                 passes 出入证, goods_slips 物品放行条, training_answers 培训中关于本人的答题,
                 audit_log 操作记录
photos/          本人照片 (photos)
faces/           录入时截取的人脸 (the face crops enrolled)
sightings/       摄像头看到的人脸截图 (faces the cameras saw)
snapshots/       进出抓拍 (snapshots of the gate events)

文件路径与 person.json 中的 \"file\" 相同 (each \"file\" in person.json is a path in this ZIP).
";

/// Why a person's data could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no person {0} in the records")]
    NoPerson(i64),
    #[error("cannot read the records: {0}")]
    Store(#[from] StoreError),
    #[error("cannot write the export file: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("cannot write the export file: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write person.json: {0}")]
    Json(#[from] serde_json::Error),
}

/// A person's data as one ZIP file.
#[derive(Debug, Clone)]
pub struct PersonExport {
    /// e.g. `person-12-20261206.zip` (ASCII, for a download's file name).
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub name: String,
    pub photos: usize,
    pub events: usize,
    /// Files of the data folder in the ZIP (photos, crops, snapshots).
    pub files: usize,
    /// Files the records name that are no longer on disk (listed in person.json).
    pub missing: Vec<String>,
}

/// Writes everything the records hold about person `id` as one ZIP file, and an audit entry
/// `export` by `actor`. `now` stamps the file; times are written in the gate's time zone `tz`.
pub fn export_person(
    store: &Store,
    data: &Path,
    actor: &str,
    id: i64,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<PersonExport, ExportError> {
    let records = store
        .subject_records(id)?
        .ok_or(ExportError::NoPerson(id))?;
    let local = now.with_timezone(&tz);
    let file_name = format!("person-{id}-{}.zip", local.format("%Y%m%d"));
    let mut files: BTreeSet<String> = BTreeSet::new();
    let manifest = manifest(&records, actor, now, tz, &mut files);

    let stamp = zip::DateTime::from_date_and_time(
        u16::try_from(local.year()).unwrap_or(1980),
        local.month() as u8,
        local.day() as u8,
        local.hour() as u8,
        local.minute() as u8,
        local.second() as u8,
    )
    .unwrap_or_default();
    let text = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp);
    // photos and snapshots are compressed already
    let picture = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(stamp);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("说明-README.txt", text)?;
    zip.write_all(README.as_bytes())?;
    let mut missing = Vec::new();
    let mut written = 0;
    for f in &files {
        if !safe_relative(f) {
            missing.push(f.clone());
            continue;
        }
        match std::fs::read(data.join(f)) {
            Ok(bytes) => {
                zip.start_file(f.as_str(), picture)?;
                zip.write_all(&bytes)?;
                written += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push(f.clone()),
            Err(e) => return Err(e.into()),
        }
    }
    let mut manifest = manifest;
    manifest["files_missing"] = json!(missing);
    zip.start_file("person.json", text)?;
    zip.write_all(serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    let bytes = zip.finish()?.into_inner();

    let export = PersonExport {
        file_name,
        bytes,
        name: records.person.name.clone(),
        photos: records.photos.len(),
        events: records.events.len(),
        files: written,
        missing,
    };
    store.append_audit(NewAuditEntry {
        actor: actor.to_owned(),
        action: "export".into(),
        object: format!("person:{id}"),
        detail: format!(
            "personal data of {} as {}: {} photos, {} face embeddings, {} sightings, {} gate \
             events, {} files",
            export.name,
            export.file_name,
            export.photos,
            records.embeddings.len(),
            records.sightings.len(),
            export.events,
            export.files
        ),
    })?;
    Ok(export)
}

/// A path the records name that stays inside the data folder.
fn safe_relative(f: &str) -> bool {
    !f.is_empty()
        && !Path::new(f).is_absolute()
        && !f.split(['/', '\\']).any(|p| p == ".." || p.is_empty())
}

/// `person.json`: every record, each file it names added to `files`.
fn manifest(
    r: &SubjectRecords,
    actor: &str,
    now: DateTime<Utc>,
    tz: Tz,
    files: &mut BTreeSet<String>,
) -> Value {
    let at = |t: DateTime<Utc>| {
        t.with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    };
    let mut file = |f: &Option<String>| -> Value {
        match f {
            Some(f) => {
                files.insert(f.clone());
                json!(f)
            }
            None => Value::Null,
        }
    };
    let p = &r.person;
    json!({
        "format": EXPORT_FORMAT,
        "exported_at": at(now),
        "exported_by": actor,
        "time_zone": tz.name(),
        "person": {
            "id": p.id,
            "name": p.name,
            "class": p.class.key(),
            "class_zh": p.class.zh(),
            "title": p.title,
            "household": p.household,
            "status": p.status.key(),
            "appearance_notes": p.appearance_notes,
            "habit_notes": p.habit_notes,
            "ask_not_to_notify": p.ask_not_to_notify,
            "created": at(p.created),
            "updated": at(p.updated),
        },
        "household": r.household.as_ref().map(|h| json!({"code": h.code, "notes": h.notes})),
        "consents": r.consents.iter().map(|c| json!({
            "given_by": c.given_by,
            "given_on": c.given_on.to_string(),
            "method": c.method.key(),
            "method_zh": c.method.zh(),
            "note": c.note,
            "recorded_by": c.recorded_by,
            "recorded": at(c.recorded),
        })).collect::<Vec<_>>(),
        "photos": r.photos.iter().map(|ph| json!({
            "id": ph.id,
            "file": file(&Some(ph.path.clone())),
            "sha256": ph.sha256,
            "added": at(ph.added),
        })).collect::<Vec<_>>(),
        "face_embeddings": r.embeddings.iter().map(|e| json!({
            "id": e.id,
            "model": e.model,
            "dimensions": e.dim,
            "source": e.source,
            "photo_id": e.photo_id,
            "face_crop": file(&e.thumbnail),
            "created": at(e.created),
        })).collect::<Vec<_>>(),
        "sightings": r.sightings.iter().map(|s| json!({
            "id": s.id,
            "seen": at(s.seen),
            "camera": s.source,
            "taken_for_them": s.person_id == Some(p.id),
            "similarity": s.similarity,
            "file": file(&s.thumbnail),
        })).collect::<Vec<_>>(),
        "face_corrections": r.corrections.iter().map(|c| json!({
            "id": c.id,
            "sighting_id": c.sighting_id,
            "created": at(c.created),
            "by": c.actor,
        })).collect::<Vec<_>>(),
        "gate_events": r.events.iter().map(|e| json!({
            "id": e.id,
            "at": at(e.at),
            "gate": e.gate,
            "camera": e.camera,
            "kind": e.kind.key(),
            "direction": e.direction.map(|d| d.key()),
            "plate": e.plate,
            "class": e.class.map(|c| c.key()),
            "decision": e.decision,
            "notified": e.notified.iter().map(|n| n.key()).collect::<Vec<_>>(),
            "score": e.score,
            "shift": e.shift.key(),
            "snapshot": file(&e.snapshot),
        })).collect::<Vec<_>>(),
        "event_checks": r.checks.iter().map(|c| json!({
            "event_id": c.event_id,
            "confirmed": c.confirmed,
            "at": at(c.at),
            "by": c.actor,
        })).collect::<Vec<_>>(),
        "visits": r.visits.iter().map(|v| json!({
            "id": v.id,
            "arrival_id": v.arrival_id,
            "visitor_surname": v.visitor_surname,
            "room": v.room,
            "purpose": v.purpose.key(),
            "id_checked": v.id_checked,
            "resident_confirmed": v.resident_confirmed,
            "time_in": at(v.time_in),
            "time_out": v.time_out.map(at),
            "pass": v.pass_number,
            "guard": v.guard,
        })).collect::<Vec<_>>(),
        "vehicles": r.vehicles.iter().map(|v| json!({
            "plate": v.plate,
            "colour": v.colour.map(|c| c.key()),
            "kind": v.kind.key(),
            "valid_from": v.valid_from.map(|d| d.to_string()),
            "valid_to": v.valid_to.map(|d| d.to_string()),
            "notes": v.notes,
            "created": at(v.created),
        })).collect::<Vec<_>>(),
        "passes": r.passes.iter().map(|x| json!({
            "number": x.number,
            "purpose": x.purpose.key(),
            "issued": at(x.issued),
            "expires": x.expires.map(at),
            "revoked": x.revoked.map(at),
        })).collect::<Vec<_>>(),
        "goods_slips": r.goods_slips.iter().map(|g| json!({
            "slip_number": g.slip_number,
            "items": g.items,
            "issued_by": g.issued_by,
            "matches": g.matches,
            "at": at(g.at),
        })).collect::<Vec<_>>(),
        "training_answers": r.training.iter().map(|t| json!({
            "at": at(t.at),
            "exercise": t.exercise,
            "correct": t.correct,
        })).collect::<Vec<_>>(),
        "audit_log": r.audit.iter().map(|a| json!({
            "at": at(a.at),
            "by": a.actor,
            "action": a.action,
            "detail": a.detail,
        })).collect::<Vec<_>>(),
    })
}

/// What deleting a person's data did: the records' account, and the files deleted from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub records: DeletedPerson,
    /// Files of the data folder deleted (photos, face crops, snapshots that showed only them).
    pub files_deleted: usize,
}

/// Deletes person `id`'s personal data (see [`Store::delete_person`]) by `actor`, then the
/// files no record names any more: their photos, face crops, the faces the cameras saw of them
/// and the snapshots that show only them. A file that cannot be deleted is logged.
pub fn delete_person(
    store: &Store,
    data: &Path,
    actor: &str,
    id: i64,
) -> Result<Deleted, StoreError> {
    let records = store.delete_person(actor, id)?;
    let files_deleted = remove_files(data, &records.orphan_files, "a deleted person's file");
    Ok(Deleted {
        records,
        files_deleted,
    })
}
