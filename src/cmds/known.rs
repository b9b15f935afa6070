//! The faces the records know, for the commands that recognise: the gallery built from the
//! enrolled embeddings and the guards' corrections, and the sightings kept so a guard can
//! correct a name; and the enrolment of a face from a photo, shared by `enroll` and `import`.

use std::path::Path;

use anyhow::Context;
use chrono::{Duration, Utc};
use image::RgbImage;

use crate::recognize::gallery::Gallery;
use crate::store::{NewFaceEmbedding, NewSighting, Photo, Store};
use crate::vision::face_quality::{self, QualityLimits};
use crate::vision::faces::{FaceChain, SeenFace};
use crate::vision::image_ops;

/// Folder of the data directory where the crops of seen faces are kept.
pub use crate::pipeline::snapshot::SIGHTING_DIR;

/// The records of the data folder, when it has any: without them every face is unknown and
/// nothing is looked up.
pub fn records_if_any(data: &Path) -> anyhow::Result<Option<Store>> {
    let db = crate::store::database_path(data);
    Ok(if db.is_file() {
        Some(Store::open(&db)?)
    } else {
        None
    })
}

/// The face detector and embedder, as `enroll` and the manager's photo upload load them.
pub fn load_face_chain(
    onnxruntime: Option<&Path>,
    models: &Path,
    vision: &crate::config::Vision,
) -> anyhow::Result<FaceChain> {
    use crate::vision::{manifest::Manifest, runtime::Runtime};
    let runtime = Runtime::init(onnxruntime)?;
    let manifest = Manifest::load(models)?;
    Ok(FaceChain::load(
        &runtime,
        &manifest,
        vision.threads,
        vision.face_detect(),
    )?)
}

/// The models a camera's frames are looked at with, and the gallery of the records' faces.
pub fn load_eyes(
    config: &crate::config::Config,
    store: Option<&Store>,
) -> anyhow::Result<crate::pipeline::watch::Eyes> {
    use crate::vision::{manifest::Manifest, runtime::Runtime};
    let runtime = Runtime::init(config.paths.onnxruntime.as_deref())?;
    let manifest = Manifest::load(&config.paths.models)?;
    let faces = FaceChain::load(
        &runtime,
        &manifest,
        config.vision.threads,
        config.vision.face_detect(),
    )?;
    let gallery = gallery_of(store, faces.model_key())?;
    Ok(crate::pipeline::watch::Eyes {
        faces,
        gallery,
        params: config.recognition.match_params(),
        limits: QualityLimits::default(),
        vehicles: crate::pipeline::vehicles::VehicleEyes::load(
            &runtime,
            &manifest,
            &config.vision,
        )?,
    })
}

/// [`load_gallery`] from the records when there are any; an empty gallery otherwise.
pub fn gallery_of(store: Option<&Store>, model: &str) -> anyhow::Result<Gallery> {
    match store {
        Some(store) => load_gallery(store, model),
        None => Ok(Gallery::default()),
    }
}

/// The gallery of embeddings made by `model`, with every correction applied. A stored vector
/// the gallery cannot use (wrong length) is skipped with a warning, not fatal.
pub fn load_gallery(store: &Store, model: &str) -> anyhow::Result<Gallery> {
    let mut gallery = Gallery::default();
    for e in store.face_embeddings(model)? {
        if let Err(why) = gallery.add_vector(e.person_id, &e.vector) {
            tracing::warn!(embedding = e.id, %why, "stored face embedding skipped");
        }
    }
    for c in store.face_corrections(model)? {
        if let Err(why) = gallery.exclude_vector(c.person_id, &c.vector) {
            tracing::warn!(correction = c.id, %why, "stored face correction skipped");
        }
    }
    Ok(gallery)
}

/// Deletes the sightings older than `days` and their crops. Errors deleting a crop are logged:
/// the record is gone either way.
pub fn purge_sightings(store: &Store, data: &Path, days: u32) -> anyhow::Result<usize> {
    let before = Utc::now() - Duration::days(i64::from(days));
    let thumbnails = store.purge_sightings(before)?;
    for t in &thumbnails {
        if let Err(e) = std::fs::remove_file(data.join(t))
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = %t, error = %e, "could not delete an expired face crop");
        }
    }
    Ok(thumbnails.len())
}

/// Records a seen face with its aligned crop (stored once per content under
/// `<data>/sightings/`); returns the sighting's id.
pub fn record_sighting(
    store: &Store,
    data: &Path,
    aligned: &RgbImage,
    sighting: NewSighting,
) -> anyhow::Result<i64> {
    Ok(crate::pipeline::snapshot::record_sighting(
        store, data, aligned, sighting,
    )?)
}

/// The face to enrol from a photo file: its largest face, when it passes the enrolment quality
/// gate; otherwise why not, in words for the person enrolling (Chinese, then English).
pub fn enrolment_face(
    chain: &mut FaceChain,
    path: &Path,
) -> anyhow::Result<Result<SeenFace, String>> {
    match image_ops::open(path) {
        Ok(img) => enrolment_face_in(chain, &img),
        Err(e) => Ok(Err(e.to_string())),
    }
}

/// [`enrolment_face`] of a photo already decoded (an upload on the manager's pages).
pub fn enrolment_face_in(
    chain: &mut FaceChain,
    img: &RgbImage,
) -> anyhow::Result<Result<SeenFace, String>> {
    let Some(best) = chain.faces(img)?.into_iter().next() else {
        return Ok(Err("没有找到人脸 — no face found".to_owned()));
    };
    let q = face_quality::assess(&best.face, &best.aligned, img.dimensions());
    Ok(
        match face_quality::check(&q, &QualityLimits::for_enrolment()) {
            Ok(()) => Ok(best),
            Err(problems) => Err(problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")),
        },
    )
}

/// Stores an enrolled face: its 112×112 crop as `<data>/faces/<photo sha256>.png` and its
/// embedding, linked to the photo it came from.
pub fn save_enrolled_face(
    store: &Store,
    data: &Path,
    model: &str,
    photo: &Photo,
    seen: &SeenFace,
) -> anyhow::Result<()> {
    let faces_dir = data.join("faces");
    std::fs::create_dir_all(&faces_dir)
        .with_context(|| format!("cannot create {}", faces_dir.display()))?;
    let thumb = format!("faces/{}.png", photo.sha256);
    seen.aligned
        .save(data.join(&thumb))
        .with_context(|| format!("cannot write the face thumbnail {thumb} (is the disk full?)"))?;
    store.add_face_embedding(NewFaceEmbedding {
        person_id: photo.person_id,
        model: model.to_owned(),
        vector: seen.embedding.to_vec(),
        thumbnail: Some(thumb),
        photo_id: Some(photo.id),
    })?;
    Ok(())
}
