//! `form::Form` against an independent parser (the `multipart` crate's
//! server side).
//!
//! Input: a boundary to offer, then the fields, each `name=value`, all
//! separated by NUL bytes. In names and values, `\x01` takes the next byte
//! as it is (so a value can hold a NUL, a `=` or a `\x01`):
//!
//! ```text
//! XyZ\0grant_type=client_credentials\0scope=jetpack-partner
//! ```
//!
//! A name the form refuses must be one that cannot stand in a form-data
//! header; every field it takes must come back from the parser byte for
//! byte and in order (names with `;` aside: see below), with a random boundary and with the offered one
//! (which must be replaced exactly when it is unusable or collides).

#![no_main]

use std::io::Read;

use jetpack_partner::{Encoded, Form};
use libfuzzer_sys::fuzz_target;

const ESCAPE: u8 = 0x01;

/// `(offered boundary, fields)` from the input.
fn split(data: &[u8]) -> (String, Vec<(Vec<u8>, Vec<u8>)>) {
    let (offer, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut fields = Vec::new();
    if offer.len() == data.len() {
        return (String::from_utf8_lossy(offer).into_owned(), fields);
    }
    let (mut name, mut value) = (Vec::new(), Vec::new());
    let mut in_value = false;
    let mut bytes = rest.iter().copied();
    while let Some(b) = bytes.next() {
        let (b, literal) = match b {
            ESCAPE => match bytes.next() {
                Some(next) => (next, true),
                None => break,
            },
            b => (b, false),
        };
        match (b, literal) {
            (0, false) => {
                fields.push((std::mem::take(&mut name), std::mem::take(&mut value)));
                in_value = false;
            }
            (b'=', false) if !in_value => in_value = true,
            (b, _) if in_value => value.push(b),
            (b, _) => name.push(b),
        }
    }
    fields.push((name, value));
    (String::from_utf8_lossy(offer).into_owned(), fields)
}

/// 1 to 70 characters that RFC 2046 allows in a boundary and that need no
/// quoting in the Content-Type header.
fn usable(boundary: &str) -> bool {
    (1..=70).contains(&boundary.len())
        && boundary
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"'+_-.".contains(&c))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn parse(encoded: &Encoded) -> Vec<(String, Vec<u8>)> {
    let mut parser =
        multipart::server::Multipart::with_body(&encoded.body[..], encoded.boundary.as_str());
    let mut out = Vec::new();
    loop {
        match parser.read_entry() {
            Ok(Some(mut field)) => {
                let mut data = Vec::new();
                if let Err(e) = field.data.read_to_end(&mut data) {
                    panic!("the parser could not read a field: {e}");
                }
                out.push((field.headers.name.to_string(), data));
            }
            Ok(None) => return out,
            Err(e) => panic!(
                "the parser refused the body: {e}\nbody: {:?}",
                String::from_utf8_lossy(&encoded.body)
            ),
        }
    }
}

fn check(encoded: &Encoded, fields: &[(String, Vec<u8>)]) {
    assert_eq!(
        encoded.content_type,
        format!("multipart/form-data; boundary={}", encoded.boundary)
    );
    assert_eq!(encoded.content_length(), encoded.body.len());
    assert!(usable(&encoded.boundary), "boundary {:?}", encoded.boundary);
    for (name, value) in fields {
        assert!(
            !contains(value, encoded.boundary.as_bytes())
                && !contains(name.as_bytes(), encoded.boundary.as_bytes()),
            "the boundary {:?} occurs in field {name:?}",
            encoded.boundary
        );
    }
    let back = parse(encoded);
    assert_eq!(
        back.len(),
        fields.len(),
        "{} fields sent, {} parsed",
        fields.len(),
        back.len()
    );
    for ((name, value), (got_name, got_value)) in fields.iter().zip(&back) {
        assert_eq!(name, got_name, "a name changed");
        assert!(
            value == got_value,
            "the value of {name:?} changed: {:?} -> {:?}",
            String::from_utf8_lossy(value),
            String::from_utf8_lossy(got_value)
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let (offer, raw_fields) = split(data);
    let mut form = Form::new();
    let mut fields = Vec::new();
    for (name, value) in raw_fields {
        let name = String::from_utf8_lossy(&name).into_owned();
        // A quote ends the quoted name; control characters (CR, LF, NUL
        // and the rest) cannot stand in a header.
        let refusable = name.is_empty() || name.chars().any(|c| c == '"' || c.is_control());
        // The reference parser cuts a name at its first `;`, even inside
        // the quotes (multipart 0.18 splits the Content-Disposition
        // parameters without reading quoted strings). RFC 7578 allows it,
        // so such names are only checked for being taken, not sent.
        if name.contains(';') {
            let taken = Form::new().text(&name, &value).is_ok();
            assert_eq!(taken, !refusable, "the name {name:?}");
            continue;
        }
        match form.text(&name, &value) {
            Ok(_) => {
                assert!(!refusable, "the form took the name {name:?}");
                fields.push((name, value));
            }
            Err(e) => assert!(refusable, "the form refused the name {name:?}: {e}"),
        }
    }

    check(&form.encode(), &fields);

    let encoded = form.encode_with_boundary(&offer);
    let collides = fields.iter().any(|(name, value)| {
        contains(value, offer.as_bytes()) || contains(name.as_bytes(), offer.as_bytes())
    });
    if usable(&offer) && !collides {
        assert_eq!(encoded.boundary, offer, "a usable boundary was replaced");
    } else {
        assert_ne!(encoded.boundary, offer, "an unusable boundary was kept");
    }
    check(&encoded, &fields);
});
