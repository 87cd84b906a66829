//! Tests of the Merkle tree against the published RFC 6962 vectors of transparency-dev/merkle
//! (`testonly/constants.go`, `proof/verify_test.go`) and against `ct-merkle`, an independent
//! implementation the ledger does not use.

use super::*;
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use sha2_digest011::Sha256 as CtSha256;

fn h(s: &str) -> Hash {
    let bytes = hex::decode(s).unwrap_or_default();
    bytes.try_into().unwrap_or([0xff; 32])
}

/// transparency-dev/merkle `testonly.LeafInputs()`.
fn leaves() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|s| hex::decode(s).unwrap_or_default())
    .collect()
}

/// transparency-dev/merkle `testonly.RootHashes()`, by tree size 0..=8.
fn roots() -> Vec<Hash> {
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    .iter()
    .map(|s| h(s))
    .collect()
}

fn vector_tree() -> MerkleTree {
    MerkleTree::from_entries(leaves())
}

#[test]
fn roots_match_the_rfc6962_vectors_for_every_size() {
    let tree = vector_tree();
    for (size, want) in roots().iter().enumerate() {
        assert_eq!(tree.root_at(size as u64), Ok(*want), "size {size}");
        assert_eq!(
            MerkleTree::from_entries(&leaves()[..size]).root(),
            *want,
            "size {size}"
        );
    }
    assert_eq!(EMPTY_ROOT, roots()[0]);
    assert_eq!(
        leaf_hash(b""),
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    );
    assert_eq!(
        node_hash(&leaf_hash(b""), &leaf_hash(&[0])),
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")
    );
}

/// `inclusionProofs` of `proof/verify_test.go` (leaf numbers there are 1-based).
fn inclusion_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (0, 1, vec![]),
        (
            0,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            5,
            8,
            vec![
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            3,
            vec![h(
                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            )],
        ),
        (
            1,
            5,
            vec![
                h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
    ]
}

/// `consistencyProofs` of `proof/verify_test.go`.
fn consistency_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            5,
            vec![
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
        (
            6,
            7,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
    ]
}

#[test]
fn inclusion_proofs_match_and_verify_against_the_vectors() {
    let tree = vector_tree();
    let roots = roots();
    for (index, size, want) in inclusion_vectors() {
        let proof = tree.inclusion_proof(index, size);
        assert_eq!(proof.as_ref(), Ok(&want), "leaf {index} of {size}");
        let leaf = leaf_hash(&leaves()[index as usize]);
        let root = roots[size as usize];
        assert_eq!(verify_inclusion(&leaf, index, size, &want, &root), Ok(()));
        // The corruptions transparency-dev's verifier tests try, each refused.
        let bad = MerkleError::InvalidInclusionProof;
        if index > 0 {
            assert!(verify_inclusion(&leaf, index - 1, size, &want, &root).is_err());
        }
        assert!(verify_inclusion(&leaf, index + 1, size, &want, &root).is_err());
        assert!(verify_inclusion(&leaf, index, size * 2, &want, &root).is_err());
        assert_eq!(
            verify_inclusion(&leaf_hash(b"WrongLeaf"), index, size, &want, &root),
            Err(bad)
        );
        assert_eq!(
            verify_inclusion(&leaf, index, size, &want, &EMPTY_ROOT),
            Err(bad)
        );
        let mut longer = want.clone();
        longer.push(root);
        assert_eq!(
            verify_inclusion(&leaf, index, size, &longer, &root),
            Err(bad)
        );
        for i in 0..want.len() {
            let mut flipped = want.clone();
            flipped[i][0] ^= 8;
            assert_eq!(
                verify_inclusion(&leaf, index, size, &flipped, &root),
                Err(bad)
            );
        }
        if !want.is_empty() {
            let short = &want[..want.len() - 1];
            assert_eq!(verify_inclusion(&leaf, index, size, short, &root), Err(bad));
        }
    }
}

#[test]
fn consistency_proofs_match_and_verify_against_the_vectors() {
    let tree = vector_tree();
    let roots = roots();
    for (old, new, want) in consistency_vectors() {
        assert_eq!(
            tree.consistency_proof(old, new).as_ref(),
            Ok(&want),
            "{old} -> {new}"
        );
        let (r1, r2) = (roots[old as usize], roots[new as usize]);
        assert_eq!(verify_consistency(old, new, &r1, &r2, &want), Ok(()));
        if want.is_empty() {
            continue;
        }
        let bad = Err(MerkleError::InvalidConsistencyProof);
        assert_eq!(verify_consistency(old, new, &r2, &r1, &want), bad);
        assert_eq!(verify_consistency(old, new, &r1, &r2, &[]), bad);
        assert!(verify_consistency(old + 1, new, &r1, &r2, &want).is_err());
        assert!(verify_consistency(old - 1, new, &r1, &r2, &want).is_err());
        let mut longer = want.clone();
        longer.push(r1);
        assert_eq!(verify_consistency(old, new, &r1, &r2, &longer), bad);
        assert_eq!(
            verify_consistency(old, new, &r1, &r2, &want[..want.len() - 1]),
            bad
        );
        for i in 0..want.len() {
            let mut flipped = want.clone();
            flipped[i][0] ^= 16;
            assert_eq!(verify_consistency(old, new, &r1, &r2, &flipped), bad);
        }
    }
}

#[test]
fn trivial_and_out_of_range_cases_follow_rfc9162() {
    let tree = vector_tree();
    let r = roots();
    assert_eq!(verify_consistency(0, 5, &EMPTY_ROOT, &r[5], &[]), Ok(()));
    assert_eq!(
        verify_consistency(0, 5, &EMPTY_ROOT, &r[5], &[EMPTY_ROOT]),
        Err(MerkleError::InvalidConsistencyProof)
    );
    assert_eq!(verify_consistency(3, 3, &r[3], &r[3], &[]), Ok(()));
    assert_eq!(
        verify_consistency(3, 3, &r[3], &r[4], &[]),
        Err(MerkleError::InvalidConsistencyProof)
    );
    assert_eq!(
        verify_consistency(4, 3, &r[4], &r[3], &[]),
        Err(MerkleError::SizesOutOfOrder {
            old_size: 4,
            new_size: 3
        })
    );
    assert_eq!(
        verify_inclusion(&r[1], 0, 0, &[], &EMPTY_ROOT),
        Err(MerkleError::IndexOutOfRange { index: 0, size: 0 })
    );
    assert_eq!(tree.consistency_proof(0, 8), Ok(vec![]));
    assert_eq!(
        tree.inclusion_proof(8, 8),
        Err(MerkleError::IndexOutOfRange { index: 8, size: 8 })
    );
    assert_eq!(
        tree.inclusion_proof(0, 9),
        Err(MerkleError::SizeOutOfRange {
            size: 9,
            log_size: 8
        })
    );
    assert_eq!(
        tree.root_at(9),
        Err(MerkleError::SizeOutOfRange {
            size: 9,
            log_size: 8
        })
    );
    assert_eq!(
        tree.consistency_proof(5, 4),
        Err(MerkleError::SizesOutOfOrder {
            old_size: 5,
            new_size: 4
        })
    );
    // A proof longer than any tree could need is refused outright.
    assert_eq!(
        verify_inclusion(&r[1], 0, u64::MAX, &[EMPTY_ROOT; 65], &r[1]),
        Err(MerkleError::InvalidInclusionProof)
    );
}

fn ct_proof_hashes(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks(32)
        .map(|c| c.try_into().unwrap_or([0; 32]))
        .collect()
}

/// Every root and every inclusion and consistency proof of trees of 1..=70 leaves, compared
/// with ct-merkle's and verified by ct-merkle's verifier.
#[test]
fn agrees_with_ct_merkle_on_every_small_tree() {
    let entries: Vec<Vec<u8>> = (0..70u32)
        .map(|i| format!("entry-{i}").into_bytes())
        .collect();
    let ours = MerkleTree::from_entries(&entries);
    let mut theirs: MemoryBackedTree<CtSha256, Vec<u8>> = MemoryBackedTree::new();
    for size in 1..=entries.len() as u64 {
        theirs.push(entries[size as usize - 1].clone());
        let their_root = theirs.root();
        assert_eq!(
            ours.root_at(size).map(|r| r.to_vec()),
            Ok(their_root.as_bytes().to_vec())
        );
        for index in 0..size {
            let proof = ours.inclusion_proof(index, size).unwrap_or_default();
            let their_proof = theirs.prove_inclusion(index as usize);
            assert_eq!(
                proof,
                ct_proof_hashes(their_proof.as_bytes()),
                "leaf {index} of {size}"
            );
            let flat: Vec<u8> = proof.iter().flatten().copied().collect();
            let parsed = ct_merkle::InclusionProof::<CtSha256>::try_from_bytes(flat);
            let verified =
                parsed.map(|p| their_root.verify_inclusion(&entries[index as usize], index, &p));
            assert!(matches!(verified, Ok(Ok(()))), "leaf {index} of {size}");
        }
        for old in 1..size {
            let proof = ours.consistency_proof(old, size).unwrap_or_default();
            let their_proof = theirs.prove_consistency((size - old) as usize);
            assert_eq!(
                proof,
                ct_proof_hashes(their_proof.as_bytes()),
                "{old} -> {size}"
            );
            let old_root = ours.root_at(old).unwrap_or(EMPTY_ROOT);
            let old_ct = ct_merkle::RootHash::<CtSha256>::new(old_root.into(), old);
            let flat: Vec<u8> = proof.iter().flatten().copied().collect();
            let parsed = ct_merkle::ConsistencyProof::<CtSha256>::try_from_bytes(flat);
            let verified = parsed.map(|p| their_root.verify_consistency(&old_ct, &p));
            assert!(matches!(verified, Ok(Ok(()))), "{old} -> {size}");
        }
    }
}

#[test]
fn a_large_tree_is_built_in_linear_time_and_matches_incremental_heads() {
    // 2^17 + 3 leaves: enough levels to exercise carries, small enough for a unit test.
    let n = (1u64 << 17) + 3;
    let mut tree = MerkleTree::new();
    for i in 0..n {
        tree.push(&i.to_be_bytes());
    }
    assert_eq!(tree.size(), n);
    let root = tree.root();
    for index in [0, 1, n / 2, n - 1] {
        let leaf = leaf_hash(&index.to_be_bytes());
        let proof = tree.inclusion_proof(index, n).unwrap_or_default();
        assert_eq!(verify_inclusion(&leaf, index, n, &proof, &root), Ok(()));
    }
    let old_root = tree.root_at(1000).unwrap_or(EMPTY_ROOT);
    let proof = tree.consistency_proof(1000, n).unwrap_or_default();
    assert_eq!(
        verify_consistency(1000, n, &old_root, &root, &proof),
        Ok(())
    );
}
