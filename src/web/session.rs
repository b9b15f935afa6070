//! Who a request is from: the signed-in user that the session check (in `auth`) hands
//! every page, what that user may do, and the names of the session's cookie and anti-forgery
//! field. A leaf that the page frame and the login both use.

use super::error::WebError;
use crate::store::User;

/// The session cookie.
pub const SESSION_COOKIE: &str = "gw_session";
/// The form field and header carrying the anti-forgery token.
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The user of a request that passed the session check.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user: User,
    /// The session's anti-forgery token, for the forms of the page.
    pub csrf: String,
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
