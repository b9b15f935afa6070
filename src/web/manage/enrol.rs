//! 上传照片录入人脸: enrolling a person's face from photos uploaded on their page, once their
//! consent to face collection is on record, by the rule of
//! `gateward enroll`: each photo's largest face must pass the enrolment quality gate; a photo
//! refused (no face, too small, blurred, turned, cut off; not an image, damaged or cut short,
//! over `[images] max_pixels`) is listed with the reason and nothing of it is stored. A photo
//! too large is refused from its header, before any pixel is decoded. The face models are
//! loaded the first time a photo comes, then kept for the next uploads.

use std::path::Path as FilePath;

use axum::Form;
use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, Extension, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use maud::{Markup, html};

use super::common::{causes, done};
use super::person::{FIELD, UPLOAD_LIMIT, consent_needed, load_person, person_page};
use crate::app::enrol::{Enroller, EnrollerError, lookalike, save_enrolled_face};
use crate::app::photos::store_photo_bytes;
use crate::pipeline::service::GalleryEdit;
use crate::store::{NewAuditEntry, NewPhoto, PersonRecord, Photo};
use crate::vision::decode::PhotoFormat;
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

/// What to do about a refused face, after the reason.
const ADVICE: &str = "请换一张正面、清晰、脸更大的照片（脸宽至少 80 像素，整张脸都在照片内）。";

/// An error of the enrolment models, as the manager reads it.
fn model_error(e: EnrollerError) -> WebError {
    match e {
        EnrollerError::Load(e) => WebError::Internal(format!(
            "人脸模型无法加载，暂时不能从照片录入。请在本机运行 gateward check \
             检查模型包 (the face models could not be loaded: {})",
            causes(&e)
        )),
        EnrollerError::Model(e) => WebError::Internal(format!(
            "人脸识别出错 (face recognition failed): {}",
            causes(&e)
        )),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/manage/people/{id}/photos",
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/manage/people/{id}/photos/confirm", post(confirm))
}

/// A file of the upload.
struct Upload {
    /// The file's name as the browser sent it (shown in the answer only).
    name: String,
    bytes: Bytes,
}

/// What became of one uploaded photo.
enum Outcome {
    Enrolled {
        name: String,
        face_px: f32,
    },
    /// The same photo is already one of the person's.
    Again {
        name: String,
    },
    /// The face is enough like someone else's that the gate would name them: kept in the
    /// photos folder (`photo`) but not enrolled until the manager confirms.
    LooksLike {
        name: String,
        photo: String,
        other: i64,
        other_name: String,
        similarity: f32,
        threshold: f32,
    },
    /// `hint` says what photo to take instead, when `why` does not.
    Refused {
        name: String,
        why: String,
        hint: Option<&'static str>,
    },
}

/// Enrols the person's face from the uploaded photos; answers with their page and, for each
/// photo, what became of it.
async fn upload(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    user.may_manage()?;
    let Some(enroller) = s.enrol.clone() else {
        return Err(WebError::BadInput(
            "这里没有加载人脸模型，不能上传照片录入：请用命令 gateward enroll 或 gateward import \
             (no face models here)"
                .into(),
        ));
    };
    let state = s.clone();
    let (person, consented) = blocking(move || {
        let person = state.store.person(id)?.ok_or_else(|| {
            WebError::NotFound(format!(
                "没有编号为 {id} 的人员：可能已被删除，请回到住户与贵宾列表 (no person {id})"
            ))
        })?;
        Ok((person, state.store.consent(id)?.is_some()))
    })
    .await?;
    let files = match read_files(multipart).await {
        Ok(files) => files,
        Err(refused) => return Ok(refused),
    };
    // a face is sensitive personal information: none is enrolled without consent (said once
    // the upload is read, so the browser shows the answer)
    if !consented {
        return Err(consent_needed(&person));
    }
    if files.is_empty() {
        return Err(WebError::BadInput(
            "没有收到照片：请先点“选择文件”选好照片，再按“上传并录入” (no photo was sent)".into(),
        ));
    }
    let state = s.clone();
    let actor = user.user.name.clone();
    let (one, outcomes, vectors) = blocking(move || {
        let mut outcomes = Vec::new();
        let mut vectors = Vec::new();
        for file in &files {
            let (outcome, vector) = enrol_one(&state, &enroller, &actor, &person, file, false)?;
            outcomes.push(outcome);
            vectors.extend(vector);
        }
        Ok((load_person(&state, id)?, outcomes, vectors))
    })
    .await?;
    let enrolled = vectors.len();
    let live = if let Some(g) = &s.gallery {
        for vector in vectors {
            g.edit(GalleryEdit::Add { person: id, vector });
        }
        "门岗服务已立即使用这些人脸。"
    } else {
        "门岗服务下次启动时使用这些人脸。"
    };
    let message = answer(&user, &one.person, &outcomes, enrolled, live);
    let waiting = outcomes
        .iter()
        .any(|o| matches!(o, Outcome::LooksLike { .. }));
    let status = if enrolled == 0
        && !waiting
        && outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Refused { .. }))
    {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, person_page(&user, &s, &one, Some(message))).into_response())
}

/// The photos of the upload. A body over [`UPLOAD_LIMIT`], or one that is not a whole
/// multipart form, is answered at once.
async fn read_files(mut multipart: Multipart) -> Result<Vec<Upload>, Response> {
    let mut files = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(files),
            Err(e) => return Err(unreadable(e)),
        };
        if field.name() != Some(FIELD) {
            continue;
        }
        // the browser's file name, without any folder
        let name = field
            .file_name()
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).trim().to_owned())
            .unwrap_or_default();
        let bytes = field.bytes().await.map_err(unreadable)?;
        if name.is_empty() && bytes.is_empty() {
            continue; // the file input left empty
        }
        let name = if name.is_empty() {
            format!("第 {} 张照片", files.len() + 1)
        } else {
            name
        };
        files.push(Upload { name, bytes });
    }
}

/// The answer to an upload that could not be read.
fn unreadable(e: MultipartError) -> Response {
    let status = e.status();
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "照片太大：一次上传的照片合计不能超过 {} MB。请分几次上传，或上传小一些的照片 \
             (the upload is over {} MB)",
            UPLOAD_LIMIT / 1024 / 1024,
            UPLOAD_LIMIT / 1024 / 1024
        )
    } else {
        format!("照片没有上传完整，请重新选择照片再上传 (the upload could not be read: {e})")
    };
    (status, page::message_page(status, &message)).into_response()
}

/// Checks one photo as `gateward enroll` does and, when its face passes, stores the photo, the
/// face and an audit entry. Returns what became of it and the embedding enrolled.
fn enrol_one(
    s: &AppState,
    enroller: &Enroller,
    actor: &str,
    person: &PersonRecord,
    file: &Upload,
    confirmed: bool,
) -> Result<(Outcome, Option<Vec<f32>>), WebError> {
    let name = file.name.clone();
    let refused = |why: String, hint: Option<&'static str>| {
        Ok((
            Outcome::Refused {
                name: file.name.clone(),
                why,
                hint,
            },
            None,
        ))
    };
    let (model, seen) = match enroller
        .enrolment_face(&file.bytes, &file.name)
        .map_err(model_error)?
    {
        Ok(found) => found,
        Err(refusal) => {
            let hint = refusal.is_about_the_face().then_some(ADVICE);
            return refused(refusal.to_string(), hint);
        }
    };
    // the extension from the content (never from the name the browser sent)
    let ext = PhotoFormat::guess(&file.bytes).map_or("jpg", PhotoFormat::extension);
    let internal = |e: &dyn std::error::Error| WebError::Internal(causes(e));
    let (sha, stored) = store_photo_bytes(
        &file.bytes,
        FilePath::new(&format!("upload.{ext}")),
        &s.data,
    )
    .map_err(|e| internal(&e))?;
    let store = &s.store;
    if store.photos(person.id)?.iter().any(|p| p.sha256 == sha) {
        return Ok((Outcome::Again { name }, None));
    }
    let matching = enroller.matching();
    let like = lookalike(store, &model, person.id, &seen.embedding, &matching)?;
    let mut confirmation = String::new();
    if let Some((other, similarity)) = like {
        if !confirmed {
            let other_name = store
                .person(other)?
                .map_or_else(|| format!("编号 {other} 的人员"), |p| p.name);
            return Ok((
                Outcome::LooksLike {
                    name,
                    photo: stored,
                    other,
                    other_name,
                    similarity,
                    threshold: matching.threshold,
                },
                None,
            ));
        }
        confirmation = format!(
            "; looks like person:{other} ({similarity:.3}), confirmed as {} by {actor}",
            person.name
        );
    }
    let photo_id = store.add_photo(
        actor,
        person.id,
        NewPhoto {
            path: stored.clone(),
            sha256: sha.clone(),
        },
    )?;
    let photo = Photo {
        id: photo_id,
        person_id: person.id,
        path: stored.clone(),
        sha256: sha,
        added: s.clock.now(),
    };
    save_enrolled_face(store, &s.data, &model, &photo, &seen).map_err(|e| internal(&e))?;
    store.append_audit(NewAuditEntry {
        actor: actor.to_owned(),
        action: "face.enrol".into(),
        object: format!("person:{}", person.id),
        detail: format!(
            "{} from uploaded photo {name} ({stored}, {model}){confirmation}",
            person.name
        ),
    })?;
    Ok((
        Outcome::Enrolled {
            name,
            face_px: seen.face.width(),
        },
        Some(seen.embedding.to_vec()),
    ))
}

/// What the page says about an upload: the photos enrolled, then each one not enrolled and why.
fn answer(
    user: &Authed,
    person: &PersonRecord,
    outcomes: &[Outcome],
    enrolled: usize,
    live: &str,
) -> Markup {
    let refused: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Refused { .. }))
        .collect();
    html! {
        @if enrolled > 0 {
            (done(&format!("已从 {enrolled} 张照片录入{}的人脸。{live}", person.name)))
        }
        @if outcomes.iter().any(|o| matches!(o, Outcome::Enrolled { .. } | Outcome::Again { .. })) {
        ul #upload-result {
            @for o in outcomes {
                @match o {
                    Outcome::Enrolled { name, face_px } => {
                        li.enrolled { "✓ " (name) "：已录入（脸宽 " (format!("{face_px:.0}")) " 像素）" }
                    }
                    Outcome::Again { name } => {
                        li.again { "· " (name) "：这张照片已经录入过，没有重复录入" }
                    }
                    Outcome::Refused { .. } | Outcome::LooksLike { .. } => {}
                }
            }
        }
        }
        @for o in outcomes {
            @if let Outcome::LooksLike { name, photo, other, other_name, similarity, threshold } = o {
                div.problem.lookalike #lookalike role="alert" {
                    p {
                        "⚠ " strong { (name) } "：这张脸与已录入的"
                        a href=(format!("/manage/people/{other}")) { (other_name) }
                        "很像（相似度 " span.similarity { (format!("{similarity:.2}")) }
                        "，门岗认人的标准是 " (format!("{threshold:.2}")) "），门岗可能会把"
                        (person.name) "认作" (other_name) "。这张照片还没有录入。"
                    }
                    p.meta { "(This face matches " (other_name) " at " (format!("{similarity:.2}")) "; not enrolled until you confirm.)" }
                    form.form-row method="post" action=(format!("/manage/people/{}/photos/confirm", person.id)) {
                        (page::csrf_field(user))
                        input type="hidden" name="photo" value=(photo);
                        input type="hidden" name="file" value=(name);
                        label.check { input type="checkbox" name="really" value="yes" required;
                            "是的，照片上确实是" (person.name) "本人，不是" (other_name) }
                        button.ok type="submit" { "确认录入" }
                    }
                }
            }
        }
        @if !refused.is_empty() {
            div.problem #upload-refused role="alert" {
                p { "以下照片没有录入，也没有保存：" }
                ul {
                    @for o in refused {
                        @if let Outcome::Refused { name, why, hint } = o {
                            li.refused {
                                "✗ " strong { (name) } "：" (why)
                                @if let Some(hint) = hint { br; strong.hint { (hint) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct ConfirmForm {
    photo: Option<String>,
    file: Option<String>,
    really: Option<String>,
}

/// Whether `path` is a photo the upload kept: `photos/<sha256>.<jpg|png|webp>`.
fn kept_photo(path: &str) -> bool {
    let Some(name) = path.strip_prefix("photos/") else {
        return false;
    };
    let Some((sha, ext)) = name.split_once('.') else {
        return false;
    };
    sha.len() == 64
        && sha.chars().all(|c| c.is_ascii_hexdigit())
        && ["jpg", "png", "webp"].contains(&ext)
}

/// Enrols a photo whose face looks like someone else's, once the manager has confirmed that it
/// is really this person.
async fn confirm(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    user.may_manage()?;
    let Some(enroller) = s.enrol.clone() else {
        return Err(WebError::BadInput(
            "这里没有加载人脸模型，不能从照片录入 (no face models here)".into(),
        ));
    };
    if f.really.as_deref() != Some("yes") {
        return Err(WebError::BadInput(
            "请先勾选“是的，照片上确实是本人”，再按确认录入；不确定时请不要录入 \
             (tick the box to confirm it is really this person)"
                .into(),
        ));
    }
    let photo = f.photo.unwrap_or_default();
    if !kept_photo(&photo) {
        return Err(WebError::BadInput(
            "要确认的照片不对，请重新上传照片 (not a photo of this upload)".into(),
        ));
    }
    let name = f
        .file
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "照片".to_owned());
    let state = s.clone();
    let actor = user.user.name.clone();
    let (one, outcome, vector) = blocking(move || {
        let person = state.store.person(id)?.ok_or_else(|| {
            WebError::NotFound(format!(
                "没有编号为 {id} 的人员：可能已被删除，请回到住户与贵宾列表 (no person {id})"
            ))
        })?;
        if state.store.consent(id)?.is_none() {
            return Err(consent_needed(&person));
        }
        let bytes = std::fs::read(state.data.join(&photo)).map_err(|_| {
            WebError::BadInput(
                "这张照片已不在，请重新上传 (the photo is gone: upload it again)".into(),
            )
        })?;
        let file = Upload {
            name,
            bytes: Bytes::from(bytes),
        };
        let (outcome, vector) = enrol_one(&state, &enroller, &actor, &person, &file, true)?;
        Ok((load_person(&state, id)?, outcome, vector))
    })
    .await?;
    let enrolled = usize::from(vector.is_some());
    let live = if let Some(g) = &s.gallery {
        if let Some(vector) = vector {
            g.edit(GalleryEdit::Add { person: id, vector });
        }
        "门岗服务已立即使用这张人脸。"
    } else {
        "门岗服务下次启动时使用这张人脸。"
    };
    let message = answer(&user, &one.person, &[outcome], enrolled, live);
    Ok(person_page(&user, &s, &one, Some(message)).into_response())
}
