//! The request's subject, read the way Go's `pkix.Name.FillFromRDNSequence` reads it, and
//! rendered the way `pkix.Name.String()` renders it (RFC 2253 order, Go's escaping).

use x509_parser::der_parser::asn1_rs::{Any, Tag};
use x509_parser::x509::X509Name;

/// The subject of a certificate request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// The last CN value (Go keeps the last one), or empty.
    pub common_name: String,
    pub organizations: Vec<String>,
    pub organizational_units: Vec<String>,
    pub countries: Vec<String>,
    pub provinces: Vec<String>,
    pub localities: Vec<String>,
    pub street_addresses: Vec<String>,
    pub postal_codes: Vec<String>,
    pub serial_number: String,
    /// Every attribute in encoding order as (dotted OID, value); non-string values are skipped.
    pub attributes: Vec<(String, String)>,
    /// The full name as Go's `pkix.Name.String()` prints it, e.g. `CN=alice,O=dev`.
    pub rdn_string: String,
    /// The DER of the `Name`.
    pub der: Vec<u8>,
}

const OID_CN: &str = "2.5.4.3";
const OID_SERIAL: &str = "2.5.4.5";
const OID_C: &str = "2.5.4.6";
const OID_L: &str = "2.5.4.7";
const OID_ST: &str = "2.5.4.8";
const OID_STREET: &str = "2.5.4.9";
const OID_O: &str = "2.5.4.10";
const OID_OU: &str = "2.5.4.11";
const OID_POSTAL: &str = "2.5.4.17";

impl Subject {
    pub(crate) fn from_name(name: &X509Name<'_>) -> Subject {
        let mut subject = Subject {
            der: name.as_raw().to_vec(),
            ..Subject::default()
        };
        // Attributes Go does not map to a named field keep their own RDN, placed first so
        // that they print last (Go issue 39924).
        let mut extra_rdns: Vec<String> = Vec::new();
        for rdn in name.iter_rdn() {
            for atv in rdn.iter() {
                let oid = atv.attr_type().to_id_string();
                let Some(value) = decode_string(atv.attr_value()) else {
                    continue;
                };
                subject.attributes.push((oid.clone(), value.clone()));
                match oid.as_str() {
                    OID_CN => subject.common_name = value,
                    OID_SERIAL => subject.serial_number = value,
                    OID_C => subject.countries.push(value),
                    OID_L => subject.localities.push(value),
                    OID_ST => subject.provinces.push(value),
                    OID_STREET => subject.street_addresses.push(value),
                    OID_O => subject.organizations.push(value),
                    OID_OU => subject.organizational_units.push(value),
                    OID_POSTAL => subject.postal_codes.push(value),
                    _ => extra_rdns
                        .push(format!("{oid}=#{}", hex::encode(go_marshal_string(&value)))),
                }
            }
        }
        subject.rdn_string = subject.render(extra_rdns);
        subject
    }

    /// Rebuilds Go's RDN sequence (extra attributes, C, ST, L, STREET, POSTALCODE, O, OU, CN,
    /// SERIALNUMBER) and prints it last-to-first.
    fn render(&self, extra_rdns: Vec<String>) -> String {
        let multi = |name: &str, values: &[String]| -> Option<String> {
            (!values.is_empty()).then(|| {
                values
                    .iter()
                    .map(|v| format!("{name}={}", escape_value(v)))
                    .collect::<Vec<_>>()
                    .join("+")
            })
        };
        let mut rdns: Vec<String> = extra_rdns;
        rdns.extend(multi("C", &self.countries));
        rdns.extend(multi("ST", &self.provinces));
        rdns.extend(multi("L", &self.localities));
        rdns.extend(multi("STREET", &self.street_addresses));
        rdns.extend(multi("POSTALCODE", &self.postal_codes));
        rdns.extend(multi("O", &self.organizations));
        rdns.extend(multi("OU", &self.organizational_units));
        if !self.common_name.is_empty() {
            rdns.push(format!("CN={}", escape_value(&self.common_name)));
        }
        if !self.serial_number.is_empty() {
            rdns.push(format!(
                "SERIALNUMBER={}",
                escape_value(&self.serial_number)
            ));
        }
        rdns.reverse();
        rdns.join(",")
    }
}

/// Decodes the ASN.1 string types Go's `encoding/asn1` turns into a Go `string`.
fn decode_string(any: &Any<'_>) -> Option<String> {
    let data = any.data;
    match any.tag() {
        Tag::PrintableString | Tag::Ia5String | Tag::NumericString | Tag::Utf8String => {
            std::str::from_utf8(data).ok().map(str::to_string)
        }
        // Go copies T61String bytes unchanged; read them as Latin-1.
        Tag::T61String => Some(data.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            if !data.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// RFC 2253 escaping as Go applies it.
fn escape_value(value: &str) -> String {
    let count = value.chars().count();
    let mut out = String::with_capacity(value.len());
    for (k, c) in value.chars().enumerate() {
        let escape = match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => true,
            ' ' => k == 0 || k + 1 == count,
            '#' => k == 0,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `asn1.Marshal` of a Go string: PrintableString when every character allows it,
/// otherwise UTF8String.
fn go_marshal_string(value: &str) -> Vec<u8> {
    let printable = value.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b' ' | b'\'' | b'(' | b')' | b'+' | b',' | b'-' | b'.' | b'/' | b':' | b'=' | b'?'
            )
    });
    let tag = if printable { 0x13 } else { 0x0c };
    let body = value.as_bytes();
    let mut out = vec![tag];
    push_der_length(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

fn push_der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_go() {
        assert_eq!(escape_value("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape_value(" lead and trail "), "\\ lead and trail\\ ");
        assert_eq!(escape_value("#x#"), "\\#x#");
        assert_eq!(escape_value("semi;<>\"\\"), "semi\\;\\<\\>\\\"\\\\");
    }

    #[test]
    fn marshal_picks_printable_or_utf8() {
        assert_eq!(go_marshal_string("ab"), vec![0x13, 2, b'a', b'b']);
        assert_eq!(go_marshal_string("a@b"), vec![0x0c, 3, b'a', b'@', b'b']);
        let long = "a".repeat(200);
        let der = go_marshal_string(&long);
        assert_eq!(&der[..3], &[0x13, 0x81, 200]);
    }
}
