//! Checkpoints: the signed statement "the ledger has `size` entries and this tree head", in the
//! C2SP formats the transparency-log ecosystem reads — a `tlog-checkpoint` body
//! (<https://c2sp.org/tlog-checkpoint>) inside a `signed-note` (<https://c2sp.org/signed-note>)
//! signed with the ledger's Ed25519 key.
//!
//! Start with [`LedgerSigningKey`] (the key, its `PRIVATE+KEY+…` storage form), [`VerifierKey`]
//! (the `<name>+<hex key id>+<base64(0x01 ‖ public key)>` string a verifier is given),
//! [`Checkpoint::sign`] and [`open_checkpoint`]. The formats themselves are the `tlog_tiles` and
//! `signed_note` crates (ports of Go's `sumdb/note` and `sumdb/tlog`); this module adds the
//! ledger's rules on top: the checkpoint's origin line is the key's name, and extension lines,
//! which the ledger never writes, are refused.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use signed_note::{Note, NoteError, StandardVerifier, VerifierList};

use crate::merkle::Hash;

/// The signed-note signature type byte for Ed25519.
const ALG_ED25519: u8 = 0x01;

/// Why a key, checkpoint or note was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckpointError {
    #[error("invalid key name {0:?}: it must be non-empty, without spaces or '+'")]
    InvalidKeyName(String),
    #[error("malformed verifier key")]
    MalformedVerifierKey,
    #[error("verifier key is not an Ed25519 key")]
    UnknownAlgorithm,
    #[error("verifier key id does not match its name and public key")]
    KeyIdMismatch,
    #[error("malformed private key")]
    MalformedPrivateKey,
    #[error("malformed signed note")]
    MalformedNote,
    #[error("malformed checkpoint")]
    MalformedCheckpoint,
    #[error("checkpoint has extension lines, which this ledger does not write")]
    UnexpectedExtension,
    #[error("checkpoint origin {origin:?} is not the key name {key_name:?}")]
    OriginMismatch { origin: String, key_name: String },
    #[error("checkpoint is not signed by {key}")]
    NotSignedByKey { key: String },
    #[error("checkpoint signature by {key} is invalid")]
    BadSignature { key: String },
    #[error("signing failed: {0}")]
    Signing(String),
}

/// The ledger's Ed25519 signing key and its name (which is also every checkpoint's origin).
#[derive(Clone)]
pub struct LedgerSigningKey {
    name: String,
    signing_key: ed25519_dalek::SigningKey,
    verifier: VerifierKey,
}

impl fmt::Debug for LedgerSigningKey {
    // The secret stays out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LedgerSigningKey")
            .field("verifier", &self.verifier)
            .finish()
    }
}

impl LedgerSigningKey {
    /// A new random key named `name`.
    pub fn generate<R: rand::RngCore + rand::CryptoRng>(
        name: &str,
        rng: &mut R,
    ) -> Result<Self, CheckpointError> {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Self::from_seed(name, seed)
    }

    /// The key with this Ed25519 seed (the 32-byte private key of RFC 8032).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, CheckpointError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(CheckpointError::InvalidKeyName(name.to_owned()));
        }
        let signing_key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let verifier = VerifierKey::new(name, signing_key.verifying_key().to_bytes())?;
        Ok(Self {
            name: name.to_owned(),
            signing_key,
            verifier,
        })
    }

    /// Reads the `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ seed)>` form that Go's
    /// `note.GenerateKey` and [`LedgerSigningKey::private_key`] write.
    pub fn from_private_key(skey: &str) -> Result<Self, CheckpointError> {
        // signed_note checks the layout, the algorithm and the key id against the public key.
        signed_note::StandardSigner::new(skey).map_err(|_| CheckpointError::MalformedPrivateKey)?;
        let parts: Vec<&str> = skey.splitn(5, '+').collect();
        let [_, _, name, _, key64] = parts.as_slice() else {
            return Err(CheckpointError::MalformedPrivateKey);
        };
        let key = BASE64
            .decode(key64)
            .map_err(|_| CheckpointError::MalformedPrivateKey)?;
        let seed: [u8; 32] = match key.as_slice() {
            [ALG_ED25519, seed @ ..] => seed
                .try_into()
                .map_err(|_| CheckpointError::MalformedPrivateKey)?,
            _ => return Err(CheckpointError::MalformedPrivateKey),
        };
        Self::from_seed(name, seed)
    }

    /// The secret storage form read by [`LedgerSigningKey::from_private_key`].
    pub fn private_key(&self) -> String {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(&self.signing_key.to_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.verifier.key_id,
            BASE64.encode(key)
        )
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public half, to hand to verifiers.
    pub fn verifier_key(&self) -> &VerifierKey {
        &self.verifier
    }
}

impl signed_note::Signer for LedgerSigningKey {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.verifier.key_id
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        use ed25519_dalek::Signer as _;
        Ok(self.signing_key.sign(msg).to_bytes().to_vec())
    }
}

/// A public verifier key: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`, where the key id
/// is the first four bytes of `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    public_key: [u8; 32],
}

impl VerifierKey {
    /// The verifier key for an Ed25519 public key named `name`.
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Self, CheckpointError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(CheckpointError::InvalidKeyName(name.to_owned()));
        }
        let key_id = signed_note::key_id(name, &Self::encoded_key(&public_key));
        Ok(Self {
            name: name.to_owned(),
            key_id,
            public_key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn public_key(&self) -> &[u8; 32] {
        &self.public_key
    }

    fn encoded_key(public_key: &[u8; 32]) -> Vec<u8> {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(public_key);
        key
    }

    fn note_verifier(&self) -> Result<StandardVerifier, CheckpointError> {
        StandardVerifier::new(&self.to_string()).map_err(|_| CheckpointError::MalformedVerifierKey)
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64.encode(Self::encoded_key(&self.public_key))
        )
    }
}

impl FromStr for VerifierKey {
    type Err = CheckpointError;

    fn from_str(vkey: &str) -> Result<Self, CheckpointError> {
        StandardVerifier::new(vkey).map_err(|e| match e {
            signed_note::VerifierError::Alg => CheckpointError::UnknownAlgorithm,
            signed_note::VerifierError::Id => CheckpointError::KeyIdMismatch,
            signed_note::VerifierError::Format => CheckpointError::MalformedVerifierKey,
        })?;
        // The base64 key may itself contain '+'.
        let parts: Vec<&str> = vkey.splitn(3, '+').collect();
        let [name, _, key64] = parts.as_slice() else {
            return Err(CheckpointError::MalformedVerifierKey);
        };
        let key = BASE64
            .decode(key64)
            .map_err(|_| CheckpointError::MalformedVerifierKey)?;
        let public_key: [u8; 32] = match key.as_slice() {
            [ALG_ED25519, pk @ ..] => pk
                .try_into()
                .map_err(|_| CheckpointError::MalformedVerifierKey)?,
            _ => return Err(CheckpointError::UnknownAlgorithm),
        };
        let parsed = Self::new(name, public_key)?;
        // Refuse non-canonical spellings (e.g. uppercase hex id) so that one key has one string.
        if parsed.to_string() != vkey {
            return Err(CheckpointError::MalformedVerifierKey);
        }
        Ok(parsed)
    }
}

/// A tree head: the origin (the ledger key's name), the number of entries and the root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The checkpoint body: `<origin>\n<size>\n<base64 root>\n`.
    pub fn body(&self) -> Result<Vec<u8>, CheckpointError> {
        let cp =
            tlog_tiles::Checkpoint::new(&self.origin, self.size, tlog_tiles::Hash(self.root), "")
                .map_err(|_| CheckpointError::MalformedCheckpoint)?;
        Ok(cp.to_bytes())
    }

    /// Parses a checkpoint body strictly: exactly three lines, a decimal size without leading
    /// zeros, a 32-byte base64 root, and no extension lines.
    pub fn parse_body(text: &[u8]) -> Result<Self, CheckpointError> {
        let cp = tlog_tiles::Checkpoint::from_bytes(text)
            .map_err(|_| CheckpointError::MalformedCheckpoint)?;
        if !cp.extension().is_empty() {
            return Err(CheckpointError::UnexpectedExtension);
        }
        Ok(Self {
            origin: cp.origin().to_owned(),
            size: cp.size(),
            root: cp.hash().0,
        })
    }

    /// Signs this checkpoint as a signed note; the origin must be the key's name.
    pub fn sign(&self, key: &LedgerSigningKey) -> Result<Vec<u8>, CheckpointError> {
        if self.origin != key.name() {
            return Err(CheckpointError::OriginMismatch {
                origin: self.origin.clone(),
                key_name: key.name().to_owned(),
            });
        }
        let mut note =
            Note::new(&self.body()?, &[]).map_err(|_| CheckpointError::MalformedCheckpoint)?;
        note.add_sigs(&[key])
            .map_err(|e| CheckpointError::Signing(e.to_string()))?;
        Ok(note.to_bytes())
    }
}

/// Verifies a signed checkpoint against the ledger's verifier key and returns its contents.
/// Signatures by other keys (witness cosignatures, say) are allowed beside the ledger's.
pub fn open_checkpoint(signed: &[u8], key: &VerifierKey) -> Result<Checkpoint, CheckpointError> {
    let note = Note::from_bytes(signed).map_err(|_| CheckpointError::MalformedNote)?;
    let verifiers = VerifierList::new(vec![Box::new(key.note_verifier()?)]);
    let key_label = format!("{}+{:08x}", key.name, key.key_id);
    note.verify(&verifiers).map_err(|e| match e {
        NoteError::InvalidSignature { .. } => CheckpointError::BadSignature {
            key: key_label.clone(),
        },
        NoteError::UnverifiedNote => CheckpointError::NotSignedByKey {
            key: key_label.clone(),
        },
        _ => CheckpointError::MalformedNote,
    })?;
    let checkpoint = Checkpoint::parse_body(note.text())?;
    if checkpoint.origin != key.name {
        return Err(CheckpointError::OriginMismatch {
            origin: checkpoint.origin,
            key_name: key.name.clone(),
        });
    }
    Ok(checkpoint)
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "tests fail loudly on unexpected results"
)]
#[path = "checkpoint_tests.rs"]
mod tests;
