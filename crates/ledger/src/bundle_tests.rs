//! Tests of proof bundles: built from a ledger, verified offline, every claim checked, and the
//! inclusion proof re-checked by `ct-merkle`, an implementation the ledger does not use.

use super::*;
use crate::checkpoint::LedgerSigningKey;
use crate::entry::encode;
use crate::test_support::{ORIGIN, issued, key, requested};
use sha2_digest011::Sha256 as CtSha256;

struct Fixture {
    pem: String,
    entries: Vec<Vec<u8>>,
    tree: MerkleTree,
    signed: Vec<u8>,
}

/// A ledger of 6 entries whose entry 3 issued a real (rcgen) certificate.
fn fixture() -> Fixture {
    let cert = rcgen::generate_simple_self_signed(vec!["example.test".to_owned()])
        .unwrap()
        .cert;
    let entries: Vec<Vec<u8>> = (0..6)
        .map(|i| {
            let entry = if i == 3 {
                issued(i, "web", cert.der())
            } else {
                requested(i, "other")
            };
            encode(&entry).unwrap()
        })
        .collect();
    let tree = MerkleTree::from_entries(&entries);
    let signed = Checkpoint {
        origin: ORIGIN.to_owned(),
        size: 6,
        root: tree.root(),
    }
    .sign(&key())
    .unwrap();
    Fixture {
        pem: cert.pem(),
        entries,
        tree,
        signed,
    }
}

fn bundle(f: &Fixture) -> ProofBundle {
    ProofBundle::new(
        f.pem.clone(),
        &f.entries[3],
        3,
        &f.tree,
        &f.signed,
        key().verifier_key(),
    )
    .unwrap()
}

#[test]
fn a_bundle_verifies_offline_and_survives_json() {
    let f = fixture();
    let b = bundle(&f);
    let key = key();
    let verified = verify_bundle(&b, key.verifier_key()).unwrap();
    assert_eq!(verified.entry.kind, EntryKind::Issued);
    assert_eq!(verified.entry.index, 3);
    assert_eq!(verified.checkpoint.size, 6);
    let json = b.to_json().unwrap();
    assert_eq!(ProofBundle::from_json(json.as_bytes()), Ok(b.clone()));
    let v2 = json.replacen("\"version\": 1", "\"version\": 2", 1);
    assert_eq!(
        ProofBundle::from_json(v2.as_bytes()),
        Err(BundleError::UnsupportedVersion(2))
    );
}

#[test]
fn the_inclusion_proof_checks_out_in_ct_merkle() {
    let f = fixture();
    let b = bundle(&f);
    let proof: Vec<u8> = b
        .inclusion_proof
        .iter()
        .flat_map(|h| BASE64.decode(h).unwrap())
        .collect();
    let proof = ct_merkle::InclusionProof::<CtSha256>::try_from_bytes(proof).unwrap();
    let root = ct_merkle::RootHash::<CtSha256>::new(f.tree.root().into(), 6);
    assert!(
        root.verify_inclusion(&b.entry.as_bytes(), 3, &proof)
            .is_ok()
    );
}

#[test]
fn every_claim_of_a_bundle_is_checked() {
    let f = fixture();
    let key = key();
    let vkey = key.verifier_key();
    let good = bundle(&f);

    let other_cert = rcgen::generate_simple_self_signed(vec!["x.test".to_owned()])
        .unwrap()
        .cert;
    let wrong_cert = ProofBundle {
        certificate_pem: other_cert.pem(),
        ..good.clone()
    };
    assert!(matches!(
        verify_bundle(&wrong_cert, vkey),
        Err(BundleError::FingerprintMismatch { actual, .. }) if actual == hex::encode(sha2::Sha256::digest(other_cert.der()))
    ));

    let moved = ProofBundle {
        leaf_index: 2,
        ..good.clone()
    };
    assert_eq!(
        verify_bundle(&moved, vkey),
        Err(BundleError::IndexMismatch {
            recorded: 3,
            claimed: 2
        })
    );

    let not_issued =
        ProofBundle::new(f.pem.clone(), &f.entries[2], 2, &f.tree, &f.signed, vkey).unwrap();
    assert_eq!(
        verify_bundle(&not_issued, vkey),
        Err(BundleError::NotIssued)
    );

    let mut flipped = good.clone();
    let mut first = BASE64.decode(&flipped.inclusion_proof[0]).unwrap();
    first[0] ^= 1;
    flipped.inclusion_proof[0] = BASE64.encode(first);
    assert_eq!(
        verify_bundle(&flipped, vkey),
        Err(BundleError::NotIncluded(
            "inclusion proof does not lead to the tree head".to_owned()
        ))
    );

    let garbled = ProofBundle {
        inclusion_proof: vec!["AAAA".to_owned()],
        ..good.clone()
    };
    assert_eq!(
        verify_bundle(&garbled, vkey),
        Err(BundleError::BadProofHash(0))
    );

    let not_pem = ProofBundle {
        certificate_pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".to_owned(),
        ..good.clone()
    };
    assert_eq!(
        verify_bundle(&not_pem, vkey),
        Err(BundleError::BadCertificatePem)
    );

    let other_key = LedgerSigningKey::from_seed(ORIGIN, [4; 32]).unwrap();
    assert!(matches!(
        verify_bundle(&good, other_key.verifier_key()),
        Err(BundleError::Checkpoint(
            CheckpointError::NotSignedByKey { .. }
        ))
    ));

    let changed_entry = ProofBundle {
        entry: good.entry.replacen("web", "wob", 1),
        ..good.clone()
    };
    assert_eq!(
        verify_bundle(&changed_entry, vkey),
        Err(BundleError::Entry(EntryError::DigestMismatch))
    );

    assert_eq!(
        ProofBundle::new(f.pem.clone(), &f.entries[3], 6, &f.tree, &f.signed, vkey),
        Err(BundleError::IndexOutOfRange { index: 6, size: 6 })
    );
    let other_tree = MerkleTree::from_entries(&f.entries[1..]);
    assert_eq!(
        ProofBundle::new(
            f.pem.clone(),
            &f.entries[3],
            3,
            &other_tree,
            &f.signed,
            vkey
        ),
        Err(BundleError::TreeMismatch { size: 6 })
    );
    let mut grown = MerkleTree::from_entries(&f.entries);
    grown.push(b"a later entry");
    assert_eq!(
        ProofBundle::new(f.pem.clone(), &f.entries[3], 3, &grown, &f.signed, vkey)
            .map(|b| b.inclusion_proof),
        Ok(good.inclusion_proof.clone())
    );
}
