//! Tests of keys, checkpoint bodies and signed notes: Go's `sumdb/note` published example as
//! an interoperability vector, and an independent check of every signed checkpoint with
//! `ring`'s Ed25519 and a parser written from the C2SP text.

use super::*;
use crate::test_support::{ORIGIN, key};
use sha2::Digest as _;

/// golang.org/x/mod/sumdb/note's documented example key pair and signed note.
const GO_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIG: &str =
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";

#[test]
fn go_note_example_keys_and_signature_are_reproduced() {
    let signing = LedgerSigningKey::from_private_key(GO_SKEY).unwrap();
    assert_eq!(signing.verifier_key().to_string(), GO_VKEY);
    assert_eq!(signing.private_key(), GO_SKEY);
    assert_eq!(
        GO_VKEY.parse::<VerifierKey>().unwrap(),
        *signing.verifier_key()
    );
    // Ed25519 is deterministic: signing Go's text gives Go's signature byte for byte.
    let mut note = Note::new(GO_TEXT.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&signing]).unwrap();
    let want = format!("{GO_TEXT}\n— PeterNeumann {GO_SIG}\n");
    assert_eq!(String::from_utf8(note.to_bytes()).unwrap(), want);
}

#[test]
fn key_id_is_the_c2sp_hash_of_name_and_key() {
    let key = key();
    let vkey = key.verifier_key();
    let mut input = ORIGIN.as_bytes().to_vec();
    input.extend_from_slice(&[0x0a, 0x01]);
    input.extend_from_slice(vkey.public_key());
    let digest = sha2::Sha256::digest(&input);
    assert_eq!(vkey.key_id().to_be_bytes(), digest[..4]);
    let text = vkey.to_string();
    let (name, rest) = text.split_once('+').unwrap();
    let (id, key64) = rest.split_once('+').unwrap();
    assert_eq!(name, ORIGIN);
    assert_eq!(id, hex::encode(&digest[..4]));
    let decoded = BASE64.decode(key64).unwrap();
    assert_eq!(decoded[0], 0x01);
    assert_eq!(&decoded[1..], vkey.public_key());
}

#[test]
fn verifier_keys_are_parsed_strictly() {
    let good = key().verifier_key().to_string();
    let (name, rest) = good.split_once('+').unwrap();
    let (id, key64) = rest.split_once('+').unwrap();
    let upper = format!("{name}+{}+{key64}", id.to_uppercase());
    if upper != good {
        assert_eq!(
            upper.parse::<VerifierKey>(),
            Err(CheckpointError::MalformedVerifierKey)
        );
    }
    assert_eq!(
        format!("{name}+00000000+{key64}").parse::<VerifierKey>(),
        Err(CheckpointError::KeyIdMismatch)
    );
    assert_eq!(
        "nokey".parse::<VerifierKey>(),
        Err(CheckpointError::MalformedVerifierKey)
    );
    assert_eq!(
        format!("{name}+{id}+!!").parse::<VerifierKey>(),
        Err(CheckpointError::MalformedVerifierKey)
    );
    // A well-formed key of another signature type (0x02) with a matching id.
    let mut other = vec![0x02];
    other.extend_from_slice(&[9u8; 32]);
    let other_id = signed_note::key_id(name, &other);
    let other_key = format!("{name}+{other_id:08x}+{}", BASE64.encode(&other));
    assert_eq!(
        other_key.parse::<VerifierKey>(),
        Err(CheckpointError::UnknownAlgorithm)
    );
    assert_eq!(
        LedgerSigningKey::from_seed("bad name", [1; 32]).map(|_| ()),
        Err(CheckpointError::InvalidKeyName("bad name".to_owned()))
    );
    assert_eq!(
        LedgerSigningKey::from_private_key("PRIVATE+KEY+x+00000000+AAAA").map(|_| ()),
        Err(CheckpointError::MalformedPrivateKey)
    );
}

#[test]
fn private_keys_round_trip_and_generated_keys_differ() {
    let key = key();
    let again = LedgerSigningKey::from_private_key(&key.private_key()).unwrap();
    assert_eq!(again.verifier_key(), key.verifier_key());
    let mut rng = rand::rngs::OsRng;
    let a = LedgerSigningKey::generate(ORIGIN, &mut rng).unwrap();
    let b = LedgerSigningKey::generate(ORIGIN, &mut rng).unwrap();
    assert_ne!(a.verifier_key(), b.verifier_key());
    assert!(!format!("{a:?}").contains(&a.private_key()));
}

fn sample() -> Checkpoint {
    Checkpoint {
        origin: ORIGIN.to_owned(),
        size: 42,
        root: [0x5a; 32],
    }
}

#[test]
fn bodies_are_exactly_three_lines_and_parse_strictly() {
    let body = sample().body().unwrap();
    let want = format!("{ORIGIN}\n42\n{}\n", BASE64.encode([0x5a; 32]));
    assert_eq!(String::from_utf8(body.clone()).unwrap(), want);
    assert_eq!(Checkpoint::parse_body(&body), Ok(sample()));
    let bad = |s: String| Checkpoint::parse_body(s.as_bytes());
    let root = BASE64.encode([0x5a; 32]);
    assert_eq!(
        bad(format!("{ORIGIN}\n042\n{root}\n")),
        Err(CheckpointError::MalformedCheckpoint)
    );
    assert_eq!(
        bad(format!("{ORIGIN}\n42\n{root}")),
        Err(CheckpointError::MalformedCheckpoint)
    );
    assert_eq!(
        bad(format!("{ORIGIN}\n42\nAAAA\n")),
        Err(CheckpointError::MalformedCheckpoint)
    );
    assert_eq!(
        bad(format!("{ORIGIN}\n-1\n{root}\n")),
        Err(CheckpointError::MalformedCheckpoint)
    );
    assert_eq!(
        bad(format!("{ORIGIN}\n42\n{root}\next\n")),
        Err(CheckpointError::UnexpectedExtension)
    );
}

/// A signed-note reader written from c2sp.org/signed-note, verifying with `ring`.
fn independent_open(note: &[u8], vkey: &str) -> Result<(String, u64, [u8; 32]), String> {
    use ring::signature::{ED25519, UnparsedPublicKey};
    let text = std::str::from_utf8(note).map_err(|e| e.to_string())?;
    let split = text.rfind("\n\n").ok_or("no signature block")?;
    let (body, sigs) = (&text[..split + 1], &text[split + 2..]);
    let parts: Vec<&str> = vkey.splitn(3, '+').collect();
    let (name, id) = (
        parts[0],
        u32::from_str_radix(parts[1], 16).map_err(|e| e.to_string())?,
    );
    let key = BASE64.decode(parts[2]).map_err(|e| e.to_string())?;
    let mut verified = false;
    for line in sigs.lines() {
        let rest = line.strip_prefix("\u{2014} ").ok_or("bad signature line")?;
        let (sig_name, b64) = rest.split_once(' ').ok_or("bad signature line")?;
        let blob = BASE64.decode(b64).map_err(|e| e.to_string())?;
        if sig_name == name && blob[..4] == id.to_be_bytes() {
            UnparsedPublicKey::new(&ED25519, &key[1..])
                .verify(body.as_bytes(), &blob[4..])
                .map_err(|_| "bad signature")?;
            verified = true;
        }
    }
    if !verified {
        return Err("no signature by the key".to_owned());
    }
    let lines: Vec<&str> = body.lines().collect();
    let root = BASE64.decode(lines[2]).map_err(|e| e.to_string())?;
    Ok((
        lines[0].to_owned(),
        lines[1].parse().map_err(|_| "size")?,
        root.try_into().map_err(|_| "root")?,
    ))
}

#[test]
fn signed_checkpoints_open_here_and_in_an_independent_reader() {
    let key = key();
    let signed = sample().sign(&key).unwrap();
    let text = String::from_utf8(signed.clone()).unwrap();
    assert!(text.starts_with(&format!("{ORIGIN}\n42\n")));
    assert!(text.contains(&format!("\n\n\u{2014} {ORIGIN} ")));
    assert_eq!(open_checkpoint(&signed, key.verifier_key()), Ok(sample()));
    let vkey = key.verifier_key().to_string();
    assert_eq!(
        independent_open(&signed, &vkey),
        Ok((ORIGIN.to_owned(), 42, [0x5a; 32]))
    );
}

#[test]
fn tampered_or_foreign_checkpoints_are_refused() {
    let key = key();
    let label = format!("{ORIGIN}+{:08x}", key.verifier_key().key_id());
    let signed = String::from_utf8(sample().sign(&key).unwrap()).unwrap();
    let grown = signed.replacen("\n42\n", "\n43\n", 1);
    assert_eq!(
        open_checkpoint(grown.as_bytes(), key.verifier_key()),
        Err(CheckpointError::BadSignature { key: label.clone() })
    );
    assert!(independent_open(grown.as_bytes(), &key.verifier_key().to_string()).is_err());
    let other = LedgerSigningKey::from_seed(ORIGIN, [8; 32]).unwrap();
    let other_label = format!("{ORIGIN}+{:08x}", other.verifier_key().key_id());
    assert_eq!(
        open_checkpoint(signed.as_bytes(), other.verifier_key()),
        Err(CheckpointError::NotSignedByKey { key: other_label })
    );
    assert_eq!(
        open_checkpoint(b"no signatures\n", key.verifier_key()),
        Err(CheckpointError::MalformedNote)
    );
    let wrong_origin = Checkpoint {
        origin: "elsewhere".to_owned(),
        ..sample()
    };
    assert_eq!(
        wrong_origin.sign(&key),
        Err(CheckpointError::OriginMismatch {
            origin: "elsewhere".to_owned(),
            key_name: ORIGIN.to_owned()
        })
    );
    // A note whose text is a checkpoint with an extension line, validly signed, is refused.
    let body = format!("{ORIGIN}\n1\n{}\nextra\n", BASE64.encode([0; 32]));
    let mut note = Note::new(body.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&key]).unwrap();
    assert_eq!(
        open_checkpoint(&note.to_bytes(), key.verifier_key()),
        Err(CheckpointError::UnexpectedExtension)
    );
}

#[test]
fn cosignatures_by_other_keys_are_tolerated() {
    let key = key();
    let witness = LedgerSigningKey::from_seed("witness.example", [3; 32]).unwrap();
    let mut note = Note::from_bytes(&sample().sign(&key).unwrap()).unwrap();
    note.add_sigs(&[&witness]).unwrap();
    let both = note.to_bytes();
    assert_eq!(open_checkpoint(&both, key.verifier_key()), Ok(sample()));
    assert_eq!(
        open_checkpoint(&both, witness.verifier_key()),
        Err(CheckpointError::OriginMismatch {
            origin: ORIGIN.to_owned(),
            key_name: "witness.example".to_owned()
        })
    );
}
