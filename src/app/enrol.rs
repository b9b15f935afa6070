//! Enrolling a face from a photo, as `gateward enroll`, `gateward import` and the manager's photo
//! upload all do it: the face models, the enrolment quality gate, and the stored face (its
//! crop and embedding); and the person added when an enrolment names someone new.

use std::path::{Path, PathBuf};

use image::RgbImage;

use crate::config::Vision;
use crate::domain::{PersonClass, PersonStatus};
use crate::store::{NewFaceEmbedding, NewPerson, Photo, Store, StoreError};
use crate::vision::face_quality::{self, QualityLimits};
use crate::vision::faces::{FaceChain, SeenFace};
use crate::vision::image_ops;
use crate::vision::manifest::{Manifest, ManifestError};
use crate::vision::runtime::{ModelError, Runtime, RuntimeError};

/// Why the face models could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Why an accepted face could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("cannot create {}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the face thumbnail {thumbnail} (is the disk full?)")]
    Thumbnail {
        thumbnail: String,
        #[source]
        source: image::ImageError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The face detector and embedder, as `enroll` and the manager's photo upload load them.
pub fn load_face_chain(
    onnxruntime: Option<&Path>,
    models: &Path,
    vision: &Vision,
) -> Result<FaceChain, LoadError> {
    let runtime = Runtime::init(onnxruntime)?;
    let manifest = Manifest::load(models)?;
    Ok(FaceChain::load(
        &runtime,
        &manifest,
        vision.threads,
        vision.face_detect(),
    )?)
}

/// The face to enrol from a photo file: its largest face, when it passes the enrolment quality
/// gate; otherwise why not, in words for the person enrolling (Chinese, then English).
pub fn enrolment_face(
    chain: &mut FaceChain,
    path: &Path,
) -> Result<Result<SeenFace, String>, ModelError> {
    match image_ops::open(path) {
        Ok(img) => enrolment_face_in(chain, &img),
        Err(e) => Ok(Err(e.to_string())),
    }
}

/// [`enrolment_face`] of a photo already decoded (an upload on the manager's pages).
pub fn enrolment_face_in(
    chain: &mut FaceChain,
    img: &RgbImage,
) -> Result<Result<SeenFace, String>, ModelError> {
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
) -> Result<(), SaveError> {
    let faces_dir = data.join("faces");
    std::fs::create_dir_all(&faces_dir).map_err(|source| SaveError::CreateDir {
        dir: faces_dir.clone(),
        source,
    })?;
    let thumb = format!("faces/{}.png", photo.sha256);
    if let Err(source) = seen.aligned.save(data.join(&thumb)) {
        return Err(SaveError::Thumbnail {
            thumbnail: thumb,
            source,
        });
    }
    store.add_face_embedding(NewFaceEmbedding {
        person_id: photo.person_id,
        model: model.to_owned(),
        vector: seen.embedding.to_vec(),
        thumbnail: Some(thumb),
        photo_id: Some(photo.id),
    })?;
    Ok(())
}

/// A person to add as `enroll` adds one (and the manager's 添加人员 form): former staff have
/// always left.
pub fn new_person(
    name: &str,
    class: PersonClass,
    title: Option<&str>,
    household: Option<&str>,
) -> NewPerson {
    let mut p = NewPerson::new(name, class);
    p.title = title.unwrap_or_default().to_owned();
    p.household = household.map(str::to_owned);
    if class == PersonClass::FormerStaff {
        p.status = PersonStatus::Left;
    }
    p
}
