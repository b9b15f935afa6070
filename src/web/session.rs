//! Who a request is from: the signed-in user (or paired gate screen) that the session check
//! (in `auth`) hands every page, what that user may do, the names of the session's and the
//! screen's cookies and of the anti-forgery field, and the tokens they carry. A leaf that the
//! page frame, the login and the screen's pairing all use.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::WebError;
use crate::store::User;

/// The session cookie.
pub const SESSION_COOKIE: &str = "gw_session";
/// The cookie of a gate PC paired as a guard screen (see `kiosk`).
pub const KIOSK_COOKIE: &str = "gw_kiosk";

/// A fresh random token: 32 bytes, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Whether the token `a` (never empty) is `b`, compared in constant time.
pub fn same_token(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The sha256 of a token, hex: what the records keep instead of the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
/// The form field and header carrying the anti-forgery token.
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The user of a request that passed the session check.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user: User,
    /// The session's anti-forgery token, for the forms of the page.
    pub csrf: String,
    /// The paired screen this request comes from, when it is the gate PC's cookie and not a
    /// person's login that opened it: it may open only the guard screen.
    pub kiosk: Option<i64>,
}

impl Authed {
    /// Refuses unless the user may export or delete personal data.
    pub fn may_export(&self) -> Result<(), WebError> {
        if self.user.role.may_export() {
            Ok(())
        } else {
            Err(WebError::Forbidden(
                "门岗账号不能导出或删除个人信息，请联系分队长或管理处 (a guard's account cannot export or delete personal data)".into(),
            ))
        }
    }

    /// Refuses unless the user may manage the records.
    pub fn may_manage(&self) -> Result<(), WebError> {
        if self.user.role.may_manage() {
            Ok(())
        } else {
            Err(WebError::Forbidden(
                "只有管理处可以修改住户、车辆和出入证资料 (only the management office may change the records)".into(),
            ))
        }
    }
}
