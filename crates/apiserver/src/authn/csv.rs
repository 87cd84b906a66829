//! A CSV reader that accepts exactly what Go's `encoding/csv` accepts with `FieldsPerRecord = -1`
//! (the settings of kube-apiserver's token file), and fails with the same messages, so a token file
//! that works with kube-apiserver works here and one that fails there fails here alike.
//!
//! Rules: records end at `\n` (`\r\n` becomes `\n`); blank lines are skipped; fields are separated
//! by `,`; a field starting with `"` is quoted (`""` is a literal quote, newlines allowed inside);
//! a `"` inside an unquoted field, or a closing `"` followed by anything but `,` or the end of the
//! line, is an error. Whitespace is kept.

/// One parse failure, rendered as Go's `csv.ParseError`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}parse error on line {line}, column {column}: {kind}", start_prefix(*.start_line, *.line))]
pub struct CsvError {
    pub start_line: usize,
    pub line: usize,
    pub column: usize,
    pub kind: CsvErrorKind,
}

fn start_prefix(start_line: usize, line: usize) -> String {
    if start_line == line {
        String::new()
    } else {
        format!("record on line {start_line}; ")
    }
}

/// Go's `csv.ErrBareQuote` and `csv.ErrQuote`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsvErrorKind {
    #[error("bare \" in non-quoted-field")]
    BareQuote,
    #[error("extraneous or missing \" in quoted-field")]
    Quote,
}

/// A record: its fields and the line it starts on.
pub type Record = (Vec<Vec<u8>>, usize);

/// Read all records of `input`.
pub fn read_all(input: &[u8]) -> Result<Vec<Record>, CsvError> {
    let mut reader = Reader {
        rest: input,
        line_no: 0,
    };
    let mut records = Vec::new();
    while let Some(record) = reader.read_record()? {
        records.push(record);
    }
    Ok(records)
}

struct Reader<'a> {
    rest: &'a [u8],
    line_no: usize,
}

impl<'a> Reader<'a> {
    /// The next line including its `\n` (normalised from `\r\n`), or `None` at the end.
    fn read_line(&mut self) -> Option<Vec<u8>> {
        if self.rest.is_empty() {
            return None;
        }
        let end = self
            .rest
            .iter()
            .position(|b| *b == b'\n')
            .map_or(self.rest.len(), |i| i + 1);
        let mut line = self.rest[..end].to_vec();
        self.rest = &self.rest[end..];
        self.line_no += 1;
        if line.ends_with(b"\r\n") {
            line.truncate(line.len() - 2);
            line.push(b'\n');
        } else if !line.ends_with(b"\n") && line.ends_with(b"\r") {
            // Go drops a trailing `\r` before the end of the input.
            line.pop();
        }
        Some(line)
    }

    fn read_record(&mut self) -> Result<Option<Record>, CsvError> {
        let mut line = loop {
            match self.read_line() {
                None => return Ok(None),
                Some(line) if line == b"\n" => continue,
                Some(line) => break line,
            }
        };
        let start_line = self.line_no;
        let (mut pos_line, mut col) = (self.line_no, 1usize);
        let mut fields = Vec::new();
        let err = |line, column, kind| CsvError {
            start_line,
            line,
            column,
            kind,
        };
        loop {
            if line.first() != Some(&b'"') {
                let comma = line.iter().position(|b| *b == b',');
                let field = match comma {
                    Some(i) => &line[..i],
                    None => line.strip_suffix(b"\n").unwrap_or(&line),
                };
                if let Some(j) = field.iter().position(|b| *b == b'"') {
                    return Err(err(self.line_no, col + j, CsvErrorKind::BareQuote));
                }
                fields.push(field.to_vec());
                match comma {
                    Some(i) => {
                        line.drain(..=i);
                        col += i + 1;
                        continue;
                    }
                    None => return Ok(Some((fields, start_line))),
                }
            }
            // Quoted field.
            line.remove(0);
            col += 1;
            let mut field = Vec::new();
            loop {
                if let Some(i) = line.iter().position(|b| *b == b'"') {
                    field.extend_from_slice(&line[..i]);
                    line.drain(..=i);
                    col += i + 1;
                    match line.first() {
                        Some(b'"') => {
                            field.push(b'"');
                            line.remove(0);
                            col += 1;
                        }
                        Some(b',') => {
                            line.remove(0);
                            col += 1;
                            fields.push(field);
                            break;
                        }
                        None | Some(b'\n') if line.len() <= 1 => {
                            fields.push(field);
                            return Ok(Some((fields, start_line)));
                        }
                        _ => return Err(err(self.line_no, col - 1, CsvErrorKind::Quote)),
                    }
                } else if !line.is_empty() {
                    field.extend_from_slice(&line);
                    col += line.len();
                    match self.read_line() {
                        Some(next) => {
                            line = next;
                            pos_line += 1;
                            col = 1;
                        }
                        None => line.clear(),
                    }
                } else {
                    return Err(err(pos_line, col, CsvErrorKind::Quote));
                }
            }
        }
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]
mod tests {
    use super::*;

    fn fields(input: &str) -> Vec<Vec<String>> {
        read_all(input.as_bytes())
            .unwrap()
            .into_iter()
            .map(|(r, _)| {
                r.into_iter()
                    .map(|f| String::from_utf8(f).unwrap())
                    .collect()
            })
            .collect()
    }

    fn error(input: &str) -> String {
        read_all(input.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn plain_and_quoted_fields() {
        assert_eq!(
            fields("a,b,c\r\n\n x ,\"g1,g2\",\"say \"\"hi\"\"\"\nlast"),
            vec![
                vec!["a", "b", "c"],
                vec![" x ", "g1,g2", "say \"hi\""],
                vec!["last"]
            ]
        );
        assert_eq!(
            fields("a,\"multi\nline\",c\n"),
            vec![vec!["a", "multi\nline", "c"]]
        );
        assert_eq!(fields("a,,\n,\n"), vec![vec!["a", "", ""], vec!["", ""]]);
        assert_eq!(fields("a,\"\"\n"), vec![vec!["a", ""]]);
        assert!(fields("").is_empty());
        assert!(fields("\n\r\n").is_empty());
    }

    #[test]
    fn record_lines_are_reported() {
        let records = read_all(b"\na\n\"b\nc\"\nd").unwrap();
        let lines: Vec<usize> = records.iter().map(|(_, line)| *line).collect();
        assert_eq!(lines, vec![2, 3, 5]);
    }

    #[test]
    fn errors_read_like_go() {
        assert_eq!(
            error("ok,fine\nab\"c,d\n"),
            "parse error on line 2, column 3: bare \" in non-quoted-field"
        );
        assert_eq!(
            error("a,\"b\"x,c\n"),
            "parse error on line 1, column 5: extraneous or missing \" in quoted-field"
        );
        assert_eq!(
            error("\"abc"),
            "parse error on line 1, column 5: extraneous or missing \" in quoted-field"
        );
        assert_eq!(
            error("\"a\nb"),
            "record on line 1; parse error on line 2, column 2: extraneous or missing \" in quoted-field"
        );
    }
}
