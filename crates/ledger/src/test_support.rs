//! Fixtures shared by the unit tests: realistic entries, a fixed ledger key, and a small
//! ledger with its signed checkpoint.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::checkpoint::{Checkpoint, LedgerSigningKey};
use crate::entry::*;
use crate::merkle::MerkleTree;

pub(crate) const ORIGIN: &str = "signet.example/ledger";

pub(crate) fn key() -> LedgerSigningKey {
    LedgerSigningKey::from_seed(ORIGIN, [7u8; 32]).unwrap()
}

pub(crate) fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A `requested` entry with the fields a fresh CSR has.
pub(crate) fn requested(index: u64, name: &str) -> LedgerEntry {
    LedgerEntry {
        version: CURRENT_VERSION,
        index,
        kind: EntryKind::Requested,
        recorded_at: ts("2026-11-28T10:00:00Z"),
        csr: CsrRecord {
            name: name.to_owned(),
            uid: Some(format!("uid-{name}")),
            signer_name: "kubernetes.io/kube-apiserver-client".to_owned(),
            usages: vec!["client auth".to_owned(), "digital signature".to_owned()],
            requested_lifetime_seconds: Some(3600),
            request_sha256: "ab".repeat(32),
        },
        requester: UserRecord {
            username: "alice".to_owned(),
            uid: None,
            groups: vec!["system:authenticated".to_owned(), "dev".to_owned()],
            extra: BTreeMap::from([("scopes".to_owned(), vec!["a".to_owned()])]),
        },
        actor: Some(ActorRecord {
            username: "alice".to_owned(),
            groups: vec!["dev".to_owned()],
            authorized_by: Some(RbacReason {
                binding: "ClusterRoleBinding/csr-creators".to_owned(),
                role: "ClusterRole/csr-creator".to_owned(),
                subject: "Group/dev".to_owned(),
            }),
        }),
        condition: None,
        approver: None,
        signer_identity: None,
        policy: None,
        certificate: None,
        key_provenance: KeyProvenance::new(
            Some("human-operator".to_owned()),
            Some(KeyOrigin::HumanOperator),
        ),
    }
}

/// An `issued` entry for the certificate `der`.
pub(crate) fn issued(index: u64, name: &str, der: &[u8]) -> LedgerEntry {
    use sha2::Digest as _;
    LedgerEntry {
        kind: EntryKind::Issued,
        approver: Some("bob".to_owned()),
        signer_identity: Some("signet:controller:signer".to_owned()),
        certificate: Some(CertificateRecord {
            serial: "01f3".to_owned(),
            sha256_fingerprint: hex::encode(sha2::Sha256::digest(der)),
            subject: format!("CN={name}"),
            sans: vec!["DNS:example.test".to_owned()],
            issuer_key_id: "0a0b".to_owned(),
            not_before: ts("2026-11-28T10:00:00Z"),
            not_after: ts("2026-11-28T11:00:00Z"),
        }),
        ..requested(index, name)
    }
}

/// `n` encoded entries (a few kinds), their tree and a checkpoint signed over all of them.
pub(crate) fn ledger(n: u64) -> (Vec<Vec<u8>>, MerkleTree, Vec<u8>) {
    let entries: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let name = format!("csr-{i}");
            let entry = if i % 3 == 2 {
                issued(i, &name, name.as_bytes())
            } else {
                requested(i, &name)
            };
            encode(&entry).unwrap()
        })
        .collect();
    let tree = MerkleTree::from_entries(&entries);
    let checkpoint = Checkpoint {
        origin: ORIGIN.to_owned(),
        size: n,
        root: tree.root(),
    };
    let signed = checkpoint.sign(&key()).unwrap();
    (entries, tree, signed)
}
