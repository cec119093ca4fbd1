//! Which certificates HTTPS trusts: `--ca-file`, else the OpenSSL and curl
//! convention of `$SSL_CERT_FILE`, else `$SSL_CERT_DIR`, else the bundled
//! Mozilla roots. Whichever is given replaces the bundled roots, as
//! curl's `--cacert` does.

use std::io::Read;
use std::path::Path;

use crate::output::Failure;

/// Most bytes read from a CA file or a CA directory in all: a bundle of
/// every public root is a quarter of it.
const LIMIT: u64 = 4 * 1024 * 1024;

/// Files of `$SSL_CERT_DIR` looked at; more are left out.
const MAX_FILES: usize = 2000;

/// The PEM text of the trusted roots and where it came from; `None` for
/// the bundled roots.
pub fn roots(ca_file: Option<&str>) -> Result<Option<(Vec<u8>, String)>, Failure> {
    if let Some(path) = ca_file {
        return read_file(path, "--ca-file").map(|pem| Some((pem, path.to_owned())));
    }
    if let Some(path) = variable("SSL_CERT_FILE") {
        return read_file(&path, "$SSL_CERT_FILE").map(|pem| Some((pem, path)));
    }
    if let Some(dirs) = variable("SSL_CERT_DIR") {
        return read_dirs(&dirs).map(|pem| Some((pem, dirs)));
    }
    Ok(None)
}

fn variable(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn read_file(path: &str, given: &str) -> Result<Vec<u8>, Failure> {
    let failed = |e| jetpack_partner::Error::Io {
        context: format!("cannot read the CA file {path} ({given})"),
        source: e,
    };
    let mut pem = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(LIMIT + 1).read_to_end(&mut pem))
        .map_err(failed)?;
    if pem.len() as u64 > LIMIT {
        return Err(Failure::usage(
            format!("the CA file {path} ({given}) is larger than 4 MiB"),
            "give a PEM file of CA certificates (-----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(pem)
}

/// Every file holding a PEM certificate in the directories of
/// `$SSL_CERT_DIR` (separated by `:`, as OpenSSL reads it), links followed
/// as OpenSSL's hashed names are links.
fn read_dirs(dirs: &str) -> Result<Vec<u8>, Failure> {
    let mut pem = Vec::new();
    let mut seen = 0;
    for dir in dirs.split(':').filter(|d| !d.is_empty()) {
        let entries = std::fs::read_dir(dir).map_err(|e| jetpack_partner::Error::Io {
            context: format!("cannot read the CA directory {dir} ($SSL_CERT_DIR)"),
            source: e,
        })?;
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths.into_iter().take(MAX_FILES.saturating_sub(seen)) {
            seen += 1;
            if let Some(text) = certificate_file(&path, LIMIT - pem.len() as u64) {
                pem.extend_from_slice(&text);
                pem.push(b'\n');
            }
        }
    }
    if pem.is_empty() {
        return Err(Failure::usage(
            format!("$SSL_CERT_DIR {dirs} holds no PEM certificate"),
            "point it at a directory of CA certificates, or use --ca-file PEM",
        ));
    }
    Ok(pem)
}

/// A regular file's content when it holds a certificate and fits.
fn certificate_file(path: &Path, room: u64) -> Option<Vec<u8>> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut text = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(room + 1)
        .read_to_end(&mut text)
        .ok()?;
    let holds = text
        .windows(27)
        .any(|w| w == b"-----BEGIN CERTIFICATE-----");
    (holds && text.len() as u64 <= room).then_some(text)
}
