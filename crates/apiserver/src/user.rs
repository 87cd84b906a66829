//! The authenticated identity of a request (apiserver's `user.Info`).

use std::collections::BTreeMap;

/// Well-known group names.
pub const GROUP_AUTHENTICATED: &str = "system:authenticated";
pub const GROUP_UNAUTHENTICATED: &str = "system:unauthenticated";
pub const GROUP_MASTERS: &str = "system:masters";
pub const USER_ANONYMOUS: &str = "system:anonymous";

/// Who is making a request, as the authenticators established it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub uid: String,
    pub groups: Vec<String>,
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// The anonymous user (`system:anonymous`, group `system:unauthenticated`).
    pub fn anonymous() -> Self {
        UserInfo {
            name: USER_ANONYMOUS.to_string(),
            groups: vec![GROUP_UNAUTHENTICATED.to_string()],
            ..Default::default()
        }
    }

    /// Append `system:authenticated` as the group adder does: not for anonymous, and not when
    /// `system:authenticated` or `system:unauthenticated` is already present.
    pub fn with_authenticated_group(mut self) -> Self {
        let skip = self.name == USER_ANONYMOUS
            || self
                .groups
                .iter()
                .any(|g| g == GROUP_AUTHENTICATED || g == GROUP_UNAUTHENTICATED);
        if !skip {
            self.groups.push(GROUP_AUTHENTICATED.to_string());
        }
        self
    }

    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authenticated_group_is_added_once() {
        let u = UserInfo {
            name: "alice".into(),
            ..Default::default()
        }
        .with_authenticated_group();
        assert_eq!(u.groups, vec![GROUP_AUTHENTICATED]);
        let u = u.with_authenticated_group();
        assert_eq!(u.groups, vec![GROUP_AUTHENTICATED]);
        let a = UserInfo::anonymous().with_authenticated_group();
        assert_eq!(a.groups, vec![GROUP_UNAUTHENTICATED]);
    }
}
