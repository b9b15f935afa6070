//! Face embeddings: aligned 112×112 faces in, L2-normalised 192-d vectors out, compared by
//! cosine similarity. Faces are run in batches, one model run per chunk of [`BATCH`].

use image::RgbImage;
use ndarray::Axis;

use super::align::FACE_SIZE;
use super::image_ops;
use super::manifest::{Manifest, Role};
use super::runtime::{Model, ModelError, Runtime};

/// Length of an embedding.
pub const EMBEDDING_DIM: usize = 192;

/// One face's embedding, L2-normalised.
pub type Embedding = [f32; EMBEDDING_DIM];

/// Most faces fed to the model in one run; more are split into several runs.
pub const BATCH: usize = 16;

/// The face embedding model (role `face_embed`).
#[derive(Debug)]
pub struct FaceEmbedder {
    model: Model,
}

impl FaceEmbedder {
    /// Loads the `face_embed` model of the pack with `threads` threads per run.
    pub fn load(
        runtime: &Runtime,
        manifest: &Manifest,
        threads: usize,
    ) -> Result<FaceEmbedder, ModelError> {
        FaceEmbedder::new(Model::load(runtime, manifest, Role::FaceEmbed, threads)?)
    }

    /// Wraps a loaded model, checking that its manifest entry is a face embedder taking
    /// 112×112 faces and giving [`EMBEDDING_DIM`] numbers per face.
    pub fn new(model: Model) -> Result<FaceEmbedder, ModelError> {
        let entry = model.entry();
        let mismatch = |detail: String| ModelError::Mismatch {
            path: model.path().to_path_buf(),
            detail,
        };
        if entry.role != Role::FaceEmbed {
            return Err(mismatch(format!(
                "a face embedder is needed, this model is for {}",
                entry.role
            )));
        }
        if entry.input.fixed_size() != (Some(FACE_SIZE), Some(FACE_SIZE)) {
            return Err(mismatch(format!(
                "the face embedder must take {FACE_SIZE}×{FACE_SIZE} faces; the manifest gives the input shape {:?}",
                entry.input.shape
            )));
        }
        let dim = entry.outputs.first().and_then(|o| o.shape.last().copied());
        if dim != Some(EMBEDDING_DIM as i64) {
            return Err(mismatch(format!(
                "the face embedder must give {EMBEDDING_DIM} numbers per face; the manifest gives {dim:?}"
            )));
        }
        Ok(FaceEmbedder { model })
    }

    /// The model behind this embedder.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Embeds faces aligned by [`super::align::align_face`] (112×112), in the order given.
    /// Each embedding has unit length.
    pub fn embed(&mut self, faces: &[RgbImage]) -> Result<Vec<Embedding>, ModelError> {
        let mut all = Vec::with_capacity(faces.len());
        for chunk in faces.chunks(BATCH) {
            all.extend(self.embed_batch(chunk)?);
        }
        Ok(all)
    }

    /// Embeds one face.
    pub fn embed_one(&mut self, face: &RgbImage) -> Result<Embedding, ModelError> {
        self.embed_batch(std::slice::from_ref(face))?
            .pop()
            .ok_or_else(|| self.run_err("no embedding came back".to_owned()))
    }

    fn run_err(&self, reason: String) -> ModelError {
        ModelError::Run {
            file: self.model.entry().file.clone(),
            reason,
        }
    }

    /// One model run over up to [`BATCH`] faces.
    fn embed_batch(&mut self, faces: &[RgbImage]) -> Result<Vec<Embedding>, ModelError> {
        if faces.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(face) = faces
            .iter()
            .find(|f| f.dimensions() != (FACE_SIZE, FACE_SIZE))
        {
            return Err(self.run_err(format!(
                "a face must be aligned to {FACE_SIZE}×{FACE_SIZE} first, got {}×{}",
                face.width(),
                face.height()
            )));
        }
        let refs: Vec<&RgbImage> = faces.iter().collect();
        let tensor = image_ops::to_tensor(&refs, &self.model.entry().input)
            .map_err(|e| self.run_err(e.to_string()))?;
        let outputs = self.model.run(&tensor)?;
        let out = outputs
            .into_iter()
            .next()
            .ok_or_else(|| self.run_err("no output".to_owned()))?;
        if out.shape() != [faces.len(), EMBEDDING_DIM] {
            return Err(self.run_err(format!(
                "expected embeddings of shape [{}, {EMBEDDING_DIM}], got {:?}",
                faces.len(),
                out.shape()
            )));
        }
        out.axis_iter(Axis(0))
            .map(|row| {
                let mut e = [0.0f32; EMBEDDING_DIM];
                for (dst, src) in e.iter_mut().zip(row.iter()) {
                    *dst = *src;
                }
                if normalise(&mut e) {
                    Ok(e)
                } else {
                    Err(self
                        .run_err("the embedding has no length (all zero or not finite)".to_owned()))
                }
            })
            .collect()
    }
}

/// Scales `v` to unit length; false (and `v` untouched) when it has none.
pub fn normalise(v: &mut [f32]) -> bool {
    let norm = v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    if !(norm.is_finite() && norm > 0.0) {
        return false;
    }
    for x in v.iter_mut() {
        *x = (f64::from(*x) / norm) as f32;
    }
    true
}

/// Cosine similarity of two vectors of equal length, −1..=1; 0 when either has no length. For
/// embeddings (already unit length) this is their dot product.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    let denom = (na * nb).sqrt();
    if denom > 0.0 && denom.is_finite() {
        (dot / denom).clamp(-1.0, 1.0) as f32
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_parallel_opposite_and_orthogonal_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert!((cosine(&[1.0, 2.0], &[-1.0, -2.0]) + 1.0).abs() < 1e-6);
        assert!(cosine(&[1.0, 0.0], &[0.0, 3.0]).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
    }

    #[test]
    fn normalise_gives_unit_length_and_refuses_zero() {
        let mut v = [3.0, 4.0];
        assert!(normalise(&mut v));
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        let mut z = [0.0, 0.0];
        assert!(!normalise(&mut z));
        let mut n = [f32::NAN, 1.0];
        assert!(!normalise(&mut n));
    }
}
