//! [`TestServer`]: start, addresses, accounts, restart and shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::faults::Faults;
use crate::keys::ServerKeys;
use crate::phone::PhoneHandle;
use crate::state::Shared;
use crate::tls::TlsIdentity;

/// A running test server (in-process, on loopback).
///
/// ```no_run
/// # async fn demo() -> testserver::Result<()> {
/// let server = testserver::TestServer::start(testserver::Config::default()).await?;
/// println!("point the client at {} and trust root {:02x?}", server.ws_url(), server.root_public_key());
/// let alice = server.create_account("15550001111")?;
/// # let _ = alice; Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    listener: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Binds (by default a random free port on 127.0.0.1) and starts serving.
    pub async fn start(config: Config) -> Result<TestServer> {
        let keys = ServerKeys::generate(config.root_key_seed);
        let listener = TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let tls = if config.tls {
            Some(TlsIdentity::generate(addr, config.media_host.as_deref())?)
        } else {
            None
        };
        let shared = Shared::new(config, keys, addr, tls);
        let task = tokio::spawn(crate::http::serve(
            listener,
            shared.clone(),
            shared.stop_signal(),
        ));
        log::info!(target: "TestServer", "listening on {addr}; root key {}", hex(&shared.keys.root_public));
        Ok(TestServer {
            shared,
            addr,
            listener: Some(task),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://127.0.0.1:PORT/ws/chat`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws/chat", self.addr)
    }

    /// `http://127.0.0.1:PORT` (media and `/admin/...`).
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `wss://127.0.0.1:PORT/ws/chat` when TLS is on ([`Config::with_tls`]).
    pub fn wss_url(&self) -> Option<String> {
        self.shared
            .tls
            .as_ref()
            .map(|_| format!("wss://{}/ws/chat", self.addr))
    }

    /// `https://127.0.0.1:PORT` when TLS is on ([`Config::with_tls`]).
    pub fn https_url(&self) -> Option<String> {
        self.shared
            .tls
            .as_ref()
            .map(|_| format!("https://{}", self.addr))
    }

    /// The PEM certificate of the CA that signed the server's TLS certificate, when TLS is on.
    /// A client trusting it (e.g. node with `NODE_EXTRA_CA_CERTS` pointing at it, or a rustls
    /// root store holding [`TestServer::tls_ca_der`]) can use `wss://` and `https://`.
    pub fn tls_ca_pem(&self) -> Option<&str> {
        self.shared.tls.as_ref().map(TlsIdentity::ca_pem)
    }

    /// The same CA certificate, DER-encoded.
    pub fn tls_ca_der(&self) -> Option<&[u8]> {
        self.shared.tls.as_ref().map(TlsIdentity::ca_der)
    }

    /// The public key of the server's certificate root (X25519), which clients must trust.
    pub fn root_public_key(&self) -> [u8; 32] {
        self.shared.keys.root_public
    }

    /// Creates an account with a simulated primary phone (device 0).
    pub fn create_account(&self, phone: &str) -> Result<PhoneHandle> {
        PhoneHandle::create(self.shared.clone(), phone)
    }

    /// The phone of an existing account.
    pub fn phone(&self, phone: &str) -> Result<PhoneHandle> {
        PhoneHandle::existing(self.shared.clone(), phone)
    }

    /// Fault injection.
    pub fn faults(&self) -> Faults {
        Faults {
            shared: self.shared.clone(),
        }
    }

    /// Creates a group owned by `creator` (a phone number) with the given member phones;
    /// returns the group JID. Members are told with a `w:gp2` notification.
    pub fn create_group(&self, creator: &str, subject: &str, members: &[&str]) -> Result<String> {
        let mut w = self.shared.world();
        if w.account(creator).is_none() {
            return Err(Error::UnknownAccount(creator.to_owned()));
        }
        let members: Vec<String> = members.iter().map(|m| (*m).to_owned()).collect();
        let node = crate::groups::create_group(&mut w, creator, subject, &members)
            .map_err(|(_, t)| Error::InvalidJid(format!("group create: {t}")))?;
        Ok(format!("{}@g.us", node.get_or_empty("id")))
    }

    /// Drops every connection and the listener, then listens again on the same port with all
    /// state (accounts, devices, queues, groups, media) kept.
    pub async fn restart(&mut self) -> Result<()> {
        self.shared.stop_generation();
        if let Some(task) = self.listener.take() {
            let _ = task.await;
        }
        let listener = bind_retry(self.addr).await?;
        self.listener = Some(tokio::spawn(crate::http::serve(
            listener,
            self.shared.clone(),
            self.shared.stop_signal(),
        )));
        log::info!(target: "TestServer", "restarted on {}", self.addr);
        Ok(())
    }

    /// Stops serving and closes every connection.
    pub async fn shutdown(mut self) {
        self.shared.stop_generation();
        self.shared.shut_down();
        if let Some(task) = self.listener.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if self.listener.is_some() {
            self.shared.stop_generation();
            self.shared.shut_down();
        }
    }
}

/// Rebinds a port just released (the OS may need a moment).
async fn bind_retry(addr: SocketAddr) -> Result<TcpListener> {
    let mut last = None;
    for _ in 0..50 {
        match TcpListener::bind(addr).await {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Err(Error::Io(
        last.unwrap_or_else(|| std::io::Error::other("bind failed")),
    ))
}

/// Lower-case hex.
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Restarts the listener from inside a request (admin API): stops the current generation, then
/// rebinds the same port in the background.
pub(crate) fn restart_detached(shared: Arc<Shared>) {
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        shared.stop_generation();
        match bind_retry(shared.addr).await {
            Ok(listener) => {
                let stop = shared.stop_signal();
                tokio::spawn(crate::http::serve(listener, shared, stop));
            }
            Err(e) => log::error!(target: "TestServer", "restart failed: {e}"),
        }
    });
}
