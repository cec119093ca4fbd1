//! `login` and `logout`: the token of the partner's WordPress.com user,
//! which scan actions and partner reporting take instead of the partner's.
//! `login` runs the authorization-code flow with the partner's own
//! WordPress.com app and keeps the token in the token cache; `logout`
//! forgets it.

use std::io::{BufRead, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use jetpack_partner::{
    AuthorizationCodeGrant, Authorize, Error, RedirectListener, Secret, WpcomApp,
    DEFAULT_REDIRECT_URI,
};

use crate::args::{filled, require, set, Args, Flag, Given};
use crate::globals::Globals;
use crate::output::{Failure, Output, Problem, Problems};

pub const LOGIN_FLAGS: &[&[Flag]] = &[LOGIN];
pub const LOGOUT_FLAGS: &[&[Flag]] = &[LOGOUT];

/// How long `login` waits for the redirect (or the paste) by default.
const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// The longest line `--paste` reads: a redirect address is far shorter.
const MAX_PASTE: u64 = 16 * 1024;

const LOGIN: &[Flag] = &[
    Flag::text(
        &["--client-id"],
        "ID",
        "the client ID of the partner's WordPress.com app (developer.wordpress.com/apps)",
        |a| &mut a.client_id,
    ),
    Flag::text(
        &["--client-secret-file"],
        "PATH",
        "read the app's client secret from PATH ('-' reads stdin)",
        |a| &mut a.client_secret_file,
    ),
    Flag::text(
        &["--redirect-uri"],
        "URI",
        "the app's redirect URI, exactly as the app registers it\n\
         (default http://127.0.0.1:3210/); listened on, unless --paste",
        |a| &mut a.redirect_uri,
    ),
    Flag::switch(
        &["--open"],
        "open the address in a browser (xdg-open; open on macOS)",
        |a| &mut a.open,
    ),
    Flag::switch(
        &["--paste"],
        "do not listen: read the address the browser ends on from stdin\n\
         (for an SSH session with no browser)",
        |a| &mut a.paste,
    ),
    Flag::value(
        &["--wait-timeout"],
        "SECS",
        "give up after SECS without the redirect or the paste (default 300;\n\
         --timeout bounds the code's exchange that follows)",
        |a, v| set(&mut a.wait_timeout, seconds(&v)),
    ),
];

const LOGOUT: &[Flag] = &[Flag::text(
    &["--client-id"],
    "ID",
    "forget only this app's token (default: every app's, for this API base)",
    |a| &mut a.client_id,
)];

pub const LOGIN_HELP: &str = "\
Sign in as the partner's WordPress.com user, for the commands that take
that user's token instead of the partner's (scan actions, reporting).
It runs the authorization-code flow with the partner's own WordPress.com
app (made at https://developer.wordpress.com/apps/new/) and keeps the
token in the token cache (0600, in a directory only you can change). The
token is never printed.

Usage: jetpack-partner [global options] login --client-id ID --client-secret-file PATH
         [--redirect-uri URI] [--open] [--paste] [--wait-timeout SECS]

It prints the address to open on stdout (it carries the app's client ID
and a random state, no secret). Sign in there and approve the app:
WordPress.com then sends the browser to the redirect URI, where login
listens (on that loopback address and port only), and the code it brings
is exchanged for the token. Pass --redirect-uri exactly as the app
registers it (the reference suggests http://127.0.0.1:3210; mind the
trailing slash).

Over SSH, with no browser on the server: use --paste, open the address in
your own browser, approve, and paste the address the browser ends on (it
fails to load; copy it from the address bar) into login's standard input.

Examples:
  jetpack-partner login --client-id 5678 --client-secret-file ~/.wpcom-app-secret --open
  jetpack-partner login --client-id 5678 --client-secret-file ~/.wpcom-app-secret --paste
";

pub const LOGOUT_HELP: &str = "\
Forget the WordPress.com user's token that login kept in the token cache
for this API base: every app's, or only --client-id's. It is not revoked
at WordPress.com (the reference documents no way to); remove the app's
access in the WordPress.com account's security settings for that. Signing
out when no token is kept is no error.

Usage: jetpack-partner [global options] logout [--client-id ID]
";

/// `--wait-timeout`: more than nothing, at most a day.
fn seconds(v: &Given) -> Result<Duration, Problem> {
    match v.text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 86_400.0 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(Problem::new(
            format!("{} {:?} is not a number of seconds", v.source, v.text),
            "give a number above 0 and at most a day, e.g. --wait-timeout 600",
        )),
    }
}

/// What login's options need: the app, a cache, one reader of stdin, and
/// a redirect URI it can use.
pub fn check_login(a: &mut Args, problems: &mut Problems) {
    require(problems, filled(&a.client_id), "--client-id", "ID");
    require(
        problems,
        filled(&a.client_secret_file),
        "--client-secret-file",
        "PATH",
    );
    if a.no_token_cache {
        problems.push(Problem::new(
            "login keeps the WordPress.com user's token in the token cache, and \
             --no-token-cache turns the cache off",
            "drop --no-token-cache (choose the directory with --token-cache DIR)",
        ));
    }
    if a.paste && a.client_secret_file.as_deref() == Some("-") {
        problems.push(Problem::new(
            "--paste and --client-secret-file - both read standard input",
            "read the client secret from a file",
        ));
    }
    let client_id = a.client_id.as_deref().filter(|id| !id.is_empty());
    let uri = a.redirect_uri.as_deref().unwrap_or(DEFAULT_REDIRECT_URI);
    let checked = Authorize::new(client_id.unwrap_or("0"), uri).and_then(|authorize| {
        if a.paste {
            Ok(())
        } else {
            authorize.listen_addr().map(|_| ())
        }
    });
    if let Err(e) = checked {
        let hint = if a.paste || a.redirect_uri.is_none() {
            "check the value; see 'jetpack-partner login --help'"
        } else {
            "register a redirect URI on this machine (e.g. http://127.0.0.1:3210/) and pass it \
             with --redirect-uri, or sign in with --paste"
        };
        problems.push(Problem::new(e.to_string(), hint));
    }
}

pub fn login(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let (Some(client_id), Some(secret_file)) = (&args.client_id, &args.client_secret_file) else {
        unreachable!("check_login requires --client-id and --client-secret-file");
    };
    // Each call gets the whole --timeout: the wait for the browser is not
    // the API's time.
    let client = globals.client_per_call()?;
    let cache = globals.user_token_cache("login")?;
    // Before anyone signs in: a token that could not be kept would be lost.
    cache.ready().map_err(unusable_cache)?;
    let secret = globals.read_secret(
        secret_file,
        "--client-secret-file",
        "WordPress.com app's client secret",
    )?;
    let app = WpcomApp::new(client_id, secret);
    let redirect_uri = args.redirect_uri.as_deref().unwrap_or(DEFAULT_REDIRECT_URI);
    let authorize = Authorize::new(app.client_id(), redirect_uri)?;
    let wait = args.wait_timeout.unwrap_or(DEFAULT_WAIT);
    let out = &globals.out;
    let listener = if args.paste {
        None
    } else {
        Some(listen(&authorize, out, args.verbose)?)
    };
    let url = authorize.url(client.api_base());
    out.note(
        "jetpack-partner: sign in as the partner's WordPress.com user and approve the app, \
         at this address:",
    );
    out.line(&url)?;
    if args.open {
        open_browser(&url, out);
    }
    let waited = match &listener {
        Some(listener) => {
            out.note(&format!(
                "jetpack-partner: waiting up to {} s for WordPress.com to send the browser to {}",
                wait.as_secs_f64().ceil(),
                authorize.redirect_uri()
            ));
            listener.wait(&authorize, wait)
        }
        None => {
            out.note(&format!(
                "jetpack-partner: then paste here the address the browser ends on (it starts \
                 with {}; it may fail to load) and press Enter; waiting up to {} s",
                authorize.redirect_uri(),
                wait.as_secs_f64().ceil()
            ));
            read_pasted(&authorize, wait)
        }
    };
    drop(listener);
    let code = waited.map_err(wait_failure)?;
    out.redactor.add(code.expose());
    let grant = AuthorizationCodeGrant::new(&app, authorize.redirect_uri(), &code);
    let answer = client.send(&grant, None)?;
    let Some(token) = answer.token() else {
        unreachable!("the grant's answer always has a token");
    };
    out.redactor.add(token.expose());
    if args.verbose {
        out.note(&format!(
            "! the token came in the answer's {} field",
            answer.token_field().unwrap_or("?")
        ));
    }
    let path = cache
        .store_user(client.api_base(), app.client_id(), token)
        .map_err(|e| match e {
            Error::Io { context, source } => Failure::Lib(Error::Io {
                context: format!(
                    "signed in, but the token was not kept ({context}); fix that and sign in \
                     again"
                ),
                source,
            }),
            other => unusable_cache(other),
        })?;
    out.note(&format!(
        "jetpack-partner: signed in; the WordPress.com user's token is kept in {}",
        path.display()
    ));
    Ok(())
}

pub fn logout(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let client = globals.client()?;
    let cache = globals.user_token_cache("logout")?;
    let base = client.api_base();
    let forgotten = match &args.client_id {
        Some(id) => {
            let removed = cache.remove_user(base, id).map_err(unusable_cache)?;
            removed.then(|| format!("of app {id}"))
        }
        None => {
            // The apps' names, for the note, as far as the files can be
            // read; every file goes, read or not.
            let apps: Vec<String> = cache
                .load_users(base)
                .map(|found| found.into_iter().map(|f| f.client_id).collect())
                .unwrap_or_default();
            let removed = cache.remove_users(base).map_err(unusable_cache)?;
            match (removed.len(), apps.len()) {
                (0, _) => None,
                (n, named) if n == named => Some(format!("of app {}", apps.join(", "))),
                (1, _) => Some("of 1 app".to_owned()),
                (n, _) => Some(format!("of {n} apps")),
            }
        }
    };
    let note = match forgotten {
        Some(apps) => format!(
            "jetpack-partner: signed out: the WordPress.com user's token {apps} for {base} is \
             removed from {} (it is not revoked at WordPress.com)",
            cache.dir().display()
        ),
        None => format!(
            "jetpack-partner: already signed out: no WordPress.com user's token {}for {base} \
             is kept in {}",
            args.client_id
                .as_ref()
                .map(|id| format!("of app {id} "))
                .unwrap_or_default(),
            cache.dir().display()
        ),
    };
    globals.out.note(&note);
    Ok(())
}

/// The token cache cannot be used here: unlike the partner's token, the
/// user's cannot be had again without a person, so this stops the command
/// (exit 2) before anything is done.
fn unusable_cache(e: Error) -> Failure {
    Failure::usage(
        format!("the token cache cannot be used: {e}"),
        "fix the directory as the message says, or choose another with --token-cache DIR",
    )
}

/// The listener on the redirect URI; a port in use says what to do.
fn listen(authorize: &Authorize, out: &Output, verbose: bool) -> Result<RedirectListener, Failure> {
    let listener = RedirectListener::bind(authorize).map_err(|e| match e {
        Error::Io { context, source } => Failure::Lib(Error::Io {
            context: format!(
                "{context}; free the port, or sign in with --paste (nothing listens then)"
            ),
            source,
        }),
        other => Failure::from(other),
    })?;
    if !verbose {
        return Ok(listener);
    }
    out.note(&format!(
        "! listening for the redirect on {} only",
        listener.local_addr()
    ));
    let out = out.clone();
    Ok(listener.notes(move |text| out.note(&format!("! redirect listener: {text}"))))
}

/// What a wait that brought no code means for the user.
fn wait_failure(e: Error) -> Failure {
    match e {
        Error::Io { context, source } if source.kind() == std::io::ErrorKind::TimedOut => {
            Failure::TimedOut(format!(
                "{context}; sign in again (--wait-timeout SECS waits longer)"
            ))
        }
        Error::InvalidInput(message) => Failure::usage(
            message,
            "run jetpack-partner login again, and open the address it shows then",
        ),
        other => Failure::from(other),
    }
}

/// Reads the pasted address: the first line that is not blank, within
/// `wait`.
fn read_pasted(authorize: &Authorize, wait: Duration) -> Result<Secret, Error> {
    let (tx, rx) = mpsc::channel();
    // The thread is left blocked on a terminal that never gets a line;
    // the program ends without it.
    std::thread::spawn(move || {
        let _ = tx.send(first_line(std::io::stdin().lock()));
    });
    match rx.recv_timeout(wait) {
        Ok(Ok(Some(line))) => authorize.code_from_redirect(&line),
        Ok(Ok(None)) => Err(Error::InvalidInput(
            "nothing was pasted: standard input ended before an address".into(),
        )),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(Error::Io {
            context: format!(
                "nothing was pasted within {} s (the address the browser ends on, starting \
                 with {})",
                wait.as_secs_f64().ceil(),
                authorize.redirect_uri()
            ),
            source: std::io::ErrorKind::TimedOut.into(),
        }),
    }
}

/// The first line of `input` that is not blank, without its line end;
/// `None` at the end of the input. A line longer than [`MAX_PASTE`] is
/// refused.
fn first_line(mut input: impl BufRead) -> Result<Option<String>, Error> {
    loop {
        let mut line = Vec::new();
        let read = (&mut input)
            .take(MAX_PASTE + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::Io {
                context: "cannot read the pasted address from standard input".into(),
                source: e,
            })?;
        if read == 0 {
            return Ok(None);
        }
        if line.len() as u64 > MAX_PASTE {
            return Err(Error::InvalidInput(format!(
                "the pasted line is longer than {} KiB: not a redirect address",
                MAX_PASTE / 1024
            )));
        }
        let text = String::from_utf8_lossy(&line).trim().to_owned();
        if !text.is_empty() {
            return Ok(Some(text));
        }
    }
}

/// Opens `url` in a browser: the opener runs as a program with the URL as
/// its one argument, never through a shell, and without our secrets in
/// its environment. That it cannot is a note: the address is on stdout.
fn open_browser(url: &str, out: &Output) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let mut command = Command::new(opener);
    command
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for var in crate::wp_cli::WITHHELD {
        command.env_remove(var);
    }
    match command.spawn() {
        Ok(mut child) => {
            let out = out.clone();
            std::thread::spawn(move || match child.wait() {
                Ok(status) if !status.success() => out.note(&format!(
                    "jetpack-partner: {opener} could not open a browser ({status}); open the \
                     address yourself"
                )),
                _ => {}
            });
        }
        Err(e) => out.note(&format!(
            "jetpack-partner: cannot run {opener} to open a browser ({e}); open the address \
             yourself"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_that_is_not_blank_is_the_paste() {
        let read = |input: &[u8]| first_line(input).map_err(|e| e.to_string());
        assert_eq!(
            read(b"\n  \r\nhttp://a/?x\r\nnext\n"),
            Ok(Some("http://a/?x".into()))
        );
        assert_eq!(read(b"http://a/?x"), Ok(Some("http://a/?x".into())));
        assert_eq!(read(b""), Ok(None));
        assert_eq!(read(b"\n\n"), Ok(None));
        let long = vec![b'a'; MAX_PASTE as usize + 10];
        assert!(read(&long).is_err_and(|e| e.contains("longer than 16 KiB")));
    }
}
