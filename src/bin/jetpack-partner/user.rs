//! `user create`: make a WordPress.com account and keep its token.

use jetpack_partner::{Endpoint, NewUser, ProductType, SecretFile};

use crate::args::{filled, require, set, Args, Flag};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};

/// `--email`, as `user create` and `magic-link` read it.
pub const EMAIL: Flag = Flag::text(&["--email"], "EMAIL", "the person's e-mail address", |a| {
    &mut a.email
});

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN];

const OWN: &[Flag] = &[
    EMAIL,
    Flag::value(
        &["--product-type"],
        "jetpack|woocommerce",
        "what the account is for",
        |a, v| {
            let kind = v.text.parse::<ProductType>();
            set(
                &mut a.product_type,
                kind.map_err(|_| v.invalid("jetpack or woocommerce")),
            )
        },
    ),
    Flag::text(
        &["--language"],
        "CODE",
        "language of the verification e-mail (ISO 639: en, de, fr-ca, pt-br, …)",
        |a| &mut a.language,
    ),
    Flag::switch(
        &["--show-token"],
        "print the new user's token on stdout (else it is shown as ***)",
        |a| &mut a.show_token,
    ),
    Flag::text(
        &["--token-file"],
        "PATH",
        "write the new user's token to PATH, a new file (0600) made before\n\
         the request; an existing file or link is refused",
        |a| &mut a.token_file,
    ),
];

pub const HELP: &str = "\
Create a WordPress.com account for an e-mail address (POST
/rest/v1.3/jpphp/user), for a partner Automattic allows to, and keep the
token the API gives for it. Prints the answer, with the token as ***
unless --show-token.

The token is a secret, and it cannot be had again: give --token-file PATH
(a new file, only you can read it, made before anything is sent) or
--show-token (it is printed on stdout), or both. Without either nothing is
sent.

A request that may have reached the service is never sent twice: if its
answer is lost (exit 3), the account may exist without its token; a second
try then exits 1 with user_exists, and the person signs in with an e-mailed
login link (see magic-link).

Usage: jetpack-partner [global options] user create --email EMAIL --product-type jetpack|woocommerce
         [--language CODE] (--token-file PATH | --show-token)

Example:
  jetpack-partner user create --email owner@example.com --product-type jetpack \\
      --language de --token-file ./owner.token
";

/// `user create` needs the address, the product type, and a place for
/// the token; the address and language are checked before anything else.
pub fn check(a: &mut Args, problems: &mut Problems) {
    require(problems, filled(&a.email), "--email", "EMAIL");
    require(
        problems,
        a.given("--product-type"),
        "--product-type",
        "jetpack|woocommerce",
    );
    if !a.show_token && a.token_file.is_none() {
        problems.push(Problem::new(
            "user create needs --token-file PATH or --show-token: the new user's token is \
             given once, and would be lost",
            "add --token-file PATH (a new file), or --show-token to print it",
        ));
    }
    if let Some(email) = a.email.as_ref().filter(|e| !e.is_empty()) {
        // The address and the language are checked whatever the product
        // type, which is checked on its own.
        let kind = a.product_type.unwrap_or(ProductType::Jetpack);
        if let Err(e) = request(email, kind, a.language.as_deref()).validate() {
            problems.push(Problem::from(e));
        }
    }
}

fn request(email: &str, kind: ProductType, language: Option<&str>) -> NewUser {
    let request = NewUser::new(email, kind);
    match language {
        Some(code) => request.language(code),
        None => request,
    }
}

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let (Some(email), Some(kind)) = (&args.email, args.product_type) else {
        unreachable!("check requires --email and --product-type");
    };
    let request = request(email, kind, args.language.as_deref());
    globals.check_credentials()?;
    globals.out.check_stdout()?;
    // Made before sending: a path that cannot take the token stops the
    // command before the account exists.
    let file = match &args.token_file {
        Some(path) => Some(SecretFile::create_new(path)?),
        None => None,
    };
    let client = globals.client()?;
    let session = globals.session(client)?;
    let answer = globals.send(&session, &request)?;
    globals.out.redactor.add(answer.bearer_token.expose());
    if let Some(file) = file {
        let path = file.path().display().to_string();
        file.write(answer.bearer_token.expose()).map_err(|e| {
            Failure::Lib(jetpack_partner::Error::Io {
                context: format!(
                    "the account for {email} was created, but its token could not be written \
                     to {path}, and is lost: the person signs in with an e-mailed login link \
                     (jetpack-partner magic-link --email {email})"
                ),
                source: match e {
                    jetpack_partner::Error::Io { source, .. } => source,
                    other => std::io::Error::other(other.to_string()),
                },
            })
        })?;
    }
    if args.show_token {
        globals.out.answer(&answer)
    } else {
        globals.out.answer_text(&answer.masked())
    }
}
