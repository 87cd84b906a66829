//! Content negotiation: what representation the client asked for in `Accept`.
//!
//! kubectl asks for `Table` (`application/json;as=Table;v=v1;g=meta.k8s.io`) for `get`, client-go's
//! metadata client for `PartialObjectMetadata`, everyone else for plain JSON.

use crate::error::ApiError;

/// The representation of a GET/LIST/WATCH response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Representation {
    Json,
    /// `meta.k8s.io` Table, with the group version the client asked for.
    Table {
        v1beta1: bool,
    },
    /// `meta.k8s.io/v1` PartialObjectMetadata (or its List).
    PartialObjectMetadata,
}

/// Choose a representation from the `Accept` header, honouring the client's order of preference.
pub fn representation(accept: Option<&str>) -> Result<Representation, ApiError> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(Representation::Json);
    };
    for media in accept.split(',') {
        let mut parts = media.split(';').map(str::trim);
        let mime = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut as_ = "";
        let mut g = "";
        let mut v = "";
        for p in parts {
            match p.split_once('=') {
                Some(("as", x)) => as_ = x,
                Some(("g", x)) => g = x,
                Some(("v", x)) => v = x,
                _ => {}
            }
        }
        let json_like = matches!(mime.as_str(), "application/json" | "*/*" | "application/*");
        if !json_like {
            continue;
        }
        match (as_, g, v) {
            ("", _, _) => return Ok(Representation::Json),
            ("Table", "meta.k8s.io", "v1") => return Ok(Representation::Table { v1beta1: false }),
            ("Table", "meta.k8s.io", "v1beta1") => {
                return Ok(Representation::Table { v1beta1: true });
            }
            ("PartialObjectMetadata" | "PartialObjectMetadataList", "meta.k8s.io", "v1") => {
                return Ok(Representation::PartialObjectMetadata);
            }
            _ => continue,
        }
    }
    Err(ApiError::not_acceptable(
        "only the following media types are accepted: application/json, application/yaml",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_get_asks_for_table() {
        let a = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(
            representation(Some(a)),
            Ok(Representation::Table { v1beta1: false })
        );
    }

    #[test]
    fn plain_and_fallbacks() {
        assert_eq!(representation(None), Ok(Representation::Json));
        assert_eq!(representation(Some("*/*")), Ok(Representation::Json));
        assert_eq!(
            representation(Some(
                "application/vnd.kubernetes.protobuf, application/json"
            )),
            Ok(Representation::Json)
        );
        assert_eq!(
            representation(Some("application/vnd.kubernetes.protobuf")).map_err(|e| e.code),
            Err(406)
        );
        assert_eq!(
            representation(Some(
                "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
            )),
            Ok(Representation::PartialObjectMetadata)
        );
    }
}
