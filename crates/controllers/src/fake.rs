//! A recording, in-memory [`CsrClient`] for tests: every call is recorded as an [`Action`] so a
//! test asserts exactly what a controller did, as upstream's `fake.Clientset` tests do.
//!
//! The fake keeps objects and a revision counter, enforces the `resourceVersion` guard on writes
//! and the UID precondition on delete, feeds open watches, and can be told to fail the next call
//! of a given [`Verb`].  SubjectAccessReviews are answered from a table the test fills with
//! [`FakeCsrClient::allow_access`] (anything not in it is denied).  Changes made by the test itself ([`FakeCsrClient::insert`],
//! [`FakeCsrClient::remove`]) are the world moving, not the controller acting, so they are not
//! recorded.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use futures::StreamExt;
use k8s_openapi::api::authorization::v1::SubjectAccessReviewSpec;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestStatus,
};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::client::{ClientError, CsrClient, CsrEvent, CsrEventStream, CsrList};

/// One call a controller made.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    List {
        signer_name: Option<String>,
    },
    Watch {
        signer_name: Option<String>,
        resource_version: String,
    },
    Get {
        name: String,
    },
    /// The object as the controller sent it.
    UpdateStatus(CertificateSigningRequest),
    /// The object as the controller sent it.
    UpdateApproval(CertificateSigningRequest),
    Delete {
        name: String,
        uid: String,
    },
    /// The review as the controller sent it.
    SubjectAccessReview(SubjectAccessReviewSpec),
}

/// Which call an injected failure applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    List,
    Watch,
    Get,
    UpdateStatus,
    UpdateApproval,
    Delete,
    SubjectAccessReview,
}

type Watcher = (
    Option<String>,
    UnboundedSender<Result<CsrEvent, ClientError>>,
);

#[derive(Default)]
struct State {
    objects: BTreeMap<String, CertificateSigningRequest>,
    revision: u64,
    actions: Vec<Action>,
    failures: HashMap<Verb, VecDeque<ClientError>>,
    watchers: Vec<Watcher>,
    /// `(user or group, resource[/subresource], verb)` triples a review allows.
    access: BTreeSet<(String, String, String)>,
}

impl State {
    /// Stamps `csr` with the next revision, stores it and tells the watchers.
    fn store(&mut self, mut csr: CertificateSigningRequest) -> CertificateSigningRequest {
        self.revision += 1;
        csr.metadata.resource_version = Some(self.revision.to_string());
        let name = csr.metadata.name.clone().unwrap_or_default();
        let event = if self.objects.contains_key(&name) {
            CsrEvent::Modified(csr.clone())
        } else {
            CsrEvent::Added(csr.clone())
        };
        self.objects.insert(name, csr.clone());
        self.notify(event);
        csr
    }

    fn notify(&mut self, event: CsrEvent) {
        let signer = event.object().spec.signer_name.clone();
        // A watcher whose receiver is gone is dropped; the rest receive events they filter for.
        self.watchers.retain(|(filter, tx)| {
            if filter.as_ref().is_some_and(|f| *f != signer) {
                return !tx.is_closed();
            }
            tx.send(Ok(event.clone())).is_ok()
        });
    }

    fn injected(&mut self, verb: Verb) -> Result<(), ClientError> {
        match self.failures.get_mut(&verb).and_then(VecDeque::pop_front) {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// The stored object `name` after checking the write's `resourceVersion` guard.
    fn current_for_write(
        &self,
        csr: &CertificateSigningRequest,
    ) -> Result<CertificateSigningRequest, ClientError> {
        let name = csr.metadata.name.as_deref().unwrap_or_default();
        let current = self.objects.get(name).ok_or(ClientError::NotFound)?;
        match csr.metadata.resource_version.as_deref() {
            Some(rv)
                if !rv.is_empty() && current.metadata.resource_version.as_deref() != Some(rv) =>
            {
                Err(ClientError::Conflict)
            }
            _ => Ok(current.clone()),
        }
    }
}

/// The recording fake.  Cheap to share: wrap it in an `Arc` and hand clones to controllers.
#[derive(Default)]
pub struct FakeCsrClient {
    state: Mutex<State>,
}

impl FakeCsrClient {
    pub fn new() -> Self {
        Self::default()
    }

    /// A fake holding `objects`, each stamped with a fresh resourceVersion.
    pub fn with_objects(objects: impl IntoIterator<Item = CertificateSigningRequest>) -> Self {
        let fake = Self::new();
        for csr in objects {
            fake.insert(csr);
        }
        fake
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Test state stays consistent even if an asserting test thread panicked mid-call.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates or replaces an object (not recorded); open watches see Added or Modified.
    pub fn insert(&self, csr: CertificateSigningRequest) -> CertificateSigningRequest {
        self.lock().store(csr)
    }

    /// Removes an object (not recorded); open watches see Deleted.
    pub fn remove(&self, name: &str) -> Option<CertificateSigningRequest> {
        let mut state = self.lock();
        let removed = state.objects.remove(name)?;
        state.revision += 1;
        state.notify(CsrEvent::Deleted(removed.clone()));
        Some(removed)
    }

    /// The stored object `name`.
    pub fn object(&self, name: &str) -> Option<CertificateSigningRequest> {
        self.lock().objects.get(name).cloned()
    }

    /// Makes the next call of `verb` fail with `err` (queued: several calls fail in turn).
    pub fn fail_next(&self, verb: Verb, err: ClientError) {
        self.lock().failures.entry(verb).or_default().push_back(err);
    }

    /// Ends every open watch with `err`, as a server does when history is compacted.
    pub fn break_watches(&self, err: ClientError) {
        for (_, tx) in std::mem::take(&mut self.lock().watchers) {
            // A watcher that already went away needs no error.
            let _ = tx.send(Err(err.clone()));
        }
    }

    /// Every call made so far, in order.
    pub fn actions(&self) -> Vec<Action> {
        self.lock().actions.clone()
    }

    /// Only the writes (status, approval, delete), in order: what most tests assert.
    pub fn writes(&self) -> Vec<Action> {
        self.actions()
            .into_iter()
            .filter(|a| {
                matches!(
                    a,
                    Action::UpdateStatus(_) | Action::UpdateApproval(_) | Action::Delete { .. }
                )
            })
            .collect()
    }

    /// Lets SubjectAccessReviews allow `verb` on `resource` (`resource/subresource` for a
    /// subresource, any API group) for a review whose user or one of whose groups is `subject`.
    pub fn allow_access(&self, subject: &str, resource: &str, verb: &str) {
        self.lock()
            .access
            .insert((subject.to_string(), resource.to_string(), verb.to_string()));
    }

    pub fn clear_actions(&self) {
        self.lock().actions.clear();
    }

    fn begin(&self, action: Action, verb: Verb) -> Result<MutexGuard<'_, State>, ClientError> {
        let mut state = self.lock();
        state.actions.push(action);
        state.injected(verb)?;
        Ok(state)
    }
}

fn matches_signer(csr: &CertificateSigningRequest, signer_name: Option<&str>) -> bool {
    signer_name.is_none_or(|s| csr.spec.signer_name == s)
}

#[async_trait]
impl CsrClient for FakeCsrClient {
    async fn list(&self, signer_name: Option<&str>) -> Result<CsrList, ClientError> {
        let action = Action::List {
            signer_name: signer_name.map(str::to_string),
        };
        let state = self.begin(action, Verb::List)?;
        Ok(CsrList {
            items: state
                .objects
                .values()
                .filter(|csr| matches_signer(csr, signer_name))
                .cloned()
                .collect(),
            resource_version: state.revision.to_string(),
        })
    }

    async fn watch(
        &self,
        signer_name: Option<&str>,
        resource_version: &str,
    ) -> Result<CsrEventStream, ClientError> {
        let action = Action::Watch {
            signer_name: signer_name.map(str::to_string),
            resource_version: resource_version.to_string(),
        };
        let mut state = self.begin(action, Verb::Watch)?;
        let (tx, rx) = unbounded_channel();
        state.watchers.push((signer_name.map(str::to_string), tx));
        Ok(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
        .boxed())
    }

    async fn get(&self, name: &str) -> Result<CertificateSigningRequest, ClientError> {
        let action = Action::Get {
            name: name.to_string(),
        };
        let state = self.begin(action, Verb::Get)?;
        state
            .objects
            .get(name)
            .cloned()
            .ok_or(ClientError::NotFound)
    }

    async fn update_status(
        &self,
        csr: &CertificateSigningRequest,
    ) -> Result<CertificateSigningRequest, ClientError> {
        let mut state = self.begin(Action::UpdateStatus(csr.clone()), Verb::UpdateStatus)?;
        let mut stored = state.current_for_write(csr)?;
        // Like the /status strategy: only the status is taken from the request.
        stored.status = csr.status.clone();
        Ok(state.store(stored))
    }

    async fn update_approval(
        &self,
        csr: &CertificateSigningRequest,
    ) -> Result<CertificateSigningRequest, ClientError> {
        let mut state = self.begin(Action::UpdateApproval(csr.clone()), Verb::UpdateApproval)?;
        let mut stored = state.current_for_write(csr)?;
        // Like the /approval strategy: only the conditions are taken from the request.
        let conditions = csr.status.as_ref().and_then(|s| s.conditions.clone());
        stored
            .status
            .get_or_insert_with(CertificateSigningRequestStatus::default)
            .conditions = conditions;
        Ok(state.store(stored))
    }

    async fn delete(&self, name: &str, uid: &str) -> Result<(), ClientError> {
        let action = Action::Delete {
            name: name.to_string(),
            uid: uid.to_string(),
        };
        let state = self.begin(action, Verb::Delete)?;
        let current = state.objects.get(name).ok_or(ClientError::NotFound)?;
        if current.metadata.uid.as_deref() != Some(uid) {
            return Err(ClientError::Conflict);
        }
        drop(state);
        self.remove(name);
        Ok(())
    }

    async fn subject_access_review(
        &self,
        review: &SubjectAccessReviewSpec,
    ) -> Result<bool, ClientError> {
        let action = Action::SubjectAccessReview(review.clone());
        let state = self.begin(action, Verb::SubjectAccessReview)?;
        let Some(attrs) = review.resource_attributes.as_ref() else {
            return Ok(false);
        };
        let mut resource = attrs.resource.clone().unwrap_or_default();
        if let Some(sub) = attrs.subresource.as_deref().filter(|s| !s.is_empty()) {
            resource = format!("{resource}/{sub}");
        }
        let verb = attrs.verb.clone().unwrap_or_default();
        let subjects = review.user.iter().chain(review.groups.iter().flatten());
        Ok(subjects.into_iter().any(|subject| {
            state
                .access
                .contains(&(subject.clone(), resource.clone(), verb.clone()))
        }))
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::certificates::v1::CertificateSigningRequestSpec;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use super::*;

    fn csr(name: &str) -> CertificateSigningRequest {
        CertificateSigningRequest {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                uid: Some(format!("uid-{name}")),
                ..ObjectMeta::default()
            },
            spec: CertificateSigningRequestSpec::default(),
            status: None,
        }
    }

    #[tokio::test]
    async fn writes_are_guarded_by_resource_version_and_recorded() {
        let fake = FakeCsrClient::with_objects([csr("a")]);
        let mut read = fake.get("a").await.unwrap_or_default();
        assert_eq!(read.metadata.resource_version.as_deref(), Some("1"));
        read.spec.signer_name = "ignored.example/spec".to_string();
        read.status = Some(CertificateSigningRequestStatus::default());
        let stored = fake.update_status(&read).await;
        let stored = stored.unwrap_or_default();
        assert_eq!(stored.metadata.resource_version.as_deref(), Some("2"));
        // /status keeps the spec.
        assert_eq!(stored.spec.signer_name, "");
        assert_eq!(fake.update_status(&read).await, Err(ClientError::Conflict));
        assert_eq!(fake.writes().len(), 2);
        assert_eq!(fake.actions()[0], Action::Get { name: "a".into() });
    }

    #[tokio::test]
    async fn delete_honours_the_uid_precondition_and_injected_failures() {
        let fake = FakeCsrClient::with_objects([csr("a")]);
        assert_eq!(fake.delete("a", "other").await, Err(ClientError::Conflict));
        fake.fail_next(Verb::Delete, ClientError::Forbidden("no".into()));
        assert_eq!(
            fake.delete("a", "uid-a").await,
            Err(ClientError::Forbidden("no".into()))
        );
        assert_eq!(fake.delete("a", "uid-a").await, Ok(()));
        assert_eq!(fake.delete("a", "uid-a").await, Err(ClientError::NotFound));
        assert!(fake.object("a").is_none());
        assert_eq!(fake.writes().len(), 4);
    }
}
