//! SSH and FTP credentials for Jetpack Backup, and
//! `POST /rest/v1.3/jpphp/{blog_id}/ssh-credentials`.

use serde::{Deserialize, Deserializer, Serialize};

use crate::auth::Secret;
use crate::endpoint::{Endpoint, Method};
use crate::error::Error;
use crate::form::Form;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};

/// SSH access for Jetpack Backup: a user, and a password or a private key.
///
/// ```
/// use jetpack_partner::{Secret, SshCredentials};
/// let ssh = SshCredentials::new("deploy").ssh_pass(Secret::new("pw-long")).ssh_port(2222);
/// # let _ = ssh;
/// ```
#[derive(Debug, Default)]
pub struct SshCredentials {
    ssh_user: String,
    ssh_pass: Option<Secret>,
    ssh_private_key: Option<Secret>,
    ssh_host: Option<String>,
    ssh_port: Option<u16>,
}

impl SshCredentials {
    /// Credentials for `ssh_user`; add a password or a private key.
    pub fn new(ssh_user: impl Into<String>) -> Self {
        SshCredentials {
            ssh_user: ssh_user.into(),
            ..SshCredentials::default()
        }
    }

    /// The SSH password.
    pub fn ssh_pass(mut self, pass: Secret) -> Self {
        self.ssh_pass = Some(pass);
        self
    }

    /// The SSH private key (the PEM text, not a path).
    pub fn ssh_private_key(mut self, key: Secret) -> Self {
        self.ssh_private_key = Some(key);
        self
    }

    /// The SSH host; when provisioning it defaults to the site's host.
    pub fn ssh_host(mut self, host: impl Into<String>) -> Self {
        self.ssh_host = Some(host.into());
        self
    }

    /// The SSH port (default 22).
    pub fn ssh_port(mut self, port: u16) -> Self {
        self.ssh_port = Some(port);
        self
    }

    /// Checks the group and adds its fields to `form`. `host_required`
    /// is true for the ssh-credentials endpoint, false when provisioning.
    pub(crate) fn add_to(&self, form: &mut Form, host_required: bool) -> Result<(), Error> {
        if self.ssh_user.is_empty() {
            return Err(Error::InvalidInput("ssh_user is empty".into()));
        }
        if self.ssh_pass.is_none() && self.ssh_private_key.is_none() {
            return Err(Error::InvalidInput(
                "ssh_user needs ssh_pass or ssh_private_key".into(),
            ));
        }
        if self.ssh_port == Some(0) {
            return Err(Error::InvalidInput("ssh_port must be 1 to 65535".into()));
        }
        let host = self.ssh_host.as_deref().filter(|h| !h.is_empty());
        if host_required && host.is_none() {
            return Err(Error::InvalidInput("ssh_host is required".into()));
        }
        form.line("ssh_user", &self.ssh_user)?;
        if let Some(pass) = &self.ssh_pass {
            form.secret("ssh_pass", pass)?;
        }
        if let Some(key) = &self.ssh_private_key {
            // A key spans lines: any character but NUL and the other
            // controls a PEM file never holds.
            if let Some(c) = key
                .expose()
                .chars()
                .find(|&c| c.is_control() && !"\r\n\t".contains(c))
            {
                return Err(Error::InvalidInput(format!(
                    "ssh_private_key contains the control character {c:?}; it is not a key file"
                )));
            }
            form.secret("ssh_private_key", key)?;
        }
        if let Some(host) = host {
            form.line("ssh_host", host)?;
        }
        if let Some(port) = self.ssh_port {
            form.text("ssh_port", port.to_string())?;
        }
        Ok(())
    }
}

/// FTP access for Jetpack Backup: a user and a password.
#[derive(Debug)]
pub struct FtpCredentials {
    ftp_user: String,
    ftp_pass: Secret,
    ftp_host: Option<String>,
    ftp_port: Option<u16>,
}

impl FtpCredentials {
    /// Credentials for `ftp_user` with its password.
    pub fn new(ftp_user: impl Into<String>, ftp_pass: Secret) -> Self {
        FtpCredentials {
            ftp_user: ftp_user.into(),
            ftp_pass,
            ftp_host: None,
            ftp_port: None,
        }
    }

    /// The FTP host; defaults to the site's host.
    pub fn ftp_host(mut self, host: impl Into<String>) -> Self {
        self.ftp_host = Some(host.into());
        self
    }

    /// The FTP port (default 21).
    pub fn ftp_port(mut self, port: u16) -> Self {
        self.ftp_port = Some(port);
        self
    }

    pub(crate) fn add_to(&self, form: &mut Form) -> Result<(), Error> {
        if self.ftp_user.is_empty() || self.ftp_pass.is_empty() {
            return Err(Error::InvalidInput(
                "ftp_user and ftp_pass must not be empty".into(),
            ));
        }
        if self.ftp_port == Some(0) {
            return Err(Error::InvalidInput("ftp_port must be 1 to 65535".into()));
        }
        form.line("ftp_user", &self.ftp_user)?
            .secret("ftp_pass", &self.ftp_pass)?;
        if let Some(host) = self.ftp_host.as_deref().filter(|h| !h.is_empty()) {
            form.line("ftp_host", host)?;
        }
        if let Some(port) = self.ftp_port {
            form.text("ftp_port", port.to_string())?;
        }
        Ok(())
    }
}

/// Stores SSH credentials for Jetpack Backup on a site
/// (`POST /rest/v1.3/jpphp/{blog_id}/ssh-credentials`); `ssh_host` is
/// required here.
#[derive(Debug)]
pub struct SetSshCredentials {
    blog_id: u64,
    ssh: SshCredentials,
}

impl SetSshCredentials {
    /// Stores `ssh` for the site with this WordPress.com blog ID.
    pub fn new(blog_id: u64, ssh: SshCredentials) -> Self {
        SetSshCredentials { blog_id, ssh }
    }
}

impl Endpoint for SetSshCredentials {
    type Answer = SshCredentialsAnswer;
    const METHOD: Method = Method::Post;

    fn path(&self) -> Result<String, Error> {
        if self.blog_id == 0 {
            return Err(Error::InvalidInput(
                "the blog ID must be a positive number".into(),
            ));
        }
        Ok(format!(
            "{}/{}/ssh-credentials",
            super::JPPHP_V13,
            self.blog_id
        ))
    }

    fn form(&self) -> Result<Form, Error> {
        let mut form = Form::new();
        self.ssh.add_to(&mut form, true)?;
        Ok(form)
    }

    fn decode(&self, reply: Reply) -> Result<SshCredentialsAnswer, Error> {
        reply.typed("the ssh-credentials answer is not the documented object")
    }
}

/// The answer to [`SetSshCredentials`].
#[derive(Clone, Debug, Serialize)]
pub struct SshCredentialsAnswer {
    /// Whether the credentials were stored.
    pub success: bool,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for SshCredentialsAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(SshCredentialsAnswer {
                success: f.get("success", lenient::boolean)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(ssh: &SshCredentials, host_required: bool) -> Result<Vec<(String, String)>, Error> {
        let mut form = Form::new();
        ssh.add_to(&mut form, host_required)?;
        Ok(form.describe())
    }

    #[test]
    fn ssh_needs_a_password_or_a_key() {
        assert!(matches!(
            fields(&SshCredentials::new("u"), false),
            Err(Error::InvalidInput(_))
        ));
        let with_key = SshCredentials::new("u").ssh_private_key(Secret::new("KEY-TEXT"));
        assert!(fields(&with_key, false).is_ok());
    }

    #[test]
    fn ssh_host_is_required_only_for_the_endpoint() {
        let ssh = SshCredentials::new("u").ssh_pass(Secret::new("pass"));
        assert!(fields(&ssh, false).is_ok());
        assert!(matches!(fields(&ssh, true), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn secrets_are_masked_and_ports_are_numbers() -> Result<(), Error> {
        let ssh = SshCredentials::new("u")
            .ssh_pass(Secret::new("pw-long"))
            .ssh_host("h")
            .ssh_port(2222);
        let shown = fields(&ssh, true)?;
        assert_eq!(
            shown,
            [
                ("ssh_user", "u"),
                ("ssh_pass", "***"),
                ("ssh_host", "h"),
                ("ssh_port", "2222")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        let zero = SshCredentials::new("u")
            .ssh_pass(Secret::new("pass"))
            .ssh_port(0);
        assert!(fields(&zero, false).is_err());
        Ok(())
    }

    #[test]
    fn ftp_fields() -> Result<(), Error> {
        let mut form = Form::new();
        FtpCredentials::new("f", Secret::new("pw-long"))
            .ftp_port(2121)
            .add_to(&mut form)?;
        assert_eq!(
            form.describe()[1],
            ("ftp_pass".to_owned(), "***".to_owned())
        );
        let mut form = Form::new();
        assert!(FtpCredentials::new("", Secret::new("pw-long"))
            .add_to(&mut form)
            .is_err());
        Ok(())
    }
}

crate::response::keeps_raw!(SshCredentialsAnswer);
