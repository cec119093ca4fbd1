//! Cancel everything this partner provisioned for a site and list it.
//!
//! ```sh
//! JETPACK_PARTNER_ID=1234 JETPACK_PARTNER_SECRET=… \
//!     cargo run --example cancel_all -- example.com/blog
//! ```
//!
//! Add `--api-base URL` first to use a sandbox.

use std::env;
use std::process::ExitCode;

use jetpack_partner::{
    Cancel, CancelOutcome, Client, Credentials, Error, Secret, Session, SiteRef,
};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cancel_all: {e} ({})", e.code());
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let mut args: Vec<String> = env::args().skip(1).collect();
    let mut client = Client::builder();
    if args.first().map(String::as_str) == Some("--api-base") && args.len() > 1 {
        client = client.api_base(args.remove(1));
        args.remove(0);
    }
    let [site] = args.as_slice() else {
        return Err(Error::InvalidInput(
            "usage: cancel_all [--api-base URL] SITE".into(),
        ));
    };
    let site = SiteRef::parse(site)?;
    let client = client.build()?;
    let credentials = Credentials::new(
        env::var("JETPACK_PARTNER_ID").unwrap_or_default(),
        Secret::new(env::var("JETPACK_PARTNER_SECRET").unwrap_or_default()),
    );
    let session = Session::new(client, credentials);

    match session.send(&Cancel::new(site.clone()).cancel_all(true))? {
        CancelOutcome::NothingToCancel(_) => println!("{site}: nothing to cancel."),
        CancelOutcome::Cancelled(answer) => {
            let list = |items: &Option<Vec<serde_json::Value>>| {
                let names: Vec<String> = items
                    .iter()
                    .flatten()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect();
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            };
            println!("{site}: cancelled {}", list(&answer.activations));
            println!(
                "{site}: cancelled pending {}",
                list(&answer.pending_activations)
            );
        }
    }
    Ok(())
}
