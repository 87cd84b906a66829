//! Tamper tests: every single-byte change, removal and reordering of entries is caught, and
//! the first bad entry is named.

use super::*;
use crate::checkpoint::LedgerSigningKey;
use crate::entry::{EntryError, encode};
use crate::test_support::{ORIGIN, key, ledger, requested};

#[test]
fn an_intact_ledger_verifies() {
    let (entries, tree, signed) = ledger(7);
    let checkpoint = verify_log(&entries, &signed, key().verifier_key(), None).unwrap();
    assert_eq!(
        checkpoint,
        Checkpoint {
            origin: ORIGIN.to_owned(),
            size: 7,
            root: tree.root()
        }
    );
}

#[test]
fn flipping_any_byte_of_any_entry_names_that_entry() {
    let (entries, _, signed) = ledger(5);
    let vkey = key().verifier_key().clone();
    for (i, entry) in entries.iter().enumerate() {
        for at in 0..entry.len() {
            for mask in [0x01u8, 0x80] {
                let mut damaged = entries.clone();
                damaged[i][at] ^= mask;
                match verify_log(&damaged, &signed, &vkey, None) {
                    Err(VerifyError::BadEntry {
                        index,
                        fault: EntryFault::Undecodable(_),
                    }) => {
                        assert_eq!(index, i as u64, "byte {at} of entry {i}")
                    }
                    other => panic!("byte {at} of entry {i} ^ {mask:#x}: {other:?}"),
                }
            }
        }
    }
}

#[test]
fn a_content_change_is_reported_as_a_digest_mismatch_at_its_index() {
    let (mut entries, _, signed) = ledger(4);
    let text = String::from_utf8(entries[2].clone())
        .unwrap()
        .replacen("alice", "mallory", 1);
    entries[2] = text.into_bytes();
    assert_eq!(
        verify_log(&entries, &signed, key().verifier_key(), None),
        Err(VerifyError::BadEntry {
            index: 2,
            fault: EntryFault::Undecodable(EntryError::DigestMismatch)
        })
    );
}

#[test]
fn removing_an_entry_names_the_first_one_out_of_place() {
    let (entries, _, signed) = ledger(6);
    let key = key();
    let vkey = key.verifier_key();
    for removed in 0..5usize {
        let mut shorter = entries.clone();
        shorter.remove(removed);
        assert_eq!(
            verify_log(&shorter, &signed, vkey, None),
            Err(VerifyError::BadEntry {
                index: removed as u64,
                fault: EntryFault::Misplaced {
                    recorded: removed as u64 + 1
                }
            })
        );
    }
    assert_eq!(
        verify_log(&entries[..5], &signed, vkey, None),
        Err(VerifyError::SizeMismatch {
            entries: 5,
            checkpoint: 6
        })
    );
}

#[test]
fn reordering_entries_names_the_first_moved_one() {
    let (mut entries, _, signed) = ledger(6);
    entries.swap(2, 4);
    assert_eq!(
        verify_log(&entries, &signed, key().verifier_key(), None),
        Err(VerifyError::BadEntry {
            index: 2,
            fault: EntryFault::Misplaced { recorded: 4 }
        })
    );
}

#[test]
fn a_consistently_rewritten_entry_is_caught_by_the_signed_head() {
    let (mut entries, tree, signed) = ledger(4);
    entries[1] = encode(&requested(1, "forged")).unwrap();
    let forged_root = MerkleTree::from_entries(&entries).root();
    assert_eq!(
        verify_log(&entries, &signed, key().verifier_key(), None),
        Err(VerifyError::RootMismatch {
            computed: hex::encode(forged_root),
            signed: hex::encode(tree.root())
        })
    );
}

#[test]
fn a_checkpoint_by_another_key_is_refused() {
    let (entries, _, signed) = ledger(3);
    let other = LedgerSigningKey::from_seed(ORIGIN, [9; 32]).unwrap();
    let err = verify_log(&entries, &signed, other.verifier_key(), None).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Checkpoint(CheckpointError::NotSignedByKey { .. })
        ),
        "{err:?}"
    );
}

fn signed_head(tree: &MerkleTree, size: u64, root: Option<Hash>) -> Vec<u8> {
    let root = root.unwrap_or_else(|| tree.root_at(size).unwrap());
    Checkpoint {
        origin: ORIGIN.to_owned(),
        size,
        root,
    }
    .sign(&key())
    .unwrap()
}

#[test]
fn an_older_checkpoint_must_be_a_prefix() {
    let (entries, tree, signed) = ledger(9);
    let key = key();
    let vkey = key.verifier_key();
    for old in 0..=9 {
        let older = signed_head(&tree, old, None);
        assert!(
            verify_log(&entries, &signed, vkey, Some(&older)).is_ok(),
            "size {old}"
        );
    }
    let forked = signed_head(&tree, 4, Some([1; 32]));
    assert_eq!(
        verify_log(&entries, &signed, vkey, Some(&forked)),
        Err(VerifyError::Inconsistent {
            old_size: 4,
            new_size: 9
        })
    );
    let (_, bigger_tree, _) = ledger(12);
    let larger = signed_head(&bigger_tree, 12, None);
    assert_eq!(
        verify_log(&entries, &signed, vkey, Some(&larger)),
        Err(VerifyError::OlderIsLarger {
            old_size: 12,
            new_size: 9
        })
    );
}

#[test]
fn checkpoints_alone_verify_with_a_consistency_proof() {
    let (_, tree, newer) = ledger(11);
    let key = key();
    let vkey = key.verifier_key();
    let older = signed_head(&tree, 6, None);
    let proof = tree.consistency_proof(6, 11).unwrap();
    let (old, new) = verify_checkpoint_consistency(&older, &newer, &proof, vkey).unwrap();
    assert_eq!((old.size, new.size), (6, 11));
    let mut bad = proof.clone();
    bad[0][0] ^= 1;
    assert_eq!(
        verify_checkpoint_consistency(&older, &newer, &bad, vkey),
        Err(VerifyError::Inconsistent {
            old_size: 6,
            new_size: 11
        })
    );
    assert_eq!(
        verify_checkpoint_consistency(&newer, &older, &proof, vkey),
        Err(VerifyError::OlderIsLarger {
            old_size: 11,
            new_size: 6
        })
    );
}
