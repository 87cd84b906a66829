//! Careful file IO for key material: directories created 0700, private files created 0600 (the mode
//! is given at creation, so the secret is never readable by others, not even for an instant), writes
//! that replace a file atomically, and the refusal to use a key that others can read.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::PkiError;

/// Mode bits that must be clear on a file holding a private key: any access by group or others.
const GROUP_OTHER_BITS: u32 = 0o077;

/// Create `dir` (and missing parents) with mode 0700. An existing directory is left as it is: it
/// may belong to an operator who chose its mode on purpose.
pub(super) fn ensure_dir(dir: &Path) -> Result<(), PkiError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| PkiError::io("create directory", dir, e))
}

/// Whether `path` exists; an error other than "not found" is reported rather than guessed at.
pub(super) fn exists(path: &Path) -> Result<bool, PkiError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(PkiError::io("inspect", path, e)),
    }
}

/// Refuse a private-key file that group or others may access: such a key must be treated as
/// leaked, and silently tightening the mode would hide that from the operator.
pub(super) fn check_private_mode(path: &Path) -> Result<(), PkiError> {
    let meta = fs::metadata(path).map_err(|e| PkiError::io("inspect", path, e))?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & GROUP_OTHER_BITS != 0 {
        return Err(PkiError::InsecureKeyFile {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// Read a private file as text, after checking its mode.
pub(super) fn read_private(path: &Path) -> Result<String, PkiError> {
    check_private_mode(path)?;
    read_public(path)
}

/// Read a file as text.
pub(super) fn read_public(path: &Path) -> Result<String, PkiError> {
    fs::read_to_string(path).map_err(|e| PkiError::io("read", path, e))
}

/// Write a secret: created 0600.
pub(super) fn write_private(path: &Path, contents: &str) -> Result<(), PkiError> {
    write_atomic(path, contents, 0o600)
}

/// Write a certificate or other public file: created 0644.
pub(super) fn write_public(path: &Path, contents: &str) -> Result<(), PkiError> {
    write_atomic(path, contents, 0o644)
}

/// Write `contents` to a temporary sibling created with `mode`, then rename it over `path`, so a
/// crash never leaves a half-written key or kubeconfig behind.
fn write_atomic(path: &Path, contents: &str, mode: u32) -> Result<(), PkiError> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    // A leftover from an interrupted write may have any mode; `create_new` below must create the
    // file afresh so that the mode we ask for is the one it gets.
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(PkiError::io("remove", &tmp, e)),
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(|e| PkiError::io("create", &tmp, e))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| PkiError::io("write", &tmp, e))?;
    drop(file);
    fs::rename(&tmp, path).map_err(|e| PkiError::io("rename into place", path, e))
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]
mod tests {
    use super::*;

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    }

    #[test]
    fn private_files_are_created_0600_and_dirs_0700() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        ensure_dir(&dir).unwrap();
        assert_eq!(mode_of(&dir), 0o700);
        assert_eq!(mode_of(&tmp.path().join("a")), 0o700);
        let key = dir.join("x.key");
        write_private(&key, "secret").unwrap();
        assert_eq!(mode_of(&key), 0o600);
        assert_eq!(read_private(&key).unwrap(), "secret");
        let crt = dir.join("x.crt");
        write_public(&crt, "public").unwrap();
        assert_eq!(mode_of(&crt) & 0o600, 0o600);
        assert!(!dir.join("x.key.tmp").exists());
    }

    #[test]
    fn overwriting_keeps_the_private_mode_even_over_a_stale_temporary() {
        let tmp = tempfile::tempdir().unwrap();
        let key = tmp.path().join("k.key");
        let stale = tmp.path().join("k.key.tmp");
        fs::write(&stale, "old").unwrap();
        fs::set_permissions(&stale, fs::Permissions::from_mode(0o666)).unwrap();
        write_private(&key, "new").unwrap();
        assert_eq!(mode_of(&key), 0o600);
        assert_eq!(fs::read_to_string(&key).unwrap(), "new");
    }

    #[test]
    fn group_or_world_access_is_refused_with_path_and_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let key = tmp.path().join("ca.key");
        write_private(&key, "secret").unwrap();
        fs::set_permissions(&key, fs::Permissions::from_mode(0o640)).unwrap();
        let err = read_private(&key).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "private key file {} has mode 0640: it must not be accessible by group or others \
                 (fix with `chmod 600 {}` if the key has not leaked)",
                key.display(),
                key.display()
            )
        );
        fs::set_permissions(&key, fs::Permissions::from_mode(0o604)).unwrap();
        assert!(matches!(
            read_private(&key),
            Err(PkiError::InsecureKeyFile { mode: 0o604, .. })
        ));
    }
}
