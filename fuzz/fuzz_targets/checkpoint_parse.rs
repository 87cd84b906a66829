//! Fuzzes the ledger's checkpoint readers: the strict body parser and the signed-note opener
//! that the offline verifier runs on an untrusted checkpoint file.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use signet_ledger::checkpoint::{Checkpoint, LedgerSigningKey, VerifierKey, open_checkpoint};

/// The key of the committed seeds (`signet.example/ledger`, seed `[7; 32]`), so that the seed
/// notes verify and the fuzzer starts from inputs that pass the signature check.
static KEY: LazyLock<Option<VerifierKey>> = LazyLock::new(|| {
    LedgerSigningKey::from_seed("signet.example/ledger", [7u8; 32])
        .ok()
        .map(|k| k.verifier_key().clone())
});

fuzz_target!(|data: &[u8]| {
    if let Ok(checkpoint) = Checkpoint::parse_body(data) {
        // What parses must render to a body that parses back to the same checkpoint.
        let body = checkpoint.body();
        let again = body.as_deref().map(Checkpoint::parse_body);
        assert!(
            matches!(&again, Ok(Ok(cp)) if *cp == checkpoint),
            "checkpoint body does not round-trip: {checkpoint:?} -> {again:?}"
        );
    }
    if let Some(key) = KEY.as_ref() {
        let _ = open_checkpoint(data, key);
    }
});
