//! `SiteRef::parse` on any text.
//!
//! Input: the text given as `--site` (UTF-8; other inputs are skipped).
//!
//! Parsing must never panic, and a reference it accepts must be safe to put
//! in a URL path as one segment: no `/`, `?`, `#`, white space or control
//! character; a blog ID prints as digits; a site URL's reference parses
//! back to a site URL with the same reference.

#![no_main]

use jetpack_partner::SiteRef;
use libfuzzer_sys::fuzz_target;

/// `host[:port]` as `SiteRef::Url` documents it: a lower-case host name,
/// and a port only when there is one, written as a plain number.
fn check_host(host: &str) {
    let (name, port) = match host.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    assert!(!name.is_empty(), "empty host in {host:?}");
    assert!(
        name.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._".contains(&b)),
        "host {host:?}"
    );
    if let Some(port) = port {
        assert!(
            !port.is_empty()
                && !port.starts_with('0')
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u16>().is_ok(),
            "port of {host:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(site) = SiteRef::parse(input) else {
        return;
    };
    let printed = site.to_string();
    assert!(!printed.is_empty(), "{input:?} prints as nothing");
    if let Some(c) = printed
        .chars()
        .find(|&c| matches!(c, '/' | '?' | '#') || c.is_whitespace() || c.is_control())
    {
        panic!("{input:?} prints as {printed:?}, which contains {c:?}");
    }
    match &site {
        SiteRef::BlogId(id) => {
            assert!(*id > 0, "blog ID 0 from {input:?}");
            assert!(printed.bytes().all(|b| b.is_ascii_digit()), "{printed:?}");
        }
        SiteRef::Url { host, path } => {
            check_host(host);
            assert!(
                path.iter().all(|s| !s.is_empty()),
                "empty segment from {input:?}"
            );
            match SiteRef::parse(&printed) {
                Ok(again) => {
                    // A site must not come back as a blog ID: the API would
                    // take it for another site.
                    assert!(
                        matches!(again, SiteRef::Url { .. }),
                        "{input:?} -> {printed:?} -> {again:?}"
                    );
                    assert_eq!(
                        again.to_string(),
                        printed,
                        "{input:?} -> {printed:?} -> {again:?}"
                    );
                }
                Err(e) => panic!("{input:?} prints as {printed:?}, which does not parse: {e}"),
            }
        }
    }
});
