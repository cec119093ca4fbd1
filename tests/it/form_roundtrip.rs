//! The hand-written encoder against an independent parser (the `multipart`
//! crate's server side): every generated field set must come back byte for
//! byte.

use std::io::Read;

use jetpack_partner::{Encoded, Form};

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const NASTY: &[&[u8]] = &[
    b"\r",
    b"\n",
    b"\r\n",
    b"\r\n\r\n",
    b"\0",
    b"\"",
    b"'",
    b"--",
    b"\r\n--",
    b";",
    b"=",
    b"&",
    b"%",
    b"\\",
    b" ",
    b"\t",
    "é".as_bytes(),
    "€".as_bytes(),
    "😀".as_bytes(),
    b"\xff\xfe",
    b"\x80",
    b"Content-Disposition: form-data; name=\"x\"",
    b"--------------------------",
];

fn value(rng: &mut Rng, boundary_hint: &str) -> Vec<u8> {
    let mut v = Vec::new();
    match rng.below(10) {
        0 => {}
        1 => v.extend_from_slice(format!("--{boundary_hint}").as_bytes()),
        2 => v.extend_from_slice(format!("\r\n--{boundary_hint}--\r\n").as_bytes()),
        _ => {
            for _ in 0..rng.below(24) {
                match rng.below(3) {
                    0 => v.extend_from_slice(NASTY[rng.below(NASTY.len())]),
                    1 => v.push(rng.next() as u8),
                    _ => v.push(b'a' + rng.below(26) as u8),
                }
            }
        }
    }
    v
}

fn name(rng: &mut Rng) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.[]";
    let len = 1 + rng.below(16);
    (0..len)
        .map(|_| CHARS[rng.below(CHARS.len())] as char)
        .collect()
}

fn parse(encoded: &Encoded) -> Vec<(String, Vec<u8>)> {
    let mut parser =
        multipart::server::Multipart::with_body(&encoded.body[..], encoded.boundary.as_str());
    let mut out = Vec::new();
    while let Some(mut field) = parser
        .read_entry()
        .unwrap_or_else(|e| panic!("the parser refused our body: {e}"))
    {
        let mut data = Vec::new();
        field
            .data
            .read_to_end(&mut data)
            .unwrap_or_else(|e| panic!("field data: {e}"));
        out.push((field.headers.name.to_string(), data));
    }
    out
}

fn round_trip(fields: &[(String, Vec<u8>)], boundary: &str) {
    let mut form = Form::new();
    for (n, v) in fields {
        form.text(n, v).unwrap_or_else(|e| panic!("{e}"));
    }
    let encoded = form.encode_with_boundary(boundary);
    assert_eq!(
        encoded.content_type,
        format!("multipart/form-data; boundary={}", encoded.boundary)
    );
    for (_, v) in fields {
        assert!(
            !v.windows(encoded.boundary.len())
                .any(|w| w == encoded.boundary.as_bytes()),
            "the boundary occurs in a value"
        );
    }
    let back = parse(&encoded);
    assert_eq!(back.len(), fields.len(), "field count");
    for ((n, v), (bn, bv)) in fields.iter().zip(&back) {
        assert_eq!(n, bn);
        assert!(
            v == bv,
            "value of {n} changed: {:?} -> {:?}",
            String::from_utf8_lossy(v),
            String::from_utf8_lossy(bv)
        );
    }
}

#[test]
fn ten_thousand_generated_field_sets_survive_an_independent_parser() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut collisions = 0;
    for i in 0..10_000 {
        // Half the runs offer a boundary that the values then contain.
        let hint = format!("hint{:x}", rng.next());
        let fields: Vec<(String, Vec<u8>)> = (0..rng.below(9))
            .map(|_| (name(&mut rng), value(&mut rng, &hint)))
            .collect();
        let mut fields = fields;
        if i % 1000 == 999 {
            let big: Vec<u8> = (0..1024 * 1024).map(|_| rng.next() as u8).collect();
            fields.push(("big".into(), big));
        }
        if fields
            .iter()
            .any(|(_, v)| v.windows(hint.len()).any(|w| w == hint.as_bytes()))
        {
            collisions += 1;
        }
        round_trip(&fields, &hint);
    }
    assert!(
        collisions > 500,
        "the generator must often put the offered boundary into a value"
    );
}

#[test]
fn a_value_that_is_the_boundary_itself() {
    for value in ["--B", "B", "--B--", "\r\n--B\r\n", "x--By"] {
        round_trip(&[("a".into(), value.as_bytes().to_vec())], "B");
    }
}

#[test]
fn empty_values_and_empty_forms() {
    round_trip(&[], "B");
    round_trip(&[("a".into(), vec![]), ("b".into(), vec![])], "B");
}

#[test]
fn a_one_mib_value_of_every_byte() {
    let big: Vec<u8> = (0..1024 * 1024).map(|i| (i % 256) as u8).collect();
    round_trip(
        &[("big".into(), big), ("after".into(), b"x".to_vec())],
        "------------------------abc",
    );
}

#[test]
fn repeated_names_keep_their_order() {
    round_trip(
        &[
            ("a".into(), b"1".to_vec()),
            ("a".into(), b"2".to_vec()),
            ("b".into(), b"3".to_vec()),
        ],
        "B",
    );
}
