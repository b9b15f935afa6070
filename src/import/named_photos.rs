//! Photos found by their file name: a `photos/` folder next to `people.csv` whose files are
//! named after the people (`王建国.jpg`, `王建国-2.jpg`, `王建国_3.png`, `王建国(4).jpg`), so a
//! manager with a folder of a hundred photos need not list each one in the CSV.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::error::ImportError;
use super::people::PHOTO_EXTENSIONS;
use super::set::ImportSet;

/// Folder, next to `people.csv`, searched for photos named by person.
pub const NAMED_PHOTO_DIR: &str = "photos";

/// The person a photo file's stem names: the stem itself, or the stem without a trailing
/// number (`-2`, `_2`, ` 2`, `(2)`, `（2）`) when that is a person's name.
pub fn person_for<'a>(stem: &str, names: &'a HashSet<&str>) -> Option<&'a str> {
    let stem = stem.trim();
    if let Some(n) = names.get(stem) {
        return Some(n);
    }
    let bare = stem
        .strip_suffix(')')
        .or_else(|| stem.strip_suffix('）'))
        .map(|s| s.trim_end_matches(|c: char| c.is_ascii_digit()))
        .and_then(|s| s.strip_suffix('(').or_else(|| s.strip_suffix('（')))
        .unwrap_or_else(|| {
            let s = stem.trim_end_matches(|c: char| c.is_ascii_digit());
            if s.len() == stem.len() {
                stem
            } else {
                s.trim_end_matches(['-', '_', ' '])
            }
        })
        .trim();
    names.get(bare).copied()
}

/// Adds to each person of `set` the photos of `dir` named after them (files already listed
/// in the CSV are not added twice). Returns the photo files that name no one, in name order,
/// for the caller to report. A missing folder adds nothing.
pub fn attach_named_photos(set: &mut ImportSet, dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let read_err = |source| ImportError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        let is_photo = path.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| PHOTO_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)));
        if is_photo {
            files.push(path);
        }
    }
    files.sort();
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let listed: HashSet<PathBuf> = set
        .people
        .iter()
        .flat_map(|p| &p.photos)
        .map(|p| canonical(p))
        .collect();
    let names: HashSet<&str> = set.people.iter().map(|p| p.name.as_str()).collect();
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    let mut unmatched = Vec::new();
    for file in files {
        if listed.contains(&canonical(&file)) {
            continue;
        }
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        match person_for(stem, &names) {
            Some(name) => found.push((name.to_owned(), file)),
            None => unmatched.push(file),
        }
    }
    for (name, file) in found {
        if let Some(person) = set.people.iter_mut().find(|p| p.name == name) {
            person.photos.push(file);
        }
    }
    Ok(unmatched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_names_its_person_with_or_without_a_number() {
        let names: HashSet<&str> = ["王建国", "张伟(3-2-1502)", "李2"].into_iter().collect();
        for (stem, who) in [
            ("王建国", Some("王建国")),
            ("王建国-2", Some("王建国")),
            ("王建国_3", Some("王建国")),
            ("王建国 4", Some("王建国")),
            ("王建国(5)", Some("王建国")),
            ("王建国（6）", Some("王建国")),
            ("张伟(3-2-1502)", Some("张伟(3-2-1502)")),
            ("张伟(3-2-1502)-2", Some("张伟(3-2-1502)")),
            // a name that ends in a digit is itself first
            ("李2", Some("李2")),
            ("王建", None),
            ("王建国国", None),
            ("IMG_0001", None),
        ] {
            assert_eq!(person_for(stem, &names), who, "{stem}");
        }
    }
}
