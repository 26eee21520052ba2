//! People and API tokens as the users page shows them, and what changing them can answer.

use crate::auth::roles::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub must_change_password: bool,
    pub last_sign_in: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserFieldError {
    NameMissing,
    EmailInvalid,
    EmailTaken,
    RoleUnknown,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AddUserOutcome {
    /// Shown once: the password to hand to the new user, who must replace it at sign-in.
    Added {
        email: String,
        one_time_password: String,
    },
    Invalid {
        errors: Vec<UserFieldError>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserChangeOutcome {
    Done,
    /// Refused: it would leave no enabled admin.
    LastAdmin,
    NoSuchUser,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasswordChangeOutcome {
    Changed,
    WrongCurrent,
    Mismatch,
    Refused(crate::auth::password_policy::PasswordProblem),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token just made: the secret is in this answer and nowhere else, ever.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: Uuid,
    pub name: String,
    pub secret: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Whether a name (of a person or a token) is 1 to 100 printable characters: nothing lost in
/// decoding (U+FFFD), no control characters.
pub fn printable_name(name: &str) -> bool {
    let length = name.chars().count();
    (1..=100).contains(&length) && !name.chars().any(|c| c.is_control() || c == '\u{FFFD}')
}

/// Whether an email address looks deliverable enough to be a sign-in name.
pub fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c == ',')
        && email.len() <= 254
}

#[cfg(test)]
mod tests {
    #[test]
    fn emails_are_checked_for_their_shape() {
        assert!(super::plausible_email("ada@example.com"));
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@.com",
        ] {
            assert!(!super::plausible_email(bad), "{bad}");
        }
    }
}
