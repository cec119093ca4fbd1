//! `demo`: the whole flow against an in-process sandbox, step by step.

use jetpack_partner::sandbox::Sandbox;
use jetpack_partner::{
    Cancel, Client, Credentials, Error, Provision, Secret, SiteRef, Status, TokenGrant,
    UpgradePaths,
};
use serde::Serialize;

use crate::args::Args;
use crate::globals::Globals;
use crate::output::{self, Failure, Output};

pub const HELP: &str = "\
Start a sandbox on a free loopback port and walk through the partner flow
against it with the real client over TCP: token, provision, status, upgrade
paths, cancel, status. Shows each request (secrets as ***) and each answer.
Needs no account and no network.

Usage: jetpack-partner demo
";

const PARTNER_ID: &str = "1234";
const SITE: &str = "https://example.com/shop";

pub fn run(_: &Args, globals: &Globals) -> Result<(), Failure> {
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

    out.line("1. Exchange the partner ID and secret for an access token:")?;
    let credentials = Credentials::new(PARTNER_ID, Secret::new(secret));
    let answer = client.send(&TokenGrant::new(&credentials), None)?;
    let token = answer.access_token.duplicate();
    out.redactor.add(token.expose());
    let token = Some(&token);
    show(out, &answer)?;

    out.line(&format!(
        "2. Provision the personal plan for {SITE}, owned by its user 'admin':"
    ))?;
    show(
        out,
        &client.send(&Provision::new("admin", SITE, "personal"), token)?,
    )?;

    let site = SiteRef::parse(SITE)?;
    out.line(&format!(
        "3. The site's status (its reference in paths is {site}):"
    ))?;
    show(out, &client.send(&Status::new(site.clone()), token)?)?;

    out.line("4. What the site may be given now:")?;
    show(out, &client.send(&UpgradePaths::new(site.clone()), token)?)?;

    out.line("5. Cancel the plan:")?;
    show(
        out,
        client.send(&Cancel::new(site.clone()), token)?.answer(),
    )?;

    out.line("6. The status again:")?;
    show(out, &client.send(&Status::new(site), token)?)?;

    out.line("7. A refusal, for comparison: the token request with a wrong secret:")?;
    let wrong = Credentials::new(PARTNER_ID, Secret::new("not-the-secret"));
    match client.send(&TokenGrant::new(&wrong), None) {
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

    out.line(&format!(
        "The sandbox saw {} requests. Against the real API, drop the sandbox and run e.g.:\n  \
         jetpack-partner --partner-id ID --partner-secret-file PATH provision \\\n      \
         --local-user admin --siteurl https://your-customer.example --plan personal",
        sandbox.stats()["requests"]
    ))
}

/// Prints an answer with every secret masked.
fn show(out: &Output, answer: &impl Serialize) -> Result<(), Failure> {
    let json = serde_json::to_string(answer).map_err(|e| Error::InvalidInput(e.to_string()))?;
    out.line(&format!("    answer: {}\n", out.redactor.clean(&json)))
}
