//! The SSH and FTP option groups for Jetpack Backup, shared by `provision`
//! and `ssh-credentials`. Passwords and keys are read from files (or stdin)
//! so they never stand on the command line.

use jetpack_partner::{FtpCredentials, Secret, SshCredentials};

use crate::args::{set, Args, Flag, Given};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};

pub const SSH_FLAGS: &[Flag] = &[
    Flag::text(
        &["--ssh-user"],
        "USER",
        "SSH user for Jetpack Backup",
        |a| &mut a.ssh_user,
    ),
    Flag::text(
        &["--ssh-pass-file"],
        "PATH",
        "read the SSH password from PATH ('-': stdin)",
        |a| &mut a.ssh_pass_file,
    ),
    Flag::text(
        &["--ssh-private-key"],
        "PATH",
        "read the SSH private key from PATH ('-': stdin)",
        |a| &mut a.ssh_private_key,
    ),
    Flag::text(
        &["--ssh-host"],
        "HOST",
        "SSH host (default: the site's host)",
        |a| &mut a.ssh_host,
    ),
    Flag::value(&["--ssh-port"], "PORT", "SSH port (default 22)", |a, v| {
        set(&mut a.ssh_port, port(&v))
    }),
    Flag::text(
        &["--ssh-pass"],
        "VALUE",
        "the SSH password itself (the old scripts' --ssh-pass=);\nother users see it in ps: prefer --ssh-pass-file",
        |a| &mut a.ssh_pass,
    ),
    Flag::text(
        &["--ssh-private-key-text"],
        "KEY",
        "the private key's text itself (the old scripts' --ssh-private-key=KEY);\nother users see it in ps: prefer --ssh-private-key PATH",
        |a| &mut a.ssh_private_key_text,
    ),
];

pub const FTP_FLAGS: &[Flag] = &[
    Flag::text(
        &["--ftp-user"],
        "USER",
        "FTP user for Jetpack Backup",
        |a| &mut a.ftp_user,
    ),
    Flag::text(
        &["--ftp-pass-file"],
        "PATH",
        "read the FTP password from PATH ('-': stdin)",
        |a| &mut a.ftp_pass_file,
    ),
    Flag::text(
        &["--ftp-host"],
        "HOST",
        "FTP host (default: the site's host)",
        |a| &mut a.ftp_host,
    ),
    Flag::value(&["--ftp-port"], "PORT", "FTP port (default 21)", |a, v| {
        set(&mut a.ftp_port, port(&v))
    }),
    Flag::text(
        &["--ftp-pass"],
        "VALUE",
        "the FTP password itself (the old scripts' --ftp-pass=);\nother users see it in ps: prefer --ftp-pass-file",
        |a| &mut a.ftp_pass,
    ),
];

/// A port number from 1 to 65535.
fn port(v: &Given) -> Result<u16, Problem> {
    const PORT: &str = "a port number from 1 to 65535";
    match v.parse(PORT)? {
        0 => Err(Problem::new(
            format!("{} 0 is not {PORT}", v.source),
            format!("give {PORT}"),
        )),
        port => Ok(port),
    }
}

/// What the SSH and FTP options need of each other: given at all, the
/// group needs its user and one password (or key); a password or key is
/// given once.
pub fn check(a: &Args, problems: &mut Problems) {
    let ssh_secret = [
        &a.ssh_pass_file,
        &a.ssh_pass,
        &a.ssh_private_key,
        &a.ssh_private_key_text,
    ]
    .iter()
    .any(|o| o.is_some());
    match &a.ssh_user {
        None if ssh_secret || a.ssh_host.is_some() || a.ssh_port.is_some() => problems.push(
            Problem::new("SSH options need --ssh-user", "add --ssh-user USER"),
        ),
        Some(_) if !ssh_secret => problems.push(Problem::new(
            "--ssh-user needs a password or a private key",
            "add --ssh-pass-file PATH or --ssh-private-key PATH",
        )),
        _ => {}
    }
    let ftp_pass = a.ftp_pass_file.is_some() || a.ftp_pass.is_some();
    let ftp_given =
        a.ftp_user.is_some() || ftp_pass || a.ftp_host.is_some() || a.ftp_port.is_some();
    if ftp_given && (a.ftp_user.is_none() || !ftp_pass) {
        problems.push(Problem::new(
            "FTP options need --ftp-user and --ftp-pass-file",
            "add --ftp-user USER --ftp-pass-file PATH",
        ));
    }
    for (file, file_flag, inline, inline_flag) in [
        (
            &a.ssh_pass_file,
            "--ssh-pass-file",
            &a.ssh_pass,
            "--ssh-pass",
        ),
        (
            &a.ssh_private_key,
            "--ssh-private-key",
            &a.ssh_private_key_text,
            "--ssh-private-key-text",
        ),
        (
            &a.ftp_pass_file,
            "--ftp-pass-file",
            &a.ftp_pass,
            "--ftp-pass",
        ),
    ] {
        if file.is_some() && inline.is_some() {
            problems.push(Problem::new(
                format!("{file_flag} and {inline_flag} both give the same secret"),
                format!("give it once, preferably with {file_flag}"),
            ));
        }
    }
}

/// The SSH group, when it is given (`check` saw that it is whole).
pub fn ssh(a: &Args, globals: &Globals) -> Result<Option<SshCredentials>, Failure> {
    let Some(user) = &a.ssh_user else {
        return Ok(None);
    };
    let mut ssh = SshCredentials::new(user);
    if let Some(path) = &a.ssh_pass_file {
        ssh = ssh.ssh_pass(globals.read_secret(path, "--ssh-pass-file", "SSH password")?);
    }
    if let Some(value) = &a.ssh_pass {
        ssh = ssh.ssh_pass(inline(globals, value, "--ssh-pass", "--ssh-pass-file")?);
    }
    if let Some(path) = &a.ssh_private_key {
        ssh = ssh.ssh_private_key(read_key(globals, path)?);
    }
    if let Some(text) = &a.ssh_private_key_text {
        let key = inline(
            globals,
            text,
            "--ssh-private-key=KEY",
            "--ssh-private-key PATH",
        )?;
        ssh = ssh.ssh_private_key(key);
    }
    if let Some(host) = &a.ssh_host {
        ssh = ssh.ssh_host(host);
    }
    if let Some(port) = a.ssh_port {
        ssh = ssh.ssh_port(port);
    }
    Ok(Some(ssh))
}

/// The FTP group, when it is given (`check` saw that it is whole).
pub fn ftp(a: &Args, globals: &Globals) -> Result<Option<FtpCredentials>, Failure> {
    let Some(user) = &a.ftp_user else {
        return Ok(None);
    };
    let pass = match (&a.ftp_pass_file, &a.ftp_pass) {
        (Some(path), _) => globals.read_secret(path, "--ftp-pass-file", "FTP password")?,
        (None, Some(value)) => inline(globals, value, "--ftp-pass", "--ftp-pass-file")?,
        (None, None) => return Ok(None),
    };
    let mut ftp = FtpCredentials::new(user, pass);
    if let Some(host) = &a.ftp_host {
        ftp = ftp.ftp_host(host);
    }
    if let Some(port) = a.ftp_port {
        ftp = ftp.ftp_port(port);
    }
    Ok(Some(ftp))
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
