//! HTTPS for the guard's screen and the manager's pages: the certificate and key named by
//! `[web] tls_cert` / `tls_key`, or a self-signed certificate made in the data folder on first
//! run and kept, with its SHA-256 fingerprint for the guards to compare on their phones.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest as _, Sha256};

use crate::config;

/// The folder of the data folder that holds the self-signed certificate and its key.
pub const FOLDER: &str = "tls";
const CERT_FILE: &str = "cert.pem";
const KEY_FILE: &str = "key.pem";
/// How long a self-signed certificate made here is valid.
const VALID_DAYS: i64 = 10 * 365;

/// A certificate ready to serve.
#[derive(Clone)]
pub struct Tls {
    /// The rustls server configuration (HTTP/1.1 and HTTP/2).
    pub config: Arc<ServerConfig>,
    /// SHA-256 of the certificate, as browsers show it: `AB:CD:…` (32 pairs).
    pub fingerprint: String,
    /// The certificate file served.
    pub cert: PathBuf,
    /// A self-signed certificate made by this start (so its fingerprint is new).
    pub made: bool,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("fingerprint", &self.fingerprint)
            .field("cert", &self.cert)
            .field("made", &self.made)
            .finish_non_exhaustive()
    }
}

/// What is wrong with the certificate or its key, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "HTTPS 证书无法读取 (cannot read {what} {path}: {message}); check [web] tls_cert and tls_key"
    )]
    Read {
        what: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error(
        "HTTPS 证书文件不对 ({path} holds no certificate: tls_cert wants a PEM file with -----BEGIN CERTIFICATE-----)"
    )]
    NoCertificate { path: PathBuf },
    #[error(
        "HTTPS 私钥文件不对 ({path} holds no private key: tls_key wants a PEM file with -----BEGIN PRIVATE KEY----- (or RSA / EC PRIVATE KEY), not encrypted)"
    )]
    NoKey { path: PathBuf },
    #[error(
        "HTTPS 证书和私钥不配套 (the certificate {cert} and the key {key} do not go together: {message}); give the key the certificate was made for"
    )]
    Rejected {
        cert: PathBuf,
        key: PathBuf,
        message: String,
    },
    #[error(
        "无法保存 HTTPS 证书 (cannot write {path}: {message}); check the data folder's space and permissions"
    )]
    Write { path: PathBuf, message: String },
    #[error("cannot make a self-signed certificate: {0}")]
    Make(String),
}

/// Loads the certificate `config` names: its files, or the self-signed one in `data`/tls,
/// made first when there is none (`now` dates it).
pub fn load(config: &config::Tls, data: &Path, now: DateTime<Utc>) -> Result<Tls, TlsError> {
    match config {
        config::Tls::Files { cert, key } => from_files(cert, key, false),
        config::Tls::SelfSigned { names } => {
            let folder = data.join(FOLDER);
            let (cert, key) = (folder.join(CERT_FILE), folder.join(KEY_FILE));
            let made = !(cert.is_file() && key.is_file());
            if made {
                make_self_signed(&folder, &all_names(names), now)?;
            }
            from_files(&cert, &key, made)
        }
    }
}

fn from_files(cert: &Path, key: &Path, made: bool) -> Result<Tls, TlsError> {
    let unreadable = |what, path: &Path, e: &dyn std::fmt::Display| TlsError::Read {
        what,
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| unreadable("the certificate", cert, &pem_error(e)))?
        .collect::<Result<_, _>>()
        .map_err(|e| unreadable("the certificate", cert, &pem_error(e)))?;
    let Some(leaf) = chain.first() else {
        return Err(TlsError::NoCertificate {
            path: cert.to_path_buf(),
        });
    };
    let fingerprint = fingerprint(leaf);
    let private = match PrivateKeyDer::from_pem_file(key) {
        Ok(k) => k,
        Err(rustls::pki_types::pem::Error::NoItemsFound) => {
            return Err(TlsError::NoKey {
                path: key.to_path_buf(),
            });
        }
        Err(e) => return Err(unreadable("the private key", key, &pem_error(e))),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(chain, private))
        .map_err(|e| TlsError::Rejected {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            message: e.to_string(),
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        config: Arc::new(config),
        fingerprint,
        cert: cert.to_path_buf(),
        made,
    })
}

/// A PEM file's error in words (a missing file says so).
fn pem_error(e: rustls::pki_types::pem::Error) -> String {
    match e {
        rustls::pki_types::pem::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
            "no such file".to_owned()
        }
        rustls::pki_types::pem::Error::Io(io) => io.to_string(),
        other => format!("not a PEM file ({other:?})"),
    }
}

/// SHA-256 of a certificate as browsers show it: upper-case pairs joined by colons.
pub fn fingerprint(cert: &[u8]) -> String {
    Sha256::digest(cert)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The names of a self-signed certificate: localhost, the loopback addresses, the box's host
/// name, then those configured; each once.
fn all_names(configured: &[String]) -> Vec<String> {
    let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let host = host.trim().to_ascii_lowercase();
        // a host name a certificate can name (one rcgen would refuse is left out)
        if crate::config::is_host_name(&host) {
            names.push(format!("{host}.local"));
            names.push(host);
        }
    }
    names.extend(configured.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

/// Makes a self-signed certificate for `names` valid from a day before `now` for ten years,
/// and writes it and its key (readable by this user only) into `folder`.
fn make_self_signed(folder: &Path, names: &[String], now: DateTime<Utc>) -> Result<(), TlsError> {
    let make = |e: rcgen::Error| TlsError::Make(e.to_string());
    let mut params = rcgen::CertificateParams::new(names.to_vec()).map_err(make)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "gateward 门岗助手");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "gateward (self-signed)");
    let at = |t: DateTime<Utc>| {
        time::OffsetDateTime::from_unix_timestamp(t.timestamp())
            .map_err(|e| TlsError::Make(e.to_string()))
    };
    params.not_before = at(now - chrono::Duration::days(1))?;
    params.not_after = at(now + chrono::Duration::days(VALID_DAYS))?;
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate().map_err(make)?;
    let cert = params.self_signed(&key).map_err(make)?;
    std::fs::create_dir_all(folder).map_err(|e| TlsError::Write {
        path: folder.to_path_buf(),
        message: e.to_string(),
    })?;
    // the key first: a certificate without its key is never left behind
    write_new(
        &folder.join(KEY_FILE),
        key.serialize_pem().as_bytes(),
        0o600,
    )?;
    write_new(&folder.join(CERT_FILE), cert.pem().as_bytes(), 0o644)?;
    Ok(())
}

/// Writes `bytes` to `path` whole or not at all (a temporary file renamed), with `mode`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), TlsError> {
    let fail = |e: std::io::Error| TlsError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(fail)?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    file.write_all(bytes).map_err(fail)?;
    file.as_file().sync_all().map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-06T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_self_signed_certificate_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let source = config::Tls::SelfSigned {
            names: vec!["192.168.1.20".to_owned(), "gate-pc".to_owned()],
        };
        let first = load(&source, dir.path(), now()).unwrap();
        assert!(first.made);
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1);
        let again = load(&source, dir.path(), now()).unwrap();
        assert!(!again.made);
        assert_eq!(first.fingerprint, again.fingerprint);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let key = std::fs::metadata(dir.path().join("tls/key.pem")).unwrap();
            assert_eq!(key.permissions().mode() & 0o777, 0o600);
        }
        // the fingerprint is the certificate file's
        let pem = std::fs::read(dir.path().join("tls/cert.pem")).unwrap();
        let der = CertificateDer::from_pem_slice(&pem).unwrap();
        assert_eq!(fingerprint(&der), first.fingerprint);
    }

    #[test]
    fn a_wrong_file_is_named_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let made = config::Tls::SelfSigned { names: Vec::new() };
        load(&made, dir.path(), now()).unwrap();
        let cert = dir.path().join("tls/cert.pem");
        let key = dir.path().join("tls/key.pem");
        let missing = dir.path().join("nothing.pem");
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not a certificate\n").unwrap();

        let err = |c: &Path, k: &Path| {
            let files = config::Tls::Files {
                cert: c.to_path_buf(),
                key: k.to_path_buf(),
            };
            load(&files, Path::new("unused"), now())
                .unwrap_err()
                .to_string()
        };
        let e = err(&missing, &key);
        assert!(
            e.contains("nothing.pem") && e.contains("no such file"),
            "{e}"
        );
        let e = err(&text, &key);
        assert!(e.contains("holds no certificate"), "{e}");
        let e = err(&cert, &text);
        assert!(e.contains("holds no private key"), "{e}");
        // the certificate given as the key
        let e = err(&cert, &cert);
        assert!(e.contains("holds no private key"), "{e}");

        // another certificate's key
        let other = tempfile::tempdir().unwrap();
        load(&made, other.path(), now()).unwrap();
        let e = err(&cert, &other.path().join("tls/key.pem"));
        assert!(e.contains("do not go together"), "{e}");
    }

    #[test]
    fn the_names_hold_localhost_and_the_configured_once() {
        let names = all_names(&["localhost".into(), "10.0.0.5".into()]);
        assert_eq!(names[0], "localhost");
        assert_eq!(names.iter().filter(|n| *n == "localhost").count(), 1);
        assert!(names.contains(&"10.0.0.5".to_owned()));
    }
}
