//! The SSH and FTP option groups for Jetpack Backup, shared by `provision`
//! and `ssh-credentials`. Passwords and keys are read from files (or stdin)
//! so they never stand on the command line.

use jetpack_partner::{FtpCredentials, Secret, SshCredentials};

use crate::args::{Flag, Parsed};
use crate::globals::Globals;
use crate::output::Failure;

pub const SSH_FLAGS: &[Flag] = &[
    Flag::value(
        "ssh-user",
        &["--ssh-user"],
        "USER",
        "SSH user for Jetpack Backup",
    ),
    Flag::value(
        "ssh-pass-file",
        &["--ssh-pass-file"],
        "PATH",
        "read the SSH password from PATH ('-': stdin)",
    ),
    Flag::value(
        "ssh-private-key",
        &["--ssh-private-key"],
        "PATH",
        "read the SSH private key from PATH ('-': stdin)",
    ),
    Flag::value(
        "ssh-host",
        &["--ssh-host"],
        "HOST",
        "SSH host (default: the site's host)",
    ),
    Flag::value("ssh-port", &["--ssh-port"], "PORT", "SSH port (default 22)"),
    Flag::value(
        "ssh-pass",
        &["--ssh-pass"],
        "VALUE",
        "the SSH password itself (the old scripts' --ssh-pass=);\nother users see it in ps: prefer --ssh-pass-file",
    ),
    Flag::value(
        "ssh-private-key-text",
        &["--ssh-private-key-text"],
        "KEY",
        "the private key's text itself (the old scripts' --ssh-private-key=KEY);\nother users see it in ps: prefer --ssh-private-key PATH",
    ),
];

pub const FTP_FLAGS: &[Flag] = &[
    Flag::value(
        "ftp-user",
        &["--ftp-user"],
        "USER",
        "FTP user for Jetpack Backup",
    ),
    Flag::value(
        "ftp-pass-file",
        &["--ftp-pass-file"],
        "PATH",
        "read the FTP password from PATH ('-': stdin)",
    ),
    Flag::value(
        "ftp-host",
        &["--ftp-host"],
        "HOST",
        "FTP host (default: the site's host)",
    ),
    Flag::value("ftp-port", &["--ftp-port"], "PORT", "FTP port (default 21)"),
    Flag::value(
        "ftp-pass",
        &["--ftp-pass"],
        "VALUE",
        "the FTP password itself (the old scripts' --ftp-pass=);\nother users see it in ps: prefer --ftp-pass-file",
    ),
];

const PORT: &str = "a port number from 1 to 65535";

/// The SSH group, when any of its options is given.
pub fn ssh(flags: &Parsed, globals: &Globals) -> Result<Option<SshCredentials>, Failure> {
    let given = SSH_FLAGS.iter().any(|f| flags.text(f.key).is_some());
    if !given {
        return Ok(None);
    }
    let user = flags
        .text("ssh-user")
        .ok_or_else(|| Failure::usage("SSH options need --ssh-user", "add --ssh-user USER"))?;
    let mut ssh = SshCredentials::new(user);
    let pass = one_of(flags, "--ssh-pass-file", "--ssh-pass")?;
    let key = one_of(flags, "--ssh-private-key", "--ssh-private-key-text")?;
    if pass.is_none() && key.is_none() {
        return Err(Failure::usage(
            "--ssh-user needs a password or a private key",
            "add --ssh-pass-file PATH or --ssh-private-key PATH",
        ));
    }
    match pass {
        Some(Given::File(path)) => {
            ssh = ssh.ssh_pass(globals.read_secret(path, "--ssh-pass-file", "SSH password")?)
        }
        Some(Given::Inline(value)) => {
            ssh = ssh.ssh_pass(inline(globals, value, "--ssh-pass", "--ssh-pass-file")?)
        }
        None => {}
    }
    match key {
        Some(Given::File(path)) => ssh = ssh.ssh_private_key(read_key(globals, path)?),
        Some(Given::Inline(text)) => {
            let key = inline(
                globals,
                text,
                "--ssh-private-key=KEY",
                "--ssh-private-key PATH",
            )?;
            ssh = ssh.ssh_private_key(key);
        }
        None => {}
    }
    if let Some(host) = flags.text("ssh-host") {
        ssh = ssh.ssh_host(host);
    }
    if let Some(port) = port(flags, "ssh-port")? {
        ssh = ssh.ssh_port(port);
    }
    Ok(Some(ssh))
}

/// The FTP group, when any of its options is given.
pub fn ftp(flags: &Parsed, globals: &Globals) -> Result<Option<FtpCredentials>, Failure> {
    let given = FTP_FLAGS.iter().any(|f| flags.text(f.key).is_some());
    if !given {
        return Ok(None);
    }
    let pass = one_of(flags, "--ftp-pass-file", "--ftp-pass")?;
    let (Some(user), Some(pass)) = (flags.text("ftp-user"), pass) else {
        return Err(Failure::usage(
            "FTP options need --ftp-user and --ftp-pass-file",
            "add --ftp-user USER --ftp-pass-file PATH",
        ));
    };
    let pass = match pass {
        Given::File(path) => globals.read_secret(path, "--ftp-pass-file", "FTP password")?,
        Given::Inline(value) => inline(globals, value, "--ftp-pass", "--ftp-pass-file")?,
    };
    let mut ftp = FtpCredentials::new(user, pass);
    if let Some(host) = flags.text("ftp-host") {
        ftp = ftp.ftp_host(host);
    }
    if let Some(port) = port(flags, "ftp-port")? {
        ftp = ftp.ftp_port(port);
    }
    Ok(Some(ftp))
}

/// How a password or key was given: a file to read, or the value itself.
enum Given<'a> {
    File(&'a str),
    Inline(&'a str),
}

/// The one of a file option and its inline twin that is given; both is an
/// error.
fn one_of<'a>(flags: &'a Parsed, file: &str, inline: &str) -> Result<Option<Given<'a>>, Failure> {
    let key = |flag: &str| flag.trim_start_matches('-').to_owned();
    match (flags.text(&key(file)), flags.text(&key(inline))) {
        (Some(_), Some(_)) => Err(Failure::usage(
            format!("{file} and {inline} both give the same secret"),
            &format!("give it once, preferably with {file}"),
        )),
        (Some(path), None) => Ok(Some(Given::File(path))),
        (None, Some(value)) => Ok(Some(Given::Inline(value))),
        (None, None) => Ok(None),
    }
}

/// A secret given on the command line, as the old scripts took it: it
/// works, with the same warning as `--partner_secret`.
fn inline(globals: &Globals, value: &str, flag: &str, better: &str) -> Result<Secret, Failure> {
    globals.out.note(&format!(
        "jetpack-partner: warning: {flag} makes the secret visible to other users (ps, shell \
         history); use {better} (a file only you can read, or '-' for stdin)"
    ));
    crate::globals::check_secret_length(value, &format!("the value of {flag}"))?;
    globals.out.redactor.add(value);
    Ok(Secret::new(value))
}

fn port(flags: &Parsed, key: &str) -> Result<Option<u16>, Failure> {
    match flags.parse::<u16>(key, PORT)? {
        Some(0) => Err(Failure::usage(
            format!("--{key} 0 is not {PORT}"),
            &format!("give {PORT}"),
        )),
        other => Ok(other),
    }
}

/// A private key is sent exactly as the file holds it: some SSH
/// implementations need its final newline.
fn read_key(globals: &Globals, path: &str) -> Result<Secret, Failure> {
    if path == "-" {
        return globals.read_secret(path, "--ssh-private-key", "SSH private key");
    }
    let key = Secret::from_key_file(std::path::Path::new(path), "SSH private key")?;
    globals.out.redactor.add(key.expose());
    Ok(key)
}
