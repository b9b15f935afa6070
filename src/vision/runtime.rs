//! The ONNX Runtime environment and model sessions: loads the shared library with clear errors,
//! checks each model file against the manifest before ONNX Runtime sees it, and runs sessions.

use std::path::{Path, PathBuf};

use ndarray::{Array4, ArrayD};
use ort::session::Session;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::value::TensorRef;

use super::ctc::Charset;
use super::manifest::{Manifest, ManifestError, ModelEntry, Role};

/// The ONNX Runtime version `scripts/setup` installs.
pub const ORT_VERSION: &str = "1.31.1";

/// Why ONNX Runtime could not be started.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(
        "ONNX Runtime is not installed: {path} does not exist; run scripts/setup (it puts onnxruntime {ORT_VERSION} in .ort/)"
    )]
    Missing { path: PathBuf },
    #[error(
        "ONNX Runtime at {path} could not be loaded ({reason}); run scripts/setup to reinstall it"
    )]
    Load { path: PathBuf, reason: String },
    #[error(
        "ONNX Runtime at {path} is version {found}, gateward needs 1.31 or newer; run scripts/setup to install {ORT_VERSION}"
    )]
    TooOld { path: PathBuf, found: String },
    #[error("ONNX Runtime could not start: {0}")]
    Environment(String),
}

/// Why a model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(
        "ONNX Runtime could not load the model {path}: {reason}; restore the pack (in a checkout: `git checkout -- models/`) or rebuild it with `tools/models/build`"
    )]
    Load { path: PathBuf, reason: String },
    #[error("the model {path} does not match its manifest entry: {detail}")]
    Mismatch { path: PathBuf, detail: String },
    #[error("the model {file} failed: {reason}")]
    Run { file: String, reason: String },
}

/// A loaded ONNX Runtime. ONNX Runtime allows one environment per process, so every
/// [`Runtime::init`] after the first gives a handle to the same one.
#[derive(Debug, Clone)]
pub struct Runtime {
    library: PathBuf,
    environment: ort::environment::Environment,
}

impl Runtime {
    /// Loads the shared library and starts the ONNX Runtime environment. `library` is the path
    /// from the config; `None` means [`default_library`].
    pub fn init(library: Option<&Path>) -> Result<Runtime, RuntimeError> {
        static LOADED: std::sync::Mutex<Option<Runtime>> = std::sync::Mutex::new(None);
        let library = library.map_or_else(default_library, Path::to_path_buf);
        let mut loaded = LOADED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = loaded.as_ref() {
            if r.library == library {
                return Ok(r.clone());
            }
            return Err(RuntimeError::Environment(format!(
                "ONNX Runtime {} is already loaded in this process; cannot load {} too",
                r.library.display(),
                library.display()
            )));
        }
        let runtime = Runtime::load(library)?;
        *loaded = Some(runtime.clone());
        Ok(runtime)
    }

    fn load(library: PathBuf) -> Result<Runtime, RuntimeError> {
        if !library.exists() {
            return Err(RuntimeError::Missing { path: library });
        }
        let builder = ort::init_from(&library).map_err(|e| match e {
            ort::LoadDynamicError::BadVersion { version_str, path } => RuntimeError::TooOld {
                path,
                found: version_str,
            },
            other => RuntimeError::Load {
                path: library.clone(),
                reason: one_line(&other.to_string()),
            },
        })?;
        // Telemetry off: nothing about the gate leaves the box.
        let environment = builder
            .with_name("gateward")
            .with_telemetry(false)
            .build()
            .map_err(|e| RuntimeError::Environment(e.to_string()))?;
        tracing::info!(library = %library.display(), "ONNX Runtime loaded");
        Ok(Runtime {
            library,
            environment,
        })
    }

    /// The shared library in use.
    pub fn library(&self) -> &Path {
        &self.library
    }

    /// The version, as the library's file name gives it (`libonnxruntime.so.1.31.1`); the
    /// loader has already refused anything older than 1.31.
    pub fn version(&self) -> String {
        self.library
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("libonnxruntime.so."))
            .filter(|v| !v.is_empty())
            .unwrap_or("1.31 or newer")
            .to_owned()
    }
}

/// Where ONNX Runtime is looked for when the config does not say: `$ORT_DYLIB_PATH`, else the
/// `.ort/` folder of the checkout this binary was built in (set by `.cargo/config.toml`), else
/// beside the executable.
pub fn default_library() -> PathBuf {
    let file = format!("libonnxruntime.so.{ORT_VERSION}");
    std::env::var_os("ORT_DYLIB_PATH")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| option_env!("ORT_DYLIB_PATH").map(PathBuf::from))
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|dir| dir.join(&file)))
        })
        .unwrap_or_else(|| PathBuf::from(file))
}

/// How much ONNX Runtime optimises a graph before running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptLevel {
    /// Constant folding, redundant nodes removed, simple fusions.
    Basic,
    /// Also the complex fusions (e.g. GELU, attention, Conv+activation).
    Extended,
    /// Also the layout optimisations (NCHWc blocked convolutions on this CPU).
    All,
}

impl OptLevel {
    /// Every level, cheapest first.
    pub const EVERY: [OptLevel; 3] = [OptLevel::Basic, OptLevel::Extended, OptLevel::All];

    /// Its name in a benchmark's table.
    pub fn key(self) -> &'static str {
        match self {
            OptLevel::Basic => "basic",
            OptLevel::Extended => "extended",
            OptLevel::All => "all",
        }
    }
}

/// The settings of one model's session. [`SessionSettings::new`] gives gateward's (full
/// optimisation, threads that sleep between frames); `gateward bench ort` measures the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// Threads for one inference.
    pub threads: usize,
    pub level: OptLevel,
    /// Whether idle threads spin waiting for work (faster hand-off, but an idle gate then
    /// burns CPU, and two sessions on two cores fight).
    pub spinning: bool,
}

impl SessionSettings {
    /// gateward's settings with `threads` threads for one inference.
    pub fn new(threads: usize) -> SessionSettings {
        SessionSettings {
            threads,
            level: OptLevel::All,
            spinning: false,
        }
    }
}

/// One model of the pack, verified and ready to run.
#[derive(Debug)]
pub struct Model {
    entry: ModelEntry,
    path: PathBuf,
    session: Session,
}

impl Model {
    /// Verifies the model file against the manifest, then opens an ONNX Runtime session with
    /// `threads` threads for one inference.
    pub fn load(
        runtime: &Runtime,
        manifest: &Manifest,
        role: Role,
        threads: usize,
    ) -> Result<Model, ModelError> {
        Model::load_with(runtime, manifest, role, SessionSettings::new(threads))
    }

    /// [`Model::load`] with other session settings.
    pub fn load_with(
        runtime: &Runtime,
        manifest: &Manifest,
        role: Role,
        settings: SessionSettings,
    ) -> Result<Model, ModelError> {
        let threads = settings.threads;
        let entry = manifest.model(role)?.clone();
        let path = manifest.verify_model(&entry)?;
        let load_err = |reason: String| ModelError::Load {
            path: path.clone(),
            reason: one_line(&reason),
        };
        let mut builder = session_builder(runtime, settings).map_err(load_err)?;
        let session = builder
            .commit_from_file(&path)
            .map_err(|e| load_err(e.to_string()))?;
        let model = Model {
            entry,
            path,
            session,
        };
        model.check_signature()?;
        tracing::info!(role = %role, file = %model.entry.file, threads, "model loaded");
        Ok(model)
    }

    /// Confirms the graph has the input and outputs the manifest names, so a file swapped
    /// together with its manifest entry cannot be fed the wrong tensor.
    fn check_signature(&self) -> Result<(), ModelError> {
        let mismatch = |detail: String| ModelError::Mismatch {
            path: self.path.clone(),
            detail,
        };
        let input = &self.entry.input;
        let outlet = self
            .session
            .inputs()
            .iter()
            .find(|i| i.name() == input.name)
            .ok_or_else(|| {
                mismatch(format!(
                    "expected an input named \"{}\", the file has {}",
                    input.name,
                    names(self.session.inputs())
                ))
            })?;
        if let Some(shape) = outlet.dtype().tensor_shape()
            && shape.len() != input.shape.len()
        {
            return Err(mismatch(format!(
                "input \"{}\" has {} dimensions, the manifest says {}",
                input.name,
                shape.len(),
                input.shape.len()
            )));
        }
        for output in &self.entry.outputs {
            if !self
                .session
                .outputs()
                .iter()
                .any(|o| o.name() == output.name)
            {
                return Err(mismatch(format!(
                    "expected an output named \"{}\", the file has {}",
                    output.name,
                    names(self.session.outputs())
                )));
            }
        }
        Ok(())
    }

    /// The manifest entry this model was loaded from.
    pub fn entry(&self) -> &ModelEntry {
        &self.entry
    }

    /// The model file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The character set of a CTC text reader: its dictionary asset (one character a line)
    /// when it has one, else the `character` entry of the model's metadata plus a space, as
    /// PP-OCR models carry it.
    pub fn charset(&self, manifest: &Manifest) -> Result<Charset, ModelError> {
        if let Some(asset) = self.entry.assets.iter().find(|a| a.ends_with(".txt")) {
            let path = manifest.path_of(asset);
            let text = std::fs::read_to_string(&path).map_err(|e| ModelError::Load {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            return Ok(Charset::from_lines(&text, false));
        }
        let text = self
            .session
            .metadata()
            .ok()
            .and_then(|m| m.custom("character"))
            .ok_or_else(|| ModelError::Mismatch {
                path: self.path.clone(),
                detail: "a text reader needs a dictionary asset or a \"character\" metadata entry"
                    .to_owned(),
            })?;
        Ok(Charset::from_lines(&text, true))
    }

    /// Runs the model on one input tensor and returns its outputs in manifest order.
    pub fn run(&mut self, input: &Array4<f32>) -> Result<Vec<ArrayD<f32>>, ModelError> {
        let run_err = |reason: String| ModelError::Run {
            file: self.entry.file.clone(),
            reason: one_line(&reason),
        };
        let started = std::time::Instant::now();
        let tensor =
            TensorRef::from_array_view(input.view()).map_err(|e| run_err(e.to_string()))?;
        let outputs = self
            .session
            .run(ort::inputs![self.entry.input.name.as_str() => tensor])
            .map_err(|e| run_err(e.to_string()))?;
        tracing::trace!(
            file = %self.entry.file,
            shape = ?input.shape(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "model run"
        );
        self.entry
            .outputs
            .iter()
            .map(|spec| {
                let value = outputs
                    .get(spec.name.as_str())
                    .ok_or_else(|| run_err(format!("output \"{}\" missing", spec.name)))?;
                value
                    .try_extract_array::<f32>()
                    .map(|a| a.to_owned())
                    .map_err(|e| run_err(format!("output \"{}\": {e}", spec.name)))
            })
            .collect()
    }
}

/// A session builder with `settings` (gateward's: full graph optimisation, threads that sleep
/// between frames instead of spinning, so an idle gate costs no CPU), one graph branch at a
/// time, and the CPU memory arena.
fn session_builder(runtime: &Runtime, settings: SessionSettings) -> Result<SessionBuilder, String> {
    let text = |e: ort::Error<SessionBuilder>| e.to_string();
    let level = match settings.level {
        OptLevel::Basic => GraphOptimizationLevel::Level1,
        OptLevel::Extended => GraphOptimizationLevel::Level2,
        OptLevel::All => GraphOptimizationLevel::All,
    };
    Session::builder(&runtime.environment)
        .map_err(|e| e.to_string())?
        .with_optimization_level(level)
        .map_err(text)?
        .with_intra_threads(settings.threads)
        .map_err(text)?
        .with_inter_threads(1)
        .map_err(text)?
        .with_config_entry(
            "session.intra_op.allow_spinning",
            if settings.spinning { "1" } else { "0" },
        )
        .map_err(text)?
        // The CPU arena keeps each model's working memory from one frame to the next. Without
        // it, and with malloc mapping big blocks on their own (see main.rs), every inference
        // page-faults its buffers afresh: `gateward bench pipeline` p50 150 ms instead of 123.
        .with_execution_providers([ort::ep::CPU::default().with_arena_allocator(true).build()])
        .map_err(text)
}

fn names(outlets: &[ort::value::Outlet]) -> String {
    let list: Vec<String> = outlets
        .iter()
        .map(|o| format!("\"{}\"", o.name()))
        .collect();
    list.join(", ")
}

/// Error texts from ONNX Runtime can span lines; the user gets one.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
