//! The face chain in one place: detect every face, align each on its 5 landmarks, embed the
//! aligned faces in one batch. Used by the live pipeline (`pipeline::watch`), `analyze`, the
//! enrolment (`import`, the records pages) and the benches.

use image::RgbImage;

use super::align::align_face;
use super::crop::{self, Crop};
use super::face_detect::{Face, FaceDetectConfig, FaceDetector};
use super::face_embed::{Embedding, FaceEmbedder};
use super::manifest::{Manifest, Role};
use super::runtime::{ModelError, Runtime};

/// One face found in an image.
#[derive(Debug, Clone)]
pub struct SeenFace {
    pub face: Face,
    /// The 112×112 crop aligned on the landmarks (what was embedded; kept as the thumbnail).
    pub aligned: RgbImage,
    /// L2-normalised.
    pub embedding: Embedding,
}

/// The detector and the embedder, loaded once.
#[derive(Debug)]
pub struct FaceChain {
    detector: FaceDetector,
    embedder: FaceEmbedder,
    /// Names the embeddings' model in the records (file and sha256), so embeddings made by
    /// another model are never compared with these.
    model_key: String,
}

impl FaceChain {
    /// Loads both models of the pack.
    pub fn load(
        runtime: &Runtime,
        manifest: &Manifest,
        threads: usize,
        detect: FaceDetectConfig,
    ) -> Result<FaceChain, ModelError> {
        let entry = manifest.model(Role::FaceEmbed)?;
        let model_key = format!(
            "{}@{}",
            entry.file,
            entry.sha256.get(..12).unwrap_or(&entry.sha256)
        );
        Ok(FaceChain {
            detector: FaceDetector::load(runtime, manifest, threads, detect)?,
            embedder: FaceEmbedder::load(runtime, manifest, threads)?,
            model_key,
        })
    }

    /// The key stored with every embedding this chain makes.
    pub fn model_key(&self) -> &str {
        &self.model_key
    }

    /// Every face of the image, largest first, aligned and embedded.
    pub fn faces(&mut self, img: &RgbImage) -> Result<Vec<SeenFace>, ModelError> {
        let faces = self.detector.detect(img)?;
        self.embed(img, faces)
    }

    /// The faces found in the crops of `img` (each looked at on its own, at its own scale),
    /// in the image's pixels, largest first, aligned on the image itself and embedded. A face
    /// two crops share is kept once (the better-scored).
    pub fn faces_in(
        &mut self,
        img: &RgbImage,
        crops: &[Crop],
    ) -> Result<Vec<SeenFace>, ModelError> {
        let iou = self.detector.config().nms_iou;
        let detector = &mut self.detector;
        let faces = crop::find_in(crops, iou, |c| {
            let part = c.cut(img).map_err(|e| detector.run_err(e))?;
            detector.detect(&part)
        })?;
        self.embed(img, faces)
    }

    /// Aligns `faces` (found in `img`) and embeds them in one batch, largest first.
    fn embed(&mut self, img: &RgbImage, mut faces: Vec<Face>) -> Result<Vec<SeenFace>, ModelError> {
        faces.sort_by(|a, b| b.width().total_cmp(&a.width()));
        let aligned: Vec<RgbImage> = faces
            .iter()
            .map(|f| align_face(img, &f.landmarks))
            .collect();
        let embeddings = self.embedder.embed(&aligned)?;
        Ok(faces
            .into_iter()
            .zip(aligned)
            .zip(embeddings)
            .map(|((face, aligned), embedding)| SeenFace {
                face,
                aligned,
                embedding,
            })
            .collect())
    }
}
