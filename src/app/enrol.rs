//! Enrolling a face from a photo, as `gateward enroll`, `gateward import` and the manager's photo
//! upload all do it: the photo decoded within `[images]`'s limits, the face models, the
//! enrolment quality gate, and the stored face (its crop and embedding); and the person added
//! when an enrolment names someone new.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use image::RgbImage;

use super::gallery::load_gallery;
use crate::config::{Config, Vision};
use crate::domain::{PersonClass, PersonStatus};
use crate::recognize::gallery::{Match, MatchParams};
use crate::store::{NewFaceEmbedding, NewPerson, Photo, Store, StoreError};
use crate::vision::decode::{self, DecodeError, ImageLimits};
use crate::vision::face_embed::Embedding;
use crate::vision::face_quality::{self, QualityLimits, Rejection};
use crate::vision::faces::{FaceChain, SeenFace};
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

/// Why a photo's face is not enrolled, in words for the person enrolling (Chinese, then English).
/// The photo itself is named by whoever shows the reason.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The photo cannot be used: not a photo, damaged or cut short, too large.
    #[error("{}", .0.problem)]
    Photo(DecodeError),
    #[error("没有找到人脸 — no face found")]
    NoFace,
    /// The largest face fails the enrolment quality gate.
    #[error("{}", join(.0))]
    Quality(Vec<Rejection>),
}

impl Refusal {
    /// Whether another photo of the same person would do better: the face, not the file, is
    /// what is wrong.
    pub fn is_about_the_face(&self) -> bool {
        !matches!(self, Refusal::Photo(_))
    }
}

fn join(problems: &[Rejection]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
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
    /// How large an uploaded photo may be.
    images: ImageLimits,
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
            images: config.images,
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

    /// The face to enrol from an uploaded photo, with the face model's key. The photo's header
    /// is checked first, before the models are loaded or waited for: a photo that is not one,
    /// or too large, is refused at once. It is decoded with the models held, so one upload at a
    /// time keeps its pixels in memory. Blocks: call it off the async threads.
    pub fn enrolment_face(
        &self,
        bytes: &[u8],
        what: &str,
    ) -> Result<Result<(String, SeenFace), Refusal>, EnrollerError> {
        if let Err(e) = decode::probe(bytes, what, &self.images) {
            return Ok(Err(Refusal::Photo(e)));
        }
        self.with_chain(|chain| {
            let img = match decode::decode(bytes, what, &self.images) {
                Ok(img) => img,
                Err(e) => return Ok(Err(Refusal::Photo(e))),
            };
            let seen = enrolment_face_in(chain, &img)?;
            Ok(seen.map(|seen| (chain.model_key().to_owned(), seen)))
        })
    }
}

/// The face detector and embedder, as `enroll` and the manager's photo upload load them.
pub fn load_face_chain(
    onnxruntime: Option<&Path>,
    models: &Path,
    vision: &Vision,
) -> Result<FaceChain, LoadError> {
    let runtime = Runtime::init(onnxruntime)?;
    let manifest = Manifest::load_with(models, vision.precision)?;
    Ok(FaceChain::load(
        &runtime,
        &manifest,
        vision.threads,
        vision.face_detect(),
    )?)
}

/// The face to enrol from a photo file, decoded within `images`: its largest face, when it
/// passes the enrolment quality gate; otherwise why not.
pub fn enrolment_face(
    chain: &mut FaceChain,
    path: &Path,
    images: &ImageLimits,
) -> Result<Result<SeenFace, Refusal>, ModelError> {
    match decode::open(path, images) {
        Ok(img) => enrolment_face_in(chain, &img),
        Err(e) => Ok(Err(Refusal::Photo(e))),
    }
}

/// [`enrolment_face`] of a photo already decoded.
pub fn enrolment_face_in(
    chain: &mut FaceChain,
    img: &RgbImage,
) -> Result<Result<SeenFace, Refusal>, ModelError> {
    let Some(best) = chain.faces(img)?.into_iter().next() else {
        return Ok(Err(Refusal::NoFace));
    };
    let q = face_quality::assess(&best.face, &best.aligned, img.dimensions());
    Ok(
        match face_quality::check(&q, &QualityLimits::for_enrolment()) {
            Ok(()) => Ok(best),
            Err(problems) => Err(Refusal::Quality(problems)),
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
