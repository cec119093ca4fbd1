//! `login` and `logout`: the WordPress.com user's token by the
//! authorization-code flow, the test playing the browser over TCP between
//! the sandbox (which approves at once) and the program's redirect
//! listener.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use jetpack_partner::sandbox::{App, Sandbox, TokenField};
use jetpack_partner::{
    AccessToken, AuthorizationCodeGrant, Client, Endpoint, Error, Method, Reply, Secret, Session,
    Token, TokenCache, WpcomApp,
};
use serde_json::Value;

use crate::common::*;

const APP_ID: &str = "5678";
const APP_SECRET: &str = "app-s3cret-value";

/// A loopback port nothing listens on (for a moment).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("bind: {e}"))
}

fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/")
}

/// A sandbox with the test partner and its app, registered with
/// `redirect`, answering the token in `field`.
fn sandbox_with_app(redirect: &str, field: TokenField) -> Sandbox {
    Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .app(App::new(APP_ID, APP_SECRET, redirect, PARTNER_ID).answer(field))
        .start()
        .unwrap_or_else(|e| panic!("sandbox: {e}"))
}

/// A private directory, and the app secret in a 0600 file inside it.
fn workspace(secret: &str) -> (PathBuf, PathBuf) {
    let file = temp_file("app-secret", format!("{secret}\n").as_bytes());
    chmod(&file, 0o600);
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("no parent"));
    (dir, file)
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0)
}

/// A running `jetpack-partner` and what it has written so far.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    stderr: thread::JoinHandle<String>,
}

impl Running {
    /// Starts the program with `args` and a clean environment plus `env`;
    /// stdin is a pipe the test may write to.
    fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
            .args(args)
            .env_clear()
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("stdout"));
        let mut stderr = child.stderr.take().unwrap_or_else(|| panic!("stderr"));
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Running {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
        }
    }

    /// `login` against `sandbox` with the app, the cache in `dir`, and
    /// `more` options.
    fn login(sandbox: &Sandbox, dir: &Path, secret_file: &Path, more: &[&str]) -> Running {
        let cache = dir.join("cache");
        let mut args = vec![
            "--api-base",
            sandbox.base_url(),
            "--token-cache",
            cache.to_str().unwrap_or_default(),
            "login",
            "--client-id",
            APP_ID,
            "--client-secret-file",
            secret_file.to_str().unwrap_or_default(),
        ];
        args.extend_from_slice(more);
        Running::start(&args, &[])
    }

    /// The first line on stdout: the authorize URL.
    fn url(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no line on stdout"))
    }

    fn paste(&mut self, text: &str) {
        if let Some(stdin) = self.stdin.as_mut() {
            stdin
                .write_all(text.as_bytes())
                .unwrap_or_else(|e| panic!("stdin: {e}"));
        }
    }

    /// Ends standard input.
    fn close_stdin(&mut self) {
        drop(self.stdin.take());
    }

    /// Waits for the end (killing it after a minute: a hang fails the
    /// test). Standard input stays open until then.
    fn finish(mut self, url: &str) -> Run {
        let started = Instant::now();
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() < Duration::from_secs(60) => {
                    thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = self.child.kill();
                    panic!("the program did not end");
                }
            }
        };
        drop(self.stdin.take());
        let mut stdout = if url.is_empty() {
            String::new()
        } else {
            format!("{url}\n")
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            stdout.push_str(&line);
            stdout.push('\n');
        }
        Run {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: self.stderr.join().unwrap_or_default(),
            elapsed: started.elapsed(),
        }
    }
}

/// An HTTP answer read off the wire.
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

/// Sends `request` (a whole HTTP request) to `addr` and reads the answer
/// until the server closes.
fn exchange(addr: &str, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    stream
        .write_all(request)
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// `http://host:port/path?query` as (host:port, /path?query).
fn split_url(url: &str) -> (String, String) {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("not http: {url}"));
    match rest.find('/') {
        Some(at) => (rest[..at].to_owned(), rest[at..].to_owned()),
        None => (rest.to_owned(), "/".to_owned()),
    }
}

/// A browser's GET of `url`, redirects not followed.
fn browse(url: &str) -> Answer {
    let (authority, target) = split_url(url);
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: test-browser\r\n\
         Accept: text/html\r\nConnection: close\r\n\r\n"
    );
    exchange(&authority, request.as_bytes())
}

/// The authorize step in the sandbox: where it sends the browser.
fn approve(url: &str) -> String {
    let answer = browse(url);
    assert_eq!(answer.status, 302, "{}{}", answer.head, answer.body);
    answer
        .header("location")
        .unwrap_or_else(|| panic!("no Location: {}", answer.head))
}

/// A query parameter of `url`, as it is written there.
fn param(url: &str, name: &str) -> String {
    url.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default()
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {url}"))
        .to_owned()
}

/// Everything the cache holds for the sandbox's API base and the app.
fn cached(sandbox: &Sandbox, dir: &Path) -> Option<String> {
    TokenCache::new(dir.join("cache"))
        .load_user(sandbox.base_url(), APP_ID)
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|found| found.token.expose().to_owned())
}

fn user_token(sandbox: &Sandbox) -> String {
    sandbox
        .user_token(PARTNER_ID)
        .unwrap_or_else(|| panic!("no user token"))
}

/// Exchanges `code` through the library, as the program would.
fn redeem(sandbox: &Sandbox, redirect: &str, code: &str) -> Result<String, Error> {
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = WpcomApp::new(APP_ID, Secret::new(APP_SECRET));
    let code = Secret::new(code);
    let answer = client.send(&AuthorizationCodeGrant::new(&app, redirect, &code), None)?;
    Ok(answer
        .token()
        .map(|t| t.expose().to_owned())
        .unwrap_or_default())
}

fn token_requests(sandbox: &Sandbox) -> u64 {
    sandbox.stats()["by_endpoint"]["POST /oauth2/token"]
        .as_object()
        .map_or(0, |by| by.values().filter_map(Value::as_u64).sum())
}

#[test]
fn login_plays_out_with_a_browser_and_keeps_the_token_private() {
    let port = free_port();
    let redirect = redirect_uri(port);
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    let login = Running::login(
        &sandbox,
        &dir,
        &secret_file,
        &["--redirect-uri", &redirect, "-v"],
    );
    let url = login.url();
    assert!(
        url.starts_with(&format!(
            "{}/oauth2/authorize?client_id={APP_ID}&response_type=code&redirect_uri=\
             http%3A%2F%2F127.0.0.1%3A{port}%2F&scope=global&state=",
            sandbox.base_url()
        )),
        "{url}"
    );
    let location = approve(&url);
    assert!(
        location.starts_with(&format!("{redirect}?code=")),
        "{location}"
    );
    let code = param(&location, "code");
    let page = browse(&location);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Signed in"), "{}", page.body);
    assert!(!page.body.contains(&code), "the page shows the code");
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        page.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );

    let run = login.finish(&url);
    run.assert_code(0);
    assert_eq!(run.stdout, format!("{url}\n"), "stdout is the URL alone");
    let token = user_token(&sandbox);
    run.assert_hidden(APP_SECRET)
        .assert_hidden(&code)
        .assert_hidden(&token);
    // The trace shows the exchange, its secrets masked.
    for shown in [
        "> POST",
        "client_secret = ***",
        "code = ***",
        "grant_type = authorization_code",
        "the token came in the answer's access_token field",
        "signed in; the WordPress.com user's token is kept in",
    ] {
        assert!(run.stderr.contains(shown), "{shown}: {run:#?}");
    }
    // Kept: 0600, in a 0700 directory, the sandbox's user token (scope
    // global), not the partner's.
    let file = TokenCache::new(dir.join("cache")).user_path(sandbox.base_url(), APP_ID);
    #[cfg(unix)]
    {
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.join("cache")), 0o700);
    }
    assert_eq!(cached(&sandbox, &dir).as_deref(), Some(token.as_str()));
    // The sandbox's record of the exchange masks it too.
    let fields = last_fields(&sandbox, "POST /oauth2/token").to_string();
    assert!(
        fields.contains(r#"["code","***"]"#) && !fields.contains(&code),
        "{fields}"
    );
    assert_ne!(token, token_of(&sandbox, SECRET));
    // The code was good once.
    match redeem(&sandbox, &redirect, &code) {
        Err(Error::Api(api)) => {
            assert_eq!(api.code.as_str(), "invalid_grant");
            assert!(api.message.contains("already been used"), "{}", api.message);
        }
        other => panic!("a used code was taken again: {other:?}"),
    }
}

/// Signs in with the browser played by the test; gives the run.
fn sign_in(sandbox: &Sandbox, dir: &Path, secret_file: &Path, redirect: &str) -> Run {
    let login = Running::login(sandbox, dir, secret_file, &["--redirect-uri", redirect]);
    let url = login.url();
    let page = browse(&approve(&url));
    assert_eq!(page.status, 200, "{}", page.body);
    login.finish(&url)
}

/// An endpoint that takes the user's token, for the test: no command of
/// this version takes it yet.
struct UserEndpoint;

impl Endpoint for UserEndpoint {
    type Answer = Value;
    const METHOD: Method = Method::Get;
    const TOKEN: Token = Token::User;

    fn path(&self) -> Result<String, Error> {
        Ok("/wpcom/v2/sites/1000/scan".into())
    }

    fn decode(&self, reply: Reply) -> Result<Value, Error> {
        reply.into_typed("an object")
    }
}

#[test]
fn the_kept_token_is_what_a_user_endpoint_is_sent_with() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    sign_in(&sandbox, &dir, &secret_file, &redirect).assert_code(0);
    // What a command that takes the user's token does: the token from the
    // cache (this API base's only one), in a session, on the wire.
    let mut kept = TokenCache::new(dir.join("cache"))
        .load_users(sandbox.base_url())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kept.len(), 1);
    let found = kept.pop().unwrap_or_else(|| panic!("none"));
    assert_eq!(found.client_id, APP_ID);
    let (base, seen) = capturing_server(http_response(200, "application/json", "{\"ok\":true}"));
    let client = Client::builder()
        .api_base(&base)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let session = Session::without_credentials(client).user_token(found.token);
    assert_eq!(
        session.send(&UserEndpoint).ok(),
        Some(serde_json::json!({"ok": true}))
    );
    let requests = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let request = String::from_utf8_lossy(&requests[0]).to_ascii_lowercase();
    assert!(
        request.contains(&format!(
            "\r\nauthorization: bearer {}\r\n",
            user_token(&sandbox)
        )),
        "{request}"
    );
    // Without a token, the library says what it needs.
    let bare = Session::without_credentials(
        Client::builder()
            .api_base(&base)
            .build()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert!(matches!(
        bare.send(&UserEndpoint),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn paste_reads_the_address_the_browser_ended_on_from_stdin() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    let mut login = Running::login(
        &sandbox,
        &dir,
        &secret_file,
        &["--redirect-uri", &redirect, "--paste"],
    );
    let url = login.url();
    let location = approve(&url);
    // Nothing listens with --paste: the browser's page would not load.
    assert!(TcpStream::connect(split_url(&location).0).is_err());
    login.paste(&format!("\n  {location}  \n"));
    let run = login.finish(&url);
    run.assert_code(0);
    run.assert_hidden(&param(&location, "code"));
    assert!(run.stderr.contains("paste here the address"), "{run:#?}");
    assert_eq!(
        cached(&sandbox, &dir).as_deref(),
        Some(user_token(&sandbox).as_str())
    );
}

#[test]
fn paste_refuses_an_address_that_is_not_the_redirect_and_an_empty_input() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    let mut login = Running::login(
        &sandbox,
        &dir,
        &secret_file,
        &["--redirect-uri", &redirect, "--paste"],
    );
    let url = login.url();
    let location = approve(&url);
    let elsewhere = location.replacen("127.0.0.1", "localhost", 1);
    login.paste(&format!("{elsewhere}\n"));
    let run = login.finish(&url);
    run.assert_code(2);
    assert!(
        run.stderr.contains("is not on the redirect URI"),
        "{run:#?}"
    );
    run.assert_hidden(&param(&location, "code"));
    assert_eq!(token_requests(&sandbox), 0);

    let mut login = Running::login(
        &sandbox,
        &dir,
        &secret_file,
        &["--redirect-uri", &redirect, "--paste"],
    );
    let url = login.url();
    login.close_stdin();
    let run = login.finish(&url);
    run.assert_code(2);
    assert!(run.stderr.contains("nothing was pasted"), "{run:#?}");
    assert!(cached(&sandbox, &dir).is_none());
}

#[test]
fn a_redirect_with_another_state_is_refused_and_its_code_not_exchanged() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    let login = Running::login(&sandbox, &dir, &secret_file, &["--redirect-uri", &redirect]);
    let url = login.url();
    let location = approve(&url);
    let state = param(&location, "state");
    let forged = location.replace(&state, "0123456789abcdef0123456789abcdef");
    let page = browse(&forged);
    assert_eq!(page.status, 400);
    assert!(page.body.contains("Refused"), "{}", page.body);
    let run = login.finish(&url);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("the redirect's state is not this sign-in's")
            && run.stderr.contains("its code was not exchanged")
            && run.stderr.contains("hint: run jetpack-partner login again"),
        "{run:#?}"
    );
    assert_eq!(token_requests(&sandbox), 0, "the code was sent");
    assert!(cached(&sandbox, &dir).is_none());
    // It was not: the code is still good.
    let code = param(&location, "code");
    assert_eq!(
        redeem(&sandbox, &redirect, &code).ok(),
        Some(user_token(&sandbox))
    );
}

#[test]
fn a_refusal_in_the_browser_is_reported_with_its_oauth_code() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    let login = Running::login(&sandbox, &dir, &secret_file, &["--redirect-uri", &redirect]);
    let url = login.url();
    let state = param(&url, "state");
    let denied = format!(
        "{redirect}?error=access_denied&error_description=You+did+not+approve+the+app.&state={state}"
    );
    let page = browse(&denied);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("did not grant"), "{}", page.body);
    let run = login.finish(&url);
    run.assert_code(1);
    let error = run.error();
    assert_eq!(error["error_code"], "access_denied", "{run:#?}");
    assert_eq!(error["error_message"], "You did not approve the app.");
    assert_eq!(token_requests(&sandbox), 0);
}

#[test]
fn a_port_in_use_is_said_plainly_before_any_address_is_shown() {
    let holder = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let port = holder.local_addr().map(|a| a.port()).unwrap_or(0);
    let redirect = redirect_uri(port);
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    let run =
        Running::login(&sandbox, &dir, &secret_file, &["--redirect-uri", &redirect]).finish("");
    run.assert_code(5);
    let message = run.error()["error_message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains(&format!("cannot listen on 127.0.0.1:{port}"))
            && message.contains("another program holds that port")
            && message.contains("--paste"),
        "{message}"
    );
    assert_eq!(run.stdout, "", "an address was shown");
    assert_eq!(requests(&sandbox), 0);
    drop(holder);
}

#[test]
fn a_wait_without_a_redirect_or_a_paste_ends_at_its_time_out() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    for paste in [false, true] {
        let mut more = vec!["--redirect-uri", redirect.as_str(), "--wait-timeout", "0.5"];
        if paste {
            more.push("--paste");
        }
        // stdin stays open (and empty) until the end.
        let login = Running::login(&sandbox, &dir, &secret_file, &more);
        let url = login.url();
        let run = login.finish(&url);
        run.assert_code(3);
        let error = run.error();
        assert_eq!(error["error_code"], "timeout", "{run:#?}");
        let message = error["error_message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&redirect) && message.contains("--wait-timeout"),
            "{message}"
        );
        assert!(
            message.contains(if paste {
                "nothing was pasted within 1 s"
            } else {
                "no redirect reached"
            }),
            "{message}"
        );
    }
    assert_eq!(token_requests(&sandbox), 0);
}

#[test]
fn a_wrong_client_secret_is_reported_and_nothing_is_kept() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace("not-the-app-secret");
    let run = sign_in(&sandbox, &dir, &secret_file, &redirect);
    run.assert_code(1);
    let error = run.error();
    assert_eq!(error["error_code"], "invalid_client", "{run:#?}");
    assert_eq!(error["error_message"], "Incorrect client secret.");
    run.assert_hidden("not-the-app-secret");
    assert!(cached(&sandbox, &dir).is_none());
}

#[test]
fn a_code_is_refused_for_another_redirect_uri_and_once_expired() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    // The authorize step refuses a redirect URI the app did not register,
    // and sends the browser nowhere.
    let other = redirect_uri(free_port());
    let wrong = format!(
        "{}/oauth2/authorize?client_id={APP_ID}&response_type=code&redirect_uri={}&scope=global&state=s",
        sandbox.base_url(),
        other.replace(':', "%3A").replace('/', "%2F")
    );
    let refused = browse(&wrong);
    assert_eq!(refused.status, 400);
    assert!(refused.header("location").is_none());
    assert!(refused.body.contains("invalid_request"), "{}", refused.body);
    // A code given for one redirect URI is refused for another, and is
    // still good for its own.
    let right = format!(
        "{}/oauth2/authorize?client_id={APP_ID}&response_type=code&redirect_uri={}&scope=global&state=s",
        sandbox.base_url(),
        redirect.replace(':', "%3A").replace('/', "%2F")
    );
    let code = param(&approve(&right), "code");
    match redeem(&sandbox, &other, &code) {
        Err(Error::Api(api)) => {
            assert_eq!(api.code.as_str(), "invalid_grant");
            assert!(
                api.message.contains("redirect_uri does not match"),
                "{}",
                api.message
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        redeem(&sandbox, &redirect, &code).ok(),
        Some(user_token(&sandbox))
    );

    // A code past its lifetime, through the program.
    let expiring = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .app(App::new(APP_ID, APP_SECRET, redirect.as_str(), PARTNER_ID))
        .code_lifetime(Duration::ZERO)
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let (dir, secret_file) = workspace(APP_SECRET);
    let run = sign_in(&expiring, &dir, &secret_file, &redirect);
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "invalid_grant", "{run:#?}");
    assert_eq!(
        run.error()["error_message"],
        "The authorization code has expired."
    );
}

#[test]
fn the_token_is_read_from_a_secret_only_answer() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::Secret);
    let (dir, secret_file) = workspace(APP_SECRET);
    let login = Running::login(
        &sandbox,
        &dir,
        &secret_file,
        &["--redirect-uri", &redirect, "--verbose"],
    );
    let url = login.url();
    assert_eq!(browse(&approve(&url)).status, 200);
    let run = login.finish(&url);
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("the token came in the answer's secret field"),
        "{run:#?}"
    );
    let token = user_token(&sandbox);
    run.assert_hidden(&token);
    assert_eq!(cached(&sandbox, &dir).as_deref(), Some(token.as_str()));
}

#[cfg(unix)]
#[test]
fn an_unsafe_cache_stops_login_before_anyone_signs_in() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    let cache = dir.join("cache");
    std::fs::create_dir(&cache).unwrap_or_else(|e| panic!("{e}"));
    chmod(&cache, 0o777);
    let run =
        Running::login(&sandbox, &dir, &secret_file, &["--redirect-uri", &redirect]).finish("");
    run.assert_code(2);
    assert!(
        run.stderr.contains("the token cache cannot be used")
            && run
                .stderr
                .contains("is writable by group or others (mode 0777)")
            && run.stderr.contains("--token-cache DIR"),
        "{run:#?}"
    );
    assert_eq!(run.stdout, "", "an address was shown");
    assert_eq!(requests(&sandbox), 0);
    assert_eq!(mode(&cache), 0o777, "the directory was changed");
    // No cache at all is refused the same way.
    let off = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--no-token-cache",
            "login",
            "--client-id",
            APP_ID,
            "--client-secret-file",
            secret_file.to_str().unwrap_or_default(),
        ],
        &[],
        None,
    );
    off.assert_code(2);
    assert!(off.stderr.contains("--no-token-cache"), "{off:#?}");
}

#[test]
fn logout_forgets_the_token_and_a_second_logout_is_fine() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    sign_in(&sandbox, &dir, &secret_file, &redirect).assert_code(0);
    // Another API base's token stays.
    let cache = TokenCache::new(dir.join("cache"));
    cache
        .store_user(
            "https://elsewhere.example",
            APP_ID,
            &AccessToken::new("other-base-token"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let logout = |more: &[&str]| {
        let cache_dir = dir.join("cache");
        let mut args = vec![
            "--api-base",
            sandbox.base_url(),
            "--token-cache",
            cache_dir.to_str().unwrap_or_default(),
            "logout",
        ];
        args.extend_from_slice(more);
        cli(&args, &[], None)
    };
    let first = logout(&[]);
    first.assert_code(0);
    assert!(
        first.stderr.contains(&format!(
            "signed out: the WordPress.com user's token of app {APP_ID}"
        )),
        "{first:#?}"
    );
    assert_eq!(first.stdout, "");
    assert!(cached(&sandbox, &dir).is_none());
    assert!(!cache.user_path(sandbox.base_url(), APP_ID).exists());
    let again = logout(&[]);
    again.assert_code(0);
    assert!(again.stderr.contains("already signed out"), "{again:#?}");
    let named = logout(&["--client-id", "9999"]);
    named.assert_code(0);
    assert!(
        named
            .stderr
            .contains("no WordPress.com user's token of app 9999"),
        "{named:#?}"
    );
    assert!(cache
        .load_user("https://elsewhere.example", APP_ID)
        .is_ok_and(|t| t.is_some()));
}

#[test]
fn only_a_loopback_http_redirect_uri_is_listened_on() {
    let sandbox = sandbox_with_app("https://partner.example/callback", TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    for (uri, expected) in [
        (
            "http://partner.example:3210/",
            "its host is not this machine",
        ),
        ("http://0.0.0.0:3210/", "its host is not this machine"),
        ("https://127.0.0.1:3210/", "it is https"),
        ("127.0.0.1:3210", "must start with http:// or https://"),
    ] {
        let run = cli(
            &[
                "--api-base",
                sandbox.base_url(),
                "--token-cache",
                dir.join("cache").to_str().unwrap_or_default(),
                "login",
                "--client-id",
                APP_ID,
                "--client-secret-file",
                secret_file.to_str().unwrap_or_default(),
                "--redirect-uri",
                uri,
            ],
            &[],
            None,
        );
        run.assert_code(2);
        assert!(run.stderr.contains(expected), "{uri}: {run:#?}");
        assert_eq!(run.stdout, "");
    }
    // With --paste nothing listens, so the app's own https redirect URI
    // does.
    let mut login = Running::login(
        &sandbox,
        &dir,
        &secret_file,
        &[
            "--redirect-uri",
            "https://partner.example/callback",
            "--paste",
        ],
    );
    let url = login.url();
    let location = approve(&url);
    assert!(
        location.starts_with("https://partner.example/callback?code="),
        "{location}"
    );
    login.paste(&format!("{location}\n"));
    login.finish(&url).assert_code(0);
    assert_eq!(
        cached(&sandbox, &dir).as_deref(),
        Some(user_token(&sandbox).as_str())
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_listener_binds_the_redirect_uris_address_only() {
    let port = free_port();
    let redirect = redirect_uri(port);
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    let login = Running::login(&sandbox, &dir, &secret_file, &["--redirect-uri", &redirect]);
    let url = login.url();
    // Another loopback address of this machine, the same port: nothing.
    assert!(TcpStream::connect(("127.0.0.2", port)).is_err());
    assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
    assert_eq!(browse(&approve(&url)).status, 200);
    login.finish(&url).assert_code(0);
}

#[test]
fn the_listener_answers_stray_requests_and_goes_on_waiting() {
    let port = free_port();
    let redirect = redirect_uri(port);
    let addr = format!("127.0.0.1:{port}");
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    let login = Running::login(
        &sandbox,
        &dir,
        &secret_file,
        &["--redirect-uri", &redirect, "-v"],
    );
    let url = login.url();
    let location = approve(&url);
    let code = param(&location, "code");
    // A connection that sends nothing does not hold up the others.
    let mut silent = TcpStream::connect(&addr).unwrap_or_else(|e| panic!("{e}"));
    let host = format!("Host: {addr}");
    let stray = [
        (format!("GET /favicon.ico HTTP/1.1\r\n{host}\r\n\r\n"), 404),
        (format!("GET / HTTP/1.1\r\n{host}\r\n\r\n"), 400),
        (
            format!("POST /?code={code} HTTP/1.1\r\n{host}\r\nContent-Length: 0\r\n\r\n"),
            405,
        ),
        (
            format!("GET /?code={code}&state=x HTTP/1.1\r\nHost: rebound.example:{port}\r\n\r\n"),
            400,
        ),
        (
            format!(
                "GET / HTTP/1.1\r\n{host}\r\nX-Padding: {}\r\n\r\n",
                "a".repeat(9000)
            ),
            431,
        ),
    ];
    for (request, status) in &stray {
        let answer = exchange(&addr, request.as_bytes());
        assert_eq!(answer.status, *status, "{request:.60}: {}", answer.body);
        assert!(
            answer
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html")),
            "{}",
            answer.head
        );
        assert!(answer.body.len() < 1024, "not a small page");
        assert!(!answer.body.contains(&code));
    }
    // A request head that trickles in is cut off too: the listener gives
    // each request head a few seconds in all, and the silent connection
    // the same, while the login goes on waiting.
    let trickling = {
        let addr = addr.clone();
        thread::spawn(move || {
            let started = Instant::now();
            let Ok(mut stream) = TcpStream::connect(&addr) else {
                return false;
            };
            let _ = stream.write_all(b"GET / HTTP/1.1\r\n");
            while started.elapsed() < Duration::from_secs(60) {
                thread::sleep(Duration::from_millis(250));
                if stream.write_all(b"X-Slow: a\r\n").is_err() {
                    return true;
                }
            }
            false
        })
    };
    let _ = silent.set_read_timeout(Some(Duration::from_secs(60)));
    let mut byte = [0u8; 1];
    assert!(
        matches!(silent.read(&mut byte), Ok(0)),
        "the silent connection was not closed"
    );
    assert!(
        trickling.join().unwrap_or(false),
        "the trickling connection was not closed"
    );
    assert_eq!(browse(&location).status, 200);
    let run = login.finish(&url);
    run.assert_code(0);
    run.assert_hidden(&code);
    for note in [
        "redirect listener: GET /favicon.ico was answered 404",
        "redirect listener: POST / was answered 405",
        "its Host is not the redirect URI's",
        "a request head over 8 KiB was answered 431",
        "a connection that sent no whole request was closed",
    ] {
        assert!(run.stderr.contains(note), "{note}: {run:#?}");
    }
    assert_eq!(
        cached(&sandbox, &dir).as_deref(),
        Some(user_token(&sandbox).as_str())
    );
}

#[cfg(target_os = "linux")]
#[test]
fn open_runs_the_opener_with_the_url_as_its_one_argument_and_no_secrets() {
    let redirect = redirect_uri(free_port());
    let sandbox = sandbox_with_app(&redirect, TokenField::AccessToken);
    let (dir, secret_file) = workspace(APP_SECRET);
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap_or_else(|e| panic!("{e}"));
    let seen = dir.join("opener-saw");
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$1\" \"${{JETPACK_USER_TOKEN-unset}}\" > '{}'\n",
            seen.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    chmod(&opener, 0o700);
    let cache = dir.join("cache");
    let login = Running::start(
        &[
            "--api-base",
            sandbox.base_url(),
            "--token-cache",
            cache.to_str().unwrap_or_default(),
            "login",
            "--client-id",
            APP_ID,
            "--client-secret-file",
            secret_file.to_str().unwrap_or_default(),
            "--redirect-uri",
            &redirect,
            "--open",
        ],
        &[
            ("PATH", bin.to_str().unwrap_or_default()),
            ("JETPACK_USER_TOKEN", "a-user-token-value"),
        ],
    );
    let url = login.url();
    assert_eq!(browse(&approve(&url)).status, 200);
    let run = login.finish(&url);
    run.assert_code(0);
    // The opener may still be writing when the login ends.
    let started = Instant::now();
    let saw = loop {
        let text = std::fs::read_to_string(&seen).unwrap_or_default();
        if text.lines().count() == 3 || started.elapsed() > Duration::from_secs(30) {
            break text;
        }
        thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(saw, format!("1\n{url}\nunset\n"));
}

#[test]
fn usage_problems_of_login_come_together_before_anything_is_sent() {
    let sandbox = sandbox_with_app(&redirect_uri(free_port()), TokenField::AccessToken);
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--no-token-cache",
            "login",
            "--client-secret-file",
            "-",
            "--paste",
            "--wait-timeout",
            "soon",
        ],
        &[],
        None,
    );
    run.assert_code(2);
    for problem in [
        "--client-id is required",
        "--no-token-cache turns the cache off",
        "--paste and --client-secret-file - both read standard input",
        "--wait-timeout \"soon\" is not a number of seconds",
    ] {
        assert!(run.stderr.contains(problem), "{problem}: {run:#?}");
    }
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn the_sandbox_authorize_step_checks_the_app_and_sends_refusals_back() {
    let redirect = "http://127.0.0.1:3210/cb?keep=1";
    let sandbox = sandbox_with_app(redirect, TokenField::AccessToken);
    let encoded = "http%3A%2F%2F127.0.0.1%3A3210%2Fcb%3Fkeep%3D1";
    let authorize =
        |query: &str| browse(&format!("{}/oauth2/authorize?{query}", sandbox.base_url()));
    let unknown = authorize(&format!(
        "client_id=9999&response_type=code&redirect_uri={encoded}&scope=global&state=s"
    ));
    assert_eq!(unknown.status, 400);
    assert!(unknown.body.contains("invalid_client"), "{}", unknown.body);
    for (query, error) in [
        (
            "response_type=token&scope=global",
            "unsupported_response_type",
        ),
        ("response_type=code&scope=auth", "invalid_scope"),
    ] {
        let answer = authorize(&format!(
            "client_id={APP_ID}&redirect_uri={encoded}&{query}&state=a%20b"
        ));
        assert_eq!(answer.status, 302);
        let location = answer.header("location").unwrap_or_default();
        assert!(
            location.starts_with("http://127.0.0.1:3210/cb?keep=1&error=")
                && location.contains(&format!("error={error}"))
                && location.ends_with("&state=a%20b"),
            "{location}"
        );
    }
    let approved = authorize(&format!(
        "client_id={APP_ID}&response_type=code&redirect_uri={encoded}&scope=global&state=xyz"
    ));
    let location = approved.header("location").unwrap_or_default();
    assert!(
        location.starts_with("http://127.0.0.1:3210/cb?keep=1&code=")
            && location.ends_with("&state=xyz"),
        "{location}"
    );
    // An app for a partner the sandbox does not know cannot be set up.
    let orphan = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .app(App::new(APP_ID, APP_SECRET, redirect, "4321"))
        .start();
    assert!(
        matches!(&orphan, Err(e) if e.to_string().contains("partner \"4321\"")),
        "{orphan:?}"
    );
}

#[test]
fn the_sandbox_command_registers_an_app() {
    let port = free_port();
    let redirect = redirect_uri(port);
    let mut sandbox = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
        .args([
            "sandbox",
            "--partner",
            &format!("{PARTNER_ID}:{SECRET}"),
            "--app",
            &format!("{APP_ID}:{APP_SECRET}"),
            "--app-redirect-uri",
            &redirect,
            "--app-token-field",
            "secret",
        ])
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let mut line = String::new();
    if let Some(stdout) = sandbox.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut line);
    }
    let base = line.trim().to_owned();
    let encoded = redirect.replace(':', "%3A").replace('/', "%2F");
    let location = approve(&format!(
        "{base}/oauth2/authorize?client_id={APP_ID}&response_type=code&redirect_uri={encoded}&scope=global&state=s"
    ));
    let code = param(&location, "code");
    let client = Client::builder()
        .api_base(&base)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = WpcomApp::new(APP_ID, Secret::new(APP_SECRET));
    let code = Secret::new(code);
    let answer = client.send(&AuthorizationCodeGrant::new(&app, &redirect, &code), None);
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    let answer = answer.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.token_field(), Some("secret"));
    assert!(answer.access_token.is_none());

    let lonely = cli(
        &["sandbox", "--partner", "1:abcd", "--app-partner", "1"],
        &[],
        None,
    );
    lonely.assert_code(2);
    assert!(
        lonely
            .stderr
            .contains("--app-partner is about the app of --app"),
        "{lonely:#?}"
    );
}
