//! Why an import gives nothing ([`ImportError`]), the all-or-nothing rule every parser ends
//! with, and the file names of an imported folder that the errors speak of.

use std::path::PathBuf;

use super::report::{BadRow, BadRows};

/// The file name of the people list in an imported folder.
pub const PEOPLE_FILE: &str = "people.csv";
/// The file name of the vehicle list in an imported folder.
pub const VEHICLES_FILE: &str = "vehicles.csv";

/// Why an import gives nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file or folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The bytes are neither UTF-8 nor GBK.
    #[error(
        "{file} is neither UTF-8 nor GBK text; in Excel use Save As \"CSV UTF-8 (逗号分隔)\" or \
         \"CSV (逗号分隔)\""
    )]
    Encoding { file: String },
    /// The CSV structure itself is broken.
    #[error("{file} is not a readable CSV file: {source}")]
    Csv {
        file: String,
        #[source]
        source: csv::Error,
    },
    /// The first line does not name the documented columns.
    #[error("{file}: {message}")]
    Header { file: String, message: String },
    /// A single file that is neither a people nor a vehicles list.
    #[error(
        "{} is neither a people list (columns name, class, …) nor a vehicles list (columns \
         plate, kind, …); name it people.csv or vehicles.csv, or check its first line",
        path.display()
    )]
    UnknownFile { path: PathBuf },
    /// A folder without either file.
    #[error(
        "{} holds neither {PEOPLE_FILE} nor {VEHICLES_FILE}; put the files to import there \
         under these names",
        dir.display()
    )]
    NothingToImport { dir: PathBuf },
    /// Some rows are wrong; all of them are listed.
    #[error("{0}")]
    BadRows(BadRows),
}

/// Bad rows in line order (stable: a row's values stay in column order).
pub(super) fn sorted(mut rows: Vec<BadRow>) -> Vec<BadRow> {
    rows.sort_by_key(|r| r.line);
    rows
}

/// All or nothing: the value when there are no bad rows, else every bad row.
pub(super) fn finish<T>(bad: Vec<BadRow>, value: T) -> Result<T, ImportError> {
    if bad.is_empty() {
        Ok(value)
    } else {
        Err(ImportError::BadRows(BadRows { rows: sorted(bad) }))
    }
}
