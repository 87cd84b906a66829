//! Fuzzes the CSR parsers: `request` bytes of a CertificateSigningRequest reach
//! `parse_csr_pem` straight from the network, and its DER path is reachable through the PEM one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_api::csr::{parse_csr_der, parse_csr_pem};

fuzz_target!(|data: &[u8]| {
    // Both entry points: raw DER exercises the ASN.1 checks without needing a valid PEM frame.
    let _ = parse_csr_pem(data);
    let _ = parse_csr_der(data);
});
