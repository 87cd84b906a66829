//! Tests of the whole authenticator: method order, the exact users produced, and when a request
//! is anonymous versus 401.

#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair};
use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};

use super::*;
use crate::pki::CertificateAuthority;
use crate::user::{GROUP_AUTHENTICATED, GROUP_MASTERS};

fn ca() -> CertificateAuthority {
    CertificateAuthority::generate(std::time::SystemTime::now())
        .unwrap()
        .0
}

fn peer(der: CertificateDer<'static>) -> PeerCertificates {
    PeerCertificates(Some(Arc::new(vec![der])))
}

fn no_peer() -> PeerCertificates {
    PeerCertificates(None)
}

/// A client certificate from `ca` for `cn` in `orgs`.
fn client_cert(ca: &CertificateAuthority, cn: &str, orgs: &[&str]) -> CertificateDer<'static> {
    let issued = ca
        .issue_client_cert(cn, orgs, Duration::from_secs(3600))
        .unwrap();
    crate::pki::certificate_der(&issued.cert_pem).unwrap()
}

/// A self-signed certificate with the given subject and extended key usages (`None`: no EKU
/// extension at all). The authenticator trusts the handshake for the chain, so the issuer is
/// irrelevant here.
fn cert_with(
    cn: Option<&str>,
    eku: Option<Vec<ExtendedKeyUsagePurpose>>,
) -> CertificateDer<'static> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "devs");
    if let Some(cn) = cn {
        params.distinguished_name.push(DnType::CommonName, cn);
    }
    params.extended_key_usages = eku.unwrap_or_default();
    params.self_signed(&key).unwrap().der().clone()
}

fn credential_id(der: &CertificateDer<'_>) -> BTreeMap<String, Vec<String>> {
    let hex = hex::encode(Sha256::digest(der.as_ref()));
    BTreeMap::from([(
        x509::CREDENTIAL_ID_KEY.to_string(),
        vec![format!("X509SHA256={hex}")],
    )])
}

fn bearer(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        HeaderValue::from_str(value).unwrap(),
    );
    headers
}

fn token_file(contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(contents.as_bytes()).unwrap();
    file
}

fn authenticator(tokens: Option<&tempfile::NamedTempFile>, anonymous: bool) -> Authenticator {
    Authenticator::new(AuthnConfig {
        client_ca: true,
        token_file: tokens.map(|f| f.path().to_path_buf()),
        bootstrap_token_file: None,
        anonymous,
    })
    .unwrap()
}

fn groups(gs: &[&str]) -> Vec<String> {
    gs.iter().map(|g| g.to_string()).collect()
}

#[test]
fn client_certificate_user_has_cn_organizations_in_order_and_credential_id() {
    let ca = ca();
    let der = client_cert(&ca, "alice", &["devs", "admins"]);
    let user = authenticator(None, false).authenticate(&peer(der.clone()), &HeaderMap::new());
    assert_eq!(
        user,
        Ok(UserInfo {
            name: "alice".into(),
            uid: String::new(),
            groups: groups(&["devs", "admins", GROUP_AUTHENTICATED]),
            extra: credential_id(&der),
        })
    );
    let id = &credential_id(&der)[x509::CREDENTIAL_ID_KEY][0];
    let hex = id.strip_prefix("X509SHA256=").unwrap();
    assert_eq!(hex.len(), 64);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{hex}"
    );
}

#[test]
fn admin_certificate_is_a_master() {
    let ca = ca();
    let der = client_cert(&ca, "signet-admin", &[GROUP_MASTERS]);
    let user = authenticator(None, false)
        .authenticate(&peer(der), &HeaderMap::new())
        .unwrap();
    assert_eq!(user.name, "signet-admin");
    assert_eq!(user.groups, groups(&[GROUP_MASTERS, GROUP_AUTHENTICATED]));
}

#[test]
fn extended_key_usage_must_allow_client_auth() {
    let authn = authenticator(None, true);
    let none = cert_with(Some("bob"), None);
    assert_eq!(
        authn
            .authenticate(&peer(none), &HeaderMap::new())
            .unwrap()
            .name,
        "bob"
    );
    let any = cert_with(Some("bob"), Some(vec![ExtendedKeyUsagePurpose::Any]));
    assert_eq!(
        authn
            .authenticate(&peer(any), &HeaderMap::new())
            .unwrap()
            .name,
        "bob"
    );
    let both = cert_with(
        Some("bob"),
        Some(vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ]),
    );
    assert_eq!(
        authn
            .authenticate(&peer(both), &HeaderMap::new())
            .unwrap()
            .name,
        "bob"
    );

    // A serving certificate is not a client credential, and not a way to become anonymous.
    let server_only = cert_with(Some("bob"), Some(vec![ExtendedKeyUsagePurpose::ServerAuth]));
    assert_eq!(
        x509::authenticate(&peer(server_only.clone())),
        Err(x509::X509Error::NotForClientAuth)
    );
    assert_eq!(
        authn.authenticate(&peer(server_only), &HeaderMap::new()),
        Err(AuthnError::Unauthorized)
    );
}

#[test]
fn a_rejected_certificate_still_lets_a_valid_token_through() {
    let tokens = token_file("tok,carol,7\n");
    let authn = authenticator(Some(&tokens), true);
    let server_only = cert_with(Some("bob"), Some(vec![ExtendedKeyUsagePurpose::ServerAuth]));
    let user = authn
        .authenticate(&peer(server_only), &bearer("Bearer tok"))
        .unwrap();
    assert_eq!(user.name, "carol");
}

#[test]
fn empty_or_missing_common_name_is_not_an_identity() {
    for cn in [Some(""), None] {
        let der = cert_with(cn, Some(vec![ExtendedKeyUsagePurpose::ClientAuth]));
        assert_eq!(x509::authenticate(&peer(der.clone())), Ok(None));
        assert_eq!(
            authenticator(None, true).authenticate(&peer(der.clone()), &HeaderMap::new()),
            Ok(UserInfo::anonymous())
        );
        assert_eq!(
            authenticator(None, false).authenticate(&peer(der), &HeaderMap::new()),
            Err(AuthnError::Unauthorized)
        );
    }
}

#[test]
fn certificates_are_ignored_without_a_client_ca() {
    let ca = ca();
    let authn = Authenticator::new(AuthnConfig {
        anonymous: true,
        ..Default::default()
    })
    .unwrap();
    let user = authn.authenticate(&peer(client_cert(&ca, "alice", &[])), &HeaderMap::new());
    assert_eq!(user, Ok(UserInfo::anonymous()));
}

#[test]
fn certificate_wins_over_a_bearer_token() {
    let ca = ca();
    let tokens = token_file("tok,carol,7\n");
    let authn = authenticator(Some(&tokens), false);
    let user = authn.authenticate(
        &peer(client_cert(&ca, "alice", &[])),
        &bearer("Bearer nope"),
    );
    assert_eq!(user.unwrap().name, "alice");
}

#[test]
fn static_token_user_gets_the_authenticated_group() {
    let tokens = token_file("tok,carol,7,\"ops,system:masters\"\n");
    let user = authenticator(Some(&tokens), false).authenticate(&no_peer(), &bearer("Bearer tok"));
    assert_eq!(
        user,
        Ok(UserInfo {
            name: "carol".into(),
            uid: "7".into(),
            groups: groups(&["ops", GROUP_MASTERS, GROUP_AUTHENTICATED]),
            extra: BTreeMap::new(),
        })
    );
}

#[test]
fn bearer_header_is_read_like_upstream() {
    let tokens = token_file("tok,carol,7\n");
    let authn = authenticator(Some(&tokens), true);
    let name = |value: &str| {
        authn
            .authenticate(&no_peer(), &bearer(value))
            .map(|u| u.name)
    };
    assert_eq!(name("Bearer tok"), Ok("carol".into()));
    assert_eq!(name("bearer tok"), Ok("carol".into()));
    assert_eq!(name("  BEARER tok  "), Ok("carol".into()));
    assert_eq!(name("Bearer tok trailing words"), Ok("carol".into()));
    // Not a bearer token at all: the request carries no credential.
    assert_eq!(name("Basic dXNlcjpwYXNz"), Ok("system:anonymous".into()));
    assert_eq!(name("Bearer"), Ok("system:anonymous".into()));
    assert_eq!(name("Bearer  tok"), Ok("system:anonymous".into()));
    // A bearer token that matches nothing is an error, even with anonymous enabled.
    assert_eq!(name("Bearer tok2"), Err(AuthnError::Unauthorized));
    assert_eq!(name("Bearer TOK"), Err(AuthnError::Unauthorized));
}

#[test]
fn no_credentials_is_anonymous_only_when_enabled() {
    assert_eq!(
        authenticator(None, true).authenticate(&no_peer(), &HeaderMap::new()),
        Ok(UserInfo::anonymous())
    );
    assert_eq!(
        authenticator(None, false).authenticate(&no_peer(), &HeaderMap::new()),
        Err(AuthnError::Unauthorized)
    );
    // No token authenticator configured: any bearer token is invalid.
    assert_eq!(
        authenticator(None, true).authenticate(&no_peer(), &bearer("Bearer x")),
        Err(AuthnError::Unauthorized)
    );
}

#[test]
fn unauthorized_becomes_the_401_status() {
    let status = ApiError::from(AuthnError::Unauthorized).to_status();
    assert_eq!(status["code"], 401);
    assert_eq!(status["reason"], "Unauthorized");
    assert_eq!(status["message"], "Unauthorized");
}

#[test]
fn bootstrap_tokens_are_tried_after_the_token_file() {
    let tokens = token_file("abcdef.0123456789abcdef,static-user,1\n");
    let secrets = token_file(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: bootstrap-token-abcdef, namespace: kube-system}\n\
         type: bootstrap.kubernetes.io/token\n\
         stringData: {token-id: abcdef, token-secret: 0123456789abcdef, usage-bootstrap-authentication: \"true\"}\n\
         ---\n\
         apiVersion: v1\nkind: Secret\nmetadata: {name: bootstrap-token-zzzzzz, namespace: kube-system}\n\
         type: bootstrap.kubernetes.io/token\n\
         stringData: {token-id: zzzzzz, token-secret: 0123456789abcdef, usage-bootstrap-authentication: \"true\"}\n",
    );
    let authn = Authenticator::new(AuthnConfig {
        client_ca: true,
        token_file: Some(tokens.path().to_path_buf()),
        bootstrap_token_file: Some(secrets.path().to_path_buf()),
        anonymous: false,
    })
    .unwrap();
    let user = |t: &str| authn.authenticate(&no_peer(), &bearer(&format!("Bearer {t}")));
    assert_eq!(user("abcdef.0123456789abcdef").unwrap().name, "static-user");
    assert_eq!(
        user("zzzzzz.0123456789abcdef"),
        Ok(UserInfo {
            name: "system:bootstrap:zzzzzz".into(),
            groups: groups(&["system:bootstrappers", GROUP_AUTHENTICATED]),
            ..Default::default()
        })
    );
    assert_eq!(
        user("zzzzzz.0123456789abcdee"),
        Err(AuthnError::Unauthorized)
    );
}

#[test]
fn configuration_errors_name_the_file() {
    let tokens = token_file("tok,carol\n");
    let err = Authenticator::new(AuthnConfig {
        token_file: Some(tokens.path().to_path_buf()),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "token file '{}' must have at least 3 columns (token, user name, user uid), found 2",
            tokens.path().display()
        )
    );
}
