//! List/watch filters: label selectors (`labelSelector=`) and field selectors
//! (`fieldSelector=`), parsed and matched as apimachinery's `labels` and `fields` packages do,
//! with their error texts.

mod field;
mod label;

pub use field::{
    CSR_FIELD_LABELS, FieldOperator, FieldRequirement, FieldSelector, check_csr_field_labels,
    csr_field_value,
};
pub use label::{LabelOperator, LabelRequirement, LabelSelector};
