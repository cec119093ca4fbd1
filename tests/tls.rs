//! The CLI over HTTPS to a sandbox on 127.0.0.1 with a test CA made here:
//! trusted with --ca-file, refused without it, refused for a wrong name.
#![cfg(feature = "sandbox")]

mod common;

use common::*;
use jetpack_partner::sandbox::Sandbox;

fn fail<T>(e: rcgen::Error) -> T {
    panic!("rcgen: {e}")
}

/// A CA and a certificate it signed for `names`: (CA PEM, chain PEM, key PEM).
fn certificates(names: &[&str]) -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap_or_else(fail);
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap_or_else(fail);
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "jetpack-partner test CA");
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap_or_else(fail);
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap_or_else(fail);
    let params =
        rcgen::CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .unwrap_or_else(fail);
    let cert = params.signed_by(&key, &issuer).unwrap_or_else(fail);
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

fn tls_sandbox(names: &[&str]) -> (Sandbox, std::path::PathBuf) {
    let (ca, chain, key) = certificates(names);
    let sandbox = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .tls(chain.as_bytes(), key.as_bytes())
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    (sandbox, temp_file("ca.pem", ca.as_bytes()))
}

fn token(base: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "--api-base",
        base,
        "--partner-id",
        PARTNER_ID,
        "--no-token-cache",
    ];
    args.extend_from_slice(extra);
    args.push("token");
    cli(&args, &[("JETPACK_PARTNER_SECRET", SECRET)], None)
}

#[test]
fn with_the_ca_file_the_token_exchange_succeeds() {
    let (sandbox, ca) = tls_sandbox(&["localhost"]);
    assert!(
        sandbox.base_url().starts_with("https://localhost:"),
        "{}",
        sandbox.base_url()
    );
    let run = token(sandbox.base_url(), &["--ca-file", &ca.to_string_lossy()]);
    run.assert_code(0);
    assert_eq!(run.stdout.trim().len(), 64);
}

#[test]
fn without_it_tls_fails_and_nothing_is_sent() {
    let (sandbox, _) = tls_sandbox(&["localhost"]);
    let run = token(sandbox.base_url(), &[]);
    run.assert_code(3).assert_hidden(SECRET);
    assert_eq!(run.error()["error_code"], "tls_error", "{run:#?}");
    assert_eq!(
        requests(&sandbox),
        0,
        "the request never got past the handshake"
    );
}

#[test]
fn a_wrong_host_name_fails_the_same_way() {
    let (sandbox, ca) = tls_sandbox(&["api.example.test"]);
    let run = token(sandbox.base_url(), &["--ca-file", &ca.to_string_lossy()]);
    run.assert_code(3);
    assert_eq!(run.error()["error_code"], "tls_error", "{run:#?}");
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn a_bad_ca_file_is_a_clear_error() {
    let (sandbox, _) = tls_sandbox(&["localhost"]);
    let not_pem = temp_file("ca.pem", b"hello");
    let run = token(
        sandbox.base_url(),
        &["--ca-file", &not_pem.to_string_lossy()],
    );
    run.assert_code(2);
    assert!(run.stderr.contains("CA file"), "{run:#?}");
    let missing = token(sandbox.base_url(), &["--ca-file", "/nonexistent/ca.pem"]);
    missing.assert_code(5);
    assert_eq!(requests(&sandbox), 0);
}
