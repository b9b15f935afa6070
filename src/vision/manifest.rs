//! The model pack's manifest (`models/manifest.toml`): which file plays which role, its sha256,
//! where it came from, and how its input is laid out and normalised.
//!
//! The manifest is written by `tools/models/build`; the binary refuses any model file whose
//! bytes differ from the manifest, so a corrupted download or a swapped file is caught before
//! it can give wrong answers at the gate.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The manifest's file name inside the models folder.
pub const MANIFEST_FILE: &str = "manifest.toml";

/// The manifest schema this binary understands.
pub const SCHEMA: u32 = 1;

/// The hint appended to every error about a model file.
const FIX: &str = "restore the pack (in a checkout: `git checkout -- models/`) or rebuild it with `tools/models/build`";

/// What a model does in the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Face boxes and 5 landmarks.
    FaceDetect,
    /// Face embedding from an aligned 112×112 crop.
    FaceEmbed,
    /// Plate boxes and 4 corners.
    PlateDetect,
    /// Plate characters (CTC).
    PlateRead,
    /// General Chinese text (CTC), voted with the plate reader.
    TextRead,
    /// Cars, trucks and buses.
    VehicleDetect,
}

impl Role {
    /// Every role, in pipeline order.
    pub const ALL: [Role; 6] = [
        Role::FaceDetect,
        Role::FaceEmbed,
        Role::PlateDetect,
        Role::PlateRead,
        Role::TextRead,
        Role::VehicleDetect,
    ];

    /// The manifest's spelling of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::FaceDetect => "face_detect",
            Role::FaceEmbed => "face_embed",
            Role::PlateDetect => "plate_detect",
            Role::PlateRead => "plate_read",
            Role::TextRead => "text_read",
            Role::VehicleDetect => "vehicle_detect",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Memory layout of an image tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Layout {
    /// batch, channel, height, width
    #[serde(rename = "NCHW")]
    Nchw,
    /// batch, height, width, channel
    #[serde(rename = "NHWC")]
    Nhwc,
}

/// Channel order a model expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Colour {
    #[serde(rename = "RGB")]
    Rgb,
    #[serde(rename = "BGR")]
    Bgr,
}

/// The image input of a model: tensor value = (pixel − mean) / std, pixel in 0..=255, channels
/// in `colour` order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    pub name: String,
    /// −1 marks a dynamic dimension.
    pub shape: Vec<i64>,
    pub layout: Layout,
    pub colour: Colour,
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

impl InputSpec {
    /// Fixed (height, width) of the image, or `None` for a dimension left dynamic.
    pub fn fixed_size(&self) -> (Option<u32>, Option<u32>) {
        let (h, w) = match self.layout {
            Layout::Nchw => (2, 3),
            Layout::Nhwc => (1, 2),
        };
        let dim = |i: usize| {
            self.shape
                .get(i)
                .copied()
                .filter(|&d| d > 0)
                .and_then(|d| u32::try_from(d).ok())
        };
        (dim(h), dim(w))
    }
}

/// One output of a model and how to read it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    pub name: String,
    pub shape: Vec<i64>,
    pub decode: String,
}

/// Which version of each model to run: its INT8 file where the pack has one (made by
/// `tools/models/quantize` and listed only when it held the FP32 model's accuracy), or always
/// the FP32 file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// The INT8 file of each model that has one, the FP32 file of the others.
    #[default]
    Int8,
    /// The FP32 file of every model.
    Fp32,
}

impl Precision {
    /// The config's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Int8 => "int8",
            Precision::Fp32 => "fp32",
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A model's INT8 version (`[model.int8]`): a statically quantised copy of the FP32 file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Int8Entry {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    /// The sha256 of the FP32 file it was made from.
    pub from_sha256: String,
    /// How it was made from the FP32 file (tool and version, format, options).
    pub conversion: String,
    /// What it was calibrated on.
    pub calibration: String,
    /// What was measured against the FP32 model.
    pub verified: String,
}

/// One model of the pack.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    #[serde(rename = "id")]
    pub role: Role,
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub licence: String,
    pub source: String,
    pub source_path: String,
    pub source_sha256: String,
    pub conversion: String,
    pub verified: String,
    #[serde(default)]
    pub assets: Vec<String>,
    pub input: InputSpec,
    #[serde(rename = "output")]
    pub outputs: Vec<OutputSpec>,
    /// The INT8 version, when the pack has one.
    #[serde(default)]
    pub int8: Option<Int8Entry>,
    /// The precision of `file`: after [`Manifest::with_precision`] chose the INT8 version,
    /// `file`, `sha256` and `bytes` are the INT8 file's.
    #[serde(skip)]
    pub precision: ChosenPrecision,
}

/// The precision of the file a [`ModelEntry`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChosenPrecision {
    #[default]
    Fp32,
    Int8,
}

impl ChosenPrecision {
    pub fn as_str(self) -> &'static str {
        match self {
            ChosenPrecision::Fp32 => "fp32",
            ChosenPrecision::Int8 => "int8",
        }
    }
}

impl ModelEntry {
    /// The entry naming its INT8 file (`file`, `sha256`, `bytes`), when it has one.
    fn int8_chosen(&self) -> Option<ModelEntry> {
        let q = self.int8.as_ref()?;
        Some(ModelEntry {
            file: q.file.clone(),
            sha256: q.sha256.clone(),
            bytes: q.bytes,
            precision: ChosenPrecision::Int8,
            ..self.clone()
        })
    }
}

/// A file a model needs besides its ONNX graph (e.g. a character dictionary).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetEntry {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub licence: String,
    pub source: String,
    pub source_path: String,
    pub source_sha256: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    schema: u32,
    #[serde(rename = "model")]
    models: Vec<ModelEntry>,
    #[serde(rename = "asset", default)]
    assets: Vec<AssetEntry>,
}

/// What is wrong with the model pack.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error(
        "the model pack manifest {path} is missing; point --models (or [paths] models in gateward.toml) at the folder holding manifest.toml"
    )]
    Missing { path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the model pack manifest {path} is not valid: {message}; {FIX}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "the model pack manifest {path} has schema {found}, this gateward reads schema {SCHEMA}; use the models/ folder of the same gateward version"
    )]
    Schema { path: PathBuf, found: u32 },
    #[error("the model pack manifest {path} has no {role} model; {FIX}")]
    NoRole { path: PathBuf, role: Role },
    #[error(
        "the model pack manifest {path} names the file {file} without an [[asset]] entry for it; {FIX}"
    )]
    UnlistedAsset { path: PathBuf, file: String },
    #[error("the model file {path} is missing; {FIX}")]
    FileMissing { path: PathBuf },
    #[error(
        "the model file {path} is damaged or was replaced: its sha256 is {actual:.12}…, the manifest says {expected:.12}…; {FIX}"
    )]
    Changed {
        path: PathBuf,
        expected: String,
        actual: String,
    },
}

/// The parsed manifest, with the folder it describes.
#[derive(Debug, Clone)]
pub struct Manifest {
    dir: PathBuf,
    models: Vec<ModelEntry>,
    assets: Vec<AssetEntry>,
    fp32: Vec<ModelEntry>,
}

impl Manifest {
    /// Reads `manifest.toml` from the models folder and chooses `precision`'s file for each
    /// model (`[vision] precision`).
    pub fn load_with(dir: &Path, precision: Precision) -> Result<Manifest, ManifestError> {
        Ok(Manifest::load(dir)?.with_precision(precision))
    }

    /// The same pack with `precision`'s file chosen for each model: with [`Precision::Int8`]
    /// the INT8 file of every model that has one, with [`Precision::Fp32`] every FP32 file.
    pub fn with_precision(mut self, precision: Precision) -> Manifest {
        self.models = self
            .fp32
            .iter()
            .map(|m| match precision {
                Precision::Int8 => m.int8_chosen().unwrap_or_else(|| m.clone()),
                Precision::Fp32 => m.clone(),
            })
            .collect();
        self
    }

    /// Reads `manifest.toml` from the models folder, choosing the INT8 file of each model that
    /// has one (the default precision). Files are not hashed here; see
    /// [`Manifest::verify_model`].
    pub fn load(dir: &Path) -> Result<Manifest, ManifestError> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                ManifestError::Missing { path: path.clone() }
            } else {
                ManifestError::Read {
                    path: path.clone(),
                    source,
                }
            }
        })?;
        let file: ManifestFile = toml::from_str(&text).map_err(|e| ManifestError::Parse {
            path: path.clone(),
            message: e
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        })?;
        if file.schema != SCHEMA {
            return Err(ManifestError::Schema {
                path,
                found: file.schema,
            });
        }
        Ok(Manifest {
            dir: dir.to_path_buf(),
            models: Vec::new(),
            assets: file.assets,
            fp32: file.models,
        }
        .with_precision(Precision::default()))
    }

    /// The folder the manifest describes.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every model entry, in file order, each naming the file chosen by the precision.
    pub fn models(&self) -> &[ModelEntry] {
        &self.models
    }

    /// The entry for a role.
    pub fn model(&self, role: Role) -> Result<&ModelEntry, ManifestError> {
        self.models
            .iter()
            .find(|m| m.role == role)
            .ok_or_else(|| ManifestError::NoRole {
                path: self.dir.join(MANIFEST_FILE),
                role,
            })
    }

    /// Full path of a file of the pack.
    pub fn path_of(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// Checks the model file and each of its assets against their sha256; returns the model's
    /// path.
    pub fn verify_model(&self, entry: &ModelEntry) -> Result<PathBuf, ManifestError> {
        let path = self.path_of(&entry.file);
        verify_file(&path, &entry.sha256)?;
        for asset in &entry.assets {
            let listed = self
                .assets
                .iter()
                .find(|a| &a.file == asset)
                .ok_or_else(|| ManifestError::UnlistedAsset {
                    path: self.dir.join(MANIFEST_FILE),
                    file: asset.clone(),
                })?;
            verify_file(&self.path_of(asset), &listed.sha256)?;
        }
        Ok(path)
    }
}

/// Hashes a file and compares it with the expected hex sha256.
pub fn verify_file(path: &Path, expected: &str) -> Result<(), ManifestError> {
    let actual = sha256_file(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ManifestError::FileMissing {
                path: path.to_path_buf(),
            }
        } else {
            ManifestError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    if actual.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(ManifestError::Changed {
            path: path.to_path_buf(),
            expected: expected.to_owned(),
            actual,
        })
    }
}

/// Lower-case hex sha256 of a file's bytes.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = r#"
schema = 1
[[model]]
id = "face_embed"
file = "m.onnx"
sha256 = "SHA"
bytes = 5
licence = "MIT"
source = "test"
source_path = "m"
source_sha256 = "x"
conversion = "none"
verified = "none"
[model.input]
name = "in"
shape = [-1, 112, 112, 3]
layout = "NHWC"
colour = "RGB"
mean = [127.5, 127.5, 127.5]
std = [128.0, 128.0, 128.0]
[[model.output]]
name = "out"
shape = [-1, 192]
decode = "embedding"
"#;

    fn pack(bytes: &[u8]) -> (tempfile::TempDir, Manifest) {
        let dir = tempfile::tempdir().unwrap();
        let good = hex::encode(Sha256::digest(b"hello"));
        std::fs::write(dir.path().join(MANIFEST_FILE), ENTRY.replace("SHA", &good)).unwrap();
        std::fs::write(dir.path().join("m.onnx"), bytes).unwrap();
        let m = Manifest::load(dir.path()).unwrap();
        (dir, m)
    }

    #[test]
    fn a_file_matching_its_sha256_is_accepted() {
        let (_d, m) = pack(b"hello");
        let e = m.model(Role::FaceEmbed).unwrap();
        assert!(m.verify_model(e).is_ok());
        assert_eq!(e.input.fixed_size(), (Some(112), Some(112)));
    }

    #[test]
    fn a_changed_file_is_refused_with_its_name_and_the_fix() {
        let (_d, m) = pack(b"hellO");
        let e = m.model(Role::FaceEmbed).unwrap();
        let err = m.verify_model(e).unwrap_err().to_string();
        assert!(err.contains("m.onnx"), "{err}");
        assert!(err.contains("tools/models/build"), "{err}");
    }

    #[test]
    fn a_missing_role_is_named() {
        let (_d, m) = pack(b"hello");
        let err = m.model(Role::PlateRead).unwrap_err().to_string();
        assert!(err.contains("plate_read"), "{err}");
    }

    #[test]
    fn the_int8_file_is_chosen_where_there_is_one_and_fp32_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let fp = hex::encode(Sha256::digest(b"hello"));
        let q = hex::encode(Sha256::digest(b"small"));
        let text = ENTRY.replace("SHA", &fp)
            + &format!(
                "[model.int8]\nfile = \"m.int8.onnx\"\nsha256 = \"{q}\"\nbytes = 5\nfrom_sha256 = \"f\"\nconversion = \"q\"\ncalibration = \"c\"\nverified = \"v\"\n"
            );
        std::fs::write(dir.path().join(MANIFEST_FILE), text).unwrap();
        std::fs::write(dir.path().join("m.onnx"), b"hello").unwrap();
        std::fs::write(dir.path().join("m.int8.onnx"), b"small").unwrap();
        let m = Manifest::load(dir.path()).unwrap();
        let e = m.model(Role::FaceEmbed).unwrap();
        assert_eq!(
            (e.file.as_str(), e.precision),
            ("m.int8.onnx", ChosenPrecision::Int8)
        );
        assert!(m.verify_model(e).is_ok());
        let m = m.with_precision(Precision::Fp32);
        let e = m.model(Role::FaceEmbed).unwrap();
        assert_eq!(
            (e.file.as_str(), e.precision),
            ("m.onnx", ChosenPrecision::Fp32)
        );
        assert!(m.verify_model(e).is_ok());
        // a model without an INT8 file keeps its FP32 file under either precision
        let (_d, m) = pack(b"hello");
        let e = m.model(Role::FaceEmbed).unwrap();
        assert_eq!(e.precision, ChosenPrecision::Fp32);
        // a damaged INT8 file is refused by name
        std::fs::write(dir.path().join("m.int8.onnx"), b"smalL").unwrap();
        let m = Manifest::load_with(dir.path(), Precision::Int8).unwrap();
        let err = m
            .verify_model(m.model(Role::FaceEmbed).unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("m.int8.onnx"), "{err}");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(MANIFEST_FILE),
            ENTRY.replace("schema = 1", "schema = 2"),
        )
        .unwrap();
        assert!(matches!(
            Manifest::load(dir.path()),
            Err(ManifestError::Schema { found: 2, .. })
        ));
    }
}
