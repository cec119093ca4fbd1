//! Reading a batch input a record at a time, in bounded memory: lines of
//! JSON Lines, or RFC 4180 CSV records (a header row, then records; fields
//! may be quoted, with `""` for a quote and commas or line breaks inside
//! quotes).
//!
//! Both read files as they come from real machines: a UTF-8 byte-order
//! mark at the start (Excel's "CSV UTF-8") is skipped, and a line may end
//! with LF, CR LF, or CR alone (old Mac files). A line or record longer
//! than [`MAX_RECORD`] is reported, not read into memory.

use std::io::{self, BufRead};

/// Longest line or record read, in bytes.
pub(crate) const MAX_RECORD: usize = 1024 * 1024;

/// What one read gives: where the line or record starts (counting from 1)
/// and its content, or why it cannot be read.
pub(crate) type Read<T> = (usize, Result<T, String>);

/// A byte source that counts lines and knows every line ending.
struct Bytes<R> {
    input: R,
    /// The line the next byte is on.
    line: usize,
    /// A CR was the last byte: an LF right after it ends no second line.
    after_cr: bool,
    started: bool,
}

impl<R: BufRead> Bytes<R> {
    fn new(input: R) -> Self {
        Bytes {
            input,
            line: 1,
            after_cr: false,
            started: false,
        }
    }

    /// The next byte, with CR LF and CR alone both read as one `\n`.
    fn next(&mut self) -> io::Result<Option<u8>> {
        if !self.started {
            self.started = true;
            let head = self.input.fill_buf()?;
            if head.starts_with(b"\xEF\xBB\xBF") {
                self.input.consume(3);
            }
        }
        loop {
            let Some(&byte) = self.input.fill_buf()?.first() else {
                return Ok(None);
            };
            self.input.consume(1);
            let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
            match byte {
                b'\n' if after_cr => continue,
                b'\n' | b'\r' => {
                    self.line += 1;
                    return Ok(Some(b'\n'));
                }
                other => return Ok(Some(other)),
            }
        }
    }
}

/// JSON Lines: one line at a time, blank lines skipped.
pub(crate) struct Lines<R> {
    bytes: Bytes<R>,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(input: R) -> Self {
        Lines {
            bytes: Bytes::new(input),
        }
    }

    /// The next line that is not blank, or `None` at the end.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<Read<String>>> {
        loop {
            let start = self.bytes.line;
            let mut line = Vec::new();
            let mut too_long = false;
            let mut ended = false;
            while let Some(byte) = self.bytes.next()? {
                if byte == b'\n' {
                    ended = true;
                    break;
                }
                if line.len() < MAX_RECORD {
                    line.push(byte);
                } else {
                    too_long = true;
                }
            }
            if !ended && line.is_empty() && !too_long {
                return Ok(None);
            }
            if too_long {
                return Ok(Some((start, Err(too_long_message()))));
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some((start, text(line))));
        }
    }
}

/// CSV: one record at a time, blank lines skipped.
pub(crate) struct Records<R> {
    bytes: Bytes<R>,
}

impl<R: BufRead> Records<R> {
    pub(crate) fn new(input: R) -> Self {
        Records {
            bytes: Bytes::new(input),
        }
    }

    /// The next record that is not a blank line, or `None` at the end.
    pub(crate) fn next_record(&mut self) -> io::Result<Option<Read<Vec<String>>>> {
        loop {
            let start = self.bytes.line;
            let mut fields: Vec<Vec<u8>> = Vec::new();
            let mut field = Vec::new();
            let mut size = 0;
            let mut quoted = false;
            let mut was_quoted = false;
            let mut any = false;
            while let Some(byte) = self.bytes.next()? {
                any = true;
                size += 1;
                match (quoted, byte) {
                    (true, b'"') => {
                        if self.peek_quote()? {
                            field.push(b'"');
                        } else {
                            quoted = false;
                        }
                    }
                    (true, byte) => field.push(byte),
                    (false, b'"') if field.is_empty() && !was_quoted => {
                        quoted = true;
                        was_quoted = true;
                    }
                    (false, b',') => {
                        fields.push(std::mem::take(&mut field));
                        was_quoted = false;
                    }
                    (false, b'\n') => break,
                    (false, byte) => field.push(byte),
                }
                if size > MAX_RECORD {
                    // Drop what was read; go on to the end of the record.
                    fields.clear();
                    field.clear();
                }
            }
            if !any {
                return Ok(None);
            }
            if quoted {
                return Ok(Some((start, Err("a quoted field is not closed".into()))));
            }
            if size > MAX_RECORD {
                return Ok(Some((start, Err(too_long_message()))));
            }
            fields.push(field);
            if fields.len() == 1 && fields[0].iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let fields: Result<Vec<String>, String> = fields.into_iter().map(text).collect();
            return Ok(Some((start, fields)));
        }
    }

    /// Whether a second quote follows a quote inside quotes (`""`), and
    /// if so, takes it.
    fn peek_quote(&mut self) -> io::Result<bool> {
        let next = self.bytes.input.fill_buf()?.first().copied();
        if next == Some(b'"') {
            self.bytes.input.consume(1);
            self.bytes.after_cr = false;
            return Ok(true);
        }
        Ok(false)
    }
}

fn text(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes)
        .map_err(|_| "it is not UTF-8 text; save the file as UTF-8 (Excel: \"CSV UTF-8\")".into())
}

fn too_long_message() -> String {
    format!(
        "it is longer than {} KiB; no site needs that much",
        MAX_RECORD / 1024
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<Read<Vec<String>>> {
        let mut reader = Records::new(text.as_bytes());
        let mut out = Vec::new();
        while let Ok(Some(record)) = reader.next_record() {
            out.push(record);
        }
        out
    }

    fn lines(text: &[u8]) -> Vec<Read<String>> {
        let mut reader = Lines::new(text);
        let mut out = Vec::new();
        while let Ok(Some(line)) = reader.next_line() {
            out.push(line);
        }
        out
    }

    fn ok(line: usize, fields: &[&str]) -> Read<Vec<String>> {
        (line, Ok(fields.iter().map(|f| f.to_string()).collect()))
    }

    #[test]
    fn quoted_fields_commas_and_line_breaks() {
        let text = "a,b,c\r\n1,\"two, too\",3\n\n\"multi\nline\",\"say \"\"hi\"\"\",\n";
        assert_eq!(
            records(text),
            vec![
                ok(1, &["a", "b", "c"]),
                ok(2, &["1", "two, too", "3"]),
                ok(4, &["multi\nline", "say \"hi\"", ""]),
            ]
        );
    }

    #[test]
    fn every_line_ending_and_a_byte_order_mark() {
        let want = vec![ok(1, &["a", "b"]), ok(2, &["1", "2"]), ok(3, &["3", "4"])];
        for text in [
            "a,b\n1,2\n3,4\n",
            "a,b\r\n1,2\r\n3,4\r\n",
            "a,b\r1,2\r3,4\r",
            "a,b\r1,2\r3,4",
            "\u{feff}a,b\r\n1,2\r\n3,4",
        ] {
            assert_eq!(records(text), want, "{text:?}");
        }
        let mut got = lines(b"\xEF\xBB\xBF{\"a\":1}\r{\"b\":2}\r\n\r\n{\"c\":3}");
        assert_eq!(got.len(), 3);
        assert_eq!(got.remove(2), (4, Ok("{\"c\":3}".to_owned())));
        assert_eq!(got.remove(0), (1, Ok("{\"a\":1}".to_owned())));
    }

    #[test]
    fn last_line_without_a_newline_and_an_open_quote() {
        assert_eq!(records("a\n1").len(), 2);
        assert_eq!(
            records("a\n\"open\n"),
            vec![
                ok(1, &["a"]),
                (2, Err("a quoted field is not closed".into()))
            ]
        );
    }

    #[test]
    fn long_lines_and_other_encodings_are_bad_lines_not_memory() {
        let long = format!("a\n{}\nb\n", "x".repeat(MAX_RECORD + 10));
        let got = records(&long);
        assert_eq!(got.len(), 3);
        assert!(got[1].1.is_err());
        assert_eq!(got[2], ok(3, &["b"]));
        let latin1 = lines(b"{\"local_user\":\"Jos\xe9\"}\n{}\n");
        assert!(latin1[0].1.as_ref().is_err_and(|e| e.contains("UTF-8")));
        assert_eq!(latin1[1], (2, Ok("{}".into())));
        let long = format!("{}\n{{}}\n", "x".repeat(MAX_RECORD + 1));
        let got = lines(long.as_bytes());
        assert!(got[0].1.is_err());
        assert_eq!(got[1], (2, Ok("{}".into())));
    }
}
