//! Enrolling a face from a photo, as `gateward enroll`, `gateward import` and the manager's photo
//! upload all do it: the face models, the enrolment quality gate, and the stored face (its
//! crop and embedding); and the person added when an enrolment names someone new.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use image::RgbImage;

use super::gallery::load_gallery;
use crate::config::{Config, Vision};
use crate::domain::{PersonClass, PersonStatus};
use crate::recognize::gallery::{Match, MatchParams};
use crate::store::{NewFaceEmbedding, NewPerson, Photo, Store, StoreError};
use crate::vision::face_embed::Embedding;
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

/// Why a face could not be looked at by the [`Enroller`]'s models.
#[derive(Debug, thiserror::Error)]
pub enum EnrollerError {
    /// The models could not be loaded (tried again at the next use).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A model failed on the photo.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The face models that enrol uploaded photos: what the config says to load them from, and the
/// chain once loaded (the first use loads it; a failed load is tried again next time). One use
/// at a time; blocking.
pub struct Enroller {
    onnxruntime: Option<PathBuf>,
    models: PathBuf,
    vision: Vision,
    /// When a face is someone's: what an enrolment checks a new face against.
    matching: MatchParams,
    chain: Mutex<Option<FaceChain>>,
}

impl Enroller {
    /// Nothing is loaded yet.
    pub fn new(config: &Config) -> Enroller {
        Enroller {
            onnxruntime: config.paths.onnxruntime.clone(),
            models: config.paths.models.clone(),
            vision: config.vision.clone(),
            matching: config.recognition.match_params(),
            chain: Mutex::new(None),
        }
    }

    /// The match parameters of the config (its face threshold and margin).
    pub fn matching(&self) -> MatchParams {
        self.matching
    }

    /// Runs `work` with the face chain, loading it first when needed. Blocks: call it off the
    /// async threads.
    pub fn with_chain<T>(
        &self,
        work: impl FnOnce(&mut FaceChain) -> Result<T, ModelError>,
    ) -> Result<T, EnrollerError> {
        let mut slot = self.chain.lock().unwrap_or_else(PoisonError::into_inner);
        let chain = match &mut *slot {
            Some(chain) => chain,
            empty => empty.insert(load_face_chain(
                self.onnxruntime.as_deref(),
                &self.models,
                &self.vision,
            )?),
        };
        Ok(work(chain)?)
    }
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

/// Someone other than `person` whom the gallery would take `embedding` for, with the
/// similarity, when it is at least the match threshold: a face about to be enrolled for
/// `person` that the gate would name as someone else (the wrong photo, or two records of one
/// person). Looks at the enrolled faces of `model` and the guards' corrections.
pub fn lookalike(
    store: &Store,
    model: &str,
    person: i64,
    embedding: &Embedding,
    params: &MatchParams,
) -> Result<Option<(i64, f32)>, StoreError> {
    let mut gallery = load_gallery(store, model)?;
    gallery.remove_person(person);
    Ok(match gallery.search(embedding, params) {
        Match::Known {
            person, similarity, ..
        } => Some((person, similarity)),
        Match::Unknown {
            best: Some((other, similarity)),
            ..
        } if similarity >= params.threshold => Some((other, similarity)),
        Match::Unknown { .. } => None,
    })
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
