//! The policies of the four built-in signers (upstream `pkg/controller/certificates/signer`
//! and `pkg/apis/certificates/helpers.go`), checked in upstream's order with its messages.
//!
//! An `Err` is what the signing controller writes into a `Failed` condition with reason
//! `SignerValidationFailure`, so every text here is byte for byte upstream's.

use std::collections::BTreeSet;

use crate::csr::ParsedCsr;
use crate::signer;
use crate::usages as u;

/// One of the signers Kubernetes defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WellKnownSigner {
    /// `kubernetes.io/kube-apiserver-client`
    KubeApiserverClient,
    /// `kubernetes.io/kube-apiserver-client-kubelet`
    KubeApiserverClientKubelet,
    /// `kubernetes.io/kubelet-serving`
    KubeletServing,
    /// `kubernetes.io/legacy-unknown`
    LegacyUnknown,
}

impl WellKnownSigner {
    /// All four, in the order upstream starts their controllers.
    pub const ALL: [WellKnownSigner; 4] = [
        WellKnownSigner::KubeletServing,
        WellKnownSigner::KubeApiserverClientKubelet,
        WellKnownSigner::KubeApiserverClient,
        WellKnownSigner::LegacyUnknown,
    ];

    /// The signer for a `spec.signerName`, if it is one of the four.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The `spec.signerName` value.
    pub fn name(self) -> &'static str {
        match self {
            WellKnownSigner::KubeApiserverClient => signer::KUBE_APISERVER_CLIENT,
            WellKnownSigner::KubeApiserverClientKubelet => signer::KUBE_APISERVER_CLIENT_KUBELET,
            WellKnownSigner::KubeletServing => signer::KUBELET_SERVING,
            WellKnownSigner::LegacyUnknown => signer::LEGACY_UNKNOWN,
        }
    }
}

const SYSTEM_NODES: &str = "system:nodes";
const NODE_CN_PREFIX: &str = "system:node:";

const ERR_ORGANIZATION: &str = "subject organization is not system:nodes";
const ERR_COMMON_NAME: &str = "subject common name does not begin with system:node:";
const ERR_DNS_SAN: &str = "DNS subjectAltNames are not allowed";
const ERR_EMAIL_SAN: &str = "Email subjectAltNames are not allowed";
const ERR_IP_SAN: &str = "IP subjectAltNames are not allowed";
const ERR_URI_SAN: &str = "URI subjectAltNames are not allowed";
const ERR_DNS_OR_IP_REQUIRED: &str = "DNS or IP subjectAltName is required";

/// Upstream's policy for `signer`: `Ok(true)` when the request may be signed (`Ok(false)`, "not
/// recognized", never happens for these four because the name already matched), `Err(message)`
/// when the controller must mark it Failed.
pub fn well_known_policy(
    signer: WellKnownSigner,
    csr: &ParsedCsr,
    usages: &[String],
) -> Result<bool, String> {
    match signer {
        WellKnownSigner::KubeApiserverClient => api_server_client_usages(usages),
        WellKnownSigner::KubeApiserverClientKubelet => kubelet_client(csr, usages),
        WellKnownSigner::KubeletServing => kubelet_serving(csr, usages),
        WellKnownSigner::LegacyUnknown => Ok(()),
    }
    .map(|()| true)
}

/// `validAPIServerClientUsages`: only digital signature, key encipherment and client auth, and
/// client auth is required.
fn api_server_client_usages(usages: &[String]) -> Result<(), String> {
    let mut has_client_auth = false;
    for usage in usages {
        match usage.as_str() {
            u::USAGE_DIGITAL_SIGNATURE | u::USAGE_KEY_ENCIPHERMENT => {}
            u::USAGE_CLIENT_AUTH => has_client_auth = true,
            other => return Err(format!("invalid usage for client certificate: {other}")),
        }
    }
    if has_client_auth {
        Ok(())
    } else {
        Err(format!(
            "missing required usage for client certificate: {}",
            u::USAGE_CLIENT_AUTH
        ))
    }
}

/// `ValidateKubeletClientCSR`.
fn kubelet_client(csr: &ParsedCsr, usages: &[String]) -> Result<(), String> {
    check_system_nodes(csr)?;
    if !csr.dns_names.is_empty() {
        return Err(ERR_DNS_SAN.to_string());
    }
    if !csr.email_addresses.is_empty() {
        return Err(ERR_EMAIL_SAN.to_string());
    }
    if !csr.ip_addresses.is_empty() {
        return Err(ERR_IP_SAN.to_string());
    }
    if !csr.uris.is_empty() {
        return Err(ERR_URI_SAN.to_string());
    }
    check_node_common_name(csr)?;
    check_usage_set(
        usages,
        &[
            u::USAGE_DIGITAL_SIGNATURE,
            u::USAGE_KEY_ENCIPHERMENT,
            u::USAGE_CLIENT_AUTH,
        ],
        u::USAGE_CLIENT_AUTH,
    )
}

/// `ValidateKubeletServingCSR`.
fn kubelet_serving(csr: &ParsedCsr, usages: &[String]) -> Result<(), String> {
    check_system_nodes(csr)?;
    if csr.dns_names.is_empty() && csr.ip_addresses.is_empty() {
        return Err(ERR_DNS_OR_IP_REQUIRED.to_string());
    }
    if !csr.email_addresses.is_empty() {
        return Err(ERR_EMAIL_SAN.to_string());
    }
    if !csr.uris.is_empty() {
        return Err(ERR_URI_SAN.to_string());
    }
    check_usage_set(
        usages,
        &[
            u::USAGE_DIGITAL_SIGNATURE,
            u::USAGE_KEY_ENCIPHERMENT,
            u::USAGE_SERVER_AUTH,
        ],
        u::USAGE_SERVER_AUTH,
    )?;
    check_node_common_name(csr)
}

/// Upstream compares with `reflect.DeepEqual([]string{"system:nodes"}, ...)`: exactly one
/// organization, no duplicates.
fn check_system_nodes(csr: &ParsedCsr) -> Result<(), String> {
    if csr.subject.organizations == [SYSTEM_NODES] {
        Ok(())
    } else {
        Err(ERR_ORGANIZATION.to_string())
    }
}

fn check_node_common_name(csr: &ParsedCsr) -> Result<(), String> {
    if csr.subject.common_name.starts_with(NODE_CN_PREFIX) {
        Ok(())
    } else {
        Err(ERR_COMMON_NAME.to_string())
    }
}

/// The usages, as a set, must be the full three-usage set or the same set without
/// `key encipherment` (upstream's `...RequiredUsagesNoRSA`, which despite its name is accepted
/// for every key type). The message always lists the full set, sorted, as `%v` prints it.
fn check_usage_set(usages: &[String], full: &[&str; 3], eku: &str) -> Result<(), String> {
    let requested: BTreeSet<&str> = usages.iter().map(String::as_str).collect();
    let full_set: BTreeSet<&str> = full.iter().copied().collect();
    let no_rsa: BTreeSet<&str> = [u::USAGE_DIGITAL_SIGNATURE, eku].into_iter().collect();
    if requested == full_set || requested == no_rsa {
        return Ok(());
    }
    let sorted: Vec<&str> = full_set.into_iter().collect();
    Err(format!("usages did not match [{}]", sorted.join(" ")))
}
