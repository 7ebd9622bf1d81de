//! Media download: fetch from the media hosts (failover, one `media_conn` refresh on
//! 401/403/404/410), then verify and decrypt with [`wacore::media`].
//!
//! [`Client::download`] buffers the blob. [`Client::download_to_writer`] streams: on a
//! blocking thread the HTTP body is written to an anonymous temporary file while a
//! [`MediaVerifier`] checks the MAC and both hashes; only then is the file decrypted into
//! the caller's writer. Memory stays constant (two 64 KiB buffers) whatever the size, and no
//! unverified plaintext ever reaches the writer.

use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use sha2::Digest as _;
use wacore::download::{Downloadable, download_url, is_valid_direct_path};
use wacore::media::{self, ExpectedMedia, MediaVerifier, VerifiedMedia};
use wacore::net::{HttpClient, HttpError, HttpRequest, WHATSAPP_WEB_ORIGIN};

pub use wacore::download::{DownloadParams, MediaType};

use crate::client::Client;
use crate::mediaconn::{MediaTransferError, is_auth_status, redact_url};

/// Streaming copy buffer.
const BUF: usize = 64 * 1024;

/// What to fetch and how to check it.
#[derive(Clone)]
struct Target {
    direct_path: String,
    media_key: Option<Vec<u8>>,
    expected: Option<ExpectedMedia>,
    file_sha256: Option<Vec<u8>>,
    file_enc_sha256: Option<Vec<u8>>,
    file_length: Option<u64>,
    media_type: MediaType,
    static_url: Option<String>,
}

/// Minimum upload size for a plaintext of `len` bytes: PKCS#7 always pads, plus the MAC.
fn min_upload_len(len: u64) -> u64 {
    (len / 16 + 1) * 16 + 10
}

fn target(d: &dyn Downloadable) -> Result<Target, MediaTransferError> {
    let static_url = d
        .static_url()
        .filter(|u| is_whatsapp_static_url(u))
        .map(str::to_owned);
    let direct_path = d.direct_path().filter(|p| !p.is_empty()).map(str::to_owned);
    let direct_path = match (direct_path, &static_url) {
        (Some(p), _) => {
            if !is_valid_direct_path(&p) {
                return Err(MediaTransferError::InvalidDirectPath);
            }
            p
        }
        (None, Some(_)) => String::new(),
        (None, None) => return Err(MediaTransferError::MissingField("direct path")),
    };
    let file_sha256 = d
        .file_sha256()
        .map(<[u8]>::to_vec)
        .ok_or(MediaTransferError::MissingField("file SHA-256"))?;
    let media_key = d.media_key().map(<[u8]>::to_vec);
    let expected = match &media_key {
        Some(_) => {
            let enc = d
                .file_enc_sha256()
                .ok_or(MediaTransferError::MissingField("encrypted file SHA-256"))?;
            Some(ExpectedMedia::from_slices(
                &file_sha256,
                enc,
                d.file_length(),
            )?)
        }
        None => None,
    };
    Ok(Target {
        direct_path,
        media_key,
        expected,
        file_sha256: Some(file_sha256),
        file_enc_sha256: d.file_enc_sha256().map(<[u8]>::to_vec),
        file_length: d.file_length(),
        media_type: d.app_info(),
        static_url,
    })
}

/// Static URLs come from messages (hostile input): only WhatsApp's own HTTPS hosts.
fn is_whatsapp_static_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    host.ends_with(".whatsapp.net") || host.ends_with(".whatsapp.com")
}

/// How one attempt on one URL ended.
enum Attempt<T> {
    Done(T),
    /// An HTTP status other than 200.
    Status(u16),
    /// Transport failure, or a cut-off body: try the next host.
    Transient(MediaTransferError),
    /// The blob is wrong (MAC, hashes) or our side failed: stop.
    Fatal(MediaTransferError),
}

fn get_request(url: &str) -> HttpRequest {
    HttpRequest::get(url)
        .with_header("Origin", WHATSAPP_WEB_ORIGIN)
        .with_header("Referer", format!("{WHATSAPP_WEB_ORIGIN}/"))
}

fn http_attempt<T>(url: &str, e: HttpError) -> Attempt<T> {
    Attempt::Transient(MediaTransferError::Http {
        url: redact_url(url),
        source: e,
    })
}

fn crypto_attempt<T>(e: media::MediaError) -> Attempt<T> {
    Attempt::Fatal(MediaTransferError::Crypto(e))
}

fn check_len(t: &Target, got: u64) -> Result<(), MediaTransferError> {
    if t.media_key.is_some()
        && let Some(len) = t.file_length
    {
        let expected = min_upload_len(len);
        if got < expected {
            return Err(MediaTransferError::Truncated { expected, got });
        }
    }
    Ok(())
}

/// Verifies and decrypts a whole body held in memory.
fn decrypt_buffered(t: &Target, body: &[u8]) -> Attempt<Vec<u8>> {
    if let Err(e) = check_len(t, body.len() as u64) {
        return Attempt::Transient(e);
    }
    match (&t.media_key, &t.expected) {
        (Some(key), Some(exp)) => match media::decrypt_media(body, key, t.media_type, exp) {
            Ok(p) => Attempt::Done(p),
            Err(e) => crypto_attempt(e),
        },
        _ => match media::verify_plain_media(body, t.file_sha256.as_deref().unwrap_or_default()) {
            Ok(()) => Attempt::Done(body.to_vec()),
            Err(e) => crypto_attempt(e),
        },
    }
}

/// Copies the body into `file` while verifying it; returns what the second pass needs.
enum Spooled {
    Encrypted(VerifiedMedia),
    Plain,
}

struct Tee<'a, W: Write> {
    file: &'a mut W,
    check: &'a mut dyn Write,
    n: u64,
}

impl<W: Write> Write for Tee<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        let part = buf.get(..n).unwrap_or_default();
        self.check.write_all(part)?;
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

struct Sha256Sink(sha2::Sha256);
impl Write for Sha256Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Pass one, on a blocking thread: body -> temp file + verifier.
fn spool(t: &Target, body: &mut dyn Read, file: &mut std::fs::File) -> Attempt<Spooled> {
    file.set_len(0).ok();
    if let Err(e) = file.seek(SeekFrom::Start(0)) {
        return Attempt::Fatal(e.into());
    }
    let mut out = BufWriter::with_capacity(BUF, &mut *file);
    let result = match (&t.media_key, &t.expected) {
        (Some(key), Some(exp)) => {
            let mut verifier = match MediaVerifier::new(key, t.media_type, exp.clone()) {
                Ok(v) => v,
                Err(e) => return crypto_attempt(e),
            };
            let mut tee = Tee {
                file: &mut out,
                check: &mut verifier,
                n: 0,
            };
            if let Err(e) = std::io::copy(body, &mut tee) {
                return Attempt::Transient(MediaTransferError::Io(e));
            }
            let n = tee.n;
            if let Err(e) = out.flush() {
                return Attempt::Fatal(e.into());
            }
            if let Err(e) = check_len(t, n) {
                return Attempt::Transient(e);
            }
            match verifier.finish() {
                Ok(v) => Spooled::Encrypted(v),
                Err(e) => return crypto_attempt(e),
            }
        }
        _ => {
            let mut hash = Sha256Sink(sha2::Sha256::new());
            let mut tee = Tee {
                file: &mut out,
                check: &mut hash,
                n: 0,
            };
            if let Err(e) = std::io::copy(body, &mut tee) {
                return Attempt::Transient(MediaTransferError::Io(e));
            }
            if let Err(e) = out.flush() {
                return Attempt::Fatal(e.into());
            }
            let digest = hash.0.finalize();
            if t.file_sha256.as_deref() != Some(&digest[..]) {
                return crypto_attempt(media::MediaError::FileHashMismatch);
            }
            Spooled::Plain
        }
    };
    Attempt::Done(result)
}

/// One streaming attempt (blocking): request, spool and verify.
fn stream_attempt(
    http: &dyn HttpClient,
    t: &Target,
    url: &str,
    file: &mut std::fs::File,
) -> Attempt<Spooled> {
    match http.execute_streaming(get_request(url)) {
        Ok(mut resp) => {
            if resp.status_code != 200 {
                return Attempt::Status(resp.status_code);
            }
            spool(t, &mut resp.body, file)
        }
        Err(HttpError::StreamingUnsupported) => Attempt::Fatal(MediaTransferError::Http {
            url: redact_url(url),
            source: HttpError::StreamingUnsupported,
        }),
        Err(e) => http_attempt(url, e),
    }
}

/// Pass two (blocking): temp file -> caller's writer.
fn emit<W: Write + ?Sized>(
    spooled: &Spooled,
    file: &mut std::fs::File,
    writer: &mut W,
) -> Result<u64, MediaTransferError> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::with_capacity(BUF, file);
    let n = match spooled {
        Spooled::Encrypted(v) => v.decrypt_into(&mut reader, &mut *writer)?,
        Spooled::Plain => std::io::copy(&mut reader, &mut *writer)?,
    };
    writer.flush()?;
    Ok(n)
}

impl Client {
    /// The URLs to try for a target, in order.
    async fn urls(&self, t: &Target, force: bool) -> Result<Vec<String>, MediaTransferError> {
        if t.direct_path.is_empty() {
            return Ok(t.static_url.iter().cloned().collect());
        }
        let conn = self.media_conn(force).await?;
        let scheme = self.media_scheme();
        let mut urls: Vec<String> = conn
            .host_names()
            .into_iter()
            .map(|h| {
                download_url(
                    scheme,
                    h,
                    &t.direct_path,
                    t.file_enc_sha256.as_deref(),
                    t.media_type,
                )
            })
            .collect();
        urls.extend(t.static_url.iter().cloned());
        Ok(urls)
    }

    /// Tries every URL with `attempt`; refreshes the media connection once on an auth-ish
    /// status; returns the first success or the most telling failure.
    async fn with_failover<T, F, Fut>(
        &self,
        t: &Target,
        mut attempt: F,
    ) -> Result<T, MediaTransferError>
    where
        F: FnMut(String) -> Fut,
        Fut: std::future::Future<Output = Attempt<T>>,
    {
        let mut refreshed = false;
        'conn: loop {
            let urls = self.urls(t, refreshed).await?;
            let mut last = MediaTransferError::MissingField("media hosts");
            for url in urls {
                match attempt(url.clone()).await {
                    Attempt::Done(v) => return Ok(v),
                    Attempt::Fatal(e) => return Err(e),
                    Attempt::Status(status)
                        if is_auth_status(status) && !t.direct_path.is_empty() =>
                    {
                        if refreshed {
                            return Err(MediaTransferError::Status {
                                status,
                                url: redact_url(&url),
                            });
                        }
                        log::info!(target: "Client/Media", "download answered {status}, refreshing media_conn and retrying");
                        refreshed = true;
                        self.invalidate_media_conn().await;
                        continue 'conn;
                    }
                    Attempt::Status(status) => {
                        log::warn!(target: "Client/Media", "download from {} answered {status}, trying next host", redact_url(&url));
                        last = MediaTransferError::Status {
                            status,
                            url: redact_url(&url),
                        };
                    }
                    Attempt::Transient(e) => {
                        log::warn!(target: "Client/Media", "download from {} failed: {e}, trying next host", redact_url(&url));
                        last = e;
                    }
                }
            }
            return Err(last);
        }
    }

    /// Downloads, verifies and decrypts media into memory.
    pub async fn download(
        &self,
        downloadable: &dyn Downloadable,
    ) -> Result<Vec<u8>, MediaTransferError> {
        let t = target(downloadable)?;
        let http = std::sync::Arc::clone(&self.http_client);
        self.with_failover(&t, |url| {
            let http = std::sync::Arc::clone(&http);
            let t = t.clone();
            async move {
                let resp = match http.execute(get_request(&url)).await {
                    Ok(r) => r,
                    Err(e) => return http_attempt(&url, e),
                };
                if resp.status_code != 200 {
                    return Attempt::Status(resp.status_code);
                }
                match tokio::task::spawn_blocking(move || decrypt_buffered(&t, &resp.body)).await {
                    Ok(a) => a,
                    Err(e) => Attempt::Fatal(MediaTransferError::Worker(e.to_string())),
                }
            }
        })
        .await
    }

    /// Streams media into `writer` in constant memory (see the module docs); returns the
    /// writer positioned at its start. On failure nothing unverified was written.
    pub async fn download_to_writer<W>(
        &self,
        downloadable: &dyn Downloadable,
        writer: W,
    ) -> Result<W, MediaTransferError>
    where
        W: Write + Seek + Send + 'static,
    {
        let mut writer = self.download_streaming(downloadable, writer).await?;
        writer.seek(SeekFrom::Start(0))?;
        Ok(writer)
    }

    /// Streams media into `writer` (a file, a socket...) in constant memory.
    pub async fn download_to_file<W>(
        &self,
        downloadable: &dyn Downloadable,
        writer: W,
    ) -> Result<(), MediaTransferError>
    where
        W: Write + Send + 'static,
    {
        self.download_streaming(downloadable, writer)
            .await
            .map(|_| ())
    }

    /// Downloads into an anonymous temporary file and returns it positioned at the start.
    pub async fn download_to_temp_file(
        &self,
        downloadable: &dyn Downloadable,
    ) -> Result<std::fs::File, MediaTransferError> {
        let file = tempfile::tempfile()?;
        self.download_to_writer(downloadable, file).await
    }

    async fn download_streaming<W>(
        &self,
        downloadable: &dyn Downloadable,
        writer: W,
    ) -> Result<W, MediaTransferError>
    where
        W: Write + Send + 'static,
    {
        let t = target(downloadable)?;
        let http = std::sync::Arc::clone(&self.http_client);
        let spool_file = tempfile::tempfile()?;
        let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(spool_file)));
        let spooled = self
            .with_failover(&t, |url| {
                let http = std::sync::Arc::clone(&http);
                let t = t.clone();
                let slot = std::sync::Arc::clone(&slot);
                async move {
                    let job = tokio::task::spawn_blocking(move || {
                        let mut guard = match slot.lock() {
                            Ok(g) => g,
                            Err(p) => p.into_inner(),
                        };
                        let Some(file) = guard.as_mut() else {
                            return Attempt::Fatal(MediaTransferError::Worker(
                                "spool file missing".into(),
                            ));
                        };
                        match stream_attempt(http.as_ref(), &t, &url, file) {
                            Attempt::Fatal(MediaTransferError::Http {
                                source: HttpError::StreamingUnsupported,
                                ..
                            }) => buffered_spool(http.as_ref(), &t, &url, file),
                            other => other,
                        }
                    });
                    match job.await {
                        Ok(a) => a,
                        Err(e) => Attempt::Fatal(MediaTransferError::Worker(e.to_string())),
                    }
                }
            })
            .await?;
        let file = match slot.lock() {
            Ok(mut g) => g.take(),
            Err(p) => p.into_inner().take(),
        };
        let mut file =
            file.ok_or_else(|| MediaTransferError::Worker("spool file missing".into()))?;
        tokio::task::spawn_blocking(move || {
            let mut writer = writer;
            emit(&spooled, &mut file, &mut writer)?;
            Ok(writer)
        })
        .await
        .map_err(|e| MediaTransferError::Worker(e.to_string()))?
    }

    /// [`Client::download`] from raw fields (when the message itself was not kept).
    #[allow(clippy::too_many_arguments)]
    pub async fn download_from_params(
        &self,
        direct_path: &str,
        media_key: &[u8],
        file_sha256: &[u8],
        file_enc_sha256: &[u8],
        file_length: u64,
        media_type: MediaType,
    ) -> Result<Vec<u8>, MediaTransferError> {
        let p = params(
            direct_path,
            media_key,
            file_sha256,
            file_enc_sha256,
            file_length,
            media_type,
        );
        self.download(&p).await
    }

    /// [`Client::download_to_writer`] from raw fields.
    #[allow(clippy::too_many_arguments)]
    pub async fn download_from_params_to_writer<W>(
        &self,
        direct_path: &str,
        media_key: &[u8],
        file_sha256: &[u8],
        file_enc_sha256: &[u8],
        file_length: u64,
        media_type: MediaType,
        writer: W,
    ) -> Result<W, MediaTransferError>
    where
        W: Write + Seek + Send + 'static,
    {
        let p = params(
            direct_path,
            media_key,
            file_sha256,
            file_enc_sha256,
            file_length,
            media_type,
        );
        self.download_to_writer(&p, writer).await
    }
}

/// Buffered fallback for HTTP clients without streaming: fetch, then spool from memory.
fn buffered_spool(
    http: &dyn HttpClient,
    t: &Target,
    url: &str,
    file: &mut std::fs::File,
) -> Attempt<Spooled> {
    let handle = match tokio::runtime::Handle::try_current() {
        Ok(h) => h,
        Err(e) => return Attempt::Fatal(MediaTransferError::Worker(e.to_string())),
    };
    match handle.block_on(http.execute(get_request(url))) {
        Ok(resp) if resp.status_code == 200 => spool(t, &mut resp.body.as_slice(), file),
        Ok(resp) => Attempt::Status(resp.status_code),
        Err(e) => http_attempt(url, e),
    }
}

fn params(
    direct_path: &str,
    media_key: &[u8],
    file_sha256: &[u8],
    file_enc_sha256: &[u8],
    file_length: u64,
    media_type: MediaType,
) -> DownloadParams {
    DownloadParams {
        direct_path: direct_path.to_owned(),
        media_key: (!media_key.is_empty()).then(|| media_key.to_vec()),
        file_sha256: file_sha256.to_vec(),
        file_enc_sha256: (!file_enc_sha256.is_empty()).then(|| file_enc_sha256.to_vec()),
        file_length: Some(file_length),
        media_type,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_size_bounds() {
        assert_eq!(min_upload_len(0), 26);
        assert_eq!(min_upload_len(15), 26);
        assert_eq!(min_upload_len(16), 42);
    }

    #[test]
    fn static_urls_only_on_whatsapp_https() {
        assert!(is_whatsapp_static_url("https://mmg.whatsapp.net/m1/v/x"));
        assert!(!is_whatsapp_static_url("http://mmg.whatsapp.net/x"));
        assert!(!is_whatsapp_static_url(
            "https://evil.example/x.whatsapp.net"
        ));
        assert!(!is_whatsapp_static_url("https://whatsapp.net.evil/x"));
    }

    #[test]
    fn targets_need_hashes_and_a_path() {
        let mut img = waproto::whatsapp::message::ImageMessage {
            direct_path: Some("/v/x".into()),
            media_key: Some(vec![1; 32]),
            file_sha256: Some(vec![2; 32]),
            file_enc_sha256: Some(vec![3; 32]),
            file_length: Some(5),
            ..Default::default()
        };
        assert!(target(&img).is_ok());
        img.file_enc_sha256 = None;
        assert!(matches!(
            target(&img),
            Err(MediaTransferError::MissingField(_))
        ));
        img.file_enc_sha256 = Some(vec![3; 31]);
        assert!(matches!(target(&img), Err(MediaTransferError::Crypto(_))));
        img.direct_path = Some("https://evil/x".into());
        assert!(matches!(
            target(&img),
            Err(MediaTransferError::InvalidDirectPath)
        ));
        img.direct_path = None;
        assert!(matches!(
            target(&img),
            Err(MediaTransferError::MissingField("direct path"))
        ));
    }

    #[test]
    fn spooling_verifies_before_release() {
        let data = vec![7u8; 100_000];
        let enc = media::encrypt_media(&data, MediaType::Document);
        let p = DownloadParams {
            direct_path: "/v/x".into(),
            media_key: Some(enc.info.media_key.to_vec()),
            file_sha256: enc.info.file_sha256.to_vec(),
            file_enc_sha256: Some(enc.info.file_enc_sha256.to_vec()),
            file_length: Some(data.len() as u64),
            media_type: MediaType::Document,
        };
        let t = target(&p).unwrap();
        let mut file = tempfile::tempfile().unwrap();
        let Attempt::Done(spooled) = spool(&t, &mut enc.data.as_slice(), &mut file) else {
            panic!("valid body must verify")
        };
        let mut out = Vec::new();
        emit(&spooled, &mut file, &mut out).unwrap();
        assert_eq!(out, data);

        let mut bad = enc.data.clone();
        bad[50] ^= 1;
        assert!(matches!(
            spool(&t, &mut bad.as_slice(), &mut file),
            Attempt::Fatal(MediaTransferError::Crypto(_))
        ));
        let short = &enc.data[..enc.data.len() / 2];
        assert!(matches!(
            spool(&t, &mut &short[..], &mut file),
            Attempt::Transient(MediaTransferError::Truncated { .. })
        ));
        assert!(matches!(
            decrypt_buffered(&t, short),
            Attempt::Transient(MediaTransferError::Truncated { .. })
        ));
        assert!(matches!(decrypt_buffered(&t, &enc.data), Attempt::Done(d) if d == data));
    }
}
