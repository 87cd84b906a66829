//! Key ranges as byte intervals, so "every key under a prefix, after a given key" becomes one
//! index range scan (`key >= start AND key < end`) instead of a `LIKE` or a full scan.
//!
//! Keys are stored as BLOBs of their UTF-8 bytes: SQLite compares BLOBs with `memcmp`, which is
//! the byte order etcd uses and the order `str` comparison gives in Rust.

/// The half-open interval `[start, end)` of key bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct KeyRange {
    pub start: Vec<u8>,
    pub end: Vec<u8>,
}

/// Greater than every UTF-8 string: no UTF-8 encoding contains the byte 0xFF.
const AFTER_ALL_KEYS: u8 = 0xFF;

impl KeyRange {
    /// Every key that starts with `prefix` (every key when it is empty).
    pub fn prefix(prefix: &str) -> Self {
        Self {
            start: prefix.as_bytes().to_vec(),
            end: prefix_end(prefix.as_bytes()),
        }
    }

    /// The part of this range strictly after `key`.
    pub fn after(&self, key: &str) -> Self {
        // The smallest key greater than `key` is `key` followed by a NUL byte.
        let mut first = Vec::with_capacity(key.len() + 1);
        first.extend_from_slice(key.as_bytes());
        first.push(0);
        Self {
            start: first.max(self.start.clone()),
            end: self.end.clone(),
        }
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        key >= self.start.as_slice() && key < self.end.as_slice()
    }
}

/// The first byte string after every string that starts with `prefix`.
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < AFTER_ALL_KEYS {
            end.push(last + 1);
            return end;
        }
    }
    vec![AFTER_ALL_KEYS]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_covers_exactly_the_keys_that_start_with_it() {
        let range = KeyRange::prefix("/a/");
        assert_eq!(
            range,
            KeyRange {
                start: b"/a/".to_vec(),
                end: b"/a0".to_vec()
            }
        );
        for key in ["/a/", "/a/x", "/a/\u{10FFFF}"] {
            assert!(range.contains(key.as_bytes()), "{key:?}");
        }
        for key in ["/a", "/a0", "/ab", "/b/x", ""] {
            assert!(!range.contains(key.as_bytes()), "{key:?}");
        }
    }

    #[test]
    fn the_empty_prefix_covers_every_key() {
        let range = KeyRange::prefix("");
        for key in ["", "/", "\u{10FFFF}\u{10FFFF}"] {
            assert!(range.contains(key.as_bytes()), "{key:?}");
        }
    }

    #[test]
    fn after_starts_strictly_after_the_key_but_never_before_the_prefix() {
        let range = KeyRange::prefix("/a/");
        let rest = range.after("/a/2");
        assert!(!rest.contains(b"/a/2"));
        assert!(rest.contains(b"/a/2\0"));
        assert!(rest.contains(b"/a/3"));
        assert_eq!(range.after("/0"), range);
        assert!(!range.after("/b").contains(b"/a/9"));
    }
}
