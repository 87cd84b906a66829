//! Fuzzes the ledger's entry decoder, which reads every record of a log handed to the offline
//! verifier (an untrusted file).
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_ledger::entry::{decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(entry) = decode(data) {
        // decode accepts only canonical bytes, so re-encoding gives exactly the input back.
        match encode(&entry) {
            Ok(bytes) => assert_eq!(bytes, data, "decoded entry re-encodes differently"),
            Err(err) => panic!("decoded entry does not re-encode: {err}"),
        }
    }
});
