//! `jetpack-partner demo` runs the flow against its own sandbox.
use crate::common::cli;

#[test]
fn demo_walks_through_the_flow_and_masks_secrets() {
    let run = cli(&["demo"], &[], None);
    run.assert_code(0);
    assert_eq!(run.stderr, "");
    for needle in [
        "POST http://127.0.0.1:",
        "/oauth2/token",
        "client_secret = ***",
        "grant_type = client_credentials",
        "scope = jetpack-partner",
        "< HTTP 200",
        r#""access_token":"***""#,
        "invalid_client",
        "< HTTP 400",
        "POST http://127.0.0.1:",
        "/rest/v1.3/jpphp/provision",
        "Authorization: Bearer ***",
        "/rest/v1.4/jpphp/example.com::shop/status",
        r#""slug":"personal""#,
        "/rest/v1.3/jpphp/example.com::shop/upgrade-paths",
        r#""jetpack-plans":["personal","premium","professional","complete"]"#,
        "/rest/v1.3/jpphp/example.com::shop/partner-cancel",
        r#""products":[]"#,
    ] {
        assert!(
            run.stdout.contains(needle),
            "{needle} missing from:\n{}",
            run.stdout
        );
    }
    // Sandbox tokens are 64 hex digits; none may be shown.
    let hexes = run
        .stdout
        .split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() >= 40)
        .count();
    assert_eq!(hexes, 0, "a token or secret is shown:\n{}", run.stdout);
}
