//! The README's table of error codes is the code's: every code the program
//! can give of its own is in it, with the exit code that goes with it.

use std::collections::BTreeMap;
use std::time::Duration;

use jetpack_partner::{ApiError, Error};
use jetpack_partner::{StillRunning, Transport, TransportKind, Unavailable, UnexpectedResponse};

/// `code -> exit` from the README's "Error codes" table.
fn readme_table() -> BTreeMap<String, u8> {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("### Error codes")
        .nth(1)
        .unwrap_or_else(|| panic!("no Error codes section"));
    section
        .lines()
        .skip_while(|l| !l.starts_with("| error_code"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let code = cells[1].trim_matches('`').to_owned();
            let exit = cells[2].parse().unwrap_or_else(|_| panic!("exit in {l}"));
            (code, exit)
        })
        .collect()
}

/// The library's own codes: one error of every kind, and the exit class
/// the command line gives it (see README "Exit codes").
fn library_codes() -> BTreeMap<String, u8> {
    let transport = |kind| {
        Error::Transport(Transport {
            kind,
            detail: String::new(),
            source: None,
        })
    };
    let unavailable = |status| {
        Error::Unavailable(Unavailable {
            status,
            code: None,
            retry_after: Some(Duration::ZERO),
            excerpt: String::new(),
        })
    };
    let mut errors = vec![
        Error::InvalidInput(String::new()),
        Error::Io {
            context: String::new(),
            source: std::io::ErrorKind::Other.into(),
        },
        Error::UnexpectedResponse(UnexpectedResponse {
            status: Some(200),
            reason: String::new(),
            excerpt: String::new(),
        }),
        unavailable(429),
        unavailable(503),
        Error::StillRunning(StillRunning {
            what: "restore".into(),
            id: "1".into(),
            state: "running".into(),
            percent: None,
            waited: Duration::ZERO,
        }),
    ];
    errors.extend(
        [
            TransportKind::Dns,
            TransportKind::Connect,
            TransportKind::Tls,
            TransportKind::Timeout,
            TransportKind::Network,
        ]
        .map(transport),
    );
    errors
        .iter()
        .map(|e| {
            let exit = match e {
                Error::Api(_) => 1,
                Error::InvalidInput(_) => 2,
                Error::Transport(_) | Error::Unavailable(_) | Error::StillRunning(_) => 3,
                Error::UnexpectedResponse(_) => 4,
                Error::Io { .. } => 5,
                _ => panic!("an error kind this test does not know: {e:?}"),
            };
            (e.code().to_owned(), exit)
        })
        .collect()
}

#[test]
fn every_code_of_the_program_is_in_the_readme_with_its_exit() {
    let table = readme_table();
    for (code, exit) in library_codes() {
        assert_eq!(
            table.get(&code),
            Some(&exit),
            "{code} (exit {exit}) in the README table"
        );
    }
    // The refusals the program makes of its own, exit 1.
    for code in [
        "unsuccessful",
        "nothing_to_cancel",
        "authorization_failure",
        "authorization_skipped",
        "batch_incomplete",
        "unhealthy_sites",
        "checks_failed",
    ] {
        assert_eq!(table.get(code), Some(&1), "{code} in the README table");
        let in_source = [
            include_str!("../../src/error.rs"),
            include_str!("../../src/bin/jetpack-partner/wp_cli.rs"),
            include_str!("../../src/bin/jetpack-partner/provision.rs"),
            include_str!("../../src/bin/jetpack-partner/batch.rs"),
            include_str!("../../src/bin/jetpack-partner/doctor.rs"),
        ]
        .iter()
        .any(|source| source.contains(&format!("\"{code}\"")));
        assert!(in_source, "{code} is a code the program gives");
    }
    let listed = table.len();
    assert_eq!(
        listed,
        library_codes().len() + 7,
        "no row the code does not give: {table:?}"
    );
    // An API error keeps the API's own code.
    let api = ApiError::from_json(400, &serde_json::json!({"error": "invalid_client"}));
    assert_eq!(
        api.map(|e| Error::Api(e).code().to_owned()).as_deref(),
        Some("invalid_client")
    );
}

/// The codes are what the binary prints: a DNS failure is dns_failed.
#[test]
fn a_dns_failure_is_dns_failed() {
    let run = crate::common::cli(
        &[
            "--api-base",
            "https://no-such-host.invalid",
            "--partner-id",
            "1",
            "--retries",
            "0",
            "token",
        ],
        &[("JETPACK_PARTNER_SECRET", "a-secret-value")],
        None,
    );
    run.assert_code(3);
    assert_eq!(run.error()["error_code"], "dns_failed", "{run:#?}");
}

/// The README's "Exit codes" table lists every exit the program gives,
/// 6 included (`reconcile --detailed-exitcode`), and so does `--help`.
#[test]
fn the_exit_code_table_has_every_exit_and_6_is_given_for_changes() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("## Exit codes")
        .nth(1)
        .unwrap_or_else(|| panic!("no Exit codes section"));
    let exits: Vec<u8> = section
        .lines()
        .skip_while(|l| !l.starts_with("| code"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(1)?.trim().parse().ok())
        .collect();
    assert_eq!(exits, [0, 1, 2, 3, 4, 5, 6]);
    let help = crate::common::cli(&["--help"], &[], None);
    assert!(
        help.stdout.contains("6  reconcile --detailed-exitcode"),
        "{}",
        help.stdout
    );
    let sandbox = crate::common::sandbox();
    let desired = crate::common::temp_file(
        "exit6.csv",
        b"site,plan,local_user\nhttps://six.test,personal,admin\n",
    );
    let desired = desired.to_string_lossy();
    let changes = crate::common::partner_cli(
        &sandbox,
        &["reconcile", "--desired", &desired, "--detailed-exitcode"],
    );
    changes.assert_code(6);
    assert!(
        changes.stdout.contains("\"action\":\"provision\""),
        "{changes:#?}"
    );
    crate::common::partner_cli(&sandbox, &["reconcile", "--desired", &desired]).assert_code(0);
}
