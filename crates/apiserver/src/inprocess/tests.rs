//! The in-process SubjectAccessReview: the caller's own permission is checked first, as the
//! HTTP endpoint's authorization would, invalid reviews get the endpoint's messages, and the
//! answer is the server's authorizer's for the reviewed subject.

use std::collections::BTreeMap;

use k8s_openapi::api::authorization::v1::{NonResourceAttributes, ResourceAttributes};
use signet_api::clock::SystemClock;
use signet_storage::Store;
use signet_storage::sqlite::{SqliteOptions, SqliteStore};

use super::*;
use crate::assemble::{ServerParts, assemble};
use crate::authn::{Authenticator, AuthnConfig};
use crate::registry::csr_admission::GovernancePolicy;

struct Setup {
    state: crate::server::AppState,
    _dir: tempfile::TempDir,
    stop: tokio::sync::watch::Sender<bool>,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("db.sqlite"), SqliteOptions::default()).expect("store"),
    );
    let authn = Authenticator::new(AuthnConfig {
        client_ca: false,
        token_file: None,
        bootstrap_token_file: None,
        anonymous: false,
    })
    .expect("authenticator");
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let state = assemble(ServerParts {
        store,
        clock: Arc::new(SystemClock),
        authn,
        governance: GovernancePolicy::default(),
        shutdown,
        inflight: Default::default(),
        audit: None,
    })
    .await
    .expect("assemble");
    Setup {
        state,
        _dir: dir,
        stop,
    }
}

fn client(setup: &Setup, user: &str) -> InProcessCsrClient {
    let registry = setup
        .state
        .registry("certificates.k8s.io", "v1", "certificatesigningrequests")
        .cloned()
        .expect("the CSR registry");
    InProcessCsrClient::new(
        registry,
        setup.state.authz.clone(),
        Arc::new(SystemClock),
        UserInfo {
            name: user.to_string(),
            groups: vec!["system:authenticated".to_string()],
            ..Default::default()
        },
        setup.stop.subscribe(),
    )
}

fn review(user: &str, groups: &[&str], subresource: &str) -> SubjectAccessReviewSpec {
    SubjectAccessReviewSpec {
        user: Some(user.to_string()),
        groups: Some(groups.iter().map(|g| g.to_string()).collect()),
        uid: Some("uid-1".to_string()),
        extra: Some(BTreeMap::new()),
        resource_attributes: Some(ResourceAttributes {
            group: Some("certificates.k8s.io".to_string()),
            version: Some("*".to_string()),
            resource: Some("certificatesigningrequests".to_string()),
            subresource: Some(subresource.to_string()),
            verb: Some("create".to_string()),
            ..ResourceAttributes::default()
        }),
        non_resource_attributes: None,
    }
}

#[tokio::test]
async fn the_approver_asks_and_the_authorizer_answers() {
    let setup = setup().await;
    let approver = client(&setup, "signet:controller:approver");
    // Nobody is bound to the node-client roles by default.
    let bootstrapper = review(
        "system:bootstrap:abcdef",
        &["system:bootstrappers", "system:authenticated"],
        "nodeclient",
    );
    assert_eq!(
        approver.subject_access_review(&bootstrapper).await,
        Ok(false)
    );
    let admin = review("admin", &["system:masters"], "selfnodeclient");
    assert_eq!(approver.subject_access_review(&admin).await, Ok(true));
    // Non-resource reviews are answered too.
    let discovery = SubjectAccessReviewSpec {
        resource_attributes: None,
        non_resource_attributes: Some(NonResourceAttributes {
            path: Some("/version".to_string()),
            verb: Some("get".to_string()),
        }),
        ..review("anyone", &["system:authenticated"], "")
    };
    assert_eq!(approver.subject_access_review(&discovery).await, Ok(true));
}

#[tokio::test]
async fn a_caller_without_create_on_subjectaccessreviews_is_forbidden() {
    let setup = setup().await;
    let signer = client(&setup, "signet:controller:signer");
    assert_eq!(
        signer
            .subject_access_review(&review("admin", &["system:masters"], "nodeclient"))
            .await,
        Err(ClientError::Forbidden(
            "subjectaccessreviews.authorization.k8s.io is forbidden: User \"signet:controller:signer\" cannot create resource \"subjectaccessreviews\" in API group \"authorization.k8s.io\" at the cluster scope".to_string()
        ))
    );
}

#[tokio::test]
async fn invalid_reviews_get_the_endpoints_messages() {
    let setup = setup().await;
    let approver = client(&setup, "signet:controller:approver");
    let nobody = SubjectAccessReviewSpec {
        user: None,
        groups: None,
        ..review("", &[], "nodeclient")
    };
    assert_eq!(
        approver.subject_access_review(&nobody).await,
        Err(ClientError::Invalid(
            "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified".to_string()
        ))
    );
    // Rendered as the HTTP endpoint renders it (crate::reviews).
    let neither = SubjectAccessReviewSpec {
        resource_attributes: None,
        ..review("alice", &[], "")
    };
    assert_eq!(
        approver.subject_access_review(&neither).await,
        Err(ClientError::Invalid(
            "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified".to_string()
        ))
    );
}
