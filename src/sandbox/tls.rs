//! HTTPS for the sandbox: rustls terminates TLS in the front (see
//! `front.rs`), and the inner HTTP server only ever sees plain text.
//!
//! One `ServerConnection` per client connection is shared, behind the
//! link's lock, by the two threads that pump the connection: the one
//! reading the client feeds it TLS records and takes plain text out, the
//! one writing answers puts plain text in and sends the records. Records
//! are written to the socket under that lock, so they leave in order.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection};

use super::error::SandboxError;

/// The server configuration for a certificate chain and its key, both PEM.
pub(crate) fn config(
    cert_chain_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<ServerConfig>, SandboxError> {
    let chain = CertificateDer::pem_slice_iter(cert_chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SandboxError::tls("certificate chain is not PEM", e))?;
    if chain.is_empty() {
        return Err(SandboxError::Tls {
            problem: "certificate chain holds no CERTIFICATE block".into(),
            source: None,
        });
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| SandboxError::tls("key is not a PEM private key", e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SandboxError::tls("setup failed", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| SandboxError::tls("certificate and key do not fit", e))?;
    Ok(Arc::new(config))
}

/// A new server side of a connection; its buffers are unbounded, so a
/// write of plain text is never cut short (answers are small).
pub(crate) fn accept(config: &Arc<ServerConfig>) -> io::Result<ServerConnection> {
    let mut conn = ServerConnection::new(config.clone()).map_err(io::Error::other)?;
    conn.set_buffer_limit(None);
    Ok(conn)
}

/// What a read from the client's socket carried.
pub(crate) struct Received {
    /// Plain text for the inner server.
    pub plain: Vec<u8>,
    /// The client ended the TLS session (`close_notify`).
    pub closed: bool,
}

/// Feeds TLS records read from the client to `conn`, answers the
/// handshake on `tcp`, and returns the plain text they held. An error
/// (after the alert is sent) ends the connection.
pub(crate) fn receive(
    conn: &mut ServerConnection,
    tcp: &TcpStream,
    mut records: &[u8],
) -> io::Result<Received> {
    let mut received = Received {
        plain: Vec::new(),
        closed: false,
    };
    while !records.is_empty() {
        conn.read_tls(&mut records)?;
        let processed = conn.process_new_packets();
        flush(conn, tcp)?;
        processed.map_err(io::Error::other)?;
        let mut buf = [0u8; 8192];
        loop {
            match conn.reader().read(&mut buf) {
                Ok(0) => {
                    received.closed = true;
                    break;
                }
                Ok(n) => received.plain.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(received)
}

/// Sends plain text to the client.
pub(crate) fn send(conn: &mut ServerConnection, tcp: &TcpStream, plain: &[u8]) -> io::Result<()> {
    conn.writer().write_all(plain)?;
    flush(conn, tcp)
}

/// Ends the session properly: `close_notify`, then no more writes.
pub(crate) fn finish(conn: &mut ServerConnection, tcp: &TcpStream) {
    conn.send_close_notify();
    let _ = flush(conn, tcp);
    let _ = tcp.shutdown(Shutdown::Write);
}

/// Completes the handshake on `tcp`, sends `answer` and ends the session:
/// for a client the sandbox turns away. It blocks, so `tcp` should have
/// time-outs.
pub(crate) fn answer_and_close(
    config: &Arc<ServerConfig>,
    tcp: &TcpStream,
    answer: &[u8],
) -> io::Result<()> {
    let mut conn = accept(config)?;
    let mut io = tcp;
    while conn.is_handshaking() {
        conn.complete_io(&mut io)?;
    }
    conn.writer().write_all(answer)?;
    finish(&mut conn, tcp);
    Ok(())
}

fn flush(conn: &mut ServerConnection, tcp: &TcpStream) -> io::Result<()> {
    let mut io = tcp;
    while conn.wants_write() {
        conn.write_tls(&mut io)?;
    }
    Ok(())
}
