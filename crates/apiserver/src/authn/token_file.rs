//! Static bearer tokens from a CSV file (`--token-auth-file`, upstream `tokenfile.NewCSV`).
//!
//! Format, one record per line: `token,user,uid[,"group1,group2"]`. At least three columns; a
//! fourth is split on `,` into groups; rows with an empty token are skipped; a repeated token takes
//! the last row. The file is read once, at startup, as kube-apiserver does.
//!
//! Lookup does not leak the token through timing: the map is keyed by the SHA-256 of the token, so
//! the (non-constant-time) map lookup only ever compares digests, and the token itself is then
//! compared in constant time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::csv::{self, CsvError};
use crate::user::UserInfo;

/// Why the token file cannot be used (a startup error).
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    #[error("failed to read token file '{}': {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error(
        "token file '{}' must have at least 3 columns (token, user name, user uid), found {found}",
        .path.display()
    )]
    TooFewColumns { path: PathBuf, found: usize },
}

struct Entry {
    token: Vec<u8>,
    user: UserInfo,
}

/// The tokens of one token file.
pub struct TokenFile {
    by_digest: HashMap<[u8; 32], Entry>,
}

impl std::fmt::Debug for TokenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenFile")
            .field("tokens", &self.by_digest.len())
            .finish()
    }
}

impl TokenFile {
    /// Read and parse the file at `path`.
    pub fn load(path: &Path) -> Result<Self, TokenFileError> {
        let bytes = std::fs::read(path).map_err(|source| TokenFileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&bytes, path)
    }

    /// Parse token-file contents; `path` only names the file in messages.
    pub fn parse(contents: &[u8], path: &Path) -> Result<Self, TokenFileError> {
        let mut by_digest = HashMap::new();
        for (record_number, (record, _line)) in csv::read_all(contents)?.into_iter().enumerate() {
            let record_number = record_number + 1;
            if record.len() < 3 {
                return Err(TokenFileError::TooFewColumns {
                    path: path.to_path_buf(),
                    found: record.len(),
                });
            }
            let mut fields = record.into_iter();
            let token = fields.next().unwrap_or_default();
            if token.is_empty() {
                tracing::warn!(
                    path = %path.display(), record_number, "empty token found in token file"
                );
                continue;
            }
            let text = |field: Option<Vec<u8>>| {
                String::from_utf8_lossy(&field.unwrap_or_default()).into_owned()
            };
            let name = text(fields.next());
            let uid = text(fields.next());
            let groups = fields
                .next()
                .map(|g| text(Some(g)).split(',').map(str::to_string).collect())
                .unwrap_or_default();
            let user = UserInfo {
                name,
                uid,
                groups,
                ..Default::default()
            };
            if by_digest
                .insert(digest(&token), Entry { token, user })
                .is_some()
            {
                tracing::warn!(
                    path = %path.display(), record_number, "duplicate token found in token file"
                );
            }
        }
        Ok(TokenFile { by_digest })
    }

    /// Number of distinct tokens.
    pub fn len(&self) -> usize {
        self.by_digest.len()
    }

    /// Whether the file defines no token.
    pub fn is_empty(&self) -> bool {
        self.by_digest.is_empty()
    }

    /// The user a bearer token belongs to, if any.
    pub fn authenticate(&self, token: &[u8]) -> Option<UserInfo> {
        let entry = self.by_digest.get(&digest(token))?;
        bool::from(entry.token.as_slice().ct_eq(token)).then(|| entry.user.clone())
    }
}

fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TokenFile, TokenFileError> {
        TokenFile::parse(text.as_bytes(), Path::new("/etc/signet/tokens.csv"))
    }

    fn user(name: &str, uid: &str, groups: &[&str]) -> UserInfo {
        UserInfo {
            name: name.into(),
            uid: uid.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn upstream_docs_example() {
        let file = parse(
            "02b50b05283e98dd0fd71db496ef01e8,kubelet-bootstrap,10001,\"system:bootstrappers\"\n",
        )
        .unwrap();
        assert_eq!(
            file.authenticate(b"02b50b05283e98dd0fd71db496ef01e8"),
            Some(user(
                "kubelet-bootstrap",
                "10001",
                &["system:bootstrappers"]
            ))
        );
        assert_eq!(file.authenticate(b"02b50b05283e98dd0fd71db496ef01e9"), None);
        assert_eq!(file.authenticate(b"02b50b05283e98dd0fd71db496ef01e"), None);
        assert_eq!(file.authenticate(b""), None);
    }

    #[test]
    fn groups_columns_extra_columns_empty_and_duplicate_tokens() {
        let file = parse(
            "t1,alice,1,\"devs,admins\",ignored\n\
             t2,bob,2\n\
             ,nobody,3\n\
             t3,carol,3,\n\
             t2,bob-again,22,g\n",
        )
        .unwrap();
        assert_eq!(file.len(), 3);
        assert_eq!(
            file.authenticate(b"t1"),
            Some(user("alice", "1", &["devs", "admins"]))
        );
        assert_eq!(
            file.authenticate(b"t2"),
            Some(user("bob-again", "22", &["g"]))
        );
        // Go's strings.Split("", ",") is [""]: an empty fourth column is one empty group.
        assert_eq!(file.authenticate(b"t3"), Some(user("carol", "3", &[""])));
        assert_eq!(file.authenticate(b"T1"), None);
    }

    #[test]
    fn too_few_columns_is_the_upstream_error() {
        let err = parse("t1,alice,1\nt2,bob\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "token file '/etc/signet/tokens.csv' must have at least 3 columns (token, user name, \
             user uid), found 2"
        );
    }

    #[test]
    fn csv_errors_and_missing_files_are_reported() {
        assert_eq!(
            parse("t1,al\"ice,1\n").unwrap_err().to_string(),
            "parse error on line 1, column 6: bare \" in non-quoted-field"
        );
        let err = TokenFile::load(Path::new("/nonexistent/tokens.csv")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("failed to read token file '/nonexistent/tokens.csv': "),
            "{err}"
        );
    }
}
