//! From `spec.usages` to X.509 KeyUsage bits and ExtendedKeyUsage OIDs, as upstream's
//! `keyUsagesFromStrings` (`pkg/controller/certificates/authority/policies.go`) maps them.

use crate::goformat::go_quote;
use crate::usages as u;

use super::SigningError;

/// A KeyUsage bit; the discriminant is the bit number in the X.509 `KeyUsage` BIT STRING.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyUsage {
    DigitalSignature = 0,
    ContentCommitment = 1,
    KeyEncipherment = 2,
    DataEncipherment = 3,
    KeyAgreement = 4,
    CertSign = 5,
    CrlSign = 6,
    EncipherOnly = 7,
    DecipherOnly = 8,
}

impl KeyUsage {
    /// The bit number in the X.509 `KeyUsage` BIT STRING.
    pub fn bit(self) -> usize {
        self as usize
    }
}

/// An extended key usage, declared in Go's `x509.ExtKeyUsage` enum order (the order the
/// signer emits them in).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExtKeyUsage {
    Any,
    ServerAuth,
    ClientAuth,
    CodeSigning,
    EmailProtection,
    IpsecEndSystem,
    IpsecTunnel,
    IpsecUser,
    TimeStamping,
    OcspSigning,
    MicrosoftServerGatedCrypto,
    NetscapeServerGatedCrypto,
}

impl ExtKeyUsage {
    /// The OID arcs.
    pub fn oid(self) -> &'static [u64] {
        match self {
            ExtKeyUsage::Any => &[2, 5, 29, 37, 0],
            ExtKeyUsage::ServerAuth => &[1, 3, 6, 1, 5, 5, 7, 3, 1],
            ExtKeyUsage::ClientAuth => &[1, 3, 6, 1, 5, 5, 7, 3, 2],
            ExtKeyUsage::CodeSigning => &[1, 3, 6, 1, 5, 5, 7, 3, 3],
            ExtKeyUsage::EmailProtection => &[1, 3, 6, 1, 5, 5, 7, 3, 4],
            ExtKeyUsage::IpsecEndSystem => &[1, 3, 6, 1, 5, 5, 7, 3, 5],
            ExtKeyUsage::IpsecTunnel => &[1, 3, 6, 1, 5, 5, 7, 3, 6],
            ExtKeyUsage::IpsecUser => &[1, 3, 6, 1, 5, 5, 7, 3, 7],
            ExtKeyUsage::TimeStamping => &[1, 3, 6, 1, 5, 5, 7, 3, 8],
            ExtKeyUsage::OcspSigning => &[1, 3, 6, 1, 5, 5, 7, 3, 9],
            ExtKeyUsage::MicrosoftServerGatedCrypto => &[1, 3, 6, 1, 4, 1, 311, 10, 3, 3],
            ExtKeyUsage::NetscapeServerGatedCrypto => &[2, 16, 840, 1, 113730, 4, 1],
        }
    }

    /// The dotted OID, e.g. `1.3.6.1.5.5.7.3.1`.
    pub fn oid_string(self) -> String {
        let arcs: Vec<String> = self.oid().iter().map(u64::to_string).collect();
        arcs.join(".")
    }
}

/// The KeyUsage bit a `spec.usages` value stands for, if it is a KeyUsage value.
pub fn usage_to_key_usage(usage: &str) -> Option<KeyUsage> {
    Some(match usage {
        u::USAGE_SIGNING | u::USAGE_DIGITAL_SIGNATURE => KeyUsage::DigitalSignature,
        u::USAGE_CONTENT_COMMITMENT => KeyUsage::ContentCommitment,
        u::USAGE_KEY_ENCIPHERMENT => KeyUsage::KeyEncipherment,
        u::USAGE_KEY_AGREEMENT => KeyUsage::KeyAgreement,
        u::USAGE_DATA_ENCIPHERMENT => KeyUsage::DataEncipherment,
        u::USAGE_CERT_SIGN => KeyUsage::CertSign,
        u::USAGE_CRL_SIGN => KeyUsage::CrlSign,
        u::USAGE_ENCIPHER_ONLY => KeyUsage::EncipherOnly,
        u::USAGE_DECIPHER_ONLY => KeyUsage::DecipherOnly,
        _ => return None,
    })
}

/// The extended key usage a `spec.usages` value stands for, if it is one (`s/mime` and
/// `email protection` share an OID).
pub fn usage_to_ext_key_usage(usage: &str) -> Option<ExtKeyUsage> {
    Some(match usage {
        u::USAGE_ANY => ExtKeyUsage::Any,
        u::USAGE_SERVER_AUTH => ExtKeyUsage::ServerAuth,
        u::USAGE_CLIENT_AUTH => ExtKeyUsage::ClientAuth,
        u::USAGE_CODE_SIGNING => ExtKeyUsage::CodeSigning,
        u::USAGE_EMAIL_PROTECTION | u::USAGE_SMIME => ExtKeyUsage::EmailProtection,
        u::USAGE_IPSEC_END_SYSTEM => ExtKeyUsage::IpsecEndSystem,
        u::USAGE_IPSEC_TUNNEL => ExtKeyUsage::IpsecTunnel,
        u::USAGE_IPSEC_USER => ExtKeyUsage::IpsecUser,
        u::USAGE_TIMESTAMPING => ExtKeyUsage::TimeStamping,
        u::USAGE_OCSP_SIGNING => ExtKeyUsage::OcspSigning,
        u::USAGE_MICROSOFT_SGC => ExtKeyUsage::MicrosoftServerGatedCrypto,
        u::USAGE_NETSCAPE_SGC => ExtKeyUsage::NetscapeServerGatedCrypto,
        _ => return None,
    })
}

/// What a certificate's KeyUsage and ExtendedKeyUsage extensions will say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MappedUsages {
    /// Distinct KeyUsage bits, ascending.
    pub key_usages: Vec<KeyUsage>,
    /// Distinct extended key usages in Go's enum order.
    pub ext_key_usages: Vec<ExtKeyUsage>,
}

/// Maps every usage; unknown values fail with upstream's
/// `unrecognized usage values: ["a" "b"]` (all of them, in request order).
pub fn map_usages(usages: &[String]) -> Result<MappedUsages, SigningError> {
    let mut mapped = MappedUsages::default();
    let mut unrecognized = Vec::new();
    for usage in usages {
        if let Some(ku) = usage_to_key_usage(usage) {
            mapped.key_usages.push(ku);
        } else if let Some(eku) = usage_to_ext_key_usage(usage) {
            mapped.ext_key_usages.push(eku);
        } else {
            unrecognized.push(usage.as_str());
        }
    }
    if !unrecognized.is_empty() {
        let quoted: Vec<String> = unrecognized.iter().map(|s| go_quote(s)).collect();
        return Err(SigningError::UnrecognizedUsages(format!(
            "[{}]",
            quoted.join(" ")
        )));
    }
    mapped.key_usages.sort();
    mapped.key_usages.dedup();
    mapped.ext_key_usages.sort();
    mapped.ext_key_usages.dedup();
    Ok(mapped)
}

/// The KeyUsage extension value as Go marshals it: a BIT STRING trimmed after the highest set
/// bit, or `None` when no bit is set (Go then omits the extension).
pub(crate) fn key_usage_value(bits: &[KeyUsage]) -> Option<Vec<u8>> {
    let highest = bits.iter().map(|b| b.bit()).max()?;
    let mut bytes = [0u8; 2];
    for bit in bits {
        bytes[bit.bit() / 8] |= 0x80 >> (bit.bit() % 8);
    }
    Some(super::der::bit_string_bits(&bytes, highest + 1))
}

/// The ExtendedKeyUsage extension value, or `None` when empty.
pub(crate) fn ext_key_usage_value(ekus: &[ExtKeyUsage]) -> Option<Vec<u8>> {
    if ekus.is_empty() {
        return None;
    }
    let oids: Vec<Vec<u8>> = ekus.iter().map(|e| super::der::oid(e.oid())).collect();
    Some(super::der::sequence(&oids))
}
