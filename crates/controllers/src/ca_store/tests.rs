//! CA store tests: generation on first start, the 0600 rule with its exact message, rotation
//! picked up without a restart, and the old+new trust bundle.

use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use jiff::Timestamp;

use super::*;

const SIGNER: &str = "kubernetes.io/kube-apiserver-client";

fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().expect("timestamp")
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Replaces `to`'s content with `from`'s, keeping `to`'s mode, and moves its mtime forward so
/// the change is seen even on a file system with coarse timestamps.
fn overwrite(from: &Path, to: &Path, bump: u64) {
    fs::write(to, fs::read(from).expect("read")).expect("write");
    let later = SystemTime::now() + Duration::from_secs(bump);
    File::options()
        .write(true)
        .open(to)
        .and_then(|f| f.set_modified(later))
        .expect("set mtime");
}

fn subject_cn(pem_text: &str) -> String {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem_text.as_bytes()).expect("pem");
    let cert = block.parse_x509().expect("certificate");
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn signer_names_become_directory_names() {
    assert_eq!(
        sanitise_signer_name("kubernetes.io/kube-apiserver-client"),
        "kubernetes.io_kube-apiserver-client"
    );
    assert_eq!(
        sanitise_signer_name("example.com/a b/../c"),
        "example.com_a_b_.._c"
    );
    assert_eq!(
        signer_dir(Path::new("/data"), "example.com/my-signer"),
        Path::new("/data/signers/example.com_my-signer")
    );
}

#[test]
fn first_start_generates_a_p256_ca_with_a_0600_key_and_later_starts_reuse_it() {
    let data = tempfile::tempdir().expect("tempdir");
    let source = CaSource::load_or_generate(data.path(), SIGNER, now()).expect("generate");
    let dir = data
        .path()
        .join("signers/kubernetes.io_kube-apiserver-client");
    assert_eq!(source.cert_path(), dir.join("ca.crt"));
    assert_eq!(source.key_path(), dir.join("ca.key"));
    assert_eq!(mode(&dir.join("ca.key")), 0o600);
    assert_eq!(mode(&dir), 0o700);
    let key = fs::read_to_string(dir.join("ca.key")).expect("key");
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    let bundle = source.trust_bundle();
    assert_eq!(
        bundle,
        fs::read_to_string(dir.join("ca.crt")).expect("cert")
    );
    assert_eq!(
        subject_cn(&bundle),
        "kubernetes.io/kube-apiserver-client-ca@1767225600"
    );
    let ca = source.current().expect("current");
    // Ten years from an hour before now.
    assert_eq!(ca.not_after().to_string(), "2035-12-29T23:00:00Z");

    let again = CaSource::load_or_generate(data.path(), SIGNER, now()).expect("reload");
    assert_eq!(again.trust_bundle(), bundle);
}

#[test]
fn a_key_readable_by_others_is_refused_with_its_path_and_mode() {
    let data = tempfile::tempdir().expect("tempdir");
    let source = CaSource::load_or_generate(data.path(), SIGNER, now()).expect("generate");
    let key = source.key_path().to_path_buf();
    chmod(&key, 0o644);
    let err = CaSource::from_files(SIGNER, source.cert_path(), &key).expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "CA key file {0} has mode 0644; it must be 0600 (run: chmod 600 {0})",
            key.display()
        )
    );
    let err = CaSource::load_or_generate(data.path(), SIGNER, now()).expect_err("refused");
    assert!(matches!(err, CaStoreError::KeyMode { mode: 0o644, .. }));
    // Noticed while running too: the running source stops handing out the CA.
    let err = source.current().expect_err("refused");
    assert!(matches!(err, CaStoreError::KeyMode { mode: 0o644, .. }));
    chmod(&key, 0o600);
    assert!(source.current().is_ok());
}

#[test]
fn half_a_generated_pair_is_an_error_not_a_new_ca() {
    let data = tempfile::tempdir().expect("tempdir");
    let source = CaSource::load_or_generate(data.path(), SIGNER, now()).expect("generate");
    fs::remove_file(source.cert_path()).expect("remove");
    let err = CaSource::load_or_generate(data.path(), SIGNER, now()).expect_err("half");
    assert_eq!(
        err.to_string(),
        format!(
            "{} exists but {} does not; restore it or remove both to generate a new CA",
            source.key_path().display(),
            source.cert_path().display()
        )
    );
}

#[test]
fn replaced_files_are_picked_up_and_the_bundle_keeps_the_previous_ca() {
    let data = tempfile::tempdir().expect("tempdir");
    let source = CaSource::load_or_generate(data.path(), SIGNER, now()).expect("generate");
    let old_pem = source.trust_bundle();
    let old_ca = source.current().expect("current");
    // Unchanged files: the same loaded CA.
    assert!(Arc::ptr_eq(&old_ca, &source.current().expect("current")));

    let other = tempfile::tempdir().expect("tempdir");
    let later: Timestamp = "2026-06-01T00:00:00Z".parse().expect("timestamp");
    let next = CaSource::load_or_generate(other.path(), SIGNER, later).expect("generate");
    let new_pem = next.trust_bundle();
    assert_ne!(new_pem, old_pem);
    overwrite(next.key_path(), source.key_path(), 10);
    overwrite(next.cert_path(), source.cert_path(), 10);

    let new_ca = source.current().expect("rotated");
    assert_eq!(new_ca.cert_pem(), new_pem);
    assert_eq!(source.trust_bundle(), format!("{new_pem}{old_pem}"));

    // A second rotation drops the oldest.
    let third_dir = tempfile::tempdir().expect("tempdir");
    let third = CaSource::load_or_generate(third_dir.path(), SIGNER, later).expect("generate");
    overwrite(third.key_path(), source.key_path(), 20);
    overwrite(third.cert_path(), source.cert_path(), 20);
    source.current().expect("rotated");
    assert_eq!(
        source.trust_bundle(),
        format!("{}{new_pem}", third.trust_bundle())
    );
}

#[test]
fn a_rotation_caught_half_way_fails_until_both_files_match() {
    let data = tempfile::tempdir().expect("tempdir");
    let source = CaSource::load_or_generate(data.path(), SIGNER, now()).expect("generate");
    let other = tempfile::tempdir().expect("tempdir");
    let next = CaSource::load_or_generate(other.path(), SIGNER, now()).expect("generate");
    overwrite(next.cert_path(), source.cert_path(), 10);
    let err = source.current().expect_err("mismatch");
    assert_eq!(
        err.to_string(),
        format!(
            "invalid CA for signer {SIGNER} in {} and {}: tls: private key does not match public key",
            source.cert_path().display(),
            source.key_path().display()
        )
    );
    overwrite(next.key_path(), source.key_path(), 10);
    assert_eq!(
        source.current().expect("rotated").cert_pem(),
        next.trust_bundle()
    );
}

#[test]
fn the_store_loads_configured_files_and_generates_the_rest() {
    let data = tempfile::tempdir().expect("tempdir");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let made = CaSource::load_or_generate(elsewhere.path(), "x.example/y", now()).expect("gen");
    let files = CaConfig::Files {
        cert: made.cert_path().to_path_buf(),
        key: made.key_path().to_path_buf(),
    };
    let store = CaStore::open(
        data.path(),
        [
            ("example.com/files", &files),
            (SIGNER, &CaConfig::Generated),
        ],
        now(),
    )
    .expect("open");
    let names: Vec<&str> = store.iter().map(|(name, _)| name).collect();
    assert_eq!(names, vec!["example.com/files", SIGNER]);
    let configured = store.get("example.com/files").expect("configured");
    assert_eq!(configured.trust_bundle(), made.trust_bundle());
    assert!(
        data.path()
            .join("signers/kubernetes.io_kube-apiserver-client/ca.key")
            .exists()
    );
    assert!(store.get("example.com/none").is_none());
}
