//! A small RFC 4180 reader: a header row, then records; fields may be
//! quoted, with `""` for a quote and commas or line breaks inside quotes.

/// One record: the line it starts on (counting from 1) and its fields.
pub(crate) type Record = (usize, Vec<String>);

/// Splits `text` into records. A quote left open is an error naming the
/// line where its record starts.
pub(crate) fn records(text: &str) -> Result<Vec<Record>, (usize, String)> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut start = 1;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                fields.push(std::mem::take(&mut field));
                push_record(&mut out, start, std::mem::take(&mut fields));
                line += 1;
                start = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err((start, "a quoted field is not closed".into()));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        push_record(&mut out, start, fields);
    }
    Ok(out)
}

/// Keeps a record unless it is an empty line.
fn push_record(out: &mut Vec<Record>, line: usize, fields: Vec<String>) {
    if !(fields.len() == 1 && fields[0].trim().is_empty()) {
        out.push((line, fields));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_commas_and_line_breaks() {
        let text = "a,b,c\r\n1,\"two, too\",3\n\n\"multi\nline\",\"say \"\"hi\"\"\",\n";
        let got = records(text).unwrap_or_default();
        assert_eq!(
            got,
            vec![
                (1, vec!["a".to_owned(), "b".into(), "c".into()]),
                (2, vec!["1".into(), "two, too".into(), "3".into()]),
                (
                    4,
                    vec!["multi\nline".into(), "say \"hi\"".into(), "".into()]
                ),
            ]
        );
    }

    #[test]
    fn last_line_without_a_newline_and_an_open_quote() {
        assert_eq!(records("a\n1").unwrap_or_default().len(), 2);
        assert_eq!(records("a\n\"open\n").err().map(|e| e.0), Some(2));
    }
}
