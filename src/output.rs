//! The one place that writes files: every file goes to a temporary name in its target
//! folder first and is renamed into place only when all of a command's files are written,
//! so an interrupted or failed run leaves the old files or the new ones, never half of one.
//! Before anything is written every target is checked: a symlink is written through (the
//! link stays, its file is replaced), and a target that is a folder, a device, a FIFO or
//! socket, one of the command's own inputs, or named twice is refused with nothing written.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The files the running command has read (canonical paths): outputs may not replace them.
static INPUTS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Registers a file the command reads, so that no output replaces it.
pub fn protect(path: &Path) {
    if let Ok(p) = fs::canonicalize(path) {
        if let Ok(mut inputs) = INPUTS.lock() {
            inputs.push(p);
        }
    }
}

/// The path a target is written at: a symlink's final target (the link stays), else the
/// path itself; an error says why the target cannot be written.
fn resolve(path: &Path) -> Result<PathBuf, String> {
    // A target that cannot be looked at (not there yet, or below a file) is left to the
    // writing, which says what stands in the way.
    let Ok(meta) = fs::symlink_metadata(path) else {
        return Ok(path.to_path_buf());
    };
    let target = if meta.file_type().is_symlink() {
        fs::canonicalize(path)
            .map_err(|_| "is a symlink to nothing: remove it or name its target".to_string())?
    } else {
        path.to_path_buf()
    };
    let kind = fs::metadata(&target).map(|m| m.file_type());
    match kind {
        Ok(t) if t.is_file() => Ok(target),
        Ok(t) if t.is_dir() => Err("is a folder: name a file".into()),
        Ok(_) => Err(
            "is not a regular file (a device, FIFO or socket): kraftsim writes only regular files"
                .into(),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(target),
        Err(e) => Err(e.to_string()),
    }
}

/// Every target resolved, or the first that cannot be written: not a regular file, one of
/// the command's inputs, or the same file as another target.
fn checked(files: &[(PathBuf, Vec<u8>)]) -> Result<Vec<PathBuf>, OutputError> {
    let refuse = |path: &Path, reason: String| OutputError::Refused {
        path: path.display().to_string(),
        reason,
    };
    let inputs = INPUTS.lock().map(|i| i.clone()).unwrap_or_default();
    let mut out: Vec<PathBuf> = Vec::new();
    for (path, _) in files {
        let target = resolve(path).map_err(|r| refuse(path, r))?;
        let canonical = fs::canonicalize(&target).ok();
        if canonical.as_ref().is_some_and(|c| inputs.contains(c)) {
            return Err(refuse(
                path,
                "is one of this command's inputs: write the output elsewhere".into(),
            ));
        }
        let same = |other: &PathBuf| {
            other == &target || (canonical.is_some() && fs::canonicalize(other).ok() == canonical)
        };
        if out.iter().any(same) {
            return Err(refuse(
                path,
                "is named twice among this command's outputs".into(),
            ));
        }
        out.push(target);
    }
    Ok(out)
}

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
    /// A target was refused before anything was written.
    #[error("will not write {path}: it {reason}")]
    Refused {
        /// The target as given.
        path: String,
        /// Why.
        reason: String,
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
    let targets = checked(files)?;
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for (path, (_, bytes)) in targets.iter().zip(files) {
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

    #[test]
    fn a_symlink_is_written_through_and_special_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.html");
        fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.html");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_all(&[(link.clone(), b"new".to_vec())]).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "the link stays"
        );
        assert_eq!(fs::read(&real).unwrap(), b"new", "its file is replaced");
        // A folder, a device and a FIFO are refused, and nothing else of the set is written.
        let other = dir.path().join("other.csv");
        for (target, what) in [
            (dir.path().to_path_buf(), "is a folder"),
            (PathBuf::from("/dev/null"), "not a regular file"),
        ] {
            let err = write_all(&[
                (other.clone(), b"x".to_vec()),
                (target.clone(), b"x".to_vec()),
            ])
            .unwrap_err();
            assert!(err.to_string().contains(what), "{err}");
            assert!(
                !other.exists(),
                "nothing written when one target is refused"
            );
        }
        assert!(
            !fs::metadata("/dev/null").unwrap().file_type().is_file(),
            "/dev/null is still a device"
        );
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let err = write_all(&[(fifo.clone(), b"x".to_vec())]).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        let err = write_all(&[(dangling, b"x".to_vec())]).unwrap_err();
        assert!(err.to_string().contains("symlink to nothing"), "{err}");
    }

    #[test]
    fn inputs_and_twice_named_targets_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("records.csv");
        fs::write(&input, b"the only copy").unwrap();
        protect(&input);
        let err = write_all(&[(input.clone(), b"x".to_vec())]).unwrap_err();
        assert!(
            err.to_string().contains("is one of this command's inputs"),
            "{err}"
        );
        assert_eq!(fs::read(&input).unwrap(), b"the only copy");
        let a = dir.path().join("a.csv");
        let link = dir.path().join("b.csv");
        fs::write(&a, b"a").unwrap();
        std::os::unix::fs::symlink(&a, &link).unwrap();
        let err = write_all(&[(a.clone(), b"1".to_vec()), (link, b"2".to_vec())]).unwrap_err();
        assert!(err.to_string().contains("named twice"), "{err}");
        assert_eq!(fs::read(&a).unwrap(), b"a");
    }
}
