//! `coordination.k8s.io/v1` Lease, the object leader election renews.
//!
//! Every spec field is a pointer with `omitempty` (`k8s.io/api/coordination/v1/types.go`), so each
//! is present exactly when it was sent; `acquireTime` and `renewTime` are `MicroTime`s and print
//! with six fractional digits.

use k8s_pb::api::coordination::v1 as coordination;

use super::json::{ConvertError, Obj};
use super::meta::object_meta;

pub(super) fn lease(m: &coordination::Lease) -> Result<Obj, ConvertError> {
    let default = coordination::LeaseSpec::default();
    let s = m.spec.as_ref().unwrap_or(&default);
    let spec = Obj::new()
        .str_ptr("holderIdentity", &s.holder_identity)
        .int_ptr("leaseDurationSeconds", s.lease_duration_seconds)
        .micro_time("acquireTime", s.acquire_time.as_ref())?
        .micro_time("renewTime", s.renew_time.as_ref())?
        .int_ptr("leaseTransitions", s.lease_transitions)
        .str_ptr("strategy", &s.strategy)
        .str_ptr("preferredHolder", &s.preferred_holder)
        .build();
    Ok(Obj::new()
        .obj("metadata", object_meta(m.metadata.as_ref())?)
        .obj("spec", spec))
}
