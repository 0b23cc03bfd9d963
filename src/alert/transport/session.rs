//! One SMTP conversation, driven step by step with lettre's `AsyncSmtpConnection`, each
//! step bounded by `[alerts] timeout`.
//!
//! lettre's `AsyncSmtpTransport` bounds only the TCP connect: a server that takes the
//! connection and then stops answering would block a send (and shutdown) for ever. Here
//! every step (greeting, EHLO, STARTTLS, AUTH, MAIL FROM, each RCPT TO, DATA, the message
//! and its final ".", QUIT) runs under `tokio::time::timeout`, and a step that times out is
//! named in the error. The server's 250 after the final "." is what makes a message sent:
//! QUIT afterwards is a courtesy, bounded too, whose failure changes nothing.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Noop, Quit, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::super::failure::{classify, network, stalled, stalled_after_message, FailureKind};
use super::{SendError, SmtpSettings, TlsMode};

/// A connection that has been greeted, secured and logged in.
pub(super) struct Session<'a> {
    conn: AsyncSmtpConnection,
    settings: &'a SmtpSettings,
}

impl<'a> Session<'a> {
    /// Connect, read the greeting, EHLO, STARTTLS (per the URL) and AUTH (when a login is
    /// set), each step within the timeout.
    pub(super) async fn open(
        settings: &'a SmtpSettings,
        tls: &TlsParameters,
    ) -> Result<Session<'a>, SendError> {
        let hello = ClientId::default();
        let s = settings;
        let mut conn = match s.tls {
            TlsMode::Implicit => {
                // TLS from the first byte: lettre connects (bounded by the timeout itself),
                // handshakes, reads the greeting and sends EHLO in one call. Allow the
                // connect its own timeout before calling the rest a stall.
                let connect = AsyncSmtpConnection::connect_tokio1(
                    (s.host.as_str(), s.port),
                    Some(s.timeout),
                    &hello,
                    Some(tls.clone()),
                    None,
                );
                match timeout(s.timeout.saturating_mul(2), connect).await {
                    Ok(result) => result.map_err(|e| classify(&e, s))?,
                    Err(_) => {
                        return Err(stalled("the TLS handshake, greeting or EHLO", s));
                    }
                }
            }
            TlsMode::Opportunistic | TlsMode::Required => {
                let stream = Watched {
                    inner: tcp_connect(s).await?,
                    wrote: Arc::default(),
                };
                let wrote = stream.wrote.clone();
                let greeted = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello);
                match timeout(s.timeout, greeted).await {
                    Ok(result) => result.map_err(|e| classify(&e, s))?,
                    // lettre writes EHLO only once the greeting is complete.
                    Err(_) if wrote.load(Ordering::SeqCst) => return Err(stalled("EHLO", s)),
                    Err(_) => return Err(stalled("the greeting", s)),
                }
            }
        };
        let starttls = match s.tls {
            TlsMode::Opportunistic => conn.can_starttls(),
            TlsMode::Required => true,
            TlsMode::Implicit => false,
        };
        if starttls {
            // lettre refuses (a TLS error) when the server does not offer STARTTLS.
            step(s, "STARTTLS", conn.starttls(tls.clone(), &hello)).await?;
        }
        if let Some(login) = &s.login {
            let credentials = Credentials::new(login.user.clone(), login.password.clone());
            step(s, "AUTH", conn.auth(DEFAULT_MECHANISMS, &credentials)).await?;
        }
        Ok(Session { conn, settings })
    }

    /// MAIL FROM, RCPT TO for each recipient, DATA, the message; then QUIT. `Ok` once the
    /// server answered 250 to the final ".", whatever QUIT then does.
    pub(super) async fn send(
        mut self,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(), SendError> {
        match self.transaction(envelope, message).await {
            Ok(()) => {
                self.quit().await;
                Ok(())
            }
            // A stalled server gets no QUIT: the connection is just dropped.
            Err(e) if e.kind == FailureKind::Timeout => Err(e),
            Err(e) => {
                self.quit().await;
                Err(e)
            }
        }
    }

    /// NOOP, then QUIT (`alerts test` checks the session before sending).
    pub(super) async fn noop(mut self) -> Result<(), SendError> {
        let s = self.settings;
        match timeout(s.timeout, self.conn.command(Noop)).await {
            Ok(Ok(_)) => {
                self.quit().await;
                Ok(())
            }
            Ok(Err(e)) => Err(classify(&e, s)),
            Err(_) => Err(stalled("NOOP", s)),
        }
    }

    async fn transaction(&mut self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        let s = self.settings;
        let info = self.conn.server_info();
        let mut parameters = Vec::new();
        // As lettre's own `send`: SMTPUTF8 for non-ASCII addresses, 8BITMIME for a
        // non-ASCII message, and neither when the server does not offer it.
        let mut addresses = envelope.from().into_iter().chain(envelope.to());
        if addresses.any(|a| !AsRef::<str>::as_ref(a).is_ascii()) {
            if !info.supports_feature(Extension::SmtpUtfEight) {
                return Err(network(
                    FailureKind::Network,
                    "an address is not ASCII and the server does not support SMTPUTF8",
                    s,
                ));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if !message.is_ascii() {
            if !info.supports_feature(Extension::EightBitMime) {
                return Err(network(
                    FailureKind::Network,
                    "the message is not ASCII and the server does not support 8BITMIME",
                    s,
                ));
            }
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let from = envelope.from().cloned();
        step(
            s,
            "MAIL FROM",
            self.conn.command(Mail::new(from, parameters)),
        )
        .await?;
        for to in envelope.to() {
            let rcpt = Rcpt::new(to.clone(), vec![]);
            step(s, "RCPT TO", self.conn.command(rcpt)).await?;
        }
        step(s, "DATA", self.conn.command(Data)).await?;
        match timeout(s.timeout, self.conn.message(message)).await {
            Ok(Ok(_accepted)) => Ok(()),
            Ok(Err(e)) => Err(classify(&e, s)),
            Err(_) => Err(stalled_after_message(s)),
        }
    }

    /// QUIT within the timeout; its answer (or none) does not matter.
    async fn quit(&mut self) {
        let _ = timeout(self.settings.timeout, self.conn.command(Quit)).await;
    }
}

/// One lettre call within the timeout, its error classified, a timeout named by `name`.
async fn step<T>(
    s: &SmtpSettings,
    name: &str,
    call: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, SendError> {
    match timeout(s.timeout, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(classify(&e, s)),
        Err(_) => Err(stalled(name, s)),
    }
}

/// Resolve and connect (each address in turn, like lettre), within the timeout.
async fn tcp_connect(s: &SmtpSettings) -> Result<TcpStream, SendError> {
    let lookup = tokio::net::lookup_host((s.host.as_str(), s.port));
    let addresses: Vec<SocketAddr> = match timeout(s.timeout, lookup).await {
        Ok(Ok(addresses)) => addresses.collect(),
        Ok(Err(e)) => return Err(network(FailureKind::Dns, &e.to_string(), s)),
        Err(_) => return Err(network(FailureKind::Dns, "the lookup timed out", s)),
    };
    let mut last = None;
    for address in addresses {
        match timeout(s.timeout, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(e)) => last = Some(e),
            Err(_) => {
                last = Some(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection timed out",
                ))
            }
        }
    }
    Err(match last {
        None => network(FailureKind::Dns, "no address found", s),
        Some(e) => {
            let kind = match e.kind() {
                io::ErrorKind::ConnectionRefused => FailureKind::Refused,
                io::ErrorKind::TimedOut => FailureKind::Timeout,
                _ => FailureKind::Network,
            };
            network(kind, &format!("connection error: {e}"), s)
        }
    })
}

/// The TCP stream, noting whether anything was written yet (to tell a stalled greeting
/// from a stalled EHLO).
#[derive(Debug)]
struct Watched {
    inner: TcpStream,
    wrote: Arc<AtomicBool>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.wrote.store(true, Ordering::SeqCst);
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.wrote.store(true, Ordering::SeqCst);
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

impl AsyncTokioStream for Watched {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }
}
