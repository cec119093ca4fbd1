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
    let pass = flags.text("ssh-pass-file");
    let key = flags.text("ssh-private-key");
    if pass.is_none() && key.is_none() {
        return Err(Failure::usage(
            "--ssh-user needs a password or a private key",
            "add --ssh-pass-file PATH or --ssh-private-key PATH",
        ));
    }
    if let Some(path) = pass {
        ssh = ssh.ssh_pass(globals.read_secret(path, "--ssh-pass-file", "SSH password")?);
    }
    if let Some(path) = key {
        ssh = ssh.ssh_private_key(read_key(globals, path)?);
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
    let (Some(user), Some(path)) = (flags.text("ftp-user"), flags.text("ftp-pass-file")) else {
        return Err(Failure::usage(
            "FTP options need --ftp-user and --ftp-pass-file",
            "add --ftp-user USER --ftp-pass-file PATH",
        ));
    };
    let mut ftp = FtpCredentials::new(
        user,
        globals.read_secret(path, "--ftp-pass-file", "FTP password")?,
    );
    if let Some(host) = flags.text("ftp-host") {
        ftp = ftp.ftp_host(host);
    }
    if let Some(port) = port(flags, "ftp-port")? {
        ftp = ftp.ftp_port(port);
    }
    Ok(Some(ftp))
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
