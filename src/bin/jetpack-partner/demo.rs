//! `demo`: the whole flow against an in-process sandbox, step by step.

use crate::args::Parsed;
use crate::globals::Globals;
use crate::output::{self, Failure};
use jetpack_partner::sandbox::Sandbox;
use jetpack_partner::{Client, Credentials, Error, Secret};

pub const HELP: &str = "\
Start a sandbox on a free loopback port and walk through the partner flow
against it with the real client over TCP, showing each request (secrets as
***) and each answer. Needs no account and no network.

Usage: jetpack-partner demo
";

const PARTNER_ID: &str = "1234";

pub fn run(_: &Parsed, globals: &Globals) -> Result<(), Failure> {
    let secret = jetpack_partner::sandbox::random_secret();
    let sandbox = Sandbox::builder().partner(PARTNER_ID, &secret).start()?;
    let out = &globals.out;
    out.redactor.add(&secret);
    out.line(&format!(
        "A sandbox is serving the Jetpack Start API at {} for this demo.\n\
         Partner ID {PARTNER_ID}; its secret is random and shown as ***.\n",
        sandbox.base_url()
    ))?;
    let printer = out.clone();
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .trace(move |event| {
            for line in output::describe(event) {
                let _ = printer.line(&format!("    {line}"));
            }
        })
        .build()?;

    out.line("1. Exchange the partner ID and secret for an access token (POST /oauth2/token):")?;
    let answer = client.request_token(&Credentials::new(PARTNER_ID, Secret::new(secret)))?;
    out.redactor.add(answer.access_token.expose());
    let mut shown =
        serde_json::to_value(&answer).map_err(|e| Error::InvalidInput(e.to_string()))?;
    shown["access_token"] = "***".into();
    out.line(&format!("    answer: {shown}\n"))?;

    out.line("2. The same with a wrong secret, to show a refusal:")?;
    let wrong = Credentials::new(PARTNER_ID, Secret::new("not-the-secret"));
    match client.request_token(&wrong) {
        Err(e @ Error::Api(_)) => out.line(&format!(
            "    the CLI would exit {} and print on stderr: {}\n",
            output::exit_code(&e),
            output::error_json(&e)
        ))?,
        Err(other) => return Err(other.into()),
        Ok(_) => {
            return Err(Error::InvalidInput("the sandbox accepted a wrong secret".into()).into())
        }
    }

    let stats = sandbox.stats();
    out.line(&format!(
        "The sandbox saw {} requests. Against the real API, drop the sandbox and run:\n  \
         jetpack-partner --partner-id ID --partner-secret-file PATH token",
        stats["requests"]
    ))
}
