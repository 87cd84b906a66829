//! Max-in-flight limits, as kube-apiserver's `--max-requests-inflight` and
//! `--max-mutating-requests-inflight`: beyond the limit a request gets `429 TooManyRequests` with
//! `Retry-After: 1` instead of queueing without bound.  Long-running requests (watches) and members
//! of `system:masters` are exempt, as upstream.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;
use crate::request_info::RequestInfo;
use crate::user::{GROUP_MASTERS, UserInfo};

/// kube-apiserver's defaults.
pub const DEFAULT_READ_ONLY: usize = 400;
pub const DEFAULT_MUTATING: usize = 200;

/// The two pools of request slots.
#[derive(Clone, Debug)]
pub struct InflightLimits {
    read_only: Arc<Semaphore>,
    mutating: Arc<Semaphore>,
}

impl Default for InflightLimits {
    fn default() -> Self {
        InflightLimits::new(DEFAULT_READ_ONLY, DEFAULT_MUTATING)
    }
}

impl InflightLimits {
    pub fn new(read_only: usize, mutating: usize) -> Self {
        InflightLimits {
            read_only: Arc::new(Semaphore::new(read_only)),
            mutating: Arc::new(Semaphore::new(mutating)),
        }
    }

    /// A slot for this request, `None` when it is exempt, or the 429 to send.
    pub fn admit(
        &self,
        user: &UserInfo,
        info: &RequestInfo,
    ) -> Result<Option<OwnedSemaphorePermit>, ApiError> {
        if user.in_group(GROUP_MASTERS) || info.verb == "watch" {
            return Ok(None);
        }
        let mutating = matches!(
            info.verb.as_str(),
            "create" | "update" | "patch" | "delete" | "deletecollection"
        ) || (!info.is_resource_request
            && !matches!(info.verb.as_str(), "get" | "head" | "options"));
        let pool = if mutating {
            &self.mutating
        } else {
            &self.read_only
        };
        pool.clone().try_acquire_owned().map(Some).map_err(|_| {
            ApiError::too_many_requests("Too many requests, please try again later.", 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn limits_and_exemptions() {
        let limits = InflightLimits::new(1, 1);
        let alice = UserInfo {
            name: "alice".into(),
            ..Default::default()
        };
        let list = RequestInfo::parse(
            &Method::GET,
            "/apis/certificates.k8s.io/v1/certificatesigningrequests",
            None,
        );
        let create = RequestInfo::parse(
            &Method::POST,
            "/apis/certificates.k8s.io/v1/certificatesigningrequests",
            None,
        );
        let held = limits.admit(&alice, &list).ok().flatten();
        assert!(held.is_some());
        let e = limits
            .admit(&alice, &list)
            .err()
            .map(|e| (e.code, e.reason, e.retry_after));
        assert_eq!(e, Some((429, "TooManyRequests", Some(1))));
        // The mutating pool is separate.
        assert!(limits.admit(&alice, &create).ok().flatten().is_some());
        // Watches and system:masters are exempt.
        let watch = RequestInfo::parse(
            &Method::GET,
            "/apis/certificates.k8s.io/v1/certificatesigningrequests",
            Some("watch=true"),
        );
        assert!(matches!(limits.admit(&alice, &watch), Ok(None)));
        let admin = UserInfo {
            name: "admin".into(),
            groups: vec![GROUP_MASTERS.into()],
            ..Default::default()
        };
        assert!(matches!(limits.admit(&admin, &list), Ok(None)));
        drop(held);
        assert!(limits.admit(&alice, &list).ok().flatten().is_some());
    }
}
