//! The one place that writes files: every file goes to a temporary name in its target
//! folder first and is renamed into place only when all of a command's files are written,
//! so an interrupted or failed run leaves the old files or the new ones, never half of one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A folder could not be created.
    #[error("cannot create output folder {path}: {source}")]
    CreateDir {
        /// The folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file could not be written or renamed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Writes all `files` (path, bytes) atomically: temporary files first, then renames.
/// On error, temporary files are removed and no target file is touched.
pub fn write_all(files: &[(PathBuf, Vec<u8>)]) -> Result<(), OutputError> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for (path, bytes) in files {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            fs::create_dir_all(dir).map_err(|source| OutputError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
            let err = |source| OutputError::Write {
                path: path.display().to_string(),
                source,
            };
            let mut f = fs::File::create(&tmp).map_err(err)?;
            staged.push((tmp.clone(), path.clone()));
            f.write_all(bytes).map_err(err)?;
            f.sync_all().map_err(err)?;
        }
        for (tmp, path) in &staged {
            fs::rename(tmp, path).map_err(|source| OutputError::Write {
                path: path.display().to_string(),
                source,
            })?;
        }
        Ok(())
    })();
    if result.is_err() {
        for (tmp, _) in &staged {
            let _ = fs::remove_file(tmp);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        write_all(&[(a.clone(), b"old".to_vec())]).unwrap();
        write_all(&[(a.clone(), b"new".to_vec())]).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary files left: {names:?}");
    }

    #[test]
    fn a_failure_leaves_old_files_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        fs::write(&a, b"old").unwrap();
        // The second target is a path below a regular file: creating it must fail.
        let bad = a.join("b.csv");
        let err = write_all(&[(a.clone(), b"new".to_vec()), (bad, b"x".to_vec())]);
        assert!(err.is_err());
        assert_eq!(fs::read(&a).unwrap(), b"old");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "temporary files removed: {names:?}");
    }
}
