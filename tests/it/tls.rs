//! The CLI over HTTPS to a sandbox on 127.0.0.1 with a test CA made here:
//! trusted with --ca-file, refused without it, refused for a wrong name.
use crate::common::*;
use jetpack_partner::sandbox::Sandbox;

fn fail<T>(e: rcgen::Error) -> T {
    panic!("rcgen: {e}")
}

/// A CA and a certificate it signed for `names`: (CA PEM, chain PEM, key PEM).
pub fn certificates(names: &[&str]) -> (String, String, String) {
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

/// `SSL_CERT_FILE` and `SSL_CERT_DIR`, the OpenSSL and curl convention for a
/// private CA or an inspecting proxy, are honoured as --ca-file is; the
/// order is --ca-file, SSL_CERT_FILE, SSL_CERT_DIR, the bundled roots.
#[test]
fn the_openssl_variables_name_the_trusted_roots() {
    let (sandbox, ca) = tls_sandbox(&["localhost"]);
    let ca_s = ca.to_string_lossy().into_owned();
    let dir = ca
        .parent()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    let with = |env: &[(&str, &str)], extra: &[&str]| token_with(sandbox.base_url(), env, extra);
    with(&[("SSL_CERT_FILE", &ca_s)], &[]).assert_code(0);
    with(&[("SSL_CERT_DIR", &dir)], &[]).assert_code(0);
    with(&[("SSL_CERT_DIR", &format!("/nonexistent:{dir}"))], &[]).assert_code(5);
    // --ca-file first: a wrong one wins over a right variable.
    let wrong = temp_file("other.pem", certificates(&["localhost"]).0.as_bytes());
    let run = with(
        &[("SSL_CERT_FILE", &ca_s)],
        &["--ca-file", &wrong.to_string_lossy()],
    );
    run.assert_code(3);
    assert_eq!(run.error()["error_code"], "tls_error");
    // SSL_CERT_FILE before SSL_CERT_DIR.
    let run = with(
        &[
            ("SSL_CERT_FILE", &wrong.to_string_lossy()),
            ("SSL_CERT_DIR", &dir),
        ],
        &[],
    );
    run.assert_code(3);
    let empty = temp_file("unused", b"").with_file_name("empty-certs");
    std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("{e}"));
    let run = with(&[("SSL_CERT_DIR", &empty.to_string_lossy())], &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("holds no PEM certificate"), "{run:#?}");
}

/// Plain http reads no trusted roots from the environment (as curl does):
/// a broken `SSL_CERT_FILE` or `SSL_CERT_DIR` does not stop a call to the
/// sandbox, and a system bundle is not parsed on every run. A `--ca-file`
/// given is still read and checked.
#[test]
fn plain_http_reads_no_roots_from_the_environment() {
    let sandbox = sandbox();
    let not_pem = temp_file("not-a-bundle.pem", b"not pem at all");
    let not_pem = not_pem.to_string_lossy().into_owned();
    let token = |env: &[(&str, &str)], extra: &[&str]| token_with(sandbox.base_url(), env, extra);
    token(&[("SSL_CERT_FILE", &not_pem)], &[]).assert_code(0);
    token(&[("SSL_CERT_FILE", "/nonexistent/ca.pem")], &[]).assert_code(0);
    token(&[("SSL_CERT_DIR", "/nonexistent")], &[]).assert_code(0);
    assert_eq!(requests(&sandbox), 3);
    let run = token(&[], &["--ca-file", &not_pem]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("not valid PEM") || run.stderr.contains("no certificate"),
        "{run:#?}"
    );
    assert_eq!(requests(&sandbox), 3);
}

/// The old scripts' variable means https://HOST. Pointed at the plain-http
/// sandbox, the handshake gets no answer: a tls_error within the connect
/// time-out, once, not a 30 s wait for a global time-out.
#[test]
fn an_https_base_on_a_plain_http_server_is_a_tls_error_at_once() {
    let sandbox = sandbox();
    let host = sandbox.base_url().trim_start_matches("http://").to_owned();
    let run = cli(
        // The connect time-out is the budget's when shorter than 10 s.
        &[
            "--partner-id",
            PARTNER_ID,
            "--no-token-cache",
            "--timeout",
            "4",
            "token",
        ],
        &[
            ("JETPACK_PARTNER_SECRET", SECRET),
            ("JETPACK_START_API_HOST", &host),
        ],
        None,
    );
    run.assert_code(3);
    let error = run.error();
    assert_eq!(error["error_code"], "tls_error", "{run:#?}");
    let message = error["error_message"].as_str().unwrap_or_default();
    assert!(
        message.contains("never answered the TLS handshake"),
        "{error}"
    );
    assert!(
        message.contains("http://"),
        "the message says what to do: {error}"
    );
}

/// `token` against `base`, the secret and `env` in the environment,
/// `extra` options before the command.
fn token_with(base: &str, env: &[(&str, &str)], extra: &[&str]) -> Run {
    let mut args = vec![
        "--api-base",
        base,
        "--partner-id",
        PARTNER_ID,
        "--no-token-cache",
    ];
    args.extend_from_slice(extra);
    args.push("token");
    let mut full = vec![("JETPACK_PARTNER_SECRET", SECRET)];
    full.extend_from_slice(env);
    cli(&args, &full, None)
}
