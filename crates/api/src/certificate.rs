//! `status.certificate` content rules (upstream `validateCertificate`): one or more
//! `CERTIFICATE` PEM blocks without headers, each holding parseable X.509 certificates.
//!
//! Text between blocks is allowed (RFC 7468 explanatory text) and not looked at.

use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error;
use x509_parser::prelude::FromDer;

/// The PEM label of a certificate block.
pub const CERTIFICATE_PEM_LABEL: &str = "CERTIFICATE";

/// Checks `data` as upstream checks `status.certificate`; the error is the detail of the
/// `status.certificate: Invalid value: "<certificate data>"` field error. Empty is valid.
pub fn validate_certificate_pem(data: &[u8]) -> Result<(), String> {
    if data.is_empty() {
        return Ok(());
    }
    let mut rest = data;
    let mut blocks = 0usize;
    while let Some((block, after)) = crate::gopem::decode(rest) {
        if block.label != CERTIFICATE_PEM_LABEL {
            return Err(format!(
                "only CERTIFICATE PEM blocks are allowed, found {}",
                crate::goformat::go_quote(&block.label)
            ));
        }
        if !block.headers.is_empty() {
            return Err("no PEM block headers are permitted".to_string());
        }
        blocks += 1;
        if parse_certificates(&block.bytes)? == 0 {
            return Err("found CERTIFICATE PEM block containing 0 certificates".to_string());
        }
        rest = after;
    }
    if blocks == 0 {
        return Err("must contain at least one CERTIFICATE PEM block".to_string());
    }
    Ok(())
}

/// Parses concatenated DER certificates as Go's `x509.ParseCertificates` does, returning how
/// many there were.
pub fn parse_certificates(mut der: &[u8]) -> Result<usize, String> {
    let mut count = 0;
    while !der.is_empty() {
        let Some(contents) = sequence_contents(der) else {
            return Err("x509: malformed certificate".to_string());
        };
        if sequence_contents(contents).is_none() {
            return Err("x509: malformed tbs certificate".to_string());
        }
        let (rest, _) = X509Certificate::from_der(der).map_err(|e| go_message(&e))?;
        der = rest;
        count += 1;
    }
    Ok(count)
}

/// The contents of the complete definite-length SEQUENCE `der` starts with, if any (Go's
/// `ReadASN1Element(SEQUENCE)`).
fn sequence_contents(der: &[u8]) -> Option<&[u8]> {
    let [0x30, first, rest @ ..] = der else {
        return None;
    };
    let (len, rest) = if first & 0x80 == 0 {
        (usize::from(*first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (len_bytes, rest) = rest.split_at(n);
        (
            len_bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b)),
            rest,
        )
    };
    rest.get(..len)
}

/// Maps the Rust parser's failure to the nearest message Go's parser gives.
fn go_message(err: &x509_parser::nom::Err<X509Error>) -> String {
    let e = match err {
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => e,
        x509_parser::nom::Err::Incomplete(_) => {
            return "x509: malformed tbs certificate".to_string();
        }
    };
    match e {
        X509Error::InvalidVersion => "x509: malformed version",
        X509Error::InvalidSerial => "x509: malformed serial number",
        X509Error::InvalidAlgorithmIdentifier => "x509: malformed signature algorithm identifier",
        X509Error::InvalidX509Name => "x509: invalid RDNSequence",
        X509Error::InvalidDate => "x509: malformed validity",
        X509Error::InvalidSPKI => "x509: malformed spki",
        X509Error::InvalidSubjectUID | X509Error::InvalidIssuerUID => {
            "x509: malformed issuerUniqueID"
        }
        X509Error::InvalidExtensions | X509Error::DuplicateExtensions => {
            "x509: malformed extensions"
        }
        X509Error::InvalidSignatureValue => "x509: malformed signature",
        _ => "x509: malformed tbs certificate",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed_pem() -> String {
        let key = rcgen::KeyPair::generate().expect("key");
        let params = rcgen::CertificateParams::new(vec!["a.example".to_string()]).expect("params");
        params.self_signed(&key).expect("cert").pem()
    }

    fn pem(label: &str, body: &str) -> String {
        format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
    }

    #[test]
    fn empty_and_valid_chains_pass() {
        assert_eq!(validate_certificate_pem(b""), Ok(()));
        let one = self_signed_pem();
        assert_eq!(validate_certificate_pem(one.as_bytes()), Ok(()));
        let chain = format!("issued\n{one}intermediate follows\n{}", self_signed_pem());
        assert_eq!(validate_certificate_pem(chain.as_bytes()), Ok(()));
    }

    #[test]
    fn upstream_messages() {
        let cases = [
            ("no PEM here".to_string(), "must contain at least one CERTIFICATE PEM block"),
            (
                pem("CERTIFICATE1", "AQID"),
                "only CERTIFICATE PEM blocks are allowed, found \"CERTIFICATE1\"",
            ),
            (
                "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nAQID\n-----END CERTIFICATE-----\n"
                    .to_string(),
                "no PEM block headers are permitted",
            ),
            (
                pem("CERTIFICATE", "!!!not base64!!!"),
                "must contain at least one CERTIFICATE PEM block",
            ),
            (
                "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".to_string(),
                "found CERTIFICATE PEM block containing 0 certificates",
            ),
            (pem("CERTIFICATE", "aW52YWxpZA=="), "x509: malformed certificate"),
        ];
        for (input, want) in cases {
            assert_eq!(
                validate_certificate_pem(input.as_bytes()),
                Err(want.to_string()),
                "{input}"
            );
        }
    }

    #[test]
    fn a_bad_block_after_a_good_one_fails() {
        let input = format!("{}{}", self_signed_pem(), pem("PRIVATE KEY", "AQID"));
        assert_eq!(
            validate_certificate_pem(input.as_bytes()),
            Err("only CERTIFICATE PEM blocks are allowed, found \"PRIVATE KEY\"".to_string())
        );
    }

    #[test]
    fn sequence_that_is_not_a_certificate() {
        // SEQUENCE { INTEGER 0 }: structurally DER, not a certificate.
        let body = "MAMCAQA=";
        let err = validate_certificate_pem(pem("CERTIFICATE", body).as_bytes()).expect_err("bad");
        assert!(err.starts_with("x509: "), "{err}");
    }
}
