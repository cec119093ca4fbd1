//! Provision one site and print where to send its owner next.
//!
//! ```sh
//! JETPACK_PARTNER_ID=1234 JETPACK_PARTNER_SECRET=… \
//!     cargo run --example provision_one -- https://example.com admin professional
//! ```
//!
//! Add `--api-base URL` first to use a sandbox
//! (`jetpack-partner sandbox --partner 1234:s3cret`).

use std::env;
use std::process::ExitCode;

use jetpack_partner::{Client, Credentials, Error, Provision, Secret, Session};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("provision_one: {e} ({})", e.code());
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
    let [siteurl, local_user, plan] = args.as_slice() else {
        return Err(Error::InvalidInput(
            "usage: provision_one [--api-base URL] SITEURL LOCAL_USER PLAN".into(),
        ));
    };
    let client = client.build()?;
    let credentials = Credentials::new(
        env::var("JETPACK_PARTNER_ID").unwrap_or_default(),
        Secret::new(env::var("JETPACK_PARTNER_SECRET").unwrap_or_default()),
    );
    let session = Session::new(client, credentials);

    let answer = session.send(&Provision::new(local_user, siteurl, plan))?;
    if answer.next_url.is_empty() {
        println!("{plan} is waiting for {siteurl}: its owner finishes from wp-admin once the site is reachable.");
    } else if answer.auth_required {
        println!("Send the owner of {siteurl} to {}", answer.next_url);
    } else {
        println!("{siteurl} has {plan}; nothing left to do.");
    }
    Ok(())
}
